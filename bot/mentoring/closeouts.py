"""The close-out: when a mentorship ends, each side judges its goals, reflects, and may thank
their partner.

The reflection stays with Sprout: the partner never sees it, and program owners may quote it
only when its author ticked the box (``CloseOut.quotable``, no by default). A thank-you note is
the one part that travels, by DM to the partner.

A goal's status follows the mentee's outcome: the goals are the mentee's growth, so their
judgement settles the shared record. The mentor's outcome applies until the mentee answers,
so a goal doesn't stay "open" when only the mentor closes out; both outcomes are kept as
:class:`models.GoalOutcome` rows whatever the status says.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.db import Database
from bot.mentoring import messages
from bot.mentoring.pairs import (
    GoalView,
    Pair,
    ask_each_side,
    awaiting,
    goals_of,
    load,
    local_hour_of,
    sides_asked,
    snapshot,
)
from bot.slack.delivery import Priority, enqueue
from models import CloseOut, Goal, GoalOutcome, GoalStatus, Mentorship, Program
from models.forms import CloseOutInput

log = logging.getLogger(__name__)

#: Mentorships that ended longer ago than this aren't asked any more (say, ones that ended
#: before close-outs existed, or whose side was paused all the while).
ASK_WITHIN = timedelta(days=30)
NOT_ASKED = "Sprout asks for your close-out once your mentorship has ended."
ALREADY_SENT = "You've closed out this mentorship already. Thank you!"


@dataclass(frozen=True)
class CloseOutForm:
    pair: Pair
    goals: list[GoalView]


class CloseOutService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def ask_due(self) -> int:
        """Ask each side of every recently ended pair to close out, once, at their working
        morning (as check-ins come; the job runs every quarter hour)."""
        now = self._clock.now()
        with self._db.session() as session:
            rows = session.execute(
                sa.select(Mentorship, Program)
                .join(Program, Program.id == Mentorship.program_id)
                .where(
                    Mentorship.ended_at.is_not(None),
                    Mentorship.ended_at >= now - ASK_WITHIN,
                    sides_asked(CloseOut) < 2,
                )
            ).all()
            if not rows:
                return 0
            pairs = [(snapshot(m, p), local_hour_of(p)) for m, p in rows]
            asked = ask_each_side(
                session, pairs, CloseOut, messages.close_out_ask, key="closeout", now=now
            )
        if asked:
            log.info("asked %d people to close out their mentorship", asked)
        return asked

    def form(self, team_id: str, user_id: str, mentorship_id: int) -> CloseOutForm:
        with self._db.session() as session:
            _, pair = load(session, team_id, mentorship_id, user_id, active=False)
            awaiting(
                session, CloseOut, pair, user_id, not_asked=NOT_ASKED, already_sent=ALREADY_SENT
            )
            return CloseOutForm(pair, goals_of(session, pair.id, live_only=True))

    def submit(
        self, team_id: str, user_id: str, mentorship_id: int, values: Mapping[str, Any]
    ) -> Pair:
        now = self._clock.now()
        with self._db.session() as session:
            _, pair = load(session, team_id, mentorship_id, user_id, active=False, lock=True)
            close_out = awaiting(
                session, CloseOut, pair, user_id, not_asked=NOT_ASKED, already_sent=ALREADY_SENT
            )
            goals = {
                g.id: g
                for g in session.scalars(sa.select(Goal).where(Goal.mentorship_id == pair.id))
                if g.status is not GoalStatus.DROPPED
            }
            form = CloseOutInput.parse(values, goal_ids=list(goals))
            close_out.helped, close_out.will_apply = form.helped, form.will_apply
            close_out.quotable, close_out.submitted_at = form.quotable, now
            self._record_outcomes(session, pair, user_id, goals, form, now)
            partner = pair.partner_of(user_id)
            if form.thanks:
                text, blocks = messages.thank_you(pair, user_id, form.thanks)
                enqueue(
                    session,
                    team_id=team_id,
                    key=f"thanks:{pair.id}:{pair.role_of(user_id)}",
                    recipients=[partner],
                    text=text,
                    blocks=blocks,
                    now=now,
                )
                close_out.thanked_at = now
            enqueue(
                session,
                team_id=team_id,
                key=f"closeout-done:{pair.id}:{user_id}",
                recipients=[user_id],
                text=messages.close_out_done(pair, user_id, bool(form.thanks), form.quotable),
                now=now,
                priority=Priority.REPLY,
            )
        log.info("close-out submitted: mentorship=%d user=%s", mentorship_id, user_id)
        return pair

    @staticmethod
    def _record_outcomes(
        session: Session,
        pair: Pair,
        user_id: str,
        goals: Mapping[int, Goal],
        form: CloseOutInput,
        now: datetime,
    ) -> None:
        mentee_said = set(
            session.scalars(
                sa.select(GoalOutcome.goal_id).where(
                    GoalOutcome.goal_id.in_(list(goals)), GoalOutcome.user_id == pair.mentee_id
                )
            )
        )
        for goal_id, outcome in form.outcomes.items():
            row = session.get(GoalOutcome, (goal_id, user_id))
            if row is None:
                session.add(
                    GoalOutcome(
                        goal_id=goal_id, user_id=user_id, team_id=pair.team_id, outcome=outcome
                    )
                )
            else:
                row.outcome = outcome
            goal = goals[goal_id]
            decides = user_id == pair.mentee_id or goal_id not in mentee_said
            if decides and goal.status is not outcome:
                goal.status, goal.updated_at = outcome, now
