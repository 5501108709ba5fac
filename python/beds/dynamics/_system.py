"""The front of the dynamics: :class:`System`, a batch of beliefs of one kind.

A :class:`System` validates its arguments, holds the state arrays and dispatches every operation to
the object of its kind (``_gaussian.NORMAL`` / ``DIAG_NORMAL``, ``_mvnormal.MVNORMAL``,
``_von_mises.VON_MISES``), which receives and returns arrays.

This module is longer than the project's 500-line guideline because it holds the System front with
its constructors and operations, each documented; about 340 of its lines are code, the rest
documentation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_domain, real_scalar
from ._common import KINDS, RULES, bcast, f64, scalar_time
from ._events import drop_frozen, expand_dense, read_dense, read_events
from ._gaussian import DIAG_NORMAL, NORMAL
from ._kinds import get_kind
from ._mvnormal import MVNORMAL
from ._trajectory import Trajectory
from ._von_mises import VON_MISES

State = dict[str, np.ndarray]


def _frozen_array(a: np.ndarray) -> np.ndarray:
    """A read-only view of ``a`` (``a`` itself when it is read-only already)."""
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


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
    """A batch of BEDS beliefs that dissipate, assimilate observations, fuse and crystallize.

    **[BEDS]** A system ``B = (Theta, q0, gamma, eps)`` is a batch of beliefs of one kind (scalar,
    mean-field or full-covariance Gaussian, or von Mises), each with a dissipation rate, a
    reference belief that dissipation relaxes toward, and a crystallization threshold.  Without
    observations a belief dissipates: its natural parameters relax toward the reference,
    ``dx/dt = -gamma (x - x_ref)`` (multiplicative model; with the default flat reference the
    precision decays as ``tau(t) = tau0 e^(-gamma t)``), or its variance grows as
    ``d(var)/dt = q`` (additive model); observations restore it by Bayes' rule.  Every operation
    is solved exactly (no time step).  Formulas: :doc:`/mathematics/dynamics`; L. Caraffa, *BEDS:
    a formal framework for continuous inference under energy constraints*, arXiv 2601.02329
    (2026).

    Build a system with :meth:`normal`, :meth:`diag_normal`, :meth:`mvnormal` (also spelled
    :meth:`mv_normal`), :meth:`von_mises` or :meth:`from_belief`; calling ``System(...)`` directly
    is internal and validates nothing.  A system is immutable: operations return new systems, the
    attributes below cannot be assigned (AttributeError), the array properties return copies,
    and :attr:`rate`, :attr:`gamma` and :attr:`q` a read-only view of the stored rates.  The
    state is float64 whatever the input dtype, copied from the input.

    The class is longer than the others of the package (about 950 lines, 670 of them docstrings:
    its code is under 300 lines) because it is the whole public face of the dynamics: five
    constructors with their keyword arguments, the read-only properties, the operations and
    :meth:`integrate`.  It holds no formula: the validation of a kind's arrays, its arithmetic and
    its integrator are in the kind's module.

    The class is longer than the 300-line guideline because it holds the front of every belief kind: its
    constructors, read-outs and exact steps each carry a full docstring; about 280 of its lines are code.

    Attributes
    ----------
    kind : str
        ``"normal"``, ``"diag_normal"``, ``"mvnormal"`` or ``"von_mises"``.
    model : str
        ``"multiplicative"`` (built with ``gamma``) or ``"additive"`` (built with ``q``).
    eps : float or None
        The crystallization threshold on :meth:`uncertainty`; None: the beliefs never
        crystallize.
    rule : str
        The crystallization rule of the kinds with several coordinates: ``"trace"``,
        ``"max_eig"`` or ``"det"`` of the covariance.
    t : float
        The time of the state.

    See Also
    --------
    Trajectory : What :meth:`integrate` records.
    beds.belief_update : The same Gaussian dissipation and observation on belief objects.

    Examples
    --------
    >>> import numpy as np, beds
    >>> s = beds.System.normal(mean=[0.0, 1.0], precision=[4.0, 1.0], gamma=0.5)
    >>> s.dissipate(2.0).precision.round(6)  # tau e^(-gamma t)
    array([1.471518, 0.367879])
    >>> s.assimilate(2.0, precision=4.0).mean  # precision-weighted
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
        # Internal: use the classmethod constructors, which validate.  The arrays are the system's
        # own (the constructors copy their input) and become read-only here: systems share them.
        init = object.__setattr__
        init(self, "kind", kind)
        init(self, "_state", {k: _frozen_array(v) for k, v in state.items()})
        init(self, "_rate", _frozen_array(rate))
        init(self, "model", model)
        init(self, "_ref", None if ref is None else {k: _frozen_array(v) for k, v in ref.items()})
        init(self, "eps", eps)
        init(self, "rule", rule)
        init(self, "t", t)
        init(self, "_frozen", _frozen_array(np.zeros(self.batch_shape, dtype=bool) if frozen is None else frozen))
        init(self, "_output", None if output is None else _frozen_array(output))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"System is immutable: cannot set {name!r} (operations return new systems)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"System is immutable: cannot delete {name!r}")

    def __reduce__(self) -> tuple:
        # (pickle and copy: the slots are restored through the constructor, not by assignment)
        return (
            System,
            (
                self.kind,
                self._state,
                self._rate,
                self.model,
                self._ref,
                self.eps,
                self.rule,
                self.t,
                self._frozen,
                self._output,
            ),
        )

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
        """Build a system of scalar Gaussian beliefs N(mean, var).

        The state is the mean and the precision ``tau = 1 / var`` of each belief.  Multiplicative
        dissipation (``gamma``) relaxes the natural parameters ``(tau, tau mean)`` toward those
        of the reference, ``tau <- a tau + (1 - a) tau_ref`` with ``a = exp(-gamma dt)`` (flat
        reference: ``dtau/dt = -gamma tau``, the mean unchanged, the variance growing as
        ``var0 e^(gamma t)``); additive diffusion (``q``) grows the variance linearly,
        ``d(var)/dt = q``.  See :doc:`/mathematics/dynamics`.

        Parameters
        ----------
        mean : array_like
            The means, real and finite.  Broadcast with ``var`` (or ``precision``), its shape is
            the batch shape.
        var : array_like, optional
            The variances, > 0 and finite.  Give ``var`` or ``precision``, not both.
        precision : array_like, optional
            The precisions ``1 / var``, > 0 and finite.
        gamma : array_like, optional
            The multiplicative dissipation rate per unit time, >= 0 and finite, broadcasting to
            the batch shape (one rate per belief, or one for all).  Give ``gamma`` or ``q``, not
            both.
        q : array_like, optional
            The additive diffusion rate (variance per unit time), >= 0 and finite, broadcasting
            to the batch shape.
        reference : tuple or beds.Normal, optional
            The belief that multiplicative dissipation relaxes toward: a pair ``(mean,
            precision)`` (precision >= 0, 0 meaning flat) or a belief with ``mean`` and ``std``,
            broadcasting to the batch shape.  None (default): flat (``tau_ref = 0``).  Not
            allowed with ``q``.
        eps : float, optional
            The crystallization threshold on the variance, > 0 and finite.  None (default): the
            beliefs never crystallize.
        t : float, optional
            The time of the initial state, finite (default 0).

        Returns
        -------
        System
            A system of kind ``"normal"`` with float64 state arrays (copies of the input).

        Raises
        ------
        ValueError
            If not exactly one of ``var`` and ``precision``, or of ``gamma`` and ``q``, is given;
            if a value is outside its domain (NaN or infinite, ``var`` or ``precision`` <= 0, a
            negative rate or reference precision, ``eps`` <= 0 or not a scalar, ``t`` not a
            finite scalar); if ``mean`` and ``var`` do not broadcast, or the rate or the
            reference does not broadcast to the batch shape; if ``reference`` is given with
            ``q``.
        TypeError
            If an array argument does not hold real numbers, or ``reference`` is neither a
            belief nor a pair.

        See Also
        --------
        from_belief : A system from a ``beds.Normal``.
        diag_normal : Several independent coordinates per belief.

        Examples
        --------
        >>> import beds
        >>> s = beds.System.normal([0.0, 1.0], var=[0.25, 1.0], gamma=0.5)
        >>> s
        System(kind='normal', batch_shape=(2,), model='multiplicative', reference=flat, eps=None, t=0.0)
        >>> s.precision
        array([4., 1.])
        >>> float(beds.System.normal(0.0, precision=4.0, q=0.25).dissipate(4.0).var)  # 1/4 + q t
        1.25
        """
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
        """Build a system of mean-field Gaussian beliefs N(mean, diag(var)).

        Each belief has ``d`` independent coordinates, each dissipating and observed like a scalar
        Gaussian (:meth:`normal`), with its own rate if ``gamma`` / ``q`` vary along the last
        axis.  The uncertainty that crystallization compares with ``eps`` is the sum (``rule=
        "trace"``), the largest value (``"max_eig"``) or the product (``"det"``) of the
        variances.  See :doc:`/mathematics/dynamics`.

        Parameters
        ----------
        mean : array_like
            The means, shape ``batch + (d,)`` with ``d >= 1``, real and finite.
        var : array_like, optional
            The variances, > 0 and finite, broadcasting with ``mean``.  Give ``var`` or
            ``precision``, not both.
        precision : array_like, optional
            The precisions ``1 / var``, > 0 and finite.
        gamma : array_like, optional
            The multiplicative dissipation rate per unit time, >= 0 and finite, broadcasting to
            ``batch + (d,)``: a rate per coordinate (one per belief is ``gamma[..., None]``).
            Give ``gamma`` or ``q``, not both.
        q : array_like, optional
            The additive diffusion rate (variance per unit time), >= 0 and finite, broadcasting
            to ``batch + (d,)``.
        reference : tuple or beds.DiagNormal, optional
            The belief that multiplicative dissipation relaxes toward: a pair ``(mean,
            precision)`` (precision >= 0) or a belief with ``mean`` and ``std``, broadcasting to
            ``batch + (d,)``.  None (default): flat.  Not allowed with ``q``.
        eps : float, optional
            The crystallization threshold, > 0 and finite; None (default): never.
        rule : {"trace", "max_eig", "det"}, optional
            How the variances of a belief make its uncertainty (sum, largest, product).
        t : float, optional
            The time of the initial state, finite (default 0).

        Returns
        -------
        System
            A system of kind ``"diag_normal"`` with batch shape ``mean.shape[:-1]`` (after
            broadcasting) and :attr:`dim` ``d``.

        Raises
        ------
        ValueError
            If not exactly one of ``var`` and ``precision``, or of ``gamma`` and ``q``, is given;
            if ``mean`` has no last axis (or ``d = 0``); if a value is outside its domain; if the
            shapes do not broadcast (the rate and the reference to ``batch + (d,)``); if
            ``rule`` is unknown; if ``reference`` is given with ``q``.
        TypeError
            If an array argument does not hold real numbers, or ``reference`` is neither a
            belief nor a pair.

        See Also
        --------
        mvnormal : Correlated coordinates.

        Examples
        --------
        >>> import numpy as np, beds
        >>> s = beds.System.diag_normal(np.zeros((2, 3)), var=1.0, gamma=[0.1, 0.2, 0.3])
        >>> s.batch_shape, s.dim
        ((2,), 3)
        >>> s.dissipate(1.0).var.round(4)  # e^(gamma_i t) per coordinate
        array([[1.1052, 1.2214, 1.3499],
               [1.1052, 1.2214, 1.3499]])
        """
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
        """Build a system of full-covariance Gaussian beliefs N(mean, cov).

        The state is held in information form, the mean and the precision matrix ``Lambda =
        cov^-1``.  Multiplicative dissipation relaxes ``(Lambda, Lambda mean)`` toward the
        reference's, ``Lambda <- a Lambda + (1 - a) Lambda_ref`` with ``a = exp(-gamma dt)``;
        additive diffusion adds ``q dt I`` to the covariance.  The uncertainty is the trace, the
        largest eigenvalue or the determinant of the covariance (``rule``).  ``System.mv_normal``
        is the same constructor (its earlier name).  See :doc:`/mathematics/dynamics`.

        Parameters
        ----------
        mean : array_like
            The means, shape ``batch + (d,)`` with ``d >= 1``, real and finite.
        cov : array_like, optional
            The covariance matrices, shape ``batch + (d, d)``, symmetric (to a relative 1e-10)
            positive definite, finite.  Give ``cov`` or ``precision``, not both.
        precision : array_like, optional
            The precision matrices ``cov^-1``, with the same requirements.
        gamma : array_like, optional
            The multiplicative dissipation rate per unit time, >= 0 and finite, broadcasting to
            the batch shape (one rate per belief, not per coordinate).  Give ``gamma`` or ``q``,
            not both.
        q : array_like, optional
            The additive diffusion rate (variance per unit time along every axis), >= 0 and
            finite, broadcasting to the batch shape.
        reference : tuple or beds.MVNormal, optional
            The belief that multiplicative dissipation relaxes toward: a belief with ``mean``
            and ``cov``, or a pair ``(mean, precision matrix)`` whose matrix is positive
            semi-definite (0 is flat; its symmetry is not checked), broadcasting to the batch.
            None (default): flat.  Not allowed with ``q``.
        eps : float, optional
            The crystallization threshold, > 0 and finite; None (default): never.
        rule : {"trace", "max_eig", "det"}, optional
            How the covariance makes the uncertainty: its trace, largest eigenvalue or
            determinant.
        t : float, optional
            The time of the initial state, finite (default 0).

        Returns
        -------
        System
            A system of kind ``"mvnormal"`` with batch shape the broadcast of ``mean.shape[:-1]``
            and ``cov.shape[:-2]``, and :attr:`dim` ``d``.

        Raises
        ------
        ValueError
            If not exactly one of ``cov`` and ``precision``, or of ``gamma`` and ``q``, is given;
            if the shapes are wrong (no last axis, ``d = 0``, a matrix that is not ``(d, d)``,
            batch shapes that do not broadcast); if a matrix is not symmetric positive definite
            (a reference precision: not positive semi-definite); if a value is outside its
            domain; if ``rule`` is unknown; if ``reference`` is given with ``q``.
        TypeError
            If an array argument does not hold real numbers, or ``reference`` is neither a
            belief nor a pair.

        See Also
        --------
        diag_normal : Independent coordinates (no matrices).

        Examples
        --------
        >>> import beds
        >>> s = beds.System.mvnormal([0.0, 0.0], cov=[[2.0, 0.5], [0.5, 1.0]], gamma=0.2)
        >>> s.precision.round(6)
        array([[ 0.571429, -0.285714],
               [-0.285714,  1.142857]])
        >>> beds.System.mv_normal == beds.System.mvnormal
        True
        """
        return cls._build(MVNORMAL, (mean, cov, precision), gamma, q, reference, eps, rule, t)

    mv_normal = mvnormal

    @classmethod
    def von_mises(
        cls, mu: Any, kappa: Any, *, gamma: Any, reference: Any = None, eps: Any = None, t: Any = 0.0
    ) -> System:
        """Build a system of von Mises beliefs vM(mu, kappa) on the circle.

        The state is the natural parameter ``eta = kappa (cos mu, sin mu)``.  Dissipation relaxes
        it toward the reference's, ``eta <- a eta + (1 - a) eta_ref`` with ``a = exp(-gamma
        dt)``; the flat reference is the uniform law (``eta = 0``), so ``kappa`` decays as
        ``e^(-gamma t)`` with the mean direction unchanged.  An observation of angle ``x`` with
        concentration ``kappa_D`` adds ``kappa_D (cos x, sin x)``.  The uncertainty is the
        circular variance ``1 - A(kappa)``, ``A = I1 / I0`` (K. V. Mardia and P. E. Jupp,
        *Directional Statistics*, 2000).  See :doc:`/mathematics/dynamics`.

        Parameters
        ----------
        mu : array_like
            The mean directions in radians, real and finite (any range).
        kappa : array_like
            The concentrations, >= 0 and finite, broadcasting with ``mu`` (the broadcast shape
            is the batch shape).
        gamma : array_like
            The dissipation rate per unit time (required: there is no additive model for von
            Mises beliefs), >= 0 and finite, broadcasting to the batch shape.
        reference : tuple or beds.VonMises, optional
            The belief that dissipation relaxes toward: a pair ``(mu, kappa)`` or a belief with
            ``mu`` and ``kappa``, broadcasting to the batch shape.  None (default): uniform.
        eps : float, optional
            The crystallization threshold on the circular variance, > 0 and finite; None
            (default): never.
        t : float, optional
            The time of the initial state, finite (default 0).

        Returns
        -------
        System
            A system of kind ``"von_mises"``.

        Raises
        ------
        ValueError
            If a value is outside its domain (NaN or infinite, ``kappa`` or ``gamma`` negative,
            ``eps`` <= 0), or the shapes do not broadcast.
        TypeError
            If ``gamma`` is not given, an array argument does not hold real numbers, or
            ``reference`` is neither a belief nor a pair.

        Examples
        --------
        >>> import numpy as np, beds
        >>> s = beds.System.von_mises([0.0, np.pi / 2], [1.0, 4.0], gamma=0.1)
        >>> s.eta.round(6)
        array([[1., 0.],
               [0., 4.]])
        >>> s.dissipate(10.0).kappa.round(6)  # kappa e^(-gamma t)
        array([0.367879, 1.471518])
        """
        return cls._build(VON_MISES, (mu, kappa), gamma, None, reference, eps, "trace", t)

    @classmethod
    def from_belief(cls, belief: Any, **kwargs: Any) -> System:
        """Build a system from a belief object.

        A :class:`~beds.Normal` gives a ``"normal"`` system, a :class:`~beds.DiagNormal` a
        ``"diag_normal"`` one, a :class:`~beds.MVNormal` an ``"mvnormal"`` one and a
        :class:`~beds.VonMises` a ``"von_mises"`` one, with the belief's parameters as the
        initial state (its ``std`` squared as the variance, its ``cov`` as the covariance).

        Parameters
        ----------
        belief : beds.Normal, beds.DiagNormal, beds.MVNormal or beds.VonMises
            The initial beliefs.
        **kwargs
            The keyword arguments of the kind's constructor (``gamma`` or ``q``, ``reference``,
            ``eps``, ``rule``, ``t``); not ``var``, ``cov`` or ``precision``, which the belief
            gives.

        Returns
        -------
        System
            A system of the kind of the belief, with its batch shape.

        Raises
        ------
        TypeError
            If ``belief`` is of another family, or a keyword argument is unknown to the kind's
            constructor.
        ValueError
            As the kind's constructor (``precision`` given: "give exactly one of var and
            precision").

        See Also
        --------
        belief : The other way round.

        Examples
        --------
        >>> import beds
        >>> s = beds.System.from_belief(beds.Normal([0.0, 1.0], [0.5, 2.0]), gamma=1.0)
        >>> s.precision
        array([4.  , 0.25])
        """
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
        """The shape of the batch of beliefs (without the coordinate axes).

        ``mean.shape`` for ``"normal"``; ``mean.shape[:-1]`` for ``"diag_normal"`` and
        ``"mvnormal"``; ``mu.shape`` for ``"von_mises"``.
        """
        return self._k.batch_shape(self._state)

    @property
    def dim(self) -> int:
        """The number of coordinates per belief: 1 (normal, von Mises) or d (diag_normal, mvnormal)."""
        return self._k.dim(self._state)

    @property
    def rate(self) -> np.ndarray:
        """The dissipation rate: gamma (multiplicative model) or q (additive model).

        Broadcast to the batch shape (``batch + (d,)`` for ``"diag_normal"``), float64, a read-only
        view of the stored rates (``.copy()`` gives a writable array).
        """
        return self._rate

    @property
    def gamma(self) -> np.ndarray:
        """The multiplicative dissipation rate (a read-only view, as :attr:`rate`).

        Raises
        ------
        AttributeError
            For an additive-diffusion system (use :attr:`q`).
        """
        if self.model != "multiplicative":
            raise AttributeError("an additive-diffusion system has q, not gamma")
        return self._rate

    @property
    def q(self) -> np.ndarray:
        """The additive diffusion rate (a read-only view, as :attr:`rate`).

        Raises
        ------
        AttributeError
            For a multiplicative system (use :attr:`gamma`).
        """
        if self.model != "additive":
            raise AttributeError("a multiplicative system has gamma, not q")
        return self._rate

    @property
    def mean(self) -> np.ndarray:
        """The means (a copy): shape ``batch`` or ``batch + (d,)``; the mean direction mu for von Mises."""
        return self._k.mean(self._state)

    @property
    def precision(self) -> np.ndarray:
        """The precisions (a copy): 1 / var, per coordinate, the precision matrix, or kappa (von Mises)."""
        return self._k.precision(self._state)

    @property
    def var(self) -> np.ndarray:
        """The variances: per coordinate, or the covariance matrices for ``"mvnormal"`` (also :attr:`cov`).

        Raises
        ------
        AttributeError
            For von Mises systems, which have no variance (see :attr:`kappa`, :attr:`mu` and
            :meth:`uncertainty`, the circular variance ``1 - A(kappa)``).
        """
        return self._k.var(self._state)

    cov = var

    @property
    def eta(self) -> np.ndarray:
        """The natural parameters ``kappa (cos mu, sin mu)`` of von Mises beliefs, shape ``batch + (2,)``.

        Raises
        ------
        AttributeError
            For Gaussian systems.
        """
        if "eta" not in self._state:
            raise AttributeError("eta is defined for von Mises systems")
        return self._state["eta"].copy()

    @property
    def kappa(self) -> np.ndarray:
        """The concentrations ``|eta|`` of von Mises beliefs (AttributeError for Gaussian systems)."""
        e = self.eta
        return np.hypot(e[..., 0], e[..., 1])

    @property
    def mu(self) -> np.ndarray:
        """The mean directions ``atan2(eta_2, eta_1)`` in (-pi, pi] of von Mises beliefs (AttributeError otherwise)."""
        e = self.eta
        return np.arctan2(e[..., 1], e[..., 0])

    @property
    def reference(self) -> State | None:
        """The reference, as copies of its state arrays by name; None for the flat reference.

        Gaussian kinds: ``{"mean", "precision"}`` (the precision matrix for ``"mvnormal"``); von
        Mises: ``{"eta"}``; broadcast to the state's shapes.
        """
        return None if self._ref is None else {k: v.copy() for k, v in self._ref.items()}

    @property
    def frozen(self) -> np.ndarray:
        """The mask of the crystallized (halted) beliefs, shape ``batch`` (a copy)."""
        return self._frozen.copy()

    @property
    def output(self) -> np.ndarray | None:
        """The means output at crystallization (NaN where none), None before :meth:`crystallize` is called.

        Shape of :attr:`mean`.  After any call of :meth:`crystallize` it is an array, all NaN if
        no belief crystallized (or ``eps`` is None).
        """
        return None if self._output is None else self._output.copy()

    def params(self) -> dict[str, np.ndarray]:
        """Return the beliefs as plain parameter arrays.

        The parameters of the kind's belief family: ``{"mean", "precision"}`` for the scalar and
        mean-field Gaussians, ``{"mean", "cov"}`` for ``"mvnormal"`` (the covariance is the
        inverse of the stored precision), ``{"mu", "kappa"}`` for ``"von_mises"``.

        Returns
        -------
        dict of str to numpy.ndarray
            New arrays (copies), by name.

        See Also
        --------
        belief : The same as a belief object.
        to_belief : A belief object from such a dict.

        Examples
        --------
        >>> import beds
        >>> beds.System.von_mises([0.5], [2.0], gamma=1.0).params()
        {'mu': array([0.5]), 'kappa': array([2.])}
        """
        return self._k.params(self._state)

    @property
    def belief(self) -> Any:
        """The beliefs as a belief object: ``beds.Normal``, ``DiagNormal``, ``MVNormal`` or ``VonMises``."""
        return self._k.belief(self.params())

    def __repr__(self) -> str:
        return (
            f"System(kind={self.kind!r}, batch_shape={self.batch_shape}, model={self.model!r}, "
            f"reference={'flat' if self._ref is None else 'given'}, eps={self.eps}, t={self.t})"
        )

    # ------------------------------------------------------------------ uncertainty and entropy
    def uncertainty(self) -> np.ndarray:
        """Compute the scalar uncertainty of each belief that crystallization compares with ``eps``.

        The variance for ``"normal"``; for ``"diag_normal"`` the sum (``rule="trace"``), largest
        value (``"max_eig"``) or product (``"det"``) of the variances; for ``"mvnormal"`` the
        same of the covariance's eigenvalues (trace, largest eigenvalue, determinant); for
        ``"von_mises"`` the circular variance ``1 - A(kappa)``, ``A = I1 / I0``.  See
        :doc:`/mathematics/dynamics`.

        Returns
        -------
        numpy.ndarray
            The uncertainties, shape ``batch``.

        See Also
        --------
        crystallized : Where it is below ``eps``.

        Examples
        --------
        >>> import beds
        >>> s = beds.System.mvnormal([0.0, 0.0], cov=[[2.0, 0.5], [0.5, 1.0]], gamma=1.0, rule="det")
        >>> round(float(s.uncertainty()), 12)  # det cov
        1.75
        """
        return self._k.uncertainty(self._state, self.rule)

    def entropy(self) -> np.ndarray:
        """Compute the entropy of each belief in nats.

        Gaussian: ``d/2 ln(2 pi e) - 1/2 ln det Lambda`` (``1/2 ln(2 pi e) - 1/2 ln tau`` for one
        coordinate, summed over the coordinates of a mean-field belief); von Mises:
        ``ln(2 pi I0(kappa)) - kappa A(kappa)``.  Under flat multiplicative dissipation it rises
        at ``gamma / 2`` nats per unit time per coordinate (:doc:`/mathematics/energy`).

        Returns
        -------
        numpy.ndarray
            The entropies (nats), shape ``batch``.

        See Also
        --------
        beds.entropy : The entropy of a belief object.

        Examples
        --------
        >>> import beds
        >>> s = beds.System.normal(0.0, var=1.0, gamma=1.0)
        >>> round(float(s.dissipate(2.0).entropy() - s.entropy()), 12)  # gamma t / 2
        1.0
        """
        return self._k.entropy(self._state)

    # ------------------------------------------------------------------ operations
    def _rate_live(self) -> np.ndarray:
        """The rates, 0 for the crystallized beliefs (the stored array itself when none is)."""
        if not self._frozen.any():
            return self._rate
        fz = self._frozen.reshape(self._frozen.shape + (1,) * (self._rate.ndim - self._frozen.ndim))
        return np.where(fz, 0.0, self._rate)

    def dissipate(self, dt: Any) -> System:
        """Return the system after dissipating for a time ``dt`` (exact solution).

        Multiplicative model: the natural parameters relax toward the reference, ``x <- a x +
        (1 - a) x_ref`` with ``a = exp(-gamma dt)`` (Gaussian ``x = (tau, tau mean)`` or the
        information form, von Mises ``x = eta``; flat reference: ``tau <- a tau``, the mean
        unchanged).  Additive model: ``var <- var + q dt`` (``cov <- cov + q dt I``).
        Crystallized beliefs do not change.  See :doc:`/mathematics/dynamics`.

        Parameters
        ----------
        dt : float
            The time step, a finite scalar >= 0.

        Returns
        -------
        System
            The new system, at time ``t + dt``.

        Raises
        ------
        ValueError
            If ``dt`` is not a scalar, is negative, or is not finite.
        TypeError
            If ``dt`` is not a real number.

        See Also
        --------
        integrate : Dissipation between the events of an observation stream.

        Examples
        --------
        >>> import beds
        >>> s = beds.System.normal([0.0, 1.0], precision=[4.0, 1.0], gamma=0.5)
        >>> s.dissipate(2.0).precision.round(6)  # tau e^(-gamma t)
        array([1.471518, 0.367879])
        >>> r = beds.System.normal([0.0], precision=[4.0], gamma=0.5, reference=(1.0, 2.0))
        >>> r.dissipate(50.0).params()  # relaxed to the reference
        {'mean': array([1.]), 'precision': array([2.])}
        """
        dt_a = f64(dt, "dt")
        if dt_a.ndim != 0:
            raise ValueError(f"dt must be a scalar, got shape {dt_a.shape}")
        check_domain("dt", dt_a, "nonnegative")
        dt = float(dt_a)
        state = self._k.dissipate(self._state, self._rate_live(), dt, self._ref, self.model == "additive")
        return self._replace(state, t=self.t + dt)

    def assimilate(self, value: Any, precision: Any) -> System:
        """Return the system after one observation per belief (Bayes' rule, conjugate update).

        Gaussian: ``tau+ = tau- + tau_D``, ``mean+ = (tau- mean- + tau_D D) / tau+`` (per
        coordinate for ``"diag_normal"``; ``Lambda+ = Lambda- + R``, ``Lambda+ mean+ = Lambda-
        mean- + R D`` for ``"mvnormal"``).  von Mises: ``eta += kappa_D (cos x, sin x)`` with the
        observed angle ``x`` and concentration ``kappa_D``.  A precision of 0 leaves a belief
        unchanged, as does crystallization.  The time does not change.  See
        :doc:`/mathematics/dynamics`.

        Parameters
        ----------
        value : array_like
            The observed values D (angles in radians for von Mises), finite, broadcasting to the
            batch shape (``batch + (d,)`` for the kinds with coordinates).
        precision : array_like
            The observation precisions tau_D (von Mises: concentrations kappa_D), >= 0 and
            finite, broadcasting like ``value``.  For ``"mvnormal"`` also a matrix R of shape
            ``(d, d)`` or ``batch + (d, d)``, symmetric (to 1e-10 of its largest entry; then
            symmetrised)
            and positive semi-definite, or a vector (the diagonal of R).

        Returns
        -------
        System
            The new system, at the same time.

        Raises
        ------
        ValueError
            If a value or precision is not finite, a precision is negative (a matrix: not
            symmetric or not positive semi-definite), or the shapes do not broadcast to the batch.
        TypeError
            If an argument does not hold real numbers.

        See Also
        --------
        integrate : Observations at given times.
        beds.energy.information_per_observation : The information an observation brings.

        Examples
        --------
        >>> import beds
        >>> s = beds.System.normal([0.0, 1.0], precision=[4.0, 1.0], gamma=0.5)
        >>> a = s.assimilate(2.0, precision=4.0)
        >>> a.mean, a.precision
        (array([1. , 1.8]), array([8., 5.]))
        """
        return self._replace(self._k.assimilate(self._state, value, precision, ~self._frozen))

    def fuse(self, other: System) -> System:
        """Return the fusion of two systems' beliefs, belief by belief (multi-agent).

        The normalized product of the densities, i.e. the sum of the natural parameters: for
        Gaussians the precisions (matrices) add and the means are precision-weighted, for von
        Mises the ``eta`` add.  A prior that both agents share is counted twice.  The result
        keeps this system's rates, reference, threshold, time, frozen mask and outputs; as with
        :meth:`assimilate` and :meth:`dissipate`, this system's crystallized (frozen) beliefs do not
        change (a frozen belief of ``other`` is fused like any other: its state is its belief).
        See :doc:`/mathematics/dynamics`.

        Parameters
        ----------
        other : System
            A system of the same kind and dimension whose batch shape broadcasts to this one's.

        Returns
        -------
        System
            The fused system, with this system's batch shape.

        Raises
        ------
        TypeError
            If ``other`` is not a System or is of another kind.
        ValueError
            If the dimensions differ, or ``other``'s batch shape does not broadcast to this
            system's.

        Examples
        --------
        >>> import beds
        >>> a = beds.System.normal([0.0, 2.0], precision=[1.0, 3.0], gamma=0.1)
        >>> b = beds.System.normal(1.0, precision=1.0, gamma=0.1)
        >>> f = a.fuse(b)
        >>> f.mean, f.precision
        (array([0.5 , 1.75]), array([2., 4.]))
        """
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
        fused = self._k.fuse(self._state, other._state)
        if self._frozen.any():  # crystallized beliefs are halted: they keep their state
            nb = self._frozen.ndim
            fused = {
                k: np.where(self._frozen.reshape(self._frozen.shape + (1,) * (v.ndim - nb)), self._state[k], v)
                for k, v in fused.items()
            }
        return self._replace(fused)

    def crystallized(self) -> np.ndarray:
        """Tell which beliefs have an uncertainty below ``eps``.

        ``uncertainty() < eps`` (strictly), whether or not the beliefs were already halted by
        :meth:`crystallize`; all False when ``eps`` is None.

        Returns
        -------
        numpy.ndarray
            A boolean mask, shape ``batch``.

        See Also
        --------
        crystallize : Halt them.
        frozen : The beliefs already halted.

        Examples
        --------
        >>> import beds
        >>> beds.System.normal([0.0, 0.0], var=[1.0, 0.001], gamma=0.5, eps=1e-2).crystallized()
        array([False,  True])
        """
        if self.eps is None:
            return np.zeros(self.batch_shape, dtype=bool)
        return self.uncertainty() < self.eps

    def crystallize(self) -> System:
        """Halt the beliefs whose uncertainty is below ``eps``: they output their mean.

        **[BEDS]** A crystallized belief outputs ``E[q_T]`` and halts: from then on it no longer
        dissipates, assimilates, integrates events or fuses.  The means
        of the newly crystallized beliefs are written into :attr:`output` (earlier outputs are
        kept; NaN where no belief crystallized) and :attr:`frozen` marks them.  See
        :doc:`/mathematics/dynamics`.

        Returns
        -------
        System
            The new system (same state and time).

        See Also
        --------
        crystallized : The test, without halting.

        Examples
        --------
        >>> import beds
        >>> s = beds.System.normal([0.0, 0.0], var=[1.0, 0.001], gamma=0.5, eps=1e-2)
        >>> c = s.assimilate([2.0, 2.0], precision=4.0).crystallize()
        >>> c.frozen, c.output
        (array([False,  True]), array([       nan, 0.00796813]))
        >>> bool(c.dissipate(10.0).var[1] == c.var[1])  # halted
        True
        """
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
          of values per step over tiles of contiguous beliefs (split over threads, with results
          that do not depend on the number of threads); it releases the GIL and stops on Ctrl-C
          (KeyboardInterrupt).  Full-covariance and von Mises dense streams are expanded into
          their event stream (the cost per observation dominates there).

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
        temperature = real_scalar(temperature, "temperature", "positive")
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
    """Build the belief object of a dynamics state.

    The inverse of :meth:`System.params`: ``beds.Normal(mean, 1 / sqrt(precision))`` for
    ``"normal"``, ``beds.DiagNormal`` likewise for ``"diag_normal"``, ``beds.MVNormal(mean,
    cov)`` for ``"mvnormal"`` and ``beds.VonMises(mu, kappa)`` for ``"von_mises"``.

    Parameters
    ----------
    kind : str
        The kind, as :attr:`System.kind` (``"mv_normal"`` is read as ``"mvnormal"``).
    params : dict of str to array_like
        The parameters of the kind, as :meth:`System.params` returns them: ``mean`` and
        ``precision`` (> 0 and finite); ``mean`` and ``cov``; ``mu`` and ``kappa``.  Real arrays
        (lists too); the belief's constructor validates the rest.

    Returns
    -------
    Belief
        The beliefs, a ``beds.Normal``, ``DiagNormal``, ``MVNormal`` or ``VonMises``.

    Raises
    ------
    ValueError
        If ``kind`` is unknown, ``params`` lacks a parameter of the kind (the message names it), or
        a parameter is outside the family's domain.
    TypeError
        If ``kind`` is not a string, ``params`` is not a mapping, or a parameter does not hold real
        numbers.

    See Also
    --------
    System.belief : The belief object of a system.

    Examples
    --------
    >>> import numpy as np, beds
    >>> beds.dynamics.to_belief("normal", {"mean": np.array([0.0, 1.0]), "precision": np.array([4.0, 1.0])})
    Normal(mean=[0. 1.], std=[0.5 1. ], batch_shape=(2,))
    """
    from collections.abc import Mapping

    from ._common import canonical_kind

    if not isinstance(kind, str):
        raise TypeError(f"kind must be a string, one of {KINDS}, got {type(kind).__name__}")
    kind = canonical_kind(kind)
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of parameter arrays, got {type(params).__name__}")
    names = _PARAM_NAMES[kind]
    missing = [n for n in names if n not in params]
    if missing:
        raise ValueError(f"params of a {kind!r} belief need {names}; missing {missing}")
    arrays = {n: f64(params[n], f"params[{n!r}]") for n in names}
    if "precision" in arrays:
        check_domain("params['precision']", arrays["precision"], "positive")
    return get_kind(kind).belief(arrays)


#: the parameters of :meth:`System.params` by kind
_PARAM_NAMES = {
    "normal": ("mean", "precision"),
    "diag_normal": ("mean", "precision"),
    "mvnormal": ("mean", "cov"),
    "von_mises": ("mu", "kappa"),
}
