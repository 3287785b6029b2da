"""Keras <-> PyTorch for LSTM and GRU: weight conversion, and where things sit in each.

NumPy only, so the site builds without PyTorch. ``nox -s torch`` (run by ``nox -s tests``)
loads every conversion here into real ``torch.nn.LSTM`` / ``torch.nn.GRU`` modules and
checks each row of :data:`TORCH_SHAPES` and :data:`FINAL_STATES` against real torch.

The two libraries store the same numbers differently:

- **transposed**: Keras multiplies ``x @ kernel`` with ``kernel`` of shape
  ``(features, gates·units)``; PyTorch computes ``W_ih @ x`` with ``weight_ih_l0`` of shape
  ``(gates·hidden_size, input_size)``;
- **gate order**: LSTM blocks are ``i, f, c(g), o`` in both; GRU blocks are ``z, r, h`` in
  Keras but ``r, z, n`` in PyTorch;
- **biases**: PyTorch has two (``bias_ih`` and ``bias_hh``) that are simply added for an
  LSTM, so Keras's one bias becomes ``bias_ih`` with ``bias_hh = 0`` (and back, their sum).
  A Keras GRU with ``reset_after=True`` (the default) has the same two biases as PyTorch;
  ``reset_after=False`` computes something PyTorch's GRU cannot, so it is refused.

>>> import numpy as np
>>> kernel, recurrent, bias = np.ones((3, 16)), np.ones((4, 16)), np.arange(16.0)
>>> params = to_torch("LSTM", [kernel, recurrent, bias])
>>> {name: value.shape for name, value in params.items()}
{'weight_ih_l0': (16, 3), 'weight_hh_l0': (16, 4), 'bias_ih_l0': (16,), 'bias_hh_l0': (16,)}
>>> all(np.array_equal(a, b) for a, b in zip(from_torch("LSTM", params), [kernel, recurrent, bias]))
True
"""

from __future__ import annotations

import numpy as np

#: For each PyTorch gate block, the Keras block it comes from.
TORCH_ORDER = {"LSTM": (0, 1, 2, 3), "GRU": (1, 0, 2)}


def _reorder(array: np.ndarray, kind: str, *, to_torch: bool) -> np.ndarray:
    """Permute the gate blocks along the last axis, Keras -> PyTorch or back."""
    order = TORCH_ORDER[kind]
    if not to_torch:
        order = tuple(int(i) for i in np.argsort(order))
    blocks = np.split(array, len(order), axis=-1)
    return np.concatenate([blocks[i] for i in order], axis=-1)


def to_torch(kind: str, weights, suffix: str = "_l0") -> dict[str, np.ndarray]:
    """Keras weights (``layer.get_weights()``) -> PyTorch parameters, by PyTorch's names.

    ``suffix`` is ``"_l0"`` for the first layer; ``"_l0_reverse"`` for the backward
    direction of a bidirectional module.
    """
    kernel, recurrent_kernel, bias = (np.asarray(w) for w in weights)
    if kind == "GRU" and bias.ndim == 1:
        raise ValueError(
            "a GRU with reset_after=False has no PyTorch equivalent: PyTorch applies the reset gate "
            "after the recurrent matrix product, as Keras does with reset_after=True (the default)"
        )
    input_bias, recurrent_bias = (bias, np.zeros_like(bias)) if kind == "LSTM" else bias
    return {
        f"weight_ih{suffix}": _reorder(kernel, kind, to_torch=True).T,
        f"weight_hh{suffix}": _reorder(recurrent_kernel, kind, to_torch=True).T,
        f"bias_ih{suffix}": _reorder(input_bias, kind, to_torch=True),
        f"bias_hh{suffix}": _reorder(recurrent_bias, kind, to_torch=True),
    }


