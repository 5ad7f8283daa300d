"""Block Kit for pulse results: the text beside the chart, and the Home tab's headlines.

Everything rendered here comes from :class:`SurveyResults`, which carries no number below *k*:
a hidden wave or question has nothing to print but the rule. The text says the same as the
chart, so someone who can't see images (or a client that doesn't load them) loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block

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
    to_dicts,
)
from bot.pulse.results import (
    DETRACTOR_UPTO,
    PROMOTER_FROM,
    Question,
    QuestionResult,
    Stats,
    SurveyResults,
    WaveResult,
)
from models import QuestionKind

SEND_CHARTS = "home.pulse_results"
MAX_MESSAGE_BLOCKS = 50
#: The Home tab shows this many surveys, newest first; the command reaches the rest.
MAX_HOME_SURVEYS = 5
#: Comments shown in one message; the rest are counted, not dropped silently.
MAX_COMMENTS_SHOWN = 40
BAR_WIDTH = 20
TREND_POINTS = 8

ROLE_NAMES = {
    "mentor": "mentors",
    "mentee": "mentees",
    "both": "mentors who are also mentees",
    "peer": "peers",
}


def hidden_text(k: int) -> str:
    return f"Results appear after the wave closes and once at least {k} people answered."


def percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def score_text(question: Question, stats: Stats) -> str:
    if stats.enps is not None:
        return f"eNPS {stats.enps:+d}"
    if stats.mean is not None:
        return f"mean {stats.mean:.2f}"
    top = max(range(len(stats.distribution)), key=lambda i: stats.distribution[i])
    return f"most chose “{escape(clip(question.labels[top], 40))}” ({percent(stats.share(top))})"


def _bar(share: float) -> str:
    filled = round(share * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def distribution_lines(question: Question, stats: Stats) -> list[str]:
    """One line per value (or option), or the three eNPS groups."""
    if question.kind is QuestionKind.ENPS:
        total = stats.count
        detractors = sum(stats.distribution[: DETRACTOR_UPTO + 1]) / total
        promoters = sum(stats.distribution[PROMOTER_FROM:]) / total
        passives = 1 - detractors - promoters
        groups = (
            ("9-10 promoters", promoters),
            ("7-8 passives", passives),
            ("0-6 detractors", detractors),
        )
        lines = [f"`{_bar(share)}` {percent(share)} {label}" for label, share in groups]
        spread = " ".join(f"{v}:{n}" for v, n in enumerate(stats.distribution))
        return [*lines, f"_answers per score:_ {spread}"]
    labels = list(question.labels)
    if question.kind is QuestionKind.SCALE and len(question.options) >= 2:
        labels[0] = f"1 {escape(clip(question.options[0], 30))}"
        labels[-1] = f"5 {escape(clip(question.options[-1], 30))}"
    elif question.kind is QuestionKind.CHOICE:
        labels = [escape(clip(label, 60)) for label in labels]
    order = range(len(labels) - 1, -1, -1) if question.kind is QuestionKind.SCALE else None
    positions = list(order) if order is not None else list(range(len(labels)))
    return [f"`{_bar(stats.share(i))}` {percent(stats.share(i))} {labels[i]}" for i in positions]


def trend_text(results: SurveyResults, question: Question) -> str | None:
    points = results.trend(question.index)
    if len(points) < 2:
        return None
    shown = points[-TREND_POINTS:]
    enps = question.kind is QuestionKind.ENPS
    values = " → ".join(f"w{n} {v:+.0f}" if enps else f"w{n} {v:.2f}" for n, v in shown)
    earlier = " (latest waves)" if len(points) > len(shown) else ""
    return f"Trend{earlier}: {values}"


def cuts_text(result: QuestionResult) -> str | None:
    if not result.cuts:
        return None
    parts = [
        f"{ROLE_NAMES.get(cut.role, escape(cut.role))} {score_text(result.question, cut.stats)}"
        f" (n = {cut.stats.count})"
        for cut in result.cuts
    ]
    return "By role: " + " · ".join(parts)


def comments_blocks(result: QuestionResult, comment_k: int) -> list[Block]:
    title = f"*{result.question.index + 1}. {escape(clip(result.question.text, 200))}*"
    if result.comments is None:
        return [
            section(
                f"{title}\nComments appear once at least {comment_k} people wrote one "
                "in a closed wave."
            )
        ]
    shown = result.comments[:MAX_COMMENTS_SHOWN]
    blocks: list[Block] = []
    text = f"{title} ({len(result.comments)} comments, in random order)"
    for comment in shown:
        line = "> " + escape(clip(" ".join(comment.split()), 900))
        if len(text) + len(line) + 1 > SECTION_LIMIT:
            blocks.append(section(text))
            text = line
        else:
            text += "\n" + line
    blocks.append(section(text))
    if len(result.comments) > len(shown):
        blocks.append(context(f"…and {len(result.comments) - len(shown)} more comments."))
    return blocks


def question_blocks(results: SurveyResults, result: QuestionResult) -> list[Block]:
    question = result.question
    if question.kind is QuestionKind.COMMENT:
        return comments_blocks(result, results.comment_k)
    title = f"*{question.index + 1}. {escape(clip(question.text, 300))}*"
    if result.stats is None:
        return [
            section(
                f"{title}\nNot enough answers to this question in this wave "
                f"(it needs at least {results.k})."
            )
        ]
    stats = result.stats
    lines = [f"{title}\n*{score_text(question, stats)}* · {stats.count} answers"]
    lines.extend(distribution_lines(question, stats))
    blocks: list[Block] = [section("\n".join(lines))]
    notes = [note for note in (trend_text(results, question), cuts_text(result)) if note]
    if notes:
        blocks.append(context("\n".join(notes)))
    return blocks


def wave_line(wave: WaveResult, k: int) -> str:
    when = slack_date(wave.closed_at, wave.closed_at.date().isoformat())
    if not wave.shown or wave.participation is None:
        return f"*Wave {wave.number}* closed {when}: not enough answers. {hidden_text(k)}"
    return (
        f"*Wave {wave.number}* closed {when} · participation *{percent(wave.participation)}* "
        f"({wave.answered} of {wave.invited} asked)"
    )


def results_message(
    results: SurveyResults,
    program_name: str,
    *,
    chart_attached: bool,
    chart_error: str | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """The results of a survey as a DM: the latest closed wave in full, the earlier ones briefly."""
    blocks: list[Block] = [header(clip(f"Pulse results: {results.name}", 150))]
    about = (
        f"{escape(program_name)} · anonymous: results show once at least {results.k} people "
        f"answered a closed wave, comments once {results.comment_k} wrote one; a role is shown "
        f"apart only when it and everyone else each reach {results.k}."
    )
    blocks.append(context(about))
    latest = results.latest
    if latest is None:
        blocks.append(section(f"No wave has closed yet. {hidden_text(results.k)}"))
    else:
        blocks.append(section(wave_line(latest, results.k)))
        if latest.shown:
            if chart_attached:
                blocks.append(context("The chart above shows the trend and the distributions."))
            elif chart_error is not None:
                blocks.append(
                    context(
                        f"The chart could not be uploaded (Slack said `{escape(chart_error)}`)."
                    )
                )
            for result in latest.questions:
                blocks.append(divider())
                blocks.extend(question_blocks(results, result))
        earlier = [w for w in results.waves if w is not latest][-10:]
        if earlier:
            parts = [
                f"wave {w.number} {percent(w.participation)}"
                if w.participation is not None
                else f"wave {w.number} not enough answers"
                for w in earlier
            ]
            blocks.append(divider())
            blocks.append(context("Earlier participation: " + " · ".join(parts)))
    if results.open_wave is not None:
        number, closes_at = results.open_wave
        until = slack_date(closes_at, closes_at.date().isoformat())
        blocks.append(
            context(f"Wave {number} is open until {until}; its results appear after it closes.")
        )
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        blocks = [*blocks[: MAX_MESSAGE_BLOCKS - 1], context("…more than fits in one message.")]
    return f"Pulse results: {results.name}", to_dicts(blocks)


def headline(results: SurveyResults) -> str:
    """One survey in a few lines: its latest closed wave, or why there is nothing to show."""
    latest = results.latest
    if latest is None:
        return f"No wave has closed yet. {hidden_text(results.k)}"
    if not latest.shown:
        return f"Wave {latest.number}: not enough answers yet. {hidden_text(results.k)}"
    parts = [f"Wave {latest.number} · participation {percent(latest.participation or 0.0)}"]
    for result in latest.questions:
        question = result.question
        if not question.charted:
            continue
        name = f"{question.index + 1}. {escape(clip(question.text, 40))}"
        if result.stats is None:
            parts.append(f"{name}: not enough answers yet")
        else:
            parts.append(f"{name}: *{score_text(question, result.stats)}*")
    return "\n".join(parts)


def home_blocks(surveys: Sequence[SurveyResults]) -> list[Block]:
    """The Home tab's "Pulse results" for admins and program owners."""
    if not surveys:
        return []
    blocks: list[Block] = [divider(), header("Pulse results")]
    for results in surveys[:MAX_HOME_SURVEYS]:
        blocks.append(
            section(
                f"*{escape(results.name)}*\n{headline(results)}",
                accessory=button("Send me the charts", SEND_CHARTS, str(results.survey_id)),
            )
        )
    hidden = len(surveys) - MAX_HOME_SURVEYS
    if hidden > 0:
        blocks.append(context(f"…and {hidden} more: `/mentor pulse results <survey>`."))
    return blocks


def sent_text(survey_name: str, charted: bool, others: Sequence[str], k: int) -> str:
    """The ephemeral answer to `/mentor pulse results`: where the results went."""
    text = f"I've sent the results of “{escape(clip(survey_name, 80))}” to our DM"
    text += ", with a chart." if charted else f". There's no chart yet. {hidden_text(k)}"
    if others:
        names = ", ".join(f"“{escape(clip(name, 60))}”" for name in others[:10])
        text += f"\nOther surveys: {names}. Add a name: `/mentor pulse results <survey>`."
    return text
