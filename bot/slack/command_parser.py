"""The `/mlscore` text -> a typed command, or a ParseError carrying an i18n message key.

`parse_command` never raises: any text becomes one of the command dataclasses below or a
ParseError. The manifest sets should_escape, so channels arrive as ``<#C123|name>`` and people as
``<@U123|name>``.

Team references (bot.services.types.TeamRef): a channel mention, or a name. Where the team is
the last thing on the line (``assess fraud model``) the rest of the line is the name; where
keywords follow it (``stage fraud model production``) the keywords are taken off the end
first. Quotes (``"fraud model"``, also typographic ones) keep a name together and stop a word
being read as a keyword, so a team can even be called ``"public"``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time

from bot.services import types as service_types
from rubric import periods
from rubric.model import Language, Requirement, Stage
from rubric.periods import Cadence

# Commands name teams the way the services take them.
TeamRef = service_types.TeamRef

# ---- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParseError:
    """What was wrong, as an i18n key and its params, plus the usage line (also a key) to show."""

    key: str
    params: dict[str, str] = field(default_factory=dict)
    usage_key: str | None = None
    usage_params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChannelRef:
    """A channel as typed: an escaped mention carries its id; a bare ``#name`` only a name."""

    channel_id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class TeamCreate:
    name: str
    channel: ChannelRef | None = None


@dataclass(frozen=True)
class ListTeams:
    pass


@dataclass(frozen=True)
class SetStage:
    team: TeamRef | None
    stage: Stage
    override: str | None = None
    """An admin's reason for moving past unmet mandatory tests (`... override <reason>`)."""


@dataclass(frozen=True)
class Assess:
    team: TeamRef | None = None


@dataclass(frozen=True)
class ShowScorecard:
    team: TeamRef | None = None
    public: bool = False


@dataclass(frozen=True)
class ShowGaps:
    team: TeamRef | None = None


@dataclass(frozen=True)
class ShowTrend:
    team: TeamRef | None = None


@dataclass(frozen=True)
class SetLanguage:
    language: Language


@dataclass(frozen=True)
class SetSchedule:
    """`cadence` None means off; the optional parts are None when not typed (keep the current)."""

    team: TeamRef | None
    cadence: Cadence | None
    weekday: int | None = None
    at: time | None = None
    tz: str | None = None


@dataclass(frozen=True)
class Skip:
    team: TeamRef | None = None


@dataclass(frozen=True)
class Pause:
    team: TeamRef | None
    until: date


@dataclass(frozen=True)
class Resume:
    team: TeamRef | None = None


@dataclass(frozen=True)
class Digest:
    pass


@dataclass(frozen=True)
class Export:
    team: TeamRef | None = None


@dataclass(frozen=True)
class CriteriaShow:
    pass


@dataclass(frozen=True)
class CriteriaSurvey:
    channel: ChannelRef | None = None
    anonymous: bool = True


@dataclass(frozen=True)
class CriteriaResults:
    pass


@dataclass(frozen=True)
class CriteriaAdopt:
    pass


@dataclass(frozen=True)
class CriteriaSet:
    item_id: str
    stage: Stage
    requirement: Requirement
    reason: str


@dataclass(frozen=True)
class EraseTeam:
    team: TeamRef


@dataclass(frozen=True)
class EraseNotes:
    user_id: str


@dataclass(frozen=True)
class SystemAdd:
    """`system`: its `system` part is the new system's name; no team name means the channel's."""

    system: TeamRef
    stage: Stage = Stage.RESEARCH


@dataclass(frozen=True)
class SystemRename:
    system: TeamRef
    name: str


@dataclass(frozen=True)
class SystemArchive:
    system: TeamRef


@dataclass(frozen=True)
class ListSystems:
    team: TeamRef | None = None


@dataclass(frozen=True)
class SetConsensus:
    team: TeamRef | None
    rule: str
    """lead, lowest or median (rubric.consensus.Rule)."""


@dataclass(frozen=True)
class LeadChange:
    user_id: str
    add: bool
    team: TeamRef | None = None


@dataclass(frozen=True)
class ShowResponses:
    team: TeamRef | None = None


@dataclass(frozen=True)
class ResponsesSetting:
    team: TeamRef | None
    setting: str
    """"anonymous" or "reminders"."""
    on: bool


@dataclass(frozen=True)
class TokenIssue:
    """`token <team>/<system> [rotate]`: a CI token for the system, shown once."""

    system: TeamRef
    rotate: bool = False


@dataclass(frozen=True)
class EvidencePolicySet:
    """`evidence <stage> manual|automated|both|none`: the levels that need a link there."""

    stage: Stage
    levels: frozenset[str]


@dataclass(frozen=True)
class EvidenceUpgrades:
    """`evidence upgrades <team>/<system> on|off`: whether CI may raise its claims."""

    system: TeamRef
    allowed: bool


@dataclass(frozen=True)
class PlanPreview:
    team: TeamRef | None
    stage: Stage


@dataclass(frozen=True)
class ListPlans:
    team: TeamRef | None = None


@dataclass(frozen=True)
class ListWaivers:
    """The pending waivers the person may decide."""


@dataclass(frozen=True)
class Waive:
    team: TeamRef | None
    item_id: str
    until: date
    reason: str


