"""Several respondents: each person's check-in answers kept as their own response, the agreed
result (by the team's consensus rule, or a lead's resolution) stored as the assessment that
scores, gaps, trends and summaries read, and where the respondents disagree.

Every response of a period counts once per person; a new response stores a new agreed
assessment, so the history shows how the agreed result moved during the period.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlmodel import Session

from bot.db import repositories as repo
from bot.db.repositories import AssessmentRecord
from bot.db.repositories import responses as response_repo
from bot.db.repositories.responses import ResponseAnswerRow, StoredResponse
from bot.db.tables import System, Team, TeamResponseSettings
from bot.services import _audit
from bot.services._convert import team_info
from bot.services._criteria import criteria_in_force
from bot.services._lookup import load_rubric, load_team
from bot.services.access import Action
from bot.services.context import UseCases
from bot.services.response_types import CheckinMessage, ChoiceCount, DisputedItem, PeriodResponses
from bot.services.systems import load_team_system
from bot.services.types import Actor, Directory, Invalid, NotFound, StoredAssessment, TeamInfo
from bot.services.validation import valid_choice
from rubric import consensus
from rubric.consensus import Rule
from rubric.model import Answer, Rubric, Stage

ANSWER = "answer"
RESOLUTION = "resolution"
ANONYMOUS_MINIMUM = 3
"""Fewer anonymous responses than this show no breakdown: two people could tell each other's."""
UNCHANGED_KEY_PREFIX = "unchanged:"
"""The submission key of a "nothing changed" click starts so (bot.services.routine)."""


def rule_of(session: Session, team: Team) -> Rule:
    assert team.id is not None
    settings = response_repo.get_settings(session, workspace_id=team.workspace_id, team_id=team.id)
    return _rule(settings, team)


def _rule(settings: TeamResponseSettings | None, team: Team) -> Rule:
    if settings is not None and settings.consensus:
        return Rule(settings.consensus)
    return consensus.default_rule(team.leads)


def record_response(
    session: Session,
    *,
    rubric: Rubric,
    team: Team,
    system: System,
    respondent: str,
    period_key: str,
    answers: Sequence[Answer],
    note_authors: Mapping[str, str],
    now: datetime,
    submission_key: str,
) -> tuple[list[Answer], dict[str, str]]:
    """Store the person's response for the period and return the agreed answers with their
    notes' authors: what the assessment stores."""
    assert team.id is not None
    assert system.id is not None
    response_repo.save_response(
        session,
        workspace_id=team.workspace_id,
        team_id=team.id,
        system_id=system.id,
        period_key=period_key,
        respondent=respondent,
        kind=ANSWER,
        answers=[
            ResponseAnswerRow(
                a.item_id,
                a.choice,
                a.note,
                note_authors.get(a.item_id) if a.note else None,
                a.evidence_url,
                a.evidence_label,
            )
            for a in answers
        ],
        submitted_at=now,
        submission_key=submission_key,
    )
    return agreed_now(session, rubric=rubric, team=team, system=system, period_key=period_key)


def has_answered(
    session: Session, *, workspace_id: int, system_id: int, period_key: str, respondent: str
) -> bool:
    """Whether the person's own answer for the system's period is stored (a lead's settlement
    is not one)."""
    stored = response_repo.period_responses(
        session, workspace_id=workspace_id, system_id=system_id, period_key=period_key
    )
    return any(r.kind == ANSWER and r.respondent == respondent for r in stored)


def agreed_now(
    session: Session, *, rubric: Rubric, team: Team, system: System, period_key: str
) -> tuple[list[Answer], dict[str, str]]:
    """The period's agreed answers (rule, then the leads' resolutions, oldest first) with the
    note of someone who gave the agreed choice (the latest such)."""
    assert system.id is not None
    stored = response_repo.period_responses(
        session, workspace_id=team.workspace_id, system_id=system.id, period_key=period_key
    )
    answered = [r for r in stored if r.kind == ANSWER]
    domain = [consensus.Response(r.respondent, r.choices()) for r in answered]
    resolution = {
        item: choice for item, (choice, _) in settlements(rubric, team, stored, domain).items()
    }
    agreed = consensus.agree(rubric, rule_of(session, team), domain, team.leads, resolution)
    answers: list[Answer] = []
    authors: dict[str, str] = {}
    for item_id, choice in agreed.items():
        note, author = _note_for(answered, item_id, choice)
        url, label = _evidence_for(answered, item_id, choice)
        answers.append(
            Answer(
                item_id=item_id, choice=choice, note=note, evidence_url=url, evidence_label=label
            )
        )
        if note and author:
            authors[item_id] = author
    return answers, authors


