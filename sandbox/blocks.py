"""Block Kit as Slack checks it: message blocks, modal and Home views, interactive elements."""

from __future__ import annotations

import copy
import secrets
import string
from collections.abc import Iterator

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from sandbox.records import JsonDict, slack_error

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100

_BLOCK_ID_ALPHABET = string.ascii_letters + string.digits


def block_errors(blocks: object, *, limit: int, pointer: str = "/blocks") -> list[str]:
    """Slack-formatted reasons why ``blocks`` would be rejected, or an empty list.

    Field limits come from slack_sdk's models (``to_dict`` validates recursively) so the
    sandbox and the SDK agree; block-id uniqueness is checked here because the models
    cannot see sibling blocks.
    """
    if not isinstance(blocks, list):
        return [slack_error("must be an array", pointer)]
    errors: list[str] = []
    if len(blocks) > limit:
        errors.append(slack_error(f"no more than {limit} items allowed", pointer))
    seen_block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        here = f"{pointer}/{index}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            errors.append(slack_error("missing required field: type", here))
            continue
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen_block_ids:
                errors.append(slack_error(f"duplicate block_id: {block_id}", f"{here}/block_id"))
            seen_block_ids.add(block_id)
        errors.extend(_single_block_errors(block, here))
    return errors


def _single_block_errors(block: JsonDict, pointer: str) -> list[str]:
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return [slack_error(f"unsupported type: {block['type']}", f"{pointer}/type")]
        parsed.to_dict()
    except SlackObjectFormationError as exc:
        return [slack_error(str(exc), pointer)]
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        return [slack_error(f"invalid block: {exc}", pointer)]
    action_ids = [str(e["action_id"]) for e in _interactive_elements(block) if e.get("action_id")]
    duplicates = sorted({a for a in action_ids if action_ids.count(a) > 1})
    return [slack_error(f"duplicate action_id: {a}", pointer) for a in duplicates]


def view_errors(view: object) -> list[str]:
    """Reasons why a modal or Home view would be rejected, in Slack's format.

    View-level limits (title length, 1..100 blocks, private_metadata size ...) come from
    slack_sdk's ``View`` validators; the blocks themselves go through ``block_errors``.
    """
    if not isinstance(view, dict):
        return [slack_error("must be an object", "/view")]
    view_type = view.get("type")
    if view_type not in ("modal", "home"):
        return [slack_error("must be one of: modal, home", "/view/type")]
    errors: list[str] = []
    if view_type == "modal" and not view.get("title"):
        errors.append(slack_error("missing required field: title", "/view/title"))
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return [*errors, slack_error("missing required field: blocks", "/view/blocks")]
    errors.extend(block_errors(blocks, limit=len(blocks), pointer="/view/blocks"))
    has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
    if view_type == "modal" and has_input and not view.get("submit"):
        errors.append(
            slack_error("submit is required when the view has input blocks", "/view/submit")
        )
    if errors:
        return errors  # View() would trip over the same malformed blocks
    try:
        View(**view).validate_json()  # the view's own validators, not the nested blocks'
    except SlackObjectFormationError as exc:
        errors.append(slack_error(str(exc), "/view"))
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        errors.append(slack_error(f"invalid view: {exc}", "/view"))
    return errors


def slack_file_references(blocks: object, pointer: str) -> Iterator[tuple[str, JsonDict]]:
    """Each ``slack_file`` object of an image block or image element in ``blocks``, with its
    JSON pointer: images by file id, which Slack resolves against its files on receipt."""
    if not isinstance(blocks, list):
        return
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        here = f"{pointer}/{index}"
        candidates: list[tuple[str, object]] = [(here, block)]
        accessory = block.get("accessory")
        candidates.append((f"{here}/accessory", accessory))
        elements = block.get("elements") if block.get("type") == "context" else None
        if isinstance(elements, list):
            candidates.extend((f"{here}/elements/{i}", e) for i, e in enumerate(elements))
        for where, item in candidates:
            if isinstance(item, dict) and item.get("type") == "image":
                reference = item.get("slack_file")
                if isinstance(reference, dict):
                    yield f"{where}/slack_file", reference


def _interactive_elements(block: JsonDict) -> Iterator[JsonDict]:
    """The elements a person can act on inside one block, in display order."""
    if block.get("type") in ("actions", "context_actions"):
        elements = block.get("elements")
        if isinstance(elements, list):
            yield from (e for e in elements if isinstance(e, dict))
    for key in ("accessory", "element"):
        element = block.get(key)
        if isinstance(element, dict):
            yield element


def interactive_elements(blocks: list[JsonDict]) -> Iterator[tuple[JsonDict, JsonDict]]:
    """Every ``(block, element)`` pair a person could act on, in display order."""
    for block in blocks:
        for element in _interactive_elements(block):
            yield block, element


def with_generated_ids(blocks: list[JsonDict]) -> list[JsonDict]:
    """Copy ``blocks``, filling in missing block_id/action_id as Slack does on receipt.

    Payloads that come back from clicks and submissions carry these ids, so the stored
    copy must have them for the driver to build faithful payloads.
    """
    stored = copy.deepcopy(blocks)
    for block in stored:
        if not block.get("block_id"):
            block["block_id"] = _generated_id()
        for element in _interactive_elements(block):
            if not element.get("action_id"):
                element["action_id"] = _generated_id()
    return stored


def _generated_id() -> str:
    return "".join(secrets.choice(_BLOCK_ID_ALPHABET) for _ in range(5))
