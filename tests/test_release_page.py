"""The release page (docs/what-changed.md) answers a reader on an older Keras on a phone: at
390 by 844 px, with their release chosen in the picker, the answer for it ends within four
screens of the page's top, open, the other answers hidden; without JavaScript every release is
listed, folded, the picker (which could do nothing) is not, and the one the reader opens ends
within four screens too. Driven in Chromium, as a reader drives it."""

from __future__ import annotations

import pytest
from browsing import WatchedPage

from site_build.history import KERAS_2, OLDER, PAGE, answer_id, load
from site_build.project import keras_minors

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SCREENS = 4
CHOICES = [answer_id(version) for version in reversed(keras_minors()) if version in load()["releases"]] + [
    OLDER,
    KERAS_2,
]
# Where the chosen answer ends, from the top of the page, and which answers show.
MEASURE = """() => {
  window.scrollTo(0, 0);
  const shown = [...document.querySelectorAll(".release-answer")].filter(answer => !answer.hidden);
  const chosen = document.getElementById(document.getElementById("release-choice").value);
  return {end: chosen.getBoundingClientRect().bottom + window.scrollY, shown: shown.map(answer => answer.id),
          open: [...document.querySelectorAll(".release-answer[open]")].map(answer => answer.id)};
}"""


def chosen_answer(watched: WatchedPage, choice: str) -> dict:
    watched.page.goto(f"{watched.site_url}/{PAGE}.html")
    watched.page.get_by_label("Your Keras release").select_option(choice)
    return watched.page.evaluate(MEASURE)


@pytest.fixture(scope="module")
def phone(browser, site_url: str):
    watched = WatchedPage(browser, site_url, viewport=PHONE)
    yield watched
    watched.close()


@pytest.mark.parametrize("choice", CHOICES)
def test_on_a_phone_the_answer_for_the_chosen_release_ends_within_four_screens(phone, choice: str) -> None:
    found = chosen_answer(phone, choice)
    assert found["shown"] == found["open"] == [choice], (
        f"beside {choice}, shown: {found['shown']}, open: {found['open']}"
    )
    assert found["end"] < SCREENS * PHONE["height"], f"{choice} ends {found['end']:.0f} px down the page"
    assert not phone.problems, phone.problems  # its script's errors, failed requests


def test_the_chosen_release_is_kept_in_the_address_and_a_link_opens_on_it(phone) -> None:
    chosen_answer(phone, OLDER)
    assert phone.page.url.endswith(f"#{OLDER}")
    # The older releases' answer links to the oldest executed one, which the picker then shows.
    phone.page.locator(f"#{OLDER} a[href='#{answer_id(keras_minors()[0])}']").click()
    assert phone.page.evaluate(MEASURE)["shown"] == [answer_id(keras_minors()[0])]
    phone.page.goto(f"{phone.site_url}/index.html")
    phone.page.goto(f"{phone.site_url}/{PAGE}.html#{answer_id(keras_minors()[1])}")
    assert phone.page.evaluate(MEASURE)["shown"] == [answer_id(keras_minors()[1])]


def test_without_javascript_every_release_is_listed_and_the_one_opened_ends_within_four_screens(
    browser, site_url: str
) -> None:
    watched = WatchedPage(browser, site_url, viewport=PHONE, java_script_enabled=False)
    try:
        watched.page.goto(f"{site_url}/{PAGE}.html")
        answers = watched.page.locator(".release-answer")
        assert [answer.get_attribute("id") for answer in answers.all()] == CHOICES
        assert all(answer.is_visible() for answer in answers.all())
        assert not watched.page.locator("#release-picker").is_visible()
        oldest = watched.page.locator(f"#{answer_id(keras_minors()[0])}")
        oldest.locator("summary").click()  # the reader opens theirs
        end = oldest.evaluate("answer => answer.getBoundingClientRect().bottom + window.scrollY")
        assert oldest.evaluate("answer => answer.open") and end < SCREENS * PHONE["height"], end
    finally:
        watched.close()
