"""Casting and closing anonymous pulse answers: the part of Sprout that must forget who said what.

Everything that happens when someone answers is written so that no row names them: a token
(a keyed hash of them under the wave's own key) stops a second answer, and the answers go in
with random ids and nothing else about their author but their role, and that only when the
wave's invitees of that role and everyone else each number at least *k* (a role of one or two
people would name them). When the wave closes, the key, the tokens, the invitations and the
invitation and reminder messages (whose keys name who was reminded, so who hadn't answered)
are erased, their counts kept, and the answers are rewritten in a random order under new ids,
so not even the order they arrived in survives. Once that has committed, :func:`scrub` makes
the database files forget the deleted rows too (SQLite's log, PostgreSQL's dead row versions).
docs/privacy.md has the threat model.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.db import insert_unless_present, scrub_after_delete
from bot.errors import UserFacingError
from bot.pulse.results import answer_threshold
from models import (
    Membership,
    OutboxMessage,
    PulseAnswer,
    PulseInvitation,
    PulseSurvey,
    PulseToken,
    PulseWave,
)

#: Every table a closing wave deletes or overwrites rows of; their files are scrubbed after.
SCRUBBED_TABLES = (
    PulseToken.__tablename__,
    PulseAnswer.__tablename__,
    PulseWave.__tablename__,
    PulseInvitation.__tablename__,
    OutboxMessage.__tablename__,
)


class WaveClosed(UserFacingError):
    """The wave's window has passed; its answers are being counted."""


class AlreadyAnswered(UserFacingError):
    """A second answer to the same wave."""


@dataclass(frozen=True)
class Answer:
    """What one person gave for one question, before it is stored without them."""

    question: int
    value: int | None = None
    choice: int | None = None
    comment: str | None = None


def invitation_key(wave_id: int, user_id: str) -> str:
    """The outbox key of someone's invitation to a wave."""
    return f"pulse:{wave_id}:{user_id}"


def reminder_key(wave_id: int, user_id: str) -> str:
    """The outbox key of someone's reminder: it exists only for those who hadn't answered."""
    return f"pulse-reminder:{wave_id}:{user_id}"


def new_token_key() -> bytes:
    return secrets.token_bytes(32)


def token_for(key: bytes, team_id: str, user_id: str) -> str:
    """HMAC-SHA256 of the person under the wave's key: stable within a wave, nothing more."""
    return hmac.new(key, f"{team_id}:{user_id}".encode(), hashlib.sha256).hexdigest()


def is_open(wave: PulseWave, now: datetime) -> bool:
    return wave.token_key is not None and wave.closed_at is None and now < wave.closes_at


def has_answered(session: Session, wave: PulseWave, user_id: str) -> bool:
    """Whether ``user_id`` answered this (open) wave; after it closes nobody can tell."""
    if wave.token_key is None:
        return False
    token = token_for(wave.token_key, wave.team_id, user_id)
    return session.get(PulseToken, (wave.id, token)) is not None


def cast(
    session: Session,
    wave: PulseWave,
    *,
    user_id: str,
    role: str | None,
    answers: Sequence[Answer],
    now: datetime,
) -> None:
    """Store one person's answers to a wave, refusing a second ballot.

    Only people invited to the wave may answer, so a forged button cannot stuff it. The token
    and the answers are written in the caller's transaction: either both are there or neither.
    ``role`` is the person's role in the program; it is stored only if :func:`roles_kept`
    keeps it for this wave.

    The wave's row is read again under a shared lock, so on PostgreSQL a close (which locks it
    for update) either waits for this ballot to commit and counts it, or has already committed
    and this ballot is refused: no answer slips in after the tokens were counted and deleted.
    """
    session.refresh(wave, with_for_update={"read": True})
    if not is_open(wave, now) or wave.token_key is None:
        raise WaveClosed("This pulse has closed, so it takes no more answers. Thank you!")
    invited = session.get(PulseInvitation, (wave.id, user_id))
    if invited is None:
        raise UserFacingError("This pulse wasn't sent to you, so it can't take your answers.")
    token = token_for(wave.token_key, wave.team_id, user_id)
    fresh = insert_unless_present(
        session,
        PulseToken,
        {"wave_id": wave.id, "token": token, "team_id": wave.team_id},
        [PulseToken.wave_id, PulseToken.token],
    )
    if not fresh:
        raise AlreadyAnswered("You've already answered this pulse; each person answers once.")
    stored_role = role if role is not None and role in roles_kept(session, wave) else None
    session.add_all(
        PulseAnswer(
            id=uuid.uuid4().hex,
            wave_id=wave.id,
            team_id=wave.team_id,
            question=answer.question,
            role=stored_role,
            value=answer.value,
            choice=answer.choice,
            comment=answer.comment,
        )
        for answer in answers
    )


