"""The front of the dynamics: :class:`System`, a batch of beliefs of one kind.

A :class:`System` validates its arguments, holds the state arrays and dispatches every operation to
the object of its kind (``_gaussian.NORMAL`` / ``DIAG_NORMAL``, ``_mvnormal.MVNORMAL``,
``_von_mises.VON_MISES``), which receives and returns arrays.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validation import check_domain
from ._common import RULES, bcast, f64, scalar_time
from ._events import drop_frozen, expand_dense, read_dense, read_events
from ._gaussian import DIAG_NORMAL, NORMAL
from ._kinds import get_kind
from ._mvnormal import MVNORMAL
from ._trajectory import Trajectory
from ._von_mises import VON_MISES

State = dict[str, np.ndarray]


def _settings(
    gamma: Any, q: Any, eps: Any, rule: str, t: Any, kind: str
) -> tuple[np.ndarray, str, float | None, float]:
    """The validated dissipation rate, model, crystallization threshold and time of a constructor."""
    if (gamma is None) == (q is None):
        raise ValueError("give exactly one of gamma (multiplicative dissipation) and q (additive diffusion)")
    if q is not None and kind == "von_mises":
        raise ValueError("q (additive diffusion) is defined for Gaussian beliefs only; use gamma")
    name = "gamma" if q is None else "q"
    rate = f64(gamma if q is None else q, name)
    check_domain(name, rate, "nonnegative")
    if eps is not None:
        e = f64(eps, "eps")
        if e.ndim != 0 or not (np.isfinite(e) and e > 0):
            raise ValueError(f"eps must be a positive number, got {eps!r}")
        eps = float(e)
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    return rate, ("multiplicative" if q is None else "additive"), eps, scalar_time(t, "t")


class System:
    """A batch of BEDS beliefs B = (Theta, q0, gamma, eps) with their dissipation and reference.

    Build one with :meth:`normal`, :meth:`diag_normal`, :meth:`mvnormal` (also spelled
    :meth:`mv_normal`), :meth:`von_mises` or :meth:`from_belief`.  Systems are immutable: every
    operation returns a new system.  (The class is longer than the others of the package, about
    380 lines, because it is the whole public face of the dynamics: five constructors with their
    keyword arguments, the read-only properties, the operations and :meth:`integrate`, most of it
    docstrings.  It holds no formula: validation of a kind's arrays, its arithmetic and its
    integrator are in the kind's module.)

    Parameters common to the constructors:

    * ``gamma``: multiplicative dissipation rate (>= 0, scalar or per belief; per coordinate for
      ``diag_normal``), ``dtau/dt = -gamma (tau - tau_ref)``;
    * ``q``: additive diffusion rate (variance per unit time, >= 0), instead of ``gamma``
      (Gaussian kinds only; no reference);
    * ``reference``: the belief dissipation relaxes toward (multiplicative model), given as the
      same parameters as the constructor (``(mean, precision)`` for Gaussians, with ``cov``
      replaced by a precision matrix for ``mvnormal``; ``(mu, kappa)`` for von Mises).  None: the
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
        state: State,
        rate: np.ndarray,
        model: str,
        ref: State | None,
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
        self._frozen = np.zeros(self.batch_shape, dtype=bool) if frozen is None else frozen
        self._output = output

    @classmethod
    def _build(cls, k: Any, args: tuple, gamma: Any, q: Any, reference: Any, eps: Any, rule: str, t: Any) -> System:
        rate, model, eps, t = _settings(gamma, q, eps, rule, t, k.name)
        state = k.read_state(*args)
        rate = bcast(rate, k.rate_shape(state), "gamma" if model == "multiplicative" else "q")
        ref = k.read_reference(reference, model == "additive", state)
        return cls(k.name, state, rate.copy(), model, ref, eps, rule, t)

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
        return cls._build(NORMAL, (mean, var, precision), gamma, q, reference, eps, "trace", t)

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
        return cls._build(DIAG_NORMAL, (mean, var, precision), gamma, q, reference, eps, rule, t)

    @classmethod
    def mvnormal(
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
        matrix) ``batch + (d, d)``, symmetric positive definite.  Stored in information form.
        ``System.mv_normal`` is the same constructor (its earlier name)."""
        return cls._build(MVNORMAL, (mean, cov, precision), gamma, q, reference, eps, rule, t)

    mv_normal = mvnormal

    @classmethod
    def von_mises(
        cls, mu: Any, kappa: Any, *, gamma: Any, reference: Any = None, eps: Any = None, t: Any = 0.0
    ) -> System:
        """von Mises beliefs vM(mu, kappa) (kappa >= 0), stored as eta = kappa (cos mu, sin mu)."""
        return cls._build(VON_MISES, (mu, kappa), gamma, None, reference, eps, "trace", t)

    @classmethod
    def from_belief(cls, belief: Any, **kwargs: Any) -> System:
        """A system from a belief object (``beds.Normal``, ``beds.DiagNormal``, ``beds.VonMises`` or
        ``beds.MVNormal``); keyword arguments as in the constructors."""
        for k in (NORMAL, DIAG_NORMAL, VON_MISES, MVNORMAL):
            if isinstance(belief, k.family):
                return getattr(cls, k.name)(*k.belief_args(belief), **kwargs)
        raise TypeError(f"belief must be a beds.Normal, DiagNormal, VonMises or MVNormal, got {type(belief).__name__}")

    def _replace(
        self, state: State, t: float | None = None, frozen: np.ndarray | None = None, output: np.ndarray | None = None
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
    def _k(self) -> Any:
        return get_kind(self.kind)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self._k.batch_shape(self._state)

    @property
    def dim(self) -> int:
        """Number of dissipating coordinates per belief (1, d, d, or 1 for von Mises)."""
        return self._k.dim(self._state)

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
        return self._k.mean(self._state)

    @property
    def precision(self) -> np.ndarray:
        """Precision: 1/var, per coordinate, or the precision matrix (kappa for von Mises)."""
        return self._k.precision(self._state)

    @property
    def var(self) -> np.ndarray:
        """Variance (per coordinate); the covariance matrix for mvnormal."""
        return self._k.var(self._state)

    cov = var

    @property
    def eta(self) -> np.ndarray:
        """Natural parameters kappa (cos mu, sin mu) of von Mises beliefs."""
        if "eta" not in self._state:
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
    def reference(self) -> State | None:
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
        return self._k.params(self._state)

    @property
    def belief(self) -> Any:
        """The beliefs as a ``beds`` belief object (see :func:`to_belief`)."""
        return self._k.belief(self.params())

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
        return self._k.uncertainty(self._state, self.rule)

    def entropy(self) -> np.ndarray:
        """Entropy of each belief in nats (``1/2 ln(2 pi e) - 1/2 ln tau`` per coordinate)."""
        return self._k.entropy(self._state)

    # ------------------------------------------------------------------ operations
    def _rate_live(self) -> np.ndarray:
        """The rates, 0 for the crystallized beliefs (the stored array itself when none is)."""
        if not self._frozen.any():
            return self._rate
        fz = self._frozen.reshape(self._frozen.shape + (1,) * (self._rate.ndim - self._frozen.ndim))
        return np.where(fz, 0.0, self._rate)

    def dissipate(self, dt: Any) -> System:
        """The system after dissipating for ``dt >= 0`` (exact solution; see the module docstring).

        Multiplicative: natural parameters ``x <- a x + (1 - a) x_ref`` with ``a = exp(-gamma dt)``;
        additive: ``var <- var + q dt``.  Crystallized beliefs do not change.
        """
        dt_a = f64(dt, "dt")
        if dt_a.ndim != 0:
            raise ValueError(f"dt must be a scalar, got shape {dt_a.shape}")
        check_domain("dt", dt_a, "nonnegative")
        dt = float(dt_a)
        state = self._k.dissipate(self._state, self._rate_live(), dt, self._ref, self.model == "additive")
        return self._replace(state, t=self.t + dt)

    def assimilate(self, value: Any, precision: Any) -> System:
        """The system after one observation per belief (Bayes' rule, conjugate update).

        Gaussian: ``tau+ = tau- + tau_D``, ``mu+ = (tau- mu- + tau_D D) / tau+`` (per coordinate for
        diag_normal; ``Lambda+ = Lambda- + R``, ``Lambda+ mu+ = Lambda- mu- + R D`` for mvnormal, with
        ``precision`` R a matrix ``(d, d)``, a vector (diagonal) or a scalar (times I)).  von Mises:
        ``eta += kappa_D (cos x, sin x)`` with ``value`` the angle x and ``precision`` kappa_D.
        ``value`` and ``precision`` broadcast to the batch; a precision of 0 leaves a belief
        unchanged, as does a crystallized belief.
        """
        return self._replace(self._k.assimilate(self._state, value, precision, ~self._frozen))

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
        return self._replace(self._k.fuse(self._state, other._state))

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
        index: Any = None,
        values: Any = None,
        precisions: Any = None,
        record: Any = None,
        *,
        t_end: Any = None,
        temperature: float = 300.0,
    ) -> tuple[System, Trajectory]:
        """Runs an observation stream, exactly, and records the trajectory.

        Two forms of stream:

        * **events** (``index`` given): event ``e`` observes belief ``index[e]`` (a flat C-order
          index into the batch) at ``times[e]`` with value ``values[e]`` and precision
          ``precisions[e]``.  Values and precisions broadcast over the ``(m,)`` events (times the
          event shape of the kind, see below).
        * **dense** (no ``index``): every belief is observed at each time: at ``times[s]``, belief
          ``b`` sees ``values[s][b]`` with precision ``precisions[s][b]``.  Values and precisions
          broadcast (numpy rules) to ``(steps,) + batch_shape`` (plus the event shape), so a scalar
          precision, one per belief ``batch_shape``, or one per step ``(steps, 1)`` (one 1 per batch
          axis) all work.  It is the event stream that lists, at each time, every belief in flat C
          order, and gives the same results bit for bit, but runs faster and needs no ``(steps *
          n,)`` arrays of times and indices: for the Gaussian kinds a compiled loop streams one row
          of values per step over contiguous beliefs (split over threads by belief ranges, with
          results that do not depend on the number of threads).  Full-covariance and von Mises
          dense streams are expanded into their event stream (the cost per observation dominates
          there).

        Between observations each belief dissipates exactly (multiplicative: natural parameters
        ``x <- a x + (1 - a) x_ref``, ``a = exp(-gamma dt)``; additive: ``var <- var + q dt``); an
        observation is Bayes' rule (Gaussian: ``tau+ = tau- + tau_D``, ``mu+ = mu- + (tau_D / tau+)
        (D - mu-)``).  Crystallized (frozen) beliefs ignore their observations and do not dissipate.

        Parameters
        ----------
        times : array_like, shape (m,) or (steps,)
            Observation times, nondecreasing and >= ``self.t``.
        index : array_like of int, shape (m,), optional
            The belief of each event (flat C-order index in ``[0, n)``).  None (default): a dense
            stream.
        values : array_like
            The observed values: events ``(m,)`` (``(m, d)`` for diag_normal and mvnormal), dense
            ``(steps,) + batch_shape`` (``+ (d,)``), broadcastable; angles for von Mises beliefs.
        precisions : array_like
            The observation precisions ``tau_D >= 0`` (von Mises: concentrations ``kappa_D``), shaped
            and broadcast as ``values``; per coordinate for diag_normal.  mvnormal: matrices (last
            two axes ``(d, d)``, symmetric positive semi-definite), diagonals (last axis ``d``) or
            scalars (times the identity); with events, a 2-D ``(d, d)`` array is read as one vector
            per event when m == d (pass ``(1, d, d)`` then).
        record : array_like, shape (k,), optional
            Times at which to record the state (nondecreasing, >= ``self.t``), after the
            observations at the same time.  Default: ``[t_end]``.
        t_end : float, optional
            The time of the returned system (>= every observation and record time).  Default: the
            last observation or record time.
        temperature : float, optional
            Kelvins, for the Landauer energy of the trajectory (default 300).

        Returns
        -------
        system : System
            The system at ``t_end``.
        trajectory : Trajectory
            The states at the record times (shape ``(k,) + batch_shape`` plus the kind's axes), the
            entropies, the information gained and dissipated, the observation counts and the energy.

        Raises
        ------
        TypeError
            If ``values`` or ``precisions`` is missing, or an argument is not an array of real
            numbers (``index``: integers).
        ValueError
            If an argument has the wrong shape or does not broadcast (the message names it), times
            are not sorted, not finite or before ``self.t``, an index is out of range, a value is
            not finite, a precision is negative or not finite, record times are not sorted, or
            ``t_end`` is before the last time.

        Examples
        --------
        >>> import numpy as np, beds
        >>> s = beds.System.normal(mean=np.zeros(3), var=1.0, gamma=0.5)
        >>> times = 0.1 * np.arange(1, 101)                        # 100 steps
        >>> values = np.random.default_rng(0).normal(1.0, 0.5, (100, 3))
        >>> final, traj = s.integrate(times, values=values, precisions=4.0, record=[5.0, 10.0])
        >>> traj.mean.shape, traj.observations[-1]
        ((2, 3), array([100., 100., 100.]))
        >>> index = np.tile(np.arange(3), 100)                     # the same stream, event by event
        >>> f2, t2 = s.integrate(np.repeat(times, 3), index, values.ravel(), 4.0, record=[5.0, 10.0])
        >>> bool((t2.mean == traj.mean).all() and (f2.precision == final.precision).all())
        True
        """
        temperature = float(temperature)
        if not (math.isfinite(temperature) and temperature > 0):
            raise ValueError(f"temperature must be a positive number of kelvins, got {temperature!r}")
        k = self._k
        layout = (self.t, self.batch_shape, k.event_shape(self._state), k.matrix_precisions)
        additive = self.model == "additive"
        if index is None:
            dense = read_dense(*layout, times, values, precisions, record, t_end)
            if hasattr(k, "integrate_dense"):
                state, records = k.integrate_dense(
                    self._state, self._rate_live(), self._ref, additive, self.t, dense, self._frozen
                )
                return self._replace(state, t=dense.t_end), Trajectory(self.kind, dense.record, *records, temperature)
            ev = expand_dense(dense, *layout)  # checks every element
        else:
            ev = read_events(*layout, times, index, values, precisions, record, t_end, False)
        try:
            ev = drop_frozen(ev, self._frozen)
            state, records = k.integrate(self._state, self._rate_live(), self._ref, additive, self.t, ev)
        except ValueError as err:
            if index is not None:
                # the compiled loop found a bad event: diagnose it (raises an error naming the argument)
                read_events(*layout, times, index, values, precisions, record, t_end, True)
            raise err
        return self._replace(state, t=ev.t_end), Trajectory(self.kind, ev.record, *records, temperature)


def to_belief(kind: str, params: dict[str, np.ndarray]) -> Any:
    """The belief object of a state: ``beds.Normal``, ``beds.DiagNormal``, ``beds.MVNormal`` or
    ``beds.VonMises`` from the parameters of :meth:`System.params` (``kind`` as
    :attr:`System.kind`; ``"mv_normal"`` is read as ``"mvnormal"``)."""
    from ._common import canonical_kind

    return get_kind(canonical_kind(kind)).belief(params)
