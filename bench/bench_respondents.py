"""What several respondents cost a submit, on SQLite.

Each submit of a check-in now also stores the person's response and recomputes the period's
agreed result from every response. This times `Services.submit` (store + scorecard, as the
modal's last page runs it) for:

- baseline: a team with check-ins off, whose submits store one assessment as before;
- the k-th respondent of one period (k = 1, 5, 10, 20), each with their own 28 answers.

It prints p50 in milliseconds and each p50 as a multiple of the baseline's p50, measured in the
same run.

    .venv/bin/python bench/bench_respondents.py [--samples 30]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.rubric_registry import RubricRegistry
from bot.services import Actor, ChannelFacts, DraftState, ItemDraft, Services
from rubric.model import Stage

ITEMS = [f"{prefix}{n}" for prefix in ("FD", "MD", "I", "Mo") for n in range(1, 8)]
LEVELS = ("not_done", "manual", "automated")
ADMIN = "UADMIN"
NOW = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


class Directory:
    """Everyone is an admin (MLSCORE_ADMINS), so the rule never asks Slack."""

    def is_admin(self, user_id: str) -> bool:
        return True

    def is_guest(self, user_id: str) -> bool:
        return False

    def is_member(self, channel_id: str, user_id: str) -> bool:
        return True

    def channel(self, channel_id: str) -> ChannelFacts:
        return ChannelFacts(found=True, private=False, bot_member=True)


def state(rng: random.Random) -> DraftState:
    return DraftState(
        stage=Stage.RESEARCH,
        answers={item: ItemDraft(choice=rng.choice(LEVELS)) for item in ITEMS},
    )


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=30)
    args = parser.parse_args()
    rng = random.Random(17)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        db = Database.from_url(url)
        services = Services(database=db, rubrics=RubricRegistry(), clock=lambda: NOW)
        workspace = services.workspace_for("TBENCH")
        directory = Directory()
        admin = Actor(workspace_id=workspace, user_id=ADMIN)
        results: dict[str, list[float]] = {}

        plain = services.create_team(admin, directory, name="plain", channel_id="CPLAIN")
        services.set_schedule(admin, directory, plain.id, None)
        results["baseline"] = [
            timed(
                lambda n=n: services.submit(
                    admin, directory, plain.id, state(rng), submission_key=f"plain-{n}"
                )
            )
            for n in range(args.samples)
        ]
        for respondents in (1, 5, 10, 20):
            samples: list[float] = []
            for n in range(args.samples):
                team = services.create_team(
                    admin, directory, name=f"t{respondents}-{n}", channel_id=f"C{respondents}x{n}"
                )
                for person in range(respondents - 1):
                    services.submit(
                        Actor(workspace_id=workspace, user_id=f"U{person}"),
                        directory,
                        team.id,
                        state(rng),
                        submission_key=f"{team.id}-{person}",
                    )
                last = Actor(workspace_id=workspace, user_id="ULAST")
                samples.append(
                    timed(
                        lambda team=team, last=last: services.submit(
                            last, directory, team.id, state(rng), submission_key=f"{team.id}-last"
                        )
                    )
                )
            results[f"respondent {respondents}"] = samples
        db.dispose()
    base = statistics.median(results["baseline"])
    print(f"{'case':<16} {'p50 ms':>8} {'x baseline':>11}")
    for name, samples in results.items():
        p50 = statistics.median(samples)
        print(f"{name:<16} {p50:8.2f} {p50 / base:11.2f}")


if __name__ == "__main__":
    main()
