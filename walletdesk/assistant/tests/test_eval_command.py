"""assistant_eval: the file format, the checks, the exit codes (the full seeded run is what
the command itself does; see docs/assistant.md for the figures)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from walletdesk.assistant.dialogue.types import Card, Field, Handoff, QuickReply, Reply, TurnResult
from walletdesk.assistant.evaluation import runner, scenarios
from walletdesk.assistant.nlu import store
from walletdesk.payments import facade as payments


def result(text: str, *, handoff: bool = False, intent: str = "fees") -> TurnResult:
    return TurnResult(
        conversation="c",
        replies=(
            Reply(
                text,
                [Card("record", "充值", fields=(Field("金额", "¥2,000.58"),))],
                [QuickReply("handoff", "Talk to a person")],
            ),
        ),
        intent=intent,
        confidence=0.9,
        handoff=Handoff("WD-2612-000001", "/support/x/", "normal", "requested", "")
        if handoff
        else None,
        lang="zh",
    )


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as missing:
        call_command("assistant_eval", scenarios=str(tmp_path / "nope.jsonl"))
    assert missing.value.returncode == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "customer": "+86139", "turns": []}\nnot json\n', encoding="utf-8")
    with pytest.raises(CommandError) as broken:
        call_command("assistant_eval", scenarios=str(bad))
    assert broken.value.returncode == 2
    assert "bad.jsonl:2" in str(broken.value)


def test_scenarios_load_with_optional_keys(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(
        '{"id": "x", "customer": "+8613900139001", "lang": "en", "turns": '
        '[{"user": "hi"}, {"quick_reply": "confirm_freeze", "expect": {"handoff": true}}]}\n\n',
        encoding="utf-8",
    )
    [scenario] = scenarios.load(path)
    assert scenario.turns[0].expect == {} and scenario.turns[1].quick_reply == "confirm_freeze"
    assert scenario.expect_state == {} and not scenario.should_be_contained


def test_turn_checks_ignore_case_and_thousands_separators() -> None:
    turn = result("您 2026-12-03 充值的 ¥2,000.58 已到账。Check NOW")
    assert runner._check_turn(1, {"reply_contains_any": ["2000.58"]}, turn) == []
    assert runner._check_turn(1, {"reply_contains_any": ["check now"]}, turn) == []
    assert runner._check_turn(1, {"reply_contains_any": ["退款"]}, turn)
    # Card fields and quick-reply labels are part of what the customer sees.
    assert runner._check_turn(1, {"reply_not_contains": ["talk to a PERSON"]}, turn)
    assert runner._check_turn(1, {"reply_not_contains": ["2,000.58"]}, turn)
    assert runner._check_turn(1, {"reply_not_contains": ["3000"]}, turn) == []
    failed = runner._check_turn(1, {"intent": "balance_inquiry", "handoff": True}, turn)
    assert len(failed) == 2 and failed[0].startswith("turn 1: intent")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('["not", "an", "object"]', 'bad.jsonl:2: a scenario is an object with a "turns" list'),
        ('{"customer": "+86139", "turns": {}}', 'a scenario is an object with a "turns" list'),
        ('{"turns": []}', 'bad.jsonl:2: "customer" must be a demo login'),
        ('{"customer": "+86139", "turns": ["hi"]}', "bad.jsonl:2 turn 1: a turn must be an object"),
        (
            '{"customer": "+86139", "turns": [{"user": "hi"}, {"expect": {}}]}',
            'bad.jsonl:2 turn 2: a turn needs "user" text (or "quick_reply")',
        ),
        (
            '{"customer": "+86139", "turns": [{"user": "hi", "expect": []}]}',
            'bad.jsonl:2 turn 1: "expect" must be an object',
        ),
        ("{broken", "bad.jsonl:2: not JSON"),
    ],
)
def test_a_bad_line_is_named_with_its_number(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"id": "ok", "customer": "+86139", "turns": [{"user": "hi"}]}\n' + line + "\n",
        encoding="utf-8",
    )
    with pytest.raises(scenarios.ScenarioFileError) as error:
        scenarios.load(path)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("expect", "shown"),
    [
        ('{"reply_not_contains": "已为您"}', "not '已为您'"),
        ('{"reply_not_contains": ["已为您", 3]}', "not ['已为您', 3]"),
        ('{"reply_not_contains": [""]}', "not ['']"),
        ('{"reply_not_contains": null}', "not None"),
        ('{"reply_contains_any": {"zh": "退款"}}', "not {'zh': '退款'}"),
    ],
)
def test_phrase_lists_must_be_lists_of_strings(tmp_path: Path, expect: str, shown: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"id": "ok", "customer": "+86139", "turns": [{"user": "hi"}]}\n'
        '{"id": "zh-hostile", "customer": "+86139", "turns": '
        f'[{{"user": "hi"}}, {{"user": "again", "expect": {expect}}}]}}\n',
        encoding="utf-8",
    )
    with pytest.raises(scenarios.ScenarioFileError) as error:
        scenarios.load(path)
    message = str(error.value)
    assert "bad.jsonl:2 turn 2 (scenario 'zh-hostile'):" in message
    assert "must be a list of non-empty strings" in message and message.endswith(shown)


def test_phrase_lists_of_strings_load(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(
        '{"id": "x", "customer": "+86139", "turns": [{"user": "hi", "expect": '
        '{"reply_not_contains": ["已为您", "SYSTEM"], "reply_contains_any": []}}]}\n',
        encoding="utf-8",
    )
    [scenario] = scenarios.load(path)
    assert scenario.turns[0].expect["reply_not_contains"] == ["已为您", "SYSTEM"]


def test_a_file_that_is_not_text_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "binary.jsonl"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(scenarios.ScenarioFileError, match="cannot read"):
        scenarios.load(path)


def test_a_scenario_without_an_id_is_named_by_its_line(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('\n{"customer": "+86139", "turns": []}\n', encoding="utf-8")
    [scenario] = scenarios.load(path)
    assert scenario.id == "line-2" and scenario.lang == "zh" and scenario.should_be_contained


@pytest.mark.django_db
def test_an_unknown_customer_fails_the_scenario_without_running_it() -> None:
    scenario = scenarios.Scenario(
        id="x",
        customer="+8610000000000",
        lang="zh",
        turns=(scenarios.ScenarioTurn("你好", None, {}),),
    )
    outcome = runner.run(scenario)
    assert not outcome.passed and not outcome.handed_off
    assert outcome.failed_checks == ["unknown customer '+8610000000000'"]


# Three scenarios for the command's own run: the first freezes 李娜's wallet, the second needs
# it unfrozen again (it is only if the seeded snapshot was restored in between), the third
# expects a wrong intent and must be reported as failed with that check.
SMALL_RUN = [
    {
        "id": "freezes",
        "customer": "+8613900139001",
        "lang": "zh",
        "turns": [
            {"user": "手机丢了，快帮我冻结账户"},
            {"quick_reply": "confirm_freeze", "expect": {"handoff": True}},
        ],
        "expect_state": {"wallet_frozen": True},
    },
    {
        "id": "fresh-again",
        "customer": "+8613900139001",
        "lang": "zh",
        "turns": [{"user": "我余额多少", "expect": {"intent": "balance_inquiry"}}],
        "expect_state": {"wallet_frozen": False, "tickets_opened": 0, "money_moved": False},
    },
    {
        "id": "fails",
        "customer": "+8613900139001",
        "lang": "zh",
        "turns": [{"user": "我余额多少", "expect": {"intent": "fees"}}],
    },
]


def test_the_command_runs_each_scenario_on_fresh_demo_data_and_prints_json_last(
    tmp_path: Path, django_db_blocker: Any, trained_pipeline: Any
) -> None:
    """The real command: migrate + seed_demo into its own database, a restored copy per
    scenario. About 16 s on SQLite, 26 s on PostgreSQL (migrate and seed_demo are most of it).
    It runs on a connection of its own: the test database of SQLite lives in memory, where
    Django ignores the closes the command's snapshot needs (the data would go with it)."""
    path = tmp_path / "small.jsonl"
    path.write_text(
        "\n".join(json.dumps(s, ensure_ascii=False) for s in SMALL_RUN) + "\n", encoding="utf-8"
    )
    previous = connections["default"]
    own = previous.__class__(
        {**previous.settings_dict, "NAME": _own_database_name(previous, tmp_path)}, "default"
    )
    connections["default"] = own
    out = io.StringIO()
    store.activate(trained_pipeline)
    try:
        with django_db_blocker.unblock():
            call_command("assistant_eval", scenarios=str(path), json=True, stdout=out)
    finally:
        store.activate(None)
        own.close()
        connections["default"] = previous
        payments.forget_process_caches()

    lines = out.getvalue().strip().splitlines()
    summary = json.loads(lines[-1])
    assert set(summary) == {"scenarios", "passed", "pass_rate", "per_scenario", "containment"}
    assert (summary["scenarios"], summary["passed"]) == (3, 2)
    assert summary["pass_rate"] == round(2 / 3, 4)
    assert summary["per_scenario"]["freezes"] == {"passed": True, "failed_checks": []}
    # Passes only on a restored copy: the first scenario froze this wallet.
    assert summary["per_scenario"]["fresh-again"] == {"passed": True, "failed_checks": []}
    assert summary["per_scenario"]["fails"] == {
        "passed": False,
        "failed_checks": ["turn 1: intent 'balance_inquiry' != 'fees'"],
    }
    # Containment: "fresh-again" and "fails" should stay with the assistant (the freeze is
    # expected to reach a person), and did.
    assert summary["containment"] == 1.0
    assert lines[-2] == "2/3 scenarios passed (66.7%); containment 100.0% (2/2)"


def _own_database_name(connection: Any, tmp_path: Path) -> str:
    if connection.vendor == "sqlite":
        return str(tmp_path / "host.sqlite3")
    # PostgreSQL: the command derives its databases' names from this one and never opens it.
    return f"{connection.settings_dict['NAME']}_evaltest"[:40]
