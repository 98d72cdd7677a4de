import datetime as dt
import textwrap
from base64 import b32encode

import django_otp
import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import permissions
from accounts.models import User, validate_networks
from accounts.security import (
    access_event_record,
    recovery_codes_renew,
    totp_device_confirm,
    totp_device_start,
    user_sessions_end,
)
from accounts.services import ApiKeyError, api_key_create, api_key_revoke

RECOVERY_CODES_SESSION_KEY = "accounts.recovery_codes_once"

# Each role starts on its own page; later features fill them.
ROLE_HOME = {
    User.Role.OFFICER: "accounts/home_officer.html",
    User.Role.OPERATOR: "accounts/home_operator.html",
    User.Role.AUDITOR: "accounts/home_auditor.html",
    User.Role.ADMIN: "accounts/home_admin.html",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    template = ROLE_HOME.get(request.user.role)
    if template is None:
        if request.user.is_superuser:
            return redirect(reverse("admin:index"))
        return render(request, "accounts/home_none.html", status=403)
    return render(request, template)


# Sign-in with a second factor, and the person's own security page.


class SignInForm(AuthenticationForm):
    """The password step; also refuses people outside their role's networks before a session exists."""

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        address = permissions.client_ip(self.request)
        if not permissions.person_may_connect_from(user, address):
            access_event_record(request=self.request, action="login", allowed=False, user=user, detail="network")
            raise forms.ValidationError(_("Sign-in from this network is not allowed."), code="network")


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].replace(" ", "").strip()


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    secure = request.is_secure()
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=secure):
        return candidate
    return reverse("home")


@login_required
@sensitive_post_parameters("token")
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator, or one recovery code."""
    if not django_otp.user_has_device(request.user):
        return redirect(f"{reverse('otp-enrol')}?{urlencode({'next': _next_url(request)})}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = django_otp.match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            django_otp.login(request, device)
            access_event_record(request=request, action="second-factor", allowed=True, user=request.user)
            return redirect(_next_url(request))
        access_event_record(request=request, action="second-factor", allowed=False, user=request.user)
        form.add_error("token", _("That code is not valid. Try the current code, or a recovery code."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


@login_required
@sensitive_post_parameters("token")
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """Sets up an authenticator app: QR code made here (nothing leaves the network), confirmed by one code."""
    if django_otp.user_has_device(request.user) and not permissions.second_factor_satisfied(request.user):
        # Replacing an authenticator needs the current one: a stolen password alone must not do it.
        return redirect(f"{reverse('otp-verify')}?{urlencode({'next': reverse('otp-enrol')})}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = totp_device_start(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            codes = totp_device_confirm(device=device)
            django_otp.login(request, device)
            access_event_record(request=request, action="second-factor-enrol", allowed=True, user=request.user)
            request.session[RECOVERY_CODES_SESSION_KEY] = codes
            return redirect(f"{reverse('recovery-codes')}?{urlencode({'next': _next_url(request)})}")
        form.add_error("token", _("That code does not match. Check the time on your phone and try the current code."))
    context = {
        "form": form,
        "qr_data_uri": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2),
        "secret": " ".join(textwrap.wrap(b32encode(device.bin_key).decode(), 4)),
        "next": _next_url(request),
    }
    return render(request, "accounts/otp_enrol.html", context)


@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Shows freshly made recovery codes once; a reload shows nothing."""
    if request.method == "POST":
        codes = recovery_codes_renew(user=request.user)
        access_event_record(request=request, action="recovery-codes-renew", allowed=True, user=request.user)
    else:
        codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    response = render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _next_url(request)})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """The person's own security page: second factor, sessions."""
    context = {
        "has_authenticator": TOTPDevice.objects.filter(user=request.user, confirmed=True).exists(),
        "recovery_codes_left": StaticToken.objects.filter(device__user=request.user).count(),
        "otp_required": permissions.second_factor_required(),
    }
    return render(request, "accounts/security.html", context)


@login_required
@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """Ends every session of the person on every device, this one included."""
    user = request.user
    user_sessions_end(user=user)
    access_event_record(request=request, action="logout-everywhere", allowed=True, user=user)
    logout(request)
    messages.success(request, _("You have been signed out on every device."))
    return redirect("login")


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Label"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"))
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365, initial=90)
    allowed_networks = forms.CharField(
        label=_("Allowed networks"),
        required=False,
        max_length=1000,
        validators=[validate_networks],
        help_text=_("Comma-separated CIDR networks, e.g. 10.30.0.0/16. Empty: the site-wide list."),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        labels = {
            "integration": _("Integration key for this centre's platform (submits plate reads)"),
            "api": _("Personal key: use the API as me"),
            "alerts": _("Personal key: receive live alerts (112 room systems)"),
        }
        kinds = (["integration"] if permissions.may_create_integration_key(user) else []) + list(
            permissions.personal_key_scopes(user)
        )
        self.fields["kind"].choices = [(kind, labels[kind]) for kind in kinds]


def _api_keys_page(request: HttpRequest, form: ApiKeyForm, created: tuple | None = None, status: int = 200):
    keys = (
        permissions.api_keys_manageable_by(request.user)
        .select_related("municipality", "user")
        .order_by("revoked_at", "-created_at")
    )
    context = {"form": form, "keys": keys, "created": created, "now": timezone.now()}
    response = render(request, "accounts/api_keys.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the new key is on this page once
    return response


@login_required
def api_keys(request: HttpRequest) -> HttpResponse:
    """A person's own API keys, and an operator's centre's integration keys: list, make (shown once)."""
    if request.method != "POST":
        return _api_keys_page(request, ApiKeyForm(user=request.user))
    form = ApiKeyForm(request.POST, user=request.user)
    if not form.is_valid():
        return _api_keys_page(request, form, status=400)
    data = form.cleaned_data
    owner = {"municipality": request.user.municipality} if data["kind"] == "integration" else {"user": request.user}
    scope = "reads" if data["kind"] == "integration" else data["kind"]
    try:
        api_key, raw = api_key_create(
            name=data["name"],
            scope=scope,
            expires_at=timezone.now() + dt.timedelta(days=data["days"]),
            allowed_networks=data["allowed_networks"].strip(),
            **owner,
        )
    except ApiKeyError as error:
        form.add_error(None, str(error))
        return _api_keys_page(request, form, status=400)
    access_event_record(request=request, action="key-create", allowed=True, user=request.user, obj=api_key)
    return _api_keys_page(request, ApiKeyForm(user=request.user), created=(api_key, raw))


@login_required
@require_POST
def api_key_revoke_view(request: HttpRequest, key_id) -> HttpResponse:
    # Someone else's key is "not found", not "forbidden": its existence is not theirs to learn.
    api_key = get_object_or_404(permissions.api_keys_manageable_by(request.user), pk=key_id)
    api_key_revoke(api_key=api_key)
    access_event_record(request=request, action="key-revoke", allowed=True, user=request.user, obj=api_key)
    messages.success(request, _("The key %(prefix)s… no longer works.") % {"prefix": api_key.prefix})
    return redirect("api-keys")
