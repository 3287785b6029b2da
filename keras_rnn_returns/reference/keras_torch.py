"""Keras <-> PyTorch weights for LSTM, GRU and SimpleRNN layers, as NumPy arrays.

Put this file beside your code; it needs NumPy only (PyTorch takes and gives the arrays).
:func:`to_torch` turns a Keras layer's weights, in ``layer.get_weights()`` order, into a
PyTorch state dict for ``torch.nn.LSTM`` / ``GRU`` / ``RNN``; :func:`from_torch` turns a
state dict back into Keras weights, for ``layer.set_weights``. A ``Bidirectional`` layer's
weights (forward, then backward) map to a ``bidirectional=True`` module.

>>> import numpy as np
>>> kernel, recurrent_kernel, bias = np.ones((3, 16)), np.ones((4, 16)), np.arange(16.0)  # LSTM(4)
>>> params = to_torch("LSTM", [kernel, recurrent_kernel, bias])
>>> {name: value.shape for name, value in params.items()}
{'weight_ih_l0': (16, 3), 'weight_hh_l0': (16, 4), 'bias_ih_l0': (16,), 'bias_hh_l0': (16,)}
>>> all(np.array_equal(a, b) for a, b in zip(from_torch("LSTM", params), [kernel, recurrent_kernel, bias]))
True

With PyTorch: ``module.load_state_dict({k: torch.from_numpy(v) for k, v in params.items()})``
and back, ``from_torch("LSTM", {k: v.numpy() for k, v in module.state_dict().items()})``.

The two libraries store the same numbers differently:

- **transposed**: Keras multiplies ``x @ kernel`` with ``kernel`` of shape
  ``(features, gates·units)``; PyTorch computes ``W_ih @ x`` with ``weight_ih_l0`` of shape
  ``(gates·hidden_size, input_size)``;
- **gate order**: LSTM blocks are ``i, f, c(g), o`` in both; GRU blocks are ``z, r, h`` in
  Keras but ``r, z, n`` in PyTorch;
- **biases**: PyTorch has two (``bias_ih`` and ``bias_hh``). An LSTM or SimpleRNN adds them,
  so Keras's one bias becomes ``bias_ih`` with ``bias_hh = 0`` (and back, their sum). A
  Keras GRU with ``reset_after=True`` (the default) has the same two biases as PyTorch, as
  the rows of its ``(2, 3·units)`` bias. ``use_bias=False`` is PyTorch's ``bias=False``.

What PyTorch's modules cannot compute raises ``NotImplementedError`` naming the option: a
GRU with ``reset_after=False``, activations other than PyTorch's (``tanh`` and ``sigmoid``;
``tanh`` or ``relu`` for a SimpleRNN, PyTorch's ``nonlinearity``), and ``go_backwards=True``.
"""

from __future__ import annotations

import numpy as np

#: For each PyTorch gate block, the Keras block it comes from.
TORCH_ORDER = {"LSTM": (0, 1, 2, 3), "GRU": (1, 0, 2), "SimpleRNN": (0,)}
#: The PyTorch module for each Keras layer.
TORCH_MODULE = {"LSTM": "nn.LSTM", "GRU": "nn.GRU", "SimpleRNN": "nn.RNN"}


def _reorder(array: np.ndarray, kind: str, *, to_torch: bool) -> np.ndarray:
    """Permute the gate blocks along the last axis, Keras -> PyTorch or back."""
    order = TORCH_ORDER[kind]
    if not to_torch:
        order = tuple(int(i) for i in np.argsort(order))
    blocks = np.split(array, len(order), axis=-1)
    return np.concatenate([blocks[i] for i in order], axis=-1)


def _not_reproduced(kind, reset_after, activation, recurrent_activation, go_backwards) -> None:
    """Raise NotImplementedError, naming the option, for what PyTorch's modules cannot compute."""
    if kind not in TORCH_ORDER:
        raise NotImplementedError(f"kind={kind!r}: only 'LSTM', 'GRU' and 'SimpleRNN' have a PyTorch module")
    if kind == "GRU" and not reset_after:
        raise NotImplementedError(
            "reset_after=False: PyTorch's GRU applies the reset gate after the recurrent matrix "
            "product, as Keras does with reset_after=True (the default)"
        )
    allowed = ("tanh", "relu") if kind == "SimpleRNN" else ("tanh",)
    if activation not in allowed:
        raise NotImplementedError(f"activation={activation!r}: PyTorch's {TORCH_MODULE[kind]} computes {allowed}")
    if kind != "SimpleRNN" and recurrent_activation != "sigmoid":
        raise NotImplementedError(
            f"recurrent_activation={recurrent_activation!r}: PyTorch's {TORCH_MODULE[kind]} gates with sigmoid"
        )
    if go_backwards:
        raise NotImplementedError(
            "go_backwards=True: PyTorch reads backwards only as the second direction of a "
            "bidirectional module; flip the time axis of the input (and output) yourself"
        )


