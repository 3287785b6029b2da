"""A headless Chromium for the browser tests, pages that record everything that went
wrong, and the contrast of text as a reader sees it."""

from __future__ import annotations

from urllib.parse import urlsplit

from site_build.chromium import chromium

CHROMIUM = chromium()
INSTALL_HINT = (
    "The browser tests need Python Playwright and Chromium: `pip install playwright` "
    "(its pin is in requirements-checks.txt; no `playwright install` is needed) and a Chromium: Debian's "
    "`apt-get install chromium` (/usr/bin/chromium), or name another Chromium or Chrome in $CHROMIUM."
)

# Whether the keyboard's focus shows on the element that has it: an outline 2 px wide or more,
# or the browser's own focus ring (outline-style: auto, drawn to be seen on any background),
# on an element that is seen at all.
FOCUS_SHOWN = """async () => {
  await Promise.all(document.activeElement.getAnimations().map(animation => animation.finished));  // a fade in
  const style = getComputedStyle(document.activeElement);
  const ring = style.outlineStyle === "auto", width = parseFloat(style.outlineWidth);
  const outline = ring || (style.outlineStyle !== "none" && width >= 2);
  return outline && parseFloat(style.opacity) === 1;
}"""


class WatchedPage:
    """A browser page that records everything that went wrong: console errors, uncaught
    JavaScript errors, failed or unsuccessful requests, and any request to a host other
    than the local server."""

    def __init__(self, browser, site_url: str, **context_options: object) -> None:
        self.site_url = site_url
        self.problems: list[str] = []
        self.context = browser.new_context(**context_options)  # e.g. viewport={"width": ..., "height": ...}
        # Nothing leaves this machine: a request elsewhere is recorded (below), then aborted.
        self.context.route(lambda url: not url.startswith(f"{site_url}/"), lambda route: route.abort())
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("request", self._request)
        self.page.on("requestfailed", self._request_failed)
        self.page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text} at {message.location}")

    def _request(self, request) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if f"{url.scheme}://{url.netloc}" != self.site_url:
            self.problems.append(f"request to another host: {request.method} {request.url}")

    def _request_failed(self, request) -> None:
        # ERR_ABORTED: the browser cancelled the request because the page navigated on (a test's
        # next address cuts short the favicon Chromium fetches after the load), not a request
        # the site failed. Requests to other hosts are recorded above, whatever becomes of them.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request failed: {request.url} {request.failure}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.problems.append(f"{response.status} for {response.url}")

    def close(self) -> None:
        self.context.close()


# The WCAG contrast ratio of each element's text against the first opaque background behind it.
CONTRASTS = """elements => elements.map(element => {
  const rgba = text => (text.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  let node = element, background = [255, 255, 255];
  while (node && node.nodeType === 1) {
    const color = rgba(getComputedStyle(node).backgroundColor);
    if (color.length === 3 || (color.length === 4 && color[3] === 1)) { background = color.slice(0, 3); break; }
    node = node.parentElement;
  }
  const [a, b] = [luminance(rgba(getComputedStyle(element).color)), luminance(background)];
  return [element.id || element.tagName + ":" + element.textContent.trim().slice(0, 30),
          (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
})"""
