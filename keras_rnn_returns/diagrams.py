"""Pictures for the pages, drawn by matplotlib when the site is built.

Three drawings: :func:`timeline` (a recurrent layer unrolled over its time steps, with
the tensors a call returns highlighted and numbered), :func:`state_heatmaps` (``h`` and
``c`` after every step) and :func:`masking_picture` (what the output holds at padded
steps). Each returns a :class:`Picture`, which a notebook shows as an SVG image.

Every drawing checks the results it is given against what it draws: a picture of three
returned tensors fails when Keras returned two, and a cell marked "zeros" must be zeros.

The pictures are cards that read in light and dark themes: dark text on a white
background, the Okabe-Ito colour-blind-safe palette, and never colour alone (returned
tensors are also hatched and labelled; masked steps are hatched and named). They are
deterministic: matplotlib's default style is restored before each drawing, figure sizes
and resolution are fixed, and the SVG carries no timestamp or version.

The SVG keeps its text as text, at 9 pt or more: shown at its natural size every label is
at least 12 px high. Each drawing comes in two layouts: one for wide screens, and one
drawn for a phone, at most 3.6 inches (346 CSS px) wide, whose time steps run down
the page; the site shows the one that fits (site_build/small_screens.py).

What a call returns, in order, as the pictures label it:

>>> returned_labels(return_state=True)
['[0] output', '[1] h', '[2] c']
>>> returned_labels(return_sequences=True, return_state=True, bidirectional=True)
['[0] output', '[1] forward h', '[2] forward c', '[3] backward h', '[4] backward c']
>>> returned_labels(layer="GRU", return_state=True, bidirectional=True)
['[0] output', '[1] forward h', '[2] backward h']
>>> returned_labels(return_sequences=True)  # one tensor, not a tuple: no position
['output']
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # draw to memory; the page shows the SVG, not a window

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyBboxPatch, Patch, Rectangle

#: The canvas's dots per inch, which matplotlib lays out on (the SVG itself has no resolution).
DPI = 100

# Colours from the Okabe-Ito palette (safe for the common colour-vision deficiencies), with
# pale tints of them as fills, and a dark orange that marks what a call returns.
GREEN, BLUE, VERMILLION, DARK_ORANGE = "#009E73", "#0072B2", "#D55E00", "#a86f00"
INK, GREY = "#1a1a1a", "#8c8c8c"

#: How each kind of box is drawn. "returned" is hatched as well as coloured.
STYLES = {
    "cell": dict(facecolor="#d6ecf8", edgecolor=BLUE, linewidth=1.4),
    "input": dict(facecolor="#d3efe5", edgecolor=GREEN, linewidth=1.2),
    "returned": dict(facecolor="#fbe4b4", edgecolor=DARK_ORANGE, linewidth=2.4, hatch="///"),
    "not returned": dict(facecolor="#f3f3f3", edgecolor=GREY, linewidth=1.0, linestyle=(0, (4, 3))),
}


#: What marks the layout drawn for narrow screens, at the top of its SVG.
NARROW = "<!-- drawn for narrow screens -->"
#: The widest a layout for narrow screens is drawn, in inches (96 CSS px each).
NARROW_WIDTH = 3.6


class Picture:
    """A drawn figure as SVG text, in its wide layout and, where there is one, its layout for
    narrow screens; a notebook displays both, as two images, and the site shows one.

    >>> Picture("<svg>...</svg>")
    <Picture: SVG, 14 characters>
    """

    def __init__(self, svg: str, narrow: str | None = None):
        self.svg = svg
        self.narrow = narrow

    def _repr_svg_(self) -> str:
        return self.svg

    def _ipython_display_(self) -> None:
        from IPython.display import display

        for svg in (self.svg, self.narrow):
            if svg:
                display({"image/svg+xml": svg}, raw=True)

    def __repr__(self) -> str:
        return f"<Picture: SVG, {len(self.svg)} characters>"


def _figure(width: float, height: float):
    """A new figure of a fixed size, drawn with matplotlib's defaults and this module's style."""
    matplotlib.rcdefaults()  # nothing a page (or a reader's matplotlibrc) set carries over
    plt.rcParams.update(
        {
            "font.size": 10,
            "text.color": INK,
            "axes.labelcolor": INK,
            "axes.edgecolor": INK,
            "xtick.color": INK,
            "ytick.color": INK,
            "hatch.linewidth": 0.8,
            "svg.hashsalt": "keras-rnn-returns",  # stable ids: two builds write the same file
            "svg.fonttype": "none",  # text stays text: sharp at any size, and searchable
        }
    )
    return plt.figure(figsize=(width, height), dpi=DPI, facecolor="white")


def _svg_text(fig, narrow: bool = False) -> str:
    """``fig`` as SVG, without a date or software tag (marked if drawn for narrow screens); closes it."""
    if narrow and fig.get_figwidth() > NARROW_WIDTH + 1e-9:
        raise ValueError(f"a layout for narrow screens {fig.get_figwidth():.2f} inches wide")
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", facecolor="white", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buffer.getvalue()
    return svg.replace("<svg ", NARROW + "\n<svg ", 1) if narrow else svg


def _svg(fig, narrow_fig=None) -> Picture:
    """The picture of ``fig``, and of ``narrow_fig``, its layout for narrow screens."""
    return Picture(_svg_text(fig), _svg_text(narrow_fig, narrow=True) if narrow_fig is not None else None)


def _wrapped(call: str, width: int) -> str:
    """``call`` in lines of at most ``width`` characters, broken only after a comma."""
    lines = [""]
    for part in call.split(", "):
        joined = f"{lines[-1]}, {part}" if lines[-1] else part
        if lines[-1] and len(joined) > width:
            lines[-1] += ","
            lines.append(part)
        else:
            lines[-1] = joined
    return "\n".join(lines)


# --- what a call returns ---------------------------------------------------------------


def returned_labels(
    *, layer: str = "LSTM", return_sequences: bool = False, return_state: bool = False, bidirectional: bool = False
) -> list[str]:
    """The tensors a call returns, in order, labelled with their position in the tuple.

    ``layer`` is ``"LSTM"`` (two states, ``h`` and ``c``), ``"GRU"`` or ``"SimpleRNN"``
    (one state, ``h``). ``return_sequences`` does not change the count, only the output's
    shape. A call that returns one tensor returns it alone, not in a tuple.
    """
    states = ["h", "c"] if layer == "LSTM" else ["h"]
    if bidirectional:
        states = [f"{direction} {s}" for direction in ("forward", "backward") for s in states]
    names = ["output", *states] if return_state else ["output"]
    if len(names) == 1:
        return names
    return [f"[{i}] {name}" for i, name in enumerate(names)]


def _check_returned(returned, labels, *, return_sequences, bidirectional, timesteps):
    """Check that what Keras returned is what the picture draws: the count, the ranks, and
    the final states sitting where the picture says they sit in the output."""
    arrays = [np.asarray(a) for a in (returned if isinstance(returned, (list, tuple)) else [returned])]
    if len(arrays) != len(labels):
        raise ValueError(f"the picture draws {len(labels)} tensor(s), {labels}, but the call returned {len(arrays)}")
    output, states = arrays[0], arrays[1:]
    if output.ndim != (3 if return_sequences else 2) or (return_sequences and output.shape[1] != timesteps):
        raise ValueError(f"an output of shape {output.shape} is not what the picture draws")
    if not states:
        return
    units = states[0].shape[-1]
    last, first = (output[:, -1], output[:, 0]) if return_sequences else (output, output)
    if not bidirectional:  # the picture says: h is the output of the last step
        np.testing.assert_allclose(last, states[0], rtol=1e-6, atol=1e-6)
        return
    # the forward h is the forward half at the last step, the backward h the backward half at step 0
    half = len(states) // 2
    np.testing.assert_allclose(last[:, :units], states[0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(first[:, units:], states[half], rtol=1e-6, atol=1e-6)


# --- the unrolled time line ------------------------------------------------------------

STEP = 2.1  # distance between two time steps, in the time line's data units


def timeline(
    returned=None,
    *,
    layer: str = "LSTM",
    return_sequences: bool = False,
    return_state: bool = False,
    bidirectional: bool = False,
    timesteps: int = 3,
) -> Picture:
    """The layer unrolled over ``timesteps`` steps, with what the call returns highlighted.

    Inputs ``x[t]`` are at the bottom; one box per step reads its input and carries ``h``
    (and ``c`` for an LSTM) to the next step; the step's output ``h[t]`` is above it.
    Returned tensors are hatched, outlined in orange and labelled with their position in
    the returned tuple; what is computed but not returned is dashed grey. With
    ``bidirectional`` a forward row (left to right) sits above the inputs and a backward
    row (right to left) below them, so the backward final state comes out at step 0.

    Pass what Keras ``returned`` to check the picture against it: the number of tensors,
    the output's rank, and the final ``h`` found where the picture says it is.
    """
    labels = returned_labels(
        layer=layer, return_sequences=return_sequences, return_state=return_state, bidirectional=bidirectional
    )
    if returned is not None:
        _check_returned(
            returned, labels, return_sequences=return_sequences, bidirectional=bidirectional, timesteps=timesteps
        )
    output_shape = "(batch, timesteps, " if return_sequences else "(batch, "
    output_shape += "2·units)" if bidirectional else "units)"
    output_label = f"{labels[0]} {output_shape}"
    state_names = ["h", "c"] if layer == "LSTM" else ["h"]
    draw = _two_rows if bidirectional else _one_row
    fig = draw(timesteps, layer, state_names, return_sequences, return_state, output_label, labels[1:])

    flags = [
        f"{flag}=True" for flag, on in (("return_sequences", return_sequences), ("return_state", return_state)) if on
    ]
    call = f"{layer}({', '.join(['units', *flags])})"
    call = f"Bidirectional({call})" if bidirectional else call
    returns = labels[0] if len(labels) == 1 else "(" + ", ".join(label.split(" ", 1)[1] for label in labels) + ")"
    fig.suptitle(f"{call}\nreturns {returns}", fontsize=11.5, fontweight="bold", y=0.985, linespacing=1.4)
    entries = [("returned by the call", "returned"), ("computed, not returned", "not returned")]
    _legend(fig, entries)

    title = _wrapped(call, 30) + "\n" + _wrapped(f"returns {returns}", 34)
    top = 0.2 + 0.23 * (title.count("\n") + 1)  # inches: 11.5 pt lines, 1.4 apart
    draw = _two_columns if bidirectional else _one_column
    narrow = draw(timesteps, layer, state_names, return_sequences, return_state, output_shape, labels, top)
    y_title = 1 - 0.08 / narrow.get_figheight()  # 0.08 inches from the top
    narrow.suptitle(title, fontsize=11.5, fontweight="bold", y=y_title, va="top", linespacing=1.4)
    _legend(narrow, entries, ncol=1)
    return _svg(fig, narrow)


def _one_row(timesteps, layer, state_names, return_sequences, return_state, output_label, state_labels):
    """A single layer: inputs, one row of steps, outputs above; final states on the right."""
    last = timesteps - 1
    ax = _canvas((-2.4, STEP * last + 4.4), (-0.45, 3.55))
    y_in, y_cell, y_out = 0.0, 1.45, 2.9
    _row(ax, y_cell, timesteps, state_names, backward=False, name=layer)
    for t in range(timesteps):
        x = STEP * t
        shown = return_sequences or t == last
        _box(ax, x, y_in, f"x[{t}]", "input", width=0.9, height=0.5)
        _arrow(ax, (x, y_in + 0.25), (x, y_cell - 0.36), GREEN)
        _box(ax, x, y_out, f"h[{t}]", "returned" if shown else "not returned", width=0.95, height=0.5)
        _arrow(ax, (x, y_cell + 0.36), (x, y_out - 0.25), INK if shown else GREY)
    _bracket(ax, 0 if return_sequences else last, last, y_out + 0.45, output_label)
    equal_to = "output[:, -1]" if return_sequences else "[0] output"
    _final_states(ax, STEP * last, y_cell, state_names, return_state, state_labels, +1, equal_to)
    return ax.figure


def _two_rows(timesteps, layer, state_names, return_sequences, return_state, output_label, state_labels):
    """Bidirectional: the forward row above the inputs, the backward row below them, each
    with its outputs on the outside and its final states where it finishes."""
    last = timesteps - 1
    ax = _canvas((-4.8, STEP * last + 4.8), (-0.8, 5.85))
    y_bwd_out, y_bwd, y_in, y_fwd, y_fwd_out = 0.0, 1.3, 2.6, 3.9, 5.2
    _row(ax, y_fwd, timesteps, state_names, backward=False, name="forward")
    _row(ax, y_bwd, timesteps, state_names, backward=True, name="backward")
    for t in range(timesteps):
        x = STEP * t
        forward_shown = return_sequences or t == last  # without sequences: each direction's last step
        backward_shown = return_sequences or t == 0
        _box(ax, x, y_in, f"x[{t}]", "input", width=0.9, height=0.5)
        _arrow(ax, (x, y_in + 0.25), (x, y_fwd - 0.36), GREEN)
        _arrow(ax, (x, y_in - 0.25), (x, y_bwd + 0.36), GREEN)
        _box(ax, x, y_fwd_out, f"→h[{t}]", "returned" if forward_shown else "not returned", width=0.95, height=0.5)
        _box(ax, x, y_bwd_out, f"←h[{t}]", "returned" if backward_shown else "not returned", width=0.95, height=0.5)
        _arrow(ax, (x, y_fwd + 0.36), (x, y_fwd_out - 0.25), INK if forward_shown else GREY)
        _arrow(ax, (x, y_bwd - 0.36), (x, y_bwd_out + 0.25), INK if backward_shown else GREY)
    _bracket(ax, 0 if return_sequences else last, last, y_fwd_out + 0.45, output_label)
    if return_sequences:
        merged = "output[:, t] = forward →h[t] (first units) next to backward ←h[t] (last units)"
    else:
        merged = "output = forward →h[last step] (first units) next to backward ←h[0] (last units)"
    _note(ax, STEP * last / 2, y_bwd_out - 0.52, merged)
    n = len(state_names)
    forward_equal, backward_equal = ("output[:, -1, :units]", "output[:, 0, units:]") if return_sequences else ("", "")
    _final_states(ax, STEP * last, y_fwd, state_names, return_state, state_labels[:n], +1, forward_equal)
    _final_states(ax, 0, y_bwd, state_names, return_state, state_labels[n:], -1, backward_equal)
    return ax.figure


# The layouts for narrow screens: time runs down the page, one row per step.

RISE = 1.5  # distance between two time steps, downwards, in data units


def _one_column(timesteps, layer, state_names, return_sequences, return_state, output_shape, labels, top):
    """A single layer, for a phone: each step a row (input, step, output, left to right),
    the states carried down from row to row; the final states below the last row."""
    last = timesteps - 1
    y_last = -RISE * last
    x_in, x_cell, x_out = 0.0, 1.85, 3.7
    y_final = y_last - 1.6
    ax = _canvas((-1.3, 5.5), (y_final - 2.1, 1.4), scale=0.52, top=top, bottom=0.75)
    for t in range(timesteps):
        y, shown = -RISE * t, return_sequences or t == last
        _box(ax, x_in, y, f"x[{t}]", "input", width=0.9, height=0.45)
        _arrow(ax, (x_in + 0.45, y), (x_cell - 0.6, y), GREEN)
        _box(ax, x_cell, y, layer, "cell", width=1.2, height=0.6, fontsize=9)
        _box(ax, x_out, y, f"h[{t}]", "returned" if shown else "not returned", width=0.95, height=0.45)
        _arrow(ax, (x_cell + 0.6, y), (x_out - 0.48, y), INK if shown else GREY)
    for t in range(last):
        _carry_down(ax, x_cell, -RISE * t - 0.3, -RISE * (t + 1) + 0.3, state_names)
    _carry_down(ax, x_cell, 1.0, 0.3, state_names)
    _note(ax, x_cell, 1.08, "zeros", va="bottom", colour="#444444")
    if return_sequences:  # the steps the output holds
        x = x_out + 0.62
        ax.plot([x - 0.1, x, x, x - 0.1], [0.25, 0.25, y_last - 0.25, y_last - 0.25], color=DARK_ORANGE, linewidth=2)
    y_text = y_final - 1.2
    ax.text(x_cell + 0.3, y_text, labels[0], ha="center", va="top", fontsize=10, fontweight="bold")
    ax.text(x_cell + 0.3, y_text - 0.36, output_shape, ha="center", va="top", fontsize=9)
    equal_to = "output[:, -1]" if return_sequences else "[0] output"
    _final_states_below(ax, x_cell, y_last - 0.3, y_final, state_names, return_state, labels[1:], equal_to)
    return ax.figure


def _two_columns(timesteps, layer, state_names, return_sequences, return_state, output_shape, labels, top):
    """Bidirectional, for a phone: each step a row, the backward layer left of the inputs
    and the forward layer right of them; the forward states carried down and out below the
    last row, the backward states carried up and out above the first."""
    last = timesteps - 1
    y_last = -RISE * last
    x_bwd_out, x_bwd, x_in, x_fwd, x_fwd_out = 0.0, 1.7, 3.35, 5.0, 6.7
    y_backward_final, y_forward_final = 1.8, y_last - 1.8
    y_text = y_forward_final - 1.75
    ax = _canvas((-0.7, 7.9), (y_text - 1.55, y_backward_final + 1.3), scale=0.4167, top=top, bottom=0.75)
    for t in range(timesteps):
        y = -RISE * t
        forward_shown, backward_shown = return_sequences or t == last, return_sequences or t == 0
        _box(ax, x_in, y, f"x[{t}]", "input", width=0.95, height=0.45, fontsize=9)
        _arrow(ax, (x_in + 0.475, y), (x_fwd - 0.775, y), GREEN)
        _arrow(ax, (x_in - 0.475, y), (x_bwd + 0.775, y), GREEN)
        _box(ax, x_fwd, y, "forward", "cell", width=1.55, height=0.6, fontsize=9)
        _box(ax, x_bwd, y, "backward", "cell", width=1.55, height=0.6, fontsize=9)
        forward_kind, backward_kind = ("returned" if on else "not returned" for on in (forward_shown, backward_shown))
        _box(ax, x_fwd_out, y, f"→h[{t}]", forward_kind, width=1.05, height=0.45, fontsize=9)
        _box(ax, x_bwd_out, y, f"←h[{t}]", backward_kind, width=1.05, height=0.45, fontsize=9)
        _arrow(ax, (x_fwd + 0.775, y), (x_fwd_out - 0.525, y), INK if forward_shown else GREY)
        _arrow(ax, (x_bwd - 0.775, y), (x_bwd_out + 0.525, y), INK if backward_shown else GREY)
    for t in range(last):
        _carry_down(ax, x_fwd, -RISE * t - 0.3, -RISE * (t + 1) + 0.3, state_names)
        _carry_down(ax, x_bwd, -RISE * (t + 1) + 0.3, -RISE * t - 0.3, state_names)
    _carry_down(ax, x_fwd, 1.0, 0.3, state_names)
    _note(ax, x_fwd, 1.08, "zeros", va="bottom", colour="#444444")
    _carry_down(ax, x_bwd, y_last - 1.0, y_last - 0.3, state_names)
    _note(ax, x_bwd, y_last - 1.08, "zeros", va="top", colour="#444444")
    n = len(state_names)
    equalities = ("output[:, -1, :units]", "output[:, 0, units:]") if return_sequences else ("", "")
    for x, y_from, y_box, direction, states, equal_to, up in (
        (x_fwd, y_last - 0.3, y_forward_final, "forward", labels[1 : 1 + n], equalities[0], False),
        (x_bwd, 0.3, y_backward_final, "backward", labels[1 + n :], equalities[1], True),
    ):
        toward = 1 if up else -1
        spread = 1.1 if n == 2 else 0.0
        for index, (name, dx, lane) in enumerate(zip(state_names, (-spread, spread), (-0.25, 0.25), strict=False)):
            lane = lane if n == 2 else 0.0
            _arrow(ax, (x + lane, y_from), (x + dx, y_box - toward * 0.24), INK)
            position = states[index].split(" ", 1)[0] + " " if return_state else ""
            _box(ax, x + dx, y_box, f"{position}final {name}", "returned" if return_state else "not returned",
                 width=2.0, height=0.45, fontsize=9)  # fmt: skip
        words = f"the {direction} layer's final " + " and ".join(state_names)
        words += "" if return_state else ": not returned"
        lines = [words, f"{states[0].split(' ', 1)[0]} = {equal_to}"] if return_state and equal_to else [words]
        ax.text(x_in, y_box + toward * 0.36, "\n".join(lines if not up else lines[::-1]), ha="center",
                va="bottom" if up else "top", fontsize=9, linespacing=1.5)  # fmt: skip
    if return_sequences:
        lines = ["output[:, t] = →h[t] (first units)", "next to ←h[t] (last units)"]
    else:
        lines = [f"output = →h[{last}] (first units)", "next to ←h[0] (last units)"]
    ax.text(x_in, y_text, f"{labels[0]}", ha="center", va="top", fontsize=10, fontweight="bold")
    ax.text(x_in, y_text - 0.36, "\n".join([output_shape, *lines]), ha="center", va="top", fontsize=9, linespacing=1.5)
    return ax.figure


def _carry_down(ax, x, y0, y1, state_names):
    """State arrows from height y0 to y1 in a column at ``x``: h solid blue on the left,
    c dashed vermillion on the right, each labelled on its outside."""
    lanes = {"h": (x - 0.25, BLUE, "-", "right"), "c": (x + 0.25, VERMILLION, "--", "left")}
    if len(state_names) == 1:
        lanes = {"h": (x, BLUE, "-", "left")}
    for name, (lane_x, colour, style, ha) in lanes.items():
        _arrow(ax, (lane_x, y0), (lane_x, y1), colour, style)
        side = -0.08 if ha == "right" else 0.08
        _note(ax, lane_x + side, (y0 + y1) / 2, name, ha=ha, weight="bold", colour=colour)


def _final_states_below(ax, x, y_from, y_box, state_names, returned, labels, equal_to):
    """The final states out of the step ending at ``y_from``, in boxes side by side at
    ``y_box`` below it, each labelled with its position in the returned tuple (or "not
    returned"); the first state's equality on a line of its own."""
    offsets = [-0.85, 0.85] if len(state_names) == 2 else [0.0]
    lanes = [-0.25, 0.25] if len(state_names) == 2 else [0.0]
    for index, (name, dx, lane) in enumerate(zip(state_names, offsets, lanes, strict=True)):
        _arrow(ax, (x + lane, y_from), (x + dx, y_box + 0.24), INK)
        _box(ax, x + dx, y_box, f"final {name}", "returned" if returned else "not returned", width=1.45, height=0.45)
        text = labels[index] if returned else "not returned"
        weight = "bold" if returned else "normal"
        ax.text(x + dx, y_box - 0.32, text, ha="center", va="top", fontsize=9, fontweight=weight)
    if returned and equal_to:
        position = labels[0].split(" ", 1)[0]
        ax.text(x + offsets[0], y_box - 0.68, f"{position} = {equal_to}", ha="center", va="top", fontsize=9)


def _canvas(xlim, ylim, scale=0.68, top=0.75, bottom=0.4):
    """Axes whose data units are ``scale`` inches both ways (boxes keep their shape), with
    ``top`` inches for the title and ``bottom`` inches for the legend."""
    width = (xlim[1] - xlim[0]) * scale
    height = (ylim[1] - ylim[0]) * scale + top + bottom
    fig = _figure(width, height)
    ax = fig.add_axes((0, bottom / height, 1, 1 - (top + bottom) / height))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_axis_off()
    return ax


def _row(ax, y, timesteps, state_names, *, backward, name):
    """One direction's steps at height ``y``: zeros come in where it starts, and the states
    go from step to step (right to left when ``backward``)."""
    direction = -1 if backward else 1
    order = list(range(timesteps))[::direction]
    for t in order:
        _box(ax, STEP * t, y, f"{name}\nreads x[{t}]", "cell", height=0.72, fontsize=9)
    for before, after in itertools.pairwise(order):
        _carry(ax, STEP * before + direction * 0.63, STEP * after - direction * 0.63, y, state_names)
    start = STEP * order[0]
    _carry(ax, start - direction * 1.5, start - direction * 0.63, y, state_names)
    _note(ax, start - direction * 1.55, y, "zeros", ha="right" if direction == 1 else "left", colour="#444444")


def _carry(ax, x0, x1, y, state_names):
    """State arrows from x0 to x1: h solid blue, c dashed vermillion, each labelled."""
    lanes = (
        {"h": (y + 0.15, BLUE, "-"), "c": (y - 0.15, VERMILLION, "--")}
        if len(state_names) == 2
        else {"h": (y, BLUE, "-")}
    )
    for name, (lane_y, colour, style) in lanes.items():
        _arrow(ax, (x0, lane_y), (x1, lane_y), colour, style)
        _note(ax, (x0 + x1) / 2, lane_y + 0.1, name, va="bottom", weight="bold", colour=colour)


def _final_states(ax, x_last, y, state_names, returned, labels, side, equal_to):
    """The final states, out of the step at ``x_last`` on ``side`` (+1 right, -1 left),
    labelled with their position in the returned tuple, or "not returned"."""
    x_box = x_last + side * 1.55
    offsets = [0.42, -0.42] if len(state_names) == 2 else [0.0]
    for index, (name, dy) in enumerate(zip(state_names, offsets, strict=True)):
        lane = dy * 0.36  # the h lane is above the c lane
        _arrow(ax, (x_last + side * 0.63, y + lane), (x_box - side * 0.54, y + dy), INK)
        _box(ax, x_box, y + dy, f"final {name}", "returned" if returned else "not returned", width=1.05, height=0.5)
        text = labels[index] if returned else "not returned"
        if returned and name == "h" and equal_to:
            text += f"\n= {equal_to}"
        ha = "left" if side == 1 else "right"
        _note(ax, x_box + side * 0.7, y + dy, text, ha=ha, weight="bold" if returned else "normal")


def _box(ax, x, y, text, kind, width=1.25, height=0.62, fontsize=10):
    """A rounded box centred on (x, y) with ``text`` in it, drawn in the style ``kind``."""
    corner = (x - width / 2, y - height / 2)
    box = FancyBboxPatch(corner, width, height, boxstyle="round,pad=0.02,rounding_size=0.08", **STYLES[kind])
    box.kind = kind  # for the key, which names only the kinds drawn
    ax.add_patch(box)
    colour = "#555555" if kind == "not returned" else INK
    # a white backing keeps text legible on hatching
    backing = dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85)
    ax.text(
        x,
        y,
        text,
        ha="center",
        va="center",
        fontsize=fontsize,
        color=colour,
        bbox=backing if kind == "returned" else None,
    )


