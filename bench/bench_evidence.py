"""Benchmark: CI evidence pushes against a real `mlscore serve`, from 20 clients in parallel.

    .venv/bin/python bench/bench_evidence.py                 # 1,000 pushes, 20 clients, SQLite
    .venv/bin/python bench/bench_evidence.py --pushes 200    # a quick run
    .venv/bin/python bench/bench_evidence.py --lockstep      # all clients fail at once

Each client is one CI pipeline with its own system and token (keep-alive HTTP, all clients on
one event loop), sending its share of pushes one after another, every one with a fresh
idempotency key. The baseline, in the same run and with the same clients, is GET /healthz of
the same server (one database round trip, no auth, no write). Both are warmed up first with
every client (the server starts its worker threads on the first burst). Then every push is
sent again (a retried pipeline): all must come back as replays. Printed: latency percentiles
of both, p99 against the 50 ms target, the ratio to the baseline, and the rows stored (must be
exactly one per push: none lost, none duplicated).
The load runs in a process of its own, so its CPU does not share a GIL with this one's.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench.common import (
    fmt_summary,
    machine,
    make_fake,
    percentile,
    ratio,
    seed_systems,
    serve_bot,
)
from bot.db import repositories as repo
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.services.evidence import hash_token
from rubric.model import Stage

TEAM_ID = "T0FAKE"
ITEMS = ("FD1", "FD2", "MD1", "I1", "Mo3", "Mo7")
TARGET_P99_MS = 50.0
WARMUP = 5  # requests per client, of each kind, before measuring


def seed(database_url: str, clients: int) -> list[tuple[str, int]]:
    """A team per client, each with its system's token: [(secret, system id)]."""
    upgrade(database_url)
    database = Database.from_url(database_url)
    made: list[tuple[str, int]] = []
    now = datetime.now(UTC)
    try:
        with database.write() as session:
            workspace = repo.ensure_workspace(session, slack_team_id=TEAM_ID, now=now)
            assert workspace.id is not None
            systems = seed_systems(
                session,
                workspace.id,
                clients,
                name="Pipeline {n}",
                channel="C0PIPE{n:03d}",
                stage=Stage.PRODUCTION,
                now=now,
            )
            for n, (team_id, system_id) in enumerate(systems):
                secret = f"mls_bench-{n:03d}-0123456789abcdef0123456789abcdef"
                repo.issue_token(
                    session,
                    workspace_id=workspace.id,
                    team_id=team_id,
                    system_id=system_id,
                    token_hash=hash_token(secret),
                    created_by="U0ADMIN",
                    now=now,
                )
                made.append((secret, system_id))
    finally:
        database.dispose()
    return made


def failing(client: int, n: int, lockstep: bool) -> bool:
    # One push in ten fails: the failing path (and its channel post) is part of the load. Each
    # pipeline fails at its own point, as independent pipelines do; with `lockstep` every
    # client fails at the same n, so the failing pushes (and their 20 posts) arrive as a wave.
    return (n if lockstep else n + client) % 10 == 9


def body(client: int, n: int, prefix: str = "bench", lockstep: bool = False) -> dict[str, Any]:
    return {
        "item": ITEMS[n % len(ITEMS)],
        "level": "automated",
        "url": f"https://ci.example.com/p{client}/runs/{n}",
        "result": "fail" if failing(client, n, lockstep) else "pass",
        "idempotency_key": f"{prefix}-{client}-{n}",
    }


Run = tuple[list[float], list[int], float, list[bool]]
"""Latencies (s), statuses, wall time (s), and whether each request was a failing push."""


def run_clients(
    url: str, tokens: list[tuple[str, int]], per_client: int, mode: str, lockstep: bool
) -> Run:
    """Each client a task with its own keep-alive connection, all on one event loop: client
    threads would wait for this process's GIL in turn (5 ms each), and that wait would be
    measured as the server's latency."""
    return asyncio.run(_clients(url, tokens, per_client, mode, lockstep))


async def _clients(
    url: str, tokens: list[tuple[str, int]], per_client: int, mode: str, lockstep: bool
) -> Run:
    import aiohttp  # the load generator's client: lighter per request than httpx's

    prefix = "warm" if mode == "warm" else "bench"
    latencies: list[float] = []
    statuses: list[int] = []
    fails: list[bool] = []
    start = asyncio.Event()
    ready: list[int] = []

    async def client(index: int, secret: str, system_id: int) -> None:
        headers = {"Authorization": f"Bearer {secret}"}
        connector = aiohttp.TCPConnector(limit=1)
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(url, connector=connector, timeout=timeout) as http:
            async with http.get("/healthz") as response:  # connect before the clock starts
                await response.read()
            ready.append(index)
            await start.wait()
            for n in range(per_client):
                started = time.perf_counter()
                if mode == "healthz":
                    request = http.get("/healthz")
                else:
                    request = http.post(
                        f"/api/v1/systems/{system_id}/evidence",
                        json=body(index, n, prefix, lockstep),
                        headers=headers,
                    )
                async with request as response:
                    await response.read()
                    statuses.append(response.status)
                latencies.append(time.perf_counter() - started)
                fails.append(mode != "healthz" and failing(index, n, lockstep))

    tasks = [asyncio.create_task(client(i, secret, sid)) for i, (secret, sid) in enumerate(tokens)]
    while len(ready) < len(tasks):
        await asyncio.sleep(0.01)
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    return latencies, statuses, time.perf_counter() - began, fails


