"""The shape explorer (docs/explorer.md) shows, in a real browser, what the build executed.

The page is driven like a reader drives it (choosing options, ticking boxes, typing, and
with the keyboard alone), in the system Chromium through Playwright, against the built
site served over HTTP from 127.0.0.1. The expected shapes are computed here from
shapes.json, independently of the page's JavaScript.
"""

from __future__ import annotations

import ast
import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest
from browsing import CONTRASTS, WatchedPage

from keras_rnn_returns.configurations import SPATIAL

pytestmark = pytest.mark.browser

LAYERS = ("LSTM", "GRU", "SimpleRNN")
# The wrapper <select>'s options: no wrapper, or Bidirectional with each merge_mode.
WRAPPERS = {"none": (False, None), "concat": (True, "concat"), "sum": (True, "sum"), "mul": (True, "mul")}
WRAPPERS |= {"ave": (True, "ave"), "None": (True, None)}
# The convolutional LSTMs (SPATIAL: their spatial sizes) run without a wrapper and in
# Bidirectional with its default merge_mode.
CONFIGURATIONS = [
    (layer, wrapper, sequences, state)
    for layers, wrappers in ((LAYERS, WRAPPERS), (SPATIAL, ("none", "concat")))
    for layer in layers
    for wrapper in wrappers
    for sequences in (False, True)
    for state in (False, True)
]


def sizes_of(layer: str) -> list[str]:
    """The sizes the explorer asks for, for ``layer``: its input's, then units (filters)."""
    spatial = SPATIAL.get(layer, ())
    return ["batch", "timesteps", *spatial, "features", "filters" if spatial else "units"]


def _configuration_id(configuration: tuple) -> str:
    layer, wrapper, sequences, state = configuration
    returns = [flag for flag, on in (("return_sequences", sequences), ("return_state", state)) if on]
    return "-".join([layer, wrapper if wrapper == "none" else f"bidirectional-{wrapper}", *(returns or ["plain"])])


def find_row(shapes: dict, configuration: tuple) -> dict:
    """shapes.json's one row for a (layer, wrapper, return_sequences, return_state)."""
    layer, wrapper, sequences, state = configuration
    bidirectional, merge_mode = WRAPPERS[wrapper]
    rows = [
        row
        for row in shapes["rows"]
        if (row["layer"], row["bidirectional"], row["merge_mode"]) == (layer, bidirectional, merge_mode)
        and (row["return_sequences"], row["return_state"]) == (sequences, state)
    ]
    assert len(rows) == 1, f"shapes.json has {len(rows)} rows for {configuration}"
    return rows[0]


def wrapper_value(row: dict) -> str:
    """The wrapper <select>'s option for a row."""
    if not row["bidirectional"]:
        return "none"
    return "None" if row["merge_mode"] is None else row["merge_mode"]


def expected_returned(shapes: dict, row: dict, sizes: dict[str, int]) -> list[list[str]]:
    """[name, shape for `sizes`, shape in symbols] for each tensor a row returns, in order,
    by reading each executed integer back as the symbol whose size it is."""
    dims = shapes["dims"]
    symbol_of = {size: name for name, size in dims.items()} | {2 * dims[n]: f"2·{n}" for n in ("units", "filters")}
    assert len(symbol_of) == len(dims) + 2, f"shapes.json's dims are not pairwise distinct: {dims}"
    width = "filters" if row["layer"] in SPATIAL else "units"
    value_of = dict(sizes) | {f"2·{width}": 2 * sizes[width]}
    returned = []
    for output in row["outputs"]:
        symbols = [symbol_of[size] for size in output["shape"]]
        assert "(" + ", ".join(symbols) + ")" == output["symbols"], output
        shape = "(" + ", ".join(str(value_of[symbol]) for symbol in symbols) + ")"
        returned.append([output["name"], shape, output["symbols"]])
    return returned


def expected_layer_call(row: dict, sizes: dict[str, int]) -> str:
    """The row's executed call as a reader writes it: keras.layers.*, their units (filters)."""
    call = row["call"]
    for size in ("units", "filters"):
        call = re.sub(rf"\b{size}\b", str(sizes.get(size)), call, count=1)
    return re.sub(r"\b(Bidirectional|LSTM|GRU|SimpleRNN|ConvLSTM[123]D)\(", r"keras.layers.\1(", call).replace("'", '"')


# --- Fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shapes(built_site: Path) -> dict:
    path = built_site / "shapes.json"
    assert path.exists(), (
        f"{path} is missing: the build publishes it (site_build/published.py, from the page that makes it)"
    )
    return json.loads(path.read_text())


