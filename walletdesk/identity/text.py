"""Validation of names, identifiers and other profile text (UPL-7).

NFKC-normalise once; refuse bidi and zero-width controls and other invisible characters; refuse
mixed-script confusables (Cyrillic "а" inside a Latin word); refuse display names whose confusable
skeleton contains a reserved word ("admin", "support", 客服, 官方, the brand…) or equals a staff
member's name, because display names are shown to payees and in chats.

The skeleton follows UTS #39 ("Unicode Security Mechanisms", section 4): each character is
replaced by its prototype from the Unicode confusables data (`confusables.txt`, shipped as JSON by
the maintained `confusable-homoglyphs` package). We fold further than the standard does (case,
the i/l/1 family, 0/o, "rn"/m, separators and spaces) because the skeleton is only compared with
our own reserved words and staff names, never shown, and a coarser fold catches more disguises.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from confusable_homoglyphs import confusables  # type: ignore[import-untyped]

from walletdesk.identity.errors import ReservedNameError, StaffNameError, UnsafeTextError

# Display names that contain one of these (after folding) could pass for the operator's staff.
RESERVED_WORDS = (
    "admin",
    "support",
    "official",
    "agent",
    "walletdesk",
    "helpdesk",
    "customerservice",
    "system",
    "moderator",
    "客服",
    "官方",
    "管理员",
    "管理員",
    "系统",
    "系統",
    "工作人员",
    "安全中心",
)
# Only as the whole name: "wallet" is the brand's word, but "Wallet Wang" is a person (and
# "Stafford" is not staff).
RESERVED_WHOLE_NAMES = ("wallet", "staff", "root", "钱包")
# Staff names at least this long (in skeleton characters) are refused inside longer names too.
STAFF_NAME_CONTAINED_FROM = 4

# Characters that render as nothing or as blank but are not Unicode format controls.
_INVISIBLE_EXTRA = frozenset(
    {
        "\u034f",  # combining grapheme joiner
        "\u115f",  # Hangul choseong filler
        "\u1160",  # Hangul jungseong filler
        "\u17b4",  # Khmer vowel inherent aq
        "\u17b5",  # Khmer vowel inherent aa
        "\u2800",  # braille pattern blank
        "\u3164",  # Hangul filler
        "\uffa0",  # halfwidth Hangul filler
    }
)
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Co", "Cs", "Cn", "Zl", "Zp"})
_SEPARATORS = frozenset(" -_.·・,'’\"`~*+=/\\|:;()[]{}<>")
# Coarser than UTS #39: digits and signs that read as letters, and the i/l/1 family.
_FOLD = str.maketrans(
    {"0": "o", "1": "l", "i": "l", "!": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a"}
)
_FOLD_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"))


def has_invisible(text: str) -> bool:
    """Bidi controls, zero-width characters, other format/control/private-use characters,
    unassigned code points, and the blank-looking letters in `_INVISIBLE_EXTRA`. (Emoji
    variation selectors stay allowed: the skeleton drops them, so they cannot hide a match.)"""
    return any(
        unicodedata.category(ch) in _INVISIBLE_CATEGORIES or ch in _INVISIBLE_EXTRA for ch in text
    )


def _prototype(ch: str) -> str:
    if ch.isascii():
        return ch
    for glyph in confusables.confusables_data.get(ch, ()):
        candidate = glyph["c"]
        if len(candidate) == 1 and candidate.isascii() and candidate.isalnum():
            return str(candidate)
    return ch


@lru_cache(maxsize=2048)
def skeleton(text: str) -> str:
    """The folded confusable skeleton of `text`: equal skeletons look alike."""
    normal = unicodedata.normalize("NFKC", text)
    mapped = "".join(_prototype(ch) for ch in unicodedata.normalize("NFD", normal))
    mapped = "".join(ch for ch in mapped if unicodedata.category(ch) != "Mn")  # accents
    folded = "".join(ch for ch in mapped.casefold() if ch not in _SEPARATORS)
    folded = folded.translate(_FOLD)
    for pair, single in _FOLD_PAIRS:
        folded = folded.replace(pair, single)
    return folded


_RESERVED_SKELETONS = tuple(skeleton(word) for word in RESERVED_WORDS)
_RESERVED_WHOLE_SKELETONS = frozenset(skeleton(word) for word in RESERVED_WHOLE_NAMES)


def is_lookalike(text: str) -> bool:
    """Mixed-script confusables (Cyrillic "а" among Latin letters), or non-ASCII text made only of
    characters that have ASCII look-alikes (an all-Cyrillic "раураl")."""
    if text.isascii():  # Latin and common characters only: nothing to mix up
        return False
    if confusables.is_dangerous(text, preferred_aliases=["latin", "han"]):
        return True
    return all(
        ch.isascii() or _prototype(ch).isascii() for ch in unicodedata.normalize("NFD", text)
    )


def is_reserved(name_skeleton: str) -> bool:
    return name_skeleton in _RESERVED_WHOLE_SKELETONS or any(
        word in name_skeleton for word in _RESERVED_SKELETONS
    )


def imitates_staff(name_skeleton: str, staff_skeletons: frozenset[str]) -> bool:
    return any(
        name_skeleton == staff
        or (len(staff) >= STAFF_NAME_CONTAINED_FROM and staff in name_skeleton)
        for staff in staff_skeletons
        if staff
    )


def clean_display_text(
    raw: str,
    *,
    max_length: int = 64,
    reserved_check: bool = True,
    staff_skeletons: frozenset[str] = frozenset(),
) -> str:
    """Normalise `raw` and refuse it if it could impersonate: `unsafe_text` for invisible or
    mixed-script look-alike characters; with `reserved_check`, `reserved_name` for a reserved
    word and `staff_name` for a staff member's name (`staff_skeletons`)."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if has_invisible(text):
        raise UnsafeTextError()
    if confusables.is_dangerous(text, preferred_aliases=["latin", "han"]):
        raise UnsafeTextError()
    if len(text) > max_length:
        text = text[:max_length]
    if reserved_check:
        name_skeleton = skeleton(text)
        if is_reserved(name_skeleton):
            raise ReservedNameError()
        if imitates_staff(name_skeleton, staff_skeletons):
            raise StaffNameError()
    return text
