"""Categorical beliefs on k classes: the positive orthant of the sphere of radius 2.

``p -> 2 sqrt(p)`` maps the simplex isometrically (Fisher metric ``sum dp_i^2 / p_i``) onto the
sphere of radius 2, so ``d(p, q) = 2 arccos(sum_i sqrt(p_i q_i))``, evaluated in the chord form
``4 asin(|sqrt(p) - sqrt(q)| / 2)`` (accurate for near pairs, where arccos loses half the digits).
Geodesics are great circles; they reach the boundary of the simplex in finite time, and an exp
map or an extrapolated geodesic that leaves the closed simplex raises ValueError.

Probabilities live on the last axis and must be >= 0 and sum to 1 within ``PROB_SUM_TOL``
(1e-6 for float64, 1e-4 for float32 computations; the kernels renormalise exactly).  Tangent vectors
are in probability coordinates and sum to 0.  exp, log, transport, inner and metric need the base
point inside the simplex (every p_i > 0); distances, divergences and geodesics accept boundary
points.  Reference: Amari, "Information Geometry and Its Applications" (2016), section 2.3; the
formulas and reference values are on the docs page :doc:`/mathematics/categorical`.

This module is longer than the project's 500-line guideline because it holds every array function
of the family and its belief class, each with its own numpydoc docstring; about 560 of its 1400
lines are code (the chord-form kernels' wrappers, the boundary rules of the simplex and the
spherical Karcher mean), the rest documentation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._belief import Belief, _warn_not_converged
from ._dask import is_dask_array, lazy_or_real
from ._geometry import FamilyChart, unknown_chart
from ._kernels import array_function, call_kernel
from ._validation import as_real_array, check_domain, check_iterations, karcher_weights

__all__ = [
    "Categorical",
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

_M = "beds.categorical"
_LEAVES = "the geodesic leaves the probability simplex (a probability would become negative)"
_RANGE = {
    "inner": "the inner product exceeds the largest float of the output dtype (1.8e308 in float64, 3.4e38 in "
    "float32): u and v are too large for the probabilities p",
    "transport": "the transported vector overflows the output dtype (1.8e308 in float64, 3.4e38 in float32): "
    "v is too large, or a probability of q too large relative to the same class of p",
}

# Parts shared by the docstrings of the array functions (generalized ufuncs over the last axis)
_PQ = """p, q : array_like
        Probability vectors on the last axis (finite, >= 0, summing to 1 within ``PROB_SUM_TOL``),
        shape ``(..., k)`` with one k; the leading axes broadcast (numpy rules)."""
_OUT = """out : numpy.ndarray, optional
        Array to write the result into (numpy ufunc semantics)."""
_DTYPE = "float32 when every argument is a float32 array, float64 otherwise"
_RAISES = """Raises
    ------
    TypeError
        If an argument is not an array of real numbers, or is missing or unexpected.
    ValueError
        If an element is outside its domain (the message names the argument and the index), an
        argument has no class axis, or the shapes do not broadcast."""
_REF = """Reference: S. Amari, *Information Geometry and Its Applications*, Springer (2016), section 2.3;
    :doc:`/mathematics/categorical`."""

distance = array_function(
    "categorical_distance",
    f"""Compute the Fisher-Rao distance between categorical distributions.

    ``d = 2 arccos(sum_i sqrt(p_i q_i))``, the great-circle distance on the sphere of radius 2 onto
    which ``p -> 2 sqrt(p)`` maps the simplex, evaluated in the chord form
    ``4 asin(|sqrt(p) - sqrt(q)| / 2)`` with ``(sqrt(p_i) - sqrt(q_i))^2 = (p_i - q_i)^2 / (p_i + q_i
    + 2 sqrt(p_i q_i))`` (no cancellation: the arccos form loses half the digits for near pairs).  At
    most pi (two vertices of the simplex).

    Parameters
    ----------
    {_PQ}
    {_OUT}

    Returns
    -------
    numpy.ndarray or numpy.float64
        The distances, of the broadcast batch shape; {_DTYPE}.

    {_RAISES}

    See Also
    --------
    beds.distance : The same for belief objects.

    Notes
    -----
    Boundary points (``p_i = 0``) are accepted.  {_REF}

    Examples
    --------
    >>> import beds
    >>> round(float(beds.categorical.distance([0.5, 0.5], [0.1, 0.9])), 12)
    0.927295218002
    >>> round(float(beds.categorical.distance([1.0, 0.0], [0.0, 1.0])), 12)   # pi
    3.14159265359
    """,
    module=_M,
)
kl = array_function(
    "categorical_kl",
    f"""Compute the Kullback-Leibler divergence ``KL(p || q) = sum_i p_i log(p_i / q_i)`` in nats.

    Terms with ``p_i = 0`` are 0; the divergence is +inf where ``q_i = 0 < p_i``.  Every term is
    evaluated as a non-negative quantity, so near pairs keep full relative accuracy.

    Parameters
    ----------
    {_PQ}
    {_OUT}

    Returns
    -------
    numpy.ndarray or numpy.float64
        The divergences (>= 0, possibly inf), of the broadcast batch shape; {_DTYPE}.

    {_RAISES}

    See Also
    --------
    beds.kl : The same for belief objects.

    Notes
    -----
    {_REF}

    Examples
    --------
    >>> import beds
    >>> round(float(beds.categorical.kl([0.5, 0.5], [0.1, 0.9])), 12)   # (ln 5 + ln(5/9)) / 2 = ln(5/3)
    0.510825623766
    >>> float(beds.categorical.kl([0.5, 0.5], [1.0, 0.0]))
    inf
    """,
    module=_M,
)
jeffreys = array_function(
    "categorical_jeffreys",
    f"""Compute the Jeffreys divergence ``sum_i (p_i - q_i) log(p_i / q_i)`` in nats.

    ``KL(p || q) + KL(q || p)``, symmetric; +inf when one distribution gives 0 to a class that the
    other does not.

    Parameters
    ----------
    {_PQ}
    {_OUT}

    Returns
    -------
    numpy.ndarray or numpy.float64
        The divergences, of the broadcast batch shape; {_DTYPE}.

    {_RAISES}

    See Also
    --------
    beds.jeffreys : The same for belief objects.

    Notes
    -----
    Reference: H. Jeffreys, "An invariant form for the prior probability in estimation problems",
    Proc. R. Soc. A 186 (1946); :doc:`/mathematics/categorical`.

    Examples
    --------
    >>> import beds
    >>> round(float(beds.categorical.jeffreys([0.5, 0.5], [0.1, 0.9])), 12)
    0.878889830934
    """,
    module=_M,
)
entropy = array_function(
    "categorical_entropy",
    f"""Compute the Shannon entropy ``-sum_i p_i log p_i`` in nats (``0 log 0 = 0``).

    Between 0 (a vertex of the simplex) and ``log k`` (the uniform distribution).

    Parameters
    ----------
    p : array_like
        Probability vectors on the last axis, shape ``(..., k)``.
    {_OUT}

    Returns
    -------
    numpy.ndarray or numpy.float64
        The entropies, of the batch shape; {_DTYPE}.

    {_RAISES}

    See Also
    --------
    beds.entropy : The same for belief objects.

    Notes
    -----
    Reference: T. M. Cover, J. A. Thomas, *Elements of Information Theory*, Wiley (2006), chapter 2;
    :doc:`/mathematics/categorical`.

    Examples
    --------
    >>> import beds
    >>> beds.categorical.entropy([[0.5, 0.5], [1.0, 0.0]])   # ln 2, 0
    array([0.69314718, 0.        ])
    """,
    module=_M,
)
inner = array_function(
    "categorical_inner",
    f"""Compute the Fisher inner product ``<u, v>_p = sum_i u_i v_i / p_i`` of tangent vectors at p.

    Tangent vectors are in probability coordinates and sum to 0 (the tangent space of the simplex).

    Parameters
    ----------
    p : array_like
        Base points inside the simplex (every ``p_i > 0``), shape ``(..., k)``.
    u, v : array_like
        Tangent vectors at p (finite, summing to 0 within a relative tolerance), shape ``(..., k)``.
    {_OUT}

    Returns
    -------
    numpy.ndarray or numpy.float64
        The inner products, of the broadcast batch shape; {_DTYPE}.

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
    >>> round(float(beds.categorical.inner([0.5, 0.5], [0.1, -0.1], [0.1, -0.1])), 12)   # 2 x 0.01 / 0.5
    0.04
    """,
    module=_M,
    on_domain_error=_RANGE["inner"],
)
exp = array_function(
    "categorical_exp",
    f"""Compute the Riemannian exponential map at p: the end point of a great-circle arc.

    With ``a = sqrt(p)`` on the unit sphere and ``w = v / (2a)`` (the velocity there):
    ``sqrt(q) = cos|w| a + sin|w| w / |w|``, and ``q`` its square.  Components above ``-2^-50``
    on the unit sphere are rounding noise and are clamped to 0; a larger negative component means
    that the arc leaves the simplex.

    Parameters
    ----------
    p : array_like
        Base points inside the simplex (every ``p_i > 0``), shape ``(..., k)``.
    v : array_like
        Tangent vectors at p (finite, summing to 0), shape ``(..., k)``.
    {_OUT}

    Returns
    -------
    numpy.ndarray
        The end points, probability vectors of the broadcast shape ``(..., k)``; {_DTYPE}.

    Raises
    ------
    TypeError
        If an argument is not an array of real numbers, or is missing or unexpected.
    ValueError
        If an element is outside its domain, the shapes do not broadcast, or the arc leaves the
        closed simplex (a probability would become negative).

    See Also
    --------
    log : The inverse map.
    beds.exp : The same for :class:`~beds.Tangent` objects.

    Notes
    -----
    {_REF}

    Examples
    --------
    >>> import beds
    >>> v = beds.categorical.log([0.5, 0.5], [0.1, 0.9])
    >>> beds.categorical.exp([0.5, 0.5], v).round(12)
    array([0.1, 0.9])
    """,
    on_domain_error=_LEAVES,
    module=_M,
)
log = array_function(
    "categorical_log",
    f"""Compute the Riemannian logarithm at p toward q, in probability coordinates.

    The initial velocity of the great-circle arc from p (t = 0) to q (t = 1): with ``a = sqrt(p)``,
    ``theta = d(p, q) / 2`` and e the unit direction of the great circle at a,
    ``Log_p(q) = 2 a theta e``.  It sums to 0 and its Fisher norm is the distance.

    Parameters
    ----------
    p : array_like
        Base points inside the simplex (every ``p_i > 0``), shape ``(..., k)``.
    q : array_like
        Target points (on the closed simplex), shape ``(..., k)``.
    {_OUT}

    Returns
    -------
    numpy.ndarray
        The velocities, of the broadcast shape ``(..., k)``; {_DTYPE}.

    {_RAISES}

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
    >>> v = beds.categorical.log([0.5, 0.5], [0.1, 0.9])
    >>> v.round(6), round(float(beds.categorical.inner([0.5, 0.5], v, v)) ** 0.5, 12)   # norm = distance
    (array([-0.463648,  0.463648]), 0.927295218002)
    """,
    module=_M,
)
geodesic = array_function(
    "categorical_geodesic",
    f"""Compute the point at parameter t of the great-circle geodesic from p (t = 0) to q (t = 1).

    With ``a = sqrt(p)``, ``theta = d(p, q) / 2`` and e the unit direction of the great circle:
    ``sqrt(r) = cos(t theta) a + sin(t theta) e``, and r its square.  t outside [0, 1]
    extrapolates, which leaves the simplex in finite time (ValueError).

    Parameters
    ----------
    {_PQ}
    t : array_like
        The parameter (finite), broadcasting with the batch shape.
    {_OUT}

    Returns
    -------
    numpy.ndarray
        The points, probability vectors of the broadcast shape ``(..., k)``; {_DTYPE}.

    Raises
    ------
    TypeError
        If an argument is not an array of real numbers, or is missing or unexpected.
    ValueError
        If an element is outside its domain, the shapes do not broadcast, or the extrapolated
        geodesic leaves the closed simplex.

    See Also
    --------
    beds.geodesic : The same for belief objects.

    Notes
    -----
    Boundary points are accepted.  {_REF}

    Examples
    --------
    >>> import beds
    >>> beds.categorical.geodesic([0.5, 0.5], [0.1, 0.9], 0.5)
    array([0.2763932, 0.7236068])
    >>> beds.categorical.geodesic([1.0, 0.0], [0.0, 1.0], 0.5)   # between two vertices
    array([0.5, 0.5])
    """,
    on_domain_error=_LEAVES,
    module=_M,
)
transport = array_function(
    "categorical_transport",
    f"""Compute the parallel transport of a tangent vector v at p along the geodesic from p to q.

    On the unit sphere (``a = sqrt(p)``, ``w = v / (2a)``), the component of w along the unit
    direction e of the great circle rotates in the plane (a, e) and the rest is unchanged:
    ``w' = w + <w, e> ((cos theta - 1) e - sin theta a)``, ``theta = d(p, q) / 2``; then ``v' = 2
    sqrt(q) w'``.  Inner products are preserved.

    Parameters
    ----------
    p, q : array_like
        Start and end points inside the simplex (every entry > 0), shape ``(..., k)``.
    v : array_like
        Tangent vectors at p (finite, summing to 0), shape ``(..., k)``.
    {_OUT}

    Returns
    -------
    numpy.ndarray
        The transported vectors (at q), of the broadcast shape ``(..., k)``; {_DTYPE}.

    {_RAISES}

    See Also
    --------
    beds.transport : The same for :class:`~beds.Tangent` objects.

    Notes
    -----
    {_REF}

    Examples
    --------
    >>> import beds
    >>> w = beds.categorical.transport([0.5, 0.5], [0.1, 0.9], [0.1, -0.1])
    >>> w.round(12), round(float(beds.categorical.inner([0.1, 0.9], w, w)), 12)   # the norm is kept
    (array([ 0.06, -0.06]), 0.04)
    """,
    module=_M,
    on_domain_error=_RANGE["transport"],
)


def karcher_mean(
    p: Any, weights: Any = None, *, tol: float = 1e-12, max_iter: int = 200, return_iterations: bool = False
) -> Any:
    """Compute the weighted Frechet (Karcher) mean of categorical distributions over axis -2.

    The minimizer of ``sum_i w_i d(m, p_i)^2`` over the simplex, by Riemannian gradient descent on
    the unit sphere (``sqrt(p)``) with unit step, started from the normalised weighted mean of
    ``sqrt(p)``; it stops when the Fisher-Rao length of a step is at most ``tol``.  dask arrays give
    lazy results, validated and computed block by block (see the docs page ``guide``).

    Parameters
    ----------
    p : array_like or dask.array.Array
        Probability vectors, shape ``(..., n, k)``: n distributions over k classes per mean.
    weights : array_like, optional
        Non-negative weights broadcasting to ``(..., n)``, with a positive sum over the last axis
        (default: equal weights).
    tol : float, optional
        Stopping tolerance on the step length (> 0).
    max_iter : int, optional
        Maximum number of iterations (>= 1).
    return_iterations : bool, optional
        Also return the number of iterations of each mean.

    Returns
    -------
    mean : numpy.ndarray or dask.array.Array
        The means, shape ``(..., k)``.
    iterations : numpy.ndarray or numpy.int64
        Only with ``return_iterations``: the iteration counts, -1 where a mean did not converge.

    Raises
    ------
    TypeError
        If an argument is not an array of real numbers.
    ValueError
        If ``p`` has fewer than 2 axes or no distributions, an element is outside its domain, the
        weights are negative, sum to 0 or do not broadcast, ``tol <= 0`` or ``max_iter < 1``.

    Warns
    -----
    ConvergenceWarning
        When a mean did not converge within ``max_iter`` iterations (the last iterate is returned;
        for dask arrays, when the block is computed).

    See Also
    --------
    beds.karcher_mean : The same for belief objects, over any batch axes.

    Notes
    -----
    Reference: H. Karcher, "Riemannian center of mass and mollifier smoothing", Comm. Pure Appl.
    Math. 30 (1977); :doc:`/mathematics/categorical`.

    Examples
    --------
    >>> import beds
    >>> beds.categorical.karcher_mean([[1.0, 0.0], [0.0, 1.0]])
    array([0.5, 0.5])
    >>> beds.categorical.karcher_mean([[0.5, 0.5], [0.1, 0.9]])   # the geodesic midpoint
    array([0.2763932, 0.7236068])
    """
    lazy = is_dask_array(p) or is_dask_array(weights)
    a = lazy_or_real(p, "p") if lazy else as_real_array(p, "p")
    if a.ndim < 2:
        raise ValueError(f"p must have shape (..., n, k), got {a.shape}")
    if a.shape[-2] == 0:
        raise ValueError("karcher_mean of an empty set of beliefs")
    dtype = np.result_type(a.dtype, np.float32)
    if lazy:
        from . import _dask

        a = _dask.checked(_dask.as_dask(a), "p", "probs")
        w = _dask.karcher_weights(weights, a[..., 0], dtype)
        check_iterations(tol, max_iter)
        args = [a, w, np.float64(tol), np.int64(max_iter)]
        m, it = _dask.call_kernel("categorical_karcher_mean", args, warn=_dask.not_converged_message(max_iter))
        return (m, it) if return_iterations else m
    check_domain("p", a, "probs")
    w = karcher_weights(weights, a.shape[:-1], dtype)
    check_iterations(tol, max_iter)
    m, it = call_kernel("categorical_karcher_mean", [a, w, np.float64(tol), np.int64(max_iter)])
    _warn_not_converged(it, max_iter)
    return (m, it) if return_iterations else m


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class Categorical(Belief):
    """A batch of categorical beliefs over k classes; ``probs`` has shape batch_shape + (k,).

    Distributions on k classes (softmax outputs, discrete policies), on the positive orthant of the
    sphere of radius 2 of the Fisher metric (:mod:`beds.categorical`).  Give either ``probs`` (on
    the simplex within ``PROB_SUM_TOL``: 1e-6 for float64, 1e-4 for float32; the kernels
    renormalise exactly) or ``logits`` (``softmax`` is applied, with the maximum subtracted first).

    Parameters
    ----------
    probs : array_like, optional
        Probabilities on the last axis (finite, >= 0, summing to 1).
    logits : array_like, optional
        Keyword-only: finite logits on the last axis, the beliefs being ``softmax(logits)``.

    Raises
    ------
    TypeError
        If neither or both of ``probs`` and ``logits`` are given, or they are not real numbers.
    ValueError
        If an element is outside its domain (the message names the argument and the index), or
        there is no class axis.

    See Also
    --------
    beds.fisher_rao_penalty : ``param="logits"`` works in logit coordinates.

    Notes
    -----
    exp, log, transport, inner and metric need every probability > 0; distances, divergences and
    geodesics accept boundary points.  Reference: S. Amari, *Information Geometry and Its
    Applications*, Springer (2016), section 2.3; :doc:`/mathematics/categorical`.

    Examples
    --------
    >>> import beds
    >>> p = beds.Categorical([0.5, 0.5]); q = beds.Categorical([0.1, 0.9])
    >>> round(float(beds.distance(p, q)), 6)
    0.927295
    >>> beds.Categorical(logits=[0.0, 1.0986122886681098])
    Categorical(probs=[0.25 0.75], batch_shape=())
    """

    __slots__ = ()
    params = ("probs",)
    domains = ("probs",)
    tangent_domains = ("tangent_probs",)
    event_ndim = 1
    family = "categorical"
    entropy_params = ("probs",)
    inner_params = ("probs",)
    leaves_domain = _LEAVES
    range_messages = _RANGE

    def __init__(self, probs: Any = None, *, logits: Any = None) -> None:
        if (probs is None) == (logits is None):
            raise TypeError("give exactly one of probs or logits")
        if logits is not None:
            lg = as_real_array(logits, "logits")
            if lg.ndim == 0:
                raise ValueError("logits must have a last axis of classes, got a scalar")
            if lg.shape[-1] == 0:
                raise ValueError(f"logits must have at least one class along its last axis, got shape {lg.shape}")
            check_domain("logits", lg, "real")
            probs = _softmax(lg.astype(np.result_type(lg, np.float32), copy=False))
        self._set((probs,))

    @property
    def num_classes(self) -> int:
        """Number of classes k (the length of the last axis of :attr:`probs`)."""
        return self._p[0].shape[-1]

    @property
    def logits(self) -> np.ndarray:
        """Logits ``log(probs)`` (-inf for zero probabilities; normalised: ``logsumexp = 0``)."""
        with np.errstate(divide="ignore"):
            return np.log(self.probs)

    def _require_interior(self, what: str) -> None:
        check_domain("probs", self.probs, "probs_interior")

    def _metric_diagonal(self) -> np.ndarray:
        self._require_interior("metric")
        return 1.0 / self.probs

    def exp(self, v: Any) -> Categorical:
        """Compute the Riemannian exponential map: the end point of the great-circle arc with velocity v.

        ``sqrt(q) = cos|w| a + sin|w| w / |w|`` with ``a = sqrt(p)``, ``w = v / (2a)``
        (:func:`beds.categorical.exp`).  Needs every probability of self > 0.

        Parameters
        ----------
        v : Tangent
            Tangent vectors at self (probability coordinates, summing to 0).

        Returns
        -------
        Categorical
            The end points.

        Raises
        ------
        TypeError
            If v is not a :class:`~beds.Tangent` of this family.
        ValueError
            If a probability of self is 0, the shapes do not broadcast, or the arc leaves the closed
            simplex.

        Examples
        --------
        >>> import beds
        >>> p = beds.Categorical([0.5, 0.5])
        >>> p.exp(p.log(beds.Categorical([0.1, 0.9])))
        Categorical(probs=[0.1 0.9], batch_shape=())
        """
        self._require_interior("exp")
        return super().exp(v)  # type: ignore[return-value]

    def log(self, other: Belief) -> Any:
        """Compute the Riemannian logarithm: the velocity at self of the great-circle arc to ``other``.

        ``Log_p(q) = 2 a theta e`` in probability coordinates (``a = sqrt(p)``, ``theta = d/2``, e
        the unit direction of the great circle; :func:`beds.categorical.log`); its norm is the
        distance.  Needs every probability of self > 0 (``other`` may be on the boundary).

        Parameters
        ----------
        other : Categorical
            The end points (batch shapes broadcast).

        Returns
        -------
        Tangent
            Tangent vectors at self (broadcast), summing to 0.

        Raises
        ------
        TypeError
            If ``other`` is not a :class:`Categorical`.
        ValueError
            If a probability of self is 0, or the shapes do not broadcast.

        Examples
        --------
        >>> import beds
        >>> beds.Categorical([0.25, 0.75]).log(beds.Categorical([0.5, 0.5]))
        Tangent(probs=[ 0.226725 -0.226725], at Categorical batch_shape=())
        """
        self._require_interior("log")
        return super().log(other)

    def transport(self, v: Any, other: Belief) -> Any:
        """Compute the parallel transport of v along the geodesic from self to ``other``.

        The component along the great circle rotates in its plane, the rest is unchanged
        (:func:`beds.categorical.transport`); inner products are preserved.  Needs every probability
        of self and of ``other`` > 0.

        Parameters
        ----------
        v : Tangent
            Tangent vectors at self.
        other : Categorical
            The end points.

        Returns
        -------
        Tangent
            The transported vectors, tangent at ``other`` (broadcast).

        Raises
        ------
        TypeError
            If v is not a :class:`~beds.Tangent` of this family or ``other`` not a
            :class:`Categorical`.
        ValueError
            If a probability of self or of ``other`` is 0, or the shapes do not broadcast.

        Examples
        --------
        >>> import beds
        >>> p = beds.Categorical([0.25, 0.75])
        >>> p.transport(p.tangent(probs=[0.1, -0.1]), beds.Categorical([0.5, 0.5]))
        Tangent(probs=[ 0.11547 -0.11547], at Categorical batch_shape=())
        """
        self._require_interior("transport")
        if isinstance(other, Categorical):
            other._require_interior("transport")
        return super().transport(v, other)

    def inner(self, u: Any, v: Any) -> Any:
        """Compute the Fisher inner product ``sum_i u_i v_i / p_i`` of two tangent vectors at self.

        Needs every probability of self > 0 (:func:`beds.categorical.inner`).

        Parameters
        ----------
        u, v : Tangent
            Tangent vectors at self.

        Returns
        -------
        numpy.ndarray or numpy.float64
            The inner products, of the broadcast batch shape.

        Raises
        ------
        TypeError
            If u or v is not a :class:`~beds.Tangent` of this family.
        ValueError
            If a probability of self is 0, or the shapes do not broadcast.

        Examples
        --------
        >>> import beds
        >>> p = beds.Categorical([0.25, 0.75])
        >>> t = p.tangent(probs=[0.1, -0.1])
        >>> round(float(p.inner(t, t)), 12)   # 0.01 / 0.25 + 0.01 / 0.75
        0.053333333333
        """
        self._require_interior("inner")
        return super().inner(u, v)

    def astype(self, dtype: Any) -> Categorical:
        """Return the same distributions in another float dtype, renormalised in that dtype.

        The probabilities are converted and divided by their sum, so that they sum to 1 within the
        tolerance of the new dtype.

        Parameters
        ----------
        dtype : numpy.dtype or str
            A float dtype (float32 or float64).

        Returns
        -------
        Categorical
            The converted beliefs.

        Raises
        ------
        TypeError
            If ``dtype`` is not a float dtype.

        Examples
        --------
        >>> import numpy as np, beds
        >>> beds.Categorical([0.25, 0.75]).astype(np.float32).dtype
        dtype('float32')
        """
        dt = np.dtype(dtype)
        if dt.kind != "f":
            raise TypeError(f"dtype must be a float dtype, got {dt}")
        p = self.probs.astype(dt)
        return Categorical._trusted(p / p.sum(axis=-1, keepdims=True))

    def karcher_mean(
        self, weights: Any = None, axis: Any = None, tol: float = 1e-12, max_iter: int = 200
    ) -> Categorical:
        """Compute the weighted Frechet (Karcher) mean over batch axes.

        Riemannian gradient descent on the unit sphere (:func:`beds.categorical.karcher_mean`, which
        gives the method and the reference).

        Parameters
        ----------
        weights : array_like, optional
            Non-negative weights broadcasting to the batch shape, with a positive sum over the
            reduced axes (default: equal weights).
        axis : int or tuple of int, optional
            The batch axes to reduce (default: all of them).
        tol : float, optional
            Stopping tolerance on the step length (> 0).
        max_iter : int, optional
            Maximum number of iterations (>= 1).

        Returns
        -------
        Categorical
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
            When a mean did not converge within ``max_iter`` iterations.

        Examples
        --------
        >>> import beds
        >>> beds.Categorical([[0.5, 0.5], [0.1, 0.9]]).karcher_mean()
        Categorical(probs=[0.276393 0.723607], batch_shape=())
        """
        (p,), w, _ = self._reduction_layout(weights, axis)
        return Categorical._trusted(karcher_mean(p, w, tol=tol, max_iter=max_iter))

    # ------------------------------------------- what the generic code needs (beds._geometry)
    def kl_gradient(self, other: Categorical) -> list[np.ndarray]:
        """Compute the Euclidean gradient of KL(self || other) in probability coordinates.

        ``d/dp_i sum_j p_j log(p_j / r_j) = log(p_i / r_i) + 1`` (r the probabilities of ``other``); the
        constant 1 is orthogonal to the tangent vectors (they sum to 0), so only the centred part
        matters.  Both beliefs must be inside the simplex.  Used by :func:`beds.kl_penalty`.

        Parameters
        ----------
        other : Categorical
            The reference beliefs (batch shapes broadcast).

        Returns
        -------
        list of numpy.ndarray
            ``[grad_probs]``, of the broadcast shape ``batch + (k,)``.

        Raises
        ------
        ValueError
            If a probability of self (named ``q.probs``) or of ``other`` (``q_ref.probs``) is 0, or the
            shapes do not broadcast.

        Examples
        --------
        >>> import beds
        >>> beds.Categorical([0.25, 0.75]).kl_gradient(beds.Categorical([0.5, 0.5]))   # log(p/r) + 1
        [array([0.30685282, 1.40546511])]
        """
        check_domain("q.probs", self.probs, "probs_interior")
        check_domain("q_ref.probs", other.probs, "probs_interior")
        with np.errstate(divide="ignore"):
            return [np.log(self.probs) - np.log(other.probs) + 1.0]

    def kl_reference_gradient(self, other: Categorical) -> list[np.ndarray]:
        """Compute the Euclidean gradient of KL(self || other) with respect to the probabilities of ``other``.

        ``d/dr_i sum_j p_j log(p_j / r_j) = -p_i / r_i`` (r the probabilities of ``other``, which must
        be inside the simplex; self may be on its boundary).  Only the centred part acts on tangent
        vectors: in logits it is ``r - p`` (:mod:`beds.torch.categorical`).

        Parameters
        ----------
        other : Categorical
            The reference beliefs (batch shapes broadcast).

        Returns
        -------
        list of numpy.ndarray
            ``[grad_probs_o]``, of the broadcast shape ``batch + (k,)``.

        Raises
        ------
        ValueError
            If a probability of ``other`` (named ``q_ref.probs``) is 0, or the shapes do not broadcast.

        Examples
        --------
        >>> import beds
        >>> beds.Categorical([0.25, 0.75]).kl_reference_gradient(beds.Categorical([0.5, 0.5]))   # -p / r
        [array([-0.5, -1.5])]
        """
        check_domain("q_ref.probs", other.probs, "probs_interior")
        return [-self.probs / other.probs]

    def apply_metric(self, components: Any, inverse: bool = False) -> list[np.ndarray]:
        """Apply the Fisher metric ``G v = v / p``, or its inverse on the simplex.

        ``inverse=True`` gives the Riemannian gradient of a Euclidean gradient g:
        ``p g - p <p, g>``, the tangent vector (summing to 0) whose covector is g up to a constant
        (the constant direction is not a tangent vector of the simplex).

        Parameters
        ----------
        components : sequence of array_like
            One component, ``[v]``, broadcasting to the shape of :attr:`probs`.
        inverse : bool, optional
            Apply the inverse on the simplex instead of G.

        Returns
        -------
        list of numpy.ndarray
            ``[G v]`` or ``[p g - p <p, g>]``, shaped like :attr:`probs`.

        Raises
        ------
        ValueError
            If the components do not broadcast, or (``inverse=False``) a probability is 0.

        Examples
        --------
        >>> import numpy as np, beds
        >>> p = beds.Categorical([0.25, 0.75])
        >>> p.apply_metric([np.array([1.0, 1.0])])
        [array([4.        , 1.33333333])]
        >>> p.apply_metric([np.array([1.0, 0.0])], inverse=True)   # sums to 0
        [array([ 0.1875, -0.1875])]
        """
        if not inverse:
            return super().apply_metric(components)
        p = self.probs
        w = p * np.broadcast_to(components[0], p.shape)
        return [w - p * w.sum(axis=-1, keepdims=True)]

    @classmethod
    def chart(cls, name: str | None) -> Any:
        """Return the chart called ``name``: None (the probabilities) or ``"logits"``.

        None gives :class:`ProbsChart` (a Euclidean step in the probabilities moves along the
        simplex), ``"logits"`` gives :class:`LogitsChart` (``z = log p`` up to a constant).

        Parameters
        ----------
        name : str or None
            The chart's name.

        Returns
        -------
        Chart
            The chart (:class:`beds._geometry.Chart`).

        Raises
        ------
        ValueError
            For any other name (the message lists the options).

        Examples
        --------
        >>> import beds
        >>> beds.Categorical.chart("logits").names, beds.Categorical.chart(None).names
        (('logits',), ('probs',))
        """
        if name == "logits":
            return LogitsChart()
        if name is None:
            return ProbsChart(cls)
        raise ValueError(unknown_chart(cls, name, ("'logits'",)))

    # ==================================================================================
    # Distribution methods: beliefs as probability distributions (helpers: beds._distributions)
    # Values are class indices 0 .. k-1 (as torch.distributions.Categorical); the moments and the
    # CDF read them as integers (as scipy.stats.rv_discrete(values=(range(k), probs))).
    # ==================================================================================
    @property
    def mean(self) -> np.ndarray:
        """Mean class index ``sum_i i p_i`` (classes read as the integers 0 .. k-1)."""
        return self.probs @ np.arange(self.num_classes, dtype=self.dtype)

    @property
    def variance(self) -> np.ndarray:
        """Variance of the class index, ``sum_i (i - mean)^2 p_i``."""
        i = np.arange(self.num_classes, dtype=self.dtype)
        dev = i - self.mean[..., None]
        return np.sum(self.probs * dev * dev, axis=-1)

    def sample(self, n: int, rng: Any = None) -> np.ndarray:
        """Draw ``n`` class indices from every belief.

        Inverse-CDF sampling (uniform draws compared with the cumulative probabilities, in chunks of
        about 4e6 comparisons), so classes of probability 0 are never drawn.

        Parameters
        ----------
        n : int
            Number of draws (>= 0).
        rng : numpy.random.Generator, int or None
            The generator (or a seed for ``numpy.random.default_rng``; None: fresh entropy).

        Returns
        -------
        numpy.ndarray
            Class indices in 0 .. k-1, int64 of shape ``(n,) + batch_shape``.

        Raises
        ------
        ValueError
            If n is not a non-negative integer.
        TypeError
            If rng is of another type.

        Examples
        --------
        >>> import beds
        >>> beds.Categorical([0.0, 1.0, 0.0]).sample(4, rng=0).tolist()
        [1, 1, 1, 1]
        """
        from . import _distributions as _d

        n = _d.check_n(n)
        g = _d.get_rng(rng)
        c = np.cumsum(self.probs, axis=-1, dtype=np.float64)
        c = c / c[..., -1:]
        c[..., -1] = 1.0
        out = np.empty((n,) + self.batch_shape, dtype=np.int64)
        per = max(1, int(2**22 // max(1, self.size * self.num_classes)))  # draws per chunk: ~4e6 comparisons
        for s in range(0, n, per):
            u = g.random((min(per, n - s),) + self.batch_shape)
            out[s : s + u.shape[0]] = np.sum(c <= u[..., None], axis=-1)
        return out

    def log_prob(self, x: Any) -> np.ndarray:
        """Compute ``log p[x]`` for class indices x.

        x holds integers, or floats with integer values; the result is -inf outside 0 .. k-1 and
        at non-integer points.

        Parameters
        ----------
        x : array_like
            Class indices, broadcasting with the batch shape.

        Returns
        -------
        numpy.ndarray
            Log probabilities of the broadcast shape (the beliefs' dtype).

        Raises
        ------
        TypeError
            If x is not real numbers.
        ValueError
            If x holds NaN, or its shape does not broadcast with the batch shape.

        Examples
        --------
        >>> import beds
        >>> beds.Categorical([0.25, 0.75]).log_prob([1, 0, 2]).round(6).tolist()
        [-0.287682, -1.386294, -inf]
        """
        with np.errstate(divide="ignore"):
            return np.log(self.pmf(x))

    def pmf(self, x: Any) -> np.ndarray:
        """Compute the probability ``p[x]`` of class index x.

        0 outside 0 .. k-1 and at non-integer points.

        Parameters
        ----------
        x : array_like
            Class indices, broadcasting with the batch shape.

        Returns
        -------
        numpy.ndarray
            Probabilities of the broadcast shape (the beliefs' dtype).

        Raises
        ------
        TypeError, ValueError
            As for :meth:`log_prob`.

        Examples
        --------
        >>> import beds
        >>> beds.Categorical([0.25, 0.5, 0.25]).pmf([0, 1, 1.5, 3]).tolist()
        [0.25, 0.5, 0.0, 0.0]
        """
        from . import _distributions as _d

        a = _d.points(x)
        xf, is_int = _d.integer_points(a)
        k = self.num_classes
        ok = is_int & (xf >= 0) & (xf < k)
        shape = np.broadcast_shapes(a.shape, self.batch_shape)
        idx = np.broadcast_to(np.where(ok, xf, 0.0).astype(np.int64), shape)
        p = np.take_along_axis(np.broadcast_to(self.probs, shape + (k,)), idx[..., None], axis=-1)[..., 0]
        return np.where(np.broadcast_to(ok, shape), p, 0.0).astype(self.dtype, copy=False)

    def pdf(self, x: Any) -> np.ndarray:
        """Compute the probability mass function (a density for the counting measure).

        The same as :meth:`pmf`.

        Parameters
        ----------
        x : array_like
            Class indices, broadcasting with the batch shape.

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
        >>> float(beds.Categorical([0.25, 0.75]).pdf(1))
        0.75
        """
        return self.pmf(x)

    def cdf(self, x: Any) -> np.ndarray:
        """Compute ``P(X <= x) = sum_{i <= floor(x)} p_i`` (0 below 0, 1 from k - 1 on).

        The cumulative probabilities are divided by their total, so the last one is exactly 1.

        Parameters
        ----------
        x : array_like
            Points (any real numbers), broadcasting with the batch shape.

        Returns
        -------
        numpy.ndarray
            Probabilities of the broadcast shape (the beliefs' dtype).

        Raises
        ------
        TypeError, ValueError
            As for :meth:`log_prob`.

        Examples
        --------
        >>> import beds
        >>> beds.Categorical([0.25, 0.5, 0.25]).cdf([-1, 0, 1.5, 2, 7]).tolist()
        [0.0, 0.25, 0.75, 1.0, 1.0]
        """
        from . import _distributions as _d

        a = _d.points(x)
        k = self.num_classes
        xf = np.floor(a.astype(np.float64))
        shape = np.broadcast_shapes(a.shape, self.batch_shape)
        c = np.cumsum(self.probs, axis=-1, dtype=np.float64)
        c = c / c[..., -1:]
        idx = np.broadcast_to(np.clip(xf, 0, k - 1).astype(np.int64), shape)
        v = np.take_along_axis(np.broadcast_to(c, shape + (k,)), idx[..., None], axis=-1)[..., 0]
        xb = np.broadcast_to(xf, shape)
        v = np.where(xb < 0, 0.0, np.where(xb >= k - 1, 1.0, v))
        return v.astype(self.dtype, copy=False)

    def to_scipy(self) -> Any:
        """Convert a single belief to ``scipy.stats.rv_discrete(values=(range(k), probs))``.

        scipy's discrete distribution from values holds one distribution: convert the elements of a
        batch (``p[i].to_scipy()``).

        Returns
        -------
        scipy.stats.rv_discrete
            The distribution (probabilities in float64, renormalised).

        Raises
        ------
        ValueError
            If the batch shape is not ``()``.
        ImportError
            If scipy is not installed.

        Examples
        --------
        >>> import beds
        >>> float(beds.Categorical([0.25, 0.5, 0.25]).to_scipy().mean())
        1.0
        """
        from . import _distributions as _d

        _d.require_single(self, "rv_discrete")
        p = np.asarray(self.probs, dtype=np.float64)
        return _d.scipy_stats().rv_discrete(values=(np.arange(self.num_classes), p / p.sum()))

    @classmethod
    def from_scipy(cls, frozen: Any) -> Categorical:
        """Create the belief of ``scipy.stats.rv_discrete(values=(xk, pk))`` or ``multinomial(1, p)``.

        For ``rv_discrete`` the values xk must be integers >= 0: the classes are 0 .. max(xk), and
        missing ones get probability 0.

        Parameters
        ----------
        frozen : scipy.stats.rv_discrete or frozen multinomial
            The distribution.

        Returns
        -------
        Categorical
            The belief.

        Raises
        ------
        ValueError
            If ``frozen`` is neither, a multinomial has ``n != 1``, or the values are not class
            indices.

        Examples
        --------
        >>> import beds, scipy.stats
        >>> beds.Categorical.from_scipy(scipy.stats.rv_discrete(values=([0, 2], [0.5, 0.5])))
        Categorical(probs=[0.5 0.  0.5], batch_shape=())
        """
        from . import _distributions as _d

        st = _d.scipy_stats()
        if isinstance(frozen, type(st.multinomial(1, [1.0]))):
            if int(frozen.n) != 1:
                raise ValueError(f"{cls.__name__}.from_scipy: a multinomial with n = {frozen.n} is not one draw")
            return cls(np.asarray(frozen.p, dtype=np.float64))
        xk, pk = getattr(frozen, "xk", None), getattr(frozen, "pk", None)
        if xk is None or pk is None:
            raise ValueError(
                f"{cls.__name__}.from_scipy needs scipy.stats.rv_discrete(values=(xk, pk)) or a frozen "
                f"scipy.stats.multinomial(1, p), got {type(frozen).__name__}"
            )
        xk = np.asarray(xk)
        if np.any(xk < 0) or np.any(xk != np.round(xk)):
            raise ValueError(f"{cls.__name__}.from_scipy: the values xk must be class indices (integers >= 0)")
        probs = np.zeros(int(xk.max()) + 1)
        np.add.at(probs, xk.astype(np.int64), np.asarray(pk, dtype=np.float64))
        return cls(probs)

    def to_torch(self) -> Any:
        """Convert to ``torch.distributions.Categorical(probs=probs)``.

        The tensor holds a copy of the probabilities; a batch stays a batch.

        Returns
        -------
        torch.distributions.Categorical
            The distribution.

        Raises
        ------
        ImportError
            If PyTorch is not installed.

        Examples
        --------
        >>> import beds
        >>> beds.Categorical([0.25, 0.75]).to_torch().probs
        tensor([0.2500, 0.7500], dtype=torch.float64)
        """
        from . import _distributions as _d

        return _d.torch_module().distributions.Categorical(probs=_d.tensor(self.probs))

    @classmethod
    def from_torch(cls, dist: Any) -> Categorical:
        """Create the beliefs of a ``torch.distributions.Categorical`` (from its ``probs``).

        The probabilities are copied to host numpy arrays (detached).

        Parameters
        ----------
        dist : torch.distributions.Categorical
            The distribution.

        Returns
        -------
        Categorical
            The beliefs.

        Raises
        ------
        TypeError
            If ``dist`` is not a ``torch.distributions.Categorical``.
        ImportError
            If PyTorch is not installed.

        Examples
        --------
        >>> import torch, beds
        >>> beds.Categorical.from_torch(torch.distributions.Categorical(probs=torch.tensor([0.2, 0.8])))
        Categorical(probs=[0.2 0.8], batch_shape=())
        """
        from . import _distributions as _d

        D = _d.torch_module().distributions
        if not isinstance(dist, D.Categorical):
            got = type(dist).__name__
            raise TypeError(f"{cls.__name__}.from_torch needs a torch.distributions.Categorical, got {got}")
        return cls(_d.from_tensor(dist.probs))

    # ============================================================== end of distribution methods


class ProbsChart(FamilyChart):
    """The probabilities themselves, with the descent direction projected on the simplex.

    Coordinates, covectors and vectors are the family's own (:class:`beds._geometry.FamilyChart`);
    a Euclidean step moves along the simplex: the gradient minus its mean, the projection on the
    vectors that sum to 0.  ``Categorical.chart(None)``.

    Parameters
    ----------
    family : type
        The belief class (:class:`Categorical`).

    Raises
    ------
    AttributeError
        If ``family`` has no ``params``.

    Examples
    --------
    >>> import numpy as np, beds
    >>> chart = beds.Categorical.chart(None)
    >>> chart.descent(beds.Categorical([0.25, 0.75]), [np.array([1.0, 3.0])])
    [array([-1.,  1.])]
    """

    @staticmethod
    def descent(q: Categorical, grad: list[np.ndarray]) -> list[np.ndarray]:
        g = np.asarray(grad[0])
        return [g - g.mean(axis=-1, keepdims=True)]


def _logits_vector(probs: Any, v: Any) -> Any:
    """Return the logit components ``v / p - mean(v / p)`` of a tangent vector v of the simplex.

    The minimum-norm solution z of ``(diag p - p p^T) z = v`` (the logit Fisher matrix is singular
    along the constant vector).  It is also the natural gradient in logits of a logit gradient v
    that sums to 0 (every gradient of a function of ``softmax(z)``): that gradient is its own
    natural gradient in probability coordinates.  Arithmetic and ``mean(axis=-1,
    keepdims=True)`` only, so it takes numpy arrays and torch tensors alike (:mod:`beds.torch`).

    Parameters
    ----------
    probs : numpy.ndarray or torch.Tensor
        Probabilities (> 0, not checked), shape ``(..., k)``.
    v : numpy.ndarray or torch.Tensor
        The vectors, broadcasting with ``probs``.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        The centred components.

    Examples
    --------
    >>> import numpy as np
    >>> from beds.categorical import _logits_vector
    >>> _logits_vector(np.array([0.25, 0.75]), np.array([0.1, -0.1]))
    array([ 0.26666667, -0.26666667])
    """
    z = v / probs
    return z - z.mean(axis=-1, keepdims=True)


class LogitsChart:
    """The logits ``z = log p``, defined up to a constant: ``Categorical.chart("logits")``.

    Covectors map as ``grad_z = (diag p - p p^T) grad_p``; vectors as ``v / p`` centred (the
    minimum-norm solution: the logit Fisher matrix ``diag p - p p^T`` is singular along the
    constant vector).  See :doc:`/mathematics/regularization`.

    Examples
    --------
    >>> import numpy as np, beds
    >>> chart = beds.Categorical.chart("logits")
    >>> chart.names, chart.vector(beds.Categorical([0.25, 0.75]), [np.array([0.1, -0.1])])
    (('logits',), [array([ 0.26666667, -0.26666667])])
    """

    names = ("logits",)

    @staticmethod
    def coordinates(q: Categorical) -> list[np.ndarray]:
        return [np.log(q.probs)]

    @staticmethod
    def belief(q: Categorical, coords: list[np.ndarray]) -> Categorical:
        return Categorical(logits=coords[0])

    @staticmethod
    def covector(q: Categorical, grad: list[np.ndarray]) -> list[np.ndarray]:
        p, gp = q.probs, grad[0]
        return [p * (gp - (p * gp).sum(axis=-1, keepdims=True))]

    @staticmethod
    def family_covector(q: Categorical, grad: list[np.ndarray]) -> list[np.ndarray]:
        """A covector on the logits seen as a covector on the simplex: ``g_p = g_z / p`` (any solution
        of ``(diag p - p p^T) g_p = g_z`` up to the constant vector, which tangent vectors do not see)."""
        return [grad[0] / q.probs]

    @staticmethod
    def vector(q: Categorical, v: list[np.ndarray]) -> list[np.ndarray]:
        return [_logits_vector(q.probs, v[0])]

    @staticmethod
    def descent(q: Categorical, grad: list[np.ndarray]) -> list[np.ndarray]:
        return list(grad)
