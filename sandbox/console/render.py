"""Block Kit and mrkdwn as HTML, so the console shows what Slack's client would show.

Everything is rendered on the server from the blocks the bot really sent, and every piece of
text goes through ``html.escape`` on its way out: the blocks carry what people typed, and the
page inserts these fragments as HTML. Interactive elements carry ``data-*`` attributes (action
id, block id, element type, value) that the page's script reads to send the action back
through the driver, so the browser never needs to understand Block Kit itself.

Nothing here fetches from the network: images are shown as labelled placeholders with a
link, because the console must work offline and must not leak what it shows to third parties.
Images of files uploaded to the sandbox itself (charts) are shown, from the console's own
/api/file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sandbox.workspace import Workspace

Json = Mapping[str, Any]

#: Slack's client refuses to submit a form with an empty required field and says this.
REQUIRED_MESSAGE = "Please complete this required field."

_SAFE_SCHEMES = ("http://", "https://")


@dataclass(frozen=True)
class RenderContext:
    """Who is looking, and what the form they are filling in currently says.

    ``values`` (by block id) override an input's initial value and ``errors`` (by block id)
    appear under it: after Slack answers a submission with ``response_action: errors`` the
    person still sees what they typed, with the bot's complaint beneath the field.
    ``id_prefix`` keeps element ids unique when several surfaces share one page.
    """

    workspace: Workspace
    viewer_tz: str = "UTC"
    values: Mapping[str, object] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    id_prefix: str = "bk"

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.viewer_tz)
        except (ValueError, KeyError):
            return ZoneInfo("UTC")


# ---------------------------------------------------------------------------
# blocks
# ---------------------------------------------------------------------------


def render_blocks(blocks: Sequence[object], ctx: RenderContext) -> str:
    """A list of blocks as one HTML fragment; a malformed block never hides the others."""
    return "".join(render_block(block, ctx) for block in blocks)


def render_block(block: object, ctx: RenderContext) -> str:
    """One block; an unknown or malformed one shows as a small visible note."""
    if not isinstance(block, Mapping):
        return _unsupported("block", "not an object")
    block_type = str(block.get("type", ""))
    renderer = _BLOCK_RENDERERS.get(block_type)
    if renderer is None:
        return _unsupported("block", block_type or "missing type")
    try:
        return renderer(block, ctx)
    except (TypeError, ValueError, KeyError, AttributeError):
        return _unsupported("block", f"{block_type} (malformed)")


def _unsupported(kind: str, what: str) -> str:
    return (
        f'<div class="bk-unsupported" data-testid="unsupported">'
        f"unsupported {escape(kind)}: {escape(what)}</div>"
    )


def _block_attrs(block: Json, block_type: str) -> str:
    block_id = block.get("block_id")
    attrs = f'class="bk-block bk-{escape(block_type)}"'
    if isinstance(block_id, str):
        attrs += f' data-block-id="{escape(block_id)}"'
    return attrs


def _header(block: Json, ctx: RenderContext) -> str:
    return (
        f"<div {_block_attrs(block, 'header')}><h3>{render_text(block.get('text'), ctx)}</h3></div>"
    )


def _section(block: Json, ctx: RenderContext) -> str:
    parts: list[str] = []
    if block.get("text"):
        parts.append(f'<div class="bk-section-text">{render_text(block.get("text"), ctx)}</div>')
    section_fields = block.get("fields") or []
    if section_fields:
        cells = "".join(
            f'<div class="bk-field">{render_text(f, ctx)}</div>' for f in section_fields
        )
        parts.append(f'<div class="bk-fields">{cells}</div>')
    body = f'<div class="bk-section-body">{"".join(parts)}</div>'
    accessory = block.get("accessory")
    if isinstance(accessory, Mapping):
        block_id = str(block.get("block_id", ""))
        body += f'<div class="bk-accessory">{render_element(accessory, block_id, ctx)}</div>'
    return f"<div {_block_attrs(block, 'section')}>{body}</div>"


def _context(block: Json, ctx: RenderContext) -> str:
    items: list[str] = []
    for element in block.get("elements") or []:
        if isinstance(element, Mapping) and element.get("type") == "image":
            items.append(_image_placeholder(element, small=True))
        else:
            items.append(f'<span class="bk-context-item">{render_text(element, ctx)}</span>')
    return f"<div {_block_attrs(block, 'context')}>{''.join(items)}</div>"


def _divider(block: Json, ctx: RenderContext) -> str:
    return f"<hr {_block_attrs(block, 'divider')}>"


def _actions(block: Json, ctx: RenderContext) -> str:
    block_id = str(block.get("block_id", ""))
    elements = "".join(render_element(e, block_id, ctx) for e in block.get("elements") or [])
    return f"<div {_block_attrs(block, 'actions')}>{elements}</div>"


def _image(block: Json, ctx: RenderContext) -> str:
    title = block.get("title")
    caption = f'<div class="bk-image-title">{render_text(title, ctx)}</div>' if title else ""
    return f"<div {_block_attrs(block, 'image')}>{caption}{_image_placeholder(block)}</div>"


def file_image(file_id: str, alt: str) -> str:
    """An image the sandbox itself holds (an upload), served by the console at /api/file."""
    source = f"/api/file?id={quote(file_id, safe='')}"
    return f'<img class="bk-file-img" src="{escape(source)}" alt="{escape(alt)}" loading="lazy">'


def _image_placeholder(element: Json, *, small: bool = False) -> str:
    """An image as its alt text and a link: the console never loads remote content. An image
    of a Slack file (``slack_file``) is an upload the sandbox holds, so it is shown."""
    reference = element.get("slack_file")
    if isinstance(reference, Mapping) and isinstance(reference.get("id"), str):
        return file_image(str(reference["id"]), str(element.get("alt_text", "image")))
    alt = escape(str(element.get("alt_text", "image")))
    url = str(element.get("image_url") or element.get("url") or "")
    label = f"🖼 {alt}"
    css = "bk-img bk-img-small" if small else "bk-img"
    if _is_safe_url(url):
        return (
            f'<a class="{css}" href="{escape(url)}" target="_blank" '
            f'rel="noopener noreferrer" title="{alt}">{label}</a>'
        )
    return f'<span class="{css}" title="{alt}">{label}</span>'


def _markdown(block: Json, ctx: RenderContext) -> str:
    text = str(block.get("text", ""))
    return f"<div {_block_attrs(block, 'markdown')}>{render_mrkdwn(text, ctx)}</div>"


def _input(block: Json, ctx: RenderContext) -> str:
    block_id = str(block.get("block_id", ""))
    element = block.get("element")
    if not isinstance(element, Mapping):
        return _unsupported("input", "missing element")
    element_type = str(element.get("type", ""))
    optional = bool(block.get("optional"))
    field_id = _field_id(ctx, block_id)
    label = render_text(block.get("label"), ctx)
    marker = ' <span class="bk-optional">(optional)</span>' if optional else ""
    control = render_input_control(element, block_id, ctx, field_id=field_id)
    hint = block.get("hint")
    hint_html = f'<div class="bk-hint">{render_text(hint, ctx)}</div>' if hint else ""
    error = ctx.errors.get(block_id)
    error_html = (
        f'<div class="field-error" data-testid="field-error-{escape(block_id)}">'
        f"{escape(error)}</div>"
        if error
        else ""
    )
    invalid = " has-error" if error else ""
    dispatch = ' data-dispatch-action="true"' if block.get("dispatch_action") else ""
    return (
        f'<div class="bk-block bk-input field{invalid}" data-block-id="{escape(block_id)}" '
        f'data-action-id="{escape(str(element.get("action_id", "")))}" '
        f'data-type="{escape(element_type)}" data-optional="{str(optional).lower()}"'
        f'{dispatch} data-testid="field-{escape(block_id)}">'
        f'<label class="bk-label" for="{escape(field_id)}">{label}{marker}</label>'
        f"{control}{hint_html}{error_html}</div>"
    )


def _field_id(ctx: RenderContext, block_id: str) -> str:
    return f"{ctx.id_prefix}-{re.sub(r'[^A-Za-z0-9_-]', '_', block_id)}"


def _rich_text(block: Json, ctx: RenderContext) -> str:
    """The common rich text shapes: sections, lists, quotes and preformatted runs."""
    parts = [_rich_element(element, ctx) for element in block.get("elements") or []]
    return f"<div {_block_attrs(block, 'rich_text')}>{''.join(parts)}</div>"


def _rich_element(element: object, ctx: RenderContext) -> str:
    if not isinstance(element, Mapping):
        return ""
    kind = element.get("type")
    children = element.get("elements") or []
    if kind == "rich_text_section":
        return f"<div>{''.join(_rich_inline(c, ctx) for c in children)}</div>"
    if kind == "rich_text_preformatted":
        inner = "".join(_rich_inline(c, ctx) for c in children)
        return f'<pre class="mrkdwn-pre">{inner}</pre>'
    if kind == "rich_text_quote":
        return f"<blockquote>{''.join(_rich_inline(c, ctx) for c in children)}</blockquote>"
    if kind == "rich_text_list":
        tag = "ol" if element.get("style") == "ordered" else "ul"
        items = "".join(f"<li>{_rich_element(c, ctx)}</li>" for c in children)
        return f"<{tag}>{items}</{tag}>"
    return _unsupported("rich text", str(kind))


def _rich_inline(element: object, ctx: RenderContext) -> str:
    if not isinstance(element, Mapping):
        return ""
    kind = element.get("type")
    if kind == "text":
        html = escape(str(element.get("text", ""))).replace("\n", "<br>")
    elif kind == "link":
        url = str(element.get("url", ""))
        label = escape(str(element.get("text") or url))
        html = _link(url, label)
    elif kind == "user":
        html = _user_mention(str(element.get("user_id", "")), None, ctx)
    elif kind == "channel":
        html = _channel_mention(str(element.get("channel_id", "")), None, ctx)
    elif kind == "emoji":
        shown = (
            _unicode_emoji(element) if element.get("unicode") else f":{element.get('name', '')}:"
        )
        html = escape(shown)
    elif kind == "broadcast":
        html = f'<span class="mention">@{escape(str(element.get("range", "here")))}</span>'
    else:
        return ""
    style = element.get("style") or {}
    if isinstance(style, Mapping):
        for key, tag in (("bold", "b"), ("italic", "i"), ("strike", "s"), ("code", "code")):
            if style.get(key):
                html = f"<{tag}>{html}</{tag}>"
    return html


def _unicode_emoji(element: Json) -> str:
    try:
        return "".join(chr(int(p, 16)) for p in str(element.get("unicode", "")).split("-"))
    except ValueError:
        return f":{element.get('name', '')}:"


_BLOCK_RENDERERS: dict[str, Callable[[Json, RenderContext], str]] = {
    "header": _header,
    "section": _section,
    "context": _context,
    "divider": _divider,
    "actions": _actions,
    "image": _image,
    "input": _input,
    "rich_text": _rich_text,
    "markdown": _markdown,
}


# ---------------------------------------------------------------------------
# text objects and mrkdwn
# ---------------------------------------------------------------------------


def render_text(obj: object, ctx: RenderContext) -> str:
    """A text object (plain_text or mrkdwn), or a bare string as Slack's legacy fields allow."""
    if obj is None:
        return ""
    if isinstance(obj, str):
        return escape(obj)
    if not isinstance(obj, Mapping):
        return ""
    text = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return render_mrkdwn(text, ctx)
    return escape(text).replace("\n", "<br>")


