"""The code the site's pages share, which readers never need to run them.

- :mod:`keras_rnn_returns.show`: what a page displays around the reader's code: the table
  of what a call returned, checks of error messages, the line of versions;
- :mod:`keras_rnn_returns.configurations`: the five calls most readers start with, and
  every configuration of a recurrent layer;
- :mod:`keras_rnn_returns.diagrams`: the pictures.

The pages import these only in cells hidden from readers. The code readers do run, the
NumPy reference, the Keras <-> PyTorch conversion and the run on one backend, lives in
``reference/`` and installs as the top-level modules ``numpy_rnn``, ``keras_torch`` and
``backend_returns``: the names they have as files downloaded from the site (pyproject.toml).
"""
