"""One place that turns a failure inside a listener into a clear answer instead of a traceback."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from pydantic import ValidationError
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError

from bot.errors import UserFacingError
from models.forms import FormErrors

log = logging.getLogger(__name__)
T = TypeVar("T")

Reply = Callable[..., object]

SLACK_FAILED = "Slack didn't accept my answer just now; please try again in a moment."
WE_FAILED = "Something went wrong on my side; nothing you had was changed. Please try again."


@contextmanager
def guarded(*, respond: Reply | None = None) -> Iterator[None]:
    """Answer a person's mistake with its message and our own with an apology.

    Only error codes and types are logged: payloads may hold profile text, never to be logged.
    """
    try:
        yield
    except UserFacingError as error:
        _tell(respond, error.message)
    except SlackApiError as error:
        log.warning("Slack API call failed: %s", error.response.get("error"))
        _tell(respond, SLACK_FAILED)
    except Exception as error:
        log.error("listener failed: %s", describe(error))
        _tell(respond, WE_FAILED)


def inline_errors(error: Exception, fallback_block: str) -> dict[str, str]:
    """Slack's ``response_action: errors`` for a modal whose submission was refused.

    Field problems land under their own inputs; anything else under ``fallback_block``.
    """
    if isinstance(error, ValidationError):
        return FormErrors.from_validation(error).errors
    if isinstance(error, FormErrors):
        return error.errors
    if isinstance(error, UserFacingError):
        return {fallback_block: error.message}
    raise error


REFUSED_SUBMISSION = (ValidationError, FormErrors, UserFacingError)
RACED = "Someone saved at the same moment; please submit again."


def answer_submission(
    ack: Callable[..., object],
    view: dict[str, Any],
    fallback_block: str,
    save: Callable[[], T],
) -> T | None:
    """Save a modal's submission before acking, and turn every failure into inline errors.

    Slack shows errors only in the ack, so nothing may escape: a refusal lands under its field,
    anything else under ``fallback_block`` with an apology, and the modal stays open.
    """
    try:
        result = save()
    except REFUSED_SUBMISSION as error:
        errors = inline_errors(error, fallback_block)
    except IntegrityError:
        errors = {fallback_block: RACED}
    except SlackApiError as error:
        log.warning("Slack API call failed: %s", error.response.get("error"))
        errors = {fallback_block: SLACK_FAILED}
    except Exception as error:
        log.error("submission failed: %s", describe(error))
        errors = {fallback_block: WE_FAILED}
    else:
        ack()
        return result
    blocks = {b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"}
    shown: dict[str, str] = {}
    for block_id, message in errors.items():
        # An error for a field this (perhaps outdated) form lacks goes under the fallback.
        shown.setdefault(block_id if block_id in blocks else fallback_block, message)
    ack(response_action="errors", errors=shown)
    return None


def describe(error: BaseException) -> str:
    """The error's type and where it arose, but not its message, which may quote input."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{where}"


def _tell(respond: Reply | None, text: str) -> None:
    if respond is None:
        return
    try:
        respond(text=text)
    except Exception as error:  # the person may be gone; the failure is already logged
        log.warning("could not tell the person about a failure: %s", type(error).__name__)