def plain(obj: object) -> str:
    """The raw text of a text object, for titles and labels the page sets as text."""
    if isinstance(obj, str):
        return obj
    if isinstance(obj, Mapping):
        return str(obj.get("text", ""))
    return ""


_PRE = re.compile(r"```(.*?)```", re.DOTALL)
_INLINE_TOKEN = re.compile(r"`([^`\n]+)`|<([^<>\n]+)>")
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
_QUOTE_PREFIX = re.compile(r"^(?:&gt;|>) ?")


def _emphasis(marker: str) -> re.Pattern[str]:
    m = re.escape(marker)
    # Slack's rule: the markers hug the text and sit at word boundaries, so snake_case_names
    # and 2*3*4 stay as they are.
    return re.compile(rf"(?<![A-Za-z0-9{m}]){m}(?=\S)([^{m}\n]*?\S){m}(?![A-Za-z0-9{m}])")


_EMPHASIS = ((_emphasis("*"), "b"), (_emphasis("_"), "i"), (_emphasis("~"), "s"))


def render_mrkdwn(text: str, ctx: RenderContext) -> str:
    """Slack mrkdwn as HTML.

    Slack sends ``&``, ``<`` and ``>`` as entities, and ``<...>`` with real angle brackets
    marks a mention, a date or a link; so those sequences are taken out first, the rest is
    decoded and re-escaped, and only then is emphasis applied to the escaped text (which can
    no longer contain markup of its own).
    """
    text = text.replace("\x00", "")
    out: list[str] = []
    position = 0
    for match in _PRE.finditer(text):
        # The newlines around a block are its own edges, not empty lines of text.
        before = text[position : match.start()].removesuffix("\n")
        out.append(_render_lines(before if position == 0 else before.removeprefix("\n"), ctx))
        body = match.group(1).strip("\n")
        out.append(f'<pre class="mrkdwn-pre">{escape(_unslack(body))}</pre>')
        position = match.end()
    rest = text[position:]
    out.append(_render_lines(rest.removeprefix("\n") if position else rest, ctx))
    return "".join(out)


