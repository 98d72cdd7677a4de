from axes.admin import AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency, ApiKey, User
from wassweb.admin import ReadOnlyModelAdmin


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "role", "agency", "municipality", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    list_select_related = ["agency", "municipality__province"]
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("Role and membership"), {"fields": ("role", "agency", "municipality")}))
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Role and membership"), {"fields": ("role", "agency", "municipality")}),
    )
    autocomplete_fields = ["agency", "municipality"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are made with `manage.py create_api_key` or on the key pages, which show the secret once.

    Here a key can be relabelled or revoked, never revived or re-scoped: what it may do, for whom, from where
    and until when is fixed when it is made (the model refuses such changes from any other path too).
    """

    list_display = ["name", "prefix", "scope", "municipality", "user", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["scope"]
    list_select_related = ["municipality", "user"]
    fields = [
        "name",
        "scope",
        "municipality",
        "user",
        "allowed_networks",
        "prefix",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    readonly_fields = [field for field in fields if field != "name"]

    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Revoking keeps the key's record (the access log names it by prefix); deleting would lose it.
        return False

    @admin.action(description=_("Revoke the selected keys"), permissions=["change"])
    def revoke(self, request, queryset) -> None:
        from accounts.services import api_key_revoke

        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        self.message_user(request, _("The selected keys no longer work."))


class AxesAccessLogAdmin(ReadOnlyModelAdmin, AccessLogAdmin):
    """django-axes' record of sign-ins and sign-outs: evidence of who came in, so viewed only."""


class AxesAccessFailureLogAdmin(ReadOnlyModelAdmin, AccessFailureLogAdmin):
    """django-axes' record of failed sign-ins: evidence of who tried, so viewed only."""


# Its lock-out rows (AccessAttempt) stay deletable: deleting one is how an administrator lifts a lock-out.
for _model, _model_admin in ((AccessLog, AxesAccessLogAdmin), (AccessFailureLog, AxesAccessFailureLogAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
        admin.site.register(_model, _model_admin)
