"""A small world for the service tests: two workspaces, people, channels, a clock that moves.

Each test module builds one with a `world` fixture on the `db` fixture (SQLite and PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.rubric_registry import RubricRegistry
from bot.services import Actor, DraftState, ItemDraft, Services, TeamInfo
from rubric.model import Stage
from tests.fakes.directory import FakeDirectory

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday, in ISO week 2025-W10

# People: an admin of each workspace, a lead of the vision team, someone in no channel.
ADMIN = "UADMIN"
LEAD = "ULEAD"
OUTSIDER = "UOUTSIDER"
CONFIG_ADMIN = "UCONFIG"  # in MLSCORE_ADMINS, not a Slack admin
VISION_CHANNEL = "CVISION"
SEARCH_CHANNEL = "CSEARCH"


@dataclass
class FakeClock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class World:
    db: Database
    clock: FakeClock = field(default_factory=FakeClock)
    directory: FakeDirectory = field(
        default_factory=lambda: FakeDirectory(
            admins={ADMIN}, members={VISION_CHANNEL: {LEAD}, SEARCH_CHANNEL: set()}
        )
    )

    def __post_init__(self) -> None:
        self.services = Services(
            database=self.db,
            rubrics=RubricRegistry(),
            clock=self.clock,
            admins={CONFIG_ADMIN},
            default_language="es",
            default_timezone="Europe/Madrid",
        )
        self.workspace = self.services.workspace_for("TALPHA")
        self.other_workspace = self.services.workspace_for("TBETA")

    def actor(
        self, user_id: str, *, channel_id: str | None = None, workspace_id: int | None = None
    ) -> Actor:
        return Actor(
            workspace_id=self.workspace if workspace_id is None else workspace_id,
            user_id=user_id,
            channel_id=channel_id,
        )

    def stage_version(self, team_id: int) -> int:
        with self.db.read() as session:
            return repo.stage_version(session, workspace_id=self.workspace, team_id=team_id)

    def no_mandatory_tests(self) -> None:
        """Adopts criteria with every test optional: the stage gate lets any move through (for
        tests about a stage move, not about the gate)."""
        rubric = self.services.rubrics.default()
        matrix = {
            item.id: dict.fromkeys([s.value for s in Stage], "optional") for item in rubric.items
        }
        with self.db.write() as session:
            repo.adopt_criteria(
                session,
                workspace_id=self.workspace,
                matrix=matrix,
                adopted_by=ADMIN,
                adopted_at=self.clock.now,
            )

    def team(self, name: str = "Vision", channel_id: str = VISION_CHANNEL) -> TeamInfo:
        return self.services.create_team(
            self.actor(ADMIN), self.directory, name=name, channel_id=channel_id
        )

    def submit(
        self,
        team: TeamInfo,
        levels: dict[str, str],
        *,
        user_id: str = LEAD,
        stage: Stage | None = None,
        key: str | None = None,
        notes: dict[str, str] | None = None,
        overall_note: str = "",
        period_key: str | None = None,
    ):
        """Submits as if the modal had just been opened: at `stage`, or the team's own."""
        current = self.services.get_team(team.workspace_id, team.id).stage
        state = answered_state(
            levels,
            stage=stage or current,
            notes=notes,
            overall_note=overall_note,
            period_key=period_key,
            stage_version=self.stage_version(team.id),
        )
        return self.services.submit(
            self.actor(user_id),
            self.directory,
            team.id,
            state,
            submission_key=key or f"view-{self.clock.now.isoformat()}",
        )

    def submit_system(self, system: TeamInfo, chosen: dict[str, str], key: str):
        """Submits for one system of a team (a TeamInfo with its system_id), at its stage."""
        with self.db.read() as session:
            version = repo.stage_version(
                session,
                workspace_id=self.workspace,
                team_id=system.id,
                system_id=system.system_id,
            )
        state = answered_state(chosen, stage=system.stage, stage_version=version)
        return self.services.submit(
            self.actor(LEAD),
            self.directory,
            system.id,
            state,
            submission_key=key,
            system_id=system.system_id,
        )


ALL_ITEMS = tuple(f"{prefix}{n}" for prefix in ("FD", "MD", "I", "Mo") for n in range(1, 8))


def levels(**chosen: str) -> dict[str, str]:
    """Every item of the ML Test Score "not_done" except those given (FD1="automated", ...)."""
    answers = dict.fromkeys(ALL_ITEMS, "not_done")
    answers.update(chosen)
    return answers


def answered_state(
    chosen: dict[str, str],
    *,
    stage: Stage = Stage.RESEARCH,
    notes: dict[str, str] | None = None,
    overall_note: str = "",
    period_key: str | None = None,
    stage_version: int | None = None,
) -> DraftState:
    notes = notes or {}
    return DraftState(
        stage=stage,
        answers={
            item_id: ItemDraft(choice=choice, note=notes.get(item_id, ""))
            for item_id, choice in chosen.items()
        },
        overall_note=overall_note,
        period_key=period_key,
        stage_version=stage_version,
    )
