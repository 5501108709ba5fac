"""beds: fast, accurate information geometry of belief states.

The reference implementation of the BEDS framework (Bayesian Emergent Dissipative Structures):
beliefs are batches of distributions of one family; the Fisher-Rao geometry of each family is
computed by vectorized, multithreaded C++ kernels registered as numpy ufuncs.

Objects::

    p = beds.Normal(mean=np.zeros(10**6), std=np.ones(10**6))
    d = beds.distance(p, q)              # generic operations dispatch on the family

Array-level functions, per family: ``beds.normal.distance(mean1, std1, mean2, std2)`` and the raw
ufuncs in ``beds.ufuncs`` (for dask, xarray and other array libraries).

This module is longer than the project's 500-line guideline because it holds the public namespace:
the generic operations are defined here with their full numpydoc docstrings; about 190 of its lines
are code, the rest documentation.
"""

from __future__ import annotations

from typing import Any

from . import (
    _core,
    categorical,
    cuda,
    diag_normal,
    dynamics,
    energy,
    exponential,
    mvnormal,
    normal,
    poisson,
    problems,
    regularization,
    special,
    thermo,
    ufuncs,
    von_mises,
)
from ._belief import Belief, ConvergenceWarning, Tangent
from .categorical import Categorical
from .diag_normal import DiagNormal
from .dynamics import System, Trajectory
from .exponential import Exponential
from .mvnormal import MVNormal
from .normal import Normal
from .poisson import Poisson
from .regularization import (
    GoverningEquation,
    PenaltyResult,
    SIGReg,
    belief_update,
    cholesky_grad,
    empirical_fisher,
    fisher_rao_penalty,
    kl_penalty,
    sac_temperature_update,
    sigreg,
)
from .thermo import (
    Diagnostics,
    LandauerWarning,
    coordinate_diagnostics,
    excess_work_bound,
    landauer_efficiency,
    trajectory_diagnostics,
)
from .von_mises import VonMises

__version__: str = _core.__version__

__all__ = [
    "Belief",
    "Categorical",
    "ConvergenceWarning",
    "DiagNormal",
    "Diagnostics",
    "Exponential",
    "GoverningEquation",
    "LandauerWarning",
    "MVNormal",
    "Normal",
    "PenaltyResult",
    "Poisson",
    "SIGReg",
    "System",
    "Tangent",
    "Trajectory",
    "VonMises",
    "__version__",
    "belief_update",
    "categorical",
    "cholesky_grad",
    "coordinate_diagnostics",
    "cuda",
    "cuda_device_count",
    "diag_normal",
    "distance",
    "dynamics",
    "empirical_fisher",
    "energy",
    "entropy",
    "excess_work_bound",
    "exp",
    "exponential",
    "fisher_rao_penalty",
    "geodesic",
    "get_num_threads",
    "has_cuda",
    "inner",
    "jeffreys",
    "karcher_mean",
    "kl",
    "kl_penalty",
    "landauer_efficiency",
    "log",
    "metric",
    "mvnormal",
    "norm",
    "normal",
    "plot",
    "poisson",
    "problems",
    "regularization",
    "sac_temperature_update",
    "set_num_threads",
    "sigreg",
    "special",
    "thermo",
    "trajectory_diagnostics",
    "transport",
    "ufuncs",
    "von_mises",
]


def _belief(x: Any, what: str) -> Belief:
    if not isinstance(x, Belief):
        raise TypeError(f"{what} must be a belief (beds.Normal, beds.Categorical, ...), got {type(x).__name__}")
    return x


def _tangent(v: Any, what: str = "v") -> Tangent:
    if not isinstance(v, Tangent):
        raise TypeError(f"{what} must be a beds.Tangent (from p.tangent(...) or beds.log), got {type(v).__name__}")
    return v


