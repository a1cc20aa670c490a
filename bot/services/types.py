"""What the use cases take and give back: plain, immutable data, no ORM objects.

Listeners and the scheduler only ever see these types, so a session never leaks out of the
service that opened it, and ids (not rows) cross thread boundaries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from bot.services.response_types import PeriodResponses
from rubric.diff import Diff
from rubric.evidence import Claim, Downgrade
from rubric.gaps import GapReport
from rubric.model import Rubric, Snapshot, Stage
from rubric.periods import Schedule
from rubric.scoring import Score
from rubric.trends import Trend

OPERATOR = "cli"
"""Who did it, as recorded for what an operator does with the `mlscore` command line (such as
`mlscore criteria import`): not a Slack user, so never shown as a mention."""


class ServiceError(Exception):
    """An expected failure that the user is told about.

    `key` is a message key of bot.slack.i18n and `params` fill its placeholders, so the
    listener can say it in the person's language.
    """

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


# What a use case raises when the database is down, busy or refuses a statement. Named here so
# that the layers above the services can catch it without importing the database library.
StorageError = SQLAlchemyError


class NotFound(ServiceError):
    pass


class NotAllowed(ServiceError):
    pass


class Invalid(ServiceError):
    pass


class Conflict(ServiceError):
    pass


class Unavailable(ServiceError):
    """Something the answer needs cannot be reached right now (the database, a Slack lookup):
    nothing was decided, and asking again in a minute may work."""


class StorageUnavailable(Unavailable):
    """The database did not answer."""

    def __init__(self) -> None:
        super().__init__("error.storage_unavailable")


@dataclass(frozen=True)
class ChannelFacts:
    """What Slack tells the bot about a channel, as the bot's own token sees it.

    `found` is False for a channel of another workspace, a private channel the bot is not in,
    or one that does not exist: the bot cannot tell these apart, and may use none of them.
    """

    found: bool
    private: bool = True
    direct: bool = False
    """A direct message or a group DM."""
    bot_member: bool = False
    archived: bool = False

    @property
    def public(self) -> bool:
        return self.found and not self.private and not self.direct


class Directory(Protocol):
    """What the services need to know from Slack about people and channels.

    The Slack adapter implements it with users.info, users.conversations and
    conversations.info (cached); tests use a dict-backed fake.
    """

    def is_admin(self, user_id: str) -> bool: ...

    def is_guest(self, user_id: str) -> bool:
        """A multi- or single-channel guest: they read only the channels they are in."""
        ...

    def is_member(self, channel_id: str, user_id: str) -> bool: ...

    def channel(self, channel_id: str) -> ChannelFacts: ...


@dataclass(frozen=True)
class Actor:
    """Who is asking, taken from a verified Slack request.

    `workspace_id` is the database id of the workspace the request came from; every query a
    service runs for this actor is scoped to it.
    """

    workspace_id: int
    user_id: str
    language: str = "en"
    channel_id: str | None = None


@dataclass(frozen=True)
class TeamRef:
    """How a person named a team or a system in a command: a name (a team's, or a system's
    when no team has it), `team/system`, or a channel mention."""

    name: str | None = None
    channel_id: str | None = None
    system: str | None = None
    """The system part of `team/system`; `name` is then the team's."""


@dataclass(frozen=True)
class TeamInfo:
    id: int
    workspace_id: int
    name: str
    channel_id: str
    stage: Stage
    rubric_id: str
    language: str
    schedule: Schedule | None
    paused_until: date | None = None
    leads: tuple[str, ...] = ()
    archived: bool = False
    created_at: datetime | None = None
    """When the team was created: its first check-in is the first slot after it."""
    channel_private: bool | None = None
    """Whether its channel is private, as last heard from Slack; None: not known yet."""
    system_id: int | None = None
    """Set when this is the team as seen through one of its systems: `stage`, `schedule` and
    `paused_until` are then the system's (its schedule inherits the team's unless set)."""
    system_name: str | None = None
    systems: int = 1
    """How many active systems the team has."""

    @property
    def label(self) -> str:
        """How a system is named to people: its team's name alone while the team has one
        system of the same name (as before systems existed), else `team/system`."""
        if self.system_name is None or (
            self.systems <= 1 and self.system_name.casefold() == self.name.casefold()
        ):
            return self.name
        return f"{self.name}/{self.system_name}"


@dataclass(frozen=True)
class SystemLine:
    """One system in `systems` and in a team's scorecard overview."""

    system: TeamInfo
    archived: bool
    final_score: float | None
    open_gaps: int | None
    direction: int | None
    """-1, 0 or 1: how the final score moved since the assessment before; None without two."""


class ChooseSystem(ServiceError):
    """A command needs one system and the name given fits several: the person picks one."""

    def __init__(self, choices: tuple[TeamInfo, ...], **params: object) -> None:
        super().__init__("error.choose_system", **params)
        self.choices = choices


@dataclass(frozen=True)
class TeamSummary:
    team: TeamInfo
    last_assessed_at: datetime | None
    final_score: float | None
    open_gaps: int | None
    readiness: float | None = None
    systems: tuple[TeamSummary, ...] = ()
    """Each of the team's active systems, when it has more than one."""


