"""Which process runs the scheduler: whoever holds the lease on the database.

PostgreSQL: a session-level advisory lock on a dedicated connection; if the process dies, the
server drops the connection and the lock with it, and another process takes over.
SQLite: an OS file lock beside the database file, which the kernel releases on exit.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from filelock import FileLock, Timeout
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

#: "Sprout" in ASCII: one well-known key, so every Sprout process contends for the same lock.
ADVISORY_KEY = 0x53_70_72_6F_75_74


class Lease(Protocol):
    def try_acquire(self) -> bool:
        """Take the lease if nobody holds it; never blocks."""
        ...

    def still_held(self) -> bool:
        """Whether the lease is still ours (a dropped connection loses it)."""
        ...

    def release(self) -> None: ...


class AdvisoryLease:
    def __init__(self, url: sa.URL) -> None:
        # A private engine without pooling: the lock lives exactly as long as this connection.
        self._engine = sa.create_engine(url, poolclass=NullPool)
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        if self._connection is not None:
            return self.still_held()
        connection = self._engine.connect()
        got = connection.execute(
            sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
        ).scalar()
        connection.commit()
        if got:
            self._connection = connection
            return True
        connection.close()
        return False

    def still_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(sa.text("SELECT 1"))
            self._connection.commit()
        except sa.exc.DBAPIError:
            log.warning("lost the database connection that held the scheduler lease")
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.execute(
                sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY}
            )
            self._connection.commit()
        except sa.exc.DBAPIError:
            pass
        self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(sa.exc.DBAPIError):
                self._connection.close()
        self._connection = None


class FileLease:
    def __init__(self, path: Path) -> None:
        # Not thread-local: the watcher thread takes it, and stop() may release it from another.
        self._lock = FileLock(str(path), thread_local=False)

    def try_acquire(self) -> bool:
        if self._lock.is_locked:
            return True
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return False
        return True

    def still_held(self) -> bool:
        return self._lock.is_locked

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)


class ProcessLease:
    """For an in-memory SQLite database, which no other process can see anyway."""

    def __init__(self) -> None:
        self._held = False

    def try_acquire(self) -> bool:
        self._held = True
        return True

    def still_held(self) -> bool:
        return self._held

    def release(self) -> None:
        self._held = False


def lease_for(engine: Engine) -> Lease:
    url = engine.url
    if url.get_backend_name() == "postgresql":
        return AdvisoryLease(url)
    database = url.database
    if not database or database == ":memory:":
        return ProcessLease()
    return FileLease(Path(database).resolve().with_name(Path(database).name + ".scheduler.lock"))
