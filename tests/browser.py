"""Playwright driving Debian's Chromium (never a downloaded browser)."""
import os
from contextlib import contextmanager

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "test-artifacts")


@contextmanager
def chromium():
    """A headless Chromium browser for one test."""
    if not os.path.exists(CHROMIUM):
        raise RuntimeError("Debian's chromium is missing: apt-get install chromium (make test does it as root)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page, name):
    """Keep a full-page screenshot as a test artifact."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, f"{name}.png")
    page.screenshot(path=path, full_page=True)
    return path
