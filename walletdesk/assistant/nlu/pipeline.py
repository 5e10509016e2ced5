"""The pipeline: components declared in a YAML file, trained together, saved as one artefact.

    pipeline:
      - name: text_normalizer
      - name: ngram_tfidf_featurizer
        word_ngrams: [1, 2]
      - ...

`Pipeline.from_config` validates the declaration (known names, known settings, every component's
requirements provided by one declared before it) and fails with a clear `PipelineConfigError`.
A trained pipeline is saved under `<root>/<version>/` (one folder per component, plus
`manifest.json`) and `<root>/CURRENT` names the version in use; the version is the training time
plus a hash of the configuration and the training data.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from walletdesk.assistant.contracts import IntentScore, ParseResult
from walletdesk.assistant.errors import (
    ModelIncompatibleError,
    ModelNotTrainedError,
    PipelineConfigError,
)

# Importing the package registers every built-in component.
from walletdesk.assistant.nlu import components as _components  # noqa: F401
from walletdesk.assistant.nlu.components.base import COMPONENTS, Component, Message
from walletdesk.assistant.nlu.data import Example, fingerprint

#: Bump when the saved layout or a component's persisted format changes.
FORMAT_VERSION = 1
DEFAULT_CONFIG_FILE = Path(__file__).resolve().parent.parent / "pipeline.yml"
CURRENT_POINTER = "CURRENT"
MANIFEST = "manifest.json"

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    return None


def load_config_file(path: Path = DEFAULT_CONFIG_FILE) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PipelineConfigError(problem=f"cannot read {path.name}: {exc}") from exc
    if not isinstance(raw, dict):
        raise PipelineConfigError(problem=f"{path.name} must be a mapping with a 'pipeline' list")
    return raw


def config_hash(config: dict[str, Any]) -> str:
    blob = json.dumps({"format": FORMAT_VERSION, "config": config}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def resolve_components(config: dict[str, Any]) -> list[tuple[type[Component], dict[str, Any]]]:
    steps = config.get("pipeline")
    if not isinstance(steps, list) or not steps:
        raise PipelineConfigError(problem="'pipeline' must be a non-empty list of components")
    resolved: list[tuple[type[Component], dict[str, Any]]] = []
    problems: list[str] = []
    available: set[str] = set()
    for position, step in enumerate(steps, start=1):
        if not isinstance(step, dict) or not isinstance(step.get("name"), str):
            problems.append(f"step {position} must be a mapping with a 'name'")
            continue
        overrides = {key: value for key, value in step.items() if key != "name"}
        cls = COMPONENTS.get(step["name"])
        if cls is None:
            known = ", ".join(sorted(COMPONENTS))
            problems.append(f"unknown component {step['name']!r} (known: {known})")
            continue
        merged = cls.merge_config(overrides)
        problems.extend(cls.validate_config(merged))
        missing = [need for need in cls.requires if need not in available]
        if missing:
            problems.append(
                f"{cls.name} needs {', '.join(missing)} from a component declared before it"
            )
        available.update((cls.name, *cls.provides))
        resolved.append((cls, merged))
    if problems:
        raise PipelineConfigError(problem="; ".join(problems))
    return resolved


class Pipeline:
    def __init__(
        self,
        config: dict[str, Any],
        components: list[Component],
        manifest: dict[str, Any] | None = None,
    ) -> None:
        self.config = config
        self.components = components
        self.manifest = manifest or {}
        self.time_zone = ZoneInfo(str(config.get("time_zone", "Asia/Shanghai")))

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Pipeline:
        resolved = resolve_components(config)
        return cls(config, [component_cls(settings) for component_cls, settings in resolved])

    @property
    def version(self) -> str:
        return str(self.manifest.get("version", "untrained"))

    @property
    def intents(self) -> list[str]:
        return list(self.manifest.get("intents", []))

    def component(self, name: str) -> Component | None:
        for component in self.components:
            if component.name == name:
                return component
        return None

    # --- training ----------------------------------------------------------------------------
    def train(self, examples: Sequence[Example], progress: Progress = _quiet) -> dict[str, Any]:
        started = time.perf_counter()
        now = datetime.now(UTC)
        messages = [
            Message(text=example.text, now=now, lang_hint=example.lang, label=example.intent)
            for example in examples
        ]
        timings: dict[str, float] = {}
        for component in self.components:
            step_started = time.perf_counter()
            if component.trainable:
                progress(f"training {component.name} on {len(messages)} messages")
                component.train(messages)
            if self._needed_downstream(component):
                component.process_batch(messages)
            timings[component.name] = round(time.perf_counter() - step_started, 3)
            progress(f"{component.name}: {timings[component.name]:.2f}s")
        labels = sorted({example.intent for example in examples})
        self.manifest = {
            "format_version": FORMAT_VERSION,
            "config_hash": config_hash(self.config),
            "data_hash": fingerprint(list(examples)),
            "trained_at": now.isoformat(),
            "training_examples": len(examples),
            "intents": labels,
            "train_seconds": round(time.perf_counter() - started, 2),
            "component_seconds": timings,
        }
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        digest = hashlib.sha256(
            (self.manifest["config_hash"] + self.manifest["data_hash"]).encode()
        ).hexdigest()[:10]
        self.manifest["version"] = f"{stamp}-{digest}"
        return self.manifest

    def _needed_downstream(self, component: Component) -> bool:
        """Training only needs outputs that a later trainable component consumes."""
        index = self.components.index(component)
        return any(later.trainable for later in self.components[index + 1 :])

    # --- inference ---------------------------------------------------------------------------
    def process(self, text: str, lang: str | None = None, now: datetime | None = None) -> Message:
        moment = now if now is not None else datetime.now(UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.time_zone)
        message = Message(text=text, now=moment, lang_hint=lang)
        for component in self.components:
            component.process(message)
        return message

    def parse(self, text: str, lang: str | None = None, now: datetime | None = None) -> ParseResult:
        message = self.process(text, lang, now)
        entities = sorted(message.entities, key=lambda e: (e.start, e.end))
        return ParseResult(
            text=text,
            normalized_text=message.working_text,
            intent=message.intent,
            confidence=float(message.confidence),
            ranking=tuple(IntentScore(i, float(s)) for i, s in message.ranking),
            entities=tuple(entities),
            lang=message.lang or "zh",
            detected_lang=message.detected_lang or message.lang or "zh",
            needs_clarification=message.needs_clarification,
            clarification_candidates=tuple(message.clarification_candidates),
            is_out_of_scope=message.is_out_of_scope,
            sentiment=float(message.sentiment),
            urgency=float(message.urgency),
            signals=tuple(message.signals),
            handoff_priority=message.handoff_priority,
            model_version=self.version,
        )

    # --- persistence -------------------------------------------------------------------------
    def persist(self, root: Path) -> Path:
        if "version" not in self.manifest:
            raise ModelNotTrainedError()
        root.mkdir(parents=True, exist_ok=True)
        final = root / self.version
        staging = root / f".{self.version}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        described = []
        for position, component in enumerate(self.components):
            directory = staging / f"{position:02d}_{component.name}"
            directory.mkdir()
            described.append(
                {
                    "name": component.name,
                    "directory": directory.name,
                    "config": component.config,
                    "metadata": component.persist(directory),
                }
            )
        manifest = {**self.manifest, "config": self.config, "components": described}
        (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        shutil.rmtree(final, ignore_errors=True)
        staging.rename(final)
        pointer = root / f".{CURRENT_POINTER}.tmp"
        pointer.write_text(self.version + "\n")
        pointer.replace(root / CURRENT_POINTER)
        self.manifest = manifest
        return final

    @classmethod
    def load(cls, root: Path) -> Pipeline:
        pointer = root / CURRENT_POINTER
        if not pointer.is_file():
            raise ModelNotTrainedError()
        directory = root / pointer.read_text().strip()
        manifest_path = directory / MANIFEST
        if not manifest_path.is_file():
            raise ModelNotTrainedError()
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("format_version") != FORMAT_VERSION:
            raise ModelIncompatibleError()
        components: list[Component] = []
        for described in manifest["components"]:
            component_cls = COMPONENTS.get(described["name"])
            if component_cls is None:
                raise ModelIncompatibleError()
            components.append(
                component_cls.load(described["config"], directory / described["directory"])
            )
        return cls(manifest["config"], components, manifest)


def read_manifest(root: Path) -> dict[str, Any] | None:
    pointer = root / CURRENT_POINTER
    if not pointer.is_file():
        return None
    path = root / pointer.read_text().strip() / MANIFEST
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def prune_versions(root: Path, keep: int = 2) -> list[str]:
    """Remove old model versions, keeping the current one and the `keep - 1` newest others."""
    pointer = root / CURRENT_POINTER
    current = pointer.read_text().strip() if pointer.is_file() else ""
    versions = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.name,
        reverse=True,
    )
    kept = {current}
    for path in versions:
        if len(kept) >= keep:
            break
        kept.add(path.name)
    removed = []
    for path in versions:
        if path.name not in kept:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed
