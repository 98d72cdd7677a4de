"""Reads for auditors: integrity of the chains, the ledger, the access log and the machine traffic, one person's
trail and one plate's disclosures."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Model, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from audit import chain
from audit.ledger import content_hash, verify_stored
from audit.models import AccessLogEntry, AccessTally, DisclosureEntry, LedgerCorrection, ledger_reference

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


def disclosure_with_references() -> QuerySet[DisclosureEntry]:
    """Ledger entries with everything an entry's page names: order, camera and its municipality, footage request,
    sighting and people. A purged sighting or request comes back as None (the ledger keeps its id)."""
    return disclosures().select_related(
        "recipient_agency",
        "order__agency",
        "order__issued_by",
        "camera__municipality__province",
        "footage_request__requested_by",
        "footage_request__decided_by",
        "sighting",
    )


def access_log() -> QuerySet[AccessLogEntry]:
    """The access log, newest first, with the names of the people's agency and municipality."""
    return AccessLogEntry.objects.select_related("actor", "agency", "municipality__province").order_by("-sequence")


def machine_traffic() -> QuerySet[AccessTally]:
    """Key use and repeated refusals, counted per interval, newest first, with the key and municipality named."""
    return AccessTally.objects.select_related("api_key", "municipality__province").order_by("-sequence")


def person_access(*, person: Any, since: Any, until: Any) -> QuerySet[AccessLogEntry]:
    """Everything one person asked for in [since, until): the (actor, at) index answers."""
    return access_log().filter(actor=person, at__gte=since, at__lt=until)


def person_disclosures(*, person: Any, since: Any, until: Any) -> QuerySet[DisclosureEntry]:
    """Ledger entries in [since, until) that one person requested (received) or approved (gave)."""
    return disclosures().filter(Q(requester=person) | Q(approver=person), provided_at__gte=since, provided_at__lt=until)


def plate_disclosures(*, plate: str, since: Any = None, until: Any = None) -> QuerySet[DisclosureEntry]:
    """Every disclosure of one vehicle's location or footage: entries whose sighting read that plate, or whose
    order searched for it (PIPA Article 35: what a data subject may ask to see).

    Entries keep the plate they disclosed (indexed), so the answer holds after the sighting is purged under its
    retention. Entries written before the ledger kept plates are found through the sightings and orders they
    point to, while those still exist (docs/LEDGER.md).
    """
    Sighting, WantedOrder = ledger_reference("sighting"), ledger_reference("order")
    entries = (
        disclosures()
        .select_related("order", "camera__municipality__province", "sighting")
        .filter(
            Q(plate=plate)
            | Q(plate="", sighting_id__in=Sighting.objects.filter(plate=plate).values("pk"))
            | Q(plate="", order_id__in=WantedOrder.objects.filter(plate=plate).values("pk"))
        )
    )
    if since is not None:
        entries = entries.filter(provided_at__gte=since)
    if until is not None:
        entries = entries.filter(provided_at__lt=until)
    return entries


def entry_integrity(entry: Model) -> dict[str, bool | None]:
    """One chained entry checked on its own: its content still hashes to its stored hash, and it links to the
    entry before it. The whole chain is checked by the verify page (and `manage.py verify_ledger`)."""
    model = type(entry)
    previous = model.objects.filter(sequence=entry.sequence - 1).values_list("entry_hash", flat=True).first()
    return {
        "content": content_hash(entry) == entry.entry_hash,
        "link": (entry.prev_hash == chain.GENESIS) if entry.sequence == 1 else (previous == entry.prev_hash),
    }


def machine_summary(tallies: QuerySet[AccessTally], *, since_given: bool) -> dict[str, Any]:
    """Per kind of machine traffic: how many tally rows and how many requests they count."""
    rows = list(tallies.order_by().values("kind").annotate(rows=Count("id"), requests=Sum("count")))
    labels = dict(AccessTally.Kind.choices)
    return {
        "kinds": [
            {"kind": row["kind"], "label": labels.get(row["kind"], row["kind"]), **row}
            for row in sorted(rows, key=lambda row: row["kind"])
        ],
        "requests": sum(row["requests"] or 0 for row in rows),
        "last_day_only": not since_given,
    }
