"""Evenly spaced streamlines of a planar vector field, traced with vectorised numpy.

The algorithm follows matplotlib's ``streamplot`` (in the spirit of Jobard and Lefer): the
domain is cut into ``30 × density`` spacing cells per axis, seeds are taken from the cells
in a spiral from the border inwards, and every line is traced forward and backward until it
comes near another line, leaves the domain, meets a zero of the field, comes back into a
cell it went through (a closed orbit: the two halves meet) or grows too long.  Lines shorter
than ``min_length`` are dropped.

What differs is where the time goes.  matplotlib moves one point at a time in Python; here

* the field is sampled once on a ``grid × grid`` lattice; one step along the normalised
  field (midpoint rule; one spacing cell long, shorter where the flow turns fast) is
  precomputed from every node, and a step from anywhere is the bilinear interpolation of
  those: one table look-up per step, no further field evaluations;
* *all* seeds of a batch are integrated together, one vectorised step at a time, so Python
  loops over steps, never over points;
* which lines survive is then decided in seed order, line by line, with a vectorised check
  of each line against an occupancy mask: a line is cut where it first comes near a line
  kept before, and kept if still long enough.

Batches give exactly the result of tracing the lines one after the other: a sparse lattice
of seeds first (long lines, in an empty domain), then denser ones whose lines stop almost at
once on the mask of the earlier ones.

Spacing: the occupancy mask has 5 × 5 sub-cells per spacing cell, and a line may not enter a
sub-cell within 3 sub-cells (Chebyshev) of one holding a vertex of another line.  Vertices of
two different lines are therefore more than 0.6 spacing cells apart, and neighbouring lines
typically about one cell, as in matplotlib (whose lines may however touch).  A seed is the
free sub-cell of its cell nearest the centre, so that gaps fill where lines diverge.
"""

from __future__ import annotations

import cmath
import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Field = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
"""``(x, y) -> (u, v)``: arrays of any shape in, the two components of the same shape out."""

CELLS_PER_DENSITY = 30
"""Spacing cells per axis at density 1, as in matplotlib's ``streamplot``."""

_SUB = 5  # occupancy sub-cells per spacing cell, per axis
_STEP = 5.0  # integration step in sub-cells (one spacing cell): less than the 7 sub-cells
# of the band kept free around a line, so that no step can jump across a line.
_RADIUS = 3  # sub-cells (Chebyshev) kept free around the vertices of other lines
_PAD = 6  # blocked sub-cells around the domain, more than a step: no index leaves the mask
_FIRST_STRIDE = 2.0  # spacing cells between the first batch's seeds, per unit of density
_MAX_TURN = 0.3  # radians: steps shorten where the flow would turn more than this per step
_MIN_STEP = 1.25  # sub-cells: the shortest step
_GROWTH = 1.25  # largest ratio of the step lengths at neighbouring grid nodes
_TINY = 1e-12  # speeds below this fraction of the largest count as zeros of the field
_CLOSE = 2.0  # ends of one line closer than this many steps are joined (closed orbit)
_MIN_SEGMENT = 1.0  # sub-cells: a shorter piece added at an end would only be rounding noise


@dataclass(frozen=True)
class Streamlines:
    """Streamlines ready for a Plotly scatter trace.

    Attributes
    ----------
    x, y
        Vertices of all lines, concatenated, each line followed by one NaN (Plotly draws
        NaN as a gap).  Rounded to ``digits`` significant digits of the range.
    speed
        Field magnitude ``|v|`` at every vertex (bilinear in the sampled grid), NaN at the
        separators: for colouring by speed.
    arrow_x, arrow_y
        Positions of the direction arrows: the middle of each line, more on long lines.
    arrow_angle
        Direction of the flow at each arrow in degrees, in Plotly's ``marker.angle``
        convention: 0 points up and angles grow clockwise (90 points right, -90 left).
        Computed in data units: exact when both axes have the same scale (``scaleanchor``),
        otherwise skewed by the aspect ratio.
    n_lines
        Number of lines.
    starts
        Index in ``x`` of the first vertex of each line; line ``i`` runs to the NaN before
        ``starts[i + 1]``.
    field_evals
        Number of points at which the field was evaluated.
    """

    x: np.ndarray
    y: np.ndarray
    speed: np.ndarray
    arrow_x: np.ndarray
    arrow_y: np.ndarray
    arrow_angle: np.ndarray
    n_lines: int
    starts: np.ndarray
    field_evals: int

    def lines(self) -> list[np.ndarray]:
        """Each line as an ``(n, 2)`` array of ``(x, y)`` vertices."""
        if not self.n_lines:
            return []
        ends = np.append(self.starts[1:], len(self.x)) - 1  # the NaN after each line
        xy = np.column_stack([self.x, self.y])
        return [xy[a:b] for a, b in zip(self.starts, ends, strict=True)]


