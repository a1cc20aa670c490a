"""Which stage x item criteria apply to a team's rubric in a workspace."""

from __future__ import annotations

from pydantic import ValidationError
from sqlmodel import Session

from bot.db import repositories as repo
from bot.rubric_registry import RubricRegistry
from rubric.model import Criteria, Rubric


def criteria_in_force(session: Session, *, workspace_id: int, rubric: Rubric) -> Criteria:
    """The newest criteria the workspace adopted, else the rubric's own as version 0.

    Adopted criteria are a matrix over item ids. They apply to a rubric only when they speak
    about its items: a workspace that adopted criteria for the ML Test Score must not turn every
    item of another rubric into "optional" (which is what an unknown item means).
    """
    adopted = repo.current_criteria(session, workspace_id=workspace_id)
    if adopted is not None:
        item_ids = {item.id for item in rubric.items}
        if item_ids & set(adopted.matrix):
            try:
                return Criteria.model_validate(
                    {
                        "version": adopted.version,
                        "items": {k: v for k, v in adopted.matrix.items() if k in item_ids},
                    }
                )
            except ValidationError:
                # A matrix stored by an older release that no longer validates: fall back to
                # the rubric's own rather than refuse every scorecard of the workspace.
                pass
    return RubricRegistry.default_criteria(rubric)
