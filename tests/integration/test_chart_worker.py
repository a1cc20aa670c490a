"""Charts drawn in a worker process come back as the same PNG, and a dead worker is replaced."""

from __future__ import annotations

import os
import signal
from concurrent.futures.process import BrokenProcessPool

import pytest

from bot.charts import render_trend
from bot.charts.worker import ChartWorker
from tests.support.charts_factory import sample_rubric, sample_trend


def test_a_chart_from_the_worker_process_equals_one_drawn_here() -> None:
    rubric = sample_rubric()
    trend = sample_trend(rubric, weeks=8, seed=3)
    worker = ChartWorker()
    try:
        remote = worker.render("render_trend", trend, rubric, team="Vision", language="es")
    finally:
        worker.close()
    local = render_trend(trend, rubric, team="Vision", language="es")
    assert remote.png == local.png
    assert remote.alt_text == local.alt_text


def test_a_killed_worker_fails_one_render_and_the_next_one_starts_afresh() -> None:
    rubric = sample_rubric()
    trend = sample_trend(rubric, weeks=4, seed=1)
    worker = ChartWorker()
    try:
        worker.render("render_trend", trend, rubric, team="A")
        pool = worker._pool()
        for pid in list(pool._processes):  # the one worker process
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            worker.render("render_trend", trend, rubric, team="A")
        again = worker.render("render_trend", trend, rubric, team="A")
        assert again.png.startswith(b"\x89PNG")
    finally:
        worker.close()
