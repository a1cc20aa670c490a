"""CI tokens, evidence pushes and the evidence policy of each stage."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, func, insert, or_, union_all, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.db.repositories.teams import team_target
from bot.db.tables import (
    AuditEntry,
    EvidencePolicyRow,
    EvidencePush,
    System,
    SystemToken,
    Team,
    Workspace,
)
from bot.db.upsert import dialect_name, upsert_insert

# Core columns: a push is the one request CI makes in bulk, and the ORM's per-row work was
# most of its cost (bench/bench_evidence.py).
_TOKENS: Any = SystemToken.__table__.c  # type: ignore[attr-defined]  # SQLModel hides __table__
_PUSHES: Any = EvidencePush.__table__  # type: ignore[attr-defined]
_SYSTEMS: Any = System.__table__.c  # type: ignore[attr-defined]
_TEAMS: Any = Team.__table__.c  # type: ignore[attr-defined]
_WORKSPACES: Any = Workspace.__table__.c  # type: ignore[attr-defined]
_AUDIT: Any = AuditEntry.__table__  # type: ignore[attr-defined]


class TokenRow(NamedTuple):
    """A live token with what a push needs to know of its system, team and workspace."""

    id: int
    workspace_id: int
    team_id: int
    system_id: int
    system_name: str
    archived: bool
    team_name: str
    channel_id: str | None
    language: str
    rubric_id: str
    slack_team_id: str


# Built once: a push runs these statements, and building them anew cost more than
# running them.
_TOKEN_TABLE: Any = SystemToken.__table__  # type: ignore[attr-defined]
_LIVE_TOKEN = (
    sa_select(
        _TOKENS.id,
        _TOKENS.workspace_id,
        _TOKENS.team_id,
        _TOKENS.system_id,
        _SYSTEMS.name,
        _SYSTEMS.archived_at.is_not(None),
        _TEAMS.name,
        _TEAMS.channel_id,
        _TEAMS.language,
        _TEAMS.rubric_id,
        _WORKSPACES.slack_team_id,
    )
    .select_from(
        _TOKEN_TABLE.join(
            System.__table__,  # type: ignore[attr-defined]
            (_SYSTEMS.id == _TOKENS.system_id) & (_SYSTEMS.workspace_id == _TOKENS.workspace_id),
        )
        .join(
            Team.__table__,  # type: ignore[attr-defined]
            (_TEAMS.id == _SYSTEMS.team_id) & (_TEAMS.workspace_id == _SYSTEMS.workspace_id),
        )
        .join(Workspace.__table__, _WORKSPACES.id == _TOKENS.workspace_id)  # type: ignore[attr-defined]
    )
    .where(_TOKENS.token_hash == bindparam("token_hash"), _TOKENS.revoked_at.is_(None))
)
_AUDIT_INSERT = insert(_AUDIT)
_LAST_PASS = sa_select(func.max(_PUSHES.c.id)).where(
    _PUSHES.c.workspace_id == bindparam("workspace_id"),
    _PUSHES.c.system_id == bindparam("system_id"),
    _PUSHES.c.item_id == bindparam("item_id"),
    _PUSHES.c.result == "pass",
    _PUSHES.c.id < bindparam("before_id"),
)
_PUSH_INSERTS: dict[str, Any] = {}


def live_token(session: Session, *, token_hash: str) -> TokenRow | None:
    """The unrevoked token with this hash, with its system. Not scoped to a workspace: the
    token itself is what says which workspace and system it speaks for."""
    row = session.connection().execute(_LIVE_TOKEN, {"token_hash": token_hash}).first()
    return TokenRow(*row) if row is not None else None


def append_push_audit(
    session: Session, *, token: TokenRow, at: datetime, detail: dict[str, Any]
) -> None:
    """The audit entry of a push: the token is the actor."""
    session.connection().execute(
        _AUDIT_INSERT,
        {
            "workspace_id": token.workspace_id,
            "actor": f"token:{token.id}",
            "action": "evidence.pushed",
            "target": team_target(token.team_id),
            "detail": detail,
            "at": at,
        },
    )


def issue_token(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    system_id: int,
    token_hash: str,
    created_by: str,
    now: datetime,
) -> tuple[SystemToken, int]:
    """Store a new token for the system and revoke the ones it had; (token, how many revoked)."""
    revoked = session.exec(
        update(SystemToken)
        .where(
            col(SystemToken.workspace_id) == workspace_id,
            col(SystemToken.system_id) == system_id,
            col(SystemToken.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    token = SystemToken(
        workspace_id=workspace_id,
        team_id=team_id,
        system_id=system_id,
        token_hash=token_hash,
        created_by=created_by,
        created_at=now,
    )
    session.add(token)
    session.flush()
    return token, int(revoked.rowcount or 0)


def active_tokens(session: Session, *, workspace_id: int, system_id: int) -> list[SystemToken]:
    return list(
        session.exec(
            select(SystemToken).where(
                SystemToken.workspace_id == workspace_id,
                SystemToken.system_id == system_id,
                col(SystemToken.revoked_at).is_(None),
            )
        ).all()
    )


def token_by_hash(session: Session, *, token_hash: str) -> SystemToken | None:
    """The token with this hash, revoked or not (the caller tells them apart). Not scoped to a
    workspace: the token itself is what says which workspace and system it speaks for."""
    return session.exec(select(SystemToken).where(SystemToken.token_hash == token_hash)).first()


class SavedPush(NamedTuple):
    id: int
    created: bool


def save_push(
    session: Session,
    *,
    token: TokenRow,
    item_id: str,
    level: str,
    url: str,
    result: str,
    idempotency_key: str,
    now: datetime,
) -> SavedPush:
    """Store a push once per (system, client key); a replay returns the first one's id."""
    dialect = dialect_name(session)
    statement = _PUSH_INSERTS.get(dialect)
    if statement is None:
        statement = (
            upsert_insert(session, _PUSHES)
            .on_conflict_do_nothing(index_elements=["workspace_id", "system_id", "idempotency_key"])
            .returning(_PUSHES.c.id)
        )
        _PUSH_INSERTS[dialect] = statement
    params = {
        "workspace_id": token.workspace_id,
        "team_id": token.team_id,
        "system_id": token.system_id,
        "token_id": token.id,
        "item_id": item_id,
        "level": level,
        "url": url,
        "result": result,
        "idempotency_key": idempotency_key,
        "received_at": now,
    }
    connection = session.connection()
    new_id = connection.execute(statement, params).scalar()
    if new_id is not None:
        return SavedPush(new_id, created=True)
    existing = connection.execute(
        sa_select(_PUSHES.c.id).where(
            _PUSHES.c.workspace_id == token.workspace_id,
            _PUSHES.c.system_id == token.system_id,
            _PUSHES.c.idempotency_key == idempotency_key,
        )
    ).scalar_one()
    return SavedPush(existing, created=False)


