"""Univariate normal beliefs N(mean, std^2): the hyperbolic half-plane.

Fisher metric ``ds^2 = (dmu^2 + 2 dsigma^2) / sigma^2`` (no factor 1/4).  With ``x = mu / sqrt(2)``
it is twice the Poincare half-plane metric (curvature -1/2), so every operation has a closed form
(Moebius maps of the half-plane).  The distance is evaluated as

    d = 2 sqrt(2) asinh( sqrt( (dmu^2 / 2 + dsigma^2) / (4 sigma1 sigma2) ) )

which is accurate to a few ulp for near pairs (where the arccosh form loses every digit) and for
far pairs (where the artanh form loses digits).  Reference: Costa, Santos and Strapasson, "Fisher
information distance: a geometrical reading", Discrete Applied Mathematics 197 (2015); the
formulas, pitfalls and reference values are on the docs page :doc:`/mathematics/normal`.

Array-level functions take the parameters as separate arrays (numpy broadcasting, float32 or
float64, ``out=``); :class:`Normal` is the object interface.

This module is longer than the project's 500-line guideline because it holds every array function
of the family and its belief class, each with its own numpydoc docstring; about 470 of its 1150
lines are code, the rest documentation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._belief import Belief, _warn_not_converged
from ._dask import broadcast_arrays, is_dask_array, lazy_or_real
from ._geometry import broadcast, check_penalty_out
from ._kernels import array_function, call_kernel
from ._validation import as_real_array, check_iterations, karcher_weights

__all__ = [
    "Normal",
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

_M = "beds.normal"

# Every operation is exact over the whole float range (the kernels rescale the computation: the
# geometry is invariant under (mean, std) -> (a mean + b, a std)); these are the messages for the
# results that do not fit the output dtype (float64: magnitudes up to 1.8e308, std down to the
# smallest subnormal 4.9e-324; float32: 3.4e38 and 1.4e-45).
_FLOAT_RANGE = "the output dtype's range (float64: 4.9e-324 to 1.8e308; float32: 1.4e-45 to 3.4e38)"
_RANGE = {
    "kl": "the KL divergence exceeds the largest float of the output dtype (1.8e308 in float64, 3.4e38 in "
    "float32): |mean1 - mean2| / std2 or std1 / std2 is too large (above about 1.9e154 in float64)",
    "jeffreys": "the Jeffreys divergence exceeds the largest float of the output dtype (1.8e308 in float64, "
    "3.4e38 in float32): |mean1 - mean2| or the larger std is too large relative to the smaller std "
    "(ratios above about 1.9e154 in float64)",
    "inner": "the inner product exceeds the largest float of the output dtype (1.8e308 in float64, 3.4e38 "
    "in float32): the tangent components divided by std are too large",
    "exp": "the point reached by (v_mean, v_std) is not representable: its std (or mean) leaves "
    + _FLOAT_RANGE
    + "; the Fisher-Rao length sqrt(v_mean^2 + 2 v_std^2) / std is too large for this point",
    "geodesic": "the geodesic point at t is not representable: its std (or mean) leaves "
    + _FLOAT_RANGE
    + "; |t| times the distance is too large for these points",
    "log": "the velocity (v_mean, v_std) overflows the output dtype (1.8e308 in float64, 3.4e38 in float32): "
    "its size is about std1 times the distance, so std1 is too large for this pair",
    "transport": "the transported vector overflows the output dtype (1.8e308 in float64, 3.4e38 in float32): "
    "its size is |(v_mean, v_std)| * std2 / std1, so v or the ratio std2 / std1 is too large",
}
#: the fused penalty kernels (beds.fisher_rao_penalty)
PENALTY_RANGE = (
    "the penalty or its gradient overflows the output dtype (1.8e308 in float64, 3.4e38 in float32): "
    "the gradient is about strength * distance / std, so strength is too large or std too small"
)
# Parts shared by the docstrings of the array functions (their argument names come from the kernel
# declarations; the kernels check the domains)
_PAIR = """mean1, std1 : array_like
        The first beliefs: means (finite) and standard deviations (finite, > 0).
    mean2, std2 : array_like
        The second beliefs.  All arguments broadcast against each other (numpy rules)."""
_OUT1 = """out : numpy.ndarray, optional
        Array to write the result into (numpy ufunc semantics: the broadcast shape, a float dtype)."""
_OUT2 = """out : tuple of numpy.ndarray, optional
        Two arrays to write the results into (numpy ufunc semantics)."""
_DTYPE = "float32 when every argument is a float32 array, float64 otherwise"
_RAISES = """Raises
    ------
    TypeError
        If an argument is not an array of real numbers, or is missing or unexpected.
    ValueError
        If an element is outside its domain (the message names the argument and the index), or
        the shapes do not broadcast."""
_REF = """Reference: S. I. R. Costa, S. A. Santos, J. E. Strapasson, "Fisher information distance: a
    geometrical reading", Discrete Applied Mathematics 197 (2015); :doc:`/mathematics/normal`."""

