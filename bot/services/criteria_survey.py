"""The criteria survey: which tests are mandatory at each stage, decided by the organisation.

A round is opened by an admin; participants vote, for every item and stage, one of the four
requirement levels (they may change their votes while the round is open); the results propose
the median vote per cell; adopting makes the proposal the workspace's next criteria version.
Admins may also set one cell with a reason, and export or import the whole matrix as YAML.

Rules decided here:

- Proposed level: the median vote. With an even number of votes the two middle votes may
  differ; the stricter of them wins (the "upper median"), so ties go to the stricter level.
- Split vote: at least a third of the votes sit two or more levels away from the proposed
  level (for example not_applicable against mandatory). One outlier among many is not a split.
- Anonymity: in an anonymous round nobody's vote is ever attributed, and a cell with fewer than
  ANONYMITY_THRESHOLD votes shows no counts (with one or two voters the counts would *be* their
  votes). Such cells are not adopted either: they keep the level in force, and the adoption
  lists them. Non-anonymous rounds show every cell and who voted what.
- Adoption tightens the proposal (rubric.catalog.tighten) so a later stage never asks less than
  an earlier one, and reports the cells it raised.
- Setting a single cell: raising it also raises the later stages that would otherwise ask less
  (reported as adjustments); lowering it below what an earlier stage asks is refused, because
  tightening would silently undo the change.

Gaps and scorecards always use the version in force (bot.services._criteria.criteria_in_force);
every assessment stores the version it was submitted under in `assessments.criteria_version`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.db import repositories as repo
from bot.db.errors import Closed
from bot.db.errors import NotFound as RowNotFound
from bot.db.tables import CriteriaVersion
from bot.db.tables import SurveyRound as SurveyRoundRow
from bot.limits import NOTE_MAX_CHARS
from bot.services import _audit
from bot.services._criteria import criteria_in_force
from bot.services.access import Action
from bot.services.context import UseCases
from bot.services.types import Actor, Conflict, Directory, Invalid, NotFound
from bot.usertext import has_nul
from rubric.catalog import Adjustment, RubricError, dump_criteria, load_criteria, tighten
from rubric.model import Criteria, ItemCriteria, Requirement, Rubric, Stage

ANONYMITY_THRESHOLD = 3
"""In an anonymous round, the fewest votes a cell needs before its counts are shown."""

SPLIT_DISTANCE = 2
"""How many levels away from the proposal a vote must be to count as strong disagreement."""

COMMENT_MAX_CHARS = NOTE_MAX_CHARS

Cell = tuple[str, Stage]

_AUDIT_TARGET = "criteria"


# ---- plain data returned by the use cases ---------------------------------------------------


@dataclass(frozen=True)
class CriteriaView:
    """The matrix in force. `adopted_by`/`adopted_at` are None for the rubric's own default."""

    rubric: Rubric
    criteria: Criteria
    version: int
    adopted_by: str | None
    adopted_at: datetime | None
    note: str = ""


@dataclass(frozen=True)
class SurveyRound:
    id: int
    workspace_id: int
    open: bool
    anonymous: bool
    channel_id: str | None
    message_ts: str | None
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class ItemVote:
    """One person's answer on one item: a level per stage and an optional comment."""

    levels: Mapping[Stage, Requirement]
    comment: str = ""


@dataclass(frozen=True)
class SurveyState:
    """What the survey modal starts from: the person's own votes when they have voted on an
    item, the matrix in force otherwise (`voted` lists the items they have voted on)."""

    round: SurveyRound
    rubric: Rubric
    answers: dict[str, ItemVote]
    voted: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Tally:
    """The votes on one cell: counts for every level, the proposal and the split flag."""

    counts: Mapping[Requirement, int]
    proposed: Requirement | None
    split: bool

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class CellResult:
    """One item at one stage. When `hidden`, the counts are withheld (anonymous round, too few
    votes) and `tally` is None. `voters` is filled only in non-anonymous rounds."""

    item_id: str
    stage: Stage
    votes: int
    tally: Tally | None
    voters: tuple[tuple[str, Requirement], ...] = ()

    @property
    def hidden(self) -> bool:
        return self.tally is None


