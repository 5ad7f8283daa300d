"""The mentorship loop's forms: what makes an agreement, a goal edit, feedback, a review and a
close-out acceptable, with inline errors under the right fields."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from models import GoalStatus
from models.forms import (
    AgreementInput,
    CloseOutInput,
    FeedbackInput,
    FormErrors,
    GoalsEditInput,
    ReviewInput,
)

TODAY = date(2026, 11, 26)
LAST_DAY = date(2027, 5, 27)
AGREEMENT = {
    "goal1_what": "Run a design review on my own",
    "goal1_measure": "Two reviews run, team asks for more",
    "goal1_due": "2027-02-15",
    "cadence": "biweekly",
    "channel": "video",
    "confidential": ["yes"],
    "no_fault_exit": ["yes"],
}


def agreement_errors(**changes: object) -> dict[str, str]:
    values = {**AGREEMENT, **changes}
    with pytest.raises((ValidationError, FormErrors)) as caught:
        AgreementInput.parse(
            {k: v for k, v in values.items() if v is not None}, today=TODAY, last_day=LAST_DAY
        )
    error = caught.value
    return (
        error.errors if isinstance(error, FormErrors) else FormErrors.from_validation(error).errors
    )


def test_a_complete_agreement_reads_as_words_to_store() -> None:
    form = AgreementInput.parse(
        {**AGREEMENT, "channel": "in_person", "channel_detail": "café, 3rd floor"},
        today=TODAY,
        last_day=LAST_DAY,
    )
    assert form.cadence_text == "every 2 weeks"
    assert form.channel_text == "in person: café, 3rd floor"
    assert form.confidential and form.no_fault_exit
    [goal] = form.goals()
    assert (goal.slot, goal.due_on) == (1, date(2027, 2, 15))


def test_goal_one_is_required_even_when_its_text_is_only_spaces() -> None:
    assert agreement_errors(goal1_what="   ") == {"goal1_what": "Say what you want to achieve."}


def test_an_optional_goal_is_all_three_parts_or_none() -> None:
    errors = agreement_errors(goal2_what="Speak at a meetup")
    assert errors == {
        "goal2_measure": "How will you know you got there? Or leave this whole goal empty.",
        "goal2_due": "Pick a date to aim for. Or leave this whole goal empty.",
    }


@pytest.mark.parametrize(
    ("due", "message"),
    [
        ("2026-11-26", "Pick a date after today."),
        ("2026-01-01", "Pick a date after today."),
        ("2027-05-28", "Pick a date by 27 May 2027, when your mentorship's term ends."),
    ],
)
def test_by_when_is_after_today_and_within_the_term(due: str, message: str) -> None:
    assert agreement_errors(goal1_due=due) == {"goal1_due": message}


def test_both_ground_rules_must_be_ticked() -> None:
    assert agreement_errors(confidential=[], no_fault_exit=None) == {
        "confidential": "Agree to keep what you share between the two of you.",
        "no_fault_exit": "Agree that either of you may end this, no fault.",
    }


def test_somewhere_else_needs_a_word_on_where() -> None:
    assert agreement_errors(channel="other") == {"channel_detail": "Say where you'll meet."}
    form = AgreementInput.parse(
        {**AGREEMENT, "channel": "other", "channel_detail": "walking the park"},
        today=TODAY,
        last_day=LAST_DAY,
    )
    assert form.channel_text == "walking the park"


def test_overlong_goals_and_unknown_choices_are_refused_under_their_fields() -> None:
    assert agreement_errors(goal1_measure="x" * 301) == {
        "goal1_measure": "Keep this under 300 characters."
    }
    assert agreement_errors(cadence="daily") == {"cadence": "Choose one of the options."}


def test_an_edit_keeps_a_goals_past_date_but_new_dates_must_be_ahead() -> None:
    existing = {1: date(2026, 11, 1)}
    values = {
        "goal1_what": "Run a design review",
        "goal1_measure": "Two reviews",
        "goal1_due": "2026-11-01",
        "goal1_status": "met",
    }
    form = GoalsEditInput.parse(values, existing=existing, today=TODAY, last_day=LAST_DAY)
    assert form.status_of(1) is GoalStatus.MET
    with pytest.raises(FormErrors) as caught:
        GoalsEditInput.parse(
            {**values, "goal2_what": "a", "goal2_measure": "b", "goal2_due": "2026-11-02"},
            existing=existing,
            today=TODAY,
            last_day=LAST_DAY,
        )
    assert caught.value.errors == {"goal2_due": "Pick a date after today."}


def test_an_edit_cannot_empty_a_stored_goal() -> None:
    with pytest.raises(FormErrors) as caught:
        GoalsEditInput.parse(
            {"goal1_what": "", "goal1_measure": "Two reviews", "goal1_due": "2027-01-10"},
            existing={1: date(2027, 1, 10)},
            today=TODAY,
            last_day=LAST_DAY,
        )
    assert caught.value.errors == {"goal1_what": "Say what you want to achieve."}


def test_feedback_needs_every_part_and_at_most_500_characters_each() -> None:
    parts = {
        "situation": "s",
        "behaviour": "b",
        "impact": "i",
        "went_well": "w",
        "try_next": "t",
    }
    FeedbackInput.model_validate(parts)
    with pytest.raises(ValidationError) as caught:
        FeedbackInput.model_validate({**parts, "impact": "x" * 501, "went_well": "  "})
    assert FormErrors.from_validation(caught.value).errors == {
        "impact": "Keep this under 500 characters.",
        "went_well": "This can't be empty.",
    }


def test_a_review_gathers_goal_answers_and_reads_the_private_box() -> None:
    form = ReviewInput.model_validate(
        {"goal_7": "partly", "goal_9": "open", "keep": "k", "change": "c", "rematch": ["yes"]}
    )
    assert form.progress == {7: GoalStatus.PARTLY, 9: GoalStatus.OPEN}
    assert form.rematch is True
    quiet = ReviewInput.model_validate({"keep": "k", "change": "c", "rematch": []})
    assert quiet.rematch is False
    with pytest.raises(ValidationError):
        ReviewInput.model_validate({"goal_7": "dropped", "keep": "k", "change": "c"})


def test_a_close_out_needs_an_outcome_for_every_goal_and_is_not_quotable_by_default() -> None:
    values = {"goal_3": "met", "helped": "h", "will_apply": "w"}
    form = CloseOutInput.parse(values, goal_ids=[3])
    assert form.outcomes == {3: GoalStatus.MET}
    assert form.quotable is False and form.thanks is None
    with pytest.raises(FormErrors) as caught:
        CloseOutInput.parse(values, goal_ids=[3, 4])
    assert caught.value.errors == {"goal_4": "Choose how this goal went."}
    with pytest.raises(ValidationError) as too_long:
        CloseOutInput.parse({**values, "helped": "x" * 1001}, goal_ids=[3])
    assert FormErrors.from_validation(too_long.value).errors == {
        "helped": "Keep this under 1000 characters."
    }
