"""Normalising phone numbers and emails into the one form used for sign-in."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers

_EMAIL = re.compile(r"\A[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}\Z")


# A pure function of its input, and parsing costs more than the rest of a transfer's Python work:
# recipients and sign-in names repeat, so recent results are kept.
@lru_cache(maxsize=4096)
def normalise_phone(raw: str, default_region: str = "CN") -> str | None:
    text = unicodedata.normalize("NFKC", raw).strip()
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str | None:
    text = unicodedata.normalize("NFKC", raw).strip().lower()
    return text if _EMAIL.match(text) else None


def normalise_login_name(raw: str) -> str | None:
    if "@" in raw:
        return normalise_email(raw)
    return normalise_phone(raw)


def mask_phone(e164: str) -> str:
    """+8613812341234 -> 138****1234."""
    digits = e164[3:] if e164.startswith("+86") else e164.lstrip("+")
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"
