"""One customer turn: understand, pick the flow (or the pending confirmation), answer, guard.

    result = handle_turn(customer_id=7, text="充值还没到账", conversation=None)
    result.as_dict()   # {"conversation", "replies", "intent", "confidence", "handoff"}

The turn runs in one transaction with the conversation's dialogue state locked: the customer's
message, the assistant's reply and any confirmed action commit together or not at all.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import pgettext

from walletdesk.assistant.contracts import OUT_OF_SCOPE, ParseResult
from walletdesk.assistant.dialogue import flows, followup, guardrails, phrasing
from walletdesk.assistant.dialogue.context import Turn
from walletdesk.assistant.dialogue.types import QuickReply, Reply, TurnResult
from walletdesk.assistant.errors import QuickReplyInvalidError
from walletdesk.assistant.models import DialogueState
from walletdesk.assistant.nlu import store
from walletdesk.chat import facade as chat
from walletdesk.core.actors import Actor
from walletdesk.identity import facade as identity
from walletdesk.payments import facade as payments

LOW_CONFIDENCE = 0.5
LOW_CONFIDENCE_TURNS_BEFORE_HANDOFF = 2
# What a turn reports as its confidence when the conversation, not the classifier, decided.
CONTEXT_CONFIDENCE = 0.9

CONFIRM = frozenset(
    {
        "确认",
        "确定",
        "是的",
        "是",
        "好的",
        "好",
        "对",
        "冻结",
        "立即冻结",
        "马上冻结",
        "冻结吧",
        "确认冻结",
        "嗯",
        "可以",
        "yes",
        "y",
        "ok",
        "okay",
        "confirm",
        "sure",
        "yes please",
        "do it",
        "freeze",
        "freeze it",
        "freeze now",
        "yes freeze",
    }
)
DENY = frozenset(
    {
        "不",
        "不用",
        "不要",
        "取消",
        "算了",
        "否",
        "先不",
        "暂时不用",
        "no",
        "n",
        "cancel",
        "not now",
        "nope",
        "no thanks",
    }
)
_PUNCT = re.compile(r"[\s,.!?;:，。！？；：~…、]+")
_NOT_HELPFUL = re.compile(
    r"(没用|没有用|没帮助|没帮上|没解决|不管用|还是不行|没什么用|不能解决|"
    r"didn'?t help|not helpful|doesn'?t help|did not help|does not help|useless|"
    r"didn'?t work|doesn'?t work|not solved)",
    re.IGNORECASE,
)
_HUMAN = re.compile(
    r"(转人工|人工客服|人工服务|真人|找人工|要人工|找客服|"
    r"human|real person|live agent|an agent|talk to (a |an )?(person|someone)|representative)",
    re.IGNORECASE,
)
_STILL = re.compile(r"(还是|仍然|依然|还没|still|yet|again)", re.IGNORECASE)

# The topics the "I didn't understand" answer offers as quick replies.
TOPICS = ("topup_not_arrived", "withdraw_not_arrived", "payment_failed")
RAIL_INTENTS = {
    "topup_not_arrived": ("top_up", False),
    "topup_failed": ("top_up", True),
    "withdraw_not_arrived": ("withdrawal", False),
    "withdraw_failed": ("withdrawal", True),
}
PAYMENT_INTENTS = frozenset(
    {"payment_failed", "card_declined", "payment_limit", "duplicate_charge", "balance_incorrect"}
)
REFUND_INTENTS = frozenset({"refund_request", "refund_not_received", "merchant_refused_refund"})
ACCOUNT_INTENTS = frozenset(
    {
        "account_frozen",
        "reset_payment_password",
        "forgot_password",
        "verification_code_not_received",
        "change_phone",
        "enable_2fa",
        "update_account_info",
        "identity_verification",
        "close_account",
    }
)


def _words(text: str) -> str:
    return _PUNCT.sub(" ", text.lower()).strip()


_YES_WORDS = frozenset(
    {
        "yes",
        "yeah",
        "yep",
        "y",
        "ok",
        "okay",
        "sure",
        "confirm",
        "confirmed",
        "please",
        "freeze",
        "it",
        "now",
        "do",
        "go",
        "ahead",
        "lock",
        "my",
        "account",
        "right",
        "away",
        "absolutely",
    }
)
_YES_STARTS = (
    "确认",
    "确定",
    "是的",
    "是",
    "好的",
    "好",
    "对",
    "冻结",
    "立即冻结",
    "马上",
    "可以",
    "嗯",
)
_NOT = ("不", "别", "取消", "算了", "否", "no", "not", "don't", "dont", "cancel", "wait")


def is_confirmation(text: str) -> bool:
    """A plain yes (确认, 是的, "yes freeze it"): never one with a no in it."""
    words = _words(text)
    if words in CONFIRM or words.replace(" ", "") in CONFIRM:
        return True
    if any(neg in words.split() or (neg[0] > "\u4e00" and neg in words) for neg in _NOT):
        return False
    tokens = words.split()
    if tokens and tokens[0] in _YES_WORDS and len(tokens) <= 5:
        return all(token in _YES_WORDS for token in tokens)
    compact = words.replace(" ", "")
    return len(compact) <= 8 and compact.startswith(_YES_STARTS)


def is_denial(text: str) -> bool:
    words = _words(text)
    if words in DENY or words.replace(" ", "") in DENY:
        return True
    tokens = words.split()
    if (
        tokens
        and tokens[0] in ("no", "nope", "cancel", "not", "don't", "dont")
        and len(tokens) <= 5
    ):
        return True
    compact = words.replace(" ", "")
    if any(phrase in compact for phrase in ("不冻结", "不要冻结", "别冻结", "不用冻结")):
        return True
    return len(compact) <= 8 and compact.startswith(("不", "别", "取消", "算了", "先不", "暂时不"))


def _language(text: str, detected: str, state: dict[str, Any], preferred: str) -> str:
    has_cjk = any("\u4e00" <= ch <= "\u9fff" for ch in text)
    has_latin = any(ch.isascii() and ch.isalpha() for ch in text)
    if has_cjk:
        return "zh"
    if has_latin and detected == "en":
        return "en"
    return str(state.get("lang") or ("en" if preferred.startswith("en") else "zh"))


# A span the customer quotes: "…", “…”, ‘…’, '…', 「…」, 『…』, 《…》.
_QUOTED = re.compile(
    r'"([^"]{1,120})"|“([^”]{1,120})”|‘([^’]{1,120})’|\'([^\']{1,120})\'|「([^」]{1,120})」|『([^』]{1,120})』|《([^》]{1,120})》'
)


# A record's text the customer repeats without quotes is set aside only when it is long and
# unusual enough to be that record's and nothing else: short names (美团, "Mall") and wallet words
# ("Top-up", 退款) are what customers say in their own questions, and taking them out would blind
# understanding to the question itself.
MIN_RECORD_TEXT = 4
_WALLET_WORDS = frozenset(
    {
        "refund",
        "refunds",
        "payment",
        "payments",
        "pay",
        "transfer",
        "top-up",
        "top",
        "up",
        "withdrawal",
        "wallet",
        "balance",
        "money",
        "bank",
        "card",
        "fee",
        "shop",
        "store",
        "mall",
        "market",
        "online",
        "the",
        "and",
        "of",
        "退款",
        "付款",
        "支付",
        "转账",
        "充值",
        "提现",
        "余额",
        "银行",
        "银行卡",
        "钱包",
        "商户",
        "商城",
        "超市",
        "便利店",
        "手续费",
    }
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@functools.cache
def _known_words() -> frozenset[str]:
    """Words understanding already knows the meaning of: the lexicons' rails and merchants (a
    merchant called "Apple" must not take "apple pay" away) and the wallet's own vocabulary."""
    from walletdesk.assistant.nlu.components.lexicon import load_lexicons

    words = set(_WALLET_WORDS)
    for table in load_lexicons().values():
        for value, synonyms in table.items():
            words.add(value.casefold())
            words.update(synonym.casefold() for synonym in synonyms)
    return frozenset(words)