def _arrow(ax, start, end, colour=INK, style="-"):
    arrow = dict(arrowstyle="-|>", color=colour, linestyle=style, linewidth=1.3, shrinkA=0, shrinkB=0)
    ax.annotate("", xy=end, xytext=start, arrowprops=arrow)


def _note(ax, x, y, text, ha="center", va="center", weight="normal", colour=INK):
    ax.text(x, y, text, ha=ha, va=va, fontsize=9, fontweight=weight, color=colour)


def _bracket(ax, first, last, y, text):
    """A bracket over the steps ``first`` to ``last`` at height ``y``, labelled with ``text``."""
    x0, x1 = STEP * first - 0.5, STEP * last + 0.5
    ax.plot([x0, x0, x1, x1], [y - 0.1, y, y, y - 0.1], color=DARK_ORANGE, linewidth=2)
    ax.text((x0 + x1) / 2, y + 0.1, text, ha="center", va="bottom", fontsize=10, fontweight="bold")


def _legend(fig, entries, ncol=None):
    """The key of ``fig``: each of ``entries`` (label, kind) whose kind a box of it is drawn in."""
    drawn = {getattr(patch, "kind", None) for ax in fig.axes for patch in ax.patches}
    handles = [
        Patch(label=label, **{key: value for key, value in STYLES[kind].items() if key != "linewidth"})
        for label, kind in entries
        if kind in drawn
    ]
    ncol = ncol or len(handles)
    fig.legend(handles=handles, loc="lower center", ncol=ncol, frameon=False, fontsize=9.5, handlelength=2.5)


