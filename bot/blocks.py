"""Small builders over slack_sdk's Block Kit models, which validate Slack's limits for us."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
)

SECTION_LIMIT = 3000


def escape(text: str) -> str:
    """Escape what people typed so Slack shows it as text, never as a mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_MENTION = re.compile(r"&lt;(@[UW][A-Z0-9]+|#C[A-Z0-9]+)&gt;")


def escape_keeping_mentions(text: str) -> str:
    """Escape text that Sprout composed around mentions: the mentions stay mentions.

    What people typed is lower-cased into tags, so it can't forge an upper-case <@U…> here.
    """
    return _MENTION.sub(r"<\1>", escape(text))


def slack_date(instant: datetime, fallback: str) -> str:
    """A date each reader sees in their own time zone (Slack's date formatting)."""
    return f"<!date^{int(instant.timestamp())}^{{date_long}}|{fallback}>"


def slack_moment(instant: datetime) -> str:
    """A day and time each reader sees in their own zone ("today at 9:05 AM"); UTC as fallback."""
    fallback = instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(instant.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=clip(text, 150)))


def section(text: str, *, accessory: Any = None, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(
        text=MarkdownTextObject(text=clip(text, SECTION_LIMIT)),
        accessory=accessory,
        block_id=block_id,
    )


def fields(pairs: Sequence[tuple[str, str]]) -> SectionBlock:
    return SectionBlock(
        fields=[MarkdownTextObject(text=clip(f"*{k}*\n{v}", 2000)) for k, v in pairs[:10]]
    )


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, SECTION_LIMIT))])


def divider() -> DividerBlock:
    return DividerBlock()


def button(
    text: str,
    action_id: str,
    value: str | None = None,
    *,
    style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    return ButtonElement(
        text=clip(text, 75), action_id=action_id, value=value, style=style, confirm=confirm
    )


def actions(*elements: ButtonElement, block_id: str | None = None) -> ActionsBlock:
    return ActionsBlock(elements=list(elements), block_id=block_id)


def confirm(title: str, text: str, yes: str, no: str = "Cancel") -> ConfirmObject:
    return ConfirmObject(title=title, text=text, confirm=yes, deny=no, style="danger")


def option(label: str, value: str) -> Option:
    return Option(text=PlainTextObject(text=clip(label, 75)), value=value)


def options(pairs: Iterable[tuple[str, str]]) -> list[Option]:
    return [option(label, value) for label, value in pairs]


def to_dicts(blocks: Iterable[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]
