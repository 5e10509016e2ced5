"""The help content shipped with WalletDesk: Markdown files with a small front matter.

    ---
    slug: how-to-top-up
    category: top-up
    intents: topup_how, topup_failed
    title: 怎么充值？
    summary: …
    synonyms: 存钱, 加钱
    related: topup-not-arrived
    position: 1
    ---
    Markdown body…

`content/zh/*.md` holds zh-hans and `content/en/*.md` English; the same slug links them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONTENT_DIR = Path(__file__).resolve().parent / "content"
LANGUAGE_DIRS = {"zh-hans": "zh", "en": "en"}
REQUIRED_KEYS = ("slug", "category", "title", "summary")


class ContentFileError(ValueError):
    pass


@dataclass(frozen=True)
class ContentFile:
    path: Path
    language: str
    slug: str
    category: str
    intents: tuple[str, ...]
    title: str
    summary: str
    synonyms: str
    related: tuple[str, ...]
    position: int
    body: str

    @property
    def digest(self) -> str:
        text = "\n".join([self.title, self.summary, self.synonyms, self.body])
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.replace("，", ",").split(",") if item.strip())


def parse_content_file(path: Path, language: str) -> ContentFile:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ContentFileError(f"{path}: missing front matter")
    try:
        header, body = text[4:].split("\n---\n", 1)
    except ValueError as exc:
        raise ContentFileError(f"{path}: front matter is not closed") from exc
    meta: dict[str, str] = {}
    for line in header.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ContentFileError(f"{path}: bad front-matter line {line!r}")
        meta[key.strip()] = value.strip()
    missing = [key for key in REQUIRED_KEYS if not meta.get(key)]
    if missing:
        raise ContentFileError(f"{path}: missing {', '.join(missing)}")
    return ContentFile(
        path=path,
        language=language,
        slug=meta["slug"],
        category=meta["category"],
        intents=_split_list(meta.get("intents", "")),
        title=meta["title"],
        summary=meta["summary"],
        synonyms=", ".join(_split_list(meta.get("synonyms", ""))),
        related=_split_list(meta.get("related", "")),
        position=int(meta.get("position", "0") or 0),
        body=body.strip() + "\n",
    )


def load_content_files(content_dir: Path = CONTENT_DIR) -> dict[str, dict[str, ContentFile]]:
    """slug → language → file."""
    articles: dict[str, dict[str, ContentFile]] = {}
    for language, folder in LANGUAGE_DIRS.items():
        for path in sorted((content_dir / folder).glob("*.md")):
            item = parse_content_file(path, language)
            articles.setdefault(item.slug, {})[language] = item
    return articles


def load_categories(content_dir: Path = CONTENT_DIR) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        (content_dir / "topics.json").read_text(encoding="utf-8")
    )
    return data


def load_default_synonyms(content_dir: Path = CONTENT_DIR) -> dict[str, list[list[str]]]:
    data: dict[str, list[list[str]]] = json.loads(
        (content_dir / "synonyms.json").read_text(encoding="utf-8")
    )
    return data
