"""The disclosure ledger (PIPA 목적 외 이용·제공 대장) and the access log: append-only and hash-chained.

Rows are written only by audit.services under a chain lock; the database refuses UPDATE and DELETE
(triggers installed by migration 0002, see audit/db_triggers.py). References to sightings, orders, cameras
and footage requests carry no database constraint: those rows are purged on schedule, the ledger is kept.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.purposes import LEGAL_BASIS_CHOICES


def unconstrained_reference(to: str) -> models.ForeignKey:
    """A reference an append-only record keeps as it was written: no constraint (the object may be purged under its
    retention while the record stays), no reverse accessor."""
    return models.ForeignKey(
        to, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )


class DisclosureEntry(models.Model):
    """One provision of personal information to another body (Enforcement Decree of PIPA, Article 15)."""

    class Kind(models.TextChoices):
        LOCATION = "location", _("Location of a wanted vehicle")
        FOOTAGE = "footage", _("CCTV footage")
        # A live view: one entry when the centre approves it, a second when it ends, with the actual end and
        # who watched (the ledger is append-only, so the end cannot be written into the first).
        LIVE = "live", _("Live CCTV video")
        LIVE_END = "live_end", _("Live CCTV video: end of the session")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Decree Art. 15: name of the personal information file, receiving body, purpose, legal basis, items,
    # date/period, form of provision, and limits/safeguards requested of the recipient (PIPA 18(5)).
    file_name = models.CharField(_("personal information file"), max_length=200)
    recipient = models.CharField(_("receiving body"), max_length=200)
    purpose = models.TextField(_("purpose"))
    legal_basis = models.CharField(_("legal basis"), max_length=10, choices=LEGAL_BASIS_CHOICES)
    data_items = models.CharField(_("data items provided"), max_length=300)
    provided_at = models.DateTimeField(_("date of provision"))
    window_start = models.DateTimeField(_("period from"), null=True, blank=True)
    window_end = models.DateTimeField(_("period to"), null=True, blank=True)
    form = models.CharField(_("form of provision"), max_length=200)
    safeguards = models.TextField(_("limits and safeguards requested of the recipient"))
    # Who, for which case, from where.
    recipient_agency = models.ForeignKey(
        "accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    municipality = models.ForeignKey(
        "sightings.Municipality",
        verbose_name=_("providing body"),
        on_delete=models.PROTECT,
        related_name="disclosures",
    )
    provider = models.CharField(_("providing body"), max_length=200)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case_number = models.CharField(_("case number"), max_length=40, blank=True)
    order = unconstrained_reference("sightings.WantedOrder")
    sighting = unconstrained_reference("sightings.Sighting")
    camera = unconstrained_reference("sightings.Camera")
    footage_request = unconstrained_reference("sightings.FootageRequest")
    file_hashes = models.JSONField(_("SHA-256 of each file provided"), default=list, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    # The vehicle whose location or footage was disclosed, as read (an order's plate when no read is named):
    # kept with the entry so a data subject's request (PIPA Art. 35) is answered after the sighting is purged.
    plate = models.CharField(_("plate"), max_length=20, blank=True, default="")
    # Live views: both entries of a session name it; the closing entry lists who watched (docs/LIVE_VIEW.md).
    live_view = unconstrained_reference("sightings.LiveView")
    viewers = models.JSONField(_("viewers"), null=True, blank=True, default=None)
    prev_hash = models.CharField(max_length=64, editable=False)
    entry_hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("disclosure ledger entry")
        verbose_name_plural = _("disclosure ledger")
        ordering = ["-sequence"]
        indexes = [
            # Auditor filters: a period, optionally per providing municipality.
            models.Index(fields=["provided_at"], name="audit_disclosure_provided"),
            models.Index(fields=["municipality", "provided_at"], name="audit_disclosure_muni_time"),
            # Everything disclosed for one case.
            models.Index(fields=["case_number"], name="audit_disclosure_case"),
            # Everything disclosed about one vehicle (a data subject's request).
            models.Index(fields=["plate", "provided_at"], name="audit_disclosure_plate"),
            # Anomaly scans of footage provisions in a period (audit.anomalies._outside_hours, _same_body): the
            # period's footage entries only, not every location entry of the period.
            models.Index(fields=["kind", "provided_at"], name="audit_disclosure_kind_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.kind} {self.legal_basis} → {self.recipient}"


class DisclosureMonth(models.Model):
    """How many ledger entries one month holds of one kind, legal basis, crime category and providing body.

    Not part of the ledger and not chained: an ordinary table of counts, added to in the transaction that
    appends the entries (audit.disclosure_months), so the statistics and transparency pages read a few hundred
    rows a month instead of the ledger. The month is the site's time zone's.
    """

    month = models.DateField(_("month"))
    kind = models.CharField(_("kind"), max_length=10, choices=DisclosureEntry.Kind.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=10, choices=LEGAL_BASIS_CHOICES)
    # The crime category of the entry's order when the entry was written; empty for an entry without one.
    crime = models.CharField(_("crime category"), max_length=40, blank=True, default="")
    municipality = models.ForeignKey(
        "sightings.Municipality", verbose_name=_("providing body"), on_delete=models.PROTECT, related_name="+"
    )
    disclosures = models.PositiveBigIntegerField(_("disclosures"))

    class Meta:
        verbose_name = _("disclosures in a month")
        verbose_name_plural = _("disclosures by month")
        constraints = [
            # One row per key (the writers add to it); its index also serves the pages' month ranges.
            models.UniqueConstraint(
                fields=["month", "kind", "legal_basis", "crime", "municipality"], name="audit_disclosuremonth_key"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.month:%Y-%m} {self.kind} {self.legal_basis} {self.crime} {self.municipality_id}: {self.disclosures}"
        )


class DisclosurePublicationMonth(models.Model):
    """A month's provisions as the transparency page publishes them (PIPA 18(4)): per providing body, legal basis,
    kind, crime category, receiving body and items provided, how many and the last one.

    Like DisclosureMonth an ordinary table of counts kept by the ledger's writers (audit.disclosure_months).
    """

    month = models.DateField(_("month"))
    kind = models.CharField(_("kind"), max_length=10, choices=DisclosureEntry.Kind.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=10, choices=LEGAL_BASIS_CHOICES)
    crime = models.CharField(_("crime category"), max_length=40, blank=True, default="")
    municipality = models.ForeignKey(
        "sightings.Municipality", verbose_name=_("providing body"), on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.CharField(_("receiving body"), max_length=200)
    data_items = models.CharField(_("data items provided"), max_length=300)
    disclosures = models.PositiveBigIntegerField(_("disclosures"))
    last_provided_at = models.DateTimeField(_("last provision"))

    class Meta:
        verbose_name = _("published disclosures in a month")
        verbose_name_plural = _("published disclosures by month")
        constraints = [
            # One row per key (the writers add to it); its index also serves the page's month.
            models.UniqueConstraint(
                fields=["month", "kind", "legal_basis", "crime", "municipality", "recipient", "data_items"],
                name="audit_disclosurepublication_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind} {self.legal_basis} {self.recipient}: {self.disclosures}"


class AccessLogEntry(models.Model):
    """Who looked at (or was refused) which sighting, order, footage or ledger page, and every key use."""

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", _("Allowed")
        DENIED = "denied", _("Denied")
        # Not there, or another tenant's and hidden behind the same answer: both are recorded as such.
        NOT_FOUND = "not-found", _("Not found")
        # The request was refused for its content (a form or body with errors): nothing was written.
        INVALID = "invalid", _("Invalid input")
        # The server could not answer (a backing service away): the attempt is still on record.
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A readable name kept with the row: the username, "key:<prefix>" or "anonymous".
    actor_label = models.CharField(_("actor"), max_length=160)
    action = models.CharField(_("action"), max_length=40)
    object_type = models.CharField(_("object type"), max_length=40)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    # The plate the object is about (a sighting's or an order's), so repeated look-ups of one plate show.
    plate = models.CharField(_("plate"), max_length=20, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    # The person's role and tenant when they asked (a later move to another agency does not rewrite history).
    role = models.CharField(_("role"), max_length=16, blank=True, default="")
    agency = unconstrained_reference("accounts.Agency")
    municipality = unconstrained_reference("sightings.Municipality")
    # How many objects the answer showed (a list's rows, 1 for a page about one object); empty for an action.
    shown = models.PositiveIntegerField(_("shown"), null=True, blank=True)
    # The filter of a list, as asked (a plate only when it matched something).
    filters = models.CharField(_("filter"), max_length=300, blank=True, default="")
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    prev_hash = models.CharField(max_length=64, editable=False)
    entry_hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-sequence"]
        indexes = [
            # The auditor's access log filtered by period; anomaly scans over a window.
            models.Index(fields=["at"], name="audit_access_at"),
            # One person's trail.
            models.Index(fields=["actor", "at"], name="audit_access_actor_at"),
            # Who looked at this object.
            models.Index(fields=["object_type", "object_id"], name="audit_access_object"),
            # Anomaly scan: one person looking up one plate again and again.
            models.Index(fields=["plate", "actor"], name="audit_access_plate_actor"),
            # The auditor's filters by municipality and by role within a period.
            models.Index(fields=["municipality", "at"], name="audit_access_muni_at"),
            models.Index(fields=["role", "at"], name="audit_access_role_at"),
            # Refusals in a period: the anomaly scan's suspects (audit.anomalies._refusals_in_a_row, people with
            # enough refusals at all) and the access log's "refused" and "denied" filters. Partial: a few per cent
            # of the rows, so it costs the request's own entry little to keep.
            models.Index(
                fields=["at"],
                name="audit_access_refused_at",
                condition=models.Q(outcome__in=["denied", "not-found"]),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.actor_label} {self.action} {self.object_type}:{self.object_id} {self.outcome}"


class AccessTally(models.Model):
    """Repeated traffic of one kind from one source, counted per interval: one chained row, not one per request.

    Machine clients' key use and repeated refusals (unknown keys, throttled or refused requests from one
    address) would otherwise grow the append-only access log by a row per request, which is both noise for
    the auditor and a storage attack. The first refusal of a kind from a source in an interval is still written
    to the access log at once; what follows is counted and sealed here when the interval closes.
    """

    class Kind(models.TextChoices):
        KEY_USE = "key-use", _("Integration key use")
        REFUSAL = "refusal", _("Repeated refusals")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # "key:<prefix>" for a key, "anonymous" or the username for refusals.
    actor_label = models.CharField(_("actor"), max_length=160)
    api_key = unconstrained_reference("accounts.ApiKey")
    municipality = unconstrained_reference("sightings.Municipality")
    action = models.CharField(_("action"), max_length=40)
    outcome = models.CharField(_("outcome"), max_length=12, choices=AccessLogEntry.Outcome.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    addresses = models.JSONField(_("addresses"), default=list, blank=True)
    count = models.PositiveIntegerField(_("count"))
    first_at = models.DateTimeField(_("first"))
    last_at = models.DateTimeField(_("last"))
    at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    entry_hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("access tally")
        verbose_name_plural = _("access tallies")
        ordering = ["-sequence"]
        indexes = [
            # The auditor's machine-traffic view filtered by period.
            models.Index(fields=["first_at"], name="audit_tally_first_at"),
            # One key's use over time.
            models.Index(fields=["api_key", "first_at"], name="audit_tally_key_first_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.actor_label} {self.action} ×{self.count} {self.outcome}"


class LedgerCorrection(models.Model):
    """An append-only note that one entry of a chain was found wrong without tampering.

    Nothing in a chain is ever changed: when an entry no longer hashes to its stored hash for a reason that is
    not tampering (a past defect in how a value was written), an operator records this correction, naming the
    entry and the hash its stored content gives now. The verifier then reports that entry as corrected, and
    still reports it broken if its content changes again afterwards.
    """

    class Chain(models.TextChoices):
        LEDGER = "ledger", _("Disclosure ledger")
        ACCESS_LOG = "access_log", _("Access log")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True, editable=False)
    chain = models.CharField(_("chain"), max_length=12, choices=Chain.choices)
    corrects_sequence = models.PositiveBigIntegerField(_("corrected entry"))
    # What the corrected entry's stored content hashes to at the time of the correction.
    found_hash = models.CharField(_("hash of the content as found"), max_length=64)
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    entry_hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("ledger correction")
        verbose_name_plural = _("ledger corrections")
        ordering = ["-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "corrects_sequence"], name="audit_ledgercorrection_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} corrects {self.chain} #{self.corrects_sequence}"


class ChainHeadStatement(models.Model):
    """A published chain head: how many entries a chain had and the hash of its last one, signed.

    Published on a schedule to /transparency/ and to a file the auditors keep, so a chain cut short or
    emptied later (TRUNCATE by someone with the owner's rights) no longer matches what was published.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    chain = models.CharField(_("chain"), max_length=12)
    entries = models.PositiveBigIntegerField(_("entries"))
    head_hash = models.CharField(_("head hash"), max_length=64)
    published_at = models.DateTimeField(_("published at"), default=timezone.now, editable=False)
    signature = models.CharField(_("signature"), max_length=128)

    class Meta:
        verbose_name = _("published chain head")
        verbose_name_plural = _("published chain heads")
        ordering = ["-published_at"]
        indexes = [
            # The last published head of each chain.
            models.Index(fields=["chain", "-published_at"], name="audit_chainhead_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.chain} {self.entries} {self.head_hash[:12]} {self.published_at:%Y-%m-%d}"


def ledger_reference(name: str) -> type[models.Model]:
    """The model a ledger reference points to (a municipality, sighting, camera, footage request or order).

    Those models are the sightings app's, which audit does not import (sightings imports audit). The reports
    that count what the ledger refers to reach them through the ledger's own relations instead, the same
    dependency the model strings above already declare.
    """
    return DisclosureEntry._meta.get_field(name).related_model
