"""The objects the access matrix requests, each belonging to `officer`'s agency and `operator`'s municipality,
and how one cell of the matrix is requested."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import Client
from django.urls import reverse

from accounts.services import api_key_create
from audit.models import DisclosureEntry
from sightings.footage.services import footage_request_approve
from sightings.models import WantedOrder
from tests.factories import footage_request_make
from tests.sightings.footage.helpers import jpeg_upload, make_sighting
from tests.sightings.live_views.helpers import approved_make, live_view_make, urgent_order_make, video_server_make

ROLES = ["anonymous", "officer", "other_officer", "operator", "other_operator", "auditor", "admin_user"]


@dataclass
class World:
    officer: Any
    operator: Any
    order: Any
    camera: Any
    municipality: Any
    sighting: Any
    pending_request: Any
    personal_key: Any
    _approved: Any = None
    _live_view: Any = None
    _live_view_approved: Any = None

    @property
    def live_view(self) -> Any:
        """A live view of the camera waiting for the centre, for an urgent order of the officer's agency."""
        if self._live_view is None:
            self._live_view = live_view_make(officer=self.officer, order=self.urgent_order, camera=self.camera)
        return self._live_view

    @property
    def live_view_approved(self) -> Any:
        """A running live view with its ledger entry, and the centre's video server configured."""
        if self._live_view_approved is None:
            video_server_make(self.municipality)
            self._live_view_approved = approved_make(
                officer=self.officer, operator=self.operator, order=self.urgent_order, camera=self.camera
            )
        return self._live_view_approved

    @property
    def urgent_order(self) -> Any:
        order = WantedOrder.objects.filter(agency_id=self.officer.agency_id, priority="urgent").first()
        return order or urgent_order_make(self.officer)

    @property
    def approved_request(self) -> Any:
        """An approved request with one file and its ledger entry, made only for the cells that need it."""
        if self._approved is None:
            approved = footage_request_make(
                order=self.order, camera=self.camera, requested_by=self.officer, sighting=self.sighting
            )
            footage_request_approve(footage_request=approved, approved_by=self.operator, uploads=[jpeg_upload()])
            self._approved = approved
        return self._approved


def build_world(*, officer, operator, order, camera, municipality) -> World:
    sighting = make_sighting(order, camera)
    personal_key, _ = api_key_create(name="officer's key", user=officer, scope="api")
    return World(
        officer=officer,
        operator=operator,
        order=order,
        camera=camera,
        municipality=municipality,
        sighting=sighting,
        pending_request=footage_request_make(order=order, camera=camera, requested_by=officer, sighting=sighting),
        personal_key=personal_key,
    )


def url_kwargs(world: World, route_kwargs: list[str], target: str) -> dict[str, Any]:
    """Fills a route's arguments with the world's objects; `target` picks the footage request when it matters."""
    values = {
        "order_id": lambda: world.order.id,
        "sighting_id": lambda: world.sighting.id,
        "request_id": lambda: (world.approved_request if target == "approved" else world.pending_request).id,
        "file_id": lambda: world.approved_request.files.first().id,
        "key_id": lambda: world.personal_key.id,
        "pk": lambda: DisclosureEntry.objects.get(footage_request_id=world.approved_request.id).id,
        "code": lambda: world.municipality.code,
        "camera_id": lambda: world.camera.id,
        "kind": lambda: "plate",
        "call_sign": lambda: "은평12",
        "view_id": lambda: (world.live_view_approved if target == "approved" else world.live_view).id,
    }
    return {name: values[name]() for name in route_kwargs}


def request_cell(client: Client, *, name: str, method: str, kwargs: dict[str, Any], api: bool):
    url = reverse(name, kwargs=kwargs)
    if method == "GET":
        return client.get(url)
    if api:
        return client.post(url, data="{}", content_type="application/json")
    return client.post(url, data={})
