"""Block Kit for program insights: the headline numbers (Home tab, weekly digest) and the full
report that `/mentor report` sends beside its chart.

Everything rendered here comes from :class:`ProgramMetrics` and the quotable reflections, which
carry counts of meetings, rounds and pairs, never anyone's answer. Two rules keep it so:

* Usefulness by month shows only months whose figure is final (:func:`final_usefulness`): a
  figure that could still move between two reports would give away, by subtraction, the one
  rating that moved it. A rating can be given or changed until the end of the week (in the
  program's zone) in which its check-in was first answered (see bot/checkins/digest.py), so a
  month is final seven days after it ended, in UTC (the months are UTC months) and in the
  program's zone, whichever is later. The current month never shows, nor the previous one
  during the first week after it ended.
* Reflections appear only when their authors agreed to be quoted, as words alone (no name, no
  date, no pair), a few at a time in a fresh random order.

Pulse results are printed with bot/pulse/report.py's own helpers, from the survey's
:class:`SurveyResults` (thresholds already applied): nothing is recomputed here.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from slack_sdk.models.blocks import Block, ImageBlock
from slack_sdk.models.blocks.basic_components import SlackFile

from bot.blocks import (
    SECTION_LIMIT,
    button,
    clip,
    context,
    divider,
    escape,
    header,
    section,
    slack_date,
    slack_moment,
    to_dicts,
)
from bot.checkins.schedule import local_instant, zone
from bot.insights.dataset import (
    MonthlyUsefulness,
    ProgramMetrics,
    Ratio,
    Reflection,
    RoundMetrics,
)
from bot.insights.metrics import MIN_RATERS
from bot.pulse import report as pulse_report
from bot.pulse.results import SurveyResults
from models import ProgramKind

SEND_REPORT = "home.insights_report"
MAX_MESSAGE_BLOCKS = 50
#: The Home tab shows this many programs' headlines; `/mentor report` reaches the rest.
MAX_HOME_PROGRAMS = 5
#: Rounds listed in the report's table (the newest); the chart and the totals cover them all.
MAX_TABLE_ROUNDS = 24
#: Quotes shown in one report, drawn afresh each time.
MAX_QUOTES = 5
MAX_QUOTE_CHARS = 500
#: Pulse surveys summarised in one report; `/mentor pulse results` has each in full.
MAX_SURVEYS = 5
#: A month's usefulness is final this long after it ended (the week its last ratings may move).
FINAL_AFTER = timedelta(days=7)
NO_ROUNDS = "No rounds yet."
SENDING = "Your report is on its way to your DM."

DEFINITIONS = {
    "people": (
        "Memberships now: *active* takes part; *paused* has paused (until a date or until they "
        "resume); *left* has left the program; a *deactivated* account is gone from Slack."
    ),
    "meetings": (
        "*Met rate*: introductions (pairs or small groups) where at least one person said "
        "they met. *Coverage*: people introduced out of those who could have been (members "
        "who had joined by the round's start and not left). *Repeat*: groups holding two "
        "people already introduced in an earlier round. *Next round*: people of a round "
        "introduced again in the following one. *Time to first meeting*: median time from a "
        "round's start to its group's first \"we met\". *Ghosting*: people paused by the "
        "three-unanswered-introductions rule, out of those introduced. Totals add up the "
        "rounds' counts."
    ),
    "checkins": (
        "*Response*: check-ins answered out of check-ins sent. *Usefulness*: the mean of "
        "the 1-5 ratings, by the month (UTC) people answered; a month appears once at least "
        f"{MIN_RATERS} different people rated in it and its figure can no longer change: "
        "never the current month, and the previous one only a week after it ended. "
        "Individual answers are never shown."
    ),
    "goals": "Goals the pairs set in this period, counted by where they stand now.",
    "impact": (
        "*Closed early*: mentorships ended before their term, out of those that ended. "
        "*Still meeting after the term*: pairs that recorded a meeting after their term "
        "ended, out of those whose full term is over. *Mentees who became mentors*: people "
        "who were a mentee and later mentor. *Reflections shared*: close-outs whose author "
        "wrote a reflection and agreed to have it quoted, out of close-outs submitted."
    ),
}


# -- numbers as words ---------------------------------------------------------------------------


def percent(rate: float) -> str:
    return f"{100 * rate:.0f}%"


def ratio_text(ratio: Ratio, empty: str = "none yet", noun: str = "") -> str:
    """``3 of 4 groups (75%)``, or ``empty`` when there is nothing to divide by."""
    rate = ratio.rate
    if rate is None:
        return empty
    of = f"{ratio.out_of} {noun}" if noun else str(ratio.out_of)
    return f"{ratio.count} of {of} ({percent(rate)})"


def hours_text(hours: float | None) -> str:
    if hours is None:
        return "no meeting yet"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.1f} days"


def month_label(month: date) -> str:
    return f"{month:%b %Y}"


# -- which months may show ------------------------------------------------------------------------


def month_final_at(month: date, timezone: str | None) -> datetime:
    """When the usefulness of ``month`` (a UTC month, by its first day) can no longer change.

    Seven days after the month ended, in UTC and in the program's zone, whichever is later. A
    rating answered in the month's last instant is final when the program's week (Monday to
    Sunday) holding that instant ends, which is never later than that (tested for every zone).
    """
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    utc_end = datetime.combine(following, time(), tzinfo=UTC)
    return max(utc_end, local_instant(following, 0, zone(timezone))) + FINAL_AFTER


def final_usefulness(
    trend: Sequence[MonthlyUsefulness], timezone: str | None, now: datetime
) -> tuple[MonthlyUsefulness, ...]:
    """The months of ``trend`` whose figure is final at ``now`` (see :func:`month_final_at`)."""
    return tuple(m for m in trend if now >= month_final_at(m.month, timezone))


# -- the headline ---------------------------------------------------------------------------------


def people_text(metrics: ProgramMetrics) -> str:
    p = metrics.participants
    text = f"{p.active} active · {p.paused} paused · {p.left} left"
    if p.deactivated:
        text += f" · {p.deactivated} deactivated"
    return text


def last_round_text(rounds: Sequence[RoundMetrics]) -> str:
    if not rounds:
        return NO_ROUNDS
    last = rounds[-1]
    when = slack_date(last.starts_at, last.starts_at.date().isoformat())
    return (
        f"round {last.number} ({when}): met in "
        f"{ratio_text(last.met_rate, 'no introductions', 'groups')} · coverage "
        f"{ratio_text(last.coverage, 'nobody eligible', 'people')}"
    )


def headline_text(metrics: ProgramMetrics) -> str:
    """The few numbers an owner checks first, one per line (Home tab and weekly digest)."""
    lines = [
        f"*People:* {people_text(metrics)}",
        f"*Last round:* {last_round_text(metrics.rounds)}",
    ]
    if metrics.kind is ProgramKind.MENTORING:
        goals = metrics.goals
        lines += [
            f"*Check-ins answered:* {ratio_text(metrics.check_in_response, 'none sent yet')}",
            f"*Goals met:* {ratio_text(goals.met_rate, 'no goals set yet', 'set')}",
            "*Mentorships closed early:* "
            + ratio_text(metrics.early_closure, "none has ended yet", "ended"),
        ]
    return "\n".join(lines)


@dataclass(frozen=True)
class HomeHeadline:
    """One program's headline on the Home tab, as last computed (bot/insights/snapshots.py)."""

    program_id: int
    program_name: str
    text: str
    computed_at: datetime
    #: The chart, uploaded private to the app, for an image block; None when there is none.
    chart_file_id: str | None = None
    chart_alt_text: str | None = None


