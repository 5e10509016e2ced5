"""Liveness and readiness probes."""

from __future__ import annotations

import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    channel = f"readyz.{uuid.uuid4().hex}"
    payload = {"type": "readyz.ping", "nonce": uuid.uuid4().hex}

    async def roundtrip() -> None:
        await layer.send(channel, payload)
        received = await layer.receive(channel)
        if received.get("nonce") != payload["nonce"]:
            raise RuntimeError("channel layer returned a different message")

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
