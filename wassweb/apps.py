from django.contrib.admin.apps import AdminConfig


class WasswebAdminConfig(AdminConfig):
    """Django's admin, served by the project's site so that every admin request is recorded."""

    default_site = "wassweb.admin.WasswebAdminSite"
