"""The compiled kernels as validated Python functions.

Each kernel is declared once, in C++, by a signature such as::

    normal_distance(mean1: real, std1: positive, mean2: real, std2: positive) -> distance

(the argument names used by Python, the domain and the core dimensions of each argument, the
outputs).  The extension module registers the numpy ufunc from it and exports the parsed
declarations as ``beds._core.kernels``.  This module builds the array-level functions of the family
modules from those records, so the names, domains and core dimensions are never restated in
Python: a family module only adds the docstring (and, where needed, the message for an operation
that leaves the manifold).

A validated call costs little more than the ufunc: the arguments are converted only where they
are not arrays already, the kernel runs under ``np.errstate(invalid="raise")`` (entered cheaply,
:func:`beds._validation.call_raising`) and the arguments are examined again only when the kernel
reported an out-of-domain element (to name it).  dask arrays go to :mod:`beds._dask` (lazy, validated
block by block); arrays of other libraries go straight to the ufunc (``__array_ufunc__``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import _core
from ._dask import is_dask_array as _is_dask
from ._validation import _F64, as_real_array, call_checked, call_raising

__all__ = ["KERNELS", "arguments", "array_function", "bind_arguments", "call_kernel", "is_duck_array"]

#: every kernel of ``beds._core`` by name (``beds._core.Kernel`` records)
KERNELS: dict[str, Any] = {k.name: k for k in _core.kernels}

# what a validated call needs, per kernel: the ufunc, argument names, domains, core ranks
_CALLS: dict[str, tuple[np.ufunc, tuple[str, ...], tuple[str, ...], tuple[int, ...]]] = {
    k.name: (
        getattr(_core, k.name),
        tuple(op.name for op in k.inputs),
        tuple(op.domain for op in k.inputs),
        tuple(len(op.core) for op in k.inputs),
    )
    for k in _core.kernels
}

#: checks an argument list before the call: ``precheck(arrays, names, core_ndims)``
Precheck = Callable[[list[np.ndarray], Sequence[str], Sequence[int]], None]


def arguments(name: str) -> tuple[list[str], list[str]]:
    """The argument names and domains of kernel ``name``, from its declaration."""
    _, names, domains, _ = _CALLS[name]
    return list(names), list(domains)


def is_duck_array(v: Any) -> bool:
    """An array of another library (dask, xarray, ...) that numpy ufuncs dispatch to."""
    return (
        hasattr(v, "__array_ufunc__")
        and not isinstance(v, (np.ndarray, np.generic))
        and type(v).__module__.split(".")[0] != "numpy"
    )


def bind_arguments(what: str, names: Sequence[str], args: Sequence[Any], kwargs: dict[str, Any]) -> list[Any]:
    """The values of ``names`` from positional and keyword arguments, in order (TypeError naming
    ``what`` for too many, unexpected, repeated or missing arguments)."""
    if len(args) > len(names):
        raise TypeError(f"{what} takes {len(names)} arguments ({', '.join(names)})")
    values = dict(zip(names, args))
    for k, v in kwargs.items():
        if k not in names or k in values:
            raise TypeError(f"unexpected or repeated argument {k!r}; expected {', '.join(names)}")
        values[k] = v
    missing = [n for n in names if n not in values]
    if missing:
        raise TypeError(f"missing argument(s): {', '.join(missing)}")
    return [values[n] for n in names]


def _validated(
    name: str,
    values: Sequence[Any],
    out: Any,
    on_domain_error: str | None,
    precheck: Precheck | None,
) -> Any:
    """The body of :func:`call_kernel` (and of the functions of :func:`array_function`)."""
    uf, names, domains, core = _CALLS[name]
    arrays = []
    for v in values:
        a = v
        if type(a) is not np.ndarray:
            if is_duck_array(a):
                return _duck_call(name, values, out, on_domain_error, precheck)
            try:
                a = np.asarray(a)
            except (ValueError, TypeError, OverflowError):  # a ragged sequence, for instance
                as_real_array(v, names[len(arrays)])  # raises the error naming the argument
                raise
        dt = a.dtype
        if dt is not _F64 and (dt.kind not in "iuf" or dt.itemsize > 8):  # (long double: refused)
            as_real_array(v, names[len(arrays)])  # raises the TypeError naming the argument
        arrays.append(a)
    if precheck is not None:
        precheck(arrays, names, core)
    if out is not None and _aliases(out, arrays):
        # out= overlaps an input: compute into new arrays and copy only a valid result, so that a
        # bad input is diagnosed (and named) before anything is written over it
        result = _validated(name, arrays, None, on_domain_error, None)
        return _copy_into(out, result, uf.nout)
    try:
        return call_raising(uf, arrays, out)
    except (FloatingPointError, ValueError):
        pass
    # an out-of-domain element or a shape error: call again and name the argument
    return call_checked(uf, arrays, names, domains, out=out, core_ndims=core, on_domain_error=on_domain_error)


def _aliases(out: Any, arrays: Sequence[np.ndarray]) -> bool:
    """Whether an output array may share memory with an input."""
    outs = out if isinstance(out, tuple) else (out,)
    return any(
        isinstance(o, np.ndarray) and isinstance(a, np.ndarray) and np.may_share_memory(o, a)
        for o in outs
        for a in arrays
    )


def _copy_into(out: Any, result: Any, nout: int) -> Any:
    """Copy a ufunc's result into ``out`` (an array, or a tuple of one array per output) as the ufunc
    would have written it (broadcast to ``out``, ``same_kind`` casting); returns what the ufunc
    returns: the output array, or the tuple of output arrays."""
    outs = out if isinstance(out, tuple) else (out,)
    results = result if isinstance(result, tuple) else (result,)
    if len(outs) != nout:
        raise ValueError(f"out must hold {nout} array(s), one per output, got {len(outs)}")
    for o, r in zip(outs, results):
        if o is not None:
            np.copyto(o, r, casting="same_kind")
    final = tuple(r if o is None else o for o, r in zip(outs, results))
    return final[0] if nout == 1 else final


def _duck_call(
    name: str, values: Sequence[Any], out: Any, on_domain_error: str | None, precheck: Precheck | None
) -> Any:
    """Arrays of other libraries: dask (lazy and validated, :mod:`beds._dask`), others through the
    ufunc's ``__array_ufunc__``."""
    if any(_is_dask(v) for v in values):
        from . import _dask

        return _dask.call_kernel(name, values, out=out, on_domain_error=on_domain_error, precheck=precheck)
    uf = _CALLS[name][0]
    return uf(*values, **({"out": out} if out is not None else {}))