distance = array_function(
    "normal_distance",
    f"""Compute the Fisher-Rao distance between N(mean1, std1^2) and N(mean2, std2^2).

    The length of the half-plane geodesic between the two beliefs, element by element, evaluated
    as ``d = 2 sqrt(2) asinh(sqrt(w))`` with ``w = (dmu^2/2 + dsigma^2) / (4 std1 std2)``: a few ulp
    from the exact value for near pairs (where the textbook arccosh form loses every digit) and for
    far pairs (where the artanh form loses digits; measured against mpmath, docs page ``accuracy``).

    Parameters
    ----------
    {_PAIR}
    {_OUT1}

    Returns
    -------
    numpy.ndarray or numpy.float64
        The distances (>= 0), of the broadcast shape; {_DTYPE}.

    {_RAISES}

    See Also
    --------
    beds.distance : The same for belief objects.
    kl : ``d^2 / 2`` to second order for near beliefs.

    Notes
    -----
    The Fisher metric ``(dmu^2 + 2 dsigma^2) / sigma^2`` is twice the Poincare half-plane metric in
    ``(mu / sqrt 2, sigma)``, so ``d = sqrt(2) arccosh(1 + (dmu^2/2 + dsigma^2) / (2 std1 std2))``;
    the asinh form above is the same number.  Two beliefs with the same std are not at distance
    ``|dmu| / std`` (that is the distance inside the fixed-variance model).  {_REF}

    Examples
    --------
    >>> import beds
    >>> float(beds.normal.distance(0.0, 1.0, 0.0, 2.0))   # sqrt(2) ln 2
    0.9802581434685472
    >>> beds.normal.distance([0.0, 1.0], 1.0, 0.0, 2.0)    # broadcasting
    array([0.98025814, 1.18938093])
    """,
    module=_M,
)

kl = array_function(
    "normal_kl",
    f"""Compute the Kullback-Leibler divergence KL(N1 || N2) in nats.

    ``KL = log(std2/std1) + (std1^2 + dmu^2) / (2 std2^2) - 1/2``, evaluated as
    ``-log1pmx(delta) + delta^2/2 + dmu^2/(2 std2^2)`` with ``delta = (std1 - std2)/std2`` and
    ``log1pmx(x) = log(1 + x) - x``: a sum of non-negative terms, so near pairs keep full relative
    accuracy where the first form cancels.

    Parameters
    ----------
    {_PAIR}
    {_OUT1}

    Returns
    -------
    numpy.ndarray or numpy.float64
        The divergences (>= 0), of the broadcast shape; {_DTYPE}.

    {_RAISES}

    See Also
    --------
    beds.kl : The same for belief objects.
    jeffreys : The symmetrised divergence.

    Notes
    -----
    For near beliefs ``KL ~ d^2 / 2`` with d the Fisher-Rao distance (:doc:`/mathematics/conventions`).
    Reference: S. Amari, *Information Geometry and Its Applications*, Springer (2016);
    :doc:`/mathematics/normal`.

    Examples
    --------
    >>> import beds
    >>> float(beds.normal.kl(0.0, 1.0, 1.0, 2.0))   # ln 2 + 2/8 - 1/2
    0.4431471805599453
    >>> print(f"{{float(beds.normal.kl(0.0, 1.0, 0.0, 1.0 + 1e-9)):.10e}}")   # ~ delta^2: no cancellation
    1.0000001638e-18
    """,
    module=_M,
    on_domain_error=_RANGE["kl"],
)

jeffreys = array_function(
    "normal_jeffreys",
    f"""Compute the Jeffreys divergence KL(N1 || N2) + KL(N2 || N1) in nats.

    ``J = [(std1^2 - std2^2)^2 + dmu^2 (std1^2 + std2^2)] / (2 std1^2 std2^2)``, written as a sum of
    squared ratios (no cancellation, a wide range of std).

    Parameters
    ----------
    {_PAIR}
    {_OUT1}

    Returns
    -------
    numpy.ndarray or numpy.float64
        The divergences (>= 0), of the broadcast shape; {_DTYPE}.

    {_RAISES}

    See Also
    --------
    beds.jeffreys : The same for belief objects.

    Notes
    -----
    For near beliefs ``J ~ d^2`` with d the Fisher-Rao distance.  Reference: H. Jeffreys, "An
    invariant form for the prior probability in estimation problems", Proc. R. Soc. A 186 (1946);
    :doc:`/mathematics/normal`.

    Examples
    --------
    >>> import beds
    >>> float(beds.normal.jeffreys(0.0, 1.0, 1.0, 2.0))   # (9 + 5) / 8
    1.75
    """,
    module=_M,
    on_domain_error=_RANGE["jeffreys"],
)

entropy = array_function(
    "normal_entropy",
    f"""Compute the differential entropy ``log(2 pi e)/2 + log(std)`` of N(., std^2) in nats.

    The entropy does not depend on the mean; it is negative for ``std < 1/sqrt(2 pi e)``.

    Parameters
    ----------
    std : array_like
        Standard deviations (finite, > 0).
    {_OUT1}

    Returns
    -------
    numpy.ndarray or numpy.float64
        The entropies, of the shape of ``std``; {_DTYPE}.

    {_RAISES}

    See Also
    --------
    beds.entropy : The same for belief objects.

    Notes
    -----
    ``-E[log f(x)]`` with ``f`` the normal density.  Reference: T. M. Cover, J. A. Thomas, *Elements
    of Information Theory*, Wiley (2006), chapter 8; :doc:`/mathematics/normal`.

    Examples
    --------
    >>> import beds
    >>> beds.normal.entropy([1.0, 2.718281828459045])
    array([1.41893853, 2.41893853])
    """,
    module=_M,
)

inner = array_function(
    "normal_inner",
    f"""Compute the Fisher inner product of two tangent vectors at N(., std^2).

    ``<u, v> = (u_mean v_mean + 2 u_std v_std) / std^2``: the Fisher information
    ``diag(1/std^2, 2/std^2)`` applied to the components.  It does not depend on the mean.

    Parameters
    ----------
    std : array_like
        Standard deviations of the base points (finite, > 0).
    u_mean, u_std : array_like
        Components of the first tangent vectors (finite).
    v_mean, v_std : array_like
        Components of the second tangent vectors (finite).  All arguments broadcast.
    {_OUT1}

    Returns
    -------
    numpy.ndarray or numpy.float64
        The inner products, of the broadcast shape; {_DTYPE}.

    {_RAISES}

    See Also
    --------
    beds.inner : The same for :class:`~beds.Tangent` objects.

    Notes
    -----
    The norm ``sqrt(<v, v>)`` of :func:`log` is the distance.  {_REF}

    Examples
    --------
    >>> import beds
    >>> float(beds.normal.inner(2.0, 1.0, 1.0, 1.0, 1.0))   # (1 + 2) / 4
    0.75
    """,
    module=_M,
    on_domain_error=_RANGE["inner"],
)

