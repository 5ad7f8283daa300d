"""Each person's most recent introduction per program, for their App Home."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from bot.db import Database
from models import Answer, Group, GroupMember, Round


@dataclass(frozen=True)
class LatestPairing:
    program_id: int
    round_number: int
    starts_at: datetime
    partner_ids: tuple[str, ...]
    answer: Answer | None


def latest_pairings(db: Database, team_id: str, user_id: str) -> dict[int, LatestPairing]:
    """The newest round in each program that introduced ``user_id``, with their own answer.

    One query for the person's groups (newest first) and one for their partners, so the Home
    tab costs the same however many rounds a person has been through.
    """
    mine = aliased(GroupMember)
    with db.session() as session:
        db_rows = session.execute(
            sa.select(Round.program_id, Round.number, Round.starts_at, mine.group_id, mine.answer)
            .join(Group, Group.round_id == Round.id)
            .join(mine, mine.group_id == Group.id)
            .where(mine.team_id == team_id, mine.user_id == user_id)
            .order_by(Round.program_id, Round.number.desc())
        ).all()
        newest: dict[int, tuple[int, datetime, int, Answer | None]] = {}
        for program_id, number, starts_at, group_id, answer in db_rows:
            newest.setdefault(program_id, (number, starts_at, group_id, answer))
        partners: dict[int, list[str]] = {}
        if newest:
            group_ids = [group_id for _, _, group_id, _ in newest.values()]
            for group_id, other in session.execute(
                sa.select(GroupMember.group_id, GroupMember.user_id)
                .where(GroupMember.group_id.in_(group_ids), GroupMember.user_id != user_id)
                .order_by(GroupMember.user_id)
            ):
                partners.setdefault(group_id, []).append(other)
        rows = [
            LatestPairing(program_id, number, starts_at, tuple(partners.get(group_id, [])), answer)
            for program_id, (number, starts_at, group_id, answer) in newest.items()
        ]
    return {pairing.program_id: pairing for pairing in rows}
