"""A NumPy reference for Keras's recurrent layers: what LSTM, GRU and SimpleRNN compute.

Put this file beside your code; it needs NumPy only. Give it a layer's weights as NumPy
arrays, in the order ``layer.get_weights()`` lists them (``kernel``, ``recurrent_kernel``
and, unless ``use_bias=False``, ``bias``), with the options you gave the layer, and it
returns what the layer returns, in the same order: the output (the last step's, or every
step's with ``return_sequences=True``), then, with ``return_state=True``, the final states.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> x = rng.random((2, 5, 3))  # (batch, timesteps, features)
>>> weights = [rng.normal(size=(3, 16)), rng.normal(size=(4, 16)), np.zeros(16)]  # LSTM(4)
>>> output, h, c = rnn("LSTM", x, weights, return_sequences=True, return_state=True)
>>> output.shape, h.shape, c.shape
((2, 5, 4), (2, 4), (2, 4))
>>> bool(np.allclose(output[:, -1], h))  # the last step's output is the final h
True

:func:`bidirectional` does what ``keras.layers.Bidirectional`` does, for every
``merge_mode``. One step function per layer (:func:`lstm_step`, :func:`gru_step`,
:func:`simple_rnn_step`) holds the equations, with Keras's weight layout and gate order.

What it does not reproduce raises ``NotImplementedError`` naming the option (other
activations, ``stateful=True``, dropout while training), never a silently different
result on a CPU (on a GPU, TensorFlow's cuDNN kernel outputs zeros at right-padded steps,
where this reference and Keras's own loop repeat the last real step's output). On a CPU,
Keras's backends differ in one place: with an ``initial_state`` and a mask, at
masked steps before a sequence's first real step, JAX outputs the initial ``h`` where
TensorFlow and PyTorch output zeros. There, pass ``backend=keras.backend.backend()``;
without it, such a call raises. Clarity beats speed: nothing is vectorised over time. Computed in float64,
returned as float32, as Keras computes by default.
"""

from __future__ import annotations

import numpy as np