exp = array_function(
    "normal_exp",
    f"""Compute the Riemannian exponential map at N(mean, std^2).

    The point at t = 1 of the Fisher-Rao geodesic that leaves (mean, std) with velocity
    (v_mean, v_std), whose length is ``sqrt(v_mean^2 + 2 v_std^2) / std``.  Closed form (a Moebius
    map of the half-plane), written with ``e^-rho`` and ``1 - e^-rho`` (rho the half-plane length
    ``sqrt(v_mean^2/2 + v_std^2) / std``) so that nothing overflows below rho = 709; beyond, the
    returned std overflows to inf or underflows to 0 (no error is raised).

    Parameters
    ----------
    mean, std : array_like
        The base points: means (finite) and standard deviations (finite, > 0).
    v_mean, v_std : array_like
        The velocity components (finite).  All arguments broadcast.
    {_OUT2}

    Returns
    -------
    mean : numpy.ndarray or numpy.float64
        Means of the end points.
    std : numpy.ndarray or numpy.float64
        Standard deviations of the end points; both of the broadcast shape, {_DTYPE}.

    {_RAISES}

    See Also
    --------
    log : The inverse map.
    beds.exp : The same for :class:`~beds.Tangent` objects.

    Notes
    -----
    In half-plane coordinates ``x = mu / sqrt 2``, ``y = sigma`` the geodesics are vertical lines and
    half-circles centred on the x axis; a vertical velocity gives ``std exp(v_std / std)``.  {_REF}

    Examples
    --------
    >>> import beds
    >>> [round(float(x), 12) for x in beds.normal.exp(0.0, 1.0, 0.0, 1.0)]   # vertical: std e^(v_std / std)
    [0.0, 2.718281828459]
    >>> [round(float(x), 12) for x in beds.normal.exp(0.0, 1.0, *beds.normal.log(0.0, 1.0, 1.0, 2.0))]
    [1.0, 2.0]
    """,
    module=_M,
    on_domain_error=_RANGE["exp"],
)

log = array_function(
    "normal_log",
    f"""Compute the Riemannian logarithm map: the velocity at point 1 toward point 2.

    The initial velocity (v_mean, v_std) of the geodesic from point 1 (t = 0) to point 2 (t = 1),
    in (mean, std) coordinates; its Fisher-Rao norm is the distance.  With ``R2 = dmu^2/2 +
    dsigma^2``, ``cosh(rho) = 1 + R2 / (2 std1 std2)`` and ``f = rho / sinh(rho)``:
    ``v_mean = f dmu std1 / std2`` and ``v_std = f (std1 dsigma + R2 / 2) / std2``
    (``dmu = mean2 - mean1``, ``dsigma = std2 - std1``).

    Parameters
    ----------
    {_PAIR}
    {_OUT2}

    Returns
    -------
    v_mean : numpy.ndarray or numpy.float64
        Mean components of the velocities.
    v_std : numpy.ndarray or numpy.float64
        Std components; both of the broadcast shape, {_DTYPE}.

    {_RAISES}

    See Also
    --------
    exp : The inverse map.
    beds.log : The same for belief objects (returns a :class:`~beds.Tangent`).

    Notes
    -----
    The natural gradient of ``d^2/2`` with respect to point 1 is ``-log(1, 2)``.  {_REF}

    Examples
    --------
    >>> import beds
    >>> v = beds.normal.log(0.0, 1.0, 1.0, 2.0)
    >>> [round(float(x), 12) for x in v]
    [0.445582921968, 0.779770113445]
    >>> round(float(beds.normal.inner(1.0, *v, *v)) ** 0.5, 12)   # the norm is the distance
    1.189380931406
    """,
    module=_M,
    on_domain_error=_RANGE["log"],
)

geodesic = array_function(
    "normal_geodesic",
    f"""Compute the point at parameter t of the geodesic from point 1 (t = 0) to point 2 (t = 1).

    The point at Fisher-Rao distance ``|t| d`` from point 1 along the geodesic through point 2 (a
    half-circle in ``(mu / sqrt 2, sigma)``, or a vertical line when the means are equal, where
    ``std(t) = std1^(1-t) std2^t``); t outside [0, 1] extrapolates, t < 0 walks the reversed
    direction.

    Parameters
    ----------
    {_PAIR}
    t : array_like
        The parameter (finite), broadcasting with the beliefs.
    {_OUT2}

    Returns
    -------
    mean : numpy.ndarray or numpy.float64
        Means of the points.
    std : numpy.ndarray or numpy.float64
        Standard deviations of the points; both of the broadcast shape, {_DTYPE}.

    {_RAISES}

    See Also
    --------
    beds.geodesic : The same for belief objects.
    exp, log : The maps it is composed of.

    Notes
    -----
    ``geodesic(p1, p2, t) = exp(p1, t log(p1, p2))``, computed in one closed form.  {_REF}

    Examples
    --------
    >>> import beds
    >>> beds.normal.geodesic(0.0, 1.0, 0.0, 4.0, 0.5)   # same mean: the geometric mean of the stds
    (np.float64(0.0), np.float64(2.0))
    >>> [round(float(x), 6) for x in beds.normal.geodesic(0.0, 1.0, 1.0, 2.0, 0.5)]
    [0.333333, 1.452966]
    """,
    module=_M,
    on_domain_error=_RANGE["geodesic"],
)

