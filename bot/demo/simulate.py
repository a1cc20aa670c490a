"""A few months of an organisation using the bot, driven through the bot's own services.

The simulation owns a fake clock and moves it from event to event. Each week it runs the
scheduling pass (`run_tick`) when check-ins and reminders fall due, so the scheduler posts them
to the recording client; then the teams answer through `Services.submit` (pre-filled from their
last answers, as the modal is) and the channel gets the same announcement the modal's listener
posts. One team skips a week through the scheduling service, one regresses once, one moves to
production half-way, after its lead made a plan for the move in week 2 (owners per test, a
target date) that the team then meets, so the stage gate lets it through. A last pass on Friday
sends each channel's weekly summary with its chart.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.charts import Chart, TeamOverview, render_criteria, render_heatmap, render_overview
from bot.charts.burnup import render_burnup
from bot.db.migrate import upgrade
from bot.demo import sample
from bot.demo.recorder import Recording, RecordingClient, dm_channel
from bot.demo.sample import SampleTeam
from bot.rubric_registry import RubricRegistry
from bot.scheduling.pacing import Pacer
from bot.scheduling.service import SchedulingService
from bot.scheduling.tick import run_tick
from bot.services import Actor, ChannelFacts, ItemDraft, Services, TeamInfo, TeamRef, TrendView
from bot.settings import Settings
from bot.slack.blocks.assessment import AssessmentMeta, ItemInput, build_assessment_page
from bot.slack.blocks.checkin import build_skipped
from bot.slack.blocks.criteria import build_criteria_matrix
from bot.slack.blocks.home import build_home
from bot.slack.blocks.plans import build_owner_dm, build_plans_list, build_preview
from bot.slack.blocks.scorecard import build_announcement, build_scorecard
from bot.slack.uploads import upload_chart
from bot.wiring import build_container, deps_from_container
from rubric.gaps import Gap
from rubric.model import Rubric
from rubric.periods import Cadence, Schedule, period_at, to_utc, zone_for

log = logging.getLogger(__name__)

LEVELS = ("not_done", "manual", "automated")
PLAN_WEEK = 1
"""The week (from 0) whose answers the stage-change team's lead plans the move from."""
MIN_WEEKS = 4
MAX_WEEKS = 104
LATE_ANSWERS = 0.15
"""The share of check-ins answered only after the reminder."""


class SimClock:
    """The demo's clock: services, the scheduler and the recorder all read it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class DemoDirectory:
    """Who is an admin and who is in which channel (what users.info and conversations.members
    would say)."""

    def __init__(self, admins: set[str], members: dict[str, tuple[str, ...]]) -> None:
        self.admins = admins
        self.members = members

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admins

    def is_guest(self, user_id: str) -> bool:
        return False

    def is_member(self, channel_id: str, user_id: str) -> bool:
        return user_id in self.members.get(channel_id, ())

    def channel(self, channel_id: str) -> ChannelFacts:
        """The demo's teams each have a public channel the bot is in."""
        return ChannelFacts(found=True, private=False, bot_member=True)


@dataclass(frozen=True)
class NamedChart:
    filename: str
    chart: Chart
    caption: str


@dataclass
class DemoRun:
    """What the simulation produced, for the report."""

    recording: Recording
    teams: list[tuple[SampleTeam, TeamInfo]]
    charts: list[NamedChart]
    start: datetime
    end: datetime
    weeks: int
    channels: dict[str, str]
    """Channel id -> name (DMs named after the person)."""
    zones: dict[str, str]
    """Channel id -> the time zone its messages are shown in."""
    users: dict[str, str]
    events: list[str] = field(default_factory=list)
    """What happened, in words, for the report's summary."""


@dataclass
class _TeamState:
    sample: SampleTeam
    info: TeamInfo
    levels: dict[str, int]
    notes: dict[str, str] = field(default_factory=dict)
    before_regression: dict[str, int] = field(default_factory=dict)
    launched: bool = False


