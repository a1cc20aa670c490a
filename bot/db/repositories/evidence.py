"""CI tokens, evidence pushes and the evidence policy of each stage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.db.tables import EvidencePolicyRow, EvidencePush, SystemToken
from bot.db.upsert import upsert_insert


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
    token: SystemToken,
    item_id: str,
    level: str,
    url: str,
    result: str,
    idempotency_key: str,
    now: datetime,
) -> SavedPush:
    """Store a push once per (system, client key); a replay returns the first one's id."""
    statement = (
        upsert_insert(session, EvidencePush)
        .values(
            workspace_id=token.workspace_id,
            team_id=token.team_id,
            system_id=token.system_id,
            token_id=token.id,
            item_id=item_id,
            level=level,
            url=url,
            result=result,
            idempotency_key=idempotency_key,
            received_at=now,
        )
        .on_conflict_do_nothing(index_elements=["workspace_id", "system_id", "idempotency_key"])
        .returning(col(EvidencePush.id))
    )
    new_id = session.exec(statement).scalar()
    if new_id is not None:
        return SavedPush(new_id, created=True)
    existing = session.exec(
        select(EvidencePush.id).where(
            EvidencePush.workspace_id == token.workspace_id,
            EvidencePush.system_id == token.system_id,
            EvidencePush.idempotency_key == idempotency_key,
        )
    ).one()
    assert existing is not None
    return SavedPush(existing, created=False)


def pushes_since(
    session: Session, *, workspace_id: int, system_id: int, since: datetime | None
) -> list[EvidencePush]:
    """The system's pushes received at or after `since` (all when None), oldest first."""
    query = select(EvidencePush).where(
        EvidencePush.workspace_id == workspace_id, EvidencePush.system_id == system_id
    )
    if since is not None:
        query = query.where(col(EvidencePush.received_at) >= since)
    return list(session.exec(query.order_by(col(EvidencePush.received_at), col(EvidencePush.id))))


def previous_result(
    session: Session, *, workspace_id: int, system_id: int, item_id: str, before_id: int
) -> str | None:
    """The result of the item's push just before push `before_id`, if any."""
    found = session.exec(
        select(EvidencePush.result)
        .where(
            EvidencePush.workspace_id == workspace_id,
            EvidencePush.system_id == system_id,
            EvidencePush.item_id == item_id,
            col(EvidencePush.id) < before_id,
        )
        .order_by(col(EvidencePush.id).desc())
        .limit(1)
    ).first()
    return found


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
