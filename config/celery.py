import os
from typing import Any

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("walletdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def refuse_unsafe_settings(**kwargs: Any) -> None:
    # Workers move money too (reconciliation queries the rails): same guard as the web processes.
    import django

    django.setup()
    from walletdesk.core.startup import enforce_deployment_checks

    enforce_deployment_checks()
