"""Training and evaluation data: YAML files per language, JSON Lines for evaluation.

Training files live in `walletdesk/assistant/data/nlu/<lang>/*.yml`:

    lang: zh
    intents:
      topup_not_arrived:
        - 充值了钱没到账
        - ...

Evaluation files follow ../shared/spec/intents.md: one JSON object per line with "text",
"intent" and optionally "lang".
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from walletdesk.assistant.errors import TrainingDataError

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
TRAINING_DIR = DATA_DIR / "nlu"
EVAL_DIR = DATA_DIR / "eval"
# Informal messages written to find the weak intents while adding training data (never trained
# on; not a clean measure, since the training examples were written after reading its misses).
DEV_DIR = DATA_DIR / "dev"
LANGUAGES = ("zh", "en")

# The required taxonomy (../shared/spec/intents.md). Ids are public: never rename one.
REQUIRED_INTENTS: tuple[str, ...] = (
    "forgot_password",
    "reset_payment_password",
    "verification_code_not_received",
    "account_frozen",
    "emergency_freeze",
    "suspicious_login",
    "unauthorized_transaction",
    "enable_2fa",
    "change_phone",
    "update_account_info",
    "identity_verification",
    "close_account",
    "topup_how",
    "topup_not_arrived",
    "topup_failed",
    "withdraw_how",
    "withdraw_not_arrived",
    "withdraw_failed",
    "fees",
    "payment_failed",
    "payment_limit",
    "duplicate_charge",
    "balance_incorrect",
    "transfer_not_received",
    "transfer_how",
    "refund_request",
    "refund_not_received",
    "merchant_refused_refund",
    "bind_card",
    "unbind_card",
    "card_declined",
    "international_payment",
    "exchange_rate",
    "transaction_history",
    "balance_inquiry",
    "report_fraud",
    "complaint",
    "feedback",
    "app_issue",
    "service_status",
    "promotions",
    "human_agent",
    "greeting",
    "thanks_goodbye",
    "out_of_scope",
)


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str
    lang: str | None = None


def load_training_examples(directory: Path = TRAINING_DIR) -> list[Example]:
    examples: list[Example] = []
    for lang in LANGUAGES:
        for path in sorted((directory / lang).glob("*.yml")):
            examples.extend(_load_yaml(path, lang))
    if not examples:
        raise TrainingDataError(problem=f"no training files under {directory}")
    return examples


def _load_yaml(path: Path, lang: str) -> list[Example]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TrainingDataError(problem=f"{path.name}: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("intents"), dict):
        raise TrainingDataError(problem=f"{path.name}: expected a mapping with 'intents'")
    if raw.get("lang", lang) != lang:
        raise TrainingDataError(problem=f"{path.name}: lang must be {lang}")
    examples = []
    for intent, texts in raw["intents"].items():
        if not isinstance(texts, list):
            raise TrainingDataError(problem=f"{path.name}: {intent} must list examples")
        for text in texts:
            if not isinstance(text, str | int | float) or not str(text).strip():
                raise TrainingDataError(problem=f"{path.name}: {intent} has an empty example")
            examples.append(Example(str(text).strip(), str(intent), lang))
    return examples


def load_jsonl(path: Path) -> list[Example]:
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, intent = str(row["text"]), str(row["intent"])
        except (ValueError, KeyError, TypeError) as exc:
            raise TrainingDataError(problem=f"{path.name} line {number}: {exc}") from exc
        lang = row.get("lang")
        examples.append(Example(text, intent, str(lang) if lang in LANGUAGES else None))
    return examples


def fingerprint(examples: list[Example]) -> str:
    digest = hashlib.sha256()
    for example in sorted(examples, key=lambda e: (e.intent, e.lang or "", e.text)):
        digest.update(f"{example.intent}\t{example.lang}\t{example.text}\n".encode())
    return digest.hexdigest()


def coverage(examples: list[Example]) -> dict[str, Counter[str]]:
    """Examples per intent and language."""
    table: dict[str, Counter[str]] = {}
    for example in examples:
        table.setdefault(example.intent, Counter())[example.lang or "?"] += 1
    return table
