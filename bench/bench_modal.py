"""Time from `/mlscore assess` arriving to views.open reaching Slack (the fake), per request.

trigger_id expires 3 s after Slack sends the command, and the network to Slack eats into that,
so the bot must call views.open quickly. Each sample is the fake's `Call.at` of the views.open
carrying the command's trigger_id minus the moment the request was sent (both read from
time.monotonic in this process). The first `assess` after start-up (cold: lazy imports, empty
people cache) is reported apart; the rest come from 20 people whose caches are warm, one
request at a time.

The baseline: bench/baseline_app.py with BASELINE_OPEN_MODAL=1, an empty Bolt app on the same
server stack that acks and opens a one-block modal at once. Target: p99 <= 50 ms.

    .venv/bin/python -m bench.bench_modal            # 200 warm requests per server
    .venv/bin/python -m bench.bench_modal --quick    # 50
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    ServerProcess,
    bench_users,
    create_team,
    fmt_summary,
    machine,
    make_fake,
    percentile,
    ratio,
    serve_baseline,
    serve_bot,
    wait_for,
)
from tests.fakes.signing import command_body
from tests.fakes.slack_api import FakeSlack
from tests.support.driver import SlackDriver


def open_once(driver: SlackDriver, fake: FakeSlack, user: str) -> tuple[float, float]:
    """Sends `assess`; returns (seconds to views.open at the fake, seconds to the HTTP ack)."""
    trigger = fake.new_trigger_id(user)
    url = fake.new_response_url(user_id=user)
    body = command_body("assess", user_id=user, trigger_id=trigger, response_url=url)
    sent = time.monotonic()
    response = driver.post(body)
    acked = time.monotonic() - sent
    response.raise_for_status()
    calls = wait_for(
        lambda: [c for c in fake.calls_to("views.open") if c.params.get("trigger_id") == trigger],
        timeout=10,
        what="views.open",
    )
    if not calls[0].ok:
        raise RuntimeError(f"views.open failed: {calls[0].response}")
    return calls[0].at - sent, acked


def measure(
    server: ServerProcess, fake: FakeSlack, users: list[str], count: int
) -> tuple[float, list[float], list[float]]:
    driver = SlackDriver(server, fake)
    try:
        cold, _ = open_once(driver, fake, users[0])
        for user in users:  # warm every person's cache (users.info, channel members)
            open_once(driver, fake, user)
        opens: list[float] = []
        acks: list[float] = []
        for index in range(count):
            to_open, to_ack = open_once(driver, fake, users[index % len(users)])
            opens.append(to_open)
            acks.append(to_ack)
            time.sleep(0.01)
        return cold, opens, acks
    finally:
        driver.http.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="50 requests per server")
    args = parser.parse_args()
    count = 50 if args.quick else args.count
    users = bench_users(args.users)
    print(f"bench_modal: {machine()}")
    print(f"{count} warm `assess` commands per server, from {len(users)} people, one at a time")
    fake = make_fake(users)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            with serve_baseline(fake, workdir, BASELINE_OPEN_MODAL="1") as baseline:
                base_cold, base, base_acks = measure(baseline, fake, users, count)
            with serve_bot(fake, f"sqlite:///{workdir / 'bench.db'}", workdir) as bot:
                create_team(SlackDriver(bot, fake))
                cold, ours, acks = measure(bot, fake, users, count)
                errors = bot.error_lines()
    finally:
        fake.stop()

    print()
    print(fmt_summary("baseline views.open", base))
    print(fmt_summary("mlscore views.open", ours))
    print(fmt_summary("baseline HTTP ack", base_acks))
    print(fmt_summary("mlscore HTTP ack", acks))
    p99, p99_base = percentile(ours, 99) * 1000, percentile(base, 99) * 1000
    print("\nsummary")
    print(
        f"  cold first assess -> views.open: mlscore {cold * 1000:.1f} ms, "
        f"baseline {base_cold * 1000:.1f} ms"
    )
    print(
        f"  warm p99 -> views.open: mlscore {p99:.1f} ms (target <= 50 ms), "
        f"baseline {p99_base:.1f} ms, ratio {ratio(p99, p99_base):.2f}"
    )
    print(f"  warm p50 ratio: {ratio(percentile(ours, 50), percentile(base, 50)):.2f}")
    print(f"  ERROR log lines: {len(errors)}; violations of Slack limits: {len(fake.violations)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