def distance(p: Belief, q: Belief) -> Any:
    """Compute the Fisher-Rao distance between two belief batches of one family.

    The length of the shortest curve from ``p`` to ``q`` for the Fisher information metric ``ds^2 =
    dtheta^T I(theta) dtheta`` (``I`` itself, no factor 1/4), belief by belief.  Closed forms for the
    normal, categorical, exponential and Poisson families (e.g. ``2 sqrt(2) asinh(sqrt((dmu^2/2 +
    dsigma^2) / (4 sigma1 sigma2)))`` for :class:`~beds.Normal`, ``2 arccos sum_i sqrt(p_i q_i)`` for
    :class:`~beds.Categorical`); one-dimensional quadratures for :class:`~beds.VonMises` (Clairaut's
    relation; relative error below 1e-11); geodesic shooting for the general :class:`~beds.MVNormal`
    pair.  Conventions: :doc:`/mathematics/conventions`; formulas on the page of each family
    (:doc:`/mathematics/index`); S. Amari, *Information Geometry and Its Applications* (2016).

    Parameters
    ----------
    p, q : Belief
        Belief batches of the same family; their batch shapes broadcast (numpy rules).

    Returns
    -------
    numpy.ndarray or numpy.floating
        The distances, with the broadcast batch shape (a numpy scalar for batch shape ``()``),
        float32 when both batches are float32 and float64 otherwise.

    Raises
    ------
    TypeError
        If ``p`` or ``q`` is not a belief, or if they are of different families (the message
        then calls ``q`` "other").
    ValueError
        If the batch shapes do not broadcast.

    Warns
    -----
    ConvergenceWarning
        For :class:`~beds.MVNormal` pairs whose geodesic shooting did not converge (the last
        iterate is returned; :func:`beds.mvnormal.distance` with ``return_info=True`` gives the
        flags and bounds).

    See Also
    --------
    kl : The Kullback-Leibler divergence, ``d^2 / 2`` to second order for near beliefs.
    log : The tangent vector whose norm is the distance.
    beds.normal.distance : The array-level function of one family.

    Examples
    --------
    >>> import beds
    >>> float(beds.distance(beds.Normal(0.0, 1.0), beds.Normal(0.0, 2.0)))  # sqrt(2) ln 2
    0.9802581434685472
    >>> beds.distance(beds.Normal([0.0, 1.0], 1.0), beds.Normal(0.0, 1.0))  # batches broadcast
    array([0.        , 0.98025814])
    """
    if not isinstance(p, Belief):
        _belief(p, "p")
    if not isinstance(q, Belief):
        _belief(q, "q")
    return p.distance(q)


def kl(p: Belief, q: Belief) -> Any:
    """Compute the Kullback-Leibler divergence KL(p || q) in nats.

    ``KL(p || q) = E_p[log p(x) - log q(x)]``, belief by belief, in closed form for every family (Bessel
    functions for von Mises), evaluated in forms that keep full relative accuracy for near pairs (where
    ``KL ~ d^2 / 2`` with ``d`` the Fisher-Rao distance, see :doc:`/mathematics/conventions`).  Not
    symmetric: :func:`jeffreys` is the symmetrised divergence.

    Parameters
    ----------
    p, q : Belief
        Belief batches of the same family; their batch shapes broadcast (numpy rules).

    Returns
    -------
    numpy.ndarray or numpy.floating
        The divergences (nats, >= 0), with the broadcast batch shape (a numpy scalar for batch
        shape ``()``); float32 when both batches are float32, float64 otherwise.

    Raises
    ------
    TypeError
        If ``p`` or ``q`` is not a belief, or if they are of different families.
    ValueError
        If the batch shapes do not broadcast.

    See Also
    --------
    jeffreys : ``KL(p || q) + KL(q || p)``.
    distance : The Fisher-Rao distance.
    kl_penalty : The KL penalty with its gradients.

    Examples
    --------
    >>> import beds
    >>> float(beds.kl(beds.Normal(0.0, 1.0), beds.Normal(1.0, 2.0)))  # ln 2 + 2/8 - 1/2
    0.4431471805599453
    """
    if not isinstance(p, Belief):
        _belief(p, "p")
    if not isinstance(q, Belief):
        _belief(q, "q")
    return p.kl(q)


