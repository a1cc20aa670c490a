"""The demo's index.html in a real browser: headless Chromium from Debian's packages.

The report is served from 127.0.0.1 by a tiny HTTP server. One run dumps the DOM of a copy of the
page that carries a test-only script listing every chart's natural size once the page has
loaded (the shipped page has no script); another takes a screenshot, kept under tests/artifacts/
for people to look at.
"""

from __future__ import annotations

import functools
import html
import io
import json
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from bot.demo import run_demo
from bot.demo.sample import BOT_NAME, TEAMS

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SCREENSHOT = ARTIFACTS / "demo-index.png"
WINDOW = (1280, 2000)
SIDEBAR_PURPLE = (0x3F, 0x0E, 0x40)

IMAGE_PROBE = """
<script>
window.addEventListener("load", () => {
  const found = [...document.querySelectorAll("img.chart")].map((img) => ({
    src: img.getAttribute("src"), width: img.naturalWidth, complete: img.complete,
  }));
  const out = document.createElement("pre");
  out.id = "image-probe";
  out.textContent = JSON.stringify(found);
  document.body.appendChild(out);
});
</script>
"""


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = (
        f"{CHROMIUM} is missing: install Debian's chromium package "
        "(apt-get install -y chromium) to run the browser test"
    )
    if os.environ.get("MLSCORE_REQUIRE_BROWSER"):
        pytest.fail(f"MLSCORE_REQUIRE_BROWSER is set but {reason}")
    pytest.skip(reason)


class _QuietHandler(SimpleHTTPRequestHandler):
    requested: list[str]

    def log_message(self, format: str, *args: object) -> None:
        self.requested.append(self.path)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, list[str]]]:
    require_chromium()
    out = tmp_path_factory.mktemp("demo-site")
    index = run_demo(out, weeks=5)
    page = index.read_text(encoding="utf-8")
    (out / "probe.html").write_text(page.replace("</body>", IMAGE_PROBE + "</body>"), "utf-8")
    requested: list[str] = []
    handler = type("Handler", (_QuietHandler,), {"requested": requested})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", out, requested
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def test_the_browser_shows_every_message_and_loads_every_chart(
    site: tuple[str, Path, list[str]], tmp_path: Path
) -> None:
    url, out, requested = site
    result = chromium(tmp_path, "--virtual-time-budget=15000", "--dump-dom", f"{url}/probe.html")
    dom = result.stdout

    for team in TEAMS:
        assert f"# {team.channel_name}" in html.unescape(re.sub(r"<[^>]+>", "", dom))
        assert f"<strong>{team.name}</strong>" in dom
    messages = re.findall(r'<article class="msg"', dom)
    payload_files = list((out / "messages").glob("*.json"))
    views = len(re.findall(r'class="view-frame (?:home|modal)"', dom))
    assert views == 2
    # every Block Kit payload is on the page, plus one article per chart upload
    assert len(re.findall(r"data-payload=", dom)) == len(payload_files)
    assert len(messages) + views > len(payload_files)
    assert BOT_NAME in dom

    probe = re.search(r'<pre id="image-probe">(.*?)</pre>', dom, flags=re.DOTALL)
    assert probe is not None, "the page's load event never came"
    images = json.loads(html.unescape(probe[1]))
    charts = {path.name for path in (out / "charts").glob("*.png")}
    assert {img["src"].removeprefix("charts/") for img in images} >= charts
    broken = [img["src"] for img in images if not img["complete"] or img["width"] <= 0]
    assert broken == []
    # the browser asked our server for the charts (nothing came from anywhere else)
    fetched = {path.split("?")[0].lstrip("/") for path in requested}
    assert {f"charts/{name}" for name in charts} <= fetched


def test_a_screenshot_of_the_report_looks_like_a_slack_channel(
    site: tuple[str, Path, list[str]], tmp_path: Path
) -> None:
    url, _, _ = site
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    width, height = WINDOW
    chromium(
        tmp_path,
        "--virtual-time-budget=15000",
        f"--window-size={width},{height}",
        f"--screenshot={SCREENSHOT}",
        f"{url}/index.html",
    )
    data = SCREENSHOT.read_bytes()
    with Image.open(io.BytesIO(data)) as shot:
        image = shot.convert("RGB")
    assert image.size == WINDOW
    # Slack's aubergine sidebar on the left, a white message pane on the right
    assert image.getpixel((20, height - 40)) == SIDEBAR_PURPLE
    assert image.getpixel((width - 80, height // 2)) != SIDEBAR_PURPLE
    colours = image.resize((320, 500)).getcolors(maxcolors=1_000_000)
    assert colours is not None
    assert len(colours) > 200, "the screenshot is (nearly) blank"