def _render_lines(text: str, ctx: RenderContext) -> str:
    if not text:
        return ""
    html: list[str] = []
    quote: list[str] = []
    plain_lines: list[str] = []

    def flush_plain() -> None:
        if plain_lines:
            html.append("<br>".join(plain_lines))
            plain_lines.clear()

    def flush_quote() -> None:
        if quote:
            html.append(f"<blockquote>{'<br>'.join(quote)}</blockquote>")
            quote.clear()

    for line in text.split("\n"):
        prefix = _QUOTE_PREFIX.match(line)
        if prefix:
            flush_plain()
            quote.append(_render_inline(line[prefix.end() :], ctx))
        else:
            flush_quote()
            plain_lines.append(_render_inline(line, ctx))
    flush_plain()
    flush_quote()
    return "".join(html)


def _render_inline(line: str, ctx: RenderContext) -> str:
    tokens: list[str] = []

    def stash(match: re.Match[str]) -> str:
        code, special = match.groups()
        if code is not None:
            tokens.append(f"<code>{escape(_unslack(code))}</code>")
        else:
            tokens.append(_special(special, ctx))
        return f"\x00{len(tokens) - 1}\x00"

    stashed = _INLINE_TOKEN.sub(stash, line)
    html = escape(_unslack(stashed))
    for pattern, tag in _EMPHASIS:
        html = pattern.sub(rf"<{tag}>\1</{tag}>", html)
    return _PLACEHOLDER.sub(lambda m: tokens[int(m.group(1))], html)