class Explorer(WatchedPage):
    """A watched browser page (browsing.py) on docs/explorer.html."""

    def __init__(self, browser, site_url: str, **context_options: object) -> None:
        super().__init__(browser, site_url, **context_options)
        self.url = f"{site_url}/docs/explorer.html"

    def _response(self, response) -> None:
        super()._response(response)
        if response.status >= 400 and "/_static/explorer." in response.url:
            self.problems.append('(is html_static_path = ["docs/_static"] in conf.py?)')

    def open(self) -> Explorer:
        response = self.page.goto(self.url)  # returns once the page, its script and stylesheet loaded
        if response is None or not response.ok:
            pytest.fail(f"{self.url} answered {response and response.status}: the build has no docs/explorer.md page")
        if any("/_static/explorer." in problem for problem in self.problems):
            pytest.fail(f"The explorer's script or stylesheet did not load: {self.problems}")
        try:
            self.page.wait_for_selector("#se-result:not([hidden])", timeout=10_000)
        except Exception as error:
            status = self.page.locator("#se-status").text_content() if self.page.locator("#se-status").count() else ""
            pytest.fail(f"The explorer showed no result after loading ({status!r}); problems: {self.problems}: {error}")
        return self

    # What a reader does.
    def choose(self, row: dict, sizes: dict[str, int | str]) -> None:
        page = self.page
        page.get_by_label("layer", exact=True).select_option(row["layer"])
        page.get_by_label("wrapper", exact=True).select_option(wrapper_value(row))
        page.get_by_label("return_sequences=True", exact=True).set_checked(row["return_sequences"])
        page.get_by_label("return_state=True", exact=True).set_checked(row["return_state"])
        for name, value in sizes.items():
            self.field(name).fill(str(value))

    def field(self, name: str):
        return self.page.get_by_label(name, exact=True)

    # What the page shows.
    def returned(self) -> list[list[str]]:
        """The result table's rows: [name, shape, in symbols], in order."""
        rows = self.page.eval_on_selector_all(
            "#se-result:not([hidden]) #se-table tbody tr",
            "rows => rows.map(row => Array.from(row.cells, cell => cell.textContent.trim()))",
        )
        assert [row[0] for row in rows] == [str(index) for index in range(len(rows))], rows
        return [row[1:] for row in rows]

    def call(self) -> str:
        return self.page.locator("#se-call code").text_content()  # not the copy button's label

    def status(self) -> str:
        return self.page.locator("#se-status").text_content()

    def result_shown(self) -> bool:
        return self.page.locator("#se-result").is_visible()

    def assert_no_problems(self) -> None:
        problems, self.problems = self.problems, []
        assert not problems, "the explorer page misbehaved:\n" + "\n".join(problems)


@pytest.fixture(scope="module")
def shared_explorer(browser, site_url: str) -> Iterator[Explorer]:
    """One loaded page for the many configuration tests (a reader changing the controls)."""
    explorer = Explorer(browser, site_url).open()
    try:
        yield explorer
    finally:
        explorer.close()


@pytest.fixture
def explorer(shared_explorer: Explorer) -> Iterator[Explorer]:
    """The shared page, checked after each test for console errors, JavaScript errors and
    requests that left the local server."""
    shared_explorer.assert_no_problems()
    yield shared_explorer
    shared_explorer.assert_no_problems()


@pytest.fixture
def fresh_explorer(browser, site_url: str) -> Iterator[Explorer]:
    """A newly loaded page (for keyboard tests, which start from the top of the page)."""
    explorer = Explorer(browser, site_url).open()
    try:
        yield explorer
        explorer.assert_no_problems()
    finally:
        explorer.close()


# --- Every configuration, for the build's sizes and others ------------------------------------

# Besides the build's own sizes (shapes.json's dims): other pairwise-distinct sizes, all
# sizes equal (so no size tells its symbol), and the smallest and largest a reader may type.
OTHER_SIZES = [
    {"batch": 7, "timesteps": 11, "features": 13, "units": 32, "rows": 17, "cols": 19, "depth": 23, "filters": 29},
    dict.fromkeys(["batch", "timesteps", "features", "units", "rows", "cols", "depth", "filters"], 3),
    {"batch": 1, "timesteps": 1000000, "features": 1, "units": 1000000, "rows": 1, "cols": 1000000, "depth": 1}
    | {"filters": 1000000},
]


def unpacked_names(code: str) -> list[str]:
    """The names the shown code unpacks `layer(x)` into."""
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Assign) and ast.unparse(node.value) == "layer(x)":
            (target,) = node.targets
            return [name.id for name in target.elts] if isinstance(target, ast.Tuple) else [target.id]
    raise AssertionError(f"the shown code does not call layer(x):\n{code}")


