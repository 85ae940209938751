"""ui.cache: bounded, shared, one computation per key, nothing left behind per key."""

from __future__ import annotations

import gc
import re
import threading
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from ui import compute
from ui.cache import BoundedCache, bounded_cache

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Result:
    points: np.ndarray
    parts: tuple[np.ndarray, ...]


def test_hits_return_the_cached_object_and_private_arguments_are_not_keys() -> None:
    calls: list[tuple] = []

    @bounded_cache(max_entries=4)
    def f(a: float, b: int = 2, _progress: object = None) -> Result:
        calls.append((a, b))
        return Result(np.full(3, a * b), (np.zeros(2),))

    first = f(1.5)
    assert f(1.5, 2) is first and f(a=1.5, b=2, _progress=print) is first
    assert calls == [(1.5, 2)] and (f.hits, f.misses) == (2, 1)
    assert f(1.5, 3) is not first and calls[-1] == (1.5, 3)


def test_least_recently_used_entry_is_evicted() -> None:
    @bounded_cache(max_entries=3)
    def f(x: int) -> list[int]:
        return [x]

    a, _, _ = f(1), f(2), f(3)
    assert f(1) is a  # 1 is now the most recent; 2 the least
    f(4)
    assert len(f) == 3
    assert f(1) is a and f.misses == 4
    f(2)  # evicted earlier, computed again
    assert f.misses == 5


def test_cached_arrays_are_read_only() -> None:
    @bounded_cache(max_entries=2)
    def f(x: float) -> Result:
        return Result(np.arange(4.0) * x, (np.ones(2), np.zeros(2)))

    r = f(2.0)
    for arr in (r.points, *r.parts):
        assert not arr.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 1.0


def test_memory_stays_bounded_however_many_keys_pass_through() -> None:
    # st.cache_data keeps ~250 bytes for every key it has seen (measured: +2.5 MB for
    # 10,000 keys into a full 512-entry trajectory cache); this cache keeps nothing.
    @bounded_cache(max_entries=64)
    def f(x: float) -> np.ndarray:
        return np.full(16, x)

    tracemalloc.start()
    try:
        # fill the cache while traced, so the baseline already holds 64 traced entries: what
        # follows measures growth, not the entries that replace untraced ones (~29 KB, which
        # left the test little margin when other threads allocated meanwhile)
        for i in range(200):
            f(float(i))
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(200, 20_200):
            f(float(i))
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(f) == 64
    assert grown < 50_000, f"{grown} bytes kept for 20,000 keys"


def test_concurrent_callers_of_one_key_share_one_computation() -> None:
    started = threading.Event()
    runs: list[int] = []

    @bounded_cache(max_entries=4)
    def slow(x: int) -> list[int]:
        runs.append(x)
        started.set()
        time.sleep(0.2)
        return [x]

    out: list[list[int]] = []
    first = threading.Thread(target=lambda: out.append(slow(7)))
    first.start()
    started.wait(5)
    second = threading.Thread(target=lambda: out.append(slow(7)))
    second.start()
    first.join(5)
    second.join(5)
    assert runs == [7] and len(out) == 2 and out[0] is out[1]


def test_a_failed_call_is_not_cached_and_waiters_compute_for_themselves() -> None:
    started, release = threading.Event(), threading.Event()
    attempts: list[int] = []

    @bounded_cache(max_entries=4)
    def flaky(x: int) -> int:
        attempts.append(x)
        if len(attempts) == 1:
            started.set()
            release.wait(5)
            raise RuntimeError("first attempt fails")
        return x * 10

    errors: list[Exception] = []
    results: list[int] = []

    def run() -> None:
        try:
            results.append(flaky(3))
        except RuntimeError as e:
            errors.append(e)

    first = threading.Thread(target=run)
    first.start()
    started.wait(5)
    second = threading.Thread(target=run)
    second.start()
    time.sleep(0.05)  # the second caller is now waiting for the first
    release.set()
    first.join(5)
    second.join(5)
    assert len(errors) == 1 and results == [30] and len(attempts) == 2
    assert flaky(3) == 30 and len(attempts) == 2  # the success was cached


def test_core_calls_go_through_the_bounded_cache() -> None:
    cached = [v for v in vars(compute).values() if isinstance(v, BoundedCache)]
    assert {c.__name__ for c in cached} >= {"trajectory", "spectra", "streamlines"}
    used = re.compile(r"@st\.cache_(data|resource)|st\.cache_(data|resource)\(")
    for path in [*ROOT.glob("ui/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]:
        hit = used.search(path.read_text())
        assert hit is None, f"{path.name} uses {hit.group(0)}: see ui/cache.py for why not"


def test_bounded_cache_rejects_a_useless_bound() -> None:
    with pytest.raises(ValueError):
        bounded_cache(0)
