"""BEDS dynamics: beliefs that dissipate, observations that restore them (docs: mathematics/dynamics, energy).

A :class:`System` is a batch of beliefs of one kind, each with a dissipation rate, a reference
belief that dissipation relaxes toward, and a crystallization threshold.  Every operation is solved
exactly (no time step):

* **multiplicative dissipation** (the P3 model, ``gamma=``): the natural parameters relax
  toward those of the reference, ``dx/dt = -gamma (x - x_ref)``, i.e. over ``dt``

      x <- a x + (1 - a) x_ref,   a = exp(-gamma dt),

  which is the geometric mixture ``q^a q_ref^(1-a)`` of the docs page ``mathematics/regularization``.  For a Gaussian,
  ``x = (tau, tau mu)`` (precision and precision times mean; information form ``(Lambda, Lambda mu)``
  for a full covariance): ``tau <- a tau + (1 - a) tau_ref``.  With the default flat
  (uninformative, ``tau_ref = 0``) reference this is exactly P3: ``dtau/dt = -gamma tau``, the mean
  unchanged, the variance growing as ``sigma0^2 e^(gamma t)`` (P3 convention; some of the author's
  notes use ``sigma ~ e^(gamma t)``, i.e. variance at rate 2 gamma: beds follows P3).  For von
  Mises beliefs, ``x = eta = kappa (cos mu, sin mu)``: the circular analogue (the uniform law,
  eta = 0, is the flat reference; kappa decays as ``e^(-gamma t)``).
* **additive diffusion** (``q=``): the variance grows linearly, ``d(sigma^2)/dt = q`` (a random
  walk of the state), i.e. ``tau <- tau / (1 + q dt tau)`` (full covariance: ``Sigma <- Sigma + q dt I``).
* **observation** (Bayes' rule, conjugate): Gaussian ``tau+ = tau- + tau_D``,
  ``mu+ = (tau- mu- + tau_D D) / tau+``; von Mises ``eta += kappa_D (cos x, sin x)``.
* **fusion** of two systems' beliefs (multi-agent): the normalized product of the densities, i.e.
  the sum of the natural parameters (docs page ``mathematics/dynamics``).  This counts a prior that
  both agents share twice.
* **crystallization**: a belief whose uncertainty is below ``eps`` outputs its mean and halts
  (``System.crystallize``); uncertainty is the variance for scalar Gaussians, the trace (default),
  largest eigenvalue or determinant of the covariance for several dimensions (``rule=``), and the
  circular variance ``1 - A(kappa)`` for von Mises beliefs.

:meth:`System.integrate` runs an observation stream (time, belief index, value, precision) in C++
(GIL released, no Python object in the loop; about 50 million events per second on one core for
scalar Gaussians on random streams, 190 to 260 million on regular streams, on the reference
machine) and records the trajectory.

Belief kinds and their state arrays (float64, batch shape ``B``):

=============== ======================================= =========================================
kind            state                                   constructor
=============== ======================================= =========================================
``normal``      mean ``B``, precision ``B``              ``System.normal(mean, var=, precision=)``
``diag_normal`` mean ``B+(d,)``, precision ``B+(d,)``     ``System.diag_normal(mean, var=, precision=)``
``mv_normal``   mean ``B+(d,)``, precision ``B+(d,d)``    ``System.mv_normal(mean, cov=, precision=)``
``von_mises``   eta ``B+(2,)`` = kappa (cos mu, sin mu)   ``System.von_mises(mu, kappa)``
=============== ======================================= =========================================

References: L. Caraffa, BEDS: a formal framework for continuous inference under energy constraints,
arXiv 2601.02329 (2026), sections on dissipation, crystallization and energy; docs: mathematics/dynamics, energy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _core, special
from ._validation import as_real_array, check_domain
from .energy import BOLTZMANN

__all__ = [
    "BOLTZMANN",
    "KINDS",
    "System",
    "Trajectory",
    "ema_decay",
    "ema_gain",
    "gamma_from_ema",
    "to_belief",
    "von_mises_entropy",
    "von_mises_mean_resultant",
]

KINDS = ("normal", "diag_normal", "mv_normal", "von_mises")
RULES = ("trace", "max_eig", "det")
_HALF_LOG_2PI_E = 0.5 * math.log(2 * math.pi * math.e)


# ============================================================================ small helpers
def _f64(x: Any, name: str) -> np.ndarray:
    return as_real_array(x, name).astype(np.float64, copy=False)


def _scalar_time(x: Any, name: str) -> float:
    a = _f64(x, name)
    if a.ndim != 0:
        raise ValueError(f"{name} must be a scalar, got shape {a.shape}")
    check_domain(name, a, "real")
    return float(a)


def _bcast(a: np.ndarray, shape: tuple[int, ...], name: str) -> np.ndarray:
    try:
        return np.broadcast_to(a, shape)
    except ValueError:
        raise ValueError(f"{name} of shape {a.shape} does not broadcast to {shape}") from None


def _spd(p: np.ndarray, name: str) -> None:
    if not np.allclose(p, np.swapaxes(p, -1, -2), rtol=1e-10, atol=0.0):
        raise ValueError(f"{name} must be symmetric")
    if p.size and not (np.linalg.eigvalsh(p) > 0).all():
        raise ValueError(f"{name} must be positive definite")


def von_mises_mean_resultant(kappa: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(log I0e(kappa), A(kappa))`` with ``I0e = e^-kappa I0`` and ``A = I1/I0``, float64
    (:mod:`beds.special`)."""
    k = np.asarray(kappa, dtype=np.float64)
    # log I0 - kappa keeps full relative accuracy where log I0 is small; log(I0e) where it is large
    with np.errstate(invalid="ignore"):
        log_i0e = np.where(k <= 16.0, special.log_i0(k) - k, np.log(special.i0e(k)))
    return log_i0e, special.mean_resultant(k)


def von_mises_entropy(kappa: Any) -> np.ndarray:
    """Entropy of vM(mu, kappa) in nats: ``ln(2 pi I0(kappa)) - kappa A(kappa)`` (the kernel of
    :func:`beds.von_mises.entropy`)."""
    return _core.von_mises_entropy(np.asarray(kappa, dtype=np.float64))


def to_belief(kind: str, params: dict[str, np.ndarray]) -> Any:
    """The belief object of a state: ``beds.Normal`` / ``beds.DiagNormal`` for the Gaussian kinds,
    ``beds.VonMises`` / ``beds.MVNormal`` when those families exist in this build; otherwise the
    parameter arrays (``(mu, kappa)`` for von Mises, ``(mean, cov)`` for a full Gaussian)."""
    import beds

    if kind == "normal":
        return beds.Normal(params["mean"], np.sqrt(1.0 / params["precision"]))
    if kind == "diag_normal":
        return beds.DiagNormal(params["mean"], np.sqrt(1.0 / params["precision"]))
    if kind == "von_mises":
        cls = getattr(beds, "VonMises", None)
        return (params["mu"], params["kappa"]) if cls is None else cls(params["mu"], params["kappa"])
    cls = getattr(beds, "MVNormal", None)
    return (params["mean"], params["cov"]) if cls is None else cls(params["mean"], params["cov"])


