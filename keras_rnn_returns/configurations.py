"""The calls the site executes: the five most readers start with, and every configuration.

:data:`CASES` are the five calls of the front page, ``LSTM(4)`` to
``Bidirectional(LSTM(4, return_sequences=True, return_state=True))``, each with the page
that explains it.

:data:`CONFIGURATIONS` are all 72 of the recurrent layers: 3 layers (LSTM, GRU, SimpleRNN)
x 6 wrappers (none, or Bidirectional with merge_mode concat, sum, mul, ave, None) x
return_sequences x return_state; then 24 of the convolutional ones: ConvLSTM1D, 2D and 3D
x (none, or Bidirectional with its default merge_mode) x the two flags. :func:`table`
executes each with sizes that differ pairwise (so every dimension maps back to its symbol)
and returns the data behind the site's complete table and ``shapes.json``, which the table
page hands to the build (site_build/published.py).

>>> CASES[4].call()
'Bidirectional(LSTM(4, return_sequences=True, return_state=True))'
>>> len(CONFIGURATIONS)
96
>>> CONFIGURATIONS[71].call()
'Bidirectional(SimpleRNN(units, return_sequences=True, return_state=True), merge_mode=None)'
>>> CONFIGURATIONS[71].names()
['forward output', 'backward output', 'forward hidden state h', 'backward hidden state h']
>>> CONFIGURATIONS[-1].call()
"Bidirectional(ConvLSTM3D(filters, 3, padding='same', return_sequences=True, return_state=True))"
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from keras_rnn_returns.show import symbolic


@dataclass(frozen=True)
class Case:
    """One of the five calls most readers start with, and the page that explains it."""

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


#: Sizes that differ pairwise, and from 2·units and 2·filters, so each executed dimension
#: names itself. A ConvLSTM's input has spatial sizes (rows, cols, depth) before its
#: features (channels), and filters where the others have units.
DIMS = {"batch": 2, "timesteps": 5, "features": 3, "units": 4, "rows": 6, "cols": 7, "depth": 9, "filters": 10}
LAYERS = ("LSTM", "GRU", "SimpleRNN")
#: The convolutional LSTMs, and the spatial sizes of their input, in order.
SPATIAL = {"ConvLSTM1D": ("rows",), "ConvLSTM2D": ("rows", "cols"), "ConvLSTM3D": ("rows", "cols", "depth")}
MERGE_MODES = ("concat", "sum", "mul", "ave", None)
STATES = {"LSTM": ("hidden state h", "cell state c"), "GRU": ("hidden state h",), "SimpleRNN": ("hidden state h",)}
STATES |= {layer: STATES["LSTM"] for layer in SPATIAL}
#: The page that explains each part of the answer.
PAGES = {
    "states": "examples/gru-and-simplernn-states",
    "bidirectional": "examples/bidirectional-lstm-states",
    "merge": "examples/bidirectional-merge-modes",
    "convolutional": "examples/convlstm-return-state",
}
#: The sections of those pages that answer a configuration of their own (MyST's heading anchors).
SECTIONS = {
    "one and three spatial dimensions": "convlstm1d-and-convlstm3d",
    "Bidirectional ConvLSTM": "bidirectionalconvlstm2d",
    "Bidirectional GRU and SimpleRNN": "inside-bidirectional",
    "merge_mode=None with states": "what-merge_modenone-with-return_statetrue-returns",
}


@dataclass(frozen=True)
class Configuration:
    layer: str
    bidirectional: bool
    merge_mode: str | None  # None without Bidirectional, and for merge_mode=None
    return_sequences: bool
    return_state: bool

    def call(self) -> str:
        """The call as a reader writes it, with ``units`` (``filters``) for the size."""
        flags = [f"{f}=True" for f in ("return_sequences", "return_state") if getattr(self, f)]
        size = ["filters", "3", "padding='same'"] if self.layer in SPATIAL else ["units"]
        inner = f"{self.layer}({', '.join([*size, *flags])})"
        if not self.bidirectional:
            return inner
        return (
            f"Bidirectional({inner})"
            if self.merge_mode == "concat"
            else (f"Bidirectional({inner}, merge_mode={self.merge_mode!r})")
        )

    def names(self) -> list[str]:
        """What comes back, in order (the executed count is checked against it)."""
        states = STATES[self.layer] if self.return_state else ()
        if not self.bidirectional:
            return ["output", *states]
        outputs = ["forward output", "backward output"] if self.merge_mode is None else ["output"]
        return [*outputs, *(f"forward {s}" for s in states), *(f"backward {s}" for s in states)]

    def page(self) -> str:
        """The page that explains this call: a plain LSTM's own page of the five calls, else
        the page of its kind (states of a GRU or SimpleRNN, Bidirectional states, merge modes).

        >>> Configuration("LSTM", False, None, False, False).page()
        'examples/lstm-last-output'
        """
        if self.layer in SPATIAL:
            return PAGES["convolutional"]
        if not self.bidirectional:
            if self.layer == "LSTM":
                flags = (self.return_sequences, self.return_state)
                return next(case.page for case in CASES if (case.return_sequences, case.return_state) == flags)
            return PAGES["states"]
        if self.merge_mode != "concat":
            return PAGES["merge"]
        if self.layer != "LSTM":
            return PAGES["states"]
        return PAGES["bidirectional"] if self.return_state else PAGES["merge"]

    def section(self) -> str | None:
        """The anchor of the section of :meth:`page` that answers this call, where the page
        has one for it; None: the page's top answers it.

        >>> Configuration("ConvLSTM3D", True, "concat", False, False).section()
        'convlstm1d-and-convlstm3d'
        """
        if self.layer in SPATIAL:
            if self.layer != "ConvLSTM2D":
                return SECTIONS["one and three spatial dimensions"]
            return SECTIONS["Bidirectional ConvLSTM"] if self.bidirectional else None
        if self.page() == PAGES["states"] and self.bidirectional:
            return SECTIONS["Bidirectional GRU and SimpleRNN"]
        if self.page() == PAGES["merge"] and self.merge_mode is None and self.return_state:
            return SECTIONS["merge_mode=None with states"]
        return None

    def input_sizes(self) -> tuple[str, ...]:
        """The names of the input's sizes, in order."""
        return ("batch", "timesteps", *SPATIAL.get(self.layer, ()), "features")

    def build(self, dims: dict[str, int]):
        """A new Keras layer for this configuration, of ``dims``' units (or filters)."""
        import keras

        flags = {"return_sequences": self.return_sequences, "return_state": self.return_state}
        if self.layer in SPATIAL:
            layer = getattr(keras.layers, self.layer)(dims["filters"], 3, padding="same", **flags)
        else:
            layer = getattr(keras.layers, self.layer)(dims["units"], **flags)
        if self.bidirectional:
            return keras.layers.Bidirectional(layer, merge_mode=self.merge_mode)
        return layer