Command = (
    Help
    | TeamCreate
    | ListTeams
    | SetStage
    | Assess
    | ShowScorecard
    | ShowGaps
    | ShowTrend
    | SetLanguage
    | SetSchedule
    | Skip
    | Pause
    | Resume
    | Digest
    | Export
    | CriteriaShow
    | CriteriaSurvey
    | CriteriaResults
    | CriteriaAdopt
    | CriteriaSet
    | EraseTeam
    | EraseNotes
    | SystemAdd
    | SystemRename
    | SystemArchive
    | ListSystems
    | SetConsensus
    | LeadChange
    | ShowResponses
    | ResponsesSetting
    | TokenIssue
    | EvidencePolicySet
    | EvidenceUpgrades
    | PlanPreview
    | ListPlans
    | Waive
    | ListWaivers
)

# ---- vocabulary -----------------------------------------------------------------------------


def fold(word: str) -> str:
    """Lower case without accents: "Producción" -> "produccion"."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


_STAGES: dict[tuple[str, ...], Stage] = {
    ("research",): Stage.RESEARCH,
    ("discovery",): Stage.RESEARCH,
    ("investigacion",): Stage.RESEARCH,
    ("roadmap",): Stage.ROADMAP,
    ("ruta",): Stage.ROADMAP,
    ("hoja", "de", "ruta"): Stage.ROADMAP,
    ("hoja-de-ruta",): Stage.ROADMAP,
    ("hoja_de_ruta",): Stage.ROADMAP,
    ("production",): Stage.PRODUCTION,
    ("prod",): Stage.PRODUCTION,
    ("produccion",): Stage.PRODUCTION,
}
_LONGEST_STAGE = max(len(words) for words in _STAGES)

_LANGUAGES: dict[str, Language] = {
    "en": "en",
    "english": "en",
    "ingles": "en",
    "es": "es",
    "spanish": "es",
    "espanol": "es",
    "castellano": "es",
}

_CADENCES: dict[str, Cadence | None] = {
    "weekly": Cadence.WEEKLY,
    "semanal": Cadence.WEEKLY,
    "biweekly": Cadence.BIWEEKLY,
    "fortnightly": Cadence.BIWEEKLY,
    "quincenal": Cadence.BIWEEKLY,
    "monthly": Cadence.MONTHLY,
    "mensual": Cadence.MONTHLY,
    "quarterly": Cadence.QUARTERLY,
    "trimestral": Cadence.QUARTERLY,
    "off": None,
    "none": None,
    "desactivar": None,
}

_REQUIREMENTS: dict[str, Requirement] = {
    "not_applicable": Requirement.NOT_APPLICABLE,
    "not-applicable": Requirement.NOT_APPLICABLE,
    "n/a": Requirement.NOT_APPLICABLE,
    "na": Requirement.NOT_APPLICABLE,
    "no_aplica": Requirement.NOT_APPLICABLE,
    "no-aplica": Requirement.NOT_APPLICABLE,
    "poor_value": Requirement.POOR_VALUE,
    "poor-value": Requirement.POOR_VALUE,
    "poor": Requirement.POOR_VALUE,
    "poco_valor": Requirement.POOR_VALUE,
    "poco-valor": Requirement.POOR_VALUE,
    "optional": Requirement.OPTIONAL,
    "opt": Requirement.OPTIONAL,
    "opcional": Requirement.OPTIONAL,
    "mandatory": Requirement.MANDATORY,
    "must": Requirement.MANDATORY,
    "required": Requirement.MANDATORY,
    "obligatorio": Requirement.MANDATORY,
    "obligatoria": Requirement.MANDATORY,
}

_PUBLIC = frozenset({"public", "publico", "publica"})
_RULES = {
    "lead": "lead",
    "responsable": "lead",
    "lider": "lead",
    "lowest": "lowest",
    "minimo": "lowest",
    "menor": "lowest",
    "median": "median",
    "mediana": "median",
}
_SETTINGS = {
    "anonymous": "anonymous",
    "anonimo": "anonymous",
    "anonima": "anonymous",
    "reminders": "reminders",
    "recordatorios": "reminders",
}
_SWITCH = {"on": True, "si": True, "activar": True, "off": False, "no": False, "desactivar": False}
_ANONYMOUS = frozenset({"anonymous", "anon", "anonimo", "anonima"})
_UNTIL = frozenset({"until", "hasta"})

_CHANNEL_MENTION = re.compile(r"<#([A-Z0-9]+)(?:\|([^>]*))?>")
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_QUOTES = {'"': '"', "“": "”", "„": "”", "«": "»", "”": "”"}


# ---- tokens ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    text: str
    quoted: bool
    start: int

    @property
    def word(self) -> str | None:
        """The folded word when it may be a keyword; quoted tokens never are."""
        return None if self.quoted else fold(self.text)


class _Stop(Exception):
    """Internal control flow: carries a ParseError out of nested parsing; never escapes."""

    def __init__(self, error: ParseError) -> None:
        super().__init__(error.key)
        self.error = error


def tokenize(text: str) -> list[Token]:
    """Split on whitespace, keeping quoted runs and ``<...>`` mentions whole."""
    tokens: list[Token] = []
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char.isspace():
            index += 1
            continue
        start = index
        if char in _QUOTES:
            closing = _QUOTES[char]
            end = text.find(closing, index + 1)
            if end == -1:
                raise _Stop(ParseError("parse.unclosed_quote", {"text": _shorten(text)}))
            quoted = " ".join(text[index + 1 : end].split())
            tokens.append(Token(unescape_slack(quoted), True, start))
            index = end + 1
            continue
        if char == "<":
            end = text.find(">", index)
            if end != -1:
                tokens.append(Token(text[index : end + 1], False, start))
                index = end + 1
                continue
        while index < length and not text[index].isspace():
            index += 1
        tokens.append(Token(unescape_slack(text[start:index]), False, start))
    return tokens


def unescape_slack(text: str) -> str:
    """Slack sends &, < and > typed by a person as entities; names are kept as typed (and
    escaped again wherever they are shown)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _shorten(text: str, limit: int = 80) -> str:
    """User text echoed back in an error: one line, short, no backticks to break the code span."""
    flat = " ".join(text.split()).replace("`", "'")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# ---- pieces ---------------------------------------------------------------------------------


