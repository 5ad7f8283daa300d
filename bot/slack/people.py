"""Who a Slack user is: name, time zone, admin rights, and whether they can take part.

users.info is Tier 4, but every command needs the caller's rights, so answers are cached for a
few minutes; a deactivation is noticed within that window, which is Slack's own lag anyway.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock

log = logging.getLogger(__name__)

CACHE_FOR = timedelta(minutes=5)
#: Past this many cached people, expired entries are dropped before adding another.
MAX_CACHED = 10_000


@dataclass(frozen=True)
class SlackPerson:
    user_id: str
    name: str
    timezone: str
    is_workspace_admin: bool
    is_bot: bool
    deleted: bool

    @classmethod
    def from_user_object(cls, user: dict[str, object]) -> SlackPerson:
        profile = user.get("profile")
        profile = profile if isinstance(profile, dict) else {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or user.get("real_name")
            or user.get("name")
            or str(user["id"])
        )
        return cls(
            user_id=str(user["id"]),
            name=str(name),
            timezone=str(user.get("tz") or "UTC"),
            is_workspace_admin=bool(
                user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")
            ),
            is_bot=bool(user.get("is_bot")) or user.get("id") == "USLACKBOT",
            deleted=bool(user.get("deleted")),
        )


class PeopleDirectory:
    """users.info with a short cache; ``None`` for a user Slack does not know."""

    def __init__(self, client: WebClient, clock: Clock) -> None:
        self._client = client
        self._clock = clock
        self._cache: dict[tuple[str, str], tuple[datetime, SlackPerson | None]] = {}
        self._channels: dict[str, tuple[datetime, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def lookup(self, team_id: str, user_id: str) -> SlackPerson | None:
        key = (team_id, user_id)
        now = self._clock.now()
        with self._lock:
            cached = self._cache.get(key)
        if cached and now - cached[0] < CACHE_FOR:
            return cached[1]
        try:
            response = self._client.users_info(user=user_id)
            user = response["user"]
            person: SlackPerson | None = SlackPerson.from_user_object(user)
        except SlackApiError as error:
            if error.response.get("error") not in {"user_not_found", "user_not_visible"}:
                raise
            person = None
        with self._lock:
            if len(self._cache) >= MAX_CACHED:
                self._cache = {k: v for k, v in self._cache.items() if now - v[0] < CACHE_FOR}
            self._cache[key] = (now, person)
        return person

    def everyone(self, team_id: str) -> dict[str, SlackPerson]:
        """Every member of the workspace as Slack sees them now (users.list, paginated).

        A round asks once for everybody rather than users.info per person: a few pages at
        Tier 2 instead of thousands of Tier 4 calls. The answers refresh the cache too.
        """
        now = self._clock.now()
        people: dict[str, SlackPerson] = {}
        cursor: str | None = None
        while True:
            page = self._client.users_list(cursor=cursor, limit=200)
            members: list[dict[str, object]] = page.get("members", [])
            for user in members:
                person = SlackPerson.from_user_object(user)
                people[person.user_id] = person
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        with self._lock:
            for person in people.values():
                self._cache[(team_id, person.user_id)] = (now, person)
        return people

    def in_channel(self, channel_id: str, user_id: str) -> bool:
        """Whether the person is a member of the channel.

        A join checks this twice within seconds (before the form opens and when it is
        submitted), so a channel's member list is cached like a user's profile.
        """
        return user_id in self.channel_members(channel_id)

    def channel_members(self, channel_id: str) -> frozenset[str]:
        """Every member of the channel (conversations.members, paginated), cached briefly."""
        now = self._clock.now()
        with self._lock:
            cached = self._channels.get(channel_id)
        if cached and now - cached[0] < CACHE_FOR:
            return cached[1]
        members: set[str] = set()
        cursor: str | None = None
        while True:
            response = self._client.conversations_members(
                channel=channel_id, cursor=cursor, limit=1000
            )
            members.update(response.get("members", []))
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        with self._lock:
            self._channels[channel_id] = (now, frozenset(members))
        return frozenset(members)

    def can_see_channel(self, channel_id: str) -> bool:
        """Whether Sprout may read the channel's members (a private one needs an invite)."""
        try:
            self._client.conversations_members(channel=channel_id, limit=1)
        except SlackApiError as error:
            if error.response.get("error") in {"channel_not_found", "not_in_channel"}:
                return False
            raise
        return True

    def forget(self, team_id: str, user_id: str) -> None:
        with self._lock:
            self._cache.pop((team_id, user_id), None)
