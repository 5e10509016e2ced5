"""How guessable a configured secret is, judged from the value alone.

We cannot know how a secret was generated, so we estimate: a secret made by
``secrets.token_urlsafe(64)`` or ``secrets.token_hex(32)`` passes with a wide margin, while a word,
a keyboard pattern, one character repeated or a short run repeated fails. The estimate is the
empirical Shannon entropy of the characters times the length; repetition is caught separately
because "abcdefghij" five times has a high per-character entropy.
"""

from __future__ import annotations

import math
from collections import Counter

MIN_DISTINCT_CHARACTERS = 10
# A random string repeats few adjacent pairs; a short pattern repeated repeats most of them.
MIN_DISTINCT_PAIR_SHARE = 0.75
MIN_ESTIMATED_BITS = 100
# Pieces of the development, test and example values shipped in this repository and in guides.
_PLACEHOLDER_MARKERS = (
    "insecure",
    "change-me",
    "changeme",
    "dev-only",
    "not-for-production",
    "test-secret",
    "example",
)


def estimated_bits(value: str) -> float:
    if not value:
        return 0.0
    length = len(value)
    per_character = -sum(
        (count / length) * math.log2(count / length) for count in Counter(value).values()
    )
    return per_character * length


def weakness(value: str, *, min_length: int) -> str | None:
    """Why `value` is too weak to be a secret (an English phrase for an operator), or None."""
    if len(value) < min_length:
        return f"it is shorter than {min_length} characters"
    lowered = value.lower()
    if any(marker in lowered for marker in _PLACEHOLDER_MARKERS):
        return "it is a development or example value"
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return f"it has fewer than {MIN_DISTINCT_CHARACTERS} different characters"
    pairs = [value[index : index + 2] for index in range(len(value) - 1)]
    if len(set(pairs)) < MIN_DISTINCT_PAIR_SHARE * len(pairs):
        return "it repeats a short pattern"
    bits = estimated_bits(value)
    if bits < MIN_ESTIMATED_BITS:
        return f"it carries about {bits:.0f} bits of entropy, fewer than {MIN_ESTIMATED_BITS}"
    return None


GENERATE_HINT = "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'"
