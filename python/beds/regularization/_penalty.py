"""The penalties on beliefs: Fisher-Rao and KL, with their gradients and natural gradients.

Every family-specific step is a question to the belief (the protocol of :mod:`beds._geometry`):
the log map and the metric for the Fisher-Rao penalty (or the family's fused kernel), the KL
gradient, the coordinate charts of ``param``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .._belief import Belief, Tangent, tangent
from .._geometry import Arrays, broadcast_components, event_ndims, expand, strength_layout_shape
from .._validation import as_real_array, check_domain


class PenaltyResult(NamedTuple):
    """Value, Euclidean gradient and natural gradient of a penalty.

    ``value`` has the batch shape of the beliefs (a scalar for parameter vectors); ``grad`` and
    ``natural_grad`` map parameter names (of the chosen parametrisation) to arrays shaped like the
    parameters; ``direction`` is the natural gradient as a :class:`~beds.Tangent` in the family's
    coordinates (None for parameter vectors), ready for ``beds.exp``.
    """

    value: Any
    grad: dict[str, np.ndarray]
    natural_grad: dict[str, np.ndarray]
    direction: Tangent | None


def as_belief(x: Any, what: str) -> Belief:
    """x itself if it is a belief; TypeError naming ``what`` otherwise."""
    if not isinstance(x, Belief):
        raise TypeError(f"{what} must be a belief (beds.Normal, beds.Categorical, ...), got {type(x).__name__}")
    return x


def as_strength(strength: Any, dtype: np.dtype, name: str = "strength") -> np.ndarray:
    """A nonnegative strength array (a Python number takes ``dtype``)."""
    if isinstance(strength, (int, float)) and not isinstance(strength, bool):
        s = np.asarray(strength, dtype=dtype)
    else:
        s = as_real_array(strength, name)
    check_domain(name, s, "nonnegative")
    return s


def check_strength_shape(lam: np.ndarray, q: Belief, q_ref: Belief) -> None:
    """ValueError naming the arguments when q, q_ref and the strength do not broadcast."""
    a, b = strength_layout_shape(q), strength_layout_shape(q_ref)
    try:
        np.broadcast_shapes(a, b, lam.shape)
    except ValueError:
        what = "parameter shapes" if q.per_coordinate_strength else "batch shapes"
        raise ValueError(f"shapes do not broadcast ({what}): q {a}, q_ref {b}, strength {lam.shape}") from None


def in_chart(
    q: Belief, param: str | None, grad: Arrays, nat: Arrays
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """A gradient and a natural gradient in the family's coordinates, expressed in the chart ``param``
    (by name)."""
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
    """The Fisher-Rao penalty ``R = strength/2 d_FR^2(q, q_ref)``, its gradient and natural gradient.

    ``natural_grad = -strength Log_q(q_ref)`` (the Riemannian gradient, Amari 1998) and
    ``grad = G natural_grad`` with G the Fisher metric of q, in the coordinates chosen by ``param``
    (None: the family's own; ``"log_std"``, ``"log_rate"``, ``"log_<name>"`` of any positive
    parameter; ``"logits"`` for Categorical; see the module docstring).  ``strength`` must be >= 0;
    it broadcasts with the batch shape, except for DiagNormal where it broadcasts with the
    parameter arrays ``batch + (d,)``: per-coordinate strengths, ``sum_i strength_i/2 d_i^2``
    (one strength per belief: ``strength[..., None]``).  Normal and DiagNormal use the fused C++
    kernels; the other families the generic path (``beds.log`` and ``beds.metric``).  For
    MVNormal the covariance gradient is the symmetric matrix G with ``dR = tr(G dcov)`` (chain it
    to a Cholesky factor with :func:`cholesky_grad`).
    ``out``: for Normal and DiagNormal in their own coordinates, five preallocated arrays (value,
    grad mean, grad std, natural grad mean, natural grad std) that the kernel writes into (no
    allocation in a training loop).

    >>> import beds
    >>> r = beds.fisher_rao_penalty(beds.Normal(0.0, 1.0), beds.Normal(1.0, 2.0), 2.0)
    >>> round(float(r.value), 6)           # 2/2 * 1.189381^2
    1.414627
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
    g, n = in_chart(base, param, grad, nat)
    return PenaltyResult(value, g, n, tangent(base, nat))


def kl_penalty(q: Belief, q_ref: Belief, strength: Any = 1.0, *, param: str | None = None) -> PenaltyResult:
    """``R = strength KL(q || q_ref)``, its gradient and natural gradient (KL ~ d_FR^2 / 2 locally).

    Closed-form gradients for Normal, DiagNormal, Categorical (probabilities: ``log(p/r) + 1``;
    ``param="logits"``: ``p (log(p/r) - KL)``), Exponential, Poisson, VonMises and MVNormal.  With
    ``q_ref`` uniform and strength alpha this is SAC's entropy term ``-alpha H(pi)`` up to the
    constant alpha log k.
    """
    q = as_belief(q, "q")
    q_ref = as_belief(q_ref, "q_ref")
    q._check_same(q_ref, "q_ref")
    lam = as_strength(strength, q.dtype)
    check_strength_shape(lam, q, q_ref)
    value = q.weighted_kl(q_ref, lam)
    grad = q.kl_gradient(q_ref)
    base, grad = broadcast_components(q, grad)
    grad = [expand(lam, base, e) * g for g, e in zip(grad, event_ndims(base))]
    base, grad = broadcast_components(base, grad)
    nat = base.apply_metric(tuple(grad), inverse=True)
    g, n = in_chart(base, param, [_writable(x) for x in grad], nat)
    return PenaltyResult(value, g, n, tangent(base, nat))


def _writable(a: Any) -> Any:
    """``a``, or a copy of it when it is a read-only numpy array (a broadcast view): gradients are
    returned as arrays the caller may write into (torch.from_numpy warns on read-only arrays)."""
    return a.copy() if isinstance(a, np.ndarray) and not a.flags.writeable else a


def cholesky_grad(grad_cov: Any, chol: Any) -> np.ndarray:
    """Chain rule from a covariance gradient to its Cholesky factor: for ``f(Sigma = L L^T)``,
    ``df/dL = tril((G + G^T) L)`` with ``G = df/dSigma`` (shapes ``(..., d, d)``)."""
    g = as_real_array(grad_cov, "grad_cov")
    L = as_real_array(chol, "chol")
    if g.ndim < 2 or g.shape[-1] != g.shape[-2] or L.shape[-2:] != g.shape[-2:]:
        raise ValueError(f"grad_cov {g.shape} and chol {L.shape} must be (..., d, d) matrices of the same size")
    return np.tril((g + np.swapaxes(g, -1, -2)) @ L)


def empirical_fisher(per_sample_grads: Any, axis: int = 0) -> np.ndarray:
    """Diagonal empirical Fisher ``F_i = mean_n g_{n,i}^2`` from per-sample log-likelihood gradients.

    This is the estimator of EWC (Kirkpatrick et al. 2017): the gradients of ``log p(y_n | x_n,
    theta)`` at the end of a task, one row per sample (with observed labels: the *empirical*
    Fisher; sampling y from the model instead gives the true Fisher).
    """
    g = as_real_array(per_sample_grads, "per_sample_grads")
    if g.ndim == 0 or g.shape[axis] == 0:
        raise ValueError("per_sample_grads needs a non-empty sample axis")
    check_domain("per_sample_grads", g, "real")
    return np.mean(g * g, axis=axis)
