"""Small, fixed rubric and history data for the chart tests and the chart benchmark.

Built by hand (not from the catalog) so the chart tests do not depend on the rubric data files;
the shape follows the 2017 paper: four sections of seven items, 0 / 0.5 / 1 points, six bands.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rubric.model import (
    Band,
    Criteria,
    Item,
    ItemCriteria,
    LevelScale,
    Requirement,
    Rubric,
    ScaleLevel,
    Section,
    Stage,
    Text,
)
from rubric.trends import Trend, TrendPoint

SECTIONS = (
    ("data", "FD", "Features and data", "Datos y features"),
    ("model", "MD", "Model development", "Desarrollo del modelo"),
    ("infra", "I", "ML infrastructure", "Infraestructura de ML"),
    ("monitor", "Mo", "Monitoring", "Monitorización"),
)

LEVEL_POINTS = {"not_done": 0.0, "manual": 0.5, "automated": 1.0}


def sample_rubric() -> Rubric:
    sections = tuple(
        Section(
            id=section_id,
            name=Text(en=en, es=es),
            items=tuple(
                Item(
                    id=f"{prefix}{n}",
                    name=Text(
                        en=f"{en} check number {n} is in place",
                        es=f"La comprobación {n} de {es.lower()} está en marcha",
                    ),
                    guidance=Text(en="How to do it.", es="Cómo hacerlo."),
                )
                for n in range(1, 8)
            ),
        )
        for section_id, prefix, en, es in SECTIONS
    )
    bands = (
        Band(upper=0, label=Text(en="Research project", es="Proyecto de investigación")),
        Band(upper=1, label=Text(en="Serious holes likely", es="Probables huecos serios")),
        Band(upper=2, label=Text(en="First pass at production", es="Primer paso a producción")),
        Band(upper=3, label=Text(en="Reasonably tested", es="Razonablemente probado")),
        Band(
            upper=5,
            label=Text(en="Strong testing and monitoring", es="Pruebas y monitorización sólidas"),
        ),
        Band(upper=None, label=Text(en="Exceptional", es="Excepcional")),
    )
    scale = LevelScale(
        levels=(
            ScaleLevel(
                key="not_done", points=0, label=Text(en="Not done", es="Sin hacer"), done=False
            ),
            ScaleLevel(key="manual", points=0.5, label=Text(en="Manual", es="Manual")),
            ScaleLevel(
                key="automated",
                points=1,
                label=Text(en="Automated", es="Automatizado"),
                complete=True,
            ),
        )
    )
    return Rubric(
        id="ml_test_score",
        version="2017",
        name=Text(en="ML Test Score", es="ML Test Score"),
        scale=scale,
        sections=sections,
        bands=bands,
        stages=(),
    )


def sample_criteria(rubric: Rubric) -> Criteria:
    order = list(Requirement)
    cells = {}
    for index, item in enumerate(rubric.items):
        cells[item.id] = ItemCriteria(
            research=order[index % 3],
            roadmap=order[min(3, index % 4 + 1)],
            production=order[3 if index % 5 else 2],
        )
    return Criteria(items=cells)


def sample_votes(rubric: Rubric) -> dict[tuple[str, Stage], dict[Requirement, int]]:
    votes: dict[tuple[str, Stage], dict[Requirement, int]] = {}
    for index, item in enumerate(rubric.items):
        for stage in Stage:
            votes[(item.id, stage)] = {
                requirement: (index * 7 + stage.rank * 3 + requirement.rank * 5) % 6
                for requirement in Requirement
            }
    return votes


def _levels_for(rubric: Rubric, week: int, seed: int) -> dict[str, str]:
    levels: dict[str, str] = {}
    for index, item in enumerate(rubric.items):
        progress = (index * 5 + seed * 3) % 11 + week
        if (index + seed) % 9 == 0:
            continue  # a test the team left unanswered
        levels[item.id] = "automated" if progress > 11 else "manual" if progress > 6 else "not_done"
    return levels


def _scores(rubric: Rubric, levels: dict[str, str]) -> tuple[dict[str, float | None], float]:
    sections: dict[str, float | None] = {}
    for section in rubric.sections:
        sections[section.id] = sum(
            LEVEL_POINTS.get(levels.get(i.id, ""), 0.0) for i in section.items
        )
    return sections, min(v for v in sections.values() if v is not None)


def sample_trend(
    rubric: Rubric,
    *,
    weeks: int = 8,
    skipped: tuple[int, ...] = (3,),
    stage_change_at: int | None = 5,
    seed: int = 1,
    start: datetime = datetime(2025, 9, 1, 9, tzinfo=UTC),
) -> Trend:
    points = []
    for week in range(weeks):
        at = start + timedelta(days=7 * week)
        stage = Stage.ROADMAP
        if stage_change_at is not None and week >= stage_change_at:
            stage = Stage.PRODUCTION
        if week in skipped:
            points.append(
                TrendPoint(
                    period=f"2025-W{at.isocalendar().week:02d}",
                    at=at,
                    stage=None,
                    final=None,
                    sections={s.id: None for s in rubric.sections},
                    skipped=True,
                )
            )
            continue
        levels = _levels_for(rubric, week, seed)
        sections, final = _scores(rubric, levels)
        points.append(
            TrendPoint(
                period=f"2025-W{at.isocalendar().week:02d}",
                at=at,
                stage=stage,
                final=final,
                sections=sections,
                levels=levels,
            )
        )
    changes = tuple(
        i
        for i in range(1, len(points))
        if points[i].stage is not None
        and points[i].stage != next((p.stage for p in reversed(points[:i]) if p.stage), None)
    )
    return Trend(
        points=tuple(points),
        section_ids=tuple(s.id for s in rubric.sections),
        stage_changes=changes,
    )
