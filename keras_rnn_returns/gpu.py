"""The masking page's cases on a GPU and on the CPU, and the record of them.

``nox -s gpu`` (tools/record_gpu.py) runs :func:`run_cases` for each Keras backend that sees a
CUDA GPU (JAX and PyTorch: the GPU machines this project may borrow have no TensorFlow),
in one process on the GPU and one on the CPU, with the same weights, and commits the two
:func:`side_by_side` as ``gpu_masking.json`` beside this file. The masking page
renders that record with :func:`record_table`, with where and when it was made, and says so
where there is none.

>>> [name for name in MASKS]
['no mask', 'right-padded', 'left-padded', 'a fully masked row']
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np

RECORD = Path(__file__).with_name("gpu_masking.json")
BATCH, TIMESTEPS, FEATURES, UNITS = 3, 5, 3, 4
#: The masking page's paddings, on a batch of three sequences; ``None``: no mask.
MASKS = {
    "no mask": None,
    "right-padded": np.array([[True] * 5, [True] * 3 + [False] * 2, [True] + [False] * 4]),
    "left-padded": np.array([[True] * 5, [False] * 2 + [True] * 3, [False] * 4 + [True]]),
    "a fully masked row": np.array([[True] * 5, [True] * 3 + [False] * 2, [False] * 5]),
}
KINDS = ("LSTM", "GRU")
FLAGS = list(itertools.product([True, False], repeat=2))  # (return_sequences, return_state)
TOLERANCE = 1e-5  # cuDNN adds in another order than the generic loop


def _data() -> np.ndarray:
    data = np.random.default_rng(0).normal(size=(BATCH, TIMESTEPS, FEATURES)).astype("float32")
    return data + 3.0 * (data == 0)  # no real step is all zeros


def _weights(kind: str) -> list[np.ndarray]:
    """The layer's weights, drawn by NumPy: the same on every device and backend (each
    device's own random generator would draw others)."""
    gates = {"LSTM": 4, "GRU": 3}[kind]
    rng = np.random.default_rng(1)
    bias = (2, gates * UNITS) if kind == "GRU" else (gates * UNITS,)  # GRU: reset_after=True, two biases
    return [
        rng.normal(scale=0.5, size=shape).astype("float32")
        for shape in ((FEATURES, gates * UNITS), (UNITS, gates * UNITS), bias)
    ]


def _call(kind: str, flags: tuple[bool, bool], mask):
    """What ``kind(UNITS, ...)`` returns on this process's default device, as NumPy
    arrays; or the error it raised."""
    import keras

    sequences, state = flags
    layer = getattr(keras.layers, kind)(UNITS, return_sequences=sequences, return_state=state)
    layer.build((BATCH, TIMESTEPS, FEATURES))
    layer.set_weights(_weights(kind))
    try:
        returned = layer(_data(), mask=mask)
    except Exception as error:  # recorded as the reader would meet it
        return None, f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
    returned = returned if isinstance(returned, (list, tuple)) else [returned]
    return [keras.ops.convert_to_numpy(t) for t in returned], None


def padded_steps(output: np.ndarray, mask) -> str:
    """What a ``return_sequences=True`` output holds at the masked steps of its rows."""
    if mask is None:
        return "no padded step"
    kinds = set()
    for row, keep in zip(output, mask, strict=True):
        for t in np.flatnonzero(~keep):
            before = np.flatnonzero(keep[:t])
            if np.allclose(row[t], 0, atol=TOLERANCE):
                kinds.add("zeros")
            elif before.size and np.allclose(row[t], row[before[-1]], atol=TOLERANCE):
                kinds.add("the last real step's output")
            else:
                kinds.add("other values")
    return " or ".join(sorted(kinds))


def run_cases() -> list[dict]:
    """Every case on this process's default device (tools/record_gpu.py picks it: ``JAX_PLATFORMS``,
    ``CUDA_VISIBLE_DEVICES``): what each call returned, and what it raised."""
    cases = []
    for kind, (name, mask), flags in itertools.product(KINDS, MASKS.items(), FLAGS):
        returned, error = _call(kind, flags, mask)
        seen = {"raised": error}
        if returned is not None and flags[0]:
            seen["padded steps"] = padded_steps(returned[0], mask)
            if flags[1]:
                seen["last step is h"] = bool(np.allclose(returned[0][:, -1], returned[1], atol=TOLERANCE))
        case = {"layer": kind, "mask": name, "return_sequences": flags[0], "return_state": flags[1], "seen": seen}
        case["values"] = None if returned is None else [a.tolist() for a in returned]
        cases.append(case)
    return cases