def pushes_since(
    session: Session,
    *,
    workspace_id: int,
    system_id: int,
    since: datetime | None,
    item_ids: Collection[str] | None = None,
) -> list[EvidencePush]:
    """The system's pushes received at or after `since` (all when None), oldest first; only
    those for `item_ids` when given."""
    query = select(EvidencePush).where(
        EvidencePush.workspace_id == workspace_id, EvidencePush.system_id == system_id
    )
    if since is not None:
        query = query.where(col(EvidencePush.received_at) >= since)
    if item_ids is not None:
        query = query.where(col(EvidencePush.item_id).in_(sorted(item_ids)))
    return list(session.exec(query.order_by(col(EvidencePush.received_at), col(EvidencePush.id))))


def pushes_since_each(
    session: Session, *, workspace_id: int, since: Mapping[int, datetime]
) -> dict[int, list[EvidencePush]]:
    """system id -> its pushes received at or after its own time in `since`, oldest first: one
    query for a whole list of systems."""
    if not since:
        return {}
    # Each system from its own time (a seek on the (system, received_at) index each): one
    # system assessed long ago must not pull in every other system's history since then.
    query = select(EvidencePush).where(
        EvidencePush.workspace_id == workspace_id,
        or_(
            *(
                and_(col(EvidencePush.system_id) == system_id, col(EvidencePush.received_at) >= at)
                for system_id, at in sorted(since.items())
            )
        ),
    )
    found: dict[int, list[EvidencePush]] = {}
    for push in session.exec(query.order_by(col(EvidencePush.received_at), col(EvidencePush.id))):
        found.setdefault(push.system_id, []).append(push)
    return found