def channel_ref(token: Token) -> ChannelRef | None:
    if token.quoted:
        return None
    match = _CHANNEL_MENTION.fullmatch(token.text)
    if match:
        return ChannelRef(channel_id=match.group(1), name=match.group(2) or None)
    if token.text.startswith("#") and len(token.text) > 1:
        return ChannelRef(name=token.text[1:])
    return None


def _team(tokens: list[Token]) -> TeamRef | None:
    """The team named by these tokens: none, one channel mention, or a name (joined words)."""
    if not tokens:
        return None
    if len(tokens) == 1:
        channel = channel_ref(tokens[0])
        if channel is not None and channel.channel_id is not None:
            return TeamRef(channel_id=channel.channel_id)
        if channel is not None and channel.name:
            # A bare #name (escaping failed or typed in a message field): most teams are named
            # after their channel, and an unknown name gets a helpful "unknown team" reply.
            return TeamRef(name=channel.name)
    if any(channel_ref(token) is not None for token in tokens):
        raise _Stop(ParseError("parse.too_many_arguments", {"value": _shorten(_join(tokens))}))
    name = _join(tokens)
    if not name:
        raise _Stop(ParseError("parse.missing_name"))
    if len(tokens) == 1 and not tokens[0].quoted and "/" in name:
        return _team_system(name)
    return TeamRef(name=name)


def _team_system(text: str, usage: str | None = None) -> TeamRef:
    """`team/system`; both parts are needed."""
    team, _, system = text.partition("/")
    team, system = team.strip(), system.strip()
    if not team or not system:
        raise _Stop(ParseError("parse.bad_system_ref", {"value": _shorten(text)}, usage))
    return TeamRef(name=team, system=system)


def _join(tokens: list[Token]) -> str:
    return " ".join(token.text for token in tokens if token.text).strip()


def _stage_at_end(tokens: list[Token]) -> tuple[Stage, int] | None:
    """A stage phrase ending the tokens, with how many tokens it takes."""
    for size in range(min(_LONGEST_STAGE, len(tokens)), 0, -1):
        words = tuple(token.word for token in tokens[-size:])
        if None in words:
            continue
        stage = _STAGES.get(words)  # type: ignore[arg-type]  # None ruled out just above
        if stage is not None:
            return stage, size
    return None


def _stage_at_start(tokens: list[Token]) -> tuple[Stage, int] | None:
    for size in range(min(_LONGEST_STAGE, len(tokens)), 0, -1):
        words = tuple(token.word for token in tokens[:size])
        if None in words:
            continue
        stage = _STAGES.get(words)  # type: ignore[arg-type]  # None ruled out just above
        if stage is not None:
            return stage, size
    return None


def _weekday(text: str) -> int | None:
    try:
        return periods.parse_weekday(text)
    except ValueError:
        return None


def parse_time(text: str) -> time | None:
    try:
        return periods.parse_time(text)
    except ValueError:
        return None


def parse_date(text: str) -> date | None:
    match = _DATE.fullmatch(text)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def time_zone(text: str) -> str | None:
    """The canonical IANA name for `text` (case-insensitive), or None."""
    try:
        return periods.normalize_tz(text)
    except ValueError:
        return None


def _no_more(tokens: list[Token]) -> None:
    if tokens:
        raise _Stop(ParseError("parse.too_many_arguments", {"value": _shorten(_join(tokens))}))


# ---- subcommands ----------------------------------------------------------------------------


def _parse_team_create(args: list[Token]) -> Command:
    usage = "usage.team_create"
    if not args or args[0].word not in ("create", "crear"):
        raise _Stop(ParseError("parse.bad_arguments", {"text": _shorten(_join(args))}, usage))
    rest = args[1:]
    channel = channel_ref(rest[-1]) if rest else None
    if channel is not None:
        rest = rest[:-1]
    if any(channel_ref(token) is not None for token in rest):
        raise _Stop(ParseError("parse.too_many_arguments", {"value": _shorten(_join(rest))}, usage))
    name = _join(rest)
    if not name:
        raise _Stop(ParseError("parse.missing_name", {}, usage))
    return TeamCreate(name=name, channel=channel)


_OVERRIDE = frozenset({"override", "forzar"})


