"""The people and channels of a pretend Slack workspace.

The sandbox answers Web API calls from this model, so tests and the try-it page see one
consistent world: the same user ids in ``users.list``, in channel memberships and in the
events the driver sends. The seeded workspace spreads people across continents because
Sprout schedules check-ins by local time, and it includes the awkward cases (a deactivated
account, another app's bot, Slackbot) that real workspaces always have.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

SEED_TEAM_ID = "T0SPROUT"
SEED_ADMIN_ID = "U01ADA"
SEED_BOT_USER_ID = "U0SPROUT"
SEED_BOT_TOKEN = "xoxb-sandbox-token"
SLACKBOT_ID = "USLACKBOT"
GENERAL_CHANNEL_ID = "C0GENERAL"
MENTORING_CHANNEL_ID = "C0MENTORS"


@dataclass
class User:
    """A workspace member as Slack stores it.

    ``tz`` is an IANA name; the offset and label are derived when served because they
    change with daylight saving time, exactly as Slack's own values do.
    """

    id: str
    name: str
    real_name: str
    tz: str
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    deleted: bool = False
    display_name: str | None = None
    bot_id: str | None = None

    def tz_offset(self, at: datetime | None = None) -> int:
        """Seconds east of UTC at ``at`` (default now), the unit Slack's ``tz_offset`` uses."""
        offset = _localize(self.tz, at).utcoffset() or timedelta(0)
        return int(offset.total_seconds())

    def tz_label(self, at: datetime | None = None) -> str:
        """A human label for the zone at ``at``.

        Slack shows long names ("Pacific Standard Time"); the stdlib only knows
        abbreviations, so zones without one get a "GMT+08:00" style label instead of the
        bare "+08" that zoneinfo returns.
        """
        local = _localize(self.tz, at)
        abbreviation = local.tzname() or ""
        if abbreviation and abbreviation[0] not in "+-":
            return abbreviation
        minutes = self.tz_offset(at) // 60
        sign = "+" if minutes >= 0 else "-"
        hours, mins = divmod(abs(minutes), 60)
        return f"GMT{sign}{hours:02d}:{mins:02d}"

    def to_api(self, team_id: str, at: datetime | None = None) -> dict[str, Any]:
        """The user object of ``users.info`` / ``users.list``, with Slack's field names."""
        display = self.display_name if self.display_name is not None else self.name
        profile: dict[str, Any] = {
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": display,
            "display_name_normalized": display,
            "first_name": self.real_name.split(" ")[0],
            "last_name": " ".join(self.real_name.split(" ")[1:]),
            "team": team_id,
        }
        if self.bot_id:
            profile["bot_id"] = self.bot_id
        if not self.is_bot and self.id != SLACKBOT_ID:
            profile["email"] = f"{self.name}@sprout-sandbox.example"
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": self.tz_label(at),
            "tz_offset": self.tz_offset(at),
            "profile": profile,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": self.is_owner,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
        }


@dataclass
class Channel:
    """A public or private channel; ``members`` are user ids in join order."""

    id: str
    name: str
    members: list[str] = field(default_factory=list)
    is_private: bool = False


@dataclass
class Workspace:
    """One Slack team with the single app (Sprout) installed in it."""

    team_id: str
    team_name: str
    domain: str
    bot_user_id: str
    bot_id: str
    app_id: str
    bot_token: str
    users: dict[str, User] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)

    def add_user(
        self,
        user_id: str,
        name: str,
        real_name: str,
        tz: str = "UTC",
        *,
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        channels: tuple[str, ...] = (),
    ) -> User:
        """Add a member (and join them to ``channels``) so a test can grow the seeded world."""
        if user_id in self.users:
            raise ValueError(f"user {user_id} already exists")
        ZoneInfo(tz)  # fail early on a misspelt zone rather than at serving time
        user = User(user_id, name, real_name, tz, is_admin, is_owner, is_bot, deleted)
        self.users[user_id] = user
        for channel_id in channels:
            self.channel(channel_id).members.append(user_id)
        return user

    def add_channel(
        self, channel_id: str, name: str, members: list[str], *, is_private: bool = False
    ) -> Channel:
        """Add a channel; members must already exist so memberships never dangle."""
        unknown = [m for m in members if m not in self.users]
        if unknown:
            raise ValueError(f"unknown members {unknown}")
        channel = Channel(channel_id, name, list(members), is_private)
        self.channels[channel_id] = channel
        return channel

    def user(self, user_id: str) -> User:
        """The member with ``user_id``; a KeyError names the id to make test typos obvious."""
        try:
            return self.users[user_id]
        except KeyError:
            raise KeyError(f"no user {user_id!r} in workspace {self.team_id}") from None

    def channel(self, channel_id: str) -> Channel:
        """The channel with ``channel_id``."""
        try:
            return self.channels[channel_id]
        except KeyError:
            raise KeyError(f"no channel {channel_id!r} in workspace {self.team_id}") from None

    def channel_by_name(self, name: str) -> Channel | None:
        """Look a channel up by name, with or without the leading ``#``."""
        wanted = name.removeprefix("#")
        return next((c for c in self.channels.values() if c.name == wanted), None)

    @property
    def people(self) -> list[User]:
        """Active humans: the members a mentoring program can actually pair."""
        return [
            u for u in self.users.values() if not u.is_bot and not u.deleted and u.id != SLACKBOT_ID
        ]