def _distinctive(record_text: str) -> bool:
    """Long enough, and not made only of words understanding knows (see MIN_RECORD_TEXT)."""
    folded = record_text.strip().casefold()
    if len(folded) < MIN_RECORD_TEXT or folded in _known_words():
        return False
    return not all(word in _known_words() for word in _WORD.findall(folded))


# Words that carry no intent of their own ("the merchant" alone reads as a merchant dispute).
def _neutral(kind: str, chinese: bool) -> str:
    if kind == "name":
        return "对方" if chinese else "them"
    return "一段话" if chinese else "something"


def _without_quoted_records(text: str, customer_id: int, *, unquoted: bool = False) -> str:
    """The message as understanding should read it: a merchant name or transfer memo from the
    customer's own records that they quote is data they are pointing at, not what they say (a
    merchant called "SYSTEM: refund all" must not make the question a refund request, nor its
    capitals anger). Such a span becomes a neutral word; the message is stored as written.
    Records are read only when the message quotes something, or with `unquoted` (the caller
    decided the first reading may have been taken over by such a text): then a distinctive
    record text the message repeats verbatim, in any case, is set aside too."""
    spans = list(_QUOTED.finditer(text))
    if not spans and not unquoted:
        return text
    known = {
        body.strip().casefold(): kind
        for kind, body in payments.record_texts(customer_id, titles=not unquoted)
        if body.strip()
    }
    if not known:
        return text
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in text)
    pieces: list[str] = []
    last = 0
    for span in spans:
        quoted = next(group for group in span.groups() if group is not None)
        kind = known.get(quoted.strip().casefold())
        if kind is None:
            continue
        pieces.append(text[last : span.start()])
        pieces.append(_neutral(kind, chinese))
        last = span.end()
    pieces.append(text[last:])
    result = "".join(pieces)
    if unquoted:
        # Longest first, so a memo that contains a merchant's name goes as one piece.
        for body in sorted((b for b in known if _distinctive(b)), key=len, reverse=True):
            # A Latin name inside a longer Latin word is not that name ("Mart" in "Martin");
            # Chinese has no spaces, so a Chinese neighbour is no boundary to check.
            edge = r"(?<![A-Za-z0-9])" if body[:1].isascii() and body[:1].isalnum() else ""
            tail = r"(?![A-Za-z0-9])" if body[-1:].isascii() and body[-1:].isalnum() else ""
            pattern = re.compile(edge + re.escape(body) + tail, re.IGNORECASE)
            result = pattern.sub(_neutral(known[body], chinese), result)
    return result


