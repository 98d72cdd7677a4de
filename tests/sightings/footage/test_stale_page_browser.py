"""In the browser: a request page left open by one operator follows a colleague's decision, also after a
refused form (which redirects to the request page instead of leaving the person on the form's address)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.conftest import PASSWORD
from tests.factories import footage_request_make
from tests.live import log_in
from tests.sightings.live.helpers import make_hit
from tests.sightings.test_dashboard_browser import LIVE_WITHIN_MS

pytestmark = pytest.mark.browser


@pytest.fixture
def colleague(municipality) -> User:
    colleague = User(username="colleague", role=User.Role.OPERATOR, municipality=municipality)
    colleague.set_password(PASSWORD)
    colleague.save()
    return colleague


def test_a_request_page_left_open_follows_a_colleagues_decision(
    live_daphne, new_page, officer, operator, colleague, order, camera
):
    hit = make_hit(order, camera)
    request = footage_request_make(order=order, camera=camera, requested_by=officer, sighting=hit)
    page_url = f"{live_daphne.url}/footage/{request.id}/"

    left_open = new_page()
    log_in(left_open, live_daphne, "operator", PASSWORD)
    left_open.goto(page_url)
    # A deny without its reason is refused; the page it lands on is the request's own, not the form's.
    left_open.click("[data-testid=footage-deny]")
    left_open.wait_for_load_state()
    assert left_open.url == page_url
    expect(left_open.locator("[data-testid=footage-deny]")).to_be_visible()

    deciding = new_page()
    log_in(deciding, live_daphne, "colleague", PASSWORD)
    deciding.goto(page_url)
    deciding.fill("#id_reason", "해당 시간대 녹화 없음")
    deciding.click("[data-testid=footage-deny]")
    expect(deciding.locator("[data-testid=deny-reason]")).to_be_visible()

    # The page left open shows the decision by itself and no longer offers the forms (how fast is the
    # dashboard tests' concern: here, that it happens without a reload).
    expect(left_open.locator("[data-testid=deny-reason]")).to_contain_text(
        "해당 시간대 녹화 없음", timeout=3 * LIVE_WITHIN_MS
    )
    expect(left_open.locator("[data-testid=footage-deny]")).to_have_count(0)
