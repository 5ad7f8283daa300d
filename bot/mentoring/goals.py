"""``/mentor goals``: a pair's goals with status and by-when, and changing them once agreed."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from bot.clock import Clock
from bot.db import Database
from bot.errors import UserFacingError
from bot.mentoring import messages
from bot.mentoring.pairs import (
    AgreementView,
    GoalView,
    Pair,
    active_pairs,
    agreement_of,
    choose_pair,
    dates_for,
    goals_of,
    load,
    same_goal,
    tell_both,
)
from models import Agreement, Goal, GoalStatus
from models.forms import GOAL_SLOTS, GoalsEditInput

log = logging.getLogger(__name__)

NOT_AGREED = (
    "You haven't agreed your goals yet: set up your agreement first (the button on your "
    "introduction, or `/mentor goals`)."
)


@dataclass(frozen=True)
class GoalsOverview:
    pair: Pair
    agreement: AgreementView | None


@dataclass(frozen=True)
class GoalsForm:
    pair: Pair
    goals: list[GoalView]
    last_day: date


class GoalService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def overview(self, team_id: str, user_id: str, partner_id: str | None) -> GoalsOverview:
        """The agreement (or its absence) of the person's one active pair, or the one named."""
        with self._db.session() as session:
            pair = choose_pair(
                active_pairs(session, team_id, user_id), user_id, partner_id, "/mentor goals"
            )
            return GoalsOverview(pair, agreement_of(session, pair))

    def form(self, team_id: str, user_id: str, mentorship_id: int) -> GoalsForm:
        with self._db.session() as session:
            _, pair = load(session, team_id, mentorship_id, user_id)
            agreement = session.get(Agreement, pair.id)
            if agreement is None or agreement.accepted_by is None:
                raise UserFacingError(NOT_AGREED)
            _, last_day = dates_for(session, pair, user_id, self._clock.now())
            return GoalsForm(pair, goals_of(session, pair.id), last_day)

    def save(
        self,
        team_id: str,
        user_id: str,
        mentorship_id: int,
        values: Mapping[str, Any],
        *,
        submission: str,
    ) -> Pair:
        """Apply the edits, add new goals in free slots, and show both sides the result."""
        now = self._clock.now()
        with self._db.session() as session:
            mentorship, pair = load(session, team_id, mentorship_id, user_id, lock=True)
            agreement = session.get(Agreement, pair.id)
            if agreement is None or agreement.accepted_by is None:
                raise UserFacingError(NOT_AGREED)
            stored = {
                g.position: g
                for g in session.scalars(sa.select(Goal).where(Goal.mentorship_id == pair.id))
            }
            today, last_day = dates_for(session, pair, user_id, now)
            form = GoalsEditInput.parse(
                values,
                existing={slot: g.due_on for slot, g in stored.items()},
                today=today,
                last_day=last_day,
            )
            drafts = {d.slot: d for d in form.goals()}
            for slot in GOAL_SLOTS:
                draft, goal = drafts.get(slot), stored.get(slot)
                if draft is None:
                    continue
                if goal is not None and not same_goal(goal.what, draft.what):
                    # Another goal in this slot: what check-ins said belonged to the old one.
                    session.delete(goal)
                    goal = None
                if goal is None:
                    goal = Goal(
                        team_id=team_id,
                        mentorship_id=mentorship.id,
                        position=slot,
                        status=GoalStatus.OPEN,
                        created_at=now,
                        updated_at=now,
                    )
                    session.add(goal)
                status = form.status_of(slot) or goal.status
                changed = (goal.what, goal.measure, goal.due_on, goal.status) != (
                    draft.what,
                    draft.measure,
                    draft.due_on,
                    status,
                )
                if changed:
                    goal.what, goal.measure, goal.due_on = draft.what, draft.measure, draft.due_on
                    goal.status, goal.updated_at = status, now
            session.flush()
            tell_both(
                session,
                pair,
                messages.goals_updated(pair, user_id, goals_of(session, pair.id)),
                key=f"goals:{pair.id}:{submission}",
                now=now,
            )
        log.info("goals saved: mentorship=%d by=%s", mentorship_id, user_id)
        return pair
