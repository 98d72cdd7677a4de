from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency, ApiKey, User


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
    list_display = ["name", "prefix", "scope", "municipality", "user", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["scope"]
    list_select_related = ["municipality", "user"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    # Keys are made with `manage.py create_api_key`, which shows the secret once.
    fields = [
        "name",
        "scope",
        "municipality",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]

    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset) -> None:
        from accounts.services import api_key_revoke

        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        self.message_user(request, _("The selected keys no longer work."))