#: The number of states each layer carries: LSTM ``[h, c]``, the others ``[h]``.
STATES = {"LSTM": 2, "GRU": 1, "SimpleRNN": 1}


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, Keras's default ``recurrent_activation``.

    >>> sigmoid(np.array([0.0]))
    array([0.5])
    """
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

    >>> U = 2
    >>> out, (h,) = gru_step(np.ones((1, 3)), [np.ones((1, U))], np.zeros((3, 3 * U)), np.zeros((U, 3 * U)),
    ...                      np.zeros((2, 3 * U)))
    >>> out.shape, bool(np.allclose(h, 0.5))  # z = 0.5 keeps half the old state, hh = 0 adds nothing
    ((1, 2), True)
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
    """One SimpleRNN step: returns ``(output, [h])``; ``h = tanh(x·kernel + h·recurrent_kernel + bias)``.

    >>> out, (h,) = simple_rnn_step(np.ones((1, 3)), [np.zeros((1, 2))], np.zeros((3, 2)), np.zeros((2, 2)), np.ones(2))
    >>> bool(np.allclose(out, np.tanh(1.0))) and out is h
    True
    """
    (h,) = states
    h = np.tanh(x @ kernel + h @ recurrent_kernel + bias)
    return h, [h]


def _not_reproduced(kind, activation, recurrent_activation, stateful, dropout, recurrent_dropout, training):
    """Raise NotImplementedError, naming the option, for what this file does not compute."""
    if kind not in STATES:
        raise NotImplementedError(f"kind={kind!r}: only 'LSTM', 'GRU' and 'SimpleRNN' are written out here")
    if activation != "tanh":
        raise NotImplementedError(f"activation={activation!r}: only 'tanh', the default, is written out here")
    if kind != "SimpleRNN" and recurrent_activation != "sigmoid":
        raise NotImplementedError(
            f"recurrent_activation={recurrent_activation!r}: only 'sigmoid', the default, is written out here"
        )
    if stateful:
        raise NotImplementedError(
            "stateful=True: this function keeps no state between calls; pass the previous call's "
            "final states as initial_state instead"
        )
    for name, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
        if rate and training:
            raise NotImplementedError(
                f"{name}={rate} with training=True: dropout draws random masks; without training "
                "(Keras's default at inference) it changes nothing and is accepted"
            )


def rnn(
    kind,
    x,
    weights,
    *,
    return_sequences=False,
    return_state=False,
    go_backwards=False,
    initial_state=None,
    mask=None,
    use_bias=True,
    reset_after=True,
    zero_output_for_mask=False,
    activation="tanh",
    recurrent_activation="sigmoid",
    dropout=0.0,
    recurrent_dropout=0.0,
    training=False,
    stateful=False,
    unroll=False,  # unrolling changes how Keras loops, not what it computes
    backend=None,
):
    """Run ``keras.layers.LSTM``, ``GRU`` or ``SimpleRNN`` (``kind``) on ``x`` with NumPy.

    ``x`` is ``(batch, timesteps, features)``; ``weights`` the layer's arrays in
    ``layer.get_weights()`` order, two of them with ``use_bias=False``. The options are the
    layer's and its call's, with Keras's defaults. ``initial_state`` is one array for a GRU
    or SimpleRNN, or a list (``[h, c]`` for an LSTM). ``mask`` is ``(batch, timesteps)``
    booleans: at a masked step the states are carried over unchanged and the output is the
    previous step's output (zeros with ``zero_output_for_mask``, which ``Bidirectional``
    sets when it returns sequences). Before a sequence's first real step there is no
    previous output: Keras on TensorFlow and PyTorch outputs zeros, on JAX the initial
    ``h``; ``backend`` (``"tensorflow"``, ``"jax"`` or ``"torch"``) says which to
    reproduce, and is needed only where they differ (an ``initial_state`` and such a step).
    With ``go_backwards`` the sequence is read from its last step, and the output sequence
    stays in the order it was computed.

    Returns the output, or with ``return_state`` a tuple ``(output, *final_states)``.

    >>> x = np.ones((1, 3, 2))
    >>> weights = [np.zeros((2, 3)), np.zeros((3, 3)), np.zeros(3)]  # SimpleRNN(3)
    >>> rnn("SimpleRNN", x, weights, initial_state=np.ones((1, 3)), return_state=True)[1].shape
    (1, 3)
    >>> rnn("SimpleRNN", x, weights, activation="relu")
    Traceback (most recent call last):
    ...
    NotImplementedError: activation='relu': only 'tanh', the default, is written out here
    >>> rnn("SimpleRNN", x, weights, initial_state=np.ones((1, 3)), mask=[[False, True, True]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    NotImplementedError: backend=None: with an initial_state, Keras's backends differ at masked steps ...
    """
    _not_reproduced(kind, activation, recurrent_activation, stateful, dropout, recurrent_dropout, training)
    x = np.asarray(x, dtype="float64")
    if x.ndim != 3:
        raise ValueError(f"x must be (batch, timesteps, features); got shape {x.shape}")
    batch, timesteps, features = x.shape
    weights = [np.asarray(w, dtype="float64") for w in weights]
    if len(weights) != (3 if use_bias else 2):
        raise ValueError(
            f"{kind} with use_bias={use_bias} has {3 if use_bias else 2} weight arrays (kernel, "
            f"recurrent_kernel{', bias' if use_bias else ''}), got {len(weights)}"
        )
    # Keras's layout, one block of units columns per gate. Checked, not left to NumPy: a bias in
    # the other reset_after layout broadcasts over a batch of two into a wrong result.
    units = weights[1].shape[0]
    gates = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}[kind]
    width, columns = gates * units, "units" if gates == 1 else f"{gates}·units"
    two_biases = kind == "GRU" and reset_after  # the input bias and the recurrent bias
    if not use_bias:  # a zero bias, in the shape this layer's bias would have
        weights.append(np.zeros((2, width) if two_biases else width))
    layout = {
        "kernel": ((features, width), f"(features, {columns})"),
        "recurrent_kernel": ((units, width), f"(units, {columns})"),
        "bias": ((2, width), f"(2, {columns})") if two_biases else ((width,), f"({columns},)"),
    }
    for (name, (shape, symbols)), weight in zip(layout.items(), weights, strict=True):
        if weight.shape != shape:
            option = f" with reset_after={reset_after}" if kind == "GRU" and name == "bias" else ""
            raise ValueError(f"{kind}{option}: {name} must be {symbols} = {shape}; got shape {weight.shape}")

    n_states = STATES[kind]
    if initial_state is None:
        states = [np.zeros((batch, units)) for _ in range(n_states)]
    else:
        given = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        if len(given) != n_states:
            raise ValueError(
                f"{kind} has {n_states} state(s) ({'[h, c]' if kind == 'LSTM' else 'h'}); "
                f"initial_state gave {len(given)}"
            )
        states = [np.asarray(s, dtype="float64") for s in given]
    mask = np.ones((batch, timesteps), bool) if mask is None else np.asarray(mask, bool)
    if mask.shape != (batch, timesteps):  # a longer mask would be read in part, silently
        raise ValueError(f"mask must be (batch, timesteps) = {(batch, timesteps)}, as x is; got shape {mask.shape}")
    if backend not in (None, "tensorflow", "jax", "torch"):
        raise ValueError(f"backend must be 'tensorflow', 'jax' or 'torch' (keras.backend.backend()), got {backend!r}")
    first_read = mask[:, -1] if go_backwards else mask[:, 0]
    leading_masked = initial_state is not None and not zero_output_for_mask and not first_read.all()
    if leading_masked and backend is None:
        raise NotImplementedError(
            "backend=None: with an initial_state, Keras's backends differ at masked steps before the first real "
            "one (JAX outputs the initial h, TensorFlow and PyTorch zeros); pass backend=keras.backend.backend()"
        )

    if kind == "LSTM":
        step = lstm_step
    elif kind == "GRU":
        step = lambda x, s, *w: gru_step(x, s, *w, reset_after=reset_after)  # noqa: E731
    else:
        step = simple_rnn_step

    # What a masked first step emits: zeros, or on JAX the first state, h (its source: "Assume
    # the first state is the previous output").
    output = states[0].copy() if backend == "jax" else np.zeros((batch, units))
    outputs = []
    order = reversed(range(timesteps)) if go_backwards else range(timesteps)
    for t in order:  # with go_backwards the outputs stay in the order they were computed
        new_output, new_states = step(x[:, t], states, *weights)
        keep = mask[:, t, None]
        held = np.zeros_like(output) if zero_output_for_mask else output
        output = np.where(keep, new_output, held)
        states = [np.where(keep, new, old) for new, old in zip(new_states, states, strict=True)]
        outputs.append(output)

    result = np.stack(outputs, axis=1) if return_sequences else outputs[-1]
    if return_state:
        return (result.astype("float32"), *(s.astype("float32") for s in states))
    return result.astype("float32")


#: How ``Bidirectional`` merges the forward and backward outputs, by ``merge_mode``.
MERGES = {
    "concat": lambda f, b: np.concatenate([f, b], axis=-1),
    "sum": lambda f, b: f + b,
    "mul": lambda f, b: f * b,
    "ave": lambda f, b: (f + b) / 2,
}


def bidirectional(
    kind, x, weights, *, merge_mode="concat", return_sequences=False, return_state=False, initial_state=None, **options
):
    """Run ``keras.layers.Bidirectional(kind(...), merge_mode=...)`` on ``x`` with NumPy.

    ``weights`` is the forward layer's arrays then the backward layer's, the order of
    ``Bidirectional.get_weights()``. As in Keras, ``initial_state`` is split in half: the
    first half starts the forward layer, the second the backward one (``[h, c, h, c]`` for
    an LSTM). The backward layer reads the sequence from its end, and its output sequence
    is turned back into input order before the two are merged. Other options (``mask``,
    ``use_bias``, ...) go to both directions, as :func:`rnn` takes them.

    Returns what Keras returns: the merged output (or the forward and backward outputs,
    with ``merge_mode=None``), then with ``return_state`` the forward layer's final
    states, then the backward layer's.

    >>> x = np.ones((1, 3, 2))
    >>> one_direction = [np.zeros((2, 3)), np.zeros((3, 3)), np.zeros(3)]  # SimpleRNN(3)
    >>> bidirectional("SimpleRNN", x, one_direction * 2, return_sequences=True).shape
    (1, 3, 6)
    """
    if merge_mode is not None and merge_mode not in MERGES:
        raise ValueError(f"merge_mode must be one of {[*MERGES, None]}, got {merge_mode!r}")
    if len(weights) % 2:
        raise ValueError(f"the forward and the backward layer have as many weights; got {len(weights)} arrays")
    if options.pop("go_backwards", False):
        raise NotImplementedError("go_backwards=True inside Bidirectional: the backward layer already reads backwards")
    half = len(weights) // 2
    if initial_state is not None and not isinstance(initial_state, (list, tuple)):
        raise ValueError("a Bidirectional initial_state is a list: the forward states, then the backward states")
    if initial_state is None:
        forward_state = backward_state = None
    else:
        states = list(initial_state)
        forward_state, backward_state = states[: len(states) // 2], states[len(states) // 2 :]
    # Keras makes both layers emit zeros at masked steps when they return sequences.
    options = dict(options, zero_output_for_mask=return_sequences, return_sequences=return_sequences)
    forward, *forward_states = rnn(kind, x, weights[:half], initial_state=forward_state, return_state=True, **options)
    backward, *backward_states = rnn(
        kind, x, weights[half:], initial_state=backward_state, return_state=True, go_backwards=True, **options
    )
    if return_sequences:
        backward = backward[:, ::-1]  # back into input order: row t is input step t
    output = (forward, backward) if merge_mode is None else (MERGES[merge_mode](forward, backward),)
    if not return_state:
        return output[0] if len(output) == 1 else output
    return (*output, *forward_states, *backward_states)
