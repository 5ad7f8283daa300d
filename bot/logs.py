"""Logging that never carries what people wrote or Slack tokens.

slack_sdk logs request bodies at DEBUG; Bolt logs whole incoming payloads at INFO (a request
with a bad signature) and WARNING (a request no listener handles). Those bodies hold profile
text, goals and later survey answers, so slack_sdk is held at INFO and Bolt at ERROR whatever
LOG_LEVEL says. Sprout's own modules log ids, counts and error codes only.
"""

from __future__ import annotations

import logging

#: The least a library logs at: the levels below these carry request or response bodies.
QUIET_LIBRARIES = {"slack_sdk": logging.INFO, "slack_bolt": logging.ERROR}


def configure_logging(level: int) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name, floor in QUIET_LIBRARIES.items():
        logging.getLogger(name).setLevel(max(level, floor))


def bolt_logger() -> logging.Logger:
    """The logger to hand Bolt: its internals copy this level, so Bolt never logs a body.

    Bolt sets each of its loggers' level from the root logger unless given a base logger, which
    would undo any level set on "slack_bolt"; handing it this one keeps the floor in place.
    """
    logger = logging.getLogger("sprout.bolt")
    logger.setLevel(QUIET_LIBRARIES["slack_bolt"])
    return logger
