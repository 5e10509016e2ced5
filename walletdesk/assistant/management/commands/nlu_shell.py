"""Type messages and see how the assistant understands them (reads stdin, one message a line)."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from walletdesk.assistant.errors import ModelNotTrainedError
from walletdesk.assistant.nlu import store


class Command(BaseCommand):
    help = "Interactive NLU shell: one message per line; prints intent ranking and entities."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lang", choices=["zh", "en"], default=None)
        parser.add_argument("--json", action="store_true", help="Print one JSON object a line.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            pipeline = store.get_pipeline()
        except ModelNotTrainedError as exc:
            raise CommandError(exc.user_message) from exc
        interactive = sys.stdin.isatty()
        if interactive:
            self.stdout.write(f"NLU model {pipeline.version}. Type a message; Ctrl-D to quit.")
        while True:
            if interactive:
                self.stdout.write("> ", ending="")
                self.stdout.flush()
            line = sys.stdin.readline()
            if not line:
                break
            text = line.strip()
            if not text:
                continue
            result = pipeline.parse(text[:1000], lang=options["lang"])
            if options["json"]:
                self.stdout.write(json.dumps(result.as_dict(masked=True), ensure_ascii=False))
                continue
            self.stdout.write(f"normalised: {result.normalized_text}")
            self.stdout.write(
                f"language:   {result.detected_lang} (reply in {result.lang})   "
                f"sentiment {result.sentiment:+.2f}  urgency {result.urgency:.2f}  "
                f"priority {result.handoff_priority}"
            )
            flags = []
            if result.is_out_of_scope:
                flags.append("OUT OF SCOPE")
            if result.needs_clarification:
                flags.append("ASK: " + " / ".join(result.clarification_candidates))
            self.stdout.write(
                f"intent:     {result.intent} ({result.confidence:.2f}) {' '.join(flags)}"
            )
            for item in result.ranking:
                bar = "█" * round(item.score * 20)
                self.stdout.write(f"  {item.score:5.2f} {bar:<20} {item.intent}")
            for entity in result.entities:
                self.stdout.write(
                    f"  entity {entity.type:<15} {entity.loggable_value!s:<28} "
                    f"“{entity.text if entity.type != 'phone' else entity.loggable_value}”"
                )
            self.stdout.write("")