SETTLED_AS_ADMIN = "admin"
SETTLED_AS_LEAD = "lead"


def settlement_note(role: str, domain: Sequence[consensus.Response], item_id: str) -> str:
    """Kept in a settlement's answer: whether a lead or an admin settled it, and the answers
    it settled (levels only, no names)."""
    return f"{role}|{consensus.answers_mark(domain, item_id)}"


def settlements(
    rubric: Rubric,
    team: Team,
    stored: Sequence[StoredResponse],
    domain: Sequence[consensus.Response],
) -> dict[str, tuple[str, str]]:
    """item -> (choice, who settled it) of the settlements that still apply, later ones over
    earlier ones: made by someone still a lead of the team (or by an admin), on an item still
    disputed with the same answers as when it was settled. A removed lead's word, or one given
    before someone changed or added an answer, no longer overrides the rule."""
    disputed = {found.item_id for found in consensus.disagreements(rubric, domain)}
    applied: dict[str, tuple[str, str]] = {}
    for response in stored:
        if response.kind != RESOLUTION:
            continue
        for answer in response.answers:
            role, _, mark = answer.note.partition("|")
            if role != SETTLED_AS_ADMIN and response.respondent not in team.leads:
                continue
            # Settlements stored before the mark was kept apply while the item is disputed.
            same = not answer.note or mark == consensus.answers_mark(domain, answer.item_id)
            if answer.item_id in disputed and same:
                applied[answer.item_id] = (answer.choice, response.respondent)
    return applied


def _note_for(
    responses: Sequence[StoredResponse], item_id: str, choice: str
) -> tuple[str, str | None]:
    fallback: tuple[str, str | None] = ("", None)
    for response in reversed(responses):
        for answer in response.answers:
            if answer.item_id != item_id or not answer.note:
                continue
            found = (answer.note, answer.note_by or response.respondent)
            if answer.choice == choice:
                return found
            if not fallback[0]:
                fallback = found
    return fallback


def _evidence_for(
    responses: Sequence[StoredResponse], item_id: str, choice: str
) -> tuple[str, str]:
    """The evidence link of the latest respondent who gave the agreed choice with one: a link
    backs the level it was given for, so another level's link is not carried over."""
    for response in reversed(responses):
        for answer in response.answers:
            if answer.item_id == item_id and answer.choice == choice and answer.evidence_url:
                return answer.evidence_url, answer.evidence_label
    return "", ""


def period_view(
    session: Session,
    *,
    rubric: Rubric,
    team: Team,
    system: System,
    period_key: str,
    settling: bool = False,
) -> PeriodResponses:
    """Who answered the period and where they differ, as the team's anonymity allows.
    `settling` (for the leads): below the anonymous minimum the disputed items are listed
    anyway, without who or how many, so they can still be settled."""
    assert system.id is not None
    assert team.id is not None
    stored = response_repo.period_responses(
        session, workspace_id=team.workspace_id, system_id=system.id, period_key=period_key
    )
    answered = [r for r in stored if r.kind == ANSWER]
    settings = response_repo.get_settings(session, workspace_id=team.workspace_id, team_id=team.id)
    anonymous = settings is not None and settings.anonymous
    rule = _rule(settings, team)
    hidden = anonymous and len(answered) < ANONYMOUS_MINIMUM
    if hidden and not settling:
        return PeriodResponses(period_key, rule.value, True, (), len(answered), (), hidden=True)
    domain = [consensus.Response(r.respondent, r.choices()) for r in answered]
    resolved = settlements(rubric, team, stored, domain)
    proposed = consensus.proposal(rubric, rule, domain, team.leads)
    items = tuple(
        DisputedItem(
            item_id=found.item_id,
            full=found.full,
            choices=()
            if hidden
            else tuple(
                ChoiceCount(choice, len(people), () if anonymous else people)
                for choice, people in found.by_choice
            ),
            proposed=proposed[found.item_id],
            agreed=resolved.get(found.item_id, (proposed[found.item_id], ""))[0],
            resolved_by=resolved[found.item_id][1] if found.item_id in resolved else None,
        )
        for found in consensus.disagreements(rubric, domain)
    )
    return PeriodResponses(
        period_key=period_key,
        rule=rule.value,
        anonymous=anonymous,
        respondents=() if anonymous else tuple(r.respondent for r in answered),
        count=len(answered),
        items=items,
        hidden=hidden,
        spread=() if hidden else tuple(consensus.spread(rubric, domain).items()),
    )


