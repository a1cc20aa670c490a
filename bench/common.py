"""Shared pieces of the benchmarks: servers, a fake Slack world, a signed load generator, stats.

Every benchmark measures the bot next to a baseline started the same way in the same run, so the
ratios stay meaningful on a shared, noisy machine. Servers run as real processes
(`python -m bot serve`, `python -m bench.baseline_app`); the load generator runs in its own
process (asyncio + aiohttp), so its CPU use does not share a GIL with the fake Slack, which
lives in the benchmark's process where its call log (`Call.at`) can be read.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import multiprocessing
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from pydantic import TypeAdapter

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bot.db import repositories as repo  # noqa: E402
from bot.workproc import METRICS_PUSH_SECONDS  # noqa: E402
from rubric.model import Stage  # noqa: E402
from tests.fakes.signing import command_body, interactive_body, signed_headers  # noqa: E402
from tests.fakes.slack_api import TEAM_ID, FakeSlack  # noqa: E402
from tests.support.driver import SIGNING_SECRET, SlackDriver, bot_env, free_port  # noqa: E402
from tests.support.view_state import fill_state  # noqa: E402

ADMIN = "U0ADMIN"
TEAM_CHANNEL = "C0CHANNEL"
TEAM_NAME = "Vision"


# ---------------------------------------------------------------- statistics


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(seconds),
        "p50": percentile(seconds, 50) * 1000,
        "p95": percentile(seconds, 95) * 1000,
        "p99": percentile(seconds, 99) * 1000,
        "max": (max(seconds) if seconds else float("nan")) * 1000,
    }


def fmt_summary(label: str, seconds: Sequence[float]) -> str:
    s = summary_ms(seconds)
    return (
        f"{label:<28} n={s['n']:>6}  p50={s['p50']:7.1f} ms  p95={s['p95']:7.1f} ms  "
        f"p99={s['p99']:7.1f} ms  max={s['max']:7.1f} ms"
    )


def ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")


def machine() -> str:
    return f"nproc={os.cpu_count()}  python={sys.version.split()[0]}  platform={sys.platform}"


# ---------------------------------------------------------------- processes


@dataclass
class ServerProcess:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    started_in: float  # seconds from Popen to the first 200 on /healthz
    work_process: bool = False  # MLSCORE_WORK_PROCESS, parsed as the bot's settings parse it

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def error_lines(self) -> list[str]:
        return [line for line in self.log().splitlines() if re.search(r"\bERROR\b|Traceback", line)]

    def rss_mb(self) -> float:
        return rss_mb(self.pid)

    def tree_rss_mb(self) -> dict[int, float]:
        """RSS of the server and of every process it started (the chart worker), by pid."""
        return {pid: rss_mb(pid) for pid in process_tree(self.pid)}

    def tree_pss_mb(self) -> dict[int, float]:
        """PSS of the same processes: pages they share (libpython, numpy's libraries) are
        split between them instead of counted in each, so the sum is what the tree costs."""
        return {pid: pss_mb(pid) for pid in process_tree(self.pid)}

    def metrics(self) -> str:
        """/metrics; with a work process, once it has sent what it counted so far (it sends
        every METRICS_PUSH_SECONDS)."""
        if self.work_process:
            time.sleep(METRICS_PUSH_SECONDS + 0.5)
        return httpx.get(f"{self.url}/metrics", timeout=5).text

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def rss_mb(pid: int) -> float:
    """Resident set size of a process, from /proc/<pid>/status (VmRSS, in kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def pss_mb(pid: int) -> float:
    """Proportional set size, from /proc/<pid>/smaps_rollup (Pss, in kB)."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no Pss for pid {pid}")


def process_tree(root: int) -> list[int]:
    """`root` and its descendants, from the ppid field of /proc/<pid>/stat."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended meanwhile
        # The command name may contain spaces and parentheses: split after its last ")".
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
    tree, frontier = [root], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        tree += children
        frontier += children
    return tree


@contextmanager
def start_server(
    argv: Sequence[str], env: Mapping[str, str], workdir: Path, *, port: int, timeout: float = 60
) -> Iterator[ServerProcess]:
    """Start a server process and wait for its first 200 on /healthz (timed from Popen)."""
    log_path = workdir / f"server-{port}.log"
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log_file:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(argv), cwd=workdir, env=dict(env), stdout=log_file, stderr=subprocess.STDOUT
        )
    work_process = TypeAdapter(bool).validate_python(env.get("MLSCORE_WORK_PROCESS", "false"))
    server = ServerProcess(url, process, log_path, float("nan"), work_process)
    try:
        server.started_in = wait_healthy(server, started, timeout=timeout)
        yield server
    finally:
        server.stop()


def wait_healthy(server: ServerProcess, started: float, *, timeout: float) -> float:
    deadline = started + timeout
    with httpx.Client(timeout=1) as client:
        while True:
            if server.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{server.log()}")
            try:
                if client.get(f"{server.url}/healthz").status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            if time.perf_counter() > deadline:
                raise RuntimeError(f"server did not become healthy:\n{server.log()[-4000:]}")
            time.sleep(0.005)


def server_env(fake: FakeSlack, database_url: str, **extra: str) -> dict[str, str]:
    # Both servers log warnings and errors only: request logging is not what is measured.
    env = bot_env(fake, database_url, **{"LOG_LEVEL": "WARNING", **extra})
    env["PYTHONPATH"] = str(REPO)
    return env


@contextmanager
def serve_bot(
    fake: FakeSlack, database_url: str, workdir: Path, **extra_env: str
) -> Iterator[ServerProcess]:
    """`mlscore serve` (no scheduler) on a free port, talking to the fake Slack."""
    port = free_port()
    argv = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)]
    argv.append("--no-scheduler")
    with start_server(
        argv, server_env(fake, database_url, **extra_env), workdir, port=port
    ) as server:
        yield server


