"""The reference code readers download (numpy_rnn.py, keras_torch.py) takes what Keras takes
and names what it does not reproduce: arrays or lists as initial states, use_bias=False and
a Bidirectional initial_state split as Keras splits it give Keras's results; every other
option raises NotImplementedError naming it, never a silently different result. (Against
real PyTorch: tests/test_pytorch.py.)"""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest
from keras_torch import from_torch, to_torch
from numpy_rnn import bidirectional, rnn

KINDS = ("LSTM", "GRU", "SimpleRNN")
STATES = {"LSTM": 2, "GRU": 1, "SimpleRNN": 1}
BATCH, TIMESTEPS, FEATURES, UNITS = 3, 6, 5, 4


@pytest.fixture
def x() -> np.ndarray:
    return np.random.default_rng(0).random((BATCH, TIMESTEPS, FEATURES), dtype="float32")


def states(count: int, seed: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(BATCH, UNITS)).astype("float32") for _ in range(count)]


def built(layer, x):
    keras.utils.set_random_seed(0)
    layer.build(x.shape)
    if layer.weights:  # random biases too, so that use_bias and their layout matter
        layer.set_weights([np.random.default_rng(2).normal(size=w.shape).astype("float32") for w in layer.weights])
    return layer


def keras_returns(layer, x, **call) -> list[np.ndarray]:
    returned = layer(x, **call)
    return [keras.ops.convert_to_numpy(t) for t in (returned if isinstance(returned, (list, tuple)) else [returned])]


def assert_same(ours, theirs) -> None:
    ours = list(ours) if isinstance(ours, tuple) else [ours]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


# --- numpy_rnn: what it accepts gives Keras's result ----------------------------------------

FORMS = {
    "array": lambda given: given[0],  # Keras takes one tensor for a one-state layer
    "list": list,
    "tuple": tuple,
}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("kind", KINDS)
def test_numpy_rnn_takes_an_initial_state_as_keras_does(kind: str, form: str, x) -> None:
    if form == "array" and STATES[kind] > 1:
        pytest.skip("Keras takes an LSTM's [h, c] as a list only")
    layer = built(getattr(keras.layers, kind)(UNITS, return_sequences=True, return_state=True), x)
    initial = FORMS[form](states(STATES[kind]))

    ours = rnn(kind, x, layer.get_weights(), initial_state=initial, return_sequences=True, return_state=True)

    assert_same(ours, keras_returns(layer, x, initial_state=initial))


@pytest.mark.parametrize(
    ("kind", "options"),
    [("LSTM", {}), ("GRU", {}), ("GRU", {"reset_after": False}), ("SimpleRNN", {})],
    ids=["LSTM", "GRU", "GRU-reset_after=False", "SimpleRNN"],
)
def test_numpy_rnn_reproduces_layers_without_a_bias(kind: str, options: dict, x) -> None:
    layer = built(getattr(keras.layers, kind)(UNITS, use_bias=False, return_state=True, **options), x)
    assert len(layer.get_weights()) == 2  # kernel, recurrent_kernel

    ours = rnn(kind, x, layer.get_weights(), use_bias=False, return_state=True, **options)

    assert_same(ours, keras_returns(layer, x))


@pytest.mark.parametrize("kind", KINDS)
def test_numpy_rnn_splits_a_bidirectional_initial_state_as_keras_does(kind: str, x) -> None:
    wrapper = built(keras.layers.Bidirectional(getattr(keras.layers, kind)(UNITS, return_state=True)), x)
    initial = states(2 * STATES[kind])  # forward states, then backward states

    ours = bidirectional(kind, x, wrapper.get_weights(), initial_state=initial, return_state=True)

    assert_same(ours, keras_returns(wrapper, x, initial_state=initial))


def test_numpy_rnn_accepts_dropout_where_it_changes_nothing(x) -> None:
    layer = built(keras.layers.GRU(UNITS, dropout=0.5, recurrent_dropout=0.5), x)

    ours = rnn("GRU", x, layer.get_weights(), dropout=0.5, recurrent_dropout=0.5)

    assert_same(ours, keras_returns(layer, x, training=False))


LEADING_PADDING = np.array([[True] * TIMESTEPS, [False, False] + [True] * (TIMESTEPS - 2), [False] * TIMESTEPS])


