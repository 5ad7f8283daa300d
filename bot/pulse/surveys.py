"""Pulse surveys: creating, listing, finding and stopping them, and the ready-made template.

A survey is an admin's plan (audience, questions, schedule, window, reminder); its waves are
bot.pulse.waves' business, and its results bot.pulse.results'. The service is what handlers and
the standing job talk to.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.access import Access
from bot.checkins.schedule import local_instant, zone
from bot.clock import Clock
from bot.db import Database
from bot.errors import NotAllowed, UserFacingError
from bot.pulse import messages
from bot.pulse.forms import Question, SurveyInput
from bot.pulse.waves import WaveService, WaveTally, due_wave, wave_opens_at
from bot.slack.delivery import Priority, enqueue
from bot.slack.people import PeopleDirectory
from models import (
    Program,
    ProgramKind,
    PulseInvitation,
    PulseSchedule,
    PulseSurvey,
    PulseWave,
    QuestionKind,
)
from models.forms import FormErrors, name_key

log = logging.getLogger(__name__)

TEMPLATE_NAME = "Program pulse"
#: The "program pulse" every new survey starts from: how useful, would you recommend, one idea.
TEMPLATE: tuple[Question, ...] = (
    Question(
        QuestionKind.SCALE, "How useful is the program for you right now?", ("Not at all", "Very")
    ),
    Question(QuestionKind.ENPS, "How likely are you to recommend the program to a colleague?"),
    Question(QuestionKind.COMMENT, "What one thing would make it better?"),
)
#: How far ahead a first wave may be planned.
MAX_DAYS_AHEAD = 365


@dataclass(frozen=True)
class SurveyForm:
    """What the new-pulse modal offers: the programs, today's date, and the template."""

    programs: list[Program]
    today: date
    name: str = TEMPLATE_NAME
    questions: tuple[Question, ...] = TEMPLATE


@dataclass(frozen=True)
class SurveySummary:
    """One survey for `/mentor pulse list`: its open wave and last closed one, if any."""

    survey: PulseSurvey
    program: Program
    open_wave: PulseWave | None
    open_invited: int
    last_closed: PulseWave | None
    next_opens_at: datetime | None


