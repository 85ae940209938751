"""One URL-addressable control: its key, type, default and valid range (``Spec``).

Plain data with its own parsing and encoding, and no Streamlit: the pages' spec
declarations (``ui.specs``), the route table (``ui.routes``) and the lesson loader use it
without drawing anything; ``ui.state`` syncs it with the session state and the URL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["float", "int", "bool", "choice", "multi"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
#: Longest URL value we look at; anything longer is rejected outright.
MAX_RAW = 200


@dataclass(frozen=True)
class Spec:
    """One URL-addressable control."""

    key: str
    kind: Kind
    default: Any
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()
    label: str = ""  # words for notes ("learning rate h")
    allowed: tuple[float, ...] = ()  # numbers only: the values a select-slider offers
    #: numbers only: the narrower range the control offers inside [lo, hi] (None: lo / hi)
    ui_lo: float | None = None
    ui_hi: float | None = None

    @property
    def ui_range(self) -> tuple[float, float]:
        """The range the page's control offers: [ui_lo, ui_hi], else [lo, hi]."""
        assert self.lo is not None and self.hi is not None
        return (
            self.lo if self.ui_lo is None else self.ui_lo,
            self.hi if self.ui_hi is None else self.ui_hi,
        )

    def clamp(self, value: Any) -> Any:
        """A parsed number moved into the control's range (other kinds unchanged)."""
        if self.kind not in ("float", "int") or (self.ui_lo is None and self.ui_hi is None):
            return value
        lo, hi = self.ui_range
        out = min(max(value, lo), hi)
        return int(out) if self.kind == "int" else float(out)

    def describe(self) -> str:
        if self.allowed:
            return "one of " + ", ".join(f"{a:g}" for a in self.allowed)
        if self.kind in ("float", "int"):
            return f"a number in [{self.lo:g}, {self.hi:g}]"
        if self.kind == "bool":
            return "1 or 0"
        return "one of " + ", ".join(self.choices)

    def parse(self, raw: str | list[str]) -> Any:
        """The value for a raw URL value, or raise ``ValueError``."""
        if self.kind == "multi":
            joined = ",".join(raw) if isinstance(raw, list) else raw
            if len(joined) > MAX_RAW:
                raise ValueError
            items = [s.strip() for s in joined.split(",") if s.strip()]
            if not items or any(s not in self.choices for s in items):
                raise ValueError
            return list(dict.fromkeys(items))  # keep order, drop repeats
        text = raw[-1] if isinstance(raw, list) else raw
        text = text.strip()
        if len(text) > MAX_RAW:
            raise ValueError
        if self.kind == "choice":
            if text not in self.choices:
                raise ValueError
            return text
        if self.kind == "bool":
            low = text.lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError
        x = float(text)  # ValueError for junk
        if not math.isfinite(x):
            raise ValueError
        assert self.lo is not None and self.hi is not None
        if not self.lo <= x <= self.hi:
            raise ValueError
        if self.allowed and x not in self.allowed:
            raise ValueError
        if self.kind == "int":
            if x != int(x):
                raise ValueError
            return int(x)
        return x

    def encode(self, value: Any) -> str | list[str]:
        if self.kind == "multi":
            return ",".join(value)
        if self.kind == "bool":
            return "1" if value else "0"
        if self.kind == "float":
            return f"{float(value):.10g}"
        if self.kind == "int":
            return str(int(value))
        return str(value)

    def is_default(self, value: Any) -> bool:
        if self.kind == "multi":
            return list(value) == list(self.default)
        if self.kind == "float":
            return math.isclose(float(value), float(self.default), rel_tol=0, abs_tol=1e-12)
        return bool(value == self.default)
