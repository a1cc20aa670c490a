"""The charts' own words in every language the bot speaks.

Section and item names come from the rubric's Text; everything the chart itself says (axes,
legends, level and requirement names, months, alt-text sentences) lives here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from rubric.model import LevelScale, Requirement, Rubric, Stage

LABELS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "final_score": "Final score",
        "score_axis": "Score",
        "skipped": "skipped",
        "no_answer": "no answer",
        "not_done": "not done",
        "manual": "manual",
        "automated": "automated",
        "moved_up": "moved up",
        "moved_down": "moved down",
        "stage_change": "stage change",
        "gaps_badge": "gaps against the team's stage",
        "votes_note": "Votes per cell: {order}",
        "overview_title": "{rubric} by team",
        "criteria_title": "{rubric}: what each stage requires",
        "heatmap_title": "{rubric} tests for {team}",
        "trend_title": "{rubric} for {team}",
        "systems_trend_title": "{rubric} for {team}, by ML system",
        "systems_trend_alt": "{rubric} for {team}, final score by ML system: {scores}; "
        "weakest {weakest}.",
        "systems_trend_alt_empty": "{rubric} for {team}: no ML system has a scored assessment yet.",
        "no_scores": "no scores yet",
        "stage_prefix": "Stage",
        "team": "Team",
        "as_of": "as of {date}",
        # Alt texts: one sentence that says what the chart shows.
        "trend_alt": "{rubric} trend for {team}: {score} now, {change}; weakest section {section}.",
        "trend_alt_first": "{rubric} trend for {team}: {score} at the first assessment ({date}); "
        "weakest section {section}.",
        "trend_alt_empty": "{rubric} trend for {team}: no scored assessment yet.",
        "change_up": "up {delta} since {date}",
        "change_down": "down {delta} since {date}",
        "change_same": "unchanged since {date}",
        "count_automated": "{n} automated",
        "count_manual": "{n} manual",
        "count_not_done": "{n} not done",
        "heatmap_alt": "{team}'s {items} tests over {columns} assessments: now {counts}{moved}.",
        "heatmap_alt_moved": "; {up} moved up and {down} moved down since {date}",
        "heatmap_alt_empty": "{team}'s {items} tests: no answered assessment yet.",
        "overview_alt": "{rubric} for {teams} teams: highest {best} {best_score}, "
        "lowest {worst} {worst_score}; {with_gaps} with gaps against their stage{most}.",
        "overview_alt_most": ", most in {section}",
        "overview_alt_empty": "{rubric} for {teams} teams: no scores yet.",
        "criteria_alt": "{rubric} requirements for {items} tests by stage: {counts}.",
        "criteria_alt_stage": "{stage} {mandatory} mandatory",
        "spread_title": "How {count} people answered: {team}, {period}",
        "spread_axis": "People",
        "spread_disputed": "answers differ",
        "spread_alt": "How {count} people answered each of {items} tests of {team} in {period}: "
        "they differ on {disputed} ({tests}).",
        "spread_alt_agree": "How {count} people answered each of {items} tests of {team} in "
        "{period}: they gave the same answers.",
        "burnup_title": "{team}: stage plan ({stage})",
        "burnup_axis": "Tests met",
        "burnup_met": "tests met",
        "burnup_target": "target date",
        "burnup_goal": "all {total} tests",
        "burnup_alt": "Burn-up of {team}'s plan to {stage}: {met} of {total} tests met on "
        "{today}, starting from {start} on {created}; target {date}.",
    },
    "es": {
        "final_score": "Puntuación final",
        "score_axis": "Puntuación",
        "skipped": "omitido",
        "no_answer": "sin respuesta",
        "not_done": "no hecho",
        "manual": "manual",
        "automated": "automatizado",
        "moved_up": "subió",
        "moved_down": "bajó",
        "stage_change": "cambio de etapa",
        "gaps_badge": "brechas respecto a la etapa del equipo",
        "votes_note": "Votos por celda: {order}",
        "overview_title": "{rubric} por equipo",
        "criteria_title": "{rubric}: qué exige cada etapa",
        "heatmap_title": "Pruebas del {rubric} de {team}",
        "trend_title": "{rubric} de {team}",
        "systems_trend_title": "{rubric} de {team}, por sistema de ML",
        "systems_trend_alt": "{rubric} de {team}, puntuación final por sistema de ML: {scores}; "
        "el más débil, {weakest}.",
        "systems_trend_alt_empty": "{rubric} de {team}: ningún sistema de ML tiene aún una "
        "evaluación puntuada.",
        "no_scores": "aún sin puntuaciones",
        "stage_prefix": "Etapa",
        "team": "Equipo",
        "as_of": "a {date}",
        "trend_alt": "Evolución del {rubric} de {team}: {score} ahora, {change}; "
        "sección más débil: {section}.",
        "trend_alt_first": "Evolución del {rubric} de {team}: {score} en la primera evaluación "
        "({date}); sección más débil: {section}.",
        "trend_alt_empty": "Evolución del {rubric} de {team}: aún no hay evaluaciones puntuadas.",
        "change_up": "sube {delta} desde el {date}",
        "change_down": "baja {delta} desde el {date}",
        "change_same": "sin cambios desde el {date}",
        "count_automated": "{n} automatizadas",
        "count_manual": "{n} manuales",
        "count_not_done": "{n} sin hacer",
        "heatmap_alt": "Las {items} pruebas de {team} en {columns} evaluaciones: "
        "ahora {counts}{moved}.",
        "heatmap_alt_moved": "; {up} subieron y {down} bajaron desde el {date}",
        "heatmap_alt_empty": "Las {items} pruebas de {team}: aún no hay evaluaciones "
        "con respuestas.",
        "overview_alt": "{rubric} de {teams} equipos: el más alto {best} {best_score}, "
        "el más bajo {worst} {worst_score}; {with_gaps} con brechas respecto a su etapa{most}.",
        "overview_alt_most": ", sobre todo en {section}",
        "overview_alt_empty": "{rubric} de {teams} equipos: aún sin puntuaciones.",
        "criteria_alt": "Requisitos del {rubric} para {items} pruebas por etapa: {counts}.",
        "criteria_alt_stage": "{stage} {mandatory} obligatorias",
        "spread_title": "Cómo respondieron {count} personas: {team}, {period}",
        "spread_axis": "Personas",
        "spread_disputed": "las respuestas difieren",
        "spread_alt": "Cómo respondieron {count} personas a cada una de las {items} pruebas de "
        "{team} en {period}: difieren en {disputed} ({tests}).",
        "spread_alt_agree": "Cómo respondieron {count} personas a cada una de las {items} "
        "pruebas de {team} en {period}: dieron las mismas respuestas.",
        "burnup_title": "{team}: plan de etapa ({stage})",
        "burnup_axis": "Pruebas cumplidas",
        "burnup_met": "pruebas cumplidas",
        "burnup_target": "fecha objetivo",
        "burnup_goal": "las {total} pruebas",
        "burnup_alt": "Avance del plan de {team} a {stage}: {met} de {total} pruebas cumplidas "
        "el {today}, desde {start} el {created}; objetivo el {date}.",
    },
}

STAGES: Final[dict[str, dict[Stage, str]]] = {
    "en": {
        Stage.RESEARCH: "Research",
        Stage.ROADMAP: "Production in roadmap",
        Stage.PRODUCTION: "In production",
    },
    "es": {
        Stage.RESEARCH: "Investigación",
        Stage.ROADMAP: "Producción en el roadmap",
        Stage.PRODUCTION: "En producción",
    },
}

REQUIREMENTS: Final[dict[str, dict[Requirement, str]]] = {
    "en": {
        Requirement.NOT_APPLICABLE: "Does not make sense",
        Requirement.POOR_VALUE: "Poor value, too expensive",
        Requirement.OPTIONAL: "Interesting, optional",
        Requirement.MANDATORY: "Mandatory",
    },
    "es": {
        Requirement.NOT_APPLICABLE: "No tiene sentido",
        Requirement.POOR_VALUE: "Poco valor, muy costoso",
        Requirement.OPTIONAL: "Interesante, opcional",
        Requirement.MANDATORY: "Obligatorio",
    },
}

MONTHS: Final[dict[str, tuple[str, ...]]] = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"),
}


def language_of(language: str) -> str:
    """The chart language for a locale such as "es-ES"; anything unknown falls back to English."""
    base = language.replace("_", "-").split("-", maxsplit=1)[0].lower()
    return base if base in LABELS else "en"


def label(key: str, language: str, **values: object) -> str:
    """The chart's word for `key` in `language`, with `{placeholders}` filled from `values`."""
    text = LABELS[language_of(language)][key]
    return text.format(**values) if values else text