@contextmanager
def serve_baseline(fake: FakeSlack, workdir: Path, **extra_env: str) -> Iterator[ServerProcess]:
    """The empty Bolt app of bench/baseline_app.py behind the same Starlette + uvicorn stack."""
    port = free_port()
    argv = [sys.executable, "-m", "bench.baseline_app", "--host", "127.0.0.1", "--port", str(port)]
    env = server_env(fake, "sqlite://", **extra_env)
    with start_server(argv, env, workdir, port=port) as server:
        yield server


# ---------------------------------------------------------------- the fake Slack world


def seed_systems(
    session: Any,
    workspace_id: int,
    count: int,
    *,
    name: str,
    channel: str,
    stage: Stage,
    now: datetime,
) -> list[tuple[int, int]]:
    """`count` teams of one system each, straight through the repositories: (team id, system
    id) each. `name` and `channel` are formats of the team's number ("team {n}")."""
    made = []
    for n in range(count):
        team = repo.create_team(
            session,
            workspace_id=workspace_id,
            name=name.format(n=n),
            stage=stage,
            rubric_id="ml-test-score",
            channel_id=channel.format(n=n),
            now=now,
        )
        assert team.id is not None
        system = repo.primary_system(session, workspace_id=workspace_id, team_id=team.id)
        assert system.id is not None
        made.append((team.id, system.id))
    return made


def make_fake(users: Sequence[str]) -> FakeSlack:
    """A fake Slack without per-channel or workspace limits (they are not what is measured)."""
    fake = FakeSlack(channel_rate=None, workspace_rate_per_minute=None)
    fake.start()
    fake.add_user(ADMIN, "admin", is_admin=True)
    for user in users:
        fake.add_user(user, user.lower())
    fake.set_members(TEAM_CHANNEL, [*users, ADMIN, "U0BOT"])
    return fake


def bench_users(count: int) -> list[str]:
    return [f"U0B{n:04d}" for n in range(count)]


def answer_page(view: Mapping[str, Any], level: str) -> dict[str, Any]:
    """The page with every item answered `level` (and the stage chosen on page 1)."""
    values: dict[str, str | None] = {}
    for block in view["blocks"]:
        block_id = block.get("block_id", "")
        if block_id.startswith("item:"):
            values[block_id] = level
        if block_id == "stage":
            values[block_id] = "production"
    return fill_state(view, values)


def wait_for(predicate: Any, *, timeout: float = 20, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.005)


def create_team(driver: SlackDriver) -> None:
    response, _, url = driver.command(f"team create {TEAM_NAME}", user=ADMIN)
    response.raise_for_status()
    driver.responses_to(url)


def assessment_pages(driver: SlackDriver, fake: FakeSlack, user: str, level: str) -> list[dict]:
    """Runs one full assessment through the modal; returns the pages as filled and submitted."""
    response, trigger, _ = driver.command("assess", user=user)
    response.raise_for_status()
    wait_for(
        lambda: [c for c in fake.calls_to("views.open") if c.params.get("trigger_id") == trigger],
        what="views.open",
    )
    view = fake.view_stack(user)[-1]
    submitted = []
    while True:
        filled = answer_page(view, level)
        submitted.append(filled)
        _, body = driver.submit_view(filled, user=user)
        if body is None or body.get("response_action") != "update":
            if body is None or body.get("response_action") != "clear":
                raise RuntimeError(f"unexpected answer to a page: {body}")
            return submitted
        view = fake.view_stack(user)[-1]


# ---------------------------------------------------------------- load generation


