"""Exponential beliefs Exp(rate): a one-dimensional geometry, flat in u = log(rate).

Fisher information ``1 / rate^2``; ``d = |log(rate2 / rate1)|`` (evaluated as
``log1p(|rate2 - rate1| / min(rate1, rate2))``), geodesics ``rate1 (rate2/rate1)^t``,
``Exp_rate(v) = rate exp(v / rate)``, transport ``v rate2 / rate1``; the Frechet mean is the
weighted geometric mean.  Reference: S. Amari, *Information Geometry and Its Applications*,
Springer (2016); docs page :doc:`/mathematics/exponential`.

This module is longer than the project's 500-line guideline because it holds every array function
of the family and its belief class, each with its own numpydoc docstring;
about 300 of its lines are code, the rest documentation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._flat1d import OUT, PAIR, RAISES, RAISES_LEAVES, RETURNS, RateBelief, karcher_mean_1d, make_functions

__all__ = [
    "Exponential",
    "distance",
    "entropy",
    "exp",
    "geodesic",
    "inner",
    "jeffreys",
    "karcher_mean",
    "kl",
    "log",
    "transport",
]

_RANGE = (
    "the resulting rate is not representable: it leaves the range of the output dtype (float64: 4.9e-324 to "
    "1.8e308; float32: 1.4e-45 to 3.4e38)"
)
_REF = """Reference: S. Amari, *Information Geometry and Its Applications*, Springer (2016);
    :doc:`/mathematics/exponential`."""
_DOCS = {
    "distance": f"""Compute the Fisher-Rao distance ``|log(rate2 / rate1)|`` between exponential beliefs.

    The Fisher information is ``1 / rate^2``, so ``ds = |d rate| / rate``: the family is a flat line
    in ``log(rate)``.  Evaluated as ``log1p(|rate2 - rate1| / min(rate1, rate2))``, accurate for near
    pairs (where the ratio rounds to 1).

    Parameters
    ----------
    {PAIR}
    {OUT}

    Returns
    -------
    {RETURNS}

    {RAISES}

    See Also
    --------
    beds.distance : The same for belief objects.

    Notes
    -----
    {_REF}

    Examples
    --------
    >>> import beds
    >>> float(beds.exponential.distance(1.0, 2.718281828459045))
    1.0
    >>> print(f"{{float(beds.exponential.distance(1.0, 1.0 + 1e-15)):.6e}}")   # no rounding of the ratio
    1.110223e-15
    """,
    "kl": f"""Compute the Kullback-Leibler divergence KL(Exp(rate1) || Exp(rate2)) in nats.

    ``KL = log(rate1/rate2) + rate2/rate1 - 1``, evaluated as ``-log1pmx(delta)`` with ``delta =
    (rate2 - rate1) / rate1`` and ``log1pmx(x) = log(1 + x) - x``: accurate for near pairs.

    Parameters
    ----------
    {PAIR}
    {OUT}

    Returns
    -------
    {RETURNS}

    {RAISES}

    See Also
    --------
    beds.kl : The same for belief objects.

    Notes
    -----
    {_REF}

    Examples
    --------
    >>> import beds
    >>> float(beds.exponential.kl(1.0, 4.0))   # 3 - ln 4
    1.6137056388801094
    """,
    "jeffreys": f"""Compute the Jeffreys divergence ``(rate1 - rate2)^2 / (rate1 rate2)`` in nats.

    ``KL(1 || 2) + KL(2 || 1)``: the logarithms cancel, leaving ``rate1/rate2 + rate2/rate1 - 2``.

    Parameters
    ----------
    {PAIR}
    {OUT}

    Returns
    -------
    {RETURNS}

    {RAISES}

    See Also
    --------
    beds.jeffreys : The same for belief objects.

    Notes
    -----
    {_REF}

    Examples
    --------
    >>> import beds
    >>> float(beds.exponential.jeffreys(1.0, 4.0))   # 9 / 4
    2.25
    """,
    "entropy": f"""Compute the differential entropy ``1 - log(rate)`` of Exp(rate) in nats.

    ``-E[log(rate e^(-rate x))] = -log(rate) + rate E[x]`` with ``E[x] = 1 / rate``.

    Parameters
    ----------
    rate : array_like
        Rates (finite, > 0).
    {OUT}

    Returns
    -------
    {RETURNS}

    {RAISES}

    See Also
    --------
    beds.entropy : The same for belief objects.

    Notes
    -----
    Reference: T. M. Cover, J. A. Thomas, *Elements of Information Theory*, Wiley (2006), chapter 8;
    :doc:`/mathematics/exponential`.

    Examples
    --------
    >>> import beds
    >>> beds.exponential.entropy([1.0, 2.0])   # 1, 1 - ln 2
    array([1.        , 0.30685282])
    """,
    "inner": f"""Compute the Fisher inner product ``u v / rate^2`` of tangent vectors at Exp(rate).

    Tangent vectors are velocities of the rate.

    Parameters
    ----------
    rate : array_like
        Rates of the base points (finite, > 0).
    u, v : array_like
        The tangent vectors (finite); all arguments broadcast.
    {OUT}

    Returns
    -------
    {RETURNS}

    {RAISES}

    See Also
    --------
    beds.inner : The same for :class:`~beds.Tangent` objects.

    Notes
    -----
    {_REF}

    Examples
    --------
    >>> import beds
    >>> float(beds.exponential.inner(2.0, 1.0, 1.0))
    0.25
    """,
    "exp": f"""Compute the exponential map ``rate exp(v / rate)``: the end point of the geodesic with velocity v.

    A straight line in ``log(rate)`` with slope ``v / rate``.

    Parameters
    ----------
    rate : array_like
        Rates of the base points (finite, > 0).
    v : array_like
        The velocities (finite); the arguments broadcast.
    {OUT}

    Returns
    -------
    {RETURNS}

    {RAISES_LEAVES}

    See Also
    --------
    log : The inverse map.
    beds.exp : The same for :class:`~beds.Tangent` objects.

    Notes
    -----
    The family has no boundary at finite distance; a result outside the floating-point range
    raises ValueError.  {_REF}

    Examples
    --------
    >>> import beds
    >>> round(float(beds.exponential.exp(1.0, 1.0)), 12)   # e
    2.718281828459
    """,
    "log": f"""Compute the logarithm map ``rate1 log(rate2 / rate1)``: the velocity at rate1 toward rate2.

    Its Fisher norm ``|v| / rate1`` is the distance.

    Parameters
    ----------
    {PAIR}
    {OUT}

    Returns
    -------
    {RETURNS}

    {RAISES}

    See Also
    --------
    exp : The inverse map.
    beds.log : The same for belief objects (returns a :class:`~beds.Tangent`).

    Notes
    -----
    {_REF}

    Examples
    --------
    >>> import beds
    >>> float(beds.exponential.log(1.0, 4.0))   # ln 4
    1.3862943611198906
    """,
    "geodesic": f"""Compute the geodesic point ``rate1 (rate2 / rate1)^t``.

    t = 0 gives rate1, t = 1 rate2, t = 1/2 the geometric mean; t outside [0, 1] extrapolates.

    Parameters
    ----------
    {PAIR}
    t : array_like
        The parameter (finite), broadcasting with the rates.
    {OUT}

    Returns
    -------
    {RETURNS}

    {RAISES_LEAVES}

    See Also
    --------
    beds.geodesic : The same for belief objects.

    Notes
    -----
    {_REF}

    Examples
    --------
    >>> import beds
    >>> beds.exponential.geodesic(1.0, 4.0, [0.0, 0.5, 1.0])
    array([1., 2., 4.])
    """,
    "transport": f"""Compute the parallel transport ``v rate2 / rate1`` of a tangent vector from rate1 to rate2.

    It keeps the Fisher norm: ``|v| / rate1 = |v'| / rate2``.

    Parameters
    ----------
    {PAIR}
    v : array_like
        The tangent vectors at rate1 (finite).
    {OUT}

    Returns
    -------
    {RETURNS}

    {RAISES}

    See Also
    --------
    beds.transport : The same for :class:`~beds.Tangent` objects.

    Notes
    -----
    {_REF}

    Examples
    --------
    >>> import beds
    >>> float(beds.exponential.transport(1.0, 4.0, 1.0))
    4.0
    """,
}
_F = make_functions("exponential", "beds.exponential", _DOCS, leaves=_RANGE)
distance, kl, jeffreys, entropy, inner, exp, log, geodesic, transport = (
    _F[k] for k in ("distance", "kl", "jeffreys", "entropy", "inner", "exp", "log", "geodesic", "transport")
)


def karcher_mean(rate: Any, weights: Any = None) -> np.ndarray:
    """Compute the Frechet mean of exponential beliefs over the last axis: the weighted geometric mean.

    ``exp(sum_i w_i log(rate_i) / sum_i w_i)``, the minimizer of ``sum_i w_i d(m, rate_i)^2`` (the
    family is flat in ``log(rate)``).

    Parameters
    ----------
    rate : array_like or dask.array.Array
        Rates (finite, > 0), at least one axis; the mean is taken over the last one (dask arrays give
        a lazy result).
    weights : array_like, optional
        Non-negative weights broadcasting to ``rate``, with a positive sum over the last axis
        (default: equal weights).

    Returns
    -------
    numpy.ndarray, numpy.float64 or dask.array.Array
        The means, of the shape of ``rate`` without its last axis.

    Raises
    ------
    TypeError
        If an argument is not an array of real numbers.
    ValueError
        If ``rate`` is 0-d or has an empty last axis, an element is outside its domain, or the
        weights are negative, sum to 0 or do not broadcast.

    See Also
    --------
    beds.karcher_mean : The same for belief objects, over any batch axes.

    Notes
    -----
    Reference: S. Amari, *Information Geometry and Its Applications*, Springer (2016);
    :doc:`/mathematics/exponential`.

    Examples
    --------
    >>> import beds
    >>> float(beds.exponential.karcher_mean([1.0, 4.0]))
    2.0
    >>> beds.exponential.karcher_mean([[1.0, 4.0]], weights=[3.0, 1.0])   # 4^(1/4)
    array([1.41421356])
    """
    return karcher_mean_1d("exponential", rate, weights)


class Exponential(RateBelief):
    """A batch of exponential beliefs Exp(rate), density ``rate e^(-rate x)`` on ``x >= 0``.

    A one-dimensional Fisher-Rao geometry, flat in ``log(rate)`` (:mod:`beds.exponential`): every
    operation has a closed form, and the Karcher mean is the weighted geometric mean.  An exp map or
    a geodesic whose rate leaves the floating-point range raises ValueError.

    The class is longer than the 300-line guideline because it holds the documented operations of the family;
    about 60 of its lines are code.

    Parameters
    ----------
    rate : array_like
        Rates (finite, > 0); the batch shape is their shape.

    Raises
    ------
    TypeError
        If ``rate`` is not an array of real numbers, or is missing.
    ValueError
        If an element is not finite and > 0 (the message names the index).

    See Also
    --------
    Poisson : The other one-parameter family.

    Notes
    -----
    Reference: S. Amari, *Information Geometry and Its Applications*, Springer (2016);
    :doc:`/mathematics/exponential`.

    Examples
    --------
    >>> import beds
    >>> p, q = beds.Exponential([1.0, 2.0]), beds.Exponential(4.0)
    >>> beds.distance(p, q)   # |log(rate2 / rate1)|
    array([1.38629436, 0.69314718])
    """

    __slots__ = ()
    family = "exponential"
    leaves_domain = _RANGE

    metric_power = 2  # I(rate) = 1 / rate^2

    # ------------------------------------------- what the generic code needs (beds._geometry)
    def kl_gradient(self, other: Exponential) -> list[np.ndarray]:
        """Compute the Euclidean gradient of KL(self || other) with respect to the rate.

        The derivative of ``log(rate/rate_o) + rate_o/rate - 1``: ``1/rate - rate_o/rate^2``, zero at
        ``rate == rate_o``, evaluated as ``((rate - rate_o) / rate) / rate`` (no cancellation, no
        intermediate overflow).  Used by :func:`beds.kl_penalty`.

        Parameters
        ----------
        other : Exponential
            The reference beliefs (batch shapes broadcast; the family is checked by the callers).

        Returns
        -------
        list of numpy.ndarray
            ``[grad_rate]``, of the broadcast batch shape.

        Raises
        ------
        ValueError
            If the batch shapes do not broadcast.

        Examples
        --------
        >>> import beds
        >>> beds.Exponential([1.0, 2.0]).kl_gradient(beds.Exponential(4.0))
        [array([-3. , -0.5])]
        """
        with np.errstate(all="ignore"):
            return [(self.rate - other.rate) / self.rate / self.rate]

    def kl_reference_gradient(self, other: Exponential) -> list[np.ndarray]:
        """Compute the Euclidean gradient of KL(self || other) with respect to the rate of ``other``.

        The derivative of ``log(rate/rate_o) + rate_o/rate - 1`` in ``rate_o``: ``1/rate - 1/rate_o``,
        zero at ``rate == rate_o``.

        Parameters
        ----------
        other : Exponential
            The reference beliefs (batch shapes broadcast; the family is checked by the callers).

        Returns
        -------
        list of numpy.ndarray
            ``[grad_rate_o]``, of the broadcast batch shape.

        Raises
        ------
        ValueError
            If the batch shapes do not broadcast.

        Examples
        --------
        >>> import beds
        >>> beds.Exponential([1.0, 2.0]).kl_reference_gradient(beds.Exponential(4.0))
        [array([0.75, 0.25])]
        """
        return [1.0 / self.rate - 1.0 / other.rate]

    # ==================================================================================
    # Distribution methods: beliefs as probability distributions (helpers: beds._distributions)
    # ==================================================================================
    @property
    def mean(self) -> np.ndarray:
        """Mean ``1 / rate`` of each belief."""
        return 1.0 / self.rate

    @property
    def variance(self) -> np.ndarray:
        """Variance ``1 / rate^2`` of each belief."""
        return 1.0 / self.rate**2

    def sample(self, n: int, rng: Any = None) -> np.ndarray:
        """Draw ``n`` values per belief: ``e / rate`` with e standard exponential.

        numpy's exponential generator, in the beliefs' dtype.

        Parameters
        ----------
        n : int
            Number of draws (>= 0).
        rng : numpy.random.Generator, int or None
            The generator (or a seed for ``numpy.random.default_rng``; None: fresh entropy).

        Returns
        -------
        numpy.ndarray
            Non-negative draws of shape ``(n,) + batch_shape``.

        Raises
        ------
        ValueError
            If n is not a non-negative integer.
        TypeError
            If rng is of another type.

        Examples
        --------
        >>> import beds
        >>> beds.Exponential([1.0, 2.0]).sample(3, rng=0).shape
        (3, 2)
        """
        from . import _distributions as _d

        e = _d.get_rng(rng).standard_exponential((_d.check_n(n),) + self.batch_shape, dtype=self.dtype)
        return e / self.rate

    def log_prob(self, x: Any) -> np.ndarray:
        """Compute the log density ``log(rate) - rate x`` for x >= 0 (-inf for x < 0).

        Evaluated in the beliefs' dtype (float32 for float32 beliefs and float32 or integer points).

        Parameters
        ----------
        x : array_like
            Points, broadcasting with the batch shape.

        Returns
        -------
        numpy.ndarray
            Log densities of the broadcast shape.

        Raises
        ------
        TypeError
            If x is not real numbers.
        ValueError
            If x holds NaN, or its shape does not broadcast with the batch shape.

        Examples
        --------
        >>> import beds
        >>> beds.Exponential(2.0).log_prob([-1.0, 0.0]).round(6).tolist()
        [-inf, 0.693147]
        """
        from . import _distributions as _d

        a = _d.points(x)
        dt = _d.out_dtype(self.dtype, a)
        xa = a.astype(dt, copy=False)
        with np.errstate(invalid="ignore"):
            v = np.log(self.rate) - self.rate * np.where(xa >= 0, xa, 0)
        return np.where(xa >= 0, v, -np.inf).astype(dt, copy=False)

    def pdf(self, x: Any) -> np.ndarray:
        """Compute the density ``rate exp(-rate x)`` for x >= 0 (0 below).

        The exponential of :meth:`log_prob`.

        Parameters
        ----------
        x : array_like
            Points, broadcasting with the batch shape.

        Returns
        -------
        numpy.ndarray
            Densities of the broadcast shape.

        Raises
        ------
        TypeError, ValueError
            As for :meth:`log_prob`.

        Examples
        --------
        >>> import beds
        >>> beds.Exponential(1.0).pdf([0.5, -1.0])
        array([0.60653066, 0.        ])
        """
        return np.exp(self.log_prob(x))

    def cdf(self, x: Any) -> np.ndarray:
        """Compute ``P(X <= x) = 1 - exp(-rate x)`` for x >= 0 (0 below).

        Evaluated as ``-expm1(-rate x)``: full relative accuracy for small ``rate x``.

        Parameters
        ----------
        x : array_like
            Points, broadcasting with the batch shape.

        Returns
        -------
        numpy.ndarray
            Probabilities of the broadcast shape.

        Raises
        ------
        TypeError, ValueError
            As for :meth:`log_prob`.

        Examples
        --------
        >>> import beds
        >>> float(beds.Exponential(2.0).cdf(0.5))  # 1 - 1/e
        0.6321205588285577
        """
        from . import _distributions as _d

        a = _d.points(x)
        dt = _d.out_dtype(self.dtype, a)
        xa = a.astype(dt, copy=False)
        return np.where(xa > 0, -np.expm1(-self.rate * np.where(xa > 0, xa, 0)), 0.0).astype(dt, copy=False)

    def to_scipy(self) -> Any:
        """Convert to the frozen ``scipy.stats.expon(scale=1 / rate)``.

        A batch becomes one frozen distribution with an array scale.

        Returns
        -------
        scipy.stats frozen expon
            The distribution.

        Raises
        ------
        ImportError
            If scipy is not installed.

        Examples
        --------
        >>> import beds
        >>> beds.Exponential([1.0, 2.0]).to_scipy().mean()
        array([1. , 0.5])
        """
        from . import _distributions as _d

        return _d.scipy_stats().expon(scale=1.0 / np.array(self.rate))

    @classmethod
    def from_scipy(cls, frozen: Any) -> Exponential:
        """Create the beliefs of a frozen ``scipy.stats.expon(scale=s)``: rate ``1 / s``.

        The location must be 0 (an exponential belief starts at 0).

        Parameters
        ----------
        frozen : scipy.stats frozen expon
            The distribution.

        Returns
        -------
        Exponential
            The beliefs.

        Raises
        ------
        ValueError
            If ``frozen`` is not a frozen ``scipy.stats.expon``, or its location is not 0.

        Examples
        --------
        >>> import beds, scipy.stats
        >>> beds.Exponential.from_scipy(scipy.stats.expon(scale=[1.0, 0.5]))
        Exponential(rate=[1. 2.], batch_shape=(2,))
        """
        from . import _distributions as _d

        v = _d.scipy_params(frozen, "expon", cls.__name__)
        _d.require_zero(v, "loc", cls.__name__, "an exponential belief starts at 0 (loc = 0)")
        return cls(1.0 / np.asarray(v["scale"], dtype=np.float64))

    def to_torch(self) -> Any:
        """Convert to ``torch.distributions.Exponential(rate)``.

        The tensor holds a copy of the rates.

        Returns
        -------
        torch.distributions.Exponential
            The distribution.

        Raises
        ------
        ImportError
            If PyTorch is not installed.

        Examples
        --------
        >>> import beds
        >>> beds.Exponential([1.0, 2.0]).to_torch().mean
        tensor([1.0000, 0.5000], dtype=torch.float64)
        """
        from . import _distributions as _d

        return _d.torch_module().distributions.Exponential(_d.tensor(self.rate))

    @classmethod
    def from_torch(cls, dist: Any) -> Exponential:
        """Create the beliefs of a ``torch.distributions.Exponential``.

        The rates are copied to host numpy arrays (detached).

        Parameters
        ----------
        dist : torch.distributions.Exponential
            The distribution.

        Returns
        -------
        Exponential
            The beliefs.

        Raises
        ------
        TypeError
            If ``dist`` is not a ``torch.distributions.Exponential``.
        ImportError
            If PyTorch is not installed.

        Examples
        --------
        >>> import torch, beds
        >>> beds.Exponential.from_torch(torch.distributions.Exponential(torch.tensor([1.0, 2.0])))
        Exponential(rate=[1. 2.], batch_shape=(2,))
        """
        from . import _distributions as _d

        D = _d.torch_module().distributions
        if not isinstance(dist, D.Exponential):
            got = type(dist).__name__
            raise TypeError(f"{cls.__name__}.from_torch needs a torch.distributions.Exponential, got {got}")
        return cls(_d.from_tensor(dist.rate))

    # ============================================================== end of distribution methods