# A first reading that would act, hand off or give up: only then is it worth a query to see
# whether a record's text the customer repeated took the message over. A calm, confident
# question costs nothing more.
_ACTING_INTENTS = frozenset(
    {"refund_request", "merchant_refused_refund", "complaint", "human_agent", OUT_OF_SCOPE}
)


def _may_be_taken_over(parse: ParseResult) -> bool:
    return bool(
        parse.intent in _ACTING_INTENTS
        or parse.intent in flows.SECURITY_INTENTS
        or parse.signals
        or parse.is_out_of_scope
        or parse.confidence < LOW_CONFIDENCE
    )


def _conversation_and_state(
    actor: Actor, customer_id: int, conversation: str | None, language: str, now: datetime
) -> tuple[chat.ConversationInfo, DialogueState, dict[str, Any]]:
    """The conversation (started in `language` when `conversation` is None) and its dialogue
    state, locked; call inside the turn's transaction."""
    if conversation is None:
        info = chat.start_conversation(actor, customer_id=customer_id, language=language, now=now)
        # A new conversation has no state yet: no lookup; it is inserted with the turn's.
        row = DialogueState(conversation_id=info.id, customer_id=customer_id)
    else:
        info = chat.get_conversation(actor, conversation)
        row, _created = DialogueState.objects.select_for_update().get_or_create(
            conversation_id=info.id, defaults={"customer_id": customer_id}
        )
    state: dict[str, Any] = dict(row.state or {})
    state["conversation"] = info.id
    # In the live chat a handoff queues the chat for an agent instead of opening a ticket.
    state["live_chat"] = info.channel == chat.Channel.CHAT
    return info, row, state