CONFIGURATIONS = tuple(
    Configuration(layer, wrapper is not False, wrapper or None, sequences, state)
    for layers, wrappers in ((LAYERS, (False, *MERGE_MODES)), (tuple(SPATIAL), (False, "concat")))
    for layer, wrapper, sequences, state in itertools.product(layers, wrappers, (False, True), (False, True))
)


def table(dims: dict[str, int] = DIMS) -> dict:
    """Execute every configuration; the data of ``shapes.json``."""
    import keras
    import numpy as np

    rows = []
    for config in CONFIGURATIONS:
        x = np.zeros([dims[size] for size in config.input_sizes()], dtype="float32")
        returned = config.build(dims)(x)
        returned = list(returned) if isinstance(returned, (list, tuple)) else [returned]
        names = config.names()
        if len(returned) != len(names):
            raise AssertionError(f"{config.call()} returned {len(returned)} tensors, expected {names}")
        shapes = [[int(d) for d in tensor.shape] for tensor in returned]
        rows.append(
            {
                "layer": config.layer,
                "bidirectional": config.bidirectional,
                "merge_mode": config.merge_mode,
                "return_sequences": config.return_sequences,
                "return_state": config.return_state,
                "call": config.call(),
                "page": config.page(),
                "section": config.section(),
                "outputs": [
                    {"name": name, "shape": shape, "symbols": symbolic(shape, **dims)}
                    for name, shape in zip(names, shapes, strict=True)
                ],
            }
        )
    return {"keras_version": keras.__version__, "dims": dict(dims), "rows": rows}
