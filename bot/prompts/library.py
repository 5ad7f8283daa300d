"""Loading the shipped prompts into the database and drawing starters without repeats."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from importlib import resources

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Prompt, PromptUse

STAGES = ("kick-off", "regular", "mid-point", "close-out", "coffee")
#: The mentoring practices a prompt exercises, from the program's founding brief.
PRACTICES = (
    "sharing stories",
    "active listening",
    "informal chat",
    "feedback",
    "expectations",
    "self-doubt",
    "reflection",
)
DEPTHS = {1: "light", 2: "medium", 3: "deep"}
MAX_TEXT = 500
MAX_KEY = 64
#: Keys of prompts admins add start with this; the shipped library may not use it.
CUSTOM_PREFIX = "custom-"

#: Shorter words people type after ``/mentor prompt`` for a stage or practice.
ALIASES = {
    "kickoff": "kick-off",
    "start": "kick-off",
    "checkin": "regular",
    "midpoint": "mid-point",
    "midway": "mid-point",
    "closeout": "close-out",
    "end": "close-out",
    "stories": "sharing stories",
    "story": "sharing stories",
    "listening": "active listening",
    "listen": "active listening",
    "chat": "informal chat",
    "informal": "informal chat",
    "doubt": "self-doubt",
    "expectation": "expectations",
    "goals": "expectations",
    "reflect": "reflection",
}


class LibraryError(ValueError):
    """The shipped library (or a file standing in for it) has an entry that can't be used."""


@dataclass(frozen=True)
class LibraryEntry:
    key: str
    stage: str
    practice: str
    depth: int
    text: str


def parse_library(raw: str) -> list[LibraryEntry]:
    """Every entry of a library file, checked as strictly as the database will hold it.

    A mistake in the data would otherwise surface months later as a check-in that can't be
    sent, or as a prompt no rotation ever reaches; failing at start-up names the entry.
    """
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise LibraryError(f"the library is not JSON: {error}") from None
    if not isinstance(data, list):
        raise LibraryError("the library must be a JSON list of prompts")
    entries: list[LibraryEntry] = []
    seen: set[str] = set()
    for index, item in enumerate(data):
        entry = _entry(index, item)
        if entry.key in seen:
            raise LibraryError(f"prompt key {entry.key!r} appears twice")
        seen.add(entry.key)
        entries.append(entry)
    return entries


