"""Steps several browser tests share."""

from __future__ import annotations

from playwright.sync_api import Page


def choose_language(page: Page, language: str) -> None:
    """Pick a language in the header's switch and wait for the page it reloads.

    The switch submits its form from a change handler, so the navigation starts after
    select_option returns; waiting for the load state alone can read the old page."""
    page.select_option("#lang-select", language)
    page.wait_for_selector(f"html[lang='{language}']", state="attached")
    page.wait_for_load_state("networkidle")
