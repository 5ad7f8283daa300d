"""Pulse waves: opening them on schedule, inviting, the single reminder, answering, closing.

A survey's waves fall on its schedule's days, reckoned in the program's time zone: the first
on the start date, then every week, every two weeks or on the same day of each month, moved off
the weekend. A wave opens at the start of its day there. Everyone then in the audience (active,
unpaused members of the program, of one role if the survey says so) is invited at the first
working morning in their own zone from then on, with the check-in arithmetic of
bot.checkins.schedule. The wave stays open for the survey's window after the last invitation
goes out, so everyone gets at least the whole window, but never past the opening of the
survey's next wave: someone far east of the program is invited a day later, and their window
must not run into the next wave's.

One standing job does the rest in set-based passes: *close* the waves whose time is up (counts,
forgets who was asked and who answered, tells the survey's creator and the program's owners, and
then has the database files forget the deleted rows too), *open* the waves
that are due, *send* the invitations whose morning has come through the outbox (key
``pulse:<wave>:<user>``), and *remind*, once, a working day before the close, whoever has not
answered (key ``pulse-reminder:<wave>:<user>``).

Nothing here logs an answer or who gave it; answering writes no row that names the person
(bot.pulse.ballots).
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.checkins.schedule import (
    SEND_WINDOW,
    Cadence,
    in_window,
    local_instant,
    next_window,
    previous_window,
    working_day,
    zone,
)
from bot.clock import Clock
from bot.db import Database, each_in_own_transaction
from bot.errors import UserFacingError
from bot.membership.programs import paused_now
from bot.pulse import ballots, messages
from bot.pulse.ballots import invitation_key, reminder_key
from bot.pulse.forms import Question, parse_answers
from bot.pulse.results import answer_threshold
from bot.slack.delivery import Priority, enqueue
from bot.slack.people import PeopleDirectory
from models import (
    Membership,
    MembershipStatus,
    OutboxMessage,
    Person,
    Program,
    PulseInvitation,
    PulseSchedule,
    PulseSurvey,
    PulseWave,
    Role,
)
from models.settings import ProgramSettings

log = logging.getLogger(__name__)

#: An invitation that had to wait (a pause, an outage) still goes if this long remains.
MIN_TIME_TO_ANSWER = timedelta(days=1)
#: The reminder comes on the last working morning at least this long before the close.
REMIND_BEFORE_CLOSE = timedelta(days=1)
#: Ids per IN (...) list, well inside SQLite's and PostgreSQL's limits.
CHUNK = 500
#: Days between waves of the schedules that count in weeks.
PERIOD_DAYS = {PulseSchedule.WEEKLY: 7, PulseSchedule.BIWEEKLY: 14}


# -- the arithmetic ------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the 31st becomes the month's last day where it is shorter."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def wave_day(start: date, schedule: PulseSchedule, number: int) -> date:
    """The date (in the program's zone) wave ``number`` (from 1) falls on, off the weekend."""
    if number < 1:
        raise ValueError("waves are numbered from 1")
    if schedule is PulseSchedule.ONCE and number > 1:
        raise ValueError("a one-off pulse has one wave")
    if schedule is PulseSchedule.MONTHLY:
        day = add_months(start, number - 1)
    else:
        day = start + timedelta(days=PERIOD_DAYS.get(schedule, 0) * (number - 1))
    return working_day(day)


def wave_opens_at(
    starts_at: datetime, schedule: PulseSchedule, timezone: str, number: int
) -> datetime:
    """When wave ``number`` opens: the start of its day in the program's zone (DST-safe)."""
    where = zone(timezone)
    start = starts_at.astimezone(where).date()
    return local_instant(wave_day(start, schedule, number), 0, where)


def due_wave(
    starts_at: datetime,
    schedule: PulseSchedule,
    timezone: str,
    now: datetime,
    *,
    after: int = 0,
) -> int | None:
    """The latest wave after wave ``after`` that should have opened by ``now``, if any.

    Waves missed while nothing ran are skipped: only the latest opens, so nobody gets two
    pulses at once.
    """
    last = 1 if schedule is PulseSchedule.ONCE else None
    number = max(after, 0)
    while (last is None or number < last) and (
        wave_opens_at(starts_at, schedule, timezone, number + 1) <= now
    ):
        number += 1
    return number if number > after else None


def invitation_due(
    opens_at: datetime, now: datetime, timezone: str | None, cadence: Cadence
) -> datetime:
    """When someone in ``timezone`` is invited to a wave that opened at ``opens_at``.

    The first working morning at or after the opening; a wave opened late (the job was down)
    counts from now, though a morning that began moments ago still counts.
    """
    return next_window(max(opens_at, now - SEND_WINDOW), timezone, cadence)


def reminder_due(
    invited_at: datetime, closes_at: datetime, timezone: str | None, cadence: Cadence
) -> datetime | None:
    """The single reminder: the last working morning a day or more before the close.

    None when that morning isn't after the invitation (a window too short to remind in).
    """
    remind = previous_window(closes_at - REMIND_BEFORE_CLOSE, timezone, cadence)
    return remind if remind > invited_at else None


def cadence_of(program: Program) -> Cadence:
    """Pulses arrive at the program's check-in hour (10:00 unless set otherwise)."""
    return Cadence(local_hour=ProgramSettings.of(program.settings).checkin_local_hour)


def wave_closes_at(
    last_invitation: datetime, window_days: int, next_opens_at: datetime | None
) -> datetime:
    """The survey's window after the last invitation, cut off where the next wave opens.

    Waves of one survey never overlap: a wave whose last invitee is far east of the program
    (invited a working day later) would otherwise still be open when the next one opens.
    """
    end = last_invitation + timedelta(days=window_days)
    return min(end, next_opens_at) if next_opens_at is not None else end


def roles_for(audience: str | None) -> list[Role] | None:
    """The membership roles a survey for ``audience`` reaches; None for everyone.

    Someone who is both mentor and mentee is asked by a survey for either.
    """
    if audience is None:
        return None
    role = Role(audience)
    return [role, Role.BOTH] if role in (Role.MENTOR, Role.MENTEE) else [role]


# -- what the job did, and what a respondent sees -----------------------------------------------


@dataclass
class WaveTally:
    """One pass of the pulse job, for the log: counts only."""

    closed: int = 0
    opened: int = 0
    invited: int = 0
    sent: int = 0
    retimed: int = 0
    dropped: int = 0
    reminded: int = 0

    @property
    def anything(self) -> bool:
        return any(vars(self).values())


@dataclass(frozen=True)
class AnswerForm:
    """What the answer modal shows: the survey's questions, never anything answered."""

    wave_id: int
    survey_name: str
    program_name: str
    questions: tuple[Question, ...]
    closes_at: datetime
    #: *k*: the survey's minimum, never below three, as results apply it.
    min_answers: int


@dataclass(frozen=True)
class WaveNotice:
    """What an invitation or reminder says about its wave."""

    wave_id: int
    number: int
    survey_name: str
    program_name: str
    question_count: int
    closes_at: datetime
    min_answers: int


class WaveService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        people: PeopleDirectory,
        admins: Iterable[str] = (),
    ) -> None:
        self._db = db
        self._clock = clock
        self._people = people
        #: Who hears that results are ready when a survey's creator and owners are gone.
        self._admins = sorted(admins)
        #: A scrub of the database files that failed, to try again on the next pass.
        self._scrub_due = False

    # -- the standing job ---------------------------------------------------------------

    def run_due(self) -> WaveTally:
        """Close, open, send and remind: one pass, idempotent however often it runs."""
        now = self._clock.now()
        tally = WaveTally()
        tally.closed = self._close_due(now)
        tally.opened, tally.invited = self._open_due(now)
        with self._db.session() as session:
            tally.sent, tally.retimed, tally.dropped = self._send(session, now)
        with self._db.session() as session:
            tally.reminded = self._remind(session, now)
        return tally

    # closing

    def _close_due(self, now: datetime) -> int:
        with self._db.session() as session:
            due = list(
                session.scalars(
                    sa.select(PulseWave.id)
                    .where(PulseWave.closed_at.is_(None), PulseWave.closes_at <= now)
                    .order_by(PulseWave.closes_at, PulseWave.id)
                )
            )
        # Each wave in a transaction of its own: one wave's trouble must not keep the others open.
        closed = sum(
            each_in_own_transaction(
                self._db,
                due,
                lambda session, wave_id: self._close(session, wave_id, now),
                log=log,
                failure="closing pulse wave %d",
            )
        )
        if closed or self._scrub_due:
            # Only now that the closes committed: the files still hold what they deleted.
            self._scrub_due = not ballots.scrub(self._db.engine)
        return closed

    def _close(self, session: Session, wave_id: int, now: datetime) -> int:
        wave = session.get(PulseWave, wave_id)
        if wave is None or wave.closed_at is not None:
            return 0
        ballots.close(session, wave, now)
        survey = session.get(PulseSurvey, wave.survey_id)
        program = session.get(Program, survey.program_id) if survey else None
        if survey is None or program is None:
            return 1
        text, blocks = messages.wave_closed(survey, program, wave)
        for recipient in self._result_readers(survey, program):
            enqueue(
                session,
                team_id=wave.team_id,
                key=f"pulse-closed:{wave.id}:{recipient}",
                recipients=[recipient],
                text=text,
                blocks=blocks,
                now=now,
            )
        log.info(
            "pulse %d wave %d closed: %d of %d answered",
            survey.id,
            wave.number,
            wave.answered,
            wave.invited,
        )
        return 1

    def _result_readers(self, survey: PulseSurvey, program: Program) -> list[str]:
        """The creator and the program's owners; without any, Sprout's or the workspace's admins."""
        creator = [survey.created_by] if survey.created_by else []
        readers = list(dict.fromkeys([*creator, *sorted(program.owner_ids)]))
        if readers:
            return readers
        if self._admins:
            return list(self._admins)
        return sorted(
            p.user_id
            for p in self._people.everyone(program.team_id).values()
            if p.is_workspace_admin and not p.deleted and not p.is_bot
        )

    # opening

    def _open_due(self, now: datetime) -> tuple[int, int]:
        with self._db.session() as session:
            surveys = list(
                session.scalars(
                    sa.select(PulseSurvey.id)
                    .where(PulseSurvey.stopped_at.is_(None), PulseSurvey.starts_at <= now)
                    .order_by(PulseSurvey.id)
                )
            )
        # Each survey in a transaction of its own: one survey's trouble must not stop the others.
        counts = each_in_own_transaction(
            self._db,
            surveys,
            lambda session, survey_id: self._open(session, survey_id, now),
            log=log,
            failure="opening a wave of pulse %d",
        )
        opened = [count for count in counts if count is not None]  # None: no wave was due
        return len(opened), sum(opened)

    def _open(self, session: Session, survey_id: int, now: datetime) -> int | None:
        """Open the survey's due wave and invite its audience; None if none is due."""
        survey = session.get(PulseSurvey, survey_id)
        program = session.get(Program, survey.program_id) if survey else None
        if survey is None or program is None or survey.stopped_at is not None:
            return None
        last = session.scalar(
            sa.select(sa.func.max(PulseWave.number)).where(PulseWave.survey_id == survey.id)
        )
        number = due_wave(
            survey.starts_at, survey.schedule, program.timezone, now, after=int(last or 0)
        )
        if number is None:
            return None
        opens_at = wave_opens_at(survey.starts_at, survey.schedule, program.timezone, number)
        cadence = cadence_of(program)
        audience = [
            (user_id, invitation_due(opens_at, now, timezone, cadence))
            for user_id, timezone in self._audience(session, survey, program, now)
        ]
        last_invitation = max((due for _, due in audience), default=max(opens_at, now))
        next_opens_at = (
            None
            if survey.schedule is PulseSchedule.ONCE
            else wave_opens_at(survey.starts_at, survey.schedule, program.timezone, number + 1)
        )
        wave = PulseWave(
            team_id=survey.team_id,
            survey_id=survey.id,
            number=number,
            opens_at=opens_at,
            closes_at=wave_closes_at(last_invitation, survey.window_days, next_opens_at),
            token_key=ballots.new_token_key(),
        )
        session.add(wave)
        session.flush()
        session.add_all(
            PulseInvitation(wave_id=wave.id, user_id=user_id, team_id=survey.team_id, due_at=due)
            for user_id, due in audience
        )
        log.info("pulse %d wave %d opened for %d people", survey.id, number, len(audience))
        return len(audience)

    @staticmethod
    def _audience(
        session: Session, survey: PulseSurvey, program: Program, now: datetime
    ) -> list[tuple[str, str]]:
        """(user id, time zone) of everyone the wave asks: active, unpaused, of the role."""
        query = (
            sa.select(Membership.user_id, Person.timezone)
            .join(
                Person,
                sa.and_(Person.team_id == Membership.team_id, Person.user_id == Membership.user_id),
            )
            .where(
                Membership.program_id == program.id,
                Membership.status == MembershipStatus.ACTIVE,
                Person.inactive.is_(False),
                ~paused_now(now),
            )
            .order_by(Membership.user_id)
        )
        roles = roles_for(survey.role)
        if roles is not None:
            query = query.where(Membership.role.in_(roles))
        return [(user_id, timezone) for user_id, timezone in session.execute(query)]

    # sending

    def _send(self, session: Session, now: datetime) -> tuple[int, int, int]:
        """Send the invitations whose morning has come; move or drop those that can't go."""
        rows = session.execute(
            sa.select(PulseInvitation, PulseWave, PulseSurvey, Program)
            .join(PulseWave, PulseWave.id == PulseInvitation.wave_id)
            .join(PulseSurvey, PulseSurvey.id == PulseWave.survey_id)
            .join(Program, Program.id == PulseSurvey.program_id)
            .where(
                PulseWave.closed_at.is_(None),
                PulseWave.closes_at > now,
                PulseInvitation.due_at <= now,
            )
            .order_by(PulseInvitation.due_at, PulseInvitation.wave_id, PulseInvitation.user_id)
        ).all()
        if not rows:
            return 0, 0, 0
        sent_keys = _existing_keys(
            session, [invitation_key(i.wave_id, i.user_id) for i, _, _, _ in rows]
        )
        waiting = [
            row for row in rows if invitation_key(row[0].wave_id, row[0].user_id) not in sent_keys
        ]
        people = _people(session, {(i.team_id, i.user_id) for i, _, _, _ in waiting})
        members = _memberships(session, {(p.id, i.user_id) for i, _, _, p in waiting})
        sent = retimed = dropped = 0
        for invitation, wave, survey, program in waiting:
            person = people.get((invitation.team_id, invitation.user_id))
            membership = members.get((program.id, invitation.user_id))
            if (
                person is None
                or person.inactive
                or membership is None
                or membership.status != MembershipStatus.ACTIVE
            ):
                session.delete(invitation)  # gone since the wave opened: not asked after all
                dropped += 1
                continue
            cadence = cadence_of(program)
            paused = person.is_paused(now)
            if paused or not in_window(now, person.timezone, cadence):
                back = now
                if paused:  # back when the pause ends; paused until further notice: look daily
                    back = person.paused_until or now + timedelta(days=1)
                later = next_window(max(back, now), person.timezone, cadence)
                if later + MIN_TIME_TO_ANSWER > wave.closes_at:
                    session.delete(invitation)  # no working morning left to ask them in
                    dropped += 1
                else:
                    invitation.due_at = later
                    retimed += 1
                continue
            notice = _notice(wave, survey, program)
            key = invitation_key(wave.id, invitation.user_id)
            _dm(session, invitation, messages.invitation(notice), key=key, now=now)
            sent += 1
        return sent, retimed, dropped

    # reminding

    def _remind(self, session: Session, now: datetime) -> int:
        """One reminder to each invitee who hasn't answered, a working day before the close."""
        waves = session.execute(
            sa.select(PulseWave, PulseSurvey, Program)
            .join(PulseSurvey, PulseSurvey.id == PulseWave.survey_id)
            .join(Program, Program.id == PulseSurvey.program_id)
            .where(
                PulseWave.closed_at.is_(None),
                PulseWave.closes_at > now,
                PulseWave.token_key.is_not(None),
                PulseWave.reminded_at.is_(None),
                PulseSurvey.reminder.is_(True),
            )
            .order_by(PulseWave.id)
        ).all()
        reminded = 0
        for wave, survey, program in waves:
            reminded += self._remind_wave(session, wave, survey, program, now)
        return reminded

    def _remind_wave(
        self,
        session: Session,
        wave: PulseWave,
        survey: PulseSurvey,
        program: Program,
        now: datetime,
    ) -> int:
        cadence = cadence_of(program)
        invitations = list(
            session.scalars(
                sa.select(PulseInvitation)
                .where(PulseInvitation.wave_id == wave.id)
                .order_by(PulseInvitation.user_id)
            )
        )
        people = _people(session, {(i.team_id, i.user_id) for i in invitations})
        due: list[PulseInvitation] = []
        pending = False
        for invitation in invitations:
            person = people.get((invitation.team_id, invitation.user_id))
            if person is None:
                continue
            remind = reminder_due(invitation.due_at, wave.closes_at, person.timezone, cadence)
            if remind is None or now >= remind + SEND_WINDOW:
                continue  # too short a window, or its morning passed while nothing ran
            if now < remind or not in_window(now, person.timezone, cadence):
                pending = True
                continue
            due.append(invitation)
        keys = _existing_keys(
            session,
            [invitation_key(wave.id, i.user_id) for i in due]
            + [reminder_key(wave.id, i.user_id) for i in due],
        )
        members = _memberships(session, {(program.id, i.user_id) for i in due})
        reminded = 0
        notice = _notice(wave, survey, program)
        for invitation in due:
            person = people[(invitation.team_id, invitation.user_id)]
            membership = members.get((program.id, invitation.user_id))
            if (
                invitation_key(wave.id, invitation.user_id) not in keys
                or reminder_key(wave.id, invitation.user_id) in keys
                or person.inactive
                or person.is_paused(now)
                or membership is None
                or membership.status != MembershipStatus.ACTIVE
                or ballots.has_answered(session, wave, invitation.user_id)
            ):
                continue
            key = reminder_key(wave.id, invitation.user_id)
            _dm(session, invitation, messages.reminder(notice), key=key, now=now)
            reminded += 1
        if not pending:
            wave.reminded_at = now  # every invitee's morning has passed: the wave is done with
        return reminded

    # -- answering ------------------------------------------------------------------------

    def form(self, team_id: str, user_id: str, wave_id: int) -> AnswerForm:
        """The questions of a wave this person may still answer; refuses politely otherwise."""
        now = self._clock.now()
        with self._db.session() as session:
            wave, survey, program = self._answerable(session, team_id, user_id, wave_id, now)
            return AnswerForm(
                wave_id=wave.id,
                survey_name=survey.name,
                program_name=program.name,
                questions=tuple(Question.from_json(q) for q in survey.questions),
                closes_at=wave.closes_at,
                min_answers=answer_threshold(survey),
            )

    def answer(
        self, team_id: str, user_id: str, wave_id: int, values: Mapping[str, object]
    ) -> None:
        """Store one person's answers, anonymously, in one transaction; refuse a second time.

        Raises FormErrors for answers out of bounds, WaveClosed, AlreadyAnswered, or
        UserFacingError for a wave that wasn't sent to them.
        """
        now = self._clock.now()
        with self._db.session() as session:
            wave, survey, program = self._answerable(session, team_id, user_id, wave_id, now)
            questions = [Question.from_json(q) for q in survey.questions]
            answers = parse_answers(questions, values)
            role = session.scalar(
                sa.select(Membership.role).where(
                    Membership.program_id == program.id, Membership.user_id == user_id
                )
            )
            ballots.cast(
                session,
                wave,
                user_id=user_id,
                role=role.value if role is not None else None,
                answers=answers,
                now=now,
            )

    @staticmethod
    def _answerable(
        session: Session, team_id: str, user_id: str, wave_id: int, now: datetime
    ) -> tuple[PulseWave, PulseSurvey, Program]:
        wave = session.get(PulseWave, wave_id)
        survey = session.get(PulseSurvey, wave.survey_id) if wave else None
        program = session.get(Program, survey.program_id) if survey else None
        if wave is None or survey is None or program is None or wave.team_id != team_id:
            raise UserFacingError("That pulse no longer exists.")
        if not ballots.is_open(wave, now):
            raise ballots.WaveClosed(
                "This pulse has closed, so it takes no more answers. Thank you!"
            )
        if session.get(PulseInvitation, (wave.id, user_id)) is None:
            raise UserFacingError("This pulse wasn't sent to you, so it can't take your answers.")
        if ballots.has_answered(session, wave, user_id):
            raise ballots.AlreadyAnswered(
                "You've already answered this pulse; each person answers once. Thank you!"
            )
        return wave, survey, program