@pytest.mark.parametrize("configuration", CONFIGURATIONS, ids=_configuration_id)
def test_explorer_shows_what_every_configuration_returns_for_the_readers_sizes(
    explorer: Explorer, shapes: dict, configuration: tuple
) -> None:
    assert len(shapes["rows"]) == len(CONFIGURATIONS) == 96
    row = find_row(shapes, configuration)
    others = OTHER_SIZES[CONFIGURATIONS.index(configuration) % len(OTHER_SIZES)]
    asked = sizes_of(row["layer"])  # the fields the explorer shows for this layer
    for every in (dict(shapes["dims"]), others):
        sizes = {name: every[name] for name in asked}
        explorer.choose(row, sizes)
        shown = [name for name in every if explorer.field(name).is_visible()]
        assert sorted(shown) == sorted(asked), (row["layer"], shown)

        expected = expected_returned(shapes, row, sizes)
        assert explorer.returned() == expected, (row["call"], sizes)
        # The call, as Python a reader can paste: their sizes, and one name per returned tensor.
        code = explorer.call()
        tree = ast.parse(code)
        assert f"layer = {expected_layer_call(row, sizes)}" in ast.unparse(tree).replace("'", '"'), code
        assert f"keras.ops.zeros(({', '.join(str(sizes[name]) for name in asked[:-1])}))" in code
        assert len(unpacked_names(code)) == len(expected), code
        link = explorer.page.locator("#se-page-link")
        anchor = f"#{row['section']}" if row["section"] else ""
        assert link.get_attribute("href") == f"../{row['page']}.html{anchor}"
        assert link.text_content() == row["page_title"]  # the page's own title (test_shapes_json.py)
        # The announcement for screen readers names every returned tensor with its shape.
        status = explorer.status()
        for name, shape, _ in expected:
            assert f"{name} {shape}" in status, status


def test_every_explaining_page_the_explorer_links_to_exists(built_site: Path, shapes: dict) -> None:
    for page in sorted({row["page"] for row in shapes["rows"]}):
        assert (built_site / f"{page}.html").exists(), f"the explorer links to {page}.html, which was not built"


def test_a_configuration_with_a_section_of_its_own_links_to_that_section(built_site: Path, shapes: dict) -> None:
    sections = {(row["page"], row["section"]) for row in shapes["rows"] if row["section"]}
    assert ("examples/convlstm-return-state", "convlstm1d-and-convlstm3d") in sections  # Bidirectional(ConvLSTM3D)
    for page, section in sorted(sections):
        assert f'id="{section}"' in (built_site / f"{page}.html").read_text(), f"{page}.html has no #{section}"


def test_the_explorer_links_the_section_that_answers(explorer: Explorer, shapes: dict) -> None:
    row = find_row(shapes, ("ConvLSTM3D", "concat", True, True))
    explorer.choose(row, {name: shapes["dims"][name] for name in sizes_of("ConvLSTM3D")})
    href = explorer.page.locator("#se-page-link").get_attribute("href")
    assert href == f"../{row['page']}.html#{row['section']}", href


def test_explorer_names_the_returned_tensors_in_the_shown_code(explorer: Explorer, shapes: dict) -> None:
    row = find_row(shapes, ("LSTM", "None", True, True))
    explorer.choose(row, {"batch": 2, "timesteps": 5, "features": 3, "units": 4})

    names = unpacked_names(explorer.call())

    assert names == ["forward_output", "backward_output", "forward_h", "forward_c", "backward_h", "backward_c"]
    assert [output["name"] for output in row["outputs"]] == [
        "forward output",
        "backward output",
        "forward hidden state h",
        "forward cell state c",
        "backward hidden state h",
        "backward cell state c",
    ]


def test_a_convolutional_layer_offers_only_the_wrappers_the_build_executed(explorer: Explorer, shapes: dict) -> None:
    page = explorer.page
    explorer.choose(find_row(shapes, ("LSTM", "sum", False, False)), {"units": 4})
    page.get_by_label("layer", exact=True).select_option("ConvLSTM2D")  # merge_mode="sum" still chosen

    assert not explorer.result_shown()
    assert 'merge_mode="concat": choose one of those' in explorer.status(), explorer.status()
    disabled = page.locator("#se-wrapper option:disabled").evaluate_all("options => options.map(o => o.value)")
    assert disabled == ["sum", "mul", "ave", "None"]

    page.get_by_label("wrapper", exact=True).select_option("concat")
    assert explorer.result_shown() and explorer.status().startswith("Bidirectional(ConvLSTM2D("), explorer.status()


# --- Keyboard -------------------------------------------------------------------------------


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def _tab_to(page, element_id: str, key: str = "Tab", limit: int = 200) -> int:
    """Press Tab (or `key`) until the element has focus, at most `limit` times."""
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        if _focused_id(page) == element_id:
            return presses
    pytest.fail(f"{element_id} was not reached with {key} in {limit} presses")


