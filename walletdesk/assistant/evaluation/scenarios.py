"""The scenario file: JSON Lines, one scenario a line.

    {"id", "customer": "<demo login>", "lang": "zh"|"en",
     "turns": [{"user": "...", "expect": {"intent", "reply_contains_any": [...],
                "reply_not_contains": [...], "handoff": true|false}}],
     "expect_state": {"tickets_opened": n, "wallet_frozen": bool, "money_moved": false}}

Every key of `expect` and `expect_state` is optional. A turn may carry `"quick_reply": "<id>"`
instead of `"user"` (tapping an offered button). `reply_contains_any` and `reply_not_contains`
are lists of non-empty strings (a bare string would be checked letter by letter); anything else
is refused when the file is loaded, naming the line, the turn and the scenario.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ScenarioFileError(Exception):
    """The file cannot be read or a line is not a scenario."""


@dataclass(frozen=True, slots=True)
class ScenarioTurn:
    user: str | None
    quick_reply: str | None
    expect: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    customer: str
    lang: str
    turns: tuple[ScenarioTurn, ...]
    expect_state: dict[str, Any] = field(default_factory=dict)

    @property
    def should_be_contained(self) -> bool:
        """Resolvable without a person: no turn expects a handoff and no ticket is expected."""
        if any(turn.expect.get("handoff") is True for turn in self.turns):
            return False
        return not self.expect_state.get("tickets_opened")


# The expectations that hold phrases: each must be a list of non-empty strings.
PHRASE_LISTS = ("reply_contains_any", "reply_not_contains")


def _turn(raw: Any, where: str, scenario_id: str) -> ScenarioTurn:
    if not isinstance(raw, dict):
        raise ScenarioFileError(f"{where}: a turn must be an object")
    user, quick = raw.get("user"), raw.get("quick_reply")
    if not isinstance(user, str) and not isinstance(quick, str):
        raise ScenarioFileError(f'{where}: a turn needs "user" text (or "quick_reply")')
    expect = raw.get("expect")
    if expect is None:
        expect = {}
    if not isinstance(expect, dict):
        raise ScenarioFileError(f'{where}: "expect" must be an object')
    for key in PHRASE_LISTS:
        if key not in expect:
            continue
        phrases = expect[key]
        if not isinstance(phrases, list) or not all(isinstance(p, str) and p for p in phrases):
            raise ScenarioFileError(
                f"{where} (scenario {scenario_id!r}): {key!r} must be a list of non-empty "
                f"strings, not {phrases!r}"
            )
    return ScenarioTurn(
        user if isinstance(user, str) else None, quick if isinstance(quick, str) else None, expect
    )


def load(path: str | Path) -> list[Scenario]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioFileError(f"cannot read {path}: {error}") from error
    scenarios: list[Scenario] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as error:
            raise ScenarioFileError(f"{where}: not JSON ({error.msg})") from error
        if not isinstance(raw, dict) or not isinstance(raw.get("turns"), list):
            raise ScenarioFileError(f'{where}: a scenario is an object with a "turns" list')
        if not isinstance(raw.get("customer"), str):
            raise ScenarioFileError(f'{where}: "customer" must be a demo login')
        scenario_id = str(raw.get("id") or f"line-{number}")
        scenarios.append(
            Scenario(
                id=scenario_id,
                customer=raw["customer"],
                lang=str(raw.get("lang") or "zh"),
                turns=tuple(
                    _turn(t, f"{where} turn {i}", scenario_id)
                    for i, t in enumerate(raw["turns"], start=1)
                ),
                expect_state=raw.get("expect_state") or {},
            )
        )
    return scenarios
