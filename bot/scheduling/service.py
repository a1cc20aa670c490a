"""Use cases of the scheduler that people trigger: skip a period, go away until a date, come
back, read a schedule in words, and post the digest now.

Each runs in one transaction with an audit entry. Who may skip, pause or ask for a channel's
digest is the services' rule (bot.services.access): members of the channel, and admins.

On-demand digests are claimed in the deliveries table under their own key, "now-<user>-<minute>"
(never the week's key): a double-clicked command posts once, while the weekly digest still goes
out at its time, as people expect of a scheduled summary. A failed on-demand post is marked
failed for good (the person is told and can ask again) rather than retried hours later. A
digest Slack did not confirm may have landed (see bot.slack.clients.is_unconfirmed): it is marked
sent with a note, and the person is told to look in the channel before asking again, since a
second request would double it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NoReturn

from bot.metrics import DeliveryOutcome
from bot.scheduling.deps import TickDeps
from bot.scheduling.digest import ChannelDigest, digest_charts, digest_message
from bot.scheduling.kinds import ON_DEMAND_PREFIX, Kind, channel_target
from bot.scheduling.send import describe, upload_charts
from bot.services import Action, Services
from bot.services.access import ChannelOnly
from bot.services.digests import DigestQuery
from bot.services.scheduling import DeliveryRef, Skipped
from bot.services.types import (
    Actor,
    Directory,
    Invalid,
    NotFound,
    ServiceError,
    TeamInfo,
)
from bot.slack.blocks.checkin import schedule_rule
from bot.slack.blocks.common import escape
from bot.slack.clients import is_unconfirmed
from bot.slack.i18n import format_date, format_datetime, t
from rubric.periods import next_due, period_at, zone_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DigestPosted:
    channel_id: str
    message_ts: str | None
    teams: int
    charts: int
    repeated: bool
    """True when the same request had already posted it (nothing new was sent)."""
    chart_failed: bool = False
    """The message went out but its chart could not be shared."""


class SchedulingService:
    def __init__(self, deps: TickDeps, services: Services) -> None:
        self.deps = deps
        self.services = services
        # As for every use case: a database that does not answer is StorageUnavailable.
        self.store = deps.store.guarded()

    def _team(self, actor: Actor, team_id: int, system_id: int | None = None) -> TeamInfo:
        return self.store.team(actor.workspace_id, team_id, system_id)

    # ---- skip, pause, resume -------------------------------------------------------------------

    def skip_period(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        now: datetime,
        *,
        period_key: str | None = None,
        system_id: int | None = None,
    ) -> Skipped:
        """Mark a period's check-in skipped: no reminder follows, and charts show the period
        as skipped (never as a zero). `period_key` is the check-in a Skip button belongs to
        (refused when the team has no such check-in); without it, the current period of the
        team's schedule. With `system_id` (one of the team's), that system's check-in on its
        own schedule; without, those of the team's systems that follow the team's. A period
        already answered is refused; skipping twice is harmless (`already` says so)."""
        team = self._team(actor, team_id, system_id)
        self.services.require(Action.SKIP, actor, directory, team)
        from_button = period_key is not None
        if period_key is None:
            if team.schedule is None:
                raise Invalid("error.no_schedule", team=team.name)
            period_key = period_at(team.schedule, now).key
        return self.store.skip(actor, team, period_key, now, from_button=from_button)

    def pause(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        until: date,
        now: datetime,
        *,
        system_id: int | None = None,
    ) -> TeamInfo:
        """Away until `until` (inclusive): no check-ins or reminders for periods due by then;
        the digest says the team is away. With `system_id`, only that system of the team."""
        team = self._team(actor, team_id, system_id)
        zone = zone_for(team.schedule.tz if team.schedule else self.deps.settings.default_timezone)
        today = now.astimezone(zone).date()
        if until < today:
            raise Invalid("error.pause_in_past", date=until.isoformat())
        if system_id is not None:
            return self.services.set_system_paused_until(actor, directory, system_id, until)
        return self.services.set_paused_until(actor, directory, team_id, until)

    def resume(
        self, actor: Actor, directory: Directory, team_id: int, system_id: int | None = None
    ) -> TeamInfo:
        """Back before the date: check-ins resume with the next period that falls due."""
        if system_id is not None:
            self._team(actor, team_id, system_id)
            return self.services.set_system_paused_until(actor, directory, system_id, None)
        return self.services.set_paused_until(actor, directory, team_id, None)

    # ---- words ---------------------------------------------------------------------------------

    @staticmethod
    def schedule_summary(team: TeamInfo, now: datetime, language: str | None = None) -> str:
        """The schedule in a sentence, with the next check-in in the team's zone and whether the
        team is away, for confirmations."""
        lang = language or team.language
        schedule = team.schedule
        if schedule is None:
            return t("checkin.schedule_off", lang, team=escape(team.name))
        sentence = t(
            "checkin.schedule_set", lang, team=escape(team.name), rule=schedule_rule(schedule, lang)
        )
        upcoming = next_due(schedule, now)
        if team.paused_until is not None:
            while upcoming.astimezone(schedule.zone).date() <= team.paused_until:
                upcoming = next_due(schedule, upcoming)
            sentence += " " + t(
                "checkin.paused",
                lang,
                team=escape(team.name),
                date=format_date(team.paused_until, lang),
            )
        next_text = format_datetime(upcoming.astimezone(schedule.zone), lang)
        return f"{sentence} → {next_text}"

    # ---- the digest, now -----------------------------------------------------------------------

    def digest_now(
        self, actor: Actor, directory: Directory, channel_id: str, now: datetime
    ) -> DigestPosted:
        deps = self.deps
        self.services.require(Action.DIGEST, actor, directory, ChannelOnly(channel_id))
        query = DigestQuery(actor.workspace_id, channel_id, now, deps.policy.default_tz)
        slack_team_id, digest = self.store.requested_digest(deps.rubrics, query)
        if not digest.teams:
            raise NotFound("error.no_team_here", command="digest")
        key = DeliveryRef(
            actor.workspace_id,
            channel_target(channel_id),
            Kind.DIGEST.value,
            f"{ON_DEMAND_PREFIX}{actor.user_id}-{now:%Y%m%dT%H%M}",
        )
        if not self.store.claim(key, now, deps.lease):
            return DigestPosted(channel_id, None, len(digest.teams), 0, repeated=True)
        client = deps.client_for(slack_team_id)
        try:
            payload = digest_message(digest, requested_by=actor.user_id)
            with deps.pacer.slot(slack_team_id, channel_id):
                response = client.chat_postMessage(
                    channel=channel_id, text=payload["text"], blocks=payload["blocks"]
                )
        except Exception as error:
            if is_unconfirmed(error):
                self._digest_unconfirmed(key, channel_id, now, error)
            reason = describe(error)
            self.store.mark_failed(key, reason, final=True)
            log.warning("on-demand digest for %s failed: %s", channel_id, reason)
            deps.metrics.delivery("digest_now", DeliveryOutcome.FAILED)
            raise ServiceError("error.slack_trouble") from error
        ts = str(response["ts"])
        charts, trouble = self._digest_charts(client, slack_team_id, channel_id, digest)
        self.store.record_digest_posted(
            key,
            actor,
            now,
            channel_id=channel_id,
            message_ts=ts,
            note=trouble,
            teams=len(digest.teams),
            charts=charts,
        )
        deps.metrics.delivery("digest_now", DeliveryOutcome.SENT)
        return DigestPosted(
            channel_id,
            ts,
            len(digest.teams),
            charts,
            repeated=False,
            chart_failed=trouble is not None,
        )

    def _digest_charts(
        self, client: Any, slack_team_id: str, channel_id: str, digest: ChannelDigest
    ) -> tuple[int, str | None]:
        """Uploads the digest's charts once its message is in the channel: (charts shared, why
        they were not). A failure here must not read as "try again", which would repeat the
        message that did go out."""
        deps = self.deps
        try:
            charts = digest_charts(digest, deps.charts)
            if charts:
                with deps.pacer.slot(slack_team_id, channel_id, workspace_rate=False):
                    upload_charts(client, channel_id, charts)
        except Exception as error:
            reason = describe(error)
            log.warning("on-demand digest for %s posted without its chart: %s", channel_id, reason)
            return 0, f"chart not shared: {reason}"
        return len(charts), None

    def _digest_unconfirmed(
        self, key: DeliveryRef, channel_id: str, now: datetime, error: Exception
    ) -> NoReturn:
        """chat.postMessage got no answer: the digest may be in the channel, so it is recorded
        as sent (with the note), and the person is asked to look before asking again."""
        note = f"unconfirmed: chat.postMessage: {describe(error)}"
        self.store.mark_sent(key, now, message_ts=None, note=note)
        log.warning(
            "Slack did not confirm the on-demand digest for %s; it may be there, and it will not "
            "be re-sent to avoid a duplicate: %s",
            channel_id,
            note,
        )
        self.deps.metrics.delivery("digest_now", DeliveryOutcome.UNCONFIRMED)
        raise ServiceError("error.slack_unconfirmed", channel=channel_id) from error