def test_explorer_works_with_the_keyboard_alone(fresh_explorer: Explorer, shapes: dict) -> None:
    page = fresh_explorer.page
    dims = shapes["dims"]

    _tab_to(page, "se-layer")  # from the top of the page, past the theme's links
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none", "no visible focus"
    page.keyboard.press("ArrowDown")  # LSTM -> GRU
    assert fresh_explorer.status().startswith(f"GRU({dims['units']}) returns"), fresh_explorer.status()
    # Then the controls in the order they are shown, one Tab apart.
    _tab_to(page, "se-wrapper", limit=1)
    page.keyboard.press("ArrowDown")  # none -> Bidirectional, merge_mode="concat"
    _tab_to(page, "se-return-sequences", limit=1)
    page.keyboard.press("Space")
    _tab_to(page, "se-return-state", limit=1)
    page.keyboard.press("Space")
    _tab_to(page, "se-batch", limit=1)
    page.keyboard.press("ArrowUp")  # the build's batch + 1
    _tab_to(page, "se-units", limit=3)  # past timesteps and features
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")

    sizes = dict(dims, batch=dims["batch"] + 1, units=dims["units"] + 2)
    row = find_row(shapes, ("GRU", "concat", True, True))
    assert fresh_explorer.returned() == expected_returned(shapes, row, sizes)
    assert f"keras.layers.GRU({sizes['units']}, return_sequences=True, return_state=True)" in fresh_explorer.call()

    # No trap: Tab leaves the last field for the link to the explaining page, and
    # Shift+Tab comes back.
    _tab_to(page, "se-page-link", limit=5)
    _tab_to(page, "se-units", key="Shift+Tab", limit=5)


# --- Accessibility --------------------------------------------------------------------------


def test_explorer_controls_are_labelled_grouped_and_announced(explorer: Explorer) -> None:
    page = explorer.page
    controls = page.locator("#shape-explorer select, #shape-explorer input")
    assert controls.count() == 12  # layer, wrapper, two checkboxes, eight sizes (a layer shows its own)
    for index in range(controls.count()):
        control = controls.nth(index)
        control_id = control.get_attribute("id")
        label = page.locator(f'label[for="{control_id}"]')
        assert label.count() == 1 and label.text_content().strip(), f"#{control_id} has no <label>"
        assert control.evaluate("c => c.closest('fieldset') !== null"), f"#{control_id} is in no fieldset"
    legends = page.locator("#shape-explorer fieldset > legend").all_text_contents()
    assert len(legends) == page.locator("#shape-explorer fieldset").count() == 3 and all(legends)
    assert page.locator("#se-status").get_attribute("aria-live") == "polite"
    headers = page.locator("#se-table thead th")
    assert headers.count() == 4
    assert {headers.nth(i).get_attribute("scope") for i in range(4)} == {"col"}


TEXT = (
    "#shape-explorer legend, #shape-explorer label, #shape-explorer select, #shape-explorer input[type=number], "
    "#se-sizes-hint, #se-units-error, #se-status, #se-call, #se-caption, #se-table th, #se-table td, #se-page-link"
)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_explorer_text_has_enough_contrast_in_light_and_dark_themes(fresh_explorer: Explorer, theme: str) -> None:
    page = fresh_explorer.page
    page.evaluate("theme => { document.body.dataset.theme = theme; }", theme)  # as Furo's toggle does
    too_faint = []
    for units in ("0", "4"):  # with an error message showing, then with a result
        fresh_explorer.field("units").fill(units)
        for element, ratio in page.eval_on_selector_all(TEXT, CONTRASTS):
            if ratio < 4.5:
                too_faint.append(f"{element}: {ratio:.2f}")
    assert not too_faint, f"text below WCAG AA (4.5:1) in the {theme} theme: {too_faint}"


# --- Bad input ------------------------------------------------------------------------------

BAD_SIZES = ["", "0", "-3", "2.5", "abc", "1e12", "9007199254740993"]


@pytest.mark.parametrize("field", ["batch", "units"])
@pytest.mark.parametrize("bad", BAD_SIZES, ids=lambda bad: repr(bad))
def test_explorer_rejects_a_nonsense_size_and_recovers(explorer: Explorer, shapes: dict, field: str, bad: str) -> None:
    row = shapes["rows"][0]
    good = {name: shapes["dims"][name] for name in sizes_of(row["layer"])}
    explorer.choose(row, good)
    assert explorer.result_shown()

    box = explorer.field(field)
    if bad == "abc":
        box.fill("")
        box.press_sequentially(bad)  # typed, as fill() cannot put text in a number field
    else:
        box.fill(bad)

    message = explorer.page.locator(f"#se-{field}-error")
    assert message.is_visible() and field in message.text_content(), message.text_content()
    assert box.get_attribute("aria-invalid") == "true"
    # ... and visibly so: the field's border takes the error colour of its message.
    border = box.evaluate("b => getComputedStyle(b).borderTopColor")
    error = message.evaluate("m => getComputedStyle(m).color")
    assert border == error, (border, error)
    assert "No result" in explorer.status() and message.text_content() in explorer.status()
    assert not explorer.result_shown()
    assert explorer.returned() == [], "a stale result is still shown"

    box.fill("6")

    assert not message.is_visible()
    assert box.get_attribute("aria-invalid") is None
    assert explorer.returned() == expected_returned(shapes, row, good | {field: 6})


