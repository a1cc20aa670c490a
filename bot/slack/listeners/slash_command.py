"""`/mlscore`: acknowledge at once, parse, call one use case, answer in the person's language."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.services import Action
from bot.services.types import (
    ChooseSystem,
    Erased,
    Invalid,
    NotFound,
    TeamInfo,
    TeamRef,
    TrendView,
)
from bot.slack import command_parser as cmd
from bot.slack.blocks.checkin import build_schedule_set, build_team_created
from bot.slack.blocks.common import escape, message, section
from bot.slack.blocks.errors import build_notice, build_parse_error, ephemeral
from bot.slack.blocks.help import build_help
from bot.slack.blocks.scorecard import build_gaps, scorecard_message, trend_text
from bot.slack.blocks.systems import build_system_choice, build_system_lines, parse_choice_value
from bot.slack.blocks.teams import build_teams_list
from bot.slack.chart_posts import post_systems_trend_later, post_trend_later
from bot.slack.handoff import ack_at_once, work
from bot.slack.i18n import t
from bot.slack.ids import ActionId
from bot.slack.listeners import criteria, plans, responses, scheduling
from bot.slack.listeners.assessment import open_assessment
from bot.slack.listeners.common import Respond, scope_of, telling_user
from bot.slack.note_posts import delete_erased_files, edit_erased, post_scorecard
from bot.slack.scope import RequestScope
from bot.slack.uploads import direct_channel, upload_file
from bot.usertext import has_nul
from rubric.periods import Schedule

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.command("/mlscore")(ack=ack_at_once, lazy=[handle_mlscore])
    app.action(re.compile(rf"^{ActionId.CHOOSE_SYSTEM}(:\d+)?$"))(
        ack=ack_at_once, lazy=[handle_system_choice]
    )


@dataclass(frozen=True)
class Invocation:
    """One `/mlscore` call: who, where, and how to answer."""

    scope: RequestScope
    client: WebClient
    respond: Respond
    command: dict[str, Any]
    language: str
    chosen: TeamInfo | None = None
    """The system picked with a "which system?" button, for the command re-run with it."""

    @property
    def channel_id(self) -> str:
        return str(self.command.get("channel_id") or "")

    def say(self, payload: dict[str, Any]) -> None:
        self.respond(ephemeral(payload))

    def notice(self, key: str, language: str | None = None, **params: object) -> None:
        self.say(build_notice(key, language or self.language, **params))

    def post_trend(self, view: TrendView, language: str, *, public: bool) -> None:
        """The team's trend chart, after the ack: in its channel, or in the person's DM."""

        def private_channel() -> str:
            return direct_channel(self.client, self.scope.user_id or "")

        post_trend_later(
            self.scope.deps,
            self.client,
            view,
            channel_id=view.team.channel_id if public else private_channel,
            language=language,
            tell=lambda text: self.say({"text": text}),
        )

    def team(self, ref: cmd.TeamRef | None) -> TeamInfo:
        return self.scope.deps.services.resolve_team(self.scope.actor(), ref, self.scope.directory)

    def system(self, ref: cmd.TeamRef | None, *, team_ok: bool = False) -> TeamInfo:
        """The system the command means (ChooseSystem when the team has several and it was
        not said which). A team with one system is the team, exactly as before systems."""
        if self.chosen is not None:
            return self.chosen
        found = self.scope.deps.services.resolve_system(
            self.scope.actor(), ref, team_ok=team_ok, directory=self.scope.directory
        )
        if found.system_id is not None and found.systems <= 1 and not found.archived:
            return replace(found, system_id=None, system_name=None)
        return found


@work
def handle_mlscore(
    command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    scope = scope_of(context)
    language = scope.language()
    if has_nul(command.get("text")):
        respond(ephemeral(build_notice("error.nul", language)))
        return
    parsed = cmd.parse_command(command.get("text"))
    if isinstance(parsed, cmd.ParseError):
        respond(ephemeral(build_parse_error(parsed, language)))
        return
    handler = HANDLERS.get(type(parsed))
    call = Invocation(scope, client, respond, command, language)
    with telling_user(respond, language):
        if handler is None:
            call.notice("error.not_available")
            return
        _run(call, handler, parsed)


def _run(call: Invocation, handler: Callable[[Invocation, Any], None], parsed: Any) -> None:
    """Run the command; when it needs one system and the team has several, ask which one
    with a button per system instead of guessing."""
    try:
        handler(call, parsed)
    except ChooseSystem as choice:
        text = str(call.command.get("text") or "")
        call.say(build_system_choice(choice.choices, text, call.language))


@work
def handle_system_choice(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """A "which system?" button: the command it was asked for, run for the system picked. The
    system is looked up in the clicking person's workspace only, and the command's own access
    rule applies as if they had typed it."""
    scope = scope_of(context)
    language = scope.language()
    action = (body.get("actions") or [{}])[0]
    picked = parse_choice_value(action.get("value"))
    with telling_user(respond, language):
        if picked is None:
            raise NotFound("error.system_not_found")
        system_id, text = picked
        chosen = scope.deps.services.get_system(scope.workspace_id, system_id)
        parsed = cmd.parse_command(text)
        handler = HANDLERS.get(type(parsed))
        if isinstance(parsed, cmd.ParseError) or handler is None:
            raise NotFound("error.system_not_found")
        command = {
            "text": text,
            "channel_id": (body.get("channel") or {}).get("id") or "",
            "trigger_id": body.get("trigger_id") or "",
        }
        call = Invocation(scope, client, respond, command, language, chosen=chosen)
        _run(call, handler, parsed)


# ---- teams ---------------------------------------------------------------------------------


def _help(call: Invocation, _: cmd.Help) -> None:
    call.say(build_help(call.language))


def _team_create(call: Invocation, parsed: cmd.TeamCreate) -> None:
    channel_id = call.channel_id
    if parsed.channel is not None:
        if parsed.channel.channel_id is None:
            raise Invalid("error.channel_mention_needed", name=parsed.channel.name or "")
        channel_id = parsed.channel.channel_id
    team = call.scope.deps.services.create_team(
        call.scope.actor(), call.scope.directory, name=parsed.name, channel_id=channel_id
    )
    call.say(
        build_team_created(
            team_name=team.name,
            channel_id=team.channel_id,
            schedule=team.schedule,
            created_at=team.created_at,
            language=call.language,
        )
    )


def _teams(call: Invocation, _: cmd.ListTeams) -> None:
    summaries = call.scope.deps.services.list_teams(call.scope.actor(), call.scope.directory)
    call.say(build_teams_list(summaries, call.language))


def _stage(call: Invocation, parsed: cmd.SetStage) -> None:
    # Through the stage gate (bot.slack.listeners.plans): unmet tests stop the move.
    updated = plans.command_stage(call, parsed)
    if updated is None:
        return
    rubric = call.scope.deps.services.rubrics.get(updated.rubric_id)
    language = call.scope.language(updated)
    call.notice(
        "info.stage_set",
        language,
        team=updated.label,
        stage=_stage_label(rubric, updated, language),
    )


def _stage_label(rubric: Any, team: TeamInfo, language: str) -> str:
    from bot.slack.blocks.assessment import stage_label

    return stage_label(rubric, team.stage, language)


def _language(call: Invocation, parsed: cmd.SetLanguage) -> None:
    team = call.team(None)
    call.scope.deps.services.set_language(
        call.scope.actor(team), call.scope.directory, team.id, parsed.language
    )
    call.notice("info.language_set", parsed.language, team=team.name)


def _schedule(call: Invocation, parsed: cmd.SetSchedule) -> None:
    # `team/system` sets that system's own; a team (with one or several systems) its default.
    team = call.system(parsed.team, team_ok=True)
    schedule: Schedule | None = None
    if parsed.cadence is not None:
        base = team.schedule or Schedule.default()
        try:
            schedule = Schedule(
                cadence=parsed.cadence,
                weekday=base.weekday if parsed.weekday is None else parsed.weekday,
                at=base.at if parsed.at is None else parsed.at,
                tz=parsed.tz or base.tz,
            )
        except ValueError as error:
            raise Invalid("error.bad_schedule", reason=str(error)) from None
    services = call.scope.deps.services
    if team.system_id is not None:
        updated = services.set_system_schedule(
            call.scope.actor(team), call.scope.directory, team.system_id, schedule
        )
    else:
        updated = services.set_schedule(
            call.scope.actor(team), call.scope.directory, team.id, schedule
        )
    call.say(
        build_schedule_set(
            team_name=updated.label, schedule=updated.schedule, language=call.scope.language(team)
        )
    )


# ---- assessing and reporting ---------------------------------------------------------------


def _assess(call: Invocation, parsed: cmd.Assess) -> None:
    team = call.system(parsed.team)
    open_assessment(call.scope, call.client, trigger_id=str(call.command["trigger_id"]), team=team)


def _scorecard(call: Invocation, parsed: cmd.ShowScorecard) -> None:
    team = call.system(parsed.team, team_ok=not parsed.public)
    services = call.scope.deps.services
    actor, directory = call.scope.actor(team), call.scope.directory
    if team.system_id is None and team.systems > 1:
        # A team with several systems: one line per system, the weakest first.
        lines = services.system_lines(actor, directory, team.id)
        language = call.scope.language(team)
        call.say(build_system_lines(team, lines, language, title_key="systems.overview"))
        return
    card = services.scorecard(actor, directory, team.id, team.system_id)
    if parsed.public:
        services.require(Action.POST, actor, directory, team)
    # Public posts speak the team's language; private answers the person's.
    language = team.language if parsed.public else call.scope.language(team)
    if card is None:
        raise NotFound("error.no_assessment", team=team.label)
    trend = services.trend(actor, directory, team.id, team.system_id)
    # From the first assessment on: one point still shows each section's score.
    has_chart = trend is not None and any(p.final is not None for p in trend.trend.points)
    payload = scorecard_message(card, language, chart_follows=has_chart)
    if parsed.public:
        post_scorecard(
            call.scope, call.client, card, payload, channel_id=team.channel_id, language=language
        )
        call.notice(
            "info.scorecard_posted",
            call.scope.language(team),
            team=team.name,
            channel=team.channel_id,
        )
    else:
        call.say(payload)
    if has_chart and trend is not None:
        # Files cannot be ephemeral: a private scorecard's chart goes to the person's DM.
        call.post_trend(trend, language, public=parsed.public)


def _gaps(call: Invocation, parsed: cmd.ShowGaps) -> None:
    team = call.system(parsed.team)
    card = call.scope.deps.services.scorecard(
        call.scope.actor(team), call.scope.directory, team.id, team.system_id
    )
    if card is None:
        raise NotFound("error.no_assessment", team=team.label)
    language = call.scope.language(team)
    call.say(
        build_gaps(
            team_name=team.label,
            report=card.gaps,
            rubric=card.rubric,
            language=language,
            card=card,
        )
    )


def _trend(call: Invocation, parsed: cmd.ShowTrend) -> None:
    team = call.system(parsed.team, team_ok=True)
    if team.system_id is None and team.systems > 1:
        _team_trend(call, team)
        return
    view = call.scope.deps.services.trend(
        call.scope.actor(team), call.scope.directory, team.id, team.system_id
    )
    if view is None:
        raise NotFound("error.no_assessment", team=team.label)
    language = call.scope.language(team)
    line = trend_text(view.diff, view.rubric, language)
    call.notice("trend.reply", language, team=team.label, line=line)
    call.post_trend(view, language, public=False)


def _team_trend(call: Invocation, team: TeamInfo) -> None:
    """A team with several systems: a line per system and one chart of their final scores."""
    services = call.scope.deps.services
    actor = call.scope.actor(team)
    views = [
        view
        for line in services.system_lines(actor, call.scope.directory, team.id)
        if line.system.system_id is not None
        and (view := services.trend(actor, call.scope.directory, team.id, line.system.system_id))
        is not None
    ]
    if not views:
        raise NotFound("error.no_assessment", team=team.name)
    language = call.scope.language(team)
    for view in views:
        line = trend_text(view.diff, view.rubric, language)
        call.notice("trend.reply", language, team=view.team.label, line=line)

    def private_channel() -> str:
        return direct_channel(call.client, call.scope.user_id or "")

    post_systems_trend_later(
        call.scope.deps,
        call.client,
        team,
        views,
        channel_id=private_channel,
        language=language,
        tell=lambda text: call.say({"text": text}),
    )


# ---- systems -------------------------------------------------------------------------------


def _system_team(call: Invocation, ref: TeamRef) -> TeamInfo:
    """The team a `system` command names (`team/...`), or the channel's."""
    return call.team(TeamRef(name=ref.name) if ref.name else None)


