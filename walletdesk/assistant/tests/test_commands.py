from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from walletdesk.assistant.nlu import store
from walletdesk.assistant.nlu.pipeline import Pipeline, read_manifest

TINY = [
    {"text": "充值了钱一直没到账", "intent": "topup_not_arrived", "lang": "zh"},
    {"text": "how do I top up", "intent": "topup_how"},
    {"text": "转人工", "intent": "human_agent"},
    {"text": "今天天气怎么样", "intent": "out_of_scope"},
]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    return path


def test_nlu_eval_json_ends_with_the_design_keys(nlu: Pipeline, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("nlu_eval", data=write_jsonl(tmp_path / "tiny.jsonl", TINY), json=True, stdout=out)
    lines = out.getvalue().strip().splitlines()
    report = json.loads(lines[-1])
    assert {"accuracy", "macro_f1", "n", "per_intent", "oos", "latency_ms"} <= set(report)
    assert report["n"] == 4
    assert report["accuracy"] == 1.0
    assert set(report["per_intent"]["topup_how"]) == {"precision", "recall", "f1", "n"}
    assert set(report["oos"]) >= {"precision", "recall"}
    assert set(report["latency_ms"]) == {"p50", "p99"}
    assert report["oos"]["recall"] == 1.0
    assert any(line.startswith("accuracy") for line in lines[:-1])  # the human report first


def test_nlu_eval_scores_mistakes(nlu: Pipeline, tmp_path: Path) -> None:
    rows = [{"text": "how do I top up", "intent": "withdraw_how"}]
    out = io.StringIO()
    call_command(
        "nlu_eval", data=write_jsonl(tmp_path / "wrong.jsonl", rows), json=True, stdout=out
    )
    report = json.loads(out.getvalue().strip().splitlines()[-1])
    assert report["accuracy"] == 0.0
    assert report["per_intent"]["withdraw_how"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "n": 1,
    }
    assert report["confusions"] == [{"gold": "withdraw_how", "predicted": "topup_how", "count": 1}]


def test_nlu_eval_rejects_a_missing_file(nlu: Pipeline, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file"):
        call_command("nlu_eval", data=tmp_path / "nope.jsonl")


def test_nlu_eval_rejects_a_bad_line(nlu: Pipeline, tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text('{"text": "hi"}\n')
    with pytest.raises(CommandError, match="line 1"):
        call_command("nlu_eval", data=tmp_path / "bad.jsonl")


def test_nlu_shell_reads_messages_from_stdin(
    nlu: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("冲值没到账\n\nmy card was declined\n"))
    out = io.StringIO()
    call_command("nlu_shell", stdout=out)
    text = out.getvalue()
    assert "normalised: 充值没到账" in text
    assert "intent:     topup_not_arrived" in text
    assert "intent:     card_declined" in text


def test_nlu_shell_json_masks_phone_numbers(nlu: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("我的新号码13812345678\n"))
    out = io.StringIO()
    call_command("nlu_shell", json=True, stdout=out)
    row = json.loads(out.getvalue().strip())
    assert [e["value"] for e in row["entities"] if e["type"] == "phone"] == ["138****5678"]


def test_nlu_train_writes_a_versioned_model_and_if_missing_skips(
    fast_config_file: Path, tmp_path: Path
) -> None:
    root = tmp_path / "model"
    out = io.StringIO()
    call_command("nlu_train", output=root, config=fast_config_file, stdout=out)
    manifest = read_manifest(root)
    assert manifest is not None
    assert (root / "CURRENT").read_text().strip() == manifest["version"]
    assert manifest["training_examples"] > 4000
    assert "out_of_scope" in manifest["intents"]
    assert "Saved NLU model" in out.getvalue()
    assert Pipeline.load(root).parse("余额多少").intent == "balance_inquiry"

    again = io.StringIO()
    call_command("nlu_train", output=root, config=fast_config_file, if_missing=True, stdout=again)
    assert "up to date" in again.getvalue()
    assert read_manifest(root) == manifest
    store.activate(None)
