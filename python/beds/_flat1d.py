"""Shared machinery of the one-parameter families that are flat in a coordinate u(rate)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._belief import Belief
from ._kernels import array_function, call_kernel
from ._validation import as_real_array, check_iterations, karcher_weights

#: the operations of a one-parameter family (each a kernel ``<family>_<op>``)
OPS = ("distance", "kl", "jeffreys", "entropy", "inner", "exp", "log", "geodesic", "transport")


#: messages for results that do not fit the output dtype, shared by the one-parameter families
RANGE_MESSAGES = {
    "kl": "the KL divergence exceeds the largest float of the output dtype (1.8e308 in float64, 3.4e38 in "
    "float32): rate1 and rate2 are too far apart",
    "jeffreys": "the Jeffreys divergence exceeds the largest float of the output dtype (1.8e308 in float64, "
    "3.4e38 in float32): rate1 and rate2 are too far apart",
    "inner": "the inner product exceeds the largest float of the output dtype (1.8e308 in float64, 3.4e38 in "
    "float32): u and v are too large for this rate",
    "log": "the velocity v overflows the output dtype (1.8e308 in float64, 3.4e38 in float32): rate1 is too "
    "large for this pair",
    "transport": "the transported vector overflows the output dtype (1.8e308 in float64, 3.4e38 in float32): "
    "v or the ratio rate2 / rate1 is too large",
}


def make_functions(family: str, module: str, docs: dict[str, str], leaves: str | None = None) -> dict[str, Any]:
    """The validated array-level functions of a one-parameter family; ``leaves`` is the message
    when an exp map or a geodesic leaves the family, ``RANGE_MESSAGES`` those of the other
    operations whose results can exceed the float range."""
    return {
        op: array_function(
            f"{family}_{op}",
            docs[op],
            module=module,
            on_domain_error=leaves if op in ("exp", "geodesic") else RANGE_MESSAGES.get(op),
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
    range_messages = RANGE_MESSAGES

    def __init__(self, rate: Any) -> None:
        super().__init__(rate)

    #: the Fisher information is 1 / rate^metric_power
    metric_power: int = 2

    def _metric_diagonal(self) -> np.ndarray:
        with np.errstate(all="ignore"):
            g = 1.0 / self.rate**self.metric_power
        if not np.isfinite(g).all():
            bad = float(np.asarray(self.rate)[~np.isfinite(g)].flat[0])
            raise ValueError(
                f"the Fisher metric 1/rate^{self.metric_power} overflows the dtype of rate for rate = {bad!r}"
            )
        return g[..., None]

    def apply_metric(self, components: Any, inverse: bool = False) -> list[np.ndarray]:
        """``G v = v / rate^k`` (``G^-1 g = g rate^k``), k = 2 (exponential) or 1 (poisson), one
        division (multiplication) at a time: a result overflows only if it is itself too large."""
        (c,) = components
        try:
            c = np.broadcast_to(c, self.rate.shape)
        except ValueError:
            raise ValueError(f"components do not broadcast to the parameters of shape {self.rate.shape}") from None
        with np.errstate(all="ignore"):
            for _ in range(self.metric_power):
                c = c * self.rate if inverse else c / self.rate
        return [np.asarray(c)]

    def fisher_rao_penalty_parts(
        self, other: Belief, strength: np.ndarray, out: Any = None
    ) -> tuple[Any, list[np.ndarray], list[np.ndarray], Belief]:
        """``strength/2 d^2``, ``-strength G Log(other)`` and ``-strength Log(other)``, the strength
        multiplying last (so that each output overflows only if it is itself too large; the caller,
        :func:`beds.fisher_rao_penalty`, raises then)."""
        if out is not None:
            raise ValueError(
                "out= is supported for Normal and DiagNormal penalties in their own coordinates (param=None)"
            )
        v = self.log(other)
        base = v.base
        lam = np.asarray(strength)
        (c,) = v.components.values()
        (gv,) = base.apply_metric((c,))
        d = self.distance(other)
        with np.errstate(all="ignore"):
            return (0.5 * lam * d) * d, [-lam * gv], [-lam * c], base

    def karcher_mean(self, weights: Any = None, axis: Any = None, tol: float = 1e-12, max_iter: int = 100) -> Belief:
        """Frechet mean over batch axes (closed form: the family is flat in its coordinate u).

        ``tol`` and ``max_iter`` are accepted for a uniform API and checked, but unused."""
        check_iterations(tol, max_iter)
        (r,), w, _ = self._reduction_layout(weights, axis)
        return type(self)._trusted(np.asarray(karcher_mean_1d(self.family, r, w)))
