"""How long the try-it page's clock buttons take: a day, the next round, a month.

Why this exists: the README promises a visitor that moving the sandbox's clock takes seconds,
and the time machine runs every scheduled job of the real job store on the way (see
sandbox/time_machine.py), so the cost grows with the time jumped. This measures it on the
sandbox exactly as `python app.py sandbox` starts it: the seeded workspace, the bot on a fresh
SQLite file, its outbox delivering through the stand-in's Web API.

    .venv/bin/python bench/sandbox_clock.py

Setup, through the real signed requests: Ada creates a coffee program (weekly) and a mentoring
program (every 4 weeks); four people join each, and their welcome DMs are delivered (paced to
Slack's rates, as the bot always sends). Then, in this order: advance one day (the
baseline), advance to the next round, advance 28 days. The last line is JSON with the three
times and each one's ratio to the day.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.local import LocalSlack
from sandbox.workspace import SEED_ADMIN_ID

PEOPLE = ("U02BEN", "U03CAM", "U04DEV", "U05EME")


def submit_modal(local: LocalSlack, user_id: str, values: dict[str, object]) -> None:
    deadline = time.monotonic() + 15
    while (view := local.sandbox.modal_of(user_id)) is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"no modal for {user_id}")
        time.sleep(0.02)
    response = local.driver.submit(user_id, view["id"], values)
    if response.status != 200 or response.body.strip():
        raise RuntimeError(f"submission refused: {response.text}")
    local.sandbox.clear_modals(user_id)


def seed(local: LocalSlack) -> None:
    for name, kind, cadence in (
        ("Coffee", "coffee", "weekly"),
        ("Mentoring", "mentoring", "every_4_weeks"),
    ):
        local.driver.command(SEED_ADMIN_ID, "program new")
        submit_modal(local, SEED_ADMIN_ID, {"name": name, "kind": kind, "cadence": cadence})
    for i, user_id in enumerate(PEOPLE):
        for program in ("Coffee", "Mentoring"):
            local.driver.command(user_id, f"join {program}")
            values: dict[str, Any] = {"offers": "python, chess"}
            if program == "Mentoring":
                values = (
                    {"role": "mentor", "offers": "python", "capacity": "1"}
                    if i % 2 == 0
                    else {"role": "mentee", "wants": "python"}
                )
            submit_modal(local, user_id, values)


def timed(step: Any) -> tuple[float, list[str]]:
    started = time.perf_counter()
    ran = step()
    return time.perf_counter() - started, ran


def main() -> None:
    with LocalSlack() as local:
        seed(local)
        # The welcome DMs go out paced to Slack's rates; the first jump would wait for them.
        local.settle(timeout=120)
        day, _ = timed(lambda: local.advance(timedelta(days=1)))
        next_round, ran = timed(local.advance_to_next_round)
        month, _ = timed(lambda: local.advance(timedelta(days=28)))
    print(f"advance one day (baseline):   {day:6.2f} s")
    print(f"advance to the next round:    {next_round:6.2f} s  ({len(ran)} lines of what ran)")
    print(f"advance 28 days:              {month:6.2f} s")
    print(
        json.dumps(
            {
                "day_seconds": round(day, 3),
                "next_round_seconds": round(next_round, 3),
                "month_seconds": round(month, 3),
                "next_round_over_day": round(next_round / day, 2),
                "month_over_day": round(month / day, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
