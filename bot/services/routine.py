"""A routine check-in in one or two clicks: "nothing changed" stores the period's answers as
the last agreed ones, and "Update" learns which items most likely changed (rubric.routine)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlmodel import Session

from bot.db import repositories as repo
from bot.db.repositories import responses as response_repo
from bot.services._claims import claims_of, policy_of
from bot.services._criteria import criteria_in_force
from bot.services._lookup import load_rubric
from bot.services._scorecards import build_scorecard
from bot.services._waivers import waived_items
from bot.services.access import Action
from bot.services.assessments import AssessmentUseCases, _load, _prefilled, _view
from bot.services.responses import ANSWER, UNCHANGED_KEY_PREFIX, has_answered
from bot.services.types import (
    Actor,
    Conflict,
    Directory,
    DraftState,
    ItemDraft,
    NotFound,
    StoredAssessment,
    TeamInfo,
)
from rubric.periods import period_start
from rubric.routine import likely_changed, needs_review


@dataclass(frozen=True)
class RoutineCheck:
    """Where a system stands for a routine check-in of one period."""

    team: TeamInfo
    has_previous: bool
    """False: nothing to repeat, the normal modal is the way."""
    review: tuple[str, ...] = ()
    """Items "nothing changed" cannot simply re-confirm (stale, lacking required evidence,
    failing in CI): the button opens a modal with only these."""
    likely: tuple[str, ...] = ()
    """Items the "Update" page starts with: `review` and the open gaps."""
    state: DraftState | None = None
    """The last agreed answers (as their claims stand now), ready to store again."""
    channel_id: str | None = None
    message_ts: str | None = None
    """Where the period's check-in message was posted, when it was."""

    @property
    def one_click(self) -> bool:
        return self.has_previous and not self.review


@dataclass(frozen=True)
class Unchanged:
    """The outcome of "nothing changed": stored, or the check that says why it was not."""

    check: RoutineCheck
    stored: StoredAssessment | None = None


def unchanged_key(team_id: int, system_id: int | None, period_key: str, user_id: str) -> str:
    """One "nothing changed" per person, system and period: a double click finds the first
    one (store_assessment's repeated-submission rule); another person's is their response."""
    return f"{UNCHANGED_KEY_PREFIX}{team_id}:{system_id or ''}:{period_key}:{user_id}"


class RoutineUseCases(AssessmentUseCases):
    def routine_check(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        *,
        period_key: str | None,
        system_id: int | None = None,
        require_open: bool = True,
    ) -> RoutineCheck:
        """What a check-in button needs to decide (members of the team's channel and admins).

        With `period_key`, the period's check-in must exist for a system not archived and,
        with `require_open` ("nothing changed"), be neither skipped nor answered by this person
        (others may answer it too): a clear refusal each, never a silent second answer.
        "Update" may still amend a closed one."""
        team = self._require_on_team(Action.ASSESS, actor, directory, team_id, system_id)
        now = self._ctx.clock()
        ws = actor.workspace_id
        channel_id: str | None = None
        message_ts: str | None = None
        with self._ctx.database.read() as session:
            row, system = _load(session, ws, team_id, system_id)
            if period_key is not None:
                checkin = repo.get_checkin(
                    session,
                    workspace_id=ws,
                    team_id=team_id,
                    period_key=period_key,
                    system_id=system.id,
                )
                if checkin is None or system.archived_at is not None:
                    raise NotFound("error.checkin_gone", team=team.label)
                assert system.id is not None
                if require_open and has_answered(
                    session,
                    workspace_id=ws,
                    system_id=system.id,
                    period_key=period_key,
                    respondent=actor.user_id,
                ):
                    raise Conflict("error.you_answered", team=team.label, period=period_key)
                if require_open and _superseded(session, ws, system.id, period_key):
                    # Only the newest period takes "nothing changed": an older one's agreed
                    # result would be stored as the newest assessment, over the current one.
                    raise Conflict("error.checkin_superseded", team=team.label, period=period_key)
                if require_open and checkin.status == "skipped":
                    raise Conflict("checkin.already_skipped", team=team.label, period=period_key)
                channel_id, message_ts = checkin.channel_id, checkin.message_ts
            rubric = load_rubric(self._ctx.rubrics, row.rubric_id)
            latest = repo.latest_assessment(
                session, workspace_id=ws, team_id=team_id, system_id=system.id
            )
            if latest is None or latest.assessment.rubric_id != rubric.id:
                return RoutineCheck(
                    team, has_previous=False, channel_id=channel_id, message_ts=message_ts
                )
            claims = claims_of(session, rubric, latest)
            card = build_scorecard(
                team=_view(session, row, system, system_id),
                rubric=rubric,
                criteria=criteria_in_force(session, workspace_id=ws, rubric=rubric),
                latest=latest,
                previous=None,
                claims=claims,
                policy=policy_of(session, ws),
                now=now,
                # A waived item is no gap to look at, nor a claim to review.
                waived=waived_items(
                    session,
                    workspace_id=ws,
                    system_id=latest.assessment.system_id,
                    today=now.date(),
                ),
            )
            version = repo.stage_version(
                session, workspace_id=ws, team_id=team_id, system_id=system.id
            )
            state = _prefilled(rubric, team, latest, period_key, version)
        # The claims as they stand: a CI push since the last answers keeps its link.
        answers = dict(state.answers)
        for item_id, claim in card.claims.items():
            old = answers.get(item_id)
            if old is not None:
                answers[item_id] = ItemDraft(
                    claim.choice, old.note, old.note_by, claim.evidence_url, claim.evidence_label
                )
        state = replace(state, answers=answers, stale=card.stale)
        review = needs_review(rubric, card.claims, stale=card.stale, downgrades=card.downgrades)
        likely = likely_changed(
            rubric, card.claims, stale=card.stale, downgrades=card.downgrades, gaps=card.gaps
        )
        return RoutineCheck(
            team,
            True,
            review=review,
            likely=likely,
            state=state,
            channel_id=channel_id,
            message_ts=message_ts,
        )

    def confirm_unchanged(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        *,
        period_key: str,
        system_id: int | None = None,
    ) -> Unchanged:
        """ "Nothing changed" for the period: when every claim is fresh and none needs a look,
        this person's response repeating the last agreed answers, notes and evidence (each
        claim confirmed now, by them) and the agreed result stored anew; otherwise nothing is
        stored and the check says why."""
        check = self.routine_check(
            actor, directory, team_id, period_key=period_key, system_id=system_id
        )
        if not check.one_click or check.state is None:
            return Unchanged(check)
        stored = self.store_assessment(
            actor,
            directory,
            team_id,
            replace(check.state, overall_note=""),
            submission_key=unchanged_key(team_id, system_id, period_key, actor.user_id),
            system_id=system_id,
        )
        return Unchanged(check, stored)


def _superseded(session: Session, workspace_id: int, system_id: int, period_key: str) -> bool:
    """Whether a later period than `period_key` was asked or answered for the system, by the
    periods' own dates (a late answer to last week's comes after this week's)."""
    start = period_start(period_key)
    if start is None:
        return False
    later = (
        repo.newest_checkin_period(session, workspace_id=workspace_id, system_id=system_id),
        response_repo.latest_period(
            session, workspace_id=workspace_id, system_id=system_id, kind=ANSWER
        ),
    )
    return any((other := period_start(key)) is not None and other > start for key in later if key)
