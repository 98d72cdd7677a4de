from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from sightings.models import (
    Camera,
    FootageFile,
    FootageRequest,
    Municipality,
    OrderEvent,
    Province,
    Sighting,
    WantedOrder,
)
from wassweb.admin import ReadOnlyInline, ReadOnlyModelAdmin


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "province", "kind", "linked_since", "lookback_retention_hours"]
    list_filter = ["province"]
    list_select_related = ["province"]
    search_fields = ["code", "name"]
    # The centre's own operators switch the look-back buffer (sightings.reads.lookback): switching it off there
    # also forgets what was kept, which an edit here would skip.
    readonly_fields = ["lookback_retention_hours"]


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "municipality", "kind", "reads_plates", "active"]
    list_filter = ["kind", "reads_plates", "active"]
    list_select_related = ["municipality__province"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["municipality"]


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ["kind", "actor", "reason", "at"]
    readonly_fields = fields


@admin.register(WantedOrder)
class WantedOrderAdmin(ReadOnlyModelAdmin):
    """Read-only: orders are issued and changed only by officers of the issuing agency, on the order pages
    and the API, whose services check the purpose (crime and legal basis) and write the order's events.

    An administrator is not an officer of any agency, so there is nobody for the admin to act as.
    """

    list_display = ["__str__", "crime", "legal_basis", "agency", "priority", "status", "expires_at"]
    list_filter = ["status", "crime", "legal_basis", "priority"]
    list_select_related = ["agency"]
    search_fields = ["plate", "pattern", "case_number"]
    inlines = [OrderEventInline]
    readonly_fields = ["order_page"]

    @admin.display(description=_("order page"))
    def order_page(self, order: WantedOrder) -> str:
        url = reverse("sightings:order-detail", kwargs={"order_id": order.id})
        return format_html('<a href="{}">{}</a>', url, _("Open on the officers' order page"))


@admin.register(Sighting)
class SightingAdmin(ReadOnlyModelAdmin):
    """Read-only: a sighting is evidence of where a vehicle was, and the ledger already disclosed it."""

    list_display = ["plate", "order", "camera", "match_kind", "verification", "seen_at"]
    list_filter = ["match_kind", "verification", "retrospective"]
    list_select_related = ["order", "camera"]


class FootageFileInline(ReadOnlyInline):
    model = FootageFile
    fields = ["name", "kind", "source", "size", "sha256", "created_at", "purged_at"]
    readonly_fields = fields


@admin.register(FootageRequest)
class FootageRequestAdmin(ReadOnlyModelAdmin):
    """Read-only: decisions go through the centre's forms, which write the ledger; the admin cannot bypass it."""

    list_display = ["case_number", "municipality", "agency", "status", "urgent", "escalated_at", "created_at"]
    list_filter = ["status", "urgent", "legal_basis"]
    list_select_related = ["municipality__province", "agency"]
    search_fields = ["case_number"]
    inlines = [FootageFileInline]