def _unslack(text: str) -> str:
    """Undo the only three entities Slack uses (``&amp;`` last, so ``&amp;lt;`` stays ``&lt;``)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _special(body: str, ctx: RenderContext) -> str:
    """What a ``<...>`` sequence shows: a mention, a broadcast, a date or a link."""
    target, _, label = body.partition("|")
    label_given = "|" in body
    if target.startswith("@"):
        return _user_mention(target[1:], label if label_given else None, ctx)
    if target.startswith("#"):
        return _channel_mention(target[1:], label if label_given else None, ctx)
    if target.startswith("!"):
        return _command(target[1:], label if label_given else None, ctx)
    url = _unslack(target)
    shown = escape(_unslack(label)) if label_given and label else escape(url)
    return _link(url, shown)


def _link(url: str, label_html: str) -> str:
    if not _is_safe_url(url):
        return label_html
    return f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{label_html}</a>'


def _is_safe_url(url: str) -> bool:
    return url.strip().lower().startswith(_SAFE_SCHEMES) and url == url.strip()


def _user_mention(user_id: str, label: str | None, ctx: RenderContext) -> str:
    user = ctx.workspace.users.get(user_id)
    if user is not None:
        name = user.real_name or user.name
    elif label:
        name = _unslack(label)
    else:
        name = user_id
    return f'<span class="mention" data-user-id="{escape(user_id)}">@{escape(name)}</span>'


def _channel_mention(channel_id: str, label: str | None, ctx: RenderContext) -> str:
    channel = ctx.workspace.channels.get(channel_id)
    if label:
        name = _unslack(label)
    elif channel is not None:
        name = channel.name
    else:
        name = channel_id
    return f'<span class="mention channel">#{escape(name)}</span>'


def _command(body: str, label: str | None, ctx: RenderContext) -> str:
    if body in ("here", "channel", "everyone"):
        return f'<span class="mention">@{escape(body)}</span>'
    if body.startswith("subteam^"):
        name = _unslack(label) if label else "group"
        return f'<span class="mention">{escape(name)}</span>'
    if body.startswith("date^"):
        return escape(_slack_date(body, label or "", ctx))
    return escape(_unslack(label or ""))


def _slack_date(body: str, fallback: str, ctx: RenderContext) -> str:
    """``<!date^ts^format|fallback>`` in the viewer's own time zone, as Slack shows it."""
    parts = body.split("^")
    if len(parts) < 3:
        return _unslack(fallback)
    try:
        moment = datetime.fromtimestamp(int(parts[1]), UTC).astimezone(ctx.zone())
    except (ValueError, OverflowError, OSError):
        return _unslack(fallback)
    template = _unslack(parts[2])
    unknown = False

    def token(match: re.Match[str]) -> str:
        nonlocal unknown
        formatter = _DATE_TOKENS.get(match.group(1))
        if formatter is None:
            unknown = True
            return ""
        return formatter(moment)

    shown = re.sub(r"\{(\w+)\}", token, template)
    return _unslack(fallback) if unknown else shown


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _clock_time(moment: datetime, seconds: bool = False) -> str:
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    secs = f":{moment.second:02d}" if seconds else ""
    return f"{hour}:{moment.minute:02d}{secs} {half}"


