"""The results of a pulse survey: what may be shown, computed in SQL, with no small group exposed.

Everything here follows one rule from the issue and docs/privacy.md: a number appears only when
at least *k* people stand behind it, and only after the wave has closed.

* A wave's results appear once it has closed and at least *k* people answered it (``answered``,
  counted when the wave closed). *k* is the survey's ``min_answers``, never below 3 whatever is
  stored.
* A question's block appears only when that question itself has at least *k* answers (questions
  can be optional), so a question that few answered shows no numbers even in a wave that passed.
* A cut by role appears only when the role's answers and all the other answers to the question
  both reach *k*; and the cuts shown never leave a remainder between 1 and *k* - 1 that could be
  had by subtracting them from the whole (the smallest cut is dropped when they would).
* Comments have their own threshold, ``max(min_comments, k)``, counted per question and wave; they
  are returned shuffled afresh on every read and carry nothing but their text.

Hidden results carry no numbers at all (``stats`` is None), so no renderer can leak them by
accident. The counting is one grouped query for the whole survey (wave, question, role, value,
choice), plus one query for the comments of the newest wave that passed; never a query per wave.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import PulseAnswer, PulseSurvey, PulseWave, QuestionKind

#: Never fewer people than this behind any number, whatever a survey stores.
K_FLOOR = 3
SCALE_VALUES = tuple(range(1, 6))
ENPS_VALUES = tuple(range(0, 11))
#: eNPS: 9 and 10 promote, 0 to 6 detract, 7 and 8 are passive.
PROMOTER_FROM = 9
DETRACTOR_UPTO = 6


def answer_threshold(survey: PulseSurvey) -> int:
    """*k* for results and cuts: the survey's minimum, clamped to at least three."""
    return max(K_FLOOR, int(survey.min_answers or 0))


def comment_threshold(survey: PulseSurvey) -> int:
    """Comments need their own, higher count, and never fewer than *k*."""
    return max(int(survey.min_comments or 0), answer_threshold(survey))


@dataclass(frozen=True)
class Question:
    """One question of a survey, as its creator wrote it."""

    index: int
    kind: QuestionKind
    text: str
    options: tuple[str, ...] = ()

    @property
    def values(self) -> tuple[int, ...]:
        """The answers a scale or recommend question takes, or the option indexes of a choice."""
        if self.kind is QuestionKind.SCALE:
            return SCALE_VALUES
        if self.kind is QuestionKind.ENPS:
            return ENPS_VALUES
        if self.kind is QuestionKind.CHOICE:
            return tuple(range(len(self.options)))
        return ()

    @property
    def labels(self) -> tuple[str, ...]:
        """A label per value: the option's text for a choice, the number otherwise."""
        if self.kind is QuestionKind.CHOICE:
            return self.options
        return tuple(str(v) for v in self.values)

    @property
    def charted(self) -> bool:
        return self.kind is not QuestionKind.COMMENT

    @property
    def has_score(self) -> bool:
        """Whether the question has one number per wave (a mean or an eNPS) to trend."""
        return self.kind in (QuestionKind.SCALE, QuestionKind.ENPS)


def questions_of(survey: PulseSurvey) -> tuple[Question, ...]:
    """The survey's questions; a malformed or unknown entry is skipped, not fatal."""
    found = []
    for index, raw in enumerate(survey.questions or []):
        if not isinstance(raw, dict):
            continue
        try:
            kind = QuestionKind(str(raw.get("kind")))
        except ValueError:
            continue
        options = tuple(str(o) for o in raw.get("options") or [])
        found.append(Question(index, kind, str(raw.get("text") or ""), options))
    return tuple(found)


@dataclass(frozen=True)
class Stats:
    """The numbers of one question over a group of at least *k* answers."""

    count: int
    #: Answers per value, in the order of ``Question.values``.
    distribution: tuple[int, ...]
    #: Mean of a scale question, else None.
    mean: float | None = None
    #: eNPS of a recommend question (-100..100), else None.
    enps: int | None = None

    @property
    def score(self) -> float | None:
        """The one number a trend follows: the mean or the eNPS."""
        return self.mean if self.mean is not None else self.enps

    def share(self, position: int) -> float:
        return self.distribution[position] / self.count if self.count else 0.0


@dataclass(frozen=True)
class RoleCut:
    """A question's numbers for one role, shown because the role and the rest both reach *k*."""

    role: str
    stats: Stats


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    #: None when hidden: fewer than *k* answered this question (numbers below *k* never leave).
    stats: Stats | None
    cuts: tuple[RoleCut, ...] = ()
    #: A comment question's comments, shuffled; None when fewer than the comment threshold,
    #: empty when they passed it but were not read (see ``load``).
    comments: tuple[str, ...] | None = None

    @property
    def shown(self) -> bool:
        return self.stats is not None or self.comments is not None


