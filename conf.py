"""Sphinx configuration: what Keras recurrent layers return, executed at build time.

Every setting that differs from Sphinx's or MyST-NB's default says why.
"""

import hashlib
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).parent
EXAMPLES = ROOT / "examples"

project = "What Keras recurrent layers return"
author = "The keras-rnn-returns authors"
copyright = "2026, " + author

# Pages import the shared helper module in examples/ (rnn_helpers.py): the doctest builder
# runs in this process, and notebook kernels inherit PYTHONPATH from it.
sys.path.insert(0, str(EXAMPLES))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(EXAMPLES), os.environ.get("PYTHONPATH")]))
# Every page states TensorFlow-backend results; a reader's ~/.keras/keras.json must not change them.
os.environ["KERAS_BACKEND"] = "tensorflow"
# Pages run in the "python3" kernel defined in docs/_kernel: ipykernel's own, except that
# what C++ libraries write straight to file descriptor 2 (TensorFlow's start-up chatter,
# which no environment variable silences) goes to the build log instead of the page, and
# an error shows as its message, not Keras's internal frames (xmode Minimal). Python's
# warnings still reach the page, where nb_output_stderr below fails the build.
os.environ["JUPYTER_PATH"] = os.pathsep.join(
    filter(None, [str(ROOT / "docs" / "_kernel"), os.environ.get("JUPYTER_PATH")])
)

# The site's own small extension (notebook downloads, page descriptions, robots.txt, sitemap).
sys.path.insert(0, str(ROOT / "docs" / "_ext"))
extensions = [
    "myst_nb",  # executes the MyST notebooks and renders their outputs
    "sphinx.ext.doctest",  # `nox -s doctest` checks the shapes the pages print in prose
    "sphinx_copybutton",  # a copy button on every code block
    "notfound.extension",  # a 404 page whose links and styles work at any depth
    "sphinxext.opengraph",  # Open Graph tags, for link previews
    "site_extras",  # docs/_ext: .ipynb and .py downloads, default description, robots.txt, sitemap
]

root_doc = "index"
# conf.py sits at the repository root (the design card), so name what is a page rather
# than excluding everything that is not (.nox/, tests/, README.md, ...).
include_patterns = ["index.md", "docs/**.md", "examples/**.md"]

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
# The cache keys on each page's code, not on what that code imports. Key the cache folder
# on the shared helper and on the versions that execute it too, so changing either
# re-executes the pages instead of serving outputs computed by something else.
_cache_key = hashlib.sha256()
for _helper in sorted(EXAMPLES.glob("*.py")):
    _cache_key.update(_helper.read_bytes())
for _package in ("keras", "tensorflow", "numpy", "tf-keras"):
    _cache_key.update(f"{_package}=={metadata.version(_package)}".encode())
_cache_key.update(platform.python_version().encode())
nb_execution_cache_path = str(ROOT / "_build" / ".jupyter_cache" / _cache_key.hexdigest()[:12])
# Error outputs (cells tagged raises-exception) are plain text: Keras's messages list
# arguments with "•", which the default traceback lexer cannot parse (a warning, so -W fails).
nb_render_error_lexer = "text"
# shapes.json (every configuration, executed; docs/all-configurations.md documents it) is
# published at the site's root. The table page executes every configuration anyway, so it
# writes the file, here: once per cache key above, like the pages' outputs.
SHAPES_DIR = ROOT / "_build" / "shapes" / _cache_key.hexdigest()[:12]
SHAPES_DIR.mkdir(parents=True, exist_ok=True)  # html_extra_path must exist before the page runs
html_extra_path = [str(SHAPES_DIR)]
os.environ["RNN_SHAPES_JSON"] = str(SHAPES_DIR / "shapes.json")
# Anything a page writes to stderr (a deprecation warning, a retracing notice) becomes a
# build warning, so -W turns it into a failure instead of noise on the page.
nb_output_stderr = "warn"
# Generated tables are Markdown with links to other pages; parse them as MyST.
nb_render_markdown_format = "myst"

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
# Furo's page with the accessibility fixes tests/test_site.py asks for (each one says why),
# the notebook downloads and the footer's build stamp.
templates_path = ["docs/_templates"]
html_copy_source = False  # the MyST sources are in the repository; don't publish them twice
# The footer says which Keras and TensorFlow built (and, via the cache key above, executed) the site.
html_context = {"keras_version": metadata.version("keras"), "tensorflow_version": metadata.version("tensorflow")}
# Code blocks: copy the code after `>>> ` / `... ` prompts and leave the printed output out.
copybutton_prompt_text = r">>> |\.\.\. "
copybutton_prompt_is_regexp = True

