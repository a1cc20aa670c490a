"""What the weekly gap summary of one channel says, as data, read in one session.

For each team: its score and the change since the assessment before; the mandatory gaps for its
stage, newest regressions first (gaps that appeared in the latest assessment, marked new); then
who is overdue (no assessment since the start of the last period whose due time has passed),
who is away, and who skipped. bot.scheduling.digest turns it into a message and charts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.db import repositories as repo
from bot.db.tables import Plan, System, Team, Waiver
from bot.rubric_registry import RubricRegistry, UnknownRubric
from bot.services._claims import counted_claims_of_each, policy_of
from bot.services._convert import team_info
from bot.services._criteria import criteria_in_force
from bot.services._standing import Standing, standing_of
from bot.services.access import shown_in
from bot.services.types import TeamInfo
from rubric.diff import diff
from rubric.evidence import NO_POLICY, Claim, EvidencePolicy, stale_items
from rubric.model import Criteria, Rubric, Stage
from rubric.periods import period_at, previous_period, zone_for
from rubric.plans import expiring_soon, items_met
from rubric.scoring import score


def channels_of(teams: Sequence[TeamInfo]) -> dict[str, list[TeamInfo]]:
    """Active teams by channel, each channel's teams oldest first (the first one sets its zone)."""
    channels: dict[str, list[TeamInfo]] = {}
    for team in sorted(teams, key=lambda t: t.id):
        if team.archived or not team.channel_id:
            continue
        channels.setdefault(team.channel_id, []).append(team)
    return channels


def is_away(team: TeamInfo, now: datetime, zone_name: str) -> bool:
    """Away today, in the team's zone (what the digest says)."""
    if team.paused_until is None:
        return False
    return team.paused_until >= now.astimezone(zone_for(zone_name)).date()


def team_zone(team: TeamInfo, default_tz: str) -> str:
    return team.schedule.tz if team.schedule is not None else default_tz


@dataclass(frozen=True)
class TeamDigest:
    team: TeamInfo
    rubric: Rubric | None
    final: float | None
    delta: float | None
    sections: dict[str, float]
    gaps_in_rubric_order: tuple[str, ...]
    """Mandatory items not done at the team's stage."""
    new_gaps: tuple[str, ...]
    """Those of them that became gaps in the latest assessment (they lead the digest's list)."""
    gaps_by_section: dict[str, int]
    last_assessed: datetime | None
    overdue: bool
    away_until: date | None
    skipped_period: str | None
    stale: tuple[str, ...] = ()
    """Items whose claims are past their freshness window at the digest's `now`."""
    waivers_ending: tuple[tuple[str, date], ...] = ()
    """(item id, expiry) of waivers that end within WAIVER_WARNING_DAYS."""
    plans: tuple[PlanLine, ...] = ()


@dataclass(frozen=True)
class PlanLine:
    """A plan of the system in the summary: how far along, and whether it is overdue."""

    target_stage: str
    target_date: date
    met: int
    total: int
    overdue: bool


@dataclass(frozen=True)
class ChannelDigest:
    channel_id: str
    language: str
    teams: tuple[TeamDigest, ...]
    now: datetime

    @property
    def charted(self) -> tuple[TeamDigest, ...]:
        return tuple(
            team for team in self.teams if team.rubric is not None and team.final is not None
        )


@dataclass(frozen=True)
class DigestQuery:
    """Which channel's digest, as of when; teams without a schedule use `default_tz`."""

    workspace_id: int
    channel_id: str
    now: datetime
    default_tz: str


