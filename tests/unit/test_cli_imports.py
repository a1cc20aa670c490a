"""The CLI module stays light: the chart worker process imports it again.

multiprocessing's spawn re-runs the main module in each worker. Under the `mlscore` script that
module imports `bot.cli`; if that pulled in the database stack, every chart worker would carry
it (docs/performance.md, finding 14).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "sqlmodel", "slack_bolt", "slack_sdk", "matplotlib", "alembic")


def test_importing_the_cli_loads_no_database_slack_or_chart_library() -> None:
    script = f"import sys, bot.cli; print([m for m in {HEAVY!r} if m in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
