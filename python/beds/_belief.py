"""Belief batches and tangent vectors: the objects that every family shares.

A belief batch is a light, immutable view over numpy arrays of parameters (no copy of float
arrays), with a batch shape that follows numpy broadcasting.  A :class:`Tangent` is a batch of
tangent vectors at a belief batch, with one component per parameter.  Every operation calls the
compiled ufuncs of the family (``beds.ufuncs``), so broadcasting and dtypes follow numpy rules.

This module is longer than the project's 500-line guideline because of :class:`Belief` (below).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from . import _core
from ._dask import is_dask_array as _is_lazy
from ._geometry import Geometry
from ._validation import (
    _F64,
    DOMAIN_CODES,
    _first_invalid,
    as_real_array,
    as_tuple,
    call_checked,
    call_raising,
    check_domain,
    common_float_dtype,
    reduction_layout,
)

__all__ = ["Belief", "ConvergenceWarning", "Tangent"]


class ConvergenceWarning(RuntimeWarning):
    """An iterative method (a Karcher mean) stopped at ``max_iter`` before reaching ``tol``."""


def _readonly(a: np.ndarray) -> np.ndarray:
    if type(a) is not np.ndarray:
        return a  # a lazy (dask) parameter: immutable already
    v = a.view()
    v.setflags(write=False)
    return v


def _show(a: Any) -> str:
    """A parameter in a repr (a lazy one is not computed)."""
    if isinstance(a, (np.ndarray, np.generic)):
        return np.array2string(np.asarray(a), threshold=6, precision=6)
    return repr(a)


#: the ufunc of each (family class, operation)
_UFUNCS: dict[tuple[type, str], np.ufunc] = {}


def _index_param(a: np.ndarray, idx: Any, event_ndim: int) -> np.ndarray:
    """Indexes the batch axes of a parameter only (too many indices raise IndexError)."""
    t = idx if isinstance(idx, tuple) else (idx,)
    if event_ndim:
        if not any(i is Ellipsis for i in t):
            t = t + (Ellipsis,)
        t = t + (slice(None),) * event_ndim
    return a[t]


class Belief(Geometry):
    """Base class of the belief families (a batch of distributions of one family).

    Subclasses declare ``params`` (parameter names, in the order of the ufunc arguments),
    ``domains`` (the domain of each parameter, see ``beds._validation.check_domain``),
    ``event_ndim`` (0 for scalar parameters, 1 for vector parameters such as ``DiagNormal``) and
    ``family`` (the ufunc prefix).  Families whose parameters have different event ranks (a mean
    of shape (..., d) and a covariance of shape (..., d, d) for ``MVNormal``) also declare
    ``event_ndims``, one per parameter; the batch shapes of the parameters then broadcast, the
    event shapes do not.  What the penalties and the governing equation need of a family (KL
    gradient, metric, coordinate charts, ...) is the protocol :class:`beds._geometry.Geometry`.

    The class is longer than the 300-line guideline (about 330 of its 440 lines are code) because
    it is the one implementation, for every family, of what makes a belief batch behave like a
    numpy array (validated construction, broadcasting of parameters with different event ranks,
    indexing, reshape, astype) and of the operations that every family shares (distances, exp,
    log, geodesics, transport, inner products, metric), each a thin call of the family's ufunc
    with the argument names of the error messages.  Splitting it would spread one object's
    methods over mixins that have no use on their own.
    """

    params: ClassVar[tuple[str, ...]] = ()
    domains: ClassVar[tuple[str, ...]] = ()
    tangent_domains: ClassVar[tuple[str, ...]] = ()
    event_ndim: ClassVar[int] = 0
    #: event rank of each parameter (None: ``event_ndim`` for all of them)
    event_ndims: ClassVar[tuple[int, ...] | None] = None
    family: ClassVar[str] = ""
    #: parameters passed to the ufuncs that take only part of the point (entropy, inner)
    entropy_params: ClassVar[tuple[str, ...]] = ()
    inner_params: ClassVar[tuple[str, ...]] = ()
    #: message when an exp map / geodesic leaves the manifold (families with a boundary)
    leaves_domain: ClassVar[str | None] = None
    #: per operation ("kl", "transport", ...): the message when every argument is valid but the
    #: result is not representable in the output dtype (see ``call_checked``)
    range_messages: ClassVar[dict[str, str]] = {}

    __slots__ = ("_p", "_batch_shape")

    #: the codes of ``domains`` for ``beds._core._first_invalid`` (None: a domain it does not check)
    _domain_codes: ClassVar[tuple[int, ...] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        ok = cls.event_ndims is None and all(d in DOMAIN_CODES for d in cls.domains)
        cls._domain_codes = tuple(DOMAIN_CODES[d] for d in cls.domains) if ok else None

    def __init__(self, *args: Any, _validate: bool = True, **kwargs: Any) -> None:
        if kwargs or len(args) != len(type(self).params):
            args = tuple(type(self)._bind(args, kwargs))
        if _validate:
            self._set(args)
        else:
            self._init(args, False)

    def _set(self, values: Sequence[Any]) -> None:
        """Sets the parameters from ``values`` (in the order of ``params``), validated.

        The common case costs about a microsecond: float64 arrays of one shape are neither converted
        nor broadcast, and each is checked in one compiled pass (``beds._core._first_invalid``);
        anything else (or a bad value, to name it) goes through :meth:`_init`."""
        a0 = values[0]
        codes = type(self)._domain_codes
        if type(a0) is np.ndarray and a0.dtype is _F64 and codes is not None:
            shape = a0.shape
            params = []
            for a, code in zip(values, codes):
                if type(a) is not np.ndarray or a.dtype is not _F64 or a.shape != shape:
                    break
                if _first_invalid(a, code) is not None:
                    break
                v = a.view()
                v.setflags(write=False)
                params.append(v)
            else:
                e = type(self).event_ndim
                if len(shape) < e:
                    names = " and ".join(self.params)
                    raise ValueError(f"{names} need a last axis over coordinates/classes, got scalars")
                self._p = tuple(params)
                self._batch_shape = shape[: len(shape) - e] if e else shape
                return
        self._init(values, True)

    def _init(self, values: Sequence[Any], validate: bool) -> None:
        """The general constructor: conversion, dtype promotion, broadcasting, validation."""
        if any(_is_lazy(v) for v in values):
            from ._dask import init_belief

            self._p, self._batch_shape = init_belief(type(self), values, validate)
            return
        arrays = [as_real_array(v, n) for v, n in zip(values, self.params)]
        # Python scalars are "weak" (numpy's rule): Normal(float32 array, 1.0) stays float32
        strong = [a for a, v in zip(arrays, values) if not isinstance(v, (int, float)) or isinstance(v, bool)]
        dtype = common_float_dtype(*(strong or arrays))
        arrays = [a.astype(dtype, copy=False) for a in arrays]
        if self.event_ndims is None:
            e = self.event_ndim
            shape = arrays[0].shape
            if any(a.shape != shape for a in arrays):
                try:
                    shape = np.broadcast_shapes(*(a.shape for a in arrays))
                except ValueError:
                    desc = ", ".join(f"{n} {a.shape}" for n, a in zip(self.params, arrays))
                    raise ValueError(f"parameter shapes do not broadcast: {desc}") from None
                # views: an element repeated by broadcasting is stored (and checked) once
                arrays = [a if a.shape == shape else np.broadcast_to(a, shape) for a in arrays]
            if len(shape) < e:
                raise ValueError(f"{' and '.join(self.params)} need a last axis over coordinates/classes, got scalars")
            batch = shape[: len(shape) - e]
        else:
            arrays, batch = self._broadcast_batches(arrays)
        if validate:
            self._check_params(arrays)
        self._p = tuple(_readonly(a) for a in arrays)
        self._batch_shape = batch

    @classmethod
    def _check_params(cls, arrays: Sequence[np.ndarray]) -> None:
        """ValueError naming the first parameter outside its domain.

        ``arrays`` are the broadcast parameters (views), so the index in the message is the index in
        the broadcast batch; the check never expands a broadcast axis (its stride is 0), so a
        parameter broadcast to 1e10 beliefs costs what the array it came from costs."""
        for a, n, d in zip(arrays, cls.params, cls.domains):
            check_domain(n, a, d)

    @classmethod
    def _param_event_ndims(cls) -> tuple[int, ...]:
        return cls.event_ndims if cls.event_ndims is not None else (cls.event_ndim,) * len(cls.params)

    @classmethod
    def _broadcast_batches(
        cls, arrays: Sequence[np.ndarray], batch: tuple[int, ...] | None = None
    ) -> tuple[list[np.ndarray], tuple[int, ...]]:
        """Broadcasts the batch axes of parameters with different event ranks (event axes are kept)."""
        ev = cls._param_event_ndims()
        for a, n, e in zip(arrays, cls.params, ev):
            if a.ndim < e:
                raise ValueError(f"{n} needs at least {e} dimension(s) (its event axes), got shape {a.shape}")
        batches = [a.shape[: a.ndim - e] for a, e in zip(arrays, ev)]
        try:
            b = np.broadcast_shapes(*batches) if batch is None else np.broadcast_shapes(batch, *batches)
            if batch is not None and b != tuple(batch):
                raise ValueError
        except ValueError:
            desc = ", ".join(f"{n} {a.shape}" for n, a in zip(cls.params, arrays))
            raise ValueError(f"parameter batch shapes do not broadcast: {desc}") from None
        out = [
            np.broadcast_to(a, b + a.shape[a.ndim - e :]) if a.shape[: a.ndim - e] != b else a
            for a, e in zip(arrays, ev)
        ]
        return out, b

    @classmethod
    def _bind(cls, args: Sequence[Any], kwargs: dict[str, Any]) -> list[Any]:
        if len(args) > len(cls.params):
            raise TypeError(f"{cls.__name__} takes {len(cls.params)} parameters ({', '.join(cls.params)})")
        values = dict(zip(cls.params, args))
        for k, v in kwargs.items():
            if k not in cls.params:
                raise TypeError(f"{cls.__name__} got an unexpected parameter {k!r}; expected {', '.join(cls.params)}")
            if k in values:
                raise TypeError(f"{cls.__name__} got parameter {k!r} twice")
            values[k] = v
        missing = [n for n in cls.params if n not in values]
        if missing:
            raise TypeError(f"{cls.__name__} is missing parameter(s) {', '.join(missing)}")
        return [values[n] for n in cls.params]

    @classmethod
    def _trusted(cls, *arrays: np.ndarray) -> Belief:
        """A belief from ufunc outputs (already in the domain): no validation."""
        obj = cls.__new__(cls)
        a0 = arrays[0]
        if type(a0) is np.ndarray and cls.event_ndims is None and a0.ndim >= cls.event_ndim and a0.dtype.kind == "f":
            shape, dt = a0.shape, a0.dtype
            for a in arrays:
                if type(a) is not np.ndarray or a.shape != shape or a.dtype is not dt:
                    break
            else:
                obj._p = tuple(_readonly(a) for a in arrays)
                obj._batch_shape = shape[: len(shape) - cls.event_ndim] if cls.event_ndim else shape
                return obj
        obj._init(arrays, False)
        return obj

    # ------------------------------------------------------------------ array-like behaviour
    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Shape of the batch of beliefs (parameter shape without the event axes)."""
        return self._batch_shape

    @property
    def shape(self) -> tuple[int, ...]:
        """Alias of :attr:`batch_shape`."""
        return self._batch_shape

    @property
    def ndim(self) -> int:
        return len(self._batch_shape)

    @property
    def size(self) -> int:
        return int(np.prod(self._batch_shape, dtype=np.int64))

    @property
    def dtype(self) -> np.dtype:
        return self._p[0].dtype

    @property
    def param_arrays(self) -> dict[str, np.ndarray]:
        """The parameters as read-only arrays, by name."""
        return dict(zip(self.params, self._p))

    def __len__(self) -> int:
        if not self._batch_shape:
            raise TypeError(f"len() of a single {type(self).__name__} belief (batch shape ())")
        return self._batch_shape[0]

    def __getitem__(self, idx: Any) -> Belief:
        return type(self)._trusted(*(_index_param(a, idx, e) for a, e in zip(self._p, self._param_event_ndims())))

    def astype(self, dtype: Any) -> Belief:
        """The same beliefs with parameters of another float dtype."""
        dt = np.dtype(dtype)
        if dt.kind != "f":
            raise TypeError(f"dtype must be a float dtype, got {dt}")
        return type(self)._trusted(*(a.astype(dt) for a in self._p))

    def reshape(self, *shape: Any) -> Belief:
        """The same beliefs with another batch shape."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        if not all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in shape):
            raise TypeError(f"shape must be integers, got {shape!r}")
        try:
            return type(self)._trusted(
                *(a.reshape(tuple(shape) + a.shape[a.ndim - e :]) for a, e in zip(self._p, self._param_event_ndims()))
            )
        except ValueError as e:
            raise ValueError(f"cannot reshape the batch shape {self._batch_shape} into shape {shape!r}: {e}") from None

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={_show(a)}" for n, a in zip(self.params, self._p))
        return f"{type(self).__name__}({inner}, batch_shape={self._batch_shape})"

    def __getattr__(self, name: str) -> np.ndarray:
        # parameters by name: p.mean, p.std, p.probs, p.rate ...
        params = type(self).params
        if name in params:
            return self._p[params.index(name)]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # ---------------------------------------------------------------------- operations
    def _uf(self, op: str) -> np.ufunc:
        return getattr(_core, f"{self.family}_{op}")

    def _check_same(self, other: Any, what: str = "other") -> None:
        if type(other) is not type(self):
            raise TypeError(f"{what} must be a {type(self).__name__} belief, got {type(other).__name__}")

    #: operations computed by element-wise ufuncs even when event_ndim > 0 (DiagNormal)
    elementwise_ops: ClassVar[frozenset[str]] = frozenset()

    def _call(
        self,
        op: str,
        args: Sequence[Any],
        names: Any,
        domains: Any,
        scalar_args: int = 0,
        message: str | None = None,
    ) -> tuple:
        """Calls the family's ufunc for ``op``; the last ``scalar_args`` arguments have no event axes.

        ``names`` and ``domains`` (sequences, or callables that return them) are needed only to
        name a bad argument: valid numpy input costs one ufunc call under
        ``np.errstate(invalid="raise")``."""
        key = (type(self), op)
        uf = _UFUNCS.get(key)
        if uf is None:
            uf = _UFUNCS[key] = self._uf(op)
        for a in args:
            if type(a) is not np.ndarray and _is_lazy(a):
                break
        else:
            try:
                r = call_raising(uf, args)
                return r if type(r) is tuple else (r,)
            except (FloatingPointError, ValueError):
                pass
        names = names() if callable(names) else names
        domains = domains() if callable(domains) else domains
        e = 0 if op in self.elementwise_ops else self.event_ndim
        core = [e] * (len(args) - scalar_args) + [0] * scalar_args
        message = self.range_messages.get(op) if message is None else message
        if any(_is_lazy(a) for a in args):
            from ._dask import call_ufunc

            return as_tuple(call_ufunc(uf, args, names, domains, core, message))
        return as_tuple(call_checked(uf, args, names, domains, core_ndims=core, on_domain_error=message))

    def distance(self, other: Belief) -> np.ndarray:
        """Fisher-Rao distance to ``other`` (batch shapes broadcast)."""
        if type(other) is not type(self):
            self._check_same(other)
        return self._pair("distance", other)[0]

    def kl(self, other: Belief) -> np.ndarray:
        """Kullback-Leibler divergence KL(self || other) in nats."""
        if type(other) is not type(self):
            self._check_same(other)
        return self._pair("kl", other)[0]

    def jeffreys(self, other: Belief) -> np.ndarray:
        """Jeffreys divergence KL(self || other) + KL(other || self) in nats."""
        if type(other) is not type(self):
            self._check_same(other)
        return self._pair("jeffreys", other)[0]

    def _pair(self, op: str, other: Belief) -> tuple:
        # the parameters of a belief are all numpy arrays or all dask arrays: the first one tells
        if type(self._p[0]) is np.ndarray and type(other._p[0]) is np.ndarray:
            uf = _UFUNCS.get((type(self), op))
            if uf is not None:
                try:
                    r = call_raising(uf, self._p + other._p)
                    return r if type(r) is tuple else (r,)
                except (FloatingPointError, ValueError):
                    pass
        return self._call(op, self._p + other._p, self._pair_names, self._pair_domains)

    def _pair_names(self) -> list[str]:
        return self._names(2)

    def _pair_domains(self) -> tuple[str, ...]:
        return self.domains * 2

    def _names(self, count: int) -> list[str]:
        return [f"{p}{i + 1}" for i in range(count) for p in self.params]

    def entropy(self) -> np.ndarray:
        """Entropy in nats (differential entropy for continuous families)."""
        args = [self._p[self.params.index(n)] for n in self.entropy_params]
        return self._call("entropy", args, lambda: list(self.entropy_params), lambda: ["real"] * len(args))[0]

    def tangent(self, *args: Any, **kwargs: Any) -> Tangent:
        """A tangent vector at these beliefs, with one component per parameter."""
        return Tangent(self, *args, **kwargs)

    def exp(self, v: Tangent) -> Belief:
        """Riemannian exponential map: the point at t = 1 on the geodesic with initial velocity v."""
        self._check_tangent(v)
        out = self._call(
            "exp",
            self._p + v._c,
            lambda: list(self.params) + v._names(),
            lambda: self.domains + self.tangent_domains,
            message=self.leaves_domain,
        )
        return type(self)._trusted(*out)

    def log(self, other: Belief) -> Tangent:
        """Riemannian logarithm: the tangent vector at self that exp maps to ``other``."""
        self._check_same(other)
        comps = self._pair("log", other)
        base = self if comps[0].shape == self._p[0].shape else self._broadcast_to(comps[0].shape)
        return Tangent._trusted(base, comps)

    def geodesic(self, other: Belief, t: Any) -> Belief:
        """Point at parameter t on the minimizing geodesic from self (t = 0) to other (t = 1)."""
        self._check_same(other)
        # a Python scalar stays "weak" (a float32 batch gives float32 points)
        if isinstance(t, (int, float)) and not isinstance(t, bool):
            ta = t
        else:
            ta = t if _is_lazy(t) else as_real_array(t, "t")
            if "geodesic" in self.elementwise_ops and self.event_ndim:  # a scalar broadcasts as it is (and stays weak)
                ta = ta[(...,) + (None,) * self.event_ndim]
        elementwise = "geodesic" in self.elementwise_ops and self.event_ndim
        out = self._call(
            "geodesic",
            self._p + other._p + (ta,),
            lambda: self._names(2) + ["t"],
            lambda: self.domains * 2 + ("real",),
            scalar_args=0 if elementwise else 1,
            message=self.leaves_domain,
        )
        return type(self)._trusted(*out)

    def transport(self, v: Tangent, other: Belief) -> Tangent:
        """Parallel transport of v (tangent at self) along the geodesic from self to other."""
        self._check_tangent(v)
        self._check_same(other)
        comps = self._call(
            "transport",
            self._p + other._p + v._c,
            lambda: self._names(2) + v._names(),
            lambda: self.domains * 2 + self.tangent_domains,
        )
        shape = comps[0].shape
        base = other if other._p[0].shape == shape else other._broadcast_to(shape)
        return Tangent._trusted(base, comps)

    def inner(self, u: Tangent, v: Tangent) -> np.ndarray:
        """Fisher-Rao inner product <u, v> of two tangent vectors at self."""
        self._check_tangent(u, "u")
        self._check_tangent(v, "v")
        args = tuple(self._p[self.params.index(n)] for n in self.inner_params)
        return self._call(
            "inner",
            args + u._c + v._c,
            lambda: list(self.inner_params) + u._names("u_") + v._names("v_"),
            lambda: ("real",) * len(args) + self.tangent_domains * 2,
        )[0]

    def norm(self, v: Tangent) -> np.ndarray:
        """Fisher-Rao norm of a tangent vector at self."""
        return np.sqrt(self.inner(v, v))

    def metric(self) -> np.ndarray:
        """Fisher information matrix in the family's coordinates, shape batch_shape + (n, n)."""
        diag = self._metric_diagonal()
        out = np.zeros(diag.shape + (diag.shape[-1],), dtype=diag.dtype)
        idx = np.arange(diag.shape[-1])
        out[..., idx, idx] = diag
        return out

    def _metric_diagonal(self) -> np.ndarray:
        raise NotImplementedError

    def _broadcast_to(self, shape: tuple[int, ...]) -> Belief:
        """Broadcast to ``shape``, the shape of the first parameter (batch + its event axes)."""
        ev = self._param_event_ndims()
        batch = tuple(shape[: len(shape) - ev[0]])
        return type(self)._trusted(*(np.broadcast_to(a, batch + a.shape[a.ndim - e :]) for a, e in zip(self._p, ev)))

    def _check_tangent(self, v: Any, what: str = "v") -> None:
        if not isinstance(v, Tangent):
            raise TypeError(f"{what} must be a beds.Tangent, got {type(v).__name__}")
        if type(v.base) is not type(self):
            raise TypeError(f"{what} is tangent to a {type(v.base).__name__}, not a {type(self).__name__}")

    def karcher_mean(self, weights: Any = None, axis: Any = None, tol: float = 1e-12, max_iter: int = 100) -> Belief:
        """Weighted Frechet (Karcher) mean over batch axes (all of them when axis is None)."""
        raise NotImplementedError

    # helpers for Karcher means -------------------------------------------------------
    def _reduction_layout(self, weights: Any, axis: Any) -> tuple[list[np.ndarray], np.ndarray, tuple[int, ...]]:
        """The parameters and weights with the reduced batch axes moved last and flattened into one
        (see ``beds._validation.reduction_layout``)."""
        return reduction_layout(self._p, self._param_event_ndims(), self._batch_shape, self.dtype, weights, axis)


