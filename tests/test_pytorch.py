"""Every PyTorch claim on the site, checked against real torch.

The site builds without PyTorch (from PyPI it is a multi-GB CUDA build on Linux), so
these tests skip in `nox -s tests`' own environment and run in `nox -s torch`, which
`nox -s tests` runs after it, with the CPU build pinned in requirements-torch.txt.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ROOT
from keras_torch import FINAL_STATES, TORCH_SHAPES, layer_to_torch, to_torch, torch_to_layer
from test_examples import run_cells

torch = pytest.importorskip("torch", reason="PyTorch claims are checked by `nox -s torch`")
keras = pytest.importorskip("keras")

BATCH, TIMESTEPS, FEATURES, UNITS, LAYERS = 5, 7, 3, 4, 3
SIZES = {"batch": BATCH, "timesteps": TIMESTEPS, "units": UNITS, "2·units": 2 * UNITS}
SIZES |= {"num_layers": LAYERS, "2·num_layers": 2 * LAYERS, "1": 1, "2": 2}
PAGE = ROOT / "examples" / "keras-lstm-in-pytorch.md"


def torch_module(call: str):
    torch.manual_seed(0)
    return eval(call, {"nn": torch.nn, "features": FEATURES, "units": UNITS})


def torch_input(batch_first: bool):
    x = torch.rand(BATCH, TIMESTEPS, FEATURES, generator=torch.Generator().manual_seed(1))
    return x if batch_first else x.transpose(0, 1)


def expected(symbols: str) -> tuple[int, ...]:
    return tuple(SIZES[s.strip()] for s in symbols.strip("()").split(","))


@pytest.mark.parametrize(("call", "output", "h_n", "c_n"), TORCH_SHAPES, ids=[row[0] for row in TORCH_SHAPES])
def test_torch_shapes_on_the_page_are_what_torch_returns(call, output, h_n, c_n) -> None:
    module = torch_module(call)
    out, states = module(torch_input("batch_first=True" in call))
    if isinstance(module, torch.nn.LSTM):
        states, cell = states
        assert tuple(cell.shape) == expected(c_n)
    else:
        assert c_n == "—"
    assert tuple(out.shape) == expected(output)
    assert tuple(states.shape) == expected(h_n)


@pytest.mark.parametrize(("call", "state", "equals"), FINAL_STATES, ids=[f"{r[0]}:{r[1]}" for r in FINAL_STATES])
def test_final_states_sit_where_the_page_says(call, state, equals) -> None:
    module = torch_module(call)
    output, h_n = module(torch_input(batch_first=True))
    if isinstance(module, torch.nn.LSTM):
        h_n = h_n[0]
    names = {"output": output.detach().numpy(), "h_n": h_n.detach().numpy(), "units": UNITS}
    np.testing.assert_allclose(eval(state, names), eval(equals, names), rtol=1e-6, atol=1e-6)


def keras_layer(kind: str, bidirectional: bool):
    keras.utils.set_random_seed(0)
    layer = getattr(keras.layers, kind)(UNITS, return_sequences=True, return_state=True)
    layer = keras.layers.Bidirectional(layer) if bidirectional else layer
    layer.build((None, TIMESTEPS, FEATURES))
    return layer


def torch_twin(kind: str, bidirectional: bool):
    return getattr(torch.nn, kind)(FEATURES, UNITS, batch_first=True, bidirectional=bidirectional)


def compare(layer, module, kind: str, bidirectional: bool) -> None:
    """Keras's and PyTorch's outputs and every final state agree."""
    x = torch_input(batch_first=True)
    keras_output, *keras_states = (np.asarray(t) for t in layer(x.numpy()))
    output, states = module(x)
    torch_states = list(states) if kind == "LSTM" else [states]  # [h_n, c_n] or [h_n]
    np.testing.assert_allclose(output.detach().numpy(), keras_output, rtol=1e-5, atol=1e-5)
    # Keras: forward states, then backward; PyTorch: each of h_n, c_n stacks the directions.
    directions = 2 if bidirectional else 1
    per_direction = len(torch_states)
    for index, keras_state in enumerate(keras_states):
        direction, which = divmod(index, per_direction)
        assert direction < directions
        np.testing.assert_allclose(torch_states[which][direction].detach().numpy(), keras_state, rtol=1e-5, atol=1e-5)


CONFIGURATIONS = [(kind, bi) for kind in ("LSTM", "GRU") for bi in (False, True)]
IDS = [f"{kind}{'-bidirectional' if bi else ''}" for kind, bi in CONFIGURATIONS]


@pytest.mark.parametrize(("kind", "bidirectional"), CONFIGURATIONS, ids=IDS)
def test_keras_weights_converted_to_torch_reproduce_outputs_and_states(kind, bidirectional) -> None:
    layer = keras_layer(kind, bidirectional)
    module = torch_twin(kind, bidirectional)
    module.load_state_dict({name: torch.from_numpy(v) for name, v in layer_to_torch(layer).items()})
    compare(layer, module, kind, bidirectional)


@pytest.mark.parametrize(("kind", "bidirectional"), CONFIGURATIONS, ids=IDS)
def test_keras_to_torch_to_keras_round_trip(kind, bidirectional) -> None:
    torch.manual_seed(0)
    module = torch_twin(kind, bidirectional)  # PyTorch's own initialisation, both biases non-zero
    layer = keras_layer(kind, bidirectional)
    torch_to_layer({name: p.detach().numpy() for name, p in module.state_dict().items()}, layer)
    compare(layer, module, kind, bidirectional)  # torch -> Keras reproduces PyTorch

    again = keras_layer(kind, bidirectional)  # and Keras -> torch -> Keras is exact
    back = torch_twin(kind, bidirectional)
    back.load_state_dict({name: torch.from_numpy(v) for name, v in layer_to_torch(layer).items()})
    torch_to_layer({name: p.detach().numpy() for name, p in back.state_dict().items()}, again)
    for before, after in zip(layer.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_allclose(after, before, rtol=1e-6, atol=1e-7)
    compare(again, module, kind, bidirectional)


def test_gru_without_reset_after_is_refused() -> None:
    layer = keras.layers.GRU(UNITS, reset_after=False)
    layer.build((None, TIMESTEPS, FEATURES))
    with pytest.raises(ValueError, match="reset_after=False has no PyTorch equivalent"):
        to_torch("GRU", layer.get_weights())


def test_pytorch_page_runs_with_torch_including_its_torch_only_cells() -> None:
    run_cells(PAGE)  # every code cell, the ones the site's build skips included
