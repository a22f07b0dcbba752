"""``gc_paused``: the collector is off inside, back on after, with no collection left pending."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest

from dynamodb_wrapper.core import _gc
from dynamodb_wrapper.core._gc import gc_paused


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """Generations of the collections that ran while the test body ran."""
    seen: list[int] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.collect()
    gc.callbacks.append(callback)
    try:
        yield seen
    finally:
        gc.callbacks.remove(callback)


def _results(n: int) -> list[dict[str, list[int]]]:
    return [{"values": [i]} for i in range(n)]


def test_collector_is_paused_inside_and_restored_after() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_results_built_while_paused_do_not_trigger_a_collection_afterwards(
    collections: list[int],
) -> None:
    with gc_paused():
        kept = _results(50_000)
    # Without the promotion, the next allocations start a generation-0 collection over all
    # 100,000 new containers.
    more = [[] for _ in range(100)]
    assert collections == []
    assert gc.get_count()[0] < gc.get_threshold()[0]
    assert len(kept) == 50_000 and len(more) == 100


def test_cyclic_garbage_made_while_paused_is_still_collected() -> None:
    class Node:
        pass

    with gc_paused():
        a, b = Node(), Node()
        a.other, b.other = b, a  # type: ignore[attr-defined]
        alive = threading.Event()
        ref = weakref.ref(a, lambda _: alive.set())
        del a, b
    gc.collect()
    assert ref() is None and alive.is_set()


@pytest.fixture
def fresh_promotion(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_gc, "_promotion", [True])


@pytest.mark.usefixtures("fresh_promotion")
def test_an_application_freeze_is_left_alone() -> None:
    frozen = _results(10)
    gc.freeze()
    try:
        count = gc.get_freeze_count()
        with gc_paused():
            _results(1_000)
        assert gc.get_freeze_count() == count
    finally:
        gc.unfreeze()
    assert frozen


@pytest.mark.usefixtures("fresh_promotion")
def test_a_frozen_heap_is_counted_once_not_on_every_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    counted: list[int] = []
    real = gc.get_freeze_count

    def counting() -> int:
        counted.append(real())
        return counted[-1]

    monkeypatch.setattr(_gc.gc, "get_freeze_count", counting)
    gc.freeze()
    try:
        for _ in range(5):
            with gc_paused():
                _results(100)
    finally:
        gc.unfreeze()
    assert len(counted) == 1 and counted[0] > 0


def test_a_paused_collector_stays_paused() -> None:
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
