"""Validation of names and other profile text (UPL-7).

NFKC-normalise once; refuse bidi and zero-width controls and other invisible format characters;
refuse mixed-script confusables (Cyrillic "а" inside a Latin word); refuse names whose confusable
skeleton equals a reserved word such as "admin", "support" or the brand.
"""

from __future__ import annotations

import unicodedata

from confusable_homoglyphs import confusables  # type: ignore[import-untyped]

from walletdesk.identity.errors import ReservedNameError, UnsafeTextError

RESERVED = frozenset(
    {
        "admin",
        "administrator",
        "support",
        "agent",
        "walletdesk",
        "wallet",
        "system",
        "official",
        "客服",
        "官方",
        "管理员",
        "系统",
    }
)
_SKELETON_FOLD = str.maketrans({"0": "o", "1": "l", "3": "e", "5": "s", "@": "a", "$": "s"})


def _has_invisible(text: str) -> bool:
    return any(unicodedata.category(ch) in {"Cf", "Cc", "Co", "Cs", "Zl", "Zp"} for ch in text)


def _skeleton(text: str) -> str:
    folded = []
    for ch in text:
        found = confusables.is_confusable(ch, preferred_aliases=["latin"], greedy=True)
        if found:
            latin = [h["c"] for h in found[0]["homoglyphs"] if h["c"].isascii()]
            folded.append(latin[0] if latin else ch)
        else:
            folded.append(ch)
    return "".join(folded).lower().translate(_SKELETON_FOLD)


def clean_display_text(raw: str, *, max_length: int = 64, reserved_check: bool = True) -> str:
    text = unicodedata.normalize("NFKC", raw).strip()
    if _has_invisible(text):
        raise UnsafeTextError()
    if confusables.is_dangerous(text, preferred_aliases=["latin", "han"]):
        raise UnsafeTextError()
    if len(text) > max_length:
        text = text[:max_length]
    if reserved_check:
        skeleton = "".join(ch for ch in _skeleton(text) if not ch.isspace() and ch not in "-_.")
        if skeleton in RESERVED or text.lower() in RESERVED:
            raise ReservedNameError()
    return text