def stage_name(stage: Stage, language: str) -> str:
    return STAGES[language_of(language)][stage]


def requirement_name(requirement: Requirement, language: str) -> str:
    return REQUIREMENTS[language_of(language)][requirement]


def level_name(key: str, language: str) -> str:
    """A level's name for keys the charts know (not_done, manual, automated); else the key."""
    table = LABELS[language_of(language)]
    return table.get(key, key) if key in ("not_done", "manual", "automated") else key


def capitalised(text: str) -> str:
    """First letter upper-case, as legend entries are written."""
    return text[:1].upper() + text[1:]


def count_phrase(key: str, count: int, language: str, *, fallback: str) -> str:
    """ "9 automated" for the levels the charts know; "Level: 9" for any other level."""
    table = LABELS[language_of(language)]
    template = table.get(f"count_{key}")
    return template.format(n=count) if template else f"{fallback}: {count}"


def short_date(at: datetime, language: str) -> str:
    """ "3 Nov" / "3 nov": day and month, as on an axis."""
    return f"{at.day} {MONTHS[language_of(language)][at.month - 1]}"


def long_date(at: datetime, language: str) -> str:
    """ "3 Nov 2025" / "3 nov 2025"."""
    return f"{short_date(at, language)} {at.year}"


def score(value: float, language: str) -> str:
    """A score with one decimal, with the decimal comma in Spanish."""
    text = f"{value:.1f}"
    return text.replace(".", ",") if language_of(language) == "es" else text


_ARTICLES = ("The ", "El ", "La ", "Los ", "Las ")


def rubric_name(rubric: Rubric, language: str) -> str:
    """The rubric's name without a leading article, so it fits inside the chart's sentences."""
    name = rubric.name.get(language_of(language))
    for article in _ARTICLES:
        if name.startswith(article) and len(name) > len(article):
            return name[len(article) :]
    return name


def stage_label(rubric: Rubric, stage: Stage, language: str) -> str:
    """The rubric's own name for a stage when it has one, else the charts' default."""
    for info in rubric.stages:
        if info.stage == stage:
            return info.label.get(language_of(language))
    return stage_name(stage, language)


def level_label(rubric: Rubric, key: str, language: str) -> str:
    """The rubric's own name for a level key when it has one, else the charts' default."""
    if isinstance(rubric.scale, LevelScale):
        for level in rubric.scale.levels:
            if level.key == key:
                return level.label.get(language_of(language))
    return level_name(key, language)