def test_explorer_code_has_a_copy_button_that_copies_the_call(browser, site_url: str) -> None:
    explorer = Explorer(browser, site_url)
    explorer.context.grant_permissions(["clipboard-read", "clipboard-write"])
    try:
        explorer.open()
        explorer.page.get_by_label("return_state=True", exact=True).set_checked(True)
        button = explorer.page.locator("#se-call button.copybtn")
        button.focus()  # reachable by keyboard
        explorer.page.keyboard.press("Enter")
        copied = explorer.page.evaluate("() => navigator.clipboard.readText()")
        assert copied.strip() == explorer.call().strip() and "return_state=True" in copied
        explorer.assert_no_problems()
    finally:
        explorer.close()


def test_on_a_phone_each_tap_shows_its_result_on_the_screen(browser, site_url: str, shapes: dict) -> None:
    """The result is below the controls; a summary of it stays on the screen (site.css)."""
    explorer = Explorer(browser, site_url)
    explorer.page.set_viewport_size({"width": 390, "height": 844})
    try:
        explorer.open()
        for label in ("return_sequences=True", "return_state=True"):
            box = explorer.page.get_by_label(label, exact=True)
            box.scroll_into_view_if_needed()
            box.click()
            summary = explorer.page.locator("#se-status")
            top, bottom, width = summary.evaluate(
                "s => { const r = s.getBoundingClientRect(); return [r.top, r.bottom, r.width]; }"
            )
            assert width > 100 and top >= 0 and bottom <= 844, (label, top, bottom, width)
            assert "returns" in summary.text_content()
        explorer.assert_no_problems()
    finally:
        explorer.close()


# Whether the summary covers a control, once the page has stopped scrolling (the theme scrolls
# smoothly, and on a loaded machine a smooth scroll may start a frame or two late: still means
# the same place for 200 ms): "" if not, else where each is.
OVERLAP = """async id => {
  const still = () => new Promise(done => {
    let last = -1, same = 0;
    const sample = () => {
      same = scrollY === last ? same + 1 : 0;
      last = scrollY;
      same >= 4 ? done() : setTimeout(sample, 50);
    };
    sample();
  });
  await still();
  const control = document.getElementById(id).getBoundingClientRect();
  const bar = document.getElementById("se-status").getBoundingClientRect();
  const overlap = bar.height > 1 && control.bottom > bar.top && control.top < bar.bottom;
  return overlap ? `${id} at ${control.top}-${control.bottom} px, the summary at ${bar.top}-${bar.bottom} px` : "";
}"""
# Scroll a control down to the bottom of the screen, where the summary is, or to just above
# the summary (as far down as a reader still sees it whole), as far as the page scrolls.
PLACE = """([id, aboveTheSummary]) => {
  const control = document.getElementById(id).getBoundingClientRect();
  const bar = document.getElementById("se-status").getBoundingClientRect();
  const bottom = innerHeight - 2 - (aboveTheSummary ? bar.height : 0);
  window.scrollBy({top: control.bottom - bottom, behavior: "instant"});
}"""
# Where a finger taps a control: its centre, on the screen.
CENTRE = """id => {
  const box = document.getElementById(id).getBoundingClientRect();
  return [box.x + box.width / 2, box.y + box.height / 2];
}"""


def test_on_a_phone_the_result_summary_never_covers_the_control_in_use(browser, site_url: str) -> None:
    """The summary sticks to the bottom of a phone's screen; whichever control a reader uses
    stays clear of it: from the bottom of the screen, under the summary, reached with Tab or
    tapped (once scrolled to where a finger reaches it), or tapped where it is just above the
    summary; and then changed, for a long result (six tensors), as the summary changes with
    each change (a box ticked and unticked: one of the two lengthens it; a size emptied, which
    takes the result away, and typed again, which brings it back)."""
    address = {"layer": "LSTM", "wrapper": "None", "return_sequences": "true", "return_state": "true"}
    explorer = Explorer(browser, site_url, viewport={"width": 390, "height": 844}, has_touch=True)
    explorer.url += "?" + urlencode(address)
    try:
        page = explorer.open().page
        controls = page.locator("#shape-explorer select:visible, #shape-explorer input:visible")
        ids = controls.evaluate_all("controls => controls.map(c => c.id)")
        assert len(ids) == 8, ids  # layer, wrapper, two boxes, four sizes
        covered = []

        def check(control_id: str) -> None:
            covered.append(page.evaluate(OVERLAP, control_id))

        def use(control_id: str, keys: bool, just_above: bool = False) -> None:
            """Change the control as a reader would, checking after each change; with
            ``just_above``, from where it is just above the summary each time."""
            control = page.locator(f"#{control_id}")
            kind = control.evaluate("c => c.type")
            changes = {
                "checkbox": ["Space"] * 2 if keys else ["tap"] * 2,
                "number": ["ArrowUp", "Control+A", "Backspace", "1", "2"],
                # the next option up or down, staying among the layers that ask for these sizes
                "select-one": ["ArrowUp" if control.evaluate("s => s.selectedIndex") else "ArrowDown"],
            }[kind]
            for change in changes:
                if just_above:
                    page.evaluate(PLACE, [control_id, True])
                if change == "tap":
                    page.touchscreen.tap(*page.evaluate(CENTRE, control_id))  # where it is now
                else:
                    control.press(change)
                check(control_id)

        page.locator("#se-layer").focus()
        page.keyboard.press("Shift+Tab")
        for control_id in ids:  # the keyboard: the browser scrolls each into view as it takes focus
            page.evaluate(PLACE, [control_id, False])
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.id") == control_id
            check(control_id)
            use(control_id, keys=True)
        for control_id in ids:  # a finger
            page.evaluate(PLACE, [control_id, False])
            page.locator(f"#{control_id}").tap()  # scrolls it to where a finger can reach it
            check(control_id)
            use(control_id, keys=False)
        for control_id in ids:  # a finger, on a control just above the summary, where it is
            page.evaluate(PLACE, [control_id, True])
            page.touchscreen.tap(*page.evaluate(CENTRE, control_id))
            check(control_id)
            use(control_id, keys=False, just_above=True)
        assert explorer.result_shown()
        covered = [where for where in covered if where]
        assert not covered, "the result's summary covers the control in use:\n" + "\n".join(covered)
        explorer.assert_no_problems()
    finally:
        explorer.close()


