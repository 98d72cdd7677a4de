from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/two-factor/", views.otp_verify, name="otp-verify"),
    path("account/two-factor/setup/", views.otp_enrol, name="otp-enrol"),
    path("account/two-factor/recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("account/security/", views.security, name="security"),
    path("account/logout-everywhere/", views.logout_everywhere, name="logout-everywhere"),
    path("account/keys/", views.api_keys, name="api-keys"),
    path("account/keys/<uuid:key_id>/revoke/", views.api_key_revoke_view, name="api-key-revoke"),
]
