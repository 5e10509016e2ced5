#!/usr/bin/env python
"""Throughput and latency of the wallet's P2P transfer action.

Measures the full action (`walletdesk.payments.operations.transfer`: idempotency key, recipient
lookup, fee, limits and usage counter, row locks, balanced entry, both customers' records, the
debit alert) on SQLite with 1 client and on PostgreSQL with
1 and 8 concurrent clients (separate processes), and, in the same run on the same PostgreSQL, a raw
psycopg TPC-B-like transaction (two balance updates and a history insert) as the reference. The
8-client transfer and reference runs alternate for --rounds rounds, and the round with the median
ratio is reported (each round's figures are in "rounds").

    .venv/bin/python benchmarks/ledger.py [--seconds 10] [--wallets 200] [--rounds 5]

Prints a report, draws benchmarks/out/ledger.png, and prints one JSON object as the last line:
{"sqlite_1": {tps, p50_ms, p99_ms}, "postgres_1": {...}, "postgres_8": {..., raw_tps, ratio_to_raw}}
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# Its own database, recreated by each run (BENCH_PG_DB: another name, e.g. on a shared machine).
PG_BENCH_DB = os.environ.get("BENCH_PG_DB", "walletdesk_bench")


def log(message: str) -> None:
    print(message, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarise(latencies: list[float], elapsed: float) -> dict[str, Any]:
    return {
        "tps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "n": len(latencies),
    }


class CpuMeter:
    """CPU time used while clients run: by the whole machine and by the client processes.

    The difference is mostly the database server (on this machine, nothing else runs). Linux
    only (/proc/stat); elsewhere the figures are left out."""

    def __init__(self) -> None:
        self.machine = self._machine()
        self.stolen = self.steal()
        self.started = time.perf_counter()
        times = os.times()
        self.children = times.children_user + times.children_system

    @staticmethod
    def _cpu_fields() -> list[float] | None:
        """The machine's CPU time counters in seconds (/proc/stat's first line)."""
        try:
            with open("/proc/stat") as stat:
                ticks = [int(v) for v in stat.readline().split()[1:]]
        except OSError:
            return None
        return [tick / os.sysconf("SC_CLK_TCK") for tick in ticks]

    @classmethod
    def _machine(cls) -> float | None:
        # user, nice, system, irq, softirq: not idle, I/O wait or steal (time the hypervisor
        # gave to other machines, which is high on busy shared hosts).
        fields = cls._cpu_fields()
        return None if fields is None else sum(fields[i] for i in (0, 1, 2, 5, 6))

    @classmethod
    def steal(cls) -> float | None:
        fields = cls._cpu_fields()
        return None if fields is None else fields[7]

    def per_operation(self, operations: int) -> dict[str, float]:
        machine = self._machine()
        times = os.times()
        children = times.children_user + times.children_system - self.children
        if machine is None or self.machine is None or not operations:
            return {}
        total = (machine - self.machine) / operations * 1000
        clients = children / operations * 1000
        figures = {"cpu_ms": round(total, 3), "client_cpu_ms": round(clients, 3)}
        stolen = self.steal()
        if stolen is not None and self.stolen is not None:
            capacity = (time.perf_counter() - self.started) * (os.cpu_count() or 1)
            figures["steal_pct"] = round((stolen - self.stolen) / capacity * 100, 1)
        return figures


def collect(procs: list[Any], queue: Any) -> list[Any]:
    """Each client's results; stops with an error (instead of waiting forever) if one died."""
    import queue as queue_module

    results: list[Any] = []
    while len(results) < len(procs):
        try:
            results.append(queue.get(timeout=1.0))
        except queue_module.Empty:
            dead = [p for p in procs if p.exitcode not in (None, 0)]
            if dead:
                for proc in procs:
                    proc.kill()
                raise SystemExit(f"{len(dead)} benchmark client(s) failed (see above)") from None
    return results


# --- Worker side (runs inside a process with Django set up for one database) -------------------