def upgrades_allowed(
    session: Session, *, workspace_id: int, system_ids: Collection[int]
) -> set[int]:
    """Those of `system_ids` whose passing pushes may raise a claim."""
    if not system_ids:
        return set()
    rows = session.exec(
        select(System.id).where(
            System.workspace_id == workspace_id,
            col(System.id).in_(sorted(system_ids)),
            col(System.pushed_upgrades).is_(True),
        )
    )
    return {int(row) for row in rows if row is not None}


NO_PUSH_ID = 2**62
"""Above every push id: the bound when no push came after a time."""


def failing_before(
    session: Session,
    *,
    workspace_id: int,
    system_id: int,
    item_ids: Collection[str],
    before: datetime,
) -> dict[str, datetime]:
    """item -> when it last failed, for those of `item_ids` whose last push received before
    `before` is a fail.

    Read on every scorecard: one index seek per item, not a pass over the system's whole push
    history, which grows with every CI run."""
    if not item_ids:
        return {}
    pushes = _PUSHES.c
    of_system = (pushes.workspace_id == workspace_id, pushes.system_id == system_id)
    # Pushes are stored in the order received: those before `before` are those with an id
    # below the first one received since (the received_at index finds it), and that bound
    # lets each item's lookup walk its own index back from there.
    first_since = (
        sa_select(func.coalesce(func.min(pushes.id), NO_PUSH_ID))
        .where(*of_system, pushes.received_at >= before)
        .scalar_subquery()
    )
    last = [
        sa_select(pushes.item_id, pushes.result, pushes.received_at)
        .where(*of_system, pushes.item_id == item_id, pushes.id < first_since)
        .order_by(pushes.id.desc())
        .limit(1)
        .subquery()
        for item_id in sorted(item_ids)
    ]
    rows = session.connection().execute(union_all(*(sa_select(one) for one in last)))
    return {row.item_id: row.received_at for row in rows if row.result == "fail"}


def last_pass_id(
    session: Session, *, workspace_id: int, system_id: int, item_id: str, before_id: int
) -> int:
    """The id of the item's last passing push before push `before_id` (0: none)."""
    found = (
        session.connection()
        .execute(
            _LAST_PASS,
            {
                "workspace_id": workspace_id,
                "system_id": system_id,
                "item_id": item_id,
                "before_id": before_id,
            },
        )
        .scalar()
    )
    return int(found or 0)


def evidence_policy(session: Session, *, workspace_id: int) -> dict[str, list[str]]:
    """{stage: levels needing a link} as stored for the workspace."""
    rows: Sequence[EvidencePolicyRow] = session.exec(
        select(EvidencePolicyRow).where(EvidencePolicyRow.workspace_id == workspace_id)
    ).all()
    return {row.stage: list(row.levels) for row in rows}


def set_evidence_policy(
    session: Session,
    *,
    workspace_id: int,
    stage: str,
    levels: Sequence[str],
    set_by: str,
    now: datetime,
) -> None:
    statement = (
        upsert_insert(session, EvidencePolicyRow)
        .values(
            workspace_id=workspace_id, stage=stage, levels=list(levels), set_by=set_by, set_at=now
        )
        .on_conflict_do_update(
            index_elements=["workspace_id", "stage"],
            set_={"levels": list(levels), "set_by": set_by, "set_at": now},
        )
    )
    session.exec(statement)
