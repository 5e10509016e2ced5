"""Assistant benchmark: latency of one full conversation turn (understanding, the customer's
data read through the facades, the reply, both messages stored) on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/assistant.py [--turns 400] [--only sqlite|postgres]
    BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/wd_assistant (the default)

Each backend runs in its own process: migrate, seed_demo, a warm-up, then the turns, round robin
over the demo customers and a fixed set of messages (balance, history, fees, a live FX quote,
failed top-ups and withdrawals, account state, how-to answers, greetings with the proactive
check). No LLM. The last line of stdout is one JSON object:
{"sqlite": {"turn_p50_ms", "turn_p99_ms"}, "postgres": {...}}.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CUSTOMERS = [
    "+8613800138000",
    "+8613900139001",
    "+8613700137002",
    "+8615800158003",
    "+8618600186004",
    "+8613600136005",
    "+85291234567",
    "+8617700177007",
]
MESSAGES = [
    "我余额多少",
    "提现失败了",
    "充值失败了怎么回事",
    "手续费怎么收",
    "美元汇率多少",
    "查一下最近的账单",
    "我账户为什么被冻结了",
    "怎么充值",
    "你好",
    "what's my balance",
    "my withdrawal failed",
    "how much is the fee to withdraw 1000",
    "show me my recent transactions",
    "how do I reset my payment password",
    "is the system down?",
]


def log(message: str) -> None:
    print(message, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def child(turns: int, backend: str) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    import io

    from django.core.management import call_command

    from walletdesk.assistant.dialogue.engine import handle_turn
    from walletdesk.identity import facade as identity

    log(f"[{backend}] migrating …")
    call_command("migrate", verbosity=0, interactive=False)
    # A fresh clone has no trained model yet (make run trains it); train it here, once.
    log(f"[{backend}] training the assistant's model if it is missing …")
    call_command("nlu_train", if_missing=True)
    log(f"[{backend}] seeding the demo data …")
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    ids = [identity.customer_id_for_login(login) for login in CUSTOMERS]
    customers = [i for i in ids if i is not None]
    log(f"[{backend}] warming up …")
    for message in MESSAGES:
        handle_turn(customer_id=customers[0], text=message)
    timings: list[float] = []
    conversations: dict[int, str] = {}
    for n in range(turns):
        customer = customers[n % len(customers)]
        message = MESSAGES[(n // len(customers)) % len(MESSAGES)]
        started = time.perf_counter()
        result = handle_turn(
            customer_id=customer, text=message, conversation=conversations.get(customer)
        )
        timings.append((time.perf_counter() - started) * 1000)
        # A conversation of a few turns, then a new one (as people do).
        conversations[customer] = result.conversation if n % 5 else ""
        conversations = {k: v for k, v in conversations.items() if v}
        if (n + 1) % 50 == 0:
            log(f"[{backend}] {n + 1}/{turns} turns, p50 so far {percentile(timings, 50):.1f} ms")
    return {
        "turn_p50_ms": round(percentile(timings, 50), 2),
        "turn_p99_ms": round(percentile(timings, 99), 2),
        "turns": turns,
    }


def run_backend(backend: str, turns: int, workdir: Path) -> dict[str, Any] | None:
    env = dict(os.environ)
    if backend == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        env["DATABASE_URL"] = os.environ.get(
            "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/wd_assistant"
        )
        recreate_pg_database(env["DATABASE_URL"])
    env["WALLETDESK_VAR_DIR"] = env.get("WALLETDESK_VAR_DIR", str(ROOT / "var"))
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", backend, "--turns", str(turns)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    last = ""
    for line in process.stdout:
        line = line.rstrip("\n")
        if line.startswith("{"):
            last = line
        else:
            log(line)  # progress as it comes
    if process.wait() != 0 or not last:
        log(f"[{backend}] failed (exit {process.returncode}); its output is above")
        return None
    figures: dict[str, Any] = json.loads(last)
    return figures


def recreate_pg_database(url: str) -> None:
    """A fresh benchmark database each run (the server at `url` must be running)."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=400)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.turns, args.child)), flush=True)
        return 0
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("sqlite", "postgres"):
            if args.only and backend != args.only:
                continue
            log(f"== {backend}: {args.turns} turns")
            results[backend] = run_backend(backend, args.turns, Path(tmp))
    print(json.dumps(results), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
