"""What a person submits in the check-in modal, validated before anything is stored.

Field names equal the modal's block ids (a goal's progress arrives as ``goal_<id>``), so a
refusal lands under its own field through Slack's inline errors.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models import GoalProgressLevel, MeetingAnswer
from models.forms import FormErrors

MAX_NOTE = 1000
MAX_HELP_TEXT = 1000
GOAL_PREFIX = "goal_"


class CheckInAnswer(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, frozen=True, extra="ignore")

    met: MeetingAnswer
    usefulness: int | None = Field(default=None, ge=1, le=5)
    #: Goal id -> how the person sees it now; goals left unanswered are absent.
    progress: dict[int, GoalProgressLevel] = Field(default_factory=dict)
    note: str = Field(default="", max_length=MAX_NOTE)
    #: The "I'd like help from the program owner" box.
    help: bool = False
    #: What the owner should know: the only words that leave the person's check-in.
    help_text: str = Field(default="", max_length=MAX_HELP_TEXT)

    @model_validator(mode="before")
    @classmethod
    def _gather(cls, data: object) -> object:
        """Per-goal selects arrive flat as ``goal_<id>``; a ticked box as a list of options."""
        if not isinstance(data, dict):
            return data
        flat = dict(data)
        progress = dict(flat.pop("progress", {}) or {})
        for name in [k for k in flat if isinstance(k, str) and k.startswith(GOAL_PREFIX)]:
            value = flat.pop(name)
            goal_id = name.removeprefix(GOAL_PREFIX)
            if goal_id.isdigit() and value:
                progress[int(goal_id)] = value
        flat["progress"] = progress
        if isinstance(flat.get("help"), list):
            flat["help"] = bool(flat["help"])
        return flat


HELP_UNTICKED = "Tick “I'd like help from the program owner” to send this, or clear it."


def parse_answer(values: dict[str, object]) -> CheckInAnswer:
    """The submitted modal as a :class:`CheckInAnswer`; raises ValidationError or FormErrors.

    Words for the owner are shared only with the box ticked: rather than drop them silently
    when it isn't, the person is asked which they meant.
    """
    answer = CheckInAnswer.model_validate(values)
    if answer.help_text and not answer.help:
        raise FormErrors({"help_text": HELP_UNTICKED})
    return answer
