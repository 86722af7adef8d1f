"""apps.core.backoff: the one retry delay rule."""

from __future__ import annotations

import pytest

from apps.core.backoff import backoff_seconds


def test_exponential_from_the_base_and_capped():
    delays = [backoff_seconds(n, base=60, cap=6 * 3600) for n in range(1, 11)]
    assert delays[:5] == [60, 120, 240, 480, 960]
    assert delays[-1] == 6 * 3600
    assert backoff_seconds(0, base=60) == 60  # attempt numbers start at 1


def test_a_schedule_gives_each_delay_and_its_last_one_after_it():
    schedule = (5, 300, 1800)
    assert [backoff_seconds(n, schedule=schedule) for n in (1, 2, 3, 4, 9)] == [
        5,
        300,
        1800,
        1800,
        1800,
    ]


@pytest.mark.parametrize("attempt", [1, 3, 6])
def test_jitter_stays_within_its_fraction(attempt):
    plain = backoff_seconds(attempt, base=10, cap=3600)
    spread = {backoff_seconds(attempt, base=10, cap=3600, jitter=0.25) for _ in range(200)}
    assert all(plain * 0.75 <= delay <= plain * 1.25 for delay in spread)
    assert len(spread) > 1