@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "go_backwards"])
@pytest.mark.parametrize("kind", KINDS)
def test_numpy_rnn_reproduces_this_backend_at_masked_steps_before_an_initial_state(kind, go_backwards, x) -> None:
    """The one place Keras's backends differ (JAX: the initial h; the others: zeros), on the
    backend this runs on (`nox -s backends` runs it on each), masked rows read either way."""
    layer = built(
        getattr(keras.layers, kind)(UNITS, return_sequences=True, return_state=True, go_backwards=go_backwards), x
    )
    initial = states(STATES[kind])
    mask = LEADING_PADDING[:, ::-1] if go_backwards else LEADING_PADDING  # masked where reading starts

    ours = rnn(kind, x, layer.get_weights(), initial_state=initial, mask=mask, go_backwards=go_backwards,
               return_sequences=True, return_state=True, backend=keras.backend.backend())  # fmt: skip

    assert_same(ours, keras_returns(layer, x, initial_state=initial, mask=mask))
    first_two = ours[0][1, :2]  # the second row's first two outputs, masked
    expected = np.stack([initial[0][1]] * 2) if keras.backend.backend() == "jax" else np.zeros_like(first_two)
    np.testing.assert_allclose(first_two, expected, rtol=1e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_numpy_rnn_reproduces_this_backend_for_a_bidirectional_initial_state_and_mask(kind: str, x) -> None:
    wrapper = built(keras.layers.Bidirectional(getattr(keras.layers, kind)(UNITS, return_state=True)), x)
    initial = states(2 * STATES[kind])

    ours = bidirectional(kind, x, wrapper.get_weights(), initial_state=initial, mask=LEADING_PADDING,
                         return_state=True, backend=keras.backend.backend())  # fmt: skip

    assert_same(ours, keras_returns(wrapper, x, initial_state=initial, mask=LEADING_PADDING))


def test_numpy_rnn_does_not_guess_the_backend_where_backends_differ(x) -> None:
    weights = built(keras.layers.GRU(UNITS), x).get_weights()
    with pytest.raises(NotImplementedError, match=r"pass backend=keras\.backend\.backend\(\)"):
        rnn("GRU", x, weights, initial_state=states(1)[0], mask=LEADING_PADDING)
    # ... and needs no backend where they agree: no initial state, or no leading masked step.
    rnn("GRU", x, weights, mask=LEADING_PADDING)
    rnn("GRU", x, weights, initial_state=states(1)[0], mask=LEADING_PADDING[:1].repeat(BATCH, axis=0))


@pytest.mark.parametrize(
    ("kind", "initial", "message"),
    [
        ("LSTM", states(1), r"LSTM has 2 state\(s\)"),  # Keras: IndexError, deep inside
        ("GRU", states(2), r"GRU has 1 state\(s\)"),  # Keras silently drops the second
    ],
)
def test_numpy_rnn_refuses_the_wrong_number_of_initial_states(kind, initial, message, x) -> None:
    layer = built(getattr(keras.layers, kind)(UNITS), x)
    with pytest.raises(ValueError, match=message):
        rnn(kind, x, layer.get_weights(), initial_state=initial)


def test_numpy_rnn_refuses_weights_that_do_not_match_use_bias(x) -> None:
    layer = built(keras.layers.LSTM(UNITS), x)
    with pytest.raises(ValueError, match="use_bias=False has 2 weight arrays"):
        rnn("LSTM", x, layer.get_weights(), use_bias=False)


@pytest.mark.parametrize(
    ("reset_after", "message"),
    [
        # Keras's set_weights refuses both; unchecked, the (2, 3·units) bias broadcast over a batch of two.
        (False, "GRU with reset_after=False: bias must be (3·units,) = (12,); got shape (2, 12)"),
        (True, "GRU with reset_after=True: bias must be (2, 3·units) = (2, 12); got shape (12,)"),
    ],
    ids=["reset_after=False", "reset_after=True"],
)
def test_numpy_rnn_refuses_a_gru_bias_of_the_other_reset_after_layout(reset_after, message, x) -> None:
    weights = built(keras.layers.GRU(UNITS, reset_after=not reset_after), x).get_weights()  # the other layout
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        rnn("GRU", x[:2], weights, reset_after=reset_after)
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        bidirectional("GRU", x[:2], weights * 2, reset_after=reset_after)


def test_numpy_rnn_refuses_another_layers_weights(x) -> None:
    weights = built(keras.layers.GRU(UNITS), x).get_weights()  # three gates' columns where an LSTM has four
    message = "LSTM: kernel must be (features, 4·units) = (5, 16); got shape (5, 12)"
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        rnn("LSTM", x, weights)


@pytest.mark.parametrize(
    "steps",
    [TIMESTEPS + 1, TIMESTEPS - 1],  # Keras on TensorFlow: ValueError, OutOfRangeError, deep inside
    ids=["a-step-longer", "a-step-shorter"],
)
def test_numpy_rnn_refuses_a_mask_that_does_not_match_x(steps: int, x) -> None:
    weights = built(keras.layers.LSTM(UNITS), x).get_weights()
    mask = np.ones((BATCH, steps), bool)  # a longer one was read in part, silently
    message = f"mask must be (batch, timesteps) = {(BATCH, TIMESTEPS)}, as x is; got shape {(BATCH, steps)}"
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        rnn("LSTM", x, weights, mask=mask)
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        bidirectional("LSTM", x, weights * 2, mask=mask)


# --- numpy_rnn: what it does not reproduce is named -----------------------------------------

NUMPY_RNN_REFUSES = {
    "stateful": ({"stateful": True}, "stateful=True"),
    "activation": ({"activation": "relu"}, "activation='relu'"),
    "recurrent_activation": ({"recurrent_activation": "hard_sigmoid"}, "recurrent_activation='hard_sigmoid'"),
    "dropout-in-training": ({"dropout": 0.2, "training": True}, "dropout=0.2 with training=True"),
    "recurrent_dropout-in-training": (
        {"recurrent_dropout": 0.2, "training": True},
        "recurrent_dropout=0.2 with training=True",
    ),
}


@pytest.mark.parametrize("option", NUMPY_RNN_REFUSES)
def test_numpy_rnn_names_each_option_it_does_not_reproduce(option: str, x) -> None:
    options, named = NUMPY_RNN_REFUSES[option]
    weights = built(keras.layers.LSTM(UNITS), x).get_weights()
    with pytest.raises(NotImplementedError, match="^" + re.escape(named)):
        rnn("LSTM", x, weights, **options)
    with pytest.raises(NotImplementedError, match="^" + re.escape(named)):
        bidirectional("LSTM", x, weights * 2, **options)


def test_numpy_rnn_names_a_layer_it_does_not_write_out(x) -> None:
    with pytest.raises(NotImplementedError, match="kind='ConvLSTM1D'"):
        rnn("ConvLSTM1D", x, [])


def test_numpy_rnn_names_go_backwards_inside_bidirectional(x) -> None:
    weights = built(keras.layers.GRU(UNITS), x).get_weights()
    with pytest.raises(NotImplementedError, match="go_backwards=True inside Bidirectional"):
        bidirectional("GRU", x, weights * 2, go_backwards=True)


# --- keras_torch, without torch: arrays in, arrays out, and what PyTorch cannot compute -----


@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("kind", KINDS)
def test_keras_torch_round_trip_is_exact_for_one_or_two_directions(kind: str, use_bias: bool, x) -> None:
    wrapper = built(keras.layers.Bidirectional(getattr(keras.layers, kind)(UNITS, use_bias=use_bias)), x)
    weights = wrapper.get_weights()  # forward, then backward

    params = to_torch(kind, weights, bidirectional=True, use_bias=use_bias, layer=1)

    assert all(name.endswith(("_l1", "_l1_reverse")) for name in params)
    assert any(name.startswith("bias_") for name in params) == use_bias  # PyTorch's bias=False has none
    back = from_torch(kind, params, layer=1)
    assert len(back) == len(weights)
    for a, b in zip(back, weights, strict=True):
        np.testing.assert_array_equal(a, b)


KERAS_TORCH_REFUSES = {
    "reset_after": ("GRU", {"reset_after": False}, "reset_after=False"),
    "activation": ("LSTM", {"activation": "relu"}, "activation='relu'"),
    "simple-rnn-activation": ("SimpleRNN", {"activation": "sigmoid"}, "activation='sigmoid'"),
    "recurrent_activation": ("GRU", {"recurrent_activation": "hard_sigmoid"}, "recurrent_activation='hard_sigmoid'"),
    "go_backwards": ("LSTM", {"go_backwards": True}, "go_backwards=True"),
}


@pytest.mark.parametrize("option", KERAS_TORCH_REFUSES)
def test_keras_torch_names_each_option_pytorch_cannot_compute(option: str, x) -> None:
    kind, options, named = KERAS_TORCH_REFUSES[option]
    weights = built(getattr(keras.layers, kind)(UNITS), x).get_weights()
    with pytest.raises(NotImplementedError, match="^" + re.escape(named)):
        to_torch(kind, weights, **options)


def test_keras_torch_recognises_a_gru_without_reset_after_by_its_weights(x) -> None:
    weights = built(keras.layers.GRU(UNITS, reset_after=False), x).get_weights()
    with pytest.raises(NotImplementedError, match=r"^reset_after=False"):
        to_torch("GRU", weights)  # the option not passed: the (3·units,) bias gives it away


def test_keras_torch_refuses_a_projected_lstm_naming_proj_size(x) -> None:
    params = to_torch("LSTM", built(keras.layers.LSTM(UNITS), x).get_weights())
    params["weight_hr_l0"] = np.zeros((2, UNITS))  # what nn.LSTM(..., proj_size=2) adds
    with pytest.raises(NotImplementedError, match=r"^proj_size=2"):
        from_torch("LSTM", params)
