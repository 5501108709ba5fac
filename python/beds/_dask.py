"""dask arrays in beds: every kernel, lazy and validated.

A validated function given a dask array returns dask arrays: nothing is computed until the user
computes the result.  Each kernel runs block by block through :func:`dask.array.apply_gufunc`
(which also takes the kernels with several outputs, for which dask's ``__array_ufunc__`` returns
NotImplemented) with the signature of its declaration: element-wise kernels see any chunking; the
core dimensions of a gufunc (the classes of a Categorical, the d of a DiagNormal or an MVNormal,
the n of a Karcher mean) are gathered into one chunk first (``allow_rechunk=True``).

Validation is lazy but never skipped: each dask argument gets a check per block (the compiled
domain check of :func:`beds._validation.check_domain`) that the kernel's blocks depend on, so a bad
value raises, when the graph is computed, the same ValueError naming the argument as for numpy
input, with the index of the element in the whole array.  numpy arguments of the same call are
checked at once.  dask is imported only when a dask array is seen.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np

from ._validation import (
    DOMAIN_CODES,
    REAL_DTYPES,
    _first_invalid,
    _shape_message,
    as_real_array,
    call_checked,
    check_domain,
    common_float_dtype,
    domain_error,
)

__all__ = [
    "as_dask",
    "broadcast_arrays",
    "call_kernel",
    "call_ufunc",
    "checked",
    "init_belief",
    "init_tangent",
    "is_dask_array",
    "karcher_weights",
    "lazy_or_real",
    "not_converged_message",
]

#: number of trailing axes a domain checks together (rows of classes, matrices)
_EVENT_AXES = {"probs": 1, "probs_interior": 1, "tangent_probs": 1, "spd": 2, "symmetric": 2}


def is_dask_array(v: Any) -> bool:
    """True for a ``dask.array.Array`` (without importing dask)."""
    da = sys.modules.get("dask.array")
    return da is not None and isinstance(v, da.Array)


# ------------------------------------------------------------------------------ validation
def _check_block(block: np.ndarray, name: str, domain: str, lead: int, block_info: Any = None) -> np.ndarray:
    """The domain check of one block; the index in the message is the element's index in the whole
    array (shifted by the block's offset), preceded by ``lead`` zeros (the axes broadcasting adds)."""
    offset = [loc[0] for loc in block_info[0]["array-location"]] if block_info else [0] * np.ndim(block)
    a = np.asarray(block)
    if domain in DOMAIN_CODES and a.size and a.dtype.kind == "f":
        found = _first_invalid(a, DOMAIN_CODES[domain])
        if found is not None and found is not NotImplemented:
            kind, idx = found
            at = (0,) * lead + tuple(int(i) + int(o) for i, o in zip(idx, offset))
            raise domain_error(name, a, domain, kind, idx, at)
        if found is None:
            return block
    check_domain(name, a, domain, offset=[0] * lead + list(offset))
    return block


def checked(a: Any, name: str, domain: str, lead: int = 0) -> Any:
    """The dask array ``a`` with the check of ``domain`` on each block (lazy: it runs when a block
    is computed and raises the ValueError naming ``name``).  Domains over the last axes (classes,
    matrices) need those axes in one chunk: they are rechunked first."""
    ev = _EVENT_AXES.get(domain, 0)
    if ev and a.ndim >= ev and any(len(c) > 1 for c in a.chunks[a.ndim - ev :]):
        a = a.rechunk({i: -1 for i in range(a.ndim - ev, a.ndim)})
    meta = np.empty((0,) * a.ndim, dtype=a.dtype)
    return a.map_blocks(partial(_check_block, name=name, domain=domain, lead=lead), dtype=a.dtype, meta=meta)


def _real_dask(v: Any, name: str) -> Any:
    if v.dtype.kind not in "iuf" or v.dtype.itemsize > 8:
        raise TypeError(f"{name} must be an array of real numbers, got dtype {v.dtype} (supported: {REAL_DTYPES})")
    return v


# ------------------------------------------------------------------------------- kernels
class _Block:
    """The kernel on one block of each argument (numpy arrays), validated like a numpy call;
    ``warn`` is the ConvergenceWarning message (a format string with ``{bad}``, the count) when the
    last output (iteration counts) has a negative entry."""

    def __init__(self, ufunc: np.ufunc, names: Sequence[str], domains: Sequence[str], core: Sequence[int],
                 on_domain_error: str | None, warn: str | None) -> None:  # fmt: skip
        self.ufunc, self.names, self.domains, self.core = ufunc, tuple(names), tuple(domains), tuple(core)
        self.on_domain_error, self.warn = on_domain_error, warn

    def __reduce__(self) -> tuple:
        # ufuncs pickle by name (numpy looks them up in beds._core), so workers rebuild this from beds
        return (_Block, (self.ufunc, self.names, self.domains, self.core, self.on_domain_error, self.warn))

    def __call__(self, *blocks: Any) -> Any:
        args = [np.asarray(b) for b in blocks]
        result = call_checked(
            self.ufunc, args, self.names, self.domains, core_ndims=self.core, on_domain_error=self.on_domain_error
        )
        if self.warn is not None:
            bad = int(np.count_nonzero(np.asarray(result[-1]) < 0))
            if bad:
                from ._belief import ConvergenceWarning

                warnings.warn(self.warn.format(bad=bad), ConvergenceWarning, stacklevel=2)
        return result


def _signature(ufunc: np.ufunc) -> str:
    if ufunc.signature is not None:
        return ufunc.signature
    return ",".join(["()"] * ufunc.nin) + "->" + ",".join(["()"] * ufunc.nout)


def _parse_core(signature: str) -> tuple[list[list[str]], list[list[str]]]:
    ins, outs = signature.split("->")

    def ops(text: str) -> list[list[str]]:
        return [[d for d in op.strip("()").split(",") if d] for op in text.split("),(")] if text else []

    return ops(ins), ops(outs)


def _check_shapes(ufunc: np.ufunc, args: Sequence[Any], names: Sequence[str], signature: str) -> None:
    """The shape errors of a numpy call, with the same messages, before the graph is built."""
    core_dims, _ = _parse_core(signature)
    core = [len(c) for c in core_dims]
    sizes: dict[str, int] = {}
    loops = []
    ok = True
    for a, c, dims in zip(args, core, core_dims):
        shape = np.shape(a)
        if len(shape) < c:
            ok = False
            break
        for d, n in zip(dims, shape[len(shape) - c :]):
            ok = ok and sizes.setdefault(d, n) == n
        loops.append(shape[: len(shape) - c])
    if ok:
        try:
            np.broadcast_shapes(*loops)
            return
        except ValueError:
            pass
    # numpy's own message, from the ufunc called on zero-stride stand-ins (it fails before any work)
    stand_ins = [np.broadcast_to(np.zeros((), dtype=a.dtype), np.shape(a)) for a in args]
    try:
        with np.errstate(all="ignore"):
            ufunc(*stand_ins)
        msg = "shapes do not broadcast"
    except ValueError as e:
        msg = str(e)
    raise ValueError(_shape_message(args, names, core, msg))


def _last_output(kernel: str) -> str | None:
    """The name of the last output of ``kernel`` in its declaration (None for other ufuncs)."""
    from ._kernels import KERNELS

    k = KERNELS.get(kernel)
    return k.outputs[-1].name if k is not None else None


def call_ufunc(
    ufunc: np.ufunc,
    values: Sequence[Any],
    names: Sequence[str],
    domains: Sequence[str],
    core: Sequence[int] | None = None,
    on_domain_error: str | None = None,
    warn: str | None = None,
) -> Any:
    """``ufunc(*values)`` with dask arrays among the values: lazy results (a tuple for several
    outputs), each dask argument checked block by block, numpy arguments checked now."""
    import dask.array as da

    signature = _signature(ufunc)
    args = []
    for v, n, d in zip(values, names, domains):
        if is_dask_array(v):
            args.append(checked(_real_dask(v, n), n, d))
        else:
            a = as_real_array(v, n)
            check_domain(n, a, d)
            args.append(a)
    _check_shapes(ufunc, args, names, signature)
    dtypes = ufunc.resolve_dtypes(tuple(np.dtype(a.dtype) for a in args) + (None,) * ufunc.nout)[ufunc.nin :]
    core_ndims = [len(c) for c in _parse_core(signature)[0]] if core is None else list(core)
    if warn is None and _last_output(ufunc.__name__) == "iterations":
        warn = ufunc.__name__ + ": {bad} element(s) did not converge (in one block of a dask array)"
    block = _Block(ufunc, names, domains, core_ndims, on_domain_error, warn)
    return da.apply_gufunc(
        block,
        signature,
        *args,
        output_dtypes=dtypes if ufunc.nout > 1 else dtypes[0],
        allow_rechunk=True,
        vectorize=False,
    )


def call_kernel(
    name: str,
    values: Sequence[Any],
    *,
    out: Any = None,
    on_domain_error: str | None = None,
    precheck: Any = None,
    warn: str | None = None,
) -> Any:
    """:func:`beds._kernels.call_kernel` with dask arrays among the values (lazy; see the module)."""
    from ._kernels import _CALLS

    if out is not None:
        raise TypeError("out= is not supported with dask arrays (the results are lazy dask arrays)")
    uf, names, domains, core = _CALLS[name]
    if precheck is not None:
        precheck([v if is_dask_array(v) else as_real_array(v, n) for v, n in zip(values, names)], names, core)
    return call_ufunc(uf, values, names, domains, core, on_domain_error, warn)


# ------------------------------------------------------------------------------- beliefs
def init_belief(cls: Any, values: Sequence[Any], validate: bool) -> tuple[tuple[Any, ...], tuple[int, ...]]:
    """The parameters and the batch shape of a belief built from dask arrays (some of the values):
    the dtype promotion and broadcasting of the numpy constructor, and the parameters checked
    block by block when they are computed (nothing is computed here)."""
    import dask.array as da

    arrays = []
    for v, n in zip(values, cls.params):
        arrays.append(_real_dask(v, n) if is_dask_array(v) else as_real_array(v, n))
    strong = [a for a, v in zip(arrays, values) if not isinstance(v, (int, float)) or isinstance(v, bool)]
    dtype = common_float_dtype(*(strong or arrays))
    arrays = [a.astype(dtype) if a.dtype != dtype else a for a in arrays]
    ev = cls._param_event_ndims()
    for a, n, e in zip(arrays, cls.params, ev):
        if a.ndim < e:
            if cls.event_ndims is None:
                raise ValueError(f"{' and '.join(cls.params)} need a last axis over coordinates/classes, got scalars")
            raise ValueError(f"{n} needs at least {e} dimension(s) (its event axes), got shape {a.shape}")
    batches = [a.shape[: a.ndim - e] for a, e in zip(arrays, ev)]
    try:
        if cls.event_ndims is None:
            shape = np.broadcast_shapes(*(a.shape for a in arrays))
            batch = shape[: len(shape) - ev[0]]
        else:
            batch = np.broadcast_shapes(*batches)
    except ValueError:
        desc = ", ".join(f"{n} {a.shape}" for n, a in zip(cls.params, arrays))
        what = "parameter shapes" if cls.event_ndims is None else "parameter batch shapes"
        raise ValueError(f"{what} do not broadcast: {desc}") from None
    out = []
    for a, v, n, d, e in zip(arrays, values, cls.params, cls.domains, ev):
        full = tuple(batch) + a.shape[a.ndim - e :]
        if validate and 0 not in full:  # an empty batch has nothing to check (as for numpy input)
            if is_dask_array(v):
                a = checked(a, n, d, lead=len(full) - a.ndim)
            else:  # numpy input: checked now, indices in the broadcast batch
                check_domain(n, np.broadcast_to(np.asarray(a), full), d)
        a = da.asarray(a)
        out.append(a if a.shape == full else da.broadcast_to(a, full))
    return tuple(out), tuple(batch)


# --------------------------------------------------------------------------- Karcher means
def _check_weights_block(block: np.ndarray, block_info: Any = None) -> np.ndarray:
    """The checks of :func:`beds._validation.karcher_weights` on a block holding whole rows."""
    offset = [loc[0] for loc in block_info[0]["array-location"]] if block_info else None
    a = np.asarray(block)
    check_domain("weights", a, "nonnegative", offset=offset)
    if a.size and not (a.sum(axis=-1) > 0).all():
        raise ValueError("weights must have a positive sum over the reduced axes")
    return block


def karcher_weights(weights: Any, like: Any, dtype: Any) -> Any:
    """The weights of a Karcher mean over the last axis of the dask array ``like``: ones when None,
    otherwise broadcast to its shape and checked lazily (>= 0, a positive sum over the last axis),
    the messages of :func:`beds._validation.karcher_weights`."""
    import dask.array as da

    if weights is None:
        return da.ones(like.shape, dtype=dtype, chunks=like.chunks)
    w = _real_dask(weights, "weights") if is_dask_array(weights) else as_real_array(weights, "weights")
    try:
        np.broadcast_shapes(w.shape, like.shape)
        if np.broadcast_shapes(w.shape, like.shape) != like.shape:
            raise ValueError
    except ValueError:
        raise ValueError(f"weights of shape {w.shape} do not broadcast to {like.shape}") from None
    w = da.broadcast_to(da.asarray(w), like.shape).rechunk(like.chunks[:-1] + (-1,))
    return w.map_blocks(_check_weights_block, dtype=w.dtype, meta=np.empty((0,) * w.ndim, dtype=w.dtype))


def not_converged_message(max_iter: int) -> str:
    """The ConvergenceWarning of a Karcher mean computed block by block (``{bad}``: the count)."""
    return "karcher_mean: {bad} mean(s) did not converge in max_iter=%d iterations (in one block)" % int(max_iter)


# ------------------------------------------------------------------------- small helpers
def lazy_or_real(v: Any, name: str) -> Any:
    """A dask array as it is (real dtype checked), anything else as a real numpy array."""
    return _real_dask(v, name) if is_dask_array(v) else as_real_array(v, name)


def broadcast_arrays(*arrays: Any) -> list[Any]:
    """``np.broadcast_arrays`` of numpy arrays, ``dask.array.broadcast_arrays`` when one is lazy."""
    if any(is_dask_array(a) for a in arrays):
        import dask.array as da

        return list(da.broadcast_arrays(*arrays))
    return list(np.broadcast_arrays(*arrays))


def as_dask(a: Any) -> Any:
    """``a`` as a dask array (numpy arrays become one chunk)."""
    import dask.array as da

    return a if is_dask_array(a) else da.asarray(a)


def init_tangent(base: Any, values: Sequence[Any]) -> tuple[Any, ...]:
    """The components of a tangent vector at ``base`` when a component or the base is lazy:
    converted to the base's dtype, broadcast to its parameter shapes, checked block by block."""
    import dask.array as da

    comps = []
    for v, n, p, d in zip(values, base.params, base._p, base.tangent_domains):
        a = lazy_or_real(v, n)
        try:
            np.broadcast_shapes(a.shape, p.shape)
            if np.broadcast_shapes(a.shape, p.shape) != p.shape:
                raise ValueError
        except ValueError:
            desc = ", ".join(f"{nn} {np.shape(vv)}" for nn, vv in zip(base.params, values))
            shapes = ", ".join(f"{nn} {pp.shape}" for nn, pp in zip(base.params, base._p))
            msg = f"tangent components {desc} do not broadcast to the base's parameter shapes {shapes}"
            raise ValueError(msg) from None
        if is_dask_array(a):
            a = checked(a.astype(base.dtype), n, d, lead=len(p.shape) - a.ndim)
        else:
            a = a.astype(base.dtype, copy=False)
            check_domain(n, np.broadcast_to(a, p.shape), d)
            a = da.asarray(a)
        comps.append(a if a.shape == p.shape else da.broadcast_to(a, p.shape))
    return tuple(comps)