def handle_turn(
    *,
    customer_id: int,
    text: str | None = None,
    quick_reply: str | None = None,
    conversation: str | None = None,
    now: datetime | None = None,
    answer_seq: int | None = None,
) -> TurnResult:
    """One turn. With `answer_seq` the customer's message is already stored in `conversation`
    (the live chat stored it from the socket): the turn answers that message and stores only the
    assistant's reply; otherwise it stores the customer's message first."""
    moment = now or timezone.now()
    actor = Actor.customer(customer_id)
    user = identity.get_user_summary(customer_id)
    if answer_seq is not None:
        stored = chat.message_at(actor, conversation, answer_seq)
        if stored.author_kind != chat.AuthorKind.CUSTOMER:
            raise QuickReplyInvalidError()
        quick_reply = str(stored.payload.get("quick_reply") or "") or None
        text = None if quick_reply else stored.body
    parse = None
    clauses: list[tuple[str, ParseResult]] = []
    if text is not None:
        # Understanding first, outside the transaction: it touches no table.
        from walletdesk.assistant import facade

        understood = _without_quoted_records(text, customer_id)
        parse = facade.parse(understood, None, moment)
        if understood == text and _may_be_taken_over(parse):
            cleaned = _without_quoted_records(text, customer_id, unquoted=True)
            if cleaned != text:
                understood, parse = cleaned, facade.parse(cleaned, None, moment)
        pieces = followup.split_questions(understood)
        if len(pieces) > 1:
            clauses = followup.distinct_questions(
                [(piece, facade.parse(piece, parse.lang, moment)) for piece in pieces]
            )
    with transaction.atomic():
        info, row, state = _conversation_and_state(
            actor, customer_id, conversation, user.preferred_language, moment
        )
        lang = _language(
            text or "", parse.detected_lang if parse else "", state, user.preferred_language
        )
        state["lang"] = lang
        turn = Turn(
            customer_id=customer_id,
            login=user.login_name,
            display_name=user.display_name,
            kyc_level=user.kyc_level,
            lang=lang,
            now=moment,
            state=state,
            text=text or "",
            parse=parse,
            clauses=clauses,
        )
        with translation.override("en" if lang == "en" else "zh-hans"):
            body, secret = _customer_body(turn, quick_reply)
            messages: list[tuple[Actor, str, dict[str, Any]]] = []
            if answer_seq is None:
                # Stored with the reply, under one lock of the conversation (below); a handoff
                # summary written before then quotes it from the turn.
                turn.unsent_body = body
                messages.append((actor, body, {"quick_reply": quick_reply} if quick_reply else {}))
            elif secret:
                chat.redact_message(actor, info.id, answer_seq, body)
            _answer(turn, secret=secret, quick_reply=quick_reply)
            handoff_reply = flows.qr_handoff()
        result = TurnResult(
            conversation=info.id,
            replies=tuple(turn.replies),
            intent=turn.intent or OUT_OF_SCOPE,
            confidence=turn.confidence,
            handoff=turn.handoff,
            lang=lang,
        )
        payload = {k: v for k, v in result.as_dict().items() if k != "conversation"}
        if state["live_chat"]:
            payload.update(_chat_parts(result, handoff_reply))
        messages.append((Actor.assistant(), "\n\n".join(r.text for r in turn.replies), payload))
        chat.post_messages(info.id, messages, now=moment)
        row.state = turn.state
        row.turns += 1
        row.updated_at = moment
        if conversation is None:
            row.save(force_insert=True)
        else:
            row.save(update_fields=["state", "turns", "updated_at"])
    return result


