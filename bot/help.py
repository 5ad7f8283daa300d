"""The /mentor help: Block Kit for the command table the router holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.blocks import context, section, to_dicts


@dataclass(frozen=True)
class HelpLine:
    usage: str
    summary: str
    admin: bool


def help_text(lines: Sequence[HelpLine]) -> str:
    rows = ["*Sprout: mentoring and coffee chats*"]
    rows.extend(
        f"`{line.usage}` {line.summary}" + (" _(admins)_" if line.admin else "") for line in lines
    )
    return "\n".join(rows)


def help_blocks(lines: Sequence[HelpLine], lead: str | None = None) -> list[dict[str, Any]]:
    """The help, after ``lead`` when something needs explaining first."""
    blocks: list[Any] = [section(lead)] if lead else []
    blocks.append(section(help_text(lines)))
    blocks.append(context("Program names can be left out when there is only one program."))
    return to_dicts(blocks)
