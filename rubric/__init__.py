"""mlscore's pure domain: rubrics, stages, criteria, scoring, gaps, periods and trends.

The most used names are re-exported here; the modules hold the rest.
"""

from __future__ import annotations

from rubric.catalog import (
    Adjustment,
    Loosening,
    RubricError,
    available_rubrics,
    builtin_rubrics,
    default_rubric,
    dump_criteria,
    get_rubric,
    load_criteria,
    load_rubric,
    loosening,
    parse_rubric,
    tighten,
)
from rubric.model import (
    Answer,
    Band,
    Criteria,
    Item,
    ItemCriteria,
    Level,
    LevelScale,
    RangeScale,
    Requirement,
    Rubric,
    ScaleLevel,
    Section,
    Snapshot,
    Stage,
    StageInfo,
    Text,
)

__all__ = [
    "Adjustment",
    "Answer",
    "Band",
    "Criteria",
    "Item",
    "ItemCriteria",
    "Level",
    "LevelScale",
    "Loosening",
    "RangeScale",
    "Requirement",
    "Rubric",
    "RubricError",
    "ScaleLevel",
    "Section",
    "Snapshot",
    "Stage",
    "StageInfo",
    "Text",
    "available_rubrics",
    "builtin_rubrics",
    "default_rubric",
    "dump_criteria",
    "get_rubric",
    "load_criteria",
    "load_rubric",
    "loosening",
    "parse_rubric",
    "tighten",
]