@dataclass(frozen=True)
class ItemComment:
    item_id: str
    text: str
    user_id: str | None = None  # None in anonymous rounds


@dataclass(frozen=True)
class SurveyResults:
    round: SurveyRound
    rubric: Rubric
    participants: int
    cells: tuple[CellResult, ...]
    comments: tuple[ItemComment, ...] = ()
    threshold: int = ANONYMITY_THRESHOLD
    voters: tuple[str, ...] = ()  # who answered, in non-anonymous rounds only

    @property
    def hidden_cells(self) -> int:
        return sum(1 for cell in self.cells if cell.hidden)


@dataclass(frozen=True)
class CellChange:
    item_id: str
    stage: Stage
    before: Requirement
    after: Requirement


@dataclass(frozen=True)
class Adoption:
    """What `adopt` did. `created` is False when the round had no votes to adopt (the round is
    closed and the criteria in force stay as they were)."""

    round_id: int
    version: int
    created: bool
    participants: int
    changes: tuple[CellChange, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    kept: tuple[Cell, ...] = ()  # cells with too few votes in an anonymous round


@dataclass(frozen=True)
class CellUpdate:
    version: int
    item_id: str
    stage: Stage
    before: Requirement
    after: Requirement
    adjustments: tuple[Adjustment, ...] = field(default=())


# ---- the arithmetic of a vote ---------------------------------------------------------------


def tally(votes: Iterable[Requirement]) -> Tally:
    """Counts, proposal (median, ties to the stricter level) and split flag of some votes."""
    ordered = sorted(votes, key=lambda requirement: requirement.rank)
    counts = Counter(ordered)
    full = {requirement: counts.get(requirement, 0) for requirement in Requirement}
    if not ordered:
        return Tally(full, None, split=False)
    # With an even count, index n // 2 is the upper of the two middle votes: the stricter one.
    proposed = ordered[len(ordered) // 2]
    far = sum(1 for vote in ordered if abs(vote.rank - proposed.rank) >= SPLIT_DISTANCE)
    split = len(ordered) >= 2 and 3 * far >= len(ordered)
    return Tally(full, proposed, split)


def proposal(
    current: Criteria, results: SurveyResults
) -> tuple[Criteria, list[CellChange], list[Cell]]:
    """The matrix the results propose: every cell whose tally is visible takes its proposed
    level, every other cell keeps the level in force. Returns it (not yet tightened), the cells
    that changed, and the cells kept for lack of votes."""
    levels: dict[str, dict[str, Requirement]] = {
        item.id: {stage.value: current.requirement(item.id, stage) for stage in Stage}
        for item in results.rubric.items
    }
    changes: list[CellChange] = []
    kept: list[Cell] = []
    for cell in results.cells:
        if cell.tally is None or cell.tally.proposed is None:
            if cell.votes:
                kept.append((cell.item_id, cell.stage))
            continue
        before = levels[cell.item_id][cell.stage.value]
        levels[cell.item_id][cell.stage.value] = cell.tally.proposed
        if cell.tally.proposed is not before:
            changes.append(CellChange(cell.item_id, cell.stage, before, cell.tally.proposed))
    items = {
        item_id: _cell(current, item_id).model_copy(update=stages)
        for item_id, stages in levels.items()
    }
    return Criteria(version=current.version, items=items), changes, kept


def _cell(criteria: Criteria, item_id: str) -> ItemCriteria:
    found = criteria.items.get(item_id)
    if found is not None:
        return found
    return ItemCriteria(
        research=Requirement.OPTIONAL,
        roadmap=Requirement.OPTIONAL,
        production=Requirement.OPTIONAL,
    )


def _matrix(criteria: Criteria) -> dict[str, Any]:
    """The stored shape: {item_id: {"research": ..., "roadmap": ..., "production": ...}}."""
    return {
        item_id: cell.model_dump(mode="json", exclude_none=True)
        for item_id, cell in criteria.items.items()
    }


def _round(row: SurveyRoundRow) -> SurveyRound:
    assert row.id is not None
    return SurveyRound(
        id=row.id,
        workspace_id=row.workspace_id,
        open=row.status == "open",
        anonymous=row.anonymous,
        channel_id=row.channel_id,
        message_ts=row.message_ts,
        opened_by=row.opened_by,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
    )


# ---- use cases ------------------------------------------------------------------------------


class CriteriaUseCases(UseCases):
    """The criteria in force, survey rounds, adoption, single-cell changes, export and import.

    Criteria belong to the workspace and are surveyed on the deployment's default rubric (the
    ML Test Score); other rubrics keep their own defaults unless the matrix names their items.
    """

    @classmethod
    def of(cls, services: UseCases) -> CriteriaUseCases:
        """These use cases on the context of another use-case object (the Services facade):
        the facade itself once it includes this class, else a view sharing its context."""
        if isinstance(services, CriteriaUseCases):
            return services
        return cls(services._ctx)

    # -- the matrix in force --------------------------------------------------------------

    def criteria_view(self, workspace_id: int) -> CriteriaView:
        rubric = self._ctx.rubrics.default()
        with self._ctx.database.read() as session:
            return self._view(session, workspace_id, rubric)

    def _view(self, session: Session, workspace_id: int, rubric: Rubric) -> CriteriaView:
        criteria = criteria_in_force(session, workspace_id=workspace_id, rubric=rubric)
        row: CriteriaVersion | None = None
        if criteria.version:
            row = repo.get_criteria_version(
                session, workspace_id=workspace_id, version=criteria.version
            )
        return CriteriaView(
            rubric=rubric,
            criteria=criteria,
            version=criteria.version,
            adopted_by=row.adopted_by if row else None,
            adopted_at=row.adopted_at if row else None,
            note=row.note if row else "",
        )

    def export_criteria(self, workspace_id: int) -> str:
        """The matrix in force as commented YAML (the rubric data format's `criteria:` part)."""
        view = self.criteria_view(workspace_id)
        return dump_criteria(view.rubric, view.criteria)

    def import_criteria(
        self, actor: Actor, directory: Directory, text: str, *, source: str = "criteria.yaml"
    ) -> int:
        """Adopt a matrix read from a file as the next version (admins only); returns it.

        The file must name every item of the rubric and may not loosen as the stage advances;
        its own `version` field is ignored (versions are numbered by the workspace).
        """
        self._ctx.require(Action.CRITERIA, actor, directory)
        rubric = self._ctx.rubrics.default()
        try:
            imported = load_criteria(text, rubric, source=source)
        except RubricError as error:
            raise Invalid("criteria.error.import", reason=str(error)) from None
        now = self._ctx.clock()
        with self._ctx.database.write() as session:
            before = criteria_in_force(session, workspace_id=actor.workspace_id, rubric=rubric)
            stored = repo.adopt_criteria(
                session,
                workspace_id=actor.workspace_id,
                matrix=_matrix(imported),
                adopted_by=actor.user_id,
                adopted_at=now,
                note=f"imported from {source}",
            )
            _audit.record(
                session,
                actor,
                "criteria.imported",
                at=now,
                target=_AUDIT_TARGET,
                version=stored.version,
                previous_version=before.version,
                source=source,
            )
            return stored.version

    # -- survey rounds --------------------------------------------------------------------

    def open_survey(
        self, actor: Actor, directory: Directory, *, channel_id: str | None, anonymous: bool
    ) -> SurveyRound:
        """Open a round (admins only); a second open round is a Conflict."""
        self._ctx.require(Action.CRITERIA, actor, directory)
        now = self._ctx.clock()
        with self._ctx.database.write() as session:
            row, created = repo.open_survey_round(
                session,
                workspace_id=actor.workspace_id,
                opened_by=actor.user_id,
                now=now,
                anonymous=anonymous,
                channel_id=channel_id,
            )
            if not created:
                raise Conflict("error.survey_open")
            _audit.record(
                session,
                actor,
                "criteria.survey_opened",
                at=now,
                target=_AUDIT_TARGET,
                round_id=row.id,
                anonymous=anonymous,
                channel_id=channel_id,
            )
            return _round(row)

    def record_invitation(
        self, workspace_id: int, round_id: int, *, channel_id: str, message_ts: str
    ) -> None:
        """Remember where the round's invitation was posted."""
        with self._ctx.database.write() as session:
            try:
                repo.set_survey_message(
                    session,
                    workspace_id=workspace_id,
                    round_id=round_id,
                    channel_id=channel_id,
                    message_ts=message_ts,
                )
            except RowNotFound:
                raise NotFound("error.no_survey") from None

    def open_round(self, workspace_id: int) -> SurveyRound | None:
        with self._ctx.database.read() as session:
            row = repo.get_open_survey_round(session, workspace_id=workspace_id)
            return _round(row) if row is not None else None

    def survey_round(self, workspace_id: int, round_id: int) -> SurveyRound:
        with self._ctx.database.read() as session:
            return _round(self._load_round(session, workspace_id, round_id))

    @staticmethod
    def _load_round(session: Session, workspace_id: int, round_id: int) -> SurveyRoundRow:
        row = repo.get_survey_round(session, workspace_id=workspace_id, round_id=round_id)
        if row is None:
            raise NotFound("error.no_survey")
        return row

    def survey_state(self, actor: Actor, round_id: int) -> SurveyState:
        """What the person's survey modal starts from (their votes, else the matrix in force)."""
        rubric = self._ctx.rubrics.default()
        with self._ctx.database.read() as session:
            row = self._load_round(session, actor.workspace_id, round_id)
            criteria = criteria_in_force(session, workspace_id=actor.workspace_id, rubric=rubric)
            own = repo.survey_votes(
                session, workspace_id=actor.workspace_id, round_id=round_id, user_id=actor.user_id
            )
        levels: dict[str, dict[Stage, Requirement]] = {
            item.id: {stage: criteria.requirement(item.id, stage) for stage in Stage}
            for item in rubric.items
        }
        comments: dict[str, str] = {}
        voted: set[str] = set()
        for vote in own:
            if vote.item_id not in levels:
                continue
            levels[vote.item_id][Stage(vote.stage)] = Requirement(vote.requirement)
            if vote.comment:
                comments[vote.item_id] = vote.comment
            voted.add(vote.item_id)
        answers = {
            item_id: ItemVote(stages, comments.get(item_id, ""))
            for item_id, stages in levels.items()
        }
        return SurveyState(_round(row), rubric, answers, frozenset(voted))

    def vote(
        self,
        actor: Actor,
        round_id: int,
        votes: Mapping[Cell, Requirement],
        comments: Mapping[str, str] | None = None,
    ) -> int:
        """Record (or change) the person's votes in an open round; returns how many cells.

        Anyone in the workspace may vote. `comments` sets the comment of the items it names
        (an empty string clears it); items it does not name keep their comment. A closed round
        takes no votes (Invalid).
        """
        rubric = self._ctx.rubrics.default()
        known = {item.id for item in rubric.items}
        comments = dict(comments or {})
        for item_id, _ in votes:
            if item_id not in known:
                raise Invalid("error.unknown_item", item=item_id)
        for item_id, text in comments.items():
            if item_id not in known:
                raise Invalid("error.unknown_item", item=item_id)
            if has_nul(text):
                raise Invalid("error.nul")
            if len(text) > COMMENT_MAX_CHARS:
                raise Invalid(
                    "survey.error.comment_too_long", length=len(text), max=COMMENT_MAX_CHARS
                )
        now = self._ctx.clock()
        with self._ctx.database.write() as session:
            row = self._load_round(session, actor.workspace_id, round_id)
            if row.status != "open":
                raise Invalid("criteria.error.round_closed")
            existing = {
                vote.item_id: vote.comment
                for vote in repo.survey_votes(
                    session,
                    workspace_id=actor.workspace_id,
                    round_id=round_id,
                    user_id=actor.user_id,
                )
            }
            # The comment belongs to the item; it is stored on each of the item's stage rows.
            rows = [
                repo.VoteInput(
                    item_id,
                    stage,
                    requirement,
                    comments[item_id].strip() if item_id in comments else existing.get(item_id, ""),
                )
                for (item_id, stage), requirement in votes.items()
            ]
            try:
                return repo.save_votes(
                    session,
                    workspace_id=actor.workspace_id,
                    round_id=round_id,
                    user_id=actor.user_id,
                    votes=rows,
                    now=now,
                )
            except Closed:
                raise Invalid("criteria.error.round_closed") from None

    def results(
        self, actor: Actor, directory: Directory, round_id: int | None = None
    ) -> SurveyResults:
        """The open round's results (else the latest round's): per item and stage the counts,
        the proposed level and the split flag, under the anonymity rules of the module doc.

        Anyone in the workspace may look; nothing here depends on who asks.
        """
        del directory  # results are the same for everyone: that is what keeps them anonymous
        rubric = self._ctx.rubrics.default()
        with self._ctx.database.read() as session:
            row = self._results_round(session, actor.workspace_id, round_id)
            assert row.id is not None
            votes = repo.survey_votes(session, workspace_id=actor.workspace_id, round_id=row.id)
        return _results(_round(row), rubric, votes)

    def _results_round(
        self, session: Session, workspace_id: int, round_id: int | None
    ) -> SurveyRoundRow:
        if round_id is not None:
            return self._load_round(session, workspace_id, round_id)
        row = repo.get_open_survey_round(session, workspace_id=workspace_id)
        if row is None:
            rounds = repo.list_survey_rounds(session, workspace_id=workspace_id)
            if not rounds:
                raise NotFound("error.no_survey")
            row = rounds[0]
        return row

    # -- changing the criteria ------------------------------------------------------------

    def adopt(self, actor: Actor, directory: Directory) -> Adoption:
        """Close the open round and put its proposal in force as a new version (admins only).

        The proposal is tightened so no later stage asks less than an earlier one; the cells
        raised are returned as adjustments. A round without votes is closed and nothing else
        changes (created=False).
        """
        self._ctx.require(Action.CRITERIA, actor, directory)
        rubric = self._ctx.rubrics.default()
        now = self._ctx.clock()
        ws = actor.workspace_id
        with self._ctx.database.write() as session:
            open_row = repo.get_open_survey_round(session, workspace_id=ws)
            if open_row is None or open_row.id is None:
                raise NotFound("error.no_survey")
            round_id = open_row.id
            # Closing first locks the round, so no vote can slip in between tally and adoption.
            closed = repo.close_survey_round(session, workspace_id=ws, round_id=round_id, now=now)
            votes = repo.survey_votes(session, workspace_id=ws, round_id=round_id)
            results = _results(_round(closed), rubric, votes)
            current = criteria_in_force(session, workspace_id=ws, rubric=rubric)
            proposed, changes, kept = proposal(current, results)
            tightened, adjustments = tighten(proposed)
            created = results.participants > 0
            version = current.version
            if created:
                stored = repo.adopt_criteria(
                    session,
                    workspace_id=ws,
                    matrix=_matrix(tightened),
                    adopted_by=actor.user_id,
                    adopted_at=now,
                    note=f"survey round {round_id}",
                    survey_round_id=round_id,
                )
                version = stored.version
            _audit.record(
                session,
                actor,
                "criteria.adopted" if created else "criteria.survey_closed",
                at=now,
                target=_AUDIT_TARGET,
                round_id=round_id,
                version=version,
                previous_version=current.version,
                participants=results.participants,
                changes=[
                    [c.item_id, c.stage.value, c.before.value, c.after.value] for c in changes
                ],
                adjustments=[
                    [a.item_id, a.stage.value, a.before.value, a.after.value] for a in adjustments
                ],
                kept=[[item_id, stage.value] for item_id, stage in kept],
            )
            return Adoption(
                round_id=round_id,
                version=version,
                created=created,
                participants=results.participants,
                changes=tuple(changes),
                adjustments=tuple(adjustments) if created else (),
                kept=tuple(kept),
            )

    def set_cell(
        self,
        actor: Actor,
        directory: Directory,
        *,
        item_id: str,
        stage: Stage,
        requirement: Requirement,
        reason: str,
    ) -> CellUpdate:
        """Set one cell as a new version (admins only); the reason goes to the audit log.

        Raising a cell raises the later stages that would ask less (returned as adjustments).
        Lowering it below what an earlier stage asks is refused (Invalid
        "criteria.error.would_loosen"), as is a change that changes nothing.
        """
        self._ctx.require(Action.CRITERIA, actor, directory)
        reason = " ".join(reason.split())
        if not reason:
            raise Invalid("parse.missing_reason")
        rubric = self._ctx.rubrics.default()
        by_key = {item.id.casefold(): item.id for item in rubric.items}
        canonical = by_key.get(item_id.strip().casefold())
        if canonical is None:
            raise Invalid("error.unknown_item", item=item_id)
        now = self._ctx.clock()
        ws = actor.workspace_id
        with self._ctx.database.write() as session:
            current = criteria_in_force(session, workspace_id=ws, rubric=rubric)
            cell = _cell(current, canonical)
            before = cell.at(stage)
            if before is requirement:
                raise Invalid(
                    "criteria.error.cell_unchanged",
                    item=canonical,
                    stage=stage.value,
                    level=requirement.value,
                )
            for earlier in list(Stage)[: stage.rank]:
                if cell.at(earlier).rank > requirement.rank:
                    raise Invalid(
                        "criteria.error.would_loosen",
                        item=canonical,
                        stage=stage.value,
                        level=requirement.value,
                        earlier_stage=earlier.value,
                        earlier_level=cell.at(earlier).value,
                    )
            items = dict(current.items)
            items[canonical] = cell.model_copy(update={stage.value: requirement})
            changed, adjustments = tighten(current.model_copy(update={"items": items}))
            stored = repo.adopt_criteria(
                session,
                workspace_id=ws,
                matrix=_matrix(changed),
                adopted_by=actor.user_id,
                adopted_at=now,
                note=reason,
            )
            _audit.record(
                session,
                actor,
                "criteria.cell_set",
                at=now,
                target=_AUDIT_TARGET,
                item_id=canonical,
                stage=stage.value,
                before=before.value,
                after=requirement.value,
                reason=reason,
                version=stored.version,
                previous_version=current.version,
                adjustments=[
                    [a.item_id, a.stage.value, a.before.value, a.after.value] for a in adjustments
                ],
            )
            return CellUpdate(
                version=stored.version,
                item_id=canonical,
                stage=stage,
                before=before,
                after=requirement,
                adjustments=tuple(adjustments),
            )


def _results(survey: SurveyRound, rubric: Rubric, votes: Sequence[Any]) -> SurveyResults:
    """Votes (survey_votes rows) -> results under the anonymity rules."""
    known = {item.id for item in rubric.items if item.enabled}
    by_cell: dict[Cell, list[tuple[str, Requirement]]] = defaultdict(list)
    comments: dict[tuple[str, str], str] = {}
    participants: set[str] = set()
    for vote in votes:
        if vote.item_id not in known:
            continue
        participants.add(vote.user_id)
        by_cell[(vote.item_id, Stage(vote.stage))].append(
            (vote.user_id, Requirement(vote.requirement))
        )
        if vote.comment:
            comments[(vote.item_id, vote.user_id)] = vote.comment
    cells: list[CellResult] = []
    for item in rubric.items:
        if item.id not in known:
            continue
        for stage in Stage:
            cast = sorted(by_cell.get((item.id, stage), []))
            if not cast:
                continue
            hidden = survey.anonymous and len(cast) < ANONYMITY_THRESHOLD
            cells.append(
                CellResult(
                    item_id=item.id,
                    stage=stage,
                    votes=len(cast),
                    tally=None if hidden else tally(level for _, level in cast),
                    voters=() if survey.anonymous else tuple(cast),
                )
            )
    order = {item.id: index for index, item in enumerate(rubric.items)}
    # In an anonymous round a comment has no author, and the order (by item, then by text) says
    # nothing about who wrote it; otherwise it is by item, then by author.
    shown = [
        ItemComment(item_id, text, None if survey.anonymous else user_id)
        for (item_id, user_id), text in comments.items()
    ]
    shown.sort(key=lambda c: (order[c.item_id], c.text if survey.anonymous else c.user_id or ""))
    return SurveyResults(
        round=survey,
        rubric=rubric,
        participants=len(participants),
        cells=tuple(cells),
        comments=tuple(shown),
        voters=() if survey.anonymous else tuple(sorted(participants)),
    )