def call_kernel(
    name: str,
    values: Sequence[Any],
    *,
    out: Any = None,
    on_domain_error: str | None = None,
    precheck: Precheck | None = None,
) -> Any:
    """Calls kernel ``name`` on its arguments (in declaration order), validated.

    Real numpy inputs are passed to the ufunc (converted where they are not arrays); an
    out-of-domain element becomes a ValueError naming the argument (its name and domain come from
    the declaration), a dtype that is not real numbers a TypeError naming it.
    ``on_domain_error`` is the message when every argument is valid but the operation leaves the
    manifold.  dask arrays give lazy results, validated block by block when they are computed
    (:mod:`beds._dask`); arrays of other libraries (xarray, ...) go straight to the ufunc, which
    dispatches through ``__array_ufunc__``.
    """
    return _validated(name, values, out, on_domain_error, precheck)


def array_function(
    ufunc_name: str,
    doc: str,
    *,
    module: str,
    on_domain_error: str | None = None,
    precheck: Precheck | None = None,
    what: str | None = None,
) -> Any:
    """The validated array-level function of kernel ``ufunc_name``, for the family module ``module``.

    Its name is the kernel's name without the family prefix (``normal_distance`` in
    ``beds.normal`` is ``beds.normal.distance``); it takes the kernel's arguments by position or
    name, plus ``out=``, and has the signature and the docstring ``doc`` a user sees.  ``what``
    names the function in TypeErrors about its arguments (default: the kernel's name).
    """
    prefix = module.rsplit(".", 1)[-1] + "_"
    if not ufunc_name.startswith(prefix):
        raise ValueError(f"kernel {ufunc_name} does not belong to module {module}")
    name = ufunc_name[len(prefix) :]
    uf, names, domains, core = _CALLS[ufunc_name]
    what = what or ufunc_name
    nargs = len(names)

    def fn(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        if kwargs or len(args) != nargs:
            args = tuple(bind_arguments(what, names, args, kwargs))
        # _validated, inlined for float64 arrays (these functions are called on small arrays too)
        if precheck is None and out is None:
            for a in args:
                if type(a) is not np.ndarray or a.dtype is not _F64:
                    break
            else:
                try:
                    return call_raising(uf, args)
                except (FloatingPointError, ValueError):
                    pass
        return _validated(ufunc_name, args, out, on_domain_error, precheck)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    fn.__module__ = module
    params = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names]
    params.append(inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None))
    fn.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return fn
