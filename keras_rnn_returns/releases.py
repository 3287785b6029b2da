"""Every Keras release boundary the site states, in one place.

A page that says "from Keras 3.12 on" branches on :func:`since` with the change's name, never
on a version number of its own; the sentence names the release with ``{since}`name```
(site_build/history.py), which reads it from :data:`CHANGES`. ``nox -s history`` executes every
page on the latest patch of every Keras 3 minor release and records, per release, which
pages passed and which branch of each change held (docs/release-history.json);
tests/test_history.py fails when a change's first release is not bracketed there by a
passing run on the release before it (the old branch) and on the release itself (the new).
docs/what-changed.md tells a reader on each release, in each change's ``title`` and words,
what differs there from the pages (built with the newest release); a ``silent`` one, a wrong
result without an error, as a warning.

>>> CHANGES["stateful-batch-size-check"].first
'3.12'
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from packaging.version import Version

#: Where :func:`since` appends the branch each call took, when set (tools/record_releases.py sets it).
BRANCH_LOG = "KERAS_RNN_RETURNS_BRANCH_LOG"


@dataclass(frozen=True)
class Change:
    """A behaviour that a Keras 3 release changed, as the site states it."""

    title: str  #: what a reader calls the behaviour, never its key (Markdown): "A stateful layer called with ..."
    first: str  #: the first Keras minor release with the new behaviour ("3.12")
    now: str  #: the behaviour from ``first`` on (Markdown)
    before: str  #: the behaviour of the releases before (Markdown)
    page: str  #: where a page explains it: ``examples/stateful-layers#the-batch-size-is-fixed``
    why: str = ""  #: Keras's source that explains it, as ``{keras-source}`` takes it ("" where none is cited)
    backend: str = ""  #: the Keras backend it concerns, where only one ("" for every backend)
    #: Where the releases before return a wrong result without an error, as ``{scope}`` takes it
    #: ("words <probe backends releases outcome>", checked against the probe's record); "" where none.
    silent: str = ""
    follows: str = ""  #: the earlier change of the same behaviour, whose ``now`` is this one's ``before``
    restores: bool = False  #: ``now`` is the behaviour before the change it ``follows`` (that one lasted a while)


CHANGES = {
    "sequential-error-wording": Change(
        title="The error for `return_state=True` inside `Sequential`",
        first="3.4",
        now="`return_state=True` inside `Sequential` raises "
        '`Layer "dense" expects 1 input(s), but it received 3 input tensors`',
        before="the same error, worded `Layer 'dense' expected 1 input(s). Received 3 instead`",
        page="examples/common-errors#return-state-true-inside-a-sequential-model",
        # Not cited: 3.4 removed the earlier check that worded it the old way; the new wording's
        # line is in 3.3 too, so it would not show what changed.
    ),
    "too-many-states-wording": Change(
        title="The error for too many initial states",
        first="3.8",
        now="too many initial states raise `Too few leaves for PyTreeSpec; expected: 4, got: 2`",
        before="the same error, worded `Could not pack sequence. Structure had 4 atoms, but flat_sequence had 2 items`",
        page="examples/common-errors#too-many-initial-states",
        why=">=3.8 keras/src/tree/optree_impl.py::def pack_sequence_as(structure, flat_sequence):"
        "..return optree.tree_unflatten(treespec, flat_sequence)",
        backend="tensorflow",
    ),
    "stateful-batch-size-check": Change(
        title="A stateful layer called with another batch size",
        first="3.12",
        now="a stateful layer called with another batch size than its states' raises a `ValueError`",
        before="the call returns an output with the states' batch size, without a word",
        page="examples/stateful-layers#the-batch-size-is-fixed",
        why=">=3.12 keras/src/layers/rnn/rnn.py::actual_batch_size != self._expected_batch_size"
        "..- Received batch size:",
        silent="on TensorFlow and JAX, given a smaller batch <stateful-smaller-batch tensorflow,jax -3.11 returned>",
    ),
    "attention-2d-value": Change(
        title="`Attention` given a 2-D value",
        first="3.15",
        now="`Attention` given a 2-D `(batch, units)` value attends across the batch, as `AdditiveAttention` does",
        before="`Attention` given a 2-D value raises the backend's own error",
        page="examples/attention-over-lstm-outputs#why-the-encoder-needs-return-sequences-true",
        # Before: ops.transpose(key, axes=[0, 2, 1]), which a 2-D key cannot take.
        why=">=3.15 keras/src/layers/attention/attention.py::scores = ops.matmul(query, ops.swapaxes(key, -2, -1))",
    ),
    "mha-2d-value-error": Change(
        title="The error of `MultiHeadAttention` given a 2-D value",
        first="3.7",
        now="`MultiHeadAttention` given a 2-D value raises `ValueError: not enough values to unpack "
        "(expected 3, got 2)`, which does not say what is wrong (Keras 3.7 only)",
        before="`MultiHeadAttention` given a 2-D value raises "
        '`ValueError: Input 0 of layer "key" is incompatible with the layer: expected ndim=3, found ndim=2`',
        page="examples/attention-over-lstm-outputs#why-the-encoder-needs-return-sequences-true",
        backend="tensorflow",  # JAX and PyTorch raise from their einsum in 3.7 (the probe mha-2d-value-built)
    ),
    "mha-2d-value-error-restored": Change(
        title="The error of `MultiHeadAttention` given a 2-D value",
        first="3.8",
        now="`MultiHeadAttention` given a 2-D value raises `expected ndim=3, found ndim=2` again",
        before="the error reads `not enough values to unpack (expected 3, got 2)`",
        page="examples/attention-over-lstm-outputs#why-the-encoder-needs-return-sequences-true",
        backend="tensorflow",
        follows="mha-2d-value-error",
        restores=True,
    ),
    "torch-stateful-fit-trains": Change(
        title="`fit` of a stateful `LSTM` on PyTorch",
        first="3.9",
        now='on PyTorch, `fit` trains a stateful `LSTM`, with `use_cudnn` `"auto"` or `False` '
        "(until Keras 3.14 changed the default's behaviour again)",
        before="on PyTorch, `fit` of a stateful `LSTM` raises `RuntimeError: one of the variables needed for "
        'gradient computation has been modified by an inplace operation`, with `use_cudnn` `"auto"` or `False`',
        page="examples/lstm-on-each-backend#what-differs-and-why",
        why='>=3.9 keras/src/layers/rnn/rnn.py::if backend.backend() == "torch" and self.stateful:'
        "..states = tree.map_structure(ops.copy, states)",
        backend="torch",
    ),
    "torch-stateful-fit-auto-raises": Change(
        title="`fit` of a stateful `LSTM` on PyTorch",
        first="3.14",
        now='on PyTorch, `fit` of a stateful `LSTM` with the default `use_cudnn="auto"` raises the in-place '
        "`RuntimeError` again, on a CPU too; built with `use_cudnn=False` it trains",
        before='on PyTorch, `fit` trains a stateful `LSTM`, with `use_cudnn` `"auto"` or `False`',
        page="examples/lstm-on-each-backend#what-differs-and-why",
        # With "auto" the layer runs the PyTorch backend's own LSTM, which the fix of 3.9 is not in.
        why=">=3.14 keras/src/backend/torch/rnn.py::return _fallback_lstm(",
        backend="torch",
        follows="torch-stateful-fit-trains",
    ),
}


def minor(version: str) -> tuple[int, int]:
    """``3.12.4`` -> (3, 12): a change's release is a minor release.

    >>> minor("3.12.4") > minor("3.4")
    True
    """
    major, number = (*Version(version).release, 0)[:2]
    return major, number


def since(change: str, version: str | None = None) -> bool:
    """Whether the Keras executing the page (or Keras ``version``, which a page's own
    process reported) has ``change``, a key of :data:`CHANGES`: the branch a page takes
    for a statement that holds only from some release on."""
    if version is None:
        import keras

        version = keras.__version__
    new = minor(version) >= minor(CHANGES[change].first)
    log = os.environ.get(BRANCH_LOG)
    if log:  # one short line per call: appends from several kernels do not interleave
        with open(log, "a", encoding="utf-8") as file:
            file.write(json.dumps({"change": change, "new": new, "keras": version}) + "\n")
    return new
