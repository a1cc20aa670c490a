"""`mlscore demo`: a short simulation into a temporary directory, then its files are read back:
the report, every Block Kit payload against Slack's limits, the charts, the Block Kit Builder
links, the weekly summary, the skipped period and the escaping of user text."""

from __future__ import annotations

import html
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from PIL import Image

from bot.charts import png_size
from bot.cli import main
from bot.db.engine import Database
from bot.demo import DATABASE_NAME, run_demo
from bot.demo.mrkdwn import MrkdwnRenderer
from bot.demo.report import BUILDER_URL
from bot.demo.sample import ESCAPING_NOTE, SYSTEMS, TEAMS, WORKSPACE
from bot.services import Actor, Services
from bot.slack.blocks.checkin import build_skipped, parse_checkin_value
from bot.slack.i18n import t
from rubric.model import Stage
from tests.fakes.blockkit import check_message, check_view
from tests.fakes.directory import FakeDirectory

WEEKS = 6
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    index = run_demo(out, weeks=WEEKS)
    assert index == out / "index.html"
    return out


@pytest.fixture(scope="module")
def page(demo: Path) -> str:
    return (demo / "index.html").read_text(encoding="utf-8")


def payloads(out: Path) -> dict[str, Any]:
    return {
        f"messages/{path.name}": json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((out / "messages").glob("*.json"))
    }


def is_view(payload: dict[str, Any]) -> bool:
    return payload.get("type") in ("modal", "home")