def _django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _prepare(wallets: int) -> list[tuple[int, str]]:
    from django.core.management import call_command

    from walletdesk.core.money import Money
    from walletdesk.identity.models import User
    from walletdesk.payments import wallets as wallet_actions
    from walletdesk.payments.models import LimitRule
    from walletdesk.payments.tests.factories import credit_wallet

    call_command("migrate", verbosity=0)
    # Limits for verified customers, so the limit check and the usage counter are part of every
    # transfer measured. The daily limit is the demo's ×10: a fast machine makes some 500
    # transfers per wallet in one run, more than any customer's day.
    LimitRule.objects.get_or_create(
        operation="transfer",
        kyc_level=2,
        currency="CNY",
        defaults={"per_transaction": 50_000_00, "per_day": 2_000_000_00},
    )
    users = []
    for n in range(wallets):
        phone = f"+8613700{n:06d}"
        user = User.objects.filter(login_name=phone).first() or User.objects.create_user(
            phone, None, phone=phone
        )
        wallet_actions.open_wallet(user.pk)
        credit_wallet(user.pk, Money(1_000_000_00, "CNY"))
        users.append((user.pk, user.login_name))
    return users


def _client(
    users: list[tuple[int, str]], seconds: float, seed: int, run_id: str, queue: Any
) -> None:
    from django.db import connections

    from walletdesk.core.errors import WalletDeskError
    from walletdesk.payments import operations

    connections.close_all()
    rng = random.Random(seed)
    latencies: list[float] = []
    refused = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        (sender, _), (_, recipient) = rng.sample(users, 2)
        started = time.perf_counter()
        try:
            outcome = operations.transfer(
                # As on the API path, where the signed-in user's row (and with it the outflow
                # hold and the look-up pause: none for these accounts) is loaded by
                # authentication, not by the action.
                payer=operations.Payer.customer(
                    sender, kyc_level=2, outflow_hold=None, recipient_lookups_paused=False
                ),
                recipient=recipient,
                amount=f"{rng.randint(1, 500)}.{rng.randint(0, 99):02d}",
                currency="CNY",
                # Unique per run: a key from an earlier run on the same database would be an
                # idempotent replay, which moves no money and costs a fraction of a transfer.
                idempotency_key=f"bench-{run_id}-{seed}-{len(latencies)}-{refused}",
                # What is measured is the money movement: the customer's payment password is
                # verified before it (argon2, on purpose slow) and would swamp the figures.
                confirmed=True,
            )
        except WalletDeskError:
            refused += 1
            continue
        if outcome.replayed:
            raise SystemExit("a measured transfer was an idempotent replay: keys must be unique")
        latencies.append(time.perf_counter() - started)
    queue.put((latencies, refused))


def run_transfers(database_url: str, clients: int, seconds: float, wallets: int) -> dict[str, Any]:
    _django(database_url)
    from django.core.management import call_command
    from django.db import connections

    users = _prepare(wallets)
    connections.close_all()
    run_id = uuid.uuid4().hex
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    meter = CpuMeter()
    started = time.perf_counter()
    procs = [
        ctx.Process(target=_client, args=(users, seconds, 1000 + i, run_id, queue))
        for i in range(clients)
    ]
    for proc in procs:
        proc.start()
    results = collect(procs, queue)
    for proc in procs:
        proc.join()
    elapsed = time.perf_counter() - started
    latencies = [value for lat, _ in results for value in lat]
    summary = summarise(latencies, elapsed)
    summary.update(meter.per_operation(len(latencies)))
    summary["refused"] = sum(r for _, r in results)
    try:
        call_command("ledger_check", verbosity=0)
        summary["ledger_check"] = "ok"
    except Exception as exc:
        summary["ledger_check"] = f"FAILED: {exc}"
    return summary


# --- Raw psycopg reference ----------------------------------------------------------------------


def _raw_client(dsn: str, accounts: int, seconds: float, seed: int, queue: Any) -> None:
    import psycopg

    rng = random.Random(seed)
    latencies: list[float] = []
    with psycopg.connect(dsn, autocommit=False) as conn:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            a, b = rng.sample(range(1, accounts + 1), 2)
            amount = rng.randint(1, 50_000)
            # Both rows are updated in id order (as the ledger locks them): two transfers in
            # opposite directions would otherwise deadlock.
            updates = sorted([(a, -amount), (b, amount)])
            started = time.perf_counter()
            with conn.cursor() as cur:
                for account, delta in updates:
                    cur.execute(
                        "UPDATE bench_accounts SET balance = balance + %s WHERE id = %s",
                        (delta, account),
                    )
                cur.execute(
                    "INSERT INTO bench_history (src, dst, amount, created_at) "
                    "VALUES (%s, %s, %s, now())",
                    (a, b, amount),
                )
            conn.commit()
            latencies.append(time.perf_counter() - started)
    queue.put((latencies, 0))


