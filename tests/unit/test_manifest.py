"""The Slack app manifest: valid against Slack's schema, and consistent with the docs and routes."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import ValidationError, validators  # type: ignore[import-untyped]  # no stubs installed

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "manifest.yml"
SETUP_DOC = ROOT / "docs" / "slack-setup.md"
SCHEMA = ROOT.parent / "shared" / "schemas" / "slack-app-manifest.schema.1.0.0.json"


def load_manifest() -> dict[str, Any]:
    data = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def regex_keyword(
    validator: Any, regex: str, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    # Slack's schema spells some patterns as "regex", which JSON Schema ignores; check them too.
    if validator.is_type(instance, "string") and not re.search(regex, instance):
        yield ValidationError(f"{instance!r} does not match {regex!r}")


def manifest_validator() -> Any:
    if not SCHEMA.is_file():
        pytest.skip(f"Slack's manifest schema is not available at {SCHEMA} (it ships with CI)")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    # The draft the schema declares in "$schema" (draft-07 today).
    base = validators.validator_for(schema)
    base.check_schema(schema)
    return validators.extend(base, {"regex": regex_keyword})(schema)


def schema_errors(manifest: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in manifest_validator().iter_errors(manifest)
    ]


def test_manifest_is_valid_against_slacks_published_schema() -> None:
    assert schema_errors(load_manifest()) == []


@pytest.mark.parametrize(
    ("path", "bad_value"),
    [
        (("display_information", "background_color"), "navy"),
        (("features", "slash_commands", 0, "command"), "mlscore"),
        (("settings", "interactivity", "request_url"), "example.com/slack/events"),
        (("settings", "unknown_setting"), True),
    ],
)
def test_schema_check_catches_a_broken_manifest(path: tuple[Any, ...], bad_value: Any) -> None:
    manifest = copy.deepcopy(load_manifest())
    target = manifest
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = bad_value

    assert schema_errors(manifest) != []


def mlscore_command(manifest: dict[str, Any]) -> dict[str, Any]:
    (command,) = [c for c in manifest["features"]["slash_commands"] if c["command"] == "/mlscore"]
    return dict(command)


def test_mlscore_command_is_declared_with_should_escape() -> None:
    command = mlscore_command(load_manifest())

    assert command["should_escape"] is True
    assert command["description"]


def test_bot_events_include_home_and_uninstall_events() -> None:
    events = load_manifest()["settings"]["event_subscriptions"]["bot_events"]

    assert {"app_home_opened", "app_uninstalled", "tokens_revoked"} <= set(events)


def test_home_tab_and_interactivity_are_enabled() -> None:
    manifest = load_manifest()

    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_every_request_url_reaches_the_routes_serve_exposes() -> None:
    manifest = load_manifest()
    settings = manifest["settings"]
    event_urls = [
        mlscore_command(manifest)["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]

    assert all(url.endswith("/slack/events") for url in event_urls)
    assert all(
        url.endswith("/slack/oauth_redirect") for url in manifest["oauth_config"]["redirect_urls"]
    )
    # One host everywhere, so replacing it once in the manifest is enough.
    hosts = {
        url.split("/slack/")[0] for url in [*event_urls, *manifest["oauth_config"]["redirect_urls"]]
    }
    assert len(hosts) == 1


def test_http_mode_is_the_default() -> None:
    assert load_manifest()["settings"]["socket_mode_enabled"] is False


def documented_scopes(markdown: str) -> list[str]:
    """Scopes in the first table of the docs whose header starts with "Scope"."""
    scopes: list[str] = []
    in_table = False
    for line in markdown.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.lstrip().startswith("|"):
            if in_table:
                break
            continue
        if cells[0] == "Scope":
            in_table = True
        elif in_table and not set(cells[0]) <= {"-", ":"}:
            match = re.fullmatch(r"`([a-z:.]+)`", cells[0])
            assert match, f"scope cell {cells[0]!r} is not a `scope`"
            assert cells[1], f"scope {match.group(1)} has no reason"
            scopes.append(match.group(1))
    return scopes


@pytest.mark.parametrize("doc", [SETUP_DOC, ROOT / "README.md"], ids=lambda p: p.name)
def test_bot_scopes_are_exactly_the_documented_ones(doc: Path) -> None:
    manifest_scopes = load_manifest()["oauth_config"]["scopes"]["bot"]
    doc_scopes = documented_scopes(doc.read_text(encoding="utf-8"))

    assert doc_scopes, f"{doc.name} has no scope table"
    assert sorted(doc_scopes) == sorted(manifest_scopes)
    assert len(set(manifest_scopes)) == len(manifest_scopes)


def test_scope_table_parser_reads_rows_and_stops_at_the_table_end() -> None:
    markdown = "\n".join(
        [
            "| Scope | Why | Methods |",
            "|---|---|---|",
            "| `chat:write` | post | `chat.postMessage` |",
            "| `files:write` | upload | |",
            "",
            "| Scope | another table |",
            "|---|---|",
            "| `admin` | ignored |",
        ]
    )

    assert documented_scopes(markdown) == ["chat:write", "files:write"]
