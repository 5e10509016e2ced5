import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
application = get_wsgi_application()

from walletdesk.core.startup import enforce_deployment_checks  # noqa: E402

# Production refuses to serve on unsafe settings (sandbox money, weak secrets, open hosts...).
enforce_deployment_checks()