class PulseService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        access: Access,
        people: PeopleDirectory,
        admins: Iterable[str] = (),
    ) -> None:
        self._db = db
        self._clock = clock
        self._access = access
        self._people = people
        self.waves = WaveService(db, clock, people, admins)

    def run_due(self) -> WaveTally:
        """The standing job's pass: close, open, invite and remind."""
        return self.waves.run_due()

    # -- creating -------------------------------------------------------------------------

    def _check_admin(self, team_id: str, actor_id: str) -> None:
        if not self._access.is_admin(team_id, actor_id):
            raise NotAllowed("Pulse surveys are run by Sprout admins.")

    def new_form(self, team_id: str, actor_id: str) -> SurveyForm:
        """The form for a new survey, or a refusal before it opens."""
        self._check_admin(team_id, actor_id)
        with self._db.session() as session:
            programs = list(
                session.scalars(
                    sa.select(Program).where(Program.team_id == team_id).order_by(Program.name_key)
                )
            )
        if not programs:
            raise UserFacingError(
                "A pulse asks the people of a program: create one first with `/mentor program new`."
            )
        person = self._people.lookup(team_id, actor_id)
        where = zone(person.timezone if person else None)
        return SurveyForm(programs=programs, today=self._clock.now().astimezone(where).date())

    def create(
        self,
        team_id: str,
        actor_id: str,
        values: Mapping[str, object],
        *,
        submission: str | None = None,
    ) -> PulseSurvey:
        """A new survey from the modal; its first wave opens on its start date.

        Raises FormErrors (shown under the fields) or NotAllowed.
        """
        self._check_admin(team_id, actor_id)
        data = SurveyInput.parse(values)
        now = self._clock.now()
        with self._db.session() as session:
            program = session.get(Program, data.program_id)
            if program is None or program.team_id != team_id:
                raise FormErrors({"program_id": "That program no longer exists."})
            errors = self._problems(session, team_id, data, program, now)
            if errors:
                raise FormErrors(errors)
            survey = PulseSurvey(
                team_id=team_id,
                program_id=program.id,
                name=data.name,
                role=data.audience_role,
                questions=[q.to_json() for q in data.questions],
                schedule=data.schedule,
                starts_at=local_instant(data.starts_on, 0, zone(program.timezone)),
                window_days=data.window_days,
                reminder=data.reminder,
                min_answers=data.min_answers,
                min_comments=data.min_comments,
                created_by=actor_id,
                created_at=now,
            )
            session.add(survey)
            session.flush()
            first = wave_opens_at(survey.starts_at, survey.schedule, program.timezone, 1)
            enqueue(
                session,
                team_id=team_id,
                key=f"pulse-created:{survey.id}:{submission or f'{now.timestamp():.6f}'}",
                recipients=[actor_id],
                text=messages.survey_created(survey, program, first),
                now=now,
                priority=Priority.REPLY,
            )
            log.info("pulse %d created for program %d", survey.id, program.id)
            return survey

    @staticmethod
    def _problems(
        session: Session, team_id: str, data: SurveyInput, program: Program, now: datetime
    ) -> dict[str, str]:
        errors: dict[str, str] = {}
        coffee = program.kind is ProgramKind.COFFEE
        if data.audience_role is not None and (data.audience_role == "peer") != coffee:
            errors["role"] = (
                "Coffee chats have peers only: ask everyone, or peers."
                if coffee
                else "A mentoring program has mentors and mentees: pick one of them, or everyone."
            )
        # Today where the program is, or yesterday: the admin may be a few hours behind it.
        today = now.astimezone(zone(program.timezone)).date()
        if data.starts_on < today - timedelta(days=1):
            errors["starts_on"] = "Pick today or a later date."
        elif data.starts_on > today + timedelta(days=MAX_DAYS_AHEAD):
            errors["starts_on"] = "Pick a date within the next year."
        key = name_key(data.name)
        taken = session.scalars(sa.select(PulseSurvey.name).where(PulseSurvey.team_id == team_id))
        if any(name_key(name) == key for name in taken):
            errors["name"] = "A pulse with this name exists already; pick another name."
        return errors

    # -- finding, listing, stopping ---------------------------------------------------------

    def find(self, team_id: str, name: str) -> PulseSurvey:
        """The survey called ``name`` (case and spacing don't matter)."""
        with self._db.session() as session:
            return self._find(session, team_id, name)

    @staticmethod
    def _find(session: Session, team_id: str, name: str) -> PulseSurvey:
        surveys = list(
            session.scalars(
                sa.select(PulseSurvey)
                .where(PulseSurvey.team_id == team_id)
                .order_by(PulseSurvey.id)
            )
        )
        key = name_key(name)
        for survey in surveys:
            if name_key(survey.name) == key:
                return survey
        if not surveys:
            raise UserFacingError("There are no pulse surveys yet: `/mentor pulse new`.")
        known = ", ".join(f"“{s.name}”" for s in surveys[:20])
        raise UserFacingError(f"I don't know a pulse called “{name[:60]}”. Pulses: {known}.")

    def summaries(self, team_id: str, actor_id: str) -> list[SurveySummary]:
        """Every survey of the workspace, newest first, for admins."""
        self._check_admin(team_id, actor_id)
        now = self._clock.now()
        with self._db.session() as session:
            rows = session.execute(
                sa.select(PulseSurvey, Program)
                .join(Program, Program.id == PulseSurvey.program_id)
                .where(PulseSurvey.team_id == team_id)
                .order_by(PulseSurvey.created_at.desc(), PulseSurvey.id.desc())
            ).all()
            waves: dict[int, list[PulseWave]] = {}
            for wave in session.scalars(
                sa.select(PulseWave)
                .where(PulseWave.team_id == team_id)
                .order_by(PulseWave.survey_id, PulseWave.number)
            ):
                waves.setdefault(wave.survey_id, []).append(wave)
            invited = {
                wave_id: int(count)
                for wave_id, count in session.execute(
                    sa.select(PulseInvitation.wave_id, sa.func.count())
                    .join(PulseWave, PulseWave.id == PulseInvitation.wave_id)
                    .where(PulseWave.team_id == team_id, PulseWave.closed_at.is_(None))
                    .group_by(PulseInvitation.wave_id)
                )
            }
        summaries = []
        for survey, program in rows:
            own = waves.get(survey.id, [])
            open_wave = next((w for w in reversed(own) if w.closed_at is None), None)
            closed = [w for w in own if w.closed_at is not None]
            summaries.append(
                SurveySummary(
                    survey=survey,
                    program=program,
                    open_wave=open_wave,
                    open_invited=invited.get(open_wave.id, 0) if open_wave else 0,
                    last_closed=closed[-1] if closed else None,
                    next_opens_at=_next_opening(survey, program, own, now),
                )
            )
        return summaries

    def stop(self, team_id: str, actor_id: str, name: str) -> PulseSurvey:
        """No more waves; an open one runs to its close, and results stay."""
        self._check_admin(team_id, actor_id)
        with self._db.session() as session:
            survey = self._find(session, team_id, name)
            if survey.stopped_at is not None:
                raise UserFacingError(f"“{survey.name}” was stopped already.")
            survey.stopped_at = self._clock.now()
            log.info("pulse %d stopped", survey.id)
            return survey


def _next_opening(
    survey: PulseSurvey, program: Program, waves: list[PulseWave], now: datetime
) -> datetime | None:
    if survey.stopped_at is not None:
        return None
    last = waves[-1].number if waves else 0
    if survey.schedule is PulseSchedule.ONCE and last >= 1:
        return None
    number = last + 1
    # A wave that is due but not yet opened by the job opens within minutes.
    if due_wave(survey.starts_at, survey.schedule, program.timezone, now, after=last):
        return now
    return wave_opens_at(survey.starts_at, survey.schedule, program.timezone, number)
