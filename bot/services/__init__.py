"""The use cases: the one layer that opens database sessions and calls the repositories.

Listeners and the scheduler call `Services`; every method runs in one transaction and returns
the plain dataclasses of bot.services.types, never ORM rows. Expected failures are raised as
ServiceError subclasses carrying an i18n message key.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.clock import Clock, utcnow
from bot.db.engine import Database
from bot.rubrics import RubricRegistry
from bot.services.assessments import AssessmentUseCases
from bot.services.context import ServiceContext
from bot.services.criteria_survey import CriteriaUseCases
from bot.services.data_rights import EXPORT_FILE_SUFFIXES, DataRightsUseCases, ExportFormat
from bot.services.reports import ReportUseCases
from bot.services.storage import GuardedDatabase
from bot.services.summaries import SummaryUseCases
from bot.services.teams import TeamUseCases
from bot.services.types import (
    Actor,
    AssessmentStart,
    Conflict,
    Directory,
    DraftState,
    Invalid,
    ItemDraft,
    NotAllowed,
    NotFound,
    Scorecard,
    ServiceError,
    StorageError,
    StoredAssessment,
    Submission,
    TeamInfo,
    TeamRef,
    TeamSummary,
    TrendView,
    Unavailable,
)


class Services(
    TeamUseCases,
    SummaryUseCases,
    AssessmentUseCases,
    ReportUseCases,
    DataRightsUseCases,
    CriteriaUseCases,
):
    """Every use case, sharing one context (database, rubrics, clock, admin list, defaults)."""

    def __init__(
        self,
        *,
        database: Database,
        rubrics: RubricRegistry | None = None,
        clock: Clock = utcnow,
        admins: Iterable[str] = (),
        default_language: str = "en",
        default_timezone: str = "UTC",
    ) -> None:
        super().__init__(
            ServiceContext(
                database=GuardedDatabase(database),
                rubrics=rubrics if rubrics is not None else RubricRegistry(),
                clock=clock,
                admins=frozenset(admins),
                default_language=default_language,
                default_timezone=default_timezone,
            )
        )

    @property
    def rubrics(self) -> RubricRegistry:
        return self._ctx.rubrics

    @property
    def access(self) -> ServiceContext:
        """Who may do what, for use cases that live outside this package (the scheduler's)."""
        return self._ctx


__all__ = [
    "EXPORT_FILE_SUFFIXES",
    "Actor",
    "AssessmentStart",
    "Conflict",
    "Directory",
    "DraftState",
    "ExportFormat",
    "Invalid",
    "ItemDraft",
    "NotAllowed",
    "NotFound",
    "Scorecard",
    "ServiceError",
    "Services",
    "StorageError",
    "StoredAssessment",
    "Submission",
    "TeamInfo",
    "TeamRef",
    "TeamSummary",
    "TrendView",
    "Unavailable",
]