transport = array_function(
    "normal_transport",
    f"""Compute the parallel transport of a tangent vector along the geodesic from point 1 to point 2.

    The vector (v_mean, v_std) at point 1 carried along the geodesic to point 2 by the Levi-Civita
    connection of the Fisher metric: it keeps its norm and its angle to the geodesic.  In complex
    half-plane components (``x = mu / sqrt 2``): ``v' = (std2 / std1) v u2 conj(u1)``, with u1, u2 the
    unit tangents of the geodesic at both ends.

    Parameters
    ----------
    {_PAIR}
    v_mean, v_std : array_like
        The components of the vectors at point 1 (finite).
    {_OUT2}

    Returns
    -------
    v_mean : numpy.ndarray or numpy.float64
        Mean components of the transported vectors (at point 2).
    v_std : numpy.ndarray or numpy.float64
        Std components; both of the broadcast shape, {_DTYPE}.

    {_RAISES}

    See Also
    --------
    beds.transport : The same for :class:`~beds.Tangent` objects.

    Notes
    -----
    The half-plane metric is conformal, so transport is a rotation in the frame scaled by std.
    Reference: J. W. Anderson, *Hyperbolic Geometry*, Springer (2005); :doc:`/mathematics/normal`.

    Examples
    --------
    >>> import beds
    >>> w = beds.normal.transport(0.0, 1.0, 1.0, 2.0, 1.0, 0.0)
    >>> [round(float(x), 12) for x in w]
    [1.789473684211, -0.631578947368]
    >>> float(beds.normal.inner(2.0, *w, *w))   # the norm is kept: <v, v> = 1 at std 1
    1.0
    """,
    module=_M,
    on_domain_error=_RANGE["transport"],
)


