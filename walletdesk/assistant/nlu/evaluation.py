"""Scoring: accuracy, macro-F1, per-intent precision/recall/F1, confusions, OOS, latency."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from walletdesk.assistant.contracts import OUT_OF_SCOPE
from walletdesk.assistant.nlu.data import Example
from walletdesk.assistant.nlu.pipeline import Pipeline


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return float(ordered[min(rank, len(ordered)) - 1])


def score(
    gold: Sequence[str], predicted: Sequence[str], latencies_ms: Sequence[float]
) -> dict[str, Any]:
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    n = len(gold)
    labels = sorted(set(gold) | set(predicted))
    true_positive: Counter[str] = Counter()
    gold_count: Counter[str] = Counter(gold)
    predicted_count: Counter[str] = Counter(predicted)
    confusions: Counter[tuple[str, str]] = Counter()
    for g, p in zip(gold, predicted, strict=True):
        if g == p:
            true_positive[g] += 1
        else:
            confusions[(g, p)] += 1
    per_intent: dict[str, dict[str, float | int]] = {}
    for label in labels:
        tp = true_positive[label]
        precision = tp / predicted_count[label] if predicted_count[label] else 0.0
        recall = tp / gold_count[label] if gold_count[label] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_intent[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "n": gold_count[label],
        }
    scored = [label for label in labels if gold_count[label] > 0]
    macro_f1 = sum(float(per_intent[label]["f1"]) for label in scored) / max(1, len(scored))
    oos_tp = true_positive[OUT_OF_SCOPE]
    return {
        "accuracy": round(sum(true_positive.values()) / n, 4) if n else 0.0,
        "macro_f1": round(macro_f1, 4),
        "n": n,
        "per_intent": per_intent,
        "oos": {
            "precision": round(oos_tp / predicted_count[OUT_OF_SCOPE], 4)
            if predicted_count[OUT_OF_SCOPE]
            else 0.0,
            "recall": round(oos_tp / gold_count[OUT_OF_SCOPE], 4)
            if gold_count[OUT_OF_SCOPE]
            else 0.0,
            "n": gold_count[OUT_OF_SCOPE],
        },
        "latency_ms": {
            "p50": round(percentile(latencies_ms, 50), 3),
            "p99": round(percentile(latencies_ms, 99), 3),
        },
        "confusions": [
            {"gold": g, "predicted": p, "count": c} for (g, p), c in confusions.most_common(20)
        ],
    }


def evaluate(
    pipeline: Pipeline,
    examples: Sequence[Example],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    predicted: list[str] = []
    latencies: list[float] = []
    errors: list[dict[str, Any]] = []
    pipeline.parse("warm-up")  # first-call effects (lazy imports, caches) are not latency
    for i, example in enumerate(examples, start=1):
        started = time.perf_counter()
        result = pipeline.parse(example.text, lang=example.lang)
        latencies.append((time.perf_counter() - started) * 1000)
        predicted.append(result.intent)
        if result.intent != example.intent:
            errors.append(
                {
                    "text": example.text,
                    "gold": example.intent,
                    "predicted": result.intent,
                    "confidence": round(result.confidence, 3),
                }
            )
        if progress is not None:
            progress(i, len(examples))
    report = score([e.intent for e in examples], predicted, latencies)
    report["errors"] = errors
    report["model_version"] = pipeline.version
    return report
