"""Use cases of the assessment flow: open (with a draft or pre-filled), keep drafts, submit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.db import repositories as repo
from bot.db.repositories import AssessmentRecord
from bot.db.tables import System, Team
from bot.services import _audit
from bot.services._claims import claims_of, policy_of
from bot.services._convert import draft_from_json, draft_to_json, schedule_of, team_info
from bot.services._criteria import criteria_in_force
from bot.services._lookup import load_rubric, load_team
from bot.services._queries import assessment_id_for_key
from bot.services._scorecards import build_scorecard
from bot.services._standing import counted_at
from bot.services._waivers import waived_items
from bot.services.access import Action, refusal_key
from bot.services.context import UseCases
from bot.services.plans import StageGated
from bot.services.responses import is_anonymous, record_response, scorecard_responses
from bot.services.systems import load_system, system_view
from bot.services.types import (
    Actor,
    AssessmentStart,
    Directory,
    DraftPage,
    DraftState,
    Invalid,
    ItemDraft,
    NotAllowed,
    NotFound,
    StoredAssessment,
    Submission,
    TeamInfo,
)
from bot.services.validation import answers_to_store, problems, valid_choice
from bot.usertext import has_nul
from rubric.evidence import Claim, stale_items
from rubric.gaps import find_gaps
from rubric.model import Criteria, Rubric, Snapshot, Stage
from rubric.periods import period_at
from rubric.scoring import score

# Check-ins an assessment closes: an open one, or one the scheduler marked skipped before the
# team answered late (the answer wins over the skip).
_CLOSABLE_CHECKINS = frozenset({"open", "skipped"})


class AssessmentUseCases(UseCases):
    def start_assessment(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        *,
        fresh: bool = False,
        period_key: str | None = None,
        system_id: int | None = None,
    ) -> AssessmentStart:
        """What the assessment modal opens with (members of the team's channel and admins).

        The person's own draft for the team when there is one (resumed_draft=True), unless
        `fresh`, which discards it. Otherwise the team's last answers and notes at its current
        stage, so a routine check-in only needs the changes. `period_key` names the check-in
        the modal was opened from, if any; a check-in the team does not have (any more) is
        refused.
        """
        self._require_on_team(Action.ASSESS, actor, directory, team_id, system_id)
        database = self._ctx.database
        with database.write() if fresh else database.read() as session:
            row, system = _load(session, actor.workspace_id, team_id, system_id)
            team = _view(session, row, system, system_id)
            rubric = load_rubric(self._ctx.rubrics, team.rubric_id)
            ws = actor.workspace_id
            sid = system.id
            if period_key is not None:
                _require_checkin(session, row, system, period_key)
            if fresh:
                repo.delete_draft(
                    session, workspace_id=ws, team_id=team_id, user_id=actor.user_id, system_id=sid
                )
            else:
                draft = repo.get_draft(
                    session, workspace_id=ws, team_id=team_id, user_id=actor.user_id, system_id=sid
                )
                if draft is not None:
                    state = draft_from_json(draft.state, fallback_stage=team.stage)
                    if period_key and not state.period_key:
                        state = replace(state, period_key=period_key)
                    return AssessmentStart(
                        team, rubric, state, resumed_draft=True, draft_saved_at=draft.updated_at
                    )
            state = self._fresh_state(session, rubric, row, system, period_key)
            return AssessmentStart(team, rubric, state, resumed_draft=False)

    def save_draft(
        self, actor: Actor, team_id: int, state: DraftState, system_id: int | None = None
    ) -> None:
        """Keep what the modal holds (between pages, and when it is closed)."""
        _refuse_nul(state)
        with self._ctx.database.write() as session:
            _, system = _load(session, actor.workspace_id, team_id, system_id)
            repo.save_draft(
                session,
                workspace_id=actor.workspace_id,
                team_id=team_id,
                user_id=actor.user_id,
                state=draft_to_json(state),
                now=self._ctx.clock(),
                system_id=system.id,
            )

    def save_draft_page(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        page: DraftPage,
        system_id: int | None = None,
    ) -> DraftState:
        """Merge one page into the person's draft (started from the team's last answers when
        there is none) and return the result.

        The read and the write share one transaction, so pages stored late or by another
        replica add to each other instead of one overwriting the other's answers. A page that
        asks for another stage needs someone the rule lets change it.
        """
        _refuse_nul(page)
        current = self._require_on_team(Action.ASSESS, actor, directory, team_id, system_id)
        if page.stage is not None and page.stage is not current.stage:
            self._ctx.require(Action.STAGE, actor, directory, current)
        ws = actor.workspace_id
        with self._ctx.database.write() as session:
            # On PostgreSQL two pages would otherwise both read the old draft and the later
            # write would drop the other's answers; the team row lock queues them.
            row, system = _load(session, ws, team_id, system_id, for_update=True)
            draft = repo.get_draft(
                session,
                workspace_id=ws,
                team_id=team_id,
                user_id=actor.user_id,
                system_id=system.id,
            )
            if draft is not None:
                state = draft_from_json(draft.state, fallback_stage=Stage(system.stage))
            else:
                rubric = load_rubric(self._ctx.rubrics, row.rubric_id)
                state = self._fresh_state(session, rubric, row, system, None)
            merged = page.applied_to(state, actor.user_id)
            repo.save_draft(
                session,
                workspace_id=ws,
                team_id=team_id,
                user_id=actor.user_id,
                state=draft_to_json(merged),
                now=self._ctx.clock(),
                system_id=system.id,
            )
            return merged

    def get_draft(
        self, actor: Actor, team_id: int, system_id: int | None = None
    ) -> DraftState | None:
        with self._ctx.database.read() as session:
            _, system = _load(session, actor.workspace_id, team_id, system_id)
            draft = repo.get_draft(
                session,
                workspace_id=actor.workspace_id,
                team_id=team_id,
                user_id=actor.user_id,
                system_id=system.id,
            )
            if draft is None:
                return None
            return draft_from_json(draft.state, fallback_stage=Stage(system.stage))

    def discard_draft(self, actor: Actor, team_id: int, system_id: int | None = None) -> bool:
        """Drop the person's draft; True when there was one."""
        with self._ctx.database.write() as session:
            _, system = _load(session, actor.workspace_id, team_id, system_id)
            return repo.delete_draft(
                session,
                workspace_id=actor.workspace_id,
                team_id=team_id,
                user_id=actor.user_id,
                system_id=system.id,
            )

    def submit(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        state: DraftState,
        *,
        submission_key: str,
        system_id: int | None = None,
    ) -> Submission:
        """Store a finished assessment and return its scorecard (`store_assessment`, then
        `submission`)."""
        stored = self.store_assessment(
            actor, directory, team_id, state, submission_key=submission_key, system_id=system_id
        )
        return self.submission(actor, stored)

    def store_assessment(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        state: DraftState,
        *,
        submission_key: str,
        system_id: int | None = None,
    ) -> StoredAssessment:
        """Store a finished assessment.

        Nothing is stored unless every enabled item has a valid answer and every note is within
        its limit (the first problem is raised as Invalid; `validation.problems` lists them
        all). A repeated submission key (a double click, a retried request) returns the first
        assessment with created=False and changes nothing. Otherwise, in one transaction: the
        assessment and its answers (each note with its author) with the criteria version in
        force, the team's stage (and its history) when it changed, the check-in of the period
        marked answered, the draft deleted, and an audit entry. The scorecard is left to
        `submission`, outside the write lock, so that the modal can close before it is built.

        The stage: a stage other than the team's needs someone the rule lets change it, and
        is only taken when the stage the form showed is still the team's latest; after a newer
        change the assessment is stored at that newer stage (`kept_stage` says so).
        """
        now = self._ctx.clock()
        ws = actor.workspace_id
        current = self._require_on_team(Action.ASSESS, actor, directory, team_id, system_id)
        may_change_stage = self._ctx.allowed(Action.STAGE, actor, directory, current)
        with self._ctx.database.write() as session:
            row, system = _load(session, ws, team_id, system_id, for_update=True)
            sid = system.id
            rubric = load_rubric(self._ctx.rubrics, row.rubric_id)
            criteria = criteria_in_force(session, workspace_id=actor.workspace_id, rubric=rubric)
            repeated = assessment_id_for_key(
                session, workspace_id=ws, team_id=team_id, submission_key=submission_key
            )
            if repeated is not None:
                return StoredAssessment(team_id, repeated, created=False, system_id=system_id)
            found = problems(rubric, state)
            if found:
                raise found[0]
            stage, kept = _stage_to_store(
                row,
                system,
                state,
                repo.stage_version(session, workspace_id=ws, team_id=team_id, system_id=sid),
                may_change=may_change_stage,
            )
            answers = answers_to_store(rubric, state)
            period_key = self._period_key(session, row, system, state.period_key, now)
            authors = note_authors(state, actor.user_id)
            if period_key is not None:
                # Each person's answers are kept as their response; the assessment is what the
                # period's respondents agree on (one respondent: their answers).
                answers, authors = record_response(
                    session,
                    rubric=rubric,
                    team=row,
                    system=system,
                    respondent=actor.user_id,
                    period_key=period_key,
                    answers=answers,
                    note_authors=authors,
                    now=now,
                    submission_key=submission_key,
                )
            if stage.value != system.stage:
                assert sid is not None
                # The form moves the stage like the stage command does: through the gate, on
                # the answers being stored (with several respondents the agreed ones; raising
                # rolls this person's response back too). Passing it anyway takes the command's
                # override.
                waived = waived_items(session, workspace_id=ws, system_id=sid, today=now.date())
                snapshot = Snapshot(stage=stage, answers={a.item_id: a for a in answers})
                # Counted as the scorecard will: a claim lacking its required link is lower.
                policy = policy_of(session, ws)
                counted, _ = counted_at(
                    rubric, criteria, policy, snapshot, stage=stage, waived=waived
                )
                report = find_gaps(rubric, criteria, counted, waived)
                if report.gaps:
                    raise StageGated(current, rubric, report)
            saved = repo.save_assessment(
                session,
                workspace_id=ws,
                team_id=team_id,
                rubric_id=rubric.id,
                rubric_version=rubric.version,
                criteria_version=criteria.version,
                stage=stage,
                answers=answers,
                note=state.overall_note.strip(),
                submitted_by=actor.user_id,
                submitted_at=now,
                period_key=period_key,
                submission_key=submission_key,
                note_authors=authors,
                system_id=sid,
            )
            if not saved.created:  # lost a race with the same key on PostgreSQL
                return StoredAssessment(team_id, saved.id, created=False, system_id=system_id)
            stage_before = system.stage
            if stage.value != system.stage:
                assert sid is not None
                system = repo.set_system_stage(
                    session,
                    workspace_id=ws,
                    system_id=sid,
                    stage=stage,
                    changed_by=actor.user_id,
                    now=now,
                )
            if period_key is not None:
                checkin = repo.get_checkin(
                    session, workspace_id=ws, team_id=team_id, period_key=period_key, system_id=sid
                )
                if checkin is not None and checkin.status in _CLOSABLE_CHECKINS:
                    repo.mark_checkin(
                        session,
                        workspace_id=ws,
                        team_id=team_id,
                        period_key=period_key,
                        status="answered",
                        now=now,
                        system_id=sid,
                    )
            repo.delete_draft(
                session, workspace_id=ws, team_id=team_id, user_id=actor.user_id, system_id=sid
            )
            _audit.record(
                session,
                actor,
                "assessment.submitted",
                at=now,
                team_id=team_id,
                assessment_id=saved.id,
                rubric_id=rubric.id,
                criteria_version=criteria.version,
                stage_before=stage_before,
                stage=stage.value,
                period_key=period_key,
                final=score(rubric, {answer.item_id: answer for answer in answers}).final,
                **_system_detail(system_id),
            )
            return StoredAssessment(
                team_id,
                saved.id,
                created=True,
                kept_stage=kept,
                system_id=system_id,
            )

    def _require_on_team(
        self,
        action: Action,
        actor: Actor,
        directory: Directory,
        team_id: int,
        system_id: int | None = None,
    ) -> TeamInfo:
        """The team (seen through the system), once the rule lets the person do `action` to
        it; a system's people are its team's. Asked before any write transaction: the rule may
        ask Slack, and SQLite writers would wait behind that."""
        with self._ctx.database.read() as session:
            row, system = _load(session, actor.workspace_id, team_id, system_id)
            team = _view(session, row, system, system_id)
        self._ctx.require(action, actor, directory, team)
        return team

    def _fresh_state(
        self,
        session: Session,
        rubric: Rubric,
        row: Team,
        system: System,
        period_key: str | None,
    ) -> DraftState:
        assert row.id is not None
        ws, sid = row.workspace_id, system.id
        latest = repo.latest_assessment(session, workspace_id=ws, team_id=row.id, system_id=sid)
        version = repo.stage_version(session, workspace_id=ws, team_id=row.id, system_id=sid)
        state = _prefilled(rubric, team_info(row, system), latest, period_key, version)
        if latest is not None and latest.assessment.rubric_id == rubric.id:
            claims = claims_of(session, rubric, latest)
            now = self._ctx.clock()
            waived = waived_items(
                session, workspace_id=ws, system_id=latest.assessment.system_id, today=now.date()
            )
            state = replace(
                _with_claims(rubric, state, claims),
                stale=stale_items(rubric, claims, now, waived=waived),
            )
        return state

    def submission(self, actor: Actor, stored: StoredAssessment) -> Submission:
        """The scorecard of a stored assessment, with what changed since the one before it."""
        with self._ctx.database.read() as session:
            row, system = _load(session, actor.workspace_id, stored.team_id, stored.system_id)
            rubric = load_rubric(self._ctx.rubrics, row.rubric_id)
            criteria = criteria_in_force(session, workspace_id=actor.workspace_id, rubric=rubric)
            return self._submission(
                session,
                actor,
                _view(session, row, system, stored.system_id),
                stored.assessment_id,
                rubric=rubric,
                criteria=criteria,
                created=stored.created,
            )

    def _submission(
        self,
        session: Session,
        actor: Actor,
        team: TeamInfo,
        assessment_id: int,
        *,
        rubric: Rubric,
        criteria: Criteria,
        created: bool,
    ) -> Submission:
        """The scorecard of a stored assessment; `rubric` and `criteria` are those submit
        already loaded, reloaded only for an earlier assessment on another rubric."""
        latest = repo.get_assessment(
            session, workspace_id=actor.workspace_id, assessment_id=assessment_id
        )
        assert latest is not None
        previous = repo.previous_assessment(
            session,
            workspace_id=actor.workspace_id,
            team_id=latest.assessment.team_id,
            before=latest.assessment,
        )
        if latest.assessment.rubric_id != rubric.id:
            rubric = load_rubric(self._ctx.rubrics, latest.assessment.rubric_id)
            criteria = criteria_in_force(session, workspace_id=actor.workspace_id, rubric=rubric)
        waived = waived_items(
            session,
            workspace_id=actor.workspace_id,
            system_id=latest.assessment.system_id,
            today=self._ctx.clock().date(),
        )
        scorecard = build_scorecard(
            team=team,
            rubric=rubric,
            criteria=criteria,
            latest=latest,
            previous=previous,
            responses=scorecard_responses(
                session, rubric=rubric, workspace_id=actor.workspace_id, assessment=latest
            ),
            claims=claims_of(session, rubric, latest),
            policy=policy_of(session, actor.workspace_id),
            now=self._ctx.clock(),
            waived=waived,
            anonymous=is_anonymous(
                session, workspace_id=actor.workspace_id, team_id=latest.assessment.team_id
            ),
        )
        return Submission(assessment_id=assessment_id, created=created, scorecard=scorecard)

    @staticmethod
    def _period_key(
        session: Session, row: Team, system: System, requested: str | None, now: datetime
    ) -> str | None:
        """The check-in period this assessment answers: the one the modal was opened from when
        the team really has a check-in for it (the key travels through Slack and is not
        trusted otherwise), else the period of the team's schedule containing `now`."""
        assert row.id is not None
        if requested:
            checkin = repo.get_checkin(
                session,
                workspace_id=row.workspace_id,
                team_id=row.id,
                period_key=requested,
                system_id=system.id,
            )
            if checkin is not None:
                return requested
        schedule = schedule_of(row, system)
        return period_at(schedule, now).key if schedule is not None else None


