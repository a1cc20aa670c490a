"""The use cases: the one layer that opens database sessions and calls the repositories.

Listeners and the scheduler call `Services`; every method runs in one transaction and returns
the plain dataclasses of bot.services.types, never ORM rows. Expected failures are raised as
ServiceError subclasses carrying an i18n message key.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.clock import Clock, utcnow
from bot.db.engine import Database
from bot.rubric_registry import RubricRegistry
from bot.services.access import Action, Bound
from bot.services.assessments import AssessmentUseCases
from bot.services.context import ServiceContext
from bot.services.criteria_survey import CriteriaUseCases
from bot.services.data_rights import EXPORT_FILE_SUFFIXES, DataRightsUseCases, ExportFormat
from bot.services.evidence import EvidenceUseCases
from bot.services.plans import PlanUseCases
from bot.services.reports import ReportUseCases
from bot.services.responses import ResponseUseCases
from bot.services.routine import RoutineUseCases
from bot.services.storage import GuardedDatabase
from bot.services.summaries import SummaryUseCases
from bot.services.systems import SystemUseCases
from bot.services.teams import TeamUseCases
from bot.services.types import (
    Actor,
    AssessmentStart,
    ChannelFacts,
    ChooseSystem,
    Conflict,
    Directory,
    DraftState,
    Erased,
    Invalid,
    ItemDraft,
    NotAllowed,
    NotFound,
    PostedMessage,
    Scorecard,
    ServiceError,
    StorageError,
    StoredAssessment,
    Submission,
    SystemLine,
    TeamInfo,
    TeamRef,
    TeamSummary,
    TrendView,
    Unavailable,
)


class Services(
    TeamUseCases,
    SummaryUseCases,
    RoutineUseCases,
    AssessmentUseCases,
    ReportUseCases,
    DataRightsUseCases,
    CriteriaUseCases,
    SystemUseCases,
    ResponseUseCases,
    EvidenceUseCases,
    PlanUseCases,
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

    def allowed(
        self, action: Action, actor: Actor, directory: Directory, subject: Bound | None = None
    ) -> bool:
        """Whether the rule (bot.services.access) lets the person do this; for what a listener
        offers (the stage field) and for use cases outside this package (the scheduler's)."""
        return self._ctx.allowed(action, actor, directory, subject)

    def require(
        self, action: Action, actor: Actor, directory: Directory, subject: Bound | None = None
    ) -> None:
        """The rule's refusal (NotAllowed naming what was refused) unless it lets them."""
        self._ctx.require(action, actor, directory, subject)


__all__ = [
    "EXPORT_FILE_SUFFIXES",
    "Action",
    "Actor",
    "AssessmentStart",
    "ChannelFacts",
    "ChooseSystem",
    "Conflict",
    "Directory",
    "DraftState",
    "Erased",
    "ExportFormat",
    "Invalid",
    "ItemDraft",
    "NotAllowed",
    "NotFound",
    "PostedMessage",
    "Scorecard",
    "ServiceError",
    "Services",
    "StorageError",
    "StoredAssessment",
    "Submission",
    "SystemLine",
    "TeamInfo",
    "TeamRef",
    "TeamSummary",
    "TrendView",
    "Unavailable",
]
