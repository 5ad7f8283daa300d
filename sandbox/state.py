"""Everything the Web API methods act on, gathered so each method family can live apart."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sandbox.file_store import FileStore
from sandbox.history import History
from sandbox.interactions import Interactions
from sandbox.view_store import ViewStore
from sandbox.workspace import Workspace


@dataclass(frozen=True)
class SandboxState:
    """The workspace and what has happened in it since the sandbox started.

    Not thread-safe on its own: ``SlackSandbox`` holds its lock around every use, because
    the bot calls from Bolt's worker threads while the test thread observes.
    """

    workspace: Workspace
    history: History
    views: ViewStore
    interactions: Interactions
    files: FileStore

    @classmethod
    def create(
        cls,
        workspace: Workspace,
        clock: Callable[[], float],
        wall_clock: Callable[[], float] = time.time,
    ) -> SandboxState:
        return cls(
            workspace,
            History(workspace, wall_clock),
            ViewStore(workspace),
            Interactions(clock),
            FileStore(),
        )
