"""Load the shipped help content. Idempotent: unchanged files are skipped, changed files
update their article (with a new version), nothing is duplicated, staff edits made after the
last load are kept until the file itself changes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from walletdesk.helpcenter import actions
from walletdesk.helpcenter.content_files import (
    ContentFile,
    load_categories,
    load_content_files,
    load_default_synonyms,
)
from walletdesk.helpcenter.enums import ArticleStatus
from walletdesk.helpcenter.models import Article, ArticleVersion, Category

NOTE_PREFIX = "content file "


class Command(BaseCommand):
    help = "Load (or update) the help-center categories, articles and synonyms shipped in the app."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Rewrite every article from its file."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        categories = self._load_categories()
        self._load_synonyms()
        files = load_content_files()
        loaded = {} if options["force"] else self._loaded_digests()
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        total = len(files)
        for number, (slug, by_language) in enumerate(sorted(files.items()), start=1):
            first = by_language.get("zh-hans") or next(iter(by_language.values()))
            category = categories.get(first.category)
            if category is None:
                self.stderr.write(f"{slug}: unknown category {first.category!r}, skipped")
                continue
            counts[self._load_article(category, by_language, loaded)] += 1
            if number % 10 == 0 or number == total:
                self.stdout.write(f"  articles {number}/{total}")
        for slug, by_language in files.items():
            first = by_language.get("zh-hans") or next(iter(by_language.values()))
            article = Article.objects.filter(slug=slug).first()
            if article is not None:
                actions.set_related(article, first.related)
        self.stdout.write(
            self.style.SUCCESS(
                "help content: {created} created, {updated} updated, {unchanged} unchanged".format(
                    **counts
                )
            )
        )

    def _load_categories(self) -> dict[str, Category]:
        categories = {}
        for position, item in enumerate(load_categories(), start=1):
            category, _ = actions.upsert_category(
                slug=item["slug"],
                section=item["section"],
                icon=item.get("icon", ""),
                position=position,
                names={lang: (pair[0], pair[1]) for lang, pair in item["names"].items()},
            )
            categories[category.slug] = category
        self.stdout.write(f"categories: {len(categories)}")
        return categories

    def _load_synonyms(self) -> None:
        added = 0
        for language, pairs in load_default_synonyms().items():
            for term, canonical in pairs:
                if term.lower() != canonical.lower():
                    _, created = actions.add_synonym(language, term, canonical)
                    added += int(created)
        self.stdout.write(f"synonyms: {added} added")

    @staticmethod
    @transaction.atomic
    def _load_article(
        category: Category,
        by_language: dict[str, ContentFile],
        loaded: dict[tuple[str, str], str],
    ) -> str:
        first = by_language.get("zh-hans") or next(iter(by_language.values()))
        slug = first.slug
        exists = Article.objects.filter(slug=slug).exists()
        _, changed = actions.save_article(
            slug=slug,
            category=category,
            contents={},
            intents=first.intents,
            position=first.position,
            initial_status=ArticleStatus.PUBLISHED,
            note="load_help_content",
        )
        for language, item in by_language.items():
            if loaded.get((slug, language)) == item.digest:
                continue
            content = actions.ArticleContent(item.title, item.summary, item.body, item.synonyms)
            _, language_changed = actions.save_article(
                slug=slug,
                category=category,
                contents={language: content},
                note=NOTE_PREFIX + item.digest,
            )
            changed = changed or language_changed
        if not exists:
            return "created"
        return "updated" if changed else "unchanged"

    @staticmethod
    def _loaded_digests() -> dict[tuple[str, str], str]:
        """(slug, language) → digest of the file last loaded for it."""
        digests: dict[tuple[str, str], str] = {}
        rows = (
            ArticleVersion.objects.filter(note__startswith=NOTE_PREFIX)
            .order_by("number")
            .values_list("article__slug", "language", "note")
        )
        for slug, language, note in rows:
            digests[(slug, language)] = note.removeprefix(NOTE_PREFIX)
        return digests
