"""Block Kit for pulse surveys: the invitation and its reminder, the answer modal and what
replaces it, the survey form, and the admins' messages. Nothing here ever shows an answer.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import (
    actions,
    button,
    clip,
    context,
    divider,
    escape,
    header,
    option,
    options,
    section,
    slack_date,
    to_dicts,
)
from bot.pulse.forms import (
    AUDIENCES,
    DEFAULT_MIN_ANSWERS,
    DEFAULT_MIN_COMMENTS,
    MAX_COMMENT,
    MAX_MIN_ANSWERS,
    MAX_MIN_COMMENTS,
    MAX_NAME,
    MAX_OPTIONS_TEXT,
    MAX_QUESTION_TEXT,
    MIN_MIN_ANSWERS,
    NO_QUESTION,
    QUESTION_SLOTS,
    Question,
    answer_field,
    slot_field,
)
from bot.pulse.results import answer_threshold, comment_threshold
from models import PulseSchedule, QuestionKind

if TYPE_CHECKING:
    from bot.pulse.surveys import SurveyForm, SurveySummary
    from bot.pulse.waves import AnswerForm, WaveNotice
    from models import Program, PulseSurvey, PulseWave

ANSWER = "pulse.answer"
ANSWER_CALLBACK = "pulse.answers"
NEW_CALLBACK = "pulse.new"

TITLE = "Anonymous pulse"
THANKS = "Thanks — your answers are in, anonymously."
CLOSED = "This pulse has closed, so it takes no more answers. Thank you!"

SCHEDULE_LABELS = {
    PulseSchedule.ONCE: "Once",
    PulseSchedule.WEEKLY: "Every week",
    PulseSchedule.BIWEEKLY: "Every 2 weeks",
    PulseSchedule.MONTHLY: "Every month",
}
AUDIENCE_LABELS = {
    "everyone": "Everyone in the program",
    "mentor": "Mentors only",
    "mentee": "Mentees only",
    "peer": "Peers only (coffee chats)",
}
KIND_LABELS = {
    NO_QUESTION: "No question",
    QuestionKind.SCALE.value: "1 to 5 scale with two end labels",
    QuestionKind.ENPS.value: "0 to 10 “would you recommend” (eNPS)",
    QuestionKind.CHOICE.value: "Single choice",
    QuestionKind.COMMENT.value: "Free-text comment",
}
WINDOW_CHOICES = (1, 2, 3, 4, 5, 7, 10, 14)
REMIND_OPTION = "Remind those who haven't answered, once, a working day before it closes"


def _anonymity(min_answers: int) -> str:
    return (
        "Anonymous: your answers are stored without your name or anything that leads back to "
        f"you, and results are shown only when at least {min_answers} people answered."
    )


def _questions_phrase(count: int) -> str:
    return "1 quick question" if count == 1 else f"{count} quick questions"


# -- to each person -----------------------------------------------------------------------


def invitation(notice: WaveNotice) -> tuple[str, list[dict[str, Any]]]:
    """The DM that asks: the survey, how long it's open, and one button that opens it."""
    program = escape(notice.program_name)
    text = f"A quick anonymous pulse on {notice.program_name}: {notice.survey_name}."
    blocks = [
        header(f"Pulse · {notice.program_name}"),
        section(
            f"*{escape(notice.survey_name)}*: {_questions_phrase(notice.question_count)} about "
            f"*{program}*. It takes a minute, and it helps the program get better."
        ),
        actions(button("Answer anonymously", ANSWER, str(notice.wave_id), style="primary")),
        context(
            f"Open until {slack_date(notice.closes_at, 'it closes')}. "
            + _anonymity(notice.min_answers)
        ),
    ]
    return text, to_dicts(blocks)


def reminder(notice: WaveNotice) -> tuple[str, list[dict[str, Any]]]:
    """The single reminder, to those who haven't answered, with the same button."""
    text = f"A gentle reminder: the pulse on {notice.program_name} closes soon."
    blocks = [
        section(
            f"A gentle reminder: *{escape(notice.survey_name)}* on "
            f"*{escape(notice.program_name)}* is open until "
            f"{slack_date(notice.closes_at, 'it closes')}. A minute of your time helps."
        ),
        actions(button("Answer anonymously", ANSWER, str(notice.wave_id), style="primary")),
        context("This is the only reminder. " + _anonymity(notice.min_answers)),
    ]
    return text, to_dicts(blocks)