def _long_date(m: datetime) -> str:
    return f"{m:%A}, {m:%B} {_ordinal(m.day)}, {m.year}"


def _date(m: datetime) -> str:
    return f"{m:%B} {_ordinal(m.day)}, {m.year}"


def _short_date(m: datetime) -> str:
    return f"{m:%b} {m.day}, {m.year}"


_DATE_TOKENS: dict[str, Callable[[datetime], str]] = {
    "date_num": lambda m: m.strftime("%Y-%m-%d"),
    "date": _date,
    "date_short": _short_date,
    "date_long": _long_date,
    "date_pretty": _date,
    "date_short_pretty": _short_date,
    "date_long_pretty": _long_date,
    "time": _clock_time,
    "time_secs": lambda m: _clock_time(m, seconds=True),
}


# ---------------------------------------------------------------------------
# interactive elements (in actions blocks, accessories and inputs)
# ---------------------------------------------------------------------------


def _data_attrs(element: Json, block_id: str, **extra: str) -> str:
    attrs = {
        "data-action-id": str(element.get("action_id", "")),
        "data-block-id": block_id,
        "data-type": str(element.get("type", "")),
        **{k.replace("_", "-"): v for k, v in extra.items()},
    }
    return " ".join(f'{name}="{escape(value)}"' for name, value in attrs.items())


