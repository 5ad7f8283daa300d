"""Bolt listeners: turn a Slack payload into a call of a bot/ service and a reply."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from handlers import events, home, membership, programs
from handlers.router import Router


def register_all(app: App, services: Services) -> Router:
    """Wire every capability's commands, actions, views and events onto ``app``."""
    router = Router(services)
    events.register(app, services)
    membership.register(app, router, services)
    programs.register(app, router, services)
    home.register(app, services)
    router.register(app)
    return router
