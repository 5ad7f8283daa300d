"""Alembic's entry point: runs revisions on the engine Sprout hands over, or on sqlalchemy.url."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

import models
from bot.db import schema_connection
from models.base import UTCDateTime

config = context.config
target_metadata = models.Base.metadata


def render_item(kind: str, obj: object, autogen_context: object) -> str | bool:
    """Write UTCDateTime as the plain DateTime it stores, so revisions need no model imports."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def _url() -> str:
    """``alembic -x url=...`` wins over alembic.ini, as its header tells developers."""
    given: str | None = context.get_x_argument(as_dictionary=True).get("url")
    return given or config.get_main_option("sqlalchemy.url") or ""


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = sa.create_engine(_url())
    with schema_connection(engine) as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things; batch mode rebuilds tables the portable way.
            render_as_batch=True,
            compare_type=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