def _prefilled(
    rubric: Rubric,
    team: TeamInfo,
    latest: AssessmentRecord | None,
    period_key: str | None,
    stage_version: int,
) -> DraftState:
    """The team's last answers with their notes, each note with its author, at the team's
    current stage as read now."""
    answers: dict[str, ItemDraft] = {}
    enabled = {item.id for item in rubric.items if item.enabled}
    if latest is not None and latest.assessment.rubric_id == rubric.id:
        submitter = latest.assessment.submitted_by
        for answer in latest.answers:
            if answer.item_id in enabled and valid_choice(rubric, answer.choice):
                author = (answer.note_by or submitter) if answer.note else None
                answers[answer.item_id] = ItemDraft(
                    answer.choice, answer.note, author, answer.evidence_url, answer.evidence_label
                )
    return DraftState(
        stage=team.stage, answers=answers, period_key=period_key, stage_version=stage_version
    )


def _with_claims(rubric: Rubric, state: DraftState, claims: Mapping[str, Claim]) -> DraftState:
    """The prefilled answers at their claims' levels and links: a CI push since the last answers
    (a link, a raised level) is what the form shows, so an unchanged submission keeps it."""
    enabled = {item.id for item in rubric.items if item.enabled}
    answers = dict(state.answers)
    for item_id, claim in claims.items():
        if item_id in enabled and valid_choice(rubric, claim.choice):
            old = answers.get(item_id, ItemDraft())
            answers[item_id] = replace(
                old,
                choice=claim.choice,
                evidence_url=claim.evidence_url,
                evidence_label=claim.evidence_label,
            )
    return replace(state, answers=answers)