# The width a <select> needs to show each option's text whole: a copy of it holding that option
# alone, as wide as its content, where the select is (so with its font, padding and arrow).
SELECT_NEEDS = """select => Array.from(select.options, option => {
  const copy = select.cloneNode(false);
  copy.removeAttribute("id");
  copy.appendChild(option.cloneNode(true));
  copy.style.cssText = "width: auto; max-width: none; position: absolute; visibility: hidden";
  select.after(copy);
  const needs = copy.getBoundingClientRect().width;
  copy.remove();
  return [option.text, needs, select.getBoundingClientRect().width];
})"""


@pytest.mark.parametrize("viewport", [(390, 844), (1440, 900)], ids=["phone", "desktop"])
def test_every_select_shows_each_options_text_whole(browser, site_url: str, viewport: tuple[int, int]) -> None:
    width, height = viewport
    explorer = Explorer(browser, site_url, viewport={"width": width, "height": height})
    try:
        explorer.open()
        selects = explorer.page.locator("#shape-explorer select")
        assert selects.count() == 2
        cut = [
            f"{text!r} needs {needs:.0f} px in {box:.0f}"
            for index in range(selects.count())
            for text, needs, box in selects.nth(index).evaluate(SELECT_NEEDS)
            if needs > box
        ]
        assert not cut, f"at {width} px, options cut in their menu: {cut}"
        explorer.assert_no_problems()
    finally:
        explorer.close()


# --- When shapes.json cannot be read ---------------------------------------------------------


@contextlib.contextmanager
def failing_load(browser, url: str, route=None):
    """The explorer at ``url`` (shapes.json answered by ``route``, if given), once its status
    says it could not load shapes.json; yields the page and its status. No page error may occur."""
    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        if route:
            page.route("**/shapes.json", route)
        page.goto(url)
        status = page.locator("#se-status")
        status.filter(has_text="shapes.json").wait_for(timeout=10_000)
        yield page, status
        assert not page.locator("#se-result").is_visible()
        assert errors == []
    finally:
        context.close()


def test_explorer_opened_as_a_file_says_to_serve_the_site_over_http(browser, built_site: Path) -> None:
    with failing_load(browser, (built_site / "docs" / "explorer.html").as_uri()) as (_, status):
        assert "python -m http.server -d _build/html" in status.text_content()


def test_explorer_says_so_when_shapes_json_does_not_load(browser, site_url: str) -> None:
    not_found = lambda route: route.fulfill(status=404, body="not here")  # noqa: E731
    with failing_load(browser, f"{site_url}/docs/explorer.html", not_found) as (page, status):
        assert "Could not load shapes.json" in status.text_content()
        assert "404" in status.text_content() and "Reload the page" in status.text_content()
        page.get_by_label("units", exact=True).fill("7")  # typing now changes nothing and throws nothing
        assert "Could not load shapes.json" in status.text_content()


# --- The explorer's state in the address ------------------------------------------------------

BIDIRECTIONAL_GRU = {"layer": "GRU", "wrapper": "None", "return_sequences": "true", "return_state": "true"}
GRU_SIZES = {"batch": 2, "timesteps": 5, "features": 3, "units": 8}


