"""Logging that never carries what people wrote or Slack tokens.

At DEBUG, slack_sdk logs request bodies and Bolt logs incoming payloads: profile text, goals,
and later survey answers. Those libraries are held at INFO whatever LOG_LEVEL says; Sprout's own
modules log ids, counts and error codes only.
"""

from __future__ import annotations

import logging

CHATTY_LIBRARIES = ("slack_sdk", "slack_bolt", "waitress.queue")


def configure_logging(level: int) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(max(level, logging.INFO))
