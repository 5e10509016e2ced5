from __future__ import annotations

import copy
from pathlib import Path

import pytest

from walletdesk.assistant import facade
from walletdesk.assistant.errors import (
    ModelNotTrainedError,
    ParseTextInvalidError,
    PipelineConfigError,
)
from walletdesk.assistant.nlu.components.base import COMPONENTS, Component, Message, register
from walletdesk.assistant.nlu.pipeline import Pipeline, load_config_file, resolve_components
from walletdesk.assistant.tests.conftest import NOW
from walletdesk.core.money import Money


def test_shipped_pipeline_declaration_is_valid() -> None:
    names = [cls.name for cls, _config in resolve_components(load_config_file())]
    assert names[0] == "text_normalizer"
    assert names[-1] == "fallback_classifier"
    assert "ensemble_intent_classifier" in names


def test_unknown_component_is_a_clear_error() -> None:
    config = {"pipeline": [{"name": "text_normalizer"}, {"name": "magic_classifier"}]}
    with pytest.raises(PipelineConfigError) as caught:
        Pipeline.from_config(config)
    assert caught.value.code == "assistant_pipeline_invalid"
    assert "unknown component 'magic_classifier'" in caught.value.user_message
    assert "text_normalizer" in caught.value.user_message  # lists the known names


def test_unknown_setting_and_bad_values_are_reported() -> None:
    config = {
        "pipeline": [
            {"name": "text_normalizer", "shout": True},
            {"name": "mixed_tokenizer"},
            {"name": "ngram_tfidf_featurizer", "word_ngrams": [3, 1]},
            {"name": "ensemble_intent_classifier"},
            {"name": "fallback_classifier", "threshold": 2},
        ]
    }
    with pytest.raises(PipelineConfigError) as caught:
        Pipeline.from_config(config)
    message = caught.value.user_message
    assert "text_normalizer: unknown setting 'shout'" in message
    assert "word_ngrams must be [low, high]" in message
    assert "threshold must be a number between 0 and 1" in message


def test_component_order_is_checked() -> None:
    config = {"pipeline": [{"name": "ensemble_intent_classifier"}, {"name": "text_normalizer"}]}
    with pytest.raises(PipelineConfigError, match="needs features from a component declared"):
        Pipeline.from_config(config)


def test_pipeline_must_be_a_list() -> None:
    with pytest.raises(PipelineConfigError, match="non-empty list"):
        Pipeline.from_config({"pipeline": "text_normalizer"})


def test_components_register_by_name() -> None:
    @register
    class Shouter(Component):
        name = "test_shouter"

        def process(self, message: Message) -> None:
            message.normalized = message.working_text.upper()

    try:
        pipeline = Pipeline.from_config({"pipeline": [{"name": "test_shouter"}]})
        assert pipeline.process("abc").normalized == "ABC"
    finally:
        COMPONENTS.pop("test_shouter")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("充值了钱一直没到账", "topup_not_arrived"),
        ("提现失败了，钱被退回", "withdraw_failed"),
        ("我手机丢了，快帮我冻结账户", "emergency_freeze"),
        ("转人工", "human_agent"),
        ("my phone was stolen, freeze my account", "emergency_freeze"),
        ("I was charged twice for one order", "duplicate_charge"),
        ("how do I top up", "topup_how"),
        ("今天天气怎么样", "out_of_scope"),
        ("tell me a joke", "out_of_scope"),
    ],
)
def test_trained_model_understands_typical_messages(nlu: Pipeline, text: str, intent: str) -> None:
    result = facade.parse(text, now=NOW)
    assert result.intent == intent
    assert result.ranking[0].intent == intent or result.is_out_of_scope
    assert result.is_out_of_scope is (intent == "out_of_scope")


def test_parse_result_carries_everything_a_flow_needs(nlu: Pipeline) -> None:
    result = facade.parse("昨天晚上8点用工行卡充的500块还没到账！急", now=NOW)
    assert result.intent == "topup_not_arrived"
    assert result.lang == "zh" and result.detected_lang == "zh"
    assert 0 < result.confidence <= 1
    assert len(result.ranking) == 5
    assert [s.score for s in result.ranking] == sorted(
        (s.score for s in result.ranking), reverse=True
    )
    (amount,) = result.entities_of("amount")
    assert amount.money == Money(50000, "CNY")
    (moment,) = result.entities_of("datetime")
    assert moment.value == "2025-05-13T20:00:00+08:00"
    (rail,) = result.entities_of("rail")
    assert rail.value == "bank_card"
    assert "urgent" in result.signals and result.handoff_priority == "high"
    assert result.model_version == nlu.version


def test_mixed_language_message_is_answered_in_chinese(nlu: Pipeline) -> None:
    result = facade.parse("我的top up一直pending，钱没到", now=NOW)
    assert result.detected_lang == "mixed"
    assert result.lang == "zh"
    assert result.intent == "topup_not_arrived"


def test_english_message_is_answered_in_english(nlu: Pipeline) -> None:
    result = facade.parse("my withdrawal hasn't arrived yet", now=NOW)
    assert (result.lang, result.intent) == ("en", "withdraw_not_arrived")


def test_traditional_characters_and_slips_are_understood(nlu: Pipeline) -> None:
    result = facade.parse("體現一直沒到帳", now=NOW)
    assert result.normalized_text == "提现一直没到账"
    assert result.intent == "withdraw_not_arrived"


def test_saved_model_loads_and_gives_the_same_answer(nlu: Pipeline, tmp_path: Path) -> None:
    nlu.persist(tmp_path)
    loaded = Pipeline.load(tmp_path)
    assert loaded.version == nlu.version
    for text in ("退款还没到账", "how do I add a bank card"):
        expected = nlu.parse(text, now=NOW)
        actual = loaded.parse(text, now=NOW)
        assert actual.intent == expected.intent
        assert actual.confidence == pytest.approx(expected.confidence, abs=0.01)


def test_missing_model_is_reported_not_trained(no_model: None) -> None:
    with pytest.raises(ModelNotTrainedError):
        facade.parse("余额多少")


@pytest.mark.parametrize("text", ["", "   ", "x" * 1001])
def test_facade_refuses_empty_or_long_text(nlu: Pipeline, text: str) -> None:
    with pytest.raises(ParseTextInvalidError):
        facade.parse(text)


def test_config_is_not_mutated_by_validation() -> None:
    config = load_config_file()
    before = copy.deepcopy(config)
    resolve_components(config)
    assert config == before


def test_training_data_covers_every_required_intent_in_both_languages() -> None:
    from walletdesk.assistant.nlu.data import REQUIRED_INTENTS, coverage, load_training_examples

    table = coverage(load_training_examples())
    assert set(table) == set(REQUIRED_INTENTS)
    thin = {
        (intent, lang): table[intent][lang]
        for intent in REQUIRED_INTENTS
        for lang in ("zh", "en")
        if table[intent][lang] < 35
    }
    assert thin == {}


def test_held_out_files_are_apart_from_training_data() -> None:
    from walletdesk.assistant.nlu.data import (
        DEV_DIR,
        EVAL_DIR,
        REQUIRED_INTENTS,
        load_jsonl,
        load_training_examples,
    )

    training = {e.text.strip().lower() for e in load_training_examples()}
    for directory in (EVAL_DIR, DEV_DIR):
        for name in ("zh.jsonl", "en.jsonl"):
            held_out = load_jsonl(directory / name)
            assert {e.intent for e in held_out} == set(REQUIRED_INTENTS)
            assert [e.text for e in held_out if e.text.strip().lower() in training] == []