def _entry(index: int, item: object) -> LibraryEntry:
    where = f"prompt #{index + 1}"
    if not isinstance(item, dict):
        raise LibraryError(f"{where} is not an object")
    if set(item) != {"key", "stage", "practice", "depth", "text"}:
        raise LibraryError(f"{where} needs exactly key, stage, practice, depth and text")
    key, stage, practice, depth, text = (
        item["key"],
        item["stage"],
        item["practice"],
        item["depth"],
        item["text"],
    )
    if not isinstance(key, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", key):
        raise LibraryError(f"{where}: the key must be lower-case letters, digits and hyphens")
    where = f"prompt {key!r}"
    if len(key) > MAX_KEY or key.startswith(CUSTOM_PREFIX):
        raise LibraryError(f"{where}: keys are at most {MAX_KEY} long and never {CUSTOM_PREFIX}…")
    if stage not in STAGES:
        raise LibraryError(f"{where}: unknown stage {stage!r}; use one of {', '.join(STAGES)}")
    if practice not in PRACTICES:
        raise LibraryError(
            f"{where}: unknown practice {practice!r}; use one of {', '.join(PRACTICES)}"
        )
    if isinstance(depth, bool) or depth not in DEPTHS:
        raise LibraryError(f"{where}: depth must be 1 (light), 2 (medium) or 3 (deep)")
    if not isinstance(text, str) or not text.strip():
        raise LibraryError(f"{where}: the text is empty")
    if text != text.strip() or len(text) > MAX_TEXT:
        raise LibraryError(f"{where}: the text must be trimmed and at most {MAX_TEXT} long")
    return LibraryEntry(key, stage, practice, int(depth), text)


def shipped_library() -> list[LibraryEntry]:
    text = resources.files("bot.prompts").joinpath("library.json").read_text(encoding="utf-8")
    return parse_library(text)


def shipped_prompts() -> list[dict[str, object]]:
    return [asdict(entry) for entry in shipped_library()]


def sync_prompts(session: Session, entries: Sequence[LibraryEntry] | None = None) -> int:
    """Insert or refresh the shipped prompts by key; prompts added by admins are kept.

    Nothing is deleted: a pair's history and old check-ins name prompts by key, and a prompt
    an admin added (it has a ``team_id``) is never overwritten, even on a clash of keys.
    """
    existing = {p.key: p for p in session.scalars(sa.select(Prompt))}
    changed = 0
    for entry in shipped_library() if entries is None else entries:
        prompt = existing.get(entry.key)
        if prompt is not None and prompt.team_id is not None:
            continue
        prompt = prompt or Prompt(key=entry.key)
        values = {
            "stage": entry.stage,
            "practice": entry.practice,
            "depth": entry.depth,
            "text": entry.text,
        }
        if entry.key not in existing or any(getattr(prompt, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(prompt, name, value)
            session.add(prompt)
            changed += 1
    return changed


@dataclass(frozen=True)
class Choice:
    """What someone asked for after ``/mentor prompt``: a stage, a practice, or neither."""

    stage: str | None = None
    practice: str | None = None


def _squash(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.casefold())


_NAMES = {_squash(name): name for name in (*STAGES, *PRACTICES)} | ALIASES


def parse_choice(text: str) -> Choice:
    """``"close out"``, ``"Self-doubt"`` or ``"listening"``: spacing, case and hyphens don't matter.

    Raises LookupError for words that name no stage or practice.
    """
    if not text.strip():
        return Choice()
    name = _NAMES.get(_squash(text))
    if name is None:
        raise LookupError(text)
    return Choice(stage=name) if name in STAGES else Choice(practice=name)


def _candidates(
    session: Session,
    stages: Collection[str],
    *,
    depth: tuple[int, int],
    team_id: str | None,
    practice: str | None,
) -> list[Prompt]:
    query = (
        sa.select(Prompt)
        .where(
            Prompt.stage.in_(list(stages)),
            Prompt.depth.between(depth[0], depth[1]),
            sa.or_(Prompt.team_id.is_(None), Prompt.team_id == team_id),
        )
        .order_by(Prompt.key)
    )
    if practice is not None:
        query = query.where(Prompt.practice == practice)
    return list(session.scalars(query))


def draw(
    session: Session,
    stage: str,
    *,
    used: Collection[str],
    rng: random.Random,
    depth: tuple[int, int] = (1, 3),
    team_id: str | None = None,
    practice: str | None = None,
) -> Prompt:
    """A prompt of ``stage`` within ``depth`` that is not in ``used``.

    Shipped prompts serve every workspace; those an admin added serve only ``team_id``'s.
    When every prompt has been used (a long-running pair), the least recently used ones are
    allowed again rather than sending nothing; ``used`` is oldest-first for that reason.
    """
    candidates = _candidates(session, [stage], depth=depth, team_id=team_id, practice=practice)
    if not candidates:
        raise LookupError(f"no prompts for stage {stage!r}")
    fresh = [p for p in candidates if p.key not in used]
    if fresh:
        return rng.choice(fresh)
    order = {key: i for i, key in enumerate(used)}
    return min(candidates, key=lambda p: order.get(p.key, -1))


def draw_any(
    session: Session,
    stages: Collection[str],
    *,
    team_id: str,
    rng: random.Random,
    practice: str | None = None,
) -> Prompt:
    """Any prompt of ``stages`` (and ``practice``) for someone asking outside a pair."""
    candidates = _candidates(session, stages, depth=(1, 3), team_id=team_id, practice=practice)
    if not candidates:
        raise LookupError(f"no prompts for {sorted(stages)} and {practice!r}")
    return rng.choice(candidates)


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
    practice: str | None = None,
) -> Prompt:
    """The next prompt for a mentoring pair: never one they had, deeper as they go on.

    Prefers the deepest level now in reach, so a pair moves from light to deep rather than
    drawing light prompts forever; when that level is used up, a fresh lighter one, then a
    fresh deeper one, and only when the pair has had them all the least recently used.
    Records the use so no later draw repeats it.
    """
    rows = session.execute(
        sa.select(PromptUse.prompt_key, Prompt.stage)
        .outerjoin(Prompt, Prompt.key == PromptUse.prompt_key)
        .where(PromptUse.mentorship_id == mentorship_id)
        .order_by(PromptUse.used_at, PromptUse.prompt_key)
    ).all()
    used = [key for key, _ in rows]
    taken = set(used)
    # The intro's kick-off prompt opened the pair's talk; depth grows with the prompts after it.
    deepest = depth_for(sum(1 for _, used_stage in rows if used_stage != "kick-off"))
    prompt: Prompt | None = None
    for depth in ((deepest, deepest), (1, deepest), (1, 3)):
        fresh = [
            p
            for p in _candidates(session, [stage], depth=depth, team_id=team_id, practice=practice)
            if p.key not in taken
        ]
        if fresh:
            prompt = rng.choice(fresh)
            break
    if prompt is None:
        prompt = draw(
            session, stage, used=used, rng=rng, depth=(1, 3), team_id=team_id, practice=practice
        )
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