def _warn_not_converged(iterations: np.ndarray, max_iter: int) -> None:
    bad = int(np.count_nonzero(np.asarray(iterations) < 0))
    if bad:
        message = f"karcher_mean: {bad} mean(s) did not converge in max_iter={max_iter} iterations"
        warnings.warn(message, ConvergenceWarning, stacklevel=3)


class Tangent:
    """A batch of tangent vectors at a belief batch ``base``.

    Components have the names and shapes of the base's parameters (``v.mean``, ``v.std`` for a
    :class:`~beds.Normal`; ``v.probs`` for a :class:`~beds.Categorical`, summing to 0).  Tangent
    vectors add, subtract and scale like arrays (scalars or arrays broadcasting over the batch).
    """

    __slots__ = ("base", "_c")

    def __init__(self, base: Belief, *args: Any, **kwargs: Any) -> None:
        if not isinstance(base, Belief):
            raise TypeError(f"base must be a belief (beds.Normal, ...), got {type(base).__name__}")
        values = type(base)._bind(args, kwargs)
        if any(_is_lazy(v) for v in values) or _is_lazy(base._p[0]):
            from ._dask import init_tangent

            self.base = base
            self._c = init_tangent(base, values)
            return
        arrays = [as_real_array(v, n).astype(base.dtype, copy=False) for v, n in zip(values, base.params)]
        try:
            arrays = [np.broadcast_to(a, p.shape) for a, p in zip(arrays, base._p)]
        except ValueError:
            desc = ", ".join(f"{n} {np.shape(v)}" for n, v in zip(base.params, values))
            shapes = ", ".join(f"{n} {p.shape}" for n, p in zip(base.params, base._p))
            raise ValueError(
                f"tangent components {desc} do not broadcast to the base's parameter shapes {shapes}"
            ) from None
        # broadcast views: the check never expands a broadcast axis (bounded memory and time)
        for a, n, d in zip(arrays, base.params, base.tangent_domains):
            check_domain(n, a, d)
        self.base = base
        self._c = tuple(_readonly(a) for a in arrays)

    @classmethod
    def _trusted(cls, base: Belief, comps: Sequence[np.ndarray]) -> Tangent:
        obj = cls.__new__(cls)
        obj.base = base
        obj._c = tuple(comps)
        return obj

    @property
    def components(self) -> dict[str, np.ndarray]:
        return dict(zip(self.base.params, self._c))

    def _names(self, prefix: str = "v_") -> list[str]:
        return [prefix + n for n in self.base.params]

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.base.batch_shape

    def __getattr__(self, name: str) -> np.ndarray:
        if name in ("base", "_c"):
            raise AttributeError(name)
        params = type(self.base).params
        if name in params:
            return self._c[params.index(name)]
        raise AttributeError(f"'Tangent' object has no attribute {name!r}")

    def _scale(self, s: Any) -> Tangent:
        s = np.asarray(s)
        if s.dtype.kind not in "iuf":
            return NotImplemented
        ev = self.base._param_event_ndims()
        return Tangent(self.base, *(c * s[(...,) + (None,) * e] for c, e in zip(self._c, ev)))

    def __mul__(self, s: Any) -> Tangent:
        return self._scale(s)

    __rmul__ = __mul__

    def __truediv__(self, s: Any) -> Tangent:
        return self._scale(1.0 / np.asarray(s, dtype=np.float64))

    def __neg__(self) -> Tangent:
        return Tangent._trusted(self.base, tuple(-c for c in self._c))

    def _check_same_base(self, other: Tangent) -> None:
        if self.base is other.base:
            return
        if type(self.base) is not type(other.base) or not all(
            a.shape == b.shape and bool((a == b).all()) for a, b in zip(self.base._p, other.base._p)
        ):
            raise ValueError("tangent vectors at different beliefs cannot be added (transport one first)")

    def __add__(self, other: Any) -> Tangent:
        if not isinstance(other, Tangent):
            return NotImplemented
        self._check_same_base(other)
        return Tangent(self.base, *(a + b for a, b in zip(self._c, other._c)))

    def __sub__(self, other: Any) -> Tangent:
        if not isinstance(other, Tangent):
            return NotImplemented
        self._check_same_base(other)
        return Tangent(self.base, *(a - b for a, b in zip(self._c, other._c)))

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={_show(a)}" for n, a in zip(self.base.params, self._c))
        return f"Tangent({inner}, at {type(self.base).__name__} batch_shape={self.base.batch_shape})"


def tangent(base: Belief, comps: Sequence[np.ndarray]) -> Tangent:
    """A tangent vector at ``base`` from components already in its tangent space (not checked)."""
    return Tangent._trusted(base, tuple(comps))
