"""Evidence from CI: per-system tokens, pushes of results, and the evidence rules admins set.

A token is shown once and stored as its SHA-256 only. A push names an item, a level, a link
and a result; it is stored once per client key, and it confirms (or, where the system allows
it, raises) the claim, or marks it failing. What a push changes is derived when a scorecard is
read (bot.services._claims), so the stored assessment stays what people answered.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.db import repositories as repo
from bot.db.repositories import TokenRow
from bot.db.tables import EvidencePush
from bot.services import _audit
from bot.services._lookup import load_rubric
from bot.services.access import Action
from bot.services.context import UseCases
from bot.services.systems import load_system, system_view
from bot.services.types import Actor, Conflict, Directory, TeamInfo
from rubric.evidence import PushResult, valid_evidence_url
from rubric.model import LevelScale, Stage

TOKEN_PREFIX = "mls_"  # noqa: S105 - a visible prefix that makes leaked tokens easy to scan for
IDEMPOTENCY_KEY_MAX = 128
PUSH_FIELDS = frozenset({"item", "level", "url", "result", "idempotency_key"})


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    team: TeamInfo
    token: str
    """The secret itself: shown to the admin once, never stored."""
    revoked: int
    system_id: int


@dataclass(frozen=True)
class FailNotice:
    """A newly failing item, to be posted once in the team's channel."""

    slack_team_id: str
    channel_id: str
    language: str
    system: str
    item_id: str
    item_name: str
    url: str


@dataclass(frozen=True)
class PushOutcome:
    """The HTTP answer to a push: status, JSON body, and a post to make when one is due."""

    status: int
    body: dict[str, Any]
    notice: FailNotice | None = None


def refusal(status: int, code: str, message: str) -> PushOutcome:
    return PushOutcome(status, {"error": code, "message": message})


