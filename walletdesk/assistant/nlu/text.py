"""Small text helpers shared by components: scripts and Chinese numerals."""

from __future__ import annotations

import re

CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CJK_RUN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
LATIN_RE = re.compile(r"[A-Za-z]")

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "幺": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}

ZH_NUMERAL_CHARS = "零〇一幺二两三四五六七八九十百千万亿"
ZH_NUMERAL_RE = re.compile(f"[{ZH_NUMERAL_CHARS}]+")


def has_cjk(text: str) -> bool:
    return CJK_RE.search(text) is not None


def cjk_ratio(text: str) -> tuple[int, int]:
    """Counts of CJK characters and of Latin letters."""
    return len(CJK_RE.findall(text)), len(LATIN_RE.findall(text))


def parse_zh_integer(text: str) -> int | None:
    """一千二百 → 1200, 两万五 → 25000, 十五 → 15, 三百零五 → 305; None if not a numeral.

    A trailing digit after a unit is read colloquially: 两千五 = 2500, 一万二 = 12000.
    """
    if not text or any(ch not in ZH_NUMERAL_CHARS for ch in text):
        return None
    if all(ch in _DIGITS for ch in text) and len(text) > 1:
        # Digit by digit (一二三四 as in card tails); not an amount reading.
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total = 0
    section = 0
    number = 0
    last_unit = 1
    for ch in text:
        if ch in _DIGITS:
            number = _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            unit = _SMALL_UNITS[ch]
            section += (number or 1) * unit
            number = 0
            last_unit = unit
        else:
            unit = _BIG_UNITS[ch]
            section += number
            total += section * unit
            section = 0
            number = 0
            last_unit = unit
    if number:
        # 两千五 → the bare 五 is one step below the last unit.
        if last_unit >= 10 and text[-2] not in "零〇" and text[-1] in _DIGITS:
            number *= last_unit // 10
        section += number
    return total + section