def _parse_stage(args: list[Token]) -> Command:
    override: str | None = None
    # The keyword counts only right after the stage: "stage Override production" names a team.
    position = next(
        (
            i
            for i, token in enumerate(args)
            if token.word in _OVERRIDE and _stage_at_end(args[:i]) is not None
        ),
        None,
    )
    if position is not None:
        override = _join(args[position + 1 :])
        args = args[:position]
    found = _stage_at_end(args)
    if found is None:
        if not args:
            raise _Stop(ParseError("parse.missing_stage", {}, "usage.stage"))
        raise _Stop(
            ParseError("parse.bad_stage", {"value": _shorten(args[-1].text)}, "usage.stage")
        )
    stage, size = found
    return SetStage(team=_team(args[:-size]), stage=stage, override=override)


def _parse_plan(args: list[Token]) -> Command:
    found = _stage_at_end(args)
    if found is None:
        if not args:
            raise _Stop(ParseError("parse.missing_stage", {}, "usage.plan"))
        raise _Stop(ParseError("parse.bad_stage", {"value": _shorten(args[-1].text)}, "usage.plan"))
    stage, size = found
    return PlanPreview(team=_team(args[:-size]), stage=stage)


def _parse_waive(args: list[Token]) -> Command:
    usage = "usage.waive"
    position = next(
        (i for i, token in enumerate(args) if i > 0 and parse_date(token.text) is not None), None
    )
    if position is None:
        raise _Stop(ParseError("parse.bad_date", {"value": _shorten(_join(args))}, usage))
    until = parse_date(args[position].text)
    assert until is not None
    item = args[position - 1].text
    return Waive(
        team=_team(args[: position - 1]),
        item_id=item,
        until=until,
        reason=_join(args[position + 1 :]),
    )


def _parse_scorecard(args: list[Token]) -> Command:
    public = bool(args) and args[-1].word in _PUBLIC
    if public:
        args = args[:-1]
    return ShowScorecard(team=_team(args), public=public)


def _parse_language(args: list[Token]) -> Command:
    if len(args) != 1:
        raise _Stop(
            ParseError("parse.bad_language", {"value": _shorten(_join(args))}, "usage.language")
        )
    language = _LANGUAGES.get(args[0].word or "")
    if language is None:
        raise _Stop(
            ParseError("parse.bad_language", {"value": _shorten(args[0].text)}, "usage.language")
        )
    return SetLanguage(language=language)


def _parse_schedule(args: list[Token]) -> Command:
    usage = "usage.schedule"
    position = next((i for i, token in enumerate(args) if token.word in _CADENCES), None)
    if position is None:
        value = args[-1].text if args else ""
        raise _Stop(ParseError("parse.bad_cadence", {"value": _shorten(value)}, usage))
    team = _team(args[:position])
    cadence = _CADENCES[args[position].word or ""]
    rest = args[position + 1 :]
    if cadence is None:
        if rest:
            raise _Stop(
                ParseError("parse.too_many_arguments", {"value": _shorten(_join(rest))}, usage)
            )
        return SetSchedule(team=team, cadence=None)
    weekday: int | None = None
    at: time | None = None
    tz: str | None = None
    for token in rest:
        if weekday is None and not token.quoted and (day := _weekday(token.text)) is not None:
            weekday = day
        elif at is None and parse_time(token.text) is not None:
            at = parse_time(token.text)
        elif tz is None and time_zone(token.text) is not None:
            tz = time_zone(token.text)
        else:
            raise _Stop(
                ParseError(_schedule_error(token.text), {"value": _shorten(token.text)}, usage)
            )
    return SetSchedule(team=team, cadence=cadence, weekday=weekday, at=at, tz=tz)


def _schedule_error(text: str) -> str:
    """Guess what a token was meant to be, to name the right problem."""
    if "/" in text or text.isupper():
        return "parse.bad_timezone"
    if any(char.isdigit() for char in text):
        return "parse.bad_time"
    return "parse.bad_weekday"


def _parse_pause(args: list[Token]) -> Command:
    usage = "usage.pause"
    position = next((i for i, token in enumerate(args) if token.word in _UNTIL), None)
    if position is not None:
        before, after = args[:position], args[position + 1 :]
    elif args:
        before, after = args[:-1], args[-1:]
    else:
        raise _Stop(ParseError("parse.bad_date", {"value": ""}, usage))
    if len(after) != 1:
        raise _Stop(ParseError("parse.bad_date", {"value": _shorten(_join(after))}, usage))
    until = parse_date(after[0].text)
    if until is None:
        raise _Stop(ParseError("parse.bad_date", {"value": _shorten(after[0].text)}, usage))
    return Pause(team=_team(before), until=until)


def _parse_criteria(args: list[Token], text: str) -> Command:
    usage = "usage.criteria"
    if not args:
        return CriteriaShow()
    sub, rest = args[0].word, args[1:]
    if sub in ("results", "resultados"):
        _no_more(rest)
        return CriteriaResults()
    if sub in ("adopt", "adoptar"):
        _no_more(rest)
        return CriteriaAdopt()
    if sub in ("survey", "encuesta"):
        channel: ChannelRef | None = None
        anonymous = True
        for token in rest:
            mention = channel_ref(token)
            if mention is not None and channel is None:
                channel = mention
            elif token.word in _ANONYMOUS:
                anonymous = True
            elif token.word in _PUBLIC:
                anonymous = False
            else:
                raise _Stop(ParseError("parse.bad_channel", {"value": _shorten(token.text)}, usage))
        return CriteriaSurvey(channel=channel, anonymous=anonymous)
    if sub in ("set", "fijar"):
        return _parse_criteria_set(rest, text)
    raise _Stop(ParseError("parse.unknown_subcommand", {"name": _shorten(args[0].text)}, usage))


