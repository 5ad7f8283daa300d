"""Casting and closing anonymous pulse answers: the part of Sprout that must forget who said what.

Everything that happens when someone answers is written so that no row names them: a token
(a keyed hash of them under the wave's own key) stops a second answer, and the answers go in
with random ids and nothing else about their author but their role. When the wave closes, the
key and the tokens are erased, their counts kept, and the answers are rewritten in a random
order under new ids, so not even the order they arrived in survives. docs/privacy.md has the
threat model.
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
from sqlalchemy.orm import Session

from bot.db import insert_unless_present
from bot.errors import UserFacingError
from models import PulseAnswer, PulseInvitation, PulseToken, PulseWave


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
    """
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
    session.add_all(
        PulseAnswer(
            id=uuid.uuid4().hex,
            wave_id=wave.id,
            team_id=wave.team_id,
            question=answer.question,
            role=role,
            value=answer.value,
            choice=answer.choice,
            comment=answer.comment,
        )
        for answer in answers
    )


def close(session: Session, wave: PulseWave, now: datetime) -> None:
    """Count, then forget who answered, and shuffle what they said.

    Idempotent: closing a closed wave changes nothing.
    """
    if wave.closed_at is not None:
        return
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
    _rewrite_in_random_order(session, wave.id)


def _rewrite_in_random_order(session: Session, wave_id: int) -> None:
    """New ids, new row order: whatever order answers were stored in is gone."""
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
                "role": role,
                "value": value,
                "choice": choice,
                "comment": comment,
            }
            for team_id, question, role, value, choice, comment in shuffled
        ],
    )