def run_raw(dsn: str, clients: int, seconds: float, accounts: int) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_history; DROP TABLE IF EXISTS bench_accounts")
        conn.execute("CREATE TABLE bench_accounts (id int PRIMARY KEY, balance bigint NOT NULL)")
        conn.execute(
            "CREATE TABLE bench_history (id bigserial PRIMARY KEY, src int, dst int, "
            "amount bigint, created_at timestamptz)"
        )
        conn.execute(
            "INSERT INTO bench_accounts SELECT g, 100000000 FROM generate_series(1, %s) g",
            (accounts,),
        )
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    meter = CpuMeter()
    started = time.perf_counter()
    procs = [
        ctx.Process(target=_raw_client, args=(dsn, accounts, seconds, 500 + i, queue))
        for i in range(clients)
    ]
    for proc in procs:
        proc.start()
    results = collect(procs, queue)
    for proc in procs:
        proc.join()
    latencies = [v for lat, _ in results for v in lat]
    summary = summarise(latencies, time.perf_counter() - started)
    summary.update(meter.per_operation(len(latencies)))
    return summary


# --- Orchestration ------------------------------------------------------------------------------


def attach_reference(result: dict[str, Any], raw: dict[str, Any]) -> None:
    """The raw reference's figures, measured right after the transfers, and the ratio."""
    result["raw_tps"] = raw["tps"]
    result["raw_p99_ms"] = raw["p99_ms"]
    result["raw_cpu_ms"] = raw.get("cpu_ms")
    result["raw_steal_pct"] = raw.get("steal_pct", 0.0)
    result["ratio_to_raw"] = round(result["tps"] / raw["tps"], 3)


def _subrun(kind: str, url: str, clients: int, seconds: float, wallets: int) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "_run",
        kind,
        url,
        str(clients),
        str(seconds),
        str(wallets),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(f"benchmark step {kind} {clients} failed (see above)")
    summary: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return summary


def recreate_pg_database() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
        # As docs/deployment.md recommends for SSD storage; the raw reference runs on the same
        # database, so it has the same setting.
        conn.execute(f"ALTER DATABASE {PG_BENCH_DB} SET random_page_cost = 1.1")
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_BENCH_DB}"