def collect_digest(session: Session, rubrics: RubricRegistry, query: DigestQuery) -> ChannelDigest:
    """The channel's teams with where each stands, a section per system for a team with
    several (a fixed number of queries per channel, plus one per scheduled team or system for
    its check-in)."""
    workspace_id, channel_id, now = query.workspace_id, query.channel_id, query.now
    default_tz = query.default_tz
    rows = repo.list_teams(session, workspace_id=workspace_id, channel_id=channel_id)
    # The rule of who may read a team decides what a channel's summary may show.
    shown = [team_info(row) for row in rows if shown_in(row, channel_id)]
    teams = channels_of(shown).get(channel_id, [])
    ids = [team.id for team in teams]
    subjects = _subjects(session, workspace_id, rows, teams) if ids else []
    several = [s.system_id for s in subjects if s.system_id is not None]
    latest = (
        repo.latest_assessments_for_teams(session, workspace_id=workspace_id, team_ids=ids, count=2)
        if ids
        else {}
    )
    by_system = (
        repo.latest_assessments_for_systems(
            session, workspace_id=workspace_id, system_ids=several, count=2
        )
        if several
        else {}
    )
    criteria: dict[str, Criteria] = {}
    moves = _load_moves(session, workspace_id, ids, now.date())
    found = []
    for team in subjects:
        if team.system_id is None:
            records = latest.get(team.id, [])
        else:
            records = by_system.get(team.system_id, [])
        rubric = _rubric(rubrics, records[0].assessment.rubric_id) if records else None
        if rubric is not None and rubric.id not in criteria:
            criteria[rubric.id] = criteria_in_force(
                session, workspace_id=workspace_id, rubric=rubric
            )
        found.append((team, records, rubric))
    # Every assessed system's claims with two queries for the channel, not a few per system.
    claims = counted_claims_of_each(
        session,
        workspace_id,
        {
            records[0].assessment.system_id: (rubric, records[0])
            for _, records, rubric in found
            if records and rubric is not None
        },
    )
    digests = [
        _team_digest(
            session,
            team,
            records,
            rubric,
            criteria,
            now=now,
            default_tz=default_tz,
            moves=moves,
            claims=claims,
        )
        for team, records, rubric in found
    ]
    language = teams[0].language if teams else "en"
    return ChannelDigest(channel_id, language, tuple(digests), now)


def _subjects(
    session: Session, workspace_id: int, rows: Sequence[Team], teams: Sequence[TeamInfo]
) -> list[TeamInfo]:
    """What the summary has a section for: each team, or each active system of a team that
    has several (grouped under their team, in name order)."""
    systems = repo.list_systems(
        session, workspace_id=workspace_id, team_ids=[team.id for team in teams]
    )
    by_team: dict[int, list[System]] = {}
    for system in systems:
        by_team.setdefault(system.team_id, []).append(system)
    row_of = {row.id: row for row in rows}
    subjects: list[TeamInfo] = []
    for team in teams:
        own = by_team.get(team.id, [])
        if len(own) > 1:
            subjects += [team_info(row_of[team.id], system, systems=len(own)) for system in own]
        else:
            subjects.append(team)
    return subjects


def _rubric(rubrics: RubricRegistry, rubric_id: str) -> Rubric | None:
    try:
        return rubrics.get(rubric_id)
    except UnknownRubric:
        return None


def _team_digest(
    session: Session,
    team: TeamInfo,
    records: Sequence[repo.AssessmentRecord],
    rubric: Rubric | None,
    criteria: dict[str, Criteria],
    *,
    now: datetime,
    default_tz: str,
    moves: _Moves,
    claims: Mapping[int, Mapping[str, Claim]],
) -> TeamDigest:
    zone = team_zone(team, default_tz)
    away = team.paused_until if is_away(team, now, zone) else None
    last_at = records[0].assessment.submitted_at if records else None
    skipped, overdue = _standing(session, team, last_at, now)
    final = delta = None
    sections: dict[str, float] = {}
    gaps: tuple[str, ...] = ()
    new: tuple[str, ...] = ()
    by_section: dict[str, int] = {}
    stale: tuple[str, ...] = ()
    ending: tuple[tuple[str, date], ...] = ()
    plans: tuple[PlanLine, ...] = ()
    if records and rubric is not None:
        rules = criteria[rubric.id]
        snapshot = records[0].snapshot()
        system_id = records[0].assessment.system_id
        today = now.date()
        waivers = moves.waivers.get(system_id, [])
        waived = {row.item_id for row in waivers}
        # Gaps and plans counted as the scorecard counts them: claims, policy, waivers.
        standing = standing_of(
            session,
            workspace_id=team.workspace_id,
            system_id=system_id,
            rubric=rubric,
            latest=records[0],
            today=today,
            policy=moves.policy,
            waived=waived,
            claims=claims.get(system_id, {}),
        )
        # The score on the claims too, as the scorecard shows it (a level CI raised counts).
        result = score(rubric, (standing.snapshot or snapshot).answers)
        final = result.final
        sections = {s.section_id: s.score for s in result.sections}
        stale = stale_items(rubric, standing.claims, now, waived=waived)
        ending = tuple(
            (row.item_id, row.expires_on) for row in waivers if expiring_soon(row.expires_on, today)
        )
        plans = _plan_lines(
            rubric, rules, moves.plans.get(system_id, []), standing=standing, today=today
        )
        report = standing.gaps(rubric, rules, team.stage)
        previous = records[1] if len(records) > 1 else None
        if previous is not None and previous.assessment.rubric_id == rubric.id:
            change = diff(rubric, previous.snapshot(), snapshot, rules)
            delta = change.score_delta
            fresh = set(change.newly_gapped) | {c.item_id for c in change.regressed}
            new = tuple(gap.item_id for gap in report.gaps if gap.item_id in fresh)
        gaps = tuple(gap.item_id for gap in report.gaps)
        for gap in report.gaps:
            by_section[gap.section_id] = by_section.get(gap.section_id, 0) + 1
    return TeamDigest(
        team=team,
        rubric=rubric,
        final=final,
        delta=delta,
        sections=sections,
        gaps_in_rubric_order=gaps,
        new_gaps=new,
        gaps_by_section=by_section,
        last_assessed=last_at,
        overdue=overdue and away is None,
        away_until=away,
        skipped_period=skipped,
        stale=stale,
        waivers_ending=ending,
        plans=plans,
    )


