"""Highlighted code with one element per coloured run, not one per token.

Pygments wraps every token in a ``<span>``, even names and punctuation that both of the site's
colour schemes draw in the code block's own text colour. On the longest pages those spans were
about 40 % of the page's elements, and the browser's style and layout work grows with each one.
Here a token that neither scheme draws differently from plain text is formatted as plain text,
so it joins the text around it: every character keeps its colour, weight and place, and the
page has fewer elements.
Module names are formatted as the names they are: the dark style underlines them and draws them
blue, as links are drawn.
"""

from __future__ import annotations

from pygments.token import STANDARD_TYPES, Name, Text, Whitespace
from sphinx.highlighting import PygmentsBridge


def _drawn_as_plain_text(style, ttype) -> bool:
    if ttype not in STANDARD_TYPES:  # MyST-NB's ANSI colours are token types its own CSS draws
        return False
    drawn, plain = style.style_for_token(ttype), style.style_for_token(Text)
    if ttype in Whitespace:  # no glyph: only a background, border or underline would show
        return not (drawn["bgcolor"] or drawn["border"] or drawn["underline"])
    return drawn == plain


def _plain_text_formatter(formatter, styles):
    """``formatter`` (Pygments' HtmlFormatter, as Sphinx's PygmentsBridge uses it), formatting as
    plain text each token type that every one of ``styles`` draws as its plain text."""
    plain: dict = {}

    def is_plain(ttype) -> bool:
        if ttype not in plain:
            plain[ttype] = all(_drawn_as_plain_text(style, ttype) for style in styles)
        return plain[ttype]

    class PlainTextFormatter(formatter):
        def format(self, tokensource, outfile):
            names = ((Name if ttype is Name.Namespace else ttype, value) for ttype, value in tokensource)
            tokens = ((Text if is_plain(ttype) else ttype, value) for ttype, value in names)
            return super().format(tokens, outfile)

    return PlainTextFormatter


def _builder_inited(app) -> None:
    highlighter = getattr(app.builder, "highlighter", None)
    if highlighter is None or highlighter.dest != "html":
        return
    styles = [highlighter.formatter_args["style"]]
    if getattr(app.builder, "dark_highlighter", None):  # a theme's dark style
        styles.append(app.builder.dark_highlighter.formatter_args["style"])
    # Furo writes its dark stylesheet itself, from pygments_dark_style.
    if getattr(app.config, "pygments_dark_style", None):
        styles.append(PygmentsBridge("html", app.config.pygments_dark_style).formatter_args["style"])
    # PygmentsBridge's own comment invites a different formatter class; this one is per build.
    highlighter.formatter = _plain_text_formatter(highlighter.formatter, styles)


def setup(app):
    app.connect("builder-inited", _builder_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
