"""Score the assistant on conversation scenarios against a fresh copy of the demo data.

    python manage.py assistant_eval --scenarios walletdesk/assistant/eval/zh.jsonl --json

Seeds the demo data once into the evaluation's own database (never the configured one) and
restores that snapshot before every scenario. Exit 0 whenever it ran, whatever the pass rate;
2 when the scenario file cannot be read. With --json the last line is
{"scenarios", "passed", "pass_rate", "per_scenario": {id: {"passed", "failed_checks"}},
"containment"}.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from walletdesk.assistant.evaluation import runner, scenarios
from walletdesk.assistant.evaluation.snapshot import Snapshot


@contextlib.contextmanager
def _clock(now: datetime | None) -> Iterator[None]:
    """Everything (the seed too) happens at --now, so relative dates and the demo's recent
    cases line up. time-machine is a development dependency; without it only the turns get
    the fixed time."""
    if now is None:
        yield
        return
    try:
        import time_machine
    except ImportError:
        yield
        return
    with time_machine.travel(now, tick=False):
        yield


class Command(BaseCommand):
    help = "Run conversation scenarios (JSON Lines) against fresh demo data and score them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scenarios", required=True, help="JSON Lines file of scenarios")
        parser.add_argument("--json", action="store_true", help="print a JSON summary last")
        parser.add_argument("--now", default=None, help="fix the clock (ISO 8601)")

    def progress(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options["now"]:
            now = parse_datetime(options["now"])
            if now is None:
                raise CommandError(f"--now is not an ISO 8601 date-time: {options['now']!r}")
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        try:
            loaded = scenarios.load(options["scenarios"])
        except scenarios.ScenarioFileError as error:
            raise CommandError(str(error), returncode=2) from error
        snapshot = Snapshot(self.progress)
        results: dict[str, runner.Outcome] = {}
        with _clock(now):
            snapshot.seed()
            try:
                for index, scenario in enumerate(loaded, start=1):
                    snapshot.restore()
                    # A minute after the seed: the demo's cases are as fresh as they get.
                    turn_time = now + timedelta(minutes=1) if now is not None else None
                    outcome = runner.run(scenario, turn_time)
                    results[scenario.id] = outcome
                    mark = "PASS" if outcome.passed else "FAIL"
                    detail = "" if outcome.passed else "  " + "; ".join(outcome.failed_checks)
                    self.progress(f"[{index}/{len(loaded)}] {mark} {scenario.id}{detail}")
            finally:
                snapshot.finish()
        self._report(loaded, results, as_json=options["json"])

    def _report(
        self,
        loaded: list[scenarios.Scenario],
        results: dict[str, runner.Outcome],
        *,
        as_json: bool,
    ) -> None:
        total = len(loaded)
        passed = sum(1 for o in results.values() if o.passed)
        containable = [s for s in loaded if s.should_be_contained]
        contained = sum(1 for s in containable if not results[s.id].handed_off)
        containment = round(contained / len(containable), 4) if containable else None
        pass_rate = round(passed / total, 4) if total else 0.0
        self.stdout.write(
            f"{passed}/{total} scenarios passed ({pass_rate:.1%}); containment "
            + (
                f"{containment:.1%} ({contained}/{len(containable)})"
                if containment is not None
                else "n/a"
            )
        )
        if as_json:
            summary = {
                "scenarios": total,
                "passed": passed,
                "pass_rate": pass_rate,
                "per_scenario": {
                    sid: {"passed": o.passed, "failed_checks": o.failed_checks}
                    for sid, o in results.items()
                },
                "containment": containment,
            }
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
