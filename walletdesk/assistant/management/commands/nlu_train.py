"""Train the assistant's NLU pipeline and save it as the current versioned model."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from walletdesk.assistant.nlu import store
from walletdesk.assistant.nlu.data import coverage, load_training_examples
from walletdesk.assistant.nlu.pipeline import read_manifest


class Command(BaseCommand):
    help = "Train the assistant's intent and entity model from walletdesk/assistant/data/nlu."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Do nothing when a model trained from the current data and settings exists.",
        )
        parser.add_argument(
            "--output", type=Path, default=None, help="Model directory (default: var/nlu)."
        )
        parser.add_argument(
            "--config",
            type=Path,
            default=None,
            help="Pipeline file (default: walletdesk/assistant/pipeline.yml).",
        )
        parser.add_argument(
            "--keep", type=int, default=2, help="How many model versions to keep (default 2)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        root: Path = options["output"] or store.model_root()
        config_file: Path | None = options["config"]
        if options["if_missing"] and store.is_up_to_date(root, config_file):
            manifest = read_manifest(root) or {}
            self.stdout.write(
                f"NLU model {manifest.get('version')} is up to date in {root}; not retraining."
            )
            return
        examples = load_training_examples()
        table = coverage(examples)
        self.stdout.write(
            f"Training the NLU pipeline on {len(examples)} examples, "
            f"{len(table)} intents (zh + en) …"
        )
        started = time.perf_counter()

        def progress(message: str) -> None:
            elapsed = time.perf_counter() - started
            self.stdout.write(f"  [{elapsed:5.1f}s] {message}")
            self.stdout.flush()

        pipeline = store.train_and_save(
            root, progress=progress, keep_versions=options["keep"], config_file=config_file
        )
        store.activate(None)  # the next parse in this process loads the new version
        self.stdout.write(
            self.style.SUCCESS(
                f"Saved NLU model {pipeline.version} to {root} "
                f"in {time.perf_counter() - started:.1f}s."
            )
        )
