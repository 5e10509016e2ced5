"""Normalising phone numbers and emails into the one form used for sign-in.

An identifier with invisible characters (bidi controls, zero-width spaces) or with letters that
imitate others (a Cyrillic "а" in an otherwise Latin address) normalises to nothing: it can
neither register nor match an account. `check_identifier_characters` says why, for the forms
that register or change an identifier (UPL-7).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers

from walletdesk.core.masking import mask_phone as mask_phone  # re-exported for identity callers
from walletdesk.identity.errors import UnsafeIdentifierError
from walletdesk.identity.text import has_invisible, is_lookalike

_EMAIL = re.compile(r"\A[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}\Z")


# A pure function of its input, and parsing costs more than the rest of a transfer's Python work:
# recipients and sign-in names repeat, so recent results are kept.
@lru_cache(maxsize=4096)
def normalise_phone(raw: str, default_region: str = "CN") -> str | None:
    text = unicodedata.normalize("NFKC", raw).strip()
    if has_invisible(text):
        return None
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str | None:
    text = unicodedata.normalize("NFKC", raw).strip().lower()
    if not _EMAIL.match(text) or has_invisible(text) or is_lookalike(text):
        return None
    return text


def check_identifier_characters(raw: str) -> None:
    """Refuse (`identifier_unsafe`) a phone number or email with invisible characters or
    look-alike letters, so the form can say so instead of "cannot be used"."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if has_invisible(text) or ("@" in text and is_lookalike(text.lower())):
        raise UnsafeIdentifierError()


def normalise_login_name(raw: str) -> str | None:
    if "@" in raw:
        return normalise_email(raw)
    return normalise_phone(raw)
