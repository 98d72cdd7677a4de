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


def unconstrained_reference(to: str, *, db_index: bool = True) -> models.ForeignKey:
    """A reference an append-only record keeps as it was written: no constraint (the object may be purged under its
    retention while the record stays), no reverse accessor."""
    return models.ForeignKey(
        to, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=db_index
    )


def counted_person() -> models.ForeignKey:
    """The person a table of counts is about, without an index of its own: each table's key serves its reads."""
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)


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
            # Auditor filters: a period, optionally per providing municipality. With the order and the sequence, the
            # anomaly scan for disclosures without an active order reads a period's entries from this index alone.
            models.Index(fields=["provided_at", "order", "sequence"], name="audit_disclosure_time_order"),
            models.Index(fields=["municipality", "provided_at"], name="audit_disclosure_muni_time"),
            # Everything disclosed for one case, newest first: the ledger page filtered by case number reads
            # its page from here instead of walking the whole ledger back by sequence.
            models.Index(fields=["case_number", "sequence"], name="audit_disclosure_case_seq"),
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
            # Refusals: the access log's "refused" and "denied" filters, their counts and periods, and failed
            # sign-ins (audit.anomalies). The outcome and the person are in the index, so counting a filter's
            # people-only refusals reads no table rows. Partial: a few per cent of the rows, so it costs the
            # request's own entry little to keep.
            models.Index(
                fields=["outcome", "at", "actor"],
                name="audit_access_refusals",
                condition=models.Q(outcome__in=["denied", "not-found"]),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.actor_label} {self.action} {self.object_type}:{self.object_id} {self.outcome}"


class AccessHour(models.Model):
    """What one person did in one clock hour of the access log, counted as the log is written.

    Not part of the log and not chained: an ordinary table of counts that audit.access_counts adds each entry to
    in the transaction that appends it (under the chain's lock), so the anomaly scans read the hours they need
    instead of the period's entries. The hour is the site's time zone's clock hour; people's entries only.

    The refusal fields follow the person's requests in order across hours: `run` is how many of their latest
    requests in a row were refused when the hour's last one came (carried over from their previous hour),
    `run_from` when that run began, `run_in_from` when the run under way at the hour's first request began,
    and `longest_run` the longest such run reached within the hour.
    """

    hour = models.DateTimeField(_("hour"))
    actor = counted_person()
    requests = models.PositiveIntegerField(_("requests"), default=0)
    refused = models.PositiveIntegerField(_("refused"), default=0)
    # Allowed requests that showed something (a page about an object, a list's rows), and how many objects.
    looks_shown = models.PositiveIntegerField(_("looks that showed something"), default=0)
    objects_shown = models.PositiveBigIntegerField(_("objects shown"), default=0)
    first_shown_at = models.DateTimeField(_("first look that showed something"), null=True, blank=True)
    last_shown_at = models.DateTimeField(_("last look that showed something"), null=True, blank=True)
    # Of those, the looks at sightings and how many sightings they showed.
    sighting_looks = models.PositiveIntegerField(_("looks at sightings"), default=0)
    sightings_shown = models.PositiveBigIntegerField(_("sightings shown"), default=0)
    run = models.PositiveIntegerField(_("refusals in a row at the end of the hour"), default=0)
    run_from = models.DateTimeField(null=True, blank=True)
    run_in_from = models.DateTimeField(null=True, blank=True)
    longest_run = models.PositiveIntegerField(_("longest run of refusals"), default=0)

    class Meta:
        verbose_name = _("access in an hour")
        verbose_name_plural = _("access by hour")
        constraints = [
            # One row per person and hour (the writers add to it); its index also finds a person's latest hour.
            models.UniqueConstraint(fields=["actor", "hour"], name="audit_accesshour_key"),
        ]
        indexes = [
            # The people's hours of a period, latest first (looks outside working hours).
            models.Index(fields=["hour"], name="audit_accesshour_hour"),
            # Hours over the bulk thresholds (bulk access, bulk listing of sightings): the few that reach them.
            models.Index(fields=["requests"], name="audit_accesshour_requests"),
            models.Index(fields=["sightings_shown"], name="audit_accesshour_sightings"),
            # Hours in which two or more refusals in a row were reached: the refusal scan's only candidates.
            models.Index(fields=["hour"], name="audit_accesshour_runs", condition=models.Q(longest_run__gte=2)),
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h {self.actor_id}: {self.requests}"


class AccessSubjectHour(models.Model):
    """How often one person looked at one plate (or one order without a plate) in one clock hour.

    Kept like AccessHour (audit.access_counts): the repeated-lookup scan finds its candidates among the hours with
    enough looks at one subject, and counts their period here.
    """

    hour = models.DateTimeField(_("hour"))
    actor = counted_person()
    # The plate, or "order:<id>" for an order searched by pattern (audit.access_counts.look_subject).
    subject = models.CharField(_("subject"), max_length=80)
    looks = models.PositiveIntegerField(_("looks"))
    first_at = models.DateTimeField(_("first look"))
    last_at = models.DateTimeField(_("last look"))

    class Meta:
        verbose_name = _("looks at a subject in an hour")
        verbose_name_plural = _("looks at subjects by hour")
        constraints = [
            # One row per person, subject and hour; its index also sums one person's looks at one subject.
            models.UniqueConstraint(fields=["actor", "subject", "hour"], name="audit_accesssubjecthour_key"),
        ]
        indexes = [
            # Hours with at least a given number of looks at one subject: the few that can hold a repeated lookup.
            models.Index(fields=["looks"], name="audit_accesssubject_looks"),
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h {self.actor_id} {self.subject}: {self.looks}"


class AccessOrderHour(models.Model):
    """Looks by an officer at another agency's order or its sightings, per order, agency, person and clock hour.

    Kept like AccessHour (audit.access_counts), with the order a sighting belongs to and the order's agency read
    when the look is recorded; looks at one's own agency's orders are not counted here.
    """

    hour = models.DateTimeField(_("hour"))
    order = unconstrained_reference("sightings.WantedOrder", db_index=False)
    # The looking person's agency at the time.
    agency = unconstrained_reference("accounts.Agency", db_index=False)
    actor = counted_person()
    looks = models.PositiveIntegerField(_("looks"))
    first_at = models.DateTimeField(_("first look"))
    last_at = models.DateTimeField(_("last look"))

    class Meta:
        verbose_name = _("looks at another agency's order in an hour")
        verbose_name_plural = _("looks at other agencies' orders by hour")
        constraints = [
            # One row per order, agency, hour and person; its index also sums one order's looks by one agency.
            models.UniqueConstraint(fields=["order", "agency", "hour", "actor"], name="audit_accessorderhour_key"),
        ]
        indexes = [
            # A period's latest looks first (the scan lists the most recent orders and agencies).
            models.Index(fields=["hour"], name="audit_accessorder_hour"),
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h {self.order_id} by {self.agency_id}: {self.looks}"


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
