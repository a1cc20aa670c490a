"""Write the demo's output: charts, one JSON file per Block Kit payload, and index.html.

index.html is self-contained (inline CSS, no script, images by relative path), shows each
channel's messages roughly as Slack would, and links every payload to Slack's Block Kit Builder.
It is rendered from the Jinja templates in templates/, with autoescaping: this module gathers
what they show.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from bot.demo import sample
from bot.demo.blocks_html import template_globals
from bot.demo.mrkdwn import MrkdwnRenderer
from bot.demo.recorder import Recorded
from bot.demo.simulate import DemoRun
from rubric.periods import zone_for

BUILDER_URL = "https://app.slack.com/block-kit-builder/#"
CHARTS_DIR = "charts"
MESSAGES_DIR = "messages"
FILES_DIR = "files"
INDEX = "index.html"
VIEW_KINDS = frozenset({"modal", "home"})
RECENT_DAYS = 15


def builder_payload(item: Recorded) -> dict[str, Any]:
    """What the Block Kit Builder opens: {"blocks": [...]} for a message, the view itself for a
    modal or the Home tab."""
    if item.kind in VIEW_KINDS:
        return item.payload
    return {"blocks": item.payload.get("blocks", [])}


def builder_link(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return BUILDER_URL + quote(text, safe="")


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "message"


@dataclass(frozen=True)
class WrittenPayload:
    item: Recorded
    path: str
    """Relative to the output directory."""


class ReportWriter:
    def __init__(self, run: DemoRun, out: Path) -> None:
        self.run = run
        self.out = out
        self.text = MrkdwnRenderer(channels=run.channels, users=run.users)
        self.templates = templates(self.text)
        self.payloads: dict[int, WrittenPayload] = {}
        self.files: dict[str, str] = {}
        """file id -> relative path of the PNG."""
        self.chart_paths: dict[str, str] = {}
        """sha256 of a chart's PNG -> its relative path (an upload of the same chart reuses it)."""

    # ---- files --------------------------------------------------------------------------------

    def write(self) -> Path:
        for name in (CHARTS_DIR, MESSAGES_DIR, FILES_DIR):
            # Only the directories this writer owns are cleared, so a rerun with fewer weeks
            # leaves no stale payloads behind.
            shutil.rmtree(self.out / name, ignore_errors=True)
            (self.out / name).mkdir(parents=True)
        self._write_charts()
        self._write_payloads()
        self._write_uploads()
        index = self.out / INDEX
        index.write_text(self.html(), encoding="utf-8")
        return index

    def _write_charts(self) -> None:
        for named in self.run.charts:
            path = f"{CHARTS_DIR}/{named.filename}"
            (self.out / path).write_bytes(named.chart.png)
            self.chart_paths[hashlib.sha256(named.chart.png).hexdigest()] = path

    def _write_payloads(self) -> None:
        number = 0
        for item in self.run.recording.items:
            if item.kind == "files":
                continue
            number += 1
            if item.kind in VIEW_KINDS:
                name = item.kind
            else:
                name = _slug(self.run.channels.get(item.channel, item.channel))
                if item.kind == "ephemeral":
                    name += "-ephemeral"
            path = f"{MESSAGES_DIR}/{number:03d}-{name}.json"
            (self.out / path).write_text(
                json.dumps(item.payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
            self.payloads[item.number] = WrittenPayload(item, path)

    def _write_uploads(self) -> None:
        for item in self.run.recording.items:
            for upload in item.files:
                digest = hashlib.sha256(upload.content).hexdigest()
                known = self.chart_paths.get(digest)
                if known is None:
                    known = f"{FILES_DIR}/{item.number:03d}-{_slug(upload.filename[:-4])}.png"
                    (self.out / known).write_bytes(upload.content)
                    self.chart_paths[digest] = known
                self.files[upload.file_id] = known

    # ---- HTML ---------------------------------------------------------------------------------

    def html(self) -> str:
        css = resources.files("bot.demo").joinpath("static/demo.css").read_text("utf-8")
        run = self.run
        # A team with several systems has one channel.
        unique = dict.fromkeys((team.channel_id, team.channel_name) for team, _ in run.teams)
        channels = [self._channel(channel_id, name) for channel_id, name in unique]
        dms = [
            self._dm(channel)
            for channel in sorted({i.channel for i in run.recording.items if i.channel[:1] == "D"})
        ]
        views = [self._view(item) for item in run.recording.items if item.kind in VIEW_KINDS]
        charts = [
            ShownChart(
                caption=named.caption,
                filename=named.filename,
                path=f"{CHARTS_DIR}/{named.filename}",
                alt=named.chart.alt_text,
                width=named.chart.width,
                height=named.chart.height,
            )
            for named in run.charts
        ]
        return self.templates.get_template("report.html").render(
            # The stylesheet ships with the package: it is markup, not text to escape.
            css=Markup(css),  # noqa: S704
            workspace=sample.WORKSPACE_NAME,
            bot_name=sample.BOT_NAME,
            intro=self._intro(),
            channels=channels,
            dms=dms,
            views=views,
            charts=charts,
        )

    def _intro(self) -> Intro:
        run = self.run
        items = run.recording.items
        return Intro(
            weeks=run.weeks,
            start=f"{run.start:%d %b %Y}",
            end=f"{run.end:%d %b %Y}",
            teams=[
                IntroTeam(info.label, info.stage.value, team.language, team.tz)
                for team, info in run.teams
            ],
            messages=sum(1 for i in items if i.kind in ("message", "ephemeral")),
            uploads=sum(len(i.files) for i in items),
            charts=len(run.charts),
            events=list(run.events),
        )

    def _channel(self, channel_id: str, name: str) -> Conversation:
        team_info = next(
            (info for team, info in self.run.teams if team.channel_id == channel_id), None
        )
        topic = ""
        if team_info is not None and team_info.schedule is not None:
            schedule = team_info.schedule
            topic = (
                f"{team_info.name} · stage: {team_info.stage.value} · "
                f"{schedule.cadence.value} check-ins, {_weekday(schedule.weekday)} "
                f"{schedule.at:%H:%M} {schedule.tz} · language: {team_info.language}"
            )
        return self._conversation(channel_id, name, topic, is_channel=True)

    def _dm(self, channel: str) -> Conversation:
        name = self.run.channels.get(channel, channel)
        topic = f"Direct messages between {name} and {sample.BOT_NAME}"
        return self._conversation(channel, name, topic, is_channel=False)

    def _conversation(
        self, channel: str, name: str, topic: str, *, is_channel: bool
    ) -> Conversation:
        zone = zone_for(self.run.zones.get(channel, "UTC"))
        items = [
            item
            for item in self.run.recording.items
            if item.channel == channel and item.kind not in VIEW_KINDS
        ]
        # Like Slack opening a channel at its latest messages: the last weeks are shown, the
        # weeks before fold away behind "earlier messages".
        cutoff = self.run.end - timedelta(days=RECENT_DAYS)
        return Conversation(
            id=channel,
            name=name,
            topic=topic,
            is_channel=is_channel,
            older=self._timeline([item for item in items if item.at < cutoff], zone),
            recent=self._timeline([item for item in items if item.at >= cutoff], zone),
        )

    def _timeline(self, items: list[Recorded], zone: ZoneInfo) -> list[TimelineRow]:
        """The messages in order, each new day announced before its first one."""
        rows = []
        day = None
        for item in items:
            local = item.at.astimezone(zone)
            announce = local.date() != day
            day = local.date()
            rows.append(
                TimelineRow(f"{local:%A %d %B %Y}" if announce else None, self._message(item))
            )
        return rows

    def _message(self, item: Recorded) -> ShownMessage:
        local = item.at.astimezone(zone_for(self.run.zones.get(item.channel, "UTC")))
        written = self.payloads.get(item.number)
        text = item.payload.get("text")
        return ShownMessage(
            number=item.number,
            ephemeral=item.kind == "ephemeral",
            at_iso=item.at.isoformat(),
            at_title=f"{local:%Y-%m-%d %H:%M %Z}",
            at_clock=f"{local:%H:%M}",
            blocks=list(item.payload.get("blocks") or []),
            text=self.text.render(str(text)) if text else None,
            files=[
                ShownFile(upload.title, self.files.get(upload.file_id, ""), upload.alt_text)
                for upload in item.files
            ],
            payload_path=written.path if written else None,
            builder_link=builder_link(builder_payload(item)) if written else None,
            note=item.note or None,
        )

    def _view(self, item: Recorded) -> ShownView:
        view = item.payload
        return ShownView(
            kind=item.kind,
            message=self._message(item),
            title=self.text.text_object(view.get("title")),
            submit=self.text.text_object(view.get("submit")) if view.get("submit") else None,
            close=self.text.text_object(view.get("close")) if view.get("close") else None,
        )


@dataclass(frozen=True)
class IntroTeam:
    name: str
    stage: str
    language: str
    tz: str


@dataclass(frozen=True)
class Intro:
    weeks: int
    start: str
    end: str
    teams: list[IntroTeam]
    messages: int
    uploads: int
    charts: int
    events: list[str]


@dataclass(frozen=True)
class ShownFile:
    title: str
    path: str
    alt: str


@dataclass(frozen=True)
class ShownMessage:
    """A message as the report shows it; the template escapes every str, Markup is HTML."""

    number: int
    ephemeral: bool
    at_iso: str
    at_title: str
    at_clock: str
    blocks: list[Any]
    text: Markup | None
    files: list[ShownFile]
    payload_path: str | None
    builder_link: str | None
    note: str | None


@dataclass(frozen=True)
class TimelineRow:
    day: str | None
    """The day's heading before its first message."""
    message: ShownMessage


@dataclass(frozen=True)
class Conversation:
    id: str
    name: str
    topic: str
    is_channel: bool
    older: list[TimelineRow]
    recent: list[TimelineRow]


@dataclass(frozen=True)
class ShownView:
    kind: str
    message: ShownMessage
    title: Markup
    submit: Markup | None
    close: Markup | None


@dataclass(frozen=True)
class ShownChart:
    caption: str
    filename: str
    path: str
    alt: str
    width: int
    height: int


def templates(text: MrkdwnRenderer) -> Environment:
    """The report's templates, shipped in the package. Every value a template prints is escaped
    unless it is Markup: the mrkdwn renderer's output and the stylesheet."""
    environment = Environment(
        loader=PackageLoader("bot.demo", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(template_globals(text))
    return environment


def _weekday(day: int) -> str:
    return ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")[
        day
    ]


def write_report(run: DemoRun, out: Path) -> Path:
    return ReportWriter(run, out).write()
