"""The try-it console: a loopback web page that lets a visitor use Sprout without Slack.

:func:`console_app` serves it over a :class:`Playground` (the running bot, its sandbox and
its clock); :mod:`sandbox.console.render` turns the bot's Block Kit into the HTML it shows.
"""

from sandbox.console.app import console_app
from sandbox.console.playground import Playground

__all__ = ["Playground", "console_app"]
