"""Engines, sessions and schema upgrades.

The schema is only ever created by Alembic, in production and in tests alike, so the migrations
are exercised by every test run rather than trusted.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from filelock import FileLock
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

import migrations

log = logging.getLogger(__name__)
T = TypeVar("T")

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


#: Helper threads SQLite's sorter may use: the cores there are, up to four.
SORTER_THREADS = min(4, os.cpu_count() or 1)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # Deleted rows are overwritten with zeros, in their pages and on the free list, rather than
    # left in the file until reused: what Sprout deletes to forget (pulse tokens) is gone.
    cursor.execute("PRAGMA secure_delete=ON")
    # Big sorts (the insights' GROUP BYs over every check-in) may use helper threads; SQLite
    # sorts on one core otherwise, and the dashboard takes about 10% longer (bench/report.py).
    cursor.execute(f"PRAGMA threads={SORTER_THREADS}")
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


#: Tries at SQLite's checkpoint; each waits up to the connection's busy timeout.
CHECKPOINT_TRIES = 3
#: How long PostgreSQL's VACUUM FULL waits for a table's lock before giving up for now.
VACUUM_LOCK_TIMEOUT = "10s"


def scrub_after_delete(engine: Engine, tables: Sequence[str]) -> bool:
    """Make committed deletes and overwrites of ``tables`` leave no copy in the database files.

    A committed DELETE is not yet gone from disk: SQLite keeps the old pages in its write-ahead
    log until a checkpoint (and, without ``secure_delete``, the freed bytes in the main file);
    PostgreSQL keeps dead row versions in the table's and its indexes' pages, and a plain
    VACUUM only marks that space free, leaving the bytes in place. So: on SQLite, checkpoint
    the log into the main file (where ``secure_delete`` zeroed what was deleted) and truncate
    it; on PostgreSQL, ``VACUUM FULL`` the tables, which writes their live rows and indexes
    into new files and drops the old ones. Call it after the deleting transaction committed.

    Returns whether it succeeded; a failure is logged (by type) and left to the next call.
    """
    if not tables:
        return True
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        try:
            if connection.dialect.name == "sqlite":
                return _checkpoint_sqlite(connection)
            return _vacuum_postgres(connection, tables)
        except sa.exc.DBAPIError as error:
            log.warning("scrubbing deleted rows failed: %s", type(error.orig).__name__)
            return False


def _checkpoint_sqlite(connection: Connection) -> bool:
    for _ in range(CHECKPOINT_TRIES):
        busy, _log, _moved = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        if not busy:
            return True
    log.warning("the SQLite log could not be checkpointed: other connections kept it busy")
    return False


def _vacuum_postgres(connection: Connection, tables: Sequence[str]) -> bool:
    # VACUUM FULL holds an exclusive lock on each table while it rewrites it; waiting behind a
    # long transaction would queue every answer behind it, so give up instead and try later.
    quote = connection.dialect.identifier_preparer.quote
    connection.exec_driver_sql(f"SET lock_timeout = '{VACUUM_LOCK_TIMEOUT}'")
    try:
        connection.exec_driver_sql("VACUUM FULL " + ", ".join(quote(t) for t in tables))
    finally:
        connection.exec_driver_sql("RESET lock_timeout")
    return True


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


def each_in_own_transaction(
    db: Database,
    ids: Iterable[int],
    work: Callable[[Session, int], T],
    *,
    log: logging.Logger,
    failure: str,
) -> list[T]:
    """``work`` on each id in a transaction of its own, for jobs that go through many rows: one
    that fails is rolled back and logged, and the rest go on. Returns what the others returned.

    The log (on the caller's ``log``: ``<failure % id> failed: <error type>``) names the id and
    the error's type only: rows hold what people wrote, and an error's message may quote it.
    """
    done: list[T] = []
    for item in ids:
        try:
            with db.session() as session:
                done.append(work(session, item))
        except Exception as error:
            log.error("%s failed: %s", failure % item, type(error).__name__)
    return done


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