def _stage_to_store(
    row: Team, system: System, state: DraftState, version_now: int, *, may_change: bool
) -> tuple[Stage, Stage | None]:
    """(the stage to store, the newer stage kept instead of the one asked for, if any)."""
    current = Stage(system.stage)
    if state.stage is current:
        return current, None
    if state.stage_version != version_now:
        # Someone changed the stage after the form read it: that change stands.
        return current, current
    if not may_change:
        raise NotAllowed(refusal_key(Action.STAGE), team=row.name, channel=row.channel_id or "")
    return state.stage, None


def note_authors(state: DraftState, submitter: str) -> dict[str, str]:
    """Who wrote each item's note: as the draft knows it, else the person submitting."""
    return {
        item_id: answer.note_by or submitter
        for item_id, answer in state.answers.items()
        if answer.note.strip()
    }


def _require_checkin(session: Session, row: Team, system: System, period_key: str) -> None:
    assert row.id is not None
    found = repo.get_checkin(
        session,
        workspace_id=row.workspace_id,
        team_id=row.id,
        period_key=period_key,
        system_id=system.id,
    )
    # An archived system's check-ins stopped: its old button opens nothing.
    if found is None or system.archived_at is not None:
        raise NotFound("error.checkin_gone", team=row.name)


def _refuse_nul(value: DraftState | DraftPage) -> None:
    """Text with a NUL cannot be stored (PostgreSQL refuses it): say so instead of failing."""
    notes = [answer.note for answer in value.answers.values()]
    notes += [answer.evidence_label for answer in value.answers.values()]
    if has_nul(value.overall_note, *notes):
        raise Invalid("error.nul")


def _load(
    session: Session,
    workspace_id: int,
    team_id: int,
    system_id: int | None,
    *,
    for_update: bool = False,
) -> tuple[Team, System]:
    """The team and the system assessed: `system_id` (one of the team's systems, in this
    workspace), or the team's primary system when None."""
    row = load_team(session, workspace_id=workspace_id, team_id=team_id, for_update=for_update)
    if system_id is None:
        return row, repo.primary_system(session, workspace_id=workspace_id, team_id=team_id)
    _, system = load_system(session, workspace_id=workspace_id, system_id=system_id)
    if system.team_id != team_id:
        raise NotFound("error.system_not_found")
    return row, system


def _view(session: Session, row: Team, system: System, system_id: int | None) -> TeamInfo:
    """The team as the caller named it: through the system when one was named."""
    return team_info(row) if system_id is None else system_view(session, row, system)


def _system_detail(system_id: int | None) -> dict[str, Any]:
    """The audit detail naming the system, when the caller named one."""
    return {} if system_id is None else {"system": system_id}