class Refused(Exception):
    """A push refused with `outcome` (raised inside, answered as JSON by push_evidence)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.outcome = refusal(status, code, message)


@dataclass(frozen=True)
class PushRequest:
    item: str
    level: str
    url: str
    result: PushResult
    idempotency_key: str


NOT_JSON = object()
"""The body of a push that did not parse as JSON (told apart so that auth is checked first)."""


def parse_push(body: object) -> PushRequest:
    """The push a JSON body asks for; Refused (400) says what is wrong with it (docs/evidence-api
    .schema.json is the same contract)."""
    if body is NOT_JSON:
        raise Refused(400, "malformed_body", "The body is not JSON.")
    if not isinstance(body, dict):
        raise Refused(400, "malformed_body", "The body must be a JSON object.")
    unknown = sorted(set(body) - PUSH_FIELDS)
    if unknown:
        raise Refused(400, "malformed_body", f"Unknown field(s): {', '.join(unknown)}.")
    fields: dict[str, str] = {}
    for name in ("item", "level", "url", "idempotency_key"):
        value = body.get(name)
        if not isinstance(value, str) or not value.strip():
            raise Refused(400, "malformed_body", f"'{name}' must be a non-empty string.")
        fields[name] = value.strip()
    result = body.get("result", "pass")
    if result not in ("pass", "fail"):
        raise Refused(400, "malformed_body", '\'result\' must be "pass" or "fail".')
    if not valid_evidence_url(fields["url"]):
        raise Refused(400, "malformed_body", "'url' must be an absolute http(s) URL.")
    if len(fields["idempotency_key"]) > IDEMPOTENCY_KEY_MAX:
        raise Refused(
            400,
            "malformed_body",
            f"'idempotency_key' must be at most {IDEMPOTENCY_KEY_MAX} characters.",
        )
    return PushRequest(
        item=fields["item"],
        level=fields["level"],
        url=fields["url"],
        result=PushResult(result),
        idempotency_key=fields["idempotency_key"],
    )


class EvidenceUseCases(UseCases):
    # ---- admins, from Slack ------------------------------------------------------------------

    def issue_token(
        self, actor: Actor, directory: Directory, system_id: int, *, rotate: bool
    ) -> IssuedToken:
        """A new CI token for the system (admins only), shown once. Without `rotate`, a system
        that has a token keeps it (Conflict); with it, the old ones stop working at once."""
        with self._ctx.database.read() as session:
            team, system = load_system(
                session, workspace_id=actor.workspace_id, system_id=system_id
            )
            view = system_view(session, team, system)
        self._ctx.require(Action.EVIDENCE, actor, directory, view)
        now = self._ctx.clock()
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._ctx.database.write() as session:
            team, system = load_system(
                session, workspace_id=actor.workspace_id, system_id=system_id, for_update=True
            )
            assert system.id is not None
            assert team.id is not None
            existing = repo.active_tokens(
                session, workspace_id=actor.workspace_id, system_id=system.id
            )
            if existing and not rotate:
                raise Conflict("error.token_exists", system=view.label)
            token, revoked = repo.issue_token(
                session,
                workspace_id=actor.workspace_id,
                team_id=team.id,
                system_id=system.id,
                token_hash=hash_token(secret),
                created_by=actor.user_id,
                now=now,
            )
            _audit.record(
                session,
                actor,
                "token.rotated" if revoked else "token.issued",
                at=now,
                team_id=team.id,
                system=system.id,
                token=token.id,
                revoked=revoked,
            )
        return IssuedToken(team=view, token=secret, revoked=revoked, system_id=system_id)

    def set_evidence_policy(
        self, actor: Actor, directory: Directory, stage: Stage, levels: frozenset[str]
    ) -> None:
        """Which claimed levels need a link at `stage`, for the items mandatory there (admins)."""
        self._ctx.require(Action.EVIDENCE, actor, directory)
        now = self._ctx.clock()
        with self._ctx.database.write() as session:
            repo.set_evidence_policy(
                session,
                workspace_id=actor.workspace_id,
                stage=stage.value,
                levels=sorted(levels),
                set_by=actor.user_id,
                now=now,
            )
            _audit.record(
                session,
                actor,
                "evidence.policy",
                at=now,
                target=f"stage:{stage.value}",
                levels=sorted(levels),
            )

    def set_pushed_upgrades(
        self, actor: Actor, directory: Directory, system_id: int, *, allowed: bool
    ) -> TeamInfo:
        """Whether a passing push at a higher level raises the system's claims (admins)."""
        with self._ctx.database.read() as session:
            team, system = load_system(
                session, workspace_id=actor.workspace_id, system_id=system_id
            )
            view = system_view(session, team, system)
        self._ctx.require(Action.EVIDENCE, actor, directory, view)
        now = self._ctx.clock()
        with self._ctx.database.write() as session:
            team, system = load_system(
                session, workspace_id=actor.workspace_id, system_id=system_id, for_update=True
            )
            system.pushed_upgrades = allowed
            session.add(system)
            _audit.record(
                session,
                actor,
                "evidence.upgrades",
                at=now,
                team_id=team.id,
                system=system_id,
                allowed=allowed,
            )
        return view

    # ---- CI, from the HTTP API ---------------------------------------------------------------

    def push_evidence(self, token_hash: str, system_ref: str, body: object) -> PushOutcome:
        """Store one CI push for the system whose token hashes to `token_hash`.

        In order: 401 for no live token, 403 for a token of another system (or workspace),
        400 for a malformed body (`NOT_JSON` when it did not parse), 422 for an item or level
        the system's rubric does not have, 409 for a client key already used with a different
        push. A repeated push (same key, same content) answers 200 as the first did and
        stores nothing. One write transaction from the token to the audit entry: a push is
        what CI sends in bulk, and a separate read for the token cost a third of it."""
        try:
            with self._ctx.database.write() as session:
                token = repo.live_token(session, token_hash=token_hash)
                if token is None:
                    raise Refused(
                        401,
                        "unauthorized",
                        "Send a live CI token of this system as 'Authorization: Bearer <token>'.",
                    )
                if not system_ref.isdigit() or int(system_ref) != token.system_id:
                    raise Refused(403, "wrong_system", "This token does not speak for that system.")
                return self._store_push(session, token, parse_push(body))
        except Refused as refused:
            return refused.outcome

    def _store_push(self, session: Session, token: TokenRow, request: PushRequest) -> PushOutcome:
        now = self._ctx.clock()
        target = token
        if target.archived:
            raise Refused(403, "archived", "This system is archived.")
        rubric = load_rubric(self._ctx.rubrics, target.rubric_id)
        item = next((i for i in rubric.items if i.id == request.item and i.enabled), None)
        if item is None:
            raise Refused(422, "unknown_item", f"The rubric has no item '{request.item}'.")
        scale = rubric.scale
        levels = [level.key for level in scale.levels] if isinstance(scale, LevelScale) else []
        if request.level not in levels or request.level == levels[0]:
            raise Refused(422, "unknown_level", f"'level' must be one of: {', '.join(levels[1:])}.")
        saved = repo.save_push(
            session,
            token=token,
            item_id=item.id,
            level=request.level,
            url=request.url,
            result=request.result.value,
            idempotency_key=request.idempotency_key,
            now=now,
        )
        if not saved.created:
            return self._replay(session, saved.id, request)
        repo.append_push_audit(
            session,
            token=token,
            at=now,
            detail={
                "system": token.system_id,
                "token": token.id,
                "push": saved.id,
                "item": item.id,
                "level": request.level,
                "result": request.result.value,
            },
        )
        notice = None
        if (
            request.result is PushResult.FAILED
            and target.channel_id
            and self._first_of_streak(session, token, item.id, saved.id, now)
        ):
            label = target.team_name
            if target.system_name != target.team_name:
                label = f"{target.team_name}/{target.system_name}"
            notice = FailNotice(
                slack_team_id=target.slack_team_id,
                channel_id=target.channel_id,
                language=target.language,
                system=label,
                item_id=item.id,
                item_name=item.name.get(target.language),
                url=request.url,
            )
        body_out = {"status": "stored", "id": saved.id, "item": item.id}
        body_out |= {"result": request.result.value, "replayed": False}
        return PushOutcome(201, body_out, notice)

    @staticmethod
    def _first_of_streak(
        session: Session, token: TokenRow, item_id: str, push_id: int, now: datetime
    ) -> bool:
        """Whether this failing push is the first since the item last passed: one post per
        failing streak. The streak is named by the pass it follows, and claiming it as a
        delivery (a unique key) lets one push post even when several fail at once, on several
        replicas."""
        ws, sid = token.workspace_id, token.system_id
        since = repo.last_pass_id(
            session, workspace_id=ws, system_id=sid, item_id=item_id, before_id=push_id
        )
        target = f"{repo.team_target(token.team_id)}/system:{sid}/{item_id}"
        # Claimed and marked sent in one statement: a post Slack refuses is logged, not retried.
        return repo.claim_sent(
            session,
            workspace_id=ws,
            target=target,
            kind="evidence_failing",
            period_key=str(since),
            now=now,
            note="posted after the push is stored",
        )

    @staticmethod
    def _replay(session: Session, push_id: int, request: PushRequest) -> PushOutcome:
        first = session.get(EvidencePush, push_id)
        same = first is not None and (first.item_id, first.level, first.url, first.result) == (
            request.item,
            request.level,
            request.url,
            request.result.value,
        )
        if not same:
            return refusal(
                409,
                "key_reused",
                "This idempotency_key was already used for a different push.",
            )
        body = {"status": "stored", "id": push_id, "item": request.item}
        body |= {"result": request.result.value, "replayed": True}
        return PushOutcome(200, body)
