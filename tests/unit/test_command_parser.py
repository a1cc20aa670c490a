"""The /mlscore text parser: every subcommand, team references, errors, and any text at all."""

from __future__ import annotations

import dataclasses
from datetime import date, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.blocks.errors import build_parse_error
from bot.slack.command_parser import (
    Assess,
    ChannelRef,
    Command,
    CriteriaAdopt,
    CriteriaResults,
    CriteriaSet,
    CriteriaShow,
    CriteriaSurvey,
    Digest,
    EraseNotes,
    EraseTeam,
    Export,
    Help,
    ListPlans,
    ListTeams,
    ParseError,
    Pause,
    PlanPreview,
    Resume,
    SetLanguage,
    SetSchedule,
    SetStage,
    ShowGaps,
    ShowScorecard,
    ShowTrend,
    Skip,
    TeamCreate,
    TeamRef,
    Waive,
    parse_command,
)
from bot.slack.i18n import MESSAGES, t
from rubric.model import Requirement, Stage
from rubric.periods import Cadence

COMMAND_TYPES = tuple(Command.__args__)  # type: ignore[attr-defined]
CHANNEL = TeamRef(channel_id="C123")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("  help ", Help()),
        ("ayuda", Help()),
        ("teams", ListTeams()),
        ("digest", Digest()),
        ("assess", Assess()),
        ("assess <#C123|ml-search>", Assess(CHANNEL)),
        ("assess <#C123>", Assess(CHANNEL)),
        ("assess #fraud", Assess(TeamRef(name="fraud"))),
        ("assess fraud", Assess(TeamRef(name="fraud"))),
        ('assess "fraud  model"', Assess(TeamRef(name="fraud model"))),
        ("assess “fraud model”", Assess(TeamRef(name="fraud model"))),
        ("assess fraud model", Assess(TeamRef(name="fraud model"))),
        ("gaps <#C123|ml-search>", ShowGaps(CHANNEL)),
        ("trend fraud", ShowTrend(TeamRef(name="fraud"))),
        ("skip", Skip()),
        ("resume fraud", Resume(TeamRef(name="fraud"))),
        ("export", Export()),
        ("scorecard", ShowScorecard()),
        ("scorecard public", ShowScorecard(public=True)),
        ("scorecard <#C123|ml-search> PUBLIC", ShowScorecard(CHANNEL, public=True)),
        ('scorecard "public"', ShowScorecard(TeamRef(name="public"))),
        ("scorecard fraud público", ShowScorecard(TeamRef(name="fraud"), public=True)),
        ("language es", SetLanguage("es")),
        ("language Español", SetLanguage("es")),
        ("language en", SetLanguage("en")),
    ],
)
def test_simple_subcommands(text, expected):
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stage production", SetStage(None, Stage.PRODUCTION)),
        ("stage Producción", SetStage(None, Stage.PRODUCTION)),
        ("stage produccion", SetStage(None, Stage.PRODUCTION)),
        ("stage investigación", SetStage(None, Stage.RESEARCH)),
        ("stage hoja de ruta", SetStage(None, Stage.ROADMAP)),
        ("stage fraud hoja de ruta", SetStage(TeamRef(name="fraud"), Stage.ROADMAP)),
        ('stage "fraud model" roadmap', SetStage(TeamRef(name="fraud model"), Stage.ROADMAP)),
        ("stage <#C123|ml-search> research", SetStage(CHANNEL, Stage.RESEARCH)),
    ],
)
def test_stage_in_english_and_spanish(text, expected):
    assert parse_command(text) == expected


def test_team_create_takes_a_name_and_an_optional_channel():
    assert parse_command("team create Fraud <#C123|ml-search>") == TeamCreate(
        "Fraud", ChannelRef(channel_id="C123", name="ml-search")
    )
    assert parse_command('team create "Fraud detection"') == TeamCreate("Fraud detection")
    assert parse_command("team create Fraud detection") == TeamCreate("Fraud detection")
    assert parse_command("equipo crear Fraude <#C123>") == TeamCreate("Fraude", ChannelRef("C123"))


