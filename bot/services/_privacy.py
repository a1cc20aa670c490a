"""Whether a team's channel is private: stored on the team, refreshed when Slack is asked.

Listing teams reads the stored answer, so it costs no Slack call per public team. Reading one
team asks conversations.info (cached by the directory) and stores the answer when it changed,
so a channel made private is private for that team's reads within the directory's cache time,
and in listings from that first read on (the README states this price of a cheap listing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.db import repositories as repo
from bot.db.tables import Team
from bot.services.context import ServiceContext
from bot.services.types import Directory, TeamInfo


def _store(ctx: ServiceContext, workspace_id: int, changed: dict[str, bool]) -> None:
    if not changed:
        return
    with ctx.database.write() as session:
        for channel_id, private in changed.items():
            repo.set_channel_private(
                session, workspace_id=workspace_id, channel_id=channel_id, private=private
            )


def fill_unknown(
    ctx: ServiceContext, directory: Directory, workspace_id: int, teams: Sequence[Team]
) -> None:
    """Teams whose privacy is not known yet (bound before it was stored) get it from Slack,
    once, and keep it. The rows are updated in place for the caller."""
    learnt: dict[str, bool] = {}
    for team in teams:
        if team.channel_private is None and team.channel_id:
            if team.channel_id not in learnt:
                learnt[team.channel_id] = not directory.channel(team.channel_id).public
            team.channel_private = learnt[team.channel_id]
    _store(ctx, workspace_id, learnt)


def refreshed(ctx: ServiceContext, directory: Directory, team: TeamInfo) -> TeamInfo:
    """The team with its channel's privacy as Slack says it now (a channel Slack does not show
    the bot counts as private), stored when it changed."""
    if not team.channel_id:
        return team
    private = not directory.channel(team.channel_id).public
    if private != team.channel_private:
        _store(ctx, team.workspace_id, {team.channel_id: private})
    return replace(team, channel_private=private)
