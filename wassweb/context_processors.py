from django.conf import settings
from django.http import HttpRequest


def deployment(request: HttpRequest) -> dict[str, object]:
    """Lets every page say when it runs in the relaxed demo mode."""
    return {"DEMO_MODE": settings.DEMO}
