"""Pulse results: hand-computed numbers, and nothing shown below k, before a wave closes, or by a
cut whose complement (or remainder) is a small group."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.clock import FrozenClock
from bot.db import Database
from bot.membership.profiles import MembershipService
from bot.pulse.ballots import Answer, cast, close
from bot.pulse.charts import survey_chart
from bot.pulse.report import headline, results_message
from bot.pulse.results import (
    Question,
    SurveyResults,
    enps,
    load,
    questions_of,
    stats_for,
    visible_cuts,
)
from bot.slack.people import PeopleDirectory
from models import (
    Person,
    PulseInvitation,
    PulseSurvey,
    PulseWave,
    QuestionKind,
    Role,
)
from tests import factories
from tests.factories import added

NOW = datetime(2027, 1, 11, 9, tzinfo=UTC)
TEAM = "T1"
SCALE = {"kind": "scale", "text": "How useful were your sessions?", "options": ["Not", "Very"]}
ENPS = {"kind": "enps", "text": "Would you recommend the program?", "options": []}
CHOICE = {"kind": "choice", "text": "How often do you meet?", "options": ["Weekly", "Monthly"]}
COMMENT = {"kind": "comment", "text": "Anything else?", "options": []}


@dataclass(frozen=True)
class Ballot:
    """One person's answers: question index -> value (scale, enps), option or comment."""

    answers: dict[int, int | str]
    role: str | None = None


def make_survey(
    session: Session,
    questions: Sequence[dict[str, Any]],
    *,
    min_answers: int = 5,
    min_comments: int = 10,
) -> PulseSurvey:
    program = added(session, factories.program(at=NOW, team_id=TEAM))
    return added(
        session,
        factories.survey(
            program.id,
            questions,
            at=NOW,
            team_id=TEAM,
            min_answers=min_answers,
            min_comments=min_comments,
        ),
    )


def run_wave(
    session: Session,
    survey: PulseSurvey,
    number: int,
    ballots: Sequence[Ballot],
    *,
    invited: int | None = None,
    closed: bool = True,
) -> PulseWave:
    """Open wave ``number``, invite people, cast each ballot through ballots.cast, then close.

    A ballot's role is its author's membership of the program (ballots.cast stores it only when
    the invitees of that role and the rest each reach k); the invitees without a ballot, and
    those of a ballot without a role, are not members.
    """
    opens = NOW + timedelta(weeks=number - 1)
    wave = added(session, factories.wave(survey.id, number, opens=opens, team_id=TEAM))
    people = [f"U{number:02d}{i:04d}" for i in range(max(invited or 0, len(ballots)))]
    session.add_all(
        PulseInvitation(wave_id=wave.id, user_id=u, team_id=TEAM, due_at=opens) for u in people
    )
    session.flush()
    for person, ballot in zip(people, ballots, strict=False):
        if ballot.role is not None and session.get(Person, (TEAM, person)) is None:
            added(session, factories.person(person, at=NOW, team_id=TEAM))
            session.add(
                factories.membership(
                    survey.program_id, person, Role(ballot.role), at=NOW, team_id=TEAM
                )
            )
    session.flush()
    for person, ballot in zip(people, ballots, strict=False):
        answers = [
            Answer(q, comment=a)
            if isinstance(a, str)
            else Answer(q, choice=a)
            if survey.questions[q]["kind"] == "choice"
            else Answer(q, value=a)
            for q, a in ballot.answers.items()
        ]
        cast(session, wave, user_id=person, role=ballot.role, answers=answers, now=opens)
    if closed:
        close(session, wave, wave.closes_at)
    session.flush()
    return wave


def scale_ballots(values: Sequence[int], role: str | None = None) -> list[Ballot]:
    return [Ballot({0: v}, role) for v in values]


def results_of(db: Database, build: Any, **kwargs: Any) -> SurveyResults:
    with db.session() as session:
        survey = build(session)
        return load(session, survey, **kwargs)


