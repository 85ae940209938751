"""A bounded, process-wide cache for the pages' calls into the numerical core (and the
explorer figure's static layer).

Why not ``st.cache_data``: in Streamlit 1.67 every distinct argument tuple leaves a lock
behind in the function's cache (``Cache._value_locks`` is never pruned; a comment in
``streamlit/runtime/caching/cache_utils.py`` says so), about 250 bytes per key, measured
(tests/test_cache.py). The lab's keys are numbers users pick from continuous ranges, so a
server grew without bound however small ``max_entries`` was. This cache keeps at most
``max_entries`` values and nothing else per key once a call has returned.

It keeps what mattered of ``st.cache_data``: one computation per key at a time (a class
pressing "Run" with the same settings waits for the first run instead of repeating it), and
arguments whose names start with ``_`` are not part of the key (a progress callback).
Values are shared between sessions rather than copied (``st.cache_data`` unpickles a copy on
every hit): every numpy array reachable from a cached value is made read-only, so an
accidental in-place change raises instead of altering what other users see.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, ParamSpec, TypeVar

import numpy as np

P = ParamSpec("P")
R = TypeVar("R")


def freeze(value: object) -> None:
    """Make every numpy array reachable through tuples, lists, dicts and dataclasses
    read-only."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, tuple | list):
        for item in value:
            freeze(item)
    elif isinstance(value, dict):
        for item in value.values():
            freeze(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            freeze(getattr(value, f.name))


class _Pending:
    """A computation in flight; other callers with the same key wait for it."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.ok = False
        self.value: Any = None


class BoundedCache(Generic[P, R]):
    """``func`` with its last ``max_entries`` results kept (least recently used evicted)."""

    def __init__(self, func: Callable[P, R], max_entries: int) -> None:
        functools.update_wrapper(self, func)
        self._func = func
        self._signature = inspect.signature(func)
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, R] = OrderedDict()
        self._pending: dict[Hashable, _Pending] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _key(self, args: tuple, kwargs: dict) -> Hashable:
        bound = self._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return tuple((k, v) for k, v in bound.arguments.items() if not k.startswith("_"))

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        key = self._key(args, kwargs)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
            pending = self._pending.get(key)
            owner = pending is None
            if owner:
                pending = self._pending[key] = _Pending()
        assert pending is not None
        if not owner:
            pending.done.wait()
            # the first caller failed: try again ourselves (and raise if it fails again)
            return pending.value if pending.ok else self(*args, **kwargs)
        try:
            value = self._func(*args, **kwargs)
            freeze(value)
            with self._lock:
                self.misses += 1
                self._entries[key] = value
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
            pending.value, pending.ok = value, True
            return value
        finally:
            with self._lock:
                del self._pending[key]
            pending.done.set()

    def peek(self, *args: P.args, **kwargs: P.kwargs) -> R | None:
        """The cached value for these arguments, or ``None`` (never computes)."""
        key = self._key(args, kwargs)
        with self._lock:
            return self._entries.get(key)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0


def bounded_cache(max_entries: int) -> Callable[[Callable[P, R]], BoundedCache[P, R]]:
    """Decorator: cache a pure function of plain hashable arguments (see the module)."""
    if max_entries < 1:
        raise ValueError("max_entries must be at least 1")
    return lambda func: BoundedCache(func, max_entries)