def from_torch(kind: str, params: dict[str, np.ndarray], suffix: str = "_l0") -> list[np.ndarray]:
    """PyTorch parameters -> Keras weights, for ``layer.set_weights``."""
    kernel = _reorder(np.asarray(params[f"weight_ih{suffix}"]).T, kind, to_torch=False)
    recurrent_kernel = _reorder(np.asarray(params[f"weight_hh{suffix}"]).T, kind, to_torch=False)
    input_bias = _reorder(np.asarray(params[f"bias_ih{suffix}"]), kind, to_torch=False)
    recurrent_bias = _reorder(np.asarray(params[f"bias_hh{suffix}"]), kind, to_torch=False)
    if kind == "LSTM":
        return [kernel, recurrent_kernel, input_bias + recurrent_bias]
    return [kernel, recurrent_kernel, np.stack([input_bias, recurrent_bias])]


def layer_to_torch(layer) -> dict[str, np.ndarray]:
    """A built Keras ``LSTM``/``GRU``, or ``Bidirectional`` around one, -> a PyTorch state dict."""
    if type(layer).__name__ == "Bidirectional":
        kind = type(layer.forward_layer).__name__
        return {
            **to_torch(kind, layer.forward_layer.get_weights()),
            **to_torch(kind, layer.backward_layer.get_weights(), suffix="_l0_reverse"),
        }
    return to_torch(type(layer).__name__, layer.get_weights())


def torch_to_layer(params: dict[str, np.ndarray], layer) -> None:
    """Set a built Keras layer's weights from a PyTorch state dict (NumPy values)."""
    if type(layer).__name__ == "Bidirectional":
        kind = type(layer.forward_layer).__name__
        layer.forward_layer.set_weights(from_torch(kind, params))
        layer.backward_layer.set_weights(from_torch(kind, params, suffix="_l0_reverse"))
    else:
        layer.set_weights(from_torch(type(layer).__name__, params))


#: What PyTorch returns, in symbols: (module call, output, h_n, c_n). ``D`` is 2 for
#: ``bidirectional=True`` and 1 otherwise. Checked against torch by ``nox -s torch``.
TORCH_SHAPES = (
    ("nn.LSTM(features, units)", "(timesteps, batch, units)", "(1, batch, units)", "(1, batch, units)"),
    (
        "nn.LSTM(features, units, batch_first=True)",
        "(batch, timesteps, units)",
        "(1, batch, units)",
        "(1, batch, units)",
    ),
    (
        "nn.LSTM(features, units, batch_first=True, num_layers=3)",
        "(batch, timesteps, units)",
        "(num_layers, batch, units)",
        "(num_layers, batch, units)",
    ),
    (
        "nn.LSTM(features, units, batch_first=True, bidirectional=True)",
        "(batch, timesteps, 2·units)",
        "(2, batch, units)",
        "(2, batch, units)",
    ),
    (
        "nn.LSTM(features, units, batch_first=True, num_layers=3, bidirectional=True)",
        "(batch, timesteps, 2·units)",
        "(2·num_layers, batch, units)",
        "(2·num_layers, batch, units)",
    ),
    ("nn.GRU(features, units, batch_first=True)", "(batch, timesteps, units)", "(1, batch, units)", "—"),
    (
        "nn.GRU(features, units, batch_first=True, bidirectional=True)",
        "(batch, timesteps, 2·units)",
        "(2, batch, units)",
        "—",
    ),
)

#: Where each final hidden state sits, for ``batch_first=True`` modules: (module, state, equals).
#: Checked against torch by ``nox -s torch``.
FINAL_STATES = (
    ("nn.LSTM(features, units, batch_first=True)", "h_n[0]", "output[:, -1, :]"),
    ("nn.LSTM(features, units, batch_first=True, num_layers=3)", "h_n[-1]", "output[:, -1, :]"),
    ("nn.LSTM(features, units, batch_first=True, bidirectional=True)", "h_n[0]", "output[:, -1, :units]"),
    ("nn.LSTM(features, units, batch_first=True, bidirectional=True)", "h_n[1]", "output[:, 0, units:]"),
    ("nn.GRU(features, units, batch_first=True, bidirectional=True)", "h_n[0]", "output[:, -1, :units]"),
    ("nn.GRU(features, units, batch_first=True, bidirectional=True)", "h_n[1]", "output[:, 0, units:]"),
)
