"""The kinds of message the scheduler sends, and how each names its target in `deliveries`."""

from __future__ import annotations

from enum import StrEnum

from bot.services.scheduling import team_target


class Kind(StrEnum):
    CHECKIN = "checkin"
    REMINDER = "reminder"
    LEAD_DM = "lead_dm"
    DIGEST = "digest"
    DIGEST_CHART = "digest_chart"
    PLAN_REMINDER = "plan_reminder"


def lead_target(team_id: int, user_id: str) -> str:
    """One lead's DM about one team: "team:12/U0LEAD" (each lead is claimed on its own)."""
    return f"{team_target(team_id)}/{user_id}"


def channel_target(channel_id: str) -> str:
    """A digest goes to a channel, whoever the teams in it are: the target is the channel id."""
    return channel_id


ON_DEMAND_PREFIX = "now-"
"""Period keys of on-demand digests (`/mlscore digest`): "now-<request id>", never a week key,
so asking for a digest never uses up (or blocks) the weekly one."""
