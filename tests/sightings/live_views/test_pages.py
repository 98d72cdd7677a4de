"""The live-view pages: the officer's form and buttons, the centre's queue and decision, the player page's policy."""

from __future__ import annotations

import pytest

from audit.models import AccessLogEntry, DisclosureEntry
from sightings.models import LiveView
from tests.factories import sighting_make
from tests.sightings.live_views.helpers import approved_make, live_view_make, urgent_order_make, video_server_make


@pytest.fixture
def urgent(officer):
    return urgent_order_make(officer)


def test_the_form_offers_only_the_agencys_active_urgent_orders(client, officer, urgent, order, camera):
    client.force_login(officer)
    response = client.get(f"/live-views/new/?camera={camera.pk}&order={urgent.pk}")
    assert response.status_code == 200
    choices = list(response.context["form"].fields["order"].queryset)
    assert choices == [urgent]


def test_the_form_sends_a_request_and_opens_its_page(client, officer, urgent, camera):
    client.force_login(officer)
    response = client.post(
        f"/live-views/new/?camera={camera.pk}", {"camera": camera.pk, "order": urgent.pk, "reason": "추적 중"}
    )
    live_view = LiveView.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/live-views/{live_view.pk}/"
    assert live_view.camera == camera and live_view.requested_by == officer
    # The person's one access-log entry names what was asked for, as a footage request's does.
    entry = AccessLogEntry.objects.filter(actor=officer).order_by("-sequence").first()
    assert (entry.action, entry.object_type, entry.object_id, entry.plate) == (
        "create",
        "liveview",
        str(live_view.pk),
        urgent.plate,
    )


@pytest.mark.parametrize(
    "data",
    [{}, {"reason": "x"}, {"order": "not-a-uuid", "reason": "x"}, {"reason": "", "camera_code": "nope"}],
)
def test_a_refused_form_is_a_400_with_the_fields_marked(client, officer, urgent, data):
    client.force_login(officer)
    response = client.post("/live-views/new/", data)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert not LiveView.objects.exists()


def test_a_non_urgent_order_offers_no_live_view_but_an_urgent_one_does(client, officer, order, urgent, camera):
    sighting_make(order, camera)
    sighting_make(urgent, camera)
    client.force_login(officer)
    assert b'data-testid="request-live-view"' not in client.get(f"/orders/{order.pk}/").content
    assert b'data-testid="request-live-view"' in client.get(f"/orders/{urgent.pk}/").content


def test_the_centre_dashboard_lists_the_request_at_the_top_for_its_operators_only(
    client, officer, operator, other_operator, urgent, camera
):
    live_view = live_view_make(officer=officer, order=urgent, camera=camera)
    client.force_login(operator)
    content = client.get("/").content.decode()
    assert f'data-live-view-id="{live_view.pk}"' in content
    assert content.index('data-testid="live-view-queue"') < content.index('data-testid="footage-queue"')
    client.force_login(other_operator)
    assert f'data-live-view-id="{live_view.pk}"' not in client.get("/").content.decode()


def test_the_centre_approves_from_the_page_within_the_cap(client, officer, operator, urgent, camera):
    live_view = live_view_make(officer=officer, order=urgent, camera=camera)
    client.force_login(operator)
    page = client.get(f"/live-views/{live_view.pk}/")
    assert b'max="60"' in page.content and b'value="30"' in page.content
    response = client.post(f"/live-views/{live_view.pk}/approve/", {"minutes": 90}, follow=True)
    assert "between 1 and 60" in response.content.decode()
    live_view.refresh_from_db()
    assert live_view.status == LiveView.Status.REQUESTED
    response = client.post(f"/live-views/{live_view.pk}/approve/", {"minutes": 15})
    assert response.status_code == 303
    live_view.refresh_from_db()
    assert live_view.status == LiveView.Status.APPROVED
    assert DisclosureEntry.objects.filter(kind="live", live_view_id=live_view.pk).count() == 1


def test_the_player_page_allows_the_centres_video_server_for_the_requester_only(
    client, officer, operator, urgent, camera, municipality
):
    video_server_make(municipality, "https://video.eunpyeong.example/wassweb")
    live_view = approved_make(officer=officer, operator=operator, order=urgent, camera=camera)
    client.force_login(officer)
    response = client.get(f"/live-views/{live_view.pk}/")
    assert b'data-testid="live-player"' in response.content
    policy = response["Content-Security-Policy"]
    assert "media-src 'self' blob: https://video.eunpyeong.example" in policy
    assert "https://video.eunpyeong.example" in policy.split("connect-src")[1].split(";")[0]
    client.force_login(operator)
    response = client.get(f"/live-views/{live_view.pk}/")
    assert b'data-testid="live-player"' not in response.content
    assert "video.eunpyeong.example" not in response["Content-Security-Policy"]
    assert b'data-testid="live-view-end"' in response.content  # the centre may end it
