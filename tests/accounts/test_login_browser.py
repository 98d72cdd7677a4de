import pytest

from tests.conftest import PASSWORD
from tests.live import log_in, screenshot

pytestmark = pytest.mark.browser


def test_an_officer_logs_in_through_the_browser_and_lands_on_the_dashboard(live_daphne, new_page, officer):
    page = new_page()
    page.goto(f"{live_daphne.url}/login/")
    screenshot(page, "login")
    log_in(page, live_daphne, "officer", PASSWORD)
    assert page.locator("[data-testid=landing]").get_attribute("data-role") == "officer"
    screenshot(page, "officer-landing")


def test_the_language_switch_shows_english(live_daphne, new_page, auditor):
    page = new_page()
    log_in(page, live_daphne, "auditor", PASSWORD)
    page.click("button[name=language][value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Audit workspace"