def is_anonymous(session: Session, *, workspace_id: int, team_id: int) -> bool:
    """The team's anonymity, from its settings alone (an assessment outside any check-in
    period, of a team without a schedule, is not attributed either)."""
    settings = response_repo.get_settings(session, workspace_id=workspace_id, team_id=team_id)
    return settings is not None and settings.anonymous


def scorecard_responses(
    session: Session, *, rubric: Rubric, workspace_id: int, assessment: AssessmentRecord
) -> PeriodResponses | None:
    """What a scorecard shows of its period's respondents: nothing for one respondent (its
    result is theirs) unless the team is anonymous (then it must not name them either), else
    the count and the disputed items."""
    period_key = assessment.assessment.period_key
    if period_key is None:
        return None
    row, system = _team_and_system(
        session, workspace_id, assessment.assessment.team_id, assessment.assessment.system_id
    )
    view = period_view(session, rubric=rubric, team=row, system=system, period_key=period_key)
    return view if view.count > 1 or view.anonymous else None


class ResponseUseCases(UseCases):
    def set_consensus(
        self, actor: Actor, directory: Directory, team_id: int, rule: Rule
    ) -> TeamInfo:
        """How the team's several responses become its result (admins)."""
        return self._setting(actor, directory, team_id, "consensus", consensus=rule.value)

    def set_anonymous(self, actor: Actor, directory: Directory, team_id: int, on: bool) -> TeamInfo:
        """Anonymous mode: responses shown only as counts, from 3 responses on (admins)."""
        return self._setting(actor, directory, team_id, "anonymous", anonymous=on)

    def set_dm_reminders(
        self, actor: Actor, directory: Directory, team_id: int, on: bool
    ) -> TeamInfo:
        """Reminders by DM to the members who have not answered, instead of in the channel."""
        return self._setting(actor, directory, team_id, "dm_reminders", dm_reminders=on)

    def response_settings(self, workspace_id: int, team_id: int) -> tuple[Rule, bool, bool]:
        """(rule, anonymous, DM reminders) of the team."""
        with self._ctx.database.read() as session:
            team = load_team(session, workspace_id=workspace_id, team_id=team_id)
            settings = response_repo.get_settings(
                session, workspace_id=workspace_id, team_id=team_id
            )
            return (
                rule_of(session, team),
                settings is not None and settings.anonymous,
                settings is not None and settings.dm_reminders,
            )

    def _setting(
        self, actor: Actor, directory: Directory, team_id: int, name: str, **change: object
    ) -> TeamInfo:
        with self._ctx.database.read() as session:
            current = team_info(
                load_team(session, workspace_id=actor.workspace_id, team_id=team_id)
            )
        self._ctx.require(Action.RESPONDENTS, actor, directory, current)
        with self._ctx.database.write() as session:
            response_repo.update_settings(
                session,
                workspace_id=actor.workspace_id,
                team_id=team_id,
                **change,  # type: ignore[arg-type]  # one of the keyword settings above
            )
            _audit.record(
                session,
                actor,
                f"team.{name}_changed",
                at=self._ctx.clock(),
                team_id=team_id,
                value=next(iter(change.values())),
            )
        return current

    def change_lead(
        self, actor: Actor, directory: Directory, team_id: int, user_id: str, *, add: bool
    ) -> TeamInfo:
        """Make a person one of the team's leads, or no longer (admins)."""
        with self._ctx.database.read() as session:
            current = team_info(
                load_team(session, workspace_id=actor.workspace_id, team_id=team_id)
            )
        self._ctx.require(Action.LEADS, actor, directory, current)
        with self._ctx.database.write() as session:
            row = load_team(
                session, workspace_id=actor.workspace_id, team_id=team_id, for_update=True
            )
            leads = [lead for lead in row.leads if lead != user_id]
            if add:
                leads.append(user_id)
            row = repo.update_team(
                session,
                workspace_id=actor.workspace_id,
                team_id=team_id,
                changed_by=actor.user_id,
                now=self._ctx.clock(),
                leads=leads,
            )
            _audit.record(
                session,
                actor,
                "team.leads_changed",
                at=self._ctx.clock(),
                team_id=team_id,
                leads=leads,
            )
            return team_info(row)

    def responses_of(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        system_id: int | None = None,
        period_key: str | None = None,
    ) -> PeriodResponses | None:
        """The system's responses of a period (default: its latest with responses), for those
        who may read the team; None when nobody responded."""
        with self._ctx.database.read() as session:
            team = load_team_system(
                session, workspace_id=actor.workspace_id, team_id=team_id, system_id=system_id
            )
        self._ctx.require(Action.READ, actor, directory, team)
        with self._ctx.database.read() as session:
            row, system = _team_and_system(session, actor.workspace_id, team_id, system_id)
            assert system.id is not None
            key = period_key or response_repo.latest_period(
                session, workspace_id=actor.workspace_id, system_id=system.id
            )
            if key is None:
                return None
            rubric = load_rubric(self._ctx.rubrics, row.rubric_id)
            return period_view(session, rubric=rubric, team=row, system=system, period_key=key)

    def to_resolve(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        system_id: int | None,
        period_key: str,
    ) -> PeriodResponses | None:
        """The period's responses for the settling modal: only for its leads (and admins)."""
        with self._ctx.database.read() as session:
            team = load_team_system(
                session, workspace_id=actor.workspace_id, team_id=team_id, system_id=system_id
            )
        self._ctx.require(Action.RESOLVE, actor, directory, team)
        return self._settling_view(actor.workspace_id, team_id, system_id, period_key)

    def settling_view(
        self, workspace_id: int, team_id: int, system_id: int | None, period_key: str
    ) -> PeriodResponses | None:
        """What the team's leads are sent to settle, without an access check (it goes to the
        leads alone): the disputed items even below the anonymous minimum."""
        return self._settling_view(workspace_id, team_id, system_id, period_key)

    def _settling_view(
        self, workspace_id: int, team_id: int, system_id: int | None, period_key: str | None
    ) -> PeriodResponses | None:
        with self._ctx.database.read() as session:
            row, system = _team_and_system(session, workspace_id, team_id, system_id)
            assert system.id is not None
            key = period_key or response_repo.latest_period(
                session, workspace_id=workspace_id, system_id=system.id
            )
            if key is None:
                return None
            rubric = load_rubric(self._ctx.rubrics, row.rubric_id)
            return period_view(
                session, rubric=rubric, team=row, system=system, period_key=key, settling=True
            )

    def assessment_period(self, workspace_id: int, team_id: int, assessment_id: int) -> str | None:
        """The check-in period an assessment answered, if any."""
        with self._ctx.database.read() as session:
            found = repo.get_assessment(
                session, workspace_id=workspace_id, assessment_id=assessment_id
            )
            if found is None or found.assessment.team_id != team_id:
                return None
            return found.assessment.period_key

    def checkin_progress(
        self, workspace_id: int, team_id: int, system_id: int | None, period_key: str
    ) -> CheckinMessage | None:
        """The period's check-in message and who answered it, to show the count on it (asked
        after someone's own answer was stored: it says no more than that message will)."""
        with self._ctx.database.read() as session:
            row, system = _team_and_system(session, workspace_id, team_id, system_id)
            return checkin_message(session, team=row, system=system, period_key=period_key)

    def resolve(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        system_id: int | None,
        *,
        period_key: str,
        choices: Mapping[str, str],
        submission_key: str,
    ) -> StoredAssessment:
        """A lead settles the disputed items of a period: only those are taken from `choices`;
        the agreed result is stored anew as the system's assessment."""
        with self._ctx.database.read() as session:
            team = load_team_system(
                session, workspace_id=actor.workspace_id, team_id=team_id, system_id=system_id
            )
        self._ctx.require(Action.RESOLVE, actor, directory, team)
        now = self._ctx.clock()
        ws = actor.workspace_id
        with self._ctx.database.write() as session:
            row = load_team(session, workspace_id=ws, team_id=team_id, for_update=True)
            _, system = _team_and_system(session, ws, team_id, system_id)
            assert system.id is not None
            rubric = load_rubric(self._ctx.rubrics, row.rubric_id)
            view = period_view(
                session,
                rubric=rubric,
                team=row,
                system=system,
                period_key=period_key,
                settling=True,
            )
            if not view.count:
                raise NotFound("error.checkin_gone", team=row.name)
            # Settling an older period would store its result as the newest assessment, in
            # place of the current one.
            latest = response_repo.latest_period(
                session, workspace_id=ws, system_id=system.id, kind=ANSWER
            )
            if period_key != latest:
                raise Invalid("responses.not_latest", team=row.name)
            settled = {
                item: choices[item]
                for item in view.disputed
                if item in choices and valid_choice(rubric, choices[item])
            }
            if not settled:
                raise Invalid("responses.nothing_to_resolve")
            # A lead's later settlement adds to their earlier one (its modal shows only what
            # was still open), rather than replacing it: to the part of it that still applies.
            stored = response_repo.period_responses(
                session, workspace_id=ws, system_id=system.id, period_key=period_key
            )
            domain = [
                consensus.Response(r.respondent, r.choices()) for r in stored if r.kind == ANSWER
            ]
            earlier = {
                item: choice
                for item, (choice, who) in settlements(rubric, row, stored, domain).items()
                if who == actor.user_id
            }
            settled = {**earlier, **settled}
            role = SETTLED_AS_LEAD if actor.user_id in row.leads else SETTLED_AS_ADMIN
            response_repo.save_response(
                session,
                workspace_id=ws,
                team_id=team_id,
                system_id=system.id,
                period_key=period_key,
                respondent=actor.user_id,
                kind=RESOLUTION,
                answers=[
                    ResponseAnswerRow(item, choice, settlement_note(role, domain, item))
                    for item, choice in settled.items()
                ],
                submitted_at=now,
                submission_key=submission_key,
            )
            answers, authors = agreed_now(
                session, rubric=rubric, team=row, system=system, period_key=period_key
            )
            criteria = criteria_in_force(session, workspace_id=ws, rubric=rubric)
            saved = repo.save_assessment(
                session,
                workspace_id=ws,
                team_id=team_id,
                rubric_id=rubric.id,
                rubric_version=rubric.version,
                criteria_version=criteria.version,
                stage=Stage(system.stage),
                answers=answers,
                submitted_by=actor.user_id,
                submitted_at=now,
                period_key=period_key,
                submission_key=submission_key,
                note_authors=authors,
                system_id=system.id,
            )
            _audit.record(
                session,
                actor,
                "assessment.resolved",
                at=now,
                team_id=team_id,
                assessment_id=saved.id,
                period_key=period_key,
                items=sorted(settled),
            )
            return StoredAssessment(team_id, saved.id, created=saved.created, system_id=system_id)


