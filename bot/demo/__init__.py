"""`mlscore demo`: a few months of an organisation using the bot, offline, as a browsable report.

No Slack and no network: a SQLite file in the output directory, the bot's services and scheduler
driven by a simulated clock, and an in-process recorder standing in for Slack's Web API. The
result is index.html (the messages roughly as Slack shows them, charts inline), every Block Kit
payload as JSON, and the charts as PNG.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

DATABASE_NAME = "mlscore-demo.db"
DEFAULT_WEEKS = 16


def run_demo(out: Path, weeks: int = DEFAULT_WEEKS) -> Path:
    """Simulate `weeks` weeks into `out` (created if needed) and return the path of index.html.

    The database is recreated on every run, and the output is the same on every run: the
    simulation's clock and random numbers are fixed.
    """
    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    database = out / DATABASE_NAME
    for leftover in (database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))):
        leftover.unlink(missing_ok=True)
    with _quiet("bot.scheduling"), _quiet("alembic"):
        # Imported here, so that alembic's import-time INFO lines are quiet too.
        from bot.demo.report import write_report
        from bot.demo.simulate import simulate

        run = simulate(database, weeks)
    index = write_report(run, out)
    log.info(
        "demo: %d weeks, %d messages and views, %d charts written to %s in %.1f s",
        weeks,
        len(run.recording.items),
        len(run.charts),
        out,
        time.perf_counter() - started,
    )
    return index


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    """A hundred simulated scheduling passes (and the migration of a new database) would bury
    the command's own output in INFO lines; warnings still show."""
    logger = logging.getLogger(name)
    before = logger.level
    logger.setLevel(max(before, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(before)


__all__ = ["DATABASE_NAME", "DEFAULT_WEEKS", "run_demo"]
