"""Prompts on demand, and the prompts admins add to their own workspace's library."""

from __future__ import annotations

import hashlib
import random
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.access import Access
from bot.clock import Clock
from bot.db import Database
from bot.errors import NotAllowed, UserFacingError
from bot.prompts.library import (
    CUSTOM_PREFIX,
    DEPTHS,
    MAX_TEXT,
    PRACTICES,
    STAGES,
    Choice,
    draw_any,
    draw_for_pair,
)
from bot.prompts.messages import added_text
from bot.slack.delivery import Priority, enqueue
from models import Mentorship, Prompt
from models.forms import FormErrors

MIN_TEXT = 10
#: Enough for any workspace's own voice; a ceiling so a runaway script can't flood the table.
MAX_OWN_PROMPTS = 500
#: Outside a pair, the prompts that fit any two people talking.
ANYONE_STAGES = ("coffee", "regular")

ADMINS_ONLY = (
    "Only Sprout admins can change the prompt library: workspace admins and owners, "
    "and people listed in SPROUT_ADMINS."
)
NOTHING_FITS = "There are no prompts for that yet. An admin can add some with `/mentor prompt add`."

_BLANK_LINES = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    """Trailing spaces go and runs of blank lines shrink; the line breaks someone chose stay."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _fold(text: str) -> str:
    """How prompt texts compare when looking for a duplicate: case and spacing don't matter."""
    return " ".join(text.split()).casefold()