def jeffreys(p: Belief, q: Belief) -> Any:
    """Compute the Jeffreys divergence KL(p || q) + KL(q || p) in nats.

    The symmetrised Kullback-Leibler divergence.  For every exponential family (all the families
    of beds) ``sqrt(J)`` bounds the Fisher-Rao distance from above, ``d(p, q) <= sqrt(J(p, q))``,
    with equality to second order for near pairs (F. Nielsen, Entropy 25, 2023; see
    :doc:`/mathematics/conventions`).

    Parameters
    ----------
    p, q : Belief
        Belief batches of the same family; their batch shapes broadcast (numpy rules).

    Returns
    -------
    numpy.ndarray or numpy.floating
        The divergences (nats, >= 0), with the broadcast batch shape (a numpy scalar for batch
        shape ``()``); float32 when both batches are float32, float64 otherwise.

    Raises
    ------
    TypeError
        If ``p`` or ``q`` is not a belief, or if they are of different families.
    ValueError
        If the batch shapes do not broadcast.

    See Also
    --------
    kl : One direction of the divergence.
    distance : The Fisher-Rao distance that ``sqrt(J)`` bounds.

    Examples
    --------
    >>> import beds
    >>> p, q = beds.Normal(0.0, 1.0), beds.Normal(1.0, 2.0)
    >>> float(beds.jeffreys(p, q))
    1.75
    >>> bool(beds.distance(p, q) <= beds.jeffreys(p, q) ** 0.5)
    True
    """
    if not isinstance(p, Belief):
        _belief(p, "p")
    if not isinstance(q, Belief):
        _belief(q, "q")
    return p.jeffreys(q)


def entropy(p: Belief) -> Any:
    """Compute the entropy of each belief in nats.

    ``H(p) = -E_p[log p(x)]``: the differential entropy for continuous families (e.g.
    ``1/2 ln(2 pi e) + ln sigma`` for :class:`~beds.Normal`, which is negative for small sigma),
    the Shannon entropy for :class:`~beds.Categorical` and :class:`~beds.Poisson`.  Formulas on the
    page of each family (:doc:`/mathematics/index`).

    Parameters
    ----------
    p : Belief
        A belief batch of any family.

    Returns
    -------
    numpy.ndarray or numpy.floating
        The entropies (nats), with the batch shape of ``p`` (a numpy scalar for batch shape
        ``()``) and its dtype.

    Raises
    ------
    TypeError
        If ``p`` is not a belief.

    See Also
    --------
    beds.System.entropy : The entropy of the beliefs of a dynamical system.

    Examples
    --------
    >>> import beds
    >>> float(beds.entropy(beds.Normal(0.0, 1.0)))  # ln(2 pi e) / 2
    1.4189385332046727
    """
    return _belief(p, "p").entropy()


def geodesic(p: Belief, q: Belief, t: Any) -> Belief:
    """Compute the point at parameter t of the Fisher-Rao geodesic from p (t = 0) to q (t = 1).

    The minimizing geodesic is traversed at constant speed, so the point at ``t`` in [0, 1] lies
    at distance ``t d(p, q)`` from ``p``; ``t`` outside [0, 1] extrapolates along the same
    geodesic.  Closed forms for the normal families (half-plane geodesics),
    :class:`~beds.Categorical` (great circles on the sphere ``2 sqrt(p)``), Exponential and
    Poisson; quadratures for :class:`~beds.VonMises`; geodesic shooting for
    :class:`~beds.MVNormal`.  See :doc:`/mathematics/index` for each family.

    Parameters
    ----------
    p, q : Belief
        Belief batches of the same family; their batch shapes broadcast (numpy rules).
    t : float or array_like
        The parameter along the geodesic, real (finite).  It broadcasts with the batch shape, so
        ``t[:, None]`` gives a path of points per belief (a leading axis over ``t``).  A Python
        number keeps the dtype of the beliefs (float32 stays float32).

    Returns
    -------
    Belief
        The points, a belief batch of the family of ``p`` with the broadcast shape of the batches
        and ``t``.

    Raises
    ------
    TypeError
        If ``p`` or ``q`` is not a belief, if they are of different families, or if ``t`` is not
        real.
    ValueError
        If ``t`` is not finite, if the shapes do not broadcast, or if an extrapolated point
        leaves the family's domain (families with a boundary, such as the probability simplex
        of :class:`~beds.Categorical`).

    Warns
    -----
    ConvergenceWarning
        For :class:`~beds.MVNormal` pairs whose geodesic shooting did not converge.

    See Also
    --------
    exp : The point reached from a tangent vector.
    log : The initial velocity of this geodesic.
    karcher_mean : The mean of a batch of beliefs.

    Examples
    --------
    >>> import numpy as np, beds
    >>> p, q = beds.Normal(0.0, 1.0), beds.Normal(1.0, 2.0)
    >>> beds.geodesic(p, q, 0.5)
    Normal(mean=0.333333, std=1.452966, batch_shape=())
    >>> path = beds.geodesic(p, q, np.linspace(0.0, 1.0, 5))  # five points on one geodesic
    >>> path.batch_shape, round(float(beds.distance(path[1], path[2]) / beds.distance(p, q)), 12)
    ((5,), 0.25)
    """
    return _belief(p, "p").geodesic(_belief(q, "q"), t)


