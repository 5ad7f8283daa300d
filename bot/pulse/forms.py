"""What admins and respondents submit in the pulse modals, validated before anything is stored.

Field names equal the modals' block ids, so a refusal lands under its own input through
Slack's inline errors. The survey form has five question slots (``q1_kind``, ``q1_text``,
``q1_options`` ... ``q5_*``); the answer form names each input after its question's position
(``q0``, ``q1`` ...), which is also what an answer is stored under.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    create_model,
)

from bot.pulse.ballots import Answer
from models import PulseSchedule, QuestionKind
from models.forms import FormErrors

MAX_NAME = 60
MAX_QUESTIONS = 5
QUESTION_SLOTS = tuple(range(1, MAX_QUESTIONS + 1))
MAX_QUESTION_TEXT = 150
#: What the options box may hold before it is split into lines.
MAX_OPTIONS_TEXT = 800
#: A scale's end label shares its radio button with the number ("1 · Not at all").
MAX_SCALE_LABEL = 60
#: Slack's limit for an option's text, and for the options of one radio group.
MAX_CHOICE_LABEL = 75
MAX_CHOICES = 10
MIN_CHOICES = 2
MAX_COMMENT = 1000
MAX_WINDOW_DAYS = 14
#: A wave must close before the next opens, with a day or two to spare.
WINDOW_LIMITS = {
    PulseSchedule.ONCE: MAX_WINDOW_DAYS,
    PulseSchedule.WEEKLY: 5,
    PulseSchedule.BIWEEKLY: 12,
    PulseSchedule.MONTHLY: MAX_WINDOW_DAYS,
}
#: *k*: a wave's results show only with this many answers. Never below three (results clamp
#: whatever is stored), and at most what a program could plausibly reach.
MIN_MIN_ANSWERS = 3
MAX_MIN_ANSWERS = 50
DEFAULT_MIN_ANSWERS = 5
#: Comments need their own count, at least *k*: words are easier to recognise than numbers.
MAX_MIN_COMMENTS = 100
DEFAULT_MIN_COMMENTS = 10
#: The audiences a survey may have: everyone in the program, or one role.
AUDIENCES = ("everyone", "mentor", "mentee", "peer")
#: The kind select's value for an empty slot (Slack can't clear a select once chosen).
NO_QUESTION = "none"

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Question:
    """One question as stored in ``PulseSurvey.questions``."""

    kind: QuestionKind
    text: str
    #: A scale's two end labels, a choice's options; nothing for the others.
    options: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "text": self.text, "options": list(self.options)}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Question:
        return cls(
            QuestionKind(str(raw.get("kind"))),
            str(raw.get("text") or ""),
            tuple(str(o) for o in raw.get("options") or ()),
        )


def slot_field(slot: int, part: str) -> str:
    """The block id of one part ("kind", "text", "options") of question slot ``slot``."""
    return f"q{slot}_{part}"


def _ticked(value: object) -> object:
    """A checkbox arrives as the list of ticked options: ticked means non-empty."""
    return bool(value) if isinstance(value, list) else value


def _lines(text: str | None) -> list[str]:
    return [_SPACES.sub(" ", line).strip() for line in (text or "").splitlines() if line.strip()]


Kind = QuestionKind | Literal["none"] | None
Text = Annotated[str | None, Field(default=None, max_length=MAX_QUESTION_TEXT)]
Options = Annotated[str | None, Field(default=None, max_length=MAX_OPTIONS_TEXT)]


class SurveyInput(BaseModel):
    """A new pulse survey as an admin describes it in the modal."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True, extra="ignore")

    name: str = Field(min_length=1, max_length=MAX_NAME)
    program_id: int
    role: Literal["everyone", "mentor", "mentee", "peer"] = "everyone"
    schedule: PulseSchedule = PulseSchedule.ONCE
    starts_on: date
    window_days: int = Field(default=3, ge=1, le=MAX_WINDOW_DAYS)
    reminder: Annotated[bool, BeforeValidator(_ticked)] = False
    min_answers: int = Field(default=DEFAULT_MIN_ANSWERS, ge=MIN_MIN_ANSWERS, le=MAX_MIN_ANSWERS)
    min_comments: int = Field(default=DEFAULT_MIN_COMMENTS, ge=MIN_MIN_ANSWERS, le=MAX_MIN_COMMENTS)
    q1_kind: Kind = None
    q1_text: Text = None
    q1_options: Options = None
    q2_kind: Kind = None
    q2_text: Text = None
    q2_options: Options = None
    q3_kind: Kind = None
    q3_text: Text = None
    q3_options: Options = None
    q4_kind: Kind = None
    q4_text: Text = None
    q4_options: Options = None
    q5_kind: Kind = None
    q5_text: Text = None
    q5_options: Options = None
    _questions: tuple[Question, ...] = PrivateAttr(default=())

    @classmethod
    def parse(cls, values: Mapping[str, Any]) -> SurveyInput:
        """The form, or FormErrors naming every field that needs another look."""
        form = cls.model_validate(dict(values))
        errors: dict[str, str] = {}
        if not re.fullmatch(r"[\w][\w .&'+:!?()-]*", form.name):
            errors["name"] = "Use letters, digits, spaces and . & ' + - : ! ? ( ) only."
        limit = WINDOW_LIMITS[form.schedule]
        if form.window_days > limit:
            errors["window_days"] = (
                f"A {form.schedule.value} pulse stays open at most {limit} days, so each wave "
                "closes before the next one opens."
            )
        if form.min_comments < form.min_answers:
            errors["min_comments"] = (
                f"Use at least the minimum answers ({form.min_answers}): a comment is easier "
                "to recognise than a number."
            )
        questions: list[Question] = []
        for slot in QUESTION_SLOTS:
            question, problems = form._slot(slot)
            errors.update(problems)
            if question is not None:
                questions.append(question)
        if not questions and not errors:
            errors[slot_field(1, "kind")] = "Ask at least one question."
        if errors:
            raise FormErrors(errors)
        form._questions = tuple(questions)
        return form

    def _slot(self, slot: int) -> tuple[Question | None, dict[str, str]]:
        kind = getattr(self, slot_field(slot, "kind"))
        text = _SPACES.sub(" ", getattr(self, slot_field(slot, "text")) or "").strip()
        options = _lines(getattr(self, slot_field(slot, "options")))
        kind_id, text_id, options_id = (slot_field(slot, p) for p in ("kind", "text", "options"))
        if kind in (None, NO_QUESTION):
            if text:
                return None, {kind_id: "Pick what kind of question this is, or clear its text."}
            return None, {}
        assert isinstance(kind, QuestionKind)
        if not text:
            return None, {text_id: "Write the question, or set its kind to “No question”."}
        if kind is QuestionKind.SCALE:
            if len(options) != 2:
                return None, {
                    options_id: "Give the scale's two end labels, one per line "
                    "(e.g. “Not at all” and “Very”)."
                }
            if any(len(label) > MAX_SCALE_LABEL for label in options):
                return None, {options_id: f"Keep each label to {MAX_SCALE_LABEL} characters."}
            return Question(kind, text, tuple(options)), {}
        if kind is QuestionKind.CHOICE:
            if not MIN_CHOICES <= len(options) <= MAX_CHOICES:
                return None, {
                    options_id: f"Give {MIN_CHOICES} to {MAX_CHOICES} options, one per line."
                }
            if any(len(option) > MAX_CHOICE_LABEL for option in options):
                return None, {options_id: f"Keep each option to {MAX_CHOICE_LABEL} characters."}
            if len({o.casefold() for o in options}) != len(options):
                return None, {options_id: "Each option must differ from the others."}
            return Question(kind, text, tuple(options)), {}
        # A recommend question's scale and a comment's box are fixed: anything typed is unused.
        return Question(kind, text), {}

    @property
    def questions(self) -> tuple[Question, ...]:
        """The questions given, in slot order, empty slots left out (after :meth:`parse`)."""
        return self._questions

    @property
    def audience_role(self) -> str | None:
        return None if self.role == "everyone" else self.role


