"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, and a clock tests can move.

Every test that takes ``db`` runs twice: on a SQLite file and on the PostgreSQL server named by
TEST_DATABASE_URL (CI starts one; without it those runs are skipped with the reason).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from hypothesis import settings

from bot.clock import FrozenClock
from bot.db import Database, create_engine, upgrade

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")

# On CI, property tests draw the same examples every run: a rare counterexample is found by
# developers' runs (random, with the example database) rather than turning one CI run red.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests talk to 127.0.0.1 only: the sandbox, the bot and the test database."""
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: object) -> object:
        if isinstance(address, tuple) and address[0] not in {"127.0.0.1", "localhost", "::1"}:
            raise RuntimeError(f"tests may not reach {address[0]}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'sprout.db'}"
    if not TEST_DATABASE_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must run every test on PostgreSQL too: TEST_DATABASE_URL is not set")
        pytest.skip("set TEST_DATABASE_URL to a PostgreSQL database to run this on PostgreSQL")
    _reset_postgres(TEST_DATABASE_URL)
    return TEST_DATABASE_URL


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database.from_url(database_url)
    upgrade(database.engine)
    yield database
    database.engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)
