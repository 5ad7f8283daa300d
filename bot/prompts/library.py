"""Loading the shipped prompts into the database and drawing starters without repeats."""

from __future__ import annotations

import json
import random
from collections.abc import Collection
from datetime import datetime
from importlib import resources

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Prompt, PromptUse

STAGES = ("kick-off", "regular", "mid-point", "close-out", "coffee")


def shipped_prompts() -> list[dict[str, object]]:
    text = resources.files("bot.prompts").joinpath("library.json").read_text(encoding="utf-8")
    entries: list[dict[str, object]] = json.loads(text)
    return entries


def sync_prompts(session: Session) -> int:
    """Insert or refresh the shipped prompts by key; prompts added by admins are kept."""
    existing = {p.key: p for p in session.scalars(sa.select(Prompt))}
    changed = 0
    for entry in shipped_prompts():
        key = str(entry["key"])
        prompt = existing.get(key) or Prompt(key=key)
        values = {
            "stage": str(entry["stage"]),
            "practice": str(entry["practice"]),
            "depth": int(str(entry["depth"])),
            "text": str(entry["text"]),
        }
        if key not in existing or any(getattr(prompt, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(prompt, name, value)
            session.add(prompt)
            changed += 1
    return changed


def draw(
    session: Session,
    stage: str,
    *,
    used: Collection[str],
    rng: random.Random,
    depth: tuple[int, int] = (1, 3),
    team_id: str | None = None,
) -> Prompt:
    """A prompt of ``stage`` within ``depth`` that is not in ``used``.

    Shipped prompts serve every workspace; those an admin added serve only ``team_id``'s.
    When every prompt has been used (a long-running pair), the least recently used ones are
    allowed again rather than sending nothing; ``used`` is oldest-first for that reason.
    """
    candidates = list(
        session.scalars(
            sa.select(Prompt)
            .where(
                Prompt.stage == stage,
                Prompt.depth.between(depth[0], depth[1]),
                sa.or_(Prompt.team_id.is_(None), Prompt.team_id == team_id),
            )
            .order_by(Prompt.key)
        )
    )
    if not candidates:
        raise LookupError(f"no prompts for stage {stage!r}")
    fresh = [p for p in candidates if p.key not in used]
    if fresh:
        return rng.choice(fresh)
    order = {key: i for i, key in enumerate(used)}
    return min(candidates, key=lambda p: order.get(p.key, -1))


def depth_for(given: int) -> int:
    """How deep the next prompt for a pair may go, after ``given`` prompts: light first.

    Rapport comes before depth: the first two are light (1), the next two may reach 2, and
    from the fifth on the deepest prompts are in reach.
    """
    return 1 + min(2, given // 2)


def draw_for_pair(
    session: Session,
    *,
    team_id: str,
    mentorship_id: int,
    stage: str,
    now: datetime,
    rng: random.Random,
) -> Prompt:
    """The next prompt for a mentoring pair: never one they had, deeper as they go on.

    Prefers the deepest level now in reach, so a pair moves from light to deep rather than
    drawing light prompts forever; records the use so no later draw repeats it.
    """
    used = list(
        session.scalars(
            sa.select(PromptUse.prompt_key)
            .where(PromptUse.mentorship_id == mentorship_id)
            .order_by(PromptUse.used_at, PromptUse.prompt_key)
        )
    )
    deepest = depth_for(len(used))
    try:
        prompt = draw(session, stage, used=used, rng=rng, depth=(deepest, deepest), team_id=team_id)
        if prompt.key in used:
            raise LookupError("every prompt at this depth was used")
    except LookupError:
        prompt = draw(session, stage, used=used, rng=rng, depth=(1, 3), team_id=team_id)
    existing = session.get(PromptUse, (mentorship_id, prompt.key))
    if existing is None:
        session.add(
            PromptUse(
                mentorship_id=mentorship_id, prompt_key=prompt.key, team_id=team_id, used_at=now
            )
        )
    else:
        existing.used_at = now  # all used up: the least recently used came round again
    return prompt