@dataclass(frozen=True)
class _Moves:
    """The channel's waivers in force and plans, by system, and the workspace's evidence
    policy, read once for the whole digest."""

    waivers: dict[int, list[Waiver]]
    plans: dict[int, list[tuple[Plan, list[str]]]]
    policy: EvidencePolicy = NO_POLICY


def _load_moves(session: Session, workspace_id: int, team_ids: list[int], today: date) -> _Moves:
    if not team_ids:
        return _Moves({}, {})
    waivers: dict[int, list[Waiver]] = {}
    for waiver in repo.approved_waivers(
        session, workspace_id=workspace_id, system_ids=None, today=today
    ):
        if waiver.team_id in team_ids:
            waivers.setdefault(waiver.system_id, []).append(waiver)
    found = repo.list_plans(session, workspace_id=workspace_id, team_ids=team_ids)
    items = repo.plan_items(session, plan_ids=[plan.id for plan in found if plan.id is not None])
    plans: dict[int, list[tuple[Plan, list[str]]]] = {}
    for plan in found:
        assert plan.id is not None
        ids = [row.item_id for row in items[plan.id]]
        plans.setdefault(plan.system_id, []).append((plan, ids))
    return _Moves(waivers, plans, policy_of(session, workspace_id))


def _plan_lines(
    rubric: Rubric,
    criteria: Criteria,
    plans: Sequence[tuple[Plan, list[str]]],
    *,
    standing: Standing,
    today: date,
) -> tuple[PlanLine, ...]:
    """The system's plans still worth a line: not yet met, or met no more than a week ago
    past its target (so the summary shows it reached). Met as the plan's list counts it."""
    lines = []
    for plan, ids in plans:
        counted, _ = standing.counted(rubric, criteria, Stage(plan.target_stage))
        met = len(items_met(rubric, counted, ids, standing.waived))
        if met == len(ids) and (today - plan.target_date).days > 7:
            continue
        lines.append(
            PlanLine(
                target_stage=plan.target_stage,
                target_date=plan.target_date,
                met=met,
                total=len(ids),
                overdue=today > plan.target_date and met < len(ids),
            )
        )
    return tuple(lines)


def _standing(
    session: Session, team: TeamInfo, last_at: datetime | None, now: datetime
) -> tuple[str | None, bool]:
    """(the period skipped, if the last period due was skipped; whether the team is overdue).

    Overdue: no assessment since the start of the last period whose due time has passed (which
    also covers being more than one period behind). A team without a schedule is overdue only
    when it was never assessed.
    """
    schedule = team.schedule
    if schedule is None:
        return None, last_at is None
    period = period_at(schedule, now)
    if period.due > now:
        period = previous_period(schedule, period)
    checkin = repo.get_checkin(
        session,
        workspace_id=team.workspace_id,
        team_id=team.id,
        period_key=period.key,
        system_id=team.system_id,
    )
    if checkin is not None and checkin.status == "skipped":
        return period.key, False
    return None, last_at is None or last_at < period.start
