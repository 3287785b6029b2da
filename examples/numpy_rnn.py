"""A NumPy reference for Keras's recurrent layers: what they compute, written out.

One step function per layer (the equations, with Keras's weight names and gate order) and
one loop (:func:`run`) that handles ``return_sequences``, ``return_state``,
``go_backwards``, ``initial_state`` and a mask the way Keras does. :func:`bidirectional`
wraps two runs the way ``keras.layers.Bidirectional`` does, for every ``merge_mode``.
They take a *built* Keras layer, read its weights and configuration, and return the same
structure Keras returns. Clarity beats speed: nothing here is vectorised over time.

>>> import keras
>>> keras.utils.set_random_seed(0)
>>> x = np.random.default_rng(0).random((2, 5, 3), dtype="float32")
>>> layer = keras.layers.LSTM(4, return_sequences=True, return_state=True)
>>> keras_output, keras_h, keras_c = layer(x)
>>> output, h, c = run(layer, x)
>>> np.allclose(output, keras_output, atol=1e-6) and np.allclose(c, keras_c, atol=1e-6)
True
"""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, Keras's default ``recurrent_activation``."""
    return 1 / (1 + np.exp(-x))


def lstm_step(x, states, kernel, recurrent_kernel, bias):
    """One LSTM step: returns ``(output, [h, c])``.

    ``kernel`` is ``(features, 4·units)``, ``recurrent_kernel`` ``(units, 4·units)`` and
    ``bias`` ``(4·units,)``; each holds four blocks of ``units`` columns, in the order
    input gate ``i``, forget gate ``f``, candidate ``g`` (Keras calls it ``c``), output gate ``o``.

    >>> U = 2
    >>> out, (h, c) = lstm_step(np.ones((1, 3)), [np.zeros((1, U)), np.zeros((1, U))],
    ...                         np.zeros((3, 4 * U)), np.zeros((U, 4 * U)), np.zeros(4 * U))
    >>> out.shape, h.shape, c.shape
    ((1, 2), (1, 2), (1, 2))
    """
    h, c = states
    z = x @ kernel + h @ recurrent_kernel + bias
    i, f, g, o = np.split(z, 4, axis=-1)
    i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
    c = f * c + i * g  # forget part of the memory, add new content
    h = o * np.tanh(c)  # show a gated view of it
    return h, [h, c]


def gru_step(x, states, kernel, recurrent_kernel, bias, reset_after=True):
    """One GRU step: returns ``(output, [h])``.

    ``kernel`` is ``(features, 3·units)`` and ``recurrent_kernel`` ``(units, 3·units)``,
    blocks in the order update gate ``z``, reset gate ``r``, candidate ``hh``. With
    ``reset_after=True`` (the default, and cuDNN's form) ``bias`` is ``(2, 3·units)``: an
    input bias and a recurrent bias, and the reset gate scales the recurrent term *after*
    the matrix product. With ``reset_after=False`` ``bias`` is ``(3·units,)`` and the reset
    gate scales ``h`` *before* it.
    """
    (h,) = states
    units = h.shape[-1]
    input_bias, recurrent_bias = bias if reset_after else (bias, np.zeros_like(bias))
    x_z, x_r, x_h = np.split(x @ kernel + input_bias, 3, axis=-1)
    h_z, h_r, h_h = np.split(h @ recurrent_kernel + recurrent_bias, 3, axis=-1)
    z = sigmoid(x_z + h_z)
    r = sigmoid(x_r + h_r)
    if reset_after:
        hh = np.tanh(x_h + r * h_h)
    else:
        hh = np.tanh(x_h + (r * h) @ recurrent_kernel[:, 2 * units :])
    h = z * h + (1 - z) * hh  # Keras keeps the old state where z is 1
    return h, [h]


def simple_rnn_step(x, states, kernel, recurrent_kernel, bias):
    """One SimpleRNN step: returns ``(output, [h])``; ``h = tanh(x·kernel + h·recurrent_kernel + bias)``."""
    (h,) = states
    h = np.tanh(x @ kernel + h @ recurrent_kernel + bias)
    return h, [h]


