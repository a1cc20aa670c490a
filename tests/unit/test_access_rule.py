"""Who may do what: the rule of bot.services.access, and the README's table of it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.services.access import WHO, Access, Action, ChannelOnly, Who
from bot.services.types import Actor, NotAllowed, NotFound
from tests.fakes.directory import FakeDirectory

README = Path(__file__).resolve().parents[2] / "README.md"
PUBLIC, PRIVATE = "CPUBLIC", "CPRIVATE"
ADMIN, CONFIGURED, MEMBER, STRANGER = "UADMIN", "UCONFIG", "UMEMBER", "USTRANGER"


def directory() -> FakeDirectory:
    return FakeDirectory(
        admins={ADMIN},
        members={PUBLIC: {MEMBER}, PRIVATE: {MEMBER}},
        private={PRIVATE},
    )


def allowed(action: Action, user: str, channel: str | None) -> bool:
    access = Access(frozenset({CONFIGURED}))
    actor = Actor(workspace_id=1, user_id=user)
    return access.allowed(action, actor, directory(), ChannelOnly(channel, "Vision"))


@pytest.mark.parametrize("action", list(Action))
def test_admins_of_both_kinds_may_do_everything(action: Action) -> None:
    assert allowed(action, ADMIN, PRIVATE)
    assert allowed(action, CONFIGURED, PRIVATE)


@pytest.mark.parametrize("action", list(Action))
def test_members_may_do_what_members_may_and_nothing_for_admins(action: Action) -> None:
    assert allowed(action, MEMBER, PRIVATE) is (WHO[action] not in {Who.ADMINS, Who.LEADS})


def test_only_a_teams_leads_and_admins_may_settle_its_disagreements() -> None:
    access = Access(frozenset())
    team = ChannelOnly(PRIVATE, "Vision", leads=(MEMBER,))
    lead, other = Actor(workspace_id=1, user_id=MEMBER), Actor(workspace_id=1, user_id=STRANGER)
    assert access.allowed(Action.RESOLVE, lead, directory(), team)
    assert not access.allowed(Action.RESOLVE, other, directory(), team)
    assert access.allowed(Action.RESOLVE, Actor(workspace_id=1, user_id=ADMIN), directory(), team)
    # Being a lead gives nothing else of the admins'.
    assert not access.allowed(Action.LEADS, lead, directory(), team)


@pytest.mark.parametrize("action", list(Action))
def test_a_stranger_may_only_read_a_public_channels_team(action: Action) -> None:
    assert allowed(action, STRANGER, PUBLIC) is (action is Action.READ)
    assert not allowed(action, STRANGER, PRIVATE)


def test_without_a_channel_only_admins_may_act() -> None:
    assert not allowed(Action.READ, MEMBER, None)
    assert allowed(Action.READ, ADMIN, None)


def test_a_refusal_names_the_action_the_team_and_its_channel() -> None:
    access = Access(frozenset())
    with pytest.raises(NotAllowed) as refused:
        access.require(
            Action.SCHEDULE,
            Actor(workspace_id=1, user_id=STRANGER),
            directory(),
            ChannelOnly(PUBLIC, "Vision"),
        )
    assert refused.value.key == "refused.schedule"
    assert refused.value.params == {"team": "Vision", "channel": PUBLIC}


@pytest.mark.parametrize("action", list(Action))
def test_a_team_someone_may_not_see_is_refused_as_one_that_does_not_exist(action: Action) -> None:
    access = Access(frozenset())
    with pytest.raises(NotFound) as refused:
        access.require(
            action, Actor(workspace_id=1, user_id=STRANGER), directory(), ChannelOnly(PRIVATE, "V")
        )
    assert refused.value.key == "error.team_not_found"
    assert refused.value.params == {}


def readme_rule() -> dict[str, Who]:
    """The README's "Who may do what" table, read back as the rule."""
    section = README.read_text().split("### Who may do what", 1)[1].split("\n#", 1)[0]
    found: dict[str, Who] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        match = re.search(r"\(`(\w+)`", cells[0]) if len(cells) == 2 else None
        if match is None:
            continue
        who = cells[1]
        if who == "Admins":
            found[match.group(1)] = Who.ADMINS
        elif who == "Members of its channel and admins":
            found[match.group(1)] = Who.MEMBERS
        elif who == "Its leads and admins":
            found[match.group(1)] = Who.LEADS
        elif who.startswith("Members of its channel and admins; anyone in the workspace when"):
            found[match.group(1)] = Who.READERS
        elif who == "Its team's leads and admins":
            found[match.group(1)] = Who.LEADS
        else:
            raise AssertionError(f"the README says something the rule does not: {who!r}")
    return found


def test_the_readmes_table_is_the_rule() -> None:
    assert readme_rule() == {action.value: who for action, who in WHO.items()}


@pytest.mark.parametrize("action", list(Action))
def test_a_guest_reads_only_the_teams_whose_channel_they_are_in(action: Action) -> None:
    access = Access(frozenset())
    rule = FakeDirectory(members={PUBLIC: {MEMBER}}, guests={STRANGER, MEMBER})
    for user, channel in ((STRANGER, PUBLIC), (STRANGER, PRIVATE)):
        subject = ChannelOnly(channel, "Vision")
        assert not access.allowed(action, Actor(workspace_id=1, user_id=user), rule, subject)
    member = Actor(workspace_id=1, user_id=MEMBER)
    assert access.allowed(action, member, rule, ChannelOnly(PUBLIC, "Vision")) is (
        WHO[action] not in {Who.ADMINS, Who.LEADS}
    )


@dataclass(frozen=True)
class LedTeam:
    name: str
    channel_id: str | None
    channel_private: bool | None
    leads: tuple[str, ...]


@pytest.mark.parametrize("action", [a for a in Action if WHO[a] is Who.LEADS])
def test_a_teams_leads_may_do_what_leads_may_and_its_other_members_may_not(
    action: Action,
) -> None:
    access = Access(frozenset())
    team = LedTeam("Vision", PRIVATE, True, leads=("ULEAD",))
    rule = FakeDirectory(members={PRIVATE: {MEMBER, "ULEAD"}})
    assert access.allowed(action, Actor(workspace_id=1, user_id="ULEAD"), rule, team)
    assert not access.allowed(action, Actor(workspace_id=1, user_id=MEMBER), rule, team)