def _system_add(call: Invocation, parsed: cmd.SystemAdd) -> None:
    team = _system_team(call, parsed.system)
    services = call.scope.deps.services
    added = services.add_system(
        call.scope.actor(team),
        call.scope.directory,
        team.id,
        name=parsed.system.system or "",
        stage=parsed.stage,
    )
    language = call.scope.language(team)
    rubric = services.rubrics.get(added.rubric_id)
    call.notice(
        "info.system_added",
        language,
        team=added.name,
        system=added.system_name or "",
        stage=_stage_label(rubric, added, language),
    )


def _named_system(call: Invocation, ref: TeamRef) -> TeamInfo:
    """The system a rename or an archive names; archived systems are found too."""
    found = call.scope.deps.services.resolve_system(
        call.scope.actor(), ref, directory=call.scope.directory
    )
    if found.system_id is None:
        raise NotFound("error.system_not_found")
    return found


def _system_rename(call: Invocation, parsed: cmd.SystemRename) -> None:
    system = _named_system(call, parsed.system)
    assert system.system_id is not None
    renamed = call.scope.deps.services.rename_system(
        call.scope.actor(system), call.scope.directory, system.system_id, parsed.name
    )
    call.notice(
        "info.system_renamed",
        call.scope.language(system),
        team=renamed.name,
        system=renamed.system_name or "",
    )


