"""How long to wait before trying again: the one backoff rule of every retry FanzDash makes
(webhook processing, payout submission, outbound webhook delivery)."""

from __future__ import annotations

import random
from collections.abc import Sequence

_random = random.SystemRandom()


def backoff_seconds(
    attempt: int,
    *,
    base: float = 0,
    cap: float | None = None,
    schedule: Sequence[float] = (),
    jitter: float = 0.0,
) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1-based): the ``schedule``'s entry
    for it when one is given (its last entry beyond its end), else ``base * 2^(attempt-1)``;
    at most ``cap``; spread by ±``jitter`` (a fraction, e.g. 0.25) so that many retries that
    failed together do not all come back at the same instant."""
    step = max(1, attempt)
    if schedule:
        delay = float(schedule[min(step, len(schedule)) - 1])
    else:
        delay = float(base) * 2 ** (step - 1)
    if cap is not None:
        delay = min(delay, cap)
    if jitter:
        delay *= 1 + _random.uniform(-jitter, jitter)
    return delay