def _step_function(layer):
    """The step function for a Keras layer, after checking it uses the defaults written here."""
    kind = type(layer).__name__
    config = layer.get_config()
    if config.get("activation", "tanh") != "tanh" or config.get("recurrent_activation", "sigmoid") != "sigmoid":
        raise NotImplementedError(f"{kind}: only the default activations are written out here")
    if not config.get("use_bias", True):
        raise NotImplementedError(f"{kind}: only use_bias=True is written out here")
    if kind == "LSTM":
        return lstm_step
    if kind == "GRU":
        return lambda x, s, *w: gru_step(x, s, *w, reset_after=config["reset_after"])
    if kind == "SimpleRNN":
        return simple_rnn_step
    raise NotImplementedError(f"no NumPy reference for {kind}")


def run(layer, x, initial_state=None, mask=None):
    """Run a built Keras ``LSTM``, ``GRU`` or ``SimpleRNN`` on ``x`` with NumPy.

    Returns what ``layer(x, initial_state=..., mask=...)`` returns: the output (the last
    step's, or every step's with ``return_sequences``), then the final states with
    ``return_state``. ``mask`` is ``(batch, timesteps)`` booleans; at a masked step the
    states are carried over unchanged and the output is the previous step's output
    (zeros if ``layer.zero_output_for_mask``, which Bidirectional sets).
    """
    if not layer.built:
        raise ValueError(f"{layer.name} has no weights yet: call it (or build it) before running it here")
    step = _step_function(layer)
    weights = [np.asarray(w, dtype="float64") for w in layer.get_weights()]
    x = np.asarray(x, dtype="float64")
    batch, timesteps = x.shape[:2]
    n_states = 2 if type(layer).__name__ == "LSTM" else 1
    if initial_state is None:
        states = [np.zeros((batch, layer.units)) for _ in range(n_states)]
    else:
        states = [np.asarray(s, dtype="float64") for s in initial_state]
    mask = np.ones((batch, timesteps), bool) if mask is None else np.asarray(mask, bool)

    output = np.zeros((batch, layer.units))  # what a masked first step emits
    outputs = []
    order = reversed(range(timesteps)) if layer.go_backwards else range(timesteps)
    for t in order:  # with go_backwards the outputs stay in the order they were computed
        new_output, new_states = step(x[:, t], states, *weights)
        keep = mask[:, t, None]
        held = np.zeros_like(output) if layer.zero_output_for_mask else output
        output = np.where(keep, new_output, held)
        states = [np.where(keep, new, old) for new, old in zip(new_states, states, strict=True)]
        outputs.append(output)

    result = np.stack(outputs, axis=1) if layer.return_sequences else outputs[-1]
    if layer.return_state:
        return (result.astype("float32"), *(s.astype("float32") for s in states))
    return result.astype("float32")


MERGES = {
    "concat": lambda f, b: np.concatenate([f, b], axis=-1),
    "sum": lambda f, b: f + b,
    "mul": lambda f, b: f * b,
    "ave": lambda f, b: (f + b) / 2,
}


def bidirectional(wrapper, x, mask=None):
    """Run a built ``keras.layers.Bidirectional`` with NumPy.

    The forward layer reads the sequence as given; the backward layer (``go_backwards``)
    reads it from the end, and its output sequence is turned back into input order before
    the two are merged by ``merge_mode``. Returns what Keras returns: the merged output (or
    the forward and backward outputs, with ``merge_mode=None``), then with ``return_state``
    the forward layer's states and then the backward layer's.
    """
    forward = run(wrapper.forward_layer, x, mask=mask)
    backward = run(wrapper.backward_layer, x, mask=mask)
    if wrapper.return_state:
        (forward, *forward_states), (backward, *backward_states) = forward, backward
    else:
        forward_states = backward_states = []
    if wrapper.return_sequences:
        backward = backward[:, ::-1]  # back into input order: row t is input step t
    if wrapper.merge_mode is None:
        output = (forward, backward)
    else:
        output = (MERGES[wrapper.merge_mode](forward, backward),)
    if not wrapper.return_state and len(output) == 1:
        return output[0]
    return (*output, *forward_states, *backward_states)