def _system_archive(call: Invocation, parsed: cmd.SystemArchive) -> None:
    system = _named_system(call, parsed.system)
    assert system.system_id is not None
    archived = call.scope.deps.services.archive_system(
        call.scope.actor(system), call.scope.directory, system.system_id
    )
    call.notice(
        "info.system_archived",
        call.scope.language(system),
        team=archived.name,
        system=archived.system_name or "",
    )


def _systems(call: Invocation, parsed: cmd.ListSystems) -> None:
    team = call.team(parsed.team)
    lines = call.scope.deps.services.system_lines(
        call.scope.actor(team), call.scope.directory, team.id, include_archived=True
    )
    language = call.scope.language(team)
    call.say(build_system_lines(team, lines, language, title_key="systems.header"))


# ---- evidence ------------------------------------------------------------------------------


def _token(call: Invocation, parsed: cmd.TokenIssue) -> None:
    system = _named_system(call, parsed.system)
    assert system.system_id is not None
    issued = call.scope.deps.services.issue_token(
        call.scope.actor(system), call.scope.directory, system.system_id, rotate=parsed.rotate
    )
    language = call.scope.language(system)
    text = t(
        "token.issued",
        language,
        system=issued.team.label,
        token=issued.token,
        path=f"/api/v1/systems/{issued.system_id}/evidence",
    )
    if issued.revoked:
        text += "\n" + t("token.rotated", language, system=issued.team.label)
    # Ephemeral: only the admin who asked sees the secret, and only this once.
    call.say({"text": text})


