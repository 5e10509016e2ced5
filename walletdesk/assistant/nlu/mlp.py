"""A small feed-forward network over sparse TF-IDF input, trained with Adam in NumPy.

One hidden ReLU layer on top of bag-of-n-gram features (fastText with a non-linearity). The
first layer is a lookup of the rows of the features present, so training touches only those
rows ("lazy" Adam) and predicting one message costs a few hundred row reads. Dropout on the
input features and on the hidden layer keeps it from memorising short training messages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

FloatArray = NDArray[np.float32]


@dataclass
class MLPSettings:
    hidden: int = 512
    epochs: int = 10
    learning_rate: float = 0.003
    batch_size: int = 128
    dropout: float = 0.5
    input_dropout: float = 0.3
    seed: int = 0


_BETA1, _BETA2, _EPS = 0.9, 0.999, 1e-8


class _Adam:
    """Adam for the small dense parameters (hidden bias, output layer)."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.m = np.zeros(shape, dtype=np.float32)
        self.v = np.zeros(shape, dtype=np.float32)

    def step(self, param: FloatArray, grad: FloatArray, lr: float, t: int) -> None:
        self.m *= _BETA1
        self.m += (1 - _BETA1) * grad
        self.v *= _BETA2
        self.v += (1 - _BETA2) * grad * grad
        param -= lr * (self.m / (1 - _BETA1**t)) / (np.sqrt(self.v / (1 - _BETA2**t)) + _EPS)


class _RowwiseRMS:
    """RMSProp with one second-moment value per embedding row, updating only the rows in use.

    Per-element Adam state on the (features x hidden) input layer costs more than the whole
    forward and backward pass; one scalar per row keeps the adaptive step at a fraction of that.
    """

    def __init__(self, rows: int) -> None:
        self.v = np.zeros(rows, dtype=np.float32)

    def scaled(self, grad: FloatArray, rows: NDArray[np.int32], t: int) -> FloatArray:
        squared = np.einsum("ij,ij->i", grad, grad) / grad.shape[1]
        self.v[rows] = _BETA2 * self.v[rows] + (1 - _BETA2) * squared
        scale = 1.0 / (np.sqrt(self.v[rows] / (1 - _BETA2**t)) + _EPS)
        return np.asarray(grad * scale[:, None], dtype=np.float32)


class SparseMLP:
    def __init__(self, settings: MLPSettings) -> None:
        self.settings = settings
        self.w1: FloatArray | None = None
        self.b1: FloatArray | None = None
        self.w2: FloatArray | None = None
        self.b2: FloatArray | None = None

    def fit(self, x: sparse.csr_matrix, y: NDArray[np.int64], n_classes: int) -> SparseMLP:
        s = self.settings
        rng = np.random.default_rng(s.seed)
        x = sparse.csr_matrix(x, dtype=np.float32)
        n, dim = x.shape
        w1 = (rng.standard_normal((dim, s.hidden)) * 0.05).astype(np.float32)
        b1 = np.zeros(s.hidden, dtype=np.float32)
        w2 = (rng.standard_normal((s.hidden, n_classes)) / np.sqrt(s.hidden)).astype(np.float32)
        b2 = np.zeros(n_classes, dtype=np.float32)
        input_optimiser = _RowwiseRMS(dim)
        optimisers = [_Adam(b1.shape), _Adam(w2.shape), _Adam(b2.shape)]
        batches_per_epoch = (n + s.batch_size - 1) // s.batch_size
        total_steps = max(1, s.epochs * batches_per_epoch)
        step = 0
        for _epoch in range(s.epochs):
            order = rng.permutation(n)
            for start in range(0, n, s.batch_size):
                rows = order[start : start + s.batch_size]
                batch = x[rows]
                columns = np.unique(batch.indices).astype(np.int32)
                local = batch[:, columns].tocsr()
                if s.input_dropout > 0:
                    keep = rng.random(local.data.shape) >= s.input_dropout
                    local.data = (local.data * keep / (1 - s.input_dropout)).astype(np.float32)
                lr = s.learning_rate * (1 - step / total_steps) + 1e-5
                step += 1
                w1_local = w1[columns]
                pre = local @ w1_local + b1
                hidden = np.maximum(pre, 0)
                mask: FloatArray | None = None
                if s.dropout > 0:
                    mask = (rng.random(hidden.shape) >= s.dropout).astype(np.float32)
                    mask /= 1 - s.dropout
                    hidden = hidden * mask
                logits = hidden @ w2 + b2
                logits -= logits.max(axis=1, keepdims=True)
                probs = np.exp(logits)
                probs /= probs.sum(axis=1, keepdims=True)
                probs[np.arange(len(rows)), y[rows]] -= 1
                probs /= len(rows)
                grad_w2 = hidden.T @ probs
                grad_b2 = probs.sum(axis=0)
                grad_hidden = probs @ w2.T
                if mask is not None:
                    grad_hidden *= mask
                grad_hidden *= pre > 0
                grad_w1 = np.asarray(local.T @ grad_hidden, dtype=np.float32)
                grad_b1 = grad_hidden.sum(axis=0)
                w1_local -= lr * input_optimiser.scaled(grad_w1, columns, step)
                w1[columns] = w1_local
                optimisers[0].step(b1, grad_b1, lr, step)
                optimisers[1].step(w2, grad_w2.astype(np.float32), lr, step)
                optimisers[2].step(b2, grad_b2.astype(np.float32), lr, step)
        self.w1, self.b1, self.w2, self.b2 = w1, b1, w2, b2
        return self

    def logits(self, x: sparse.csr_matrix) -> FloatArray:
        if self.w1 is None or self.b1 is None or self.w2 is None or self.b2 is None:
            raise RuntimeError("network is not trained")
        hidden = np.maximum(sparse.csr_matrix(x, dtype=np.float32) @ self.w1 + self.b1, 0)
        return np.asarray(hidden @ self.w2 + self.b2, dtype=np.float32)

    def logits_one(self, indices: NDArray[np.int32], values: NDArray[np.float32]) -> FloatArray:
        """Fast path for one message: a weighted sum of the rows of the features present."""
        if self.w1 is None or self.b1 is None or self.w2 is None or self.b2 is None:
            raise RuntimeError("network is not trained")
        hidden = np.maximum(values @ self.w1[indices] + self.b1, 0)
        return np.asarray(hidden @ self.w2 + self.b2, dtype=np.float32)

    def arrays(self) -> dict[str, FloatArray]:
        if self.w1 is None or self.b1 is None or self.w2 is None or self.b2 is None:
            raise RuntimeError("network is not trained")
        return {"w1": self.w1, "b1": self.b1, "w2": self.w2, "b2": self.b2}

    @classmethod
    def from_arrays(cls, arrays: dict[str, FloatArray], settings: MLPSettings) -> SparseMLP:
        network = cls(settings)
        network.w1 = arrays["w1"]
        network.b1 = arrays["b1"]
        network.w2 = arrays["w2"]
        network.b2 = arrays["b2"]
        return network
