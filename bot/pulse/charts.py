"""One PNG per survey: participation, and per question its trend and the latest distribution.

The chart is built from :class:`SurveyResults` alone, which holds no numbers below *k*, and its
titles are the survey's name and its questions: nothing about a person. bot/charts.py has what
every chart shares (the canvas, the palette, one chart drawn at a time).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.charts import (
    DRAWING,
    GREEN,
    GREY,
    INK,
    LIGHT_GREEN,
    RED,
    new_figure,
    note,
    plain,
    png,
    style,
    value_label,
)
from bot.pulse.results import Question, QuestionResult, SurveyResults, WaveResult
from models import QuestionKind

if TYPE_CHECKING:
    from matplotlib.axes import Axes

ROW_INCHES = 2.5
#: A survey rarely has more; beyond this the chart would be too tall to read in Slack.
MAX_QUESTIONS_CHARTED = 10
#: Up to this many waves each gets its own label and value; beyond, the axis is plain numbers.
MAX_LABELLED_WAVES = 12


def survey_chart(results: SurveyResults) -> bytes | None:
    """The survey's chart as PNG bytes, or None while no closed wave has reached *k*."""
    latest = results.latest_shown
    if latest is None:
        return None
    charted = [q for q in results.questions if q.charted][:MAX_QUESTIONS_CHARTED]
    with DRAWING:
        return _draw(results, latest, charted)


def _draw(results: SurveyResults, latest: WaveResult, charted: list[Question]) -> bytes:
    rows = 1 + len(charted)
    figure = new_figure(ROW_INCHES * rows, f"{results.name}: results up to wave {latest.number}")
    grid = figure.add_gridspec(rows, 2, width_ratios=(3, 2))
    _participation(figure.add_subplot(grid[0, :]), results)
    for row, question in enumerate(charted, start=1):
        result = latest.question(question.index)
        if question.has_score:
            _trend(figure.add_subplot(grid[row, 0]), results, question)
            _distribution(figure.add_subplot(grid[row, 1]), question, result, latest)
        else:
            _distribution(figure.add_subplot(grid[row, :]), question, result, latest)
    return png(figure)


def _wave_axis(axes: Axes, numbers: list[int]) -> None:
    """Waves on the x axis: each one named while few, a plain integer axis once many."""
    if len(numbers) > MAX_LABELLED_WAVES:
        from matplotlib.ticker import MaxNLocator

        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel("wave")
    else:
        axes.set_xticks(numbers, [f"wave {n}" for n in numbers])
    if len(numbers) == 1:
        axes.set_xlim(numbers[0] - 1, numbers[0] + 1)


def _line(axes: Axes, points: list[tuple[int, float]], label: Callable[[float], str]) -> None:
    """A trend line, each point labelled while there are few (else only the newest)."""
    numbers = [n for n, _ in points]
    xs: list[float] = []
    ys: list[float] = []
    for number, value in points:
        if xs and number > xs[-1] + 1:  # a wave without enough answers: break the line there
            xs.append(xs[-1] + 1)
            ys.append(math.nan)
        xs.append(number)
        ys.append(value)
    small = len(points) > MAX_LABELLED_WAVES
    axes.plot(xs, ys, marker="o", markersize=3 if small else 6, color=GREEN, linewidth=2)
    labelled = points if len(points) <= MAX_LABELLED_WAVES else points[-1:]
    for number, value in labelled:
        value_label(axes, label(value), (number, value))
    if numbers:
        _wave_axis(axes, numbers)
    else:
        axes.set_xticks([])


def _participation(axes: Axes, results: SurveyResults) -> None:
    style(axes, f"Participation: closed waves where at least {results.k} people answered")
    points = [(n, 100 * rate) for n, rate in results.participation_trend()]
    _line(axes, points, lambda rate: f"{rate:.0f}%")
    axes.set_ylim(0, 110)
    axes.set_ylabel("% of those asked")


def _trend(axes: Axes, results: SurveyResults, question: Question) -> None:
    points = results.trend(question.index)
    enps = question.kind is QuestionKind.ENPS
    style(axes, plain(f"{question.index + 1}. {question.text}"))
    _line(axes, points, (lambda v: f"{v:+.0f}") if enps else (lambda v: f"{v:.2f}"))
    if enps:
        axes.axhline(0, color=GREY, linewidth=0.8)
        axes.set_ylim(-110, 115)
        axes.set_ylabel("eNPS")
    else:
        axes.set_ylim(1, 5.4)
        axes.set_yticks([1, 2, 3, 4, 5])
        axes.set_ylabel("mean (1-5)")
    if not points:
        note(axes, "No wave has had enough answers to this question yet")


def _distribution(
    axes: Axes, question: Question, result: QuestionResult | None, wave: WaveResult
) -> None:
    title = f"Wave {wave.number}"
    if not question.has_score:
        title = plain(f"{question.index + 1}. {question.text}") + f"  (wave {wave.number})"
    style(axes, title)
    stats = result.stats if result is not None else None
    if stats is None:
        axes.set_xticks([])
        axes.set_yticks([])
        note(axes, f"Not enough answers in wave {wave.number}")
        return
    shares = [100 * stats.share(i) for i in range(len(stats.distribution))]
    labels = list(question.labels)
    if question.kind is QuestionKind.CHOICE:
        positions = list(range(len(labels)))[::-1]
        axes.barh(positions, shares, height=0.6, color=GREEN)
        axes.set_yticks(positions, [plain(label, 40, 1) for label in labels])
        axes.set_xlim(0, 110)
        axes.set_xlabel(f"% of {stats.count} answers")
        for position, share in zip(positions, shares, strict=True):
            value_label(axes, f"{share:.0f}%", (share, position), beside=True)
        return
    colors: list[Any] = [GREEN] * len(labels)
    if question.kind is QuestionKind.ENPS:
        colors = [RED] * 7 + [GREY] * 2 + [GREEN] * 2
    elif len(question.options) >= 2:
        labels[0] = f"1\n{plain(question.options[0], 14, 1)}"
        labels[-1] = f"5\n{plain(question.options[-1], 14, 1)}"
    axes.bar(range(len(labels)), shares, color=colors)
    axes.set_xticks(range(len(labels)), labels)
    axes.set_ylim(0, max(shares) * 1.25 or 1)
    axes.set_ylabel(f"% of {stats.count}")
    score = f"eNPS {stats.enps:+d}" if stats.enps is not None else f"mean {stats.mean:.2f}"
    axes.text(
        0.99,
        0.97,
        score,
        transform=axes.transAxes,
        ha="right",
        va="top",
        fontsize=10,
        color=INK,
        bbox={"facecolor": "white", "edgecolor": LIGHT_GREEN},
    )
