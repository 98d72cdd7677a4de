import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wassweb.settings")
# Django must be set up before anything imports models through Channels routing.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

# daphne hands request bodies to Django unparsed: a body it cannot parse gets the project's error answer.
import wassweb.http_server  # noqa: E402, F401
from accounts.asgi import SocketSecurityGate  # noqa: E402
from accounts.ws_auth import AlertSocketAuth  # noqa: E402
from sightings.reads.lane import ReadsLane  # noqa: E402
from wassweb.routing import websocket_urlpatterns  # noqa: E402


def application_build() -> ProtocolTypeRouter:
    """The project's ASGI application (a benchmark builds a fresh one to profile its threads from the start)."""
    return ProtocolTypeRouter(
        {
            # A municipality's plain batch of reads skips the middleware for people (sightings/reads/lane.py).
            "http": ReadsLane(django_asgi_app),
            # Session sockets must come from an allowed Origin; bearer-key sockets carry no cookie to abuse.
            # Then the separated network and the second factor, as for HTTP.
            "websocket": AlertSocketAuth(SocketSecurityGate(URLRouter(websocket_urlpatterns))),
        }
    )


application = application_build()
