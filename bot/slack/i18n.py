"""The bot's words in English and Spanish, the choice of language, numbers and dates.

Every user-facing string lives in MESSAGES, keyed by a dotted name. `t()` looks a key up and fills
its ``{placeholders}`` with str.format. A message whose words depend on a number ("1 team",
"2 teams") is a Plural: one form per plural category, chosen by that number. Rubric content
(item names, guidance, bands, level labels) comes from the rubric's own Text values, not from
here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from rubric.model import LANGUAGES, Language

DEFAULT_LANGUAGE: Language = "en"


@dataclass(frozen=True)
class Plural:
    """The forms of a message by the plural category of its `by` placeholder (a number).

    English and Spanish (CLDR cardinal rules) have two categories for the numbers the bot
    shows: "one" for exactly 1, "other" for every other count (0, 2, 1.5 ...). Spanish also has
    "many" for exact millions ("un millón de equipos"), which the bot never writes in words.
    """

    one: str
    other: str
    by: str = "count"

    def form(self, params: Mapping[str, object]) -> str:
        return self.one if plural_category(params[self.by]) == "one" else self.other


def plural_category(number: object) -> str:
    """ "one" for the integer 1 (not 1.5, not "1.0"), "other" otherwise: the CLDR rule English
    and Spanish share for the numbers the bot writes in digits."""
    if isinstance(number, bool):
        return "other"
    if isinstance(number, int):
        return "one" if number == 1 else "other"
    if isinstance(number, float) and number.is_integer():
        return "one" if number == 1 else "other"
    return "other"


MESSAGES: dict[str, dict[Language, str | Plural]] = {
    # ---- shared vocabulary -------------------------------------------------------------------
    "app.name": {"en": "ML Test Score", "es": "ML Test Score"},
    "stage.research": {"en": "Research", "es": "Investigación"},
    "stage.roadmap": {"en": "Roadmap", "es": "Hoja de ruta"},
    "stage.production": {"en": "Production", "es": "Producción"},
    "stage.code.research": {"en": "Res", "es": "Inv"},
    "stage.code.roadmap": {"en": "Road", "es": "Ruta"},
    "stage.code.production": {"en": "Prod", "es": "Prod"},
    "level.not_done": {"en": "Not done", "es": "No se hace"},
    "level.manual": {"en": "Manual", "es": "Manual"},
    "level.automated": {"en": "Automated", "es": "Automatizado"},
    "requirement.not_applicable": {"en": "Does not make sense", "es": "No tiene sentido"},
    "requirement.poor_value": {
        "en": "Poor value, too expensive",
        "es": "Poco valor, demasiado caro",
    },
    "requirement.optional": {"en": "Interesting, optional", "es": "Interesante, opcional"},
    "requirement.mandatory": {"en": "Mandatory", "es": "Obligatorio"},
    "requirement.code.not_applicable": {"en": "n/a", "es": "n/a"},
    "requirement.code.poor_value": {"en": "poor", "es": "poco"},
    "requirement.code.optional": {"en": "opt", "es": "opc"},
    "requirement.code.mandatory": {"en": "MUST", "es": "OBLIG"},
    "cadence.weekly": {"en": "weekly", "es": "semanal"},
    "cadence.biweekly": {"en": "every two weeks", "es": "quincenal"},
    "cadence.monthly": {"en": "monthly", "es": "mensual"},
    "cadence.quarterly": {"en": "quarterly", "es": "trimestral"},
    "weekday.0": {"en": "Monday", "es": "lunes"},
    "weekday.1": {"en": "Tuesday", "es": "martes"},
    "weekday.2": {"en": "Wednesday", "es": "miércoles"},
    "weekday.3": {"en": "Thursday", "es": "jueves"},
    "weekday.4": {"en": "Friday", "es": "viernes"},
    "weekday.5": {"en": "Saturday", "es": "sábado"},
    "weekday.6": {"en": "Sunday", "es": "domingo"},
    "common.more": {"en": "…and {count} more", "es": "…y {count} más"},
    "common.weekday_date": {"en": "{weekday}, {date}", "es": "{weekday} {date}"},
    "common.none": {"en": "none", "es": "ninguno"},
    "common.never": {"en": "never", "es": "nunca"},
    "common.not_assessed": {"en": "not assessed yet", "es": "sin evaluar todavía"},
    "common.list_separator": {"en": ", ", "es": ", "},
    "common.next": {"en": "Next", "es": "Siguiente"},
    "common.back": {"en": "Back", "es": "Atrás"},
    "common.submit": {"en": "Submit", "es": "Enviar"},
    "common.cancel": {"en": "Cancel", "es": "Cancelar"},
    "common.ok": {"en": "OK", "es": "Vale"},
    "common.truncated": {
        "en": "(shortened to fit in Slack; the full text is kept)",
        "es": "(recortado para que quepa en Slack; el texto completo se guarda)",
    },
    # ---- help ----------------------------------------------------------------------------------
    "help.fallback": {
        "en": "ML Test Score: how to use /mlscore",
        "es": "ML Test Score: cómo usar /mlscore",
    },
    "help.intro": {
        "en": (
            "*ML Test Score* measures how ready an ML system is for production, with the 28 "
            "tests of Breck et al. (2017). Each test counts 0.5 when done by hand and 1 when "
            "automated; the final score is the weakest of the four sections."
        ),
        "es": (
            "*ML Test Score* mide lo preparado que está un sistema de ML para producción, con "
            "las 28 pruebas de Breck et al. (2017). Cada prueba vale 0,5 si se hace a mano y 1 "
            "si está automatizada; la puntuación final es la de la sección más floja."
        ),
    },
    "help.commands_title": {"en": "*Commands*", "es": "*Comandos*"},
    "help.examples": {
        "en": (
            "Examples: `/mlscore assess`, `/mlscore scorecard #ml-search public`, "
            '`/mlscore stage "fraud model" production`, '
            "`/mlscore schedule weekly monday 09:00 Europe/Madrid`"
        ),
        "es": (
            "Ejemplos: `/mlscore assess`, `/mlscore scorecard #ml-busqueda public`, "
            '`/mlscore stage "modelo de fraude" producción`, '
            "`/mlscore schedule weekly lunes 09:00 Europe/Madrid`"
        ),
    },
    "help.team_hint": {
        "en": (
            "Without a team, the command uses the team of the channel you type it in. Team names "
            'with spaces go in quotes: `"fraud model"`.'
        ),
        "es": (
            "Sin equipo, el comando usa el equipo del canal donde lo escribes. Los nombres con "
            'espacios van entre comillas: `"modelo de fraude"`.'
        ),
    },
    "help.citation": {
        "en": (
            "Rubric: E. Breck, S. Cai, E. Nielsen, M. Salib, D. Sculley, “The ML Test Score: A "
            "Rubric for ML Production Readiness and Technical Debt Reduction”, IEEE BigData 2017."
        ),
        "es": (
            "Rúbrica: E. Breck, S. Cai, E. Nielsen, M. Salib, D. Sculley, “The ML Test Score: A "
            "Rubric for ML Production Readiness and Technical Debt Reduction”, IEEE BigData 2017."
        ),
    },
    # ---- usage lines (shown with argument errors) ----------------------------------------------
    "usage.team_create": {
        "en": "Usage: `/mlscore team create <name> [#channel]`",
        "es": "Uso: `/mlscore team create <nombre> [#canal]`",
    },
    "usage.stage": {
        "en": "Usage: `/mlscore stage [team] research|roadmap|production`",
        "es": "Uso: `/mlscore stage [equipo] investigación|hoja de ruta|producción`",
    },
    "usage.team_only": {
        "en": "Usage: `/mlscore {command} [team]`",
        "es": "Uso: `/mlscore {command} [equipo]`",
    },
    "usage.scorecard": {
        "en": "Usage: `/mlscore scorecard [team] [public]`",
        "es": "Uso: `/mlscore scorecard [equipo] [public]`",
    },
    "usage.language": {
        "en": "Usage: `/mlscore language en|es`",
        "es": "Uso: `/mlscore language en|es`",
    },
    "usage.schedule": {
        "en": (
            "Usage: `/mlscore schedule [team|team/system] weekly|biweekly|monthly|quarterly|off "
            "[weekday] [HH:MM] [time zone]`, for example "
            "`/mlscore schedule weekly monday 09:00 Europe/Madrid`"
        ),
        "es": (
            "Uso: `/mlscore schedule [equipo|equipo/sistema] weekly|biweekly|monthly|quarterly|off "
            "[día] [HH:MM] [zona horaria]`, por ejemplo "
            "`/mlscore schedule weekly lunes 09:00 Europe/Madrid`"
        ),
    },
    "usage.pause": {
        "en": "Usage: `/mlscore pause [team|team/system] until YYYY-MM-DD`",
        "es": "Uso: `/mlscore pause [equipo|equipo/sistema] until AAAA-MM-DD`",
    },
    "usage.criteria": {
        "en": (
            "Usage: `/mlscore criteria`, `/mlscore criteria survey [#channel] "
            "[anonymous|public]`, `/mlscore criteria results`, `/mlscore criteria adopt`, "
            "`/mlscore criteria set <item> <stage> <level> <reason>`"
        ),
        "es": (
            "Uso: `/mlscore criteria`, `/mlscore criteria survey [#canal] "
            "[anonymous|public]`, `/mlscore criteria results`, `/mlscore criteria adopt`, "
            "`/mlscore criteria set <prueba> <etapa> <nivel> <motivo>`"
        ),
    },
    "usage.criteria_set": {
        "en": (
            "Usage: `/mlscore criteria set <item> <stage> <level> <reason>`, for example "
            "`/mlscore criteria set Mo3 production mandatory skew broke us twice`. Levels: "
            "not_applicable, poor_value, optional, mandatory."
        ),
        "es": (
            "Uso: `/mlscore criteria set <prueba> <etapa> <nivel> <motivo>`, por ejemplo "
            "`/mlscore criteria set Mo3 producción obligatorio el sesgo nos falló dos veces`. "
            "Niveles: no_aplica, poco_valor, opcional, obligatorio."
        ),
    },
    "usage.system": {
        "en": (
            "Usage: `/mlscore system add <team>/<system> [research|roadmap|production]`, "
            "`/mlscore system rename <team>/<system> <new name>`, "
            "`/mlscore system archive <team>/<system>`"
        ),
        "es": (
            "Uso: `/mlscore sistema agregar <equipo>/<sistema> [investigación|hoja de ruta|"
            "producción]`, `/mlscore sistema renombrar <equipo>/<sistema> <nombre nuevo>`, "
            "`/mlscore sistema archivar <equipo>/<sistema>`"
        ),
    },
    "usage.erase": {
        "en": "Usage: `/mlscore erase team <team>` or `/mlscore erase notes @person`",
        "es": "Uso: `/mlscore erase team <equipo>` o `/mlscore erase notes @persona`",
    },
    # ---- parse errors --------------------------------------------------------------------------
    "parse.unknown_subcommand": {
        "en": "I don't know the command `{name}`. `/mlscore help` lists what I can do.",
        "es": "No conozco el comando `{name}`. `/mlscore help` muestra lo que sé hacer.",
    },
    "parse.bad_system_ref": {
        "en": "`{value}` does not name one system: write `<team>/<system>`.",
        "es": "`{value}` no nombra un sistema: escribe `<equipo>/<sistema>`.",
    },
    "parse.bad_arguments": {
        "en": "I couldn't make sense of `{text}`.",
        "es": "No he entendido `{text}`.",
    },
    "parse.unclosed_quote": {
        "en": "A quote is left open in `{text}`.",
        "es": "Hay unas comillas sin cerrar en `{text}`.",
    },
    "parse.bad_stage": {
        "en": "`{value}` is not a stage. Stages: research, roadmap, production.",
        "es": "`{value}` no es una etapa. Etapas: investigación, hoja de ruta, producción.",
    },
    "parse.missing_arguments": {
        "en": "That command needs a little more; here is how it is written.",
        "es": "A ese comando le falta algo; así se escribe.",
    },
    "parse.missing_language": {
        "en": "Which language? Choose `en` or `es`.",
        "es": "¿Qué idioma? Elige `en` o `es`.",
    },
    "parse.missing_cadence": {
        "en": "How often? weekly, biweekly, monthly, quarterly or off.",
        "es": "¿Cada cuánto? weekly, biweekly, monthly, quarterly u off.",
    },
    "parse.missing_date": {
        "en": "Until when? Write the date as YYYY-MM-DD.",
        "es": "¿Hasta cuándo? Escribe la fecha como AAAA-MM-DD.",
    },
    "parse.missing_level": {
        "en": "Which level? not_applicable, poor_value, optional or mandatory.",
        "es": "¿Qué nivel? no_aplica, poco_valor, opcional u obligatorio.",
    },
    "parse.missing_user": {
        "en": "Whose notes? Mention the person, like @ana.",
        "es": "¿De quién son las notas? Menciona a la persona, como @ana.",
    },
    "parse.missing_stage": {
        "en": "Which stage? research, roadmap or production.",
        "es": "¿Qué etapa? investigación, hoja de ruta o producción.",
    },
    "parse.bad_language": {
        "en": "`{value}` is not a language I speak. Choose `en` or `es`.",
        "es": "No hablo `{value}`. Elige `en` o `es`.",
    },
    "parse.bad_cadence": {
        "en": "`{value}` is not a cadence. Choose weekly, biweekly, monthly, quarterly or off.",
        "es": "`{value}` no es una frecuencia. Elige weekly, biweekly, monthly, quarterly u off.",
    },
    "parse.bad_weekday": {
        "en": "`{value}` is not a day of the week.",
        "es": "`{value}` no es un día de la semana.",
    },
    "parse.bad_time": {
        "en": "`{value}` is not a time of day; write it as HH:MM, for example 09:30.",
        "es": "`{value}` no es una hora; escríbela como HH:MM, por ejemplo 09:30.",
    },
    "parse.bad_timezone": {
        "en": "`{value}` is not a time zone I know; use an IANA name such as Europe/Madrid.",
        "es": "No conozco la zona horaria `{value}`; usa un nombre IANA como Europe/Madrid.",
    },
    "parse.bad_date": {
        "en": "`{value}` is not a date; write it as YYYY-MM-DD.",
        "es": "`{value}` no es una fecha; escríbela como AAAA-MM-DD.",
    },
    "parse.bad_level": {
        "en": (
            "`{value}` is not a requirement level. Levels: not_applicable, poor_value, "
            "optional, mandatory."
        ),
        "es": (
            "`{value}` no es un nivel de exigencia. Niveles: no_aplica, poco_valor, opcional, "
            "obligatorio."
        ),
    },
    "parse.missing_reason": {
        "en": "Please add a reason; it goes into the audit log.",
        "es": "Añade un motivo, por favor; queda en el registro de auditoría.",
    },
    "parse.bad_user": {
        "en": "`{value}` is not a person. Mention them, like @ana.",
        "es": "`{value}` no es una persona. Menciónala, como @ana.",
    },
    "parse.bad_channel": {
        "en": "`{value}` is not a channel. Mention it, like #ml-search.",
        "es": "`{value}` no es un canal. Menciónalo, como #ml-busqueda.",
    },
    "parse.missing_name": {
        "en": "The team needs a name.",
        "es": "El equipo necesita un nombre.",
    },
    "parse.too_many_arguments": {
        "en": "There is more than I expected: `{value}`.",
        "es": "Sobra algo: `{value}`.",
    },
    # ---- assessment modal ----------------------------------------------------------------------
    "assess.title": {"en": "ML Test Score {page}/{pages}", "es": "ML Test Score {page}/{pages}"},
    "assess.close": {"en": "Save for later", "es": "Guardar para después"},
    "assess.intro": {
        "en": "*{team}* · {section} (page {page} of {pages})",
        "es": "*{team}* · {section} (página {page} de {pages})",
    },
    "assess.instructions": {
        "en": "Choose a level for every test on this page; notes are optional.",
        "es": "Elige un nivel para cada prueba de esta página; las notas son opcionales.",
    },
    "assess.range_instructions": {
        "en": "Give every aspect a value from {min} to {max}; notes are optional.",
        "es": "Da a cada aspecto un valor de {min} a {max}; las notas son opcionales.",
    },
    "assess.stage_label": {"en": "Stage of the project", "es": "Etapa del proyecto"},
    "assess.stage_hint": {
        "en": "The gaps are measured against what this stage requires.",
        "es": "Las carencias se miden según lo que exige esta etapa.",
    },
    "assess.stage_fixed": {
        "en": "Stage: *{stage}*. Admins change it with `/mlscore stage`.",
        "es": "Etapa: *{stage}*. Los administradores la cambian con `/mlscore stage`.",
    },
    "assess.stage_kept": {
        "en": (
            "While you were filling in the form, the stage of *{team}* was changed to "
            "*{stage}*, so your assessment is stored at *{stage}*. An admin can change the "
            "stage with `/mlscore stage`."
        ),
        "es": (
            "Mientras rellenabas el formulario, la etapa de *{team}* cambió a *{stage}*, así "
            "que tu evaluación se ha guardado en *{stage}*. Un administrador puede cambiar la "
            "etapa con `/mlscore stage`."
        ),
    },
    "assess.error.nul": {
        "en": "This text contains a NUL character (code 0), which cannot be stored. Remove it.",
        "es": "Este texto contiene un carácter NUL (código 0), que no se puede guardar. Quítalo.",
    },
    "assess.value_placeholder": {"en": "Choose a value", "es": "Elige un valor"},
    "assess.note_label": {"en": "Note on {code}", "es": "Nota sobre {code}"},
    "assess.note_placeholder": {
        "en": "What is in place, what is missing, links…",
        "es": "Qué hay, qué falta, enlaces…",
    },
    "assess.overall_note_label": {"en": "Overall note", "es": "Nota general"},
    "assess.overall_note_hint": {
        "en": "Anything worth remembering about this assessment (up to {max} characters).",
        "es": "Lo que merezca recordarse de esta evaluación (hasta {max} caracteres).",
    },
    "assess.draft_hint": {
        "en": ("Closing keeps what you typed as a draft; `/mlscore assess` offers to continue it."),
        "es": (
            "Si cierras, lo escrito se guarda como borrador; `/mlscore assess` te ofrecerá "
            "continuarlo."
        ),
    },
    "assess.error.level_required": {
        "en": "Choose a level for this test.",
        "es": "Elige un nivel para esta prueba.",
    },
    "assess.error.stage_required": {
        "en": "Choose the stage of the project.",
        "es": "Elige la etapa del proyecto.",
    },
    "assess.error.bad_choice": {
        "en": "That choice is not on the scale; please choose again.",
        "es": "Esa opción no está en la escala; vuelve a elegir, por favor.",
    },
    "assess.error.note_too_long": {
        "en": "This note has {length} characters; the limit is {max}.",
        "es": "Esta nota tiene {length} caracteres; el máximo es {max}.",
    },
    # ---- draft prompt --------------------------------------------------------------------------
    "draft.title": {"en": "Unfinished assessment", "es": "Evaluación a medias"},
    "draft.body": {
        "en": (
            "You have an unfinished assessment of *{team}*, last saved {saved} (page {page} of "
            "{pages}). Continue where you left off, or start again from the last submitted "
            "answers?"
        ),
        "es": (
            "Tienes una evaluación de *{team}* a medias, guardada por última vez el {saved} "
            "(página {page} de {pages}). ¿Sigues donde lo dejaste o empiezas de nuevo desde las "
            "últimas respuestas enviadas?"
        ),
    },
    "draft.continue": {"en": "Continue the draft", "es": "Continuar el borrador"},
    "draft.discard": {"en": "Start fresh", "es": "Empezar de nuevo"},
    # ---- scorecard -----------------------------------------------------------------------------
    "scorecard.header": {
        "en": "{team} · ML Test Score: {final}",
        "es": "{team} · ML Test Score: {final}",
    },
    "scorecard.fallback": {
        "en": "{team}: ML Test Score: {final} ({band})",
        "es": "{team}: ML Test Score: {final} ({band})",
    },
    "scorecard.summary": {
        "en": "*ML Test Score: {final}* · {band}",
        "es": "*ML Test Score: {final}* · {band}",
    },
    "scorecard.sections_title": {"en": "*By section*", "es": "*Por sección*"},
    "scorecard.section_line": {
        "en": "{name}: {score} / {maximum}",
        "es": "{name}: {score} / {maximum}",
    },
    "scorecard.weakest": {
        "en": "Weakest section: *{name}* (it sets the final score)",
        "es": "Sección más floja: *{name}* (marca la puntuación final)",
    },
    "scorecard.readiness": {
        "en": (
            "Readiness for *{stage}*: {percent} of its mandatory tests are in place ({met}/{total})"
        ),
        "es": (
            "Preparación para *{stage}*: {percent} de sus pruebas obligatorias están hechas "
            "({met}/{total})"
        ),
    },
    "scorecard.readiness_none": {
        "en": "*{stage}* has no mandatory tests in the criteria in force",
        "es": "*{stage}* no tiene pruebas obligatorias en los criterios vigentes",
    },
    "scorecard.meta": {
        "en": "Assessed by <@{user}> on {date} · rubric {rubric}",
        "es": "Evaluado por <@{user}> el {date} · rúbrica {rubric}",
    },
    "scorecard.meta_unknown": {
        "en": "Assessed on {date} · rubric {rubric}",
        "es": "Evaluado el {date} · rúbrica {rubric}",
    },
    "scorecard.note": {"en": "Overall note: {note}", "es": "Nota general: {note}"},
    "scorecard.chart_below": {
        "en": "The trend chart follows.",
        "es": "El gráfico de evolución va a continuación.",
    },
    # ---- gaps ----------------------------------------------------------------------------------
    "gaps.title": {
        "en": "*Mandatory gaps for {stage}: {count}*",
        "es": "*Carencias obligatorias para {stage}: {count}*",
    },
    "gaps.header": {
        "en": "{team} · gaps for {stage}",
        "es": "{team} · carencias para {stage}",
    },
    "gaps.fallback": {
        "en": Plural(
            one="{team}: 1 mandatory gap for {stage}",
            other="{team}: {count} mandatory gaps for {stage}",
        ),
        "es": Plural(
            one="{team}: 1 carencia obligatoria para {stage}",
            other="{team}: {count} carencias obligatorias para {stage}",
        ),
    },
    "gaps.none": {
        "en": "Every mandatory test for *{stage}* is in place. :white_check_mark:",
        "es": "Todas las pruebas obligatorias para *{stage}* están hechas. :white_check_mark:",
    },
    "gaps.kind.missing": {"en": "not done", "es": "no se hace"},
    "gaps.kind.partial": {"en": "manual only", "es": "solo manual"},
    "gaps.partial_title": {
        "en": "*Done by hand, worth automating: {count}*",
        "es": "*Se hacen a mano, conviene automatizar: {count}*",
    },
    "gaps.waived_title": {
        "en": "*Waived (not counted as gaps until their waiver ends): {count}*",
        "es": "*Dispensadas (no cuentan como carencias hasta que acabe su dispensa): {count}*",
    },
    # ---- stage moves: preview, plans, waivers, the gate ------------------------------------
    "plan.not_answered": {"en": "not answered", "es": "sin respuesta"},
    "plan.header": {
        "en": "{team}: what {target} asks for",
        "es": "{team}: lo que pide {target}",
    },
    "plan.never_assessed": {
        "en": "Never assessed yet: nothing counts as done.",
        "es": "Aún sin evaluar: nada cuenta como hecho.",
    },
    "plan.unmet_title": {
        "en": "*{count} of the {total} tests mandatory at {stage} are not met today:*",
        "es": "*{count} de las {total} pruebas obligatorias en {stage} no se cumplen hoy:*",
    },
    "plan.new_mark": {"en": "_(newly mandatory)_", "es": "_(obligatoria a partir de ahora)_"},
    "plan.unmet_line": {
        "en": "• {item} (now: {now}){mark}",
        "es": "• {item} (ahora: {now}){mark}",
    },
    "plan.all_met": {
        "en": "Every test mandatory at {stage} is met today.",
        "es": "Hoy se cumplen todas las pruebas obligatorias en {stage}.",
    },
    "plan.waived": {
        "en": "Waived, not counted: {items}",
        "es": "Dispensadas, no cuentan: {items}",
    },
    "plan.actions_title": {"en": "*Next best actions*", "es": "*Siguientes mejores acciones*"},
    "plan.why": {
        "en": (
            "The final score is the weakest section's ({sections}, {score}): only its tests "
            "raise it, so start there."
        ),
        "es": (
            "La puntuación final es la de la sección más débil ({sections}, {score}): solo sus "
            "pruebas la suben, así que empieza por ahí."
        ),
    },
    "plan.why_tie": {
        "en": (
            "The final score is the weakest section's, and {sections} tie at {score}: it rises "
            "only when all of them do."
        ),
        "es": (
            "La puntuación final es la de la sección más débil, y {sections} empatan en "
            "{score}: solo sube cuando suben todas."
        ),
    },
    "plan.action_line": {
        "en": "• {item} (now: {now}; up to +{gain})",
        "es": "• {item} (ahora: {now}; hasta +{gain})",
    },
    "plan.make_button": {"en": "Make a plan", "es": "Hacer un plan"},
    "plan.fallback": {
        "en": "{team} to {target}: tests to meet: {count}",
        "es": "{team} a {target}: pruebas por cumplir: {count}",
    },
    "plan.modal_title": {"en": "Stage plan", "es": "Plan de etapa"},
    "plan.modal_submit": {"en": "Create plan", "es": "Crear plan"},
    "plan.modal_intro": {
        "en": "*{team}* to *{target}*: pick a target date and who owns each test.",
        "es": "*{team}* a *{target}*: elige una fecha objetivo y quién se encarga de cada prueba.",
    },
    "plan.modal_date": {"en": "Target date", "es": "Fecha objetivo"},
    "plan.modal_owner": {"en": "Owner", "es": "Responsable"},
    "plan.error_date": {"en": "Pick a date.", "es": "Elige una fecha."},
    "plan.error_owner": {"en": "Pick an owner.", "es": "Elige un responsable."},
    "plans.header": {"en": "Plans of {team}", "es": "Planes de {team}"},
    "plans.none": {
        "en": "*{team}* has no plans. `/mlscore plan <system> <stage>` starts one.",
        "es": "*{team}* no tiene planes. `/mlscore plan <sistema> <etapa>` empieza uno.",
    },
    "plans.line": {
        "en": "*{team}* to {stage} by {date}: {bar} {met}/{total} met",
        "es": "*{team}* a {stage} para el {date}: {bar} {met}/{total} cumplidas",
    },
    "plans.line_overdue": {
        "en": "*{team}* to {stage} by {date}: {bar} {met}/{total} met, *overdue*",
        "es": "*{team}* a {stage} para el {date}: {bar} {met}/{total} cumplidas, *vencido*",
    },
    "plans.open": {"en": "Open: {items}", "es": "Pendientes: {items}"},
    "plans.fallback": {
        "en": Plural("{team}: 1 plan", "{team}: {count} plans"),
        "es": Plural("{team}: 1 plan", "{team}: {count} planes"),
    },
    "plans.owner_dm": {
        "en": "<@{creator}> made a plan: *{team}* to {stage} by {date}. Yours:",
        "es": "<@{creator}> hizo un plan: *{team}* a {stage} para el {date}. Te tocan:",
    },
    "plans.reminder": {
        "en": Plural(
            "1 day left: *{team}* to {stage} by {date}. Yours:",
            "{days} days left: *{team}* to {stage} by {date}. Yours:",
            by="days",
        ),
        "es": Plural(
            "Queda 1 día: *{team}* a {stage} para el {date}. Te tocan:",
            "Quedan {days} días: *{team}* a {stage} para el {date}. Te tocan:",
            by="days",
        ),
    },
    "plans.item_met": {"en": "(met)", "es": "(cumplida)"},
    "plans.item_open": {"en": "(open)", "es": "(pendiente)"},
    "waiver.request": {
        "en": (
            "<@{user}> asks to waive {item} for *{team}* until {date}.\nReason: {reason}\n"
            "While it holds the test is not a gap."
        ),
        "es": (
            "<@{user}> pide dispensar {item} para *{team}* hasta el {date}.\nMotivo: {reason}\n"
            "Mientras dure, la prueba no cuenta como carencia."
        ),
    },
    "waiver.approve": {"en": "Approve", "es": "Aprobar"},
    "waiver.reject": {"en": "Reject", "es": "Rechazar"},
    "waiver.approved": {
        "en": "<@{user}> approved waiving {item} for *{team}* until {date}.",
        "es": "<@{user}> aprobó dispensar {item} para *{team}* hasta el {date}.",
    },
    "waiver.rejected": {
        "en": "<@{user}> rejected waiving {item} for *{team}*.",
        "es": "<@{user}> rechazó dispensar {item} para *{team}*.",
    },
    "gate.title": {
        "en": Plural(
            "*{team}* was not moved: 1 test mandatory at {stage} is not met:",
            "*{team}* was not moved: {count} tests mandatory at {stage} are not met:",
        ),
        "es": Plural(
            "*{team}* no se movió: 1 prueba obligatoria en {stage} no se cumple:",
            "*{team}* no se movió: {count} pruebas obligatorias en {stage} no se cumplen:",
        ),
    },
    "gate.how": {
        "en": "An admin can move it anyway, with a reason for the audit: `{command}`",
        "es": (
            "Un administrador puede moverlo igualmente, con un motivo para la auditoría: "
            "`{command}`"
        ),
    },
    "gate.modal": {
        "en": Plural(
            "Not saved: 1 test mandatory at {stage} is not met ({tests}). To move anyway, an "
            "admin runs /mlscore stage {team} {stage_word} override <reason>",
            "Not saved: {count} tests mandatory at {stage} are not met ({tests}). To move "
            "anyway, an admin runs /mlscore stage {team} {stage_word} override <reason>",
        ),
        "es": Plural(
            "No se guardó: 1 prueba obligatoria en {stage} no se cumple ({tests}). Para moverlo "
            "igualmente, un administrador ejecuta /mlscore stage {team} {stage_word} forzar "
            "<motivo>",
            "No se guardó: {count} pruebas obligatorias en {stage} no se cumplen ({tests}). Para "
            "moverlo igualmente, un administrador ejecuta /mlscore stage {team} {stage_word} "
            "forzar <motivo>",
        ),
    },
    "gate.blocked": {
        "en": "*{team}* was not moved: mandatory tests not met: {count}.",
        "es": "*{team}* no se movió: pruebas obligatorias sin cumplir: {count}.",
    },
    "gaps.optional_open": {
        "en": "Optional tests still open: {count}",
        "es": "Pruebas opcionales pendientes: {count}",
    },
    "gaps.next_step.missing": {
        "en": "start doing it, even by hand, and share the results",
        "es": "empezar a hacerla, aunque sea a mano, y compartir los resultados",
    },
    "gaps.next_step.partial": {
        "en": "automate it so that it runs on its own",
        "es": "automatizarla para que se ejecute sola",
    },
    # ---- trend ---------------------------------------------------------------------------------
    "trend.first": {
        "en": "First assessment: nothing to compare with yet.",
        "es": "Primera evaluación: todavía no hay con qué comparar.",
    },
    "trend.prefix": {
        "en": "Since the last assessment: {changes}.",
        "es": "Desde la última evaluación: {changes}.",
    },
    "trend.nothing": {
        "en": "Nothing changed since the last assessment.",
        "es": "Nada ha cambiado desde la última evaluación.",
    },
    "trend.score": {
        "en": "score {before} → {after} ({delta})",
        "es": "puntuación {before} → {after} ({delta})",
    },
    "trend.score_same": {
        "en": "score unchanged at {after}",
        "es": "puntuación sin cambios en {after}",
    },
    "trend.stage": {"en": "stage {before} → {after}", "es": "etapa {before} → {after}"},
    "trend.improved": {"en": "improved: {items}", "es": "mejoran: {items}"},
    "trend.regressed": {"en": "regressed: {items}", "es": "empeoran: {items}"},
    "trend.newly_answered": {
        "en": "newly answered: {count}",
        "es": "respondidas por primera vez: {count}",
    },
    "trend.newly_met": {"en": "gaps closed: {items}", "es": "carencias cerradas: {items}"},
    "trend.newly_gapped": {"en": "new gaps: {items}", "es": "carencias nuevas: {items}"},
    "trend.notes_changed": {"en": "notes edited: {count}", "es": "notas editadas: {count}"},
    # ---- announcement after a submission -------------------------------------------------------
    "announce.fallback": {
        "en": "{team} was assessed: ML Test Score: {final}",
        "es": "{team} ha sido evaluado: ML Test Score: {final}",
    },
    "announce.text": {
        "en": "<@{user}> assessed *{team}*: *ML Test Score: {final}* ({change}) · {band}",
        "es": "<@{user}> ha evaluado *{team}*: *ML Test Score: {final}* ({change}) · {band}",
    },
    "announce.text_anonymous": {
        "en": "*{team}* was assessed: *ML Test Score: {final}* ({change}) · {band}",
        "es": "Se evaluó *{team}*: *ML Test Score: {final}* ({change}) · {band}",
    },
    "announce.first_change": {"en": "first assessment", "es": "primera evaluación"},
    "announce.no_change": {"en": "no change", "es": "sin cambios"},
    "announce.newly_met": {
        "en": ":white_check_mark: Newly met: {items}",
        "es": ":white_check_mark: Ya se cumplen: {items}",
    },
    "announce.regressed": {
        "en": ":small_red_triangle_down: Regressed: {items}",
        "es": ":small_red_triangle_down: Retroceden: {items}",
    },
    "announce.open_gaps": {
        "en": "Open mandatory gaps for *{stage}*: {count}. `/mlscore gaps` lists them.",
        "es": "Carencias obligatorias abiertas para *{stage}*: {count}. `/mlscore gaps` las lista.",
    },
    # ---- teams list ----------------------------------------------------------------------------
    "teams.header": {"en": "Teams ({count})", "es": "Equipos ({count})"},
    "teams.fallback": {
        "en": Plural(one="1 team", other="{count} teams"),
        "es": Plural(one="1 equipo", other="{count} equipos"),
    },
    "teams.line": {
        "en": "*{name}*{channel} · {stage} · ML Test Score: {score} · gaps: {gaps} · {date}",
        "es": "*{name}*{channel} · {stage} · ML Test Score: {score} · carencias: {gaps} · {date}",
    },
    "teams.line_never": {
        "en": "*{name}*{channel} · {stage} · not assessed yet",
        "es": "*{name}*{channel} · {stage} · sin evaluar todavía",
    },
    "teams.empty": {
        "en": "No teams yet. Create one with `/mlscore team create <name> [#channel]`.",
        "es": "Aún no hay equipos. Crea uno con `/mlscore team create <nombre> [#canal]`.",
    },
    # ---- App Home ------------------------------------------------------------------------------
    "home.intro": {
        "en": "Your teams, with their latest score and open gaps.",
        "es": "Tus equipos, con su última puntuación y sus carencias abiertas.",
    },
    "home.empty": {
        "en": (
            "You are not in any team's channel yet. Ask an admin to create one with "
            "`/mlscore team create <name> #channel`."
        ),
        "es": (
            "Todavía no estás en el canal de ningún equipo. Pide a un admin que cree uno con "
            "`/mlscore team create <nombre> #canal`."
        ),
    },
    "home.team": {
        "en": (
            "*{name}* · {stage}\nML Test Score: {score}\nOpen gaps: {gaps} · last assessed {date}"
        ),
        "es": (
            "*{name}* · {stage}\nML Test Score: {score}\n"
            "Carencias abiertas: {gaps} · última evaluación {date}"
        ),
    },
    "home.team_never": {
        "en": "*{name}* · {stage}\nNot assessed yet.",
        "es": "*{name}* · {stage}\nSin evaluar todavía.",
    },
    "home.team_systems": {
        "en": "*{name}*: its ML systems, each assessed on its own",
        "es": "*{name}*: sus sistemas de ML, cada uno evaluado por separado",
    },
    "home.system": {
        "en": "• *{name}* · {stage} · ML Test Score: {score} · open gaps: {gaps}",
        "es": "• *{name}* · {stage} · ML Test Score: {score} · carencias abiertas: {gaps}",
    },
    "home.system_never": {
        "en": "• *{name}* · {stage} · not assessed yet",
        "es": "• *{name}* · {stage} · sin evaluar todavía",
    },
    "home.assess": {"en": "Assess", "es": "Evaluar"},
    "home.scorecard": {"en": "Scorecard", "es": "Resultado"},
    "home.more": {
        "en": Plural(
            one="…and 1 more team. `/mlscore teams` lists them all.",
            other="…and {count} more teams. `/mlscore teams` lists them all.",
        ),
        "es": Plural(
            one="…y 1 equipo más. `/mlscore teams` los muestra todos.",
            other="…y {count} equipos más. `/mlscore teams` los muestra todos.",
        ),
    },
    "home.help": {
        "en": "`/mlscore help` shows every command.",
        "es": "`/mlscore help` muestra todos los comandos.",
    },
    # ---- check-ins -----------------------------------------------------------------------------
    "checkin.fallback": {
        "en": "Time for the ML Test Score check-in of {team} ({period})",
        "es": "Toca la revisión del ML Test Score de {team} ({period})",
    },
    "checkin.text": {
        # English puts the cadence after the noun: "every two weeks" is no adjective.
        "en": (
            "Time for *{team}*'s ML Test Score check-in for {period} ({cadence}). Nothing "
            "changed? One click keeps the last answers. Otherwise *Update* opens one page "
            "that starts with what most likely changed."
        ),
        "es": (
            "Toca la revisión {cadence} del ML Test Score de *{team}* ({period}). ¿Nada ha "
            "cambiado? Un clic mantiene las últimas respuestas. Si no, *Actualizar* abre una "
            "página que empieza por lo que más probablemente cambió."
        ),
    },
    "checkin.open": {"en": "Update", "es": "Actualizar"},
    "checkin.unchanged": {"en": "Nothing changed", "es": "Nada ha cambiado"},
    "checkin.unchanged_system": {
        "en": "{system}: nothing changed",
        "es": "{system}: nada ha cambiado",
    },
    "checkin.confirmed": {
        "en": "✓ <@{user}> confirmed that nothing changed for *{team}*.",
        "es": "✓ <@{user}> confirmó que nada ha cambiado en *{team}*.",
    },
    "checkin.confirmed_anonymous": {
        "en": "✓ Someone confirmed that nothing changed for *{team}*.",
        "es": "✓ Alguien confirmó que nada ha cambiado en *{team}*.",
    },
    "checkin.confirmed_count": {
        "en": "✓ {count} people confirmed that nothing changed for *{team}*.",
        "es": "✓ {count} personas confirmaron que nada ha cambiado en *{team}*.",
    },
    "quick.title": {"en": "Check-in", "es": "Revisión"},
    "quick.intro": {
        "en": (
            "*{team}*: change what is different since last time; everything else stays as it "
            "was agreed."
        ),
        "es": (
            "*{team}*: cambia lo que sea distinto desde la última vez; lo demás queda como se "
            "acordó."
        ),
    },
    "quick.focus": {
        "en": (
            "First, what most likely changed (stale, open gaps, failing in CI, missing "
            "evidence): {items}."
        ),
        "es": (
            "Primero, lo que más probablemente cambió (caducado, brechas abiertas, fallando en "
            "CI, sin evidencia): {items}."
        ),
    },
    "quick.no_focus": {
        "en": "Nothing looks out of date: every item is here as last agreed.",
        "es": "Nada parece desactualizado: todos los elementos están aquí como se acordaron.",
    },
    "quick.show_all": {
        "en": Plural(one="Show the {count} item", other="Show all {count} items"),
        "es": Plural(one="Ver el {count} elemento", other="Ver los {count} elementos"),
    },
    "checkin.skip": {"en": "Skip this period", "es": "Saltar este periodo"},
    "checkin.reminder": {
        "en": (
            "Reminder: *{team}*'s check-in for {period} is still open. Nothing changed? It "
            "is one click."
        ),
        "es": (
            "Recordatorio: la revisión de *{team}* para {period} sigue pendiente. ¿Nada ha "
            "cambiado? Es un clic."
        ),
    },
    "checkin.reminder_fallback": {
        "en": "Reminder: {team}'s check-in is still open",
        "es": "Recordatorio: la revisión de {team} sigue pendiente",
    },
    "checkin.lead_dm": {
        "en": (
            "Hi! *{team}* has its ML Test Score check-in for {period} in <#{channel}>. As a lead, "
            "you can open it from here too."
        ),
        "es": (
            "¡Hola! *{team}* tiene su revisión del ML Test Score de {period} en <#{channel}>. "
            "Como responsable, también puedes abrirla desde aquí."
        ),
    },
    "checkin.skipped": {
        "en": (
            "*{team}* skips the period {period}. The charts show it as skipped, never as a zero."
        ),
        "es": (
            "*{team}* se salta el periodo {period}. Los gráficos lo muestran como saltado, nunca "
            "como un cero."
        ),
    },
    "checkin.paused": {
        "en": "*{team}* is away until {date}: no check-ins until then.",
        "es": "*{team}* está ausente hasta el {date}: no habrá revisiones hasta entonces.",
    },
    "checkin.resumed": {
        "en": "*{team}* is back: check-ins resume with the next period.",
        "es": "*{team}* ha vuelto: las revisiones se retoman en el próximo periodo.",
    },
    "checkin.schedule_set": {
        "en": "*{team}* gets a check-in {rule}.",
        "es": "*{team}* tendrá una revisión {rule}.",
    },
    "checkin.rule.weekly": {
        "en": "every {weekday} at {time} ({tz})",
        "es": "cada {weekday} a las {time} ({tz})",
    },
    "checkin.rule.biweekly": {
        "en": "every other {weekday} at {time} ({tz})",
        "es": "cada dos semanas, el {weekday} a las {time} ({tz})",
    },
    "checkin.rule.monthly": {
        "en": "on the first {weekday} of each month at {time} ({tz})",
        "es": "el primer {weekday} de cada mes a las {time} ({tz})",
    },
    "checkin.rule.quarterly": {
        "en": "on the first {weekday} of each quarter at {time} ({tz})",
        "es": "el primer {weekday} de cada trimestre a las {time} ({tz})",
    },
    "checkin.schedule_off": {
        "en": "*{team}* gets no scheduled check-ins now. `/mlscore assess` still works.",
        "es": "*{team}* ya no tiene revisiones programadas. `/mlscore assess` sigue funcionando.",
    },
    # ---- weekly digest -------------------------------------------------------------------------
    "digest.header": {
        "en": "Weekly ML Test Score summary",
        "es": "Resumen semanal del ML Test Score",
    },
    "digest.fallback": {
        "en": Plural(
            one="Weekly ML Test Score summary: 1 team",
            other="Weekly ML Test Score summary: {count} teams",
        ),
        "es": Plural(
            one="Resumen semanal del ML Test Score: 1 equipo",
            other="Resumen semanal del ML Test Score: {count} equipos",
        ),
    },
    "digest.team": {
        "en": "*{team}* · {stage} · ML Test Score: {score} ({change})",
        "es": "*{team}* · {stage} · ML Test Score: {score} ({change})",
    },
    "digest.team_never": {
        "en": "*{team}* · {stage} · not assessed yet",
        "es": "*{team}* · {stage} · sin evaluar todavía",
    },
    "digest.gaps": {
        "en": "Mandatory gaps ({count}): {items}",
        "es": "Carencias obligatorias ({count}): {items}",
    },
    "digest.no_gaps": {
        "en": "No mandatory gaps. :white_check_mark:",
        "es": "Sin carencias obligatorias. :white_check_mark:",
    },
    "digest.new_mark": {"en": "new", "es": "nueva"},
    "digest.overdue_title": {
        "en": "*Overdue for an assessment*",
        "es": "*Con la evaluación atrasada*",
    },
    "digest.overdue_line": {
        "en": Plural(
            one="{team}: last assessed {date} (1 day ago)",
            other="{team}: last assessed {date} ({days} days ago)",
            by="days",
        ),
        "es": Plural(
            one="{team}: última evaluación el {date} (hace 1 día)",
            other="{team}: última evaluación el {date} (hace {days} días)",
            by="days",
        ),
    },
    "digest.overdue_never": {
        "en": "{team}: never assessed",
        "es": "{team}: nunca evaluado",
    },
    "digest.away": {"en": "Away: {teams}", "es": "Ausentes: {teams}"},
    "digest.away_team": {"en": "{team} (until {date})", "es": "{team} (hasta el {date})"},
    "digest.skipped": {
        "en": "Skipped this period: {teams}",
        "es": "Se saltan este periodo: {teams}",
    },
    "digest.on_demand": {
        "en": "Posted on request by <@{user}>.",
        "es": "Publicado a petición de <@{user}>.",
    },
    "digest.chart": {
        "en": "The chart of the teams by section follows.",
        "es": "El gráfico de los equipos por sección va a continuación.",
    },
    "digest.empty": {
        "en": "No teams in this channel yet.",
        "es": "Todavía no hay equipos en este canal.",
    },
    # ---- criteria ------------------------------------------------------------------------------
    "criteria.header": {
        "en": "Criteria in force · version {version}",
        "es": "Criterios vigentes · versión {version}",
    },
    "criteria.fallback": {
        "en": "ML Test Score criteria, version {version}",
        "es": "Criterios del ML Test Score, versión {version}",
    },
    "criteria.adopted": {
        "en": "Adopted by <@{user}> on {date}.",
        "es": "Adoptados por <@{user}> el {date}.",
    },
    "criteria.imported": {
        "en": "Imported from a file with `mlscore criteria import` on {date}.",
        "es": "Importados de un archivo con `mlscore criteria import` el {date}.",
    },
    "criteria.default": {
        "en": "The default criteria that come with the bot.",
        "es": "Los criterios por defecto que trae el bot.",
    },
    "criteria.legend": {
        "en": (
            "MUST mandatory · opt interesting, optional · poor poor value, too expensive · "
            "n/a does not make sense"
        ),
        "es": (
            "OBLIG obligatorio · opc interesante, opcional · poco poco valor, demasiado caro · "
            "n/a no tiene sentido"
        ),
    },
    "criteria.item_column": {"en": "Test", "es": "Prueba"},
    "criteria.invite_fallback": {
        "en": "Criteria survey: which tests are mandatory at each stage?",
        "es": "Encuesta de criterios: ¿qué pruebas son obligatorias en cada etapa?",
    },
    "criteria.invite": {
        "en": (
            "<@{user}> opened a criteria survey. For each test and each stage: is it mandatory, "
            "optional, poor value or meaningless? Your answers start from the criteria in "
            "force, and you can change them while the survey is open."
        ),
        "es": (
            "<@{user}> ha abierto una encuesta de criterios. Para cada prueba y cada etapa: "
            "¿es obligatoria, opcional, de poco valor o no tiene sentido? Tus respuestas parten "
            "de los criterios vigentes y puedes cambiarlas mientras la encuesta siga abierta."
        ),
    },
    "criteria.anonymous": {
        "en": "Votes are anonymous: only the counts are shown.",
        "es": "Los votos son anónimos: solo se muestran los recuentos.",
    },
    "criteria.public": {
        "en": "Votes are public: everyone can see who voted what.",
        "es": "Los votos son públicos: todo el mundo puede ver quién votó qué.",
    },
    "criteria.answer": {"en": "Answer the survey", "es": "Responder la encuesta"},
    "survey.title": {"en": "Criteria {page}/{pages}", "es": "Criterios {page}/{pages}"},
    "survey.intro": {
        "en": (
            "*{section}* (page {page} of {pages}). For each test, how much does it matter at "
            "each stage?"
        ),
        "es": (
            "*{section}* (página {page} de {pages}). Para cada prueba, ¿cuánto importa en cada "
            "etapa?"
        ),
    },
    "survey.cell_label": {"en": "{code} at {stage}", "es": "{code} en {stage}"},
    "survey.comment_label": {"en": "Comment on {code}", "es": "Comentario sobre {code}"},
    "survey.error.bad_level": {
        "en": "Choose one of the four levels.",
        "es": "Elige uno de los cuatro niveles.",
    },
    "survey.error.comment_too_long": {
        "en": "This comment has {length} characters; the limit is {max}.",
        "es": "Este comentario tiene {length} caracteres; el máximo es {max}.",
    },
    "results.header": {
        "en": "Criteria survey results",
        "es": "Resultados de la encuesta de criterios",
    },
    "results.fallback": {
        "en": Plural(
            one="Criteria survey results: 1 participant",
            other="Criteria survey results: {participants} participants",
            by="participants",
        ),
        "es": Plural(
            one="Resultados de la encuesta de criterios: 1 participante",
            other="Resultados de la encuesta de criterios: {participants} participantes",
            by="participants",
        ),
    },
    "results.summary": {
        "en": "Participants: {participants} · the survey is {status}.",
        "es": "Participantes: {participants} · la encuesta está {status}.",
    },
    "results.status_open": {"en": "open", "es": "abierta"},
    "results.status_closed": {"en": "closed", "es": "cerrada"},
    "results.method": {
        "en": (
            "Proposed level = the median vote; a tie goes to the stricter level. "
            ":warning: marks a split vote."
        ),
        "es": (
            "Nivel propuesto = la mediana de los votos; un empate va al nivel más estricto. "
            ":warning: marca una votación dividida."
        ),
    },
    "results.no_votes": {"en": "No votes yet.", "es": "Todavía no hay votos."},
    "results.comments_title": {"en": "*Comments*", "es": "*Comentarios*"},
    "results.adopt_hint": {
        "en": "`/mlscore criteria adopt` closes the survey and puts the proposal in force.",
        "es": "`/mlscore criteria adopt` cierra la encuesta y pone la propuesta en vigor.",
    },
    # ---- errors and confirmations --------------------------------------------------------------
    "error.unknown_team": {
        "en": "I don't know a team called *{team}*. `/mlscore teams` lists them.",
        "es": "No conozco ningún equipo llamado *{team}*. `/mlscore teams` los muestra.",
    },
    "error.choose_system": {
        "en": "*{name}* has several systems: say which one, as `<team>/<system>`.",
        "es": "*{name}* tiene varios sistemas: indica cuál, como `<equipo>/<sistema>`.",
    },
    "error.unknown_system": {
        "en": "*{team}* has no system called *{system}*. `/mlscore systems {team}` lists them.",
        "es": (
            "*{team}* no tiene ningún sistema llamado *{system}*. `/mlscore systems {team}` "
            "los muestra."
        ),
    },
    "error.system_not_found": {
        "en": "That system no longer exists (or belongs to another workspace).",
        "es": "Ese sistema ya no existe (o es de otro espacio de trabajo).",
    },
    "error.system_exists": {
        "en": "*{team}* already has a system called *{system}*.",
        "es": "*{team}* ya tiene un sistema llamado *{system}*.",
    },
    "error.last_system": {
        "en": "*{system}* is the only active system of *{team}*; a team keeps at least one.",
        "es": "*{system}* es el único sistema activo de *{team}*; un equipo conserva al menos uno.",
    },
    "error.system_name_empty": {
        "en": "Give the system a name.",
        "es": "Dale un nombre al sistema.",
    },
    "error.system_name_blank": {
        "en": "A system's name needs visible characters.",
        "es": "El nombre de un sistema necesita caracteres visibles.",
    },
    "error.system_name_too_long": {
        "en": "A system's name can have at most {limit} characters.",
        "es": "El nombre de un sistema puede tener como máximo {limit} caracteres.",
    },
    "error.system_name_slash": {
        "en": "A system's name cannot contain `/` (it separates team and system): *{name}*.",
        "es": "El nombre de un sistema no puede contener `/` (separa equipo y sistema): *{name}*.",
    },
    "systems.header": {
        "en": "{team}: systems ({count})",
        "es": "{team}: sistemas ({count})",
    },
    "systems.overview": {
        "en": "{team}: each system, weakest first",
        "es": "{team}: cada sistema, el más débil primero",
    },
    "systems.line": {
        "en": "• *{name}* · {stage} · ML Test Score: {score} {arrow} · gaps: {gaps}{archived}",
        "es": "• *{name}* · {stage} · ML Test Score: {score} {arrow} · carencias: {gaps}{archived}",
    },
    "systems.line_never": {
        "en": "• *{name}* · {stage} · not assessed yet{archived}",
        "es": "• *{name}* · {stage} · aún sin evaluar{archived}",
    },
    "checkin.open_system": {"en": "Assess {system}", "es": "Evaluar {system}"},
    "systems.archived": {"en": " · _archived_", "es": " · _archivado_"},
    "systems.choose": {
        "en": "This team has several systems. Which one?",
        "es": "Este equipo tiene varios sistemas. ¿Cuál?",
    },
    "info.system_added": {
        "en": "Added the system *{system}* to *{team}* (stage: {stage}).",
        "es": "Sistema *{system}* agregado a *{team}* (etapa: {stage}).",
    },
    "info.system_renamed": {
        "en": "Renamed the system to *{system}* in *{team}*.",
        "es": "El sistema de *{team}* ahora se llama *{system}*.",
    },
    "info.system_archived": {
        "en": (
            "Archived the system *{system}* of *{team}*: its history stays, its check-ins stop."
        ),
        "es": (
            "Sistema *{system}* de *{team}* archivado: su historial se conserva y sus "
            "revisiones se detienen."
        ),
    },
    "error.no_team_here": {
        "en": (
            "This channel has no team. Name one (`/mlscore {command} <team>`) or create it with "
            "`/mlscore team create <name>`."
        ),
        "es": (
            "Este canal no tiene equipo. Indica uno (`/mlscore {command} <equipo>`) o créalo con "
            "`/mlscore team create <nombre>`."
        ),
    },
    # ---- refusals: one per action of bot.services.access, each naming what was refused ------
    "refused.read": {
        "en": (
            "*{team}* belongs to <#{channel}>, a private channel you are not in, so its results "
            "are not shown to you. Its members and workspace admins can see them."
        ),
        "es": (
            "*{team}* pertenece a <#{channel}>, un canal privado en el que no estás, así que no "
            "te muestro sus resultados. Pueden verlos sus miembros y los administradores."
        ),
    },
    "refused.post": {
        "en": (
            "Only members of <#{channel}> and admins can post the scorecard of *{team}* there. "
            "Without `public`, the scorecard is shown to you alone."
        ),
        "es": (
            "Solo los miembros de <#{channel}> y los administradores pueden publicar allí la "
            "tarjeta de *{team}*. Sin `public`, la tarjeta se te muestra solo a ti."
        ),
    },
    "refused.assess": {
        "en": "Only members of <#{channel}> and admins can assess *{team}*.",
        "es": "Solo los miembros de <#{channel}> y los administradores pueden evaluar *{team}*.",
    },
    "refused.skip": {
        "en": "Only members of <#{channel}> and admins can skip a check-in of *{team}*.",
        "es": (
            "Solo los miembros de <#{channel}> y los administradores pueden saltarse una "
            "revisión de *{team}*."
        ),
    },
    "refused.schedule": {
        "en": (
            "Only members of <#{channel}> and admins can change when *{team}* checks in "
            "(its schedule, pausing and resuming)."
        ),
        "es": (
            "Solo los miembros de <#{channel}> y los administradores pueden cambiar cuándo "
            "revisa *{team}* (su calendario, pausar y reanudar)."
        ),
    },
    "refused.language": {
        "en": "Only members of <#{channel}> and admins can change the language of *{team}*.",
        "es": (
            "Solo los miembros de <#{channel}> y los administradores pueden cambiar el idioma "
            "de *{team}*."
        ),
    },
    "refused.leads": {
        "en": "Only workspace admins can change the leads of *{team}*.",
        "es": (
            "Solo los administradores del espacio de trabajo pueden cambiar los responsables "
            "de *{team}*."
        ),
    },
    "refused.respondents": {
        "en": (
            "Only workspace admins can change how the answers of *{team}* are combined and shown."
        ),
        "es": (
            "Solo los administradores del espacio de trabajo pueden cambiar cómo se combinan y "
            "se muestran las respuestas de *{team}*."
        ),
    },
    "refused.resolve": {
        "en": "Only the leads of *{team}* and admins can settle its disagreements.",
        "es": (
            "Solo los responsables de *{team}* y los administradores pueden resolver sus "
            "discrepancias."
        ),
    },
    "usage.consensus": {
        "en": "Usage: `/mlscore consensus [team] lead|lowest|median`",
        "es": "Uso: `/mlscore consensus [equipo] lead|lowest|median`",
    },
    "usage.lead": {
        "en": "Usage: `/mlscore lead add|remove @person [team]`",
        "es": "Uso: `/mlscore lead add|remove @persona [equipo]`",
    },
    "usage.responses": {
        "en": "Usage: `/mlscore responses [team|team/system] [anonymous|reminders on|off]`",
        "es": "Uso: `/mlscore responses [equipo|equipo/sistema] [anonymous|reminders on|off]`",
    },
    "parse.bad_rule": {
        "en": "`{value}` is not a consensus rule: lead, lowest or median.",
        "es": "`{value}` no es una regla de consenso: lead, lowest o median.",
    },
    "parse.missing_rule": {
        "en": "Which rule? lead, lowest or median.",
        "es": "¿Qué regla? lead, lowest o median.",
    },
    "info.consensus_set": {
        "en": "*{team}* now agrees by the rule: {rule}",
        "es": "*{team}* ahora llega al acuerdo con la regla: {rule}",
    },
    "info.lead_added": {
        "en": "<@{user}> is now a lead of *{team}*.",
        "es": "<@{user}> es ahora responsable de *{team}*.",
    },
    "info.lead_removed": {
        "en": "<@{user}> is no longer a lead of *{team}*.",
        "es": "<@{user}> ya no es responsable de *{team}*.",
    },
    "info.anonymous_on": {
        "en": "*{team}*'s answers are now shown only as counts, from 3 answers on.",
        "es": (
            "Las respuestas de *{team}* ahora se muestran solo como recuentos, desde 3 respuestas."
        ),
    },
    "info.anonymous_off": {
        "en": "*{team}*'s answers now show who said what.",
        "es": "Las respuestas de *{team}* ahora muestran quién dijo qué.",
    },
    "info.reminders_on": {
        "en": "*{team}*'s reminders now go by DM to the members who have not answered.",
        "es": (
            "Los recordatorios de *{team}* ahora llegan por MD a los miembros que no han "
            "respondido."
        ),
    },
    "info.reminders_off": {
        "en": "*{team}*'s reminders go to its channel again.",
        "es": "Los recordatorios de *{team}* vuelven a publicarse en su canal.",
    },
    "responses.title": {
        "en": "Answers to the check-in of {team}",
        "es": "Respuestas a la revisión de {team}",
    },
    "responses.header": {
        "en": Plural(
            one="1 person answered ({period})", other="{count} people answered ({period})"
        ),
        "es": Plural(
            one="1 persona respondió ({period})", other="{count} personas respondieron ({period})"
        ),
    },
    "responses.none": {
        "en": "Nobody has answered a check-in of *{team}* yet.",
        "es": "Nadie ha respondido aún a una revisión de *{team}*.",
    },
    "responses.hidden": {
        "en": "Anonymous: no breakdown is shown below 3 answers.",
        "es": "Anónimo: no se muestra el desglose con menos de 3 respuestas.",
    },
    "responses.hidden_settle": {
        "en": (
            "The breakdown stays hidden below 3 answers, but you can still settle the tests "
            "they disagree on: the form lists those tests only, with the rule's choice."
        ),
        "es": (
            "El desglose sigue oculto con menos de 3 respuestas, pero puedes resolver las "
            "pruebas en las que discrepan: el formulario solo muestra esas pruebas, con la "
            "elección de la regla."
        ),
    },
    "responses.agree": {
        "en": "Everyone gave the same answers.",
        "es": "Todos dieron las mismas respuestas.",
    },
    "responses.disputed": {
        "en": Plural(one="They disagree on 1 test:", other="They disagree on {count} tests:"),
        "es": Plural(one="Discrepan en 1 prueba:", other="Discrepan en {count} pruebas:"),
    },
    "responses.full": {"en": "a full level apart", "es": "a un nivel completo"},
    "responses.any": {"en": "one step apart", "es": "a un paso"},
    "responses.count": {
        "en": Plural(one="{label}: 1 person", other="{label}: {count} people"),
        "es": Plural(one="{label}: 1 persona", other="{label}: {count} personas"),
    },
    "responses.settled": {
        "en": "→ settled by <@{user}>: *{level}*",
        "es": "→ resuelto por <@{user}>: *{level}*",
    },
    "responses.rule.lead": {
        "en": "Rule: a lead confirms (until then, the lead's own answer or the lowest)",
        "es": "Regla: un responsable confirma (hasta entonces, su respuesta o la más baja)",
    },
    "responses.rule.lowest": {
        "en": "Rule: each test's lowest answer",
        "es": "Regla: la respuesta más baja de cada prueba",
    },
    "responses.rule.median": {
        "en": "Rule: each test's median answer (a tie goes to the lower level)",
        "es": "Regla: la respuesta mediana de cada prueba (un empate va al nivel más bajo)",
    },
    "responses.resolve_button": {"en": "Settle disagreements", "es": "Resolver discrepancias"},
    "responses.lead_intro": {
        "en": Plural(
            one="The answers to *{team}*'s check-in differ on 1 test. Please confirm it.",
            other=(
                "The answers to *{team}*'s check-in differ on {count} tests. Please confirm them."
            ),
        ),
        "es": Plural(
            one="Las respuestas a la revisión de *{team}* difieren en 1 prueba. Confírmala.",
            other=(
                "Las respuestas a la revisión de *{team}* difieren en {count} pruebas. Confírmalas."
            ),
        ),
    },
    "responses.modal_title": {"en": "Settle answers", "es": "Resolver respuestas"},
    "responses.modal_submit": {"en": "Confirm", "es": "Confirmar"},
    "responses.modal_intro": {
        "en": "Only the tests *{team}*'s people disagree on, set to what the team's rule chose.",
        "es": (
            "Solo las pruebas en las que discrepan las personas de *{team}*, con lo que eligió "
            "la regla del equipo."
        ),
    },
    "responses.pick": {"en": "Choose a level", "es": "Elige un nivel"},
    "responses.nothing_to_resolve": {
        "en": "There is nothing left to settle in that check-in.",
        "es": "No queda nada por resolver en esa revisión.",
    },
    "responses.not_latest": {
        "en": (
            "That check-in of *{team}* is no longer the latest one answered: only the latest "
            "can be settled."
        ),
        "es": (
            "Esa revisión de *{team}* ya no es la última respondida: solo se puede resolver "
            "la última."
        ),
    },
    "responses.resolved": {
        "en": "Thanks: the agreed result of *{team}* is stored.",
        "es": "Gracias: se guardó el resultado acordado de *{team}*.",
    },
    "responses.answered": {
        "en": "{answered} of {members} answered",
        "es": "{answered} de {members} respondieron",
    },
    "responses.reminder_dm": {
        "en": "You have not answered *{team}*'s check-in yet. It takes a few minutes.",
        "es": "Aún no has respondido la revisión de *{team}*. Son unos minutos.",
    },
    "responses.chart_alt": {
        "en": "How {count} people answered each test of {team} in {period}",
        "es": "Cómo respondieron {count} personas cada prueba de {team} en {period}",
    },
    "refused.digest": {
        "en": "Only members of <#{channel}> and admins can post its summary.",
        "es": "Solo los miembros de <#{channel}> y los administradores pueden publicar su resumen.",
    },
    "refused.stage": {
        "en": "Only workspace admins can change the stage of *{team}*.",
        "es": (
            "Solo los administradores del espacio de trabajo pueden cambiar la etapa de *{team}*."
        ),
    },
    "refused.criteria": {
        "en": "Only workspace admins can change the criteria or run their survey.",
        "es": (
            "Solo los administradores del espacio de trabajo pueden cambiar los criterios o "
            "abrir su encuesta."
        ),
    },
    "refused.waive": {
        "en": "Only members of <#{channel}> and admins can ask for a waiver for *{team}*.",
        "es": (
            "Solo los miembros de <#{channel}> y los administradores pueden pedir una dispensa "
            "para *{team}*."
        ),
    },
    "refused.approve_waiver": {
        "en": "Only the leads of *{team}* and workspace admins can approve or reject its waivers.",
        "es": (
            "Solo los responsables de *{team}* y los administradores del espacio de trabajo "
            "pueden aprobar o rechazar sus dispensas."
        ),
    },
    "refused.plan": {
        "en": "Only the leads of *{team}* and workspace admins can make a plan for it.",
        "es": (
            "Solo los responsables de *{team}* y los administradores del espacio de trabajo "
            "pueden hacer un plan para él."
        ),
    },
    "refused.stage_override": {
        "en": "Only workspace admins can move *{team}* past the stage gate.",
        "es": (
            "Solo los administradores del espacio de trabajo pueden mover *{team}* sin cumplir "
            "la etapa."
        ),
    },
    "refused.export": {
        "en": "Only workspace admins can export data: an export holds everyone's notes.",
        "es": (
            "Solo los administradores del espacio de trabajo pueden exportar datos: una "
            "exportación contiene las notas de todos."
        ),
    },
    "refused.erase": {
        "en": "Only workspace admins can erase data.",
        "es": "Solo los administradores del espacio de trabajo pueden borrar datos.",
    },
    "refused.systems": {
        "en": "Only workspace admins can add, rename or archive the systems of *{team}*.",
        "es": (
            "Solo los administradores del espacio de trabajo pueden agregar, renombrar o "
            "archivar los sistemas de *{team}*."
        ),
    },
    "refused.create_team": {
        "en": "Only workspace admins can create teams.",
        "es": "Solo los administradores del espacio de trabajo pueden crear equipos.",
    },
    "error.slack_trouble": {
        "en": "Slack is having trouble right now. Nothing was lost; please try again in a minute.",
        "es": (
            "Slack tiene problemas ahora mismo. No se ha perdido nada; inténtalo de nuevo en un "
            "minuto."
        ),
    },
    "error.slack_unconfirmed": {
        "en": (
            "Slack did not confirm in time that the message reached <#{channel}>; it may be there. "
            "Please look in the channel before asking again, so it is not posted twice."
        ),
        "es": (
            "Slack no ha confirmado a tiempo que el mensaje llegara a <#{channel}>; puede que esté "
            "ahí. Mira el canal antes de volver a pedirlo, para que no se publique dos veces."
        ),
    },
    "error.slack": {
        "en": "Slack refused that request ({error}). Nothing was lost; please try again.",
        "es": (
            "Slack ha rechazado la petición ({error}). No se ha perdido nada; inténtalo de nuevo."
        ),
    },
    "error.stale_view": {
        "en": "This form or button is out of date. Run the command again to get a fresh one.",
        "es": (
            "Este formulario o botón está desfasado. Vuelve a lanzar el comando para tener uno "
            "nuevo."
        ),
    },
    "error.storage": {
        "en": "I could not save this right now. Your answers are still here; please try again.",
        "es": "No he podido guardarlo ahora mismo. Tus respuestas siguen aquí; inténtalo de nuevo.",
    },
    "assess.announce_not_read": {
        "en": (
            "Your assessment is saved, but I could not read it back to post its scorecard. "
            "`/mlscore scorecard` shows it once the database answers again."
        ),
        "es": (
            "Tu evaluación está guardada, pero no he podido leerla para publicar su resultado. "
            "`/mlscore scorecard` lo mostrará cuando la base de datos vuelva a responder."
        ),
    },
    "assess.announce_failed": {
        "en": (
            "The assessment of *{team}* is saved, but I could not post it to the team's channel. "
            "Is the bot a member of it?"
        ),
        "es": (
            "La evaluación de *{team}* está guardada, pero no he podido publicarla en el canal "
            "del equipo. ¿Está el bot en ese canal?"
        ),
    },
    "assess.announce_unconfirmed": {
        "en": (
            "Your assessment of *{team}* is saved. Slack did not confirm in time that the "
            "announcement reached <#{channel}>; it may be there."
        ),
        "es": (
            "Tu evaluación de *{team}* está guardada. Slack no ha confirmado a tiempo que el "
            "anuncio llegara a <#{channel}>; puede que esté ahí."
        ),
    },
    "error.internal": {
        "en": "Something went wrong on my side and it has been logged. Please try again.",
        "es": "Algo ha fallado por mi parte y ha quedado registrado. Inténtalo de nuevo.",
    },
    "assess.draft_not_kept": {
        "en": (
            "I could not keep what you typed in the assessment form you just closed: storage "
            "is unavailable right now. Pages you had already moved past are kept; open the form "
            "again in a minute to go on."
        ),
        "es": (
            "No he podido guardar lo que escribiste en el formulario de evaluación que acabas "
            "de cerrar: el almacenamiento no está disponible ahora mismo. Las páginas que ya "
            "habías pasado se conservan; vuelve a abrir el formulario en un minuto para seguir."
        ),
    },
    "error.storage_unavailable": {
        "en": "Storage is unavailable right now, so I cannot do that. Try again in a minute.",
        "es": (
            "El almacenamiento no está disponible ahora mismo, así que no puedo hacerlo. "
            "Inténtalo de nuevo en un minuto."
        ),
    },
    "error.lookup_unavailable": {
        "en": (
            "I could not check with Slack who may do that: Slack asked me to slow down or did "
            "not answer. Nothing was refused; try again in a minute."
        ),
        "es": (
            "No he podido comprobar con Slack quién puede hacer eso: Slack me ha pedido que "
            "vaya más despacio o no ha respondido. No se ha denegado nada; inténtalo de nuevo "
            "en un minuto."
        ),
    },
    "error.unexpected": {
        "en": "Something unexpected went wrong and it has been logged. Please try again.",
        "es": "Ha pasado algo inesperado y ha quedado registrado. Inténtalo de nuevo.",
    },
    "error.no_assessment": {
        "en": "*{team}* has not been assessed yet. Start with `/mlscore assess`.",
        "es": "*{team}* no se ha evaluado todavía. Empieza con `/mlscore assess`.",
    },
    "error.team_exists": {
        "en": "There is already a team called *{team}*.",
        "es": "Ya existe un equipo llamado *{team}*.",
    },
    "error.channel_taken": {
        "en": "<#{channel}> already belongs to *{team}*.",
        "es": "<#{channel}> ya pertenece a *{team}*.",
    },
    "error.unknown_item": {
        "en": "There is no test called `{item}` in the rubric.",
        "es": "No hay ninguna prueba llamada `{item}` en la rúbrica.",
    },
    "error.waiver_reason": {
        "en": "Say why the test does not apply: a waiver needs a reason.",
        "es": "Di por qué no aplica la prueba: una dispensa necesita un motivo.",
    },
    "error.waiver_reason_too_long": {
        "en": "Keep the reason under {limit} characters.",
        "es": "El motivo debe tener menos de {limit} caracteres.",
    },
    "error.waiver_expiry_past": {
        "en": "{date} has passed: a waiver ends today or later.",
        "es": "{date} ya pasó: una dispensa acaba hoy o más tarde.",
    },
    "error.waiver_expiry_too_far": {
        "en": "{date} is more than a year away: a waiver lasts at most one year.",
        "es": "{date} está a más de un año: una dispensa dura como mucho un año.",
    },
    "error.waiver_expired": {
        "en": "The waiver of `{item}` expired on {date}: it can no longer be approved. Ask again.",
        "es": "La dispensa de `{item}` caducó el {date}: ya no se puede aprobar. Pídela de nuevo.",
    },
    "refused.waiver_own": {
        "en": "You asked for the waiver of `{item}`: another lead or an admin decides it.",
        "es": "Tú pediste la dispensa de `{item}`: la decide otro responsable o un administrador.",
    },
    "error.waiver_decided": {
        "en": "The waiver of `{item}` was already {status} by <@{who}>.",
        "es": "La dispensa de `{item}` ya fue {status} por <@{who}>.",
    },
    "error.plan_date_past": {
        "en": "{date} is not ahead: a plan's target date is after today.",
        "es": "{date} no está por delante: la fecha objetivo de un plan es posterior a hoy.",
    },
    "error.plan_date_too_far": {
        "en": "{date} is more than a year ahead: pick a target date within a year.",
        "es": "{date} está a más de un año: elige una fecha objetivo dentro de un año.",
    },
    "error.plan_owner_cannot_read": {
        "en": "<@{user}> cannot see *{team}*: pick an owner who is in its channel.",
        "es": "<@{user}> no puede ver *{team}*: elige un responsable que esté en su canal.",
    },
    "error.system_archived_plans": {
        "en": "*{team}* is archived: it takes no plans or waivers.",
        "es": "*{team}* está archivado: no admite planes ni dispensas.",
    },
    "error.plan_owner_missing": {
        "en": "Every test of the plan needs an owner.",
        "es": "Cada prueba del plan necesita un responsable.",
    },
    "error.nothing_to_plan": {
        "en": "*{team}* already meets every test mandatory at that stage: nothing to plan.",
        "es": "*{team}* ya cumple todas las pruebas obligatorias de esa etapa: nada que planear.",
    },
    "info.waiver_requested": {
        "en": "Asked to waive `{item}` for *{team}* until {date}; approvers told: {count}.",
        "es": (
            "Pedida la dispensa de `{item}` para *{team}* hasta el {date}; aprobadores "
            "avisados: {count}."
        ),
    },
    "info.waiver_no_approver": {
        "en": (
            "Asked to waive `{item}` for *{team}* until {date}, but nobody could be told: "
            "*{team}* has no other lead and no mlscore admin could be reached. It stays pending "
            "until a lead of *{team}* or a workspace admin decides it with `/mlscore waivers`."
        ),
        "es": (
            "Pedida la dispensa de `{item}` para *{team}* hasta el {date}, pero no se pudo "
            "avisar a nadie: *{team}* no tiene otro responsable y no se pudo avisar a ningún "
            "administrador de mlscore. Queda pendiente hasta que un responsable de *{team}* o un "
            "administrador del espacio de trabajo la decida con `/mlscore dispensas`."
        ),
    },
    "info.no_pending_waivers": {
        "en": "No pending waivers for you to decide.",
        "es": "No hay dispensas pendientes que te toque decidir.",
    },
    "info.plan_created": {
        "en": "Plan made: *{team}* to {stage} by {date}; tests: {count}; each owner told.",
        "es": (
            "Plan hecho: *{team}* a {stage} para el {date}, {count} pruebas; avisados los "
            "responsables."
        ),
    },
    "digest.waivers_ending": {
        "en": "Waivers ending soon: {items}",
        "es": "Dispensas que acaban pronto: {items}",
    },
    "digest.plan": {
        "en": "Plan to {stage} by {date}: {met}/{total} met",
        "es": "Plan a {stage} para el {date}: {met}/{total} cumplidas",
    },
    "digest.plan_overdue": {
        "en": "Plan to {stage} by {date}: {met}/{total} met, *overdue*",
        "es": "Plan a {stage} para el {date}: {met}/{total} cumplidas, *vencido*",
    },
    "usage.plan": {
        "en": "Usage: `/mlscore plan [system] research|roadmap|production`",
        "es": "Uso: `/mlscore plan [sistema] investigación|hoja de ruta|producción`",
    },
    "usage.waive": {
        "en": "Usage: `/mlscore waive [system] <test> YYYY-MM-DD <reason>`",
        "es": "Uso: `/mlscore waive [sistema] <prueba> AAAA-MM-DD <motivo>`",
    },
    "error.no_survey": {
        "en": "There is no criteria survey open. `/mlscore criteria survey` opens one.",
        "es": "No hay ninguna encuesta de criterios abierta. `/mlscore criteria survey` abre una.",
    },
    "error.survey_open": {
        "en": "A criteria survey is already open. `/mlscore criteria results` shows how it goes.",
        "es": (
            "Ya hay una encuesta de criterios abierta. `/mlscore criteria results` muestra cómo va."
        ),
    },
    "error.expired": {
        "en": "This form has expired. Run the command again to get a fresh one.",
        "es": "Este formulario ha caducado. Vuelve a lanzar el comando para tener uno nuevo.",
    },
    "info.team_created": {
        "en": "Team *{team}* created in <#{channel}>.",
        "es": "Equipo *{team}* creado en <#{channel}>.",
    },
    "info.team_first_checkin": {
        "en": (
            "It gets a check-in {rule}; the first one is on {date}. To change that: "
            "`/mlscore schedule weekly|biweekly|monthly|quarterly|off [day] [HH:MM] [time zone]`."
        ),
        "es": (
            "Tendrá una revisión {rule}; la primera, el {date}. Para cambiarlo: "
            "`/mlscore schedule weekly|biweekly|monthly|quarterly|off [día] [HH:MM] "
            "[zona horaria]`."
        ),
    },
    "info.stage_set": {
        "en": "*{team}* is now at the *{stage}* stage.",
        "es": "*{team}* está ahora en la etapa *{stage}*.",
    },
    "info.language_set": {
        "en": "From now on I speak English with *{team}*.",
        "es": "A partir de ahora hablo en español con *{team}*.",
    },
    "info.criteria_adopted": {
        "en": "Criteria version {version} is now in force.",
        "es": "La versión {version} de los criterios está ahora en vigor.",
    },
    "info.criteria_adjusted": {
        "en": (
            "To keep requirements from loosening as the stage advances, these cells were raised:"
        ),
        "es": ("Para que la exigencia no baje al avanzar de etapa, se han subido estas celdas:"),
    },
    "info.criteria_cell_set": {
        "en": "*{item}* at *{stage}* is now “{level}” (criteria version {version}).",
        "es": "*{item}* en *{stage}* pasa a ser «{level}» (criterios versión {version}).",
    },
    "info.survey_opened": {
        "en": "The criteria survey is open in <#{channel}>.",
        "es": "La encuesta de criterios está abierta en <#{channel}>.",
    },
    "info.survey_saved": {
        "en": "Thanks! Your answers are saved; you can change them while the survey is open.",
        "es": "¡Gracias! Tus respuestas están guardadas; puedes cambiarlas mientras siga abierta.",
    },
    "info.assessment_saved": {
        "en": "Thanks! The assessment of *{team}* is saved.",
        "es": "¡Gracias! La evaluación de *{team}* está guardada.",
    },
    "info.team_erased": {
        "en": "Team *{team}* and all its history were erased.",
        "es": "Se han borrado el equipo *{team}* y todo su historial.",
    },
    "info.notes_erased": {
        "en": "The notes written by <@{user}> were erased ({count}).",
        "es": "Se han borrado las notas escritas por <@{user}> ({count}).",
    },
    "info.digest_posted": {
        "en": "The summary was posted in <#{channel}>.",
        "es": "El resumen se ha publicado en <#{channel}>.",
    },
    "info.digest_posted_no_chart": {
        "en": (
            "The summary was posted in <#{channel}>, but Slack would not take its chart. "
            "No need to ask again: the text is all there."
        ),
        "es": (
            "El resumen se ha publicado en <#{channel}>, pero Slack no ha aceptado su gráfico. "
            "No hace falta pedirlo otra vez: el texto está completo."
        ),
    },
    "info.scorecard_posted": {
        "en": "The scorecard of *{team}* is posted in <#{channel}>.",
        "es": "El resultado de *{team}* está publicado en <#{channel}>.",
    },
    "info.messages_edited": {
        "en": "Messages of mine that showed the erased text, now edited: {count}.",
        "es": "Mensajes míos que mostraban el texto borrado, ya editados: {count}.",
    },
    "info.files_deleted": {
        "en": "Exports I had uploaded that held it, now deleted from Slack: {count}.",
        "es": "Exportaciones que había subido y que lo contenían, ya borradas de Slack: {count}.",
    },
    "info.files_not_deleted": {
        "en": (
            "Exports that held it and that I could not delete now: {count}. Erasing again "
            "tries them again."
        ),
        "es": (
            "Exportaciones que lo contenían y que no he podido borrar ahora: {count}. Si "
            "vuelves a borrar, lo intento de nuevo."
        ),
    },
    "info.messages_not_edited": {
        "en": (
            "Messages of mine that showed the erased text and that I could not edit now: "
            "{count}. Erasing again tries them again."
        ),
        "es": (
            "Mensajes míos que mostraban el texto borrado y que no he podido editar ahora: "
            "{count}. Si vuelves a borrar, lo intento de nuevo."
        ),
    },
    "erased.post": {
        "en": "This message showed notes that have since been erased.",
        "es": "Este mensaje mostraba notas que se han borrado.",
    },
    "info.export_ready": {
        "en": "Here is the history of *{team}*.",
        "es": "Aquí tienes el historial de *{team}*.",
    },
    "info.export_ready_workspace": {
        "en": "Here is the history of every team in this workspace, in *{file}*.",
        "es": (
            "Aquí tienes el historial de todos los equipos de este espacio de trabajo, en *{file}*."
        ),
    },
    # ---- messages of the listeners and use cases ---------------------------------------------
    "error.not_available": {
        "en": "That command is not available in this installation.",
        "es": "Ese comando no está disponible en esta instalación.",
    },
    "error.channel_mention_needed": {
        "en": "Mention the channel so I know which one it is: `#{name}` → pick it from the list.",
        "es": "Menciona el canal para saber cuál es: `#{name}` → elígelo de la lista.",
    },
    "error.bad_schedule": {
        "en": "That schedule does not work: {reason}",
        "es": "Esa programación no sirve: {reason}",
    },
    "error.team_name_empty": {
        "en": "A team needs a name: `/mlscore team create <name>`.",
        "es": "Un equipo necesita un nombre: `/mlscore team create <nombre>`.",
    },
    "error.team_name_blank": {
        "en": (
            "That name has no visible characters (spaces, zero-width or direction marks do "
            "not count). Type the name people will see."
        ),
        "es": (
            "Ese nombre no tiene caracteres visibles (los espacios, los de anchura cero y las "
            "marcas de dirección no cuentan). Escribe el nombre que verá la gente."
        ),
    },
    "error.nul": {
        "en": (
            "Your text contains a NUL character (code 0), which cannot be stored. Remove it and "
            "try again; nothing was saved."
        ),
        "es": (
            "Tu texto contiene un carácter NUL (código 0), que no se puede guardar. Quítalo e "
            "inténtalo de nuevo; no se ha guardado nada."
        ),
    },
    "error.channel_is_dm": {
        "en": (
            "A team needs a channel, not a direct message. Type this in the team's channel, or "
            "name it: `/mlscore team create <name> #channel`."
        ),
        "es": (
            "Un equipo necesita un canal, no un mensaje directo. Escríbelo en el canal del "
            "equipo, o indícalo: `/mlscore team create <nombre> #canal`."
        ),
    },
    "error.channel_not_found": {
        "en": (
            "I can't see <#{channel}> in this workspace. If it is a private channel, invite me "
            "first with `/invite @mlscore` in it, then try again."
        ),
        "es": (
            "No veo <#{channel}> en este espacio de trabajo. Si es un canal privado, invítame "
            "antes con `/invite @mlscore` en él, e inténtalo de nuevo."
        ),
    },
    "error.channel_archived": {
        "en": "<#{channel}> is archived, so I can't post check-ins there.",
        "es": "<#{channel}> está archivado, así que no puedo publicar revisiones ahí.",
    },
    "error.bot_not_in_channel": {
        "en": (
            "I'm not in <#{channel}>, so I couldn't post check-ins there. Invite me with "
            "`/invite @mlscore` in that channel, then try again."
        ),
        "es": (
            "No estoy en <#{channel}>, así que no podría publicar revisiones ahí. Invítame con "
            "`/invite @mlscore` en ese canal e inténtalo de nuevo."
        ),
    },
    "error.checkin_gone": {
        "en": (
            "This check-in of *{team}* no longer exists. `/mlscore assess` opens the current "
            "assessment."
        ),
        "es": (
            "Esta revisión de *{team}* ya no existe. `/mlscore assess` abre la evaluación actual."
        ),
    },
    "error.foreign_view": {
        "en": (
            "This form or button belongs to another Slack workspace, so I can't act on it here."
        ),
        "es": (
            "Este formulario o botón pertenece a otro espacio de trabajo de Slack, así que no "
            "puedo usarlo aquí."
        ),
    },
    "error.team_name_too_long": {
        "en": "Team names can have at most {limit} characters.",
        "es": "El nombre de un equipo puede tener como mucho {limit} caracteres.",
    },
    "error.unknown_workspace": {
        "en": "I don't know this workspace yet. Reinstall the app, then try again.",
        "es": "Todavía no conozco este espacio de trabajo. Reinstala la app e inténtalo de nuevo.",
    },
    "error.no_team_in_channel": {
        "en": (
            "This channel has no team. Name one, or create it here with "
            "`/mlscore team create <name>`."
        ),
        "es": (
            "Este canal no tiene equipo. Indica uno, o créalo aquí con "
            "`/mlscore team create <nombre>`."
        ),
    },
    "error.unknown_language": {
        "en": "I speak `en` and `es`, not `{language}`.",
        "es": "Hablo `en` y `es`, no `{language}`.",
    },
    "error.unknown_timezone": {
        "en": "`{tz}` is not a time zone I know. Use an IANA name such as `Europe/Madrid`.",
        "es": "No conozco la zona horaria `{tz}`. Usa un nombre IANA como `Europe/Madrid`.",
    },
    "error.team_not_found": {
        "en": (
            "That team does not exist here: it was erased, or this belongs to another "
            "workspace. `/mlscore teams` lists the current ones."
        ),
        "es": (
            "Ese equipo no existe aquí: se borró, o esto pertenece a otro espacio de trabajo. "
            "`/mlscore teams` muestra los actuales."
        ),
    },
    "error.unknown_rubric": {
        "en": "The rubric `{rubric}` is not installed here.",
        "es": "La rúbrica `{rubric}` no está instalada aquí.",
    },
    "error.workspace_required": {
        "en": "There are {count} workspaces; say which one to export.",
        "es": "Hay {count} espacios de trabajo; indica cuál exportar.",
    },
    "error.unknown_export_format": {
        "en": "I can export as `csv` or `json`, not `{format}`.",
        "es": "Puedo exportar en `csv` o `json`, no en `{format}`.",
    },
    "error.answer_missing": {
        "en": "*{item}* has no answer yet. Every test needs one.",
        "es": "*{item}* todavía no tiene respuesta. Todas las pruebas la necesitan.",
    },
    "error.invalid_choice": {
        "en": "`{choice}` is not a valid answer for *{item}*.",
        "es": "`{choice}` no es una respuesta válida para *{item}*.",
    },
    "error.note_too_long": {
        "en": "The note on *{item}* has {length} characters; the limit is {limit}.",
        "es": "La nota de *{item}* tiene {length} caracteres; el límite es {limit}.",
    },
    "error.overall_note_too_long": {
        "en": "The overall note has {length} characters; the limit is {limit}.",
        "es": "La nota general tiene {length} caracteres; el límite es {limit}.",
    },
    "error.no_schedule": {
        "en": "*{team}* has no check-in schedule. Set one with `/mlscore schedule`.",
        "es": "*{team}* no tiene calendario de revisiones. Ponle uno con `/mlscore schedule`.",
    },
    "checkin.already_skipped": {
        "en": "The check-in of {period} for *{team}* was already skipped.",
        "es": "La revisión de {period} de *{team}* ya se había saltado.",
    },
    "error.already_answered": {
        "en": "*{team}* already answered the check-in of {period}.",
        "es": "*{team}* ya respondió a la revisión de {period}.",
    },
    "error.checkin_superseded": {
        "en": (
            "The check-in of {period} for *{team}* is past: a newer one has been asked. Answer "
            "that one; *Update* here still amends this one."
        ),
        "es": (
            "La revisión de {period} de *{team}* ya pasó: se ha preguntado una más reciente. "
            "Responde a esa; *Actualizar* aquí todavía corrige esta."
        ),
    },
    "error.you_answered": {
        "en": (
            "You already answered the check-in of {period} for *{team}*; *Update* changes "
            "your answers."
        ),
        "es": (
            "Ya respondiste a la revisión de {period} de *{team}*; *Actualizar* cambia tus "
            "respuestas."
        ),
    },
    "error.pause_in_past": {
        "en": "{date} is in the past. Pick a date to come back on.",
        "es": "{date} ya ha pasado. Elige la fecha de vuelta.",
    },
    # ---- the criteria survey ------------------------------------------------------------------
    "criteria.error.round_closed": {
        "en": "This criteria survey is closed; it takes no more answers.",
        "es": "Esta encuesta de criterios está cerrada; ya no admite respuestas.",
    },
    "criteria.error.import": {
        "en": "I could not import that criteria file:\n{reason}",
        "es": "No he podido importar ese archivo de criterios:\n{reason}",
    },
    "criteria.error.cell_unchanged": {
        "en": "*{item}* at *{stage}* is already “{level}”. Nothing changed.",
        "es": "*{item}* en *{stage}* ya es «{level}». No ha cambiado nada.",
    },
    "criteria.error.would_loosen": {
        "en": (
            "*{item}* is “{earlier_level}” at *{earlier_stage}*, so it cannot be “{level}” at "
            "*{stage}*: requirements never loosen as the stage advances. Lower *{earlier_stage}* "
            "first."
        ),
        "es": (
            "*{item}* es «{earlier_level}» en *{earlier_stage}*, así que no puede ser «{level}» "
            "en *{stage}*: la exigencia nunca baja al avanzar de etapa. Baja antes "
            "*{earlier_stage}*."
        ),
    },
    "criteria.survey_channel_needed": {
        "en": "Name the channel for the invitation with a mention, for example `#ml-teams`.",
        "es": "Indica el canal de la invitación con una mención, por ejemplo `#ml-equipos`.",
    },
    "criteria.invite_failed": {
        "en": (
            "The survey is open, but I could not post the invitation in <#{channel}>. Invite me "
            "to the channel; the survey stays open."
        ),
        "es": (
            "La encuesta está abierta, pero no he podido publicar la invitación en <#{channel}>. "
            "Invítame al canal; la encuesta sigue abierta."
        ),
    },
    "criteria.chart_follows": {
        "en": "The matrix as an image follows in a direct message.",
        "es": "La matriz en imagen va a continuación en un mensaje directo.",
    },
    "results.round": {
        "en": "Survey opened by <@{user}> on {date} · {privacy}",
        "es": "Encuesta abierta por <@{user}> el {date} · {privacy}",
    },
    "results.privacy_anonymous": {"en": "anonymous", "es": "anónima"},
    "results.privacy_public": {"en": "public votes", "es": "votos públicos"},
    "results.hidden": {
        "en": Plural(
            one=(
                "1 cell has fewer than {threshold} votes. In an anonymous survey its counts stay "
                "hidden, and adopting keeps its level in force."
            ),
            other=(
                "{count} cells have fewer than {threshold} votes. In an anonymous survey their "
                "counts stay hidden, and adopting keeps their level in force."
            ),
        ),
        "es": Plural(
            one=(
                "1 celda tiene menos de {threshold} votos. En una encuesta anónima sus recuentos "
                "no se muestran, y al adoptar conserva el nivel vigente."
            ),
            other=(
                "{count} celdas tienen menos de {threshold} votos. En una encuesta anónima sus "
                "recuentos no se muestran, y al adoptar conservan el nivel vigente."
            ),
        ),
    },
    "results.voters_list": {
        "en": "*Answered:*",
        "es": "*Han respondido:*",
    },
    "results.voters_title": {
        "en": "*Who voted what* (cells where everyone agreed are not listed)",
        "es": "*Quién votó qué* (no se listan las celdas en las que todos coincidieron)",
    },
    "adopt.closed_without_votes": {
        "en": (
            "The survey is closed. Nobody answered it, so the criteria in force (version "
            "{version}) stay as they are."
        ),
        "es": (
            "La encuesta está cerrada. Nadie la respondió, así que los criterios vigentes "
            "(versión {version}) se quedan como están."
        ),
    },
    "adopt.summary": {"en": "{answered}; {changed}.", "es": "{answered}; {changed}."},
    "adopt.answered": {
        "en": Plural(
            one="1 person answered the survey",
            other="{participants} people answered the survey",
            by="participants",
        ),
        "es": Plural(
            one="1 persona respondió la encuesta",
            other="{participants} personas respondieron la encuesta",
            by="participants",
        ),
    },
    "adopt.changed": {
        "en": Plural(one="1 cell changed", other="{changes} cells changed", by="changes"),
        "es": Plural(
            one="ha cambiado 1 celda", other="han cambiado {changes} celdas", by="changes"
        ),
    },
    "adopt.changes_title": {
        "en": "Cells changed by the survey:",
        "es": "Celdas que cambia la encuesta:",
    },
    "adopt.kept": {
        "en": Plural(
            one=(
                "1 cell had fewer than {threshold} votes in this anonymous survey and keeps its "
                "level in force."
            ),
            other=(
                "{count} cells had fewer than {threshold} votes in this anonymous survey and keep "
                "their level in force."
            ),
        ),
        "es": Plural(
            one=(
                "1 celda tuvo menos de {threshold} votos en esta encuesta anónima y conserva su "
                "nivel vigente."
            ),
            other=(
                "{count} celdas tuvieron menos de {threshold} votos en esta encuesta anónima y "
                "conservan su nivel vigente."
            ),
        ),
    },
    "adopt.announce": {
        "en": "<@{user}> adopted the survey's proposal: criteria version {version} is in force.",
        "es": (
            "<@{user}> ha adoptado la propuesta de la encuesta: está en vigor la versión "
            "{version} de los criterios."
        ),
    },
    "set.summary": {
        "en": "Reason (kept in the audit log): {reason}",
        "es": "Motivo (queda en el registro de auditoría): {reason}",
    },
    "error.chart_failed": {
        "en": "I could not post the chart of *{team}* (Slack refused the file). Try again later.",
        "es": "No he podido publicar el gráfico de *{team}* (Slack rechazó el archivo). "
        "Inténtalo más tarde.",
    },
    "trend.reply": {
        "en": "*{team}*: {line} The chart is in your messages with me.",
        "es": "*{team}*: {line} Tienes el gráfico en tus mensajes conmigo.",
    },
    # ---- evidence and freshness ----------------------------------------------------------------
    "assess.stale_intro": {
        "en": "Past their freshness window, confirm or update them: {items}. They come first.",
        "es": "Fuera de su plazo de vigencia, confírmalas o actualízalas: {items}. Van primero.",
    },
    "assess.stale_label": {"en": "⚠ {label} (stale)", "es": "⚠ {label} (caducada)"},
    "assess.evidence_url_label": {
        "en": "Evidence link for {code}",
        "es": "Enlace de evidencia de {code}",
    },
    "assess.evidence_url_placeholder": {
        "en": "https://… (documentation, dashboard, CI job)",
        "es": "https://… (documentación, panel, trabajo de CI)",
    },
    "assess.evidence_label_label": {
        "en": "Link label for {code}",
        "es": "Título del enlace de {code}",
    },
    "assess.evidence_label_placeholder": {
        "en": "e.g. Schema check in CI",
        "es": "p. ej. Validación del esquema en CI",
    },
    "assess.error.evidence_url": {
        "en": "Use a full link starting with http:// or https://.",
        "es": "Usa un enlace completo que empiece por http:// o https://.",
    },
    "assess.error.evidence_label_too_long": {
        "en": "Keep the label within {max} characters.",
        "es": "El título no puede pasar de {max} caracteres.",
    },
    "error.evidence_url": {
        "en": "The evidence link of {item} is not an http(s) link.",
        "es": "El enlace de evidencia de {item} no es un enlace http(s).",
    },
    "error.evidence_label_too_long": {
        "en": "The evidence label of {item} is over {limit} characters.",
        "es": "El título de la evidencia de {item} pasa de {limit} caracteres.",
    },
    "scorecard.evidence_title": {"en": "*Evidence*", "es": "*Evidencias*"},
    "scorecard.stale": {
        "en": "*Stale claims, to confirm again:* {items}",
        "es": "*Respuestas caducadas, por confirmar de nuevo:* {items}",
    },
    "scorecard.stale_item": {"en": "{item} (since {date})", "es": "{item} (desde el {date})"},
    "scorecard.failing": {
        "en": "*Failing in CI:* {items}",
        "es": "*Fallando en CI:* {items}",
    },
    "scorecard.downgraded": {
        "en": "• *{item}* counts as {counted} in the gaps: at this stage {claimed} needs an "
        "evidence link.",
        "es": "• *{item}* cuenta como {counted} en las carencias: en esta etapa {claimed} "
        "necesita un enlace de evidencia.",
    },
    "digest.stale": {
        "en": "Stale claims to confirm: {items}",
        "es": "Respuestas caducadas por confirmar: {items}",
    },
    "usage.token": {
        "en": "Usage: `/mlscore token <team>/<system> [rotate]`",
        "es": "Uso: `/mlscore token <equipo>/<sistema> [rotate]`",
    },
    "usage.evidence": {
        "en": (
            "Usage: `/mlscore evidence <stage> manual|automated|both|none`, "
            "`/mlscore evidence upgrades <team>/<system> on|off`"
        ),
        "es": (
            "Uso: `/mlscore evidence <etapa> manual|automated|both|none`, "
            "`/mlscore evidence upgrades <equipo>/<sistema> on|off`"
        ),
    },
    "token.issued": {
        "en": (
            "CI token for *{system}*, shown only this once: keep it in your CI's secrets.\n"
            "`{token}`\nPush results with `POST {path}` (see docs/evidence-api.md)."
        ),
        "es": (
            "Token de CI de *{system}*; solo se muestra esta vez: guárdalo en los secretos de "
            "tu CI.\n`{token}`\nEnvía resultados con `POST {path}` (ver docs/evidence-api.md)."
        ),
    },
    "token.rotated": {
        "en": "The previous token of *{system}* no longer works.",
        "es": "El token anterior de *{system}* ya no funciona.",
    },
    "error.token_exists": {
        "en": "*{system}* already has a CI token. `/mlscore token {system} rotate` makes a new "
        "one and revokes the old.",
        "es": "*{system}* ya tiene un token de CI. `/mlscore token {system} rotate` crea uno "
        "nuevo y revoca el anterior.",
    },
    "refused.evidence": {
        "en": "Only workspace admins can manage the CI tokens and evidence rules of *{team}*.",
        "es": (
            "Solo los administradores del espacio de trabajo pueden gestionar los tokens de CI "
            "y las reglas de evidencia de *{team}*."
        ),
    },
    "info.evidence_policy": {
        "en": "At the *{stage}* stage, mandatory tests claimed as {levels} now need an evidence "
        "link to count as such in the gaps.",
        "es": "En la etapa *{stage}*, las pruebas obligatorias declaradas como {levels} "
        "necesitan ahora un enlace de evidencia para contar como tales en las carencias.",
    },
    "info.evidence_policy_none": {
        "en": "At the *{stage}* stage, no level needs an evidence link any more.",
        "es": "En la etapa *{stage}*, ningún nivel necesita ya un enlace de evidencia.",
    },
    "info.pushed_upgrades_on": {
        "en": "Passing CI pushes may now raise the claims of *{system}* to a higher level.",
        "es": (
            "Los envíos de CI que pasan pueden ahora subir de nivel las respuestas de *{system}*."
        ),
    },
    "info.pushed_upgrades_off": {
        "en": "CI pushes now only confirm the claims of *{system}*, never raise them.",
        "es": "Los envíos de CI ahora solo confirman las respuestas de *{system}*, sin subirlas.",
    },
    "evidence.failing": {
        "en": ":x: CI reports *{item}* ({name}) of *{system}* failing: <{url}|details>.",
        "es": ":x: CI informa de que *{item}* ({name}) de *{system}* falla: <{url}|detalles>.",
    },
}


def t(key: str, language: str, /, **params: object) -> str:
    """The message `key` in `language` with its placeholders filled (a Plural's form chosen by
    its number). Unknown keys raise KeyError."""
    entry = MESSAGES[key]
    template = entry["es"] if language == "es" else entry["en"]
    if isinstance(template, Plural):
        template = template.form(params)
    return template.format(**params) if params else template


def language_of(locale: str | None) -> Language | None:
    """The supported language of a Slack locale ("es-ES", "es-419", "es" -> "es"), if any."""
    if not locale:
        return None
    primary = locale.strip().replace("_", "-").split("-", 1)[0].lower()
    for language in LANGUAGES:
        if primary == language:
            return language
    return None


def resolve_language(
    user_locale: str | None, team_language: str | None, default: Language = DEFAULT_LANGUAGE
) -> Language:
    """The language to speak: the person's own locale wins for what only they see.

    For a channel message, pass ``user_locale=None`` so the team's language decides.
    """
    return language_of(user_locale) or language_of(team_language) or default


def format_number(value: float, language: str, *, decimals: int = 2) -> str:
    """A score as people write it: 0.5 -> "0.5" (en) or "0,5" (es); 2.0 -> "2"."""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".") if decimals > 0 else f"{value:.0f}"
    if text in ("-0", ""):
        text = "0"
    return text.replace(".", ",") if language == "es" else text


def format_delta(value: float, language: str) -> str:
    """A change with its sign: +0.5, -1, ±0 (es: +0,5)."""
    if round(value, 2) == 0:
        return "±0"
    sign = "+" if value > 0 else "-"
    return sign + format_number(abs(value), language)


def format_percent(ratio: float, language: str) -> str:
    """0.75 -> "75%" (en) or "75 %" (es, with the space Spanish style asks for)."""
    number = format_number(ratio * 100, language, decimals=0)
    return f"{number} %" if language == "es" else f"{number}%"


_MONTHS: dict[Language, tuple[str, ...]] = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"),
}


def format_date(value: date, language: str) -> str:
    """5 Mar 2025 as "Mar 5, 2025" (en) or "5 mar 2025" (es)."""
    if language == "es":
        return f"{value.day} {_MONTHS['es'][value.month - 1]} {value.year}"
    return f"{_MONTHS['en'][value.month - 1]} {value.day}, {value.year}"


def format_datetime(value: datetime, language: str) -> str:
    """The date and the 24-hour time, in whatever zone `value` carries (convert it first)."""
    return f"{format_date(value, language)}, {value:%H:%M}"


def weekday_name(weekday: int, language: str) -> str:
    """0 = Monday, as datetime.weekday() counts."""
    return t(f"weekday.{weekday}", language)