# --- h and c over time -----------------------------------------------------------------


def state_heatmaps(h_steps, c_steps) -> Picture:
    """Heat maps of the hidden state and the cell state after every step, ``units x timesteps``.

    ``h_steps`` and ``c_steps`` are ``(timesteps, units)``: row ``t`` is the state after
    step ``t``. Both maps share one colour scale, centred on zero, so magnitudes compare;
    every square also prints its value, so nothing depends on colour.
    """
    h_steps, c_steps = np.asarray(h_steps), np.asarray(c_steps)
    if h_steps.shape != c_steps.shape or h_steps.ndim != 2:
        raise ValueError(f"expected two (timesteps, units) arrays, got {h_steps.shape} and {c_steps.shape}")
    limit = float(np.ceil(max(np.abs(h_steps).max(), np.abs(c_steps).max()) * 10) / 10)
    titles = ("hidden state h\n(the output at each step)", "cell state c\n(only the final one is returned)")
    title = "After each step h = o · tanh(c): the sign of c, a smaller magnitude"
    fig = _figure(8.6, 4.2)
    for index, (values, heading) in enumerate(zip((h_steps, c_steps), titles, strict=True)):
        _heatmap(fig, (0.08 + index * 0.49, 0.19, 0.33, 0.6), values, heading, limit)
    fig.suptitle(title, fontsize=11.5, y=0.97)
    # For a phone: the two maps one above the other.
    narrow = _figure(3.5, 7.0)  # inches: the title 0.6, then each map's title 0.45, squares 2, axis 0.55
    for index, (values, heading) in enumerate(zip((h_steps, c_steps), titles, strict=True)):
        _heatmap(narrow, (0.15, (3.95 - 3 * index) / 7, 0.7, 2 / 7), values, heading, limit)
    narrow.suptitle(title.replace(": ", ":\n"), fontsize=11.5, y=0.985, va="top", linespacing=1.4)
    return _svg(fig, narrow)