# -- the arithmetic, by hand --------------------------------------------------------------------


def test_enps_is_promoters_minus_detractors_rounded_half_away_from_zero() -> None:
    def of(values: list[int]) -> int:
        return enps([values.count(v) for v in range(11)])

    assert of([10, 10, 9, 8, 6]) == 40  # 60% promoters - 20% detractors
    assert of([10, 9, 9, 8, 7, 6, 0, 3, 10, 5]) == 0  # 4 promoters, 4 detractors
    assert of([9, 8, 8, 8, 8, 8, 8, 8]) == 13  # 12.5 rounds up
    assert of([6, 8, 8, 8, 8, 8, 8, 8]) == -13  # -12.5 rounds away from zero
    assert of([0, 1, 2]) == -100 and of([10, 10, 9]) == 100
    assert enps([0] * 11) == 0


def test_scale_choice_and_enps_stats_by_hand() -> None:
    scale = Question(0, QuestionKind.SCALE, "q", ("Not", "Very"))
    stats = stats_for(scale, {1: 1, 3: 1, 4: 1, 5: 2})
    assert stats.distribution == (1, 0, 1, 1, 2)
    assert stats.count == 5 and stats.mean == pytest.approx(3.6) and stats.enps is None
    choice = Question(1, QuestionKind.CHOICE, "q", ("Weekly", "Biweekly", "Monthly"))
    picked = stats_for(choice, {0: 3, 1: 1, 2: 1})
    assert picked.distribution == (3, 1, 1) and picked.mean is None and picked.enps is None
    assert picked.share(0) == pytest.approx(0.6)
    recommend = Question(2, QuestionKind.ENPS, "q")
    assert stats_for(recommend, {10: 2, 9: 1, 8: 1, 6: 1}).enps == 40


def test_questions_of_skips_what_it_cannot_read() -> None:
    survey = PulseSurvey(questions=[SCALE, {"kind": "rating", "text": "?"}, "junk", COMMENT])
    assert [(q.index, q.kind) for q in questions_of(survey)] == [
        (0, QuestionKind.SCALE),
        (3, QuestionKind.COMMENT),
    ]


# -- through the database -------------------------------------------------------------------------


def test_a_wave_shows_hand_computed_numbers_and_participation(db: Database) -> None:
    def build(session: Session) -> PulseSurvey:
        survey = make_survey(session, [SCALE, ENPS, CHOICE])
        ballots = [
            Ballot({0: 1, 1: 10, 2: 0}),
            Ballot({0: 3, 1: 10, 2: 0}),
            Ballot({0: 4, 1: 9, 2: 1}),
            Ballot({0: 5, 1: 8, 2: 0}),
            Ballot({0: 5, 1: 6, 2: 1}),
        ]
        run_wave(session, survey, 1, ballots, invited=8)
        return survey

    results = results_of(db, build)
    wave = results.latest_shown
    assert wave is not None and wave.shown
    assert (wave.invited, wave.answered, wave.participation) == (8, 5, 5 / 8)
    scale, recommend, choice = (wave.question(i) for i in range(3))
    assert scale is not None and scale.stats is not None
    assert scale.stats.distribution == (1, 0, 1, 1, 2)
    assert scale.stats.mean == pytest.approx(3.6)
    assert recommend is not None and recommend.stats is not None
    assert recommend.stats.enps == 40 and recommend.stats.distribution[9:] == (1, 2)
    assert choice is not None and choice.stats is not None
    assert choice.stats.distribution == (3, 2)


@pytest.mark.parametrize(("answered", "shown"), [(4, False), (5, True)])
def test_k_minus_one_answers_hide_the_wave_and_k_show_it(
    db: Database, answered: int, shown: bool
) -> None:
    def build(session: Session) -> PulseSurvey:
        survey = make_survey(session, [SCALE], min_answers=5)
        run_wave(session, survey, 1, scale_ballots([4] * answered), invited=10)
        return survey

    results = results_of(db, build)
    wave = results.latest
    assert wave is not None and wave.shown is shown
    if shown:
        assert wave.participation == 0.5 and wave.questions[0].stats is not None
    else:
        assert wave.questions == () and wave.participation is None
        assert results.latest_shown is None and results.trend(0) == []
        assert survey_chart(results) is None  # no chart with nothing to show


