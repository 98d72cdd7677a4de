"""Who may read the audit records: privacy auditors, and nobody else (not even administrators)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from accounts.models import User


def audit_may_read(user: Any) -> bool:
    """The ledger, the access log, verification, statistics and anomaly flags are for auditors only."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role == User.Role.AUDITOR)


def audit_refusal_record(request: Any, *, obj: Any) -> None:
    """Writes the refused attempt to the access log (outside any transaction that could roll it back)."""
    from audit.services import access_log_record

    actor = getattr(request, "auth", None) if _is_api_key(getattr(request, "auth", None)) else request.user
    access_log_record(actor=actor, action="view", obj=obj, outcome="denied", request=request)


def _is_api_key(value: Any) -> bool:
    from accounts.models import ApiKey

    return isinstance(value, ApiKey)


class IsAuditor(BasePermission):
    """DRF: auditors only; every refusal is written to the access log."""

    message = "Only privacy auditors may read the audit records."

    def has_permission(self, request: Any, view: Any) -> bool:
        if audit_may_read(request.user):
            return True
        audit_refusal_record(request, obj=(getattr(view, "audit_object_type", "audit"), ""))
        return False