def _parse_criteria_set(args: list[Token], text: str) -> Command:
    usage = "usage.criteria_set"
    if len(args) < 3:
        raise _Stop(ParseError("parse.bad_arguments", {"text": _shorten(_join(args))}, usage))
    item_id = args[0].text
    found = _stage_at_start(args[1:])
    if found is None:
        raise _Stop(ParseError("parse.bad_stage", {"value": _shorten(args[1].text)}, usage))
    stage, size = found
    rest = args[1 + size :]
    if not rest:
        raise _Stop(ParseError("parse.bad_level", {"value": ""}, usage))
    requirement = _REQUIREMENTS.get(rest[0].word or "")
    if requirement is None:
        raise _Stop(ParseError("parse.bad_level", {"value": _shorten(rest[0].text)}, usage))
    # The reason is the rest of the line exactly as typed (quotes and all).
    reason = " ".join(text[rest[1].start :].split()) if len(rest) > 1 else ""
    if not reason:
        raise _Stop(ParseError("parse.missing_reason", {}, usage))
    return CriteriaSet(item_id=item_id, stage=stage, requirement=requirement, reason=reason)


def _parse_erase(args: list[Token]) -> Command:
    usage = "usage.erase"
    if not args:
        raise _Stop(ParseError("parse.bad_arguments", {"text": ""}, usage))
    what, rest = args[0].word, args[1:]
    if what in ("team", "equipo"):
        team = _team(rest)
        if team is None:
            raise _Stop(ParseError("parse.missing_name", {}, usage))
        return EraseTeam(team=team)
    if what in ("notes", "notas"):
        if len(rest) != 1:
            raise _Stop(ParseError("parse.bad_user", {"value": _shorten(_join(rest))}, usage))
        match = _USER_MENTION.fullmatch(rest[0].text)
        if match is None or rest[0].quoted:
            raise _Stop(ParseError("parse.bad_user", {"value": _shorten(rest[0].text)}, usage))
        return EraseNotes(user_id=match.group(1))
    raise _Stop(ParseError("parse.bad_arguments", {"text": _shorten(_join(args))}, usage))


def _system_ref(token: Token) -> TeamRef:
    """A system as the system commands take it: `team/system`, or a system name alone (of the
    channel's team)."""
    if not token.quoted and "/" in token.text:
        return _team_system(token.text, "usage.system")
    return TeamRef(system=token.text)


def _parse_system(args: list[Token]) -> Command:
    usage = "usage.system"
    if not args:
        raise _Stop(ParseError("parse.bad_arguments", {"text": ""}, usage))
    sub, rest = args[0].word, args[1:]
    if sub in ("add", "agregar", "anadir"):
        stage = Stage.RESEARCH
        found = _stage_at_end(rest)
        if found is not None and len(rest) > found[1]:
            stage, size = found
            rest = rest[:-size]
        if len(rest) != 1:
            raise _Stop(ParseError("parse.bad_system_ref", {"value": _shorten(_join(rest))}, usage))
        return SystemAdd(system=_system_ref(rest[0]), stage=stage)
    if sub in ("rename", "renombrar"):
        if len(rest) < 2:
            raise _Stop(ParseError("parse.bad_arguments", {"text": _shorten(_join(rest))}, usage))
        return SystemRename(system=_system_ref(rest[0]), name=_join(rest[1:]))
    if sub in ("archive", "archivar"):
        if len(rest) != 1:
            raise _Stop(ParseError("parse.bad_system_ref", {"value": _shorten(_join(rest))}, usage))
        return SystemArchive(system=_system_ref(rest[0]))
    raise _Stop(ParseError("parse.unknown_subcommand", {"name": _shorten(args[0].text)}, usage))


def _parse_consensus(args: list[Token]) -> Command:
    usage = "usage.consensus"
    if not args or args[-1].quoted or (args[-1].word or "") not in _RULES:
        value = args[-1].text if args else ""
        raise _Stop(ParseError("parse.bad_rule", {"value": _shorten(value)}, usage))
    return SetConsensus(team=_team(args[:-1]), rule=_RULES[args[-1].word or ""])


def _parse_lead(args: list[Token]) -> Command:
    usage = "usage.lead"
    if not args or args[0].word not in ("add", "agregar", "anadir", "remove", "quitar"):
        raise _Stop(ParseError("parse.bad_arguments", {"text": _shorten(_join(args))}, usage))
    add = args[0].word in ("add", "agregar", "anadir")
    if len(args) < 2:
        raise _Stop(ParseError("parse.bad_user", {"value": ""}, usage))
    match = _USER_MENTION.fullmatch(args[1].text)
    if match is None or args[1].quoted:
        raise _Stop(ParseError("parse.bad_user", {"value": _shorten(args[1].text)}, usage))
    return LeadChange(user_id=match.group(1), add=add, team=_team(args[2:]))


