"""Backoff for partial batch failures (UnprocessedItems / UnprocessedKeys).

botocore retries whole calls; it does not retry the unprocessed part of a batch that returned
200. That loop is ours: capped exponential backoff with full jitter, bounded by an attempt count
and a wall-clock budget (RELIABILITY.md §3.5).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["BackoffPolicy"]


@dataclass(frozen=True)
class BackoffPolicy:
    """How long and how often to re-send the unprocessed part of a batch.

    Attributes:
        max_attempts: Sends per chunk, the first included.
        base_delay: Seconds; the cap of the n-th sleep is ``base_delay * 2**n``.
        max_delay: Upper bound of any one sleep.
        time_budget: Seconds one chunk may spend before giving up.
        sleep / clock / rng: Injectable for tests.
    """

    max_attempts: int = 10
    base_delay: float = 0.05
    max_delay: float = 5.0
    time_budget: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, attempt: int) -> float:
        """Full-jitter delay before re-send number ``attempt`` (1-based)."""
        cap = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return self.rng.uniform(0, cap)

    def next_delay(self, attempt: int, started: float) -> float | None:
        """The sleep before re-send ``attempt``, or ``None`` when the budget is spent."""
        if attempt >= self.max_attempts:
            return None
        delay = self.delay(attempt)
        if self.clock() - started + delay > self.time_budget:
            return None
        return delay