def closed_dm() -> tuple[str, list[dict[str, Any]]]:
    """What replaces an invitation clicked after its wave closed: the button is gone."""
    return CLOSED, to_dicts([section(CLOSED)])


def answer_modal(form: AnswerForm) -> dict[str, Any]:
    """The questions, never prefilled: nothing anyone answered is ever shown back."""
    blocks: list[Any] = [
        section(f"*{escape(form.survey_name)}* · {escape(form.program_name)}"),
        context(_anonymity(form.min_answers)),
    ]
    for index, question in enumerate(form.questions):
        blocks.append(_answer_input(index, question))
    return View(
        type="modal",
        callback_id=ANSWER_CALLBACK,
        title=TITLE,
        submit="Send anonymously",
        close="Cancel",
        # Only the wave: the answers are stored against nothing else.
        private_metadata=json.dumps({"wave_id": form.wave_id}),
        blocks=blocks,
    ).to_dict()


def _answer_input(index: int, question: Question) -> InputBlock:
    block_id = answer_field(index)
    label = clip(question.text, 2000)
    if question.kind is QuestionKind.SCALE:
        low, high = (*question.options, "", "")[:2]
        labels = {1: f"1 · {low}", 5: f"5 · {high}"}
        scale = options((clip(labels.get(n, str(n)), 75), str(n)) for n in range(1, 6))
        element: Any = RadioButtonsElement(action_id=block_id, options=scale)
        return InputBlock(block_id=block_id, label=label, element=element)
    if question.kind is QuestionKind.ENPS:
        ends = {0: "0 · Not at all likely", 10: "10 · Extremely likely"}
        recommend = options((ends.get(n, str(n)), str(n)) for n in range(0, 11))
        element = StaticSelectElement(action_id=block_id, placeholder="0 to 10", options=recommend)
        return InputBlock(block_id=block_id, label=label, element=element)
    if question.kind is QuestionKind.CHOICE:
        choices = options((clip(o, 75), str(i)) for i, o in enumerate(question.options))
        element = RadioButtonsElement(action_id=block_id, options=choices)
        return InputBlock(block_id=block_id, label=label, element=element)
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=True,
        hint="Optional. Comments are shown only when enough people wrote one, shuffled and "
        "undated. Leave out anything that would tell who you are.",
        element=PlainTextInputElement(action_id=block_id, multiline=True, max_length=MAX_COMMENT),
    )


def answered_view(message: str) -> dict[str, Any]:
    """What the modal turns into once sent (or refused): a line, never the answers."""
    return View(
        type="modal",
        title=TITLE,
        close="Done",
        blocks=[section(escape(message))],
    ).to_dict()


# -- to admins -----------------------------------------------------------------------------


