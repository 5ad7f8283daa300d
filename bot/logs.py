"""Logging that never carries what people wrote or Slack tokens.

slack_sdk logs request bodies at DEBUG; Bolt logs whole incoming payloads at INFO (a request
with a bad signature) and WARNING (a request no listener handles). Those bodies hold profile
text, goals and survey answers, so slack_sdk is held at INFO, Bolt at ERROR and SQLAlchemy at
WARNING whatever LOG_LEVEL says, and SQLAlchemy's result rows are filtered out at any level.
Sprout's own modules log ids, counts and error codes only.
"""

from __future__ import annotations

import logging

#: The least a library logs at: the levels below these carry request or response bodies, or
#: (SQLAlchemy) SQL statements and, at DEBUG, the rows they return.
QUIET_LIBRARIES = {
    "slack_sdk": logging.INFO,
    "slack_bolt": logging.ERROR,
    "sqlalchemy": logging.WARNING,
}


class _NoResultRows(logging.Filter):
    """SQLAlchemy logs each result row at DEBUG, and rows hold what people wrote.

    A floor can be lowered by anyone who sets a level by hand (or engine echo="debug"); this
    filter on the engine's logger drops the rows whatever the level.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith("Row "))


_NO_ROWS = _NoResultRows()


def configure_logging(level: int) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name, floor in QUIET_LIBRARIES.items():
        logging.getLogger(name).setLevel(max(level, floor))
    logging.getLogger("sqlalchemy.engine.Engine").addFilter(_NO_ROWS)


def bolt_logger() -> logging.Logger:
    """The logger to hand Bolt: its internals copy this level, so Bolt never logs a body.

    Bolt sets each of its loggers' level from the root logger unless given a base logger, which
    would undo any level set on "slack_bolt"; handing it this one keeps the floor in place.
    """
    logger = logging.getLogger("sprout.bolt")
    logger.setLevel(QUIET_LIBRARIES["slack_bolt"])
    return logger
