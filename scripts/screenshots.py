"""Refresh the screenshots in docs/img from a running `make run` server (demo data loaded).

.venv/bin/python scripts/screenshots.py [--base-url http://127.0.0.1:8000]
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
DEMO_LOGIN = "+8613800138000"
DEMO_PASSWORD = "WalletDesk-demo-2026"  # noqa: S105 - the published demo credential
PAGES = [
    ("wallet-home.png", "/"),
    ("wallet-records.png", "/records/"),
    ("help-center.png", "/help/"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_context(
            viewport={"width": 390, "height": 844}, locale="zh-CN"
        ).new_page()
        page.goto(f"{args.base_url}/account/login/")
        page.fill("input[name=username]", DEMO_LOGIN)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        for name, path in PAGES:
            page.goto(f"{args.base_url}{path}")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(ROOT / "docs" / "img" / name), full_page=False)
            print(f"docs/img/{name}")  # noqa: T201
        browser.close()


if __name__ == "__main__":
    main()
