"""`benchmarks/tickets.py` runs end to end at a tiny size and prints the documented JSON keys
(timings are the benchmark's business, not the tests')."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def test_the_benchmark_prints_its_figures_as_the_last_line() -> None:
    backends = "postgres,sqlite" if connection.vendor == "postgresql" else "sqlite"
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
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
            backends,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(figures) == set(backends.split(","))
    for backend, row in figures.items():
        assert set(row) >= KEYS, backend
        assert row["assigned"] == row["assign_waiting"] > 0
        assert row["sla_warned"] > 0