def roles_kept(session: Session, wave: PulseWave) -> frozenset[str]:
    """The roles an answer to this wave may carry: those that can't single anyone out.

    A role is kept only when, among the wave's invitees, the people of that role and everyone
    else each number at least *k* (the survey's threshold, never below three). Otherwise the
    role would pick out a small group (the one member who is both mentor and mentee, the two
    mentors among thirty mentees) even in the stored rows, whatever the results then show, so
    their answers are stored with no role. Derived afresh from the invitations and memberships
    each time, so nothing about it is stored.
    """
    survey = session.get(PulseSurvey, wave.survey_id)
    if survey is None:
        return frozenset()
    k = answer_threshold(survey)
    sizes = {
        role: int(count)
        for role, count in session.execute(
            sa.select(Membership.role, sa.func.count())
            .select_from(PulseInvitation)
            .outerjoin(
                Membership,
                sa.and_(
                    Membership.program_id == survey.program_id,
                    Membership.user_id == PulseInvitation.user_id,
                ),
            )
            .where(PulseInvitation.wave_id == wave.id)
            .group_by(Membership.role)
        )
    }
    total = sum(sizes.values())
    return frozenset(
        role.value
        for role, size in sizes.items()
        if role is not None and size >= k and total - size >= k
    )


def close(session: Session, wave: PulseWave, now: datetime) -> None:
    """Count, then forget who was asked and who answered, and shuffle what they said.

    Idempotent: closing a closed wave changes nothing. The wave's row is locked for update
    first, so a ballot being cast (which holds a shared lock on it) is counted or refused, never
    half of each. Call :func:`scrub` once this has committed.
    """
    session.refresh(wave, with_for_update=True)
    if wave.closed_at is not None:
        return
    kept = roles_kept(session, wave)
    wave.invited = int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(PulseInvitation)
            .where(PulseInvitation.wave_id == wave.id)
        )
        or 0
    )
    wave.answered = int(
        session.scalar(
            sa.select(sa.func.count()).select_from(PulseToken).where(PulseToken.wave_id == wave.id)
        )
        or 0
    )
    session.execute(sa.delete(PulseToken).where(PulseToken.wave_id == wave.id))
    wave.token_key = None
    wave.closed_at = now
    _rewrite_in_random_order(session, wave.id, kept)
    _forget_invitees(session, wave.id)


def scrub(engine: Engine) -> bool:
    """After closes committed: leave no copy of what they deleted in the database's files."""
    return scrub_after_delete(engine, SCRUBBED_TABLES)


def _forget_invitees(session: Session, wave_id: int) -> None:
    """Delete every row that names someone together with this wave.

    The reminders' keys say who hadn't answered by then, and the invitations who was asked:
    with the invited count kept on the wave, neither is needed once it closes. A message still
    waiting to go is deleted with the rest, which cancels it: a closed wave asks nobody.
    """
    session.execute(
        sa.delete(OutboxMessage).where(
            sa.or_(
                OutboxMessage.key.startswith(invitation_key(wave_id, ""), autoescape=True),
                OutboxMessage.key.startswith(reminder_key(wave_id, ""), autoescape=True),
            )
        ),
        execution_options={"synchronize_session": False},
    )
    session.execute(sa.delete(PulseInvitation).where(PulseInvitation.wave_id == wave_id))


def _rewrite_in_random_order(session: Session, wave_id: int, roles: frozenset[str]) -> None:
    """New ids, new row order: whatever order answers were stored in is gone.

    A role no longer in ``roles`` (invitees left during the wave, so its group or the rest fell
    below *k*) is dropped from the answers that carried it.
    """
    rows = session.execute(
        sa.select(
            PulseAnswer.team_id,
            PulseAnswer.question,
            PulseAnswer.role,
            PulseAnswer.value,
            PulseAnswer.choice,
            PulseAnswer.comment,
        ).where(PulseAnswer.wave_id == wave_id)
    ).all()
    if not rows:
        return
    shuffled = list(rows)
    random.SystemRandom().shuffle(shuffled)
    session.execute(sa.delete(PulseAnswer).where(PulseAnswer.wave_id == wave_id))
    session.execute(
        sa.insert(PulseAnswer),
        [
            {
                "id": uuid.uuid4().hex,
                "wave_id": wave_id,
                "team_id": team_id,
                "question": question,
                "role": role if role in roles else None,
                "value": value,
                "choice": choice,
                "comment": comment,
            }
            for team_id, question, role, value, choice, comment in shuffled
        ],
    )
