"""What the site gives readers beyond the pages: each notebook page as a downloadable
.ipynb (with the outputs the build executed) and .py, a description for every page,
robots.txt and sitemap.xml. conf.py loads it; the page template
(docs/_templates/page.html) links the downloads."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import jupytext
import nbformat
from jupyter_cache import get_cache
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _notebook_pages(env) -> list[str]:
    # MyST-NB records a notebook's kernelspec in its page's metadata; plain pages have none.
    return sorted(docname for docname, meta in env.metadata.items() if "kernelspec" in meta)


def _add_page_context(app, pagename, templatename, context, doctree) -> None:
    if pagename in _notebook_pages(app.env):
        name = pagename.rsplit("/", 1)[-1]
        context["downloads"] = [(f"{name}.ipynb", "Jupyter notebook, with outputs"), (f"{name}.py", "Python script")]
    # A page's own description (front matter `myst: {html_meta: {description: ...}}`) wins;
    # every other page, genindex and search included, gets the site's.
    if 'name="description"' not in context.get("metatags", ""):
        description = app.config.site_description.replace('"', "&quot;")
        context["metatags"] = context.get("metatags", "") + f'\n    <meta name="description" content="{description}" />'


def _write_downloads_and_robots(app, exception) -> None:
    if exception or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    # MyST-NB writes each notebook as it read it (without outputs, when they came from the
    # cache) to its output folder; the execution cache holds the outputs the pages show.
    # Merge them as MyST-NB does, so that readers download what the build showed them.
    config = app.env.mystnb_config
    cache = get_cache(config.execution_cache_path)
    for docname in _notebook_pages(app.env):
        try:
            read = nbformat.read(Path(config.output_folder, f"{docname}.ipynb"), as_version=4)
            _, executed = cache.merge_match_into_notebook(read)
        except (OSError, KeyError):
            logger.warning("no executed notebook for %s to offer as a download", docname, location=docname)
            continue
        for number, cell in enumerate(executed.cells):  # nbformat's ids are random: keep builds identical
            cell.id = f"cell-{number}"
        target = outdir / docname
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(executed, target.with_suffix(".ipynb"))
        source = jupytext.read(Path(app.env.doc2path(docname)))
        target.with_suffix(".py").write_text(jupytext.writes(source, fmt="py:percent"), encoding="utf-8")
    # Everything may be crawled, and the sitemap lists every page. It is written from all
    # the pages, not from those this build rewrote (sphinx-sitemap's way, which leaves an
    # incremental build with a sitemap of the changed pages only).
    base = app.config.html_baseurl
    (outdir / "robots.txt").write_text(f"User-agent: *\nAllow: /\n\nSitemap: {base}sitemap.xml\n")
    urls = "".join(
        f"  <url><loc>{escape(base + app.builder.get_target_uri(docname))}</loc></url>\n"
        for docname in sorted(app.env.found_docs)
    )
    (outdir / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'
    )


def setup(app):
    app.add_config_value("site_description", "", "html", types=frozenset({str}))
    app.connect("html-page-context", _add_page_context)
    app.connect("build-finished", _write_downloads_and_robots)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
