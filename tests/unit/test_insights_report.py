"""The insights report and headline against the hand-seeded dataset of test_insights_metrics.py
(every number there is worked out in its comments), the months rule, and the chart."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import available_timezones

import pytest
from slack_sdk.errors import SlackApiError

from bot.checkins.digest import week_end
from bot.db import Database
from bot.home.messages import home_view
from bot.home.service import refused_images
from bot.insights.charts import program_chart
from bot.insights.dataset import MonthlyUsefulness, ProgramMetrics, Reflection
from bot.insights.metrics import program_metrics, quotable_reflections
from bot.insights.report import (
    NO_ROUNDS,
    HomeHeadline,
    final_usefulness,
    headline_text,
    home_blocks,
    month_final_at,
    quote_text,
    report_message,
)
from bot.insights.service import usefulness_reaching
from bot.membership.profiles import Profile
from bot.membership.programs import ProgramCounts, ProgramSummary
from handlers.insights import parse_report_args
from handlers.router import UsageError
from models import Cadence, Membership, Program, ProgramKind, Role
from tests.scenarios.conftest import texts
from tests.unit.test_insights_metrics import NOW, SINCE, T1, Seeded, seed

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def seeded(db: Database) -> Seeded:
    return seed(db)


def metrics(db: Database, program_id: int, since: datetime | None = None) -> ProgramMetrics:
    with db.session() as session:
        return program_metrics(session, T1, program_id, since=since, now=NOW)


def reflections(db: Database, program_id: int, since: datetime | None = None) -> list[Reflection]:
    with db.session() as session:
        return quotable_reflections(session, T1, program_id, since)


def full_text(
    result: ProgramMetrics,
    found: list[Reflection] | None = None,
    usefulness: tuple[MonthlyUsefulness, ...] | None = None,
    max_quotes: int = 5,
) -> str:
    _, blocks = report_message(
        result,
        timezone="UTC",
        usefulness=result.usefulness_trend if usefulness is None else usefulness,
        reflections=found or [],
        chart_attached=True,
        max_quotes=max_quotes,
    )
    assert len(blocks) <= 50
    return texts(blocks)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- the headline -----------------------------------------------------------------------------


def test_the_headline_of_a_mentoring_program(db: Database, seeded: Seeded) -> None:
    text = headline_text(metrics(db, seeded.mentoring))
    assert "*People:* 6 active · 2 paused · 1 left · 1 deactivated" in text
    # The last round that has started is round 3: G8 and G9 met of G8-G10; 6 of 9 placed.
    assert "*Last round:* round 3 (" in text and "|2027-01-04>" in text
    assert "met in 2 of 3 groups (67%) · coverage 6 of 9 people (67%)" in text
    assert "*Check-ins answered:* 15 of 18 (83%)" in text
    assert "*Goals met:* 2 of 7 set (29%)" in text
    assert "*Mentorships closed early:* 4 of 8 ended (50%)" in text


def test_a_coffee_headline_has_no_mentoring_lines(db: Database, seeded: Seeded) -> None:
    text = headline_text(metrics(db, seeded.coffee))
    assert "4 active · 0 paused · 0 left" in text and "deactivated" not in text
    assert "round 2 (" in text and "met in 1 of 2 groups (50%)" in text
    assert "coverage 4 of 4 people (100%)" in text
    assert "Check-ins" not in text and "Goals" not in text and "closed early" not in text


def test_a_program_without_rounds_says_so(db: Database, seeded: Seeded) -> None:
    result = metrics(db, seeded.leadership)
    assert f"*Last round:* {NO_ROUNDS}" in headline_text(result)
    shown = full_text(result)
    assert f"*Rounds and meetings*\n{NO_ROUNDS}" in shown
    assert "```" not in shown  # no table
    # Nobody has joined, no round has started, no month has three raters: nothing to draw.
    assert program_chart(result, result.usefulness_trend, "UTC") is None


def test_home_blocks_fit_the_room_they_are_given() -> None:
    headlines = [HomeHeadline(i, f"Program {i}", "*People:* 1 active", NOW) for i in range(5)]
    assert home_blocks(headlines, 0, 3) == []  # not even one program fits
    blocks = [b.to_dict() for b in home_blocks(headlines, 2, 6)]
    assert len(blocks) == 6  # divider, header, three programs, the note
    shown = texts(blocks)
    assert "*Program 2*" in shown and "*Program 3*" not in shown
    assert "…and 4 more: `/mentor report <program>`." in shown
    buttons = [b["accessory"] for b in blocks if b.get("accessory")]
    assert [b["value"] for b in buttons] == ["0", "1", "2"]
    assert {b["text"]["text"] for b in buttons} == {"Send me the report with charts"}


def test_home_blocks_show_each_chart_by_its_slack_file_and_say_when_they_were_computed() -> None:
    earlier = NOW - timedelta(minutes=40)
    headlines = [
        HomeHeadline(1, "Mentoring", "*People:* 9 active", NOW, "F0CHART1", "Chart of Mentoring"),
        HomeHeadline(2, "Coffee", "*People:* 1 active", earlier),  # nothing to draw yet
        HomeHeadline(3, "Leads", "*People:* 4 active", NOW, "F0CHART3", "Chart of Leads"),
    ]
    blocks = [b.to_dict() for b in home_blocks(headlines, 0, 100)]
    assert [b["type"] for b in blocks] == [
        "divider", "header", "section", "image", "section", "section", "image", "context",
    ]  # fmt: skip
    assert blocks[3]["slack_file"] == {"id": "F0CHART1"}
    assert blocks[3]["alt_text"] == "Chart of Mentoring"
    assert [b["slack_file"]["id"] for b in blocks if b["type"] == "image"] == [
        "F0CHART1",
        "F0CHART3",
    ]
    # The note gives the oldest time among the shown, in each reader's own zone.
    assert f"<!date^{int(earlier.timestamp())}^{{date_short_pretty}} at {{time}}|" in texts(
        blocks[-1:]
    )
    # A chart takes a block of its own: with room for five, the first program and its chart fit
    # and the second program would leave no room for the note.
    squeezed = [b.to_dict() for b in home_blocks(headlines, 0, 5)]
    assert [b["type"] for b in squeezed] == ["divider", "header", "section", "image", "context"]
    assert "…and 2 more" in texts(squeezed[-1:])


def test_only_a_refusal_naming_an_image_file_counts_as_a_refused_chart() -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "x"}},
        {"type": "image", "slack_file": {"id": "F0GONE"}, "alt_text": "a"},
        {"type": "image", "slack_file": {"id": "F0FINE"}, "alt_text": "b"},
    ]

    def refusal(*messages: str) -> SlackApiError:
        body = {"ok": False, "error": "invalid_arguments"}
        return SlackApiError("refused", {**body, "response_metadata": {"messages": messages}})

    named = refusal("[ERROR] invalid slack file [json-pointer:/view/blocks/1/slack_file]")
    assert refused_images(blocks, named) == {1: "F0GONE"}
    for unrelated in (
        refusal("[ERROR] must be less than 3001 characters [json-pointer:/view/blocks/0/text]"),
        refusal("[ERROR] invalid slack file [json-pointer:/view/blocks/0/slack_file]"),  # no image
        refusal("[ERROR] invalid slack file [json-pointer:/view/blocks/9/slack_file]"),
        refusal(),
    ):
        assert refused_images(blocks, unrelated) == {}


# -- the full report --------------------------------------------------------------------------


def test_the_full_report_shows_every_metric(db: Database, seeded: Seeded) -> None:
    result = metrics(db, seeded.mentoring)
    shown = full_text(result)
    assert "Program report: Mentoring" in shown
    assert "From the beginning to <!date^" in shown and "mentoring program" in shown
    # Rounds pooled: met (3 + 2 + 2) / 10; coverage 18 / 26; repeats 3 / 10; next round 9 / 12;
    # median hours to a first meeting 48 (two days); ghosting 2 / 8.
    assert "Met rate: *7 of 10 groups (70%)*" in shown
    assert "Coverage: *18 of 26 people (69%)*" in shown
    assert "Repeat groups: 3 of 10 groups (30%)" in shown
    assert "Introduced again in the next round: 9 of 12 people (75%)" in shown
    assert "Median time to first meeting: 2.0 days" in shown
    assert "Ghosting: 2 of 8 people introduced (25%)" in shown
    # The table, one row per round: 108 h is 4.5 days; round 3 has no next round yet.
    assert "1  2026-10-05       4  3/4 75%   6/8 75%       0     4/6 67%     4.5 days" in shown
    assert "2  2026-11-02       3  2/3 67%   6/9 67%       1     5/6 83%          5 h" in shown
    assert "3  2027-01-04       3  2/3 67%   6/9 67%       2           -         27 h" in shown
    assert "Answered: *15 of 18 (83%)*" in shown
    # NOW is 1 March: November and January are final (February never had three raters).
    assert "Nov 2026 *3.5* (3 people) · Jan 2027 *3.6* (5 people)" in shown
    assert "Met: *2 of 7 goals (29%)* · partly met 1 · not met 1 · dropped 1 · still open 2" in (
        shown
    )
    assert "Mentorships started: 10" in shown
    assert "Closed early: 4 of 8 ended (50%)" in shown
    assert "Still meeting after the term: 3 of 4 pairs (75%)" in shown
    assert "Mentees who became mentors: 3" in shown
    assert "Reflections shared: 3 of 5 close-outs (60%)" in shown
    # Each section says what its numbers mean.
    assert "*Coverage*: people introduced out of those who could have been" in shown
    assert "*Closed early*: mentorships ended before their term" in shown


def test_pulse_results_are_printed_by_the_pulse_helpers(db: Database, seeded: Seeded) -> None:
    shown = full_text(metrics(db, seeded.mentoring))
    # Wave 3 (4 of 5 invited answered) is the newest shown; wave 2 (2 answers) has no numbers.
    assert "*Program pulse*\nWave 3 · participation 80%" in shown
    assert "1. How useful is the program?: *mean 4.00*" in shown
    assert "Question 1 · Trend: w1 3.00 → w3 4.00" in shown
    assert "Coffee pulse" not in shown
    # Since January only wave 3 opened: the trend needs two waves, so there is none.
    windowed = full_text(metrics(db, seeded.mentoring, SINCE))
    assert "Wave 3 · participation 80%" in windowed and "Trend" not in windowed


def test_a_window_labels_its_start(db: Database, seeded: Seeded) -> None:
    result = metrics(db, seeded.mentoring, SINCE)
    shown = full_text(result)
    assert "From 2027-01-01 to <!date^" in shown
    assert "Met rate: *2 of 3 groups (67%)*" in shown and "(1 rounds)" in shown
    assert "Introduced again in the next round: no next round yet" in shown


def test_a_coffee_report_leaves_out_the_mentoring_sections(db: Database, seeded: Seeded) -> None:
    shown = full_text(metrics(db, seeded.coffee))
    assert "Met rate: *2 of 3 groups (67%)*" in shown
    assert "Check-ins, goals and mentorships are part of mentoring programs." in shown
    assert "*Goals*" not in shown and "In their own words" not in shown


# -- reflections ------------------------------------------------------------------------------


def test_only_quotable_reflections_appear_without_names(db: Database, seeded: Seeded) -> None:
    result = metrics(db, seeded.mentoring)
    shown = full_text(result, reflections(db, seeded.mentoring))
    assert "> *What helped:* Listening first\n> *What I'll apply:* Ask more questions" in shown
    assert "> *What helped:* Weekly walks\n> *What I'll apply:* Try pairing" in shown
    assert "> *What I'll apply:* Feedback early" in shown
    assert "3 of 3 reflections whose authors agreed to be quoted" in shown
    # Said no (M1/e1), blank (M4/e5), never sent (M6/e5), another program's (Leadership).
    for hidden in ("Private", "Not sent", "Other program"):
        assert hidden not in shown
    # Nobody's id or a date travels with the quotes.
    quotes = shown[shown.index("In their own words") :]
    for user in ("m1", "m3", "e1", "e5", "<@", "2026-", "2027-"):
        assert user not in quotes


def test_at_most_n_quotes_are_drawn(db: Database, seeded: Seeded) -> None:
    found = reflections(db, seeded.mentoring)
    shown = full_text(metrics(db, seeded.mentoring), found, max_quotes=2)
    quoted = [t for t in ("Listening first", "Weekly walks", "Feedback early") if t in shown]
    assert len(quoted) == 2
    assert "2 of 3 reflections" in shown


def test_quotes_are_escaped() -> None:
    reflection = Reflection("<@U123> & <!channel>", None)
    assert quote_text(reflection) == "> *What helped:* &lt;@U123&gt; &amp; &lt;!channel&gt;"


# -- which months may show --------------------------------------------------------------------


def month(first: date, mean: float = 4.0) -> MonthlyUsefulness:
    return MonthlyUsefulness(first, mean, 3, 3)


def test_a_month_shows_a_week_after_it_ended() -> None:
    january = month(date(2027, 1, 1))
    # UTC: January ended on 1 February 00:00; a week later its figure is final.
    assert month_final_at(january.month, "UTC") == at("2027-02-08 00:00")
    assert final_usefulness([january], "UTC", at("2027-02-07 23:59")) == ()
    assert final_usefulness([january], "UTC", at("2027-02-08 00:00")) == (january,)
    # Los Angeles: January ends there at 08:00 UTC on 1 February, so a week after that.
    assert month_final_at(january.month, "America/Los_Angeles") == at("2027-02-08 08:00")
    assert final_usefulness([january], "America/Los_Angeles", at("2027-02-08 07:59")) == ()
    # Auckland's January ends before UTC's; the months are UTC months, so UTC's end counts.
    assert month_final_at(january.month, "Pacific/Auckland") == at("2027-02-08 00:00")


def test_the_current_month_never_shows() -> None:
    march = month(date(2027, 3, 1))
    assert final_usefulness([march], "UTC", at("2027-03-31 23:59")) == ()
    assert final_usefulness([march], "UTC", at("2027-04-08 00:00")) == (march,)


def test_a_month_never_shows_before_its_last_ratings_are_final() -> None:
    """A rating is final when the program's week (Monday to Sunday) of its answer ends
    (bot.checkins.digest.week_end): the month's figure must wait for its last instant's week,
    in every zone, across the clock changes, whatever weekday the month ends on."""
    for name in sorted(available_timezones()):
        if name.startswith(("posix/", "right/")):
            continue
        for first in (date(2027, n, 1) for n in range(1, 13)):
            following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            last_instant = datetime.combine(following, time(), tzinfo=UTC) - timedelta(
                microseconds=1
            )
            assert month_final_at(first, name) >= week_end(last_instant, name), (name, first)


def test_the_report_drops_months_that_are_not_final(db: Database, seeded: Seeded) -> None:
    result = metrics(db, seeded.mentoring)  # NOW: 1 March 2027, 09:00 UTC
    trend = (
        month(date(2027, 1, 1), 3.6),
        month(date(2027, 2, 1), 2.0),  # ended nine hours ago
        month(date(2027, 3, 1), 5.0),  # still running
    )
    shown = full_text(result, usefulness=trend)
    assert "Jan 2027 *3.6*" in shown
    assert "Feb 2027" not in shown and "Mar 2027" not in shown
    # The chart cuts them too, whatever it is given: with nothing final it still draws rounds.
    assert (program_chart(result, trend[1:], "UTC") or b"").startswith(PNG_MAGIC)


def test_a_windowed_report_shows_whole_months(db: Database, seeded: Seeded) -> None:
    """Since 1 January, the January figure is the same as without a window (3.6 from five
    people, e1's rating of a check-in sent in December included): a month cut by the window
    would differ from the whole one by the ratings left out, here e1's 4."""
    windowed = metrics(db, seeded.mentoring, SINCE)
    assert [m.mean for m in windowed.usefulness_trend] == [pytest.approx(3.5)]  # cut
    whole = usefulness_reaching(metrics(db, seeded.mentoring), SINCE)
    assert whole == (MonthlyUsefulness(date(2027, 1, 1), pytest.approx(3.6), 5, 5),)
    assert "Jan 2027 *3.6* (5 people)" in full_text(windowed, usefulness=whole)


# -- the chart --------------------------------------------------------------------------------


def test_the_chart_is_a_png_for_mentoring_and_coffee(db: Database, seeded: Seeded) -> None:
    for program_id in (seeded.mentoring, seeded.coffee):
        result = metrics(db, program_id)
        png = program_chart(result, result.usefulness_trend, "Europe/Berlin")
        assert png is not None and png.startswith(PNG_MAGIC)
        assert b"Software" not in png[:2000]  # no metadata naming the tool (or anything else)


# -- the command's arguments ------------------------------------------------------------------


def test_report_arguments() -> None:
    assert parse_report_args("") == (None, None)
    assert parse_report_args("Engineering mentoring") == ("Engineering mentoring", None)
    assert parse_report_args("since 2027-01-31") == (None, date(2027, 1, 31))
    assert parse_report_args("Mentoring SINCE 2027-01-31") == ("Mentoring", date(2027, 1, 31))
    bad_dates = (
        "since 2027-02-30",
        "since 31/01/2027",
        "Mentoring since 2027-1-3",
        "Mentoring since 1 March",
        "since",
        "Mentoring since",
    )
    for bad in bad_dates:
        with pytest.raises(UsageError):
            parse_report_args(bad)


def test_the_home_tab_stays_under_slacks_block_limit() -> None:
    """An admin in every program, running them all: the insights fit beside everything else
    (home_blocks takes only the room left; see test_home_blocks_fit_the_room_they_are_given)."""
    programs = [
        Program(
            id=i,
            team_id=T1,
            name=f"Program {i}",
            name_key=f"program {i}",
            kind=ProgramKind.MENTORING,
            cadence=Cadence.EVERY_4_WEEKS,
            weekday=0,
            local_time=time(10),
            timezone="UTC",
        )
        for i in range(1, 16)
    ]
    memberships = [Membership(program=p, program_id=p.id, role=Role.MENTOR) for p in programs]
    profile = Profile(person=None, memberships=memberships, now=NOW)
    summaries = [ProgramSummary(p, ProgramCounts(3, 1, 0)) for p in programs]
    headlines = [HomeHeadline(p.id, p.name, "*People:* 3 active", NOW) for p in programs[:5]]
    view = home_view(
        profile, programs, summaries, can_create=True, insights=headlines, insights_hidden=10
    )
    blocks = view["blocks"]
    assert len(blocks) <= 100
    shown = texts(blocks)
    assert "Program insights" in shown and "*Program 5*\n*People:* 3 active" in shown
    assert "…and 10 more: `/mentor report <program>`." in shown
    assert blocks[-1]["type"] == "context" and "/mentor help" in texts(blocks[-1:])