@dataclass(frozen=True)
class Step:
    """One request of a user's script: a slash command, or a view submission of `view`."""

    kind: str  # "command" | "view"
    text: str = ""
    view: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        if self.kind == "command":
            return f"/mlscore {self.text.split(' ')[0]}" if self.text else "/mlscore"
        page = json.loads((self.view or {}).get("private_metadata") or "{}").get("p", "?")
        return f"view_submission p{page}"


@dataclass
class LoadSpec:
    url: str
    users: list[str]
    script: list[Step]
    response_urls: list[str]
    secret: str = SIGNING_SECRET
    team_id: str = TEAM_ID
    channel: str = TEAM_CHANNEL
    duration: float | None = 30.0
    count: int | None = None  # stop after this many requests in total (instead of duration)
    think: tuple[float, float] = (0.1, 0.5)  # seconds between a user's requests, uniform
    seed: int = 1
    offset: int = 0  # where in the script each user starts (continues earlier phases)
    # False: each user submits each page under one fixed view id, so repeating the last page
    # stores nothing new (Slack's retry semantics) and the data stops growing.
    unique_views: bool = True


@dataclass
class LoadResult:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    sent: int = 0
    elapsed: float = 0.0

    @property
    def all_latencies(self) -> list[float]:
        return [x for values in self.latencies.values() for x in values]


def run_load(spec: LoadSpec) -> LoadResult:
    """Runs the load in a fresh process and returns its latencies (seconds, by step label)."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        result: LoadResult = pool.apply(_load_in_process, (spec,))
    return result


def _load_in_process(spec: LoadSpec) -> LoadResult:
    return asyncio.run(_load(spec))


async def _load(spec: LoadSpec) -> LoadResult:
    import aiohttp

    rng = random.Random(spec.seed)
    result = LoadResult()
    urls = itertools.cycle(spec.response_urls)
    views = itertools.count(1)
    started = time.perf_counter()
    stop_at = started + spec.duration if spec.duration is not None else None
    sent = 0

    def body_for(step: Step, user: str) -> bytes:
        if step.kind == "command":
            return command_body(
                step.text,
                user_id=user,
                channel_id=spec.channel,
                team_id=spec.team_id,
                trigger_id=f"{rng.randrange(10**9)}.bench",
                response_url=next(urls),
            )
        view = dict(step.view or {})
        if spec.unique_views:
            view["id"] = f"VBENCH{os.getpid()}x{next(views)}"
        else:
            view["id"] = f"VBENCH-{user}-{step.label.replace(' ', '-')}"
        payload = {
            "type": "view_submission",
            "team": {"id": spec.team_id, "domain": "fake"},
            "user": {"id": user, "team_id": spec.team_id},
            "api_app_id": "A0FAKE",
            "trigger_id": f"{rng.randrange(10**9)}.bench",
            "view": view,
        }
        return interactive_body(payload)

    async def user_loop(session: aiohttp.ClientSession, index: int, user: str) -> None:
        nonlocal sent
        await asyncio.sleep(rng.uniform(*spec.think) * index / max(1, len(spec.users)))
        position = spec.offset
        while True:
            if stop_at is not None and time.perf_counter() >= stop_at:
                return
            if spec.count is not None and sent >= spec.count:
                return
            sent += 1
            step = spec.script[position % len(spec.script)]
            position += 1
            body = body_for(step, user)
            headers = signed_headers(spec.secret, body)
            begin = time.perf_counter()
            try:
                async with session.post(
                    f"{spec.url}/slack/events", data=body, headers=headers
                ) as r:
                    await r.read()
                    status = r.status
            except (aiohttp.ClientError, TimeoutError) as error:
                result.errors.append(f"{step.label}: {type(error).__name__}: {error}")
                continue
            took = time.perf_counter() - begin
            if status != 200:
                result.errors.append(f"{step.label}: HTTP {status}")
            else:
                result.latencies.setdefault(step.label, []).append(took)
            low, high = spec.think
            if high > 0:
                await asyncio.sleep(rng.uniform(low, high))

    connector = aiohttp.TCPConnector(limit=len(spec.users) + 4)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(
            *(user_loop(session, index, user) for index, user in enumerate(spec.users))
        )
    result.sent = sent
    result.elapsed = time.perf_counter() - started
    return result


def metric_value(metrics_text: str, name: str, labels: Mapping[str, str] | None = None) -> float:
    """The value of one sample in Prometheus text (0 when absent)."""
    for line in metrics_text.splitlines():
        if not line.startswith(name):
            continue
        head, _, value = line.rpartition(" ")
        sample, _, label_text = head.partition("{")
        if sample != name:
            continue
        if labels and any(f'{k}="{v}"' not in label_text for k, v in labels.items()):
            continue
        return float(value)
    return 0.0
