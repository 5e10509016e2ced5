"""A custom import-linter contract: apps reach each other only through their public modules.

DESIGN.md's rule is that another app is called only through its `facade.py` (plus the modules the
project composes by name: URL confs, WebSocket routes). import-linter's built-in contracts can say
"A must not import B" but not "A may import only B's facade", so this contract says it once for
every app instead of one hand-kept forbidden list per pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


@dataclass(frozen=True)
class _IllegalImport:
    importer: str
    imported: str
    line_numbers: tuple[int, ...]


class FacadeOnlyContract(Contract):
    """Every import from one app into another must land on one of the other app's public modules.

    Configuration options:
        - apps: the app packages (e.g. walletdesk.ledger).
        - shared: packages any app may import freely (the shared kernel).
        - public_modules: module names other apps may import: relative to every app ("facade"),
          or one app's module by its full name ("walletdesk.api.serializers").
        - skipped_importers: module name parts whose modules are not checked as importers
          (tests and migrations reach into internals on purpose).
        - ignore_imports: "importer -> imported" pairs still to be removed; each is a known debt.
    """

    type_name = "facade_only"

    apps = fields.ListField(subfield=fields.StringField())
    shared = fields.ListField(subfield=fields.StringField(), required=False)
    public_modules = fields.ListField(subfield=fields.StringField())
    skipped_importers = fields.ListField(subfield=fields.StringField(), required=False)
    ignore_imports = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        # import-linter sets each field to the parsed list on the instance.
        apps = cast(list[str], self.apps)
        shared = set(cast(list[str], self.shared or []))
        public = set(cast(list[str], self.public_modules))
        skipped = set(cast(list[str], self.skipped_importers or []))
        ignored = {
            tuple(part.strip() for part in pair.split("->"))
            for pair in cast(list[str], self.ignore_imports or [])
        }

        def owning_app(module: str) -> str | None:
            for app in apps:
                if module == app or module.startswith(app + "."):
                    return app
            return None

        illegal: list[_IllegalImport] = []
        seen_ignored: set[tuple[str, ...]] = set()
        for app in apps:
            importers = {app} | graph.find_descendants(app)
            for importer in sorted(importers):
                if skipped & set(importer.split(".")):
                    continue
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    target_app = owning_app(imported)
                    if target_app is None or target_app == app or target_app in shared:
                        continue
                    relative = imported[len(target_app) + 1 :]
                    if imported == target_app or relative in public or imported in public:
                        continue
                    if (importer, imported) in ignored:
                        seen_ignored.add((importer, imported))
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    illegal.append(
                        _IllegalImport(
                            importer,
                            imported,
                            tuple(detail["line_number"] for detail in details),
                        )
                    )
        stale = sorted(" -> ".join(pair) for pair in ignored - seen_ignored)
        return ContractCheck(
            kept=not illegal and not stale,
            metadata={"illegal": illegal, "stale": stale},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for link in check.metadata["illegal"]:
            lines = ", ".join(map(str, link.line_numbers))
            output.print_error(f"- {link.importer} -> {link.imported} (l.{lines})", bold=False)
        for pair in check.metadata["stale"]:
            output.print_error(
                f"- listed in ignore_imports but no longer imported: {pair} (remove it)",
                bold=False,
            )
        output.new_line()
        output.print("Call the other app through its facade.py, or move the helper into core.")
