"""zh-Hans is the default language: every message in our catalogues has a Chinese translation,
and every catalogue compiles."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(
    [
        *ROOT.glob("locale/zh_Hans/LC_MESSAGES/*.po"),
        *ROOT.glob("walletdesk/*/locale/zh_Hans/LC_MESSAGES/*.po"),
    ]
)


def test_there_are_catalogues() -> None:
    assert len(CATALOGUES) >= 8


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_is_translated(path: Path) -> None:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="zh_Hans")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    assert missing == [], f"{len(missing)} untranslated in {path.relative_to(ROOT)}: {missing[:5]}"
