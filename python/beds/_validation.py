"""Argument checking shared by every family.

The compiled ufuncs check their domain themselves, element by element, inside the vectorized
loops (an out-of-domain element gives NaN and raises the floating-point "invalid" flag, exactly like
``np.log(-1)``).  The Python layer calls them under ``np.errstate(..., invalid="raise")``: valid
input therefore costs nothing extra, and on an error we look at the arguments once more to raise a
``ValueError`` that names the offending argument and element.

Small calls must stay cheap (a call on ten beliefs costs about as much as the ufunc itself), so
the checks run only where they are needed: a validated call enters ``np.errstate(invalid="raise")``
through numpy's context variable directly (:func:`call_raising`, a fraction of a microsecond) and
looks at the arguments again only when the kernel reported an invalid element; the belief
constructors check their parameters in one compiled pass over each parameter's own array
(``beds._core._first_invalid``: no temporaries, broadcast views cost what the array they were made
from costs).

This module is longer than the project's 500-line guideline because it holds the domain checks and
their messages for every family, kept in one place so that every error names its argument the same
way; about 400 of its lines are code, the rest documentation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _core

__all__ = [
    "DOMAIN_CODES",
    "PROB_SUM_TOL",
    "SYM_TOL",
    "TANGENT_SUM_FLOOR",
    "TANGENT_SUM_TOL",
    "as_real_array",
    "as_tuple",
    "call_checked",
    "call_raising",
    "check_broadcast",
    "check_domain",
    "check_finite_result",
    "domain_error",
    "check_iterations",
    "int_scalar",
    "karcher_weights",
    "real_scalar",
    "reduction_layout",
    "common_float_dtype",
]

#: Tolerance on ``|sum(p) - 1|`` for probability vectors, per dtype of the computation: the values
#: the kernels check (defined once in C++, ``beds._core.PROB_SUM_TOL``).  Loose enough for
#: probabilities rounded to float32 and computed in float64; the kernels renormalise exactly.
PROB_SUM_TOL = {np.dtype(k): v for k, v in _core.PROB_SUM_TOL.items()}
#: Tolerance on ``|sum(v)|`` relative to ``sum(|v|)`` (plus ``TANGENT_SUM_FLOOR``) for categorical
#: tangent vectors.
TANGENT_SUM_TOL = PROB_SUM_TOL
TANGENT_SUM_FLOOR: float = _core.TANGENT_SUM_FLOOR
_F64 = np.dtype(np.float64)

#: the domains that ``beds._core._first_invalid`` checks, by code
DOMAIN_CODES: dict[str, int] = {
    "real": 0,
    "positive": 1,
    "nonnegative": 2,
    "unit_interval": 3,
    "probs": 4,
    "probs_interior": 5,
    "tangent_probs": 6,
}
_first_invalid = _core._first_invalid

# ------------------------------------------------------------------ np.errstate, made cheap
# ``with np.errstate(invalid="raise")`` costs about 1 us, more than a ufunc call on ten elements.
# numpy >= 2 keeps the error state in a context variable: setting it to a precomputed state (the
# current one with invalid="raise", rebuilt whenever the current one changes) and resetting it is
# what np.errstate does, for a tenth of the cost.  Older numpy: np.errstate itself.
try:
    from numpy._core._ufunc_config import _extobj_contextvar as _EXTOBJ
    from numpy._core._ufunc_config import _make_extobj

    _EXTOBJ.get()
except Exception:  # noqa: BLE001 - numpy < 2 or a future layout: the public context manager
    _EXTOBJ = None
    _make_extobj = None

#: (an error state, the same state with invalid="raise"): the last one seen
_RAISING: tuple[Any, Any] = (None, None)


def _raising_state() -> Any:
    global _RAISING
    cur = _EXTOBJ.get()
    last = _RAISING
    if last[0] is cur:
        return last[1]
    state = _make_extobj(invalid="raise")  # the current state with invalid="raise"
    _RAISING = (cur, state)
    return state


def call_raising(ufunc: np.ufunc, args: Sequence[Any], out: Any = None) -> Any:
    """``ufunc(*args, out=out)`` under ``np.errstate(invalid="raise")`` (the caller's other settings
    kept): an out-of-domain element raises FloatingPointError."""
    if _EXTOBJ is None:
        with np.errstate(invalid="raise"):
            return ufunc(*args) if out is None else ufunc(*args, out=out)
    last = _RAISING
    token = _EXTOBJ.set(last[1] if last[0] is _EXTOBJ.get() else _raising_state())
    try:
        return ufunc(*args) if out is None else ufunc(*args, out=out)
    finally:
        _EXTOBJ.reset(token)


#: the dtypes an array of real numbers may have (for the messages)
REAL_DTYPES = "float64, float32, float16, integers"


def as_real_array(x: Any, name: str) -> np.ndarray:
    """``np.asarray(x)`` (no copy), refusing dtypes that are not real numbers.

    Integers, float16, float32 and float64 pass; bools, complex numbers, long doubles (which the
    kernels cannot take without losing their extra precision), strings and objects (among them
    Python integers beyond the int64 range) raise a TypeError naming ``name`` and the supported
    dtypes; a ragged sequence raises a ValueError naming ``name``.
    """
    if x is None:
        raise TypeError(f"{name} is required, got None")
    try:
        a = np.asarray(x)
    except (ValueError, OverflowError) as e:  # ragged nested sequences, for instance
        raise ValueError(f"{name} must be an array of real numbers (supported: {REAL_DTYPES}): {e}") from None
    kind = a.dtype.kind
    if kind not in "iuf" or (kind == "f" and a.dtype.itemsize > 8):
        hint = ""
        if kind == "f" or kind == "c" and a.dtype.itemsize > 16:
            hint = "; convert long doubles with .astype(np.float64)"
        elif kind == "O" and isinstance(x, int) and not isinstance(x, bool):
            hint = "; an integer outside the int64 range"
        raise TypeError(
            f"{name} must be an array of real numbers, got dtype {a.dtype} (supported: {REAL_DTYPES}){hint}"
        )
    return a


def common_float_dtype(*arrays: np.ndarray) -> np.dtype:
    """float32 if every array is float32 or narrower, float64 otherwise (numpy's promotion)."""
    return np.result_type(*[a.dtype for a in arrays], np.float32)


def _prob_tol(a: np.ndarray) -> float:
    return PROB_SUM_TOL.get(a.dtype, PROB_SUM_TOL[_F64])


#: Symmetry tolerance of covariance matrices (relative to sqrt(S_ii S_jj)) and of symmetric tangent
#: matrices (relative to max |B|), per input dtype: the values the kernels check (defined once in
#: C++, ``beds._core.SYM_TOL``); the kernels use (S + S^T) / 2.
SYM_TOL = {np.dtype(k): v for k, v in _core.SYM_TOL.items()}


def _first_failing_cholesky(x: np.ndarray) -> int:
    """Index of the first matrix of the stack x (k, d, d) whose Cholesky factorization fails
    (bisection: O(log k) batched calls), or -1."""
    lo, hi = 0, x.shape[0]
    try:
        np.linalg.cholesky(x[lo:hi])
        return -1
    except np.linalg.LinAlgError:
        pass
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            np.linalg.cholesky(x[lo:mid])
            lo = mid
        except np.linalg.LinAlgError:
            hi = mid
    return lo


#: matrices validated per batched call (bounds the temporaries for huge batches)
_CHUNK_ENTRIES = 1 << 21


def _check_matrix(name: str, a: np.ndarray, domain: str) -> None:
    """``spd``: square, finite, symmetric within SYM_TOL, positive definite; ``symmetric``: square,
    finite, symmetric within SYM_TOL (relative to the largest entry of each matrix).

    Vectorized over the batch, in chunks, on the distinct matrices only (broadcast axes are not
    expanded).  Symmetry is relative to ``sqrt(|S_ii|) sqrt(|S_jj|)`` (no overflow or underflow at
    any scale); positive definiteness by batched Cholesky factorizations of the symmetric parts
    scaled by a power of two (exact) so that subnormal and huge covariances are judged like the
    compiled kernels judge them; the eigenvalue in the message is computed for the failing matrix
    only."""
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{name} must have two trailing axes of equal length (d, d), got shape {a.shape}")
    if a.shape[-1] == 0:
        raise ValueError(f"{name} must have d >= 1, got shape {a.shape}")
    if a.size == 0:
        return
    tol = SYM_TOL.get(a.dtype, SYM_TOL[_F64])
    u = _compact(a, 2)  # the distinct matrices only (broadcast axes cut to length 1)
    d = u.shape[-1]
    batch = u.shape[:-2]
    flat = u.reshape((-1, d, d))
    step = max(1, _CHUNK_ENTRIES // (d * d))
    for start in range(0, flat.shape[0], step):
        x = flat[start : start + step].astype(np.float64)
        xt = np.swapaxes(x, -1, -2)
        with np.errstate(over="ignore"):  # |x - x^T| = inf near the largest double: not symmetric
            diff = np.abs(x - xt)
        if domain == "spd":
            r = np.sqrt(np.abs(np.diagonal(x, axis1=-2, axis2=-1)))
            scale = r[..., :, None] * r[..., None, :]
        else:
            scale = np.max(np.abs(x), axis=(-2, -1), keepdims=True)
        bad = ~(diff <= tol * scale)
        if bad.any():
            k, i, j = (int(v) for v in np.argwhere(bad)[0])
            where = tuple(int(v) for v in np.unravel_index(start + k, batch)) if batch else ()
            idx = where + (i, j)
            raise ValueError(
                f"{name} must be symmetric (relative tolerance {tol:g}); "
                f"found {name}{list(idx)} = {x[k, i, j].item()!r} "
                f"but the transposed entry is {x[k, j, i].item()!r}"
            )
        if domain == "spd":
            sym = 0.5 * x + 0.5 * xt  # no overflow near the largest double
            dmax = np.max(np.abs(np.diagonal(sym, axis1=-2, axis2=-1)), axis=-1)
            _, e = np.frexp(dmax)
            k = _first_failing_cholesky(np.ldexp(sym, -e[:, None, None]))
            if k >= 0:
                where = tuple(int(v) for v in np.unravel_index(start + k, batch)) if batch else ()
                ev = np.linalg.eigvalsh(sym[k])
                raise ValueError(
                    f"{name} must be positive definite; the matrix at batch index "
                    f"{where} has smallest eigenvalue {ev[0].item()!r}"
                )


def _index_str(idx: Sequence[int]) -> str:
    return str(tuple(int(i) for i in idx))


def _compact(a: np.ndarray, event_ndim: int) -> np.ndarray:
    """``a`` with its batch axes of stride 0 (broadcast views) cut to length 1: the same values to
    check (an element repeated along such an axis has its first occurrence at index 0 there), and
    no temporaries the size of the broadcast shape."""
    nb = max(a.ndim - event_ndim, 0)
    if a.size == 0 or not any(s == 0 and n > 1 for s, n in zip(a.strides[:nb], a.shape[:nb])):
        return a
    return a[tuple(slice(0, 1) if s == 0 else slice(None) for s in a.strides[:nb])]


def domain_error(name: str, a: np.ndarray, domain: str, kind: int, index: Sequence[int], at: Any = None) -> ValueError:
    """The ValueError naming ``name`` for the violation ``(kind, index)`` that
    ``beds._core._first_invalid`` found in ``a``; ``at`` is the index reported (default ``index``:
    a position in ``a``; the belief constructors report the position in the broadcast batch)."""
    idx = tuple(index)
    shown = _index_str(idx if at is None else at)
    if kind == 0:
        return ValueError(f"{name} must be finite; found {a[idx].item()!r} at index {shown}")
    if kind == 1:
        what = {
            "positive": "must be > 0",
            "probs_interior": "must be > 0",
            "nonnegative": "must be >= 0",
            "probs": "must be >= 0",
            "unit_interval": "must lie in [0, 1]",
        }[domain]
        return ValueError(f"{name} {what}; found {a[idx].item()!r} at index {shown}")
    row = a[idx]
    tol = _prob_tol(a)
    if domain == "tangent_probs":
        return ValueError(
            f"{name} must sum to 0 along the last axis (a tangent vector of the simplex, "
            f"relative tolerance {tol:g}); found sum {row.sum(dtype=np.float64).item()!r} at batch index {shown}"
        )
    return ValueError(
        f"{name} must sum to 1 along the last axis (tolerance {tol:g}); "
        f"found sum {row.sum(dtype=np.float64).item()!r} at batch index {shown}"
    )


def _shift(idx: Sequence[int], offset: Sequence[int] | None) -> tuple[int, ...]:
    """``idx`` moved by ``offset`` (aligned on the leading axes): a position in a block -> in the array."""
    if not offset:
        return tuple(int(i) for i in idx)
    return tuple(int(i) + (int(offset[j]) if j < len(offset) else 0) for j, i in enumerate(idx))


def check_domain(name: str, a: np.ndarray, domain: str, offset: Sequence[int] | None = None) -> None:
    """Raises ValueError naming ``name`` when ``a`` is outside ``domain``.

    Domains: ``real`` (finite), ``positive`` (finite and > 0), ``nonnegative`` (finite and >= 0),
    ``unit_interval`` (in [0, 1]),
    ``probs`` (finite, >= 0, sums to 1 along the last axis), ``probs_interior`` (the same with
    every entry > 0), ``tangent_probs`` (finite, sums to 0 along the last axis), ``spd``
    (covariance matrices over the last two axes: finite, symmetric within SYM_TOL, positive
    definite) and ``symmetric`` (tangent matrices: finite, symmetric within SYM_TOL).

    The message gives the first offending element in C order (first any non-finite element, then
    the first one out of range, then the first row whose sum is off) and its index in ``a``, moved
    by ``offset`` when ``a`` is a block of a larger array (dask).  float32/float64 arrays are
    checked in one compiled pass without temporaries; axes of stride 0 (broadcast views) are never
    expanded.
    """
    a = np.asarray(a)
    if domain in ("spd", "symmetric"):
        a = _compact(a, 2)
        if a.size and not np.isfinite(a).all():
            bad = ~np.isfinite(a)
            where = _index_str(_shift(np.argwhere(bad)[0], offset))
            raise ValueError(f"{name} must be finite; found {a[bad].flat[0].item()!r} at index {where}")
        try:
            _check_matrix(name, a, domain)
        except ValueError as e:
            if not offset or not any(offset):
                raise
            raise ValueError(f"{e} (index within the block at offset {tuple(int(o) for o in offset)})") from None
        return
    if domain in ("probs", "probs_interior", "tangent_probs") and a.ndim and a.shape[-1] == 0:
        raise ValueError(f"{name} must have at least one class along its last axis, got shape {a.shape}")
    if a.size == 0:
        return
    found = _first_invalid(a, DOMAIN_CODES[domain])
    if found is None:
        return
    if found is not NotImplemented:
        kind, idx = found
        raise domain_error(name, a, domain, kind, idx, _shift(idx, offset))
    rows = domain in ("probs", "probs_interior", "tangent_probs")
    _check_domain_numpy(name, _compact(a, 1 if rows else 0), domain, offset)


def _check_domain_numpy(name: str, a: np.ndarray, domain: str, offset: Sequence[int] | None) -> None:
    """check_domain for the arrays that the compiled check does not take (integers, other byte orders)."""

    def first(mask: np.ndarray) -> str:
        idx = np.argwhere(mask)[0]
        return _index_str(_shift(idx, offset)) if idx.size else "()"

    with np.errstate(all="ignore"):
        finite = np.isfinite(a)
        if not finite.all():
            bad = ~finite
            raise ValueError(f"{name} must be finite; found {a[bad].flat[0].item()!r} at index {first(bad)}")
        if domain in ("positive", "probs_interior"):
            bad = ~(a > 0)
            if bad.any():
                raise ValueError(f"{name} must be > 0; found {a[bad].flat[0].item()!r} at index {first(bad)}")
        if domain == "unit_interval":
            bad = ~((a >= 0) & (a <= 1))
            if bad.any():
                raise ValueError(f"{name} must lie in [0, 1]; found {a[bad].flat[0].item()!r} at index {first(bad)}")
        if domain in ("nonnegative", "probs"):
            bad = ~(a >= 0)
            if bad.any():
                raise ValueError(f"{name} must be >= 0; found {a[bad].flat[0].item()!r} at index {first(bad)}")
        if domain in ("probs", "probs_interior"):
            if a.ndim == 0:
                raise ValueError(f"{name} must have a last axis of classes, got a scalar")
            s = a.sum(axis=-1, dtype=np.float64)
            tol = _prob_tol(a)
            bad = ~(np.abs(s - 1.0) <= tol)
            if bad.any():
                raise ValueError(
                    f"{name} must sum to 1 along the last axis (tolerance {tol:g}); "
                    f"found sum {s[bad].flat[0].item()!r} at batch index {first(bad)}"
                )
        if domain == "tangent_probs":
            if a.ndim == 0:
                raise ValueError(f"{name} must have a last axis of classes, got a scalar")
            s = a.sum(axis=-1, dtype=np.float64)
            scale = np.abs(a).sum(axis=-1, dtype=np.float64)
            tol = TANGENT_SUM_TOL.get(a.dtype, TANGENT_SUM_TOL[_F64])
            bad = ~(np.abs(s) <= tol * scale + TANGENT_SUM_FLOOR)
            if bad.any():
                raise ValueError(
                    f"{name} must sum to 0 along the last axis (a tangent vector of the simplex, "
                    f"relative tolerance {tol:g}); found sum {s[bad].flat[0].item()!r} at batch index {first(bad)}"
                )


def call_checked(
    ufunc: np.ufunc,
    args: Sequence[np.ndarray],
    names: Sequence[str],
    domains: Sequence[str],
    out: Any = None,
    core_ndims: Sequence[int] | None = None,
    on_domain_error: str | None = None,
) -> Any:
    """Calls a beds ufunc and turns a domain error into a ValueError naming the argument.

    ``core_ndims`` gives the number of core (trailing) axes of each argument, for the broadcast
    check of gufunc arguments.  ``on_domain_error`` is the message used when every argument is in
    its domain but the operation itself leaves the manifold (e.g. an exp map that crosses the
    boundary of the simplex).
    """
    kwargs = {} if out is None else {"out": out}
    try:
        with np.errstate(invalid="raise"):
            return ufunc(*args, **kwargs)
    except FloatingPointError:
        pass
    except ValueError as e:
        msg = str(e)
        if "broadcast" in msg or "core dimension" in msg or "enough dimensions" in msg:
            raise ValueError(_shape_message(args, names, core_ndims, msg)) from None
        raise
    for a, n, d in zip(args, names, domains):
        check_domain(n, a, d)
    if on_domain_error is not None:
        with np.errstate(invalid="ignore"):
            result = ufunc(*args, **kwargs)
        if any(np.isnan(r).any() for r in as_tuple(result) if np.asarray(r).dtype.kind == "f"):
            raise ValueError(on_domain_error)
        return result
    # Every input is valid, yet the kernel reported an invalid element: a bug, never silent.
    raise RuntimeError(
        f"{ufunc.__name__} flagged an invalid value for inputs that passed validation; "
        "please report this with the inputs"
    )


def _shape_message(args: Sequence[Any], names: Sequence[str], core_ndims: Sequence[int] | None, msg: str) -> str:
    if core_ndims is None:
        core_ndims = [0] * len(args)
    for a, n, c in zip(args, names, core_ndims):
        if np.ndim(a) < c:
            return (
                f"{n} must have at least {c} dimension(s) (a last axis of coordinates/classes), got shape {np.shape(a)}"
            )
    desc = ", ".join(f"{n} {np.shape(a)}" for n, a in zip(names, args))
    return f"shapes do not broadcast: {desc} ({msg})"


def karcher_weights(weights: Any, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """Weights of a Karcher mean over the last axis of ``shape``: ones when None, otherwise
    broadcast to ``shape``, >= 0, with a positive sum over the last axis."""
    if weights is None:
        return np.broadcast_to(np.ones((), dtype=dtype), shape)
    w = as_real_array(weights, "weights")
    try:
        w = np.broadcast_to(w, shape)
    except ValueError:
        raise ValueError(f"weights of shape {w.shape} do not broadcast to {shape}") from None
    check_domain("weights", w, "nonnegative")
    if not (w.sum(axis=-1) > 0).all():
        raise ValueError("weights must have a positive sum over the reduced axes")
    return w


def reduction_layout(
    params: Sequence[np.ndarray],
    event_ndims: Sequence[int],
    batch_shape: tuple[int, ...],
    dtype: Any,
    weights: Any,
    axis: Any,
) -> tuple[list[np.ndarray], np.ndarray, tuple[int, ...]]:
    """Lays out a Karcher mean over batch axes: moves the reduced batch axes (``axis``, all when
    None) of the parameters last, before their event axes, and flattens them into one.

    Returns the parameter arrays of shape kept + (n,) + event, the weights (ones of ``dtype`` when
    None) of shape kept + (n,) and the kept batch shape.
    """
    nb = len(batch_shape)
    if nb == 0:
        raise ValueError("karcher_mean needs a batch of beliefs (batch shape is ())")
    if axis is None:
        axes = tuple(range(nb))
    else:
        raw = axis if isinstance(axis, tuple) else (axis,)
        axes = []
        for a in raw:
            if not isinstance(a, (int, np.integer)) or not -nb <= a < nb:
                raise ValueError(f"axis {a!r} is out of range for batch shape {batch_shape}")
            axes.append(int(a) % nb)
        if len(set(axes)) != len(axes):
            raise ValueError(f"repeated axis in {axis!r}")
        axes = tuple(axes)
    kept = [i for i in range(nb) if i not in axes]
    order = kept + list(axes)
    kept_shape = tuple(batch_shape[i] for i in kept)
    n = int(np.prod([batch_shape[i] for i in axes], dtype=np.int64))
    if n == 0:
        raise ValueError("karcher_mean of an empty batch")
    arrays = []
    for a, e in zip(params, event_ndims):
        t = np.transpose(a, order + list(range(nb, nb + e)))
        arrays.append(t.reshape(kept_shape + (n,) + a.shape[nb:]))
    # checked by the family's karcher_mean (karcher_weights), here only laid out like the beliefs
    if weights is None:
        w = np.ones((), dtype=dtype)
    elif type(weights).__module__.startswith("dask."):
        w = weights  # lazy: checked block by block by the family's karcher_mean
    else:
        w = as_real_array(weights, "weights")
    try:
        w = np.broadcast_to(w, batch_shape)
    except ValueError:
        raise ValueError(f"weights of shape {w.shape} do not broadcast to the batch shape {batch_shape}") from None
    w = np.transpose(w, order).reshape(kept_shape + (n,))
    return arrays, w, kept_shape


#: the largest ``max_iter`` an iterative routine accepts: every iteration loop has a bounded cost
MAX_ITERATIONS = 1_000_000


def check_iterations(tol: Any, max_iter: Any, iter_name: str = "max_iter") -> None:
    """Check the stopping rule of an iterative routine, or raise a ValueError naming the argument.

    ``tol`` a finite real number > 0 (a tolerance below the rounding level cannot be reached: the
    loop then runs ``max_iter`` iterations and reports no convergence); ``max_iter`` an integer
    (not a bool) in ``[1, MAX_ITERATIONS]``, so that no call can iterate without bound.
    ``iter_name`` names the iteration limit in the messages.
    """
    try:
        t = float(tol)
        ok = not isinstance(tol, (bool, str, bytes)) and np.ndim(tol) == 0 and math.isfinite(t) and t > 0
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise ValueError(f"tol must be a positive finite number, got {tol!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ValueError(f"{iter_name} must be a positive integer, got {max_iter!r}")
    if max_iter > MAX_ITERATIONS:
        raise ValueError(
            f"{iter_name} must be at most {MAX_ITERATIONS} (a bound on the cost of a call), got {max_iter!r}"
        )


def real_scalar(x: Any, name: str, domain: str = "real") -> float:
    """A real scalar argument as a Python float, or a TypeError / ValueError naming it.

    ``domain`` as in :func:`check_domain` (``real``: finite; ``positive``; ``nonnegative``;
    ``unit_interval``).  Python and numpy numbers and 0-d arrays pass; bools, strings, complex
    numbers, long doubles and arrays of another shape do not.
    """
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name} must be a real number, got a bool")
    a = as_real_array(x, name)
    if a.ndim != 0:
        raise ValueError(f"{name} must be a scalar, got an array of shape {a.shape}")
    check_domain(name, a, domain)
    return float(a)


def int_scalar(x: Any, name: str, low: int = 1, high: int | None = None) -> int:
    """An integer argument in ``[low, high]`` as a Python int, or a TypeError / ValueError naming it.

    Python and numpy integers pass (not bools, not floats, even integral ones).
    """
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(x).__name__}")
    v = int(x)
    if v < low or (high is not None and v > high):
        rng = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be an integer {rng}, got {v}")
    return v


def check_broadcast(what: str, **arrays: Any) -> tuple[int, ...]:
    """The broadcast shape of the arrays, or a ValueError naming each argument with its shape."""
    try:
        return np.broadcast_shapes(*(np.shape(a) for a in arrays.values()))
    except ValueError:
        desc = ", ".join(f"{k} {np.shape(v)}" for k, v in arrays.items())
        raise ValueError(f"{what}: shapes do not broadcast: {desc}") from None


def check_finite_result(what: str, x: Any, hint: str = "") -> None:
    """Raise a ValueError when a result computed from finite arguments is not finite (overflow).

    ``what`` names the function, ``hint`` says which arguments make the result too large.
    """
    for r in as_tuple(x):
        a = np.asarray(r)
        if a.dtype.kind == "f" and a.size and not np.isfinite(a).all():
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0]) if a.ndim else ()
            raise ValueError(f"{what}: the result is not representable in {a.dtype} (overflow at index {bad}){hint}")


def as_tuple(result: Any) -> tuple:
    return result if isinstance(result, tuple) else (result,)
