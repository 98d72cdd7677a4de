import pytest
from django.urls import reverse

from tests.conftest import PASSWORD


def test_login_page_renders(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()


def test_anonymous_people_are_sent_to_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role_fixture", ["officer", "operator", "auditor", "admin_user"])
def test_each_role_lands_on_its_own_page(client, request, role_fixture):
    user = request.getfixturevalue(role_fixture)
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert f'data-role="{user.role}"' in response.content.decode()


def test_a_wrong_password_is_refused(client, officer):
    response = client.post(reverse("login"), {"username": "officer", "password": "wrong"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
