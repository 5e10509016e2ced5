"""Markdown → sanitised HTML (nh3 allow-list) and plain text for search and snippets.

Raw HTML inside Markdown is allowed through the Markdown step and then cleaned by nh3: scripts,
styles, iframes, `on*` attributes and `javascript:`/`data:` URLs never survive. Images must come
from our own origin (relative URLs), because the CSP only allows `img-src 'self' data:`.
"""

from __future__ import annotations

import html
import re
import threading
from functools import lru_cache
from urllib.parse import urlsplit

import markdown
import nh3

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "b", "i", "code",
        "pre", "blockquote", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "figure",
        "figcaption", "mark", "kbd", "span", "div",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = frozenset({"https", "http", "mailto", "tel"})
_HEADING_SHIFT = re.compile(r"<(/?)h1\b")


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        parts = urlsplit(value)
        # Only same-origin images: the CSP would block others anyway.
        if parts.scheme or parts.netloc or not value.startswith("/"):
            return None
    if attribute in {"width", "height"} and not value.isdigit():
        return None
    if attribute == "start" and not value.isdigit():
        return None
    return value


def sanitize_html(raw_html: str) -> str:
    return nh3.clean(
        raw_html,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(ALLOWED_URL_SCHEMES),
        attribute_filter=_attribute_filter,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_local = threading.local()


def _converter() -> markdown.Markdown:
    # Building a Markdown instance (extension loading) costs more than converting a page.
    converter: markdown.Markdown | None = getattr(_local, "converter", None)
    if converter is None:
        converter = markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html")
        _local.converter = converter
    return converter


@lru_cache(maxsize=512)
def render_markdown(source: str) -> str:
    raw = _converter().reset().convert(source)
    # The page title is the only h1; headings inside the body start at h2.
    raw = _HEADING_SHIFT.sub(r"<\1h2", raw)
    return sanitize_html(raw)


def html_to_text(rendered: str) -> str:
    text = nh3.clean(rendered.replace("</li>", " </li>").replace("</p>", " </p>"), tags=set())
    return " ".join(html.unescape(text).split())