def render_element(element: object, block_id: str, ctx: RenderContext) -> str:
    """An element in an actions block or a section accessory: using it sends an action."""
    if not isinstance(element, Mapping):
        return _unsupported("element", "not an object")
    element_type = str(element.get("type", ""))
    if element_type == "button":
        return _button(element, block_id, ctx)
    if element_type == "image":
        return _image_placeholder(element, small=True)
    if element_type == "overflow":
        return _overflow(element, block_id, ctx)
    if element_type in _SELECT_CHOICES or element_type in _PICKERS:
        control = render_input_control(element, block_id, ctx, field_id=None)
        return f'<span class="bk-el bk-action" {_data_attrs(element, block_id)}>{control}</span>'
    return _unsupported("element", element_type)


def _button(element: Json, block_id: str, ctx: RenderContext) -> str:
    style = element.get("style")
    css = "bk-button" + (
        f" bk-button-{escape(str(style))}" if style in ("primary", "danger") else ""
    )
    extra: dict[str, str] = {}
    if "value" in element:
        extra["data_value"] = str(element["value"])
    url = element.get("url")
    confirm = element.get("confirm")
    confirm_html = ""
    if isinstance(confirm, Mapping):
        extra["data_confirm"] = "true"
        confirm_html = _confirm(confirm, ctx)
    label = render_text(element.get("text"), ctx)
    button = (
        f'<button type="button" class="bk-el {css}" {_data_attrs(element, block_id, **extra)}>'
        f"{label}</button>"
    )
    if isinstance(url, str) and _is_safe_url(url):
        # A link button opens the page and still tells the app it was clicked.
        button = (
            f'<a class="bk-el {css}" href="{escape(url)}" target="_blank" '
            f'rel="noopener noreferrer" {_data_attrs(element, block_id, **extra)}>{label}</a>'
        )
    return f'<span class="bk-button-wrap">{button}{confirm_html}</span>'


def _confirm(confirm: Json, ctx: RenderContext) -> str:
    """The dialog Slack shows before sending a dangerous action; the page script displays it."""
    title = render_text(confirm.get("title"), ctx)
    text = render_text(confirm.get("text"), ctx)
    yes = render_text(confirm.get("confirm") or "Yes", ctx)
    no = render_text(confirm.get("deny") or "Cancel", ctx)
    style = escape(str(confirm.get("style", "")))
    return (
        f'<template class="bk-confirm" data-style="{style}">'
        f'<div class="confirm-title">{title}</div><div class="confirm-text">{text}</div>'
        f'<span class="confirm-yes">{yes}</span><span class="confirm-no">{no}</span>'
        f"</template>"
    )


def _overflow(element: Json, block_id: str, ctx: RenderContext) -> str:
    choices = "".join(
        f'<option value="{escape(str(o.get("value", "")))}">{escape(plain(o.get("text")))}</option>'
        for o in _options(element)
    )
    return (
        f'<select class="bk-el bk-overflow" aria-label="More actions" '
        f'{_data_attrs(element, block_id)}><option value="" selected>⋯</option>{choices}</select>'
    )