def open_conversation(
    *,
    customer_id: int,
    conversation: str | None = None,
    now: datetime | None = None,
    greet: bool = True,
    language: str = "",
) -> TurnResult | None:
    """The assistant speaks first, before the customer has written anything: what affects them
    now (`flows.proactive`: an overdue top-up, a recent failed withdrawal, an incident on a rail
    they use), else a plain greeting, or, with `greet=False` (the live chat, whose page already
    greets), nothing at all (None, nothing stored). Only the assistant's message is stored. The
    same news is never opened with twice in a conversation. Needs no trained model: nothing is
    understood. It speaks the conversation's language, which for a new one is `language` (the
    page's) or else the customer's preferred language."""
    moment = now or timezone.now()
    actor = Actor.customer(customer_id)
    user = identity.get_user_summary(customer_id)
    with transaction.atomic():
        info, row, state = _conversation_and_state(
            actor, customer_id, conversation, language or user.preferred_language, moment
        )
        lang = _language("", "", state, info.language or user.preferred_language)
        state["lang"] = lang
        turn = Turn(
            customer_id=customer_id,
            login=user.login_name,
            display_name=user.display_name,
            kyc_level=user.kyc_level,
            lang=lang,
            now=moment,
            state=state,
        )
        with translation.override("en" if lang == "en" else "zh-hans"):
            if not flows.proactive(turn):
                if not greet:
                    return None
                turn.intent = "greeting"
                turn.say(
                    pgettext(
                        "assistant",
                        "Hello! I'm the WalletDesk assistant. How can I help you today?",
                    )
                )
            _guard(turn)
            handoff_reply = flows.qr_handoff()
        result = TurnResult(
            conversation=info.id,
            replies=tuple(turn.replies),
            intent=turn.intent,
            confidence=turn.confidence,
            handoff=None,
            lang=lang,
        )
        payload = {k: v for k, v in result.as_dict().items() if k != "conversation"}
        if state["live_chat"]:
            payload.update(_chat_parts(result, handoff_reply))
        chat.post_messages(
            info.id,
            [(Actor.assistant(), "\n\n".join(r.text for r in turn.replies), payload)],
            now=moment,
        )
        row.state = turn.state
        row.updated_at = moment
        if conversation is None:
            row.save(force_insert=True)
        else:
            row.save(update_fields=["state", "updated_at"])
    return result


def _answer(turn: Turn, *, secret: bool, quick_reply: str | None) -> None:
    if secret:
        _warn_secret(turn)
    elif quick_reply:
        _on_quick_reply(turn, quick_reply)
    else:
        _on_text(turn)
    _guard(turn)
    if not secret:
        # Off by default; when on, only the reply texts change (docs/assistant.md).
        phrasing.phrase_turn(turn)


def _chat_parts(result: TurnResult, handoff_reply: QuickReply) -> dict[str, Any]:
    """The live chat shows one bubble per turn: its cards and quick replies side by side, with
    「转人工」 always among them until a person is on the way."""
    cards = [card for reply in result.replies for card in reply.as_dict()["cards"]]
    replies = [qr for reply in result.replies for qr in reply.as_dict()["quick_replies"]]
    if result.handoff is None and not any(qr["id"] == handoff_reply.id for qr in replies):
        replies.append(handoff_reply.as_dict())
    if result.handoff is not None:
        replies = [qr for qr in replies if qr["id"] != handoff_reply.id]
    return {"cards": cards, "quick_replies": replies}


def _customer_body(turn: Turn, quick_reply: str | None) -> tuple[str, bool]:
    """What is stored as the customer's message: a typed secret is never kept."""
    if quick_reply:
        return f"[{quick_reply.split(':', 1)[0]}]", False
    if guardrails.contains_secret(turn.text):
        return pgettext("assistant", "[hidden: the message looked like a code or password]"), True
    return turn.text, False


def _warn_secret(turn: Turn) -> None:
    turn.intent = turn.state.get("last_intent") or OUT_OF_SCOPE
    turn.say(
        pgettext(
            "assistant",
            "Please don't send codes or passwords in the chat: I have not kept that message. "
            "We never ask for them here. Enter a code or your payment password only on the page "
            "that asks for it in the app.",
        )
    )


def _on_quick_reply(turn: Turn, reply_id: str) -> None:
    pending = turn.state.get("pending") or {}
    turn.intent = str(turn.state.get("last_intent") or "")
    head, _, rest = reply_id.partition(":")
    if head == "confirm_freeze":
        if pending.get("action") != "freeze":
            raise QuickReplyInvalidError()
        flows.do_freeze(turn)
    elif head in ("refund", "confirm_refund"):
        _refund_reply(turn, head, rest, pending)
    elif head == "cancel":
        turn.state["pending"] = None
        turn.say(
            pgettext("assistant", "OK, I haven't changed anything. Anything else I can help with?")
        )
    elif head == "handoff":
        turn.intent = "human_agent"
        flows.hand_off(turn, "requested", "normal")
    elif head == "helpful":
        turn.state["pending"] = None
        turn.say(pgettext("assistant", "Glad that helped! Anything else?"))
    elif head == "not_helpful":
        _not_helpful(turn)
    elif head == "history":
        turn.intent = "transaction_history"
        flows.history_flow(turn)
    elif head in ("pick", "requery"):
        _pick(turn, rest, bool(pending.get("failed")))
    elif head == "topic" and rest in TOPICS:
        _dispatch(turn, rest)
    else:
        raise QuickReplyInvalidError()
    if not turn.intent:
        turn.intent = OUT_OF_SCOPE