@pytest.mark.parametrize(("answered", "shown"), [(2, False), (3, True)])
def test_a_stored_minimum_below_three_is_treated_as_three(
    db: Database, answered: int, shown: bool
) -> None:
    def build(session: Session) -> PulseSurvey:
        survey = make_survey(session, [SCALE], min_answers=1, min_comments=1)
        run_wave(session, survey, 1, scale_ballots([2] * answered))
        return survey

    results = results_of(db, build)
    assert results.k == 3 and results.comment_k == 3
    assert results.waves[0].shown is shown


def test_a_question_fewer_than_k_answered_is_hidden_in_a_wave_that_passed(db: Database) -> None:
    def build(session: Session) -> PulseSurvey:
        survey = make_survey(session, [SCALE, ENPS])
        ballots = [Ballot({0: 4, 1: 9})] * 4 + [Ballot({0: 2})] * 2  # 6 people, 4 answered q2
        run_wave(session, survey, 1, ballots)
        return survey

    wave = results_of(db, build).waves[0]
    first, second = wave.question(0), wave.question(1)
    assert wave.shown and first is not None and first.stats is not None
    assert first.stats.count == 6
    assert second is not None and second.stats is None and not second.shown


def test_a_role_cut_shows_only_when_the_role_and_its_complement_both_reach_k(
    db: Database,
) -> None:
    def build(session: Session) -> PulseSurvey:
        survey = make_survey(session, [SCALE])
        run_wave(
            session, survey, 1, scale_ballots([5] * 5, "mentee") + scale_ballots([3] * 5, "mentor")
        )
        run_wave(
            session, survey, 2, scale_ballots([5] * 6, "mentee") + scale_ballots([3] * 4, "mentor")
        )
        return survey

    first, second = (w.question(0) for w in results_of(db, build).waves)
    assert first is not None and first.stats is not None
    assert [(c.role, c.stats.count, c.stats.mean) for c in first.cuts] == [
        ("mentee", 5, 5.0),
        ("mentor", 5, 3.0),
    ]
    # 6 mentees against 4 mentors: the mentees' cut would give the mentors' by subtraction.
    assert second is not None and second.stats is not None and second.cuts == ()
    assert second.stats.count == 10


def test_shown_cuts_never_leave_a_small_remainder_to_subtract(db: Database) -> None:
    def build(session: Session) -> PulseSurvey:
        survey = make_survey(session, [SCALE])
        ballots = scale_ballots([5] * 6, "mentee") + scale_ballots([3] * 5, "mentor")
        run_wave(session, survey, 1, [*ballots, Ballot({0: 1}, None)])  # one without a role
        return survey

    result = results_of(db, build).waves[0].question(0)
    assert result is not None and result.stats is not None and result.stats.count == 12
    # Each role passes on its own (6 vs 6, 5 vs 7); both together would leave the one answer
    # without a role as total - mentees - mentors. The smaller cut goes.
    assert [c.role for c in result.cuts] == ["mentee"]


def test_visible_cuts_three_roles() -> None:
    question = Question(0, QuestionKind.SCALE, "q")
    by_role: dict[str | None, dict[int, int]] = {
        "mentee": {4: 6},
        "mentor": {4: 5},
        "both": {4: 5},
    }
    assert [c.role for c in visible_cuts(question, by_role, 16, 5)] == ["both", "mentee", "mentor"]
    by_role["both"] = {4: 2}  # too few: its cut hides, and mentee + mentor would expose it
    assert [c.role for c in visible_cuts(question, by_role, 13, 5)] == ["mentee"]


