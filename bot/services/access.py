"""Who may do what: the one rule every use case asks before it reads or changes a team.

Each thing a person can ask for is an `Action`; `WHO` says which people may do it. A use case
calls `require(action, ...)` and a refusal is a NotAllowed whose message key,
``refused.<action>``, names what was refused, so the person is told exactly that, in their
language. README.md has the same table in words; a test keeps the two equal.

A new kind of person (team leads, say, for waivers) is a new `Who` and one branch in
`Access.allowed`; the actions and their callers stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.services.types import Actor, Directory, NotAllowed, NotFound


class Action(StrEnum):
    READ = "read"
    """See a team's scorecard, gaps and trend (commands, the Home tab's scorecard button) and
    its line in `teams`."""
    POST = "post"
    """Post its scorecard into its channel (`scorecard <team> public`): reading is not enough,
    since anyone may read a public channel's team but only its members speak in it."""
    ASSESS = "assess"
    """Open, fill in and submit its assessment (commands, check-in and Home buttons); the Home
    tab lists the teams a person may assess."""
    SKIP = "skip"
    SCHEDULE = "schedule"
    """Its check-in schedule, and pausing or resuming it."""
    LANGUAGE = "language"
    LEADS = "leads"
    DIGEST = "digest"
    """Post a channel's summary now."""
    STAGE = "stage"
    CRITERIA = "criteria"
    WAIVE = "waive"
    """Ask for a waiver: one test suspended for one system until a date, for a reason."""
    APPROVE_WAIVER = "approve_waiver"
    """Approve or reject a waiver someone asked for (its DM buttons)."""
    PLAN = "plan"
    """Make a plan for a stage move: owners per item and a target date."""
    EXPORT = "export"
    ERASE = "erase"
    CREATE_TEAM = "create_team"
    SYSTEMS = "systems"
    """Add, rename or archive a team's ML systems."""
    RESPONDENTS = "respondents"
    """How its several responses are combined and shown: the consensus rule, anonymous mode,
    DM reminders to those who have not answered."""
    RESOLVE = "resolve"
    """Settle the items its respondents disagree on."""
    EVIDENCE = "evidence"
    """Issue or rotate a system's CI token, let CI raise its claims, set the evidence rules."""


class Who(StrEnum):
    ADMINS = "admins"
    """Workspace admins and owners, and the people in MLSCORE_ADMINS."""
    MEMBERS = "members"
    """Members of the team's channel, and admins."""
    LEADS = "leads"
    """The team's leads, and admins."""
    READERS = "readers"
    """Members of the team's channel and admins; anyone in the workspace but guests when the
    channel is public (its messages are there for them to read anyway; guests see only the
    channels they were invited to)."""


WHO: dict[Action, Who] = {
    Action.READ: Who.READERS,
    Action.POST: Who.MEMBERS,
    Action.ASSESS: Who.MEMBERS,
    Action.SKIP: Who.MEMBERS,
    Action.SCHEDULE: Who.MEMBERS,
    Action.LANGUAGE: Who.MEMBERS,
    Action.LEADS: Who.ADMINS,
    Action.DIGEST: Who.MEMBERS,
    Action.STAGE: Who.ADMINS,
    Action.CRITERIA: Who.ADMINS,
    Action.WAIVE: Who.MEMBERS,
    Action.APPROVE_WAIVER: Who.LEADS,
    Action.PLAN: Who.LEADS,
    Action.EXPORT: Who.ADMINS,
    Action.ERASE: Who.ADMINS,
    Action.CREATE_TEAM: Who.ADMINS,
    Action.SYSTEMS: Who.ADMINS,
    Action.RESPONDENTS: Who.ADMINS,
    Action.RESOLVE: Who.LEADS,
    Action.EVIDENCE: Who.ADMINS,
}


class Bound(Protocol):
    """A team row, a TeamInfo or a bare channel: what the rule reads of its subject."""

    @property
    def name(self) -> str: ...

    @property
    def channel_id(self) -> str | None: ...

    @property
    def channel_private(self) -> bool | None:
        """Whether the channel is private as last stored; None: ask Slack."""
        ...


@dataclass(frozen=True)
class ChannelOnly:
    """The subject of an action on a channel rather than a team (the digest)."""

    channel_id: str | None
    name: str = ""
    channel_private: bool | None = None
    leads: tuple[str, ...] = ()


@dataclass(frozen=True)
class Access:
    admins: frozenset[str]

    def is_admin(self, directory: Directory, user_id: str) -> bool:
        """A Slack workspace admin or owner, or a user in the configured admin list."""
        return user_id in self.admins or directory.is_admin(user_id)

    def allowed(
        self, action: Action, actor: Actor, directory: Directory, subject: Bound | None = None
    ) -> bool:
        """Whether the person may do `action` to `subject` (a team or a channel). Admins may
        do everything; without a channel, only admins may."""
        if self.is_admin(directory, actor.user_id):
            return True
        who = WHO[action]
        channel_id = subject.channel_id if subject is not None else None
        if who is Who.LEADS:
            # A subject without leads (a bare channel) has none to let in.
            return actor.user_id in getattr(subject, "leads", ())
        if who is Who.ADMINS or not channel_id:
            return False
        if (
            who is Who.READERS
            and _public(subject, channel_id, directory)
            and not directory.is_guest(actor.user_id)
        ):
            return True
        return directory.is_member(channel_id, actor.user_id)

    def require(
        self, action: Action, actor: Actor, directory: Directory, subject: Bound | None = None
    ) -> None:
        if not self.allowed(action, actor, directory, subject):
            if subject is not None and not self.allowed(Action.READ, actor, directory, subject):
                # Someone who may not even see the team (a private channel's, from outside)
                # hears what a team that does not exist gets: naming it would tell them it is
                # there, whatever path (a forged button, an old link) brought them.
                raise NotFound("error.team_not_found")
            raise NotAllowed(
                refusal_key(action),
                team=subject.name if subject is not None else "",
                channel=(subject.channel_id or "") if subject is not None else "",
            )


def _public(subject: Bound | None, channel_id: str, directory: Directory) -> bool:
    """Whether the channel is public: as stored on the team (no Slack call: listing many teams
    costs nothing per team), else as Slack says now."""
    private = subject.channel_private if subject is not None else None
    if private is None:
        return directory.channel(channel_id).public
    return not private


def refusal_key(action: Action) -> str:
    """The message that tells a person `action` was refused, and who may do it."""
    return f"refused.{action.value}"


def shown_in(team: Bound, channel_id: str) -> bool:
    """Whether a message posted in `channel_id` may show the team: only in the team's own
    channel, whose members the rule lets read it. The weekly summary keeps to this."""
    return bool(team.channel_id) and team.channel_id == channel_id
