"""Each municipality's operators form a group holding object permissions on its cameras, keys and requests."""

from __future__ import annotations

from io import StringIO

from django.contrib.auth.models import Group
from django.core.management import call_command
from guardian.models import GroupObjectPermission

from accounts import permissions
from accounts.models import ApiKey
from accounts.services import api_key_create
from sightings.models import Camera, FootageRequest
from tests.factories import footage_request_make


def group_names(user) -> list[str]:
    return list(user.groups.values_list("name", flat=True))


def test_an_operator_is_in_their_municipalitys_group(operator, officer):
    assert group_names(operator) == ["municipality-11380-operators"]
    assert group_names(officer) == []


def test_moving_an_operator_moves_their_group(operator, other_municipality):
    operator.municipality = other_municipality
    operator.save()
    assert group_names(operator) == ["municipality-11650-operators"]


def test_a_deactivated_operator_leaves_the_group(operator):
    operator.is_active = False
    operator.save(update_fields=["is_active"])
    assert group_names(operator) == []


def test_the_group_gets_its_municipalitys_cameras(operator, other_operator, camera, other_camera):
    assert permissions.municipal_object_may_manage(operator, camera)
    assert not permissions.municipal_object_may_manage(operator, other_camera)
    assert list(permissions.municipal_objects_for(operator, Camera)) == [camera]
    assert list(permissions.municipal_objects_for(other_operator, Camera)) == [other_camera]


def test_an_administrator_is_not_given_municipal_objects(admin_user, camera):
    assert not permissions.municipal_object_may_manage(admin_user, camera)
    assert list(permissions.municipal_objects_for(admin_user, Camera)) == []


def test_the_group_gets_integration_keys_but_not_personal_ones(operator, other_operator, municipality):
    integration, _ = api_key_create(name="platform", municipality=municipality)
    personal, _ = api_key_create(name="mine", user=other_operator)
    assert list(permissions.municipal_objects_for(operator, ApiKey)) == [integration]
    assert not permissions.municipal_object_may_manage(operator, personal)
    assert not permissions.municipal_object_may_manage(other_operator, integration)


def test_the_group_gets_footage_requests_addressed_to_it(operator, other_operator, officer, order, camera):
    footage_request = footage_request_make(order=order, camera=camera, requested_by=officer)
    assert list(permissions.municipal_objects_for(operator, FootageRequest)) == [footage_request]
    assert list(permissions.municipal_objects_for(other_operator, FootageRequest)) == []


def test_the_sync_command_grants_objects_loaded_in_bulk(operator, municipality):
    Camera.objects.bulk_create(
        [Camera(municipality=municipality, code=f"BULK-{n}", name=f"bulk {n}", lat=37.6, lon=126.9) for n in range(3)]
    )
    assert permissions.municipal_objects_for(operator, Camera).count() == 0
    out = StringIO()
    call_command("sync_municipal_permissions", stdout=out)
    assert permissions.municipal_objects_for(operator, Camera).count() == 3
    assert "3 object permissions granted" in out.getvalue()
    call_command("sync_municipal_permissions", stdout=StringIO())  # idempotent
    assert (
        GroupObjectPermission.objects.filter(group=Group.objects.get(name="municipality-11380-operators")).count() == 3
    )
