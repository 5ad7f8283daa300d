"""``python app.py export``: the same CSV files as ``/mentor export``, written into a folder.

It runs beside (or without) the bot, with the database alone: no Slack tokens, no Slack call.
Whoever can read DATABASE_URL can read everything in it anyway, so there is no access check
here; what the files leave out (notes, goal texts, comments, anything below a survey's *k*)
they leave out for everyone.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.db import Database
from bot.errors import UserFacingError
from bot.insights.export import FILES, export_program
from models import Program
from models.forms import name_key


class ExportRefused(UserFacingError):
    """The export cannot run as asked; the message says what to change."""


def choose_team(session: Session, team: str | None) -> str:
    """``team`` if it has programs, or the only workspace when the database holds just one."""
    teams = sorted(session.scalars(sa.select(Program.team_id).distinct()))
    if team is not None:
        if team not in teams:
            known = ", ".join(teams) or "none"
            raise ExportRefused(f"Workspace {team} has no programs. Workspaces: {known}.")
        return team
    if not teams:
        raise ExportRefused("The database holds no programs yet; there is nothing to export.")
    if len(teams) > 1:
        raise ExportRefused(
            "The database holds several workspaces; choose one with --team: "
            + ", ".join(teams)
            + "."
        )
    return teams[0]


def find_program(session: Session, team_id: str, name: str) -> Program:
    programs = list(
        session.scalars(
            sa.select(Program).where(Program.team_id == team_id).order_by(Program.name_key)
        )
    )
    wanted = name_key(name)
    for program in programs:
        if program.name_key == wanted:
            return program
    known = ", ".join(f"“{p.name}”" for p in programs)
    raise ExportRefused(f"There is no program called “{name}” in {team_id}. Programs: {known}.")


def write_export(
    db: Database, *, program: str, out: Path, team: str | None, now: datetime
) -> list[str]:
    """Write the program's files into ``out`` (created if missing); returns what to print."""
    with db.session() as session:
        team_id = choose_team(session, team)
        found = find_program(session, team_id, program)
        files = export_program(session, team_id, found.id, now=now)
        name = found.name
    try:
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for file in FILES:
            path = out / file.name
            path.write_bytes(files[file.name])
            rows = len(list(csv.reader(io.StringIO(files[file.name].decode("utf-8"))))) - 1
            written.append(f"  {path}: {rows} rows; {file.holds}")
    except OSError as error:
        raise ExportRefused(
            f"--out {out}: the files could not be written ({error.strerror or error})."
        ) from None
    return [f"Exported “{name}” ({team_id}) to {out}:", *written]