def _direction_to_torch(kind, weights, suffix, use_bias) -> dict[str, np.ndarray]:
    arrays = [np.asarray(w) for w in weights]
    if len(arrays) != (3 if use_bias else 2):
        raise ValueError(
            f"{kind} with use_bias={use_bias} has {3 if use_bias else 2} weight arrays per direction, got {len(arrays)}"
        )
    kernel, recurrent_kernel = arrays[:2]
    params = {
        f"weight_ih{suffix}": _reorder(kernel, kind, to_torch=True).T,
        f"weight_hh{suffix}": _reorder(recurrent_kernel, kind, to_torch=True).T,
    }
    if use_bias:
        bias = arrays[2]
        if kind == "GRU" and bias.ndim == 1:  # the weights of a GRU(reset_after=False)
            _not_reproduced(kind, False, "tanh", "sigmoid", False)
        input_bias, recurrent_bias = bias if kind == "GRU" else (bias, np.zeros_like(bias))
        params[f"bias_ih{suffix}"] = _reorder(input_bias, kind, to_torch=True)
        params[f"bias_hh{suffix}"] = _reorder(recurrent_bias, kind, to_torch=True)
    return params


def to_torch(
    kind,
    weights,
    *,
    bidirectional=False,
    layer=0,
    use_bias=True,
    reset_after=True,
    activation="tanh",
    recurrent_activation="sigmoid",
    go_backwards=False,
) -> dict[str, np.ndarray]:
    """Keras weights -> a PyTorch state dict (NumPy values), by PyTorch's parameter names.

    ``weights`` is ``layer.get_weights()`` of an ``LSTM``, ``GRU`` or ``SimpleRNN`` (``kind``),
    or with ``bidirectional=True`` of a ``Bidirectional`` around one: the forward layer's
    arrays, then the backward layer's, which become PyTorch's ``..._reverse`` parameters.
    ``layer`` numbers the parameters (``_l0``, ``_l1``, ...) for one layer of a stack
    (``num_layers``). The other options are the Keras layer's.

    >>> one_direction = [np.ones((3, 12)), np.ones((4, 12)), np.ones((2, 12))]  # GRU(4), reset_after=True
    >>> sorted(to_torch("GRU", one_direction * 2, bidirectional=True))[:4]
    ['bias_hh_l0', 'bias_hh_l0_reverse', 'bias_ih_l0', 'bias_ih_l0_reverse']
    >>> to_torch("GRU", one_direction, activation="relu")
    Traceback (most recent call last):
    ...
    NotImplementedError: activation='relu': PyTorch's nn.GRU computes ('tanh',)
    """
    _not_reproduced(kind, reset_after, activation, recurrent_activation, go_backwards)
    weights = list(weights)
    if not bidirectional:
        return _direction_to_torch(kind, weights, f"_l{layer}", use_bias)
    if len(weights) % 2:
        raise ValueError(f"bidirectional=True needs the forward and the backward weights; got {len(weights)} arrays")
    half = len(weights) // 2
    return {
        **_direction_to_torch(kind, weights[:half], f"_l{layer}", use_bias),
        **_direction_to_torch(kind, weights[half:], f"_l{layer}_reverse", use_bias),
    }


def _direction_from_torch(kind, params, suffix) -> list[np.ndarray]:
    weights = [
        _reorder(np.asarray(params[f"weight_ih{suffix}"]).T, kind, to_torch=False),
        _reorder(np.asarray(params[f"weight_hh{suffix}"]).T, kind, to_torch=False),
    ]
    if f"bias_ih{suffix}" in params:  # a module built with bias=False has none: Keras's use_bias=False
        input_bias = _reorder(np.asarray(params[f"bias_ih{suffix}"]), kind, to_torch=False)
        recurrent_bias = _reorder(np.asarray(params[f"bias_hh{suffix}"]), kind, to_torch=False)
        weights.append(np.stack([input_bias, recurrent_bias]) if kind == "GRU" else input_bias + recurrent_bias)
    return weights


def from_torch(kind, params, *, layer=0) -> list[np.ndarray]:
    """A PyTorch state dict (NumPy values) -> Keras weights, for ``layer.set_weights``.

    Gives the arrays of layer ``layer`` of the module (``_l0`` by default), and when the
    module is bidirectional the backward direction's after them, the order a Keras
    ``Bidirectional`` layer takes. A module built with ``bias=False`` gives two arrays per
    direction, for a Keras layer with ``use_bias=False``.

    >>> params = {"weight_ih_l0": np.ones((4, 3)), "weight_hh_l0": np.ones((4, 4))}  # nn.RNN(3, 4, bias=False)
    >>> [w.shape for w in from_torch("SimpleRNN", params)]  # kernel, recurrent_kernel
    [(3, 4), (4, 4)]
    """
    if kind not in TORCH_ORDER:
        _not_reproduced(kind, True, "tanh", "sigmoid", False)
    if f"weight_hr_l{layer}" in params:  # nn.LSTM(..., proj_size=...) projects h; no Keras layer does
        raise NotImplementedError(
            f"proj_size={len(params[f'weight_hr_l{layer}'])}: Keras's LSTM has no projection of h"
        )
    weights = _direction_from_torch(kind, params, f"_l{layer}")
    if f"weight_ih_l{layer}_reverse" in params:
        weights += _direction_from_torch(kind, params, f"_l{layer}_reverse")
    return weights