def _evidence_policy(call: Invocation, parsed: cmd.EvidencePolicySet) -> None:
    services = call.scope.deps.services
    services.set_evidence_policy(
        call.scope.actor(), call.scope.directory, parsed.stage, parsed.levels
    )
    stage = t(f"stage.{parsed.stage.value}", call.language)
    if parsed.levels:
        levels = " / ".join(t(f"level.{key}", call.language) for key in sorted(parsed.levels))
        call.notice("info.evidence_policy", stage=stage, levels=levels)
    else:
        call.notice("info.evidence_policy_none", stage=stage)


def _evidence_upgrades(call: Invocation, parsed: cmd.EvidenceUpgrades) -> None:
    system = _named_system(call, parsed.system)
    assert system.system_id is not None
    view = call.scope.deps.services.set_pushed_upgrades(
        call.scope.actor(system),
        call.scope.directory,
        system.system_id,
        allowed=parsed.allowed,
    )
    key = "info.pushed_upgrades_on" if parsed.allowed else "info.pushed_upgrades_off"
    call.notice(key, call.scope.language(system), system=view.label)


# ---- data rights ---------------------------------------------------------------------------


def _export(call: Invocation, parsed: cmd.Export) -> None:
    services = call.scope.deps.services
    team = call.team(parsed.team) if parsed.team is not None else None
    data = services.export(
        call.scope.actor(team), call.scope.directory, team.id if team else None, "csv"
    )
    name = f"mlscore-{team.name if team else 'workspace'}.csv"
    channel = direct_channel(call.client, call.scope.user_id or "")
    file_id = upload_file(call.client, data, channel_id=channel, filename=name, title=name)
    if file_id:
        try:
            services.record_file(
                call.scope.actor(team),
                team.id if team else None,
                file_id=file_id,
                channel_id=channel,
                kind="export",
            )
        except Exception:
            # An export the database does not know of could never be erased: take it back,
            # and let the error reach the person as any failed command does.
            _delete_quietly(call, file_id)
            raise
    if team is not None:
        call.notice("info.export_ready", team=team.name)
    else:
        call.notice("info.export_ready_workspace", file=name)