def _heatmap(fig, rect, values, title, limit):
    """One state after every step, ``units x timesteps``, in axes at ``rect``, each square
    with its value; the final step (the state ``return_state`` returns) outlined."""
    timesteps, units = values.shape
    ax = fig.add_axes(rect)
    image = ax.imshow(values.T, cmap="PuOr_r", vmin=-limit, vmax=limit, aspect="auto")
    for t in range(timesteps):
        for u in range(units):
            value = values[t, u]
            colour = "white" if abs(value) > 0.6 * limit else INK
            ax.text(t, u, f"{value:+.3f}", ha="center", va="center", fontsize=9.5, color=colour)
    ax.add_patch(Rectangle((timesteps - 1.5, -0.5), 1, units, fill=False, edgecolor=INK, linewidth=2.5))
    ax.set_xticks(range(timesteps), [*map(str, range(timesteps - 1)), f"{timesteps - 1}\n(final)"])
    ax.set_yticks(range(units), [f"{u}" for u in range(units)])
    ax.set_xlabel("time step")
    ax.set_ylabel("unit")
    ax.set_title(title, fontsize=10.5, fontweight="bold")
    colour_bar = fig.colorbar(image, ax=ax, fraction=0.08, pad=0.04)
    colour_bar.ax.tick_params(labelsize=9)


