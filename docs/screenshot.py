"""Take the README's picture of the try-it page: ``.venv/bin/python docs/screenshot.py``.

Starts the sandbox, lets Ada create a coffee program and two people join through the real bot,
runs a round, and photographs Ben's group DM in Debian's Chromium (the same browser and flags
as the end-to-end tests).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.local import LocalSlack
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS

OUT = Path(__file__).with_name("try-it.png")


def submit_modal(local: LocalSlack, user_id: str, values: dict[str, object]) -> None:
    deadline = time.monotonic() + 10
    while (view := local.sandbox.modal_of(user_id)) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert view is not None, f"no modal for {user_id}"
    local.driver.submit(user_id, view["id"], values)


def main() -> None:
    with LocalSlack() as local:
        driver = local.driver
        driver.command("U01ADA", "program new")
        submit_modal(local, "U01ADA", {"name": "Coffee chats", "kind": "coffee"})
        for user_id, offers in (("U02BEN", "chess, hiking"), ("U03CAM", "hiking, jazz")):
            driver.command(user_id, "join")
            submit_modal(local, user_id, {"offers": offers})
        driver.command("U01ADA", "round run")
        local.settle()
        time.sleep(1)
        group_dm = next(m.channel for m in local.sandbox.inbox("U02BEN") if m.kind == "group_dm")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 760})
            page.goto(local.url)
            page.get_by_test_id("person-U02BEN").click()
            page.get_by_test_id(f"conversation-{group_dm}").click()
            view = page.get_by_test_id("conversation-view")
            view.get_by_text("Time for a coffee chat").wait_for()
            page.screenshot(path=str(OUT))
            browser.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
