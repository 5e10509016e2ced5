"""Score the trained assistant on a labelled JSON Lines file (format: ../shared/spec/intents.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from walletdesk.assistant.errors import ModelNotTrainedError, TrainingDataError
from walletdesk.assistant.nlu import store
from walletdesk.assistant.nlu.data import load_jsonl
from walletdesk.assistant.nlu.evaluation import evaluate

DESIGN_KEYS = ("accuracy", "macro_f1", "n", "per_intent", "oos", "latency_ms")


class Command(BaseCommand):
    help = (
        "Evaluate the assistant on FILE.jsonl: accuracy, macro-F1, per-intent precision/recall, "
        "confusions, out-of-scope precision/recall and latency. With --json the last line of "
        "stdout is one JSON object."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", type=Path, required=True, help="JSON Lines file.")
        parser.add_argument("--json", action="store_true", help="End with one JSON line.")
        parser.add_argument(
            "--errors", type=int, default=15, help="How many misclassified messages to list."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["data"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            examples = load_jsonl(path)
            pipeline = store.get_pipeline()
        except (TrainingDataError, ModelNotTrainedError) as exc:
            raise CommandError(exc.user_message) from exc
        if not examples:
            raise CommandError(f"{path} has no examples")

        def progress(done: int, total: int) -> None:
            if done % 200 == 0 or done == total:
                self.stderr.write(f"  parsed {done}/{total}")

        report = evaluate(pipeline, examples, progress=progress)
        self._print_human(report, options["errors"])
        if options["json"]:
            payload = {key: report[key] for key in DESIGN_KEYS}
            payload["confusions"] = report["confusions"]
            payload["model_version"] = report["model_version"]
            self.stdout.write(json.dumps(payload, ensure_ascii=False))

    def _print_human(self, report: dict[str, Any], errors: int) -> None:
        write = self.stdout.write
        write(f"model {report['model_version']}, {report['n']} messages")
        write(f"accuracy  {report['accuracy']:.4f}")
        write(f"macro-F1  {report['macro_f1']:.4f}")
        oos = report["oos"]
        write(f"out of scope: precision {oos['precision']:.4f}, recall {oos['recall']:.4f}")
        latency = report["latency_ms"]
        write(f"latency: p50 {latency['p50']:.2f} ms, p99 {latency['p99']:.2f} ms")
        write("")
        write(f"{'intent':<32} {'prec':>6} {'rec':>6} {'f1':>6} {'n':>5}")
        for intent, row in sorted(report["per_intent"].items()):
            write(
                f"{intent:<32} {row['precision']:>6.3f} {row['recall']:>6.3f} "
                f"{row['f1']:>6.3f} {row['n']:>5}"
            )
        if report["confusions"]:
            write("")
            write("most frequent confusions (gold → predicted):")
            for row in report["confusions"][:10]:
                write(f"  {row['count']:>3}  {row['gold']} → {row['predicted']}")
        if report["errors"] and errors:
            write("")
            write("misclassified examples:")
            for row in report["errors"][:errors]:
                write(
                    f"  [{row['gold']} → {row['predicted']} {row['confidence']:.2f}] {row['text']}"
                )
        write("")