# --- masked steps ----------------------------------------------------------------------

KINDS = {
    "real": dict(facecolor="#cfe6f6", edgecolor=BLUE, hatch=""),
    "repeats": dict(facecolor="#fbe4b4", edgecolor=DARK_ORANGE, hatch="///"),
    "zeros": dict(facecolor="#ececec", edgecolor="#666666", hatch="."),
}


def step_kinds(output, mask) -> list[list[str]]:
    """Name what each step of an output sequence holds: ``"real"`` (an unmasked step),
    ``"zeros"`` (a masked step of zeros), or ``"repeats N"`` (a masked step that repeats
    the output of real step ``N``). A masked step that is neither is an error.

    >>> output = np.array([[[0.0], [0.5], [0.5], [0.7]]])  # (batch, timesteps, units)
    >>> step_kinds(output, [[False, True, False, True]])
    [['zeros', 'real', 'repeats 1', 'real']]
    >>> step_kinds(output, [[True, True, True, False]])
    Traceback (most recent call last):
    ...
    ValueError: masked step 3 of sequence 0 is neither zeros nor the previous output
    """
    output, mask = np.asarray(output), np.asarray(mask, bool)
    kinds = []
    for row, (sequence, keep) in enumerate(zip(output, mask, strict=True)):
        names, source = [], None
        for t, real in enumerate(keep):
            if real:
                names.append("real")
                source = t
            elif np.allclose(sequence[t], 0):
                names.append("zeros")
            elif t > 0 and np.allclose(sequence[t], sequence[t - 1]) and source is not None:
                names.append(f"repeats {source}")
            else:
                raise ValueError(f"masked step {t} of sequence {row} is neither zeros nor the previous output")
        kinds.append(names)
    return kinds


