#!/usr/bin/env python
"""The support desk at scale: the agent list, the ticket detail, auto-assignment and the SLA sweep.

On PostgreSQL and on SQLite, generates a desk (by default 200,000 tickets with one message each,
1,000,000 timeline rows, SLA timers on every open ticket) in its own database, then measures:

- the agent list: open tickets with one filter (a team, an agent's own, a topic, high priority or
  none), sorted by SLA due, first page of 50 — p50/p99;
- the ticket detail: the ticket with its category, team and assignee, its messages, timeline and
  SLA timers — p50/p99;
- auto-assignment throughput: --workers processes (own connections) running the beat job's
  `assignment.auto_assign` at once until the unassigned queues are empty (SQLite: 1 worker, as
  writers are serialised there anyway);
- the SLA sweep (`sla.sweep`) over --sweep open tickets whose timers are due (each records a
  warning and a breach, and the automation rules run on each).

    .venv/bin/python benchmarks/tickets.py [--tickets 200000] [--backends postgres,sqlite]

Uses its own databases: PostgreSQL `wd_bench_tickets` (or BENCH_PG_DB; created and dropped
here; the server from BENCH_PG_ADMIN_URL) and a SQLite file in a temporary directory; never the
dev database.
Prints progress and a table, draws benchmarks/out/tickets.png when matplotlib is installed, and
prints one JSON object as the last line:
{"postgres": {list_p50_ms, list_p99_ms, detail_p50_ms, detail_p99_ms, assign_per_s, sla_sweep_s,
...}, "sqlite": {...}}
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# Own database name per checkout when several people benchmark on one server.
PG_BENCH_DB = os.environ.get("BENCH_PG_DB", "wd_bench_tickets")
BATCH = 5_000
PAGE = 50
TEAMS = 4
AGENTS_PER_TEAM = 10
OPEN_SHARE = 0.2  # a fifth of the desk is open (new, open, pending, on hold)


def log(message: str) -> None:
    print(message, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- Generating the desk ------------------------------------------------------------------------


def _progress(label: str, done: int, total: int, started: float) -> None:
    if done == total or done % (BATCH * 10) == 0:
        rate = done / max(time.perf_counter() - started, 1e-9)
        log(f"      {label}: {done:,}/{total:,} ({rate:,.0f} rows/s)")


def generate(tickets: int, events_per_ticket: int, sweep: int, assign: int, seed: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    from walletdesk.identity.enums import Role
    from walletdesk.identity.models import User
    from walletdesk.tickets.enums import (
        Channel,
        EventKind,
        Priority,
        SlaMetric,
        TicketKind,
        TicketStatus,
        TimerState,
        Visibility,
    )
    from walletdesk.tickets.models import (
        AssignmentStrategy,
        BusinessCalendar,
        Category,
        SlaPolicy,
        SlaTimer,
        Team,
        TeamMembership,
        Ticket,
        TicketEvent,
        TicketMessage,
    )

    rng = random.Random(seed)
    call_command("migrate", verbosity=0)
    no_password = make_password(None)
    log("      schema ready; creating customers, agents and teams")
    customers = User.objects.bulk_create(
        User(login_name=f"+86139{n:08d}", phone=f"+86139{n:08d}", password=no_password)
        for n in range(2_000)
    )
    agents = User.objects.bulk_create(
        User(login_name=f"agent{n}@bench.invalid", role=Role.AGENT, password=no_password)
        for n in range(TEAMS * AGENTS_PER_TEAM)
    )
    calendar = BusinessCalendar.objects.get(name="24x7")
    teams = [
        Team.objects.create(
            name=f"bench-{n}",
            title_zh=f"测试组 {n}",
            title_en=f"Bench {n}",
            calendar=calendar,
            strategy=AssignmentStrategy.LEAST_LOADED if n % 2 else AssignmentStrategy.ROUND_ROBIN,
        )
        for n in range(TEAMS)
    ]
    for index, agent in enumerate(agents):
        TeamMembership.objects.create(
            team=teams[index % TEAMS], agent=agent, capacity=30_000, available=True
        )
    leaves = list(Category.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    policy = SlaPolicy.objects.get(name="标准 Standard")
    open_statuses = [
        TicketStatus.NEW,
        TicketStatus.OPEN,
        TicketStatus.PENDING,
        TicketStatus.ON_HOLD,
    ]
    now = datetime.now(tz=UTC)
    open_count = int(tickets * OPEN_SHARE)
    assign = min(assign, open_count - sweep) if open_count > sweep else 0

    log(f"      tickets: {tickets:,} ({open_count:,} open, {assign:,} waiting in team queues)")
    started = time.perf_counter()
    for start in range(0, tickets, BATCH):
        rows = []
        for n in range(start, min(start + BATCH, tickets)):
            created = now - timedelta(minutes=rng.randint(10, 60 * 24 * 365))
            is_open = n < open_count
            status = (
                rng.choice(open_statuses)
                if is_open
                else rng.choice([TicketStatus.SOLVED, TicketStatus.CLOSED])
            )
            waiting = sweep <= n < sweep + assign
            rows.append(
                Ticket(
                    number=f"WD-{created:%y%m}-{n + 1:06d}",
                    kind=TicketKind.COMPLAINT if n % 50 == 0 else TicketKind.QUESTION,
                    channel=rng.choice(Channel.values),
                    status=TicketStatus.OPEN if waiting else status,
                    priority=rng.choice(Priority.values),
                    customer_id=rng.choice(customers).pk,
                    subject=f"工单 {n}",
                    category_id=rng.choice(leaves),
                    team=rng.choice(teams),
                    assignee_id=None if waiting else rng.choice(agents).pk,
                    created_at=created,
                    updated_at=created,
                    solved_at=None if is_open else created + timedelta(hours=5),
                    sla_due_at=(
                        now + timedelta(minutes=rng.randint(-600, 6000)) if is_open else None
                    ),
                )
            )
        Ticket.objects.bulk_create(rows, batch_size=BATCH)
        _progress("tickets", start + len(rows), tickets, started)

    ids = list(Ticket.objects.order_by("pk").values_list("pk", "created_at", "status"))
    started = time.perf_counter()
    for start in range(0, len(ids), BATCH):
        TicketMessage.objects.bulk_create(
            (
                TicketMessage(
                    ticket_id=pk,
                    author_kind="customer",
                    visibility=Visibility.PUBLIC,
                    body="提现三天了还没到账，请帮忙查一下。",
                    created_at=created,
                )
                for pk, created, _status in ids[start : start + BATCH]
            ),
            batch_size=BATCH,
        )
        _progress("messages", min(start + BATCH, len(ids)), len(ids), started)

    total_events = len(ids) * events_per_ticket
    kinds = [EventKind.CREATED, EventKind.MESSAGE, EventKind.ASSIGNEE, EventKind.STATUS]
    started = time.perf_counter()
    written = 0
    per_batch = max(BATCH // events_per_ticket, 1)
    for start in range(0, len(ids), per_batch):
        rows_e = [
            TicketEvent(
                ticket_id=pk,
                actor="system",
                kind=kinds[k % len(kinds)] if k else EventKind.CREATED,
                to_value="open",
                created_at=created + timedelta(minutes=k),
            )
            for pk, created, _status in ids[start : start + per_batch]
            for k in range(events_per_ticket)
        ]
        TicketEvent.objects.bulk_create(rows_e, batch_size=BATCH)
        written += len(rows_e)
        _progress("timeline rows", written, total_events, started)

    # Timers on every open ticket: the first --sweep are due (warning and deadline passed), the
    # others run on.
    open_ids = [pk for pk, _created, status in ids if status in open_statuses]
    started = time.perf_counter()
    for start in range(0, len(open_ids), BATCH):
        timers = []
        for offset, pk in enumerate(open_ids[start : start + BATCH]):
            due = start + offset < sweep
            begun = now - timedelta(hours=6 if due else 1)
            timers.append(
                SlaTimer(
                    ticket_id=pk,
                    metric=SlaMetric.RESOLUTION,
                    policy=policy,
                    target_minutes=240,
                    business_hours=False,
                    calendar="24x7",
                    state=TimerState.RUNNING,
                    started_at=begun,
                    run_started_at=begun,
                    due_at=begun + timedelta(minutes=240),
                    warn_at=begun + timedelta(minutes=180),
                )
            )
        SlaTimer.objects.bulk_create(timers, batch_size=BATCH)
        _progress("SLA timers", min(start + BATCH, len(open_ids)), len(open_ids), started)

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --- Measuring ----------------------------------------------------------------------------------


def _timed(samples: int, step: Any) -> tuple[float, float]:
    latencies = []
    for n in range(samples):
        started = time.perf_counter()
        step(n)
        latencies.append((time.perf_counter() - started) * 1000)
    return round(percentile(latencies, 0.5), 2), round(percentile(latencies, 0.99), 2)


def measure_reads(samples: int, seed: int) -> dict[str, Any]:
    from django.db.models import F

    from walletdesk.tickets.enums import OPEN_STATUSES, Priority
    from walletdesk.tickets.models import Category, Team, Ticket, TicketMessage

    rng = random.Random(seed)
    teams = list(Team.objects.filter(name__startswith="bench-").values_list("pk", flat=True))
    agents = list(
        Ticket.objects.filter(assignee__isnull=False)
        .values_list("assignee_id", flat=True)
        .distinct()[:40]
    )
    tops = list(Category.objects.filter(parent__isnull=True).values_list("pk", flat=True))
    max_pk = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 1

    def desk_page(n: int) -> None:
        queryset = Ticket.objects.filter(status__in=OPEN_STATUSES)
        choice = n % 5
        if choice == 0:
            queryset = queryset.filter(team_id=rng.choice(teams))
        elif choice == 1:
            queryset = queryset.filter(assignee_id=rng.choice(agents))
        elif choice == 2:
            queryset = queryset.filter(category__parent_id=rng.choice(tops))
        elif choice == 3:
            queryset = queryset.filter(priority__gte=Priority.HIGH)
        page = list(
            queryset.select_related("category", "assignee", "team").order_by(
                F("sla_due_at").asc(nulls_last=True), "pk"
            )[:PAGE]
        )
        assert len(page) <= PAGE

    numbers = list(
        Ticket.objects.filter(pk__in=[rng.randint(1, max_pk) for _ in range(samples)]).values_list(
            "number", flat=True
        )
    ) or list(Ticket.objects.values_list("number", flat=True)[:10])

    def detail(n: int) -> None:
        ticket = Ticket.objects.select_related(
            "category", "category__parent", "assignee", "team", "customer"
        ).get(number=numbers[n % len(numbers)])
        list(TicketMessage.objects.filter(ticket=ticket).order_by("created_at"))
        list(ticket.events.order_by("created_at", "pk"))
        list(ticket.sla_timers.order_by("metric", "cycle"))
        list(ticket.links.all())

    # Warm the caches (and the plan cache) the way a desk in use would be.
    _timed(20, desk_page)
    _timed(20, detail)
    list_p50, list_p99 = _timed(samples, desk_page)
    detail_p50, detail_p99 = _timed(samples, detail)
    return {
        "list_p50_ms": list_p50,
        "list_p99_ms": list_p99,
        "detail_p50_ms": detail_p50,
        "detail_p99_ms": detail_p99,
    }


def _assign_worker(database_url: str, barrier: Any, queue: Any) -> None:
    _django(database_url)
    from django.utils import timezone

    from walletdesk.tickets import assignment

    assigned: list[int] = []
    barrier.wait()
    idle = 0
    while idle < 3:
        batch = assignment.auto_assign(timezone.now(), batch=25)
        assigned.extend(item.ticket_id for item in batch)
        idle = 0 if batch else idle + 1
    queue.put(assigned)


def measure_assignment(database_url: str, workers: int) -> dict[str, Any]:
    from django.db import connections

    from walletdesk.tickets.models import Ticket

    waiting = Ticket.objects.filter(assignee__isnull=True, status="open").count()
    connections.close_all()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers + 1)
    queue = context.Queue()
    procs = [
        context.Process(target=_assign_worker, args=(database_url, barrier, queue))
        for _ in range(workers)
    ]
    for proc in procs:
        proc.start()
    barrier.wait()
    started = time.perf_counter()
    claimed: list[int] = []
    for _ in procs:
        claimed.extend(queue.get(timeout=3600))
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.join()
    if len(claimed) != len(set(claimed)):
        raise SystemExit("a ticket was assigned twice")
    return {
        "assign_per_s": round(len(claimed) / elapsed, 1),
        "assigned": len(claimed),
        "assign_waiting": waiting,
        "assign_workers": workers,
    }


def measure_sweep() -> dict[str, Any]:
    from django.utils import timezone

    from walletdesk.tickets import sla

    started = time.perf_counter()
    result = sla.sweep(timezone.now())
    elapsed = time.perf_counter() - started
    return {
        "sla_sweep_s": round(elapsed, 2),
        "sla_warned": result.warned,
        "sla_breached": result.breached,
    }


def run_backend(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    _django(database_url)
    from django.db import connection

    vendor = connection.vendor
    log(f"[{vendor}] generating the desk")
    started = time.perf_counter()
    generate(args.tickets, args.events_per_ticket, args.sweep, args.assign, args.seed)
    result: dict[str, Any] = {
        "tickets": args.tickets,
        "timeline_rows": args.tickets * args.events_per_ticket,
        "generate_s": round(time.perf_counter() - started, 1),
    }
    log(f"[{vendor}] desk ready in {result['generate_s']} s; agent list and ticket detail")
    result.update(measure_reads(args.samples, args.seed))
    workers = args.workers if vendor == "postgresql" else 1
    log(f"[{vendor}] auto-assignment, {workers} worker(s)")
    result.update(measure_assignment(database_url, workers))
    log(f"[{vendor}] SLA sweep")
    result.update(measure_sweep())
    return result


# --- Orchestration ------------------------------------------------------------------------------


def recreate_pg_database() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
        conn.execute(f"ALTER DATABASE {PG_BENCH_DB} SET random_page_cost = 1.1")
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_BENCH_DB}"


def drop_pg_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")


def _subrun(database_url: str, argv: list[str]) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "_backend", database_url, *argv]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None
    last = ""
    for line in process.stdout:
        line = line.rstrip("\n")
        if line.startswith("{"):
            last = line
        else:
            log(line)
    if process.wait() != 0 or not last:
        raise SystemExit(f"benchmark run on {database_url.split(':')[0]} failed (see above)")
    result: dict[str, Any] = json.loads(last)
    return result


def draw_chart(results: dict[str, dict[str, Any]]) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    OUT.mkdir(parents=True, exist_ok=True)
    backends = list(results)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    for axis, key in zip(axes, ("list", "detail"), strict=True):
        axis.bar(
            [f"{b} p50" for b in backends] + [f"{b} p99" for b in backends],
            [results[b][f"{key}_p50_ms"] for b in backends]
            + [results[b][f"{key}_p99_ms"] for b in backends],
            color="#3a7bff",
        )
        axis.axhline(50, color="#c62f3a", linestyle="--", label="p99 target 50 ms")
        axis.set_title(f"{key} (ms)")
        axis.legend()
    fig.tight_layout()
    path = OUT / "tickets.png"
    fig.savefig(path, dpi=110)
    return path


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--events-per-ticket", type=int, default=5, help="timeline rows each")
    parser.add_argument("--sweep", type=int, default=None, help="open tickets with due timers")
    parser.add_argument("--assign", type=int, default=None, help="tickets waiting in queues")
    parser.add_argument("--samples", type=int, default=500, help="requests per read measure")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--backends", default="postgres,sqlite")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--keep-database",
        action="store_true",
        help=f"leave the PostgreSQL database {PG_BENCH_DB} for EXPLAIN (dropped on the next run)",
    )
    args = parser.parse_args(argv)
    open_count = int(args.tickets * OPEN_SHARE)
    if args.sweep is None:
        args.sweep = min(20_000, open_count // 2)
    if args.assign is None:
        args.assign = min(10_000, open_count // 4)
    return args


def main() -> None:
    args = parse(sys.argv[1:])
    passthrough = sys.argv[1:]
    load = os.getloadavg()
    log(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")
    results: dict[str, dict[str, Any]] = {}
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if backend == "postgres":
            url = recreate_pg_database()
            try:
                results["postgres"] = _subrun(url, passthrough)
            finally:
                if not args.keep_database:
                    drop_pg_database()
        elif backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                results["sqlite"] = _subrun(f"sqlite:///{tmp}/bench_tickets.sqlite3", passthrough)
        else:
            raise SystemExit(f"unknown backend {backend} (postgres, sqlite)")

    log("")
    log(
        f"{'backend':<9} {'list p50':>9} {'p99':>7} {'detail p50':>11} {'p99':>7} "
        f"{'assign/s':>9} {'workers':>7} {'sweep s':>8}"
    )
    for name, row in results.items():
        log(
            f"{name:<9} {row['list_p50_ms']:>9} {row['list_p99_ms']:>7} "
            f"{row['detail_p50_ms']:>11} {row['detail_p99_ms']:>7} {row['assign_per_s']:>9} "
            f"{row['assign_workers']:>7} {row['sla_sweep_s']:>8}"
        )
    load = os.getloadavg()
    log(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    chart = draw_chart(results) if results else None
    if chart:
        log(f"chart: {chart.relative_to(ROOT)}")
    print(json.dumps(results))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "_backend":
        url = sys.argv[2]
        outcome = run_backend(url, parse(sys.argv[3:]))
        print(json.dumps(outcome), flush=True)
    else:
        main()
