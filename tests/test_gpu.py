"""`nox -s gpu` compares masking on a GPU with the CPU where a GPU is visible, and where none
is, says so and fails rather than pass having compared nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT


def test_gpu_check_says_no_gpu_visible_and_fails_where_there_is_none() -> None:
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU is visible here: `nox -s gpu` compares it with the CPU")
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "gpu.py")], capture_output=True, text=True)
    assert result.returncode != 0
    assert "no GPU visible" in result.stderr
