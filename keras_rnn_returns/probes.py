"""Behaviours that differ by Keras backend or release, each a small function executed for the record.

A page that says what happens on one backend or in some releases ("on PyTorch, from Keras
3.14 on, too many initial states raise nothing") states what a probe here found. ``nox -s
history`` runs :func:`run_all` on every Keras 3 minor release, once per backend, and keeps each
outcome in docs/release-history.json; ``{release-history} probes`` (site_build/history.py)
renders each probe's outcomes as a table on docs/what-changed.md, and the ``{scope}`` role
checks that a sentence claims no wider a scope than the record shows.

An outcome is what a reader meets: ``returned (1, 4) (1, 4) (1, 4)`` (the shapes of what came
back), ``trained``, or the error's type and the first line of its message.

>>> outcome_of(lambda: np.zeros((1, 4)))
'returned (1, 4)'
>>> outcome_of(lambda: 1 / 0)
'ZeroDivisionError: division by zero'
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

UNITS, FEATURES = 4, 3


def _data(batch: int, timesteps: int = 5) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(batch, timesteps, FEATURES)).astype("float32")


def error_line(name: str, message: str) -> str:
    """An error as a reader tells it from another: its type and its message's first line
    (after Keras's "Exception encountered when calling ..." wrapper), without Keras's bold
    or TensorFlow's op name."""
    message = re.sub(r"\x1b\[[0-9;]*m", "", message)  # Keras's bold
    message = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", message)  # TensorFlow's op name
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if lines and lines[0].startswith("Exception encountered when calling") and len(lines) > 1:
        lines = lines[1:]  # Keras's wrapper: the message is the next line
    return f"{name}: {lines[0][:160] if lines else ''}".rstrip(": ")


def outcome_of(call: Callable[[], object]) -> str:
    """What ``call`` gave a reader: the shapes it returned, ``trained`` (``None``, from
    ``fit``) or the error it raised, its type and its message's first line."""
    try:
        returned = call()
    except Exception as error:  # the outcome itself
        return error_line(type(error).__name__, str(error))
    if returned is None:
        return "trained"
    returned = returned if isinstance(returned, (list, tuple)) else [returned]
    return "returned " + " ".join(str(tuple(int(size) for size in np.shape(t))) for t in returned)


@dataclass(frozen=True)
class Probe:
    """A behaviour the site states per backend or release."""

    title: str  #: what a reader would call it, as the table's caption
    call: Callable[[], object]  #: builds what it needs and returns what the reader gets
    page: str  #: the page that explains it: ``examples/common-errors#too-many-initial-states``


def _too_many_states(**options) -> Callable[[], object]:
    def call():
        import keras

        x = _data(2)
        h = np.zeros((2, UNITS), "float32")
        return keras.layers.LSTM(UNITS, **options)(x, initial_state=[h, h, h, h])

    return call


def _stateful_other_batch(batch: int) -> Callable[[], object]:
    def call():
        import keras

        layer = keras.layers.LSTM(UNITS, stateful=True)
        layer(_data(2, 3))  # the first call fixes the batch size: 2
        return layer(_data(batch, 3))

    return call


def _stateful_fit(kind: str, use_cudnn) -> Callable[[], object]:
    def call():
        import keras

        keras.utils.set_random_seed(0)
        inputs = keras.Input(shape=(3, FEATURES), batch_size=2)
        layer = getattr(keras.layers, kind)(UNITS, stateful=True, use_cudnn=use_cudnn)
        model = keras.Model(inputs, keras.layers.Dense(1)(layer(inputs)))
        model.compile(optimizer="sgd", loss="mse")
        model.fit(_data(4, 3), np.zeros((4, 1), "float32"), batch_size=2, epochs=1, shuffle=False, verbose=0)

    return call


def _mha_2d_value(built_on_3d: bool) -> Callable[[], object]:
    def call():
        import keras

        query, value = _data(2), _data(2)[:, -1]  # a 2-D value: one vector per sequence
        layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=UNITS)
        if built_on_3d:  # as on the attention page: the layer first met a 3-D value
            layer(query, _data(2))
            return layer(query, value)
        inputs = keras.Input(shape=(5, FEATURES)), keras.Input(shape=(FEATURES,))
        model = keras.Model(inputs, layer(*inputs))
        return model.predict([query, value], verbose=0)

    return call


