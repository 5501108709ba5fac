"""The belief class of :mod:`beds.mvnormal`: :class:`MVNormal`, a batch of full-covariance normals
with the Fisher-Rao geometry of the functions of :mod:`beds.mvnormal` (re-exported there, where it
is documented; the distribution methods come from ``beds._mvnormal_distribution``, the gradient
hooks of the generic code from ``beds._mvnormal_numpy``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._belief import Belief, Tangent
from ._dask import lazy_or_real
from ._mvnormal_closed import bounds
from ._mvnormal_distribution import MVNormalDistribution
from ._mvnormal_numpy import MVNormalGradients, cov_from_cholesky, cov_from_precision, karcher_mean, metric
from ._mvnormal_shooting import MAX_ITER, TOL, distance, distance_nielsen, geodesic, log, transport
from ._validation import as_real_array

__all__ = ["MVNormal"]


_SHOOT = """tol : float, optional
            Shooting tolerance (see :func:`beds.mvnormal.distance`).
        max_iter : int, optional
            Newton iterations per pair."""


class MVNormal(MVNormalGradients, MVNormalDistribution, Belief):
    """A batch of multivariate normal beliefs N(mean, cov), mean (..., d), cov (..., d, d).

    The Fisher-Rao geometry of the full-covariance normal family (Skovgaard 1984): exact
    geodesics (Eriksen 1987, Calvo & Oller 1991), distances and log maps by geodesic shooting,
    parallel transport, Karcher means; see the functions of :mod:`beds.mvnormal` and
    :doc:`/mathematics/mvnormal`.  Tangent vectors have components ``mean`` (d) and ``cov``
    (symmetric d x d).  Alternative constructors: :meth:`from_cholesky`, :meth:`from_precision`.

    Parameters
    ----------
    mean : array_like
        Means, shape ``batch + (d,)``, d >= 1.
    cov : array_like
        Covariances, shape ``batch + (d, d)``: finite, symmetric (relative tolerance 1e-10, 1e-5
        for float32; the symmetric part is used) and positive definite.  The batch shapes of
        ``mean`` and ``cov`` broadcast.

    Raises
    ------
    ValueError
        If the shapes do not agree, d = 0, an entry is not finite, or a covariance is not
        symmetric positive definite (naming the argument and the batch index).
    TypeError
        If an argument is not real numbers.

    Examples
    --------
    >>> import numpy as np, beds
    >>> p = beds.MVNormal(np.zeros(2), [[1, .2], [.2, .5]])
    >>> q = beds.MVNormal([1, -1], [[.6, -.1], [-.1, 1.4]])
    >>> round(float(beds.distance(p, q)), 13)
    1.8075952200369
    >>> v = beds.log(p, q)
    >>> bool(np.allclose(beds.exp(v).cov, q.cov))
    True
    """

    __slots__ = ()
    params = ("mean", "cov")
    domains = ("real", "spd")
    tangent_domains = ("real", "symmetric")
    event_ndim = 1
    event_ndims = (1, 2)
    family = "mvnormal"
    entropy_params = ("cov",)
    inner_params = ("cov",)
    leaves_domain = "exp: the result overflowed (tangent vector too long)"

    def __init__(self, mean: Any, cov: Any) -> None:
        m = lazy_or_real(mean, "mean")  # a dask array stays lazy
        c = lazy_or_real(cov, "cov")
        if m.ndim < 1:
            raise ValueError(f"mean must have a last axis of length d, got shape {m.shape}")
        if c.ndim < 2 or c.shape[-1] != c.shape[-2]:
            raise ValueError(f"cov must have two trailing axes of equal length (d, d), got shape {c.shape}")
        if m.shape[-1] != c.shape[-1]:
            raise ValueError(f"mean {m.shape} and cov {c.shape} have different dimensions d")
        if m.shape[-1] == 0:
            raise ValueError("MVNormal needs d >= 1")
        super().__init__(mean, cov)

    @classmethod
    def from_cholesky(cls, mean: Any, chol: Any) -> MVNormal:
        """Build N(mean, L L^T) from lower-triangular Cholesky factors L.

        See :func:`beds.mvnormal.cov_from_cholesky` (the strict upper triangle is ignored).

        Parameters
        ----------
        mean : array_like
            Means, ``batch + (d,)``.
        chol : array_like
            Lower-triangular factors ``batch + (d, d)`` with a positive diagonal.

        Returns
        -------
        MVNormal
            The beliefs.

        Raises
        ------
        ValueError
            If a diagonal entry is not positive, an entry is not finite or the shapes disagree.

        Examples
        --------
        >>> import numpy as np, beds
        >>> beds.MVNormal.from_cholesky(np.zeros(2), [[2.0, 0.0], [1.0, 1.0]]).cov.tolist()
        [[4.0, 2.0], [2.0, 2.0]]
        """
        return cls(mean, cov_from_cholesky(chol))

    @classmethod
    def from_precision(cls, mean: Any, precision: Any) -> MVNormal:
        """Build N(mean, precision^-1) from precision matrices.

        See :func:`beds.mvnormal.cov_from_precision` (inverted through a Cholesky factor).

        Parameters
        ----------
        mean : array_like
            Means, ``batch + (d,)``.
        precision : array_like
            Precision matrices ``batch + (d, d)``, symmetric positive definite.

        Returns
        -------
        MVNormal
            The beliefs.

        Raises
        ------
        ValueError
            If a precision matrix is not symmetric positive definite or the shapes disagree.

        Examples
        --------
        >>> import numpy as np, beds
        >>> beds.MVNormal.from_precision(np.zeros(1), [[4.0]]).cov.tolist()
        [[0.25]]
        """
        return cls(mean, cov_from_precision(precision))

    @property
    def dim(self) -> int:
        """Dimension d of the beliefs."""
        return self._p[0].shape[-1]

    @property
    def precision(self) -> np.ndarray:
        """Precision matrices ``cov^-1`` (shape ``batch + (d, d)``)."""
        return cov_from_precision(self.cov)

    def distance(self, other: Belief, *, tol: float = TOL, max_iter: int = MAX_ITER, return_info: bool = False) -> Any:
        """Return the Fisher-Rao distance to ``other`` by geodesic shooting.

        Closed forms for equal means or covariances; see :func:`beds.mvnormal.distance`.

        Parameters
        ----------
        other : MVNormal
            The other beliefs (batch shapes broadcast).
        {shoot}
        return_info : bool, optional
            Return a :class:`~beds.mvnormal.DistanceInfo` with the bounds and the flags.

        Returns
        -------
        numpy.ndarray or DistanceInfo
            The distances.

        Raises
        ------
        TypeError
            If ``other`` is not an MVNormal.
        ValueError
            As :func:`beds.mvnormal.distance`.

        Warns
        -----
        ConvergenceWarning
            When some pair did not converge.

        Examples
        --------
        >>> import numpy as np, beds
        >>> p, q = beds.MVNormal(np.zeros(1), [[1.0]]), beds.MVNormal(np.zeros(1), [[4.0]])
        >>> round(float(p.distance(q)), 12)  # sqrt(2) ln 2
        0.980258143469
        """
        self._check_same(other)
        return distance(self.mean, self.cov, other.mean, other.cov, tol=tol, max_iter=max_iter, return_info=return_info)

    def bounds(self, other: MVNormal) -> tuple[Any, Any]:
        """Return the Calvo-Oller lower and sqrt(Jeffreys) upper bounds of the distance to ``other``.

        See :func:`beds.mvnormal.bounds`.

        Parameters
        ----------
        other : MVNormal
            The other beliefs.

        Returns
        -------
        lower : numpy.ndarray
            The Calvo-Oller lower bound.
        upper : numpy.ndarray
            The sqrt(Jeffreys) upper bound.

        Raises
        ------
        TypeError
            If ``other`` is not an MVNormal.
        ValueError
            If a bound overflows.

        Examples
        --------
        >>> import numpy as np, beds
        >>> p, q = beds.MVNormal(np.zeros(1), [[1.0]]), beds.MVNormal(np.ones(1), [[1.0]])
        >>> [round(float(b), 6) for b in p.bounds(q)]
        [0.962424, 1.0]
        """
        self._check_same(other)
        return bounds(self.mean, self.cov, other.mean, other.cov)

    def distance_nielsen(self, other: MVNormal, tol: float = 1e-6) -> Any:
        """Return Nielsen's approximation of the distance to ``other``.

        The length of the projected Calvo-Oller curve; see :func:`beds.mvnormal.distance_nielsen`.

        Parameters
        ----------
        other : MVNormal
            The other beliefs.
        tol : float, optional
            Relative agreement of two successive sums.

        Returns
        -------
        numpy.ndarray
            The approximations.

        Raises
        ------
        TypeError
            If ``other`` is not an MVNormal.
        ValueError
            As :func:`beds.mvnormal.distance_nielsen`.

        Examples
        --------
        >>> import numpy as np, beds
        >>> p, q = beds.MVNormal(np.zeros(1), [[1.0]]), beds.MVNormal(np.zeros(1), [[4.0]])
        >>> round(float(p.distance_nielsen(q)), 6)
        0.980258
        """
        self._check_same(other)
        return distance_nielsen(self.mean, self.cov, other.mean, other.cov, tol=tol)

    def log(self, other: Belief, *, tol: float = TOL, max_iter: int = MAX_ITER) -> Tangent:
        """Return the Riemannian logarithm: the tangent vector at self pointing to ``other``.

        Geodesic shooting; see :func:`beds.mvnormal.log`.

        Parameters
        ----------
        other : MVNormal
            The target beliefs.
        {shoot}

        Returns
        -------
        Tangent
            Tangent vectors at self (broadcast), of Fisher norm the distance.

        Raises
        ------
        TypeError
            If ``other`` is not an MVNormal.
        ValueError
            As :func:`beds.mvnormal.log`.

        Warns
        -----
        ConvergenceWarning
            When some pair did not converge.

        Examples
        --------
        >>> import numpy as np, beds
        >>> p, q = beds.MVNormal(np.zeros(1), [[1.0]]), beds.MVNormal(np.zeros(1), [[4.0]])
        >>> round(float(p.log(q).cov[0, 0]), 12)
        1.38629436112
        """
        self._check_same(other)
        x, b = log(self.mean, self.cov, other.mean, other.cov, tol=tol, max_iter=max_iter)
        base = self if x.shape == self.mean.shape else self._broadcast_to(x.shape)
        return Tangent._trusted(base, (x, b))

    def geodesic(self, other: Belief, t: Any, *, tol: float = TOL, max_iter: int = MAX_ITER) -> MVNormal:
        """Return the point at parameter t of the geodesic from self (t = 0) to ``other`` (t = 1).

        See :func:`beds.mvnormal.geodesic`.

        Parameters
        ----------
        other : MVNormal
            The end points.
        t : array_like
            Parameter (any real; batch shape broadcasting).
        {shoot}

        Returns
        -------
        MVNormal
            The points.

        Raises
        ------
        TypeError
            If ``other`` is not an MVNormal.
        ValueError
            As :func:`beds.mvnormal.geodesic`.

        Warns
        -----
        ConvergenceWarning
            When some pair did not converge.

        Examples
        --------
        >>> import numpy as np, beds
        >>> p, q = beds.MVNormal(np.zeros(1), [[1.0]]), beds.MVNormal(np.zeros(1), [[4.0]])
        >>> p.geodesic(q, 0.5).cov.round(12).tolist()
        [[2.0]]
        """
        self._check_same(other)
        ta = t if isinstance(t, (int, float)) and not isinstance(t, bool) else as_real_array(t, "t")
        m, c = geodesic(self.mean, self.cov, other.mean, other.cov, ta, tol=tol, max_iter=max_iter)
        return MVNormal._trusted(m, c)

    def transport(self, v: Tangent, other: Belief, *, tol: float = TOL, max_iter: int = MAX_ITER) -> Tangent:
        """Parallel-transport v (tangent at self) to ``other`` along the geodesic.

        Levi-Civita transport of the Fisher metric, integrated along the exact geodesic (closed
        form for equal means); see :func:`beds.mvnormal.transport`.

        Parameters
        ----------
        v : Tangent
            Tangent vectors at self.
        other : MVNormal
            The destination beliefs.
        {shoot}

        Returns
        -------
        Tangent
            The transported vectors, tangent at ``other`` (broadcast), with v's norms.

        Raises
        ------
        TypeError
            If v is not a Tangent of an MVNormal or ``other`` is not an MVNormal.
        ValueError
            As :func:`beds.mvnormal.transport`.

        Warns
        -----
        ConvergenceWarning
            When the shooting of some pair did not converge.

        Examples
        --------
        >>> import numpy as np, beds
        >>> p, q = beds.MVNormal(np.zeros(1), [[1.0]]), beds.MVNormal(np.zeros(1), [[4.0]])
        >>> p.transport(p.tangent([1.0], [[1.0]]), q).cov.tolist()  # E v E, E = (4 / 1)^(1/2)
        [[4.0]]
        """
        self._check_tangent(v)
        self._check_same(other)
        wm, wc = transport(self.mean, self.cov, other.mean, other.cov, v._c[0], v._c[1], tol=tol, max_iter=max_iter)
        base = other if other._p[0].shape == wm.shape else other._broadcast_to(wm.shape)
        return Tangent._trusted(base, (wm, wc))

    def metric(self) -> np.ndarray:
        """Return the Fisher information in the coordinates (mean, lower triangle of cov).

        See :func:`beds.mvnormal.metric`.

        Returns
        -------
        numpy.ndarray
            Shape ``batch + (n, n)``, n = d + d(d+1)/2.

        Examples
        --------
        >>> import numpy as np, beds
        >>> beds.MVNormal(np.zeros(1), [[2.0]]).metric().tolist()
        [[0.5, 0.0], [0.0, 0.125]]
        """
        return metric(self.cov)

    def karcher_mean(self, weights: Any = None, axis: Any = None, tol: float = 1e-10, max_iter: int = 100) -> MVNormal:
        """Return the weighted Frechet (Karcher) mean over batch axes.

        Closed-form affine-invariant iteration when the beliefs share one mean, gradient descent
        over the shooting log map otherwise; see :func:`beds.mvnormal.karcher_mean`.

        Parameters
        ----------
        weights : array_like, optional
            Nonnegative weights broadcasting to the batch shape, with a positive sum.
        axis : int or tuple of int, optional
            The batch axes to reduce (all by default).
        tol : float, optional
            Relative FR length of the last step.
        max_iter : int, optional
            Iteration limit.

        Returns
        -------
        MVNormal
            The means (the kept batch axes).

        Raises
        ------
        ValueError
            If the batch shape is ``()``, an axis is invalid, or the weights, ``tol`` or
            ``max_iter`` are.

        Warns
        -----
        ConvergenceWarning
            When a mean did not converge.

        Examples
        --------
        >>> import numpy as np, beds
        >>> beds.MVNormal(np.zeros((2, 1)), [[[1.0]], [[4.0]]]).karcher_mean().cov.tolist()
        [[2.0]]
        """
        (m, c), w, _ = self._reduction_layout(weights, axis)
        mu, S = karcher_mean(m, c, w, tol=tol, max_iter=max_iter)
        return MVNormal._trusted(np.asarray(mu), np.asarray(S))


for _name in ("distance", "log", "geodesic", "transport"):
    _m = getattr(MVNormal, _name)
    _m.__doc__ = _m.__doc__.replace("{shoot}", _SHOOT)
del _name, _m