def _in_process(
    conn: Any, url: str, tokens: list[tuple[str, int]], per_client: int, mode: str, lockstep: bool
) -> None:
    conn.send(run_clients(url, tokens, per_client, mode, lockstep))


def load(
    url: str, tokens: list[tuple[str, int]], per_client: int, mode: str, lockstep: bool = False
) -> Run:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(
        target=_in_process, args=(child, url, tokens, per_client, mode, lockstep)
    )
    process.start()
    result: Run = parent.recv()
    process.join()
    return result


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc/<pid>/stat: it moves
    less than the latencies with what else the machine runs (a queue behind other jobs costs
    no CPU)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may contain spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def counts(database_url: str) -> dict[str, int]:
    database = Database.from_url(database_url)
    try:
        with database.read() as session:
            rows = (
                session.connection()
                .execute(
                    text(
                        "SELECT count(*), count(DISTINCT system_id || ':' || idempotency_key) "
                        "FROM evidence_pushes"
                    )
                )
                .one()
            )
            audited = (
                session.connection()
                .execute(text("SELECT count(*) FROM audit_log WHERE action = 'evidence.pushed'"))
                .scalar_one()
            )
    finally:
        database.dispose()
    return {"rows": int(rows[0]), "distinct_keys": int(rows[1]), "audited": int(audited)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pushes", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument(
        "--lockstep",
        action="store_true",
        help="every client fails at the same push (a wave of failures and posts at once)",
    )
    args = parser.parse_args()
    per_client = max(1, args.pushes // args.clients)
    total = per_client * args.clients
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        database_url = f"sqlite:///{workdir / 'bench.db'}"
        tokens = seed(database_url, args.clients)
        fake = make_fake([])
        for n in range(args.clients):
            fake.add_channel(f"C0PIPE{n:03d}", f"pipe-{n}", members=["U0BOT"])
        try:
            with serve_bot(
                fake, database_url, workdir, MLSCORE_EVIDENCE_PUSHES_PER_MINUTE="1000000"
            ) as server:
                load(server.url, tokens, WARMUP, "healthz")
                load(server.url, tokens, WARMUP, "warm")
                cpu = cpu_seconds(server.pid)
                base, base_status, base_wall, _ = load(server.url, tokens, per_client, "healthz")
                base_cpu, cpu = cpu_seconds(server.pid) - cpu, cpu_seconds(server.pid)
                pushed, push_status, push_wall, fails = load(
                    server.url, tokens, per_client, "push", args.lockstep
                )
                # Failing results are posted after their answers: wait for them to be counted.
                time.sleep(0.5)
                push_cpu = cpu_seconds(server.pid) - cpu
                again, again_status, _, _ = load(
                    server.url, tokens, per_client, "push", args.lockstep
                )
                errors = server.error_lines()
                posts = fake.calls_to("chat.postMessage")
        finally:
            fake.stop()
        stored = counts(database_url)

    failures = "at the same push (lockstep)" if args.lockstep else "each at its own point"
    print(
        f"{args.clients} clients, {total} pushes ({per_client} each, one in ten failing, "
        f"{failures}), SQLite, one serve process"
    )
    print(fmt_summary("baseline GET /healthz", base))
    print(fmt_summary("POST evidence (new)", pushed))
    print(
        fmt_summary("  of which passing", [s for s, f in zip(pushed, fails, strict=True) if not f])
    )
    print(fmt_summary("  of which failing", [s for s, f in zip(pushed, fails, strict=True) if f]))
    print(fmt_summary("POST evidence (replayed)", again))
    p99 = percentile(pushed, 99) * 1000
    base_p99 = percentile(base, 99) * 1000
    print(
        f"p99 push {p99:.1f} ms (target < {TARGET_P99_MS:.0f} ms: "
        f"{'met' if p99 < TARGET_P99_MS else 'MISSED'}); "
        f"{ratio(p99, base_p99):.2f}x the baseline's p99 ({base_p99:.1f} ms)"
    )
    print(
        f"throughput: {total / push_wall:.0f} pushes/s vs {total / base_wall:.0f} healthz/s "
        f"({ratio(total / push_wall, total / base_wall):.2f}x)"
    )
    print(
        f"server CPU: {push_cpu / total * 1000:.2f} ms a push (failing posts included) vs "
        f"{base_cpu / total * 1000:.2f} ms a healthz"
    )
    new_ok = push_status.count(201)
    replayed_ok = again_status.count(200)
    print(
        f"answers: {new_ok}/{total} stored (201), {replayed_ok}/{total} replays (200), "
        f"baseline {base_status.count(200)}/{total} ok"
    )
    warmed = WARMUP * args.clients
    stored = {name: count - warmed for name, count in stored.items()}
    lost = total - stored["rows"]
    duplicated = stored["rows"] - stored["distinct_keys"]
    print(
        f"rows (beside the {warmed} of the warm-up): {stored['rows']} stored, "
        f"{stored['distinct_keys']} distinct keys, {stored['audited']} audit entries; "
        f"lost {lost}, duplicated {duplicated}"
    )
    posted = sum(1 for call in posts if call.ok)
    print(f"failing results posted: {posted} ok of {len(posts)} (one per failing streak)")
    if errors:
        print(f"server errors: {len(errors)}, first: {errors[0]}")
    ok = (
        lost == 0
        and duplicated == 0
        and new_ok == total
        and replayed_ok == total
        and stored["audited"] == total
        and p99 < TARGET_P99_MS
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
