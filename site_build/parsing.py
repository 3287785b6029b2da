"""Pages read as MyST reads them: markdown-it tokens from myst-parser's own parser, for the
modules that look inside a page's Markdown (reader_code, provenance, history) without a regex."""

from __future__ import annotations

from functools import cache


@cache
def _myst():
    """MyST's own Markdown parser (markdown-it with MyST's plugins), as the build reads a page."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    return create_md_parser(MdParserConfig(), RendererHTML)


def myst_tokens(markdown: str) -> list:
    """``markdown``'s block tokens, as MyST parses a page (markdown-it's ``Token`` objects)."""
    return _myst().parse(markdown)


def directives(markdown: str, *names: str) -> list:
    """The blocks of the directives ``names`` (``doctest``) in ``markdown``, in order, as MyST
    parses them: markdown-it fence tokens, whose ``content`` is the block's body and ``map`` its lines."""
    wanted = {f"{{{name}}}" for name in names}
    fences = (token for token in myst_tokens(markdown) if token.type == "fence")
    return [token for token in fences if (token.info.split() or [""])[0] in wanted]