def _delete_quietly(call: Invocation, file_id: str) -> None:
    try:
        call.client.files_delete(file=file_id)
    except Exception:
        log.warning("could not delete export %s after failing to record it", file_id)


def _erase_team(call: Invocation, parsed: cmd.EraseTeam) -> None:
    team = call.team(parsed.team)
    erased = call.scope.deps.services.erase_team(
        call.scope.actor(team), call.scope.directory, team.id
    )
    _tell_erased(call, erased, t("info.team_erased", call.language, team=escape(team.name)))


def _erase_notes(call: Invocation, parsed: cmd.EraseNotes) -> None:
    erased = call.scope.deps.services.erase_user_notes(
        call.scope.actor(), call.scope.directory, parsed.user_id
    )
    count = sum(erased.rows.values())
    _tell_erased(
        call, erased, t("info.notes_erased", call.language, user=parsed.user_id, count=count)
    )


def _tell_erased(call: Invocation, erased: Erased, done: str) -> None:
    """Edits the bot's messages that showed the erased text, then tells the admin, in one
    reply, what was erased and how many messages were edited (or could not be)."""
    lines = [done]
    if erased.messages:
        edited = edit_erased(call.scope, call.client, erased)
        if edited.edited:
            lines.append(t("info.messages_edited", call.language, count=edited.edited))
        if edited.failed:
            lines.append(t("info.messages_not_edited", call.language, count=edited.failed))
    if erased.files:
        deleted = delete_erased_files(call.scope, call.client, erased)
        if deleted.edited:
            lines.append(t("info.files_deleted", call.language, count=deleted.edited))
        if deleted.failed:
            lines.append(t("info.files_not_deleted", call.language, count=deleted.failed))
    text = "\n".join(lines)
    call.say(message(text, [section(text)]))


HANDLERS: dict[type[Any], Callable[[Invocation, Any], None]] = {
    cmd.Help: _help,
    cmd.TeamCreate: _team_create,
    cmd.ListTeams: _teams,
    cmd.SetStage: _stage,
    cmd.SetLanguage: _language,
    cmd.SetSchedule: _schedule,
    cmd.Assess: _assess,
    cmd.ShowScorecard: _scorecard,
    cmd.ShowGaps: _gaps,
    cmd.ShowTrend: _trend,
    cmd.Skip: scheduling.command_skip,
    cmd.Pause: scheduling.command_pause,
    cmd.Resume: scheduling.command_resume,
    cmd.Digest: scheduling.command_digest,
    cmd.CriteriaShow: criteria.command_criteria_show,
    cmd.CriteriaSurvey: criteria.command_criteria_survey,
    cmd.CriteriaResults: criteria.command_criteria_results,
    cmd.CriteriaAdopt: criteria.command_criteria_adopt,
    cmd.CriteriaSet: criteria.command_criteria_set,
    cmd.Export: _export,
    cmd.EraseTeam: _erase_team,
    cmd.EraseNotes: _erase_notes,
    cmd.SystemAdd: _system_add,
    cmd.TokenIssue: _token,
    cmd.EvidencePolicySet: _evidence_policy,
    cmd.EvidenceUpgrades: _evidence_upgrades,
    cmd.SystemRename: _system_rename,
    cmd.SystemArchive: _system_archive,
    cmd.ListSystems: _systems,
    cmd.SetConsensus: responses.command_consensus,
    cmd.LeadChange: responses.command_lead,
    cmd.ShowResponses: responses.command_responses,
    cmd.ResponsesSetting: responses.command_responses_setting,
    cmd.PlanPreview: plans.command_plan,
    cmd.ListPlans: plans.command_plans,
    cmd.Waive: plans.command_waive,
    cmd.ListWaivers: plans.command_waivers,
}
"""Who handles each command of the table (bot.slack.command_parser.SUBCOMMANDS): one handler
per command the parser can give; a unit test holds the two together."""