def _parse_responses(args: list[Token]) -> Command:
    usage = "usage.responses"
    if len(args) >= 2 and not args[-1].quoted and (args[-1].word or "") in _SWITCH:
        setting = _SETTINGS.get(args[-2].word or "") if not args[-2].quoted else None
        if setting is None:
            value = _shorten(args[-2].text)
            raise _Stop(ParseError("parse.bad_arguments", {"text": value}, usage))
        return ResponsesSetting(
            team=_team(args[:-2]), setting=setting, on=_SWITCH[args[-1].word or ""]
        )
    return ShowResponses(team=_team(args))


def _parse_token(args: list[Token]) -> Command:
    usage = "usage.token"
    rotate = bool(args) and args[-1].word in ("rotate", "rotar")
    rest = args[:-1] if rotate else args
    if len(rest) != 1:
        raise _Stop(ParseError("parse.bad_system_ref", {"value": _shorten(_join(rest))}, usage))
    return TokenIssue(system=_system_ref(rest[0]), rotate=rotate)


_POLICY_LEVELS = {
    "manual": frozenset({"manual"}),
    "automated": frozenset({"automated"}),
    "both": frozenset({"manual", "automated"}),
    "none": frozenset(),
    # Spanish
    "automatizado": frozenset({"automated"}),
    "ambos": frozenset({"manual", "automated"}),
    "ninguno": frozenset(),
}
_SWITCH = {"on": True, "off": False}


def _parse_evidence(args: list[Token]) -> Command:
    usage = "usage.evidence"
    if args and args[0].word == "upgrades":
        if len(args) != 3 or args[2].word not in _SWITCH:
            raise _Stop(ParseError("parse.bad_arguments", {"text": _shorten(_join(args))}, usage))
        return EvidenceUpgrades(system=_system_ref(args[1]), allowed=_SWITCH[args[2].word or ""])
    found = _stage_at_start(args)
    if found is None or len(args) != found[1] + 1 or args[-1].word not in _POLICY_LEVELS:
        raise _Stop(ParseError("parse.bad_arguments", {"text": _shorten(_join(args))}, usage))
    return EvidencePolicySet(stage=found[0], levels=_POLICY_LEVELS[args[-1].word or ""])


def _no_arguments(build: Callable[[], Command]) -> Callable[[list[Token], str], Command]:
    def parse(args: list[Token], text: str) -> Command:
        _no_more(args)
        return build()

    return parse


def _team_only(
    build: Callable[[TeamRef | None], Command],
) -> Callable[[list[Token], str], Command]:
    def parse(args: list[Token], text: str) -> Command:
        return build(_team(args))

    return parse


def _ignoring_text(
    parse: Callable[[list[Token]], Command],
) -> Callable[[list[Token], str], Command]:
    return lambda args, text: parse(args)


@dataclass(frozen=True)
class Subcommand:
    """One row of the `/mlscore` command table: the words that start it (English, then
    Spanish), what follows them, the help line, how its arguments are read, and which commands
    it can give (each has one handler in the listeners, bot.slack.listeners.slash_command)."""

    name: str
    alias: str | None
    synopsis: dict[Language, str]
    help: dict[Language, str]
    parse: Callable[[list[Token], str], Command]
    commands: tuple[type[Command], ...]
    more_words: tuple[str, ...] = ()
    """Other words that start it (besides `name` and `alias`)."""

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name, *((self.alias,) if self.alias else ()), *self.more_words)


def _row(
    name: str,
    alias: str | None,
    synopsis: tuple[str, str],
    help: tuple[str, str],
    parse: Callable[[list[Token], str], Command],
    *commands: type[Command],
    more_words: tuple[str, ...] = (),
) -> Subcommand:
    return Subcommand(
        name=name,
        alias=alias,
        synopsis={"en": synopsis[0], "es": synopsis[1]},
        help={"en": help[0], "es": help[1]},
        parse=parse,
        commands=commands,
        more_words=more_words,
    )


