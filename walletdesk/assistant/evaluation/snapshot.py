"""The evaluation's own database: seeded once, restored before each scenario.

SQLite: the seeded file is copied aside and copied back. PostgreSQL: the seeded database is a
template and each scenario runs in a fresh `CREATE DATABASE … TEMPLATE …` copy. Either way the
configured database is never touched.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connections

from walletdesk.core.cache_keys import clear_own_cache
from walletdesk.payments import facade as payments


class Snapshot:
    def __init__(self, progress: Any) -> None:
        self.connection = connections["default"]
        self.original = dict(self.connection.settings_dict)
        self.vendor = self.connection.vendor
        self.progress = progress
        base = str(self.original["NAME"])
        if self.vendor == "sqlite":
            # One folder per run, so two evaluations can run side by side.
            folder = Path(settings.VAR_DIR) / "assistant_eval" / str(os.getpid())
            folder.mkdir(parents=True, exist_ok=True)
            self.folder = folder
            self.work = str(folder / "work.sqlite3")
            self.template = str(folder / "seeded.sqlite3")
        elif self.vendor == "postgresql":
            self.work = f"{base}_aeval{os.getpid()}"[:63]
            self.template = f"{base}_aeval{os.getpid()}_tpl"[:63]
        else:  # pragma: no cover - only the two supported backends
            raise RuntimeError(f"assistant_eval supports SQLite and PostgreSQL, not {self.vendor}")

    # -- switching the default connection ------------------------------------------------

    def _use(self, name: str) -> None:
        for alias in connections:
            connections[alias].close()
        self.connection.settings_dict["NAME"] = name
        payments.forget_process_caches()
        clear_own_cache()  # lockouts and limits of one scenario must not reach the next

    def _sql_outside(self, *statements: str) -> None:
        with self.connection._nodb_cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    # -- the two steps ---------------------------------------------------------------------

    def seed(self) -> None:
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(self.template + suffix).unlink(missing_ok=True)
            self._use(self.template)
        else:
            self._sql_outside(
                f'DROP DATABASE IF EXISTS "{self.work}"',
                f'DROP DATABASE IF EXISTS "{self.template}"',
                f'CREATE DATABASE "{self.template}"',
            )
            self._use(self.template)
        self.progress("migrating the evaluation database …")
        call_command("migrate", verbosity=0, interactive=False)
        self.progress("loading the demo data (seed_demo) …")
        call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
        if self.vendor == "sqlite":
            with self.connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for alias in connections:
            connections[alias].close()

    def restore(self) -> None:
        if self.vendor == "sqlite":
            for alias in connections:
                connections[alias].close()
            for suffix in ("-wal", "-shm"):
                Path(self.work + suffix).unlink(missing_ok=True)
            shutil.copyfile(self.template, self.work)
            self._use(self.work)
        else:
            self._use(self.template)
            for alias in connections:
                connections[alias].close()
            self._sql_outside(
                f'DROP DATABASE IF EXISTS "{self.work}" WITH (FORCE)',
                f'CREATE DATABASE "{self.work}" TEMPLATE "{self.template}"',
            )
            self._use(self.work)

    def finish(self) -> None:
        for alias in connections:
            connections[alias].close()
        self.connection.settings_dict["NAME"] = self.original["NAME"]
        if self.vendor == "postgresql":
            self._sql_outside(
                f'DROP DATABASE IF EXISTS "{self.work}" WITH (FORCE)',
                f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)',
            )
        else:
            shutil.rmtree(self.folder, ignore_errors=True)
        payments.forget_process_caches()
