"""Reads for auditors: integrity of the chains, the ledger and the access log filtered."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from audit import chain
from audit.ledger import verify_stored
from audit.models import AccessLogEntry, AccessTally, DisclosureEntry, LedgerCorrection

# Every chain the integrity check verifies, with the name it is reported under and its label.
CHAINS: dict[str, tuple[type[Model], Any]] = {
    "ledger": (DisclosureEntry, _("Disclosure ledger")),
    "access_log": (AccessLogEntry, _("Access log")),
    "access_tally": (AccessTally, _("Access tallies")),
    "corrections": (LedgerCorrection, _("Ledger corrections")),
}


def verdict_as_dict(verdict: chain.Verdict) -> dict[str, Any]:
    broken = verdict.first_broken
    return {
        "ok": verdict.ok,
        "entries": verdict.entries,
        "first_broken": None
        if broken is None
        else {"sequence": broken.sequence, "reason": broken.reason, "detail": broken.detail},
        "corrected": list(verdict.corrected),
    }


def integrity_check() -> dict[str, chain.Verdict]:
    """Verifies every chain from the first entry to the last; corrected entries count as intact and are listed."""
    return {name: verify_stored(model) for name, (model, _label) in CHAINS.items()}


def disclosures() -> QuerySet[DisclosureEntry]:
    """The ledger, newest first, with what every listing shows joined in."""
    return DisclosureEntry.objects.select_related("municipality__province", "requester", "approver").order_by(
        "-sequence"
    )


def access_log() -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.order_by("-sequence")
