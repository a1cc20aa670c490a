"""Messages of the criteria survey that are not (yet) in bot.slack.i18n.MESSAGES.

Same format as MESSAGES, so the two dicts can be merged. Until they are, `tc()` looks a key up
here first and falls back to the main catalog, so the criteria listeners and builders work
either way.
"""

from __future__ import annotations

from bot.slack.i18n import MESSAGES, t
from rubric.model import Language

CRITERIA_MESSAGES: dict[str, dict[Language, str]] = {
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
        "en": (
            "{count} cells have fewer than {threshold} votes. In an anonymous survey their counts "
            "stay hidden, and adopting keeps their level in force."
        ),
        "es": (
            "{count} celdas tienen menos de {threshold} votos. En una encuesta anónima sus "
            "recuentos no se muestran, y al adoptar conservan el nivel vigente."
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
    "adopt.summary": {
        "en": "{participants} people answered the survey; {changes} cells changed.",
        "es": "{participants} personas respondieron la encuesta; han cambiado {changes} celdas.",
    },
    "adopt.changes_title": {
        "en": "Cells changed by the survey:",
        "es": "Celdas que cambia la encuesta:",
    },
    "adopt.kept": {
        "en": (
            "{count} cells had fewer than {threshold} votes in this anonymous survey and keep "
            "their level in force."
        ),
        "es": (
            "{count} celdas tuvieron menos de {threshold} votos en esta encuesta anónima y "
            "conservan su nivel vigente."
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
}


def tc(key: str, language: str, /, **params: object) -> str:
    """Like bot.slack.i18n.t, for the criteria keys as well as the main catalog's."""
    entry = CRITERIA_MESSAGES.get(key)
    if entry is None:
        return t(key, language, **params)
    template = entry["es"] if language == "es" else entry["en"]
    return template.format(**params) if params else template


def has_key(key: str) -> bool:
    return key in CRITERIA_MESSAGES or key in MESSAGES
