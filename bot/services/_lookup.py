"""Loading what a use case acts on, with the errors a person is shown when it is not there."""

from __future__ import annotations

from sqlmodel import Session

from bot.db import repositories as repo
from bot.db.tables import Team
from bot.rubric_registry import RubricRegistry, UnknownRubric
from bot.services.types import NotFound
from rubric.model import Rubric


def load_team(
    session: Session, *, workspace_id: int, team_id: int, for_update: bool = False
) -> Team:
    """The team, only if it belongs to this workspace (a foreign id is as good as no id)."""
    team = repo.get_team(session, workspace_id=workspace_id, team_id=team_id, for_update=for_update)
    if team is None:
        raise NotFound("error.team_not_found")
    return team


def load_rubric(rubrics: RubricRegistry, rubric_id: str) -> Rubric:
    try:
        return rubrics.get(rubric_id)
    except UnknownRubric:
        raise NotFound("error.unknown_rubric", rubric=rubric_id) from None