# ============================================================================ EMA helpers
def gamma_from_ema(beta: Any, step: Any) -> np.ndarray:
    """Dissipation rate of the BEDS filter equivalent to an EMA with decay ``beta`` every ``step``:
    ``gamma = -ln(beta) / step`` (docs page ``mathematics/dynamics``; beta in (0, 1], step > 0)."""
    b = _f64(beta, "beta")
    s = _f64(step, "step")
    check_domain("step", s, "positive")
    check_domain("beta", b, "positive")
    if not (b <= 1).all():
        raise ValueError("beta must be in (0, 1]")
    return -np.log(b) / s


def ema_decay(gamma: Any, step: Any) -> np.ndarray:
    """EMA decay ``beta = exp(-gamma step)`` of the steady-state BEDS filter (gamma >= 0, step > 0)."""
    g = _f64(gamma, "gamma")
    s = _f64(step, "step")
    check_domain("gamma", g, "nonnegative")
    check_domain("step", s, "positive")
    return np.exp(-g * s)


def ema_gain(gamma: Any, step: Any) -> np.ndarray:
    """Steady-state gain ``alpha = 1 - exp(-gamma step)``: dissipating for ``step`` then assimilating
    one observation of precision tau_D gives ``tau* = tau_D / alpha`` and ``mu+ = (1 - alpha) mu- +
    alpha D``, an EMA with decay ``beta = 1 - alpha`` (docs page ``mathematics/dynamics``)."""
    g = _f64(gamma, "gamma")
    s = _f64(step, "step")
    check_domain("gamma", g, "nonnegative")
    check_domain("step", s, "positive")
    return -np.expm1(-g * s)


# ============================================================================ trajectory
@dataclass(frozen=True)
class Trajectory:
    """States recorded by :meth:`System.integrate` at ``times`` (shape ``(k,)``).

    Per belief (shape ``(k,) + batch_shape`` plus the event axes of the kind):

    * ``mean`` (``mu`` for von Mises), ``precision`` (scalar, per coordinate, or the precision
      matrix; ``kappa`` for von Mises);
    * ``entropy`` (nats);
    * ``info_gained``: information brought by the observations since the start, the sum of
      ``1/2 ln(1 + tau_D / tau-)`` (``1/2 ln det(I + Lambda-^-1 R)`` for a full Gaussian), nats;
    * ``info_dissipated``: entropy produced by dissipation since the start, nats;
      ``info_gained - info_dissipated`` is the entropy decrease ``H(t0) - H(t)``;
    * ``observations``: cumulative number of observations;
    * ``energy``: ``k_B T info_dissipated`` in joules, the Landauer work needed to hold the belief
      against dissipation (docs page ``mathematics/energy``: at rate ``gamma k_B T / 2`` per coordinate for the
      multiplicative model); :meth:`operational_energy` gives ``E_obs`` times the observation count.

    For von Mises beliefs the information gained by an observation is its entropy drop
    ``H(pre) - H(post)`` (negative when an observation contradicts the belief and lowers kappa),
    and the dissipated information the entropy produced between observations.
    """

    kind: str
    times: np.ndarray
    mean: np.ndarray
    precision: np.ndarray
    entropy: np.ndarray
    info_gained: np.ndarray
    info_dissipated: np.ndarray
    observations: np.ndarray
    temperature: float

    @property
    def energy(self) -> np.ndarray:
        """Cumulative Landauer energy ``k_B T info_dissipated`` (J)."""
        return BOLTZMANN * self.temperature * self.info_dissipated

    def operational_energy(self, energy_per_observation: Any) -> np.ndarray:
        """Cumulative operational energy ``E_obs * (number of observations)`` (J)."""
        e = _f64(energy_per_observation, "energy_per_observation")
        check_domain("energy_per_observation", e, "nonnegative")
        return self.observations * e

    def variance(self) -> np.ndarray:
        """Variance (per coordinate for diag_normal, covariance matrix for mv_normal; circular
        variance ``1 - A(kappa)`` for von Mises)."""
        if self.kind == "mv_normal":
            return np.linalg.inv(self.precision)
        if self.kind == "von_mises":
            return 1.0 - von_mises_mean_resultant(self.precision)[1]
        return 1.0 / self.precision

    def entropy_production_rate(self) -> np.ndarray:
        """Mean entropy production by dissipation between consecutive records, nats per unit time,
        shape ``(k - 1,) + batch``."""
        dt = np.diff(self.times).reshape((-1,) + (1,) * (self.info_dissipated.ndim - 1))
        return np.diff(self.info_dissipated, axis=0) / dt