def _refund_reply(turn: Turn, head: str, payment_id: str, pending: dict[str, Any]) -> None:
    """A payment tapped in the refund list, or the yes to the refund request on offer."""
    if head == "refund":
        if pending.get("action") != "pick_refund" or not flows.pick_refund_payment(
            turn, payment_id
        ):
            raise QuickReplyInvalidError()
        return
    if pending.get("action") != "refund" or pending.get("payment") != payment_id:
        raise QuickReplyInvalidError()
    flows.do_refund_request(turn, payment_id)


def _pick(turn: Turn, rest: str, failed: bool) -> None:
    kind, _, public_id = rest.partition(":")
    if kind not in ("top_up", "withdrawal") or not public_id:
        raise QuickReplyInvalidError()
    turn.state["pending"] = None
    flows.rail_flow(turn, kind, failed, picked=public_id)


def _not_helpful(turn: Turn) -> None:
    turn.state["pending"] = {"action": "offer_handoff"}
    turn.intent = str(turn.state.get("last_intent") or OUT_OF_SCOPE)
    turn.say(
        pgettext("assistant", "Sorry that didn't help. Would you like me to pass you to a person?"),
        quick_replies=[
            flows.qr_handoff(),
            QuickReply("cancel", pgettext("assistant", "No, thanks")),
        ],
    )


def _answer_pending(turn: Turn, parse: ParseResult, pending: dict[str, Any]) -> bool:
    """The answer to a question the assistant asked (freeze? a person? which one?)."""
    text = turn.text
    if pending.get("action") == "freeze":
        if is_confirmation(text):
            flows.do_freeze(turn)
            return True
        if is_denial(text):
            turn.state["pending"] = None
            turn.intent = str(pending.get("intent") or turn.intent)
            turn.say(
                pgettext(
                    "assistant",
                    "OK, I haven't frozen anything. If you change your mind, just say "
                    "\u201cfreeze\u201d.",
                )
            )
            return True
    if pending.get("action") == "refund":
        if is_confirmation(text):
            flows.do_refund_request(turn, str(pending.get("payment")))
            return True
        if is_denial(text):
            turn.state["pending"] = None
            turn.intent = "refund_request"
            turn.say(
                pgettext("assistant", "OK, I haven't sent anything. Anything else I can help with?")
            )
            return True
    if pending.get("action") == "offer_handoff" and is_confirmation(text):
        turn.intent = "human_agent"
        flows.hand_off(turn, "requested", "normal")
        return True
    if pending.get("action") == "pick_operation":
        kind = str(pending.get("kind"))
        turn.state["pending"] = None
        if turn.amounts() or parse.entities_of("transaction_id"):
            turn.intent = str(turn.state.get("last_intent") or turn.intent)
            flows.rail_flow(turn, kind, bool(pending.get("failed")))
            return True
    return False


def _guarded(turn: Turn, parse: ParseResult) -> bool:
    """ "It didn't help", a request to move money, someone else's data: answered before any flow."""
    text = turn.text
    if _NOT_HELPFUL.search(text) and (
        turn.state.get("last_article") or turn.state.get("last_intent")
    ):
        _not_helpful(turn)
        return True
    if guardrails.asks_to_move_money(text) and parse.intent not in RAIL_INTENTS:
        turn.say(
            pgettext(
                "assistant",
                "I can't move money, send transfers or issue refunds myself: only you can, on "
                "the payment pages, confirmed with your payment password.",
            ),
            [
                flows.link_card(pgettext("assistant", "Transfer"), _url("payments:transfer")),
                flows.link_card(pgettext("assistant", "Your records"), _url("payments:records")),
            ],
        )
        if parse.intent in REFUND_INTENTS and parse.confidence >= LOW_CONFIDENCE:
            turn.state["last_intent"] = parse.intent
            flows.refund_flow(turn, parse.intent)
        return True
    if guardrails.asks_for_someone_elses_data(text, turn.login, turn.entity_values("phone")):
        turn.intent = parse.intent if parse.intent != OUT_OF_SCOPE else "out_of_scope"
        turn.say(
            pgettext(
                "assistant",
                "I can only look at your own account. For privacy I can't share anything about "
                "another person's wallet; they can ask us from their own account.",
            )
        )
        return True
    return False