def survey_modal(form: SurveyForm) -> dict[str, Any]:
    """The form for a new pulse, filled in with the "program pulse" template."""
    # A static select holds at most 100 options.
    programs = options(
        (clip(f"{p.name} ({p.kind.value})", 75), str(p.id)) for p in form.programs[:100]
    )
    audiences = options((AUDIENCE_LABELS[a], a) for a in AUDIENCES)
    schedules = options((label, s.value) for s, label in SCHEDULE_LABELS.items())
    windows = options(("1 day" if n == 1 else f"{n} days", str(n)) for n in WINDOW_CHOICES)
    remind = option(REMIND_OPTION, "yes")
    blocks: list[Any] = [
        context(
            "A short anonymous survey for one program. Each person gets a DM on a working "
            "morning in their own time zone, with a button that opens the questions."
        ),
        InputBlock(
            block_id="name",
            label="Name",
            element=PlainTextInputElement(
                action_id="name", max_length=MAX_NAME, initial_value=form.name
            ),
        ),
        _select("program_id", "Program", programs, programs[0] if len(programs) == 1 else None),
        _select(
            "role",
            "Who is asked",
            audiences,
            audiences[0],
            hint="People who are both mentor and mentee are asked by either.",
        ),
        _select(
            "schedule",
            "How often",
            schedules,
            schedules[0],
            hint="Reckoned in the program's time zone.",
        ),
        InputBlock(
            block_id="starts_on",
            label="First on",
            hint="A weekend moves to the Monday after.",
            element=DatePickerElement(action_id="starts_on", initial_date=form.today.isoformat()),
        ),
        _select(
            "window_days",
            "Open for",
            windows,
            next(o for o in windows if o.value == "3"),
            hint="Counted from the last invitation, so everyone gets the whole time.",
        ),
        _count(
            "min_answers",
            "Minimum answers before results show",
            least=MIN_MIN_ANSWERS,
            most=MAX_MIN_ANSWERS,
            offered=DEFAULT_MIN_ANSWERS,
            hint=f"A wave with fewer answers shows nothing, not even how many answered. At least "
            f"{MIN_MIN_ANSWERS}, so nobody can be picked out.",
        ),
        _count(
            "min_comments",
            "Minimum comments before comments show",
            least=MIN_MIN_ANSWERS,
            most=MAX_MIN_COMMENTS,
            offered=DEFAULT_MIN_COMMENTS,
            hint="No fewer than the minimum answers: a comment is easier to recognise than a "
            "number.",
        ),
        InputBlock(
            block_id="reminder",
            label="Reminder",
            optional=True,
            element=CheckboxesElement(
                action_id="reminder", options=[remind], initial_options=[remind]
            ),
        ),
        divider(),
        section(
            "*Questions* (1 to 5). For a scale, put its two end labels on two lines; for a "
            "single choice, 2 to 10 options, one per line. Set a question to “No question” to "
            "leave it out."
        ),
    ]
    kinds = options((label, value) for value, label in KIND_LABELS.items())
    for slot in QUESTION_SLOTS:
        given = form.questions[slot - 1] if slot <= len(form.questions) else None
        blocks += [
            InputBlock(
                block_id=slot_field(slot, "kind"),
                label=f"Question {slot}",
                optional=True,
                element=StaticSelectElement(
                    action_id=slot_field(slot, "kind"),
                    placeholder="Kind of question",
                    options=kinds,
                    initial_option=next(
                        (k for k in kinds if given and k.value == given.kind.value), None
                    ),
                ),
            ),
            InputBlock(
                block_id=slot_field(slot, "text"),
                label=f"Question {slot}: what to ask",
                optional=True,
                element=PlainTextInputElement(
                    action_id=slot_field(slot, "text"),
                    max_length=MAX_QUESTION_TEXT,
                    initial_value=given.text if given else None,
                ),
            ),
            InputBlock(
                block_id=slot_field(slot, "options"),
                label=f"Question {slot}: labels or options",
                optional=True,
                element=PlainTextInputElement(
                    action_id=slot_field(slot, "options"),
                    multiline=True,
                    max_length=MAX_OPTIONS_TEXT,
                    initial_value="\n".join(given.options) if given and given.options else None,
                ),
            ),
        ]
    return View(
        type="modal",
        callback_id=NEW_CALLBACK,
        title="New pulse",
        submit="Create",
        close="Cancel",
        blocks=blocks,
    ).to_dict()


def _select(
    block_id: str,
    label: str,
    choices: list[Option],
    initial: Option | None,
    hint: str | None = None,
) -> InputBlock:
    """A drop-down of the survey form; its action id is its block id, as forms read them."""
    return InputBlock(
        block_id=block_id,
        label=label,
        hint=hint,
        element=StaticSelectElement(action_id=block_id, options=choices, initial_option=initial),
    )


def _count(
    block_id: str, label: str, *, least: int, most: int, offered: int, hint: str
) -> InputBlock:
    """A whole number of the survey form, from ``least`` to ``most``, ``offered`` filled in."""
    return InputBlock(
        block_id=block_id,
        label=label,
        hint=hint,
        element=NumberInputElement(
            action_id=block_id,
            is_decimal_allowed=False,
            min_value=str(least),
            max_value=str(most),
            initial_value=str(offered),
        ),
    )