def _attention_2d_value() -> object:
    import keras

    return keras.layers.Attention()([_data(2), _data(2)[:, -1]])


#: Every probe, by the name pages and the record use.
PROBES = {
    "too-many-initial-states": Probe(
        "Four initial states for an LSTM, `use_cudnn` left at its default",
        _too_many_states(),
        "examples/common-errors#too-many-initial-states",
    ),
    "too-many-initial-states-no-cudnn": Probe(
        "Four initial states for an LSTM built with `use_cudnn=False`",
        _too_many_states(use_cudnn=False),
        "examples/common-errors#too-many-initial-states",
    ),
    "stateful-smaller-batch": Probe(
        "A stateful LSTM built for a batch of 2, called on a batch of 1",
        _stateful_other_batch(1),
        "examples/stateful-layers#the-batch-size-is-fixed",
    ),
    "stateful-larger-batch": Probe(
        "A stateful LSTM built for a batch of 2, called on a batch of 3",
        _stateful_other_batch(3),
        "examples/stateful-layers#the-batch-size-is-fixed",
    ),
    "stateful-lstm-fit": Probe(
        '`fit` of a stateful LSTM, `use_cudnn="auto"` (the default)',
        _stateful_fit("LSTM", "auto"),
        "examples/lstm-on-each-backend#what-differs-and-why",
    ),
    "stateful-lstm-fit-no-cudnn": Probe(
        "`fit` of a stateful LSTM built with `use_cudnn=False`",
        _stateful_fit("LSTM", False),
        "examples/lstm-on-each-backend#what-differs-and-why",
    ),
    "stateful-gru-fit": Probe(
        '`fit` of a stateful GRU, `use_cudnn="auto"` (the default)',
        _stateful_fit("GRU", "auto"),
        "examples/lstm-on-each-backend#what-differs-and-why",
    ),
    "stateful-gru-fit-no-cudnn": Probe(
        "`fit` of a stateful GRU built with `use_cudnn=False`",
        _stateful_fit("GRU", False),
        "examples/lstm-on-each-backend#what-differs-and-why",
    ),
    "mha-2d-value-built": Probe(
        "`MultiHeadAttention`, built on a 3-D value, given a 2-D value",
        _mha_2d_value(built_on_3d=True),
        "examples/attention-over-lstm-outputs#why-the-encoder-needs-return-sequences-true",
    ),
    "mha-2d-value-fresh": Probe(
        "`MultiHeadAttention` given a 2-D value in a functional model, then `predict`",
        _mha_2d_value(built_on_3d=False),
        "examples/attention-over-lstm-outputs#why-the-encoder-needs-return-sequences-true",
    ),
    "attention-2d-value": Probe(
        "`Attention` given a 2-D value",
        _attention_2d_value,
        "examples/attention-over-lstm-outputs#why-the-encoder-needs-return-sequences-true",
    ),
}


def run_all() -> dict[str, str]:
    """Every probe's outcome on the backend and Keras this process runs."""
    return {name: outcome_of(probe.call) for name, probe in PROBES.items()}


def run_on(backend: str, **environment: str) -> dict:
    """Every probe on ``backend``, in a process of its own (Keras picks its backend once, when
    first imported), with ``environment`` added to its variables (tools/record_gpu.py keeps one off
    the GPU): ``{"keras": ..., "backend": ..., "outcomes": {...}}``."""
    env = {**os.environ, "KERAS_BACKEND": backend, **environment}
    done = subprocess.run(
        [sys.executable, "-m", "keras_rnn_returns.probes"], env=env, capture_output=True, text=True, timeout=900
    )
    if done.returncode:
        return {"backend": backend, "failed": done.stderr.strip().splitlines()[-1:] or ["no output"]}
    return json.loads(done.stdout)


if __name__ == "__main__":
    import logging

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.disable(logging.WARNING)
    import keras

    outcomes = run_all()
    print(json.dumps({"keras": keras.__version__, "backend": keras.backend.backend(), "outcomes": outcomes}))
