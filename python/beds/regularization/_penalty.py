"""The penalties on beliefs: Fisher-Rao and KL, with their gradients and natural gradients.

Every family-specific step is a question to the belief (the protocol of :mod:`beds._geometry`):
the log map and the metric for the Fisher-Rao penalty (or the family's fused kernel), the KL
gradient, the coordinate charts of ``param``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .._belief import Belief, Tangent, tangent
from .._dask import is_dask_array
from .._geometry import Arrays, broadcast_components, event_ndims, expand, strength_layout_shape
from .._validation import as_real_array, check_domain, check_finite_result

try:  # numpy's AxisError, a ValueError and an IndexError
    from numpy.exceptions import AxisError as _AXIS_ERROR
except ImportError:  # numpy < 1.25
    from numpy import AxisError as _AXIS_ERROR  # noqa: NPY201


class PenaltyResult(NamedTuple):
    """The value, Euclidean gradient and natural gradient of a penalty.

    Returned by :func:`fisher_rao_penalty`, :func:`kl_penalty` and
    :meth:`GoverningEquation.penalty` (a named tuple).  Gradients are covectors: ``dR = sum_i <grad_i,
    dtheta_i>`` (the Frobenius product for a matrix parameter, so a covariance gradient is the
    symmetric matrix G with ``dR = tr(G dcov)``); the natural gradient ``G^-1 grad`` is a tangent
    vector (S. Amari, Neural Computation 10, 1998).  See :doc:`/mathematics/regularization`.

    Parameters
    ----------
    value : numpy.ndarray, numpy.floating or float
        The penalty, with the batch shape of the beliefs (a float for parameter vectors, where it
        is summed over the parameters).
    grad : dict of str to numpy.ndarray
        The Euclidean gradient by parameter name of the chosen coordinates (``"mean"``, ``"std"``;
        ``"log_std"`` with ``param="log_std"``; ``"theta"`` for parameter vectors), each shaped like
        its parameter.
    natural_grad : dict of str to numpy.ndarray
        The natural gradient, by the same names.
    direction : Tangent or None
        The natural gradient as a :class:`~beds.Tangent` in the family's own coordinates, ready for
        :func:`beds.exp` (``beds.exp(-lr * r.direction)`` is a Riemannian step); None for
        parameter vectors and for the Euclidean divergence on beliefs.

    See Also
    --------
    fisher_rao_penalty : The Fisher-Rao penalty.

    Examples
    --------
    >>> import beds
    >>> r = beds.fisher_rao_penalty(beds.Normal(1.0, 2.0), beds.Normal(0.0, 1.0))
    >>> sorted(r.grad), type(r.direction).__name__
    (['mean', 'std'], 'Tangent')
    """

    value: Any
    grad: dict[str, np.ndarray]
    natural_grad: dict[str, np.ndarray]
    direction: Tangent | None


def as_belief(x: Any, what: str) -> Belief:
    """Return ``x`` itself if it is a belief, or raise a TypeError naming the argument.

    Parameters
    ----------
    x : object
        The value to check.
    what : str
        The argument's name for the message.

    Returns
    -------
    Belief
        ``x``.

    Raises
    ------
    TypeError
        If ``x`` is not a :class:`~beds.Belief`.
    """
    if not isinstance(x, Belief):
        raise TypeError(f"{what} must be a belief (beds.Normal, beds.Categorical, ...), got {type(x).__name__}")
    return x


def as_strength(strength: Any, dtype: np.dtype, name: str = "strength") -> np.ndarray:
    """Read a penalty strength (or weights): a nonnegative finite array.

    A Python number takes ``dtype`` (the beliefs' float type, so float32 stays float32); arrays keep
    their own dtype.

    Parameters
    ----------
    strength : array_like
        The strength, >= 0 and finite.
    dtype : numpy.dtype
        The dtype of a Python number.
    name : str, optional
        The argument's name for the messages.

    Returns
    -------
    numpy.ndarray
        The strength as an array.

    Raises
    ------
    ValueError
        If a value is negative or not finite, or a Python number does not fit ``dtype``.
    TypeError
        If it does not hold real numbers.
    """
    if isinstance(strength, (int, float)) and not isinstance(strength, bool):
        try:
            with np.errstate(over="ignore"):
                s = np.asarray(strength, dtype=dtype)
        except OverflowError:  # an int beyond the float range
            s = np.asarray(np.inf, dtype=dtype)
        if np.isinf(s) and (isinstance(strength, int) or np.isfinite(strength)):
            try:
                shown = f"{float(strength):.4g}"
            except OverflowError:
                shown = f"an integer of {len(str(abs(strength)))} digits"
            raise ValueError(
                f"{name} = {shown} is beyond the largest {np.dtype(dtype).name} ({np.finfo(dtype).max:.4g}), "
                "the float type of the beliefs"
            )
    else:
        s = as_real_array(strength, name)
    check_domain(name, s, "nonnegative")
    return s


def check_strength_shape(lam: np.ndarray, q: Belief, q_ref: Belief) -> None:
    """Check that q, q_ref and the strength broadcast together.

    Against the batch shapes, or against the parameter shapes for a family with per-coordinate
    strengths (:attr:`beds._geometry.Geometry.per_coordinate_strength`: DiagNormal).

    Parameters
    ----------
    lam : numpy.ndarray
        The strength.
    q, q_ref : Belief
        The beliefs and their reference.

    Raises
    ------
    ValueError
        If the shapes do not broadcast (the message names the three shapes).
    """
    a, b = strength_layout_shape(q), strength_layout_shape(q_ref)
    try:
        np.broadcast_shapes(a, b, lam.shape)
    except ValueError:
        what = "parameter shapes" if q.per_coordinate_strength else "batch shapes"
        raise ValueError(f"shapes do not broadcast ({what}): q {a}, q_ref {b}, strength {lam.shape}") from None


def in_chart(
    q: Belief, param: str | None, grad: Arrays, nat: Arrays
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Express a gradient and a natural gradient given in the family's coordinates in the chart ``param``.

    The gradient (a covector) maps by ``J^T``, the natural gradient (a vector) by ``J^-1``, with J
    the Jacobian of the family's coordinates with respect to the chart's (:class:`beds._geometry.Chart`).

    Parameters
    ----------
    q : Belief
        The base point (broadcast to the gradient's shape).
    param : str or None
        The chart's name (None: the family's own coordinates).
    grad, nat : list of numpy.ndarray
        The gradient and the natural gradient, one array per parameter of the family.

    Returns
    -------
    grad : dict of str to numpy.ndarray
        The gradient by coordinate name of the chart.
    natural_grad : dict of str to numpy.ndarray
        The natural gradient by the same names.

    Raises
    ------
    ValueError
        If ``param`` is not a chart of the family.
    """
    chart = q.chart(param)
    if param is None:
        return dict(zip(chart.names, grad)), dict(zip(chart.names, nat))
    return dict(zip(chart.names, chart.covector(q, grad))), dict(zip(chart.names, chart.vector(q, nat)))


def fisher_rao_penalty(
    q: Belief,
    q_ref: Belief,
    strength: Any = 1.0,
    *,
    param: str | None = None,
    out: tuple[np.ndarray, ...] | None = None,
) -> PenaltyResult:
    """Compute the Fisher-Rao penalty ``R = strength/2 d_FR^2(q, q_ref)`` with its gradients.

    **[BEDS]** The squared Fisher-Rao distance to a reference belief, the regularizer the BEDS
    papers call thermodynamically optimal (**our reconstruction**).  Its Riemannian gradient is
    ``-strength Log_q(q_ref)``, a tangent vector at q: that is the natural gradient ``G^-1 grad R``
    (S. Amari, Neural Computation 10, 1998), and the Euclidean gradient is ``G (-strength
    Log_q(q_ref))`` with G the Fisher metric of q.  Other coordinates (``param``) follow by the chain
    rule.  Normal and DiagNormal run in fused C++ kernels (value, gradient and natural gradient in
    one pass); every other family goes through its log map and metric (``beds.log``,
    ``beds.metric``).  See :doc:`/mathematics/regularization`.

    Parameters
    ----------
    q : Belief
        The beliefs being regularized, any family with a log map and a metric.
    q_ref : Belief
        The reference beliefs, of the same family; batch shapes broadcast.
    strength : array_like, optional
        The strength, >= 0 and finite, broadcasting with the batch shape; for DiagNormal with the
        parameter arrays ``batch + (d,)`` instead (per-coordinate strengths, ``sum_i strength_i/2
        d_i^2``; one strength per belief is ``strength[..., None]``).  A Python number takes the
        beliefs' dtype.
    param : str, optional
        The coordinates of the gradients: None (default: the family's own), ``"log_<name>"`` for a
        parameter whose domain is positive (``"log_std"``, ``"log_rate"``; not ``"log_kappa"``: the
        von Mises kappa may be 0), ``"logits"`` for Categorical.
    out : tuple of 5 numpy.ndarray, optional
        For Normal and DiagNormal in their own coordinates only: preallocated arrays (value, grad
        mean, grad std, natural grad mean, natural grad std) that the kernel writes into (no
        allocation in a training loop).

    Returns
    -------
    PenaltyResult
        The value (batch shape), the gradient and the natural gradient by coordinate name (shaped
        like the parameters), and the natural gradient as a :class:`~beds.Tangent` in the family's
        coordinates.  For MVNormal the covariance gradient is the symmetric G with ``dR = tr(G
        dcov)`` (chain it to a Cholesky factor with :func:`cholesky_grad`).

    Raises
    ------
    TypeError
        If ``q`` or ``q_ref`` is not a belief, they are of different families, or ``out`` is not a
        tuple of 5 arrays.
    ValueError
        If the strength is negative or not finite, the shapes do not broadcast, ``param`` is not a
        chart of the family, ``out`` is given for another family or with ``param``, (Categorical)
        a probability is 0 where the log map needs the interior, or the value or a gradient is not
        representable in the dtype (the strength too large for these beliefs: the gradient is about
        strength * distance / scale).

    Warns
    -----
    ConvergenceWarning
        For MVNormal pairs whose log map (geodesic shooting) did not converge.

    See Also
    --------
    kl_penalty : ``strength KL(q || q_ref)``, about half of this near q_ref.
    GoverningEquation.fisher_rao : The penalty with its dynamics.
    beds.ufuncs.normal_fr_penalty : The fused kernel.

    Examples
    --------
    >>> import beds
    >>> r = beds.fisher_rao_penalty(beds.Normal(0.0, 1.0), beds.Normal(1.0, 2.0), 2.0)
    >>> round(float(r.value), 6)  # 2/2 * 1.189381^2
    1.414627
    >>> float(r.natural_grad["mean"]) == float(-2.0 * beds.log(beds.Normal(0.0, 1.0), beds.Normal(1.0, 2.0)).mean)
    True
    """
    q = as_belief(q, "q")
    q_ref = as_belief(q_ref, "q_ref")
    q._check_same(q_ref, "q_ref")
    lam = as_strength(strength, q.dtype)
    check_strength_shape(lam, q, q_ref)
    q.chart(param)
    if out is not None and param is not None:
        raise ValueError("out= is supported for Normal and DiagNormal penalties in their own coordinates (param=None)")
    value, grad, nat, base = q.fisher_rao_penalty_parts(q_ref, lam, out)
    with np.errstate(all="ignore"):
        g, n = in_chart(base, param, grad, nat)
    # (the fused kernels raise for results that are not representable: checked again only in
    # another chart, whose conversion can overflow)
    if param is not None or not getattr(q, "_fused_penalty_checks_range", False):
        _check_representable("fisher_rao_penalty", value, g, n)
    return PenaltyResult(value, g, n, tangent(base, nat))


def _check_representable(what: str, value: Any, grad: dict[str, np.ndarray], nat: dict[str, np.ndarray]) -> None:
    """ValueError when a penalty, its gradient or natural gradient does not fit the float range
    (every input was valid: the strength is too large for these beliefs).  dask arrays are not
    checked here (that would compute them)."""
    if any(is_dask_array(a) for a in [value, *grad.values(), *nat.values()]):
        return
    for name, a in [("value", value)] + [(f"gradient {k}", v) for k, v in grad.items()]:
        if not np.isfinite(a).all():
            raise ValueError(
                f"{what}: the {name} is not representable in {np.asarray(a).dtype} (it overflows, or "
                "involves an infinite divergence): the strength is too large for these beliefs, or q is "
                "too far from q_ref"
            )
    for k, v in nat.items():
        if not np.isfinite(v).all():
            raise ValueError(
                f"{what}: the natural gradient {k} is not representable in {np.asarray(v).dtype}: the "
                "strength is too large for these beliefs, or q is too far from q_ref"
            )


def kl_penalty(q: Belief, q_ref: Belief, strength: Any = 1.0, *, param: str | None = None) -> PenaltyResult:
    """Compute the KL penalty ``R = strength KL(q || q_ref)`` with its gradients.

    The Kullback-Leibler divergence to a reference, about ``d_FR^2 / 2`` near it (so ``strength``
    here matches ``strength`` of :func:`fisher_rao_penalty` to second order).  Closed-form gradients
    for Normal, DiagNormal, Categorical (probabilities: ``log(p/r) + 1``; ``param="logits"``: ``p
    (log(p/r) - KL)``), Exponential, Poisson, VonMises and MVNormal; the natural gradient is
    ``G^-1 grad``.  With ``q_ref`` uniform and strength alpha this is SAC's entropy term ``-alpha
    H(pi)`` up to the constant ``alpha log k`` (T. Haarnoja et al., ICML 2018).  See
    :doc:`/mathematics/regularization`.

    Parameters
    ----------
    q : Belief
        The beliefs being regularized.
    q_ref : Belief
        The reference beliefs, of the same family; batch shapes broadcast.
    strength : array_like, optional
        The strength, >= 0 and finite, laid out as for :func:`fisher_rao_penalty` (per coordinate
        for DiagNormal).
    param : str, optional
        The coordinates of the gradients: None (the family's own), ``"log_<name>"`` for a positive
        parameter, ``"logits"`` for Categorical.

    Returns
    -------
    PenaltyResult
        The value (batch shape), the gradient and the natural gradient by coordinate name, and the
        natural gradient as a :class:`~beds.Tangent`.

    Raises
    ------
    TypeError
        If ``q`` or ``q_ref`` is not a belief, or they are of different families.
    ValueError
        If the strength is negative or not finite, the shapes do not broadcast, ``param`` is not a
        chart of the family, (Categorical) a probability of ``q`` or ``q_ref`` is 0, or the value or
        a gradient is not representable in the dtype.
    NotImplementedError
        For a family without a KL gradient (every family of beds has one).

    See Also
    --------
    fisher_rao_penalty : The Fisher-Rao penalty.
    beds.kl : The divergence alone.

    Examples
    --------
    >>> import beds
    >>> r = beds.kl_penalty(beds.Normal(0.0, 1.0), beds.Normal(1.0, 2.0), 2.0)
    >>> round(float(r.value), 12), float(r.grad["mean"])  # 2 KL; d/dmean = 2 (mean - mean_ref) / std_ref^2
    (0.88629436112, -0.5)
    """
    q = as_belief(q, "q")
    q_ref = as_belief(q_ref, "q_ref")
    q._check_same(q_ref, "q_ref")
    lam = as_strength(strength, q.dtype)
    check_strength_shape(lam, q, q_ref)
    grad = q.kl_gradient(q_ref)
    base, grad = broadcast_components(q, grad)
    with np.errstate(all="ignore"):  # (a value or gradient that overflows is named below)
        value = q.weighted_kl(q_ref, lam)
        grad = [expand(lam, base, e) * g for g, e in zip(grad, event_ndims(base))]
        base, grad = broadcast_components(base, grad)
        nat = base.apply_metric(tuple(grad), inverse=True)
        g, n = in_chart(base, param, [_writable(x) for x in grad], nat)
    _check_representable("kl_penalty", value, g, n)
    return PenaltyResult(value, g, n, tangent(base, nat))


def _writable(a: Any) -> Any:
    """``a``, or a copy of it when it is a read-only numpy array (a broadcast view): gradients are
    returned as arrays the caller may write into (torch.from_numpy warns on read-only arrays)."""
    return a.copy() if isinstance(a, np.ndarray) and not a.flags.writeable else a


def cholesky_grad(grad_cov: Any, chol: Any) -> np.ndarray:
    """Chain a covariance gradient to the gradient with respect to a Cholesky factor.

    For ``f(Sigma)`` with ``Sigma = L L^T`` and ``G = df/dSigma``, ``df/dL = tril((G + G^T) L)`` (the
    lower triangle: L is lower triangular).  Use it with the covariance gradient of
    :func:`fisher_rao_penalty` or :func:`kl_penalty` for an MVNormal parametrised by its Cholesky
    factor.  See :doc:`/mathematics/regularization`.

    Parameters
    ----------
    grad_cov : array_like
        The covariance gradients G, shape ``(..., d, d)`` (need not be symmetric), finite.
    chol : array_like
        The Cholesky factors L, shape ``(..., d, d)`` with the same ``d``, finite; batch axes
        broadcast.  Only the product with L is used: its upper triangle is not checked to be 0.

    Returns
    -------
    numpy.ndarray
        The gradients with respect to L, lower triangular, shape of the broadcast batch ``+ (d,
        d)``, finite.

    Raises
    ------
    ValueError
        If ``grad_cov`` is not a batch of square matrices, ``chol`` has other matrix dimensions,
        the batch shapes do not broadcast, an entry is not finite, or the result overflows the
        float range.
    TypeError
        If an argument does not hold real numbers.

    Examples
    --------
    >>> import numpy as np, beds
    >>> L = np.array([[1.0, 0.0], [0.5, 1.0]])
    >>> beds.cholesky_grad(np.eye(2), L)  # f = tr(Sigma): df/dL = 2 L
    array([[2., 0.],
           [1., 2.]])
    """
    g = as_real_array(grad_cov, "grad_cov")
    L = as_real_array(chol, "chol")
    if g.ndim < 2 or g.shape[-1] != g.shape[-2] or L.shape[-2:] != g.shape[-2:]:
        raise ValueError(f"grad_cov {g.shape} and chol {L.shape} must be (..., d, d) matrices of the same size")
    try:
        np.broadcast_shapes(g.shape[:-2], L.shape[:-2])
    except ValueError:
        raise ValueError(f"batch shapes do not broadcast: grad_cov {g.shape}, chol {L.shape}") from None
    check_domain("grad_cov", g, "real")
    check_domain("chol", L, "real")
    with np.errstate(over="ignore", invalid="ignore"):
        r = np.tril((g + np.swapaxes(g, -1, -2)) @ L)
    check_finite_result("cholesky_grad", r, " (grad_cov times chol exceeds the largest float)")
    return r


def empirical_fisher(per_sample_grads: Any, axis: int = 0) -> np.ndarray:
    """Compute the diagonal empirical Fisher ``F_i = mean_n g_{n,i}^2`` from per-sample gradients.

    The estimator of EWC (J. Kirkpatrick et al., PNAS 114, 2017): the gradients of ``log p(y_n | x_n,
    theta)`` at the end of a task, one row per sample; with observed labels it is the *empirical*
    Fisher (sampling y from the model instead gives the true Fisher).  Feed it to
    :meth:`GoverningEquation.ewc` or :meth:`GoverningEquation.consolidate`.

    Parameters
    ----------
    per_sample_grads : array_like
        The per-sample gradients, finite, with at least one sample along ``axis``.
    axis : int, optional
        The sample axis (default 0).

    Returns
    -------
    numpy.ndarray
        The diagonal Fisher, the shape of the input without ``axis``, in its float dtype (float32
        stays float32).

    Raises
    ------
    ValueError
        If the input is 0-d or the sample axis is empty, or a value is not finite; if ``axis`` is
        out of range (numpy's AxisError, a ValueError and an IndexError).
    TypeError
        If the input does not hold real numbers, or ``axis`` is not an integer.

    Examples
    --------
    >>> import beds
    >>> beds.empirical_fisher([[1.0, 2.0], [3.0, 4.0]])
    array([ 5., 10.])
    """
    g = as_real_array(per_sample_grads, "per_sample_grads")
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an integer, got {type(axis).__name__}")
    if g.ndim == 0:
        raise ValueError("per_sample_grads needs a non-empty sample axis, got a scalar")
    if not -g.ndim <= axis < g.ndim:
        raise _AXIS_ERROR(int(axis), g.ndim, "axis")
    if g.shape[axis] == 0:
        raise ValueError("per_sample_grads needs a non-empty sample axis")
    check_domain("per_sample_grads", g, "real")
    return np.mean(g * g, axis=axis)