def masking_picture(mask, panels: Sequence[tuple], row_names: Sequence[str]) -> Picture:
    """What each output step holds, for sequences padded in different places.

    ``mask`` is ``(batch, timesteps)`` (``False`` where masked). ``panels`` holds
    ``(title, output, states)`` triples: an output sequence ``(batch, timesteps, ...)`` and
    a dict from a short name (``"h"``) to ``(state, columns)``, a returned state and the
    output columns it is found in; every step whose output equals the state is marked
    with its name. One row per sequence, named by ``row_names``.
    """
    mask = np.asarray(mask, bool)
    batch = mask.shape[0]
    kinds = [step_kinds(np.asarray(output), mask) for _, output, _ in panels]  # each masked step explained, or an error
    title = "What the output holds at each time step"
    top, bottom, row_height, names_width, panel_width = 0.75, 0.9, 0.75, 1.2, 4.3
    width, height = names_width + panel_width * len(panels), top + bottom + row_height * batch
    fig = _figure(width, height)
    for index, panel in enumerate(panels):
        left = names_width + index * panel_width
        rect = (left / width, bottom / height, (panel_width - 0.3) / width, row_height * batch / height)
        _mask_panel(fig, rect, panel, kinds[index], row_names if index == 0 else [])
    _mask_legend(fig, ncol=3)
    fig.suptitle(title, fontsize=11.5, fontweight="bold", y=0.97)
    # For a phone: the panels one above the other, their titles wrapped, each row named.
    panel_height, title_height, axis_height = row_height * batch, 0.6, 0.55
    names_width, panel_width, legend_height, title_top = 0.65, 2.85, 0.95, 0.6
    step = title_height + panel_height + axis_height
    height = title_top + step * len(panels) + legend_height
    narrow = _figure(names_width + panel_width + 0.05, height)
    names = [name.replace(" ", "\n", 1) for name in row_names]  # "right padding" on two lines
    for index, (heading, output, states) in enumerate(panels):
        low = height - title_top - step * index - title_height - panel_height
        width = narrow.get_figwidth()
        rect = (names_width / width, low / height, panel_width / width, panel_height / height)
        _mask_panel(narrow, rect, (_wrapped(heading, 28), output, states), kinds[index], names)
    _mask_legend(narrow, ncol=1)
    narrow.suptitle(title.replace(" at", "\nat"), fontsize=11.5, fontweight="bold", y=1 - 0.08 / height, va="top")
    return _svg(fig, narrow)


