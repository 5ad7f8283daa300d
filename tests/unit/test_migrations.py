"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations

import models
from bot.db import Database, schema_connection, upgrade
from models import Membership, ProgramOwner, Role
from tests import factories


def test_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, models.Base.metadata) == []


def test_upgrading_twice_is_harmless(db: Database) -> None:
    upgrade(db.engine)


def test_a_sqlite_table_rebuild_keeps_the_rows_that_reference_it(tmp_path: Path) -> None:
    """Batch migrations rebuild tables; with foreign keys on, that would cascade-delete."""
    db = Database.from_url(f"sqlite:///{tmp_path}/rebuild.db")
    upgrade(db.engine)
    now = datetime(2026, 11, 26, tzinfo=UTC)
    with db.session() as session:
        program = factories.program(at=now)
        program.owners.append(ProgramOwner(user_id="U1", team_id="T1"))
        session.add(factories.person("U1", at=now, name="u"))
        session.add(program)
        session.flush()
        session.add(factories.membership(program.id, "U1", Role.MENTEE, at=now))

    with schema_connection(db.engine) as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        rebuild = Operations(context).batch_alter_table("programs", recreate="always")
        with context.begin_transaction(), rebuild as batch:
            batch.alter_column("description", existing_type=sa.Text(), nullable=False)

    with db.session() as session:
        assert session.query(Membership).count() == 1
        assert session.query(ProgramOwner).count() == 1
    with db.engine.connect() as connection:  # foreign keys are back on for everyone else
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_two_processes_migrating_at_once_both_succeed(tmp_path: Path) -> None:
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path}/race.db"
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    root = Path(__file__).resolve().parents[2]
    runs = [
        subprocess.Popen(
            [sys.executable, str(root / "app.py"), "migrate"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
