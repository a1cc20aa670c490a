"""Every message key the code raises or sends exists, in both languages, with its placeholders.

A ServiceError carries a key and params that a listener formats much later; a typo or a missing
param would only show up as a crash in front of a user. This reads the code instead.
"""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from bot.services.access import Action, refusal_key
from bot.slack.i18n import MESSAGES

BOT = Path(__file__).resolve().parents[2] / "bot"
RAISERS = {"ServiceError", "NotFound", "NotAllowed", "Invalid", "Conflict"}
SENDERS = {"notice", "build_notice"}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def keyed_calls() -> list[tuple[str, str, set[str], bool]]:
    """(where, key, keyword names, has **kwargs) for every raise/notice with a literal key."""
    found = []
    for path in sorted(BOT.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name not in RAISERS | SENDERS:
                continue
            literal = [
                arg.value
                for arg in node.args
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            ]
            if not literal or "." not in literal[0]:
                continue
            keywords = {k.arg for k in node.keywords if k.arg}
            spread = any(k.arg is None for k in node.keywords)
            where = f"{path.relative_to(BOT.parent)}:{node.lineno}"
            found.append((where, literal[0], keywords, spread))
    return found


CALLS = keyed_calls()


def test_the_scan_finds_the_service_errors() -> None:
    keys = {key for _, key, _, _ in CALLS}
    assert {"error.unknown_team", "error.nul", "error.answer_missing"} <= keys


@pytest.mark.parametrize(("where", "key", "keywords", "spread"), CALLS, ids=[c[0] for c in CALLS])
def test_each_key_exists_and_gets_every_placeholder(
    where: str, key: str, keywords: set[str], spread: bool
) -> None:
    assert key in MESSAGES, f"{where}: unknown message key {key}"
    if spread:
        return
    for language, template in MESSAGES[key].items():
        missing = placeholders(template) - keywords
        assert not missing, f"{where}: {key} ({language}) needs {sorted(missing)}"


@pytest.mark.parametrize("action", list(Action))
def test_every_action_of_the_rule_has_a_refusal_in_both_languages(action: Action) -> None:
    # The refusal's key is built from the action, so the scan above cannot see it.
    key = refusal_key(action)
    assert set(MESSAGES[key]) == {"en", "es"}
    for template in MESSAGES[key].values():
        assert placeholders(template) <= {"team", "channel"}
