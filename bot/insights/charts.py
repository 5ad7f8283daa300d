"""One PNG of a program's insights: met rate and coverage per round, usefulness by month, and
the people in it now.

Drawn with what bot/charts.py shares with the pulse charts: the Agg canvas, the palette, and
one lock, so a pulse chart and an insights chart never draw at once either.

The chart is built from :class:`ProgramMetrics` alone, which holds counts, not answers; its
titles name the program and what is measured, never a person. Usefulness comes in already cut
to the months whose figure is final (bot.insights.report.final_usefulness), and this module
cuts it again, so no caller can chart a month that may still change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.blocks import clip
from bot.charts import (
    DRAWING,
    GREEN,
    GREY,
    RED,
    new_figure,
    note,
    plain,
    png,
    style,
    value_label,
)
from bot.insights.dataset import MonthlyUsefulness, ProgramMetrics, Ratio, RoundMetrics
from bot.insights.metrics import MIN_RATERS
from bot.insights.report import final_usefulness, month_label
from models import ProgramKind

if TYPE_CHECKING:
    from matplotlib.axes import Axes

ROW_INCHES = 3.2
#: The newest rounds charted; older ones are in the totals, not on the axis.
MAX_ROUNDS_CHARTED = 24
#: Up to this many rounds each gets its own label and value; beyond, the axis is plain numbers.
MAX_LABELLED_ROUNDS = 12
AMBER = "#f9a825"


def program_chart(
    metrics: ProgramMetrics, usefulness: Sequence[MonthlyUsefulness], timezone: str | None
) -> bytes | None:
    """The program's chart as PNG bytes, or None when there is nothing to draw yet (no one
    has joined, no round has started and no month of usefulness is final)."""
    shown = final_usefulness(usefulness, timezone, metrics.now)
    if not metrics.rounds and not shown and metrics.participants.total == 0:
        return None
    with DRAWING:
        return _draw(metrics, shown)


def _draw(metrics: ProgramMetrics, usefulness: Sequence[MonthlyUsefulness]) -> bytes:
    mentoring = metrics.kind is ProgramKind.MENTORING
    figure = new_figure(ROW_INCHES * 2, f"{metrics.program_name}: program insights")
    grid = figure.add_gridspec(2, 2)
    rounds = list(metrics.rounds)[-MAX_ROUNDS_CHARTED:]
    _per_round(
        figure.add_subplot(grid[0, 0]),
        "Met rate per round: groups where someone met",
        [(r.number, r.met_rate) for r in rounds],
    )
    _per_round(
        figure.add_subplot(grid[0, 1]),
        "Coverage per round: people introduced of those eligible",
        [(r.number, r.coverage) for r in rounds],
    )
    if mentoring:
        _usefulness(figure.add_subplot(grid[1, 0]), usefulness)
        _participants(figure.add_subplot(grid[1, 1]), metrics)
    else:
        _participants(figure.add_subplot(grid[1, :]), metrics)
    return png(figure)


def _style(axes: Axes, title: str) -> None:
    style(axes, plain(title, 60, 1))


def _note(axes: Axes, text: str) -> None:
    """An empty panel: no ticks, only why it is empty."""
    axes.set_xticks([])
    axes.set_yticks([])
    note(axes, text)


def _per_round(axes: Axes, title: str, points: list[tuple[int, Ratio]]) -> None:
    """A bar per round (its rate in %), labelled with its counts while there are few."""
    _style(axes, title)
    charted = [(n, r) for n, r in points if r.rate is not None]
    if not charted:
        _note(axes, "No rounds yet")
        return
    numbers = [n for n, _ in charted]
    values = [100 * (r.rate or 0.0) for _, r in charted]
    axes.bar(numbers, values, color=GREEN, width=0.6)
    axes.set_ylim(0, 115)
    axes.set_ylabel("%")
    few = len(charted) <= MAX_LABELLED_ROUNDS
    if few:
        axes.set_xticks(numbers, [f"round {n}" for n in numbers])
        for (number, ratio), value in zip(charted, values, strict=True):
            value_label(
                axes,
                f"{value:.0f}% ({ratio.count}/{ratio.out_of})",
                (number, value),
                lift=4,
                size=8,
            )
    else:
        from matplotlib.ticker import MaxNLocator

        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel("round")
    if len(numbers) == 1:
        axes.set_xlim(numbers[0] - 1, numbers[0] + 1)


def _usefulness(axes: Axes, months: Sequence[MonthlyUsefulness]) -> None:
    _style(axes, f"How useful meetings were, by month (mean 1-5, {MIN_RATERS}+ people)")
    if not months:
        _note(axes, "No month to show yet")
        return
    positions = list(range(len(months)))
    means = [m.mean for m in months]
    axes.plot(positions, means, marker="o", color=GREEN, linewidth=2, markersize=6)
    for position, mean in zip(positions, means, strict=True):
        value_label(axes, f"{mean:.1f}", (position, mean))
    step = -(-len(months) // MAX_LABELLED_ROUNDS)  # every month named while few, else some
    axes.set_xticks(
        positions[::step], [month_label(m.month) for m in months][::step], rotation=30, ha="right"
    )
    axes.set_ylim(1, 5.4)
    axes.set_yticks([1, 2, 3, 4, 5])
    if len(months) == 1:
        axes.set_xlim(-1, 1)


def _participants(axes: Axes, metrics: ProgramMetrics) -> None:
    _style(axes, "People in the program now")
    p = metrics.participants
    if p.total == 0:
        _note(axes, "Nobody has joined yet")
        return
    rows = [
        ("active", p.active, GREEN),
        ("paused", p.paused, AMBER),
        ("left", p.left, GREY),
        ("deactivated", p.deactivated, RED),
    ]
    positions = list(range(len(rows)))[::-1]
    counts = [n for _, n, _ in rows]
    from matplotlib.ticker import MaxNLocator

    axes.barh(positions, counts, height=0.6, color=[c for _, _, c in rows])
    axes.set_yticks(positions, [label for label, _, _ in rows])
    axes.set_xlim(0, max(counts) * 1.2 or 1)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("people")
    for position, count in zip(positions, counts, strict=True):
        value_label(axes, str(count), (count, position), beside=True)


def rounds_charted(rounds: Sequence[RoundMetrics]) -> int:
    """How many of ``rounds`` the chart shows (the alt text says so)."""
    return min(len(rounds), MAX_ROUNDS_CHARTED)


def chart_alt_text(metrics: ProgramMetrics) -> str:
    """What the chart shows, for screen readers (Slack allows 1,000 characters)."""
    charted = rounds_charted(metrics.rounds)
    parts = [
        f"met rate and coverage of the last {charted} rounds" if charted else "no rounds yet",
        "the people in the program now",
    ]
    if metrics.kind is ProgramKind.MENTORING:
        parts.append("how useful meetings were, by month")
    return clip(f"Chart of {metrics.program_name}: " + "; ".join(parts) + ".", 1000)