def exp(v: Tangent) -> Belief:
    """Compute the Riemannian exponential map at ``v.base``.

    ``Exp_p(v)`` is the point at t = 1 of the geodesic that leaves ``p = v.base`` with initial
    velocity ``v``; its Fisher-Rao distance from ``p`` is the norm of ``v`` (up to the cut locus).
    It inverts :func:`log`: ``exp(log(p, q))`` is ``q``.  Closed forms for the normal,
    categorical, exponential and Poisson families, quadratures for :class:`~beds.VonMises`, and
    the exact solution of the geodesic equations for :class:`~beds.MVNormal` (Calvo and Oller
    1991).  See :doc:`/mathematics/conventions` for the
    coordinates of tangent vectors.

    Parameters
    ----------
    v : Tangent
        Tangent vectors at a belief batch (from :meth:`beds.Belief.tangent` or :func:`log`), one
        component per parameter of the family, in the family's coordinates.

    Returns
    -------
    Belief
        The points reached, a belief batch of the family of ``v.base`` with its batch shape.

    Raises
    ------
    TypeError
        If ``v`` is not a :class:`~beds.Tangent`.
    ValueError
        If a point leaves the family's domain (e.g. a categorical geodesic that leaves the
        simplex), or if the base is on the boundary where the map is not defined (a categorical
        probability of 0).

    See Also
    --------
    log : The inverse map.
    geodesic : Points between two beliefs.

    Examples
    --------
    >>> import beds
    >>> p, q = beds.Normal(0.0, 1.0), beds.Normal(1.0, 2.0)
    >>> beds.exp(beds.log(p, q))
    Normal(mean=1., std=2., batch_shape=())
    >>> beds.exp(p.tangent(mean=1.0, std=0.0))  # a geodesic is not a straight line in (mu, sigma)
    Normal(mean=0.861057, std=0.793278, batch_shape=())
    """
    v = _tangent(v)
    return v.base.exp(v)


def log(p: Belief, q: Belief) -> Tangent:
    """Compute the Riemannian logarithm: the tangent vector at p pointing to q.

    ``Log_p(q)`` is the initial velocity of the minimizing geodesic from ``p`` to ``q`` (reached at t =
    1): ``exp(log(p, q)) == q`` and ``norm(log(p, q)) == distance(p, q)``.  In a penalty ``R = lam/2
    d^2(q, q_ref)`` the natural gradient is ``-lam Log_q(q_ref)`` (:doc:`/mathematics/regularization`).
    Closed forms for the normal, categorical, exponential and Poisson families; quadratures for
    :class:`~beds.VonMises`; geodesic shooting for :class:`~beds.MVNormal`.

    Parameters
    ----------
    p, q : Belief
        Belief batches of the same family; their batch shapes broadcast (numpy rules).

    Returns
    -------
    Tangent
        The tangent vectors, at ``p`` broadcast to the common batch shape, with one component per
        parameter (``v.mean``, ``v.std`` for a normal) in the family's coordinates.

    Raises
    ------
    TypeError
        If ``p`` or ``q`` is not a belief, or if they are of different families.
    ValueError
        If the batch shapes do not broadcast, or (Categorical) if ``p`` is on the boundary of the
        simplex.

    Warns
    -----
    ConvergenceWarning
        For :class:`~beds.MVNormal` pairs whose geodesic shooting did not converge.

    See Also
    --------
    exp : The inverse map.
    transport : Moving a tangent vector to another belief.

    Examples
    --------
    >>> import beds
    >>> p, q = beds.Normal(0.0, 1.0), beds.Normal(1.0, 2.0)
    >>> v = beds.log(p, q)
    >>> v
    Tangent(mean=0.445583, std=0.77977, at Normal batch_shape=())
    >>> round(float(beds.norm(v)), 12) == round(float(beds.distance(p, q)), 12)
    True
    """
    return _belief(p, "p").log(_belief(q, "q"))


