"""Services refuse with one set of exceptions; the API answers each the same way everywhere."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from wassweb import service_errors
from wassweb.api_errors import exception_handler


@pytest.mark.parametrize(
    ("refusal", "status"),
    [
        (service_errors.Conflict("The request has already been decided."), 409),
        (service_errors.Forbidden("Only the camera's municipality decides."), 403),
        (service_errors.NotFound("No such thing."), 404),
    ],
)
def test_it_answers_a_service_refusal_with_its_status_and_message(refusal, status):
    response = exception_handler(refusal, {})
    assert response.status_code == status
    assert response.data == {"detail": str(refusal), "errors": {}}


def test_it_answers_field_errors_with_400_and_the_fields():
    response = exception_handler(ValidationError({"reason": "Give the reason."}), {})
    assert response.status_code == 400
    assert response.data["errors"] == {"reason": ["Give the reason."]}


def test_it_answers_an_error_without_a_field_under_non_field_errors():
    response = exception_handler(ValidationError("Not like this."), {})
    assert response.status_code == 400
    assert response.data["errors"] == {"non_field_errors": ["Not like this."]}


def test_it_leaves_other_errors_to_the_server_error_page():
    assert exception_handler(RuntimeError("a bug"), {}) is None
