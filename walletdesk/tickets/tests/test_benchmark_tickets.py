"""`benchmarks/tickets.py` runs end to end at a tiny size and prints the documented JSON keys
(timings are the benchmark's business, not the tests')."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
KEYS = {
    "list_p50_ms",
    "list_p99_ms",
    "detail_p50_ms",
    "detail_p99_ms",
    "assign_per_s",
    "sla_sweep_s",
}


@pytest.mark.timeout(420)
def test_the_benchmark_prints_its_figures_as_the_last_line() -> None:
    # The backend this pass runs on: each pass covers its own, and the script's fresh database
    # (migrated from scratch) is most of its time.
    backend = "postgres" if connection.vendor == "postgresql" else "sqlite"
    # A session of its own, so a timeout ends the script's backend and worker processes too:
    # left running they would hold the output pipe open and the test would wait for ever.
    process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
        [
            sys.executable,
            str(ROOT / "benchmarks" / "tickets.py"),
            "--tickets",
            "300",
            "--samples",
            "5",
            "--workers",
            "2",
            "--backends",
            backend,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=360)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=30)
        pytest.fail(f"benchmarks/tickets.py ran past 360 s:\n{stdout[-2000:]}\n{stderr[-2000:]}")
    assert process.returncode == 0, stderr[-3000:]
    figures = json.loads(stdout.strip().splitlines()[-1])
    assert set(figures) == {backend}
    row = figures[backend]
    assert set(row) >= KEYS, backend
    assert row["assigned"] == row["assign_waiting"] > 0
    assert row["sla_warned"] > 0