# Selects whose choices come from the element itself or from the workspace.
_SELECT_CHOICES = frozenset(
    {
        "static_select",
        "multi_static_select",
        "external_select",
        "multi_external_select",
        "users_select",
        "multi_users_select",
        "conversations_select",
        "multi_conversations_select",
        "channels_select",
        "multi_channels_select",
        "checkboxes",
        "radio_buttons",
    }
)
_PICKERS = frozenset({"datepicker", "timepicker", "datetimepicker"})
_TEXT_INPUTS = {
    "plain_text_input": "text",
    "email_text_input": "email",
    "url_text_input": "url",
    "number_input": "number",
}
# Where each element keeps its preset value.
_INITIAL_KEYS = {
    "plain_text_input": "initial_value",
    "email_text_input": "initial_value",
    "url_text_input": "initial_value",
    "number_input": "initial_value",
    "static_select": "initial_option",
    "radio_buttons": "initial_option",
    "multi_static_select": "initial_options",
    "checkboxes": "initial_options",
    "users_select": "initial_user",
    "multi_users_select": "initial_users",
    "conversations_select": "initial_conversation",
    "multi_conversations_select": "initial_conversations",
    "channels_select": "initial_channel",
    "multi_channels_select": "initial_channels",
    "datepicker": "initial_date",
    "timepicker": "initial_time",
    "datetimepicker": "initial_date_time",
}


def render_input_control(
    element: Json, block_id: str, ctx: RenderContext, *, field_id: str | None
) -> str:
    """The form control for an element, preset to the draft value or the element's initial one."""
    element_type = str(element.get("type", ""))
    selected = _current(element, block_id, ctx)
    id_attr = f' id="{escape(field_id)}"' if field_id else ""
    name = f' name="{escape(block_id)}"'
    if element_type in _TEXT_INPUTS:
        return _text_input(element, element_type, selected, id_attr + name)
    if element_type == "checkboxes":
        return _choice_list(element, "checkbox", selected, block_id, ctx)
    if element_type == "radio_buttons":
        return _choice_list(element, "radio", selected, block_id, ctx)
    if element_type in _SELECT_CHOICES:
        return _select(element, element_type, selected, ctx, id_attr + name)
    if element_type in _PICKERS:
        return _picker(element_type, selected, ctx, id_attr + name)
    return _unsupported("input", element_type)


def _current(element: Json, block_id: str, ctx: RenderContext) -> list[str]:
    """What the control shows as chosen or typed, as strings: the draft wins over the preset."""
    if block_id in ctx.values:
        return [str(v) for v in _as_list(ctx.values[block_id]) if v is not None]
    initial = element.get(_INITIAL_KEYS.get(str(element.get("type", "")), ""))
    if initial is None:
        return []
    values: list[str] = []
    for item in _as_list(initial):
        if isinstance(item, Mapping):
            values.append(str(item.get("value", "")))
        else:
            values.append(str(item))
    return values


def _as_list(value: object) -> list[object]:
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _text_input(element: Json, element_type: str, selected: list[str], attrs: str) -> str:
    value = selected[0] if selected else ""
    placeholder = plain(element.get("placeholder"))
    if placeholder:
        attrs += f' placeholder="{escape(placeholder)}"'
    for key, attr in (("max_length", "maxlength"), ("min_length", "minlength")):
        if isinstance(element.get(key), int):
            attrs += f' {attr}="{int(element[key])}"'
    if element_type == "number_input":
        for key in ("min_value", "max_value"):
            if element.get(key) is not None:
                attrs += f' {key[:3]}="{escape(str(element[key]))}"'
        attrs += ' step="any"' if element.get("is_decimal_allowed") else ' step="1"'
    if element.get("focus_on_load"):
        attrs += " autofocus"
    if element_type == "plain_text_input" and element.get("multiline"):
        return f'<textarea class="bk-control" rows="4"{attrs}>{escape(value)}</textarea>'
    html_type = _TEXT_INPUTS[element_type]
    return f'<input class="bk-control" type="{html_type}"{attrs} value="{escape(value)}">'


def _options(element: Json) -> list[Json]:
    options = [o for o in element.get("options") or [] if isinstance(o, Mapping)]
    for group in element.get("option_groups") or []:
        if isinstance(group, Mapping):
            options.extend(o for o in group.get("options") or [] if isinstance(o, Mapping))
    return options


