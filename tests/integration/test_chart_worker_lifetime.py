"""The chart worker process ends with its server: on close(), and when the server is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.charts.worker import ChartWorker
from tests.support.charts_factory import sample_rubric, sample_trend
from tests.support.processes import chart_workers_of, children_of, exited, wait_until_gone

ROOT = Path(__file__).resolve().parents[2]

# A stand-in for the server: draws one chart in a worker, says its pid, then waits to be killed.
PARENT = textwrap.dedent(
    """
    import os, signal
    from bot.charts.worker import ChartWorker
    from tests.support.charts_factory import sample_rubric, sample_trend

    rubric = sample_rubric()
    trend = sample_trend(rubric, weeks=4, seed=1)
    worker = ChartWorker()  # kept: a collected executor would stop its worker by itself
    chart = worker.render("render_trend", trend, rubric, team="A")
    assert chart.png.startswith(b"\\x89PNG")
    print(os.getpid(), flush=True)
    signal.pause()
    """
)


def test_close_ends_the_worker_process_and_later_renders_are_refused() -> None:
    rubric = sample_rubric()
    trend = sample_trend(rubric, weeks=4, seed=1)
    before = set(chart_workers_of(os.getpid()))
    worker = ChartWorker()
    try:
        chart = worker.render("render_trend", trend, rubric, team="A")
        assert chart.png.startswith(b"\x89PNG")
        started = set(chart_workers_of(os.getpid())) - before
        assert len(started) == 1, started
    finally:
        worker.close()
    (pid,) = started
    # close() waits for it: a worker only asked to stop would still be running here (~0.3 s).
    assert exited(pid), f"worker {pid} still running when close() returned"
    assert wait_until_gone(pid, timeout=5), f"worker {pid} still running after close()"
    with pytest.raises(RuntimeError, match="closed"):
        worker.render("render_trend", trend, rubric, team="A")
    assert set(chart_workers_of(os.getpid())) - before == set()  # none started afresh


def test_close_terminates_a_worker_that_does_not_stop_in_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rubric = sample_rubric()
    trend = sample_trend(rubric, weeks=4, seed=1)
    before = set(chart_workers_of(os.getpid()))
    worker = ChartWorker()
    try:
        worker.render("render_trend", trend, rubric, team="A")
        (pid,) = set(chart_workers_of(os.getpid())) - before
    finally:
        worker.close(timeout=0)  # no worker stops in no time: it is terminated
    assert exited(pid), f"worker {pid} still running when close() returned"
    assert f"chart worker {pid} did not stop" in caplog.text


def test_a_worker_outlives_no_server_killed_with_sigkill() -> None:
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT))
    with subprocess.Popen(
        [sys.executable, "-c", PARENT], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    ) as parent:
        try:
            assert parent.stdout is not None
            line = parent.stdout.readline()
            assert line.strip() == str(parent.pid), f"the parent did not draw its chart: {line!r}"
            workers = chart_workers_of(parent.pid)
            # With it, the resource tracker multiprocessing starts: it must not linger either.
            children = children_of(parent.pid)
        finally:
            parent.kill()  # SIGKILL: no clean-up runs in the parent
            parent.wait()
    assert len(workers) == 1, children
    left = [pid for pid in children if not wait_until_gone(pid, timeout=5)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)  # not left running after a failed test
    assert left == [], f"still running 5 s after their parent was killed: {left}"


def test_a_worker_whose_parent_died_before_it_started_watching_exits_at_once() -> None:
    # It is given a parent pid that is not its parent's: as if the server had died before the
    # worker's initializer ran, and init had adopted the worker. Without the check it would
    # wait for a signal that never comes, and the run would time out.
    script = (
        "import os, signal\n"
        "from bot.lifeline import exit_with_parent\n"
        "exit_with_parent(os.getppid() + 1)\n"
        "signal.pause()\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, timeout=20, check=False
    )
    assert done.returncode == 1