@dataclass(frozen=True)
class ItemDraft:
    choice: str | None = None
    note: str = ""
    note_by: str | None = None
    """Who wrote the note: kept while the text is unchanged, whoever submits it."""
    evidence_url: str = ""
    evidence_label: str = ""


@dataclass(frozen=True)
class DraftState:
    """What an assessment modal has collected so far; kept between pages and after closing.

    `stage_version` identifies the team's stage as it was when the stage shown was read (see
    repositories.stage_version): a submission made after a newer stage change does not undo it.
    """

    stage: Stage
    answers: dict[str, ItemDraft] = field(default_factory=dict)
    overall_note: str = ""
    page: int = 0
    period_key: str | None = None
    stage_version: int | None = None
    stale: tuple[str, ...] = ()
    """Items whose claims were stale when the modal opened: the modal puts them first."""


@dataclass(frozen=True)
class DraftPage:
    """One page of the modal as submitted: its answers, and the fields only some pages carry
    (None where the page does not have them). `stage_version` is the one the modal showed."""

    page: int
    answers: dict[str, ItemDraft] = field(default_factory=dict)
    stage: Stage | None = None
    overall_note: str | None = None
    period_key: str | None = None
    stage_version: int | None = None

    def applied_to(self, state: DraftState, author: str) -> DraftState:
        """The draft with this page laid over it. A note `author` did not change keeps the
        author it had; a note they typed or changed is theirs."""
        answers = dict(state.answers)
        for item_id, new in self.answers.items():
            old = state.answers.get(item_id)
            if not new.note:
                note_by = None
            elif old is not None and old.note == new.note:
                note_by = old.note_by
            else:
                note_by = author
            answers[item_id] = ItemDraft(
                new.choice, new.note, note_by, new.evidence_url, new.evidence_label
            )
        return replace(
            state,
            stage=self.stage or state.stage,
            answers=answers,
            overall_note=self.overall_note if self.overall_note is not None else state.overall_note,
            page=self.page,
            period_key=self.period_key or state.period_key,
            stage_version=(
                self.stage_version if self.stage_version is not None else state.stage_version
            ),
        )


@dataclass(frozen=True)
class AssessmentStart:
    team: TeamInfo
    rubric: Rubric
    state: DraftState
    resumed_draft: bool
    draft_saved_at: datetime | None = None


@dataclass(frozen=True)
class Scorecard:
    team: TeamInfo
    rubric: Rubric
    snapshot: Snapshot
    score: Score
    gaps: GapReport
    diff: Diff | None
    assessed_at: datetime
    assessed_by: str
    criteria_version: int
    responses: PeriodResponses | None = None
    """The period's several respondents and where they differ (None: one respondent)."""
    anonymous: bool = False
    """The team is anonymous: its messages name nobody who answered, with or without a
    check-in period."""
    claims: Mapping[str, Claim] = field(default_factory=dict)
    """Each item's claim as it stands (link, when and by whom confirmed, failing in CI)."""
    stale: tuple[str, ...] = ()
    """Items whose claims are past their freshness window, in rubric order."""
    downgrades: tuple[Downgrade, ...] = ()
    """Claims the gaps count one level lower for want of a required evidence link."""

    @property
    def failing(self) -> tuple[str, ...]:
        return tuple(item_id for item_id, claim in self.claims.items() if claim.failing)

    @property
    def note_authors(self) -> frozenset[str]:
        """Whose words a message of this scorecard shows (its overall note's author)."""
        return frozenset({self.assessed_by}) if self.snapshot.note.strip() else frozenset()


@dataclass(frozen=True)
class StoredAssessment:
    """What storing an assessment returns; created=False for a repeated submission key.

    `kept_stage` is set when the form asked for a stage that had been changed by someone else
    since the form was opened: the assessment was stored at this newer stage instead, and the
    person must be told."""

    team_id: int
    assessment_id: int
    created: bool
    kept_stage: Stage | None = None
    system_id: int | None = None
    """The system assessed, as the caller named it (None: the team's primary system)."""


@dataclass(frozen=True)
class Submission:
    assessment_id: int
    created: bool
    scorecard: Scorecard


@dataclass(frozen=True)
class TrendView:
    team: TeamInfo
    rubric: Rubric
    trend: Trend
    diff: Diff | None


@dataclass(frozen=True)
class PostedMessage:
    """A message the bot posted that showed someone's words (see repositories.record_post)."""

    channel_id: str
    message_ts: str
    kind: str
    language: str


@dataclass(frozen=True)
class Erased:
    """What an erasure removed or blanked (rows per table), and the bot's messages that
    showed the erased text: the Slack side edits them, then `forget_posts`."""

    rows: dict[str, int]
    messages: tuple[PostedMessage, ...] = ()
    files: tuple[str, ...] = ()
    """Ids of the files the bot uploaded that hold the erased text (exports): the Slack side
    deletes them, then `forget_files`."""