SUBCOMMANDS: tuple[Subcommand, ...] = (
    _row(
        "assess",
        "evaluar",
        ("assess [team]", "assess [equipo]"),
        (
            "answer the 28 tests (pre-filled with the last answers)",
            "responder las 28 pruebas (rellenadas con las últimas respuestas)",
        ),
        _team_only(lambda team: Assess(team=team)),
        Assess,
    ),
    _row(
        "scorecard",
        None,  # "scorecard" is the Spanish word too
        ("scorecard [system|team] [public]", "scorecard [sistema|equipo] [public]"),
        ("the latest result", "el último resultado"),
        _ignoring_text(_parse_scorecard),
        ShowScorecard,
    ),
    _row(
        "gaps",
        "carencias",
        ("gaps [team]", "gaps [equipo]"),
        (
            "mandatory tests still missing for the team's stage",
            "pruebas obligatorias que faltan para la etapa del equipo",
        ),
        _team_only(lambda team: ShowGaps(team=team)),
        ShowGaps,
    ),
    _row(
        "trend",
        "tendencia",
        ("trend [team]", "trend [equipo]"),
        ("how the scores moved over time", "cómo han evolucionado las puntuaciones"),
        _team_only(lambda team: ShowTrend(team=team)),
        ShowTrend,
    ),
    _row(
        "teams",
        "equipos",
        ("teams", "teams"),
        ("every team at a glance", "todos los equipos de un vistazo"),
        _no_arguments(ListTeams),
        ListTeams,
    ),
    _row(
        "stage",
        "etapa",
        (
            "stage [team] research|roadmap|production",
            "stage [equipo] investigación|hoja de ruta|producción",
        ),
        ("set the stage (admins)", "fijar la etapa (administradores)"),
        _ignoring_text(_parse_stage),
        SetStage,
    ),
    _row(
        "team",
        "equipo",
        ("team create <name> [#channel]", "team create <nombre> [#canal]"),
        (
            "bind a team to a channel (admins)",
            "asociar un equipo a un canal (administradores)",
        ),
        _ignoring_text(_parse_team_create),
        TeamCreate,
    ),
    _row(
        "schedule",
        "calendario",
        (
            "schedule [team|team/system] weekly|biweekly|monthly|quarterly|off"
            " [weekday] [HH:MM] [time zone]",
            "schedule [equipo|equipo/sistema] weekly|biweekly|monthly|quarterly|off"
            " [día] [HH:MM] [zona horaria]",
        ),
        ("check-in schedule", "calendario de revisiones"),
        _ignoring_text(_parse_schedule),
        SetSchedule,
    ),
    _row(
        "skip",
        "saltar",
        ("skip [team|team/system]", "skip [equipo|equipo/sistema]"),
        ("skip this period's check-in", "saltar la revisión de este periodo"),
        _team_only(lambda team: Skip(team=team)),
        Skip,
    ),
    _row(
        "pause",
        "pausar",
        (
            "pause [team|team/system] until YYYY-MM-DD",
            "pause [equipo|equipo/sistema] until AAAA-MM-DD",
        ),
        ("no check-ins until that day", "sin revisiones hasta ese día"),
        _ignoring_text(_parse_pause),
        Pause,
    ),
    _row(
        "resume",
        "reanudar",
        ("resume [team|team/system]", "resume [equipo|equipo/sistema]"),
        ("check-ins again after a pause", "volver a las revisiones tras una pausa"),
        _team_only(lambda team: Resume(team=team)),
        Resume,
    ),
    _row(
        "digest",
        "resumen",
        ("digest", "digest"),
        (
            "post the weekly gap summary now",
            "publicar ahora el resumen semanal de carencias",
        ),
        _no_arguments(Digest),
        Digest,
    ),
    _row(
        "criteria",
        "criterios",
        ("criteria [survey|results|adopt|set]", "criteria [survey|results|adopt|set]"),
        (
            "which tests are mandatory at each stage",
            "qué pruebas son obligatorias en cada etapa",
        ),
        _parse_criteria,
        CriteriaShow,
        CriteriaSurvey,
        CriteriaResults,
        CriteriaAdopt,
        CriteriaSet,
    ),
    _row(
        "language",
        "idioma",
        ("language en|es", "language en|es"),
        ("the team's language", "el idioma del equipo"),
        _ignoring_text(_parse_language),
        SetLanguage,
    ),
    _row(
        "export",
        "exportar",
        ("export [team]", "export [equipo]"),
        (
            "download the team's history (admins)",
            "descargar el historial del equipo (administradores)",
        ),
        _team_only(lambda team: Export(team=team)),
        Export,
    ),
    _row(
        "erase",
        "borrar",
        ("erase team <team> | erase notes @person", "erase team <equipo> | erase notes @persona"),
        (
            "erase a team, or a person's notes, everywhere (admins)",
            "borrar un equipo, o las notas de una persona, en todas partes (administradores)",
        ),
        _ignoring_text(_parse_erase),
        EraseTeam,
        EraseNotes,
    ),
    _row(
        "system",
        "sistema",
        (
            "system add <team>/<system> [research|roadmap|production] | "
            "system rename <team>/<system> <new name> | system archive <team>/<system>",
            "system add <equipo>/<sistema> [investigación|hoja de ruta|producción] | "
            "system rename <equipo>/<sistema> <nombre nuevo> | system archive <equipo>/<sistema>",
        ),
        (
            "a team's ML systems: add one at its stage, rename or archive it (admins)",
            "los sistemas de ML de un equipo: agregar uno en su etapa, renombrarlo o archivarlo "
            "(administradores)",
        ),
        _ignoring_text(_parse_system),
        SystemAdd,
        SystemRename,
        SystemArchive,
    ),
    _row(
        "systems",
        "sistemas",
        ("systems [team]", "systems [equipo]"),
        (
            "a team's systems with stage, score, gaps and trend",
            "los sistemas de un equipo con etapa, puntuación, carencias y tendencia",
        ),
        _team_only(lambda team: ListSystems(team=team)),
        ListSystems,
    ),
    _row(
        "responses",
        "respuestas",
        (
            "responses [team|team/system] [anonymous|reminders on|off]",
            "responses [equipo|equipo/sistema] [anonymous|reminders on|off]",
        ),
        (
            "who answered the latest check-in and where they disagree; anonymous mode and DM "
            "reminders to those who have not answered (admins)",
            "quién respondió la última revisión y en qué discrepan; modo anónimo y "
            "recordatorios por MD a quienes no han respondido (administradores)",
        ),
        _ignoring_text(_parse_responses),
        ShowResponses,
        ResponsesSetting,
    ),
    _row(
        "consensus",
        "consenso",
        ("consensus [team] lead|lowest|median", "consensus [equipo] lead|lowest|median"),
        (
            "how several people's answers become the result (admins)",
            "cómo las respuestas de varias personas se convierten en el resultado "
            "(administradores)",
        ),
        _ignoring_text(_parse_consensus),
        SetConsensus,
    ),
    _row(
        "lead",
        "responsable",
        ("lead add|remove @person [team]", "lead add|remove @persona [equipo]"),
        (
            "the team's leads, who settle disagreements (admins)",
            "los responsables del equipo, que resuelven las discrepancias (administradores)",
        ),
        _ignoring_text(_parse_lead),
        LeadChange,
    ),
    _row(
        "token",
        None,  # "token" is the word in Spanish too
        ("token <team>/<system> [rotate]", "token <equipo>/<sistema> [rotate]"),
        (
            "a CI token to push evidence for a system, shown once; rotate revokes the old one "
            "(admins)",
            "un token de CI para enviar evidencias de un sistema, visible una vez; rotate "
            "revoca el anterior (administradores)",
        ),
        _ignoring_text(_parse_token),
        TokenIssue,
    ),
    _row(
        "evidence",
        "evidencia",
        (
            "evidence <stage> manual|automated|both|none | "
            "evidence upgrades <team>/<system> on|off",
            "evidence <etapa> manual|automated|both|none | "
            "evidence upgrades <equipo>/<sistema> on|off",
        ),
        (
            "which claimed levels need a link at a stage; whether CI may raise a system's "
            "claims (admins)",
            "qué niveles necesitan un enlace en una etapa; si CI puede subir las respuestas de "
            "un sistema (administradores)",
        ),
        _ignoring_text(_parse_evidence),
        EvidencePolicySet,
        EvidenceUpgrades,
    ),
    _row(
        "plan",
        None,  # "plan" is the Spanish word too
        (
            "plan [system] research|roadmap|production",
            "plan [sistema] investigación|hoja de ruta|producción",
        ),
        (
            "what a stage asks for, the next best actions, and a plan with owners",
            "lo que pide una etapa, las siguientes mejores acciones y un plan con responsables",
        ),
        _ignoring_text(_parse_plan),
        PlanPreview,
    ),
    _row(
        "plans",
        "planes",
        ("plans [team]", "plans [equipo]"),
        ("a team's plans with their progress", "los planes de un equipo y su avance"),
        _team_only(lambda team: ListPlans(team=team)),
        ListPlans,
    ),
    _row(
        "waive",
        "dispensar",
        (
            "waive [system] <test> YYYY-MM-DD <reason>",
            "waive [sistema] <prueba> AAAA-MM-DD <motivo>",
        ),
        (
            "ask a lead or admin to waive a test until a date (at most a year)",
            "pedir a un responsable o administrador dispensar una prueba hasta una fecha "
            "(como mucho un año)",
        ),
        _ignoring_text(_parse_waive),
        Waive,
    ),
    _row(
        "waivers",
        "dispensas",
        ("waivers", "waivers"),
        (
            "the pending waivers you may approve or reject, with their buttons (leads, admins)",
            "las dispensas pendientes que puedes aprobar o rechazar, con sus botones "
            "(responsables, administradores)",
        ),
        _no_arguments(ListWaivers),
        ListWaivers,
    ),
    _row(
        "help",
        "ayuda",
        ("help", "help"),
        ("this help", "esta ayuda"),
        lambda args, text: Help(),
        Help,
        more_words=("?",),
    ),
)
"""Every `/mlscore` subcommand, in the order the help lists them."""