def draw_chart(results: dict[str, dict[str, Any]]) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    OUT.mkdir(parents=True, exist_ok=True)
    labels = [
        "SQLite, 1 client",
        "PostgreSQL, 1 client",
        "PostgreSQL, 8 clients",
        "raw psycopg, 8 clients",
    ]
    tps = [
        results["sqlite_1"]["tps"],
        results["postgres_1"]["tps"],
        results["postgres_8"]["tps"],
        results["postgres_8"]["raw_tps"],
    ]
    p99 = [
        results["sqlite_1"]["p99_ms"],
        results["postgres_1"]["p99_ms"],
        results["postgres_8"]["p99_ms"],
        results["postgres_8"]["raw_p99_ms"],
    ]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.barh(labels, tps, color=["#8aa4d6", "#3a7bff", "#1556d6", "#999999"])
    target = 0.40 * results["postgres_8"]["raw_tps"]
    left.axvline(target, color="#c62f3a", linestyle="--", label="target: 40 % of raw, 8 clients")
    left.set_xlabel("transfers per second")
    left.set_title(f"Throughput (8 clients: {results['postgres_8']['ratio_to_raw']:.0%} of raw)")
    left.legend(loc="lower right")
    right.barh(labels, p99, color=["#8aa4d6", "#3a7bff", "#1556d6", "#999999"])
    right.axvline(50, color="#c62f3a", linestyle="--", label="p99 target 50 ms")
    right.set_xlabel("p99 latency (ms)")
    right.set_title("Tail latency")
    right.legend()
    fig.tight_layout()
    path = OUT / "ledger.png"
    fig.savefig(path, dpi=110)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--wallets", type=int, default=200)
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="8-client rounds (transfers, then raw); the round with the median ratio is reported",
    )
    args = parser.parse_args()

    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        log(f"[1/3] SQLite, 1 client, {args.seconds:.0f} s …")
        results["sqlite_1"] = _subrun(
            "transfers", f"sqlite:///{tmp}/bench.sqlite3", 1, args.seconds, args.wallets
        )
    pg_url = recreate_pg_database()
    log(f"[2/3] PostgreSQL, 1 client, then raw psycopg, {args.seconds:.0f} s each …")
    results["postgres_1"] = _subrun("transfers", pg_url, 1, args.seconds, args.wallets)
    attach_reference(results["postgres_1"], _subrun("raw", pg_url, 1, args.seconds, args.wallets))
    # The 8-client pair runs back to back, several times: the host's speed drifts over a minute
    # (other machines share it), and the ratio should compare the two under the same conditions.
    rounds: list[dict[str, Any]] = []
    for round_number in range(1, args.rounds + 1):
        log(
            f"[3/3] PostgreSQL, 8 clients, then raw psycopg, {args.seconds:.0f} s each "
            f"(round {round_number}/{args.rounds}) …"
        )
        transfers = _subrun("transfers", pg_url, 8, args.seconds, args.wallets)
        attach_reference(transfers, _subrun("raw", pg_url, 8, args.seconds, args.wallets))
        rounds.append(transfers)
        log(
            f"      {transfers['tps']} transfers/s, raw {transfers['raw_tps']}/s, "
            f"ratio {transfers['ratio_to_raw']}"
        )
    # The round with the median ratio: both of its figures were measured under the same
    # conditions, which a ratio of separate medians would not promise.
    by_ratio = sorted(rounds, key=lambda run: run["ratio_to_raw"])
    results["postgres_8"] = dict(by_ratio[(len(by_ratio) - 1) // 2])
    failed_checks = [run["ledger_check"] for run in rounds if run["ledger_check"] != "ok"]
    results["postgres_8"].update(
        ledger_check=failed_checks[0] if failed_checks else "ok",
        steal_pct=max(run.get("steal_pct", 0.0) for run in rounds),
        raw_steal_pct=max(run["raw_steal_pct"] for run in rounds),
        rounds=[
            {"tps": run["tps"], "raw_tps": run["raw_tps"], "ratio": run["ratio_to_raw"]}
            for run in rounds
        ],
    )

    log("")
    log(
        f"{'run':<12} {'tps':>9} {'p50 ms':>8} {'p99 ms':>8} {'raw tps':>9} {'ratio':>6}"
        "  ledger_check"
    )
    for key, row in results.items():
        log(
            f"{key:<12} {row['tps']:>9} {row['p50_ms']:>8} {row['p99_ms']:>8} "
            f"{row.get('raw_tps', '-'):>9} {row.get('ratio_to_raw', '-'):>6}  {row['ledger_check']}"
        )
    log(
        "8-client rounds (transfers/s, raw/s, ratio): "
        + "; ".join(
            f"{r['tps']}, {r['raw_tps']}, {r['ratio']}" for r in results["postgres_8"]["rounds"]
        )
    )
    stolen = max(
        [row.get("steal_pct", 0.0) for row in results.values()]
        + [row.get("raw_steal_pct", 0.0) for row in results.values()]
    )
    if stolen > 5:
        log(
            f"warning: the host took up to {stolen:.0f} % of this machine's CPU during the runs "
            "(steal time); the figures are not comparable with quiet runs. Run again later."
        )
    chart = draw_chart(results)
    if chart:
        log(f"chart: {chart.relative_to(ROOT)}")
    print(json.dumps(results))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_run":
        kind, url, clients, seconds, wallets = (
            sys.argv[2],
            sys.argv[3],
            int(sys.argv[4]),
            float(sys.argv[5]),
            int(sys.argv[6]),
        )
        if kind == "raw":
            summary = run_raw(
                url.replace("postgres://", "postgresql://"), clients, seconds, wallets
            )
        else:
            summary = run_transfers(url, clients, seconds, wallets)
        print(json.dumps(summary))
    else:
        main()
