"""Shared machinery of the one-parameter families that are flat in a coordinate u(rate)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._belief import Belief
from ._kernels import array_function, call_kernel
from ._validation import as_real_array, check_iterations, karcher_weights

#: the operations of a one-parameter family (each a kernel ``<family>_<op>``)
OPS = ("distance", "kl", "jeffreys", "entropy", "inner", "exp", "log", "geodesic", "transport")


def make_functions(family: str, module: str, docs: dict[str, str], leaves: str | None = None) -> dict[str, Any]:
    """The validated array-level functions of a one-parameter family; ``leaves`` is the message
    when an exp map or a geodesic leaves the family."""
    return {
        op: array_function(
            f"{family}_{op}", docs[op], module=module, on_domain_error=leaves if op in ("exp", "geodesic") else None
        )
        for op in OPS
    }


def karcher_mean_1d(family: str, rate: Any, weights: Any = None) -> np.ndarray:
    r = as_real_array(rate, "rate")
    if r.ndim == 0:
        raise ValueError("karcher_mean reduces over the last axis: rate needs at least one dimension")
    if r.shape[-1] == 0:
        raise ValueError("karcher_mean of an empty set of beliefs")
    w = karcher_weights(weights, r.shape, np.result_type(r, np.float32))
    return call_kernel(f"{family}_karcher_mean", [r, w])


class RateBelief(Belief):
    """Base of the one-parameter families with a positive rate."""

    __slots__ = ()
    params = ("rate",)
    domains = ("positive",)
    tangent_domains = ("real",)
    entropy_params = ("rate",)
    inner_params = ("rate",)

    def __init__(self, rate: Any) -> None:
        super().__init__(rate)

    def karcher_mean(self, weights: Any = None, axis: Any = None, tol: float = 1e-12, max_iter: int = 100) -> Belief:
        """Frechet mean over batch axes (closed form: the family is flat in its coordinate u).

        ``tol`` and ``max_iter`` are accepted for a uniform API and checked, but unused."""
        check_iterations(tol, max_iter)
        (r,), w, _ = self._reduction_layout(weights, axis)
        return type(self)._trusted(np.asarray(karcher_mean_1d(self.family, r, w)))
