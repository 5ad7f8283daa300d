"""The pulse forms: a survey's questions from five slots, and one person's answers, with inline
errors under the inputs to look at again and never a word of what was typed in them.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from bot.pulse.ballots import Answer
from bot.pulse.forms import Question, SurveyInput, parse_answers
from bot.pulse.surveys import TEMPLATE
from models import PulseSchedule, QuestionKind
from models.forms import FormErrors

BASE: dict[str, Any] = {"name": "Program pulse", "program_id": "1", "starts_on": "2027-03-02"}


def errors_of(values: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(FormErrors) as caught:
        SurveyInput.parse({**BASE, **values})
    return caught.value.errors


def test_the_template_has_the_three_program_pulse_questions() -> None:
    assert [q.kind for q in TEMPLATE] == [
        QuestionKind.SCALE,
        QuestionKind.ENPS,
        QuestionKind.COMMENT,
    ]
    assert TEMPLATE[0].options == ("Not at all", "Very")


def test_slots_become_questions_in_order_and_empty_slots_are_left_out() -> None:
    form = SurveyInput.parse(
        {
            **BASE,
            "schedule": "biweekly",
            "window_days": "5",
            "reminder": ["yes"],
            "q1_kind": "scale",
            "q1_text": "  How   useful? ",
            "q1_options": "Not at all\n\n  Very \n",
            "q2_kind": "none",
            "q3_kind": "choice",
            "q3_text": "Which part?",
            "q3_options": "Intro\nCheck-ins\nPrompts",
            "q4_kind": "enps",
            "q4_text": "Recommend?",
            "q4_options": "ignored",
            "q5_kind": "comment",
            "q5_text": "Anything else?",
        }
    )
    assert form.questions == (
        Question(QuestionKind.SCALE, "How useful?", ("Not at all", "Very")),
        Question(QuestionKind.CHOICE, "Which part?", ("Intro", "Check-ins", "Prompts")),
        Question(QuestionKind.ENPS, "Recommend?"),
        Question(QuestionKind.COMMENT, "Anything else?"),
    )
    assert form.schedule is PulseSchedule.BIWEEKLY and form.window_days == 5 and form.reminder
    assert form.audience_role is None
    assert SurveyInput.parse({**BASE, "q1_kind": "enps", "q1_text": "R?"}).reminder is False


def test_each_slot_problem_lands_under_its_own_input() -> None:
    errors = errors_of(
        {
            "q1_kind": "scale",
            "q1_text": "How?",
            "q1_options": "one label",
            "q2_kind": "choice",
            "q2_text": "Which?",
            "q2_options": "same\nSame",
            "q3_kind": "comment",
            "q4_text": "kindless",
            "q5_kind": "choice",
            "q5_text": "Many?",
            "q5_options": "\n".join(str(n) for n in range(11)),
        }
    )
    assert errors == {
        "q1_options": "Give the scale's two end labels, one per line "
        "(e.g. “Not at all” and “Very”).",
        "q2_options": "Each option must differ from the others.",
        "q3_text": "Write the question, or set its kind to “No question”.",
        "q4_kind": "Pick what kind of question this is, or clear its text.",
        "q5_options": "Give 2 to 10 options, one per line.",
    }


def test_a_survey_needs_a_question_a_plain_name_and_a_window_before_the_next_wave() -> None:
    assert errors_of({}) == {"q1_kind": "Ask at least one question."}
    question = {"q1_kind": "enps", "q1_text": "Recommend?"}
    assert "Use letters" in errors_of({**question, "name": "<!channel>"})["name"]
    assert (
        "at most 5 days"
        in errors_of({**question, "schedule": "weekly", "window_days": "6"})["window_days"]
    )
    assert (
        "at most 12 days"
        in errors_of({**question, "schedule": "biweekly", "window_days": "13"})["window_days"]
    )
    with pytest.raises(ValidationError):
        SurveyInput.parse({**BASE, **question, "window_days": "15"})
    with pytest.raises(ValidationError):
        SurveyInput.parse({**BASE, **question, "q1_text": "x" * 151})
    with pytest.raises(ValidationError):
        SurveyInput.parse({**BASE, **question, "role": "boss"})


def test_thresholds_default_to_five_and_ten_and_comments_need_at_least_the_answers() -> None:
    question = {"q1_kind": "enps", "q1_text": "Recommend?"}
    form = SurveyInput.parse({**BASE, **question})
    assert (form.min_answers, form.min_comments) == (5, 10)
    form = SurveyInput.parse({**BASE, **question, "min_answers": "8", "min_comments": "8"})
    assert (form.min_answers, form.min_comments) == (8, 8)
    errors = errors_of({**question, "min_answers": "12", "min_comments": "10"})
    assert errors == {
        "min_comments": "Use at least the minimum answers (12): a comment is easier to "
        "recognise than a number."
    }
    for values, field, message in (
        ({"min_answers": "2"}, "min_answers", "Use a number of at least 3."),
        ({"min_answers": "51"}, "min_answers", "Use a number up to 50."),
        ({"min_comments": "101"}, "min_comments", "Use a number up to 100."),
    ):
        with pytest.raises(ValidationError) as caught:
            SurveyInput.parse({**BASE, **question, **values})
        assert FormErrors.from_validation(caught.value).errors == {field: message}


QUESTIONS = (
    Question(QuestionKind.SCALE, "How useful?", ("Not at all", "Very")),
    Question(QuestionKind.ENPS, "Recommend?"),
    Question(QuestionKind.CHOICE, "Which part?", ("Intro", "Check-ins")),
    Question(QuestionKind.COMMENT, "Anything else?"),
)


def test_answers_are_read_by_their_question_and_an_empty_comment_is_no_answer() -> None:
    answers = parse_answers(QUESTIONS, {"q0": "5", "q1": "0", "q2": "1", "q3": "  "})
    assert answers == [Answer(0, value=5), Answer(1, value=0), Answer(2, choice=1)]
    with_comment = parse_answers(QUESTIONS, {"q0": "1", "q1": "10", "q2": "0", "q3": " yes "})
    assert with_comment[-1] == Answer(3, comment="yes")


def test_answers_out_of_bounds_are_refused_without_repeating_them() -> None:
    with pytest.raises(FormErrors) as caught:
        parse_answers(QUESTIONS, {"q0": "6", "q1": "11", "q2": "2", "q3": "secret " * 200})
    assert caught.value.errors == {
        "q0": "Please pick one of the answers offered.",
        "q1": "Please pick one of the answers offered.",
        "q2": "Please pick one of the answers offered.",
        "q3": "Keep this under 1000 characters.",
    }
    with pytest.raises(FormErrors) as caught:
        parse_answers(QUESTIONS, {"q3": "only a comment"})
    assert set(caught.value.errors) == {"q0", "q1", "q2"}
    assert "secret" not in str(caught.value) and "only a comment" not in str(caught.value)
