from __future__ import annotations

import datetime as dt
import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.purposes import CRIME_CATEGORIES, LEGAL_BASIS_CHOICES


class Province(models.Model):
    """A 시도: one of the 17 provinces and metropolitan cities."""

    code = models.CharField(_("code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=20)
    lat = models.FloatField()
    lon = models.FloatField()

    class Meta:
        verbose_name = _("province")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A 시군구 whose smart-city centre runs cameras; code is the 5-digit administrative code."""

    code = models.CharField(_("code"), max_length=5, unique=True)
    name = models.CharField(_("name"), max_length=20)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="municipalities")
    kind = models.CharField(_("kind"), max_length=20)
    lat = models.FloatField()
    lon = models.FloatField()
    linked_since = models.DateField(_("centre linked since"), null=True, blank=True)
    # Opt-in look-back buffer of keyed hashes of unmatched reads; 0 hours keeps nothing.
    lookback_retention_hours = models.PositiveSmallIntegerField(_("look-back retention (hours)"), default=0)
    lookback_secret = models.BinaryField(max_length=32, default=secrets.token_bytes, editable=False)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.province.name} {self.name}"

    @property
    def is_linked(self) -> bool:
        return self.linked_since is not None


class Camera(models.Model):
    class Kind(models.TextChoices):
        ARTERIAL = "arterial", _("Arterial road")
        CRIME_PREVENTION = "crime_prevention", _("Crime prevention")
        OTHER = "other", _("Other")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="cameras")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    lat = models.FloatField()
    lon = models.FloatField()
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ARTERIAL)
    reads_plates = models.BooleanField(_("plate reading"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("camera")
        ordering = ["municipality__code", "code"]
        constraints = [
            # Integrations name cameras by code within their own municipality.
            models.UniqueConstraint(
                fields=["municipality", "code"], name="sightings_camera_code_unique_per_municipality"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class WantedOrderQuerySet(models.QuerySet):
    @staticmethod
    def active_q(prefix: str = "", *, now: dt.datetime | None = None) -> Q:
        """The rule "an active order" as a condition, also through a relation (prefix "order__")."""
        return Q(**{f"{prefix}status": WantedOrder.Status.ACTIVE, f"{prefix}expires_at__gt": now or timezone.now()})

    def active(self, *, now: dt.datetime | None = None) -> WantedOrderQuerySet:
        """Orders that match reads at `now`: active and not past their expiry, whether or not beat has run."""
        return self.filter(self.active_q(now=now))


class WantedOrder(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CANCELLED = "cancelled", _("Cancelled")
        RESOLVED = "resolved", _("Resolved")
        EXPIRED = "expired", _("Expired")

    class Priority(models.TextChoices):
        URGENT = "urgent", _("Urgent")
        HIGH = "high", _("High")
        NORMAL = "normal", _("Normal")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plate = models.CharField(_("plate"), max_length=20, blank=True)
    pattern = models.CharField(_("partial plate pattern"), max_length=20, blank=True)
    vehicle = models.JSONField(_("vehicle description"), default=dict, blank=True)
    crime = models.CharField(
        _("crime or urgency"), max_length=40, choices=[(slug, c.label) for slug, c in CRIME_CATEGORIES.items()]
    )
    legal_basis = models.CharField(_("PIPA legal basis"), max_length=10, choices=LEGAL_BASIS_CHOICES)
    case_number = models.CharField(_("case number"), max_length=40, blank=True)
    urgency_confirmed_by = models.CharField(_("urgency confirmed by"), max_length=120, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="issued_orders")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="orders")
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.HIGH)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    closed_at = models.DateTimeField(null=True, blank=True)
    # Kept with every delivered sighting (sightings.orders.summaries.order_sightings_tally), so lists of orders
    # show how often and when last each was seen without counting its history on every request.
    sighting_count = models.PositiveIntegerField(_("sightings"), default=0, editable=False)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True, editable=False)

    objects = WantedOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("wanted order")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="sightings_wantedorder_plate_xor_pattern",
                condition=(Q(plate="") & ~Q(pattern="")) | (~Q(plate="") & Q(pattern="")),
            ),
        ]
        indexes = [
            # The hotlist compiles from active orders; beat expires them by expiry time.
            models.Index(fields=["status", "expires_at"], name="sightings_order_status_expiry"),
            # An agency's own order list.
            models.Index(fields=["agency", "-created_at"], name="sightings_order_agency_recent"),
            # The order list and API, newest first, a page after a (created_at, id) cursor; also by status.
            models.Index(fields=["-created_at", "-id"], name="sightings_order_recent"),
            models.Index(fields=["status", "-created_at", "-id"], name="sightings_order_status_recent"),
        ]

    def __str__(self) -> str:
        return self.plate or self.pattern

    @property
    def is_active(self) -> bool:
        # WantedOrderQuerySet.active_q, for an order already in hand.
        return self.status == self.Status.ACTIVE and self.expires_at > timezone.now()


class OrderEvent(models.Model):
    """Each change of an order's state, with who made it and why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        RENEWED = "renewed", _("Renewed")
        CANCELLED = "cancelled", _("Cancelled")
        RESOLVED = "resolved", _("Resolved")
        EXPIRED = "expired", _("Expired")

    order = models.ForeignKey(WantedOrder, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order} {self.kind}"


class AssignmentStatus(models.TextChoices):
    """Where a dispatched patrol unit is with a hit: the last two close the assignment."""

    ASSIGNED = "assigned", _("Assigned")
    EN_ROUTE = "en_route", _("En route")
    ON_SCENE = "on_scene", _("On scene")
    LOST_CONTACT = "lost_contact", _("Lost contact")
    ARRESTED = "arrested", _("Arrested")


def sighting_photo_path(instance: Sighting, filename: str) -> str:
    return f"sightings/{instance.seen_at:%Y/%m/%d}/{instance.id}/{filename}"


class Sighting(models.Model):
    """A plate read that matched an active wanted order."""

    class MatchKind(models.TextChoices):
        EXACT = "exact", _("Exact")
        PATTERN = "pattern", _("Partial plate")
        MISREAD = "misread", _("Possible misread")

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", _("Not verified")
        CONFIRMED = "confirmed", _("Confirmed")
        MISREAD = "misread", _("Misread")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(WantedOrder, on_delete=models.PROTECT, related_name="sightings")
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="sightings")
    read_id = models.UUIDField(_("read id"))
    plate = models.CharField(_("plate as read"), max_length=20)
    match_kind = models.CharField(_("match"), max_length=10, choices=MatchKind.choices)
    score = models.FloatField()
    confidence = models.FloatField(null=True, blank=True)
    seen_at = models.DateTimeField(_("seen at"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    retrospective = models.BooleanField(_("found in the look-back buffer"), default=False)
    plate_image = models.FileField(upload_to=sighting_photo_path, blank=True)
    vehicle_image = models.FileField(upload_to=sighting_photo_path, blank=True)
    verification = models.CharField(max_length=12, choices=Verification.choices, default=Verification.UNVERIFIED)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    dispatched_unit = models.CharField(_("patrol unit dispatched"), max_length=60, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # What the dispatched unit last reported about this hit (en route, on scene, lost contact, arrested).
    dispatch_status = models.CharField(
        _("unit's report"), max_length=12, choices=AssignmentStatus.choices, blank=True, default=""
    )
    dispatch_status_at = models.DateTimeField(_("unit's report at"), null=True, blank=True)
    # Position in the live alert stream, given after commit in commit order, so "everything after N" never
    # skips a hit that committed late (docs/ALERTS.md). Unique, hence indexed: replay reads position > N.
    stream_position = models.BigIntegerField(_("alert stream position"), null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("sighting")
        ordering = ["-seen_at"]
        constraints = [
            # The same read delivered twice (retries, replays) still gives one sighting per order. Read ids are
            # chosen by each centre, so they are unique only with the camera that read the plate: two
            # municipalities' reads that happen to share an id are two sightings.
            models.UniqueConstraint(
                fields=["read_id", "camera", "order"], name="sightings_sighting_one_per_read_and_order"
            ),
        ]
        indexes = [
            # An order's trail and timeline, newest first.
            models.Index(fields=["order", "-seen_at"], name="sightings_sight_order_trail"),
            # An order's hits in the sightings API, newest received first, a page after a cursor.
            models.Index(fields=["order", "-received_at", "-id"], name="sightings_sight_order_received"),
            # A municipality's dashboard: sightings of its cameras, newest first.
            models.Index(fields=["camera", "-seen_at"], name="sightings_sight_camera_recent"),
            # A centre's dashboard: each of its cameras' newest hits as received (hits.selectors).
            models.Index(fields=["camera", "-received_at", "-id"], name="sightings_sight_camera_rcvd"),
            # Live feed and replay after reconnect: everything received after a point.
            models.Index(fields=["received_at", "id"], name="sightings_sight_received"),
            # The transparency report's verdicts of one month, by when the vehicle was seen. A block-range index
            # (PostgreSQL only: migration 0010): hits lie in the table in the order they arrive, so a month is a
            # run of blocks. It is a few kilobytes, costs the ingest next to nothing, and gives no order, so the
            # planner never reads the table newest-seen first to find one order's hits (a b-tree on seen_at did).
            BrinIndex(fields=["seen_at"], name="sightings_sight_seen", autosummarize=True),
        ]

    def __str__(self) -> str:
        return f"{self.plate} @ {self.camera_id} {self.seen_at:%Y-%m-%d %H:%M}"


# A request never escalated, in the footage lists' order: after every escalated one.
FOOTAGE_NEVER_ESCALATED = dt.datetime(1, 1, 1, tzinfo=dt.UTC)


def footage_list_keys() -> dict[str, models.Expression]:
    """The footage lists' order, each key descending: undecided first, the latest escalated and urgent ones on top,
    then newest first; the id makes a position in it unique."""
    return {
        "list_undecided": models.ExpressionWrapper(Q(status="pending"), output_field=models.BooleanField()),
        "list_escalated": Coalesce("escalated_at", models.Value(FOOTAGE_NEVER_ESCALATED)),
        "list_urgent": models.F("urgent"),
        "list_created": models.F("created_at"),
        "list_id": models.F("id"),
    }


class FootageRequest(models.Model):
    """An officer's request to a municipal centre for footage about a sighting or a camera and time window."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        DENIED = "denied", _("Denied")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(WantedOrder, on_delete=models.PROTECT, related_name="footage_requests")
    sighting = models.ForeignKey(
        Sighting, null=True, blank=True, on_delete=models.PROTECT, related_name="footage_requests"
    )
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="footage_requests")
    # The camera's municipality at the time of the request: its operators decide.
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="footage_requests")
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("until"))
    purpose = models.TextField(_("purpose"))
    legal_basis = models.CharField(_("PIPA legal basis"), max_length=10, choices=LEGAL_BASIS_CHOICES)
    case_number = models.CharField(_("case number"), max_length=40)
    urgent = models.BooleanField(_("urgent: a life is in danger"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="footage_requests"
    )
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="footage_requests")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    deny_reason = models.TextField(_("reason for denial"), blank=True)
    # Set when an urgent request waited longer than FOOTAGE_URGENT_ESCALATE_MINUTES without a decision.
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    access_until = models.DateTimeField(_("access until"), null=True, blank=True)
    access_revoked_at = models.DateTimeField(_("access ended at"), null=True, blank=True)
    purge_after = models.DateTimeField(_("files purged after"), null=True, blank=True)
    purged_at = models.DateTimeField(_("files purged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("footage request")
        ordering = ["-created_at"]
        permissions = [("download_footage", "Can view and download the footage of an approved request")]
        constraints = [
            models.CheckConstraint(
                name="sightings_footagerequest_window_ordered", condition=Q(window_end__gt=models.F("window_start"))
            ),
            models.CheckConstraint(
                name="sightings_footagerequest_denial_has_reason",
                condition=~Q(status="denied") | ~Q(deny_reason=""),
            ),
        ]
        indexes = [
            # An operator's queue: their municipality's requests, pending first, newest first.
            models.Index(fields=["municipality", "status", "-created_at"], name="sightings_footage_queue"),
            # An officer's list: their agency's requests, newest first.
            models.Index(fields=["agency", "-created_at"], name="sightings_footage_agency"),
            # The footage list pages, an agency's and a municipality's, in their order after a position.
            models.Index(
                models.F("agency"),
                *(key.desc() for key in footage_list_keys().values()),
                name="sightings_footage_agency_list",
            ),
            models.Index(
                models.F("municipality"),
                *(key.desc() for key in footage_list_keys().values()),
                name="sightings_footage_muni_list",
            ),
            # Beat: urgent pending requests to escalate, grants to revoke, files to purge.
            models.Index(fields=["status", "urgent", "created_at"], name="sightings_footage_escalate"),
            models.Index(fields=["access_until"], name="sightings_footage_access_end"),
            models.Index(fields=["purge_after"], name="sightings_footage_purge"),
        ]

    def __str__(self) -> str:
        return f"{self.case_number} {self.camera_id} {self.window_start:%Y-%m-%d %H:%M}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    def access_open(self, now=None) -> bool:
        """Whether the requesting officer's time-limited access is still running."""
        now = now or timezone.now()
        return (
            self.status == self.Status.APPROVED
            and self.access_until is not None
            and self.access_until > now
            and self.access_revoked_at is None
            and self.purged_at is None
        )


def footage_file_path(instance: FootageFile, filename: str) -> str:
    # Not under any served URL: files leave only through the view that checks the grant and logs access.
    return f"footage/{instance.request_id}/{instance.id}/{filename}"


class FootageFile(models.Model):
    """A clip or photo provided with an approved request; the row and its SHA-256 outlive the purged file."""

    class Kind(models.TextChoices):
        CLIP = "clip", _("Video clip")
        PHOTO = "photo", _("Photo")

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Uploaded by the centre")
        PLATE_PHOTO = "plate_photo", _("Sighting's plate photo")
        VEHICLE_PHOTO = "vehicle_photo", _("Sighting's vehicle photo")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(FootageRequest, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to=footage_file_path, max_length=255, blank=True)
    name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.UPLOAD)
    content_type = models.CharField(max_length=60)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("footage file")
        ordering = ["created_at", "name"]

    def __str__(self) -> str:
        return self.name


class LookbackRead(models.Model):
    """One unmatched read kept by an opted-in municipality: a keyed hash of the plate, the camera and the time.

    Never the plate text or an image. On PostgreSQL the table is partitioned by hour of `purge_after`
    (seen_at + the municipality's retention), so purging is dropping the partitions that have run out; the
    table is created by migration 0004 and its partitions by sightings.reads.lookback.
    """

    municipality = models.ForeignKey(
        Municipality, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False
    )
    camera = models.ForeignKey(
        Camera, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False
    )
    plate_hash = models.BinaryField(max_length=32)
    seen_at = models.DateTimeField()
    purge_after = models.DateTimeField()

    class Meta:
        indexes = [
            # A new order's plate, keyed per municipality, looked up in every opted-in buffer.
            models.Index(fields=["plate_hash"], name="sightings_lookback_hash"),
        ]

    def __str__(self) -> str:
        return f"look-back read {self.pk}"


class LiveVideoServer(models.Model):
    """A centre's video server: where its live streams are fetched and the secret their addresses are signed with.

    The secret is shared with the centre, whose server checks every request (sightings.live_views.stream_signing);
    it is shown once when set (manage.py live_video_server) and never in a page.
    """

    municipality = models.OneToOneField(Municipality, on_delete=models.PROTECT, related_name="live_video_server")
    base_url = models.URLField(_("video server address"), max_length=200)
    secret = models.BinaryField(max_length=32, default=secrets.token_bytes, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("live video server")

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.base_url}"


class LiveView(models.Model):
    """An officer's request to watch one camera live for an urgent order, and the session the centre allows."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        DENIED = "denied", _("Denied")
        ENDED = "ended", _("Ended")
        EXPIRED = "expired", _("Expired")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(WantedOrder, on_delete=models.PROTECT, related_name="live_views")
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="live_views")
    # The camera's municipality at the time of the request: its operators decide.
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="live_views")
    sighting = models.ForeignKey(Sighting, null=True, blank=True, on_delete=models.PROTECT, related_name="live_views")
    reason = models.TextField(_("reason"))
    # The patrol unit whose in-car terminal also gets the player, when the officer names one.
    unit = models.ForeignKey(
        "PatrolUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="live_views", verbose_name=_("unit")
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="live_views")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="live_views")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    deny_reason = models.TextField(_("reason for denial"), blank=True)
    approved_until = models.DateTimeField(_("approved until"), null=True, blank=True)
    # The first fetch of the stream address (the picture can start), and the end: early, or when time ran out.
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    viewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="LiveViewViewer", related_name="+", verbose_name=_("viewers")
    )

    class Meta:
        verbose_name = _("live view")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="sightings_liveview_denial_has_reason", condition=~Q(status="denied") | ~Q(deny_reason="")
            ),
            models.CheckConstraint(
                name="sightings_liveview_approval_has_end",
                condition=~Q(status="approved") | Q(approved_until__isnull=False),
            ),
        ]
        indexes = [
            # A centre's queue: its municipality's requests waiting for a decision, newest first.
            models.Index(fields=["municipality", "status", "-created_at"], name="sightings_live_queue"),
            # An officer's list: their agency's live views, newest first.
            models.Index(fields=["agency", "-created_at"], name="sightings_live_agency"),
            # Beat: approved sessions whose time has run out, undecided requests gone stale.
            models.Index(fields=["status", "approved_until"], name="sightings_live_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.camera_id} {self.order_id} {self.status}"

    @property
    def is_requested(self) -> bool:
        return self.status == self.Status.REQUESTED

    def is_running(self, now: dt.datetime | None = None) -> bool:
        """Approved and within its time: the stream address may be handed out."""
        now = now or timezone.now()
        return self.status == self.Status.APPROVED and self.approved_until is not None and self.approved_until > now


class LiveViewViewer(models.Model):
    """Who fetched a live view's stream address, when first and last, and how often."""

    live_view = models.ForeignKey(LiveView, on_delete=models.CASCADE, related_name="viewer_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Set when the address was fetched with a unit key: the named unit's terminal watched, under the key's account.
    unit = models.ForeignKey(
        "PatrolUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    first_at = models.DateTimeField(_("first view"))
    last_at = models.DateTimeField(_("last view"))
    fetches = models.PositiveIntegerField(_("fetches"), default=0)

    class Meta:
        verbose_name = _("live view viewer")
        ordering = ["first_at"]
        constraints = [
            # One row per person watching on their own, and one per account watching as a unit's terminal: an
            # officer whose key also drives the unit's terminal is counted once in each capacity.
            models.UniqueConstraint(
                fields=["live_view", "user"],
                condition=Q(unit__isnull=True),
                name="sightings_liveviewviewer_one_per_person",
            ),
            models.UniqueConstraint(
                fields=["live_view", "unit", "user"],
                condition=Q(unit__isnull=False),
                name="sightings_liveviewviewer_one_per_unit_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.live_view_id} {self.user_id}"


class PatrolUnitQuerySet(models.QuerySet):
    @staticmethod
    def fresh_position_q(*, now: dt.datetime | None = None) -> Q:
        """The rule "a unit's position is known": reported within UNIT_POSITION_MAX_AGE_SECONDS."""
        cutoff = (now or timezone.now()) - dt.timedelta(seconds=settings.UNIT_POSITION_MAX_AGE_SECONDS)
        return Q(position_at__gt=cutoff)

    def with_fresh_position(self, *, now: dt.datetime | None = None) -> PatrolUnitQuerySet:
        return self.filter(self.fresh_position_q(now=now))


class PatrolUnit(models.Model):
    """A patrol car of a police agency, its in-car terminal's last reported position and its current assignment.

    Only the last position is kept, never a history of where officers drove; a position older than
    UNIT_POSITION_MAX_AGE_SECONDS counts as none and beat clears it (sightings.units.services.unit_positions_purge).
    """

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        ASSIGNED = "assigned", _("Assigned")
        EN_ROUTE = "en_route", _("En route")
        ON_SCENE = "on_scene", _("On scene")
        OFF_DUTY = "off_duty", _("Off duty")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    call_sign = models.CharField(_("call sign"), max_length=20, unique=True)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="patrol_units")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OFF_DUTY)
    status_at = models.DateTimeField(_("status since"), default=timezone.now)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    heading_deg = models.FloatField(_("heading"), null=True, blank=True)
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    position_at = models.DateTimeField(_("position reported at"), null=True, blank=True)
    # The hit the unit is sent to while its status is assigned, en route or on scene.
    assignment = models.ForeignKey(
        Sighting, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_units"
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)

    objects = PatrolUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("patrol unit")
        ordering = ["call_sign"]
        constraints = [
            models.CheckConstraint(
                name="sightings_patrolunit_position_whole",
                condition=Q(lat__isnull=True, lon__isnull=True, position_at__isnull=True)
                | Q(lat__isnull=False, lon__isnull=False, position_at__isnull=False),
            ),
            models.CheckConstraint(
                name="sightings_patrolunit_busy_has_assignment",
                condition=Q(status__in=["assigned", "en_route", "on_scene"], assignment__isnull=False)
                | (~Q(status__in=["assigned", "en_route", "on_scene"]) & Q(assignment__isnull=True)),
            ),
        ]
        indexes = [
            # The nearest units for a hit: available units with a fresh position (units.selectors.units_near).
            models.Index(fields=["status", "position_at"], name="sightings_unit_available"),
        ]

    def __str__(self) -> str:
        return self.call_sign

    @property
    def is_busy(self) -> bool:
        return self.assignment_id is not None

    def position_fresh(self, now: dt.datetime | None = None) -> bool:
        # PatrolUnitQuerySet.fresh_position_q, for a unit already in hand.
        cutoff = (now or timezone.now()) - dt.timedelta(seconds=settings.UNIT_POSITION_MAX_AGE_SECONDS)
        return self.position_at is not None and self.position_at > cutoff


class DispatchAgreement(models.Model):
    """A standing agreement: officers of dispatching_agency may send unit_agency's patrol units to a hit."""

    unit_agency = models.ForeignKey(
        "accounts.Agency", verbose_name=_("agency of the units"), on_delete=models.CASCADE, related_name="+"
    )
    dispatching_agency = models.ForeignKey(
        "accounts.Agency", verbose_name=_("may dispatch them"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("agreed at"), default=timezone.now)

    class Meta:
        verbose_name = _("dispatch agreement")
        constraints = [
            models.UniqueConstraint(
                fields=["unit_agency", "dispatching_agency"], name="sightings_dispatchagreement_one_per_pair"
            ),
            models.CheckConstraint(
                name="sightings_dispatchagreement_between_two",
                condition=~Q(unit_agency=models.F("dispatching_agency")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispatching_agency_id} → {self.unit_agency_id}"
