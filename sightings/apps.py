from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SightingsConfig(AppConfig):
    name = "sightings"
    verbose_name = _("Sightings")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        from sightings.signals import MUNICIPAL_OBJECTS, municipal_object_created, user_saved

        post_save.connect(user_saved, sender=get_user_model(), dispatch_uid="sightings.live.alerts.user_saved")
        # Cameras and footage requests are granted to their municipality's operators group as they are made.
        for model in MUNICIPAL_OBJECTS:
            post_save.connect(
                municipal_object_created, sender=model, dispatch_uid=f"sightings.granted.{model.__name__}"
            )
