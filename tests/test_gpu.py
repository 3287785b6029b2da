"""`nox -s gpu` records the masking page's cases on a CUDA GPU against its CPU (tools/record_gpu.py,
keras_rnn_returns/gpu.py); where no GPU is visible it says so and fails, having recorded
nothing. The committed record is from the pinned Keras, or the page says which it is from."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from keras_rnn_returns import gpu
from site_build.project import ROOT, newest_pin


def test_the_gpu_check_fails_saying_no_gpu_visible_where_there_is_none(tmp_path: Path) -> None:
    record = tmp_path / "gpu_masking.json"
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "JAX_PLATFORMS": "cpu"}  # as on a machine without one

    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "record_gpu.py"), str(record)], env=env, capture_output=True, text=True
    )

    assert done.returncode == 1
    assert done.stderr.startswith("no GPU visible")
    assert not record.exists()


def test_the_committed_gpu_record_is_from_the_pinned_keras() -> None:
    pinned = newest_pin("keras")
    assert gpu.stale(gpu.load(), pinned) == [], f"re-record with `nox -s gpu` on a GPU: Keras is {pinned} now"


def test_a_record_from_another_keras_is_stale_and_the_page_says_so() -> None:
    cases = gpu.side_by_side(gpu.run_cases(), gpu.run_cases())  # on this CPU, twice: a record's shape
    record = {
        "recorded": "2026-01-01",
        "machine": {"driver": "1", "cuda": "2", "python": "3.11"},
        "backends": {
            "jax": {"device": "a GPU", "versions": {"keras": "3.0.0", "jax": "0", "numpy": "2"}, "cases": cases}
        },
    }

    assert gpu.stale(record, "3.15.1") == ["jax"]
    section = gpu.record_section(record, "3.15.1")
    assert "This record is from Keras 3.0.0, not the Keras 3.15.1 that built this page" in section
    assert "**PyTorch: no record yet.**" in section
    assert section.count("\n| `") == len(gpu.KINDS) * len(gpu.MASKS)  # one row per layer and mask
    assert gpu.compare(cases) == []  # the same device twice: nothing differs
