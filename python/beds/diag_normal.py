"""Mean-field (diagonal-covariance) normal beliefs: the product of d half-planes.

A ``DiagNormal`` batch has parameters of shape ``batch_shape + (d,)``.  The Fisher-Rao geometry is
the product geometry: ``d = sqrt(sum_i d_i^2)`` over coordinates, geodesics, exp/log maps and
parallel transport act coordinate-wise (``beds.normal``), divergences and entropies add.  This is
exact for the diagonal model; inside the full-covariance manifold it is only an upper bound of
the distance (see the docs page :doc:`/mathematics/diag_normal`).  Reference: S. I. R. Costa, S. A.
Santos, J. E. Strapasson, "Fisher information distance: a geometrical reading", Discrete Applied
Mathematics 197 (2015).

The array functions here are generalized ufuncs over the last axis (the coordinates); the
coordinate-wise maps (exp, log, geodesic, transport) are those of :mod:`beds.normal`, element by
element.

This module is longer than the project's 500-line guideline because it holds every array function
of the family and its belief class, each with its own numpydoc docstring; about 290 of its 840
lines are code, the rest documentation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import normal as _normal
from ._belief import Belief
from ._geometry import broadcast, check_penalty_out
from ._kernels import array_function, call_kernel
from .normal import karcher_mean as _normal_karcher_mean

__all__ = ["DiagNormal", "distance", "entropy", "inner", "jeffreys", "kl"]

_M = "beds.diag_normal"
_RANGE = _normal._RANGE
_SUMS = " (or the sum over the coordinates overflows)"

# Parts shared by the docstrings of the array functions (generalized ufuncs over the last axis)
_PAIR = """mean1, std1 : array_like
        The first beliefs, shape ``(..., d)``: means (finite) and standard deviations (finite, > 0).
    mean2, std2 : array_like
        The second beliefs, shape ``(..., d)``.  Every argument needs the last axis (of one length
        d); the leading axes broadcast (numpy rules)."""
_OUT = """out : numpy.ndarray, optional
        Array to write the result into (numpy ufunc semantics: the broadcast batch shape)."""
_RET = """numpy.ndarray or numpy.float64
        One value per belief, of the broadcast batch shape (the last axis reduced); float32 when
        every argument is a float32 array, float64 otherwise."""
_RAISES = """Raises
    ------
    TypeError
        If an argument is not an array of real numbers, or is missing or unexpected.
    ValueError
        If an element is outside its domain (the message names the argument and the index), an
        argument has no last axis, or the shapes do not broadcast (last axes of different lengths
        included)."""
_REF = """Reference: S. I. R. Costa, S. A. Santos, J. E. Strapasson, "Fisher information distance: a
    geometrical reading", Discrete Applied Mathematics 197 (2015); :doc:`/mathematics/diag_normal`."""