def _audience(survey: PulseSurvey, program: Program) -> str:
    if survey.role is None:
        return f"everyone in {program.name}"
    return f"the {survey.role}s of {program.name}"


def _every(survey: PulseSurvey) -> str:
    return {
        PulseSchedule.ONCE: "once",
        PulseSchedule.WEEKLY: "every week",
        PulseSchedule.BIWEEKLY: "every 2 weeks",
        PulseSchedule.MONTHLY: "every month",
    }[survey.schedule]


def survey_created(survey: PulseSurvey, program: Program, first: datetime) -> str:
    """The admin's confirmation, by DM: a modal has no conversation to answer in."""
    reminder_text = "one reminder" if survey.reminder else "no reminder"
    return (
        f"Created the pulse *{escape(survey.name)}* for {escape(_audience(survey, program))}: "
        f"{len(survey.questions)} questions, {_every(survey)}, first on "
        f"{slack_date(first, first.date().isoformat())} ({escape(program.timezone)}), open "
        f"{survey.window_days} days each time, {reminder_text}. Results show once at least "
        f"{answer_threshold(survey)} people answered a wave, comments once "
        f"{comment_threshold(survey)} wrote one. Each person gets it on a "
        "working morning in their own time zone. Stop it with "
        f"`/mentor pulse stop {escape(survey.name)}`."
    )


def survey_stopped(survey: PulseSurvey) -> str:
    return (
        f"Stopped *{escape(survey.name)}*: no more waves will open. A wave that is open now "
        "stays open until it closes, and its results stay available."
    )


def wave_closed(
    survey: PulseSurvey, program: Program, wave: PulseWave
) -> tuple[str, list[dict[str, Any]]]:
    """To the survey's creator and the program's owners: a wave closed, its results are ready.

    Below *k* not even the count is told: "2 of 30 answered" narrows down who did.
    """
    name = escape(survey.name)
    k = answer_threshold(survey)
    if wave.answered < k:
        rate = f"fewer than {k} people answered, so no results are shown"
        outcome = (
            "Neither the answers nor how many people answered are shown: that keeps the few "
            "who answered anonymous."
        )
    else:
        rate = f"{wave.answered} of {wave.invited} people answered"
        outcome = f"The results are ready: `/mentor pulse results {name}`."
    text = f"The pulse “{survey.name}” on {program.name} (wave {wave.number}) has closed: {rate}."
    blocks = [
        section(f"*{name}* on *{escape(program.name)}* (wave {wave.number}) has closed: {rate}."),
        section(outcome),
        context(
            "Who answered and who didn't is now forgotten, by Sprout too; only the counts stay."
        ),
    ]
    return text, to_dicts(blocks)


def survey_list(summaries: list[SurveySummary]) -> list[dict[str, Any]]:
    """Every pulse of the workspace, with its schedule and what its waves are doing."""
    if not summaries:
        return to_dicts([section("No pulse surveys yet. Create one with `/mentor pulse new`.")])
    blocks: list[Any] = [header("Pulse surveys")]
    for summary in summaries[:40]:
        survey = summary.survey
        line = (
            f"*{escape(survey.name)}* · {escape(_audience(survey, summary.program))} · "
            f"{_every(survey)} · {len(survey.questions)} questions"
        )
        if survey.stopped_at is not None:
            state = f"Stopped on {slack_date(survey.stopped_at, 'a past date')}."
        elif summary.open_wave is not None:
            wave = summary.open_wave
            state = (
                f"Wave {wave.number} is open until {slack_date(wave.closes_at, 'it closes')}, "
                f"for {summary.open_invited} people."
            )
        elif summary.next_opens_at is not None:
            state = f"Next wave on {slack_date(summary.next_opens_at, 'a later date')}."
        else:
            state = "No more waves."
        if summary.last_closed is not None:
            last = summary.last_closed
            k = answer_threshold(survey)
            if last.answered < k:
                state += f" Wave {last.number}: fewer than {k} answered; no results are shown."
            else:
                state += f" Wave {last.number}: {last.answered} of {last.invited} answered."
        blocks.append(section(f"{line}\n{state}"))
    return to_dicts(blocks)
