"""A visitor tries Sprout in a browser; all they do reaches the bot as Slack would send it."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from sandbox.local import LocalSlack
from sandbox.workspace import SEED_ADMIN_ID

BEN, CAMILA = "U02BEN", "U03CAM"


def act_as(page: Page, user_id: str) -> None:
    page.get_by_test_id(f"person-{user_id}").click()


def type_command(page: Page, text: str) -> None:
    page.get_by_test_id("composer").fill(text)
    page.get_by_test_id("send").click()


def field(page: Page, block_id: str) -> str:
    return f"[data-testid=modal-form] [name={block_id}]"


def group_dm_of(local: LocalSlack, user_id: str, timeout: float = 30.0) -> str:
    """The channel of the first group DM the bot posted to ``user_id``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in local.sandbox.inbox(user_id):
            if message.kind == "group_dm":
                return message.channel
        time.sleep(0.05)
    raise AssertionError(f"no group DM reached {user_id}")


def create_coffee_program(page: Page) -> None:
    act_as(page, SEED_ADMIN_ID)
    type_command(page, "/mentor program new")
    expect(page.get_by_test_id("modal")).to_be_visible()
    page.get_by_test_id("modal-submit").click()  # nothing filled in yet
    expect(page.get_by_test_id("field-error-name")).to_be_visible()
    page.fill(field(page, "name"), "Coffee chats")
    page.check(f"{field(page, 'kind')}[value=coffee]")
    page.get_by_test_id("modal-submit").click()
    expect(page.get_by_test_id("modal-overlay")).to_be_hidden()
    expect(page.get_by_test_id("pane")).to_contain_text("Created")


def join_through_the_modal(page: Page, user_id: str) -> None:
    act_as(page, user_id)
    type_command(page, "/mentor join")
    expect(page.get_by_test_id("modal")).to_be_visible()
    page.fill(field(page, "offers"), "chess, hiking")
    page.get_by_test_id("modal-submit").click()
    expect(page.get_by_test_id("modal-overlay")).to_be_hidden()
    expect(page.get_by_test_id("pane")).to_contain_text("Welcome to")


def test_join_run_a_round_say_we_met_and_see_the_home_tab_follow(
    page: Page, local: LocalSlack
) -> None:
    create_coffee_program(page)

    type_command(page, "/mentor program new")
    page.fill(field(page, "name"), "coffee CHATS")
    page.check(f"{field(page, 'kind')}[value=coffee]")
    page.get_by_test_id("modal-submit").click()
    expect(page.get_by_test_id("field-error-name")).to_contain_text("exists already")  # the bot's
    page.get_by_test_id("modal-close").click()
    expect(page.get_by_test_id("modal-overlay")).to_be_hidden()

    join_through_the_modal(page, BEN)
    join_through_the_modal(page, CAMILA)

    act_as(page, SEED_ADMIN_ID)
    type_command(page, "/mentor round run")
    expect(page.get_by_test_id("pane")).to_contain_text("Round 1 of Coffee chats is under way")

    act_as(page, BEN)
    channel = group_dm_of(local, BEN)
    page.get_by_test_id(f"conversation-{channel}").click()
    view = page.get_by_test_id("conversation-view")
    expect(view).to_contain_text("Time for a coffee chat")
    view.locator("[data-action-id='pairing.met']").click()
    expect(view).to_contain_text("noted that you've met")

    page.get_by_test_id("home-tab").click()
    expect(page.get_by_test_id("home")).to_contain_text("you've met")


def test_the_clock_runs_the_next_round_and_its_introductions(page: Page, local: LocalSlack) -> None:
    create_coffee_program(page)
    join_through_the_modal(page, BEN)
    join_through_the_modal(page, CAMILA)
    before = page.get_by_test_id("clock").inner_text()

    page.get_by_test_id("advance-round").click()
    expect(page.get_by_test_id("clock-log")).to_contain_text("round for program 1", timeout=60_000)
    expect(page.get_by_test_id("clock")).not_to_have_text(before)

    act_as(page, CAMILA)
    channel = group_dm_of(local, CAMILA)
    page.get_by_test_id(f"conversation-{channel}").click()
    expect(page.get_by_test_id("conversation-view")).to_contain_text("Time for a coffee chat")
