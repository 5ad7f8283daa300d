"""The try-it page in a real browser: Debian's Chromium driven by Playwright.

Playwright's own browser download cannot work on a closed network, so the tests launch the
system's ``/usr/bin/chromium`` (``.ci/run`` installs it) with the flags that keep it from
calling home. Without it the tests are skipped locally and fail on CI, like the PostgreSQL runs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from sandbox.local import LocalSlack

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The page polls once a second and the bot answers on its own threads: on a shared 2-core CI
# machine, assertions get room rather than Playwright's default 5 s.
expect.set_options(timeout=20_000)
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",  # containers give /dev/shm little room
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: /usr/bin/chromium is not installed")
        pytest.skip("install Debian's chromium package to run the browser tests")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def local() -> Iterator[LocalSlack]:
    with LocalSlack() as running:
        yield running


@pytest.fixture
def page(browser: Browser, local: LocalSlack) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    opened = context.new_page()
    opened.set_default_timeout(30_000)  # generous: CI machines are shared
    opened.goto(local.url)
    yield opened
    context.close()
