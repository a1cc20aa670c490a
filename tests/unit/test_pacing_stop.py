"""Stopping the pacer: a post waiting for its turn is not sent; one under way finishes."""

from __future__ import annotations

import threading

import pytest

from bot.scheduling.pacing import Pacer, Stopped


def test_a_post_waiting_for_its_channel_is_stopped_and_the_one_under_way_finishes() -> None:
    pacer = Pacer(channel_interval=60, workspace_per_minute=None)
    outcome: list[str] = []
    waiting = threading.Event()

    def second_post() -> None:
        waiting.set()
        try:
            with pacer.slot("T1", "C1"):
                outcome.append("sent")
        except Stopped:
            outcome.append("stopped")

    with pacer.slot("T1", "C1"):
        thread = threading.Thread(target=second_post)
        thread.start()
        assert waiting.wait(5)
        thread.join(0.2)
        assert thread.is_alive(), "the second post did not wait for the first"
        pacer.stop()
        thread.join(5)
        assert outcome == ["stopped"]
        outcome.append("first finished")  # the post under way is not interrupted
    assert outcome == ["stopped", "first finished"]
    with pytest.raises(Stopped), pacer.slot("T1", "C2"):
        pytest.fail("a stopped pacer let a new post through")
