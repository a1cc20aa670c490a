"""The demo report's templates escape every value they print that is not already HTML."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

from markupsafe import escape

from bot.demo.recorder import Recorded, Recording, UploadedFile
from bot.demo.report import ReportWriter
from bot.demo.simulate import DemoRun

# Breaks out of an attribute and opens a tag, wherever it is printed without escaping.
HOSTILE = '"\'><script>alert(1)</script><b title="'
AT = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


def hostile_run() -> DemoRun:
    """One DM whose every name, label, value, file and note is hostile markup."""
    blocks = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "hello"},
            "accessory": {
                "type": "image",
                "image_url": "https://x.invalid/i.png",
                "alt_text": HOSTILE,
            },
        },
        {
            "type": "input",
            "label": {"type": "plain_text", "text": "Note"},
            "element": {"type": "plain_text_input", "action_id": "note", "initial_value": HOSTILE},
        },
        {"type": HOSTILE},
        {"type": "actions", "elements": [{"type": HOSTILE}]},
    ]
    recording = Recording()
    recording.items.append(
        Recorded(
            number=1,
            kind="message",
            channel="D0HOSTILE",
            at=AT,
            ts="1.000001",
            payload={"text": "hello", "blocks": blocks},
            files=(UploadedFile("F0HOSTILE", "chart.png", HOSTILE, HOSTILE, b"\x89PNG"),),
            note=HOSTILE,
        )
    )
    return DemoRun(
        recording=recording,
        teams=[],
        charts=[],
        start=AT,
        end=AT,
        weeks=4,
        channels={"D0HOSTILE": HOSTILE},
        zones={},
        users={},
        events=[HOSTILE],
    )


def test_every_value_the_report_prints_is_escaped(tmp_path: Path) -> None:
    page = ReportWriter(hostile_run(), tmp_path).write().read_text(encoding="utf-8")

    assert "<script" not in page
    assert '<b title="' not in page
    shown = str(escape(HOSTILE))
    # the DM's name (sidebar, heading, topic), the event, the image's alt text, the input's
    # value, the unknown block and element, the file's title and alt text (twice), the note: 12
    assert page.count(shown) >= 12, page
    assert html.unescape(shown) == HOSTILE