def home_blocks(headlines: Sequence[HomeHeadline], hidden: int, room: int) -> list[Block]:
    """The Home tab's "Program insights" in at most ``room`` blocks (none if it can't fit one).

    Each program takes its headline (with the button that DMs the full report) and, when there
    is one, its chart. ``hidden`` programs were left out before their numbers were read.
    """
    if not headlines or room < 4:
        return []
    blocks: list[Block] = [divider(), header("Program insights")]
    shown = 0
    for item in headlines:
        program_blocks: list[Block] = [
            section(
                f"*{escape(item.program_name)}*\n{item.text}",
                accessory=button(
                    "Send me the report with charts", SEND_REPORT, str(item.program_id)
                ),
            )
        ]
        if item.chart_file_id is not None:
            program_blocks.append(
                ImageBlock(
                    slack_file=SlackFile(id=item.chart_file_id),
                    alt_text=item.chart_alt_text or f"Chart of {item.program_name}",
                )
            )
        if len(blocks) + len(program_blocks) + 1 > room:
            break
        blocks.extend(program_blocks)
        shown += 1
    if shown == 0:
        return []
    oldest = min(h.computed_at for h in headlines[:shown])
    note = (
        "Since each program began; goals and check-ins are for mentoring programs. "
        f"Updated hourly, last {slack_moment(oldest)}; the report button has them as of now."
    )
    more = hidden + len(headlines) - shown
    if more > 0:
        note += f" …and {more} more: `/mentor report <program>`."
    blocks.append(context(note))
    return blocks