class PromptInput(BaseModel):
    """A prompt an admin writes in the add-a-prompt modal; block ids equal these names."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    stage: str
    practice: str
    depth: int
    text: str

    @field_validator("stage")
    @classmethod
    def _known_stage(cls, value: str) -> str:
        if value not in STAGES:
            raise ValueError("Pick one of the stages in the list.")
        return value

    @field_validator("practice")
    @classmethod
    def _known_practice(cls, value: str) -> str:
        if value not in PRACTICES:
            raise ValueError("Pick one of the practices in the list.")
        return value

    @field_validator("depth")
    @classmethod
    def _known_depth(cls, value: int) -> int:
        if value not in DEPTHS:
            raise ValueError("Pick light, medium or deep.")
        return value

    @field_validator("text")
    @classmethod
    def _fits(cls, value: str) -> str:
        value = _tidy(value)
        if len(value) < MIN_TEXT:
            raise ValueError(
                f"Write at least {MIN_TEXT} characters, so people have something to go on."
            )
        if len(value) > MAX_TEXT:
            raise ValueError(f"Keep this under {MAX_TEXT} characters.")
        return value


@dataclass(frozen=True)
class DrawnPrompt:
    """A prompt handed to someone who asked, and the pair it counted for, if any."""

    key: str
    stage: str
    practice: str
    depth: int
    text: str
    #: The partner in the mentorship it was drawn for; None outside a mentorship.
    partner_id: str | None = None
    #: Partners in the person's other active mentorships, whom they could name instead.
    other_partners: tuple[str, ...] = ()


@dataclass(frozen=True)
class StageCount:
    stage: str
    shipped: int
    own: int


@dataclass(frozen=True)
class OwnPrompt:
    key: str
    stage: str
    practice: str
    depth: int
    text: str
    added_by: str | None


@dataclass(frozen=True)
class LibraryOverview:
    counts: list[StageCount]
    own: list[OwnPrompt]


def custom_key(team_id: str, submission: str | None) -> str:
    """A key for an added prompt; the same modal submission always gets the same one.

    Slack may deliver a submission twice; deriving the key from the view id makes the second
    find the first instead of adding the prompt again.
    """
    if submission:
        token = hashlib.sha256(f"{team_id}:{submission}".encode()).hexdigest()[:12]
    else:
        token = secrets.token_hex(6)
    return f"{CUSTOM_PREFIX}{team_id[:32]}-{token}"


def _partner(mentorship: Mentorship, user_id: str) -> str:
    return mentorship.mentee_id if mentorship.mentor_id == user_id else mentorship.mentor_id


class PromptService:
    def __init__(
        self, db: Database, clock: Clock, access: Access, rng: random.Random | None = None
    ) -> None:
        self._db = db
        self._clock = clock
        self._access = access
        self._rng = rng or random.Random()

    def on_demand(
        self, team_id: str, user_id: str, choice: Choice, partners: Sequence[str] = ()
    ) -> DrawnPrompt:
        """A prompt for someone who asked; in a mentorship it counts toward the pair's rotation.

        Two asks for the same pair at the same instant may both pick the same fresh prompt;
        the second then loses on the key and simply draws again.
        """
        for attempt in range(3):
            try:
                with self._db.session() as session:
                    return self._draw(session, team_id, user_id, choice, partners)
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _draw(
        self,
        session: Session,
        team_id: str,
        user_id: str,
        choice: Choice,
        partners: Sequence[str],
    ) -> DrawnPrompt:
        pairs = self._active_mentorships(session, team_id, user_id)
        if partners:
            named = [m for m in pairs if _partner(m, user_id) in partners]
            if not named:
                mention = f"<@{partners[0]}>"
                raise UserFacingError(
                    f"You aren't in an active mentorship with {mention}. "
                    "`/mentor prompt` on its own gives you a prompt anyway."
                )
            pairs = named + [m for m in pairs if m not in named]
        try:
            if not pairs:
                stages = [choice.stage] if choice.stage else list(ANYONE_STAGES)
                try:
                    prompt = draw_any(
                        session, stages, team_id=team_id, rng=self._rng, practice=choice.practice
                    )
                except LookupError:
                    if choice.stage:
                        raise
                    prompt = draw_any(
                        session, STAGES, team_id=team_id, rng=self._rng, practice=choice.practice
                    )
                return DrawnPrompt(
                    prompt.key, prompt.stage, prompt.practice, prompt.depth, prompt.text
                )
            pair = pairs[0]
            prompt = draw_for_pair(
                session,
                team_id=team_id,
                mentorship_id=pair.id,
                stage=choice.stage or "regular",
                now=self._clock.now(),
                rng=self._rng,
                practice=choice.practice,
            )
        except LookupError:
            raise UserFacingError(NOTHING_FITS) from None
        return DrawnPrompt(
            prompt.key,
            prompt.stage,
            prompt.practice,
            prompt.depth,
            prompt.text,
            partner_id=_partner(pair, user_id),
            other_partners=tuple(_partner(m, user_id) for m in pairs[1:]),
        )

    @staticmethod
    def _active_mentorships(session: Session, team_id: str, user_id: str) -> list[Mentorship]:
        """Newest first: a mentor with two mentees who names neither gets the newer pair."""
        return list(
            session.scalars(
                sa.select(Mentorship)
                .where(
                    Mentorship.team_id == team_id,
                    Mentorship.ended_at.is_(None),
                    sa.or_(Mentorship.mentor_id == user_id, Mentorship.mentee_id == user_id),
                )
                .order_by(Mentorship.started_at.desc(), Mentorship.id.desc())
            )
        )

    def check_can_edit(self, team_id: str, user_id: str) -> None:
        if not self._access.is_admin(team_id, user_id):
            raise NotAllowed(ADMINS_ONLY)

    def add(
        self, team_id: str, user_id: str, data: PromptInput, *, submission: str | None = None
    ) -> Prompt:
        """Store a prompt for this workspace only, and tell the admin it is in."""
        self.check_can_edit(team_id, user_id)
        key = custom_key(team_id, submission)
        with self._db.session() as session:
            again = session.get(Prompt, key)
            if again is not None and again.team_id == team_id:
                return again
            own = session.scalar(
                sa.select(sa.func.count()).select_from(Prompt).where(Prompt.team_id == team_id)
            )
            if (own or 0) >= MAX_OWN_PROMPTS:
                raise FormErrors(
                    {"text": f"This workspace has {MAX_OWN_PROMPTS} prompts of its own already."}
                )
            known = session.scalars(
                sa.select(Prompt.text).where(
                    sa.or_(Prompt.team_id.is_(None), Prompt.team_id == team_id)
                )
            )
            if _fold(data.text) in {_fold(text) for text in known}:
                raise FormErrors({"text": "This prompt is in the library already."})
            prompt = Prompt(
                key=key,
                stage=data.stage,
                practice=data.practice,
                depth=data.depth,
                text=data.text,
                team_id=team_id,
                added_by=user_id,
            )
            session.add(prompt)
            session.flush()
            enqueue(
                session,
                team_id=team_id,
                key=f"prompt-added:{key}",
                recipients=[user_id],
                text=added_text(prompt),
                now=self._clock.now(),
                priority=Priority.REPLY,
            )
            return prompt

    def overview(self, team_id: str, user_id: str) -> LibraryOverview:
        """How many prompts each stage has, and the ones this workspace wrote itself."""
        self.check_can_edit(team_id, user_id)
        with self._db.session() as session:
            rows = session.execute(
                sa.select(Prompt.stage, Prompt.team_id.is_not(None), sa.func.count())
                .where(sa.or_(Prompt.team_id.is_(None), Prompt.team_id == team_id))
                .group_by(Prompt.stage, Prompt.team_id.is_not(None))
            ).all()
            tally: dict[tuple[str, bool], int] = {(s, bool(o)): int(n) for s, o, n in rows}
            own = [
                OwnPrompt(p.key, p.stage, p.practice, p.depth, p.text, p.added_by)
                for p in session.scalars(sa.select(Prompt).where(Prompt.team_id == team_id))
            ]
        order = {stage: i for i, stage in enumerate(STAGES)}
        own.sort(key=lambda p: (order.get(p.stage, len(STAGES)), p.depth, p.key))
        counts = [
            StageCount(stage, tally.get((stage, False), 0), tally.get((stage, True), 0))
            for stage in STAGES
        ]
        return LibraryOverview(counts, own)
