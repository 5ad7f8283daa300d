"""Validate manifest.yml against Slack's app-manifest JSON schema and the path the bot serves."""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

REPO_ROOT = Path(__file__).resolve().parents[1]
MANIFEST_PATH = REPO_ROOT / "manifest.yml"
SCHEMA_PATH = REPO_ROOT.parent / "shared" / "slack" / "manifest.schema.json"

# The single path the bot serves for events, commands and interactivity.
EVENTS_PATH = "/slack/events"

EXPECTED_BOT_SCOPES = {
    "commands",
    "chat:write",
    "im:write",
    "mpim:write",
    "im:history",
    "mpim:history",
    "users:read",
    "channels:read",
    "groups:read",
    "files:write",
}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    with MANIFEST_PATH.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert isinstance(data, dict), "manifest.yml must be a YAML mapping"
    return data


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    if not SCHEMA_PATH.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"CI must validate the manifest: no schema at {SCHEMA_PATH}")
        pytest.skip(f"Slack manifest schema not found at {SCHEMA_PATH} (shared/ not laid out)")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    # The schema declares draft-07; use that draft's validator, not whatever is newest.
    declared = schema.get("$schema", "")
    assert re.search(r"draft-07", declared), f"schema declares {declared!r}, expected draft-07"
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def _errors(validator: Draft7Validator, instance: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '<root>'}: {err.message}"
        for err in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    ]


def test_manifest_matches_slack_schema(
    manifest: dict[str, Any], validator: Draft7Validator
) -> None:
    errors = _errors(validator, manifest)
    assert not errors, "manifest.yml does not match Slack's schema:\n" + "\n".join(errors)


def test_schema_validation_catches_mistakes(
    manifest: dict[str, Any], validator: Draft7Validator
) -> None:
    # Guard against a validator that silently accepts anything.
    broken = copy.deepcopy(manifest)
    broken["settings"]["interactivity"]["enabled"] = True  # the real key is is_enabled
    broken["features"]["slash_commands"][0]["command"] = "mentor"  # must start with "/"
    messages = "\n".join(_errors(validator, broken))
    assert "enabled" in messages
    assert "mentor" in messages


def test_display_information(manifest: dict[str, Any]) -> None:
    info = manifest["display_information"]
    assert info["name"] == "Sprout"
    assert info["description"]
    # The schema spells this constraint as a non-standard "regex" keyword that
    # jsonschema ignores, so check it here.
    assert re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", info["background_color"])


def test_mentor_command_declared(manifest: dict[str, Any]) -> None:
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert "/mentor" in commands
    mentor = commands["/mentor"]
    assert mentor["description"]
    # Mentions arrive as <@U123|name>, which /mentor avoid and /mentor end read.
    assert mentor["should_escape"] is True


def test_events_subscribed(manifest: dict[str, Any]) -> None:
    bot_events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_home_opened", "message.im"} <= bot_events


def test_home_tab_enabled(manifest: dict[str, Any]) -> None:
    app_home = manifest["features"]["app_home"]
    assert app_home["home_tab_enabled"] is True
    assert app_home["messages_tab_enabled"] is True
    assert app_home["messages_tab_read_only_enabled"] is False


def test_bot_user(manifest: dict[str, Any]) -> None:
    bot_user = manifest["features"]["bot_user"]
    assert bot_user["display_name"] == "sprout"
    assert bot_user["always_online"] is True


def test_bot_scopes_are_exactly_what_the_bot_needs(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert len(scopes) == len(set(scopes)), "duplicate scopes"
    assert set(scopes) == EXPECTED_BOT_SCOPES
    # message.im is only delivered with im:history; slash commands need commands.
    assert "im:history" in scopes
    assert "commands" in scopes


def _request_urls(manifest: dict[str, Any]) -> list[str]:
    settings = manifest["settings"]
    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    urls += [c["url"] for c in manifest["features"]["slash_commands"] if "url" in c]
    return urls


def test_every_request_url_points_at_the_events_path(manifest: dict[str, Any]) -> None:
    urls = _request_urls(manifest)
    assert len(urls) == 3
    for url in urls:
        assert url.startswith("https://"), url
        assert url.endswith(EVENTS_PATH), url


def test_interactivity_enabled_and_http_mode_by_default(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is False
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False