def test_team_create_without_a_name_asks_for_one():
    error = parse_command("team create <#C123|ml-search>")
    assert isinstance(error, ParseError)
    assert error.key == "parse.missing_name"
    assert error.usage_key == "usage.team_create"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "schedule weekly monday 09:00 Europe/Madrid",
            SetSchedule(None, Cadence.WEEKLY, 0, time(9, 0), "Europe/Madrid"),
        ),
        (
            "schedule fraud biweekly miércoles 9:30 america/sao_paulo",
            SetSchedule(
                TeamRef(name="fraud"), Cadence.BIWEEKLY, 2, time(9, 30), "America/Sao_Paulo"
            ),
        ),
        ("schedule monthly", SetSchedule(None, Cadence.MONTHLY)),
        ("schedule quarterly UTC", SetSchedule(None, Cadence.QUARTERLY, tz="UTC")),
        ("schedule <#C123|ml-search> off", SetSchedule(CHANNEL, None)),
    ],
)
def test_schedule(text, expected):
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("schedule", "parse.missing_cadence"),
        ("schedule daily", "parse.bad_cadence"),
        ("schedule weekly 25:00", "parse.bad_time"),
        ("schedule weekly Mars/Olympus", "parse.bad_timezone"),
        ("schedule weekly someday", "parse.bad_weekday"),
        ("schedule off monday", "parse.too_many_arguments"),
    ],
)
def test_schedule_errors_name_the_wrong_part(text, key):
    error = parse_command(text)
    assert isinstance(error, ParseError)
    assert error.key == key
    assert error.usage_key == "usage.schedule"


def test_pause_until_a_date_in_either_language():
    assert parse_command("pause until 2025-06-01") == Pause(None, date(2025, 6, 1))
    assert parse_command("pause fraud hasta 2025-06-01") == Pause(
        TeamRef(name="fraud"), date(2025, 6, 1)
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("pause", "parse.missing_date"),
        ("pause until", "parse.missing_date"),
        ("pause until 2025-02-30", "parse.bad_date"),
        ("pause until soon", "parse.bad_date"),
    ],
)
def test_pause_without_a_valid_date_is_a_date_error(text, key):
    error = parse_command(text)
    assert isinstance(error, ParseError)
    assert error.key == key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("team", "parse.missing_arguments"),
        ("erase", "parse.missing_arguments"),
        ("erase notes", "parse.missing_user"),
        ("criteria set", "parse.missing_arguments"),
        ("language", "parse.missing_language"),
        ("schedule", "parse.missing_cadence"),
        ("pause", "parse.missing_date"),
    ],
)
@pytest.mark.parametrize("language", ["en", "es"])
def test_nothing_typed_where_something_belongs_is_named_not_quoted_empty(text, key, language):
    # Not "I couldn't make sense of ``" or "`` is not a person": say what is missing.
    error = parse_command(text)
    assert isinstance(error, ParseError)
    assert error.key == key
    shown = build_parse_error(error, language)["text"]
    assert "``" not in shown
    assert shown == t(key, language)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("criteria", CriteriaShow()),
        ("criteria results", CriteriaResults()),
        ("criteria adopt", CriteriaAdopt()),
        ("criteria survey", CriteriaSurvey()),
        (
            "criteria survey <#C9|general> public",
            CriteriaSurvey(ChannelRef(channel_id="C9", name="general"), anonymous=False),
        ),
        ("criteria survey anonymous", CriteriaSurvey(anonymous=True)),
        (
            "criteria set Mo3 production mandatory skew broke us twice",
            CriteriaSet("Mo3", Stage.PRODUCTION, Requirement.MANDATORY, "skew broke us twice"),
        ),
        (
            'criteria set FD2 hoja de ruta poco_valor  "too costly"  for now',
            CriteriaSet("FD2", Stage.ROADMAP, Requirement.POOR_VALUE, '"too costly" for now'),
        ),
    ],
)
def test_criteria(text, expected):
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("criteria set Mo3 production mandatory", "parse.missing_reason"),
        ("criteria set Mo3 later mandatory because", "parse.bad_stage"),
        ("criteria set Mo3 production vital because", "parse.bad_level"),
        ("criteria vote", "parse.unknown_subcommand"),
        ("criteria adopt now", "parse.too_many_arguments"),
    ],
)
def test_criteria_errors(text, key):
    error = parse_command(text)
    assert isinstance(error, ParseError)
    assert error.key == key


def test_erase_a_team_or_a_person_notes():
    assert parse_command("erase team fraud") == EraseTeam(TeamRef(name="fraud"))
    assert parse_command("erase notes <@U123|ana>") == EraseNotes("U123")
    error = parse_command("erase notes ana")
    assert isinstance(error, ParseError)
    assert error.key == "parse.bad_user"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("frobnicate", "parse.unknown_subcommand"),
        ("stage", "parse.missing_stage"),
        ("stage fraud later", "parse.bad_stage"),
        ("language fr", "parse.bad_language"),
        ("language", "parse.missing_language"),
        ('assess "fraud', "parse.unclosed_quote"),
        ("teams extra", "parse.too_many_arguments"),
        ("assess fraud <#C1|x>", "parse.too_many_arguments"),
    ],
)
def test_bad_input_becomes_a_parse_error_with_a_message_key(text, key):
    error = parse_command(text)
    assert isinstance(error, ParseError)
    assert error.key == key