def metric_diagonal(std: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Fisher metric ``(1 / std^2, 2 / std^2)`` of normal coordinates, or ValueError where it
    overflows (std below about 1.5e-154 in float64, 1e-19 in float32)."""
    with np.errstate(all="ignore"):
        inv = 1.0 / std / std
    if not np.isfinite(inv).all():
        bad = float(np.asarray(std)[~np.isfinite(inv)].flat[0])
        raise ValueError(
            f"the Fisher metric 1/std^2 overflows the dtype of std for std = {bad!r} (std must be above about "
            "1.5e-154 in float64, 1.1e-19 in float32)"
        )
    return inv, 2.0 * inv


def apply_metric(q: Any, components: Any, inverse: bool) -> list[np.ndarray]:
    """G v or G^-1 v for the Normal and DiagNormal metric diag(1, 2) / std^2, element-wise, with the
    divisions (multiplications) by std one at a time: each result overflows only if it is itself
    above the largest float (the caller checks)."""
    s = q.std
    try:
        cm, cs = (np.broadcast_to(c, p.shape) for c, p in zip(components, (q.mean, q.std)))
    except ValueError:
        raise ValueError(f"components do not broadcast to the parameters of shape {q.std.shape}") from None
    with np.errstate(all="ignore"):
        if inverse:
            return [np.asarray(cm * s * s), np.asarray(cs * s * s / 2.0)]
        return [np.asarray(cm / s / s), np.asarray(2.0 * (cs / s / s))]


def kl_gradient(m: Any, s: Any, mr: Any, sr: Any) -> list[np.ndarray]:
    """Gradient of KL(N(m, s^2) || N(mr, sr^2)) in (mean, std): ``((m - mr) / sr^2, (s^2 - sr^2) /
    (s sr^2))``, evaluated as ``(m - mr) / sr / sr`` and ``((s - sr) / sr) ((s + sr) / sr / s)``:
    no cancellation, and each factor overflows only when the gradient does (a mean difference that
    overflows is taken as m / sr - mr / sr, whose terms have opposite signs)."""
    with np.errstate(all="ignore"):
        dm = np.subtract(m, mr)
        gm = np.where(np.isfinite(dm), dm / sr / sr, (np.divide(m, sr) - np.divide(mr, sr)) / sr)[()]
        gs = ((s - sr) / sr) * ((s + sr) / sr / s)
    return [gm, gs]


def karcher_mean(
    mean: Any,
    std: Any,
    weights: Any = None,
    *,
    tol: float = 1e-12,
    max_iter: int = 100,
    return_iterations: bool = False,
) -> Any:
    """Compute the weighted Frechet (Karcher) mean of normal beliefs over the last axis.

    The minimizer ``argmin_m sum_i w_i d(m, p_i)^2`` of the weighted sum of squared Fisher-Rao
    distances (unique: the half-plane has negative curvature).  Riemannian Newton iterations (the
    gradient preconditioned by the exact half-plane Hessian, with backtracking) using the
    closed-form exp and log maps, stopped when the Fisher-Rao length of a step is at most
    ``tol * max(1, rms distance)``.  dask arrays give lazy results, validated and computed block by
    block (the reduced axis is gathered into one chunk; see the docs page ``guide``).

    Parameters
    ----------
    mean, std : array_like or dask.array.Array
        The beliefs, shape ``(..., n)``: means (finite) and standard deviations (finite, > 0), each
        with at least one axis; they broadcast against each other.  The mean is taken over the
        last axis.
    weights : array_like, optional
        Non-negative weights broadcasting to ``(..., n)``, with a positive sum over the last axis
        (default: equal weights).
    tol : float, optional
        Relative stopping tolerance on the step length (> 0).
    max_iter : int, optional
        Maximum number of Newton iterations (>= 1).
    return_iterations : bool, optional
        Also return the number of iterations of each mean.

    Returns
    -------
    mean : numpy.ndarray, numpy.float64 or dask.array.Array
        Means of the Frechet means, shape ``(...)``.
    std : numpy.ndarray or numpy.float64
        Their standard deviations.
    iterations : numpy.ndarray or numpy.int64
        Only with ``return_iterations``: the iteration counts, -1 where a mean did not converge.

    Raises
    ------
    TypeError
        If an argument is not an array of real numbers.
    ValueError
        If ``mean`` or ``std`` is 0-d or has an empty last axis, an element is outside its domain,
        the weights are negative or sum to 0, the shapes do not broadcast, ``tol <= 0`` or
        ``max_iter < 1``.

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
    The mean of beliefs with equal means is the belief with that mean and the geometric mean of the
    standard deviations (the vertical geodesics are flat in ``log std``).  Reference: H. Karcher,
    "Riemannian center of mass and mollifier smoothing", Comm. Pure Appl. Math. 30 (1977);
    :doc:`/mathematics/normal`.

    Examples
    --------
    >>> import beds
    >>> beds.normal.karcher_mean([[0.0, 2.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 4.0]])
    (array([1., 0.]), array([1.22474487, 2.        ]))
    >>> beds.normal.karcher_mean([0.0, 2.0], [1.0, 1.0], return_iterations=True)
    (np.float64(1.0), np.float64(1.224744871391589), np.int64(1))
    """
    lazy = any(is_dask_array(v) for v in (mean, std, weights))
    m = lazy_or_real(mean, "mean") if lazy else as_real_array(mean, "mean")
    s = lazy_or_real(std, "std") if lazy else as_real_array(std, "std")
    if m.ndim == 0 or s.ndim == 0:
        raise ValueError("karcher_mean reduces over the last axis: mean and std need at least one dimension")
    m, s = broadcast_arrays(m, s)
    if m.shape[-1] == 0:
        raise ValueError("karcher_mean of an empty set of beliefs (last axis has length 0)")
    dtype = np.result_type(m.dtype, s.dtype, np.float32)
    check_iterations(tol, max_iter)
    if lazy:
        from . import _dask

        w = _dask.karcher_weights(weights, m, dtype)
        args = [m, s, w, np.float64(tol), np.int64(max_iter)]
        mu, sd, it = _dask.call_kernel("normal_karcher_mean", args, warn=_dask.not_converged_message(max_iter))
    else:
        w = karcher_weights(weights, m.shape, dtype)
        mu, sd, it = call_kernel("normal_karcher_mean", [m, s, w, np.float64(tol), np.int64(max_iter)])
        _warn_not_converged(it, max_iter)
    return (mu, sd, it) if return_iterations else (mu, sd)


# ------------------------------------------------------------------------------ pure formulas
# The family's closed forms that the protocol methods of Normal and DiagNormal (beds._geometry)
# and beds.torch share.  Written with arithmetic operators only, they take numpy arrays or torch
# tensors alike (torch's autograd can differentiate them twice); the arguments are not checked.
def _fisher_diagonal(std: Any) -> tuple[Any, Any]:
    """Return the diagonal ``(1 / std^2, 2 / std^2)`` of the Fisher information in (mean, std).

    The metric ``ds^2 = (dmu^2 + 2 dsigma^2) / sigma^2`` of the half-plane, element by element
    (Costa, Santos and Strapasson 2015; :doc:`/mathematics/normal`).

    Parameters
    ----------
    std : numpy.ndarray or torch.Tensor
        Standard deviations (> 0, not checked).

    Returns
    -------
    g_mean, g_std : numpy.ndarray or torch.Tensor
        The two diagonal entries, of the shape of ``std``.

    Examples
    --------
    >>> import numpy as np
    >>> from beds.normal import _fisher_diagonal
    >>> _fisher_diagonal(np.array([1.0, 2.0]))
    (array([1.  , 0.25]), array([2. , 0.5]))
    """
    inv = 1.0 / std**2
    return inv, 2.0 * inv


def _inverse_fisher_diagonal(std: Any) -> tuple[Any, Any]:
    """Return the diagonal ``(std^2, std^2 / 2)`` of the inverse Fisher information in (mean, std).

    The natural gradient of a Euclidean gradient ``(g_mean, g_std)`` is ``(std^2 g_mean, std^2
    g_std / 2)`` (Amari 1998); written as products (no reciprocal of ``1 / std^2``, which would
    overflow for std below 1e-154).

    Parameters
    ----------
    std : numpy.ndarray or torch.Tensor
        Standard deviations (> 0, not checked).

    Returns
    -------
    h_mean, h_std : numpy.ndarray or torch.Tensor
        The two diagonal entries, of the shape of ``std``.

    Examples
    --------
    >>> import numpy as np
    >>> from beds.normal import _inverse_fisher_diagonal
    >>> _inverse_fisher_diagonal(np.array([1.0, 2.0]))
    (array([1., 4.]), array([0.5, 2. ]))
    """
    v = std * std
    return v, 0.5 * v


def _kl_gradients(mean1: Any, std1: Any, mean2: Any, std2: Any) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """Return the gradients of KL(N(mean1, std1^2) || N(mean2, std2^2)) with respect to both beliefs.

    With ``dm = mean1 - mean2``, the derivatives of ``log(std2/std1) + (std1^2 + dm^2) / (2 std2^2) -
    1/2``: ``dm / std2^2`` and ``(std1 - std2)(std1 + std2) / (std1 std2^2)`` in (mean1, std1),
    ``-dm / std2^2`` and ``((std2 - std1)(std2 + std1) - dm^2) / std2^3`` in (mean2, std2).  The
    differences are kept factored, so the gradients vanish exactly at equal beliefs and keep their
    relative accuracy for near pairs (where ``std1 / std2^2 - 1 / std1`` cancels).

    Parameters
    ----------
    mean1, std1 : numpy.ndarray or torch.Tensor
        The first beliefs (not checked).
    mean2, std2 : numpy.ndarray or torch.Tensor
        The second beliefs; all four broadcast.

    Returns
    -------
    grad1 : tuple
        ``(d KL / d mean1, d KL / d std1)``.
    grad2 : tuple
        ``(d KL / d mean2, d KL / d std2)``; all of the broadcast shape.

    Examples
    --------
    >>> import numpy as np
    >>> from beds.normal import _kl_gradients
    >>> _kl_gradients(np.array(0.0), np.array(1.0), np.array(1.0), np.array(2.0))
    ((np.float64(-0.25), np.float64(-0.75)), (np.float64(0.25), np.float64(0.25)))
    """
    dm = mean1 - mean2
    v2 = std2 * std2
    g_m1 = dm / v2
    g_s1 = (std1 - std2) * (std1 + std2) / (std1 * v2)
    g_s2 = ((std2 - std1) * (std2 + std1) - dm * dm) / (v2 * std2)
    return (g_m1, g_s1), (-g_m1, g_s2)


class Normal(Belief):
    """A batch of univariate normal beliefs N(mean, std^2).

    The beliefs live on the hyperbolic half-plane of the Fisher metric ``ds^2 = (dmu^2 + 2
    dsigma^2) / sigma^2``; every geometric operation (:func:`beds.distance`, :func:`beds.geodesic`,
    ...) has a closed form (:mod:`beds.normal`).  Parameters broadcast against each other; the
    batch shape is their common shape.  float32 parameters stay float32, integers become float64;
    the arrays are read-only views (no copy of float arrays).

    Parameters
    ----------
    mean : array_like
        Means (finite).
    std : array_like
        Standard deviations (finite, > 0).

    Raises
    ------
    TypeError
        If a parameter is not an array of real numbers, or is missing.
    ValueError
        If an element is outside its domain (the message names the parameter and the index), or
        the shapes do not broadcast.

    See Also
    --------
    DiagNormal : Vectors of independent normal coordinates.
    MVNormal : Full covariance.

    Notes
    -----
    Reference: S. I. R. Costa, S. A. Santos, J. E. Strapasson, "Fisher information distance: a
    geometrical reading", Discrete Applied Mathematics 197 (2015); :doc:`/mathematics/normal`.

    Examples
    --------
    >>> import numpy as np, beds
    >>> p = beds.Normal(mean=np.zeros(3), std=1.0)
    >>> q = beds.Normal(mean=[0.0, 3.0, 1.0], std=2.0)
    >>> beds.distance(p, q).round(6)
    array([0.980258, 2.136237, 1.189381])
    """

    __slots__ = ()
    params = ("mean", "std")
    domains = ("real", "positive")
    tangent_domains = ("real", "real")
    family = "normal"
    entropy_params = ("std",)
    inner_params = ("std",)
    range_messages = _RANGE
    #: the fused penalty kernel raises for a value or gradient that is not representable
    _fused_penalty_checks_range = True

    def __init__(self, mean: Any, std: Any) -> None:
        self._set((mean, std))

    @property
    def var(self) -> np.ndarray:
        """Variance ``std^2`` of each belief (the same as :attr:`variance`)."""
        return self.std**2

    @property
    def precision(self) -> np.ndarray:
        """Precision ``1 / std^2`` of each belief (tau in the BEDS papers)."""
        return 1.0 / self.std**2

    def _metric_diagonal(self) -> np.ndarray:
        return np.stack(metric_diagonal(self.std), axis=-1)

    def apply_metric(self, components: Any, inverse: bool = False) -> list[np.ndarray]:
        """Apply the Fisher metric G of self to a vector: ``G v``, or ``G^-1 v`` with ``inverse``.

        ``G v = (v_mean / std^2, 2 v_std / std^2)`` and ``G^-1 g = (g_mean std^2, g_std std^2 / 2)``
        (the half-plane metric ``(dmu^2 + 2 dsigma^2) / sigma^2``; Costa, Santos and Strapasson
        2015), dividing or multiplying by std twice: ``1 / std^2`` would overflow for std below
        1.5e-154, so each result overflows only if it is itself above the largest float.

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
        >>> beds.Normal(0.0, 2.0).apply_metric((1.0, 1.0))  # diag(1, 2) / sigma^2
        [array(0.25), array(0.5)]
        >>> beds.Normal(0.0, 1e-200).apply_metric((1e-300, 0.0))  # 1e-300 / 1e-400: no overflow
        [array(1.e+100), array(0.)]
        """
        return apply_metric(self, components, inverse)

    def _inverse_metric_diagonal(self) -> np.ndarray:
        return np.stack(_inverse_fisher_diagonal(self.std), axis=-1)

    def karcher_mean(self, weights: Any = None, axis: Any = None, tol: float = 1e-12, max_iter: int = 100) -> Normal:
        """Compute the weighted Frechet (Karcher) mean over batch axes.

        The belief minimizing the weighted sum of squared Fisher-Rao distances to the beliefs along
        ``axis``, by Riemannian Newton iterations (:func:`beds.normal.karcher_mean`, which gives the
        method and the reference).

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
        Normal
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
        >>> beds.Normal([0.0, 1.0], [1.0, 2.0]).karcher_mean()   # the geodesic midpoint
        Normal(mean=0.333333, std=1.452966, batch_shape=())
        """
        (m, s), w, _ = self._reduction_layout(weights, axis)
        mu, sd = karcher_mean(m, s, w, tol=tol, max_iter=max_iter)
        return Normal._trusted(mu, sd)

    # ------------------------------------------- what the generic code needs (beds._geometry)
    def kl_gradient(self, other: Normal) -> list[np.ndarray]:
        """Compute the Euclidean gradient of KL(self || other) with respect to (mean, std).

        ``d KL / d mean = (mean - mean_o) / std_o^2`` and ``d KL / d std = (std - std_o)(std + std_o) /
        (std std_o^2)`` (``= std / std_o^2 - 1 / std``, factored: exactly 0 at ``std == std_o`` and
        accurate for near pairs), the derivatives of ``log(std_o/std) + (std^2 + (mean - mean_o)^2) /
        (2 std_o^2) - 1/2``; used by :func:`beds.kl_penalty` and the ``"kl"`` divergence of
        :class:`beds.GoverningEquation` (the protocol :class:`beds._geometry.Geometry`).

        Parameters
        ----------
        other : Normal
            The reference beliefs (batch shapes broadcast; the family is checked by the callers).

        Returns
        -------
        list of numpy.ndarray
            ``[grad_mean, grad_std]``, of the broadcast batch shape.

        Raises
        ------
        ValueError
            If the batch shapes do not broadcast.

        Examples
        --------
        >>> import beds
        >>> beds.Normal(0.0, 1.0).kl_gradient(beds.Normal(1.0, 2.0))   # (-1/4, 1/4 - 1)
        [np.float64(-0.25), np.float64(-0.75)]
        """
        return kl_gradient(self.mean, self.std, other.mean, other.std)

    def kl_reference_gradient(self, other: Normal) -> list[np.ndarray]:
        """Compute the Euclidean gradient of KL(self || other) with respect to the parameters of ``other``.

        ``d KL / d mean_o = (mean_o - mean) / std_o^2`` and ``d KL / d std_o = ((std_o - std)(std_o +
        std) - (mean - mean_o)^2) / std_o^3``, in factored form (exactly 0 at ``self == other``); the
        protocol :class:`beds._geometry.Geometry`, used by :mod:`beds.torch` for the gradient of the
        divergence in its second argument.

        Parameters
        ----------
        other : Normal
            The reference beliefs (batch shapes broadcast; the family is checked by the callers).

        Returns
        -------
        list of numpy.ndarray
            ``[grad_mean_o, grad_std_o]``, of the broadcast batch shape.

        Raises
        ------
        ValueError
            If the batch shapes do not broadcast.

        Examples
        --------
        >>> import beds
        >>> beds.Normal(0.0, 1.0).kl_reference_gradient(beds.Normal(1.0, 2.0))   # (1/4, (3 - 1) / 8)
        [np.float64(0.25), np.float64(0.25)]
        """
        return list(_kl_gradients(self.mean, self.std, other.mean, other.std)[1])

    def fisher_rao_penalty_parts(
        self, other: Normal, strength: np.ndarray, out: Any = None
    ) -> tuple[Any, list[np.ndarray], list[np.ndarray], Normal]:
        """Compute the value, gradient, natural gradient and base point of ``strength/2 d^2(self, other)``.

        One pass of the fused kernel ``beds.ufuncs.normal_fr_penalty``: the value ``strength/2
        d^2``, the natural gradient ``-strength Log_self(other)`` (the Riemannian gradient, a
        tangent vector) and the Euclidean gradient ``G`` times it, with ``G = diag(1/std^2,
        2/std^2)``; exactly 0 at ``self == other``.  Used by :func:`beds.fisher_rao_penalty`
        (:doc:`/mathematics/regularization`).

        Parameters
        ----------
        other : Normal
            The reference beliefs (batch shapes broadcast).
        strength : numpy.ndarray
            The strength (finite, >= 0), broadcasting with the batch.
        out : tuple of numpy.ndarray, optional
            Five arrays for (value, grad_mean, grad_std, natgrad_mean, natgrad_std).

        Returns
        -------
        value : numpy.ndarray
            The penalties, of the broadcast batch shape.
        grad : list of numpy.ndarray
            ``[grad_mean, grad_std]``.
        natural_grad : list of numpy.ndarray
            ``[natgrad_mean, natgrad_std]``.
        base : Normal
            Self broadcast to the common batch shape.

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
        >>> p, ref = beds.Normal(0.0, 1.0), beds.Normal(1.0, 2.0)
        >>> value, grad, nat, base = p.fisher_rao_penalty_parts(ref, np.array(2.0))
        >>> round(float(value), 6)   # 2/2 d^2, d = 1.189381
        1.414627
        >>> [round(float(g), 6) for g in grad], [round(float(v), 6) for v in nat]   # grad = diag(1, 2) nat at std 1
        ([-0.891166, -3.11908], [-0.891166, -1.55954])
        """
        check_penalty_out(out)
        v, gm, gs, nm, ns = call_kernel(
            "normal_fr_penalty",
            [self.mean, self.std, other.mean, other.std, strength],
            out=out,
            on_domain_error=PENALTY_RANGE,
        )
        return v, [gm, gs], [nm, ns], broadcast(self, gm.shape)

    # ==================================================================================
    # Distribution methods: beliefs as probability distributions (helpers: beds._distributions)
    # ==================================================================================
    @property
    def variance(self) -> np.ndarray:
        """Variance ``std^2`` of each belief (the mean is the parameter :attr:`mean`; same as ``var``)."""
        return self.std**2

    def sample(self, n: int, rng: Any = None) -> np.ndarray:
        """Draw ``n`` independent values from every belief.

        ``mean + std * z`` with z standard normal (numpy's generator), in the beliefs' dtype.

        Parameters
        ----------
        n : int
            Number of draws (>= 0).
        rng : numpy.random.Generator, int or None
            The generator (or a seed for ``numpy.random.default_rng``; None: fresh entropy).

        Returns
        -------
        numpy.ndarray
            Shape ``(n,) + batch_shape``, the beliefs' dtype.

        Raises
        ------
        ValueError
            If n is not a non-negative integer.
        TypeError
            If rng is of another type.

        See Also
        --------
        to_scipy : The frozen scipy distribution, for its other methods.

        Examples
        --------
        >>> import beds
        >>> x = beds.Normal([0.0, 10.0], 1.0).sample(3, rng=0)
        >>> x.shape, x.round(4)[0]
        ((3, 2), array([0.1257, 9.8679]))
        """
        from . import _distributions as _d

        z = _d.get_rng(rng).standard_normal((_d.check_n(n),) + self.batch_shape, dtype=self.dtype)
        return self.mean + self.std * z

    def log_prob(self, x: Any) -> np.ndarray:
        """Compute the log density ``-(x - mean)^2 / (2 std^2) - log(std) - log(2 pi)/2`` at x.

        Evaluated with numpy in the beliefs' dtype (float32 for float32 beliefs and float32 or integer
        points, float64 otherwise); -inf at infinite points.

        Parameters
        ----------
        x : array_like
            Points, broadcasting with the batch shape (+-inf allowed, NaN refused).

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
        >>> round(float(beds.Normal(0.0, 1.0).log_prob(0.0)), 12)  # -log(2 pi)/2
        -0.918938533205
        """
        from . import _distributions as _d

        a = _d.points(x)
        return _d.normal_log_prob(a, self.mean, self.std, _d.out_dtype(self.dtype, a))

    def pdf(self, x: Any) -> np.ndarray:
        """Compute the density ``exp(-(x - mean)^2 / (2 std^2)) / (std sqrt(2 pi))`` at x.

        The exponential of :meth:`log_prob` (same dtypes and broadcasting).

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
        >>> beds.Normal(0.0, [1.0, 2.0]).pdf(0.0)   # 1 / (std sqrt(2 pi))
        array([0.39894228, 0.19947114])
        """
        return np.exp(self.log_prob(x))

    def cdf(self, x: Any) -> np.ndarray:
        """Compute the distribution function ``P(X <= x) = erfc(-(x - mean) / (std sqrt 2)) / 2``.

        The C library's ``erfc`` keeps full relative accuracy in both tails (``cdf(mean - 30 std)``
        within 1e-14 relative of mpmath), where ``(1 + erf(z)) / 2`` would return 0.

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
        >>> beds.Normal(1.0, 2.0).cdf([1.0, 3.0])
        array([0.5       , 0.84134475])
        """
        from . import _distributions as _d

        a = _d.points(x)
        return _d.normal_cdf(a, self.mean, self.std).astype(_d.out_dtype(self.dtype, a), copy=False)

    def to_scipy(self) -> Any:
        """Convert to the frozen ``scipy.stats.norm(loc=mean, scale=std)``.

        A batch becomes one frozen distribution with array parameters (copies).

        Returns
        -------
        scipy.stats.rv_continuous frozen
            The distribution.

        Raises
        ------
        ImportError
            If scipy is not installed.

        Examples
        --------
        >>> import beds
        >>> beds.Normal([0.0, 1.0], 2.0).to_scipy().mean()
        array([0., 1.])
        """
        from . import _distributions as _d

        return _d.scipy_stats().norm(loc=np.array(self.mean), scale=np.array(self.std))

    @classmethod
    def from_scipy(cls, frozen: Any) -> Normal:
        """Create the beliefs of a frozen ``scipy.stats.norm(loc, scale)``.

        Array parameters give a batch.

        Parameters
        ----------
        frozen : scipy.stats frozen distribution
            A frozen ``scipy.stats.norm``.

        Returns
        -------
        Normal
            ``Normal(loc, scale)``.

        Raises
        ------
        ValueError
            If ``frozen`` is not a frozen ``scipy.stats.norm``, or its parameters are out of the
            domain.

        Examples
        --------
        >>> import beds, scipy.stats
        >>> beds.Normal.from_scipy(scipy.stats.norm(1.0, 2.0))
        Normal(mean=1., std=2., batch_shape=())
        """
        from . import _distributions as _d

        v = _d.scipy_params(frozen, "norm", cls.__name__)
        return cls(v["loc"], v["scale"])

    def to_torch(self) -> Any:
        """Convert to ``torch.distributions.Normal(mean, std)``.

        The tensors hold copies of the parameters (same dtype, on the CPU).

        Returns
        -------
        torch.distributions.Normal
            The distribution, with the same batch shape.

        Raises
        ------
        ImportError
            If PyTorch is not installed (the message says how to install it).

        Examples
        --------
        >>> import beds
        >>> beds.Normal([0.0, 1.0], 2.0).to_torch().mean
        tensor([0., 1.], dtype=torch.float64)
        """
        from . import _distributions as _d

        torch = _d.torch_module()
        return torch.distributions.Normal(_d.tensor(self.mean), _d.tensor(self.std))

    @classmethod
    def from_torch(cls, dist: Any) -> Normal:
        """Create the beliefs of a ``torch.distributions.Normal``.

        The parameters are copied to host numpy arrays (detached from the autograd graph).

        Parameters
        ----------
        dist : torch.distributions.Normal
            The distribution.

        Returns
        -------
        Normal
            ``Normal(dist.loc, dist.scale)``.

        Raises
        ------
        TypeError
            If ``dist`` is not a ``torch.distributions.Normal``.
        ImportError
            If PyTorch is not installed.
        ValueError
            If its parameters are out of the domain.

        Examples
        --------
        >>> import torch, beds
        >>> beds.Normal.from_torch(torch.distributions.Normal(torch.tensor([0.0, 1.0]), 2.0))
        Normal(mean=[0. 1.], std=[2. 2.], batch_shape=(2,))
        """
        from . import _distributions as _d

        torch = _d.torch_module()
        if not isinstance(dist, torch.distributions.Normal):
            raise TypeError(f"{cls.__name__}.from_torch needs a torch.distributions.Normal, got {type(dist).__name__}")
        return cls(_d.from_tensor(dist.loc), _d.from_tensor(dist.scale))

    # ============================================================== end of distribution methods
