"""What PyTorch's recurrent modules return, as the PyTorch page states it.

The site builds without PyTorch, so these rows are data that the page renders; ``nox -s
torch`` checks every one against real torch (tests/test_pytorch.py).
"""

#: What PyTorch returns, in symbols: (module call, output, h_n, c_n). ``D`` is 2 for
#: ``bidirectional=True`` and 1 otherwise.
TORCH_SHAPES = (
    ("nn.LSTM(features, units)", "(timesteps, batch, units)", "(1, batch, units)", "(1, batch, units)"),
    (
        "nn.LSTM(features, units, batch_first=True)",
        "(batch, timesteps, units)",
        "(1, batch, units)",
        "(1, batch, units)",
    ),
    (
        "nn.LSTM(features, units, batch_first=True, num_layers=3)",
        "(batch, timesteps, units)",
        "(num_layers, batch, units)",
        "(num_layers, batch, units)",
    ),
    (
        "nn.LSTM(features, units, batch_first=True, bidirectional=True)",
        "(batch, timesteps, 2·units)",
        "(2, batch, units)",
        "(2, batch, units)",
    ),
    (
        "nn.LSTM(features, units, batch_first=True, num_layers=3, bidirectional=True)",
        "(batch, timesteps, 2·units)",
        "(2·num_layers, batch, units)",
        "(2·num_layers, batch, units)",
    ),
    ("nn.GRU(features, units, batch_first=True)", "(batch, timesteps, units)", "(1, batch, units)", "—"),
    (
        "nn.GRU(features, units, batch_first=True, bidirectional=True)",
        "(batch, timesteps, 2·units)",
        "(2, batch, units)",
        "—",
    ),
)

#: Where each final hidden state sits, for ``batch_first=True`` modules: (module, state, equals).
#: Checked against torch by tests/test_pytorch.py.
FINAL_STATES = (
    ("nn.LSTM(features, units, batch_first=True)", "h_n[0]", "output[:, -1, :]"),
    ("nn.LSTM(features, units, batch_first=True, num_layers=3)", "h_n[-1]", "output[:, -1, :]"),
    ("nn.LSTM(features, units, batch_first=True, bidirectional=True)", "h_n[0]", "output[:, -1, :units]"),
    ("nn.LSTM(features, units, batch_first=True, bidirectional=True)", "h_n[1]", "output[:, 0, units:]"),
    ("nn.LSTM(features, units, batch_first=True, bidirectional=True)", "h_n[-1]", "output[:, 0, units:]"),
    (
        "nn.LSTM(features, units, batch_first=True, num_layers=3, bidirectional=True)",
        "h_n[-2]",
        "output[:, -1, :units]",
    ),
    (
        "nn.LSTM(features, units, batch_first=True, num_layers=3, bidirectional=True)",
        "h_n[-1]",
        "output[:, 0, units:]",
    ),
    ("nn.GRU(features, units, batch_first=True, bidirectional=True)", "h_n[0]", "output[:, -1, :units]"),
    ("nn.GRU(features, units, batch_first=True, bidirectional=True)", "h_n[1]", "output[:, 0, units:]"),
)
