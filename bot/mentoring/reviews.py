"""The mid-point review: at half the term each side looks back at the pair's goals, names one
thing to keep and one to change, and may privately ask for a different match.

The review's answers stay with the person who gave them, and it changes nothing the partner
sees: the goals' status is shared and changes only through ``/mentor goals``. A wish for a
different match reaches the program's owners (or, for a program without owners, Sprout's
admins) naming the person and the pair and nothing else; the partner is never told.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

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
    past_midpoint,
    sides_asked,
    snapshot,
)
from bot.slack.delivery import Priority, enqueue
from models import Mentorship, Program, Review
from models.forms import ReviewInput

log = logging.getLogger(__name__)

NOT_ASKED = "Your mid-point review isn't due yet; Sprout will ask you halfway through the term."
ALREADY_SENT = "You've sent your mid-point review already. Thank you!"


@dataclass(frozen=True)
class ReviewForm:
    pair: Pair
    goals: list[GoalView]


class ReviewService:
    def __init__(
        self, db: Database, clock: Clock, fallback_owners: Callable[[str], Iterable[str]]
    ) -> None:
        """``fallback_owners(team_id)``: who hears a rematch wish when a program has no owners."""
        self._db = db
        self._clock = clock
        self._fallback_owners = fallback_owners

    def ask_due(self) -> int:
        """Ask each side of every pair past its mid-point, once; returns how many were asked.

        Each side is asked at their working morning, as check-ins are (the job runs hourly,
        the window lasts three hours); a paused or deactivated person is asked once they're
        back, if the term still runs.
        """
        now = self._clock.now()
        with self._db.session() as session:
            dialect = session.get_bind().dialect.name
            rows = session.execute(
                sa.select(Mentorship, Program)
                .join(Program, Program.id == Mentorship.program_id)
                .where(
                    Mentorship.ended_at.is_(None),
                    Mentorship.term_ends_at > now,
                    Mentorship.started_at <= now,
                    past_midpoint(dialect, now),
                    sides_asked(Review) < 2,
                )
            ).all()
            due = [(snapshot(m, p), local_hour_of(p)) for m, p in rows]
            due = [(pair, hour) for pair, hour in due if pair.midpoint <= now]
            if not due:
                return 0
            asked = ask_each_side(session, due, Review, messages.review_ask, key="review", now=now)
        if asked:
            log.info("asked %d people for their mid-point review", asked)
        return asked

    def form(self, team_id: str, user_id: str, mentorship_id: int) -> ReviewForm:
        with self._db.session() as session:
            _, pair = load(session, team_id, mentorship_id, user_id)
            awaiting(session, Review, pair, user_id, not_asked=NOT_ASKED, already_sent=ALREADY_SENT)
            return ReviewForm(pair, goals_of(session, pair.id, live_only=True))

    def submit(
        self, team_id: str, user_id: str, mentorship_id: int, values: Mapping[str, Any]
    ) -> tuple[Pair, bool]:
        """Store the keep and change on this person's review, and pass on a rematch wish.

        The review never touches the pair's goals: they are the shared record both sides see
        and check-ins ask about, and the review promises that its answers aren't shown to the
        partner. Goal answers a stale form may still carry are ignored; ``/mentor goals`` is
        where goals change, in the open.
        """
        form = ReviewInput.model_validate(dict(values))
        told = self._rematch_recipients(team_id, user_id, mentorship_id) if form.rematch else []
        now = self._clock.now()
        with self._db.session() as session:
            _, pair = load(session, team_id, mentorship_id, user_id, lock=True)
            review = awaiting(
                session, Review, pair, user_id, not_asked=NOT_ASKED, already_sent=ALREADY_SENT
            )
            review.keep, review.change, review.wants_rematch = form.keep, form.change, form.rematch
            review.submitted_at = now
            for owner in told:
                enqueue(
                    session,
                    team_id=team_id,
                    key=f"rematch:{pair.id}:{pair.role_of(user_id)}:{owner}",
                    recipients=[owner],
                    text=messages.rematch_request(pair, user_id),
                    now=now,
                )
            enqueue(
                session,
                team_id=team_id,
                key=f"review-done:{pair.id}:{user_id}",
                recipients=[user_id],
                text=messages.review_done(pair, user_id, form.rematch, bool(told)),
                now=now,
                priority=Priority.REPLY,
            )
        log.info("mid-point review submitted: mentorship=%d user=%s", mentorship_id, user_id)
        return pair, form.rematch

    def _rematch_recipients(self, team_id: str, user_id: str, mentorship_id: int) -> list[str]:
        """The program's owners, else Sprout's admins; never either side of the pair.

        Read before the review's transaction: finding workspace admins may ask Slack.
        """
        with self._db.session() as session:
            _, pair = load(session, team_id, mentorship_id, user_id)
            program = session.get(Program, pair.program_id)
            owners = set(program.owner_ids) if program else set()
        pair_members = set(pair.members)
        chosen = owners - pair_members or set(self._fallback_owners(team_id)) - pair_members
        return sorted(chosen)