def test_parse_error_messages_render_in_both_languages():
    error = parse_command("stage fraud later")
    assert isinstance(error, ParseError)
    for language in ("en", "es"):
        message = t(error.key, language, **error.params)
        assert "later" in message
        assert error.usage_key is not None
        assert "/mlscore stage" in t(error.usage_key, language, **error.usage_params)


def test_unknown_subcommand_echo_is_short_and_cannot_break_the_code_span():
    error = parse_command("x`" * 100)
    assert isinstance(error, ParseError)
    assert "`" not in error.params["name"]
    assert len(error.params["name"]) <= 40


SLACKISH = st.text(
    alphabet=st.sampled_from(
        list("abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789:/-_<>#@|\"'“”«»\t\n.,¿?áéíóúñü`")
    ),
    max_size=80,
)
WORDS = st.lists(
    st.sampled_from(
        [
            "help",
            "team",
            "create",
            "stage",
            "assess",
            "scorecard",
            "public",
            "gaps",
            "trend",
            "language",
            "es",
            "schedule",
            "weekly",
            "off",
            "monday",
            "09:00",
            "Europe/Madrid",
            "skip",
            "pause",
            "until",
            "2025-01-31",
            "resume",
            "digest",
            "export",
            "criteria",
            "survey",
            "results",
            "adopt",
            "set",
            "Mo3",
            "production",
            "hoja",
            "de",
            "ruta",
            "mandatory",
            "erase",
            "notes",
            "<@U1|a>",
            "<#C1|b>",
            '"',
            "<#C2>",
            "x",
        ]
    ),
    max_size=8,
).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=100), SLACKISH, WORDS))
def test_any_text_is_a_command_or_a_parse_error(text):
    result = parse_command(text)
    assert isinstance(result, (*COMMAND_TYPES, ParseError))
    if isinstance(result, ParseError):
        assert result.key in MESSAGES
        for language in ("en", "es"):
            t(result.key, language, **result.params)
            if result.usage_key:
                t(result.usage_key, language, **result.usage_params)
    else:
        assert dataclasses.is_dataclass(result)


def test_names_arrive_unescaped_from_slacks_entities():
    parsed = parse_command("team create R&amp;D &lt;core&gt; <#C123|rnd>")
    assert parsed == TeamCreate(
        name="R&D <core>", channel=ChannelRef(channel_id="C123", name="rnd")
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plan Vision production", PlanPreview(TeamRef(name="Vision"), Stage.PRODUCTION)),
        ("plan hoja de ruta", PlanPreview(None, Stage.ROADMAP)),
        ("planes", ListPlans(None)),
        (
            "waive Vision/Fraud MD4 2031-01-31 retrained daily",
            Waive(
                TeamRef(name="Vision", system="Fraud"), "MD4", date(2031, 1, 31), "retrained daily"
            ),
        ),
        ("dispensar FD5 2031-01-31 sin datos", Waive(None, "FD5", date(2031, 1, 31), "sin datos")),
        (
            "stage Vision production override pilot agreed",
            SetStage(TeamRef(name="Vision"), Stage.PRODUCTION, "pilot agreed"),
        ),
        ("etapa producción forzar piloto", SetStage(None, Stage.PRODUCTION, "piloto")),
    ],
)
def test_stage_move_commands_parse(text: str, expected: object) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stage Override production", SetStage(TeamRef(name="Override"), Stage.PRODUCTION, None)),
        (
            "stage Forzar ML roadmap forzar ok",
            SetStage(TeamRef(name="Forzar ML"), Stage.ROADMAP, "ok"),
        ),
        (
            "stage Vision production override override agreed",
            SetStage(TeamRef(name="Vision"), Stage.PRODUCTION, "override agreed"),
        ),
    ],
)
def test_the_override_word_counts_only_right_after_the_stage(text: str, expected: object) -> None:
    """Finding 5: a team named with "override" or "forzar" is a team, not the keyword."""
    assert parse_command(text) == expected


def test_a_waiver_without_a_date_says_how_to_ask_for_one() -> None:
    error = parse_command("waive Vision MD4 soon")
    assert isinstance(error, ParseError)
    assert error.usage_key == "usage.waive"