@dataclass(frozen=True)
class WaveResult:
    """One closed wave. When not ``shown`` (fewer than *k* answered) it has no questions."""

    wave_id: int
    number: int
    opens_at: datetime
    closes_at: datetime
    closed_at: datetime
    shown: bool
    invited: int
    answered: int
    questions: tuple[QuestionResult, ...] = ()

    @property
    def participation(self) -> float | None:
        """answered / invited, only for a wave whose results may be shown."""
        if not self.shown or not self.invited:
            return None
        return self.answered / self.invited

    def question(self, index: int) -> QuestionResult | None:
        return next((q for q in self.questions if q.question.index == index), None)


@dataclass(frozen=True)
class SurveyResults:
    survey_id: int
    team_id: str
    program_id: int
    name: str
    k: int
    comment_k: int
    questions: tuple[Question, ...]
    #: Closed waves only, oldest first: an open wave's answers are never counted.
    waves: tuple[WaveResult, ...]
    #: The wave still taking answers, if any (its number and when it closes).
    open_wave: tuple[int, datetime] | None = None
    created_at: datetime | None = None

    @property
    def latest(self) -> WaveResult | None:
        """The newest closed wave, whether or not it reached *k*."""
        return self.waves[-1] if self.waves else None

    @property
    def latest_shown(self) -> WaveResult | None:
        return next((w for w in reversed(self.waves) if w.shown), None)

    def trend(self, index: int) -> list[tuple[int, float]]:
        """(wave number, mean or eNPS) over the closed waves where this question passed *k*."""
        points = []
        for wave in self.waves:
            result = wave.question(index) if wave.shown else None
            if result is not None and result.stats is not None and result.stats.score is not None:
                points.append((wave.number, float(result.stats.score)))
        return points

    def participation_trend(self) -> list[tuple[int, float]]:
        return [(w.number, w.participation) for w in self.waves if w.participation is not None]


# -- the arithmetic ---------------------------------------------------------------------------


def enps(distribution: Sequence[int]) -> int:
    """% promoters (9-10) minus % detractors (0-6) of a 0..10 distribution, rounded half away
    from zero, in exact integer arithmetic (so 12.5 is 13 and -12.5 is -13 on every platform)."""
    total = sum(distribution)
    if not total:
        return 0
    promoters = sum(distribution[PROMOTER_FROM:])
    detractors = sum(distribution[: DETRACTOR_UPTO + 1])
    numerator = 100 * (promoters - detractors)
    magnitude = (2 * abs(numerator) + total) // (2 * total)
    return magnitude if numerator >= 0 else -magnitude


def stats_for(question: Question, counts: dict[int, int]) -> Stats:
    """Numbers for one group of answers, given how many gave each value (or option)."""
    values = question.values
    distribution = tuple(counts.get(v, 0) for v in values)
    total = sum(distribution)
    mean: float | None = None
    score: int | None = None
    if question.kind is QuestionKind.SCALE and total:
        mean = sum(v * n for v, n in zip(values, distribution, strict=True)) / total
    elif question.kind is QuestionKind.ENPS and total:
        score = enps(distribution)
    return Stats(total, distribution, mean, score)


def visible_cuts(
    question: Question, by_role: dict[str | None, dict[int, int]], total: int, k: int
) -> tuple[RoleCut, ...]:
    """The role cuts that may be shown: each role and its complement reach *k*, and what the
    shown cuts leave over is nobody or at least *k* people (so no small group by subtraction)."""
    sizes = {
        role: sum(counts.get(v, 0) for v in question.values)
        for role, counts in by_role.items()
        if role is not None
    }
    passing = [role for role, n in sizes.items() if n >= k and total - n >= k]
    passing.sort(key=lambda role: (sizes[role], role))
    remainder = total - sum(sizes[role] for role in passing)
    while passing and 0 < remainder < k:
        dropped = passing.pop(0)  # the smallest; what is left over then has at least k
        remainder += sizes[dropped]
    passing.sort()
    return tuple(RoleCut(role, stats_for(question, by_role[role])) for role in passing)


# -- reading ----------------------------------------------------------------------------------


