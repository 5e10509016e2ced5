"""Fill msgstr entries of a .po catalogue from a JSON object {msgid: msgstr}.

Used after `make messages`: write the translations of the new strings into a JSON file, run
`python scripts/fill_po.py walletdesk/<app>/locale/zh_Hans/LC_MESSAGES/django.po new.json`, and
the catalogue keeps every other entry as it was. Prints the msgids that are still untranslated.
Plural entries take a JSON list of forms.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def main(po_file: str, *json_files: str) -> int:
    path = Path(po_file)
    locale = path.parent.parent.name
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    translations: dict[str, object] = {}
    for name in json_files:
        translations.update(json.loads(Path(name).read_text(encoding="utf-8")))
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if key in translations:
            value = translations[key]
            message.string = tuple(value) if isinstance(value, list) else value  # type: ignore[assignment]
            message.flags.discard("fuzzy")
        elif not message.string or (isinstance(message.string, tuple) and not all(message.string)):
            missing.append(key)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)
    for key in missing:
        print(f"untranslated: {key!r}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