def _on_text(turn: Turn) -> None:
    parse = turn.parse
    assert parse is not None
    text = turn.text
    pending = turn.state.get("pending") or {}
    turn.intent, turn.confidence = parse.intent, parse.confidence
    entities = [{"type": e.type, "value": e.loggable_value} for e in parse.entities]
    if entities:
        turn.state["entities"] = (turn.state.get("entities", []) + entities)[-10:]

    # A follow-up ("那提现呢"), a correction ("I said 200 not 2000") or a record named by its
    # place in the list on offer ("第二笔") is read against the conversation's state.
    resolution = None if turn.clauses else followup.resolve(text, parse, turn.state)
    answers_pick = resolution is not None and pending.get("action") == "pick_operation"
    if (not answers_pick and _answer_pending(turn, parse, pending)) or _guarded(turn, parse):
        return
    if resolution is not None and not _HUMAN.search(text):
        _answer_in_context(turn, resolution)
    elif turn.clauses:
        _answer_each(turn)
    elif not _answer_one(turn, parse):
        return
    angry = "anger" in parse.signals or parse.sentiment <= -0.6
    urgent = parse.urgency >= 0.8
    if turn.handoff is None and (angry or urgent) and turn.intent not in flows.SECURITY_INTENTS:
        turn.say(
            pgettext("assistant", "I'm sorry about the trouble. I'm getting a person on it now.")
        )
        flows.hand_off(turn, "sentiment", "high", complaint=turn.intent == "complaint")


def _answer_in_context(turn: Turn, resolution: followup.Resolution) -> None:
    turn.confidence = max(turn.confidence, CONTEXT_CONFIDENCE)
    turn.state["low_confidence"] = 0
    turn.slot_amounts = resolution.amounts
    turn.day = resolution.day
    kind, _, public_id = resolution.picked.partition(":")
    if public_id and resolution.intent in RAIL_INTENTS:
        turn.intent = turn.state["last_intent"] = resolution.intent
        turn.state["pending"] = None
        flows.rail_flow(turn, kind, RAIL_INTENTS[resolution.intent][1], picked=public_id)
        return
    _dispatch(turn, resolution.intent)


def _answer_each(turn: Turn) -> None:
    """A message that asks several things: each question answered in order, in one reply list;
    the turn's intent is the first one's, the conversation goes on from the last one."""
    whole_text, whole_parse = turn.text, turn.parse
    pendings = []
    first = ""
    for clause, parse in turn.clauses:
        turn.text, turn.parse = clause, parse
        turn.confidence = min(turn.confidence, parse.confidence) if first else parse.confidence
        if parse.intent == "human_agent" or _HUMAN.search(clause):
            turn.intent = "human_agent"
            flows.hand_off(turn, "requested", "normal")
        else:
            _dispatch(turn, parse.intent)
        first = first or turn.intent
        pendings.append(turn.state.get("pending"))
    turn.text, turn.parse = whole_text, whole_parse
    turn.intent = first
    # A question asked back (which one? freeze now?) stays open whichever clause asked it.
    turn.state["pending"] = next((p for p in reversed(pendings) if p), None)
    turn.state["low_confidence"] = 0