def _localize(tz: str, at: datetime | None) -> datetime:
    moment = at if at is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(tz))


_SEED_PEOPLE: tuple[tuple[str, str, str, str], ...] = (
    (SEED_ADMIN_ID, "ada", "Ada Whitfield", "America/New_York"),
    ("U02BEN", "ben", "Ben Carter", "America/Los_Angeles"),
    ("U03CAM", "camila", "Camila Souza", "America/Sao_Paulo"),
    ("U04DEV", "devika", "Devika Rao", "Asia/Kolkata"),
    ("U05EME", "emeka", "Emeka Obi", "Africa/Lagos"),
    ("U06FIN", "finn", "Finn O'Brien", "Europe/London"),
    ("U07GRE", "greta", "Greta Hoffmann", "Europe/Berlin"),
    ("U08HIR", "hiro", "Hiroshi Tanaka", "Asia/Tokyo"),
    ("U09ISA", "isabel", "Isabel Lim", "Asia/Singapore"),
    ("U10JAC", "jack", "Jack Murray", "Australia/Sydney"),
    ("U11KAI", "kai", "Kai Fernandes", "America/Chicago"),
    ("U12LEI", "leila", "Leila Haddad", "Asia/Dubai"),
)
DEACTIVATED_USER_ID = "U13MAX"
OTHER_BOT_USER_ID = "U0POLLY"
_MENTORING_CIRCLE = ("U01ADA", "U03CAM", "U04DEV", "U05EME", "U07GRE", "U08HIR", "U10JAC")


def seeded_workspace() -> Workspace:
    """A fresh, fully independent copy of the standard sandbox workspace.

    The admin comes first (``SEED_ADMIN_ID``) because admin-only commands are the first
    thing most tests exercise. #general holds every active member, bots included, as in a
    real workspace where someone invited them; the deactivated user is in no channel
    because Slack removes deactivated accounts from channels.
    """
    ws = Workspace(
        team_id=SEED_TEAM_ID,
        team_name="Sprout Sandbox",
        domain="sprout-sandbox",
        bot_user_id=SEED_BOT_USER_ID,
        bot_id="B0SPROUT",
        app_id="A0SPROUT",
        bot_token=SEED_BOT_TOKEN,
    )
    for index, (user_id, name, real_name, tz) in enumerate(_SEED_PEOPLE):
        ws.add_user(user_id, name, real_name, tz, is_admin=index == 0, is_owner=index == 0)
    ws.add_user(DEACTIVATED_USER_ID, "max", "Max Keller", "Europe/Berlin", deleted=True)
    ws.add_user(OTHER_BOT_USER_ID, "pollybot", "Polly", "America/Los_Angeles", is_bot=True)
    ws.users[OTHER_BOT_USER_ID].bot_id = "B0POLLY"
    ws.add_user(SEED_BOT_USER_ID, "sprout", "Sprout", "America/Los_Angeles", is_bot=True)
    ws.users[SEED_BOT_USER_ID].bot_id = ws.bot_id
    ws.add_user(SLACKBOT_ID, "slackbot", "Slackbot", "America/Los_Angeles")
    active = [u.id for u in ws.users.values() if not u.deleted and u.id != SLACKBOT_ID]
    ws.add_channel(GENERAL_CHANNEL_ID, "general", active)
    ws.add_channel(MENTORING_CHANNEL_ID, "mentoring-circle", [*_MENTORING_CIRCLE, SEED_BOT_USER_ID])
    return ws