def transport(v: Tangent, q: Belief) -> Tangent:
    """Parallel-transport tangent vectors from ``v.base`` to q along the geodesic.

    The Levi-Civita parallel transport of the Fisher-Rao metric along the minimizing geodesic
    from ``v.base`` to ``q``: it preserves inner products and norms, and maps ``log(p, q)`` to the
    velocity of the same geodesic at ``q``.  Implemented for every family; for
    :class:`~beds.MVNormal` the transport equation is integrated along the exact geodesic (closed
    form for equal means; see :func:`beds.mvnormal.transport`).  Use it to add tangent vectors
    that live at different beliefs.

    Parameters
    ----------
    v : Tangent
        Tangent vectors at a belief batch ``v.base``.
    q : Belief
        The destination beliefs, of the family of ``v.base``; batch shapes broadcast.

    Returns
    -------
    Tangent
        The transported vectors, tangent at ``q`` (broadcast to the common batch shape).

    Raises
    ------
    TypeError
        If ``v`` is not a :class:`~beds.Tangent`, if ``q`` is not a belief, or if ``q`` is not of
        the family of ``v.base``.
    ValueError
        If the batch shapes do not broadcast, (Categorical) if ``v.base`` or ``q`` is on the
        boundary of the simplex, or (MVNormal) if the pair is too far apart for geodesic shooting.

    Warns
    -----
    ConvergenceWarning
        For :class:`~beds.MVNormal` pairs whose geodesic shooting did not converge.

    See Also
    --------
    inner : Preserved by the transport.
    log : Tangent vectors between beliefs.

    Examples
    --------
    >>> import beds
    >>> p, q = beds.Normal(0.0, 1.0), beds.Normal(1.0, 2.0)
    >>> w = beds.transport(beds.log(p, q), q)
    >>> w
    Tangent(mean=1.782332, std=1.113957, at Normal batch_shape=())
    >>> round(float(beds.norm(w)), 12) == round(float(beds.distance(p, q)), 12)
    True
    """
    v = _tangent(v)
    return v.base.transport(v, _belief(q, "q"))


def inner(u: Tangent, v: Tangent) -> Any:
    """Compute the Fisher-Rao inner product of two tangent vectors at the same beliefs.

    ``<u, v> = u^T I(theta) v`` with ``I`` the Fisher information at ``u.base`` in the family's
    coordinates (e.g. ``(u_mu v_mu + 2 u_sigma v_sigma) / sigma^2`` for :class:`~beds.Normal`).
    See :doc:`/mathematics/conventions`.

    Parameters
    ----------
    u, v : Tangent
        Tangent vectors at the same belief batch: ``v.base`` must be ``u.base`` or hold equal
        parameter arrays of the same shape (a base broadcast to another shape counts as
        different).

    Returns
    -------
    numpy.ndarray or numpy.floating
        The inner products, with the batch shape of the base (a numpy scalar for batch shape
        ``()``).

    Raises
    ------
    TypeError
        If ``u`` or ``v`` is not a :class:`~beds.Tangent`.
    ValueError
        If ``u`` and ``v`` are not tangent at the same beliefs, or (Categorical) if the base is on
        the boundary of the simplex.

    See Also
    --------
    norm : ``sqrt(<v, v>)``.
    metric : The matrix ``I(theta)``.

    Examples
    --------
    >>> import beds
    >>> p = beds.Normal(0.0, 2.0)
    >>> float(beds.inner(p.tangent(mean=1.0, std=1.0), p.tangent(mean=1.0, std=-1.0)))  # (1 - 2) / 4
    -0.25
    """
    u = _tangent(u, "u")
    v = _tangent(v, "v")
    if u.base is not v.base and not all(
        a.shape == b.shape and (a is b or bool((a == b).all())) for a, b in zip(u.base._p, v.base._p)
    ):
        raise ValueError("u and v must be tangent at the same beliefs")
    return u.base.inner(u, v)


def norm(v: Tangent) -> Any:
    """Compute the Fisher-Rao norm of tangent vectors.

    ``|v| = sqrt(<v, v>)`` (see :func:`inner`): the speed of a curve with velocity ``v``, and the
    distance from ``v.base`` to ``exp(v)`` up to the cut locus.

    Parameters
    ----------
    v : Tangent
        Tangent vectors at a belief batch.

    Returns
    -------
    numpy.ndarray or numpy.floating
        The norms (>= 0), with the batch shape of ``v.base`` (a numpy scalar for batch shape
        ``()``).

    Raises
    ------
    TypeError
        If ``v`` is not a :class:`~beds.Tangent`.
    ValueError
        (Categorical) If the base is on the boundary of the simplex.

    See Also
    --------
    inner : The inner product.
    distance : ``norm(log(p, q))``.

    Examples
    --------
    >>> import beds
    >>> float(beds.norm(beds.Normal(0.0, 2.0).tangent(mean=2.0, std=0.0)))
    1.0
    """
    v = _tangent(v)
    return v.base.norm(v)


