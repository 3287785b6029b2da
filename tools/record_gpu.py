"""Masking on a CUDA GPU against the CPU, recorded: `nox -s gpu` (not part of `nox -s tests`).

For each of Keras's JAX and PyTorch backends that sees a CUDA GPU, runs the masking page's
cases (keras_rnn_returns/gpu.py: no mask, right-padded, left-padded, a fully masked row; LSTM
and GRU; every return_sequences / return_state) in a process of its own, on the GPU and on
the CPU with the same weights, and writes what it saw, with the machine and versions that
saw it, to keras_rnn_returns/gpu_masking.json (commit it: the masking page renders it). It
also runs every probe (keras_rnn_returns/probes.py: too many initial states, a stateful
LSTM's and GRU's `fit` with `use_cudnn="auto"`, ...) on the GPU and on the CPU, and records
both. It prints every difference between GPU and CPU; differences are findings, not failures.
TensorFlow's cuDNN path is not run: the GPU machines this project may borrow have no
TensorFlow, so the pages cite it instead.

Where no GPU is visible it says "no GPU visible", writes nothing and exits non-zero: it
has checked nothing. Usage: python tools/record_gpu.py [RECORD]; on a bare machine with torch
and JAX, put the repository root on PYTHONPATH (it imports keras_rnn_returns).
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("jax", "torch")


def visible_gpu(backend: str) -> str | None:
    """The name of the CUDA GPU ``backend``'s own library sees, without importing Keras."""
    try:
        if backend == "torch":
            import torch

            return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
        import jax

        gpus = [device for device in jax.devices() if device.platform == "gpu"]
        return gpus[0].device_kind if gpus else None
    except Exception:  # a library that cannot start sees no GPU
        return None


def machine() -> dict:
    """The driver and CUDA version nvidia-smi reports, and this Python."""
    found = {"python": platform.python_version()}
    try:
        smi = subprocess.run(["nvidia-smi"], capture_output=True, text=True, check=True).stdout
        header = next(line for line in smi.splitlines() if "Driver Version" in line)
        found["driver"] = header.split("Driver Version:")[1].split()[0]
        found["cuda"] = header.split("CUDA Version:")[1].split()[0] if "CUDA Version:" in header else None
    except (OSError, subprocess.CalledProcessError, StopIteration, IndexError):
        found["driver"] = found["cuda"] = None
    return found


#: How a process is kept off the GPU: each backend's own switch.
CPU_ONLY = {"jax": {"JAX_PLATFORMS": "cpu"}, "torch": {"CUDA_VISIBLE_DEVICES": ""}}


def one_process() -> None:
    """In a process of its own (KERAS_BACKEND, and the device, set by :func:`main`): the
    cases on this process's default device, as JSON."""
    from keras_rnn_returns.gpu import run_cases

    json.dump(run_cases(), sys.stdout)


def run(backend: str, on_cpu: bool) -> list[dict]:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": path, **(CPU_ONLY[backend] if on_cpu else {})}
    done = subprocess.run([sys.executable, __file__, "--one-process"], env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{backend} on the {'CPU' if on_cpu else 'GPU'}: the cases failed to run:\n{done.stderr}")
    return json.loads(done.stdout)


def main(record_path: Path) -> int:
    from keras_rnn_returns.gpu import compare, side_by_side
    from keras_rnn_returns.probes import run_on

    seen = {backend: visible_gpu(backend) for backend in BACKENDS}
    if not any(seen.values()):
        print(
            "no GPU visible: neither PyTorch (torch.cuda.is_available()) nor JAX (jax.devices()) sees a CUDA GPU "
            "here, so nothing was run on one and no record was written. Run `nox -s gpu` on a machine with one.",
            file=sys.stderr,
        )
        return 1
    record = {"recorded": datetime.date.today().isoformat(), "machine": machine(), "backends": {}}
    for backend, device in seen.items():
        if not device:
            print(f"{backend}: sees no GPU; not recorded", file=sys.stderr)
            continue
        library = "jax" if backend == "jax" else "torch"
        versions = {name: metadata.version(name) for name in ("keras", "numpy", library)}
        cases = side_by_side(run(backend, on_cpu=False), run(backend, on_cpu=True))
        probed = {"gpu": run_on(backend), "cpu": run_on(backend, **CPU_ONLY[backend])}
        outcomes = {device: found.get("outcomes", {}) for device, found in probed.items()}
        record["backends"][backend] = {"device": device, "versions": versions, "cases": cases, "probes": outcomes}
        print(f"{backend} on {device}: {len(cases)} cases, GPU vs CPU:")
        print("\n".join(f"  {line}" for line in compare(cases)) or "  the same everywhere")
        for name, on_gpu in outcomes["gpu"].items():
            if on_gpu != outcomes["cpu"].get(name):
                print(f"  probe {name}: GPU {on_gpu!r}, CPU {outcomes['cpu'].get(name)!r}")
    record_path.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {record_path}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--one-process"]:
        one_process()
    else:
        sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "keras_rnn_returns" / "gpu_masking.json"))
