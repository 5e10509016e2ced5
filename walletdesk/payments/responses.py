"""How money commands write times in their responses (both transfer paths use it)."""

from __future__ import annotations

from datetime import datetime


def iso_time(value: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, as every money command's response states its time."""
    return str(value.isoformat()).replace("+00:00", "Z")
