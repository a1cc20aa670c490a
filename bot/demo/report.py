"""Write the demo's output: charts, one JSON file per Block Kit payload, and index.html.

index.html is self-contained (inline CSS, no script, images by relative path), shows each
channel's messages roughly as Slack would, and links every payload to Slack's Block Kit Builder.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from bot.demo import sample
from bot.demo.blocks_html import BlocksRenderer
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


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


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
        self.blocks = BlocksRenderer(self.text)
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
        channels = [(team.channel_id, team.channel_name) for team, _ in run.teams]
        dms = sorted(
            {i.channel for i in run.recording.items if i.channel.startswith("D")},
        )
        body = [
            self._intro(),
            *(self._channel(cid, name) for cid, name in channels),
            *(self._dm(channel) for channel in dms),
            self._views(),
            self._gallery(),
        ]
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>mlscore demo · {_esc(sample.WORKSPACE_NAME)}</title>\n"
            f"<style>\n{css}</style>\n</head>\n<body>\n"
            '<div class="app">\n'
            f"{self._sidebar(channels, dms)}\n"
            '<main class="pane">\n' + "\n".join(body) + "\n</main>\n</div>\n</body>\n</html>\n"
        )

    def _sidebar(self, channels: list[tuple[str, str]], dms: list[str]) -> str:
        links = [
            f'<a class="nav" href="#c-{_esc(cid)}"><span class="hash">#</span> {_esc(name)}</a>'
            for cid, name in channels
        ]
        people = [
            f'<a class="nav" href="#c-{_esc(dm)}"><span class="presence"></span> '
            f"{_esc(self.run.channels.get(dm, dm))}</a>"
            for dm in dms
        ]
        return (
            '<nav class="sidebar">'
            f'<div class="workspace">{_esc(sample.WORKSPACE_NAME)}</div>'
            '<div class="group">Channels</div>' + "".join(links) + '<div class="group">'
            "Direct messages</div>" + "".join(people) + '<div class="group">Apps</div>'
            f'<a class="nav" href="#views"><span class="app-icon">ML</span> '
            f"{_esc(sample.BOT_NAME)}</a>"
            '<div class="group">Demo</div>'
            '<a class="nav" href="#charts">Charts</a>'
            '<a class="nav" href="#about">About this demo</a>'
            "</nav>"
        )

    def _intro(self) -> str:
        run = self.run
        items = run.recording.items
        messages = sum(1 for i in items if i.kind in ("message", "ephemeral"))
        uploads = sum(len(i.files) for i in items)
        teams = ", ".join(
            f"<strong>{_esc(info.name)}</strong> ({_esc(info.stage.value)}, "
            f"{_esc(team.language)}, {_esc(team.tz)})"
            for team, info in run.teams
        )
        events = "".join(f"<li>{_esc(event)}</li>" for event in run.events)
        return (
            '<section class="intro" id="about">'
            "<h1>mlscore offline demo</h1>"
            f"<p>{run.weeks} simulated weeks, {run.start:%d %b %Y} to {run.end:%d %b %Y}, of "
            f"weekly check-ins for {teams}. Everything below went through the bot's own services "
            "and scheduler; the Slack Web API was replaced by an in-process recorder, so nothing "
            "was sent anywhere.</p>"
            f"<p>{messages} messages, {uploads} chart uploads, {len(run.charts)} charts. "
            "Each message links to its Block Kit JSON and opens in Slack's Block Kit Builder. "
            "Buttons are inert.</p>"
            f'<ul class="events">{events}</ul>'
            "</section>"
        )

    def _channel(self, channel_id: str, name: str) -> str:
        team_info = next(
            (info for team, info in self.run.teams if team.channel_id == channel_id), None
        )
        topic = ""
        if team_info is not None and team_info.schedule is not None:
            schedule = team_info.schedule
            topic = (
                f"{_esc(team_info.name)} · stage: {_esc(team_info.stage.value)} · "
                f"{_esc(schedule.cadence.value)} check-ins, {_weekday(schedule.weekday)} "
                f"{schedule.at:%H:%M} {_esc(schedule.tz)} · language: "
                f"{_esc(team_info.language)}"
            )
        return self._conversation(channel_id, f'<span class="hash">#</span> {_esc(name)}', topic)

    def _dm(self, channel: str) -> str:
        name = self.run.channels.get(channel, channel)
        return self._conversation(
            channel, _esc(name), f"Direct messages between {_esc(name)} and {sample.BOT_NAME}"
        )

    def _conversation(self, channel: str, title: str, topic: str) -> str:
        zone = zone_for(self.run.zones.get(channel, "UTC"))
        parts = [
            f'<section class="channel" id="c-{_esc(channel)}">'
            f'<header class="channel-head"><h2>{title}</h2>'
            f'<div class="topic">{topic}</div></header>'
        ]
        items = [
            item
            for item in self.run.recording.items
            if item.channel == channel and item.kind not in VIEW_KINDS
        ]
        # Like Slack opening a channel at its latest messages: the last weeks are shown, the
        # weeks before fold away behind "earlier messages".
        cutoff = self.run.end - timedelta(days=RECENT_DAYS)
        older = [item for item in items if item.at < cutoff]
        recent = [item for item in items if item.at >= cutoff]
        if older:
            parts.append(
                f'<details class="older"><summary>{len(older)} earlier messages</summary>'
                f"{self._timeline(older, zone)}</details>"
            )
        parts.append(self._timeline(recent, zone))
        parts.append("</section>")
        return "\n".join(parts)

    def _timeline(self, items: list[Recorded], zone: ZoneInfo) -> str:
        parts = []
        day = None
        for item in items:
            local = item.at.astimezone(zone)
            if local.date() != day:
                day = local.date()
                parts.append(f'<div class="day"><span>{local:%A %d %B %Y}</span></div>')
            parts.append(self._message(item, local))
        return "\n".join(parts)

    def _message(self, item: Recorded, local: datetime) -> str:
        body: list[str] = []
        if item.kind == "ephemeral":
            body.append('<div class="ephemeral">&#128065; Only visible to you</div>')
        blocks = item.payload.get("blocks")
        if blocks:
            body.append(f'<div class="blocks">{self.blocks.blocks(blocks)}</div>')
        elif item.payload.get("text"):
            body.append(f'<div class="mrkdwn">{self.text.render(str(item.payload["text"]))}</div>')
        for upload in item.files:
            path = self.files.get(upload.file_id, "")
            body.append(
                '<figure class="file">'
                f'<div class="file-title">{_esc(upload.title)}</div>'
                f'<img class="chart" src="{_esc(path)}" alt="{_esc(upload.alt_text)}" '
                f'data-chart="{_esc(path)}">'
                f'<figcaption class="alt">{_esc(upload.alt_text)}</figcaption></figure>'
            )
        return (
            f'<article class="msg" id="m-{item.number:03d}"{self._payload_attr(item)}>'
            '<div class="avatar" aria-hidden="true">ML</div><div class="content">'
            f'<div class="meta"><span class="author">{_esc(sample.BOT_NAME)}</span>'
            '<span class="app-badge">APP</span>'
            f'<time datetime="{item.at.isoformat()}" title="{local:%Y-%m-%d %H:%M %Z}">'
            f"{local:%H:%M}</time></div>" + "".join(body) + self._tools(item) + "</div></article>"
        )

    def _payload_attr(self, item: Recorded) -> str:
        written = self.payloads.get(item.number)
        return f' data-payload="{_esc(written.path)}"' if written else ""

    def _tools(self, item: Recorded) -> str:
        written = self.payloads.get(item.number)
        links = []
        if written is not None:
            link = builder_link(builder_payload(item))
            links.append(
                f'<a class="bkb" href="{_esc(link)}" target="_blank" rel="noopener noreferrer">'
                "Open in Block Kit Builder</a>"
            )
            links.append(f'<a class="json" href="{_esc(written.path)}">JSON</a>')
        if item.note:
            links.append(f'<span class="cause">{_esc(item.note)}</span>')
        return f'<div class="tools">{" · ".join(links)}</div>' if links else ""

    def _views(self) -> str:
        parts = [
            '<section class="channel views" id="views"><header class="channel-head">'
            f"<h2>{_esc(sample.BOT_NAME)} · App Home and modal</h2>"
            '<div class="topic">Views the bot publishes (the Home tab) and opens (the '
            "assessment modal)</div></header>"
        ]
        for item in self.run.recording.items:
            if item.kind not in VIEW_KINDS:
                continue
            view = item.payload
            blocks = self.blocks.blocks(view.get("blocks") or [])
            if item.kind == "home":
                parts.append(
                    f'<div class="view-frame home" id="m-{item.number:03d}"'
                    f"{self._payload_attr(item)}>"
                    '<div class="tabs"><span class="tab on">Home</span>'
                    '<span class="tab">Messages</span><span class="tab">About</span></div>'
                    f'<div class="blocks">{blocks}</div>{self._tools(item)}</div>'
                )
                continue
            title = self.text.text_object(view.get("title"))
            submit = self.text.text_object(view.get("submit")) if view.get("submit") else ""
            close = self.text.text_object(view.get("close")) if view.get("close") else "Cancel"
            submit_html = (
                f'<button type="button" class="btn primary" tabindex="-1">{submit}</button>'
                if submit
                else ""
            )
            parts.append(
                f'<div class="view-frame modal" id="m-{item.number:03d}"'
                f"{self._payload_attr(item)}>"
                f'<div class="modal-head"><span class="app-icon">ML</span>{title}'
                '<span class="x">&#215;</span></div>'
                f'<div class="blocks">{blocks}</div>'
                f'<div class="modal-foot"><button type="button" class="btn" tabindex="-1">'
                f"{close}</button>{submit_html}</div>{self._tools(item)}</div>"
            )
        parts.append("</section>")
        return "\n".join(parts)

    def _gallery(self) -> str:
        figures = "".join(
            '<figure class="gallery-item">'
            f"<figcaption><strong>{_esc(named.caption)}</strong> · "
            f'<a href="{CHARTS_DIR}/{_esc(named.filename)}">{_esc(named.filename)}</a> · '
            f"{named.chart.width}&#215;{named.chart.height} px</figcaption>"
            f'<img class="chart" src="{CHARTS_DIR}/{_esc(named.filename)}" '
            f'alt="{_esc(named.chart.alt_text)}" data-chart="{CHARTS_DIR}/{_esc(named.filename)}">'
            f'<p class="alt">{_esc(named.chart.alt_text)}</p></figure>'
            for named in self.run.charts
        )
        return (
            '<section class="channel" id="charts"><header class="channel-head"><h2>Charts</h2>'
            '<div class="topic">Every chart the demo drew, with its alt text</div></header>'
            f'<div class="gallery">{figures}</div></section>'
        )


def _weekday(day: int) -> str:
    return ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")[
        day
    ]


def write_report(run: DemoRun, out: Path) -> Path:
    return ReportWriter(run, out).write()