def _notice(wave: PulseWave, survey: PulseSurvey, program: Program) -> WaveNotice:
    return WaveNotice(
        wave_id=wave.id,
        number=wave.number,
        survey_name=survey.name,
        program_name=program.name,
        question_count=len(survey.questions or []),
        closes_at=wave.closes_at,
        min_answers=answer_threshold(survey),
    )


def _dm(
    session: Session,
    invitation: PulseInvitation,
    message: tuple[str, list[dict[str, Any]]],
    *,
    key: str,
    now: datetime,
) -> None:
    """A wave's DM to one invitee, in the bulk lane: a wave asks a whole program at once."""
    text, blocks = message
    enqueue(
        session,
        team_id=invitation.team_id,
        key=key,
        recipients=[invitation.user_id],
        text=text,
        blocks=blocks,
        now=now,
        priority=Priority.BULK,
    )


def _existing_keys(session: Session, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    unique = sorted(set(keys))
    for i in range(0, len(unique), CHUNK):
        found.update(
            session.scalars(
                sa.select(OutboxMessage.key).where(OutboxMessage.key.in_(unique[i : i + CHUNK]))
            )
        )
    return found


def _people(session: Session, ids: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Person]:
    wanted = sorted(set(ids))
    found: dict[tuple[str, str], Person] = {}
    for i in range(0, len(wanted), CHUNK):
        chunk = wanted[i : i + CHUNK]
        for person in session.scalars(
            sa.select(Person).where(sa.tuple_(Person.team_id, Person.user_id).in_(chunk))
        ):
            found[(person.team_id, person.user_id)] = person
    return found


def _memberships(
    session: Session, ids: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], Membership]:
    wanted = sorted(set(ids))
    found: dict[tuple[int, str], Membership] = {}
    for i in range(0, len(wanted), CHUNK):
        chunk = wanted[i : i + CHUNK]
        for membership in session.scalars(
            sa.select(Membership).where(
                sa.tuple_(Membership.program_id, Membership.user_id).in_(chunk)
            )
        ):
            found[(membership.program_id, membership.user_id)] = membership
    return found
