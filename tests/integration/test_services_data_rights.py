"""Export and erase through the use cases, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest

from bot.db import repositories as repo
from bot.scheduling.kinds import Kind
from bot.scheduling.send import remind_target
from bot.services import DraftState, Invalid, ItemDraft, NotAllowed, NotFound
from bot.services.scheduling import plan_target
from rubric.model import Stage
from tests.fakes.directory import FakeDirectory
from tests.support.world import ADMIN, LEAD, SEARCH_CHANNEL, VISION_CHANNEL, World, levels


@pytest.fixture
def world(db) -> World:
    return World(db)


@pytest.fixture
def teams(world):
    vision = world.team("Vision")
    search = world.team("Search", channel_id=SEARCH_CHANNEL)
    world.submit(vision, levels(FD1="automated"), notes={"FD1": "nightly job"}, overall_note="ok")
    world.submit(search, levels(MD1="manual"), user_id=ADMIN, key="search-1")
    return vision, search


def test_an_admin_exports_one_team_as_json(world, teams):
    vision, _ = teams
    data = json.loads(world.services.export(world.actor(ADMIN), world.directory, vision.id, "json"))

    assert [row["name"] for row in data["teams"]] == ["Vision"]
    assert len(data["assessments"]) == 1
    assert len(data["answers"]) == 28
    assert {a["item_id"]: a["note"] for a in data["answers"]}["FD1"] == "nightly job"
    with world.db.read() as session:
        exported = repo.list_audit(session, workspace_id=world.workspace, action="data.exported")
    assert exported[0].detail == {"format": "json"}


def test_the_workspace_export_as_csv_zip_holds_every_table(world, teams):
    archive = zipfile.ZipFile(
        io.BytesIO(world.services.export(world.actor(ADMIN), world.directory, None, "csv_zip"))
    )
    assert {"teams.csv", "assessments.csv", "answers.csv"} <= set(archive.namelist())
    rows = list(csv.DictReader(io.StringIO(archive.read("teams.csv").decode())))
    assert sorted(row["name"] for row in rows) == ["Search", "Vision"]


def test_the_csv_export_has_a_row_per_answer(world, teams):
    text = world.services.export_workspace_data(world.workspace, None, "csv").decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 56
    assert {row["team"] for row in rows} == {"Vision", "Search"}


def test_only_admins_export_and_formats_are_checked(world, teams):
    vision, _ = teams
    with pytest.raises(NotAllowed):
        world.services.export(world.actor(LEAD), world.directory, vision.id, "json")
    with pytest.raises(Invalid) as error:
        world.services.export(world.actor(ADMIN), world.directory, vision.id, "xml")
    assert error.value.params == {"format": "xml"}


def test_the_cli_export_finds_the_workspace_and_team_by_their_names(world, teams):
    data = json.loads(world.services.export_for_cli(workspace="TALPHA", team="search", fmt="json"))
    assert [row["name"] for row in data["teams"]] == ["Search"]
    with pytest.raises(Invalid) as ambiguous:
        world.services.export_for_cli(workspace=None, team=None, fmt="json")
    assert ambiguous.value.params == {"count": 2}
    with pytest.raises(NotFound):
        world.services.export_for_cli(workspace="TNOPE", team=None, fmt="json")


def test_an_admin_erases_a_team_and_everything_about_it(world, teams):
    vision, search = teams
    world.services.save_draft(world.actor(LEAD), vision.id, DraftState(stage=Stage.ROADMAP))
    with pytest.raises(NotAllowed):
        world.services.erase_team(world.actor(LEAD), world.directory, vision.id)

    counts = world.services.erase_team(world.actor(ADMIN), world.directory, vision.id).rows

    assert counts["teams"] == 1
    assert counts["answers"] == 28
    assert counts["drafts"] == 1
    with pytest.raises(NotFound):
        world.services.get_team(world.workspace, vision.id)
    assert [
        s.team.name for s in world.services.list_teams(world.actor(ADMIN), world.directory)
    ] == ["Search"]
    assert world.services.scorecard(world.actor(ADMIN), world.directory, search.id) is not None
    with world.db.read() as session:
        erased = repo.list_audit(session, workspace_id=world.workspace, action="team.erased")
    assert erased[0].detail["name"] == "Vision"


def test_an_admin_erases_the_notes_a_person_wrote_but_keeps_their_levels(world, teams):
    vision, _ = teams
    with pytest.raises(NotAllowed):
        world.services.erase_user_notes(world.actor(LEAD), world.directory, LEAD)

    counts = world.services.erase_user_notes(world.actor(ADMIN), world.directory, LEAD).rows

    assert counts["answers"] == 1
    assert counts["assessments"] == 1
    card = world.services.scorecard(world.actor(ADMIN), world.directory, vision.id)
    assert card.snapshot.answers["FD1"].note == ""
    assert card.snapshot.answers["FD1"].choice == "automated"
    assert card.snapshot.note == ""


def test_erasing_a_workspace_removes_it_and_can_be_repeated(world, teams):
    counts = world.services.erase_workspace("TALPHA")

    assert counts["workspaces"] == 1
    assert counts["teams"] == 2
    assert world.services.erase_workspace("TALPHA") == {}
    # a reinstall starts from nothing
    fresh = world.services.workspace_for("TALPHA")
    assert fresh != world.workspace
    assert world.services.list_teams(world.actor(ADMIN, workspace_id=fresh), world.directory) == []


MOVER, ASKER, DECIDER, PLANNER, OWNER, REMINDED, EXPORTER = (
    "UMOVER",
    "UASKER",
    "UDECIDER",
    "UPLANNER",
    "UOWNER",
    "UREMINDED",
    "UEXPORTER",
)


def test_an_anonymous_teams_export_names_no_stage_mover_waiver_plan_or_reminded_person(db):
    """Who moved the stage, asked for and decided a waiver, made and owns a plan, and whom a
    plan's or a check-in's reminder went to by DM: none of them is named while the team is
    anonymous, and every one of them is once it is not."""
    world = World(
        db,
        directory=FakeDirectory(
            admins={ADMIN, MOVER, DECIDER, PLANNER, EXPORTER},
            members={VISION_CHANNEL: {ASKER, OWNER, REMINDED}},
        ),
    )
    team = world.team()  # by ADMIN: the first stage change
    world.services.set_anonymous(world.actor(ADMIN), world.directory, team.id, True)
    world.services.set_stage(world.actor(MOVER), world.directory, team.id, Stage.ROADMAP)
    asked = world.services.request_waiver(
        world.actor(ASKER),
        world.directory,
        team.id,
        None,
        item_id="FD5",
        expires_on=world.clock.now.date() + timedelta(days=10),
        reason="no personal data",
    )
    world.services.decide_waiver(world.actor(DECIDER), world.directory, asked.id, approve=True)
    plan = world.services.create_plan(
        world.actor(PLANNER),
        world.directory,
        team.id,
        None,
        target_stage=Stage.PRODUCTION,
        target_date=world.clock.now.date() + timedelta(days=30),
        owners={"FD1": OWNER},
    )
    with world.db.write() as session:
        for target, kind in (
            (plan_target(team.id, plan.id, OWNER), Kind.PLAN_REMINDER),
            (remind_target(repo.team_target(team.id), REMINDED), Kind.REMINDER),
        ):
            key = {"workspace_id": world.workspace, "target": target, "kind": kind.value}
            repo.claim_delivery(session, **key, period_key="2025-W10", now=world.clock.now)
            repo.mark_delivery_sent(session, **key, period_key="2025-W10", now=world.clock.now)
    people = (ADMIN, MOVER, ASKER, DECIDER, PLANNER, OWNER, REMINDED)

    def exported() -> dict[str, str]:
        exporter = world.actor(EXPORTER)
        texts = {
            fmt: world.services.export(exporter, world.directory, team.id, fmt).decode()
            for fmt in ("json", "csv")
        }
        texts["workspace"] = world.services.export(exporter, world.directory, None, "json").decode()
        raw = world.services.export(exporter, world.directory, team.id, "csv_zip")
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            texts |= {name: archive.read(name).decode() for name in archive.namelist()}
        return texts

    for name, text in exported().items():
        for person in people:
            assert person not in text, (name, person)
    world.services.set_anonymous(world.actor(ADMIN), world.directory, team.id, False)
    named = exported()
    for person in people:
        assert person in named["workspace"], person
        assert person in named["json"], person  # the team's export: its reminders too


NOTER, DRAFTER = "UNOTER", "UDRAFTER"


def test_an_anonymous_teams_export_names_no_note_author_in_a_draft_or_a_posted_message(db):
    """A draft pre-filled with someone's note keeps its author, and the bot's record of a
    posted scorecard (or waiver request) names whose words it shows: hidden while the team is
    anonymous, there once it is not."""
    world = World(
        db, directory=FakeDirectory(admins={ADMIN}, members={VISION_CHANNEL: {NOTER, DRAFTER}})
    )
    team = world.team()
    world.services.set_anonymous(world.actor(ADMIN), world.directory, team.id, True)
    world.submit(team, levels(FD1="manual"), user_id=NOTER, notes={"FD1": "nightly"})
    carried = ItemDraft(choice="manual", note="nightly", note_by=NOTER)
    world.services.save_draft(
        world.actor(DRAFTER), team.id, DraftState(stage=Stage.RESEARCH, answers={"FD1": carried})
    )
    for ts, kind in (("1.0001", "scorecard"), ("1.0002", "waiver_request")):
        world.services.record_post(
            world.actor(DRAFTER),
            team.id,
            channel_id=VISION_CHANNEL,
            message_ts=ts,
            authors=[NOTER],
            kind=kind,
            language="en",
        )
    admin = world.actor(ADMIN)

    def exported() -> list[str]:
        raw = world.services.export(admin, world.directory, team.id, "csv_zip")
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            texts = [archive.read(name).decode() for name in archive.namelist()]
        return texts + [
            world.services.export(admin, world.directory, scope, "json").decode()
            for scope in (team.id, None)
        ]

    assert not [text for text in exported() if NOTER in text or DRAFTER in text]
    world.services.set_anonymous(admin, world.directory, team.id, False)
    data = json.loads(exported()[-2])
    assert [row["author"] for row in data["bot_posts"]] == [NOTER, NOTER]
    assert [row["state"]["answers"]["FD1"]["note_by"] for row in data["drafts"]] == [NOTER]