def test_an_address_reproduces_a_configuration_and_back_returns_to_it(browser, site_url: str, shapes: dict) -> None:
    explorer = Explorer(browser, site_url)
    explorer.url += "?" + urlencode(BIDIRECTIONAL_GRU | GRU_SIZES)
    try:
        explorer.open()
        row = find_row(shapes, ("GRU", "None", True, True))
        first = expected_returned(shapes, row, GRU_SIZES)
        assert explorer.returned() == first  # Bidirectional(GRU(8, ...), merge_mode=None): six tensors
        assert explorer.page.get_by_label("wrapper", exact=True).input_value() == "None"
        assert explorer.field("units").input_value() == "8"

        explorer.page.get_by_label("wrapper", exact=True).select_option("sum")
        summed = expected_returned(shapes, find_row(shapes, ("GRU", "sum", True, True)), GRU_SIZES)
        assert explorer.returned() == summed
        assert "wrapper=sum" in explorer.page.url and "units=8" in explorer.page.url

        explorer.page.go_back()
        explorer.page.wait_for_function("() => location.search.includes('wrapper=None')")
        assert explorer.returned() == first
        assert explorer.page.get_by_label("wrapper", exact=True).input_value() == "None"
        explorer.page.go_forward()
        explorer.page.wait_for_function("() => location.search.includes('wrapper=sum')")
        assert explorer.returned() == summed
        explorer.assert_no_problems()
    finally:
        explorer.close()


# The address's query and the controls' values ({name: value}, "true"/"false" for a box; the
# sizes the chosen layer asks for), after each input event (the page's own listener, on
# #shape-explorer, has run by the time the event reaches the window).
CONTROLS = """() => {
  const controls = {};
  document.querySelectorAll("#shape-explorer select, #shape-explorer input").forEach(control => {
    if (!control.closest("[hidden]")) {
      controls[control.name] = control.type === "checkbox" ? String(control.checked) : control.value;
    }
  });
  return {search: location.search, controls: controls};
}"""
WATCH_INPUT = f"() => {{ window.seen = []; addEventListener('input', () => window.seen.push(({CONTROLS})())); }}"
SETTLED = "() => { const s = document.querySelector('#se-status').textContent; return s && !s.startsWith('Loading'); }"


def test_the_address_follows_every_input_and_reloads_to_the_same_controls(fresh_explorer: Explorer) -> None:
    """A reader may copy the address at any moment: after each input event (a choice, a box,
    each key typed in a size, an arrow key), it holds what the controls hold, and opening it
    shows the same controls. Typing a size updates one entry of the history, not one a key."""
    page = fresh_explorer.page
    page.evaluate(WATCH_INPUT)
    page.get_by_label("layer", exact=True).select_option("GRU")
    page.get_by_label("wrapper", exact=True).select_option("sum")
    page.get_by_label("return_sequences=True", exact=True).click()
    page.get_by_label("return_state=True", exact=True).press("Space")
    units = fresh_explorer.field("units")
    units.click()
    entries = page.evaluate("history.length")
    units.press("End")
    units.press_sequentially("28")  # 4 -> 42 -> 428
    assert page.evaluate("history.length") <= entries + 1, "typing a size added more than one history entry"
    for _ in range(3):
        units.press("Backspace")  # down to an empty field, which has no result
    units.press_sequentially("16")
    fresh_explorer.field("batch").press("ArrowUp")
    page.get_by_label("layer", exact=True).select_option("ConvLSTM2D")  # asks for rows, cols and filters
    page.get_by_label("wrapper", exact=True).select_option("concat")
    fresh_explorer.field("rows").fill("")
    fresh_explorer.field("rows").press_sequentially("12")

    seen = page.evaluate("window.seen")
    assert len(seen) >= 16, f"only {len(seen)} input events"
    for index, event in enumerate(seen):
        address = dict(parse_qsl(event["search"].removeprefix("?"), keep_blank_values=True))
        assert address == event["controls"], f"after input event {index}, the address lags the controls"
    for event in {event["search"]: event for event in seen}.values():
        page.goto(fresh_explorer.url + event["search"])
        page.wait_for_function(SETTLED)
        assert page.evaluate(CONTROLS)["controls"] == event["controls"], f"{event['search']} reloads otherwise"
    assert page.url.endswith(seen[-1]["search"]) and "filters=10" in page.url  # the ConvLSTM's own sizes


# Each: the address's parameters, and what the page then says (as it says for typed input).
HOSTILE_ADDRESSES = {
    "script-in-layer": ({"layer": "<img src=x onerror=alert(1)>", "wrapper": "'; alert(1)"}, "layer=<img src=x"),
    "flags-not-booleans": ({"return_sequences": "maybe", "return_state": "1"}, "return_sequences=maybe"),
    "letters-for-a-size": ({"units": "abc"}, "units is not a number"),
    "negative-size": ({"batch": "-3"}, "batch must be at least 1"),
    "huge-size": ({"timesteps": "1e12"}, "timesteps must be at most 1,000,000"),
    "fraction": ({"features": "2.5"}, "features must be a whole number"),
    "very-long": ({"units": "9" * 5000}, "units must be at most 1,000,000"),
}


