from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        # Records what accounts, Django's auth and axes announce: sign-ins, refusals, lock-outs, key use.
        from audit import signals  # noqa: F401