def side_by_side(on_gpu: list[dict], on_cpu: list[dict]) -> list[dict]:
    """The record's cases: each case as the GPU and the CPU saw it, and the largest
    difference between what the two returned."""
    cases = []
    for gpu, cpu in zip(on_gpu, on_cpu, strict=True):
        case = {key: gpu[key] for key in ("layer", "mask", "return_sequences", "return_state")}
        assert case == {key: cpu[key] for key in case}, (case, cpu)
        case["gpu"], case["cpu"] = gpu["seen"], cpu["seen"]
        if gpu["values"] is not None and cpu["values"] is not None:
            pairs = zip(gpu["values"], cpu["values"], strict=True)
            case["largest difference"] = max(float(np.max(np.abs(np.subtract(a, b)))) for a, b in pairs)
        cases.append(case)
    return cases


def compare(cases: list[dict]) -> list[str]:
    """What differs between the GPU and the CPU in ``cases``: one line each, none if nothing."""
    differences = []
    for case in cases:
        flags = f"return_sequences={case['return_sequences']}, return_state={case['return_state']}"
        name = f"{case['layer']}, {case['mask']}, {flags}"
        gpu, cpu = case.get("gpu", {}), case.get("cpu", {})
        for key in sorted(set(gpu) | set(cpu)):
            if gpu.get(key) != cpu.get(key):
                differences.append(f"{name}: {key}: GPU {gpu.get(key)!r}, CPU {cpu.get(key)!r}")
        if case.get("largest difference", 0.0) > TOLERANCE:
            differences.append(f"{name}: values differ by up to {case['largest difference']:.2g}")
    return differences


def load(path: Path = RECORD) -> dict:
    """The committed record, or an empty one: ``{"backends": {}}``."""
    return json.loads(path.read_text()) if path.exists() else {"backends": {}}


def record_table(backend_record: dict) -> str:
    """The record of one backend as a Markdown table: one row per layer and mask, for
    ``return_sequences=True, return_state=True``, with the largest difference over all four
    flag combinations."""
    rows = [
        "| layer | mask | padded steps on the GPU | on the CPU | last step is `h` (GPU / CPU) | raised "
        "| largest difference |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    by_case: dict[tuple[str, str], list[dict]] = {}
    for case in backend_record["cases"]:
        by_case.setdefault((case["layer"], case["mask"]), []).append(case)
    for (layer, mask), cases in by_case.items():
        full = next(c for c in cases if c["return_sequences"] and c["return_state"])
        gpu, cpu = full.get("gpu", {}), full.get("cpu", {})
        raised = "; ".join(
            sorted({c[d]["raised"] for c in cases for d in ("gpu", "cpu") if c.get(d, {}).get("raised")})
        )
        largest = max((c["largest difference"] for c in cases if "largest difference" in c), default=None)
        rows.append(
            f"| `{layer}` | {mask} | {gpu.get('padded steps', 'n/a')} | {cpu.get('padded steps', 'n/a')} "
            f"| {gpu.get('last step is h', 'n/a')} / {cpu.get('last step is h', 'n/a')} | {raised or 'nothing'} "
            f"| {'n/a' if largest is None else f'`{largest:.1g}`'} |"
        )
    return "\n".join(rows)


def record_section(record: dict, keras_version: str) -> str:
    """The masking page's GPU record: per backend, where and when it was made and its
    table, or that there is none; a record made with another Keras says which."""
    from keras_rnn_returns.show import BACKEND_NAMES

    parts = []
    for backend in ("jax", "torch"):
        name = BACKEND_NAMES[backend]
        found = record["backends"].get(backend)
        if found is None:
            parts.append(
                f"**{name}: no record yet.** No GPU has run this check for the {name} backend, so "
                f"what this page says of a GPU on {name} is cited above, not executed."
            )
            continue
        machine, versions = record.get("machine", {}), found["versions"]
        library = "jax" if backend == "jax" else "torch"
        provenance = (
            f"**{name}**, recorded on {record['recorded']} on an {found['device']} (driver "
            f"{machine.get('driver')}, CUDA {machine.get('cuda')}), with Python {machine.get('python')}, "
            f"Keras {versions['keras']}, {library} {versions[library]} and NumPy {versions['numpy']}."
        )
        if versions["keras"] != keras_version:
            provenance += (
                f" This record is from Keras {versions['keras']}, not the Keras {keras_version} that "
                "built this page: what a GPU does with this release was not recorded."
            )
        parts += [provenance, record_table(found)]
    return "\n\n".join(parts)


def stale(record: dict, keras_version: str) -> list[str]:
    """The backends whose record was made with another Keras than ``keras_version``."""
    return sorted(name for name, found in record["backends"].items() if found["versions"]["keras"] != keras_version)