@pytest.mark.parametrize("case", HOSTILE_ADDRESSES, ids=str)
def test_a_hostile_address_is_answered_in_words_as_typed_input_is(browser, site_url: str, case: str) -> None:
    params, message = HOSTILE_ADDRESSES[case]
    explorer = Explorer(browser, site_url)
    dialogs: list[str] = []
    explorer.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        explorer.page.goto(f"{explorer.url}?{urlencode(params)}")
        status = explorer.page.locator("#se-status")
        field = next(name for name in params)
        if field in CHOICES:  # named under its control, which shows the default; and a result
            explorer.page.wait_for_selector("#se-result:not([hidden])", timeout=10_000)
            assert message in explorer.page.locator(f"#{CHOICES[field]}-error").text_content()
            assert explorer.page.get_by_label("layer", exact=True).input_value() == "LSTM"
            assert explorer.page.get_by_label("wrapper", exact=True).input_value() == "none"
            assert not explorer.page.get_by_label("return_sequences=True", exact=True).is_checked()
        else:
            status.filter(has_text="No result").wait_for(timeout=10_000)
            assert message in status.text_content(), status.text_content()
            assert explorer.field(field).get_attribute("aria-invalid") == "true"
            assert not explorer.result_shown()
        assert dialogs == [] and explorer.page.locator("img[src=x]").count() == 0
        explorer.assert_no_problems()
    finally:
        explorer.close()


# The address's parameters that a <select> or a box holds: their controls' ids.
CHOICES = {"layer": "se-layer", "wrapper": "se-wrapper", "return_sequences": "se-return-sequences"}
CHOICES |= {"return_state": "se-return-state"}
# Each: a value its control cannot take, and what the control shows instead.
REFUSED = {
    "layer": ("Foo", "LSTM"),
    "wrapper": ("Bidirectional", "none"),
    "return_sequences": ("maybe", "false"),
    "return_state": ("1", "false"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_an_address_value_a_control_cannot_take_is_named_and_what_is_used_instead_shown(
    browser, site_url: str, shapes: dict, name: str
) -> None:
    """As a bad size is: a message under its control names it (and the control is marked
    invalid, and the address keeps it for a reload), until the reader changes that control;
    meanwhile the control shows what is used, and the result is that configuration's."""
    value, used = REFUSED[name]
    explorer = Explorer(browser, site_url)
    explorer.url += "?" + urlencode({"layer": "GRU", "return_state": "true"} | {name: value})
    try:
        explorer.open()
        page = explorer.page
        control = page.locator(f"#{CHOICES[name]}")
        message = page.locator(f"#{CHOICES[name]}-error")
        assert message.is_visible(), f"no message names {name}={value}"
        assert f"{name}={value}" in message.text_content(), message.text_content()
        assert control.get_attribute("aria-invalid") == "true"
        assert control.get_attribute("aria-describedby") == f"{CHOICES[name]}-error"
        assert "instead" in message.text_content()
        chosen = {"layer": "GRU", "wrapper": "none", "return_sequences": "false", "return_state": "true"} | {name: used}
        shown = page.evaluate(CONTROLS)["controls"]
        assert {key: shown[key] for key in CHOICES} == chosen
        layer, wrapper, sequences, state = chosen.values()
        row = find_row(shapes, (layer, wrapper, sequences == "true", state == "true"))
        sizes = {size: shapes["dims"][size] for size in sizes_of(layer)}
        assert explorer.returned() == expected_returned(shapes, row, sizes)
        assert urlencode({name: value}) in page.url  # so a reload says it again
        # Every other message is empty: only the refused value is named.
        assert page.locator("#shape-explorer .se-field-error:visible").count() == 1

        control.focus()
        page.keyboard.press("Space" if name.startswith("return_") else "ArrowDown")

        assert not message.is_visible() and control.get_attribute("aria-invalid") is None
        assert urlencode({name: value}) not in page.url
        explorer.assert_no_problems()
    finally:
        explorer.close()


def test_on_a_phone_the_result_fits_the_screen_as_cards(browser, site_url: str) -> None:
    """The widest result (Bidirectional ConvLSTM3D, every size a million) on a 390 px phone:
    the table is as wide as the screen at most, and every value, "in symbols" included, is
    on it whole, under its column's heading."""
    sizes = dict.fromkeys(sizes_of("ConvLSTM3D"), 1000000)
    address = {"layer": "ConvLSTM3D", "wrapper": "concat", "return_sequences": "true", "return_state": "true"}
    explorer = Explorer(browser, site_url, viewport={"width": 390, "height": 844})
    explorer.url += "?" + urlencode(address | sizes)
    try:
        explorer.open()
        cut = explorer.page.evaluate(
            """() => {
              const width = document.documentElement.clientWidth, problems = [];
              const table = document.querySelector("#se-table");
              if (table.getBoundingClientRect().width > width) problems.push("the table is wider than the screen");
              table.querySelectorAll("tbody td").forEach(td => {
                const box = td.getBoundingClientRect();
                if (box.right > width || td.scrollWidth > td.clientWidth + 1) problems.push("cut: " + td.textContent);
                if (!td.dataset.label) problems.push("no heading above: " + td.textContent);
              });
              return problems;
            }"""
        )
        assert not cut, cut
        explorer.assert_no_problems()
    finally:
        explorer.close()
