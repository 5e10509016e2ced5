"""Where the trained model lives, and the one loaded copy of it per process.

The model directory is `settings.WALLETDESK_NLU_MODEL_DIR` (environment variable of the same
name, default `<VAR_DIR>/nlu`). The model is loaded once, on first use
(or by `warm_up()`), and then shared by every request of the process. Nothing here trains: a
missing model is a `ModelNotTrainedError` (503) telling the operator to run `nlu_train`.
"""

from __future__ import annotations

import gc
import logging
import threading
from pathlib import Path

from django.conf import settings

from walletdesk.assistant.nlu.data import fingerprint, load_training_examples
from walletdesk.assistant.nlu.pipeline import (
    DEFAULT_CONFIG_FILE,
    Pipeline,
    Progress,
    config_hash,
    load_config_file,
    prune_versions,
    read_manifest,
)

logger = logging.getLogger("walletdesk.assistant")

_lock = threading.Lock()
_active: Pipeline | None = None


def model_root() -> Path:
    return Path(settings.WALLETDESK_NLU_MODEL_DIR)


def get_pipeline() -> Pipeline:
    global _active
    pipeline = _active
    if pipeline is not None:
        return pipeline
    with _lock:
        if _active is None:
            root = model_root()
            _active = Pipeline.load(root)
            # The model's vocabularies are large, long-lived containers: move them out of the
            # garbage collector's generations so collections on the request path stay short.
            gc.collect()
            gc.freeze()
            logger.info("assistant.model.loaded version=%s root=%s", _active.version, root)
        return _active


def activate(pipeline: Pipeline | None) -> None:
    """Use `pipeline` for every parse in this process (tests; reload after training)."""
    global _active
    with _lock:
        _active = pipeline


def warm_up() -> str:
    return get_pipeline().version


def is_up_to_date(root: Path | None = None, config_file: Path | None = None) -> bool:
    """True when a model exists and was trained from the current configuration and data."""
    manifest = read_manifest(root or model_root())
    if manifest is None:
        return False
    config = load_config_file(config_file or DEFAULT_CONFIG_FILE)
    return bool(
        manifest.get("config_hash") == config_hash(config)
        and manifest.get("data_hash") == fingerprint(load_training_examples())
    )


def _silent(_message: str) -> None:
    return None


def train_and_save(
    root: Path | None = None,
    progress: Progress = _silent,
    keep_versions: int = 2,
    config_file: Path | None = None,
) -> Pipeline:
    """Train the pipeline on the shipped data and make it the current model under `root`."""
    root = root or model_root()
    pipeline = Pipeline.from_config(load_config_file(config_file or DEFAULT_CONFIG_FILE))
    pipeline.train(load_training_examples(), progress=progress)
    pipeline.persist(root)
    prune_versions(root, keep=keep_versions)
    return pipeline
