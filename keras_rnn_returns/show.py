"""What the pages display around the reader's code, in cells hidden from readers.

A table of what a call returned (names, shapes, and the shapes in symbols), checks that
an error was raised with its message, and the versions a page was executed with (a
statement that holds from some Keras release on branches on ``releases.since``).

>>> symbolic((1, 3, 8), batch=1, timesteps=3, units=4)
'(batch, timesteps, 2·units)'
"""

from __future__ import annotations

import platform
import sys
from contextlib import contextmanager
from html import escape

import numpy as np


def symbolic(shape: tuple[int, ...], **dims: int) -> str:
    """Write an executed ``shape`` in the names of the sizes that produced it.

    ``dims`` maps names (``batch``, ``timesteps``, ``units``, ...) to sizes; ``units``
    (and ``filters``) also stands for ``2·units``, the width of a concatenated
    Bidirectional output.

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
    for size in ("units", "filters"):  # a Bidirectional output concatenates two
        if size in dims:
            names[f"2·{size}"] = 2 * dims[size]
    if len(set(names.values())) != len(names):
        raise ValueError(f"sizes must differ to be told apart, got {dims}")
    by_size = {size: name for name, size in names.items()}
    try:
        return "(" + ", ".join(by_size[size] for size in shape) + ")"
    except KeyError as missing:
        raise ValueError(f"no size in {dims} is {missing} (shape {tuple(shape)})") from None


#: The columns of a table of what a call returned.
HEADINGS = ("#", "returned", "shape", "in symbols")


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

    def _rows(self) -> list[tuple[str, str, str, str]]:
        return [
            (str(i), n, str(s), y)
            for i, (n, s, y) in enumerate(zip(self.names, self.shapes, self.symbols, strict=True))
        ]

    def _repr_html_(self) -> str:
        """The table the site shows (a real table, which stacks as cards on a phone); the
        text form above is what doctests, downloads and plain consoles show.

        >>> html = Returned(np.zeros((1, 4)), ["output"], batch=1, units=4)._repr_html_()
        >>> print(html.splitlines()[1])
        <thead><tr><th>#</th><th>returned</th><th>shape</th><th>in symbols</th></tr></thead>
        >>> '<td>output</td>' in html and '<span class="pre">(batch, units)</span>' in html
        True
        """
        code = '<code class="docutils literal notranslate"><span class="pre">{}</span></code>'.format
        rows = [
            f"<tr><td>{i}</td><td>{escape(n)}</td><td>{code(escape(s))}</td><td>{code(escape(y))}</td></tr>"
            for i, n, s, y in self._rows()
        ]
        head = "<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in HEADINGS) + "</tr></thead>"
        table = ['<table class="docutils align-default returned">', head, "<tbody>", *rows, "</tbody>", "</table>"]
        return "\n".join(table)

    def __repr__(self) -> str:
        rows = [HEADINGS]
        rows += self._rows()
        widths = [max(len(row[col]) for row in rows) for col in range(4)]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows)


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


def raised(kind: type[BaseException] | None, *phrases: str) -> None:
    """Check the error that the cell just above showed the reader: a ``kind`` with each of
    ``phrases`` in its message; with ``kind=None``, that it raised nothing (for a version
    of Keras that does not raise where later ones do).

    A cell tagged ``raises-exception`` shows Keras's error; a hidden cell after it calls
    this, so that a Keras release that stops raising, or rewords the message, fails the
    build. It reads the exception IPython keeps (``sys.last_value``) instead of running the
    failing code again, so a hidden check builds no layer and draws no random number: the
    page's numbers stay those a reader gets from its visible code. It then forgets the
    exception, so that each error is checked once and a cell that stops raising is noticed.

    >>> try:
    ...     raise ValueError("expected ndim=3, found ndim=2")
    ... except ValueError as error:
    ...     sys.last_value = error  # what IPython does when a cell raises
    >>> raised(ValueError, "ndim=3")
    checked: ValueError, message contains 'ndim=3'
    >>> raised(ValueError, "ndim=3")
    Traceback (most recent call last):
    ...
    AssertionError: the cell above raised no ValueError
    """
    error = getattr(sys, "last_value", None)
    sys.last_type = sys.last_value = sys.last_traceback = None
    if hasattr(sys, "last_exc"):  # Python 3.12 and newer keep it here too
        sys.last_exc = None
    if kind is None:
        assert error is None, f"the cell above raised {type(error).__name__}: {error}"
        print("checked: the cell above raised nothing")
        return
    if error is None:
        raise AssertionError(f"the cell above raised no {kind.__name__}")
    if not isinstance(error, kind):
        raise AssertionError(f"the cell above raised {type(error).__name__}, not {kind.__name__}: {error}")
    for phrase in phrases:
        assert phrase in str(error), f"{phrase!r} is not in the message: {error}"
    print(f"checked: {type(error).__name__}, message contains", ", ".join(map(repr, phrases)))


#: Keras's backends, as ``keras.backend.backend()`` and KERAS_BACKEND name them (each also
#: the module it imports), and as readers call them.
BACKEND_NAMES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}


def versions() -> str:
    """The versions a page was executed with, and Keras's backend, for the line at the end
    of every page."""
    import importlib

    import keras
    import tensorflow as tf

    module = keras.backend.backend()
    name = BACKEND_NAMES[module]
    backend = "" if module == "tensorflow" else f"{name} {importlib.import_module(module).__version__}, "
    return (
        f"Executed with Python {platform.python_version()}, Keras {keras.__version__}, {backend}"
        f"TensorFlow {tf.__version__} and NumPy {np.__version__}, on Keras's {name} backend."
    )
