from django.contrib import admin

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


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "province", "kind", "linked_since", "lookback_retention_hours"]
    list_filter = ["province"]
    list_select_related = ["province"]
    search_fields = ["code", "name"]
    # The centre's own operators switch the look-back buffer (sightings.lookback): switching it off there
    # also forgets what was kept, which an edit here would skip.
    readonly_fields = ["lookback_retention_hours"]


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "municipality", "kind", "reads_plates", "active"]
    list_filter = ["kind", "reads_plates", "active"]
    list_select_related = ["municipality__province"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["municipality"]


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "actor", "reason", "at"]


@admin.register(WantedOrder)
class WantedOrderAdmin(admin.ModelAdmin):
    list_display = ["__str__", "crime", "legal_basis", "agency", "priority", "status", "expires_at"]
    list_filter = ["status", "crime", "legal_basis", "priority"]
    list_select_related = ["agency"]
    search_fields = ["plate", "pattern", "case_number"]
    inlines = [OrderEventInline]
    raw_id_fields = ["issued_by"]


@admin.register(Sighting)
class SightingAdmin(admin.ModelAdmin):
    list_display = ["plate", "order", "camera", "match_kind", "verification", "seen_at"]
    list_filter = ["match_kind", "verification", "retrospective"]
    list_select_related = ["order", "camera"]
    raw_id_fields = ["order", "camera", "verified_by", "acknowledged_by", "dispatched_by"]


class FootageFileInline(admin.TabularInline):
    model = FootageFile
    extra = 0
    can_delete = False
    fields = ["name", "kind", "source", "size", "sha256", "created_at", "purged_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FootageRequest)
class FootageRequestAdmin(admin.ModelAdmin):
    """Read-only: decisions go through the centre's forms, which write the ledger; the admin cannot bypass it."""

    list_display = ["case_number", "municipality", "agency", "status", "urgent", "escalated_at", "created_at"]
    list_filter = ["status", "urgent", "legal_basis"]
    list_select_related = ["municipality__province", "agency"]
    search_fields = ["case_number"]
    inlines = [FootageFileInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
