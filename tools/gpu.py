"""Masking on a GPU against a CPU: `nox -s gpu` (not part of `nox -s tests`).

Where a CUDA GPU is visible, runs the masking page's cases (LSTM and GRU, right-padded
masks, which Keras's cuDNN path takes, and left padding and gaps with `use_cudnn=False`,
the way out the page names) once on the GPU and once on the CPU with the same weights,
and fails on any difference beyond float tolerance; a left-padded mask with cuDNN allowed
must raise, as the page says. Where no GPU is visible it says so and exits non-zero: it
has checked nothing.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np
import tensorflow as tf

TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}  # cuDNN sums in another order than the CPU kernel


def cases():
    """(name, layer kind, use_cudnn, sequences, mask): the masking page's paddings, on a batch."""
    rng = np.random.default_rng(0)
    data = rng.normal(size=(4, 7, 3)).astype("float32")
    right = np.array([[True] * length + [False] * (7 - length) for length in (7, 5, 3, 1)])
    left = right[:, ::-1].copy()
    gaps = np.array([[step % 2 == 0 or step == 1 for step in range(7)]] * 4)
    for kind in ("LSTM", "GRU"):
        yield f"{kind}, right padding, cuDNN allowed", kind, "auto", data, right
        yield f"{kind}, left padding, use_cudnn=False", kind, False, data, left
        yield f"{kind}, gaps, use_cudnn=False", kind, False, data, gaps


def run(kind: str, use_cudnn, data, mask, device: str, weights=None):
    with tf.device(device):
        layer = getattr(keras.layers, kind)(5, return_sequences=True, return_state=True, use_cudnn=use_cudnn)
        layer.build(data.shape)
        if weights is not None:
            layer.set_weights(weights)
        return [keras.ops.convert_to_numpy(t) for t in layer(data, mask=mask)], layer.get_weights()


def main() -> int:
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        print("no GPU visible: TensorFlow lists no GPU device here, so nothing was compared", file=sys.stderr)
        return 1
    keras.utils.set_random_seed(0)
    failures = []
    for name, kind, use_cudnn, data, mask in cases():
        on_gpu, weights = run(kind, use_cudnn, data, mask, "/GPU:0")
        on_cpu, _ = run(kind, use_cudnn, data, mask, "/CPU:0", weights)
        worst = max(float(np.max(np.abs(g - c))) for g, c in zip(on_gpu, on_cpu, strict=True))
        same = all(np.allclose(g, c, **TOLERANCE) for g, c in zip(on_gpu, on_cpu, strict=True))
        print(f"{name}: largest difference {worst:.2e} {'ok' if same else 'DIFFERS'}")
        failures += [] if same else [name]
    left = next(case for case in cases() if "left" in case[0])
    try:
        run(left[1], "auto", left[3], left[4], "/GPU:0")
        failures.append("a left-padded mask with cuDNN allowed did not raise")
    except Exception as error:  # InvalidArgumentError, from Keras's mask check
        print(f"left padding, cuDNN allowed: raises {type(error).__name__}, as the page says")
    if failures:
        print("failed: " + "; ".join(failures), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
