"""Loading the shipped prompts into the database and drawing starters without repeats."""

from __future__ import annotations

import json
import random
from collections.abc import Collection
from importlib import resources

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Prompt

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
) -> Prompt:
    """A prompt of ``stage`` within ``depth`` that is not in ``used``.

    When every prompt has been used (a long-running pair), the least recently used ones are
    allowed again rather than sending nothing; ``used`` is oldest-first for that reason.
    """
    candidates = list(
        session.scalars(
            sa.select(Prompt)
            .where(Prompt.stage == stage, Prompt.depth.between(depth[0], depth[1]))
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
