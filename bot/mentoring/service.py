"""The mentorship loop's services, built together so ``Services`` holds them as one field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.clock import Clock
from bot.db import Database
from bot.mentoring.agreements import AgreementService
from bot.mentoring.closeouts import CloseOutService
from bot.mentoring.feedback import FeedbackService, scrub_delivered_words
from bot.mentoring.goals import GoalService
from bot.mentoring.reviews import ReviewService
from bot.slack.people import PeopleDirectory


@dataclass(frozen=True)
class Mentoring:
    agreements: AgreementService
    goals: GoalService
    feedback: FeedbackService
    reviews: ReviewService
    closeouts: CloseOutService
    db: Database

    @classmethod
    def build(
        cls, db: Database, clock: Clock, people: PeopleDirectory, admins: Iterable[str]
    ) -> Mentoring:
        extra_admins = frozenset(admins)

        def workspace_admins(team_id: str) -> list[str]:
            """Sprout's admins: SPROUT_ADMINS and the workspace's own admins and owners."""
            found = {
                p.user_id
                for p in people.everyone(team_id).values()
                if p.is_workspace_admin and not p.deleted and not p.is_bot
            }
            return sorted(found | extra_admins)

        return cls(
            agreements=AgreementService(db, clock),
            goals=GoalService(db, clock),
            feedback=FeedbackService(db, clock),
            reviews=ReviewService(db, clock, workspace_admins),
            closeouts=CloseOutService(db, clock),
            db=db,
        )

    def scrub_delivered_words(self) -> int:
        return scrub_delivered_words(self.db)
