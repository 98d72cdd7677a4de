"""The project's Django admin site: every request a person makes there is written to the access log.

The recording sits in the site's `admin_view`, which Django wraps around every admin page and every
ModelAdmin view, so a model registered later cannot forget it. Evidence (sightings, footage, the ledger,
the access log) is shown through `ReadOnlyModelAdmin`: viewing is all the admin may do with it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import BaseModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

# Views that show no records: the admin's JavaScript catalogue is fetched by every admin page.
UNRECORDED_VIEWS = {"i18n_javascript"}

# How many selected ids a log line lists before it only counts them.
LOGGED_IDS = 20


class ReadOnlyPermissions:
    """Never added, changed or deleted through the admin (nor bulk-deleted): the part read-only admins share."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyModelAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    """Evidence in the admin: listed and viewed, never added, changed or deleted (nor bulk-deleted)."""


class ReadOnlyInline(ReadOnlyPermissions, admin.TabularInline):
    """An inline of evidence rows under a read-only parent."""

    extra = 0
    can_delete = False


class WasswebAdminSite(admin.AdminSite):
    """Django's admin site, with one access-log entry per request a signed-in person makes."""

    def admin_view(self, view: Callable, cacheable: bool = False) -> Callable:
        guarded = super().admin_view(view, cacheable)
        if getattr(view, "__name__", "") in UNRECORDED_VIEWS:
            return guarded

        @functools.wraps(guarded)
        def recorded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                response = guarded(request, *args, **kwargs)
            except PermissionDenied:
                admin_request_record(site=self, view=view, request=request, kwargs=kwargs, response=None)
                raise
            admin_request_record(site=self, view=view, request=request, kwargs=kwargs, response=response)
            return response

        return recorded


def _verb(view_name: str, request: HttpRequest) -> str:
    post = request.method == "POST"
    if view_name == "changelist_view":
        if post and "action" in request.POST and "index" in request.POST:
            return f"action:{request.POST['action']}"
        return "list-change" if post else "list"
    verbs = {
        "change_view": ("change", "view"),
        "add_view": ("add", "add-form"),
        "delete_view": ("delete", "delete-confirm"),
        "user_change_password": ("password", "password-form"),
    }
    if view_name in verbs:
        return verbs[view_name][0 if post else 1]
    return view_name.removesuffix("_view").replace("_", "-")


def _shown(response: HttpResponse | None) -> int | None:
    """How many rows a changelist page shows; the page's own query is reused, not run again."""
    changelist = (getattr(response, "context_data", None) or {}).get("cl")
    if changelist is None:
        return None
    return len(changelist.result_list)


def admin_request_record(
    *, site: admin.AdminSite, view: Callable, request: HttpRequest, kwargs: dict[str, Any], response: Any
) -> None:
    """One access-log entry for one admin request: who, which object type and id (or how many), the outcome.

    A person who is not staff is refused (sent to the admin's sign-in) and that refusal is recorded; an
    anonymous visitor is only sent to sign in, and the sign-in itself is what gets recorded.
    """
    from accounts.security import access_event_record

    user = request.user
    if not user.is_authenticated:
        return
    model_admin = getattr(view, "__self__", None)
    view_name = getattr(view, "__name__", "view")
    if isinstance(model_admin, BaseModelAdmin):
        object_type = model_admin.model._meta.model_name
    elif view_name == "autocomplete_view":
        object_type = str(request.GET.get("model_name", "admin"))[:40]  # the model whose rows are suggested
    else:
        object_type = "admin"
    object_id = str(kwargs.get("object_id") or kwargs.get("id") or kwargs.get("app_label") or "")
    verb = _verb(view_name, request)
    selected = request.POST.getlist(ACTION_CHECKBOX_NAME) if verb.startswith("action:") else []
    shown = _shown(response)
    if selected:
        across = request.POST.get("select_across") == "1"
        object_id = "all" if across else selected[0] if len(selected) == 1 else f"{len(selected)} selected"
    elif shown is not None:
        object_id = f"{shown} shown"
    if not object_id and object_type == "admin":
        object_id = view_name
    staff = site.has_permission(request)
    allowed = staff and response is not None and response.status_code != 403
    details = [f"role={getattr(user, 'role', '') or '-'}", f"superuser={user.is_superuser}"]
    if response is not None:
        details.append(f"status={response.status_code}")
    if shown is not None:
        details.append(f"shown={shown}")
    if selected:
        details.append(f"selected={','.join(selected[:LOGGED_IDS])}{'…' if len(selected) > LOGGED_IDS else ''}")
    access_event_record(
        request=request,
        action=f"admin-{verb}",
        allowed=allowed,
        user=user,
        obj=(object_type, object_id),
        detail=" ".join(details),
    )