def texts(payload: dict[str, Any]) -> str:
    """Every string in a payload, joined (what a person could read in it)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            found.append(node)

    walk(payload)
    return "\n".join(found)


def test_the_report_shows_the_three_teams_in_their_channels(demo: Path, page: str) -> None:
    assert (demo / DATABASE_NAME).is_file()
    for team in TEAMS:
        assert f"<strong>{team.name}</strong>" in page
        assert f'id="c-{team.channel_id}"' in page
        assert team.channel_name in page
    # the Spanish team's messages are in Spanish
    assert "Toca la revisión semanal del ML Test Score de <strong>Fraude</strong>" in page


def test_every_payload_passes_the_block_kit_checks(demo: Path) -> None:
    found = payloads(demo)
    kinds = {payload.get("type", "message") for payload in found.values()}
    assert kinds == {"message", "modal", "home"}
    # check-ins, announcements and the rest: at least two messages per team and week
    assert len(found) >= 2 * WEEKS * len(TEAMS)
    for name, payload in found.items():
        violations = check_view(payload) if is_view(payload) else check_message(payload)
        assert violations == [], name


def test_charts_are_valid_pngs_of_every_kind(demo: Path) -> None:
    names = {path.name for path in (demo / "charts").glob("*.png")}
    expected = {"overview.png", "criteria.png", "burnup-search.png"}
    for team in (*TEAMS, *SYSTEMS):
        expected |= {f"trend-{team.key}.png", f"heatmap-{team.key}.png"}
    assert names == expected
    pngs = [*(demo / "charts").glob("*.png"), *(demo / "files").glob("*.png")]
    for path in pngs:
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE), path.name
        width, height = png_size(data)
        assert width >= 600, path.name
        assert height >= 300, path.name
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            assert image.size == (width, height)


def test_every_chart_in_the_report_exists_and_has_alt_text(demo: Path, page: str) -> None:
    images = re.findall(r'<img class="chart" src="([^"]+)" alt="([^"]*)"', page)
    sources = {src for src, _ in images}
    assert {f"charts/{p.name}" for p in (demo / "charts").glob("*.png")} <= sources
    for src, alt in images:
        assert (demo / html.unescape(src)).is_file(), src
        assert len(html.unescape(alt)) > 20, src


def test_block_kit_builder_links_decode_back_to_their_payloads(demo: Path, page: str) -> None:
    found = payloads(demo)
    linked = re.findall(
        r'data-payload="([^"]+)".*?<a class="bkb" href="([^"]+)"', page, flags=re.DOTALL
    )
    assert {html.unescape(path) for path, _ in linked} == set(found)
    for path, href in linked:
        link = html.unescape(href)
        assert link.startswith(BUILDER_URL)
        decoded = json.loads(unquote(link.removeprefix(BUILDER_URL)))
        payload = found[html.unescape(path)]
        expected = payload if is_view(payload) else {"blocks": payload["blocks"]}
        assert decoded == expected, path


def test_the_weekly_summary_reaches_every_channel_with_its_chart(demo: Path, page: str) -> None:
    found = payloads(demo)
    summaries = {
        name: payload
        for name, payload in found.items()
        if not is_view(payload)
        and payload["blocks"][0].get("text", {}).get("text")
        in (t("digest.header", "en"), t("digest.header", "es"))
    }
    assert len(summaries) == len(TEAMS)
    for team in TEAMS:
        (text,) = [texts(p) for n, p in summaries.items() if team.channel_name in n]
        # A team with several systems has a section per system, each named team/system.
        systems = [s.system for s in (team, *SYSTEMS) if s.name == team.name and s.system]
        for name in [f"{team.name}/{system}" for system in systems] or [team.name]:
            assert f"*{name}*" in text
        assert t("digest.header", team.language) in text
    # each summary is followed in its channel by the overview chart upload
    for name in summaries:
        after = page.split(f'data-payload="{name}"', 1)[1]
        next_message = after.split('<article class="msg"', 2)[1]
        assert '<figure class="file">' in next_message
        assert 'src="files/' in next_message


def test_a_skipped_period_is_announced_and_charted_as_skipped(demo: Path) -> None:
    vision = next(team for team in TEAMS if team.key == "vision")
    found = payloads(demo)
    periods = set()
    for payload in found.values():
        for block in payload.get("blocks", []):
            for element in block.get("elements", []):
                parsed = parse_checkin_value(element.get("value"))
                if parsed is not None and element.get("action_id") == "checkin_open":
                    periods.add(parsed[1])
    notices = [
        build_skipped(team_name=vision.name, period_key=period, language="en")
        for period in sorted(periods)
    ]
    skipped = [notice for notice in notices if notice in found.values()]
    assert len(skipped) == 1

    database = Database.from_url(f"sqlite:///{demo / DATABASE_NAME}")
    try:
        services = Services(database=database)
        workspace = services.workspace_for(WORKSPACE)
        operator = Actor(workspace_id=workspace, user_id="operator")
        everyone = FakeDirectory(admins={"operator"})
        team = next(
            s.team for s in services.list_teams(operator, everyone) if s.team.name == vision.name
        )
        view = services.trend(operator, everyone, team.id)
    finally:
        database.dispose()
    assert view is not None
    gaps = [point for point in view.trend.points if point.skipped]
    assert len(gaps) == 1
    assert gaps[0].final is None


def test_one_team_owns_two_systems_at_different_stages_asked_in_one_checkin(
    demo: Path, page: str
) -> None:
    (ads,) = SYSTEMS
    ranking = next(team for team in TEAMS if team.name == ads.name)
    database = Database.from_url(f"sqlite:///{demo / DATABASE_NAME}")
    try:
        services = Services(database=database)
        workspace = services.workspace_for(WORKSPACE)
        operator = Actor(workspace_id=workspace, user_id="operator")
        everyone = FakeDirectory(admins={"operator"})
        team = next(
            s.team for s in services.list_teams(operator, everyone) if s.team.name == ads.name
        )
        lines = services.system_lines(operator, everyone, team.id)
    finally:
        database.dispose()
    stages = {line.system.system_name: line.system.stage for line in lines}
    # Ranking moves to production half-way; Ads stays in research.
    assert stages == {ranking.system: Stage.PRODUCTION, ads.system: Stage.RESEARCH}
    assert all(line.final_score is not None for line in lines)
    assert len({line.final_score for line in lines}) == 2
    checkins = [
        payload
        for payload in payloads(demo).values()
        if ads.channel_id in json.dumps(payload) or ads.name in json.dumps(payload)
        if any(
            str(element.get("action_id", "")).startswith("checkin_open:")
            for block in payload.get("blocks", [])
            for element in block.get("elements", [])
        )
    ]
    assert checkins, "no check-in with a button per system"
    assert f"{ads.name}/{ads.system}" in page


def test_one_teams_plan_for_its_stage_move_is_made_met_and_charted(demo: Path, page: str) -> None:
    # The lead's preview with its button, the owners' DMs, the plan met in full by the move.
    assert "Make a plan" in page
    assert "made a plan" in page
    listing = re.search(r"Search ranking/Ranking\S* to [^:]+: [▓░]+ (\d+)/(\d+) met", page)
    assert listing is not None
    met, total = int(listing.group(1)), int(listing.group(2))
    assert met == total > 0
    images = dict(re.findall(r'<img class="chart" src="([^"]+)" alt="([^"]*)"', page))
    alt = images["charts/burnup-search.png"]
    assert f"{total} of {total} tests met" in alt
    assert png_size((demo / "charts" / "burnup-search.png").read_bytes()) == (1000, 560)
    # The gate let the move through: the team is at production at the end.
    assert "Ranking moved to production" in page


def test_notes_with_markup_are_shown_as_text_not_run(page: str) -> None:
    assert "<script" not in page.lower()
    # the overall note is in the scorecard (mrkdwn) and the raw text in no input box
    assert "Fixed the &lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt; injection" in page
    assert ESCAPING_NOTE.split("<")[0] in page


def test_mrkdwn_renders_slack_formatting_and_escapes_everything_else() -> None:
    render = MrkdwnRenderer(channels={"C1": "general"}, users={"U1": "Ana <b>"}).render
    assert render("*bold* _it_ ~gone~ `x<y`") == (
        "<strong>bold</strong> <em>it</em> <del>gone</del> <code>x&lt;y</code>"
    )
    assert render("<#C1> <#C2|other> <@U1>") == (
        '<span class="mention channel">#general</span> '
        '<span class="mention channel">#other</span> '
        '<span class="mention user">@Ana &lt;b&gt;</span>'
    )
    assert render("<https://example.com/?a=1&amp;b=2|site>") == (
        '<a href="https://example.com/?a=1&amp;b=2" target="_blank" '
        'rel="noopener noreferrer">site</a>'
    )
    assert render("<javascript:alert(1)|click>") == "&lt;javascript:alert(1)|click&gt;"
    assert render("a\n&gt; quoted &lt;img src=x onerror=alert(1)&gt;") == (
        'a<br><span class="quote">quoted &lt;img src=x onerror=alert(1)&gt;</span>'
    )
    assert render("```\n<b>&amp;</b>\n```") == (
        '<pre class="code-block">&lt;b&gt;&amp;&lt;/b&gt;</pre>'
    )
    assert render("raw <script>") == "raw &lt;script&gt;"


@pytest.fixture
def root_logging() -> Iterator[None]:
    """The CLI installs its log handler on the root logger: put things back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)