def _mask_panel(fig, rect, panel, kinds, row_names):
    """One panel of :func:`masking_picture`: a square per sequence and step, in axes at ``rect``."""
    title, output, states = panel
    output = np.asarray(output)
    batch, timesteps = len(kinds), len(kinds[0])
    ax = fig.add_axes(rect)
    for row in range(batch):
        for t in range(timesteps):
            kind = kinds[row][t]
            style = KINDS[kind.split()[0]]
            ax.add_patch(Rectangle((t, row), 1, 1, linewidth=1.0, **style))
            text = f"repeats\nstep {kind.split()[1]}" if kind.startswith("repeats") else kind
            marks = [
                name
                for name, (state, columns) in states.items()
                if np.allclose(output[row, t][columns], state[row], rtol=1e-6, atol=1e-6)
            ]
            if marks:
                text += "\n= " + ", ".join(marks)
            backing = dict(boxstyle="round,pad=0.1", facecolor="white", edgecolor="none", alpha=0.8)
            ax.text(t + 0.5, row + 0.5, text, ha="center", va="center", fontsize=9, bbox=backing)
    ax.set_xlim(0, timesteps)
    ax.set_ylim(batch, 0)
    ax.set_xticks([t + 0.5 for t in range(timesteps)], [str(t) for t in range(timesteps)])
    ax.set_yticks([r + 0.5 for r in range(batch)] if row_names else [], row_names)
    ax.tick_params(length=0)
    ax.set_xlabel("time step")
    ax.set_title(title, fontsize=10, fontweight="bold")


def _mask_legend(fig, ncol):
    handles = [
        Patch(label=label, linewidth=1.0, **KINDS[kind])
        for label, kind in (
            ("real step: computed", "real"),
            ("masked: repeats the last real output", "repeats"),
            ("masked: zeros", "zeros"),
        )
    ]
    fig.legend(handles=handles, loc="lower center", ncol=ncol, frameon=False, fontsize=9.5, handlelength=2.5)