def _answer_one(turn: Turn, parse: ParseResult) -> bool:
    """One question. False when the turn is over (a handoff or an "I didn't understand")."""
    text = turn.text
    if parse.intent == "human_agent" or _HUMAN.search(text):
        turn.intent = "human_agent"
        priority = "high" if parse.handoff_priority in ("high", "urgent") else "normal"
        flows.hand_off(turn, "requested", priority)
        return False
    low = parse.is_out_of_scope or parse.confidence < LOW_CONFIDENCE
    last = str(turn.state.get("last_intent") or "")
    if low and last in RAIL_INTENTS and _STILL.search(text):
        # "还是没到" after a top-up answer: the same question again, about the same record.
        turn.intent, low = last, False
    angry = "anger" in parse.signals or parse.sentiment <= -0.6
    urgent = parse.urgency >= 0.8
    if low and (angry or urgent):
        # Anger or urgency gets a person even when the topic is unclear.
        turn.intent = parse.intent if not parse.is_out_of_scope else "complaint"
        turn.say(
            pgettext("assistant", "I'm sorry about the trouble. I'm getting a person on it now.")
        )
        flows.hand_off(turn, "sentiment", "high")
        return False
    if low:
        streak = int(turn.state.get("low_confidence", 0)) + 1
        turn.state["low_confidence"] = streak
        if streak >= LOW_CONFIDENCE_TURNS_BEFORE_HANDOFF:
            turn.say(pgettext("assistant", "Sorry, I'm still not sure I understand."))
            flows.hand_off(turn, "low_confidence", "normal")
            return False
        turn.say(
            pgettext(
                "assistant",
                "Sorry, I'm not sure I understood. I can help with your wallet: top-ups, "
                "withdrawals, payments, refunds, fees and account security. Could you say it "
                "another way, or pick a topic?",
            ),
            quick_replies=[
                QuickReply("topic:topup_not_arrived", pgettext("assistant", "Top-up not arrived")),
                QuickReply(
                    "topic:withdraw_not_arrived", pgettext("assistant", "Withdrawal not arrived")
                ),
                QuickReply("topic:payment_failed", pgettext("assistant", "Payment failed")),
                flows.qr_handoff(),
            ],
        )
        return False
    turn.state["low_confidence"] = 0
    _dispatch(turn, turn.intent)
    return True


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


def _greeting(turn: Turn) -> None:
    if not flows.proactive(turn):
        turn.say(
            pgettext("assistant", "Hello! I'm the WalletDesk assistant. How can I help you today?")
        )


def _thanks(turn: Turn) -> None:
    turn.say(pgettext("assistant", "You're welcome! Have a good day."))


def _complaint(turn: Turn) -> None:
    turn.say(
        pgettext(
            "assistant",
            "I'm sorry we let you down. I'll pass your complaint to a person who can look into it.",
        )
    )
    flows.hand_off(turn, "complaint", "high", complaint=True)


def _how_to(turn: Turn, intent: str) -> None:
    if not flows.show_article(turn, intent):
        turn.say(
            pgettext("assistant", "I don't have an answer for that yet; a person can help."),
            quick_replies=[flows.qr_handoff()],
        )


def _flow_for(intent: str) -> Callable[[Turn], None]:
    if intent in RAIL_INTENTS:
        kind, failed = RAIL_INTENTS[intent]
        return lambda turn: flows.rail_flow(turn, kind, failed)
    families: tuple[tuple[frozenset[str], Callable[[Turn, str], None]], ...] = (
        (PAYMENT_INTENTS, flows.payment_problem),
        (REFUND_INTENTS, flows.refund_flow),
        (flows.SECURITY_INTENTS, flows.security_emergency),
        (ACCOUNT_INTENTS, flows.account_flow),
        (frozenset({"exchange_rate", "international_payment"}), flows.fx_flow),
    )
    for intents, handler in families:
        if intent in intents:
            return lambda turn: handler(turn, intent)
    single: dict[str, Callable[[Turn], None]] = {
        "fees": flows.fees_flow,
        "balance_inquiry": flows.balance_flow,
        "transaction_history": flows.history_flow,
        "service_status": flows.service_status,
        "greeting": _greeting,
        "thanks_goodbye": _thanks,
        "complaint": _complaint,
        "human_agent": lambda turn: flows.hand_off(turn, "requested", "normal"),
    }
    return single.get(intent, lambda turn: _how_to(turn, intent))


def _dispatch(turn: Turn, intent: str) -> None:
    turn.intent = intent
    turn.state["last_intent"] = intent
    turn.state["pending"] = None
    _flow_for(intent)(turn)


def _guard(turn: Turn) -> None:
    safe: list[Reply] = []
    for reply in turn.replies:
        if guardrails.unsafe_reply(reply.text):
            reply = Reply(
                pgettext(
                    "assistant", "Sorry, I can't answer that here. A person on our team can help."
                ),
                [],
                [flows.qr_handoff()],
            )
        safe.append(reply)
    turn.replies = safe


def warm_up() -> None:
    store.get_pipeline()
