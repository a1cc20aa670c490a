"""Start-up objects are frozen so that full collections under load stay short."""

from __future__ import annotations

import gc

from bot.runtime import freeze_startup_objects


def test_what_start_up_built_leaves_the_collectors_generations() -> None:
    built_at_start_up = [[index] for index in range(1000)]  # lists are tracked by the collector
    try:
        freeze_startup_objects()
        frozen = gc.get_freeze_count()
        assert frozen >= len(built_at_start_up)
        assert not any(item is built_at_start_up for item in gc.get_objects(generation=2))
    finally:
        gc.unfreeze()