def _workspace_choices(element_type: str, ctx: RenderContext) -> list[tuple[str, str]]:
    ws = ctx.workspace
    if "users" in element_type:
        return [(u.id, u.real_name or u.name) for u in ws.people]
    return [(c.id, f"#{c.name}") for c in ws.channels.values()]


def _select(
    element: Json, element_type: str, selected: list[str], ctx: RenderContext, attrs: str
) -> str:
    multiple = element_type.startswith("multi_")
    chosen = set(selected)

    def option_html(value: str, label_html: str) -> str:
        mark = " selected" if value in chosen else ""
        return f'<option value="{escape(value)}"{mark}>{label_html}</option>'

    if element_type in ("static_select", "multi_static_select"):
        groups = element.get("option_groups")
        if groups:
            inner = "".join(
                f'<optgroup label="{escape(plain(g.get("label")))}">'
                + "".join(
                    option_html(str(o.get("value", "")), escape(plain(o.get("text"))))
                    for o in g.get("options") or []
                )
                + "</optgroup>"
                for g in groups
                if isinstance(g, Mapping)
            )
        else:
            inner = "".join(
                option_html(str(o.get("value", "")), escape(plain(o.get("text"))))
                for o in _options(element)
            )
    elif element_type in ("external_select", "multi_external_select"):
        inner = "".join(option_html(v, escape(v)) for v in selected)
    else:
        inner = "".join(
            option_html(value, escape(label))
            for value, label in _workspace_choices(element_type, ctx)
        )
    placeholder = plain(element.get("placeholder")) or "Select an item"
    if multiple:
        size = min(6, max(2, inner.count("<option")))
        return f'<select class="bk-control" multiple size="{size}"{attrs}>{inner}</select>'
    empty = "" if chosen else " selected"
    lead = f'<option value=""{empty}>{escape(placeholder)}</option>'
    return f'<select class="bk-control"{attrs}>{lead}{inner}</select>'


def _choice_list(
    element: Json, kind: str, selected: list[str], block_id: str, ctx: RenderContext
) -> str:
    chosen = set(selected)
    items: list[str] = []
    for option in _options(element):
        value = str(option.get("value", ""))
        mark = " checked" if value in chosen else ""
        description = option.get("description")
        desc = (
            f'<span class="bk-choice-desc">{render_text(description, ctx)}</span>'
            if description
            else ""
        )
        items.append(
            f'<label class="bk-choice"><input type="{kind}" name="{escape(block_id)}" '
            f'value="{escape(value)}"{mark}> <span>{render_text(option.get("text"), ctx)}</span>'
            f"{desc}</label>"
        )
    return f'<div class="bk-choices bk-{kind}">{"".join(items)}</div>'


def _picker(element_type: str, selected: list[str], ctx: RenderContext, attrs: str) -> str:
    value = selected[0] if selected else ""
    if element_type == "datepicker":
        return f'<input class="bk-control" type="date"{attrs} value="{escape(value)}">'
    if element_type == "timepicker":
        return f'<input class="bk-control" type="time"{attrs} value="{escape(value)}">'
    # A datetimepicker holds epoch seconds; the browser's control wants local wall time.
    local = ""
    if value.isdigit():
        moment = datetime.fromtimestamp(int(value), UTC).astimezone(ctx.zone())
        local = moment.strftime("%Y-%m-%dT%H:%M")
    elif value:
        local = value
    return f'<input class="bk-control" type="datetime-local"{attrs} value="{escape(local)}">'


def input_blocks(blocks: Iterable[object]) -> list[Json]:
    """The input blocks of a view, which are what a submission reports."""
    return [
        b
        for b in blocks
        if isinstance(b, Mapping) and b.get("type") == "input" and b.get("element")
    ]