distance = array_function(
    "diag_normal_distance",
    f"""Compute the Fisher-Rao distance between mean-field normal beliefs.

    The distance of the product of half-planes, ``d = sqrt(sum_i d_i^2)`` over the last axis, with
    ``d_i`` the univariate distance of coordinate i (:func:`beds.normal.distance`); a generalized
    ufunc with signature ``(d),(d),(d),(d)->()``.  The row sums use a fixed summation order, so the
    result does not depend on the thread count.

    Parameters
    ----------
    {_PAIR}
    {_OUT}

    Returns
    -------
    {_RET}

    {_RAISES}

    See Also
    --------
    beds.distance : The same for belief objects.
    beds.mvnormal.distance : The distance inside the full-covariance model (smaller or equal).

    Notes
    -----
    Exact inside the mean-field model; between the same two beliefs inside the manifold of all
    covariances, a geodesic may leave the diagonal matrices and this is only an upper bound.
    {_REF}

    Examples
    --------
    >>> import beds
    >>> round(float(beds.diag_normal.distance([0.0, 0.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0])), 5)
    1.38629
    >>> beds.diag_normal.distance([[0.0, 0.0], [1.0, 1.0]], [1.0, 1.0], [0.0, 0.0], [1.0, 1.0])
    array([0.        , 1.38629436])
    """,
    module=_M,
)
kl = array_function(
    "diag_normal_kl",
    f"""Compute the Kullback-Leibler divergence KL(N1 || N2) of mean-field normals in nats.

    The sum over the last axis of the coordinate divergences
    ``log(std2_i/std1_i) + (std1_i^2 + dmu_i^2) / (2 std2_i^2) - 1/2``, each evaluated in the
    cancellation-free form of :func:`beds.normal.kl`.

    Parameters
    ----------
    {_PAIR}
    {_OUT}

    Returns
    -------
    {_RET}

    {_RAISES}

    See Also
    --------
    beds.kl : The same for belief objects.

    Notes
    -----
    KL divergences of independent coordinates add.  Reference: S. Amari, *Information Geometry and
    Its Applications*, Springer (2016); :doc:`/mathematics/diag_normal`.

    Examples
    --------
    >>> import beds
    >>> float(beds.diag_normal.kl([0.0, 0.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]))   # 2 x 1/2
    1.0
    """,
    module=_M,
    on_domain_error=_RANGE["kl"] + _SUMS,
)
jeffreys = array_function(
    "diag_normal_jeffreys",
    f"""Compute the Jeffreys divergence KL(N1 || N2) + KL(N2 || N1) of mean-field normals in nats.

    The sum over the last axis of the coordinate divergences
    ``[(std1_i^2 - std2_i^2)^2 + dmu_i^2 (std1_i^2 + std2_i^2)] / (2 std1_i^2 std2_i^2)``.

    Parameters
    ----------
    {_PAIR}
    {_OUT}

    Returns
    -------
    {_RET}

    {_RAISES}

    See Also
    --------
    beds.jeffreys : The same for belief objects.

    Notes
    -----
    Reference: H. Jeffreys, "An invariant form for the prior probability in estimation problems",
    Proc. R. Soc. A 186 (1946); :doc:`/mathematics/diag_normal`.

    Examples
    --------
    >>> import beds
    >>> float(beds.diag_normal.jeffreys([0.0, 0.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]))
    2.0
    """,
    module=_M,
    on_domain_error=_RANGE["jeffreys"] + _SUMS,
)
entropy = array_function(
    "diag_normal_entropy",
    f"""Compute the differential entropy ``d log(2 pi e)/2 + sum_i log(std_i)`` in nats.

    The entropies of independent coordinates add; the means do not enter.

    Parameters
    ----------
    std : array_like
        Standard deviations (finite, > 0), shape ``(..., d)``.
    {_OUT}

    Returns
    -------
    {_RET}

    {_RAISES}

    See Also
    --------
    beds.entropy : The same for belief objects.

    Notes
    -----
    Reference: T. M. Cover, J. A. Thomas, *Elements of Information Theory*, Wiley (2006), chapter 8;
    :doc:`/mathematics/diag_normal`.

    Examples
    --------
    >>> import beds
    >>> beds.diag_normal.entropy([[1.0, 1.0], [1.0, 2.0]])   # log(2 pi e), then + log 2
    array([2.83787707, 3.53102425])
    """,
    module=_M,
)
inner = array_function(
    "diag_normal_inner",
    f"""Compute the Fisher inner product of tangent vectors at mean-field normals.

    ``<u, v> = sum_i (u_mean_i v_mean_i + 2 u_std_i v_std_i) / std_i^2`` over the last axis: the sum
    of the coordinate inner products of :func:`beds.normal.inner`.

    Parameters
    ----------
    std : array_like
        Standard deviations of the base points (finite, > 0), shape ``(..., d)``.
    u_mean, u_std : array_like
        Components of the first tangent vectors (finite), shape ``(..., d)``.
    v_mean, v_std : array_like
        Components of the second tangent vectors (finite), shape ``(..., d)``.
    {_OUT}

    Returns
    -------
    {_RET}

    {_RAISES}

    See Also
    --------
    beds.inner : The same for :class:`~beds.Tangent` objects.

    Notes
    -----
    {_REF}

    Examples
    --------
    >>> import beds
    >>> float(beds.diag_normal.inner([1.0, 2.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]))   # 3 + 3/4
    3.75
    """,
    module=_M,
    on_domain_error=_RANGE["inner"] + _SUMS,
)


