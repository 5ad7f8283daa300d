"""Check-ins: planning and sending them, the single reminder, answers, help requests, digests.

Each side of a mentoring pair gets its own check-ins on the program's cadence, at a working
morning in their own time zone (bot.checkins.schedule does the arithmetic). One standing job
does the work in three set-based passes:

1. *plan*: every active side without a waiting check-in gets a row for its next one;
2. *send*: due rows go out through the outbox (key ``checkin:<id>``) when it's a working
   morning where the person is; rows that are late (a pause, an outage, a new time zone) wait
   for the next such morning rather than arrive at night;
3. *remind*: an unanswered check-in gets one reminder, ``reminder_days`` later, on a working
   morning, and never a second.

Answers belong to the person: the partner never sees them, and owners see only the weekly
digest's totals and what someone writes in a help request.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from bot.checkins import messages
from bot.checkins.digest import (
    DigestWeek,
    already_sent,
    compile_digest,
    digest_key,
    digest_week,
    usefulness_final,
)
from bot.checkins.forms import CheckInAnswer
from bot.checkins.schedule import (
    MIN_GAP,
    SEND_WINDOW,
    Cadence,
    in_window,
    next_check_in,
    next_window,
    reminder_at,
)
from bot.clock import Clock
from bot.db import Database, each_in_own_transaction
from bot.errors import NotAllowed, UserFacingError
from bot.prompts.library import draw_for_pair
from bot.slack.delivery import Priority, enqueue
from bot.slack.people import PeopleDirectory
from models import (
    Agreement,
    CheckIn,
    Goal,
    GoalProgress,
    GoalProgressLevel,
    GoalStatus,
    MeetingAnswer,
    Membership,
    MembershipStatus,
    Mentorship,
    Person,
    Program,
    ProgramKind,
    Prompt,
)
from models.forms import FormErrors
from models.settings import ProgramSettings

log = logging.getLogger(__name__)
T = TypeVar("T")

#: A side of a pair to plan for: mentorship, team, user, start, term's end, zone, settings.
_Side = tuple[int, str, str, datetime, datetime, str, Any]
#: What a pass did with a due check-in.
SENT, RETIMED = "sent", "retimed"
#: Reminders are looked for among check-ins sent at most this long ago.
REMIND_WITHIN = timedelta(days=14)
#: The partner's prompt for the same check-in number is shared if theirs went out this recently.
SHARE_PROMPT_WITHIN = timedelta(days=7)
#: Ids per IN (...) list, well inside SQLite's and PostgreSQL's limits.
CHUNK = 500
USEFULNESS_FINAL = (
    "Your rating for this check-in is final: it counts in the program's figures for the week "
    "you first answered, which is over. Your other answers can still change."
)


def cadence_of(settings: ProgramSettings) -> Cadence:
    return Cadence(
        first_month=settings.checkin_first_month,
        every_weeks=settings.checkin_every_weeks,
        local_hour=settings.checkin_local_hour,
        reminder_days=settings.reminder_days,
    )


@dataclass(frozen=True)
class GoalView:
    id: int
    what: str
    progress: GoalProgressLevel | None


@dataclass(frozen=True)
class CheckInView:
    """One person's check-in as they may see it; never shown to anyone else."""

    id: int
    program_name: str
    partner_id: str
    number: int
    prompt: str | None
    met: MeetingAnswer | None
    usefulness: int | None
    note: str | None
    goals: list[GoalView] = field(default_factory=list)
    help_requested: bool = False
    #: Help was asked for just now, but nobody outside the pair could be asked: not sent.
    help_unsent: bool = False
    #: The usefulness rating can no longer be given or changed (its answer week is over).
    usefulness_final: bool = False

    @property
    def first(self) -> bool:
        return self.number == 1


@dataclass
class Tally:
    """What one pass of the check-in job did, for the log."""

    planned: int = 0
    sent: int = 0
    retimed: int = 0
    reminded: int = 0