_BY_WORD: dict[str, Subcommand] = {word: row for row in SUBCOMMANDS for word in row.words}


def _parse(text: str) -> Command:
    tokens = tokenize(text)
    if not tokens:
        return Help()
    row = _BY_WORD.get(tokens[0].word or "")
    if row is None:
        raise _Stop(ParseError("parse.unknown_subcommand", {"name": _shorten(tokens[0].text, 40)}))
    return row.parse(tokens[1:], text)


# A complaint about what was typed, and what to say instead when nothing was typed there
# (not "`` is not a person").
_MISSING = {
    "parse.bad_arguments": "parse.missing_arguments",
    "parse.bad_language": "parse.missing_language",
    "parse.bad_cadence": "parse.missing_cadence",
    "parse.bad_date": "parse.missing_date",
    "parse.bad_level": "parse.missing_level",
    "parse.bad_user": "parse.missing_user",
    "parse.bad_rule": "parse.missing_rule",
}


def _nothing_typed(error: ParseError) -> ParseError:
    missing = _MISSING.get(error.key)
    if missing is None or any(value.strip() for value in error.params.values()):
        return error
    return ParseError(missing, {}, error.usage_key, error.usage_params)


def parse_command(text: str | None) -> Command | ParseError:
    """Parse the text after `/mlscore`. Never raises."""
    try:
        return _parse(text or "")
    except _Stop as stop:
        return _nothing_typed(stop.error)