# ============================================================================ the system
class System:
    """A batch of BEDS beliefs B = (Theta, q0, gamma, eps) with their dissipation and reference.

    Build one with :meth:`normal`, :meth:`diag_normal`, :meth:`mv_normal`, :meth:`von_mises` or
    :meth:`from_belief`.  Systems are immutable: every operation returns a new system.

    Parameters common to the constructors:

    * ``gamma``: multiplicative dissipation rate (>= 0, scalar or per belief; per coordinate for
      ``diag_normal``), ``dtau/dt = -gamma (tau - tau_ref)``;
    * ``q``: additive diffusion rate (variance per unit time, >= 0), instead of ``gamma``
      (Gaussian kinds only; no reference);
    * ``reference``: the belief dissipation relaxes toward (multiplicative model), given as the
      same parameters as the constructor (``(mean, precision)`` for Gaussians, with ``cov``
      replaced by a precision matrix for ``mv_normal``; ``(mu, kappa)`` for von Mises).  None: the
      flat reference (precision 0, the uniform law for von Mises), which reproduces P3 exactly;
    * ``eps``: crystallization threshold on the uncertainty (None: never crystallizes);
    * ``rule``: ``"trace"``, ``"max_eig"`` or ``"det"`` of the covariance, for several dimensions;
    * ``t``: the current time (default 0).

    >>> import numpy as np, beds
    >>> s = beds.System.normal(mean=[0.0, 1.0], precision=[4.0, 1.0], gamma=0.5)
    >>> s.dissipate(2.0).precision.round(6)          # tau e^(-gamma t)
    array([1.471518, 0.367879])
    >>> s.assimilate(2.0, precision=4.0).mean          # precision-weighted
    array([1. , 1.8])
    """

    __slots__ = ("kind", "t", "_state", "_rate", "model", "_ref", "eps", "rule", "_frozen", "_output")

    # ------------------------------------------------------------------ construction
    def __init__(
        self,
        kind: str,
        state: dict[str, np.ndarray],
        rate: np.ndarray,
        model: str,
        ref: dict[str, np.ndarray] | None,
        eps: float | None,
        rule: str,
        t: float,
        frozen: np.ndarray | None = None,
        output: np.ndarray | None = None,
    ) -> None:
        # Internal: use the classmethod constructors, which validate.
        self.kind = kind
        self._state = state
        self._rate = rate
        self.model = model
        self._ref = ref
        self.eps = eps
        self.rule = rule
        self.t = t
        shape = self.batch_shape
        self._frozen = np.zeros(shape, dtype=bool) if frozen is None else frozen
        self._output = output

    @staticmethod
    def _common(
        gamma: Any, q: Any, eps: Any, rule: str, t: Any, kind: str
    ) -> tuple[np.ndarray, str, float | None, str, float]:
        if (gamma is None) == (q is None):
            raise ValueError("give exactly one of gamma (multiplicative dissipation) and q (additive diffusion)")
        if q is not None and kind == "von_mises":
            raise ValueError("q (additive diffusion) is defined for Gaussian beliefs only; use gamma")
        name = "gamma" if q is None else "q"
        rate = _f64(gamma if q is None else q, name)
        check_domain(name, rate, "nonnegative")
        if eps is not None:
            e = _f64(eps, "eps")
            if e.ndim != 0 or not (np.isfinite(e) and e > 0):
                raise ValueError(f"eps must be a positive number, got {eps!r}")
            eps = float(e)
        if rule not in RULES:
            raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
        return rate, ("multiplicative" if q is None else "additive"), eps, rule, _scalar_time(t, "t")

    @staticmethod
    def _gauss_precision(var: Any, precision: Any, name_var: str = "var") -> tuple[np.ndarray, str]:
        if (var is None) == (precision is None):
            raise ValueError(f"give exactly one of {name_var} and precision")
        if precision is not None:
            p = _f64(precision, "precision")
            return p, "precision"
        return _f64(var, name_var), name_var

    @classmethod
    def _gauss_mean_precision(cls, mean: Any, var: Any, precision: Any) -> tuple[np.ndarray, np.ndarray]:
        """Validated float64 mean and precision (from ``var`` or ``precision``), broadcast together."""
        m = _f64(mean, "mean")
        p, pname = cls._gauss_precision(var, precision)
        check_domain("mean", m, "real")
        check_domain(pname, p, "positive")
        if pname == "var":
            p = 1.0 / p
        try:
            m, p = np.broadcast_arrays(m, p)
        except ValueError:
            raise ValueError(f"shapes do not broadcast: mean {m.shape}, {pname} {p.shape}") from None
        return m, p

    @classmethod
    def normal(
        cls,
        mean: Any,
        var: Any = None,
        *,
        precision: Any = None,
        gamma: Any = None,
        q: Any = None,
        reference: Any = None,
        eps: Any = None,
        t: Any = 0.0,
    ) -> System:
        """Scalar Gaussian beliefs N(mean, var) (give ``var`` or ``precision`` = 1/var)."""
        rate, model, eps, rule, t = cls._common(gamma, q, eps, "trace", t, "normal")
        m, p = cls._gauss_mean_precision(mean, var, precision)
        shape = m.shape
        rate = _bcast(rate, shape, "gamma" if model == "multiplicative" else "q")
        ref = cls._gauss_reference(reference, model, shape, ())
        return cls("normal", {"mean": m.copy(), "precision": p.copy()}, rate.copy(), model, ref, eps, rule, t)

    @classmethod
    def diag_normal(
        cls,
        mean: Any,
        var: Any = None,
        *,
        precision: Any = None,
        gamma: Any = None,
        q: Any = None,
        reference: Any = None,
        eps: Any = None,
        rule: str = "trace",
        t: Any = 0.0,
    ) -> System:
        """Mean-field Gaussian beliefs N(mean, diag(var)), parameters of shape ``batch + (d,)``.
        ``gamma``/``q`` broadcast to ``batch + (d,)`` (a rate per coordinate)."""
        rate, model, eps, rule, t = cls._common(gamma, q, eps, rule, t, "diag_normal")
        m, p = cls._gauss_mean_precision(mean, var, precision)
        if m.ndim < 1 or m.shape[-1] == 0:
            raise ValueError(f"mean needs a last axis of d >= 1 coordinates, got shape {m.shape}")
        rate = _bcast(rate, m.shape, "gamma" if model == "multiplicative" else "q")
        ref = cls._gauss_reference(reference, model, m.shape[:-1], (m.shape[-1],))
        return cls("diag_normal", {"mean": m.copy(), "precision": p.copy()}, rate.copy(), model, ref, eps, rule, t)

    @classmethod
    def mv_normal(
        cls,
        mean: Any,
        cov: Any = None,
        *,
        precision: Any = None,
        gamma: Any = None,
        q: Any = None,
        reference: Any = None,
        eps: Any = None,
        rule: str = "trace",
        t: Any = 0.0,
    ) -> System:
        """Full-covariance Gaussian beliefs N(mean, cov): mean ``batch + (d,)``, cov (or the precision
        matrix) ``batch + (d, d)``, symmetric positive definite.  Stored in information form."""
        rate, model, eps, rule, t = cls._common(gamma, q, eps, rule, t, "mv_normal")
        m = _f64(mean, "mean")
        p, pname = cls._gauss_precision(cov, precision, "cov")
        check_domain("mean", m, "real")
        check_domain(pname, p, "real")
        if m.ndim < 1 or m.shape[-1] == 0:
            raise ValueError(f"mean needs a last axis of d >= 1 coordinates, got shape {m.shape}")
        d = m.shape[-1]
        if p.ndim < 2 or p.shape[-2:] != (d, d):
            raise ValueError(f"{pname} must have shape batch + ({d}, {d}), got {p.shape}")
        _spd(p, pname)
        if pname == "cov":
            p = np.linalg.inv(p)
            p = 0.5 * (p + np.swapaxes(p, -1, -2))
        try:
            shape = np.broadcast_shapes(m.shape[:-1], p.shape[:-2])
        except ValueError:
            raise ValueError(f"batch shapes do not broadcast: mean {m.shape}, {pname} {p.shape}") from None
        m = np.broadcast_to(m, shape + (d,)).copy()
        p = np.broadcast_to(p, shape + (d, d)).copy()
        rate = _bcast(rate, shape, "gamma" if model == "multiplicative" else "q")
        ref = cls._gauss_reference(reference, model, shape, (d,), matrix=True)
        return cls("mv_normal", {"mean": m, "precision": p}, rate.copy(), model, ref, eps, rule, t)

    @classmethod
    def von_mises(
        cls, mu: Any, kappa: Any, *, gamma: Any, reference: Any = None, eps: Any = None, t: Any = 0.0
    ) -> System:
        """von Mises beliefs vM(mu, kappa) (kappa >= 0), stored as eta = kappa (cos mu, sin mu)."""
        rate, model, eps, rule, t = cls._common(gamma, None, eps, "trace", t, "von_mises")
        mu_a = _f64(mu, "mu")
        k = _f64(kappa, "kappa")
        check_domain("mu", mu_a, "real")
        check_domain("kappa", k, "nonnegative")
        try:
            mu_a, k = np.broadcast_arrays(mu_a, k)
        except ValueError:
            raise ValueError(f"shapes do not broadcast: mu {mu_a.shape}, kappa {k.shape}") from None
        eta = np.stack([k * np.cos(mu_a), k * np.sin(mu_a)], axis=-1)
        shape = mu_a.shape
        rate = _bcast(rate, shape, "gamma")
        ref = None
        if reference is not None:
            rmu, rk = cls._pair(reference, "reference", ("mu", "kappa"))
            rmu, rk = _f64(rmu, "reference mu"), _f64(rk, "reference kappa")
            check_domain("reference mu", rmu, "real")
            check_domain("reference kappa", rk, "nonnegative")
            reta = np.stack([rk * np.cos(rmu), rk * np.sin(rmu)], axis=-1)
            ref = {"eta": np.broadcast_to(reta, shape + (2,)).copy()}
        return cls("von_mises", {"eta": eta}, rate.copy(), model, ref, eps, rule, t)

    @classmethod
    def from_belief(cls, belief: Any, **kwargs: Any) -> System:
        """A system from a belief object (``beds.Normal``, ``beds.DiagNormal``, and ``beds.VonMises`` /
        ``beds.MVNormal`` when available); keyword arguments as in the constructors."""
        import beds

        if isinstance(belief, beds.Normal):
            return cls.normal(belief.mean, belief.std**2, **kwargs)
        if isinstance(belief, beds.DiagNormal):
            return cls.diag_normal(belief.mean, belief.std**2, **kwargs)
        vm, mv = getattr(beds, "VonMises", None), getattr(beds, "MVNormal", None)
        if vm is not None and isinstance(belief, vm):
            return cls.von_mises(belief.mu, belief.kappa, **kwargs)
        if mv is not None and isinstance(belief, mv):
            return cls.mv_normal(belief.mean, belief.cov, **kwargs)
        raise TypeError(f"belief must be a beds.Normal, DiagNormal, VonMises or MVNormal, got {type(belief).__name__}")

    @staticmethod
    def _pair(reference: Any, name: str, names: tuple[str, str]) -> tuple[Any, Any]:
        import beds

        if isinstance(reference, beds.Normal | beds.DiagNormal):
            return reference.mean, 1.0 / reference.std**2
        if hasattr(reference, names[0]) and hasattr(reference, names[1]):
            return getattr(reference, names[0]), getattr(reference, names[1])
        if isinstance(reference, tuple | list) and len(reference) == 2:
            return reference[0], reference[1]
        raise TypeError(f"{name} must be a belief or a pair {names}, got {type(reference).__name__}")

    @classmethod
    def _gauss_reference(
        cls, reference: Any, model: str, shape: tuple[int, ...], event: tuple[int, ...], matrix: bool = False
    ) -> dict[str, np.ndarray] | None:
        if reference is None:
            return None
        if model != "multiplicative":
            raise ValueError("reference is only used by the multiplicative model (gamma); the additive model has none")
        if matrix and hasattr(reference, "cov") and hasattr(reference, "mean"):
            rm, rp = reference.mean, np.linalg.inv(np.asarray(reference.cov, dtype=np.float64))
        else:
            rm, rp = cls._pair(reference, "reference", ("mean", "precision"))
        rm = _f64(rm, "reference mean")
        rp = _f64(rp, "reference precision")
        check_domain("reference mean", rm, "real")
        if matrix:
            check_domain("reference precision", rp, "real")
            d = event[0]
            if rp.ndim < 2 or rp.shape[-2:] != (d, d):
                raise ValueError(f"reference precision must have shape batch + ({d}, {d}), got {rp.shape}")
            if rp.size and not (np.linalg.eigvalsh(rp) >= 0).all():
                raise ValueError("reference precision must be positive semi-definite")
            rp = np.broadcast_to(rp, shape + (d, d))
        else:
            check_domain("reference precision", rp, "nonnegative")
            rp = _bcast(rp, shape + event, "reference precision")
        rm = _bcast(rm, shape + event, "reference mean")
        return {"mean": rm.copy(), "precision": rp.copy()}

    def _replace(
        self,
        state: dict[str, np.ndarray],
        t: float | None = None,
        frozen: np.ndarray | None = None,
        output: np.ndarray | None = None,
    ) -> System:
        return System(
            self.kind,
            state,
            self._rate,
            self.model,
            self._ref,
            self.eps,
            self.rule,
            self.t if t is None else t,
            self._frozen if frozen is None else frozen,
            self._output if output is None else output,
        )

    # ------------------------------------------------------------------ properties
    @property
    def batch_shape(self) -> tuple[int, ...]:
        first = self._state["eta" if self.kind == "von_mises" else "mean"]
        return first.shape[:-1] if self.kind != "normal" else first.shape

    @property
    def dim(self) -> int:
        """Number of dissipating coordinates per belief (1, d, d, or 1 for von Mises)."""
        if self.kind in ("diag_normal", "mv_normal"):
            return int(self._state["mean"].shape[-1])
        return 1

    @property
    def rate(self) -> np.ndarray:
        """gamma (multiplicative) or q (additive), broadcast to the batch."""
        return self._rate

    @property
    def gamma(self) -> np.ndarray:
        if self.model != "multiplicative":
            raise AttributeError("an additive-diffusion system has q, not gamma")
        return self._rate

    @property
    def q(self) -> np.ndarray:
        if self.model != "additive":
            raise AttributeError("a multiplicative system has gamma, not q")
        return self._rate

    @property
    def mean(self) -> np.ndarray:
        """Mean (the circular mean mu for von Mises)."""
        if self.kind == "von_mises":
            return self.mu
        return self._state["mean"].copy()

    @property
    def precision(self) -> np.ndarray:
        """Precision: 1/var, per coordinate, or the precision matrix (kappa for von Mises)."""
        if self.kind == "von_mises":
            return self.kappa
        return self._state["precision"].copy()

    @property
    def var(self) -> np.ndarray:
        """Variance (per coordinate); the covariance matrix for mv_normal."""
        if self.kind == "von_mises":
            raise AttributeError("von Mises beliefs have circular_var, kappa and mu")
        if self.kind == "mv_normal":
            return np.linalg.inv(self._state["precision"])
        return 1.0 / self._state["precision"]

    cov = var

    @property
    def eta(self) -> np.ndarray:
        """Natural parameters kappa (cos mu, sin mu) of von Mises beliefs."""
        if self.kind != "von_mises":
            raise AttributeError("eta is defined for von Mises systems")
        return self._state["eta"].copy()

    @property
    def kappa(self) -> np.ndarray:
        e = self.eta
        return np.hypot(e[..., 0], e[..., 1])

    @property
    def mu(self) -> np.ndarray:
        e = self.eta
        return np.arctan2(e[..., 1], e[..., 0])

    @property
    def reference(self) -> dict[str, np.ndarray] | None:
        """The reference parameters (None: flat)."""
        return None if self._ref is None else {k: v.copy() for k, v in self._ref.items()}

    @property
    def frozen(self) -> np.ndarray:
        """Mask of the crystallized (halted) beliefs."""
        return self._frozen.copy()

    @property
    def output(self) -> np.ndarray | None:
        """Means output at crystallization (NaN where not crystallized); None before any."""
        return None if self._output is None else self._output.copy()

    def params(self) -> dict[str, np.ndarray]:
        """The beliefs as plain parameter arrays (mean/precision, mean/cov, mu/kappa)."""
        if self.kind == "von_mises":
            return {"mu": self.mu, "kappa": self.kappa}
        if self.kind == "mv_normal":
            return {"mean": self.mean, "cov": self.var}
        return {"mean": self.mean, "precision": self.precision}

    @property
    def belief(self) -> Any:
        """The beliefs as a ``beds`` belief object (see :func:`to_belief`)."""
        return to_belief(self.kind, self.params())

    def __repr__(self) -> str:
        return (
            f"System(kind={self.kind!r}, batch_shape={self.batch_shape}, model={self.model!r}, "
            f"reference={'flat' if self._ref is None else 'given'}, eps={self.eps}, t={self.t})"
        )

    # ------------------------------------------------------------------ uncertainty and entropy
    def uncertainty(self) -> np.ndarray:
        """Scalar uncertainty used by the crystallization rule: the variance (normal), the trace /
        largest eigenvalue / determinant of the covariance (``rule``), or the circular variance
        ``1 - A(kappa)`` (von Mises)."""
        if self.kind == "normal":
            return 1.0 / self._state["precision"]
        if self.kind == "von_mises":
            return 1.0 - von_mises_mean_resultant(self.kappa)[1]
        if self.kind == "diag_normal":
            v = 1.0 / self._state["precision"]
            return {"trace": lambda: v.sum(-1), "max_eig": lambda: v.max(-1), "det": lambda: v.prod(-1)}[self.rule]()
        ev = 1.0 / np.linalg.eigvalsh(self._state["precision"])
        return {"trace": lambda: ev.sum(-1), "max_eig": lambda: ev.max(-1), "det": lambda: ev.prod(-1)}[self.rule]()

    def entropy(self) -> np.ndarray:
        """Entropy of each belief in nats (``1/2 ln(2 pi e) - 1/2 ln tau`` per coordinate)."""
        if self.kind == "von_mises":
            return von_mises_entropy(self.kappa)
        p = self._state["precision"]
        if self.kind == "normal":
            return _HALF_LOG_2PI_E - 0.5 * np.log(p)
        if self.kind == "diag_normal":
            return self.dim * _HALF_LOG_2PI_E - 0.5 * np.log(p).sum(-1)
        return self.dim * _HALF_LOG_2PI_E - 0.5 * np.linalg.slogdet(p)[1]

    # ------------------------------------------------------------------ operations
    def _decay(self, dt: Any) -> np.ndarray:
        """a = exp(-gamma dt) broadcast to the batch (per coordinate for diag_normal), 1 where frozen."""
        return np.exp(-self._rate_live() * dt)

    def dissipate(self, dt: Any) -> System:
        """The system after dissipating for ``dt >= 0`` (exact solution; see the module docstring).

        Multiplicative: natural parameters ``x <- a x + (1 - a) x_ref`` with ``a = exp(-gamma dt)``;
        additive: ``var <- var + q dt``.  Crystallized beliefs do not change.
        """
        dt_a = _f64(dt, "dt")
        if dt_a.ndim != 0:
            raise ValueError(f"dt must be a scalar, got shape {dt_a.shape}")
        check_domain("dt", dt_a, "nonnegative")
        dt = float(dt_a)
        return self._replace(self._dissipated_state(dt), t=self.t + dt)

    def _dissipated_state(self, dt: Any) -> dict[str, np.ndarray]:
        """State after dissipating for dt (a scalar, or one per belief)."""
        s = self._state
        dt = np.asarray(dt, dtype=np.float64)
        if self.kind == "diag_normal" and dt.ndim:
            dt = dt[..., None]
        if self.kind == "von_mises":
            a = self._decay(dt)[..., None]
            ref = 0.0 if self._ref is None else self._ref["eta"]
            return {"eta": a * s["eta"] + (1 - a) * ref}
        m, p = s["mean"], s["precision"]
        if self.model == "additive":
            qdt = self._rate_live() * dt
            if self.kind == "mv_normal":
                eye = np.eye(self.dim)
                p2 = np.linalg.solve(eye + qdt[..., None, None] * p, p)  # (I + q dt P)^-1 P = (Sigma + q dt I)^-1
                return {"mean": m.copy(), "precision": 0.5 * (p2 + np.swapaxes(p2, -1, -2))}
            return {"mean": m.copy(), "precision": p / (1.0 + qdt * p)}
        a = self._decay(dt)
        if self.kind == "mv_normal":
            a2 = a[..., None, None]
            if self._ref is None:
                return {"mean": m.copy(), "precision": a2 * p}
            rp, rm = self._ref["precision"], self._ref["mean"]
            h = a[..., None] * np.einsum("...ij,...j->...i", p, m) + (1 - a)[..., None] * np.einsum(
                "...ij,...j->...i", rp, rm
            )
            p2 = a2 * p + (1 - a2) * rp
            return {"mean": np.linalg.solve(p2, h[..., None])[..., 0], "precision": p2}
        if self._ref is None:
            return {"mean": m.copy(), "precision": a * p}
        w = (1 - a) * self._ref["precision"]
        p2 = a * p + w
        return {"mean": (a * p * m + w * self._ref["mean"]) / p2, "precision": p2}

    def assimilate(self, value: Any, precision: Any) -> System:
        """The system after one observation per belief (Bayes' rule, conjugate update).

        Gaussian: ``tau+ = tau- + tau_D``, ``mu+ = (tau- mu- + tau_D D) / tau+`` (per coordinate for
        diag_normal; ``Lambda+ = Lambda- + R``, ``Lambda+ mu+ = Lambda- mu- + R D`` for mv_normal, with
        ``precision`` R a matrix ``(d, d)``, a vector (diagonal) or a scalar (times I)).  von Mises:
        ``eta += kappa_D (cos x, sin x)`` with ``value`` the angle x and ``precision`` kappa_D.
        ``value`` and ``precision`` broadcast to the batch; a precision of 0 leaves a belief
        unchanged, as does a crystallized belief.
        """
        x = _f64(value, "value")
        r = _f64(precision, "precision")
        check_domain("value", x, "real")
        check_domain("precision", r, "nonnegative" if self.kind != "mv_normal" or r.ndim < 2 else "real")
        shape = self.batch_shape
        live = ~self._frozen
        s = self._state
        if self.kind == "von_mises":
            x = _bcast(x, shape, "value")
            r = _bcast(r, shape, "precision") * live
            return self._replace({"eta": s["eta"] + np.stack([r * np.cos(x), r * np.sin(x)], axis=-1)})
        if self.kind in ("normal", "diag_normal"):
            full = s["mean"].shape
            x = _bcast(x, full, "value")
            r = _bcast(r, full, "precision") * (live[..., None] if self.kind == "diag_normal" else live)
            p2 = s["precision"] + r
            return self._replace({"mean": s["mean"] + (r / p2) * (x - s["mean"]), "precision": p2})
        d = self.dim
        x = _bcast(x, shape + (d,), "value")
        if r.ndim >= 2 and r.shape[-2:] == (d, d):
            if (
                r.size
                and not (np.linalg.eigvalsh(0.5 * (r + np.swapaxes(r, -1, -2))) >= -1e-12 * np.abs(r).max()).all()
            ):
                raise ValueError("precision must be positive semi-definite")
            rm = r
        else:
            rv = _bcast(r, shape + (d,), "precision")
            rm = rv[..., :, None] * np.eye(d)
        rm = np.broadcast_to(rm, shape + (d, d)) * live[..., None, None]
        p = s["precision"]
        p2 = p + rm
        h = np.einsum("...ij,...j->...i", p, s["mean"]) + np.einsum("...ij,...j->...i", rm, x)
        return self._replace({"mean": np.linalg.solve(p2, h[..., None])[..., 0], "precision": p2})

    def fuse(self, other: System) -> System:
        """Multi-agent fusion: the normalized product of the two systems' beliefs, belief by belief
        (Gaussian: precisions add, means precision-weighted; von Mises: natural parameters add).
        The result keeps this system's dissipation, reference and crystallization rule."""
        if not isinstance(other, System):
            raise TypeError(f"other must be a beds.System, got {type(other).__name__}")
        if other.kind != self.kind:
            raise TypeError(f"cannot fuse a {self.kind} system with a {other.kind} system")
        if other.dim != self.dim:
            raise ValueError(f"dimensions differ: {self.dim} and {other.dim}")
        try:
            shape = np.broadcast_shapes(self.batch_shape, other.batch_shape)
        except ValueError:
            raise ValueError(f"batch shapes do not broadcast: {self.batch_shape} and {other.batch_shape}") from None
        if shape != self.batch_shape:
            raise ValueError(
                f"other's batch shape {other.batch_shape} must broadcast to this system's {self.batch_shape}"
            )
        a, b = self._state, other._state
        if self.kind == "von_mises":
            return self._replace({"eta": a["eta"] + b["eta"]})
        if self.kind == "mv_normal":
            p = a["precision"] + b["precision"]
            h = np.einsum("...ij,...j->...i", a["precision"], a["mean"]) + np.einsum(
                "...ij,...j->...i", b["precision"], b["mean"]
            )
            return self._replace({"mean": np.linalg.solve(p, h[..., None])[..., 0], "precision": p})
        p = a["precision"] + b["precision"]
        return self._replace({"mean": (a["precision"] * a["mean"] + b["precision"] * b["mean"]) / p, "precision": p})

    def crystallized(self) -> np.ndarray:
        """Mask of the beliefs whose uncertainty is below ``eps`` (all False when eps is None)."""
        if self.eps is None:
            return np.zeros(self.batch_shape, dtype=bool)
        return self.uncertainty() < self.eps

    def crystallize(self) -> System:
        """Halts the beliefs whose uncertainty is below ``eps``: they output their mean
        (:attr:`output`, NaN elsewhere) and no longer dissipate or assimilate (docs page ``mathematics/dynamics``:
        output E[q_T], halt or become a fixed prior of a higher level)."""
        newly = self.crystallized() & ~self._frozen
        frozen = self._frozen | newly
        mean = self.mean
        if self._output is None:
            out = np.full(mean.shape, np.nan)
        else:
            out = self._output.copy()
        mask = newly if mean.ndim == newly.ndim else newly[..., None]
        out = np.where(mask, mean, out)
        return self._replace(dict(self._state), frozen=frozen, output=out)

    # ------------------------------------------------------------------ event-driven integration
    def integrate(
        self,
        times: Any,
        index: Any,
        values: Any,
        precisions: Any,
        record: Any = None,
        *,
        t_end: Any = None,
        temperature: float = 300.0,
    ) -> tuple[System, Trajectory]:
        """Runs an observation stream and records the trajectory.

        Event ``e`` observes belief ``index[e]`` (a flat C-order index into the batch) at
        ``times[e]`` with value ``values[e]`` and precision ``precisions[e]`` (Gaussian: the
        observation precision tau_D, per coordinate ``(m, d)`` for diag_normal; for mv_normal one
        matrix per event ``(m, d, d)``, one shared matrix ``(d, d)`` or ``(1, d, d)``, or diagonal
        vectors ``(m, d)`` / ``(d,)``, or a scalar times I (a 2-D ``(d, d)`` array is read as
        per-event vectors when m == d: pass ``(1, d, d)`` then); von Mises: the angle and its
        concentration kappa_D).  Values and precisions broadcast over the events.
        ``times`` must be nondecreasing and >= ``self.t``; between events each belief dissipates
        exactly.  The state is recorded at each time of ``record`` (nondecreasing, >= ``self.t``;
        default: ``t_end``) after the events at that same time.  Returns the system at ``t_end``
        (default: the last event or record time) and the :class:`Trajectory`.

        Scalar and mean-field Gaussians and von Mises beliefs run in C++ (GIL released);
        full-covariance Gaussians run a Python loop over the events (numpy per event).
        Crystallized (frozen) beliefs ignore their events.
        """
        temperature = float(temperature)
        if not (math.isfinite(temperature) and temperature > 0):
            raise ValueError(f"temperature must be a positive number of kelvins, got {temperature!r}")
        t, idx, v, r, rec, te = self._events(times, index, values, precisions, record, t_end, full=False)
        try:
            return self._dispatch(t, idx, v, r, rec, te, temperature)
        except ValueError as err:
            # the compiled loop found a bad event: diagnose it (raises an error naming the argument)
            self._events(times, index, values, precisions, record, t_end, full=True)
            raise err

    def _dispatch(self, t, idx, v, r, rec, te, temperature):
        if self._frozen.any() and t.shape[0]:
            keep = ~self._frozen.reshape(-1)[idx]
            t, idx = t[keep], idx[keep]
            v = v[keep] if v.ndim else v
            r = r[keep] if r.ndim else r
        if self.kind == "mv_normal":
            return self._integrate_mv(t, idx, v, r, rec, te, temperature)
        if self.kind == "von_mises":
            return self._integrate_vm(t, idx, v, r, rec, te, temperature)
        return self._integrate_gauss(t, idx, v, r, rec, te, temperature)

    def _events(
        self, times: Any, index: Any, values: Any, precisions: Any, record: Any, t_end: Any, full: bool
    ) -> tuple[np.ndarray, ...]:
        """Coerces the event arrays (no copy of float64 / int64 input).  The element checks
        (finite, sorted, in range, precision >= 0) are done by the compiled loop; ``full=True``
        repeats them here to raise an error that names the argument."""
        t = _f64(times, "times")
        if t.ndim != 1:
            raise ValueError(f"times must be one-dimensional, got shape {t.shape}")
        m = t.shape[0]
        idx = np.asarray(index)
        if idx.dtype.kind not in "iu":
            if idx.dtype.kind == "f" and idx.size == 0:
                idx = idx.astype(np.int64)
            else:
                raise TypeError(f"index must be an array of integers, got dtype {idx.dtype}")
        idx = np.broadcast_to(idx, (m,)) if idx.ndim == 0 else idx
        if idx.shape != (m,):
            raise ValueError(f"index must have shape ({m},) like times, got {idx.shape}")
        n = int(np.prod(self.batch_shape, dtype=np.int64))
        idx = idx.astype(np.int64, copy=False)
        ev_shape = {"normal": (), "diag_normal": (self.dim,), "mv_normal": (self.dim,), "von_mises": ()}[self.kind]
        v = _f64(values, "values")
        r = _f64(precisions, "precisions")
        # full Gaussians: (m, d, d) or (1, d, d) matrices, a shared (d, d) matrix (unless m == d: then a 2-D
        # array is read as per-event vectors (m, d)), vectors (m, d) or (d,) (diagonal), or a scalar (times I)
        matrix = (
            self.kind == "mv_normal"
            and r.ndim >= 2
            and r.shape[-2:] == (self.dim, self.dim)
            and (r.ndim != 2 or m != self.dim)
        )
        # scalars stay scalars for the scalar kinds (the loop broadcasts them with stride 0)
        if not (self.kind in ("normal", "von_mises") and v.ndim == 0):
            v = _bcast(v, (m,) + ev_shape, "values")
        if matrix:
            r = _bcast(r, (m, self.dim, self.dim), "precisions")
        elif not (self.kind in ("normal", "von_mises") and r.ndim == 0):
            r = _bcast(r, (m,) + ev_shape, "precisions")
        if full:
            check_domain("times", t, "real")
            if m and not (t[0] >= self.t):
                raise ValueError(f"times must be >= the system time t = {self.t}; found {t[0]!r} at index 0")
            if m > 1:
                bad = np.flatnonzero(~(np.diff(t) >= 0))
                if bad.size:
                    raise ValueError(
                        f"times must be sorted (nondecreasing); times[{bad[0] + 1}] = {t[bad[0] + 1]!r} "
                        f"< times[{bad[0]}] = {t[bad[0]]!r}"
                    )
            if m and (idx.min() < 0 or idx.max() >= n):
                k = int(np.flatnonzero((idx < 0) | (idx >= n))[0])
                raise ValueError(f"index out of range [0, {n}): index[{k}] = {int(idx[k])}")
            check_domain("values", v, "real")
            check_domain("precisions", r, "real" if matrix else "nonnegative")
            if matrix and m:
                rr = r[:1] if r.strides[0] == 0 else r
                if not np.allclose(rr, np.swapaxes(rr, -1, -2), rtol=1e-10, atol=0.0):
                    raise ValueError("precisions must be symmetric matrices")
                lo = np.linalg.eigvalsh(rr).min(axis=-1)
                bad = np.flatnonzero(lo < -1e-12 * np.abs(rr).max(axis=(-1, -2)))
                if bad.size:
                    raise ValueError(
                        f"precisions must be positive semi-definite; precisions[{bad[0]}] has eigenvalue {lo[bad[0]]!r}"
                    )
        elif self.kind in ("diag_normal", "mv_normal"):
            # these kinds expand or loop over the events in Python: check them up front
            return self._events(times, index, values, precisions, record, t_end, full=True)
        if m and not full and not math.isfinite(t[-1]):
            return self._events(times, index, values, precisions, record, t_end, full=True)
        rec = np.atleast_1d(_f64(record if record is not None else np.nan, "record"))
        if rec.ndim != 1:
            raise ValueError(f"record must be one-dimensional, got shape {rec.shape}")
        if t_end is None:
            cand = (
                [self.t]
                + ([float(t[-1])] if m else [])
                + ([float(np.max(rec))] if record is not None and rec.size else [])
            )
            te = max(cand)
        else:
            te = _scalar_time(t_end, "t_end")
        if record is None:
            rec = np.array([te])
        check_domain("record", rec, "real")
        if rec.size and (rec[0] < self.t or (rec.size > 1 and not (np.diff(rec) >= 0).all())):
            raise ValueError("record times must be sorted (nondecreasing) and >= the system time t")
        last = max([self.t] + ([float(t[-1])] if m else []) + ([float(rec[-1])] if rec.size else []))
        if not (te >= last):
            raise ValueError(f"t_end = {te} is before the last event or record time {last}")
        if m and self.kind in ("diag_normal", "mv_normal") and (idx.min() < 0 or idx.max() >= n):
            raise ValueError(f"index out of range [0, {n})")
        return t, idx, v, r, rec, te

    def _rate_live(self) -> np.ndarray:
        fz = self._frozen[..., None] if self.kind == "diag_normal" else self._frozen
        return np.where(fz, 0.0, self._rate)

    def _integrate_gauss(self, t, idx, v, r, rec, te, temperature):
        d = self.dim
        if self.kind == "diag_normal":
            # d independent scalar beliefs per mean-field belief: flat index i * d + j
            idx = (idx[:, None] * d + np.arange(d)).reshape(-1)
            t = np.repeat(t, d)
            v = v.reshape(-1)
            r = r.reshape(-1)
        mean = np.ascontiguousarray(self._state["mean"], dtype=np.float64).reshape(-1).copy()
        prec = np.ascontiguousarray(self._state["precision"], dtype=np.float64).reshape(-1).copy()
        p0 = prec.copy()
        rate = np.ascontiguousarray(self._rate_live(), dtype=np.float64).reshape(-1)
        flat = self._ref is None or self.model == "additive"
        if flat:
            rm = rp = np.zeros(0)
        else:
            rm = np.ascontiguousarray(self._ref["mean"], dtype=np.float64).reshape(-1)
            rp = np.ascontiguousarray(self._ref["precision"], dtype=np.float64).reshape(-1)
        gained = np.zeros_like(mean)
        model = 0 if self.model == "multiplicative" else 1
        r_mean, r_prec, r_gain, r_count = _core.dynamics_integrate_normal(
            mean,
            prec,
            rate,
            rm,
            rp,
            gained,
            float(self.t),
            float(te),
            np.ascontiguousarray(t),
            np.ascontiguousarray(idx),
            np.ascontiguousarray(v),
            np.ascontiguousarray(r),
            np.ascontiguousarray(rec),
            model,
            bool(flat and model == 0),
        )
        half_log_ratio = 0.5 * np.log(r_prec / p0)
        if flat and model == 0:
            dissipated = 0.5 * rate[None, :] * (rec - self.t)[:, None]
            r_gain = dissipated + half_log_ratio
        else:
            dissipated = r_gain - half_log_ratio
        k = rec.shape[0]
        full = (k,) + self._state["mean"].shape
        ent = _HALF_LOG_2PI_E - 0.5 * np.log(r_prec)
        if self.kind == "diag_normal":
            red = lambda a: a.reshape(full).sum(-1)  # noqa: E731
            counts = r_count.reshape(full)[..., 0]
        else:
            red = lambda a: a.reshape(full)  # noqa: E731
            counts = r_count.reshape(full)
        traj = Trajectory(
            self.kind,
            rec,
            r_mean.reshape(full),
            r_prec.reshape(full),
            red(ent),
            red(r_gain),
            red(dissipated),
            counts,
            temperature,
        )
        final = self._replace(
            {"mean": mean.reshape(self._state["mean"].shape), "precision": prec.reshape(self._state["mean"].shape)},
            t=te,
        )
        return final, traj

    def _integrate_vm(self, t, idx, v, r, rec, te, temperature):
        shape = self.batch_shape
        eta = np.ascontiguousarray(self._state["eta"], dtype=np.float64).reshape(-1).copy()
        rate = np.ascontiguousarray(self._rate_live(), dtype=np.float64).reshape(-1)
        reta = (
            np.zeros_like(eta)
            if self._ref is None
            else np.ascontiguousarray(self._ref["eta"], dtype=np.float64).reshape(-1)
        )
        gained = np.zeros(eta.size // 2)
        h0 = von_mises_entropy(np.hypot(eta[0::2], eta[1::2]))
        r_eta, r_gain, r_count = _core.dynamics_integrate_von_mises(
            eta,
            rate,
            reta,
            gained,
            float(self.t),
            float(te),
            np.ascontiguousarray(t),
            np.ascontiguousarray(idx),
            np.ascontiguousarray(v),
            np.ascontiguousarray(r),
            np.ascontiguousarray(rec),
        )
        k = rec.shape[0]
        r_eta = r_eta.reshape((k,) + shape + (2,))
        kap = np.hypot(r_eta[..., 0], r_eta[..., 1])
        mu = np.arctan2(r_eta[..., 1], r_eta[..., 0])
        ent = von_mises_entropy(kap)
        r_gain = r_gain.reshape((k,) + shape)
        # dissipated = gained - (H(t0) - H(t))
        diss = r_gain - (h0.reshape(shape) - ent)
        traj = Trajectory("von_mises", rec, mu, kap, ent, r_gain, diss, r_count.reshape((k,) + shape), temperature)
        return self._replace({"eta": eta.reshape(shape + (2,))}, t=te), traj

    def _integrate_mv(self, t, idx, v, r, rec, te, temperature):
        shape = self.batch_shape
        d = self.dim
        n = int(np.prod(shape, dtype=np.int64))
        m = t.shape[0]
        mean = np.ascontiguousarray(self._state["mean"], dtype=np.float64).reshape(n, d).copy()
        prec = np.ascontiguousarray(self._state["precision"], dtype=np.float64).reshape(n, d, d).copy()
        ld0 = np.linalg.slogdet(prec)[1]
        rate = np.ascontiguousarray(self._rate_live(), dtype=np.float64).reshape(-1)
        flat = self._ref is None or self.model == "additive"
        if flat:
            rm = rp = np.zeros(0)
        else:
            rm = np.ascontiguousarray(self._ref["mean"], dtype=np.float64).reshape(-1)
            rp = np.ascontiguousarray(self._ref["precision"], dtype=np.float64).reshape(-1)
        # observation precisions: one (d, d) matrix per event, or a single one shared by all events
        if m == 0:
            obs = np.eye(d)
        else:
            shared = r.strides[0] == 0
            rr = r[0] if shared else r
            if r.ndim == 2:  # vectors: diagonal matrices
                rr = rr[..., :, None] * np.eye(d)
            obs = np.ascontiguousarray(rr, dtype=np.float64)
        gained = np.zeros(n)
        model = 0 if self.model == "multiplicative" else 1
        r_mean, r_prec, r_gain, r_count = _core.dynamics_integrate_mv_normal(
            mean,
            prec,
            rate,
            rm,
            rp,
            gained,
            float(self.t),
            float(te),
            np.ascontiguousarray(t),
            np.ascontiguousarray(idx),
            np.ascontiguousarray(v, dtype=np.float64),
            obs,
            np.ascontiguousarray(rec),
            model,
            bool(flat and model == 0),
        )
        k = rec.shape[0]
        ld = np.linalg.slogdet(r_prec)[1]
        half = 0.5 * (ld - ld0)
        if flat and model == 0:
            diss = 0.5 * d * rate[None, :] * (rec - self.t)[:, None]
            r_gain = diss + half
        else:
            diss = r_gain - half
        ent = d * _HALF_LOG_2PI_E - 0.5 * ld
        traj = Trajectory(
            "mv_normal",
            rec,
            r_mean.reshape((k,) + shape + (d,)),
            r_prec.reshape((k,) + shape + (d, d)),
            ent.reshape((k,) + shape),
            r_gain.reshape((k,) + shape),
            diss.reshape((k,) + shape),
            r_count.reshape((k,) + shape),
            temperature,
        )
        final = self._replace({"mean": mean.reshape(shape + (d,)), "precision": prec.reshape(shape + (d, d))}, t=te)
        return final, traj