def answer_field(index: int) -> str:
    """The block id of the answer to the question at position ``index``."""
    return f"q{index}"


def _answer_model(questions: Sequence[Question]) -> type[BaseModel]:
    """A model whose fields are this survey's answer inputs, each with its own bounds."""
    fields: dict[str, Any] = {}
    for index, question in enumerate(questions):
        name = answer_field(index)
        if question.kind is QuestionKind.SCALE:
            fields[name] = (int, Field(ge=1, le=5))
        elif question.kind is QuestionKind.ENPS:
            fields[name] = (int, Field(ge=0, le=10))
        elif question.kind is QuestionKind.CHOICE:
            fields[name] = (int, Field(ge=0, le=max(len(question.options) - 1, 0)))
        else:
            fields[name] = (str, Field(default="", max_length=MAX_COMMENT))
    config = ConfigDict(str_strip_whitespace=True, frozen=True, extra="ignore")
    model: type[BaseModel] = create_model("PulseAnswers", __config__=config, **fields)
    return model


def parse_answers(questions: Sequence[Question], values: Mapping[str, Any]) -> list[Answer]:
    """One person's answers to a wave, or FormErrors under the inputs to look at again.

    An empty comment is no answer at all (nothing is stored for it). The error messages
    never repeat what was typed.
    """
    try:
        form = _answer_model(questions).model_validate(dict(values))
    except ValidationError as error:
        errors: dict[str, str] = {}
        for problem in error.errors():
            name = str((problem["loc"] or ("q0",))[0])
            if problem["type"] == "string_too_long":
                message = f"Keep this under {MAX_COMMENT} characters."
            elif problem["type"] == "missing":
                message = "Please pick an answer."
            else:
                message = "Please pick one of the answers offered."
            errors.setdefault(name, message)
        raise FormErrors(errors) from None
    answers: list[Answer] = []
    for index, question in enumerate(questions):
        value = getattr(form, answer_field(index))
        if question.kind in (QuestionKind.SCALE, QuestionKind.ENPS):
            answers.append(Answer(index, value=int(value)))
        elif question.kind is QuestionKind.CHOICE:
            answers.append(Answer(index, choice=int(value)))
        elif value:
            answers.append(Answer(index, comment=str(value)))
    return answers
