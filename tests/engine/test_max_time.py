"""--max-time bounds the run's wall clock: the run stops sending, cleans up, and says so."""

from __future__ import annotations

import time

import pytest

from diglot.engine import RunOptions, run
from diglot.errors import UsageError


def test_the_run_stops_at_its_wall_clock_and_reports_it_incomplete():
    started = time.monotonic()
    result = run(RunOptions(max_time=0.5, max_examples=400, seed=1))
    took = time.monotonic() - started
    assert took < 5  # 400 examples × 12 pairs would take far longer
    assert any("--max-time 0.5 s" in reason for reason in result.incomplete)
    assert result.requests > 0
    assert not result.resources or not result.resources[-1].left  # it still cleaned up


def test_max_time_must_be_positive():
    with pytest.raises(UsageError, match="--max-time must be a positive number"):
        RunOptions(max_time=0)
