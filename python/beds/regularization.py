"""Fisher-Rao regularization and the governing equation of the BEDS regularizers.

The BEDS claim (docs page ``mathematics/regularization``, **our reconstruction**: the papers that state it are not
public) is that the thermodynamically optimal regularizer is the squared Fisher-Rao distance to a
reference belief,

    R(q) = lam/2 d_FR^2(q, q_ref),

minimized by the natural-gradient flow ``dtheta/dt = -G(theta)^-1 grad[L + R]`` (G the Fisher
metric; Amari, "Natural gradient works efficiently in learning", Neural Computation 10, 1998),
optionally with a moving reference ``dtheta_ref/dt = gamma (theta - theta_ref)``.  Four choices
define a method: the divergence D, the metric G, the reference and the law of the reference
precision; :class:`GoverningEquation` holds them, and its constructors give Ridge / weight decay,
EWC (Kirkpatrick et al., PNAS 114, 2017), online EWC (Schwarz et al., ICML 2018), EMA / Polyak
averaging, SAC's entropy bonus (Haarnoja et al., ICML 2018 and arXiv 1812.05905) and the
Fisher-Rao penalty; :func:`sigreg` is LeJEPA's SIGReg (Balestriero & LeCun, arXiv 2511.08544,
2025).

Gradients.  For ``R = lam/2 d^2(q, q_ref)`` the Riemannian gradient is ``-lam Log_q(q_ref)``
(a tangent vector at q, in the family's coordinates): that is the natural gradient
``G^-1 grad R``.  The Euclidean gradient with respect to the family's parameters is
``G (-lam Log_q(q_ref))``.  Other parametrisations follow by the chain rule (explicit Jacobians):

=====================  ======================================================================
``param``              gradient / natural gradient
=====================  ======================================================================
family coordinates     ``grad = G (-lam v)``, ``natgrad = -lam v`` (default, any family with
                       ``log`` and ``metric``)
``"log_<name>"``       for a positive parameter (``log_std``, ``log_rate``, ``log_kappa``):
                       ``grad_u = theta grad_theta``, ``natgrad_u = natgrad_theta / theta``
``"logits"``           Categorical: ``grad_z = (diag p - p p^T) grad_p = -lam v`` (v in probability
                       coordinates, summing to 0), natural gradient ``-lam v / p`` centred (the
                       minimum-norm solution; the logit Fisher matrix is singular along 1)
=====================  ======================================================================

Covariance and Cholesky parametrisations of full normals follow from the family-coordinate
gradient with :func:`cholesky_grad`.  The Normal and DiagNormal penalties run in fused C++ kernels
(value, gradient and natural gradient in one pass, ``beds.ufuncs.normal_fr_penalty`` and
``diag_normal_fr_penalty``); every other family goes through the generic path above.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from . import _core
from . import normal as _normal
from ._belief import Belief, Tangent
from ._validation import as_real_array, call_checked, check_domain
from .categorical import Categorical
from .diag_normal import DiagNormal
from .exponential import Exponential
from .normal import Normal
from .poisson import Poisson

__all__ = [
    "GoverningEquation",
    "PenaltyResult",
    "SIGReg",
    "belief_update",
    "cholesky_grad",
    "empirical_fisher",
    "fisher_rao_penalty",
    "kl_penalty",
    "sac_temperature_update",
    "sigreg",
]


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


def _belief(x: Any, what: str) -> Belief:
    if not isinstance(x, Belief):
        raise TypeError(f"{what} must be a belief (beds.Normal, beds.Categorical, ...), got {type(x).__name__}")
    return x


def _strength(strength: Any, dtype: np.dtype, name: str = "strength") -> np.ndarray:
    if isinstance(strength, (int, float)) and not isinstance(strength, bool):
        s = np.asarray(strength, dtype=dtype)
    else:
        s = as_real_array(strength, name)
    check_domain(name, s, "nonnegative")
    return s


# ------------------------------------------------------------------------- generic machinery
def _event_ndims(q: Belief) -> list[int]:
    """Number of event axes of each parameter of q (e.g. 1 for a mean, 2 for a covariance)."""
    return [a.ndim - q.ndim for a in q._p]


def _expand(lam: np.ndarray, q: Belief, event_ndim: int | None = None) -> np.ndarray:
    """A strength laid out against a parameter array of q with ``event_ndim`` event axes (default:
    the family's ``event_ndim``).

    DiagNormal parameters are per coordinate, so strengths broadcast against ``batch + (d,)``
    (per-coordinate strengths, as for EWC; one per belief is ``strength[..., None]``).  For the
    other families a strength is per belief and broadcasts against the batch shape."""
    e = q.event_ndim if event_ndim is None else event_ndim
    if isinstance(q, DiagNormal) or not lam.ndim or not e:
        return lam
    return lam[(...,) + (None,) * e]


def _check_strength_shape(lam: np.ndarray, q: Belief, q_ref: Belief) -> None:
    """ValueError naming the arguments when q, q_ref and the strength do not broadcast."""
    per_coord = isinstance(q, DiagNormal)
    a = q._p[0].shape if per_coord else q.batch_shape
    b = q_ref._p[0].shape if per_coord else q_ref.batch_shape
    try:
        np.broadcast_shapes(a, b, lam.shape)
    except ValueError:
        what = "parameter shapes" if per_coord else "batch shapes"
        raise ValueError(f"shapes do not broadcast ({what}): q {a}, q_ref {b}, strength {lam.shape}") from None


def _move(q0: Belief, ref: Belief, t: np.ndarray) -> Belief:
    """geodesic(q0, ref, t) with t laid out as a strength (per coordinate for DiagNormal: the
    product geometry moves each coordinate along its own half-plane geodesic)."""
    if isinstance(q0, DiagNormal):
        m, s = _normal.geodesic(q0.mean, q0.std, ref.mean, ref.std, t)
        return DiagNormal._trusted(np.asarray(m), np.asarray(s))
    return q0.geodesic(ref, t)


def _flatten(comps: tuple[np.ndarray, ...], batch: tuple[int, ...]) -> np.ndarray:
    """Concatenates the parameter components into one coordinate axis (the metric's order)."""
    return np.concatenate([np.reshape(c, batch + (-1,)) for c in comps], axis=-1)


def _unflatten(flat: np.ndarray, like: tuple[np.ndarray, ...]) -> list[np.ndarray]:
    out, i = [], 0
    batch = flat.shape[:-1]
    for c in like:
        n = int(np.prod(c.shape[len(batch) :], dtype=np.int64))
        out.append(flat[..., i : i + n].reshape(c.shape))
        i += n
    return out


def _apply_metric(base: Belief, comps: tuple[np.ndarray, ...], inverse: bool = False) -> list[np.ndarray]:
    """``G v`` (or ``G^-1 v``) with G the Fisher metric of ``base``, v given by components.

    Families with a diagonal metric (``_metric_diagonal``: every family so far) are handled
    element-wise (no dense n x n matrices for a mean-field belief over a million weights); others
    through ``base.metric()`` and a batched solve."""
    batch = base.batch_shape
    comps = tuple(np.broadcast_to(c, p.shape) for c, p in zip(comps, base._p))
    flat = _flatten(comps, batch)
    if inverse and isinstance(base, Categorical):  # Riemannian gradient on the simplex: p g - p <p, g>
        p = base.probs
        w = p * flat
        return [w - p * w.sum(axis=-1, keepdims=True)]
    try:
        diag = base._metric_diagonal()
    except NotImplementedError:
        diag = None
    if diag is not None:
        res = flat / diag if inverse else flat * diag
    elif inverse:
        res = np.linalg.solve(base.metric(), flat[..., None])[..., 0]
    else:
        res = (base.metric() @ flat[..., None])[..., 0]
    return _unflatten(res, comps)


def _param_names(q: Belief, param: str | None) -> tuple[str, ...]:
    if param is None:
        return q.params
    if param == "logits":
        if not isinstance(q, Categorical):
            raise ValueError(f"param='logits' is for Categorical beliefs, not {type(q).__name__}")
        return ("logits",)
    if param.startswith("log_") and param[4:] in q.params and q.domains[q.params.index(param[4:])] == "positive":
        return tuple(param if n == param[4:] else n for n in q.params)
    opts = ", ".join(
        [repr(f"log_{n}") for n, d in zip(q.params, q.domains) if d == "positive"]
        + (["'logits'"] if isinstance(q, Categorical) else [])
    )
    raise ValueError(
        f"unknown param {param!r} for {type(q).__name__}; options: None (family coordinates)"
        + (f", {opts}" if opts else "")
    )


def _reparametrise(
    q: Belief, param: str | None, grad: list[np.ndarray], nat: list[np.ndarray]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    names = _param_names(q, param)
    g = dict(zip(q.params, grad))
    n = dict(zip(q.params, nat))
    if param is None:
        return g, n
    if param == "logits":
        p = np.broadcast_to(q.probs, grad[0].shape)
        gp = grad[0]
        gz = p * (gp - (p * gp).sum(axis=-1, keepdims=True))  # (diag p - p p^T) grad_p
        nz = nat[0] / p
        nz = nz - nz.mean(axis=-1, keepdims=True)
        return {"logits": gz}, {"logits": nz}
    base = param[4:]
    theta = np.broadcast_to(q._p[q.params.index(base)], g[base].shape)
    gout, nout = {}, {}
    for name, orig in zip(names, q.params):
        if orig == base:
            gout[name] = g[orig] * theta
            nout[name] = n[orig] / theta
        else:
            gout[name] = g[orig]
            nout[name] = n[orig]
    return gout, nout


def _normal_fused(
    q: Belief, q_ref: Belief, lam: np.ndarray, out: Any = None
) -> tuple[Any, list[np.ndarray], list[np.ndarray]]:
    names = ["mean", "std", "mean_ref", "std_ref", "strength"]
    doms = ["real", "positive", "real", "positive", "nonnegative"]
    if isinstance(q, DiagNormal):
        shape = np.broadcast_shapes(q.mean.shape, q_ref.mean.shape, lam.shape)
        lam_b = np.broadcast_to(lam, shape)
        v, gm, gs, nm, ns = call_checked(
            _core.diag_normal_fr_penalty,
            [q.mean, q.std, q_ref.mean, q_ref.std, lam_b],
            names,
            doms,
            out=out,
            core_ndims=[1] * 5,
        )
    else:
        v, gm, gs, nm, ns = call_checked(
            _core.normal_fr_penalty, [q.mean, q.std, q_ref.mean, q_ref.std, lam], names, doms, out=out
        )
    return v, [gm, gs], [nm, ns]


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
    kernels; the other families the generic path (``beds.log`` and ``beds.metric``).
    ``out``: for Normal and DiagNormal in their own coordinates, five preallocated arrays (value,
    grad mean, grad std, natural grad mean, natural grad std) that the kernel writes into (no
    allocation in a training loop).

    >>> import beds
    >>> r = beds.fisher_rao_penalty(beds.Normal(0.0, 1.0), beds.Normal(1.0, 2.0), 2.0)
    >>> round(float(r.value), 6)           # 2/2 * 1.189381^2
    1.414627
    """
    q = _belief(q, "q")
    q_ref = _belief(q_ref, "q_ref")
    q._check_same(q_ref, "q_ref")
    lam = _strength(strength, q.dtype)
    _check_strength_shape(lam, q, q_ref)
    _param_names(q, param)
    if out is not None and (param is not None or not isinstance(q, (Normal, DiagNormal))):
        raise ValueError("out= is supported for Normal and DiagNormal penalties in their own coordinates (param=None)")
    if out is not None and (not isinstance(out, tuple) or len(out) != 5):
        raise TypeError("out must be a tuple of 5 arrays (value, grad_mean, grad_std, natgrad_mean, natgrad_std)")
    if isinstance(q, (Normal, DiagNormal)):
        value, grad, nat = _normal_fused(q, q_ref, lam, out)
        base = q if grad[0].shape == q.mean.shape else q._broadcast_to(grad[0].shape)
    else:
        v = q.log(q_ref)
        base = v.base
        nat = [-_expand(lam, base, e) * c for c, e in zip(v._c, _event_ndims(base))]
        grad = _apply_metric(base, tuple(nat))
        value = 0.5 * lam * q.distance(q_ref) ** 2
    g, n = _reparametrise(base, param, grad, nat)
    return PenaltyResult(value, g, n, Tangent._trusted(base, tuple(nat)))


def _kl_grad(q: Belief, r: Belief) -> list[np.ndarray]:
    """Gradient of KL(q || r) with respect to the parameters of q (closed forms)."""
    if isinstance(q, (Normal, DiagNormal)):
        m, s, mr, sr = q.mean, q.std, r.mean, r.std
        return [(m - mr) / sr**2, s / sr**2 - 1.0 / s]
    if isinstance(q, Categorical):
        p, pr = q.probs, r.probs
        with np.errstate(divide="ignore"):
            g = np.log(p) - np.log(pr) + 1.0
        return [g]
    if isinstance(q, Exponential):
        return [1.0 / q.rate - r.rate / q.rate**2]
    if isinstance(q, Poisson):
        return [np.log(q.rate) - np.log(r.rate)]
    raise NotImplementedError(
        f"the KL gradient of {type(q).__name__} is not implemented; use divergence='fisher_rao' (generic)"
    )


def kl_penalty(q: Belief, q_ref: Belief, strength: Any = 1.0, *, param: str | None = None) -> PenaltyResult:
    """``R = strength KL(q || q_ref)``, its gradient and natural gradient (KL ~ d_FR^2 / 2 locally).

    Closed-form gradients for Normal, DiagNormal, Categorical (probabilities: ``log(p/r) + 1``;
    ``param="logits"``: ``p (log(p/r) - KL)``), Exponential and Poisson.  With ``q_ref`` uniform
    and strength alpha this is SAC's entropy term ``-alpha H(pi)`` up to the constant alpha log k.
    """
    q = _belief(q, "q")
    q_ref = _belief(q_ref, "q_ref")
    q._check_same(q_ref, "q_ref")
    if isinstance(q, Categorical):
        check_domain("q.probs", q.probs, "probs_interior")
        check_domain("q_ref.probs", q_ref.probs, "probs_interior")
    lam = _strength(strength, q.dtype)
    _check_strength_shape(lam, q, q_ref)
    if isinstance(q, DiagNormal):  # per-coordinate strengths weight the coordinate KLs
        value = np.sum(lam * _normal.kl(q.mean, q.std, q_ref.mean, q_ref.std), axis=-1)
    else:
        value = lam * q.kl(q_ref)
    grad = _kl_grad(q, q_ref)
    shape = np.broadcast_shapes(*(g.shape for g in grad), *(a.shape for a in q._p))
    base = q if q._p[0].shape == shape else q._broadcast_to(shape)
    grad = [_expand(lam, base, e) * g for g, e in zip(grad, _event_ndims(base))]
    shape = np.broadcast_shapes(shape, *(g.shape for g in grad))
    grad = [np.broadcast_to(g, shape) for g in grad]
    base = base if base._p[0].shape == shape else base._broadcast_to(shape)
    nat = _apply_metric(base, tuple(grad), inverse=True)
    g, n = _reparametrise(base, param, grad, nat)
    return PenaltyResult(value, g, n, Tangent._trusted(base, tuple(nat)))


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


# --------------------------------------------------------------------------------- SIGReg
def _epps_pulley_quadrature(t_max: float, knots: int) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(0.0, t_max, knots)
    h = t_max / (knots - 1)
    w = np.full(knots, 2.0 * h)
    w[[0, -1]] = h
    return t, w * np.exp(-0.5 * t * t)


def sigreg(
    x: Any,
    directions: Any = None,
    *,
    num_directions: int = 256,
    seed: Any = None,
    t_max: float = 3.0,
    knots: int = 17,
    grad: bool = False,
) -> Any:
    """SIGReg of LeJEPA (Balestriero & LeCun 2025): a sketched test of ``embeddings ~ N(0, I)``.

    ``x`` is ``(N, D)``.  ``directions`` ``(M, D)`` are normalised to unit rows; when None, M =
    ``num_directions`` Gaussian directions are drawn from ``np.random.default_rng(seed)``
    (LeJEPA seeds them with the training step).  Per direction the Epps-Pulley statistic::

        T = N int_{-t_max}^{t_max} |phi(t) - e^{-t^2/2}|^2 e^{-t^2/2} dt,  phi(t) = mean_n e^{i t x_n}

    is integrated by the trapezoid rule on ``knots`` points of ``[0, t_max]`` (the integrand is
    even); SIGReg is the mean over directions.  The projections and the gradient product are BLAS
    matrix products; the characteristic functions and derivatives run vectorized and multithreaded
    in C++ (one sincos per projection, the other knots by complex recurrence).  Returns the value,
    or ``(value, dvalue/dx)``
    when ``grad`` is true.  float32 input is computed in float64, the gradient returned in float32.
    """
    xa = as_real_array(x, "x")
    if xa.ndim != 2 or xa.shape[0] == 0 or xa.shape[1] == 0:
        raise ValueError(f"x must be a non-empty (N, D) array of embeddings, got shape {xa.shape}")
    if directions is None:
        if not isinstance(num_directions, (int, np.integer)) or isinstance(num_directions, bool) or num_directions < 1:
            raise ValueError(f"num_directions must be a positive int, got {num_directions!r}")
        a = np.random.default_rng(seed).standard_normal((int(num_directions), xa.shape[1]))
    else:
        a = as_real_array(directions, "directions")
        if a.ndim != 2 or a.shape[1] != xa.shape[1] or a.shape[0] == 0:
            raise ValueError(f"directions must be (M, D) with D = {xa.shape[1]}, got shape {a.shape}")
        check_domain("directions", a, "real")
        a = a.astype(np.float64)
    nrm = np.linalg.norm(a, axis=1, keepdims=True)
    if not (nrm > 0).all():
        raise ValueError("directions must be nonzero rows")
    a = np.ascontiguousarray(a / nrm)
    if not (isinstance(knots, (int, np.integer)) and 2 <= knots <= 257):
        raise ValueError(f"knots must be an int in [2, 257], got {knots!r}")
    if not (isinstance(t_max, (int, float, np.floating)) and math.isfinite(t_max) and t_max > 0):
        raise ValueError(f"t_max must be finite and > 0, got {t_max!r}")
    x64 = xa.astype(np.float64, copy=False)
    proj = a @ x64.T  # (M, N): one contiguous row per direction (BLAS)
    value, _, dtdx = _core.sigreg_projections(proj, float(t_max), int(knots), bool(grad))
    if not math.isfinite(value):
        check_domain("x", xa, "real")
    if grad:
        g = dtdx.T @ a
        g /= a.shape[0]
        return value, g.astype(xa.dtype, copy=False) if xa.dtype.kind == "f" else g
    return value


class SIGReg:
    """SIGReg as an object with fixed settings: ``SIGReg(num_directions=256)(x, step)`` draws the
    directions from the seed ``step`` (as LeJEPA does with the global step); see :func:`sigreg`."""

    def __init__(self, num_directions: int = 256, t_max: float = 3.0, knots: int = 17) -> None:
        self.num_directions, self.t_max, self.knots = num_directions, t_max, knots

    def __call__(self, x: Any, step: int = 0, grad: bool = False) -> Any:
        return sigreg(x, num_directions=self.num_directions, seed=step, t_max=self.t_max, knots=self.knots, grad=grad)


def sac_temperature_update(log_alpha: float, entropy: Any, target_entropy: float, lr: float) -> float:
    """One gradient step of SAC's temperature dual (Haarnoja et al. 2018, arXiv 1812.05905, eq. 18).

    The loss ``J(alpha) = E[-alpha (log pi(a|s) + H_target)]`` is minimized in log-alpha (as in the
    reference implementation, ``alpha_loss = -(log_alpha * (log_pi + H_target)).mean()``); its
    derivative is ``H(pi) - H_target`` with ``H(pi) = -E[log pi]`` (``entropy``: the entropies of the
    batch, averaged), so ``log_alpha <- log_alpha - lr (H(pi) - H_target)``: the temperature rises
    when the policy's entropy is below the target.
    """
    h = as_real_array(entropy, "entropy")
    check_domain("entropy", h, "real")
    return float(log_alpha) - float(lr) * (float(np.mean(h)) - float(target_entropy))


# ------------------------------------------------------------- belief-level form (docs: mathematics/regularization)
def belief_update(
    q: Belief,
    q_ref: Belief | None,
    gamma: Any,
    dt: float,
    observation: Any = None,
    obs_std: Any = None,
    beta: Any = 1.0,
    likelihood: Any = None,
) -> Belief:
    """One step of the belief-level governing equation (docs page ``mathematics/regularization``, ours):

        q_{t+dt}  ~  q_t^a  q_ref^(1-a)  p(D_t | theta)^beta,      a = e^{-gamma dt}.

    Normal / DiagNormal: the geometric mixture of Gaussians has precision
    ``tau = a tau_q + (1 - a) tau_ref`` and mean ``(a tau_q mu_q + (1 - a) tau_ref mu_ref) / tau``;
    a Gaussian observation ``observation`` with standard deviation ``obs_std`` then updates it
    with precision ``beta / obs_std^2`` (the Bayesian update of the docs page ``mathematics/dynamics``).  A flat
    reference (``q_ref = None``) gives ``tau -> e^{-gamma dt} tau``: exactly the BEDS dissipation
    d tau/dt = -gamma tau (P3).  Categorical: ``p ~ p^a r^(1-a) likelihood^beta`` (``likelihood``:
    per-class likelihoods of the observation, shape broadcasting with the probabilities).
    """
    if not (isinstance(dt, (int, float, np.floating)) and math.isfinite(dt) and dt >= 0):
        raise ValueError(f"dt must be finite and >= 0, got {dt!r}")
    g = as_real_array(gamma, "gamma")
    check_domain("gamma", g, "nonnegative")
    b = as_real_array(beta, "beta")
    check_domain("beta", b, "nonnegative")
    q = _belief(q, "q")
    a = np.exp(-g * dt)
    if q_ref is not None:
        q._check_same(q_ref, "q_ref")
    if isinstance(q, (Normal, DiagNormal)):
        tau = a / q.std**2
        num = tau * q.mean
        if q_ref is not None:
            tr = (1.0 - a) / q_ref.std**2
            tau, num = tau + tr, num + tr * q_ref.mean
        if observation is not None:
            if obs_std is None:
                raise ValueError("a Gaussian observation needs obs_std")
            y = as_real_array(observation, "observation")
            check_domain("observation", y, "real")
            sd = as_real_array(obs_std, "obs_std")
            check_domain("obs_std", sd, "positive")
            td = b / sd**2
            tau, num = tau + td, num + td * y
        if not (np.all(tau > 0) and np.all(np.isfinite(tau))):
            raise ValueError(
                "the updated precision is not positive and finite (a flat reference with gamma dt "
                "too large, or no information)"
            )
        return type(q)(num / tau, 1.0 / np.sqrt(tau))
    if isinstance(q, Categorical):
        check_domain("q.probs", q.probs, "probs_interior")
        logp = a[..., None] * np.log(q.probs) if a.ndim else a * np.log(q.probs)
        if q_ref is not None:
            check_domain("q_ref.probs", q_ref.probs, "probs_interior")
            logp = logp + (1.0 - (a[..., None] if a.ndim else a)) * np.log(q_ref.probs)
        if likelihood is not None:
            lik = as_real_array(likelihood, "likelihood")
            check_domain("likelihood", lik, "positive")
            logp = logp + (b[..., None] if b.ndim else b) * np.log(lik)
        return Categorical(logits=logp)
    raise TypeError(f"belief_update has closed forms for Normal, DiagNormal and Categorical, not {type(q).__name__}")


# -------------------------------------------------------------------- the governing equation
_DIVERGENCES = ("fisher_rao", "kl", "euclidean")
_METRICS = ("fisher", "euclidean")
_REFERENCE_LAWS = ("fixed", "previous_task", "moving")
_PRECISION_LAWS = ("frozen", "summed", "decayed")


def _choice(value: str, options: tuple[str, ...], name: str) -> str:
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}, got {value!r}")
    return value


class GoverningEquation:
    """One dissipative equation for every regularizer (docs page ``mathematics/regularization``, ours)::

        dtheta/dt     = -M^-1 grad[ L(theta) + strength * D(theta, theta_ref) ]
        dtheta_ref/dt = gamma (theta - theta_ref)                 (reference_law="moving")

    The four choices:

    * ``divergence`` D: ``"fisher_rao"`` (``1/2 d_FR^2``, beliefs), ``"kl"`` (``KL(q || q_ref)``,
      beliefs) or ``"euclidean"`` (``1/2 sum_i w_i (theta_i - theta_ref_i)^2`` over the
      parameters, with precision weights w: 1 for Ridge, the Fisher diagonal for EWC);
    * ``metric`` M: ``"fisher"`` (natural gradient; for parameter vectors M = diag(w)) or
      ``"euclidean"``;
    * ``reference_law``: ``"fixed"``, ``"previous_task"`` (:meth:`consolidate` moves the
      reference to the current state) or ``"moving"`` at rate ``gamma`` (:meth:`advance`: the exact
      solution over dt with theta frozen, ``theta_ref <- theta_ref + (1 - e^{-gamma dt})(theta -
      theta_ref)``, along the FR geodesic for beliefs with the Fisher metric);
    * ``precision_law`` of the weights at :meth:`consolidate`: ``"frozen"``, ``"summed"``
      (``w <- w + F``) or ``"decayed"`` (``w <- decay w + F``, online EWC).

    The state is a belief batch (when ``reference`` is a belief) or a parameter array (point
    estimates; only the Euclidean divergence applies).  See the constructors :meth:`ridge`,
    :meth:`ewc`, :meth:`online_ewc`, :meth:`ema`, :meth:`sac_entropy`, :meth:`fisher_rao`.
    """

    def __init__(
        self,
        reference: Any,
        *,
        divergence: str = "fisher_rao",
        metric: str = "fisher",
        strength: Any = 1.0,
        weights: Any = None,
        reference_law: str = "fixed",
        gamma: float = 0.0,
        precision_law: str = "frozen",
        decay: float = 1.0,
        param: str | None = None,
    ) -> None:
        self.divergence = _choice(divergence, _DIVERGENCES, "divergence")
        self.metric = _choice(metric, _METRICS, "metric")
        self.reference_law = _choice(reference_law, _REFERENCE_LAWS, "reference_law")
        self.precision_law = _choice(precision_law, _PRECISION_LAWS, "precision_law")
        self.is_belief = isinstance(reference, Belief)
        if self.is_belief:
            self.reference: Any = reference
            dtype = reference.dtype
            _param_names(reference, param)
        else:
            self.reference = as_real_array(reference, "reference").astype(np.float64)
            check_domain("reference", self.reference, "real")
            dtype = self.reference.dtype
            if divergence != "euclidean":
                raise ValueError(
                    f"divergence={divergence!r} needs a belief reference; parameter vectors take divergence='euclidean'"
                )
            if param is not None:
                raise ValueError("param applies to beliefs only")
        self.param = param
        self.strength = _strength(strength, dtype)
        self.weights = None if weights is None else _strength(weights, dtype, "weights")
        if not (math.isfinite(gamma) and gamma >= 0):
            raise ValueError(f"gamma must be finite and >= 0, got {gamma!r}")
        if not (math.isfinite(decay) and 0 <= decay <= 1):
            raise ValueError(f"decay must be in [0, 1], got {decay!r}")
        self.gamma = float(gamma)
        self.decay = float(decay)

    def __repr__(self) -> str:
        return (
            f"GoverningEquation(divergence={self.divergence!r}, metric={self.metric!r}, "
            f"reference_law={self.reference_law!r}, precision_law={self.precision_law!r}, "
            f"gamma={self.gamma}, decay={self.decay})"
        )

    # ---------------------------------------------------------------- ready-made special cases
    @classmethod
    def ridge(cls, strength: float, center: Any = 0.0) -> GoverningEquation:
        """Ridge / L2 weight decay ``strength/2 |theta - center|^2`` on a parameter vector.

        The gradient step is SGD with weight decay ``theta <- theta - lr (grad L + strength theta)``.
        It equals ``strength sigma0^2 / 2 d^2`` for beliefs N(theta, sigma0^2 I) only inside the
        fixed-variance location model (``d = |dtheta| / sigma0``): it ignores the precision."""
        return cls(np.asarray(center, dtype=np.float64), divergence="euclidean", metric="euclidean", strength=strength)

    @classmethod
    def ewc(cls, theta_star: Any, fisher: Any, strength: float) -> GoverningEquation:
        """EWC (Kirkpatrick et al. 2017): ``strength/2 sum_i F_i (theta_i - theta*_i)^2``.

        ``fisher`` is the diagonal Fisher at the end of the previous task (e.g.
        :func:`empirical_fisher`).  The quadratic is the second-order (local) approximation of
        ``strength/2 d_FR^2`` to the old posterior; :meth:`consolidate` with a new Fisher adds it
        (``precision_law="summed"``: one merged quadratic instead of one per task)."""
        return cls(
            theta_star,
            divergence="euclidean",
            metric="euclidean",
            strength=strength,
            weights=fisher,
            reference_law="previous_task",
            precision_law="summed",
        )

    @classmethod
    def online_ewc(cls, theta_star: Any, fisher: Any, strength: float, decay: float) -> GoverningEquation:
        """Online EWC (Schwarz et al. 2018): ``F* <- decay F* + F_new``, ``theta* <- theta`` at each
        :meth:`consolidate`; penalty ``strength/2 sum_i F*_i (theta_i - theta*_i)^2``."""
        return cls(
            theta_star,
            divergence="euclidean",
            metric="euclidean",
            strength=strength,
            weights=fisher,
            reference_law="previous_task",
            precision_law="decayed",
            decay=decay,
        )

    @classmethod
    def ema(cls, beta: float, reference: Any, dt: float = 1.0) -> GoverningEquation:
        """EMA / Polyak averaging ``theta_bar <- beta theta_bar + (1 - beta) theta`` as a moving
        reference with ``gamma = -ln(beta) / dt`` (BEDS dissipation plus update, docs page ``mathematics/dynamics``):
        :meth:`advance` by dt reproduces one EMA update exactly.  The penalty strength is 0 (the
        average is a read-out); give ``strength`` to the constructor to also pull theta back."""
        if not (0 < beta < 1):
            raise ValueError(f"beta must be in (0, 1), got {beta!r}")
        if not (dt > 0):
            raise ValueError(f"dt must be > 0, got {dt!r}")
        is_b = isinstance(reference, Belief)
        return cls(
            reference,
            divergence="fisher_rao" if is_b else "euclidean",
            metric="fisher" if is_b else "euclidean",
            strength=0.0,
            reference_law="moving",
            gamma=-math.log(beta) / dt,
        )

    @classmethod
    def sac_entropy(cls, alpha: float, num_actions: int) -> GoverningEquation:
        """SAC's entropy bonus: ``-alpha H(pi) = alpha KL(pi || uniform) - alpha log k`` for a
        categorical policy over ``num_actions`` (Haarnoja et al. 2018); the temperature dual is
        :func:`sac_temperature_update`.  KL ~ d_FR^2 / 2 near the uniform policy.  The metric is
        Euclidean in the logits (SAC's own gradient step); ``metric="fisher"`` gives the natural
        policy gradient variant."""
        k = int(num_actions)
        if k < 1:
            raise ValueError(f"num_actions must be >= 1, got {num_actions!r}")
        return cls(
            Categorical(np.full(k, 1.0 / k)), divergence="kl", metric="euclidean", strength=alpha, param="logits"
        )

    @classmethod
    def fisher_rao(
        cls, reference: Belief, strength: Any = 1.0, gamma: float = 0.0, param: str | None = None
    ) -> GoverningEquation:
        """The BEDS regularizer ``strength/2 d_FR^2(q, q_ref)`` with natural-gradient dynamics, and a
        reference moving toward q at rate gamma when gamma > 0."""
        return cls(
            _belief(reference, "reference"),
            divergence="fisher_rao",
            metric="fisher",
            strength=strength,
            reference_law="moving" if gamma > 0 else "fixed",
            gamma=gamma,
            param=param,
        )

    # ---------------------------------------------------------------------------- penalty
    def _total_strength(self) -> np.ndarray:
        return self.strength if self.weights is None else self.strength * self.weights

    def _belief_params(self, q: Belief) -> tuple[tuple[str, ...], list[np.ndarray]]:
        names = _param_names(q, self.param)
        arrays = []
        for n in names:
            if n == "logits":
                arrays.append(np.log(q.probs))
            elif n not in q.params:
                arrays.append(np.log(q._p[q.params.index(n[4:])]))
            else:
                arrays.append(q._p[q.params.index(n)])
        return names, arrays

    def penalty(self, state: Any) -> PenaltyResult:
        """Value, gradient and natural gradient of ``strength * D(state, reference)``."""
        lam = self._total_strength()
        if not self.is_belief:
            th = as_real_array(state, "state")
            check_domain("state", th, "real")
            diff = th - self.reference
            w = lam
            value = 0.5 * float(np.sum(w * diff * diff))
            g = w * diff
            nat = g if self.metric == "euclidean" or self.weights is None else self.strength * diff
            return PenaltyResult(value, {"theta": np.asarray(g)}, {"theta": np.asarray(nat)}, None)
        q = _belief(state, "state")
        self.reference._check_same(q, "state")
        if self.divergence == "fisher_rao":
            return fisher_rao_penalty(q, self.reference, lam, param=self.param)
        if self.divergence == "kl":
            return kl_penalty(q, self.reference, lam, param=self.param)
        names, th = self._belief_params(q)
        _, ref = self._belief_params(self.reference)
        value, grads = 0.0, {}
        for n, a, b, e in zip(names, th, ref, _event_ndims(q)):
            d = a - b
            g = _expand(lam, q, e) * d
            value = value + 0.5 * np.sum(g * d, axis=tuple(range(-e, 0))) if e else value + 0.5 * g * d
            grads[n] = g
        return PenaltyResult(value, grads, dict(grads), None)

    def __call__(self, state: Any) -> Any:
        """The penalty value."""
        return self.penalty(state).value

    # ------------------------------------------------------------------------------ steps
    def step(self, state: Any, lr: float, loss_grad: Mapping[str, Any] | Any = None, method: str = "explicit") -> Any:
        """One step of the governing equation with step size ``lr``.

        * ``"explicit"``: gradient step ``theta - lr M^-1 (grad L + grad R)`` in the coordinates of
          the parametrisation (M = I for the Euclidean metric, G for the Fisher metric; for beliefs
          a step that leaves the domain raises ValueError).  Stable for ``lr strength w < 2``.
        * ``"implicit"``: proximal step ``argmin_theta R(theta) + |theta - theta0|^2 / (2 lr)`` after
          an explicit step on the loss, ``theta0 = theta - lr M^-1 grad L``: exact closed forms
          ``(theta0 + lr s w theta_ref) / (1 + lr s w)`` for the Euclidean divergence and the
          point ``geodesic(q0, q_ref, lr s / (1 + lr s))`` for the Fisher-Rao divergence (the
          minimizer of ``s/2 d^2(., q_ref) + d^2(., q0) / (2 lr)`` lies on that geodesic).
          Unconditionally stable: use it when ``lr * strength`` is large.
        * ``"riemannian"``: ``Exp_q(-lr G^-1 (grad L + grad R))``, the natural-gradient step with the
          family's exponential map as retraction (beliefs only).
        * ``"flow"``: the exact solution of the penalty's own flow over a time lr (no loss): for the
          Fisher-Rao divergence with the Fisher metric, ``dq/dt = s Log_q(q_ref)`` moves q along the
          geodesic with the distance decaying as ``e^{-s t}``: ``geodesic(q, q_ref, 1 - e^{-s lr})``;
          for the Euclidean divergence with the Euclidean metric, ``theta_ref + (theta -
          theta_ref) e^{-s w lr}``.

        ``loss_grad`` is the Euclidean gradient of the loss: an array for parameter vectors, a
        mapping from parameter names (of the parametrisation, as in :meth:`penalty`) to arrays for
        beliefs; None means no loss.
        """
        method = _choice(method, ("explicit", "implicit", "riemannian", "flow"), "method")
        if not (isinstance(lr, (int, float, np.floating)) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be finite and > 0, got {lr!r}")
        if method == "flow":
            return self._flow(state, float(lr), loss_grad)
        if not self.is_belief:
            return self._step_vector(state, float(lr), loss_grad, method)
        return self._step_belief(_belief(state, "state"), float(lr), loss_grad, method)

    def _flow(self, state: Any, t: float, loss_grad: Any) -> Any:
        if loss_grad is not None:
            raise ValueError("method='flow' integrates the penalty alone: loss_grad must be None")
        lam = self._total_strength()
        if self.divergence == "fisher_rao" and self.metric == "fisher":
            q = _belief(state, "state")
            return _move(q, self.reference, -np.expm1(-lam * t))
        if self.divergence == "euclidean" and self.metric == "euclidean":
            if not self.is_belief:
                th = as_real_array(state, "state").astype(np.float64)
                check_domain("state", th, "real")
                return self.reference + (th - self.reference) * np.exp(-lam * t)
            q = _belief(state, "state")
            names, th = self._belief_params(q)
            _, ref = self._belief_params(self.reference)
            return self._from_params(
                q, names, [r + (x - r) * np.exp(-_expand(lam, q, e) * t) for x, r, e in zip(th, ref, _event_ndims(q))]
            )
        raise ValueError("method='flow' has a closed form for (fisher_rao, fisher) and (euclidean, euclidean) only")

    def _step_vector(self, state: Any, lr: float, loss_grad: Any, method: str) -> np.ndarray:
        th = as_real_array(state, "state").astype(np.float64)
        check_domain("state", th, "real")
        gl = np.zeros_like(th) if loss_grad is None else as_real_array(loss_grad, "loss_grad")
        check_domain("loss_grad", gl, "real")
        precond = self.metric == "fisher" and self.weights is not None
        if method == "riemannian" and not precond:
            method = "explicit"  # Euclidean parameter space: the exp map is theta + v
        lam = self._total_strength()
        if method == "implicit":
            th0 = th - lr * (gl / self.weights if precond else gl)
            a = lr * (self.strength if precond else lam)
            return (th0 + a * self.reference) / (1.0 + a)
        pen = self.penalty(th)
        g = gl + pen.grad["theta"]
        return th - lr * (g / self.weights if precond else g)

    def _loss_components(self, q: Belief, names: tuple[str, ...], loss_grad: Any) -> list[np.ndarray]:
        if loss_grad is None:
            return [np.zeros(()) for _ in names]
        if not isinstance(loss_grad, Mapping):
            raise TypeError(f"loss_grad must map parameter names ({', '.join(names)}) to arrays for beliefs")
        extra = set(loss_grad) - set(names)
        if extra:
            raise ValueError(f"loss_grad has unknown parameter(s) {sorted(extra)}; expected {', '.join(names)}")
        out = []
        for n in names:
            a = as_real_array(loss_grad.get(n, 0.0), f"loss_grad[{n!r}]")
            check_domain(f"loss_grad[{n!r}]", a, "real")
            out.append(a)
        return out

    def _to_family(self, q: Belief, names: tuple[str, ...], comps: list[np.ndarray]) -> list[np.ndarray]:
        """Covector components in the parametrisation -> family coordinates (inverse chain rule)."""
        out = []
        for n, c in zip(names, comps):
            if n == "logits":
                c = _loss_to_probs_from_logits(q, c)
            elif n not in q.params:
                c = c / q._p[q.params.index(n[4:])]
            out.append(c)
        return out

    def _step_belief(self, q: Belief, lr: float, loss_grad: Any, method: str) -> Belief:
        names = _param_names(q, self.param)
        gl = self._loss_components(q, names, loss_grad)
        if method == "implicit":
            if self.divergence == "kl":
                raise ValueError("implicit steps have a closed form for divergence='fisher_rao' or 'euclidean' only")
            q0 = q
            if loss_grad is not None:
                q0 = self._loss_step(q, lr, names, gl)
            if self.divergence == "fisher_rao":
                a = lr * self._total_strength()
                return _move(q0, self.reference, a / (1.0 + a))
            _, th0 = self._belief_params(q0)
            _, ref = self._belief_params(self.reference)
            lam = self._total_strength()
            a = [lr * _expand(lam, q, e) for e in _event_ndims(q)]
            return self._from_params(q, names, [(x + ai * r) / (1.0 + ai) for x, r, ai in zip(th0, ref, a)])
        pen = self.penalty(q)
        total = [np.asarray(g) + pen.grad[n] for g, n in zip(gl, names)]
        if method == "riemannian" or self.metric == "fisher":
            fam = self._to_family(q, names, total)
            shape = np.broadcast_shapes(*(f.shape for f in fam), q._p[0].shape)
            base = q if q._p[0].shape == shape else q._broadcast_to(shape)
            nat = _apply_metric(base, tuple(np.broadcast_to(f, shape) for f in fam), inverse=True)
            if method == "riemannian":
                moved = base.exp(Tangent._trusted(base, tuple(-lr * n for n in nat)))
                return self._from_params(base, base.params, list(moved._p))  # validated
            _, th = self._belief_params(base)
            step = self._natural_in_param(base, names, nat)
            return self._from_params(base, names, [x - lr * s for x, s in zip(th, step)])
        _, th = self._belief_params(q)
        return self._from_params(q, names, [x - lr * g for x, g in zip(th, total)])

    def _natural_in_param(self, q: Belief, names: tuple[str, ...], nat: list[np.ndarray]) -> list[np.ndarray]:
        out = []
        for n, c in zip(names, nat):
            if n == "logits":
                z = c / q.probs
                out.append(z - z.mean(axis=-1, keepdims=True))
            elif n not in q.params:
                out.append(c / q._p[q.params.index(n[4:])])
            else:
                out.append(c)
        return out

    def _loss_step(self, q: Belief, lr: float, names: tuple[str, ...], gl: list[np.ndarray]) -> Belief:
        if self.metric == "fisher":
            fam = self._to_family(q, names, gl)
            shape = np.broadcast_shapes(*(f.shape for f in fam), q._p[0].shape)
            base = q if q._p[0].shape == shape else q._broadcast_to(shape)
            nat = _apply_metric(base, tuple(np.broadcast_to(f, shape) for f in fam), inverse=True)
            return base.exp(Tangent._trusted(base, tuple(-lr * n for n in nat)))
        _, th = self._belief_params(q)
        return self._from_params(q, names, [x - lr * g for x, g in zip(th, gl)])

    @staticmethod
    def _from_params(q: Belief, names: tuple[str, ...], arrays: list[np.ndarray]) -> Belief:
        vals = {}
        for n, a in zip(names, arrays):
            if n == "logits":
                return Categorical(logits=a)
            if n not in q.params:
                vals[n[4:]] = np.exp(a)
            else:
                vals[n] = a
        try:
            return type(q)(**vals)
        except ValueError as e:
            raise ValueError(
                f"the step left the manifold ({e}); use a smaller lr, method='riemannian' or method='implicit'"
            ) from None

    # ---------------------------------------------------------------- reference dynamics
    def advance(self, state: Any, dt: float) -> Any:
        """Moves a ``"moving"`` reference toward ``state`` for a time dt (exact solution of
        ``dtheta_ref/dt = gamma (theta - theta_ref)`` with theta frozen): the fraction is
        ``1 - e^{-gamma dt}``, linearly in the parameters (Euclidean metric or vectors) or along the
        FR geodesic (Fisher metric).  Returns the new reference (also stored)."""
        if self.reference_law != "moving":
            raise ValueError(f"advance needs reference_law='moving', this equation has {self.reference_law!r}")
        if not (math.isfinite(dt) and dt >= 0):
            raise ValueError(f"dt must be finite and >= 0, got {dt!r}")
        a = -math.expm1(-self.gamma * dt)
        if not self.is_belief:
            th = as_real_array(state, "state")
            check_domain("state", th, "real")
            beta = math.exp(-self.gamma * dt)
            self.reference = beta * self.reference + a * th
            return self.reference
        q = _belief(state, "state")
        self.reference._check_same(q, "state")
        if self.metric == "fisher":
            self.reference = self.reference.geodesic(q, a)
        else:
            names, th = self._belief_params(q)
            _, ref = self._belief_params(self.reference)
            self.reference = self._from_params(q, names, [r + a * (x - r) for x, r in zip(th, ref)])
        return self.reference

    def consolidate(self, state: Any, fisher: Any = None) -> None:
        """End of a task: the reference becomes ``state`` (``"previous_task"`` law) and the
        precision weights follow the precision law with the new Fisher diagonal ``fisher``:
        frozen (kept; set if there were none), summed ``w + F``, decayed ``decay w + F``."""
        if self.reference_law == "previous_task":
            if self.is_belief:
                self.reference = _belief(state, "state")
            else:
                th = as_real_array(state, "state").astype(np.float64)
                check_domain("state", th, "real")
                self.reference = th
        if fisher is None:
            return
        f = _strength(fisher, np.dtype(np.float64), "fisher")
        if self.weights is None or self.precision_law == "frozen":
            if self.weights is None:
                self.weights = f
            return
        if self.precision_law == "summed":
            self.weights = self.weights + f
        else:
            self.weights = self.decay * self.weights + f


def _loss_to_probs_from_logits(q: Categorical, gz: np.ndarray) -> np.ndarray:
    """A covector on the logits seen as a covector on the simplex: g_p = g_z / p (any solution of
    (diag p - p p^T) g_p = g_z up to the constant vector, which tangent vectors do not see)."""
    return gz / q.probs