# -- the full report ------------------------------------------------------------------------------


def window_text(metrics: ProgramMetrics, timezone: str | None) -> str:
    now = metrics.now
    until = slack_date(now, now.date().isoformat())
    if metrics.since is None:
        return f"From the beginning to {until}"
    since = metrics.since.astimezone(zone(timezone)).date().isoformat()
    return f"From {since} to {until}"


def rounds_table(rounds: Sequence[RoundMetrics], timezone: str | None) -> str:
    """The rounds as a fixed-width table: dates and counts only."""
    where = zone(timezone)
    shown = list(rounds)[-MAX_TABLE_ROUNDS:]
    rows = [
        ("Round", "Started", "Groups", "Met", "Coverage", "Repeat", "Next round", "1st meeting"),
    ]
    for r in shown:
        retention = r.retention
        rows.append(
            (
                str(r.number),
                r.starts_at.astimezone(where).date().isoformat(),
                str(r.groups),
                _cell(r.met_rate),
                _cell(r.coverage),
                str(r.repeat_groups),
                _cell(retention) if retention is not None else "-",
                "-" if r.hours_to_first_meeting is None else hours_text(r.hours_to_first_meeting),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(width) if i == 1 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
    return "```\n" + "\n".join(lines) + "\n```"


def _cell(ratio: Ratio) -> str:
    rate = ratio.rate
    return "-" if rate is None else f"{ratio.count}/{ratio.out_of} {percent(rate)}"


def _meetings_blocks(metrics: ProgramMetrics, timezone: str | None) -> list[Block]:
    if not metrics.rounds:
        return [section(f"*Rounds and meetings*\n{NO_ROUNDS}")]
    lines = [
        f"*Rounds and meetings* ({len(metrics.rounds)} rounds)",
        f"Met rate: *{ratio_text(metrics.met_rate, noun='groups')}*",
        f"Coverage: *{ratio_text(metrics.coverage, noun='people')}*",
        f"Repeat groups: {ratio_text(metrics.repeat_rate, noun='groups')}",
        "Introduced again in the next round: "
        + ratio_text(metrics.retention, "no next round yet", "people"),
        f"Median time to first meeting: {hours_text(metrics.hours_to_first_meeting)}",
        f"Ghosting: {ratio_text(metrics.ghost_rate, noun='people introduced')}",
    ]
    blocks: list[Block] = [section("\n".join(lines))]
    table = rounds_table(metrics.rounds, timezone)
    if len(metrics.rounds) > MAX_TABLE_ROUNDS:
        table = f"The newest {MAX_TABLE_ROUNDS} rounds:\n" + table
    blocks.append(section(table))
    blocks.append(context(DEFINITIONS["meetings"]))
    return blocks


def _check_in_blocks(
    metrics: ProgramMetrics, usefulness: Sequence[MonthlyUsefulness]
) -> list[Block]:
    lines = [
        "*Check-ins*",
        f"Answered: *{ratio_text(metrics.check_in_response, 'none sent yet')}*",
    ]
    if usefulness:
        months = " · ".join(
            f"{month_label(m.month)} *{m.mean:.1f}* ({m.raters} people)" for m in usefulness
        )
        lines.append(f"How useful meetings were (1-5): {months}")
    else:
        lines.append("How useful meetings were (1-5): no month to show yet.")
    return [section("\n".join(lines)), context(DEFINITIONS["checkins"])]


def _goal_blocks(metrics: ProgramMetrics) -> list[Block]:
    g = metrics.goals
    if not g.set:
        text = "*Goals*\nNo goals set yet."
    else:
        text = (
            f"*Goals* ({g.set} set)\nMet: *{ratio_text(g.met_rate, noun='goals')}*"
            f" · partly met {g.partly}"
            f" · not met {g.not_met} · dropped {g.dropped} · still open {g.open}"
        )
    return [section(text), context(DEFINITIONS["goals"])]


def _impact_blocks(metrics: ProgramMetrics) -> list[Block]:
    lines = [
        "*Long-term impact*",
        f"Mentorships started: {metrics.mentorships_started}",
        "Closed early: " + ratio_text(metrics.early_closure, "none has ended yet", "ended"),
        "Still meeting after the term: "
        + ratio_text(metrics.still_meeting_after_term, "no term is over yet", "pairs"),
        f"Mentees who became mentors: {metrics.mentees_became_mentors}",
        "Reflections shared: "
        + ratio_text(metrics.reflections_shared, "no close-out yet", "close-outs"),
    ]
    return [section("\n".join(lines)), context(DEFINITIONS["impact"])]


def _survey_text(results: SurveyResults, windowed: bool) -> str:
    """A survey in a few lines, by bot.pulse.report's own helpers."""
    if windowed and not results.waves:
        return "No wave of this survey closed in this period."
    lines = [pulse_report.headline(results)]
    for question in results.questions:
        if question.has_score and (trend := pulse_report.trend_text(results, question)):
            lines.append(f"Question {question.index + 1} · {trend}")
    return "\n".join(lines)


def _pulse_blocks(metrics: ProgramMetrics) -> list[Block]:
    if not metrics.pulse:
        return []
    blocks: list[Block] = [section("*Pulse surveys*")]
    for results in metrics.pulse[:MAX_SURVEYS]:
        text = _survey_text(results, metrics.since is not None)
        blocks.append(section(f"*{escape(clip(results.name, 150))}*\n{text}"))
    note = "`/mentor pulse results <survey>` sends a survey's full results and chart."
    hidden = len(metrics.pulse) - MAX_SURVEYS
    if hidden > 0:
        note = f"…and {hidden} more surveys. " + note
    blocks.append(context(note))
    return blocks


def quote_text(reflection: Reflection) -> str:
    """A reflection as a quote: its words on one line each, escaped and clipped."""
    parts = []
    for label, words in (
        ("What helped", reflection.helped),
        ("What I'll apply", reflection.will_apply),
    ):
        if words:
            parts.append(f"> *{label}:* {escape(clip(' '.join(words.split()), MAX_QUOTE_CHARS))}")
    return "\n".join(parts)


def _reflection_blocks(
    metrics: ProgramMetrics, reflections: Sequence[Reflection], max_quotes: int
) -> list[Block]:
    if metrics.kind is not ProgramKind.MENTORING:
        return []
    usable = [r for r in reflections if r.helped or r.will_apply]
    if not usable:
        return [section("*In their own words*\nNo one has shared a reflection to quote yet.")]
    chosen = random.SystemRandom().sample(usable, min(max_quotes, len(usable)))
    blocks: list[Block] = []
    text = "*In their own words*"
    for reflection in chosen:
        quote = quote_text(reflection)
        if len(text) + len(quote) + 2 > SECTION_LIMIT:
            blocks.append(section(text))
            text = quote
        else:
            text += "\n\n" + quote
    blocks.append(section(text))
    blocks.append(
        context(
            f"{len(chosen)} of {len(usable)} reflections whose authors agreed to be quoted, "
            "in random order, without names or dates."
        )
    )
    return blocks


def report_message(
    metrics: ProgramMetrics,
    *,
    timezone: str | None,
    usefulness: Sequence[MonthlyUsefulness],
    reflections: Sequence[Reflection],
    chart_attached: bool,
    chart_error: str | None = None,
    max_quotes: int = MAX_QUOTES,
) -> tuple[str, list[dict[str, Any]]]:
    """The full report as a DM. ``usefulness`` is shown only for its final months, whatever
    the caller passes."""
    title = f"Program report: {metrics.program_name}"
    blocks: list[Block] = [header(clip(title, 150))]
    about = f"{window_text(metrics, timezone)} · {metrics.kind.value} program"
    if chart_attached:
        about += " · the chart above shows the rounds"
        about += ", usefulness by month" if metrics.kind is ProgramKind.MENTORING else ""
        about += " and the people"
    elif chart_error is not None:
        about += f" · the chart could not be uploaded (Slack said `{escape(chart_error)}`)"
    blocks.append(context(about))
    blocks.append(section(f"*People now*\n{people_text(metrics)}"))
    blocks.append(context(DEFINITIONS["people"]))
    blocks.append(divider())
    blocks.extend(_meetings_blocks(metrics, timezone))
    if metrics.kind is ProgramKind.MENTORING:
        shown = final_usefulness(usefulness, timezone, metrics.now)
        blocks.append(divider())
        blocks.extend(_check_in_blocks(metrics, shown))
        blocks.extend(_goal_blocks(metrics))
        blocks.append(divider())
        blocks.extend(_impact_blocks(metrics))
    else:
        blocks.append(context("Check-ins, goals and mentorships are part of mentoring programs."))
    pulse = _pulse_blocks(metrics)
    if pulse:
        blocks.append(divider())
        blocks.extend(pulse)
    quotes = _reflection_blocks(metrics, reflections, max_quotes)
    if quotes:
        blocks.append(divider())
        blocks.extend(quotes)
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        blocks = [*blocks[: MAX_MESSAGE_BLOCKS - 1], context("…more than fits in one message.")]
    return title, to_dicts(blocks)
