"""Sphinx configuration: what Keras recurrent layers return, executed at build time.

Every setting that differs from Sphinx's or MyST-NB's default says why.
"""

import os
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).parent

project = "What Keras recurrent layers return"
author = "The keras-rnn-returns authors"
copyright = "2026, " + author

# The site is built on TensorFlow: a reader's ~/.keras/keras.json must not change that;
# `nox -s backends` sets KERAS_BACKEND to execute every page on JAX and PyTorch too.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# Pages run in the "python3" kernel defined in site_build/kernel: ipykernel's own, except that
# what C++ libraries write straight to file descriptor 2 (TensorFlow's start-up chatter,
# which no environment variable silences) goes to the build log instead of the page, and
# an error shows as its message, not Keras's internal frames (xmode Minimal). Python's
# warnings still reach the page, where nb_output_stderr below fails the build.
os.environ["JUPYTER_PATH"] = os.pathsep.join(
    filter(None, [str(ROOT / "site_build" / "kernel"), os.environ.get("JUPYTER_PATH")])
)

# The site's own extensions: the site_build package, installed with the shared code
# (`pip install -e .`, as every nox session does), one module per job; imported once the
# environment above is set.
from site_build.execution import READER_MODULES, cache_key  # noqa: E402
from site_build.project import base_url, served_path  # noqa: E402

extensions = [
    "site_build.execution",  # first: it starts the kernels' warm server while the rest load
    "myst_nb",  # executes the MyST notebooks and renders their outputs
    "sphinx.ext.doctest",  # `nox -s doctest` checks the shapes the pages print in prose
    "sphinx_copybutton",  # a copy button on every code block
    "notfound.extension",  # a 404 page whose links and styles work at any depth
    "sphinxext.opengraph",  # Open Graph tags, for link previews
    "site_build.citations",  # {keras-source} links to the lines of the Keras release that built the page
    # a sentence about a GPU, another backend or release says how it is proven (a warning if not)
    "site_build.provenance",
    "site_build.history",  # {since}`change` and the tables of what changed in which Keras release
    "site_build.downloads",  # each notebook page's .ipynb and .py, and the modules it imports
    "site_build.highlighting",  # code with one element per coloured run, not per token
    "site_build.small_screens",  # tables as cards, unbroken shapes, figures that scroll sideways
    "site_build.published",  # shapes.json, robots.txt, sitemap, descriptions, deferred scripts
    "site_build.search",  # the Pagefind index the search page reads
    "site_build.differences",  # what each page prints on JAX and PyTorch, against TensorFlow
]

root_doc = "index"
# conf.py sits at the repository root (the project's layout), so name what is a page rather
# than excluding everything that is not (.nox/, tests/, README.md, ...).
include_patterns = ["index.md", "docs/**.md", "examples/**.md"]
# ... and keep Sphinx from walking the folders that are not: it lists every file under the
# source folder before it matches, and .nox/ alone (TensorFlow's virtualenvs) took 6 s.
exclude_patterns = [".nox", "_build", ".git", "tests", "keras_rnn_returns", ".ruff_cache", ".pytest_cache"]

# Nitpicky: a cross-reference that does not resolve is a warning, and warnings fail the build.
nitpicky = True

# --- MyST-NB -------------------------------------------------------------------------
# Execute each notebook once and reuse its outputs until its code changes.
nb_execution_mode = "cache"
# An example that raises must fail the build, not become a warning in a long log; cells
# that raise on purpose are tagged `raises-exception`.
nb_execution_raise_on_error = True
# ... and the log shows the failing cell and its traceback, not only the page's name.
nb_execution_show_tb = True
# Pages run in seconds; a page that needs longer raises it in its own front matter.
nb_execution_timeout = 60
# A cache folder per version of the shared code (keras_rnn_returns and the reader modules)
# and of the packages that execute it: the cache keys each page on its own code only.
nb_execution_cache_path = str(ROOT / "_build" / ".jupyter_cache" / cache_key())
# Error outputs (cells tagged raises-exception) are plain text: Keras's messages list
# arguments with "•", which the default traceback lexer cannot parse (a warning, so -W fails).
nb_render_error_lexer = "text"
# Anything a page writes to stderr (a deprecation warning, a retracing notice) becomes a
# build warning, so -W turns it into a failure instead of noise on the page.
nb_output_stderr = "warn"
# Generated tables are Markdown with links to other pages; parse them as MyST.
nb_render_markdown_format = "myst"
# A cell's printed lines reach the page in as many chunks as its kernel flushed (a slow loop:
# several boxes); show them as one output, as the cell printed them.
nb_merge_streams = True

