"""Assistant test fixtures: one small model trained per test session (never a file on disk), and
the seeded demo world once per module (`demo_world`)."""

from __future__ import annotations

import copy
import functools
import io
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.core.management import call_command
from django.db import transaction

from walletdesk.assistant.nlu import store
from walletdesk.assistant.nlu.data import load_training_examples
from walletdesk.assistant.nlu.pipeline import Pipeline, load_config_file
from walletdesk.assistant.tests.committing import commits_at_this_level
from walletdesk.payments import facade as payments

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday, so weekday arithmetic is easy to check by hand.
NOW = datetime(2025, 5, 14, 10, 30, tzinfo=SHANGHAI)


def fast_config() -> dict[str, Any]:
    """The shipped pipeline with one network of half the width: it trains about as fast as a
    much smaller one (the features dominate) and is as sure of itself as the scenarios need."""
    config = copy.deepcopy(load_config_file())
    for step in config["pipeline"]:
        if step["name"] == "ensemble_intent_classifier":
            step["mlp"] = {**step.get("mlp", {}), "seeds": 1, "hidden": 192, "epochs": 10}
    return config


@pytest.fixture(scope="session")
def fast_config_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("nlu-config") / "pipeline.yml"
    path.write_text(yaml.safe_dump(fast_config(), allow_unicode=True), encoding="utf-8")
    return path


@functools.cache
def train_fast_pipeline() -> Pipeline:
    """Trained once per process, whichever test needs it first (tests/test_api_contract.py too)."""
    pipeline = Pipeline.from_config(fast_config())
    pipeline.train(load_training_examples())
    return pipeline


@pytest.fixture(scope="session")
def trained_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    pipeline = train_fast_pipeline()
    pipeline.persist(tmp_path_factory.mktemp("nlu-model"))
    return pipeline


@pytest.fixture
def nlu(trained_pipeline: Pipeline) -> Iterator[Pipeline]:
    """Make the session model the one `facade.parse` uses, for one test."""
    store.activate(trained_pipeline)
    yield trained_pipeline
    store.activate(None)


@pytest.fixture
def no_model(tmp_path: Path, settings: Any) -> Iterator[None]:
    settings.WALLETDESK_NLU_MODEL_DIR = str(tmp_path / "empty")
    store.activate(None)
    yield
    store.activate(None)


@pytest.fixture
def staff_user(user_factory: Callable[..., Any]) -> Any:
    from walletdesk.identity.enums import Role

    return user_factory(role=Role.AGENT)


@pytest.fixture
def instant_sandbox_rail(settings: Any) -> None:
    """The sandbox rail answers at once, calls nobody back and takes no forced mode, so a turn
    that re-queries a top-up sees its real outcome."""
    settings.WALLETDESK = {
        **settings.WALLETDESK,
        "SANDBOX_RAIL_LATENCY_SECONDS": 0,
        "SANDBOX_CALLBACK_BASE_URL": "",
        "SANDBOX_RAIL_FORCE_MODE": "",
    }


@pytest.fixture(scope="module")
def demo_world(
    django_db_setup: None, django_db_blocker: Any, trained_pipeline: Pipeline
) -> Iterator[None]:
    """`seed_demo` once for the module, inside a transaction rolled back at its end; each test
    runs in its own savepoint on top (mark the module's tests with one xdist group so that one
    worker seeds)."""
    with django_db_blocker.unblock():
        payments.forget_process_caches()
        with transaction.atomic():
            with commits_at_this_level():
                call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
            yield
            transaction.set_rollback(True)
        payments.forget_process_caches()


@pytest.fixture
def demo_assistant(demo_world: None, trained_pipeline: Pipeline) -> Iterator[None]:
    """The demo world with the session model active, for tests that talk to the assistant as
    the demo customers."""
    store.activate(trained_pipeline)
    try:
        yield
    finally:
        store.activate(None)
        payments.forget_process_caches()
