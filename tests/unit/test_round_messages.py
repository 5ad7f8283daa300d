"""Round messages stay inside Slack's limits however large the round."""

from __future__ import annotations

from datetime import UTC, datetime, time

from slack_sdk.models.blocks import Block

from bot.pairing import messages
from bot.pairing.periods import Period
from bot.pairing.rounds import PlannedGroup, RoundPlan
from models import Cadence, Program, ProgramKind


def big_plan(groups: int, unmatched: int) -> RoundPlan:
    program = Program(
        id=1,
        team_id="T1",
        name="Coffee",
        name_key="coffee",
        kind=ProgramKind.COFFEE,
        cadence=Cadence.WEEKLY,
        weekday=0,
        local_time=time(10),
        timezone="Europe/Berlin",
        settings={},
    )
    period = Period(
        "2026-11-23", datetime(2026, 11, 23, 9, tzinfo=UTC), datetime(2026, 11, 30, 9, tzinfo=UTC)
    )
    planned = [
        PlannedGroup(
            ((f"U{2 * n:05d}", "peer"), (f"U{2 * n + 1:05d}", "peer")),
            10,
            (f"<@U{2 * n:05d}> and <@U{2 * n + 1:05d}> share " + "a very long interest, " * 20,),
        )
        for n in range(groups)
    ]
    left = [(f"UX{n:05d}", "alone") for n in range(unmatched)]
    return RoundPlan(program, period, 1, planned, left, spare={f"UM{n}": 1 for n in range(80)})


def test_a_preview_of_a_huge_round_fits_one_message() -> None:
    blocks = messages.preview_blocks(big_plan(groups=5000, unmatched=300))
    assert len(blocks) <= 50
    for block in blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    shown = str(blocks)
    assert "…and 4975 more groups" in shown
    assert "…and 275 more" in shown


def test_the_owners_summary_of_a_huge_round_fits_one_message() -> None:
    _, blocks = messages.round_summary(big_plan(groups=5000, unmatched=300))
    assert len(blocks) <= 50
