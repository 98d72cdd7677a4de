"""The gate every HTTP request passes: the separated network's allow-lists, then the second factor."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.security import access_event_record

# Pages a person who has passed the password but not yet the second factor may reach.
SECOND_FACTOR_PATH_NAMES = ("otp-verify", "otp-enrol", "logout", "set_language")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _has_bearer_key(request: HttpRequest) -> bool:
    return request.META.get("HTTP_AUTHORIZATION", "").lower().startswith("bearer ")


def _is_exempt(request: HttpRequest) -> bool:
    # Static files are public; the health probe is for load balancers on the host itself.
    static = "/" + settings.STATIC_URL.lstrip("/")
    return request.path.startswith(static) or request.path == reverse("health")


class SecurityGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _is_exempt(request):
            return self.get_response(request)
        refusal = self._network_refusal(request) or self._second_factor_refusal(request)
        if refusal is not None:
            return refusal
        return self.get_response(request)

    def _network_refusal(self, request: HttpRequest) -> HttpResponse | None:
        address = permissions.client_ip(request)
        user = request.user
        action = "network"
        if user.is_authenticated:
            if permissions.person_may_connect_from(user, address):
                return None
        elif _is_api(request) and _has_bearer_key(request):
            # A machine client: the keys' networks here, each key's own list when it is authenticated. Only on
            # the API: elsewhere a bearer header opens nothing, so it must not open the network gate either.
            if permissions.key_networks_admit(address):
                return None
            action = "key-network"
        elif permissions.anyone_may_connect_from(address):
            return None
        access_event_record(request=request, action=action, allowed=False, user=user, address=address)
        message = _("Access from this network is not allowed.")
        if _is_api(request):
            return JsonResponse({"detail": message, "errors": {}}, status=403)
        return render(request, "accounts/refused.html", {"message": message}, status=403)

    def _second_factor_refusal(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or permissions.second_factor_satisfied(user):
            return None
        match = request.resolver_match or _resolve(request.path_info)
        if match is not None and match.view_name in SECOND_FACTOR_PATH_NAMES:
            return None
        if _is_api(request):
            access_event_record(request=request, action="second-factor", allowed=False, user=user)
            message = _("Two-factor verification is required: sign in with your authenticator code first.")
            return JsonResponse({"detail": message, "errors": {}}, status=403)
        return HttpResponseRedirect(f"{reverse('otp-verify')}?{urlencode({'next': request.get_full_path()})}")


def _resolve(path: str):
    from django.urls import Resolver404, resolve

    try:
        return resolve(path)
    except Resolver404:
        return None
