"""Code shared by the pages: the seed notebook's input, the five cases, and printouts.

The pages show every Keras call they make; this module only holds what many pages
would otherwise paste: the input data, a table of what a call returned (names, shapes,
and the shapes in symbols), an eager ``call``, a check that an error is raised, and the
versions the page was executed with.

>>> seed_input().shape
(1, 3, 3)
>>> symbolic((1, 3, 8), batch=1, timesteps=3, units=4)
'(batch, timesteps, 2·units)'
"""

from __future__ import annotations

import platform
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

#: The seed notebook's input: one sequence (batch 1) of three time steps, three features each.
SEED_DATA = [[0.1, 0.2, 0.99], [0.2, 0.5, 0.1], [0.3, 0.9, 0.65]]
#: Every page fixes Keras's random seed to this before it builds a layer.
SEED = 0


def seed_input() -> np.ndarray:
    """The seed notebook's ``data``, shaped ``(batch, timesteps, features) = (1, 3, 3)``.

    float32 because that is what Keras computes in; the seed's float64 array is cast to it.
    """
    return np.array(SEED_DATA, dtype="float32").reshape((1, 3, 3))


def symbolic(shape: tuple[int, ...], **dims: int) -> str:
    """Write an executed ``shape`` in the names of the sizes that produced it.

    ``dims`` maps names (``batch``, ``timesteps``, ``units``, ...) to sizes; ``units``
    also stands for ``2·units``, the width of a concatenated Bidirectional output.

    >>> symbolic((1, 4), batch=1, timesteps=3, units=4)
    '(batch, units)'
    >>> symbolic((2, 2), batch=2, units=2)
    Traceback (most recent call last):
    ...
    ValueError: sizes must differ to be told apart, got {'batch': 2, 'units': 2}
    >>> symbolic((1, 5), batch=1, units=4)
    Traceback (most recent call last):
    ...
    ValueError: no size in {'batch': 1, 'units': 4} is 5 (shape (1, 5))
    """
    names = dict(dims)
    if "units" in dims:
        names["2·units"] = 2 * dims["units"]
    if len(set(names.values())) != len(names):
        raise ValueError(f"sizes must differ to be told apart, got {dims}")
    by_size = {size: name for name, size in names.items()}
    try:
        return "(" + ", ".join(by_size[size] for size in shape) + ")"
    except KeyError as missing:
        raise ValueError(f"no size in {dims} is {missing} (shape {tuple(shape)})") from None


class Returned:
    """What one call returned, as a table: position, name, shape, shape in symbols.

    >>> Returned([np.zeros((1, 4)), np.ones((1, 4))], ["output", "hidden state h"], batch=1, units=4)
    #  returned        shape   in symbols
    0  output          (1, 4)  (batch, units)
    1  hidden state h  (1, 4)  (batch, units)

    A single array is a structure of one; a name list of the wrong length is a mistake:

    >>> Returned(np.zeros((1, 4)), ["output", "state"], batch=1, units=4)
    Traceback (most recent call last):
    ...
    ValueError: 1 tensor(s) returned but 2 name(s) given: ['output', 'state']
    """

    def __init__(self, returned, names, **dims: int):
        arrays = list(returned) if isinstance(returned, (list, tuple)) else [returned]
        if len(arrays) != len(names):
            raise ValueError(f"{len(arrays)} tensor(s) returned but {len(names)} name(s) given: {list(names)}")
        self.names = list(names)
        self.shapes = [tuple(int(d) for d in np.shape(a)) for a in arrays]
        self.symbols = [symbolic(shape, **dims) for shape in self.shapes]

    def __repr__(self) -> str:
        rows = [("#", "returned", "shape", "in symbols")]
        rows += [
            (str(i), n, str(s), y)
            for i, (n, s, y) in enumerate(zip(self.names, self.shapes, self.symbols, strict=True))
        ]
        widths = [max(len(row[col]) for row in rows) for col in range(4)]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows)