def checkin_message(
    session: Session, *, team: Team, system: System, period_key: str
) -> CheckinMessage | None:
    """The check-in message of the period when it asks about this system alone (a message
    with a button per system counts no one system's answers)."""
    assert team.id is not None
    assert system.id is not None
    checkin = repo.get_checkin(
        session,
        workspace_id=team.workspace_id,
        team_id=team.id,
        period_key=period_key,
        system_id=system.id,
    )
    if checkin is None or not checkin.channel_id or not checkin.message_ts:
        return None
    own_schedule = system.cadence is not None
    active = repo.list_systems(session, workspace_id=team.workspace_id, team_ids=[team.id])
    if len(active) > 1 and not own_schedule:
        return None
    stored = response_repo.period_responses(
        session, workspace_id=team.workspace_id, system_id=system.id, period_key=period_key
    )
    answered = [r for r in stored if r.kind == ANSWER]
    anonymous = is_anonymous(session, workspace_id=team.workspace_id, team_id=team.id)
    # A later answer through the form replaces the click: only a standing one is shown. An
    # anonymous team shows nothing of who did what below ANONYMOUS_MINIMUM answers, not even
    # how many only confirmed.
    confirmed = tuple(
        r.respondent for r in answered if r.submission_key.startswith(UNCHANGED_KEY_PREFIX)
    )
    if anonymous and len(answered) < ANONYMOUS_MINIMUM:
        confirmed = ()
    return CheckinMessage(
        channel_id=checkin.channel_id,
        message_ts=checkin.message_ts,
        period_key=period_key,
        button_key=f"{team.id}:{system.id}" if own_schedule else str(team.id),
        cadence=system.cadence or team.cadence,
        respondents=tuple(r.respondent for r in answered),
        confirmed=confirmed,
        anonymous=anonymous,
    )


def _team_and_system(
    session: Session, workspace_id: int, team_id: int, system_id: int | None
) -> tuple[Team, System]:
    row = load_team(session, workspace_id=workspace_id, team_id=team_id)
    if system_id is None:
        return row, repo.primary_system(session, workspace_id=workspace_id, team_id=team_id)
    system = repo.get_system(session, workspace_id=workspace_id, system_id=system_id)
    if system is None or system.team_id != team_id:
        raise NotFound("error.system_not_found")
    return row, system
