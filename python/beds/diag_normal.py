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

    # ==================================================================================
    # Distribution methods: beliefs as probability distributions (helpers: beds._distributions)
    # ==================================================================================
    @property
    def variance(self) -> np.ndarray:
        """Variances ``std^2`` of the coordinates, shape ``batch_shape + (d,)`` (the mean is :attr:`mean`)."""
        return self.std**2

    def sample(self, n: int, rng: Any = None) -> np.ndarray:
        """Draws ``n`` independent vectors from every belief: shape ``(n,) + batch_shape + (d,)``.

        Parameters
        ----------
        n : int
            Number of draws (>= 0).
        rng : numpy.random.Generator, int or None
            The generator (or a seed).

        Returns
        -------
        numpy.ndarray
            ``mean + std * z`` with independent standard normal z, the beliefs' dtype.

        Raises
        ------
        ValueError, TypeError
            As for :meth:`beds.Normal.sample`.

        Examples
        --------
        >>> import numpy as np, beds
        >>> beds.DiagNormal(np.zeros((4, 3)), 1.0).sample(2, rng=0).shape
        (2, 4, 3)
        """
        from . import _distributions as _d

        z = _d.get_rng(rng).standard_normal((_d.check_n(n),) + self.mean.shape, dtype=self.dtype)
        return self.mean + self.std * z

    def log_prob(self, x: Any) -> np.ndarray:
        """Log density of vectors x (last axis d): the sum of the coordinate normal log densities.

        Parameters
        ----------
        x : array_like
            Points of shape ``(..., d)``, their leading axes broadcasting with the batch shape.

        Returns
        -------
        numpy.ndarray
            Log densities of the broadcast batch shape.

        Raises
        ------
        TypeError
            x not real numbers.
        ValueError
            NaN in x, a last axis that is not d, shapes that do not broadcast.

        Examples
        --------
        >>> import numpy as np, beds
        >>> round(float(beds.DiagNormal(np.zeros(2), 1.0).log_prob([0.0, 0.0])), 12)  # -log(2 pi)
        -1.837877066409
        """
        from . import _distributions as _d

        a = _d.points(x)
        _d.event_shape(a, self.dim)
        return _d.normal_log_prob(a, self.mean, self.std, _d.out_dtype(self.dtype, a)).sum(axis=-1)

    def pdf(self, x: Any) -> np.ndarray:
        """Density ``exp(log_prob(x))``; see :meth:`log_prob`."""
        return np.exp(self.log_prob(x))

    def cdf(self, x: Any) -> np.ndarray:
        """Joint distribution function ``P(X_1 <= x_1, ..., X_d <= x_d)``: the product of the
        coordinate normal CDFs (the coordinates are independent).

        Parameters
        ----------
        x : array_like
            Points of shape ``(..., d)``.

        Returns
        -------
        numpy.ndarray
            Probabilities of the broadcast batch shape.

        Raises
        ------
        TypeError, ValueError
            As for :meth:`log_prob`.

        Examples
        --------
        >>> import numpy as np, beds
        >>> float(beds.DiagNormal(np.zeros(2), 1.0).cdf([0.0, 0.0]))
        0.25
        """
        from . import _distributions as _d

        a = _d.points(x)
        _d.event_shape(a, self.dim)
        return np.prod(_d.normal_cdf(a, self.mean, self.std), axis=-1).astype(_d.out_dtype(self.dtype, a), copy=False)

    def to_scipy(self) -> Any:
        """``scipy.stats.multivariate_normal(mean, diag(std^2))`` for a single belief (batch shape ());
        ValueError for a batch (scipy's multivariate normal takes one distribution)."""
        from . import _distributions as _d

        _d.require_single(self, "multivariate_normal")
        return _d.scipy_stats().multivariate_normal(np.array(self.mean), np.diag(np.array(self.std) ** 2))

    @classmethod
    def from_scipy(cls, frozen: Any) -> DiagNormal:
        """The belief of a frozen ``scipy.stats.multivariate_normal`` with a diagonal covariance
        (ValueError otherwise: use :meth:`beds.MVNormal.from_scipy` for a full covariance)."""
        from . import _distributions as _d

        st = _d.scipy_stats()
        if not isinstance(frozen, type(st.multivariate_normal(np.zeros(1)))):
            raise ValueError(
                f"{cls.__name__}.from_scipy needs a frozen scipy.stats.multivariate_normal, got {type(frozen).__name__}"
            )
        cov = np.asarray(frozen.cov, dtype=np.float64)
        off = cov - np.diag(np.diag(cov))
        if np.any(off != 0):
            raise ValueError(f"{cls.__name__}.from_scipy: covariance not diagonal (see beds.MVNormal.from_scipy)")
        return cls(np.asarray(frozen.mean, dtype=np.float64), np.sqrt(np.diag(cov)))

    def to_torch(self) -> Any:
        """``torch.distributions.Independent(Normal(mean, std), 1)`` (copies of the parameters)."""
        from . import _distributions as _d

        D = _d.torch_module().distributions
        return D.Independent(D.Normal(_d.tensor(self.mean), _d.tensor(self.std)), 1)

    @classmethod
    def from_torch(cls, dist: Any) -> DiagNormal:
        """The beliefs of ``torch.distributions.Independent(Normal(loc, scale), 1)``."""
        from . import _distributions as _d

        D = _d.torch_module().distributions
        if not (
            isinstance(dist, D.Independent)
            and isinstance(dist.base_dist, D.Normal)
            and dist.reinterpreted_batch_ndims == 1
        ):
            raise TypeError(
                f"{cls.__name__}.from_torch needs torch.distributions.Independent(Normal(loc, scale), 1), "
                f"got {type(dist).__name__}"
            )
        return cls(_d.from_tensor(dist.base_dist.loc), _d.from_tensor(dist.base_dist.scale))

    # ============================================================== end of distribution methods