@pytest.mark.usefixtures("root_logging")
def test_rerunning_the_command_rewrites_the_same_files(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = {
        p.relative_to(demo): p.read_bytes()
        for p in demo.rglob("*")
        if p.is_file() and p.name != DATABASE_NAME and not p.name.startswith(DATABASE_NAME)
    }
    assert main(["demo", "--out", str(demo), "--weeks", str(WEEKS)]) == 0
    assert "index.html" in capsys.readouterr().out
    second = {
        p.relative_to(demo): p.read_bytes()
        for p in demo.rglob("*")
        if p.is_file() and not p.name.startswith(DATABASE_NAME)
    }
    assert second.keys() == first.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_the_shortest_demo_moves_its_team_by_an_admins_override(tmp_path: Path) -> None:
    # Four weeks (what CI runs from the installed wheel) leave no time to plan the move first:
    # the stage gate would stop it, so the demo's admin overrides it, with a reason.
    out = tmp_path / "short"
    index = run_demo(out, weeks=4)
    assert index.is_file()
    database = Database.from_url(f"sqlite:///{out / DATABASE_NAME}")
    try:
        with database.engine.connect() as connection:
            reasons = connection.exec_driver_sql(
                "SELECT detail FROM audit_log WHERE detail LIKE '%short demo%'"
            ).all()
    finally:
        database.dispose()
    assert len(reasons) == 1
