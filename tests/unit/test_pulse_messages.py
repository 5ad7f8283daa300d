"""What the pulse messages tell admins and respondents: no participation count below k, and the
threshold as results apply it (never below three)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.pulse import messages
from bot.pulse.surveys import SurveyForm, SurveySummary
from bot.pulse.waves import WaveNotice
from models import (
    Program,
    PulseSurvey,
    PulseWave,
)
from tests import factories

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)


def program() -> Program:
    return factories.program(at=NOW, id=1)


def survey(min_answers: int = 5, min_comments: int = 10) -> PulseSurvey:
    return factories.survey(
        1,
        [{"kind": "scale", "text": "How useful?", "options": ["Not", "Very"]}],
        at=NOW,
        id=1,
        role=None,
        window_days=3,
        reminder=True,
        min_answers=min_answers,
        min_comments=min_comments,
    )


def closed_wave(answered: int, invited: int = 30) -> PulseWave:
    return PulseWave(
        id=7,
        team_id="T1",
        survey_id=1,
        number=2,
        opens_at=NOW,
        closes_at=NOW + timedelta(days=3),
        closed_at=NOW + timedelta(days=3),
        invited=invited,
        answered=answered,
    )


def words(blocks: list[dict[str, object]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


@pytest.mark.parametrize(("min_answers", "answered"), [(5, 4), (5, 2), (8, 7), (1, 2)])
def test_below_k_the_closed_wave_dm_says_no_count(min_answers: int, answered: int) -> None:
    text, blocks = messages.wave_closed(survey(min_answers), program(), closed_wave(answered))
    shown = text + words(blocks)
    k = max(3, min_answers)
    assert f"fewer than {k} people answered" in text
    assert f"{answered} of" not in shown and "30" not in shown
    assert "/mentor pulse results" not in shown


def test_at_k_the_closed_wave_dm_gives_the_count_and_where_the_results_are() -> None:
    text, blocks = messages.wave_closed(survey(5), program(), closed_wave(5))
    assert "5 of 30 people answered" in text
    assert "/mentor pulse results Program pulse" in words(blocks)


@pytest.mark.parametrize(("answered", "shown"), [(4, False), (5, True)])
def test_the_list_shows_a_closed_waves_count_only_from_k(answered: int, shown: bool) -> None:
    summary = SurveySummary(
        survey=survey(5),
        program=program(),
        open_wave=None,
        open_invited=0,
        last_closed=closed_wave(answered),
        next_opens_at=NOW + timedelta(days=7),
    )
    listing = words(messages.survey_list([summary]))
    assert (f"Wave 2: {answered} of 30 answered" in listing) is shown
    assert ("Wave 2: fewer than 5 answered; no results are shown" in listing) is not shown


def test_respondents_are_told_the_threshold_results_use_never_below_three() -> None:
    notice = WaveNotice(
        wave_id=7,
        number=1,
        survey_name="Program pulse",
        program_name="Mentoring",
        question_count=1,
        closes_at=NOW + timedelta(days=3),
        min_answers=3,
    )
    _, blocks = messages.invitation(notice)
    assert "at least 3 people answered" in words(blocks)


def test_the_new_pulse_form_asks_for_both_thresholds_with_their_defaults() -> None:
    view = messages.survey_modal(SurveyForm(programs=[program()], today=NOW.date()))
    fields = {b.get("block_id"): b for b in view["blocks"]}
    answers, comments = fields["min_answers"]["element"], fields["min_comments"]["element"]
    assert answers["type"] == comments["type"] == "number_input"
    assert not answers["is_decimal_allowed"] and not comments["is_decimal_allowed"]
    assert (answers["initial_value"], answers["min_value"], answers["max_value"]) == (
        "5",
        "3",
        "50",
    )
    assert (comments["initial_value"], comments["min_value"]) == ("10", "3")
    assert fields["min_answers"]["label"]["text"] == "Minimum answers before results show"
    assert fields["min_comments"]["label"]["text"] == "Minimum comments before comments show"
