"""Programs: creating, editing, listing and finding them by name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.db import Database
from bot.errors import ProgramNotFound
from models import Membership, MembershipStatus, Person, Program, ProgramOwner
from models.forms import FormErrors, ProgramInput


@dataclass(frozen=True)
class ProgramCounts:
    active: int = 0
    paused: int = 0
    left: int = 0

    @property
    def participants(self) -> int:
        return self.active + self.paused


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
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

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

    def programs(self, team_id: str) -> list[Program]:
        with self._db.session() as session:
            return self._all(session, team_id)

    def get(self, team_id: str, program_id: int) -> Program:
        with self._db.session() as session:
            program = session.get(Program, program_id)
            if program is None or program.team_id != team_id:
                raise ProgramNotFound("That program no longer exists.")
            return program

    def resolve(self, team_id: str, name: str | None) -> Program:
        """The program a command means: by name, or the only one when there is just one."""
        programs = self.programs(team_id)
        if not programs:
            raise ProgramNotFound(
                "There are no programs yet. An admin can create one with `/mentor program new`."
            )
        if name:
            key = " ".join(name.split()).casefold()
            for program in programs:
                if program.name_key == key:
                    return program
            raise ProgramNotFound(
                f"I don't know a program called “{name}”. Programs: {_names(programs)}."
            )
        if len(programs) == 1:
            return programs[0]
        raise ProgramNotFound(f"Which program? Add its name: {_names(programs)}.")

    def create(self, team_id: str, data: ProgramInput) -> Program:
        now = self._clock.now()
        with self._db.session() as session:
            self._ensure_name_free(session, team_id, data, program_id=None)
            program = Program(team_id=team_id, created_at=now, updated_at=now)
            self._apply(program, team_id, data)
            session.add(program)
            session.flush()
            return program

    def update(self, team_id: str, program_id: int, data: ProgramInput) -> Program:
        with self._db.session() as session:
            program = session.get(Program, program_id)
            if program is None or program.team_id != team_id:
                raise ProgramNotFound("That program no longer exists.")
            self._ensure_name_free(session, team_id, data, program_id=program_id)
            if program.kind is not data.kind and program.memberships:
                raise FormErrors(
                    {"kind": "People have joined already; the kind can't change any more."}
                )
            self._apply(program, team_id, data)
            program.updated_at = self._clock.now()
            return program

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