@dataclass
class _Counts:
    """Grouped counts for one (wave, question): per role, per value or option."""

    by_role: dict[str | None, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    comments: int = 0


def _grouped_counts(session: Session, wave_ids: list[int]) -> dict[tuple[int, int], _Counts]:
    """One grouped query over the waves whose results may be shown (closed, at least k)."""
    non_empty_comment = sa.case((PulseAnswer.comment != "", 1))
    rows = session.execute(
        sa.select(
            PulseAnswer.wave_id,
            PulseAnswer.question,
            PulseAnswer.role,
            PulseAnswer.value,
            PulseAnswer.choice,
            sa.func.count().label("answers"),
            sa.func.count(non_empty_comment).label("comments"),
        )
        .where(PulseAnswer.wave_id.in_(wave_ids))
        .group_by(
            PulseAnswer.wave_id,
            PulseAnswer.question,
            PulseAnswer.role,
            PulseAnswer.value,
            PulseAnswer.choice,
        )
    )
    grouped: dict[tuple[int, int], _Counts] = defaultdict(_Counts)
    for wave_id, question, role, value, choice, answers, comments in rows:
        counts = grouped[(wave_id, question)]
        counts.comments += int(comments or 0)
        answer = value if value is not None else choice
        if answer is not None:
            counts.by_role[role][int(answer)] += int(answers)
    return grouped


def _comments(
    session: Session, wanted: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], list[str]]:
    """The comment texts of the (wave, question) pairs that passed their threshold."""
    pairs = set(wanted)
    if not pairs:
        return {}
    rows = session.execute(
        sa.select(PulseAnswer.wave_id, PulseAnswer.question, PulseAnswer.comment).where(
            PulseAnswer.wave_id.in_({wave_id for wave_id, _ in pairs}),
            PulseAnswer.question.in_({question for _, question in pairs}),
            PulseAnswer.comment.is_not(None),
            PulseAnswer.comment != "",
        )
    )
    found: dict[tuple[int, int], list[str]] = defaultdict(list)
    for wave_id, question, comment in rows:
        if (wave_id, question) in pairs:
            found[(wave_id, question)].append(str(comment))
    return found


def _question_result(
    question: Question, counts: _Counts | None, k: int, comment_k: int
) -> tuple[QuestionResult, bool]:
    """The question's block, and whether its comments may be read."""
    if counts is None:
        return QuestionResult(question, None), False
    if question.kind is QuestionKind.COMMENT:
        return QuestionResult(question, None), counts.comments >= comment_k
    whole: dict[int, int] = defaultdict(int)
    for role_counts in counts.by_role.values():
        for answer, n in role_counts.items():
            whole[answer] += n
    stats = stats_for(question, whole)
    if stats.count < k:
        return QuestionResult(question, None), False
    cuts = visible_cuts(question, counts.by_role, stats.count, k)
    return QuestionResult(question, stats, cuts), False


def load(session: Session, survey: PulseSurvey, *, comments: bool = True) -> SurveyResults:
    """Everything that may be shown of ``survey``: its closed waves, thresholds applied.

    Comment texts are read for the newest wave that shows results, the one a report prints;
    an earlier wave's comments that passed their threshold come back as ``()``, as do all of
    them with ``comments=False`` (the Home tab shows none).
    """
    k, comment_k = answer_threshold(survey), comment_threshold(survey)
    questions = questions_of(survey)
    waves = list(
        session.scalars(
            sa.select(PulseWave).where(PulseWave.survey_id == survey.id).order_by(PulseWave.number)
        )
    )
    closed = [w for w in waves if w.closed_at is not None]
    still_open = [w for w in waves if w.closed_at is None]
    passed = [w.id for w in closed if w.answered >= k]
    grouped = _grouped_counts(session, passed) if passed else {}
    partial: list[tuple[PulseWave, list[QuestionResult], list[int]]] = []
    readable: list[tuple[int, int]] = []
    for wave in closed:
        if wave.answered < k:
            partial.append((wave, [], []))
            continue
        results, with_comments = [], []
        for question in questions:
            result, may_read = _question_result(
                question, grouped.get((wave.id, question.index)), k, comment_k
            )
            results.append(result)
            if may_read:
                with_comments.append(question.index)
                readable.append((wave.id, question.index))
        partial.append((wave, results, with_comments))
    newest = next((w.id for w in reversed(closed) if w.answered >= k), None)
    wanted = [(wave_id, index) for wave_id, index in readable if wave_id == newest]
    texts = _comments(session, wanted) if comments else {}
    shuffle = random.SystemRandom().shuffle
    wave_results = []
    for wave, results, with_comments in partial:
        finished = []
        for result in results:
            if result.question.index in with_comments:
                found = list(texts.get((wave.id, result.question.index), []))
                shuffle(found)
                result = QuestionResult(result.question, None, (), tuple(found))
            finished.append(result)
        assert wave.closed_at is not None
        wave_results.append(
            WaveResult(
                wave_id=wave.id,
                number=wave.number,
                opens_at=wave.opens_at,
                closes_at=wave.closes_at,
                closed_at=wave.closed_at,
                shown=wave.answered >= k,
                invited=wave.invited,
                answered=wave.answered,
                questions=tuple(finished),
            )
        )
    current = still_open[-1] if still_open else None
    return SurveyResults(
        survey_id=survey.id,
        team_id=survey.team_id,
        program_id=survey.program_id,
        name=survey.name,
        k=k,
        comment_k=comment_k,
        questions=questions,
        waves=tuple(wave_results),
        open_wave=(current.number, current.closes_at) if current else None,
        created_at=survey.created_at,
    )
