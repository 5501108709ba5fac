"""Mean-field (diagonal-covariance) normal beliefs: the product of d half-planes.

A ``DiagNormal`` batch has parameters of shape ``batch_shape + (d,)``.  The Fisher-Rao geometry is
the product geometry: ``d = sqrt(sum_i d_i^2)`` over coordinates, geodesics, exp/log maps and
parallel transport act coordinate-wise (``beds.normal``), divergences and entropies add.  This is
exact for the diagonal model; inside the full-covariance manifold it is only an upper bound of
the distance (see the docs page ``mathematics/diag_normal``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import normal as _normal
from ._belief import Belief
from ._geometry import broadcast, check_penalty_out
from ._kernels import array_function, call_kernel
from .normal import Normal
from .normal import karcher_mean as _normal_karcher_mean

__all__ = ["DiagNormal", "distance", "entropy", "inner", "jeffreys", "kl"]

_M = "beds.diag_normal"

distance = array_function(
    "diag_normal_distance",
    """Fisher-Rao distance of mean-field normals: ``sqrt(sum_i d_normal(i)^2)`` over the last axis
    (a gufunc with signature ``(d),(d),(d),(d)->()``).""",
    module=_M,
)
kl = array_function(
    "diag_normal_kl",
    """KL(N1 || N2) of mean-field normals: the sum of the coordinate KLs over the last axis.""",
    module=_M,
)
jeffreys = array_function(
    "diag_normal_jeffreys",
    """Jeffreys divergence of mean-field normals (sum over the last axis).""",
    module=_M,
)
entropy = array_function(
    "diag_normal_entropy",
    """Differential entropy ``d log(2 pi e)/2 + sum_i log(std_i)``.""",
    module=_M,
)
inner = array_function(
    "diag_normal_inner",
    """Fisher inner product ``sum_i (u_mean v_mean + 2 u_std v_std) / std^2`` over the last axis.""",
    module=_M,
)


class DiagNormal(Belief):
    """A batch of mean-field normal beliefs N(mean, diag(std^2)), parameters of shape (..., d).

    >>> import numpy as np, beds
    >>> p = beds.DiagNormal(mean=np.zeros(2), std=np.ones(2))
    >>> q = beds.DiagNormal(mean=np.ones(2), std=np.ones(2))
    >>> round(float(beds.distance(p, q)), 5)
    1.38629
    """

    __slots__ = ()
    params = ("mean", "std")
    domains = ("real", "positive")
    tangent_domains = ("real", "real")
    event_ndim = 1
    family = "diag_normal"
    entropy_params = ("std",)
    inner_params = ("std",)
    elementwise_ops = frozenset({"exp", "log", "geodesic", "transport"})

    def __init__(self, mean: Any, std: Any) -> None:
        super().__init__(mean, std)

    @property
    def dim(self) -> int:
        """Number of coordinates d."""
        return self._p[0].shape[-1]

    def _uf(self, op: str) -> np.ufunc:
        from . import _core

        return getattr(_core, ("normal_" if op in self.elementwise_ops else "diag_normal_") + op)

    def _metric_diagonal(self) -> np.ndarray:
        inv = 1.0 / self.std**2
        return np.concatenate([inv, 2.0 * inv], axis=-1)

    def karcher_mean(
        self, weights: Any = None, axis: Any = None, tol: float = 1e-12, max_iter: int = 100
    ) -> DiagNormal:
        """Frechet mean over batch axes: the product of the coordinate-wise normal means."""
        (m, s), w, _ = self._reduction_layout(weights, axis)
        # (..., n, d) -> (..., d, n): one univariate mean per coordinate
        mu, sd = _normal_karcher_mean(
            np.swapaxes(m, -1, -2), np.swapaxes(s, -1, -2), w[..., None, :], tol=tol, max_iter=max_iter
        )
        return DiagNormal._trusted(np.asarray(mu), np.asarray(sd))

    # ------------------------------------------- what the generic code needs (beds._geometry)
    #: strengths broadcast against ``batch + (d,)``: ``sum_i strength_i D_i`` over the coordinates
    per_coordinate_strength = True

    kl_gradient = Normal.kl_gradient

    def weighted_kl(self, other: DiagNormal, strength: np.ndarray) -> np.ndarray:
        """``sum_i strength_i KL_i`` over the coordinates (per-coordinate strengths)."""
        return np.sum(strength * _normal.kl(self.mean, self.std, other.mean, other.std), axis=-1)

    def move(self, other: DiagNormal, t: Any) -> DiagNormal:
        """Each coordinate along its own half-plane geodesic, t per coordinate (the product geometry)."""
        m, s = _normal.geodesic(self.mean, self.std, other.mean, other.std, t)
        return DiagNormal._trusted(np.asarray(m), np.asarray(s))

    def fisher_rao_penalty_parts(
        self, other: DiagNormal, strength: np.ndarray, out: Any = None
    ) -> tuple[Any, list[np.ndarray], list[np.ndarray], DiagNormal]:
        """The penalty ``sum_i strength_i/2 d_i^2`` in one pass of ``diag_normal_fr_penalty``."""
        check_penalty_out(out)
        shape = np.broadcast_shapes(self.mean.shape, other.mean.shape, strength.shape)
        v, gm, gs, nm, ns = call_kernel(
            "diag_normal_fr_penalty",
            [self.mean, self.std, other.mean, other.std, np.broadcast_to(strength, shape)],
            out=out,
        )
        return v, [gm, gs], [nm, ns], broadcast(self, gm.shape)
