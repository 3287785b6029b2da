"""What Keras's recurrent layers return on the backend this process runs, printed as JSON.

Keras picks its backend once, when it is first imported, so run this file once per backend,
each in a process of its own, and compare what they print::

    KERAS_BACKEND=tensorflow python -m backend_returns > tensorflow.json
    KERAS_BACKEND=jax python -m backend_returns > jax.json
    KERAS_BACKEND=torch python -m backend_returns > torch.json

Every layer but the last gets the same weights on every backend (drawn from a seeded NumPy
generator and set with ``set_weights``) and the same inputs, so what differs between two runs
is the backend; the last draws its weights as Keras does, from ``keras.utils.set_random_seed``.
For each case it prints what the call returned (one tensor, a ``list`` or a ``tuple``), the
type of the tensors in it, their shapes and their values; for ``fit``, what it raised, if
anything.
Put this file beside your code; it needs Keras and the backend named by ``KERAS_BACKEND``.

>>> cases = run()  # on the backend of this process
>>> for name in ["LSTM(4)", "LSTM(4, return_state=True)", "LSTM(4, return_sequences=True, return_state=True)"]:
...     print(name, cases[name]["returned"], cases[name]["shapes"])
LSTM(4) one tensor [[1, 4]]
LSTM(4, return_state=True) tuple [[1, 4], [1, 4], [1, 4]]
LSTM(4, return_sequences=True, return_state=True) tuple [[1, 3, 4], [1, 4], [1, 4]]
"""

from __future__ import annotations

import json
import sys
from importlib import metadata

import keras
import numpy as np

UNITS = 4
#: One sequence of 3 time steps with 3 features: (batch, timesteps, features).
X = np.array([[0.1, 0.2, 0.99], [0.2, 0.5, 0.1], [0.3, 0.9, 0.65]], dtype="float32").reshape(1, 3, 3)
#: Two sequences of 5 steps: the first has 3 real steps then 2 padded with zeros, the second
#: 2 leading zero steps then 3 real ones.
PADDED = np.zeros((2, 5, 3), dtype="float32")
PADDED[0, :3], PADDED[1, 2:] = X[0], X[0]
MASK = PADDED.any(axis=-1)  # True where a step is real
#: A non-zero initial state, so that what a masked step repeats can be told from zeros.
H0 = np.full((2, UNITS), 0.5, dtype="float32")


def same_weights(layer: keras.layers.Layer, seed: int = 0) -> keras.layers.Layer:
    """Give ``layer`` (built) the same weights whatever the backend: uniform in [-0.5, 0.5)."""
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in layer.get_weights()])
    return layer


def lstm(batch: int | None = None, **options) -> keras.layers.Layer:
    """``LSTM(4, **options)``, built for 3 features, with the same weights on every backend
    (a stateful layer needs its ``batch`` size)."""
    layer = keras.layers.LSTM(UNITS, **options)
    layer.build((batch, None, 3))
    return same_weights(layer)


def described(returned) -> dict:
    """What a call returned: its Python type, its tensors' type, shapes and values."""
    several = isinstance(returned, (list, tuple))
    tensors = list(returned) if several else [returned]
    arrays = [keras.ops.convert_to_numpy(t) for t in tensors]
    return {
        "returned": type(returned).__name__ if several else "one tensor",
        "tensor": f"{type(tensors[0]).__module__}.{type(tensors[0]).__qualname__}",
        "shapes": [list(a.shape) for a in arrays],
        "values": [a.tolist() for a in arrays],
    }


def run() -> dict[str, dict]:
    """Every case, called on this process's backend: its name, and :func:`described` of it."""
    keras.utils.set_random_seed(0)  # the weights are set below; this fixes anything else drawn
    cases = {}
    sequences, state = {"return_sequences": True}, {"return_state": True}
    for flags in ({}, sequences, state, {**sequences, **state}):
        name = ", ".join(["4", *(f"{flag}=True" for flag in flags)])
        cases[f"LSTM({name})"] = described(lstm(**flags)(X))

    inputs = keras.Input(shape=(3, 3))
    model = keras.Model(inputs, lstm(return_state=True)(inputs))
    cases["Model(inputs, LSTM(4, return_state=True)(inputs)).predict"] = described(model.predict(X, verbose=0))

    both = {"return_sequences": True, "return_state": True}
    bidirectional = keras.layers.Bidirectional(keras.layers.LSTM(UNITS, **both))
    bidirectional.build((None, None, 3))
    same_weights(bidirectional)
    cases["Bidirectional(LSTM(4, return_sequences=True, return_state=True))"] = described(bidirectional(X))
    cases["LSTM(4, go_backwards=True, return_sequences=True, return_state=True)"] = described(
        lstm(go_backwards=True, **both)(X)
    )

    # Masking: padded steps are skipped (their output repeats the last real one); with
    # initial_state the mask must be passed as mask= in Keras 3.
    cases["Masking() then LSTM(4, return_sequences=True, return_state=True)"] = described(
        lstm(**both)(PADDED, mask=keras.layers.Masking().compute_mask(PADDED))
    )
    cases["LSTM(4, return_sequences=True, return_state=True), initial_state and mask="] = described(
        lstm(**both)(PADDED, initial_state=[H0, H0], mask=MASK)
    )

    # Stateful: a second call starts from the first call's final states, as if passed as
    # initial_state to the same layer without stateful=True; predict, where the backend moves them.
    stateful = lstm(batch=1, stateful=True, return_state=True)
    first = stateful(X)
    cases["LSTM(4, stateful=True, return_state=True): first call"] = described(first)
    cases["LSTM(4, stateful=True, return_state=True): second call"] = described(stateful(X))
    cases["LSTM(4, return_state=True) from the first call's states"] = described(
        lstm(return_state=True)(X, initial_state=list(first[1:]))
    )
    inputs = keras.Input(batch_shape=(1, 3, 3))
    model = keras.Model(inputs, lstm(batch=1, stateful=True)(inputs))
    cases["Model with LSTM(4, stateful=True): predict, twice"] = {
        "values": [model.predict(X, verbose=0).tolist() for _ in range(2)]
    }

    # fit of a stateful LSTM, with cuDNN allowed (the default, "auto") and not: does it train?
    for use_cudnn in ("auto", False):
        inputs = keras.Input(batch_shape=(1, 3, 3))
        model = keras.Model(inputs, lstm(batch=1, stateful=True, use_cudnn=use_cudnn)(inputs))
        model.compile(optimizer="sgd", loss="mse")
        try:
            model.fit(X, np.zeros((1, UNITS), "float32"), batch_size=1, epochs=1, verbose=0)
            raised = None
        except Exception as error:
            raised = f"{type(error).__name__}: {str(error).splitlines()[0]}"
        cases[f"Model with LSTM(4, stateful=True, use_cudnn={use_cudnn!r}): fit"] = {"raised": raised}

    # No set_weights: the weights each backend's own random generator draws from the same seed.
    keras.utils.set_random_seed(0)
    cases["LSTM(4), its weights drawn after keras.utils.set_random_seed(0)"] = described(keras.layers.LSTM(UNITS)(X))
    return cases


def main() -> None:
    backend = keras.backend.backend()  # also the name of its package
    versions = {"keras": metadata.version("keras"), backend: metadata.version(backend)}
    json.dump({"backend": backend, "versions": versions, "cases": run()}, sys.stdout)


if __name__ == "__main__":
    main()
