"""The kick-off agreement: one side proposes goals and ways of working, the other agrees.

A proposal replaces any earlier draft; once agreed, the agreement stands and its goals change
through ``/mentor goals``. Each proposal carries a digest of its content on its Agree button,
so agreeing to a proposal that has since been replaced is refused rather than mistaken for
agreeing to the new one.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.db import Database
from bot.errors import NotAllowed, UserFacingError
from bot.mentoring import messages
from bot.mentoring.pairs import (
    AgreementView,
    Pair,
    agreement_of,
    dates_for,
    load,
    same_goal,
    tell_both,
)
from models import Agreement, Goal, Mentorship
from models.forms import AgreementInput

log = logging.getLogger(__name__)

ALREADY_AGREED = (
    "You've agreed already. `/mentor goals` shows your goals and lets either of you change them."
)
STALE = (
    "This proposal has been replaced by a newer one: agree to the latest one in this conversation."
)


@dataclass(frozen=True)
class AgreementForm:
    """What the kick-off modal needs: the pair, any draft to start from, the term's last day."""

    pair: Pair
    draft: AgreementView | None
    last_day: date


def digest(view: AgreementView) -> str:
    """A short fingerprint of what was proposed, by whom."""
    parts = [view.proposed_by, view.cadence, view.channel]
    for goal in view.goals:
        parts += [goal.what, goal.measure, str(goal.due_on)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12]


class AgreementService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def form_for_group(self, team_id: str, user_id: str, group_id: int) -> AgreementForm:
        """The form behind the introduction's button (which knows its group, not its pair)."""
        with self._db.session() as session:
            mentorship_id = session.scalar(
                sa.select(Mentorship.id)
                .where(Mentorship.team_id == team_id, Mentorship.group_id == group_id)
                .order_by(Mentorship.id.desc())
                .limit(1)
            )
            if mentorship_id is None:
                raise UserFacingError("That introduction has no mentorship behind it any more.")
            return self._form(session, team_id, user_id, mentorship_id)

    def form(self, team_id: str, user_id: str, mentorship_id: int) -> AgreementForm:
        with self._db.session() as session:
            return self._form(session, team_id, user_id, mentorship_id)

    def _form(
        self, session: Session, team_id: str, user_id: str, mentorship_id: int
    ) -> AgreementForm:
        _, pair = load(session, team_id, mentorship_id, user_id)
        draft = agreement_of(session, pair)
        if draft is not None and draft.accepted:
            raise UserFacingError(ALREADY_AGREED)
        _, last_day = dates_for(session, pair, user_id, self._clock.now())
        return AgreementForm(pair, draft, last_day)

    def propose(
        self,
        team_id: str,
        user_id: str,
        mentorship_id: int,
        values: Mapping[str, Any],
        *,
        submission: str,
    ) -> AgreementView:
        """Store the proposal (replacing a draft) and post it to the pair's group DM."""
        now = self._clock.now()
        with self._db.session() as session:
            mentorship, pair = load(session, team_id, mentorship_id, user_id, lock=True)
            today, last_day = dates_for(session, pair, user_id, now)
            form = AgreementInput.parse(values, today=today, last_day=last_day)
            agreement = session.get(Agreement, mentorship.id)
            if agreement is not None and agreement.accepted_by is not None:
                raise UserFacingError(ALREADY_AGREED)
            if agreement is None:
                agreement = Agreement(mentorship_id=mentorship.id, team_id=team_id)
                session.add(agreement)
            agreement.cadence, agreement.channel = form.cadence_text, form.channel_text
            agreement.confidential = form.confidential
            agreement.no_fault_exit = form.no_fault_exit
            agreement.proposed_by, agreement.proposed_at = user_id, now
            self._replace_goals(session, mentorship, form, now)
            session.flush()
            view = agreement_of(session, pair)
            assert view is not None
            tell_both(
                session,
                pair,
                messages.proposal(view, digest(view)),
                key=f"agreement:{mentorship.id}:{submission}",
                now=now,
            )
        log.info("agreement proposed: mentorship=%d by=%s", mentorship_id, user_id)
        return view

    @staticmethod
    def _replace_goals(
        session: Session, mentorship: Mentorship, form: AgreementInput, now: datetime
    ) -> None:
        """The draft's goals become the form's, in place: positions 1..n. A goal keeps its row
        while its words stay much the same; one rewritten into another goal gets a new row.
        """
        existing = {
            g.position: g
            for g in session.scalars(sa.select(Goal).where(Goal.mentorship_id == mentorship.id))
        }
        drafts = form.goals()
        for position, draft in enumerate(drafts, start=1):
            goal = existing.pop(position, None)
            if goal is not None and not same_goal(goal.what, draft.what):
                session.delete(goal)
                goal = None
            if goal is None:
                goal = Goal(
                    team_id=mentorship.team_id,
                    mentorship_id=mentorship.id,
                    position=position,
                    created_at=now,
                )
                session.add(goal)
            goal.what, goal.measure, goal.due_on = draft.what, draft.measure, draft.due_on
            goal.updated_at = now
        for leftover in existing.values():
            session.delete(leftover)

    def accept(
        self, team_id: str, user_id: str, mentorship_id: int, proposal_digest: str
    ) -> AgreementView:
        """The other side agrees; both then find the agreed version in their group DM."""
        now = self._clock.now()
        with self._db.session() as session:
            mentorship, pair = load(session, team_id, mentorship_id, user_id, lock=True)
            agreement = session.get(Agreement, mentorship.id)
            if agreement is None:
                raise UserFacingError("There's no proposal to agree to yet.")
            if agreement.accepted_by is not None:
                raise UserFacingError(ALREADY_AGREED)
            if agreement.proposed_by == user_id:
                raise NotAllowed(
                    f"You proposed this one; <@{pair.partner_of(user_id)}> agrees to it."
                )
            current = agreement_of(session, pair)
            assert current is not None
            if digest(current) != proposal_digest:
                raise UserFacingError(STALE)
            agreement.accepted_by, agreement.accepted_at = user_id, now
            session.flush()
            view = agreement_of(session, pair)
            assert view is not None
            tell_both(session, pair, messages.agreed(view), key=f"agreed:{mentorship.id}", now=now)
        log.info("agreement accepted: mentorship=%d by=%s", mentorship_id, user_id)
        return view
