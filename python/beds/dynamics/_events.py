"""Reading an observation stream for :meth:`beds.System.integrate` (every kind)."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .._validation import check_domain
from ._common import bcast, f64, scalar_time


class Events(NamedTuple):
    """A coerced observation stream: event times, flat belief indices, values and precisions, the
    record times and the end time."""

    times: np.ndarray
    index: np.ndarray
    values: np.ndarray
    precisions: np.ndarray
    record: np.ndarray
    t_end: float


def read_events(
    t0: float,
    batch_shape: tuple[int, ...],
    event_shape: tuple[int, ...],
    matrices: bool,
    times: Any,
    index: Any,
    values: Any,
    precisions: Any,
    record: Any,
    t_end: Any,
    full: bool,
) -> Events:
    """Coerces the event arrays (no copy of float64 / int64 input).

    ``event_shape`` is the shape of one value (``()`` for the scalar kinds, ``(d,)`` otherwise);
    ``matrices``: precisions may be ``(d, d)`` matrices (full-covariance beliefs).  The element
    checks (finite, sorted, in range, precision >= 0) are done by the compiled loop of the scalar
    kinds; ``full=True`` repeats them here to raise an error that names the argument (the kinds
    with an event shape, whose events are expanded or looped over in Python, are always checked).
    """
    scalar = event_shape == ()
    dim = event_shape[0] if event_shape else 1
    t = f64(times, "times")
    if t.ndim != 1:
        raise ValueError(f"times must be one-dimensional, got shape {t.shape}")
    m = t.shape[0]
    idx = np.asarray(index)
    if idx.dtype.kind not in "iu":
        if idx.dtype.kind == "f" and idx.size == 0:
            idx = idx.astype(np.int64)
        else:
            raise TypeError(f"index must be an array of integers, got dtype {idx.dtype}")
    idx = np.broadcast_to(idx, (m,)) if idx.ndim == 0 else idx
    if idx.shape != (m,):
        raise ValueError(f"index must have shape ({m},) like times, got {idx.shape}")
    n = int(np.prod(batch_shape, dtype=np.int64))
    idx = idx.astype(np.int64, copy=False)
    v = f64(values, "values")
    r = f64(precisions, "precisions")
    # full Gaussians: (m, d, d) or (1, d, d) matrices, a shared (d, d) matrix (unless m == d: then a 2-D
    # array is read as per-event vectors (m, d)), vectors (m, d) or (d,) (diagonal), or a scalar (times I)
    matrix = matrices and r.ndim >= 2 and r.shape[-2:] == (dim, dim) and (r.ndim != 2 or m != dim)
    # scalars stay scalars for the scalar kinds (the loop broadcasts them with stride 0)
    if not (scalar and v.ndim == 0):
        v = bcast(v, (m,) + event_shape, "values")
    if matrix:
        r = bcast(r, (m, dim, dim), "precisions")
    elif not (scalar and r.ndim == 0):
        r = bcast(r, (m,) + event_shape, "precisions")
    if full:
        check_domain("times", t, "real")
        if m and not (t[0] >= t0):
            raise ValueError(f"times must be >= the system time t = {t0}; found {t[0]!r} at index 0")
        if m > 1:
            bad = np.flatnonzero(~(np.diff(t) >= 0))
            if bad.size:
                raise ValueError(
                    f"times must be sorted (nondecreasing); times[{bad[0] + 1}] = {t[bad[0] + 1]!r} "
                    f"< times[{bad[0]}] = {t[bad[0]]!r}"
                )
        if m and (idx.min() < 0 or idx.max() >= n):
            k = int(np.flatnonzero((idx < 0) | (idx >= n))[0])
            raise ValueError(f"index out of range [0, {n}): index[{k}] = {int(idx[k])}")
        check_domain("values", v, "real")
        check_domain("precisions", r, "real" if matrix else "nonnegative")
        if matrix and m:
            rr = r[:1] if r.strides[0] == 0 else r
            if not np.allclose(rr, np.swapaxes(rr, -1, -2), rtol=1e-10, atol=0.0):
                raise ValueError("precisions must be symmetric matrices")
            lo = np.linalg.eigvalsh(rr).min(axis=-1)
            bad = np.flatnonzero(lo < -1e-12 * np.abs(rr).max(axis=(-1, -2)))
            if bad.size:
                raise ValueError(
                    f"precisions must be positive semi-definite; precisions[{bad[0]}] has eigenvalue {lo[bad[0]]!r}"
                )
    elif not scalar:
        # these kinds expand or loop over the events in Python: check them up front
        return read_events(
            t0, batch_shape, event_shape, matrices, times, index, values, precisions, record, t_end, True
        )
    if m and not full and not math.isfinite(t[-1]):
        return read_events(
            t0, batch_shape, event_shape, matrices, times, index, values, precisions, record, t_end, True
        )
    rec, te = read_record(t0, float(t[-1]) if m else None, record, t_end)
    if m and not scalar and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"index out of range [0, {n})")
    return Events(t, idx, v, r, rec, te)


def read_record(t0: float, last: float | None, record: Any, t_end: Any) -> tuple[np.ndarray, float]:
    """The record times and the end time of a stream whose last observation is at ``last`` (None:
    no observation): ``record`` defaults to ``[t_end]``, ``t_end`` to the last observation or record
    time."""
    rec = np.atleast_1d(f64(record if record is not None else np.nan, "record"))
    if rec.ndim != 1:
        raise ValueError(f"record must be one-dimensional, got shape {rec.shape}")
    if t_end is None:
        cand = [t0] + ([last] if last is not None else [])
        te = max(cand + ([float(np.max(rec))] if record is not None and rec.size else []))
    else:
        te = scalar_time(t_end, "t_end")
    if record is None:
        rec = np.array([te])
    check_domain("record", rec, "real")
    if rec.size and (rec[0] < t0 or (rec.size > 1 and not (np.diff(rec) >= 0).all())):
        raise ValueError("record times must be sorted (nondecreasing) and >= the system time t")
    last = max([t0] + ([last] if last is not None else []) + ([float(rec[-1])] if rec.size else []))
    if not (te >= last):
        raise ValueError(f"t_end = {te} is before the last event or record time {last}")
    return rec, te


def read_times(t0: float, times: Any) -> np.ndarray:
    """Observation times: one-dimensional, finite, nondecreasing and >= ``t0`` (errors name ``times``)."""
    t = f64(times, "times")
    if t.ndim != 1:
        raise ValueError(f"times must be one-dimensional, got shape {t.shape}")
    check_domain("times", t, "real")
    if t.size and not (t[0] >= t0):
        raise ValueError(f"times must be >= the system time t = {t0}; found {t[0]!r} at index 0")
    if t.size > 1:
        bad = np.flatnonzero(~(np.diff(t) >= 0))
        if bad.size:
            raise ValueError(
                f"times must be sorted (nondecreasing); times[{bad[0] + 1}] = {t[bad[0] + 1]!r} "
                f"< times[{bad[0]}] = {t[bad[0]]!r}"
            )
    return t


# ----------------------------------------------------------------------------- dense streams
class Dense(NamedTuple):
    """A coerced dense stream: every belief observed at each of ``times`` (shape ``(steps,)``).

    ``values`` and ``precisions`` are read-only broadcast views of shape ``(steps,) + batch_shape +
    event_shape`` (precisions of full-covariance beliefs: ``(steps,) + batch_shape + (d, d)`` when
    they are matrices); the element checks (finite values, precisions >= 0) are left to the
    compiled loop, or to :func:`check_dense`."""

    times: np.ndarray
    values: np.ndarray
    precisions: np.ndarray
    record: np.ndarray
    t_end: float


def _bcast_steps(a: np.ndarray, shape: tuple[int, ...], name: str) -> np.ndarray:
    """``a`` broadcast to ``shape = (steps,) + ...``; the error names the argument and, for a vector of
    one entry per step, shows the shape that gives one per step."""
    try:
        return np.broadcast_to(a, shape)
    except ValueError:
        hint = ""
        if a.ndim == 1 and a.shape[0] == shape[0] and len(shape) > 1:
            one = (shape[0],) + (1,) * (len(shape) - 1)
            hint = f" (for one value per step give shape {one}: numpy broadcasting aligns the last axes)"
        raise ValueError(f"{name} of shape {a.shape} does not broadcast to {shape}{hint}") from None


def read_dense(
    t0: float,
    batch_shape: tuple[int, ...],
    event_shape: tuple[int, ...],
    matrices: bool,
    times: Any,
    values: Any,
    precisions: Any,
    record: Any,
    t_end: Any,
) -> Dense:
    """Coerces a dense stream (no copy of float64 input): ``times`` of shape ``(steps,)`` (checked
    here: finite, nondecreasing, >= ``t0``), values and precisions broadcast to ``(steps,) +
    batch_shape + event_shape``; for full-covariance beliefs (``matrices``) precisions whose last
    two axes are ``(d, d)`` are matrices, others diagonals or scalars."""
    t = read_times(t0, times)
    steps = t.shape[0]
    full = (steps,) + tuple(batch_shape) + tuple(event_shape)
    v = _bcast_steps(f64(values, "values"), full, "values")
    r = f64(precisions, "precisions")
    dim = event_shape[0] if event_shape else 1
    if matrices and r.ndim >= 2 and r.shape[-2:] == (dim, dim):
        r = _bcast_steps(r, full + (dim,), "precisions")
    else:
        r = _bcast_steps(r, full, "precisions")
    rec, te = read_record(t0, float(t[-1]) if steps else None, record, t_end)
    return Dense(t, v, r, rec, te)


def check_dense(dense: Dense) -> None:
    """Raises the error naming the argument for a bad value or precision of a dense stream."""
    check_domain("values", dense.values, "real")
    check_domain("precisions", dense.precisions, "nonnegative")


def expand_dense(
    dense: Dense, t0: float, batch_shape: tuple[int, ...], event_shape: tuple[int, ...], matrices: bool
) -> Events:
    """The event stream of a dense stream: at each time, beliefs 0, 1, ..., n - 1 in flat C order
    (values and precisions reshaped without a copy where their layout allows it).  Read through
    :func:`read_events`, which checks every element (the kinds that use this expand their events
    in Python anyway)."""
    steps = dense.times.shape[0]
    n = int(np.prod(batch_shape, dtype=np.int64))
    m = steps * n
    times = np.repeat(dense.times, n)
    index = np.tile(np.arange(n, dtype=np.int64), steps)
    v = dense.values.reshape((m,) + tuple(event_shape))
    r = dense.precisions
    dim = event_shape[0] if event_shape else 1
    r = r.reshape((m,) + r.shape[1 + len(batch_shape) :])
    if matrices and r.ndim == 2 and m == dim:
        # read_events reads an (m, d) array with m == d as one matrix: give the diagonal matrices
        r = r[..., :, None] * np.eye(dim)
    return read_events(t0, batch_shape, event_shape, matrices, times, index, v, r, dense.record, dense.t_end, True)


def drop_frozen(ev: Events, frozen: np.ndarray) -> Events:
    """The stream without the events of crystallized (frozen) beliefs."""
    if not (frozen.any() and ev.times.shape[0]):
        return ev
    keep = ~frozen.reshape(-1)[ev.index]
    v, r = ev.values, ev.precisions
    return ev._replace(
        times=ev.times[keep], index=ev.index[keep], values=v[keep] if v.ndim else v, precisions=r[keep] if r.ndim else r
    )
