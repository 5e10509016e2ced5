"""The production channel layer (Redis) keeps an idle socket's receive alive."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from channels.layers import get_channel_layer
from django.conf import settings

needs_redis = pytest.mark.skipif(
    not settings.REDIS_URL, reason="the embedded default's channel layer is in-memory"
)


@needs_redis
def test_an_idle_receive_outlasts_the_blocking_pop_and_still_gets_the_next_message(
    settings: Any,
) -> None:
    # A consumer's receive blocks on Redis for up to 5 s at a time. With redis-py 8's default
    # 5 s read timeout the read gave up first and raised, which tore every quiet socket down.
    settings.CHANNEL_LAYERS = {
        "default": {
            **settings.CHANNEL_LAYERS["default"],
            "CONFIG": {
                **settings.CHANNEL_LAYERS["default"]["CONFIG"],
                "prefix": f"wdtest:{uuid.uuid4().hex[:12]}",
            },
        }
    }

    async def scenario() -> dict[str, Any]:
        layer = get_channel_layer()
        assert layer is not None
        channel = await layer.new_channel()
        receiving = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(7)  # longer than the pop and than redis-py's default read timeout
        assert not receiving.done(), receiving.exception()
        await layer.send(channel, {"type": "hello", "n": 1})
        message: dict[str, Any] = await asyncio.wait_for(receiving, 5)
        await layer.flush()
        return message

    # A loop of its own in a thread of its own (Playwright's sync API may have left one running
    # in this worker's thread).
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, scenario()).result() == {"type": "hello", "n": 1}


@needs_redis
def test_many_sockets_joining_at_once_do_not_run_out_of_redis_connections(
    settings: Any,
) -> None:
    # After a restart every socket of a process reconnects and joins its groups at the same
    # moment; redis-py 8's pools allow 100 connections unless told otherwise and then refuse.
    settings.CHANNEL_LAYERS = {
        "default": {
            **settings.CHANNEL_LAYERS["default"],
            "CONFIG": {
                **settings.CHANNEL_LAYERS["default"]["CONFIG"],
                "prefix": f"wdtest:{uuid.uuid4().hex[:12]}",
            },
        }
    }

    async def scenario() -> int:
        layer = get_channel_layer()
        assert layer is not None
        channels = [await layer.new_channel() for _ in range(300)]
        await asyncio.gather(*(layer.group_add(f"g{n % 7}", c) for n, c in enumerate(channels)))
        await layer.group_send("g0", {"type": "hello"})
        received = await asyncio.wait_for(layer.receive(channels[0]), 5)
        await layer.flush()
        return 1 if received == {"type": "hello"} else 0

    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, scenario()).result() == 1
