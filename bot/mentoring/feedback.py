"""Structured feedback between the two people of an active pair, delivered by DM.

The words travel only in the DM to the partner: Sprout records that feedback was sent and
when (:class:`models.FeedbackSent`), never what it said, and never logs it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from bot.clock import Clock
from bot.db import Database
from bot.errors import UserFacingError
from bot.mentoring import messages
from bot.mentoring.pairs import Pair, active_pairs, load
from bot.slack.delivery import Priority, enqueue
from models import FeedbackSent, OutboxMessage, OutboxStatus
from models.forms import FeedbackInput

log = logging.getLogger(__name__)


class FeedbackService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def pair_with(self, team_id: str, user_id: str, partner_id: str) -> Pair:
        """The active pair the two share; anyone else is refused before a form opens."""
        if partner_id == user_id:
            raise UserFacingError("Feedback goes to your mentoring partner, not to yourself.")
        with self._db.session() as session:
            for pair in active_pairs(session, team_id, user_id):
                if pair.partner_of(user_id) == partner_id:
                    return pair
        raise UserFacingError(
            f"You can send feedback only to your mentoring partner while your mentorship "
            f"lasts, and you and <@{partner_id}> aren't in an active one together."
        )

    def send(
        self,
        team_id: str,
        user_id: str,
        mentorship_id: int,
        values: Mapping[str, Any],
        *,
        submission: str,
    ) -> Pair:
        """Deliver the feedback to the partner, once however often the form is submitted."""
        form = FeedbackInput.model_validate(dict(values))
        now = self._clock.now()
        with self._db.session() as session:
            mentorship, pair = load(session, team_id, mentorship_id, user_id)
            partner = pair.partner_of(user_id)
            text, blocks = messages.feedback(pair, user_id, form)
            sent = enqueue(
                session,
                team_id=team_id,
                key=f"feedback:{mentorship.id}:{submission}",
                recipients=[partner],
                text=text,
                blocks=blocks,
                now=now,
                priority=Priority.REPLY,
            )
            if sent:
                session.add(
                    FeedbackSent(
                        team_id=team_id, mentorship_id=mentorship.id, from_user=user_id, sent_at=now
                    )
                )
                enqueue(
                    session,
                    team_id=team_id,
                    key=f"feedback-sent:{mentorship.id}:{submission}",
                    recipients=[user_id],
                    text=messages.feedback_sent(partner),
                    now=now,
                    priority=Priority.REPLY,
                )
        log.info("feedback sent: mentorship=%d from=%s", mentorship_id, user_id)
        return pair


#: Outbox keys of messages that carry a person's own words to their partner.
PRIVATE_WORDS = ("feedback:", "thanks:")
SCRUBBED = "(delivered; Sprout keeps no copy of these words)"


def scrub_delivered_words(db: Database) -> int:
    """Blank the words of feedback and thank-you notes once the outbox is done with them.

    The outbox needs a message's text only to send it; afterwards its key and status keep sends
    idempotent, and its recipients let forget-me find it. So the words leave our tables as soon
    as they have reached the partner (or delivery gave up), instead of waiting for the prune.
    """
    with db.session() as session:
        result = session.execute(
            sa.update(OutboxMessage)
            .where(
                OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.FAILED]),
                sa.or_(*(OutboxMessage.key.startswith(prefix) for prefix in PRIVATE_WORDS)),
                OutboxMessage.text != SCRUBBED,
            )
            .values(text=SCRUBBED, blocks=[])
        )
        return int(getattr(result, "rowcount", 0) or 0)