@pytest.mark.parametrize(("comments", "shown"), [(9, False), (10, True)])
def test_comments_need_their_own_k_and_come_shuffled(
    db: Database, comments: int, shown: bool
) -> None:
    texts = [f"comment number {i}" for i in range(comments)]

    def build(session: Session) -> PulseSurvey:
        survey = make_survey(session, [SCALE, COMMENT], min_comments=10)
        ballots = [Ballot({0: 4, 1: text}) for text in texts] + [Ballot({0: 3})] * 2
        run_wave(session, survey, 1, ballots)
        return survey

    with db.session() as session:
        survey = build(session)
    orders = set()
    for _ in range(25):
        with db.session() as session:
            stored = session.get(PulseSurvey, survey.id)
            assert stored is not None
            result = load(session, stored).waves[0].question(1)
        assert result is not None and result.stats is None
        if not shown:
            assert result.comments is None and not result.shown
            return
        assert result.comments is not None and sorted(result.comments) == sorted(texts)
        orders.add(result.comments)
    assert len(orders) > 1  # shuffled afresh on every read (10! orders: a repeat run is ~0)


def test_comments_are_read_for_the_newest_wave_that_shows_results(db: Database) -> None:
    def build(session: Session) -> PulseSurvey:
        survey = make_survey(session, [SCALE, COMMENT], min_comments=5)
        for number in (1, 2):
            ballots = [Ballot({0: 4, 1: f"wave {number} note {i}"}) for i in range(5)]
            run_wave(session, survey, number, ballots)
        run_wave(session, survey, 3, [Ballot({0: 4, 1: "too few"})] * 4)  # below k
        return survey

    with db.session() as session:
        survey = build(session)
        earlier, newest, hidden = (w.question(1) for w in load(session, survey).waves)
        skipped = load(session, survey, comments=False).waves[1].question(1)
    assert earlier is not None and earlier.comments == ()  # passed, not read: reports skip it
    assert newest is not None and newest.comments is not None
    assert sorted(newest.comments) == [f"wave 2 note {i}" for i in range(5)]
    assert hidden is None  # the wave below k has no questions at all
    assert skipped is not None and skipped.comments == ()


def test_comments_never_need_fewer_than_k(db: Database) -> None:
    def build(session: Session) -> PulseSurvey:
        survey = make_survey(session, [COMMENT], min_answers=8, min_comments=3)
        run_wave(session, survey, 1, [Ballot({0: f"note {i}"}) for i in range(7)] + [Ballot({})])
        return survey

    results = results_of(db, build)
    assert results.comment_k == 8
    result = results.waves[0].question(0)
    assert results.waves[0].shown and result is not None and result.comments is None


def test_the_trend_skips_waves_below_k(db: Database) -> None:
    def build(session: Session) -> PulseSurvey:
        survey = make_survey(session, [SCALE, ENPS])
        run_wave(session, survey, 1, [Ballot({0: 3, 1: 10})] * 5, invited=10)
        run_wave(session, survey, 2, [Ballot({0: 1, 1: 0})] * 4, invited=10)  # below k
        run_wave(session, survey, 3, [Ballot({0: 5, 1: 9})] * 4 + [Ballot({0: 4, 1: 0})] * 2)
        return survey

    results = results_of(db, build)
    assert [w.shown for w in results.waves] == [True, False, True]
    assert results.trend(0) == [(1, 3.0), (3, pytest.approx(14 / 3))]
    assert results.trend(1) == [(1, 100.0), (3, 33.0)]
    assert results.participation_trend() == [(1, 0.5), (3, 1.0)]


def test_an_open_wave_is_never_counted(db: Database) -> None:
    def build(session: Session) -> PulseSurvey:
        survey = make_survey(session, [SCALE])
        run_wave(session, survey, 1, scale_ballots([4] * 5))
        run_wave(session, survey, 2, scale_ballots([1] * 9), closed=False)
        return survey

    results = results_of(db, build)
    assert [w.number for w in results.waves] == [1]
    assert results.open_wave is not None and results.open_wave[0] == 2
    assert results.trend(0) == [(1, 4.0)]


