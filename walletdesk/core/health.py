"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
import time
import uuid
import weakref

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection

#: Seconds the readiness probe waits for its own message to come back.
CHANNEL_LAYER_TIMEOUT = 5.0


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


# The probe's own channel per event loop, made once: a publish/subscribe layer keeps a channel
# subscribed until its reader is cancelled, so a new channel per probe would pile up.
_probe_channels: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, str] = (
    weakref.WeakKeyDictionary()
)


def check_channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    nonce = uuid.uuid4().hex

    async def roundtrip() -> None:
        loop = asyncio.get_running_loop()
        # Listened to before the send: a publish/subscribe layer delivers only to subscribers.
        channel = _probe_channels.get(loop)
        if channel is None:
            channel = _probe_channels[loop] = await layer.new_channel("readyz.")
        await layer.send(channel, {"type": "readyz.ping", "nonce": nonce})
        try:
            async with asyncio.timeout(CHANNEL_LAYER_TIMEOUT):
                # An earlier probe that timed out may have left its answer behind.
                while (await layer.receive(channel)).get("nonce") != nonce:
                    pass
        except TimeoutError:
            del _probe_channels[loop]  # a cancelled reader may have unsubscribed it
            raise

    async_to_sync(roundtrip)()


def check_job_queue() -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


READINESS_CHECKS = {
    "database": check_database,
    "channel_layer": check_channel_layer,
    "job_queue": check_job_queue,
}


def run_readiness_checks() -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    for name, check in READINESS_CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:
            results[name] = {"ok": False, "error": type(exc).__name__}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return results