class DiagNormal(Belief):
    """A batch of mean-field normal beliefs N(mean, diag(std^2)), parameters of shape (..., d).

    d independent normal coordinates per belief (the mean-field posterior of variational inference
    and Bayesian neural networks: one coordinate per weight).  The Fisher-Rao geometry is the
    product of d half-planes: distances combine as ``sqrt(sum_i d_i^2)``, divergences and
    entropies add, and the maps act coordinate by coordinate.  Parameters broadcast against each
    other (a scalar ``std`` is shared by every coordinate); the last axis holds the coordinates.

    Parameters
    ----------
    mean : array_like
        Means (finite), shape ``batch_shape + (d,)``.
    std : array_like
        Standard deviations (finite, > 0), broadcasting with ``mean``.

    Raises
    ------
    TypeError
        If a parameter is not an array of real numbers, or is missing.
    ValueError
        If an element is outside its domain, both parameters are scalars (no coordinate axis), or
        the shapes do not broadcast.

    See Also
    --------
    Normal : One coordinate.
    MVNormal : Full covariance.

    Notes
    -----
    Penalty strengths broadcast against ``batch + (d,)`` (per-coordinate strengths, as EWC's
    weights).  Reference: S. I. R. Costa, S. A. Santos, J. E. Strapasson, "Fisher information
    distance: a geometrical reading", Discrete Applied Mathematics 197 (2015);
    :doc:`/mathematics/diag_normal`.

    Examples
    --------
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
    range_messages = {k: v + (_SUMS if k in ("kl", "jeffreys", "inner") else "") for k, v in _RANGE.items()}
    #: the fused penalty kernel raises for a value or gradient that is not representable
    _fused_penalty_checks_range = True

    def __init__(self, mean: Any, std: Any) -> None:
        self._set((mean, std))

    @property
    def dim(self) -> int:
        """Number of coordinates d (the length of the last axis of the parameters)."""
        return self._p[0].shape[-1]

    def _uf(self, op: str) -> np.ufunc:
        from . import _core

        return getattr(_core, ("normal_" if op in self.elementwise_ops else "diag_normal_") + op)

    def _metric_diagonal(self) -> np.ndarray:
        return np.concatenate(_normal.metric_diagonal(self.std), axis=-1)

    def apply_metric(self, components: Any, inverse: bool = False) -> list[np.ndarray]:
        """Apply the Fisher metric G of self to a vector: ``G v``, or ``G^-1 v`` with ``inverse``.

        Coordinate by coordinate, as :meth:`beds.Normal.apply_metric`: ``G v = (v_mean / std^2, 2
        v_std / std^2)``, dividing by std twice (no overflow of ``1 / std^2``).

        Parameters
        ----------
        components : sequence of array_like
            The components ``(v_mean, v_std)``, broadcasting to the parameters' shapes.
        inverse : bool, optional
            Apply ``G^-1`` instead of G.

        Returns
        -------
        list of numpy.ndarray
            ``[mean component, std component]``, shaped like the parameters.  An element can be
            infinite when the result itself exceeds the float range (the callers check).

        Raises
        ------
        ValueError
            If the components do not broadcast to the parameters.

        Examples
        --------
        >>> import beds
        >>> beds.DiagNormal([0.0, 0.0], [1.0, 2.0]).apply_metric(([1.0, 1.0], [1.0, 1.0]))
        [array([1.  , 0.25]), array([2. , 0.5])]
        """
        return _normal.apply_metric(self, components, inverse)

    def _inverse_metric_diagonal(self) -> np.ndarray:
        return np.concatenate(_normal._inverse_fisher_diagonal(self.std), axis=-1)

    def karcher_mean(
        self, weights: Any = None, axis: Any = None, tol: float = 1e-12, max_iter: int = 100
    ) -> DiagNormal:
        """Compute the weighted Frechet (Karcher) mean over batch axes.

        The product geometry makes it the product of the coordinate-wise univariate means
        (:func:`beds.normal.karcher_mean`, one per coordinate, with the same weights).

        Parameters
        ----------
        weights : array_like, optional
            Non-negative weights broadcasting to the batch shape, with a positive sum over the
            reduced axes (default: equal weights).
        axis : int or tuple of int, optional
            The batch axes to reduce (default: all of them).
        tol : float, optional
            Relative stopping tolerance on the step length (> 0).
        max_iter : int, optional
            Maximum number of iterations (>= 1).

        Returns
        -------
        DiagNormal
            The means, with the reduced axes removed from the batch shape.

        Raises
        ------
        ValueError
            If the batch is empty or has shape ``()``, ``axis`` is out of range or repeated, the
            weights are negative, sum to 0 or do not broadcast, ``tol <= 0`` or ``max_iter < 1``.
        TypeError
            If the weights are not real numbers.

        Warns
        -----
        ConvergenceWarning
            When a coordinate's mean did not converge within ``max_iter`` iterations.

        Examples
        --------
        >>> import beds
        >>> beds.DiagNormal([[0.0, 0.0], [2.0, 0.0]], 1.0).karcher_mean()
        DiagNormal(mean=[1. 0.], std=[1.224745 1.      ], batch_shape=())
        """
        (m, s), w, _ = self._reduction_layout(weights, axis)
        # (..., n, d) -> (..., d, n): one univariate mean per coordinate
        mu, sd = _normal_karcher_mean(
            np.swapaxes(m, -1, -2), np.swapaxes(s, -1, -2), w[..., None, :], tol=tol, max_iter=max_iter
        )
        return DiagNormal._trusted(mu, sd)

    # ------------------------------------------- what the generic code needs (beds._geometry)
    #: strengths broadcast against ``batch + (d,)``: ``sum_i strength_i D_i`` over the coordinates
    per_coordinate_strength = True

    def kl_gradient(self, other: DiagNormal) -> list[np.ndarray]:
        """Compute the Euclidean gradient of KL(self || other) with respect to (mean, std), per coordinate.

        The coordinate divergences add, so the gradient is that of :meth:`beds.Normal.kl_gradient` in
        every coordinate: ``(mean - mean_o) / std_o^2`` and ``(std - std_o)(std + std_o) / (std
        std_o^2)``.

        Parameters
        ----------
        other : DiagNormal
            The reference beliefs (shapes broadcast; the family is checked by the callers).

        Returns
        -------
        list of numpy.ndarray
            ``[grad_mean, grad_std]``, of the broadcast parameter shape ``batch + (d,)``.

        Raises
        ------
        ValueError
            If the shapes do not broadcast.

        Examples
        --------
        >>> import beds
        >>> beds.DiagNormal([0.0, 2.0], 1.0).kl_gradient(beds.DiagNormal([1.0, 1.0], 2.0))
        [array([-0.25,  0.25]), array([-0.75, -0.75])]
        """
        return _normal.kl_gradient(self.mean, self.std, other.mean, other.std)

    def kl_reference_gradient(self, other: DiagNormal) -> list[np.ndarray]:
        """Compute the Euclidean gradient of KL(self || other) with respect to the parameters of ``other``.

        That of :meth:`beds.Normal.kl_reference_gradient` in every coordinate: ``(mean_o - mean) /
        std_o^2`` and ``((std_o - std)(std_o + std) - (mean - mean_o)^2) / std_o^3``.

        Parameters
        ----------
        other : DiagNormal
            The reference beliefs (shapes broadcast; the family is checked by the callers).

        Returns
        -------
        list of numpy.ndarray
            ``[grad_mean_o, grad_std_o]``, of the broadcast parameter shape ``batch + (d,)``.

        Raises
        ------
        ValueError
            If the shapes do not broadcast.

        Examples
        --------
        >>> import beds
        >>> beds.DiagNormal([0.0, 2.0], 1.0).kl_reference_gradient(beds.DiagNormal([1.0, 1.0], 2.0))
        [array([ 0.25, -0.25]), array([0.25, 0.25])]
        """
        return list(_normal._kl_gradients(self.mean, self.std, other.mean, other.std)[1])

    def weighted_kl(self, other: DiagNormal, strength: np.ndarray) -> np.ndarray:
        """Compute ``sum_i strength_i KL_i`` over the coordinates, with per-coordinate strengths.

        The weighted divergence of the KL penalty for this family: ``KL_i`` is the divergence of
        coordinate i (:func:`beds.normal.kl`), and ``strength`` broadcasts against ``batch + (d,)``
        (one strength per belief is ``strength[..., None]``).

        Parameters
        ----------
        other : DiagNormal
            The reference beliefs.
        strength : numpy.ndarray
            The strengths (already validated), broadcasting against ``batch + (d,)``.

        Returns
        -------
        numpy.ndarray
            The weighted divergences, of the broadcast batch shape.

        Raises
        ------
        ValueError
            If the shapes do not broadcast.

        Examples
        --------
        >>> import numpy as np, beds
        >>> p, ref = beds.DiagNormal([0.0, 0.0], 1.0), beds.DiagNormal([1.0, 1.0], 1.0)
        >>> float(p.weighted_kl(ref, np.array([1.0, 0.0])))   # only the first coordinate: 1/2
        0.5
        """
        return np.sum(strength * _normal.kl(self.mean, self.std, other.mean, other.std), axis=-1)

    def move(self, other: DiagNormal, t: Any) -> DiagNormal:
        """Return the points at t on the coordinate geodesics from self toward ``other``.

        Each coordinate moves along its own half-plane geodesic (:func:`beds.normal.geodesic`), with
        t per coordinate (laid out like a per-coordinate strength): for a shared t this is the
        geodesic of the product geometry.

        Parameters
        ----------
        other : DiagNormal
            The end points (t = 1).
        t : array_like
            The parameters, broadcasting against ``batch + (d,)``.

        Returns
        -------
        DiagNormal
            The points.

        Raises
        ------
        ValueError
            If t is not finite or the shapes do not broadcast.
        TypeError
            If t is not real numbers.

        Examples
        --------
        >>> import numpy as np, beds
        >>> p, q = beds.DiagNormal([0.0, 0.0], 1.0), beds.DiagNormal([0.0, 0.0], 4.0)
        >>> p.move(q, np.array([0.0, 0.5])).std   # the second coordinate half-way: sqrt(1 * 4)
        array([1., 2.])
        """
        m, s = _normal.geodesic(self.mean, self.std, other.mean, other.std, t)
        return DiagNormal._trusted(m, s)

    def fisher_rao_penalty_parts(
        self, other: DiagNormal, strength: np.ndarray, out: Any = None
    ) -> tuple[Any, list[np.ndarray], list[np.ndarray], DiagNormal]:
        """Compute the value, gradient, natural gradient and base point of ``sum_i strength_i/2 d_i^2``.

        One pass of the fused kernel ``beds.ufuncs.diag_normal_fr_penalty``: per coordinate, the
        natural gradient ``-strength_i Log(q_i, ref_i)`` and the Euclidean gradient
        ``diag(1/std_i^2, 2/std_i^2)`` times it, and the value summed over the coordinates (a
        fixed summation order); used by :func:`beds.fisher_rao_penalty`
        (:doc:`/mathematics/regularization`).

        Parameters
        ----------
        other : DiagNormal
            The reference beliefs.
        strength : numpy.ndarray
            The strengths (finite, >= 0), broadcasting against ``batch + (d,)``.
        out : tuple of numpy.ndarray, optional
            Five arrays for (value, grad_mean, grad_std, natgrad_mean, natgrad_std).

        Returns
        -------
        value : numpy.ndarray
            The penalties, of the broadcast batch shape.
        grad : list of numpy.ndarray
            ``[grad_mean, grad_std]``, shape ``batch + (d,)``.
        natural_grad : list of numpy.ndarray
            ``[natgrad_mean, natgrad_std]``.
        base : DiagNormal
            Self broadcast to the common shape.

        Raises
        ------
        TypeError
            If ``out`` is not None or a tuple of 5 arrays.
        ValueError
            If an element is outside its domain (a negative strength) or the shapes do not
            broadcast.

        Examples
        --------
        >>> import numpy as np, beds
        >>> p, ref = beds.DiagNormal([0.0, 0.0], 1.0), beds.DiagNormal([0.0, 1.0], 1.0)
        >>> value, grad, nat, base = p.fisher_rao_penalty_parts(ref, np.array([1.0, 2.0]))
        >>> round(float(value), 6), grad[0].round(6)   # 2/2 d^2 with d = sqrt(2) arccosh(5/4)
        (0.960906, array([-0.      , -1.848392]))
        """
        check_penalty_out(out)
        shape = np.broadcast_shapes(self.mean.shape, other.mean.shape, strength.shape)
        v, gm, gs, nm, ns = call_kernel(
            "diag_normal_fr_penalty",
            [self.mean, self.std, other.mean, other.std, np.broadcast_to(strength, shape)],
            out=out,
            on_domain_error=_normal.PENALTY_RANGE + _SUMS,
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
        """Draw ``n`` independent vectors from every belief.

        ``mean + std * z`` with independent standard normal z (numpy's generator), shape
        ``(n,) + batch_shape + (d,)``.

        Parameters
        ----------
        n : int
            Number of draws (>= 0).
        rng : numpy.random.Generator, int or None
            The generator (or a seed for ``numpy.random.default_rng``; None: fresh entropy).

        Returns
        -------
        numpy.ndarray
            The draws, the beliefs' dtype.

        Raises
        ------
        ValueError
            If n is not a non-negative integer.
        TypeError
            If rng is of another type.

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
        """Compute the log density of vectors x: the sum of the coordinate normal log densities.

        ``sum_i [-(x_i - mean_i)^2 / (2 std_i^2) - log(std_i)] - d log(2 pi)/2`` (the coordinates are
        independent).

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
            If x is not real numbers.
        ValueError
            If x holds NaN, its last axis is not d, or the shapes do not broadcast.

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
        """Compute the density of vectors x: the product of the coordinate normal densities.

        The exponential of :meth:`log_prob` (same shapes and dtypes).

        Parameters
        ----------
        x : array_like
            Points of shape ``(..., d)``.

        Returns
        -------
        numpy.ndarray
            Densities of the broadcast batch shape.

        Raises
        ------
        TypeError, ValueError
            As for :meth:`log_prob`.

        Examples
        --------
        >>> import numpy as np, beds
        >>> beds.DiagNormal(np.zeros((2, 2)), 1.0).pdf([[0.0, 0.0], [1.0, 2.0]])   # exp(-|x|^2/2) / (2 pi)
        array([0.15915494, 0.01306423])
        """
        return np.exp(self.log_prob(x))

    def cdf(self, x: Any) -> np.ndarray:
        """Compute the joint distribution function ``P(X_1 <= x_1, ..., X_d <= x_d)``.

        The product of the coordinate normal CDFs (the coordinates are independent), each
        ``erfc(-(x_i - mean_i) / (std_i sqrt 2)) / 2``.

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
        """Convert a single belief to ``scipy.stats.multivariate_normal(mean, diag(std^2))``.

        scipy's multivariate normal holds one distribution: convert the elements of a batch
        (``p[i].to_scipy()``).

        Returns
        -------
        scipy.stats frozen multivariate_normal
            The distribution (copies of the parameters).

        Raises
        ------
        ValueError
            If the batch shape is not ``()``.
        ImportError
            If scipy is not installed.

        Examples
        --------
        >>> import beds
        >>> beds.DiagNormal([0.0, 1.0], [1.0, 2.0]).to_scipy().cov
        array([[1., 0.],
               [0., 4.]])
        """
        from . import _distributions as _d

        _d.require_single(self, "multivariate_normal")
        return _d.scipy_stats().multivariate_normal(np.array(self.mean), np.diag(np.array(self.std) ** 2))

    @classmethod
    def from_scipy(cls, frozen: Any) -> DiagNormal:
        """Create the belief of a frozen ``scipy.stats.multivariate_normal`` with a diagonal covariance.

        ``std`` is the square root of the covariance's diagonal; a full covariance belongs to
        :meth:`beds.MVNormal.from_scipy`.

        Parameters
        ----------
        frozen : scipy.stats frozen multivariate_normal
            The distribution.

        Returns
        -------
        DiagNormal
            The belief (batch shape ``()``).

        Raises
        ------
        ValueError
            If ``frozen`` is not a frozen ``scipy.stats.multivariate_normal``, or its covariance is
            not diagonal.

        Examples
        --------
        >>> import numpy as np, scipy.stats, beds
        >>> beds.DiagNormal.from_scipy(scipy.stats.multivariate_normal([0.0, 1.0], np.diag([1.0, 4.0])))
        DiagNormal(mean=[0. 1.], std=[1. 2.], batch_shape=())
        """
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
        """Convert to ``torch.distributions.Independent(Normal(mean, std), 1)``.

        The tensors hold copies of the parameters; the last axis is the event.

        Returns
        -------
        torch.distributions.Independent
            The distribution, with the same batch shape and event shape ``(d,)``.

        Raises
        ------
        ImportError
            If PyTorch is not installed.

        Examples
        --------
        >>> import beds
        >>> beds.DiagNormal([0.0, 1.0], [1.0, 2.0]).to_torch().event_shape
        torch.Size([2])
        """
        from . import _distributions as _d

        D = _d.torch_module().distributions
        return D.Independent(D.Normal(_d.tensor(self.mean), _d.tensor(self.std)), 1)

    @classmethod
    def from_torch(cls, dist: Any) -> DiagNormal:
        """Create the beliefs of ``torch.distributions.Independent(Normal(loc, scale), 1)``.

        The parameters are copied to host numpy arrays (detached).

        Parameters
        ----------
        dist : torch.distributions.Independent
            An ``Independent`` wrapping a ``Normal`` with one reinterpreted batch axis.

        Returns
        -------
        DiagNormal
            ``DiagNormal(loc, scale)``.

        Raises
        ------
        TypeError
            If ``dist`` is not of that form.
        ImportError
            If PyTorch is not installed.

        Examples
        --------
        >>> import torch, beds
        >>> D = torch.distributions
        >>> beds.DiagNormal.from_torch(D.Independent(D.Normal(torch.zeros(2), torch.ones(2)), 1))
        DiagNormal(mean=[0. 0.], std=[1. 1.], batch_shape=())
        """
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
