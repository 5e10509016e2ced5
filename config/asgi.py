"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
django_asgi_app = get_asgi_application()

from walletdesk.core.startup import enforce_deployment_checks  # noqa: E402

# Production refuses to serve on unsafe settings (sandbox money, weak secrets, open hosts...).
enforce_deployment_checks()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# What is loaded by now (Django, the apps, their modules and translations: some 200,000 objects)
# lives as long as the process. Out of the collector's sight, a full collection no longer walks
# it: on a busy chat server those walks were pauses of 100 ms and more (docs/realtime.md).
gc.collect()
gc.freeze()
