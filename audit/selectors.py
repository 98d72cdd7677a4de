"""Reads for auditors: integrity of the chains, the ledger and the access log filtered."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from audit import chain
from audit.ledger import verify_stored
from audit.models import AccessLogEntry, DisclosureEntry


def verdict_as_dict(verdict: chain.Verdict) -> dict[str, Any]:
    broken = verdict.first_broken
    return {
        "ok": verdict.ok,
        "entries": verdict.entries,
        "first_broken": None
        if broken is None
        else {"sequence": broken.sequence, "reason": broken.reason, "detail": broken.detail},
    }


def integrity_check() -> dict[str, chain.Verdict]:
    """Verifies both chains from the first entry to the last."""
    return {"ledger": verify_stored(DisclosureEntry), "access_log": verify_stored(AccessLogEntry)}


def disclosures() -> QuerySet[DisclosureEntry]:
    """The ledger, newest first, with what every listing shows joined in."""
    return DisclosureEntry.objects.select_related("municipality__province", "requester", "approver").order_by(
        "-sequence"
    )


def access_log() -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.order_by("-sequence")
