"""Programs: creating, editing, listing and finding them by name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.access import Access
from bot.blocks import clip
from bot.clock import Clock
from bot.db import Database
from bot.errors import NotAllowed, ProgramNotFound
from bot.membership.messages import program_saved_text
from bot.slack.delivery import Priority, enqueue
from bot.slack.people import PeopleDirectory
from models import Membership, MembershipStatus, Person, Program, ProgramOwner
from models.forms import FormErrors, ProgramInput, name_key


@dataclass(frozen=True)
class ProgramCounts:
    active: int = 0
    paused: int = 0
    left: int = 0


@dataclass(frozen=True)
class ProgramSummary:
    program: Program
    counts: ProgramCounts


def paused_now(now: datetime) -> sa.ColumnElement[bool]:
    """SQL for "this person is paused at ``now``", mirroring :meth:`Person.is_paused`."""
    return sa.and_(
        Person.paused.is_(True),
        sa.or_(Person.paused_until.is_(None), Person.paused_until > now),
    )


class ProgramService:
    def __init__(self, db: Database, clock: Clock, access: Access, people: PeopleDirectory) -> None:
        self._db = db
        self._clock = clock
        self._access = access
        self._people = people

    def summaries(self, team_id: str) -> list[ProgramSummary]:
        """Every program of the workspace with its head counts, in one grouped query."""
        now = self._clock.now()
        is_left = Membership.status == MembershipStatus.LEFT
        is_paused = sa.and_(~is_left, paused_now(now))
        counts = (
            sa.select(
                Membership.program_id,
                sa.func.sum(sa.case((is_left, 1), else_=0)).label("left"),
                sa.func.sum(sa.case((is_paused, 1), else_=0)).label("paused"),
                sa.func.count().label("total"),
            )
            .join(
                Person,
                sa.and_(Person.team_id == Membership.team_id, Person.user_id == Membership.user_id),
            )
            .where(Membership.team_id == team_id)
            .group_by(Membership.program_id)
        )
        with self._db.session() as session:
            programs = self._all(session, team_id)
            by_program = {row.program_id: row for row in session.execute(counts)}
        summaries = []
        for program in programs:
            row = by_program.get(program.id)
            if row is None:
                summaries.append(ProgramSummary(program, ProgramCounts()))
                continue
            left, paused = int(row.left or 0), int(row.paused or 0)
            active = int(row.total) - left - paused
            summaries.append(ProgramSummary(program, ProgramCounts(active, paused, left)))
        return summaries

    def team_ids(self) -> list[str]:
        """Every workspace with a program (one, until multi-workspace installs arrive)."""
        with self._db.session() as session:
            return list(session.scalars(sa.select(Program.team_id).distinct()))

    def programs(self, team_id: str) -> list[Program]:
        with self._db.session() as session:
            return self._all(session, team_id)

    def check_can_edit(self, team_id: str, actor_id: str, program: Program | None) -> None:
        """Refuse before a form opens: creating needs an admin, editing an admin or owner."""
        if program is None:
            if not self._access.is_admin(team_id, actor_id):
                raise NotAllowed("Creating programs is for Sprout admins.")
        elif not self._access.can_run(team_id, actor_id, program):
            raise NotAllowed(f"Only admins and owners of “{program.name}” can edit it.")

    def can_run(self, team_id: str, actor_id: str, program: Program) -> bool:
        return self._access.can_run(team_id, actor_id, program)

    def get(self, team_id: str, program_id: int) -> Program:
        with self._db.session() as session:
            program = session.get(Program, program_id)
            if program is None or program.team_id != team_id:
                raise ProgramNotFound("That program no longer exists.")
            return program

    def resolve(
        self, team_id: str, name: str | None, *, among: list[Program] | None = None
    ) -> Program:
        """The program a command means: by name, or the only one when there is just one.

        ``among`` narrows the choice to some programs, such as the ones a person is in.
        """
        programs = self.programs(team_id) if among is None else among
        shown = clip(name or "", 60)
        if not programs:
            raise ProgramNotFound(
                "There are no programs yet. An admin can create one with `/mentor program new`."
                if among is None
                else "You're not in any program. `/mentor join` to take part."
            )
        if name:
            key = name_key(name)
            for program in programs:
                if program.name_key == key:
                    return program
            if among is None:
                raise ProgramNotFound(
                    f"I don't know a program called “{shown}”. Programs: {_names(programs)}."
                )
            raise ProgramNotFound(
                f"You're not in a program called “{shown}”. Yours: {_names(programs)}."
            )
        if len(programs) == 1:
            return programs[0]
        raise ProgramNotFound(f"Which program? Add its name: {_names(programs)}.")

    def create(
        self, team_id: str, actor_id: str, data: ProgramInput, *, submission: str | None = None
    ) -> Program:
        """A new program; only Sprout admins may create one."""
        if not self._access.is_admin(team_id, actor_id):
            raise NotAllowed("Creating programs is for Sprout admins.")
        self._check_channel(data)
        now = self._clock.now()
        with self._db.session() as session:
            self._ensure_name_free(session, team_id, data, program_id=None)
            program = Program(team_id=team_id, created_at=now, updated_at=now)
            self._apply(program, team_id, data)
            session.add(program)
            session.flush()
            self._tell_saved(session, program, actor_id, created=True, now=now, key=submission)
            return program

    def update(
        self,
        team_id: str,
        actor_id: str,
        program_id: int,
        data: ProgramInput,
        *,
        submission: str | None = None,
    ) -> Program:
        """Change a program's settings; admins and the program's owners may."""
        with self._db.session() as session:
            program = session.get(Program, program_id)
            if program is None or program.team_id != team_id:
                raise ProgramNotFound("That program no longer exists.")
            if not self._access.can_run(team_id, actor_id, program):
                raise NotAllowed(f"Only admins and owners of “{program.name}” can edit it.")
            self._check_channel(data)
            self._ensure_name_free(session, team_id, data, program_id=program_id)
            if program.kind is not data.kind and program.memberships:
                raise FormErrors(
                    {"kind": "People have joined already; the kind can't change any more."}
                )
            self._apply(program, team_id, data)
            program.updated_at = self._clock.now()
            self._tell_saved(
                session, program, actor_id, created=False, now=program.updated_at, key=submission
            )
            return program

    @staticmethod
    def _tell_saved(
        session: Session,
        program: Program,
        actor_id: str,
        *,
        created: bool,
        now: datetime,
        key: str | None,
    ) -> None:
        enqueue(
            session,
            team_id=program.team_id,
            key=f"program-saved:{program.id}:{key or f'{now.timestamp():.6f}'}",
            recipients=[actor_id],
            text=program_saved_text(program, created),
            now=now,
            priority=Priority.REPLY,
        )

    def _check_channel(self, data: ProgramInput) -> None:
        if data.channel_id and not self._people.can_see_channel(data.channel_id):
            raise FormErrors(
                {"channel_id": "Sprout can't see who is in that channel: invite @Sprout to it."}
            )

    @staticmethod
    def _apply(program: Program, team_id: str, data: ProgramInput) -> None:
        program.name = data.name
        program.name_key = data.name_key
        program.kind = data.kind
        program.description = data.description
        program.cadence = data.cadence
        program.weekday = data.weekday
        program.local_time = data.local_time
        program.timezone = data.timezone
        program.channel_id = data.channel_id
        program.settings = data.settings.model_dump()
        wanted = list(dict.fromkeys(data.owners))
        program.owners = [o for o in program.owners if o.user_id in wanted]
        have = set(program.owner_ids)
        program.owners.extend(
            ProgramOwner(user_id=user_id, team_id=team_id)
            for user_id in wanted
            if user_id not in have
        )

    @staticmethod
    def _ensure_name_free(
        session: Session, team_id: str, data: ProgramInput, program_id: int | None
    ) -> None:
        clash = session.scalar(
            sa.select(Program.id).where(
                Program.team_id == team_id, Program.name_key == data.name_key
            )
        )
        if clash is not None and clash != program_id:
            raise FormErrors({"name": "A program with this name exists already."})

    @staticmethod
    def _all(session: Session, team_id: str) -> list[Program]:
        query = sa.select(Program).where(Program.team_id == team_id).order_by(Program.name_key)
        return list(session.scalars(query))


def _names(programs: list[Program]) -> str:
    return ", ".join(f"“{program.name}”" for program in programs)
