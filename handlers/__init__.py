"""Bolt listeners: turn a Slack payload into a call of a bot/ service and a reply."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.services import Services
from handlers import (
    checkins,
    events,
    export,
    home,
    insights,
    membership,
    mentoring,
    pairing,
    programs,
    prompts,
    pulse,
    pulse_results,
)
from handlers.guard import describe
from handlers.router import Router

log = logging.getLogger(__name__)


def register_all(app: App, services: Services) -> Router:
    """Wire every capability's commands, actions, views and events onto ``app``."""
    router = Router(services)
    events.register(app, services)
    membership.register(app, router, services)
    programs.register(app, router, services)
    pairing.register(app, router, services)
    mentoring.register(app, router, services)
    checkins.register(app, services)
    prompts.register(app, router, services)
    pulse.register(app, router, services)
    pulse_results.register(app, router, services)
    export.register(app, router, services)
    insights.register(app, router, services)
    home.register(app, services)
    router.register(app)

    @app.error
    def log_without_payload(error: Exception) -> None:
        """Bolt's default logs the request body; ours logs only what failed and where."""
        log.error("unhandled listener error: %s", describe(error))

    return router