myst_enable_extensions = [
    "colon_fence",  # ::: admonitions read better than ``` inside notebooks
]
myst_heading_anchors = 3  # stable #anchors for the headings readers link to

# --- HTML ------------------------------------------------------------------------------
html_theme = "furo"  # readable, accessible, light and dark themes out of the box
html_title = project
# The shape explorer's script and stylesheet, and the favicon.
html_static_path = ["docs/_static"]
html_favicon = "docs/_static/favicon.svg"
html_css_files = ["site.css"]  # phones: tables that stack, shapes and titles that break where they should
# Furo's page with the accessibility fixes tests/test_site.py asks for (each one says why),
# the notebook downloads and the footer's build stamp.
templates_path = ["docs/_templates"]
html_use_index = False  # no page has index entries: the general index would be an empty page
html_copy_source = False  # the MyST sources are in the repository; don't publish them twice
# The footer says which Keras, TensorFlow and Keras backend built (and, via the cache key
# above, executed) the site; Keras reads the backend from KERAS_BACKEND, TensorFlow if unset.
from keras_rnn_returns.show import BACKEND_NAMES  # noqa: E402 (numpy only: Keras stays unimported)

html_context = {
    "keras_version": metadata.version("keras"),
    "tensorflow_version": metadata.version("tensorflow"),
    "keras_backend": BACKEND_NAMES[os.environ.get("KERAS_BACKEND", "tensorflow")],
}
# The modules readers download, each with the page that shows its source: a page whose code
# imports one offers it beside its own download (site_build/downloads.py).
reader_modules = {
    "numpy_rnn": "examples/numpy-reference",
    "keras_torch": "examples/keras-lstm-in-pytorch",
    "backend_returns": "examples/lstm-on-each-backend",
}
assert set(reader_modules) == set(READER_MODULES), "every module pyproject.toml installs for readers has a page"
# Code blocks: copy the code after `>>> ` / `... ` prompts and leave the printed output out.
copybutton_prompt_text = r">>> |\.\.\. "
copybutton_prompt_is_regexp = True

# --- Where the site lives: canonical links, sitemap and robots.txt, Open Graph, 404 page ---
# SITE_URL if set; else the address Read the Docs is building for; else the Read the Docs URL.
html_baseurl = base_url()  # site_build/project.py
# Every page has a meta description: its front matter's (`myst: {html_meta: {description:
# ...}}`) if it gives one; else its opening lines, the answer (sphinxext-opengraph); else
# (the search and 404 pages) this one (site_build/published.py).
site_description = (
    "What Keras LSTM, GRU and SimpleRNN layers return with return_sequences, return_state and "
    "Bidirectional: which tensors, in which order, with which shapes, shown by code run at build time."
)
ogp_site_url = html_baseurl  # og:url must be absolute: the page at the site's public address
# No generated preview images: they would be drawn by matplotlib on every build, and the
# site names no image on another host.
ogp_social_cards = {"enable": False}
# The 404 page is served for any missing path, so its links and assets are absolute from the
# site's root: the published path where one was given, else a local server's root (a local
# build is served by `python -m http.server -d _build/html` or `nox -s serve`, at "/").
notfound_urls_prefix = served_path()
# ... and it says where to go from there: the front page, or the search.
notfound_context = {
    "title": "Page not found",
    "body": (
        "<h1>Page not found</h1>\n<p>No page of this site is at this address. Start from "
        f'<a href="{served_path()}index.html">the front page</a>, or '
        f'<a href="{served_path()}search.html">search the site</a> for the layer or error you came for.</p>'
    ),
}