def test_nothing_closed_yet_means_no_results(db: Database) -> None:
    def build(session: Session) -> PulseSurvey:
        survey = make_survey(session, [SCALE])
        run_wave(session, survey, 1, scale_ballots([4] * 6), closed=False)
        return survey

    results = results_of(db, build)
    assert results.waves == () and results.latest is None and results.open_wave is not None


def test_the_chart_is_a_png_with_every_kind_of_question(db: Database) -> None:
    def build(session: Session) -> PulseSurvey:
        survey = make_survey(session, [SCALE, ENPS, CHOICE, COMMENT])
        for number in (1, 2, 3):
            ballots = [
                Ballot({0: 1 + (i + number) % 5, 1: (i * 3) % 11, 2: i % 2}) for i in range(7)
            ]
            run_wave(session, survey, number, ballots, invited=9)
        return survey

    png = survey_chart(results_of(db, build))
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def test_the_text_never_prints_a_number_from_below_k(db: Database) -> None:
    def build(session: Session) -> PulseSurvey:
        survey = make_survey(session, [SCALE, ENPS])
        run_wave(session, survey, 1, [Ballot({0: 2})] * 3, invited=7)  # below k
        ballots = [Ballot({0: 4, 1: 10})] * 4 + [Ballot({0: 5})] * 2  # q2: 4 answers < k
        run_wave(session, survey, 2, ballots, invited=9)
        return survey

    results = results_of(db, build)
    text, blocks = results_message(results, "Mentoring", chart_attached=False)
    shown = "\n".join(str(b) for b in blocks)
    assert "participation *67%* (6 of 9 asked)" in shown and "mean 4.33" in shown
    assert "Not enough answers to this question in this wave (it needs at least 5)" in shown
    assert "4 answers" not in shown and "eNPS" not in shown  # q2's 4 answers stay unseen
    assert "wave 1 not enough answers" in shown and "3 of 7" not in shown and "43%" not in shown
    assert text == "Pulse results: Program pulse"
    assert "2. Would you recommend the program?: not enough answers yet" in headline(results)


def test_someone_forgotten_during_an_open_wave_leaves_answers_beyond_the_count(
    db: Database, clock: FrozenClock
) -> None:
    """forget-me deletes a respondent's token and invitation while the wave is open but keeps
    their answers (they name nobody): per-question counts can then exceed ``answered``. The
    wave's threshold goes by ``answered``, the stricter of the two, and nothing breaks."""
    with db.session() as session:
        survey = make_survey(session, [SCALE, COMMENT], min_answers=5, min_comments=5)
        ballots = [Ballot({0: 4, 1: f"note {i}"}) for i in range(6)]
        wave = run_wave(session, survey, 1, ballots, invited=8, closed=False)
        survey_id, wave_id = survey.id, wave.id
    people = PeopleDirectory(WebClient(base_url="http://127.0.0.1:9/api/"), clock)
    MembershipService(db, clock, people).forget(TEAM, "U010000")  # answered; now forgotten
    with db.session() as session:
        wave = session.get(PulseWave, wave_id)
        assert wave is not None
        close(session, wave, wave.closes_at)
    with db.session() as session:
        stored = session.get(PulseSurvey, survey_id)
        assert stored is not None
        results = load(session, stored)
    [closed] = results.waves
    scale, comment = closed.question(0), closed.question(1)
    assert (closed.invited, closed.answered) == (7, 5) and closed.shown
    assert scale is not None and scale.stats is not None and scale.stats.count == 6
    assert comment is not None and comment.comments is not None and len(comment.comments) == 6
    assert closed.participation == pytest.approx(5 / 7)
    _, blocks = results_message(results, "Mentoring", chart_attached=False)
    assert "(5 of 7 asked)" in str(blocks) and "6 answers" in str(blocks)
    assert survey_chart(results) is not None