@dataclass(frozen=True)
class Case:
    """One of the seed notebook's five calls, and the page that explains it."""

    page: str  # document name, for links
    names: tuple[str, ...]  # what the call returns, in order
    return_sequences: bool = False
    return_state: bool = False
    bidirectional: bool = False

    def call(self, units: int = 4) -> str:
        """The call as a reader writes it.

        >>> CASES[4].call()
        'Bidirectional(LSTM(4, return_sequences=True, return_state=True))'
        """
        flags = [f"{flag}=True" for flag in ("return_sequences", "return_state") if getattr(self, flag)]
        call = f"LSTM({', '.join([str(units), *flags])})"
        return f"Bidirectional({call})" if self.bidirectional else call

    def layer(self, units: int = 4):
        """A new layer for this case (Keras is imported only when a layer is built)."""
        import keras

        layer = keras.layers.LSTM(units, return_sequences=self.return_sequences, return_state=self.return_state)
        return keras.layers.Bidirectional(layer) if self.bidirectional else layer


_STATES = ("hidden state h", "cell state c")
CASES = (
    Case("examples/lstm-last-output", ("output",)),
    Case("examples/lstm-return-sequences", ("output",), return_sequences=True),
    Case("examples/lstm-return-state", ("output", *_STATES), return_state=True),
    Case(
        "examples/lstm-return-sequences-and-state",
        ("output", *_STATES),
        return_sequences=True,
        return_state=True,
    ),
    Case(
        "examples/bidirectional-lstm-states",
        ("output", *(f"forward {s}" for s in _STATES), *(f"backward {s}" for s in _STATES)),
        return_sequences=True,
        return_state=True,
        bidirectional=True,
    ),
)


def call(layer, *args, **kwargs):
    """Call ``layer`` eagerly and return what it returned as NumPy arrays, same structure.

    This is what ``keras.Model(inputs, layer(inputs)).predict(data)`` returns, without
    building a model per call (and without ``predict``'s retracing warnings when a page
    calls many layers). A single tensor comes back as one array, several as a tuple.
    """
    import keras

    returned = layer(*args, **kwargs)
    if isinstance(returned, (list, tuple)):
        return tuple(keras.ops.convert_to_numpy(t) for t in returned)
    return keras.ops.convert_to_numpy(returned)


@contextmanager
def raises(kind: type[BaseException], *phrases: str):
    """Check that the block raises ``kind`` with each of ``phrases`` in its message.

    Pages show an error in a cell tagged ``raises-exception``, then check it with this, so
    that a Keras release that stops raising, or rewords the message, fails the build.

    >>> with raises(ValueError, "ndim=3"):
    ...     raise ValueError("expected ndim=3, found ndim=2")
    checked: ValueError, message contains 'ndim=3'
    >>> with raises(ValueError, "ndim=3"):
    ...     pass
    Traceback (most recent call last):
    ...
    AssertionError: no ValueError was raised
    """
    try:
        yield
    except kind as error:
        for phrase in phrases:
            assert phrase in str(error), f"{phrase!r} is not in the message: {error}"
        print(f"checked: {type(error).__name__}, message contains", ", ".join(map(repr, phrases)))
    else:
        raise AssertionError(f"no {kind.__name__} was raised")


def keras_at_least(version: str) -> bool:
    """Whether the Keras executing the page is ``version`` or newer.

    For the few statements that an older supported Keras contradicts: the page states both
    and checks the one that applies (``nox -s versions`` executes every page on the oldest
    supported Keras too).

    >>> keras_at_least("3.0")
    True
    """
    import keras

    def parts(v: str) -> tuple[int, ...]:
        return tuple(int(p) for p in v.split(".")[:2])

    return parts(keras.__version__) >= parts(version)


def versions() -> str:
    """The versions a page was executed with, for the line at the end of every page."""
    import keras
    import tensorflow as tf

    return (
        f"Executed with Python {platform.python_version()}, Keras {keras.__version__}, "
        f"TensorFlow {tf.__version__} and NumPy {np.__version__}."
    )