def metric(p: Belief) -> Any:
    """Compute the Fisher information matrix of each belief in its family's coordinates.

    ``I(theta)_ij = E[d_i log p d_j log p]`` in the coordinates of the family's parameters, in the
    order of the parameters, each flattened in C order (for :class:`~beds.MVNormal`: the mean,
    then the lower triangle of the covariance).  For :class:`~beds.Categorical` it is
    ``diag(1 / p)`` in probability coordinates, to be applied to vectors that sum to 0.  See
    :doc:`/mathematics/conventions`.

    Parameters
    ----------
    p : Belief
        A belief batch of any family.

    Returns
    -------
    numpy.ndarray
        The matrices, shape ``p.batch_shape + (n, n)`` with ``n`` the number of coordinates
        (2 for a normal, ``2d`` for a DiagNormal of dimension ``d``, ``k`` for a categorical of
        ``k`` classes), in the dtype of ``p``.

    Raises
    ------
    TypeError
        If ``p`` is not a belief.
    ValueError
        (Categorical) If a probability is 0 (the metric is not defined on the boundary).

    See Also
    --------
    inner : ``u^T I v``.

    Examples
    --------
    >>> import beds
    >>> beds.metric(beds.Normal(0.0, 2.0))  # diag(1, 2) / sigma^2
    array([[0.25, 0.  ],
           [0.  , 0.5 ]])
    """
    return _belief(p, "p").metric()


def karcher_mean(
    p: Belief, weights: Any = None, axis: Any = None, tol: float | None = None, max_iter: int | None = None
) -> Belief:
    """Compute the weighted Frechet (Karcher) mean of a belief batch over batch axes.

    The belief ``m`` minimizing ``sum_i w_i d(m, p_i)^2`` over the reduced axes (H. Karcher,
    Comm. Pure Appl. Math. 30, 1977).  Closed forms for the families that are flat in one
    coordinate (:class:`~beds.Exponential`: the weighted geometric mean of the rates;
    :class:`~beds.Poisson`: the square of the weighted mean of ``sqrt(rate)``); Riemannian Newton
    iterations (Normal, DiagNormal coordinate by coordinate) or Riemannian gradient descent
    (VonMises, MVNormal, Categorical) with the closed-form exp and log maps otherwise, stopped
    when the Fisher-Rao length of a step is at most ``tol`` (``tol * max(1, rms distance)`` for
    the normal families).

    Parameters
    ----------
    p : Belief
        A belief batch with at least one batch axis.
    weights : array_like, optional
        Nonnegative weights broadcasting to ``p.batch_shape`` with a positive sum over the reduced
        axes; equal weights by default.
    axis : int or tuple of int, optional
        The batch axes to reduce (negative values count from the end); all of them by default.
    tol : float, optional
        Stopping tolerance, a finite number > 0.  None (default): the family's own default
        (``p.karcher_mean``: 1e-12 for the normal families, 1e-10 for ``VonMises`` and
        ``MVNormal``).  A tolerance below the rounding level cannot be reached: the iterations then
        stop at ``max_iter`` with a ConvergenceWarning.  Checked but unused by the closed forms.
    max_iter : int, optional
        Maximum number of iterations, an integer in ``[1, 1_000_000]`` (the bound keeps every call
        finite; a long call can be interrupted with Ctrl-C).  None (default): the family's own
        default (100; 200 for ``Categorical``).

    Returns
    -------
    Belief
        The means, a belief batch of the family of ``p`` with the kept batch axes.

    Raises
    ------
    TypeError
        If ``p`` is not a belief.
    ValueError
        If ``p`` has batch shape ``()``, an axis is out of range or repeated, the weights do not
        broadcast, are negative or sum to 0, ``tol`` is not a positive finite number, or
        ``max_iter`` is not an integer in ``[1, 1_000_000]``.

    Warns
    -----
    ConvergenceWarning
        When a mean did not converge in ``max_iter`` iterations (the last iterate is returned).

    See Also
    --------
    beds.normal.karcher_mean : The array-level function (returns the iteration counts).
    geodesic : The mean of two beliefs with equal weights is ``geodesic(p, q, 0.5)``.

    Examples
    --------
    >>> import beds
    >>> beds.karcher_mean(beds.Normal([-1.0, 1.0], [1.0, 1.0]))
    Normal(mean=0., std=1.224745, batch_shape=())
    >>> beds.karcher_mean(beds.Exponential([1.0, 4.0]))  # geometric mean of the rates
    Exponential(rate=2., batch_shape=())
    """
    options = {k: v for k, v in (("tol", tol), ("max_iter", max_iter)) if v is not None}
    return _belief(p, "p").karcher_mean(weights=weights, axis=axis, **options)


