"""What the site publishes besides the pages' bodies: files pages hand to the build
(shapes.json), robots.txt and sitemap.xml, a description for every page, and the scripts
every page loads, deferred."""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import escape

from site_build.downloads import executed_notebooks


def published_outputs(notebook) -> dict[str, object]:
    """Files a page hands to the build: a ``display({"application/json": data}, raw=True,
    metadata={"publish": name})`` output is written to the site's root as ``name``."""
    return {
        output.metadata["publish"]: output.data["application/json"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("metadata", {}).get("publish")
    }


def _defer(script):
    """A script file that would stop the parser (Sphinx's, Furo's, copybutton's), deferred:
    they run in the same order once the page is parsed, and Furo's first read of the page's
    layout then comes before the first paint, not after it as a long blocking task."""
    if not getattr(script, "filename", None) or {"async", "defer"} & script.attributes.keys():
        return script
    return type(script)(script.filename, priority=script.priority, **script.attributes, defer="defer")


def _add_page_context(app, pagename, templatename, context, doctree) -> None:
    context["script_files"] = [_defer(script) for script in context.get("script_files", [])]
    # A page's own description (front matter `myst: {html_meta: {description: ...}}`) wins;
    # every other page, genindex and search included, gets the site's.
    if 'name="description"' not in context.get("metatags", ""):
        description = app.config.site_description.replace('"', "&quot;")
        context["metatags"] = context.get("metatags", "") + f'\n    <meta name="description" content="{description}" />'


def _write_files(app, exception) -> None:
    if exception or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for _, executed in executed_notebooks(app):
        for name, data in published_outputs(executed).items():
            for row in data.get("rows", []) if isinstance(data, dict) else []:  # shapes.json: link text for tools
                if row.get("page") in app.env.titles:
                    row["page_title"] = app.env.titles[row["page"]].astext()
            (outdir / name).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
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
    app.connect("build-finished", _write_files)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
