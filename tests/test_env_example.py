"""Every environment variable the settings read is documented in .env.example."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READERS = re.compile(r'env_(?:str|bool|int|float|list|path|optional)\(\s*"([A-Z0-9_]+)"')


def test_env_example_lists_every_variable_the_settings_read() -> None:
    read = set()
    for path in [*ROOT.glob("config/**/*.py"), *ROOT.glob("walletdesk/**/*.py")]:
        read.update(READERS.findall(path.read_text(encoding="utf-8")))
    documented = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#") and "=" in line
    }
    assert read, "no environment readers found"
    assert sorted(read - documented) == []
