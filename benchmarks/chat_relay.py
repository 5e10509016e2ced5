"""The reference for benchmarks/chat.py: a bare `websockets` relay doing the chat's fan-out with
nothing else (no database, no sessions, no channel layer), speaking just enough of the chat
protocol (`join`, `send` → `ack` to the sender and a `message` frame to whoever joined the
conversation) for the benchmark's own clients to drive it unchanged.

    .venv/bin/python benchmarks/chat_relay.py --port 8765
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import defaultdict
from typing import Any

from websockets.asyncio.server import ServerConnection, serve

followers: defaultdict[str, set[ServerConnection]] = defaultdict(set)
last_seq: defaultdict[str, int] = defaultdict(int)


async def handle(ws: ServerConnection) -> None:
    joined: set[str] = set()
    try:
        async for raw in ws:
            frame: dict[str, Any] = json.loads(raw)
            conversation = str(frame.get("conversation", ""))
            if frame.get("type") == "join":
                followers[conversation].add(ws)
                joined.add(conversation)
                await ws.send(json.dumps({"type": "joined", "conversation": conversation}))
            elif frame.get("type") == "send":
                last_seq[conversation] += 1
                seq = last_seq[conversation]
                await ws.send(
                    json.dumps(
                        {
                            "type": "ack",
                            "conversation": conversation,
                            "client_id": frame["client_id"],
                            "seq": seq,
                        }
                    )
                )
                message = json.dumps(
                    {
                        "type": "message",
                        "conversation": conversation,
                        "seq": seq,
                        "author": "customer",
                        "client_id": frame["client_id"],
                        "text": frame.get("text", ""),
                    }
                )
                for other in list(followers[conversation]):
                    if other is not ws:
                        await other.send(message)
    finally:
        for conversation in joined:
            followers[conversation].discard(ws)


async def main(port: int) -> None:
    async with serve(handle, "127.0.0.1", port, max_queue=None):
        await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
