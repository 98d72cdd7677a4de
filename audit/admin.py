"""The ledger, the access log and their companions in the admin: listed and viewed, never written.

Only the services in audit/services.py write these chains (the database refuses UPDATE and DELETE as well);
every admin page that shows them is itself written to the access log by the project's admin site.
"""

from django.contrib import admin

from audit.models import AccessLogEntry, AccessTally, ChainHeadStatement, DisclosureEntry, LedgerCorrection
from wassweb.admin import ReadOnlyModelAdmin


class ChainAdmin(ReadOnlyModelAdmin):
    # The chains grow to tens of millions of rows: count the filtered rows only, not the whole table again.
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        # The page is the entry's full record, its sequence and hashes included (they are not form fields).
        return [field.name for field in self.model._meta.concrete_fields]


@admin.register(DisclosureEntry)
class DisclosureEntryAdmin(ChainAdmin):
    list_display = ["sequence", "kind", "legal_basis", "recipient", "provider", "case_number", "provided_at"]
    list_filter = ["kind", "legal_basis"]
    search_fields = ["case_number"]


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ChainAdmin):
    list_display = ["sequence", "at", "actor_label", "action", "object_type", "object_id", "outcome", "ip"]
    list_filter = ["outcome", "object_type"]


@admin.register(AccessTally)
class AccessTallyAdmin(ChainAdmin):
    list_display = ["sequence", "kind", "actor_label", "action", "outcome", "count", "first_at", "last_at"]
    list_filter = ["kind", "outcome"]


@admin.register(LedgerCorrection)
class LedgerCorrectionAdmin(ChainAdmin):
    list_display = ["sequence", "chain", "corrects_sequence", "recorded_by", "at"]
    list_select_related = ["recorded_by"]


@admin.register(ChainHeadStatement)
class ChainHeadStatementAdmin(ChainAdmin):
    list_display = ["chain", "entries", "head_hash", "published_at"]
    list_filter = ["chain"]
