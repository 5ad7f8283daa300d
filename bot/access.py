"""Who may administer what: workspace admins, SPROUT_ADMINS, and each program's owners."""

from __future__ import annotations

from collections.abc import Collection

from bot.slack.people import PeopleDirectory
from models import Program


class Access:
    def __init__(self, people: PeopleDirectory, extra_admins: Collection[str]) -> None:
        self._people = people
        self._extra_admins = frozenset(extra_admins)

    def is_admin(self, team_id: str, user_id: str) -> bool:
        """A Sprout admin: listed in SPROUT_ADMINS, or an admin or owner of the workspace."""
        if user_id in self._extra_admins:
            return True
        person = self._people.lookup(team_id, user_id)
        return person is not None and person.is_workspace_admin and not person.deleted

    def can_run(self, team_id: str, user_id: str, program: Program) -> bool:
        """Admins run every program; owners run their own."""
        return user_id in program.owner_ids or self.is_admin(team_id, user_id)