class Simulation:
    def __init__(self, database_url: str, weeks: int) -> None:
        if not MIN_WEEKS <= weeks <= MAX_WEEKS:
            raise ValueError(f"the demo simulates {MIN_WEEKS} to {MAX_WEEKS} weeks, not {weeks}")
        self.weeks = weeks
        self.clock = SimClock(sample.START - timedelta(days=1))
        # A fixed seed: the story is the same on every run (no security use).
        self.rng = random.Random(sample.SEED)  # noqa: S311
        upgrade(database_url)
        settings = Settings(
            database_url=database_url,
            slack_bot_token=None,
            MLSCORE_ADMINS=frozenset({sample.ADMIN}),
            MLSCORE_RUBRIC_FILE=None,
            MLSCORE_LANGUAGE="en",
            MLSCORE_TIMEZONE="UTC",
            MLSCORE_REMINDER_AFTER_HOURS=sample.REMINDER_AFTER_HOURS,
            MLSCORE_DIGEST_WEEKDAY=sample.DIGEST_WEEKDAY,
            MLSCORE_DIGEST_TIME=sample.DIGEST_TIME,
        )
        self.container = build_container(settings, clock=self.clock)
        self.services: Services = self.container.services
        self.recording = Recording()
        self.cause = ""
        self.client = RecordingClient(
            self.recording,
            clock=self.clock,
            users=sample.USERS,
            members={t.channel_id: tuple(u for u, _ in t.people) for t in sample.TEAMS},
            note=lambda: self.cause,
        )
        # Nothing leaves the process, so there is nothing to pace; one worker keeps the order
        # of the recorded messages the same on every run.
        self.deps = replace(
            deps_from_container(self.container, client_for=lambda _ws: self.client),
            pacer=Pacer(channel_interval=0.0, workspace_per_minute=None),
            workers=1,
            monotonic=lambda: 0.0,
        )
        self.scheduling = SchedulingService(self.deps, self.services)
        self.directory = DemoDirectory(
            {sample.ADMIN},
            {t.channel_id: tuple(u for u, _ in t.people) for t in sample.TEAMS},
        )
        self.workspace_id = self.services.workspace_for(sample.WORKSPACE)
        self.admin = Actor(self.workspace_id, sample.ADMIN)
        self.rubric: Rubric = self.services.rubrics.default()
        self.teams: list[_TeamState] = []
        self.events: list[str] = []
        # The plan the stage-change team makes for its move: its id, tests and last week.
        self.plan_id: int | None = None
        self.plan_items: tuple[str, ...] = ()
        self.plan_last_week = 0

    # ---- set-up -------------------------------------------------------------------------------

    def create_teams(self) -> None:
        s, d, admin = self.services, self.directory, self.admin
        for team in sample.TEAMS:
            info = s.create_team(admin, d, name=team.name, channel_id=team.channel_id)
            if team.language != info.language:
                s.set_language(admin, d, info.id, team.language)
            if team.stage != info.stage:
                s.set_stage(admin, d, info.id, team.stage)
            schedule = Schedule(
                cadence=Cadence.WEEKLY, weekday=team.weekday, at=team.at, tz=team.tz
            )
            s.set_schedule(admin, d, info.id, schedule)
            if team.leads:
                s.set_leads(admin, d, info.id, list(team.leads))
            info = s.get_team(self.workspace_id, info.id)
            if team.system is not None:
                # The team's first system, named as the sample says.
                primary = s.resolve_system(admin, TeamRef(name=team.name), directory=d)
                assert primary.system_id is not None
                info = s.rename_system(admin, d, primary.system_id, team.system)
            self.teams.append(_TeamState(team, info, {}))
        for system in sample.SYSTEMS:
            owner = next(state for state in self.teams if state.sample.name == system.name)
            assert system.system is not None
            info = s.add_system(admin, d, owner.info.id, name=system.system, stage=system.stage)
            self.teams.append(_TeamState(system, info, {}))
        # Seen through each system now that the team counts them all.
        for state in self.teams:
            if state.info.system_id is not None:
                state.info = s.get_system(self.workspace_id, state.info.system_id)
        for state in self.teams:
            state.levels = self._starting_levels(state.sample)

    def _starting_levels(self, team: SampleTeam) -> dict[str, int]:
        levels = {}
        for section in self.rubric.sections:
            bonus = 0.35 if section.id in team.focus else -0.15
            for item in section.items:
                value = team.start_level + bonus + self.rng.uniform(-0.8, 0.8)
                levels[item.id] = max(0, min(2, round(value)))
        return levels

    # ---- the weeks ----------------------------------------------------------------------------

    def run(self) -> None:
        self.create_teams()
        skip_week = max(1, self.weeks * 3 // 8)
        stage_week = max(2, self.weeks // 2)
        regress_week = max(3, self.weeks * 2 // 3)
        if regress_week == stage_week:
            regress_week += 1
        for week in range(self.weeks):
            events: list[tuple[datetime, int, Callable[[], None]]] = []
            middle = sample.START + timedelta(weeks=week, days=3, hours=12)
            for order, state in enumerate(self.teams):
                assert state.info.schedule is not None
                period = period_at(state.info.schedule, middle)
                due = period.due
                key = state.sample.key
                events.append((due + timedelta(minutes=5), 0, self._tick("check-in")))
                if key == sample.STAGE_CHANGE_TEAM and week == stage_week:
                    events.append((period.start - timedelta(hours=12), 1, self._stage(state)))
                if key == sample.STAGE_CHANGE_TEAM and week == PLAN_WEEK < stage_week - 1:
                    # After the week's answers: the lead plans the move for the stage week.
                    target = (sample.START + timedelta(weeks=stage_week, days=-1)).date()
                    self.plan_last_week = stage_week - 1
                    events.append((due + timedelta(hours=60), 99, self._make_plan(state, target)))
                if key == sample.SKIP_TEAM and week == skip_week:
                    events.append((due + timedelta(hours=3), 1 + order, self._skip(state)))
                    continue
                late = week > 0 and self.rng.random() < LATE_ANSWERS
                hours = self.rng.uniform(49.5, 56) if late else self.rng.uniform(1.5, 28)
                if late:
                    # The bot ticks every minute; the demo only at the moments that matter.
                    reminder_at = due + timedelta(hours=sample.REMINDER_AFTER_HOURS, minutes=5)
                    events.append((reminder_at, 0, self._tick("reminder")))
                regress = key == sample.REGRESSION_TEAM and week == regress_week
                answer = self._answer(state, period.key, week, regress=regress)
                events.append((due + timedelta(hours=hours), 1 + order, answer))
            for at, _, action in sorted(events, key=lambda e: (e[0], e[1])):
                self.clock.now = at
                action()
        self._final_pass()

    def _tick(self, what: str) -> Callable[[], None]:
        def run() -> None:
            self.cause = f"Scheduled pass ({what} time)"
            report = run_tick(self.deps, self.clock.now)
            if report.failed or report.errors:
                raise RuntimeError(f"the demo's scheduling pass failed: {report}")
            self.cause = ""

        return run

    def _skip(self, state: _TeamState) -> Callable[[], None]:
        def run() -> None:
            user = state.sample.people[0][0]
            actor = Actor(self.workspace_id, user, state.info.language, state.info.channel_id)
            self.cause = "Skip button on the check-in"
            skipped = self.scheduling.skip_period(
                actor, self.directory, state.info.id, self.clock.now, system_id=state.info.system_id
            )
            payload = build_skipped(
                team_name=state.info.name,
                period_key=skipped.period_key,
                language=state.info.language,
            )
            self.client.chat_postMessage(channel=state.info.channel_id, **payload)
            self.events.append(f"{state.info.name} skipped {skipped.period_key}")
            self.cause = ""

        return run

    def _make_plan(self, state: _TeamState, target: date) -> Callable[[], None]:
        def run() -> None:
            info = state.info
            lead = state.sample.leads[0]
            actor = Actor(self.workspace_id, lead, info.language, info.channel_id)
            self.cause = f"/mlscore plan {info.label} production (seen by {sample.USERS[lead]})"
            found = self.services.stage_preview(
                actor, self.directory, info.id, info.system_id, sample.STAGE_CHANGE_TO
            )
            preview = build_preview(found, info.language, can_plan=True)
            self.client.chat_postEphemeral(channel=info.channel_id, user=lead, **preview)
            people = [user for user, _ in state.sample.people]
            owners = {
                unmet.item_id: people[index % len(people)]
                for index, unmet in enumerate(found.preview.unmet)
            }
            self.cause = f"Plan modal submitted by {sample.USERS[lead]}"
            plan = self.services.create_plan(
                actor,
                self.directory,
                info.id,
                info.system_id,
                target_stage=sample.STAGE_CHANGE_TO,
                target_date=target,
                owners=owners,
            )
            rubric = self.services.rubrics.get(info.rubric_id)
            for owner in dict.fromkeys(owners.values()):
                self.client.chat_postMessage(
                    channel=dm_channel(owner), **build_owner_dm(plan, rubric, owner, info.language)
                )
            self.plan_id = plan.id
            self.plan_items = tuple(owners)
            self.events.append(
                f"{info.label}: {sample.USERS[lead]} planned the move to production by "
                f"{target:%d %b} ({len(owners)} tests, {len(set(owners.values()))} owners)"
            )
            self.cause = ""

        return run

    def _meet_plan(self, state: _TeamState, week: int) -> None:
        """The planned team works its plan: enough of the open tests each week to be done by
        the week before the move."""
        if self.plan_id is None or state.sample.key != sample.STAGE_CHANGE_TEAM:
            return
        open_items = [item for item in self.plan_items if state.levels[item] == 0]
        if not open_items:
            return
        weeks_left = max(1, self.plan_last_week - week + 1)
        for item_id in open_items[: math.ceil(len(open_items) / weeks_left)]:
            state.levels[item_id] = 1
            state.notes[item_id] = self._note(item_id, 1, state.info.language)

    def _stage(self, state: _TeamState) -> Callable[[], None]:
        def run() -> None:
            # A demo too short to plan the move first (under six weeks) has the admin override
            # the gate, as a team would that moves on its own judgement.
            override = None if self.plan_id is not None else "moved before any plan (short demo)"
            self.cause = f"/mlscore stage {state.info.label} production" + (
                f" override {override}" if override else ""
            )
            state.info = self.services.set_stage(
                self.admin,
                self.directory,
                state.info.id,
                sample.STAGE_CHANGE_TO,
                system_id=state.info.system_id,
                gate=True,
                override_reason=override,
            )
            self.cause = ""
            self.events.append(
                f"{state.info.label} moved to {state.info.stage.value} on {self.clock.now:%d %b}"
            )

        return run

    def _answer(
        self, state: _TeamState, period_key: str, week: int, *, regress: bool
    ) -> Callable[[], None]:
        def run() -> None:
            self._submit(state, period_key, week, regress=regress)

        return run

    # ---- answering ----------------------------------------------------------------------------

    def _progress(self, state: _TeamState, week: int, *, regress: bool) -> str:
        """Move the team's levels on by one week; returns the overall note."""
        language = state.info.language
        team = state.sample
        overall = self.rng.choice(sample.OVERALL_NOTES[language])
        if state.before_regression:  # the week after a regression: fixed again
            for item_id, level in state.before_regression.items():
                state.levels[item_id] = level
                state.notes[item_id] = sample.REGRESSION_FIXED_NOTE
            state.before_regression = {}
        if week == 0:
            return ""
        for section in self.rubric.sections:
            pace = team.pace * (1.6 if section.id in team.focus else 0.8)
            for item in section.items:
                level = state.levels[item.id]
                if level < 2 and self.rng.random() < pace:
                    state.levels[item.id] = level + 1
                    state.notes[item.id] = self._note(item.id, level + 1, language)
        self._meet_plan(state, week)
        if regress:
            for item_id in sample.REGRESSION_ITEMS:
                state.before_regression[item_id] = max(state.levels[item_id], 1)
                state.levels[item_id] = 0
                state.notes[item_id] = sample.REGRESSION_ITEM_NOTE
            overall = sample.REGRESSION_NOTE
            self.events.append(f"{team.name} regressed in week {week + 1}")
        if state.info.stage is not team.stage and not state.launched:
            state.launched = True
            overall = sample.LAUNCH_NOTE
        if team.key == sample.SKIP_TEAM and week == self.weeks - 1:
            overall = sample.ESCAPING_NOTE
        return overall

    def _note(self, item_id: str, level: int, language: str) -> str:
        specific = sample.ITEM_NOTES.get(item_id, {}).get(language)
        if specific is not None:
            return specific[level - 1]
        return self.rng.choice(sample.GENERIC_NOTES[language][level - 1])

    def _submit(self, state: _TeamState, period_key: str, week: int, *, regress: bool) -> None:
        team = state.sample
        people = team.people
        user = people[0][0] if self.rng.random() < 0.7 else people[1][0]
        info = state.info
        actor = Actor(self.workspace_id, user, info.language, info.channel_id)
        start = self.services.start_assessment(
            actor, self.directory, info.id, period_key=period_key, system_id=info.system_id
        )
        overall = self._progress(state, week, regress=regress)
        answers = {
            item_id: ItemDraft(LEVELS[level], state.notes.get(item_id, ""))
            for item_id, level in state.levels.items()
        }
        draft = replace(start.state, answers=answers, overall_note=overall, period_key=period_key)
        self.cause = f"Assessment submitted by {sample.USERS[user]}"
        submission = self.services.submit(
            actor,
            self.directory,
            info.id,
            draft,
            submission_key=f"demo-{team.key}-{period_key}",
            system_id=info.system_id,
        )
        card = submission.scorecard
        message = build_announcement(
            team_name=info.label,
            user_id=user,
            score=card.score,
            diff=card.diff,
            report=card.gaps,
            rubric=card.rubric,
            language=info.language,
        )
        self.client.chat_postMessage(channel=info.channel_id, **message)
        state.info = card.team
        self.cause = ""

    # ---- the end ------------------------------------------------------------------------------

    def _final_pass(self) -> None:
        # The last week's summaries, each channel's at its own 16:00 on Friday.
        friday = sample.START + timedelta(weeks=self.weeks - 1, days=4)
        summaries = sorted(
            {
                to_utc(
                    datetime.combine(friday.date(), sample.DIGEST_TIME), zone_for(state.sample.tz)
                )
                for state in self.teams
            }
        )
        for due in summaries:
            self.clock.now = due + timedelta(minutes=1)
            self._tick("weekly summary")()

    def charts_and_views(self) -> list[NamedChart]:
        """The scorecards posted in each channel with their trend chart, the heatmaps, the
        organisation overview, the criteria matrix, the App Home and one assessment modal."""
        charts: list[NamedChart] = []
        overview: list[TeamOverview] = []
        self.clock.now += timedelta(minutes=10)
        for state in self.teams:
            info = state.info
            if info.system_id is None:
                info = self.services.get_team(self.workspace_id, info.id)
            view = self.services.trend(
                self.admin, self.directory, info.id, system_id=info.system_id
            )
            card = self.services.scorecard(
                self.admin, self.directory, info.id, system_id=info.system_id
            )
            assert view is not None
            assert card is not None
            trend = self._render_trend(view, info)
            charts.append(
                NamedChart(f"trend-{state.sample.key}.png", trend, f"{info.label}: trend")
            )
            heatmap = render_heatmap(
                view.trend, view.rubric, team=info.label, language=info.language
            )
            charts.append(
                NamedChart(f"heatmap-{state.sample.key}.png", heatmap, f"{info.label}: tests")
            )
            self.cause = f"/mlscore scorecard {info.label} public"
            payload = build_scorecard(
                team_name=info.label,
                score=card.score,
                report=card.gaps,
                diff=card.diff,
                rubric=card.rubric,
                language=info.language,
                assessed_at=card.assessed_at,
                assessed_by=card.assessed_by,
                overall_note=card.snapshot.note,
                chart_follows=True,
            )
            self.client.chat_postMessage(channel=info.channel_id, **payload)
            upload_chart(
                self.client,
                trend,
                channel_id=info.channel_id,
                filename=f"mlscore-trend-{info.id}.png",
            )
            overview.append(
                TeamOverview(
                    name=info.label,
                    stage=info.stage,
                    sections={s.section_id: s.score for s in card.score.sections},
                    final=card.score.final,
                    gaps_by_section=_gaps_by_section(card.gaps.gaps),
                    team=info.name if info.systems > 1 else None,
                )
            )
            self.clock.now += timedelta(minutes=1)
        charts.append(
            NamedChart(
                "overview.png",
                render_overview(overview, self.rubric, language="en"),
                "Organisation overview",
            )
        )
        charts += self._plan_charts()
        criteria = RubricRegistry.default_criteria(self.rubric)
        charts.append(
            NamedChart(
                "criteria.png",
                render_criteria(self.rubric, criteria, language="en"),
                "Criteria matrix",
            )
        )
        first = self.teams[0].info
        self.cause = "/mlscore criteria (only the admin sees the answer)"
        matrix = build_criteria_matrix(
            rubric=self.rubric, criteria=criteria, language="en", adopted_by=None, adopted_at=None
        )
        self.client.chat_postEphemeral(channel=first.channel_id, user=sample.ADMIN, **matrix)
        self.cause = "App Home opened"
        home = build_home(self.services.teams_for_user(self.admin, self.directory), "en")
        self.client.views_publish(user_id=sample.ADMIN, view=home)
        self._modal()
        self.cause = ""
        return charts

    def _plan_charts(self) -> list[NamedChart]:
        """The plan's progress as its lead asks for it (`plans`), with its burn-up chart."""
        if self.plan_id is None:
            return []
        state = next(s for s in self.teams if s.sample.key == sample.STAGE_CHANGE_TEAM)
        info = state.info
        self.cause = f"/mlscore plans {info.name} public"
        plans = self.services.list_plans(self.admin, self.directory, info.id)
        listing = build_plans_list(info.name, plans, info.language, self.clock.now.date())
        self.client.chat_postMessage(channel=info.channel_id, **listing)
        found = self.services.plan_burnup(self.admin, self.directory, self.plan_id)
        chart = render_burnup(
            found.points,
            len(found.plan.items),
            team=found.plan.system.label,
            rubric=found.rubric,
            stage=found.plan.target_stage,
            target_date=found.plan.target_date,
            language=info.language,
        )
        upload_chart(
            self.client,
            chart,
            channel_id=info.channel_id,
            filename=f"mlscore-plan-{self.plan_id}.png",
        )
        met = found.plan.met
        self.events.append(
            f"{found.plan.system.label}'s plan: {met} of {len(found.plan.items)} tests met"
        )
        self.cause = ""
        return [NamedChart("burnup-search.png", chart, f"{found.plan.system.label}: plan burn-up")]

    def _render_trend(self, view: TrendView, info: TeamInfo) -> Chart:
        from bot.charts import render_trend

        return render_trend(view.trend, view.rubric, team=info.label, language=info.language)

    def _modal(self) -> None:
        """The assessment modal as Lucía opens it from the Fraude check-in: pre-filled, in
        Spanish, first page."""
        state = next(s for s in self.teams if s.sample.language == "es")
        user = state.sample.people[0][0]
        info = state.info
        actor = Actor(self.workspace_id, user, info.language, info.channel_id)
        start = self.services.start_assessment(actor, self.directory, info.id)
        view = build_assessment_page(
            start.rubric,
            meta=AssessmentMeta(str(info.id), page=0, period=start.state.period_key),
            team_name=info.name,
            language=info.language,
            stage=start.state.stage,
            answers={k: ItemInput(a.choice, a.note) for k, a in start.state.answers.items()},
            overall_note=start.state.overall_note,
        )
        self.cause = f"Assessment modal opened by {sample.USERS[user]} (page 1 of 4)"
        self.client.views_open(trigger_id="demo-trigger", view=view)

    def result(self, charts: list[NamedChart]) -> DemoRun:
        channels = {t.channel_id: t.channel_name for t in sample.TEAMS}
        zones = {t.channel_id: t.tz for t in sample.TEAMS}
        for team in sample.TEAMS:
            for user, name in team.people:
                dm = dm_channel(user)
                channels[dm] = name
                zones[dm] = team.tz
        channels[sample.ADMIN] = sample.USERS[sample.ADMIN]
        zones[sample.ADMIN] = "Europe/Madrid"
        return DemoRun(
            recording=self.recording,
            teams=[(s.sample, s.info) for s in self.teams],
            charts=charts,
            start=sample.START,
            end=self.clock.now,
            weeks=self.weeks,
            channels=channels,
            zones=zones,
            users=dict(sample.USERS),
            events=list(self.events),
        )

    def close(self) -> None:
        self.container.database.dispose()


def _gaps_by_section(gaps: Iterable[Gap]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for gap in gaps:
        counts[gap.section_id] = counts.get(gap.section_id, 0) + 1
    return counts


def simulate(database: Path, weeks: int) -> DemoRun:
    """Run the whole story into a new SQLite file and return what was posted and drawn."""
    simulation = Simulation(f"sqlite:///{database}", weeks)
    try:
        simulation.run()
        charts = simulation.charts_and_views()
        return simulation.result(charts)
    finally:
        simulation.close()