def sample_field(
    field: Field, x_range: tuple[float, float], y_range: tuple[float, float], n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate ``field`` once on an ``n × n`` lattice (one call, ``n²`` points).

    Returns
    -------
    xs, ys, u, v
        Node coordinates (length ``n``) and the components, shape ``(n, n)`` indexed
        ``[iy, ix]``; non-finite values are passed through.
    """
    xs = np.linspace(*x_range, n)
    ys = np.linspace(*y_range, n)
    gx, gy = np.meshgrid(xs, ys)
    # Overflow far from the origin is the tracer's business (it stops there), not an error.
    with np.errstate(all="ignore"):
        u, v = field(gx, gy)
    u = np.broadcast_to(np.asarray(u, dtype=float), gx.shape)
    v = np.broadcast_to(np.asarray(v, dtype=float), gx.shape)
    return xs, ys, u, v


def speed_grid(
    field: Field, x_range: tuple[float, float], y_range: tuple[float, float], n: int = 60
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Field magnitude on an ``n × n`` lattice, for a background heat map.

    Returns
    -------
    xs, ys, speed
        Node coordinates and ``|v|`` of shape ``(n, n)`` indexed ``[iy, ix]``; NaN where the
        field is not finite.
    """
    xs, ys, u, v = sample_field(field, x_range, y_range, n)
    with np.errstate(all="ignore"):
        speed = np.hypot(u, v)
    speed[~np.isfinite(speed)] = np.nan
    return xs, ys, speed


def trace_streamlines(
    field: Field,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    density: float = 1.0,
    *,
    grid: int = 40,
    min_length: float = 2.0,
    max_steps: int | None = None,
    arrow_spacing: float = 0.4,
    digits: int | None = 4,
) -> Streamlines:
    """Trace evenly spaced streamlines of ``field`` over a rectangle.

    Parameters
    ----------
    field
        Vectorised field ``(x, y) -> (u, v)``, evaluated once, on ``grid × grid`` points.
        Lines stop where it is zero or not finite.
    x_range, y_range
        The rectangle.
    density
        The spacing cell is ``1 / (30 density)`` of each side (matplotlib's convention).
    grid
        Samples of the field per axis; the tracer interpolates bilinearly between them.
    min_length
        Lines shorter than this many spacing cells are dropped.
    max_steps
        Most steps in a half-line (forward or backward from its seed); a step is one
        spacing cell, shorter where the flow turns fast.  By default twice the cells per
        side, as matplotlib's ``maxlength=4``.  It also bounds the work per batch.
    arrow_spacing
        Arc length between arrows on long lines, as a fraction of the longer side; every
        line has at least one arrow, in its middle.
    digits
        Significant digits kept in coordinates (relative to the range) and speeds (relative
        to the largest), for a small JSON payload; at least 3; ``None`` keeps full
        precision.  Vertices that rounding makes equal are merged.
    """
    xs, ys, u, v = sample_field(field, x_range, y_range, grid)
    return trace_streamlines_grid(
        xs,
        ys,
        u,
        v,
        density,
        min_length=min_length,
        max_steps=max_steps,
        arrow_spacing=arrow_spacing,
        digits=digits,
    )


def trace_streamlines_grid(
    xs: np.ndarray,
    ys: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    density: float = 1.0,
    *,
    min_length: float = 2.0,
    max_steps: int | None = None,
    arrow_spacing: float = 0.4,
    digits: int | None = 4,
) -> Streamlines:
    """Like `trace_streamlines`, from samples of the field (e.g. `sample_field`'s).

    ``xs`` and ``ys`` are evenly spaced, increasing and of the same length ``n``; ``u`` and
    ``v`` have shape ``(n, n)`` and are indexed ``[iy, ix]``.
    """
    xs = np.asarray(xs, dtype=float)
    ys = np.asarray(ys, dtype=float)
    n = len(xs)
    if n < 2 or len(ys) != n or np.shape(u) != (n, n) or np.shape(v) != (n, n):
        raise ValueError("need xs, ys of the same length n >= 2 and u, v of shape (n, n)")
    if not (xs[-1] > xs[0] and ys[-1] > ys[0]):
        raise ValueError("xs and ys must be increasing")
    m = max(1, round(CELLS_PER_DENSITY * density))
    tracer = _Tracer(xs, ys, np.asarray(u, float), np.asarray(v, float), m)
    lines: list[np.ndarray] = []
    if not tracer.empty:
        steps = 2 * m if max_steps is None else max(1, int(max_steps))
        min_len = min_length * _SUB  # in sub-cells
        order = _spiral_order(m)
        iy, ix = np.divmod(order, m)
        # Sparse lattices of seeds first (long lines, in a nearly empty domain), then denser
        # ones, down to every cell.
        first = max(1, round(_FIRST_STRIDE * density))
        for stride in [first >> i for i in range(first.bit_length())]:  # e.g. 4, 2, 1
            mid = stride // 2
            cells = order[(ix % stride == mid) & (iy % stride == mid)]
            seeds = tracer.seeds(cells)
            tracer.accept(tracer.integrate(seeds, steps), min_len, lines)
    return _assemble(lines, xs, ys, u, v, tracer, arrow_spacing, digits)


# --------------------------------------------------------------------------------------
# Implementation.  Positions are complex numbers ``x + iy`` in sub-cell units, shifted by
# _PAD so that the domain is [_PAD, _PAD + f]² and a point's sub-cell is
# ``floor(y) * w + floor(x)`` in the flat, padded, w × w occupancy mask.


@dataclass
class _Batch:
    """Half-lines of a batch of ``n`` seeds: forward in rows ``:n``, backward in ``n:``."""

    q: np.ndarray  # vertices, (2n, T) complex; row i is valid up to length[i]
    k: np.ndarray  # sub-cell of each vertex, (2n, T)
    length: np.ndarray  # vertices of each half-line, (2n,) (the seed is vertex 0 of both)
    end: np.ndarray  # where each half-line was going when it stopped, (2n,) complex


class _Tracer:
    """Field tables and occupancy mask shared by the batches of one picture."""

    def __init__(self, xs: np.ndarray, ys: np.ndarray, u: np.ndarray, v: np.ndarray, m: int):
        self.m = m
        self.f = f = max(2, round(m * _SUB))  # sub-cells per side
        self.w = f + 2 * _PAD
        self.g = g = len(xs)
        self.span = (xs[-1] - xs[0], ys[-1] - ys[0])
        self.scale = (g - 1) / f  # grid units per sub-cell (the same on both axes)

        bad = ~(np.isfinite(u) & np.isfinite(v))
        u = np.where(bad, 0.0, u)
        v = np.where(bad, 0.0, v)
        # In sub-cell units, so that a step has the same length on both axes; divided by
        # the largest component first, so that huge values cannot overflow.
        big = max(np.abs(u).max(), np.abs(v).max())
        self.empty = not big > 0
        if self.empty:
            return
        z = (u / big) * (f / self.span[0]) + 1j * ((v / big) * (f / self.span[1]))
        mag = np.abs(z)
        bad |= mag <= _TINY * mag.max()
        direction = np.where(bad, 0, z / np.where(bad, 1, mag))

        # Forward and backward tables: a chord bends inwards, so they are not opposite.
        disp = self._steps(np.stack([direction, -direction]), self._step_lengths(direction))
        # Bilinear coefficients per grid cell (disp at the lower-left node plus corrections),
        # in a frame of NaN cells on every side for the points that have just left the
        # domain.  Cells touching a bad node get NaN: the step there is NaN and the turn test
        # (a comparison, False with NaN) stops the line.
        d = np.concatenate([disp, disp[:, -1:]], axis=1)  # edge-pad: a point on the last
        d = np.concatenate([d, d[:, :, -1:]], axis=2)  # grid line still finds a cell
        bad_node = np.pad(bad, ((0, 1), (0, 1)), mode="edge")
        bad_cell = bad_node[:-1, :-1] | bad_node[1:, :-1] | bad_node[:-1, 1:] | bad_node[1:, 1:]
        gpad = int(np.ceil(_PAD * self.scale)) + 1  # grid cells as wide as the mask's frame
        self.gw = gw = g + 2 * gpad
        inner = (slice(None), slice(gpad, gpad + g), slice(gpad, gpad + g))
        # One (4, n) table, so that a step needs a single gather.
        coefs = np.zeros((4, 2, gw, gw), complex)
        ca, cb, cc, ce = coefs
        ca[:] = np.nan
        ca[inner] = np.where(bad_cell, np.nan, d[:, :-1, :-1])
        cb[inner] = d[:, :-1, 1:] - d[:, :-1, :-1]
        cc[inner] = d[:, 1:, :-1] - d[:, :-1, :-1]
        ce[inner] = d[:, 1:, 1:] - d[:, :-1, 1:] - d[:, 1:, :-1] + d[:, :-1, :-1]
        self.coefs = coefs.reshape(4, -1)
        self.offset = (gpad - _PAD * self.scale) * (1 + 1j)  # sub-cell -> framed grid

        blocked, self.cell_of, self.block, self.dilate = _geometry(m, f)
        self.blocked = blocked.copy()

    def _step_lengths(self, direction: np.ndarray) -> np.ndarray:
        """Step length at each node, in sub-cells: short where the flow turns fast."""
        # Curvature = |derivative of the unit direction along itself|, per grid unit.
        ddy, ddx = np.gradient(direction)
        turn = np.abs(direction.real * ddx + direction.imag * ddy) * self.scale  # per sub-cell
        h = np.clip(_MAX_TURN / np.maximum(turn, _MAX_TURN / _STEP), _MIN_STEP, _STEP)
        # Neighbouring nodes differ by at most _GROWTH, so that consecutive steps do too
        # (a sudden shrink would look like a zero of the field to the turn test).
        for _ in range(3):
            e = np.pad(h, 1, mode="edge")
            rows = np.minimum(np.minimum(e[:, :-2], e[:, 1:-1]), e[:, 2:])
            around = np.minimum(np.minimum(rows[:-2], rows[1:-1]), rows[2:])
            h = np.minimum(h, _GROWTH * around)
        return h

    def _steps(self, direction: np.ndarray, h: np.ndarray) -> np.ndarray:
        """One step of ``h`` sub-cells from every node, for each table (midpoint rule)."""
        n_tables, g = direction.shape[0], self.g
        flat = direction.ravel()
        base = (np.arange(n_tables) * g * g)[:, None, None]

        def at(p: np.ndarray) -> np.ndarray:
            # Bilinear, clamped to the grid: the midpoint may leave it.
            px = np.clip(p.real, 0, g - 1)
            py = np.clip(p.imag, 0, g - 1)
            i = np.minimum(px.astype(np.intp), g - 2)
            j = np.minimum(py.astype(np.intp), g - 2)
            fx, fy = px - i, py - j
            k = base + j * g + i
            lower = flat[k] + fx * (flat[k + 1] - flat[k])
            upper = flat[k + g] + fx * (flat[k + g + 1] - flat[k + g])
            return lower + fy * (upper - lower)

        p = np.arange(g) + 1j * np.arange(g)[:, None]  # the nodes, [iy, ix]
        return at(p + (0.5 * self.scale) * h * direction) * h

    def seeds(self, cells: np.ndarray) -> np.ndarray:
        """A seed in each of these spacing cells that is not full, in their order.

        The seed is the centre of the cell's free sub-cell nearest to the cell's centre:
        seeds only at cell centres would leave gaps of up to two cells where lines diverge.
        """
        iy, ix = np.divmod(cells, self.m)
        corner = (iy * _SUB + _PAD) * self.w + ix * _SUB + _PAD
        free = ~self.blocked[corner[:, None] + self.block]
        first = free.argmax(axis=1)
        some = free[np.arange(len(cells)), first]
        iy, ix = np.divmod(corner[some] + self.block[first[some]], self.w)
        return ix + 0.5 + 1j * (iy + 0.5)

    def integrate(self, q0: np.ndarray, max_steps: int) -> _Batch:
        """Trace every seed forward and backward at once, stopping on the current mask."""
        n = len(q0)
        t_max = max_steps + 1
        # History of the vertices, grown as needed (max_steps may be far more than used).
        cap = min(t_max, 2 * self.m + 1)
        hist_q = np.empty((2 * n, cap), complex)
        hist_k = np.empty((2 * n, cap), np.intp)
        length = np.zeros(2 * n, np.intp)
        end = np.zeros(2 * n, complex)
        q = np.concatenate([q0, q0])
        ids = np.arange(2 * n)
        slot = ids * cap  # where a half-line's vertices start in the flat history
        flat_q, flat_k = hist_q.ravel(), hist_k.ravel()
        # Sub-cell -> framed grid units; the backward table lies gw rows below the forward one.
        off = self.offset + 1j * np.repeat([0, self.gw], n)
        # The spacing cells each seed's two halves went through: a closed orbit ends where
        # the halves meet, a spiral where it comes back to its own cells.
        mm = self.m * self.m
        own = np.zeros(n * mm, bool)
        row = np.tile(np.arange(n) * mm, 2)
        w, scale, gw = self.w, self.scale, self.gw
        coefs = self.coefs
        blocked, cell_of = self.blocked, self.cell_of
        floor = (0.5 * _MIN_STEP) ** 2
        prev = None
        for t in range(t_max):
            k = q.imag.astype(np.intp) * w + q.real.astype(np.intp)
            cell = cell_of[k] + row
            # The step: bilinear in the steps from the four surrounding grid nodes.
            gq = q * scale + off
            gx, gy = gq.real, gq.imag
            i = gx.astype(np.intp)
            j = gy.astype(np.intp)
            kk = j * gw + i
            fx = gx - i
            fy = gy - j
            ca, cb, cc, ce = coefs.take(kk, axis=1)
            d = ca + fx * (cb + fy * ce) + fy * cc
            if prev is None:
                prev, dc = cell, d.conj()
                need = floor
                # Vertex 0 is the seed even for a half that cannot make a step.
                hist_q[:, 0] = q
                hist_k[:, 0] = k
            stop = blocked[k] | (own[cell] & (cell != prev))
            # Turning by more than ~75°, shrinking fast or below half the shortest step (a
            # zero of the field), or NaN (a bad field: comparisons with NaN are False).
            stop |= ~((d * dc).real >= need)
            if np.count_nonzero(stop):  # (much faster than stop.any())
                gone = stop.nonzero()[0]
                at = ids[gone]
                length[at] = t
                end[at] = q[gone]
                keep = (~stop).nonzero()[0]
                if not len(keep):
                    break
                q, d, ids, off = q[keep], d[keep], ids[keep], off[keep]
                row, cell, k = row[keep], cell[keep], k[keep]
                slot = ids * cap
            if t == cap:
                cap = min(t_max, 2 * cap)
                hist_q = _widen(hist_q, cap)
                hist_k = _widen(hist_k, cap)
                flat_q, flat_k = hist_q.ravel(), hist_k.ravel()  # views: contiguous
                slot = ids * cap
            own[cell] = True
            flat_q[slot + t] = q
            flat_k[slot + t] = k
            prev, dc = cell, d.conj()
            need = np.maximum(0.25 * (d * dc).real, floor)
            q = q + d
        else:
            length[ids] = t_max
            end[ids] = q
        return _Batch(hist_q, hist_k, length, end)

    def accept(self, batch: _Batch, min_len: float, out: list[np.ndarray]) -> None:
        """Keep, in seed order, each line cut where it first comes near a line kept before."""
        n = len(batch.length) // 2
        blocked, dilate, hk, hq = self.blocked, self.dilate, batch.k, batch.q
        # A half that could not even leave the seed still has the seed as vertex 0.
        length = np.maximum(batch.length, 1)
        # Lines too short even before any cut need no look.
        viable = np.flatnonzero((length[:n] + length[n:] - 2) * _STEP >= min_len)
        length = length.tolist()
        for s in viable.tolist():
            if blocked[hk[s, 0]]:
                continue
            lf, lb = length[s], length[s + n]
            # The seed is free, so argmax is 0 exactly when nothing is hit.
            kf = hk[s, :lf]
            nf = int(blocked[kf].argmax()) or lf
            kb = hk[s + n, :lb]
            nb = int(blocked[kb].argmax()) or lb
            steps = nf + nb - 2
            if steps * _STEP < min_len:
                continue
            line = np.concatenate([hq[s + n, nb - 1 : 0 : -1], hq[s, :nf]])
            # Where each half was going: as traced, or cut where it came near another line.
            fwd = batch.end[s] if nf == lf else hq[s, nf]
            bwd = batch.end[s + n] if nb == lb else hq[s + n, nb]
            line = self._finish(line, complex(fwd), complex(bwd))
            # Steps may be shorter than _STEP where the flow turns: check the arc length
            # (the chord between the ends is a cheap lower bound).
            if (
                steps * _MIN_STEP < min_len
                and abs(line[-1] - line[0]) < min_len
                and np.abs(np.diff(line)).sum() < min_len
            ):
                continue
            k = line.imag.astype(np.intp) * self.w + line.real.astype(np.intp)
            blocked[(k[:, None] + dilate).ravel()] = True
            out.append(line)

    def _finish(self, line: np.ndarray, fwd: complex, bwd: complex) -> np.ndarray:
        """Take the ends of a line as far as they can go in their last step.

        ``fwd`` and ``bwd`` are where the ends were going when they stopped.  An end that
        was leaving the domain is run on to the border; one stopped near another line
        advances by the largest fraction of its last step that keeps clear of it (else the
        gaps at junctions would be up to two cells); and if neither, the two halves may
        have met on a closed orbit: they are joined when their ends face each other.
        """
        lo, hi, w, blocked = _PAD, _PAD + self.f, self.w, self.blocked
        head: list[complex] = []
        tail: list[complex] = []
        free_ends = 0
        if len(line) > 1:
            first, second, second_last, final = line[[0, 1, -2, -1]].tolist()
        else:
            first = final = complex(line[0])
            second = second_last = None
        for end, last, before, side in (
            (fwd, final, second_last, tail),
            (bwd, first, second, head),
        ):
            if not (lo <= end.real <= hi and lo <= end.imag <= hi):
                # Where the arc (not the chord) of the last step leaves the domain.
                t = _exit_fraction(last, end, lo, hi)
                far = last + 2 * (_along(before, last, end, t) - last)
                if lo <= far.real <= hi and lo <= far.imag <= hi:
                    p = last + t * (end - last)
                else:
                    p = last + _exit_fraction(last, far, lo, hi) * (far - last)
                p = complex(min(max(p.real, lo), hi), min(max(p.imag, lo), hi))
                if abs(p - last) > _MIN_SEGMENT:
                    side.append(p)
            elif blocked[int(end.imag) * w + int(end.real)]:
                for frac in (0.75, 0.5, 0.25):
                    p = _along(before, last, end, frac)
                    if not blocked[int(p.imag) * w + int(p.real)]:
                        if abs(p - last) > _MIN_SEGMENT:
                            side.append(p)
                        break
            else:
                free_ends += 1
        if free_ends == 2:
            # The halves met (on a closed orbit) or stopped at zeros of the field.  Met
            # halves overlap by up to a cell, as each stops only in a cell the other went
            # through: drop the forward half's last vertices until its end faces the start.
            start = first
            end_part = line[-4:].tolist()[::-1]  # the last vertices, last first
            for cut in range(min(3, len(line) - 3)):
                gap = start - end_part[cut]
                step = end_part[cut] - end_part[cut + 1]
                if abs(gap) > _CLOSE * _STEP:
                    break
                if (gap * step.conjugate()).real > 0.5 * abs(gap) * abs(step):
                    line = line[: len(line) - cut]
                    if abs(gap) > _MIN_SEGMENT:
                        tail.append(start)
                    else:  # close enough: move the end onto the start
                        line = np.append(line[:-1], start)
                    break
        if head or tail:
            line = np.concatenate([np.array(head, complex), line, np.array(tail, complex)])
        return line


def _widen(a: np.ndarray, columns: int) -> np.ndarray:
    """A contiguous copy of ``a`` with more (uninitialised) columns."""
    wide = np.empty((a.shape[0], columns), a.dtype)
    wide[:, : a.shape[1]] = a
    return wide


@functools.lru_cache(maxsize=8)
def _geometry(m: int, f: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Index tables of the padded w × w sub-cell mask (w = f + 2 _PAD), m cells per side.

    Returns the empty occupancy mask (True outside the domain: lines may not go there),
    the spacing cell of each sub-cell, the sub-cells of a spacing cell relative to its
    lower-left one (nearest the centre first), and the offsets of the square kept free
    around a vertex.  Read-only: cached.
    """
    w = f + 2 * _PAD
    blocked = np.ones((w, w), bool)
    blocked[_PAD : _PAD + f, _PAD : _PAD + f] = False
    idx = np.clip((np.arange(w) - _PAD) * m // f, 0, m - 1)
    cell_of = (idx[:, None] * m + idx[None, :]).ravel()
    sy, sx = np.divmod(np.arange(_SUB * _SUB), _SUB)
    centre = (_SUB - 1) / 2
    block = (sy * w + sx)[np.argsort((sx - centre) ** 2 + (sy - centre) ** 2, kind="stable")]
    near = np.arange(-_RADIUS, _RADIUS + 1)
    dilate = (near[:, None] * w + near[None, :]).ravel()
    tables = (blocked.ravel(), cell_of, block, dilate)
    for t in tables:
        t.flags.writeable = False
    return tables


def _exit_fraction(a: complex, b: complex, lo: float, hi: float) -> float:
    """Fraction of the segment from ``a`` (inside the square [lo, hi]²) to ``b`` inside it."""
    t = 1.0
    for pa, pb in ((a.real, b.real), (a.imag, b.imag)):
        if pb < lo:
            t = min(t, (lo - pa) / (pb - pa))
        elif pb > hi:
            t = min(t, (hi - pa) / (pb - pa))
    return t


def _along(before: complex | None, a: complex, b: complex, frac: float) -> complex:
    """The point ``frac`` of the way along the step from ``a`` to ``b``, on the arc.

    The step's chord cuts the curve; the point on a circular arc through ``a`` and ``b``
    whose turn per step is that from the previous step (``before`` -> ``a``) lies off the
    chord by an angle ``(1 - frac) turn / 2`` (a partial chord on the chord would be off
    the flow by up to half the turn of a step).
    """
    chord = b - a
    if before is None or chord == 0 or a == before:
        return a + frac * chord
    turn = cmath.phase(chord / (a - before))
    turn = min(max(turn, -0.6), 0.6)
    return a + frac * chord * cmath.exp(-0.5j * (1 - frac) * turn)


@functools.lru_cache(maxsize=8)
def _spiral_order(m: int) -> np.ndarray:
    """Cells of an m × m grid (flat index ``iy * m + ix``) from the border inwards.

    Read-only: cached.
    """
    iy, ix = np.divmod(np.arange(m * m), m)
    ring = np.minimum(np.minimum(ix, iy), np.minimum(m - 1 - ix, m - 1 - iy))
    side = m - 1 - 2 * ring  # edge length of the ring
    lo, hi = ring, m - 1 - ring
    pos = np.select(
        [iy == lo, ix == hi, iy == hi],
        [ix - lo, side + iy - lo, 2 * side + hi - ix],
        3 * side + hi - iy,
    )
    order = np.lexsort((pos, ring))
    order.flags.writeable = False
    return order


def _assemble(
    lines: list[np.ndarray],
    xs: np.ndarray,
    ys: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    tracer: _Tracer,
    arrow_spacing: float,
    digits: int | None,
) -> Streamlines:
    """Concatenate the lines in data units, with speeds and arrows."""
    n_lines = len(lines)
    field_evals = u.size
    if not n_lines:
        e = np.empty(0)
        return Streamlines(e, e, e, e, e, e, 0, np.empty(0, np.intp), field_evals)
    nan = np.array([complex(np.nan, np.nan)])
    q = np.concatenate([part for line in lines for part in (line, nan)])
    f = tracer.f
    # Clipped: a vertex run on to the border may overshoot it by a rounding error.
    x = np.clip(xs[0] + (q.real - _PAD) * (tracer.span[0] / f), xs[0], xs[-1])
    y = np.clip(ys[0] + (q.imag - _PAD) * (tracer.span[1] / f), ys[0], ys[-1])
    rx, ry = x, y  # rounded, for the output (3 digits at least: no line may collapse)
    if digits is not None:
        digits = max(3, digits)
        # Clipped again: rounding may step over the border.
        rx = np.clip(_round(x, tracer.span[0], digits), xs[0], xs[-1])
        ry = np.clip(_round(y, tracer.span[1], digits), ys[0], ys[-1])
    # Drop repeated vertices (rounding, or a vertex already on the border): a segment of
    # length zero has no direction.  NaN != NaN keeps the separators.
    keep = np.ones(len(x), bool)
    keep[1:] = (rx[1:] != rx[:-1]) | (ry[1:] != ry[:-1])
    x, y, rx, ry, q = x[keep], y[keep], rx[keep], ry[keep], q[keep]
    seps = np.flatnonzero(np.isnan(x))
    starts = np.concatenate([[0], seps[:-1] + 1])
    sizes = seps - starts

    # Speed at the vertices, bilinear in the samples (no further field evaluations).
    with np.errstate(all="ignore"):
        sp = np.hypot(u, v)
    speed = _bilinear(np.where(np.isfinite(sp), sp, 0.0), (q - _PAD) * tracer.scale)

    # Arrows at (j + 1/2) / n of each line's arc length, n = max(1, length / spacing).
    seg = np.hypot(np.diff(x), np.diff(y))
    seg[np.isnan(seg)] = 0.0
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    ends = starts + sizes - 1
    total = arc[ends] - arc[starts]
    n_arrows = np.maximum(1, np.round(total / (arrow_spacing * max(tracer.span))))
    n_arrows = n_arrows.astype(np.intp)
    which = np.repeat(np.arange(n_lines), n_arrows)
    rank = np.arange(len(which)) - np.repeat(np.cumsum(n_arrows) - n_arrows, n_arrows)
    target = arc[starts[which]] + total[which] * (rank + 0.5) / n_arrows[which]
    j = np.clip(np.searchsorted(arc, target, side="right"), starts[which] + 1, ends[which])
    frac = np.clip((target - arc[j - 1]) / np.maximum(seg[j - 1], 1e-300), 0.0, 1.0)
    arrow_x = x[j - 1] + frac * (x[j] - x[j - 1])
    arrow_y = y[j - 1] + frac * (y[j] - y[j - 1])
    # Plotly: 0° points up, clockwise positive, i.e. atan2(dx, dy).
    angle = np.degrees(np.arctan2(x[j] - x[j - 1], y[j] - y[j - 1]))

    if digits is not None:
        arrow_x = np.clip(_round(arrow_x, tracer.span[0], digits), xs[0], xs[-1])
        arrow_y = np.clip(_round(arrow_y, tracer.span[1], digits), ys[0], ys[-1])
        speed = _round(speed, float(np.nanmax(speed)), digits)
        angle = np.round(angle, 1)
    return Streamlines(rx, ry, speed, arrow_x, arrow_y, angle, n_lines, starts, field_evals)


def _bilinear(values: np.ndarray, gq: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of ``values[iy, ix]`` at grid positions ``gq``; NaN stays."""
    g = values.shape[0]
    ok = ~np.isnan(gq)
    p = np.where(ok, gq, 0)
    px = np.clip(p.real, 0, g - 1)
    py = np.clip(p.imag, 0, g - 1)
    i = np.minimum(px.astype(np.intp), g - 2)
    j = np.minimum(py.astype(np.intp), g - 2)
    fx, fy = px - i, py - j
    lower = values[j, i] + fx * (values[j, i + 1] - values[j, i])
    upper = values[j + 1, i] + fx * (values[j + 1, i + 1] - values[j + 1, i])
    out = lower + fy * (upper - lower)
    out[~ok] = np.nan
    return out


def _round(a: np.ndarray, scale: float, digits: int) -> np.ndarray:
    """Round to ``digits`` significant digits of ``scale``."""
    if not 1e-250 < scale < 1e250:  # (10**decimals would overflow)
        return a
    return np.round(a, digits - 1 - int(np.floor(np.log10(scale))))
