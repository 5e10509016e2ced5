"""Intent classification: an ensemble of sparse networks and a linear SVM.

Each member turns the features into a probability per intent; the ensemble averages them with
the configured weights. The networks (several seeds) capture combinations of n-grams; the SVM is
a strong, stable linear view. Both learn in seconds on a few thousand messages.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from walletdesk.assistant.nlu.components.base import (
    Component,
    Message,
    register,
    stack_vectors,
)
from walletdesk.assistant.nlu.mlp import MLPSettings, SparseMLP

FloatArray = NDArray[np.float32]


def softmax(scores: FloatArray, temperature: float = 1.0) -> FloatArray:
    scaled = scores / temperature
    scaled = scaled - scaled.max(axis=-1, keepdims=True)
    exp = np.exp(scaled)
    return np.asarray(exp / exp.sum(axis=-1, keepdims=True), dtype=np.float32)


@register
class EnsembleIntentClassifier(Component):
    name = "ensemble_intent_classifier"
    trainable = True
    requires = ("features",)
    provides = ("intent_ranking",)

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.labels: list[str] = []
        self.networks: list[SparseMLP] = []
        self.svm_coef: FloatArray | None = None
        self.svm_intercept: FloatArray | None = None

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        return {
            "mlp": {
                "seeds": 2,
                "hidden": 512,
                "epochs": 10,
                "learning_rate": 0.003,
                "batch_size": 128,
                "dropout": 0.5,
                "input_dropout": 0.3,
                "weight": 1.0,
            },
            "linear_svm": {"C": 0.7, "temperature": 0.2, "weight": 0.5},
            "top_k": 5,
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> list[str]:
        problems = super().validate_config(config)
        defaults = cls.default_config()
        for member in ("mlp", "linear_svm"):
            settings = config.get(member)
            if not isinstance(settings, dict):
                problems.append(f"{cls.name}: {member} must be a mapping")
                continue
            for key in settings:
                if key not in defaults[member]:
                    problems.append(f"{cls.name}: unknown setting {member}.{key}")
        mlp = config.get("mlp") if isinstance(config.get("mlp"), dict) else {}
        svm = config.get("linear_svm") if isinstance(config.get("linear_svm"), dict) else {}
        assert isinstance(mlp, dict) and isinstance(svm, dict)
        mlp_on = mlp.get("seeds", 0) > 0 and mlp.get("weight", 0) > 0
        if not mlp_on and svm.get("weight", 0) <= 0:
            problems.append(f"{cls.name}: at least one member needs a positive weight")
        return problems

    def _mlp_settings(self, seed: int) -> MLPSettings:
        mlp = self.config["mlp"]
        return MLPSettings(
            hidden=int(mlp["hidden"]),
            epochs=int(mlp["epochs"]),
            learning_rate=float(mlp["learning_rate"]),
            batch_size=int(mlp["batch_size"]),
            dropout=float(mlp["dropout"]),
            input_dropout=float(mlp["input_dropout"]),
            seed=seed,
        )

    def train(self, messages: Sequence[Message]) -> None:
        labelled = [m for m in messages if m.label is not None and m.features is not None]
        self.labels = sorted({str(m.label) for m in labelled})
        index = {label: i for i, label in enumerate(self.labels)}
        x = stack_vectors([m.features for m in labelled if m.features is not None])
        y = np.array([index[str(m.label)] for m in labelled], dtype=np.int64)
        mlp = self.config["mlp"]
        svm = self.config["linear_svm"]
        seeds = range(int(mlp["seeds"])) if mlp["weight"] > 0 else range(0)
        # The members are independent: train them side by side. NumPy, SciPy and liblinear
        # release the GIL in their heavy loops, so threads use every core.
        workers = max(1, min(len(seeds) + 1, os.cpu_count() or 1))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(SparseMLP(self._mlp_settings(seed)).fit, x, y, len(self.labels))
                for seed in seeds
            ]
            svm_future = pool.submit(self._fit_svm, x, y) if svm["weight"] > 0 else None
            self.networks = [future.result() for future in futures]
            if svm_future is not None:
                self.svm_coef, self.svm_intercept = svm_future.result()

    def _fit_svm(self, x: sparse.csr_matrix, y: NDArray[np.int64]) -> tuple[FloatArray, FloatArray]:
        from sklearn.svm import LinearSVC

        model = LinearSVC(C=float(self.config["linear_svm"]["C"]), dual="auto", max_iter=5000)
        model.fit(x, y)
        coef = np.asarray(model.coef_, dtype=np.float32)
        intercept = np.asarray(model.intercept_, dtype=np.float32)
        if len(self.labels) == 2:  # binary LinearSVC has one row: expand to two classes
            coef = np.vstack([-coef, coef])
            intercept = np.array([-intercept[0], intercept[0]], dtype=np.float32)
        return np.ascontiguousarray(coef.T), intercept

    def probabilities_one(self, message: Message) -> FloatArray:
        if message.features is None:
            raise RuntimeError("the classifier needs features; put a featurizer before it")
        indices, values = message.features.indices, message.features.values
        total = np.zeros(len(self.labels), dtype=np.float32)
        weights = 0.0
        mlp_weight = float(self.config["mlp"]["weight"])
        if self.networks:
            probs = np.mean(
                [softmax(net.logits_one(indices, values)) for net in self.networks], axis=0
            )
            total += mlp_weight * probs
            weights += mlp_weight
        if self.svm_coef is not None and self.svm_intercept is not None:
            svm = self.config["linear_svm"]
            scores = values @ self.svm_coef[indices] + self.svm_intercept
            total += float(svm["weight"]) * softmax(scores, float(svm["temperature"]))
            weights += float(svm["weight"])
        return np.asarray(total / max(weights, 1e-9), dtype=np.float32)

    def process(self, message: Message) -> None:
        probabilities = self.probabilities_one(message)
        top = np.argsort(-probabilities)[: int(self.config["top_k"])]
        message.ranking = [(self.labels[i], float(probabilities[i])) for i in top]
        message.intent, message.confidence = message.ranking[0]

    def persist(self, directory: Path) -> dict[str, Any]:
        (directory / "labels.json").write_text(json.dumps(self.labels, ensure_ascii=False))
        arrays: dict[str, FloatArray] = {}
        for i, network in enumerate(self.networks):
            for key, value in network.arrays().items():
                # Half precision halves the artefact; the scores move by far less than the
                # gap between intents.
                arrays[f"mlp{i}_{key}"] = value.astype(np.float16) if key == "w1" else value
        if self.svm_coef is not None and self.svm_intercept is not None:
            arrays["svm_coef"] = self.svm_coef
            arrays["svm_intercept"] = self.svm_intercept
        np.savez(directory / "weights.npz", **arrays)  # type: ignore[arg-type]
        return {"intents": len(self.labels), "networks": len(self.networks)}

    @classmethod
    def load(cls, config: dict[str, Any], directory: Path) -> Self:
        component = cls(config)
        component.labels = json.loads((directory / "labels.json").read_text())
        with np.load(directory / "weights.npz", allow_pickle=False) as data:
            arrays = {key: np.asarray(data[key], dtype=np.float32) for key in data.files}
        i = 0
        while f"mlp{i}_w1" in arrays:
            parts = {key: arrays[f"mlp{i}_{key}"] for key in ("w1", "b1", "w2", "b2")}
            component.networks.append(SparseMLP.from_arrays(parts, component._mlp_settings(i)))
            i += 1
        if "svm_coef" in arrays:
            component.svm_coef = arrays["svm_coef"]
            component.svm_intercept = arrays["svm_intercept"]
        return component
