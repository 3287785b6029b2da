"""keras_torch.py, checked against real torch, for every layer it converts.

Every nox session installs PyTorch's CPU build (requirements-backends.txt); `nox -s backends`
runs these again on each Keras backend. What PyTorch's modules return, and where their final
states sit, the PyTorch page executes itself; its downloads and its code as pasted are run
by tests/test_downloads.py and tests/test_reader_code.py.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import torch
from keras_torch import from_torch, to_torch

BATCH, TIMESTEPS, FEATURES, UNITS = 5, 7, 3, 4


def torch_input(batch_first: bool):
    x = torch.rand(BATCH, TIMESTEPS, FEATURES, generator=torch.Generator().manual_seed(1))
    return x if batch_first else x.transpose(0, 1)


#: Keras layer -> PyTorch module.
MODULES = {"LSTM": "LSTM", "GRU": "GRU", "SimpleRNN": "RNN"}


def keras_layer(kind: str, bidirectional: bool, **options):
    keras.utils.set_random_seed(0)
    layer = getattr(keras.layers, kind)(UNITS, return_sequences=True, return_state=True, **options)
    layer = keras.layers.Bidirectional(layer) if bidirectional else layer
    layer.build((None, TIMESTEPS, FEATURES))
    if options.get("use_bias", True):  # Keras starts biases at zero (and forget gates at one): make them matter
        rng = np.random.default_rng(3)
        layer.set_weights([rng.normal(scale=0.5, size=w.shape).astype("float32") for w in layer.get_weights()])
    return layer


def torch_twin(kind: str, bidirectional: bool, use_bias: bool = True, activation: str = "tanh"):
    extra = {"nonlinearity": activation} if kind == "SimpleRNN" else {}
    module = getattr(torch.nn, MODULES[kind])
    return module(FEATURES, UNITS, batch_first=True, bidirectional=bidirectional, bias=use_bias, **extra)


def load(module, params: dict) -> None:
    module.load_state_dict({name: torch.from_numpy(value) for name, value in params.items()})


def state_dict(module) -> dict:
    return {name: p.detach().numpy() for name, p in module.state_dict().items()}


def compare(layer, module, kind: str, bidirectional: bool) -> None:
    """Keras's and PyTorch's outputs and every final state agree."""
    x = torch_input(batch_first=True)
    keras_output, *keras_states = (keras.ops.convert_to_numpy(t) for t in layer(x.numpy()))
    output, states = module(x)
    torch_states = list(states) if kind == "LSTM" else [states]  # [h_n, c_n], or [h_n] for GRU and RNN
    np.testing.assert_allclose(output.detach().numpy(), keras_output, rtol=1e-5, atol=1e-5)
    # Keras: forward states, then backward; PyTorch: each of h_n, c_n stacks the directions.
    directions = 2 if bidirectional else 1
    per_direction = len(torch_states)
    for index, keras_state in enumerate(keras_states):
        direction, which = divmod(index, per_direction)
        assert direction < directions
        np.testing.assert_allclose(torch_states[which][direction].detach().numpy(), keras_state, rtol=1e-5, atol=1e-5)


CONFIGURATIONS = [(kind, bi) for kind in ("LSTM", "GRU", "SimpleRNN") for bi in (False, True)]
IDS = [f"{kind}{'-bidirectional' if bi else ''}" for kind, bi in CONFIGURATIONS]


@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "use_bias=False"])
@pytest.mark.parametrize(("kind", "bidirectional"), CONFIGURATIONS, ids=IDS)
def test_keras_weights_converted_to_torch_reproduce_outputs_and_states(kind, bidirectional, use_bias) -> None:
    layer = keras_layer(kind, bidirectional, use_bias=use_bias)
    module = torch_twin(kind, bidirectional, use_bias=use_bias)
    load(module, to_torch(kind, layer.get_weights(), bidirectional=bidirectional, use_bias=use_bias))
    compare(layer, module, kind, bidirectional)


def test_simple_rnn_with_relu_is_torch_rnn_with_relu_nonlinearity() -> None:
    layer = keras_layer("SimpleRNN", False, activation="relu")
    module = torch_twin("SimpleRNN", False, activation="relu")
    load(module, to_torch("SimpleRNN", layer.get_weights(), activation="relu"))
    compare(layer, module, "SimpleRNN", False)


@pytest.mark.parametrize(("kind", "bidirectional"), CONFIGURATIONS, ids=IDS)
def test_keras_to_torch_to_keras_round_trip(kind, bidirectional) -> None:
    torch.manual_seed(0)
    module = torch_twin(kind, bidirectional)  # PyTorch's own initialisation, both biases non-zero
    layer = keras_layer(kind, bidirectional)
    layer.set_weights(from_torch(kind, state_dict(module)))
    compare(layer, module, kind, bidirectional)  # torch -> Keras reproduces PyTorch

    again = keras_layer(kind, bidirectional)  # and Keras -> torch -> Keras is exact
    back = torch_twin(kind, bidirectional)
    load(back, to_torch(kind, layer.get_weights(), bidirectional=bidirectional))
    again.set_weights(from_torch(kind, state_dict(back)))
    for before, after in zip(layer.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_allclose(after, before, rtol=1e-6, atol=1e-7)
    compare(again, module, kind, bidirectional)


def test_torch_module_without_bias_gives_keras_weights_for_use_bias_false() -> None:
    torch.manual_seed(0)
    module = torch_twin("GRU", True, use_bias=False)
    layer = keras_layer("GRU", True, use_bias=False)
    layer.set_weights(from_torch("GRU", state_dict(module)))
    compare(layer, module, "GRU", True)
