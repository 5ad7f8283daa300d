"""The App Home shows each person their newest introduction and what they said about it."""

from __future__ import annotations

from sandbox.workspace import SEED_ADMIN_ID
from tests.scenarios.conftest import RunningBot, members_of, texts
from tests.scenarios.test_rounds import TEAM, coffee, deliver, group_dms

__all__ = ["coffee"]  # the fixture, used by name


def test_the_home_tab_shows_the_latest_pairing_and_updates_when_they_have_met(
    coffee: RunningBot,
) -> None:
    coffee.sprout.services.rounds.run(TEAM, 1)
    deliver(coffee)
    intro = group_dms(coffee)[0]
    first, second = members_of(coffee.sandbox, intro.channel)[:2]
    person = coffee.person(first)

    before = texts(person.open_home()["blocks"])
    assert "Latest pairing (round 1" in before
    assert f"<@{second}>" in before and "no answer yet" in before

    person.click("pairing.met", intro)
    after = texts(person.home_after()["blocks"])
    assert "you've met" in after and "no answer yet" not in after


def test_people_never_introduced_see_no_pairing_line(coffee: RunningBot) -> None:
    home = coffee.person(SEED_ADMIN_ID).open_home()
    assert "Latest pairing" not in texts(home["blocks"])
