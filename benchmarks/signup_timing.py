"""How long a sign-up request takes for a registered and for a new phone number.

Issue 12 measured 0.05 s against 0.5 s: the registered number skipped the password hasher, so the
clock told which numbers have accounts. The request now does the same work either way (the tests
count it: `walletdesk/identity/tests/test_signup_work.py`); this script measures what is left of
the spread, with the production hasher (Argon2id, m=102 400 KiB) on a throw-away SQLite database.

Samples alternate between the two kinds (so drift in machine load hits both), each from its own
client IP (the sign-up limit is per IP). The job each request queues runs on a worker in
production and is timed separately (`job_*`): no client waits for it.

    .venv/bin/python benchmarks/signup_timing.py [--samples 30]

Last stdout line: one JSON object with `samples`, `registered_ms` and `new_ms` ({p50, mean, p90}),
`median_spread_ms`, `median_spread_pct`, `mean_spread_ms`, and `job_registered_ms` / `job_new_ms`
(p50).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a quiet river at dawn"  # noqa: S105  (a throw-away account)
REGISTERED = "+8613800000001"


def _setup(folder: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/signup.sqlite3"
    os.environ["WALLETDESK_VAR_DIR"] = folder
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["DJANGO_DEBUG"] = "0"
    # Jobs are queued in memory and not run: in production a worker runs them after the response.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _figures(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 2),
        "mean": round(statistics.fmean(ordered), 2),
        "p90": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))], 2),
    }


def measure(samples: int) -> dict[str, Any]:
    from django.conf import settings
    from django.test import Client

    from walletdesk.identity import actions
    from walletdesk.identity.audit import RequestMeta
    from walletdesk.identity.models import User

    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    User.objects.create_user(REGISTERED, PASSWORD, phone=REGISTERED, is_active=True)

    def post(identifier: str, ip: str) -> float:
        client = Client(HTTP_HOST="localhost", REMOTE_ADDR=ip)
        body = {"identifier": identifier, "password": PASSWORD, "display_name": ""}
        started = time.perf_counter()
        response = client.post("/account/signup/", body)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 302, (response.status_code, response.content[:300])
        return elapsed

    for warm in range(2):
        post(REGISTERED, f"10.255.0.{warm}")
        post(f"1390001{warm:04d}", f"10.255.1.{warm}")

    registered: list[float] = []
    new: list[float] = []
    for n in range(samples):
        pair = [("registered", REGISTERED), ("new", f"1390000{n:04d}")]
        if n % 2:
            pair.reverse()
        for kind, identifier in pair:
            elapsed = post(identifier, f"10.{n // 250}.{n % 250}.{1 if kind == 'new' else 2}")
            (registered if kind == "registered" else new).append(elapsed)

    # The worker's side, for the record: what the queued job costs for each kind.
    meta = RequestMeta(ip="10.254.0.1", user_agent="benchmark")
    password_hash = User.objects.get(login_name=REGISTERED).password
    job_registered: list[float] = []
    job_new: list[float] = []
    for n in range(min(samples, 10)):
        for kind, login_name in (("registered", REGISTERED), ("new", f"+86139000{n + 9000:04d}")):
            started = time.perf_counter()
            actions.register_signup(login_name, password_hash, "", meta=meta)
            elapsed = (time.perf_counter() - started) * 1000
            (job_registered if kind == "registered" else job_new).append(elapsed)

    reg, fresh = _figures(registered), _figures(new)
    spread = abs(reg["p50"] - fresh["p50"])
    return {
        "samples": samples,
        "hasher": settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1],
        "registered_ms": reg,
        "new_ms": fresh,
        "median_spread_ms": round(spread, 2),
        "median_spread_pct": round(spread / max(reg["p50"], fresh["p50"]) * 100, 1),
        "mean_spread_ms": round(abs(reg["mean"] - fresh["mean"]), 2),
        "job_registered_ms": _figures(job_registered)["p50"],
        "job_new_ms": _figures(job_new)["p50"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=30, help="sign-ups of each kind")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wd-signup-") as folder:
        _setup(folder)
        result = measure(args.samples)
    print(f"{'':12} {'p50 ms':>9} {'mean ms':>9} {'p90 ms':>9}")
    for label, key in (("registered", "registered_ms"), ("new", "new_ms")):
        row = result[key]
        print(f"{label:12} {row['p50']:9.1f} {row['mean']:9.1f} {row['p90']:9.1f}")
    print(
        f"median spread {result['median_spread_ms']} ms ({result['median_spread_pct']} %); "
        f"queued job (worker, not waited for): registered {result['job_registered_ms']} ms, "
        f"new {result['job_new_ms']} ms"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