class CheckInService:
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
        #: Who hears help requests and gets digests when a program has no owners.
        self._admins = sorted(admins)
        #: Program id -> the week whose digest is settled (queued, or nothing to report), so
        #: the quarter-hourly job looks at each program once a week. Lost on a restart, when
        #: the outbox answers instead.
        self._digests_settled: dict[int, str] = {}

    # -- the standing job ---------------------------------------------------------------

    def run_due(self) -> Tally:
        """Plan, send and remind: one pass of the job, idempotent however often it runs.

        Each pair's planning and each check-in's sending or reminder is a transaction of its
        own: a row that fails (settings that no longer parse, a message Slack's limits refuse)
        is logged by id and error type and left for the next pass, and the rest go out.
        """
        now = self._clock.now()
        tally = Tally()
        tally.planned = self._plan(now)
        for outcome in self._each("sending", self._due(now), lambda s, i: self._send(s, i, now)):
            tally.sent += outcome == SENT
            tally.retimed += outcome == RETIMED
        reminders = self._each(
            "reminder", self._reminders_due(now), lambda s, i: self._remind(s, i, now)
        )
        tally.reminded = sum(reminders)
        return tally

    def _each(self, what: str, ids: Iterable[int], work: Callable[[Session, int], T]) -> list[T]:
        """``work`` on each id in a transaction of its own; one failing doesn't stop the rest.

        A failure is logged by id and type only: rows hold people's answers.
        """
        return each_in_own_transaction(
            self._db, ids, work, log=log, failure=f"check-in {what} for %d"
        )

    def _plan(self, now: datetime) -> int:
        """Give every active side of a pair without a waiting check-in a row for its next one."""
        with self._db.session() as session:
            sides = self._sides_to_plan(session, now)
            last = self._last_sent(session, sorted({s[0] for s in sides}))
        by_pair: dict[int, list[_Side]] = defaultdict(list)
        for side in sides:
            by_pair[side[0]].append(side)

        def plan_pair(session: Session, mentorship_id: int) -> int:
            planned = 0
            for m_id, team_id, user_id, started, ends, timezone, settings in by_pair[mentorship_id]:
                cadence = cadence_of(ProgramSettings.of(settings))
                number, sent_at = last.get((m_id, user_id), (0, None))
                after = started if sent_at is None else sent_at + MIN_GAP
                # A slot that passed moments ago (a pair formed mid-morning) still counts.
                due = next_check_in(
                    started, timezone, cadence, not_before=max(after, now - SEND_WINDOW), ends=ends
                )
                if due is None:
                    continue  # no check-in left before the term ends
                session.add(
                    CheckIn(
                        team_id=team_id,
                        mentorship_id=m_id,
                        user_id=user_id,
                        number=number + 1,
                        due_at=due,
                    )
                )
                planned += 1
            return planned

        return sum(self._each("planning", sorted(by_pair), plan_pair))

    @staticmethod
    def _sides_to_plan(session: Session, now: datetime) -> list[_Side]:
        """Each active side of a pair with no check-in waiting, and what planning needs."""
        sides: list[_Side] = []
        for side in (Mentorship.mentor_id, Mentorship.mentee_id):
            waiting = (
                sa.select(CheckIn.id)
                .where(
                    CheckIn.mentorship_id == Mentorship.id,
                    CheckIn.user_id == side,
                    CheckIn.sent_at.is_(None),
                )
                .exists()
            )
            rows = session.execute(
                sa.select(
                    Mentorship.id,
                    Mentorship.team_id,
                    side,
                    Mentorship.started_at,
                    Mentorship.term_ends_at,
                    Person.timezone,
                    Program.settings,
                )
                .join(Program, Program.id == Mentorship.program_id)
                .join(
                    Person,
                    sa.and_(Person.team_id == Mentorship.team_id, Person.user_id == side),
                )
                .join(
                    Membership,
                    sa.and_(
                        Membership.program_id == Mentorship.program_id,
                        Membership.user_id == side,
                    ),
                )
                .where(
                    Mentorship.ended_at.is_(None),
                    Mentorship.term_ends_at > now,
                    Program.kind == ProgramKind.MENTORING,
                    Membership.status == MembershipStatus.ACTIVE,
                    Person.inactive.is_(False),
                    ~waiting,
                )
            )
            sides.extend(tuple(row) for row in rows)
        return sides

    @staticmethod
    def _last_sent(
        session: Session, mentorship_ids: Sequence[int]
    ) -> dict[tuple[int, str], tuple[int, datetime | None]]:
        last: dict[tuple[int, str], tuple[int, datetime | None]] = {}
        for i in range(0, len(mentorship_ids), CHUNK):
            for m_id, user_id, number, sent_at in session.execute(
                sa.select(
                    CheckIn.mentorship_id,
                    CheckIn.user_id,
                    sa.func.max(CheckIn.number),
                    sa.func.max(CheckIn.sent_at),
                )
                .where(CheckIn.mentorship_id.in_(mentorship_ids[i : i + CHUNK]))
                .group_by(CheckIn.mentorship_id, CheckIn.user_id)
            ):
                last[(m_id, user_id)] = (int(number), sent_at)
        return last

    @staticmethod
    def _with_side() -> sa.Select[CheckIn, Mentorship, Person, Program]:
        """Check-ins with their pair, person and program, joined to the person's membership of
        the program so a query can ask that it's still active."""
        return (
            sa.select(CheckIn, Mentorship, Person, Program)
            .join(Mentorship, Mentorship.id == CheckIn.mentorship_id)
            .join(Program, Program.id == Mentorship.program_id)
            .join(
                Person,
                sa.and_(Person.team_id == CheckIn.team_id, Person.user_id == CheckIn.user_id),
            )
            .join(
                Membership,
                sa.and_(
                    Membership.program_id == Mentorship.program_id,
                    Membership.user_id == CheckIn.user_id,
                ),
            )
        )

    @staticmethod
    def _sendable(now: datetime) -> sa.Select[CheckIn, Mentorship, Person, Program]:
        """Check-ins due by ``now`` whose side is still in a running pair, with what sending
        needs."""
        return CheckInService._with_side().where(
            CheckIn.sent_at.is_(None),
            CheckIn.due_at <= now,
            Mentorship.ended_at.is_(None),
            # A check-in held up past the term's end stays unsent: the pair is over,
            # even if the job that ends pairs hasn't come round yet.
            Mentorship.term_ends_at > now,
            Membership.status == MembershipStatus.ACTIVE,
        )

    def _due(self, now: datetime) -> list[int]:
        with self._db.session() as session:
            query = self._sendable(now).with_only_columns(CheckIn.id)
            return list(session.scalars(query.order_by(CheckIn.due_at, CheckIn.id)))

    def _send(self, session: Session, check_in_id: int, now: datetime) -> str | None:
        """Send the check-in if it's a working morning where the person is; else move it to
        the next one."""
        row = session.execute(self._sendable(now).where(CheckIn.id == check_in_id)).first()
        if row is None:
            return None  # sent, or no longer due, since the pass began
        check_in, mentorship, person, program = row
        cadence = cadence_of(ProgramSettings.of(program.settings))
        if person.inactive or person.is_paused(now):
            # Back on the first working morning after the pause, not at midnight.
            back = person.paused_until if person.paused and person.paused_until else now
            check_in.due_at = next_window(max(back, now), person.timezone, cadence)
            return RETIMED
        if not in_window(now, person.timezone, cadence):
            check_in.due_at = next_window(now, person.timezone, cadence)
            return RETIMED
        prompt = self._prompt(session, check_in, now)
        check_in.prompt_key = prompt.key if prompt else None
        check_in.sent_at = now
        goals = self._open_goals(session, [mentorship.id]).get(mentorship.id, [])
        view = _view(check_in, mentorship, program, prompt, goals, {})
        text, blocks = messages.check_in_dm(view)
        enqueue(
            session,
            team_id=check_in.team_id,
            key=f"checkin:{check_in.id}",
            recipients=[check_in.user_id],
            text=text,
            blocks=blocks,
            now=now,
        )
        return SENT

    @staticmethod
    def _prompt(session: Session, check_in: CheckIn, now: datetime) -> Prompt | None:
        """This check-in's prompt: the partner's for the same check-in if it just went out
        (so the two can talk about it), else the pair's next one, light to deep, never repeated.
        """
        shared = session.scalar(
            sa.select(CheckIn.prompt_key).where(
                CheckIn.mentorship_id == check_in.mentorship_id,
                CheckIn.number == check_in.number,
                CheckIn.user_id != check_in.user_id,
                CheckIn.prompt_key.is_not(None),
                CheckIn.sent_at >= now - SHARE_PROMPT_WITHIN,
            )
        )
        if shared is not None:
            prompt = session.get(Prompt, shared)
            if prompt is not None:
                return prompt
        try:
            return draw_for_pair(
                session,
                team_id=check_in.team_id,
                mentorship_id=check_in.mentorship_id,
                stage="regular",
                now=now,
                rng=random.Random(f"{check_in.mentorship_id}:{check_in.number}"),
            )
        except LookupError:
            return None  # no check-in prompts in the library: the questions go out alone

    @staticmethod
    def _remindable(now: datetime) -> sa.Select[CheckIn, Mentorship, Person, Program]:
        """Unanswered, unreminded check-ins of running pairs, sent between a day and
        :data:`REMIND_WITHIN` ago, with no later one sent since."""
        later = aliased(CheckIn)
        superseded = (
            sa.select(later.id)
            .where(
                later.mentorship_id == CheckIn.mentorship_id,
                later.user_id == CheckIn.user_id,
                later.number > CheckIn.number,
                later.sent_at.is_not(None),
            )
            .exists()
        )
        return CheckInService._with_side().where(
            CheckIn.sent_at.is_not(None),
            CheckIn.sent_at <= now - timedelta(days=1),
            CheckIn.sent_at > now - REMIND_WITHIN,
            CheckIn.answered_at.is_(None),
            CheckIn.reminded_at.is_(None),
            Mentorship.ended_at.is_(None),
            Mentorship.term_ends_at > now,
            Membership.status == MembershipStatus.ACTIVE,
            Person.inactive.is_(False),
            ~superseded,
        )

    def _reminders_due(self, now: datetime) -> list[int]:
        """Ids of check-ins whose one reminder is due now, on a working morning."""
        due: list[int] = []
        with self._db.session() as session:
            rows = session.execute(
                self._remindable(now).order_by(CheckIn.sent_at, CheckIn.id)
            ).all()
            for check_in, _, person, program in rows:
                try:
                    if self._reminder_due_now(check_in, person, program, now):
                        due.append(check_in.id)
                except Exception as error:  # one bad row must not hold up the others
                    log.error(
                        "check-in reminder for %d failed: %s", check_in.id, type(error).__name__
                    )
        return due

    @staticmethod
    def _reminder_due_now(
        check_in: CheckIn, person: Person, program: Program, now: datetime
    ) -> bool:
        cadence = cadence_of(ProgramSettings.of(program.settings))
        assert check_in.sent_at is not None  # the query asks for sent check-ins
        due = reminder_at(check_in.sent_at, person.timezone, cadence)
        if due is None or now < due or person.is_paused(now):
            return False
        return in_window(now, person.timezone, cadence)

    def _remind(self, session: Session, check_in_id: int, now: datetime) -> int:
        """The one reminder for an unanswered check-in; never a second."""
        row = session.execute(self._remindable(now).where(CheckIn.id == check_in_id)).first()
        if row is None:
            return 0  # answered or reminded since the pass began
        check_in, mentorship, _, program = row
        prompt = session.get(Prompt, check_in.prompt_key) if check_in.prompt_key else None
        view = _view(check_in, mentorship, program, prompt, [], {})
        text, blocks = messages.reminder_dm(view)
        enqueue(
            session,
            team_id=check_in.team_id,
            key=f"checkin-reminder:{check_in.id}",
            recipients=[check_in.user_id],
            text=text,
            blocks=blocks,
            now=now,
        )
        check_in.reminded_at = now
        return 1

    @staticmethod
    def _open_goals(session: Session, mentorship_ids: Iterable[int]) -> dict[int, list[Goal]]:
        ids = sorted(mentorship_ids)
        goals: dict[int, list[Goal]] = defaultdict(list)
        for i in range(0, len(ids), CHUNK):
            for goal in session.scalars(
                sa.select(Goal)
                .where(
                    Goal.mentorship_id.in_(ids[i : i + CHUNK]),
                    Goal.status == GoalStatus.OPEN,
                    _agreed(),
                )
                .order_by(Goal.mentorship_id, Goal.position, Goal.id)
            ):
                goals[goal.mentorship_id].append(goal)
        return goals

    # -- answers ------------------------------------------------------------------------

    def record_met(
        self, team_id: str, user_id: str, check_in_id: int, met: MeetingAnswer
    ) -> CheckInView:
        """The one-tap answer: did you meet since the last check-in?"""
        now = self._clock.now()
        with self._db.session() as session:
            check_in, mentorship, program = self._own(session, team_id, user_id, check_in_id)
            check_in.met = met
            if check_in.answered_at is None:
                check_in.answered_at = now
            return self._view_of(session, check_in, mentorship, program, now)

    def view(self, team_id: str, user_id: str, check_in_id: int) -> CheckInView:
        """The person's check-in with their answers so far, to fill the modal."""
        now = self._clock.now()
        with self._db.session() as session:
            check_in, mentorship, program = self._own(session, team_id, user_id, check_in_id)
            return self._view_of(session, check_in, mentorship, program, now)

    def answer(
        self,
        team_id: str,
        user_id: str,
        check_in_id: int,
        answer: CheckInAnswer,
        *,
        submission: str,
    ) -> CheckInView:
        """Store the modal's answers on this check-in alone; pass a help request on.

        ``submission`` (the modal's view id) keys the help DMs, so Slack retrying a
        submission doesn't ask the owners twice, while a later request still reaches them.
        The usefulness rating is refused once the week of the first answer is over, since
        the owners' digest may have shown that week's figure; the rest may still change.
        """
        # Who hears a help request is settled first: finding admins may ask Slack, which
        # must not happen while the answer's transaction holds its locks.
        helpers = self._helpers(team_id, user_id, check_in_id) if answer.help else []
        now = self._clock.now()
        with self._db.session() as session:
            check_in, mentorship, program = self._own(session, team_id, user_id, check_in_id)
            if not usefulness_final(check_in.answered_at, program, now):
                check_in.usefulness = answer.usefulness
            elif answer.usefulness not in (None, check_in.usefulness):
                raise FormErrors({"usefulness": USEFULNESS_FINAL})
            check_in.met = answer.met
            check_in.note = answer.note or None
            if check_in.answered_at is None:
                check_in.answered_at = now
            goals = set(
                session.scalars(
                    sa.select(Goal.id).where(Goal.mentorship_id == mentorship.id, _agreed())
                )
            )
            for goal_id, level in answer.progress.items():
                if goal_id not in goals:
                    continue  # a goal removed since the form opened
                row = session.get(GoalProgress, (check_in.id, goal_id))
                if row is None:
                    session.add(
                        GoalProgress(
                            check_in_id=check_in.id,
                            goal_id=goal_id,
                            team_id=team_id,
                            progress=level,
                        )
                    )
                else:
                    row.progress = level
            if answer.help and helpers:
                check_in.help_requested_at = now
                text, blocks = messages.help_request(program, user_id, answer.help_text)
                for helper in helpers:
                    enqueue(
                        session,
                        team_id=team_id,
                        key=f"help:{check_in.id}:{submission}:{helper}",
                        recipients=[helper],
                        text=text,
                        blocks=blocks,
                        now=now,
                    )
                log.info("help requested on check-in %d of program %d", check_in.id, program.id)
            elif answer.help:
                log.info("help on check-in %d had nobody outside the pair to go to", check_in.id)
            session.flush()
            view = self._view_of(session, check_in, mentorship, program, now)
            return replace(view, help_unsent=answer.help and not helpers)

    def _own(
        self, session: Session, team_id: str, user_id: str, check_in_id: int
    ) -> tuple[CheckIn, Mentorship, Program]:
        """The check-in, if it is this person's and its pair is still going."""
        check_in = session.get(CheckIn, check_in_id)
        if check_in is None or check_in.team_id != team_id or check_in.sent_at is None:
            raise UserFacingError("That check-in no longer exists.")
        if check_in.user_id != user_id:
            raise NotAllowed("That check-in is someone else's: only they can answer it.")
        mentorship = session.get(Mentorship, check_in.mentorship_id)
        program = session.get(Program, mentorship.program_id) if mentorship else None
        if mentorship is None or program is None:
            raise UserFacingError("That check-in no longer exists.")
        if mentorship.ended_at is not None:
            raise UserFacingError(
                "That mentorship has ended, so its check-ins are closed. Thank you for it!"
            )
        return check_in, mentorship, program

    @staticmethod
    def _view_of(
        session: Session,
        check_in: CheckIn,
        mentorship: Mentorship,
        program: Program,
        now: datetime,
    ) -> CheckInView:
        prompt = session.get(Prompt, check_in.prompt_key) if check_in.prompt_key else None
        goals = list(
            session.scalars(
                sa.select(Goal)
                .where(
                    Goal.mentorship_id == mentorship.id,
                    Goal.status == GoalStatus.OPEN,
                    _agreed(),
                )
                .order_by(Goal.position, Goal.id)
            )
        )
        progress = {
            row.goal_id: row.progress
            for row in session.scalars(
                sa.select(GoalProgress).where(GoalProgress.check_in_id == check_in.id)
            )
        }
        view = _view(check_in, mentorship, program, prompt, goals, progress)
        return replace(view, usefulness_final=usefulness_final(check_in.answered_at, program, now))

    def _helpers(self, team_id: str, user_id: str, check_in_id: int) -> list[str]:
        """Who hears this person's help request: never either side of their pair.

        The program's owners outside the pair; failing them, Sprout's admins (SPROUT_ADMINS
        and the workspace's own admins) outside the pair; failing those, nobody.
        """
        with self._db.session() as session:
            _, mentorship, program = self._own(session, team_id, user_id, check_in_id)
            pair = {mentorship.mentor_id, mentorship.mentee_id}
            owners = set(program.owner_ids) - pair
        if owners:
            return sorted(owners)
        admins = set(self._admins) | {
            p.user_id
            for p in self._people.everyone(team_id).values()
            if p.is_workspace_admin and not p.deleted and not p.is_bot
        }
        return sorted(admins - pair)

    def _owners(self, program: Program) -> list[str]:
        """The program's owners; without any, Sprout's admins, then the workspace's."""
        if program.owner_ids:
            return sorted(program.owner_ids)
        if self._admins:
            return list(self._admins)
        return sorted(
            p.user_id
            for p in self._people.everyone(program.team_id).values()
            if p.is_workspace_admin and not p.deleted and not p.is_bot
        )

    # -- the owners' digest -------------------------------------------------------------

    def send_digests(self) -> int:
        """Each mentoring program's weekly digest to its owners, once per ISO week.

        The job runs every quarter hour; a program whose digest for the week is settled (queued,
        or nothing to report when it came due) isn't looked at again until the next week, and
        whether digests were queued is asked of the outbox in one query for all programs.
        """
        now = self._clock.now()
        with self._db.session() as session:
            due: list[tuple[Program, DigestWeek]] = []
            for program in session.scalars(
                sa.select(Program).where(Program.kind == ProgramKind.MENTORING).order_by(Program.id)
            ):
                week = digest_week(program, now)
                if week is not None and self._digests_settled.get(program.id) != week.key:
                    due.append((program, week))
            queued = already_sent(session, [(p.id, w.key) for p, w in due])
        sent = 0
        for program, week in due:
            try:
                if (program.id, week.key) not in queued:
                    sent += self._send_digest(program, week, now)
                self._digests_settled[program.id] = week.key
            except Exception as error:  # one program's trouble must not stop the others
                log.error("digest for program %d failed: %s", program.id, type(error).__name__)
        return sent

    def _send_digest(self, program: Program, week: DigestWeek, now: datetime) -> int:
        with self._db.session() as session:
            digest = compile_digest(session, program, week, now)
        if not digest.worth_sending:
            return 0
        owners = self._owners(program)  # may ask Slack: outside any transaction
        text, blocks = messages.digest(digest)
        with self._db.session() as session:
            sent = 0
            for owner in owners:
                sent += enqueue(
                    session,
                    team_id=program.team_id,
                    key=digest_key(program.id, week.key, owner),
                    recipients=[owner],
                    text=text,
                    blocks=blocks,
                    now=now,
                    priority=Priority.BULK,
                )
            return sent


def _agreed() -> sa.ColumnElement[bool]:
    """Goals whose pair has agreed them: a proposal's draft goals aren't asked about."""
    return Goal.mentorship_id.in_(
        sa.select(Agreement.mentorship_id).where(Agreement.accepted_at.is_not(None))
    )


def _view(
    check_in: CheckIn,
    mentorship: Mentorship,
    program: Program,
    prompt: Prompt | None,
    goals: Sequence[Goal],
    progress: dict[int, GoalProgressLevel],
) -> CheckInView:
    partner = (
        mentorship.mentee_id if check_in.user_id == mentorship.mentor_id else mentorship.mentor_id
    )
    return CheckInView(
        id=check_in.id,
        program_name=program.name,
        partner_id=partner,
        number=check_in.number,
        prompt=prompt.text if prompt else None,
        met=check_in.met,
        usefulness=check_in.usefulness,
        note=check_in.note,
        goals=[GoalView(g.id, g.what, progress.get(g.id)) for g in goals[:3]],
        help_requested=check_in.help_requested_at is not None,
    )