# --- Where the site lives: canonical links, sitemap and robots.txt, Open Graph, 404 page ---
# SITE_URL if set; else the address Read the Docs is building for; else the Read the Docs URL.
html_baseurl = (
    os.environ.get("SITE_URL")
    or os.environ.get("READTHEDOCS_CANONICAL_URL")
    or "https://keras-rnn-returns.readthedocs.io/en/latest/"
).rstrip("/") + "/"
# Every page has a meta description: its front matter's (`myst: {html_meta: {description:
# ...}}`) if it gives one; else its opening lines, the answer (sphinxext-opengraph); else
# (the general index, search and 404 pages) this one (docs/_ext/site_extras.py).
site_description = (
    "What Keras LSTM, GRU and SimpleRNN layers return with return_sequences, return_state and "
    "Bidirectional: which tensors, in which order, with which shapes, shown by code run at build time."
)
ogp_site_url = html_baseurl  # og:url must be absolute: the page at the site's public address
# No generated preview images: they would be drawn by matplotlib on every build, and the
# site names no image on another host.
ogp_social_cards = {"enable": False}
# The 404 page is served for any missing path, so its links and assets are absolute from the site's root.
notfound_urls_prefix = urlparse(html_baseurl).path


def _fail_on_logged_warnings(app, doctree):
    """TensorFlow's logger writes to stdout, not stderr, inside a notebook kernel, so its
    warnings (retracing, deprecations) slip past nb_output_stderr; report them as well."""
    from docutils import nodes
    from sphinx.util import logging

    for block in doctree.findall(nodes.literal_block):
        if "stream" in block["classes"] and "WARNING:" in block.astext():
            line = next(line for line in block.astext().splitlines() if "WARNING:" in line)
            logging.getLogger(__name__).warning("a page logged a warning: %s", line, location=block)


def _forget_environment_after_warnings(app, exception):
    """A build that warned (and so, with -W, failed) must warn again until the page is
    fixed. Sphinx saves its environment despite warnings, so the next build would skip the
    pages that warned and pass; forget it, as Sphinx itself does after an exception. The
    execution cache keeps the re-read quick. (``_warncount`` is private: there is no public
    count.)"""
    if getattr(app, "_warncount", 0):
        (Path(app.doctreedir) / "environment.pickle").unlink(missing_ok=True)


def _write_missing_shapes(app, env):
    """The table page was served from the execution cache, but shapes.json is gone (say,
    _build/shapes was deleted): compute it in a fresh process, so that this Sphinx process
    never imports TensorFlow."""
    if not (SHAPES_DIR / "shapes.json").exists():
        subprocess.run(
            [sys.executable, str(EXAMPLES / "shape_table.py"), "--out", str(SHAPES_DIR / "shapes.json")],
            check=True,
        )


def _create_execution_cache(app, config):
    """With -j, Sphinx reads pages in several processes, and on a fresh cache each would
    create jupyter-cache's database at the same moment ("table settings already exists").
    Create it once, here in the main process, before any of them starts."""
    if config.nb_execution_mode == "cache":
        from jupyter_cache import get_cache

        _ = get_cache(config.nb_execution_cache_path).db  # the property creates the tables


def setup(app):
    app.connect("config-inited", _create_execution_cache)
    app.connect("doctree-read", _fail_on_logged_warnings)
    app.connect("env-updated", _write_missing_shapes)  # after every page is read, before any is written
    app.connect("build-finished", _forget_environment_after_warnings)
    # Both hooks run per page in whichever process reads it; Sphinx forwards their
    # warnings to the main process, which counts them. So -j may read pages in parallel.
    return {"parallel_read_safe": True, "parallel_write_safe": True}
