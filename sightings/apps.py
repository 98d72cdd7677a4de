from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SightingsConfig(AppConfig):
    name = "sightings"
    verbose_name = _("Sightings")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        from sightings.signals import user_saved

        post_save.connect(user_saved, sender=get_user_model(), dispatch_uid="sightings.live.alerts.user_saved")
