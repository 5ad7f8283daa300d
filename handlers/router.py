"""The /mentor table: each subcommand's words, usage, one-line help, handler and admin flag.

Help is generated from this table, so it cannot drift from what is routed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import context, section, to_dicts
from bot.errors import UserFacingError
from bot.services import Services
from handlers.guard import guarded

log = logging.getLogger(__name__)

COMMAND = "/mentor"


class UsageError(UserFacingError):
    """The subcommand exists but its arguments don't fit; the reply carries the help."""


@dataclass(frozen=True)
class CommandContext:
    team_id: str
    user_id: str
    channel_id: str
    trigger_id: str
    args: str
    client: WebClient
    respond: Respond
    services: Services


Handler = Callable[[CommandContext], None]


@dataclass(frozen=True)
class Subcommand:
    words: tuple[str, ...]
    usage: str
    summary: str
    handler: Handler
    admin: bool


class Router:
    def __init__(self, services: Services) -> None:
        self._services = services
        self._table: list[Subcommand] = []
        self.add("help", "", "Show this list.")(self._help)

    def add(
        self, name: str, arguments: str, summary: str, *, admin: bool = False
    ) -> Callable[[Handler], Handler]:
        """Register a handler for ``/mentor <name> <arguments>``."""

        def decorate(handler: Handler) -> Handler:
            words = tuple(name.split())
            usage = f"{COMMAND} {name}" + (f" {arguments}" if arguments else "")
            self._table.append(Subcommand(words, usage, summary, handler, admin))
            return handler

        return decorate

    @property
    def subcommands(self) -> list[Subcommand]:
        return list(self._table)

    def route(self, text: str) -> tuple[Subcommand | None, str]:
        """The subcommand whose words start ``text`` (longest wins) and the rest as arguments."""
        words = text.split()
        lowered = [w.casefold() for w in words]
        best: Subcommand | None = None
        for sub in self._table:
            n = len(sub.words)
            if tuple(lowered[:n]) == sub.words and (best is None or n > len(best.words)):
                best = sub
        if best is None:
            return None, text
        return best, " ".join(words[len(best.words) :])

    def help_text(self) -> str:
        lines = ["*Sprout: mentoring and coffee chats*"]
        for sub in self._table:
            marker = " _(admins)_" if sub.admin else ""
            lines.append(f"`{sub.usage}` {sub.summary}{marker}")
        return "\n".join(lines)

    def help_blocks(self, lead: str | None = None) -> list[dict[str, Any]]:
        blocks: list[Any] = [section(lead)] if lead else []
        blocks.append(section(self.help_text()))
        blocks.append(context("Program names can be left out when there is only one program."))
        return to_dicts(blocks)

    def _help(self, ctx: CommandContext) -> None:
        ctx.respond(text=self.help_text(), blocks=self.help_blocks())

    def register(self, app: App) -> None:
        app.command(COMMAND)(self.on_command)

    def on_command(
        self, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        # Acknowledge first: the reply goes through response_url, so the 3 s limit never bites.
        ack()
        text = str(body.get("text") or "").strip()
        sub, args = self.route(text)
        # Ids and the subcommand's name only: the arguments are the person's words.
        log.debug(
            "%s %s from %s",
            COMMAND,
            " ".join(sub.words) if sub else "(unknown)",
            body.get("user_id"),
        )
        if sub is None:
            lead = f"I don't know `{COMMAND} {text[:40]}`." if text else None
            respond(text=self.help_text(), blocks=self.help_blocks(lead))
            return
        ctx = CommandContext(
            team_id=str(body.get("team_id") or ""),
            user_id=str(body.get("user_id") or ""),
            channel_id=str(body.get("channel_id") or ""),
            trigger_id=str(body.get("trigger_id") or ""),
            args=args,
            client=client,
            respond=respond,
            services=self._services,
        )
        with guarded(respond=respond):
            if sub.admin and not self._services.access.is_admin(ctx.team_id, ctx.user_id):
                respond(
                    text=f"`{sub.usage}` is for Sprout admins. Ask a workspace admin, "
                    "or someone listed in SPROUT_ADMINS."
                )
                return
            try:
                sub.handler(ctx)
            except UsageError as error:
                respond(text=error.message, blocks=self.help_blocks(error.message))
