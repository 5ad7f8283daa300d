"""Engines, sessions and schema upgrades.

The schema is only ever created by Alembic, in production and in tests alike, so the migrations
are exercised by every test run rather than trusted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from filelock import FileLock
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

import migrations

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent


def create_engine(url: str) -> Engine:
    """An engine tuned for a multi-threaded server on SQLite or PostgreSQL."""
    parsed = sa.make_url(url)
    # hide_parameters: an error's message must never carry what people typed into the logs.
    kwargs: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        # Bolt runs listeners on worker threads; SQLite waits for a lock instead of failing.
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        engine = sa.create_engine(url, **kwargs)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
        config.attributes["engine"] = engine
    return config


#: Serialises migrations across processes on PostgreSQL ("Sprout" + 1, beside the scheduler's).
MIGRATION_LOCK_KEY = 0x53_70_72_6F_75_75


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe to run on every start, from several processes.

    Two processes starting together must not both create the tables: on PostgreSQL the
    migration transaction takes an advisory lock (see migrations/env.py), on SQLite a file lock
    beside the database serialises them.
    """
    if engine.url.get_backend_name() == "sqlite":
        with one_at_a_time(engine):
            command.upgrade(alembic_config(engine), revision)
    else:
        command.upgrade(alembic_config(engine), revision)


@contextmanager
def one_at_a_time(engine: Engine) -> Iterator[None]:
    """Start-up work that processes starting together must take turns at (seeding data).

    PostgreSQL: a session-level advisory lock; SQLite: a file lock beside the database.
    """
    if engine.url.get_backend_name() == "sqlite":
        database = engine.url.database or "sprout.db"
        with FileLock(str(Path(database).resolve()) + ".migrate.lock", thread_local=False):
            yield
        return
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(
                sa.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
            connection.commit()


@contextmanager
def schema_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for changing the schema, safe for SQLite's table rebuilds.

    Alembic's batch mode rebuilds a SQLite table by copying it and dropping the old one; with
    foreign keys on, that DROP deletes every row that references the table (ON DELETE
    CASCADE). Keys are switched off for the change and checked before they come back on.
    """
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        else:
            connection.execute(
                sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        connection.commit()  # Alembic then begins and commits its own transaction
        try:
            yield connection
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left {len(broken)} dangling references")
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            else:
                connection.rollback()
                connection.execute(
                    sa.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
                connection.commit()


class Database:
    """The engine plus a session factory; services open one short session per use case."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(create_engine(url))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises."""
        with self._sessions() as session, session.begin():
            yield session


def insert_unless_present(
    session: Session,
    model: type[Any],
    values: dict[str, Any],
    unique: Sequence[InstrumentedAttribute[Any]],
) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING: whether the row is new, decided by the database.

    Two processes racing to insert the same key both succeed at the SQL level and exactly one
    gets ``True``, which a check-then-insert cannot promise.
    """
    dialect = session.get_bind().dialect.name
    statement: Any
    if dialect == "postgresql":
        statement = postgresql.insert(model).values(values)
    elif dialect == "sqlite":
        statement = sqlite.insert(model).values(values)
    else:
        raise NotImplementedError(f"Sprout needs INSERT ... ON CONFLICT, not in {dialect}")
    statement = statement.on_conflict_do_nothing(index_elements=list(unique))
    primary = sa.inspect(model).primary_key[0]
    return session.scalar(statement.returning(primary)) is not None
