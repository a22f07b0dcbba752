"""Pause the cyclic garbage collector while building large acyclic results.

Decoding a 1 MB page allocates ~100,000 small objects (dicts, strings, models); each allocation
burst triggers generation-0/1/2 collections that scan everything alive, which cost more than the
decoding itself (measured: 144 ms → 68 ms per 1,000-item page). The objects built here hold no
reference cycles, so reference counting frees them; the collector is paused only for the duration
and only if it was running (``gc`` is process-wide: a thread that finds it already paused leaves it
to the thread that paused it).

Re-enabling the collector after such a block would start a generation-0 collection at the next
allocation that walks every object the block created (measured: 11-18 ms after a 1,000-item page,
a quarter of the whole read). Those objects are results, not garbage, so they are moved straight to
the oldest generation instead: ``gc.freeze()`` + ``gc.unfreeze()`` does that in O(1) and resets the
young-generation count. It is skipped when the application has frozen objects itself (a pre-fork
server): ``unfreeze`` would release them too. Cyclic garbage created meanwhile (by any thread) is
still found, by the next full collection.

``gc.get_freeze_count()`` walks the frozen objects (O(n): ~30 ms per call on a big frozen heap,
measured in the benchmark harness, which freezes its own), so once it has seen a frozen heap the
promotion is switched off for the life of the process and the count is not asked again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


_promotion = [True]  # False once the application was seen freezing objects itself


def _promote_young() -> None:
    """Move every tracked object to the oldest generation (O(1)), unless the app froze some."""
    if not _promotion[0]:
        return
    if gc.get_freeze_count() != 0:
        _promotion[0] = False
        return
    gc.freeze()
    gc.unfreeze()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic GC inside the block (re-enabled after, if it was enabled)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        _promote_young()
        gc.enable()
