"""Masks for personal data shown to staff and in logs: enough to recognise, never the whole."""

from __future__ import annotations


def mask_phone(number: str) -> str:
    """+8613812341234 → 138****1234; other numbers keep their first three and last four digits.
    Too short to keep anything recognisable: every digit hidden."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if number.startswith("+86"):
        digits = digits[2:]
    if not digits:
        return ""
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_email(email: str) -> str:
    """lei.li@example.com → l***@example.com."""
    local, at, domain = email.partition("@")
    if not at:
        return "*" * len(email)
    return f"{local[:1]}***@{domain}"
