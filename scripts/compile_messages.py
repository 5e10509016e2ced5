"""Compile locale/*/LC_MESSAGES/*.po into .mo files with Babel (no system gettext needed)."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def _catalogues() -> list[Path]:
    project = list(ROOT.glob("locale/*/LC_MESSAGES/*.po"))
    apps = list(ROOT.glob("walletdesk/*/locale/*/LC_MESSAGES/*.po"))
    return project + apps


def main() -> int:
    compiled = 0
    for po_path in sorted(_catalogues()):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            # A broken entry (a msgid without its msgstr, as a careless merge leaves) stops the
            # build with its file and line instead of being dropped from the catalogue.
            catalog = read_po(handle, locale=po_path.parent.parent.name, abort_invalid=True)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        compiled += 1
    if compiled:
        print(f"compiled {compiled} message catalogue(s)")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