def set_num_threads(n: int) -> None:
    """Set the number of threads of the batched kernels.

    The kernels split large batches into chunks run by a persistent pool of ``n - 1`` worker
    threads plus the calling thread (one parallel region at a time: a kernel called while another
    runs works serially).  The pool is rebuilt on the next batched call after a change.  Work is
    split in fixed chunks sized by the declared cost of each kernel (about 40 microseconds of work
    per chunk), so results are bit-identical for any thread count
    (:doc:`/mathematics/numerics`).  The default is the value of the environment variable
    ``BEDS_NUM_THREADS`` when it is a positive integer, otherwise the number of CPUs available to
    the process (its affinity mask on Linux).

    Parameters
    ----------
    n : int
        Number of threads, the calling thread included: ``1 <= n <= 1024``; ``n <= 0`` restores
        the default.  A Python ``int`` (not a bool, not a numpy integer: use ``int(n)``).

    Raises
    ------
    TypeError
        If ``n`` is not a Python ``int`` (bools and numpy integers included).
    ValueError
        If ``n`` exceeds 1024.

    See Also
    --------
    get_num_threads : The current setting.

    Notes
    -----
    If the system refuses to start that many threads (process or memory limits), the kernels run
    on the threads that could be started; a call never fails for that reason.

    Examples
    --------
    >>> import beds
    >>> previous = beds.get_num_threads()
    >>> beds.set_num_threads(1)
    >>> beds.get_num_threads()
    1
    >>> beds.set_num_threads(previous)
    """
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n > _core.MAX_THREADS:
        raise ValueError(f"n must be at most {_core.MAX_THREADS} (or <= 0 for the default), got n={n}")
    _core.set_num_threads(max(int(n), 0))


def get_num_threads() -> int:
    """Get the number of threads used by the batched kernels.

    The value set by :func:`set_num_threads`, or the default (``BEDS_NUM_THREADS`` when it is a
    positive integer, otherwise the number of CPUs available to the process), read on first use.

    Returns
    -------
    int
        The number of threads (>= 1), the calling thread included.

    See Also
    --------
    set_num_threads : Change it.

    Examples
    --------
    >>> import beds
    >>> beds.get_num_threads() >= 1
    True
    """
    return int(_core.get_num_threads())


def has_cuda() -> bool:
    """Tell whether this build has CUDA kernels and a CUDA device is usable.

    True only for a build configured with ``BEDS_CUDA=ON`` (the wheels on PyPI are CPU only) on a
    machine where the CUDA runtime finds at least one device.  Same as
    :func:`beds.cuda.available`.

    Returns
    -------
    bool
        Whether the functions of :mod:`beds.cuda` can run.

    See Also
    --------
    cuda_device_count : The number of devices.
    beds.cuda.available : The same test.

    Examples
    --------
    >>> import beds
    >>> beds.has_cuda() == beds.cuda.available()
    True
    """
    return bool(_core.built_with_cuda) and _core.cuda_device_count() > 0


def cuda_device_count() -> int:
    """Count the usable CUDA devices.

    The number of devices the CUDA runtime reports, 0 when beds was built without CUDA or no
    device (or driver) is present.

    Returns
    -------
    int
        The number of devices (>= 0).

    See Also
    --------
    has_cuda : Whether the CUDA kernels can run.

    Examples
    --------
    >>> import beds
    >>> beds.cuda_device_count() >= 0
    True
    """
    return int(_core.cuda_device_count())


#: Submodules with optional dependencies, imported on first attribute access (``beds.plot``
#: needs matplotlib only when one of its functions is called).
_LAZY_SUBMODULES = ("experiments", "plot")


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
