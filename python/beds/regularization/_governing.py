"""The governing equation of the BEDS regularizers: :class:`GoverningEquation`.

This module is longer than the project's 500-line guideline because it holds the governing equation
with its special cases and steps, each documented; about 320 of its lines are code, the rest
documentation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._belief import Belief
from .._geometry import event_ndims, expand
from .._validation import as_real_array, check_broadcast, check_domain, real_scalar
from ..categorical import Categorical
from ._penalty import PenaltyResult, as_belief, as_strength, check_strength_shape, fisher_rao_penalty, kl_penalty
from ._steps import coordinates, moved_coordinates, step_belief, step_vector

_DIVERGENCES = ("fisher_rao", "kl", "euclidean")
_METRICS = ("fisher", "euclidean")
_REFERENCE_LAWS = ("fixed", "previous_task", "moving")
_PRECISION_LAWS = ("frozen", "summed", "decayed")


#: the largest number of actions of :meth:`GoverningEquation.sac_entropy` (its uniform policy is an array)
_MAX_ACTIONS = 2**28


def _finite(x: Any, name: str) -> np.ndarray:
    """A finite real array as float64, or a TypeError / ValueError naming ``name``."""
    a = as_real_array(x, name).astype(np.float64)
    check_domain(name, a, "real")
    return a


def _choice(value: str, options: tuple[str, ...], name: str) -> str:
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}, got {value!r}")
    return value


class GoverningEquation:
    """One dissipative equation for every regularizer: Ridge, EWC, EMA, SAC's entropy bonus, Fisher-Rao.

    **[BEDS]**, in **our reconstruction** (the papers that state it are not public)::

        dtheta/dt     = -M^-1 grad[ L(theta) + strength * D(theta, theta_ref) ]
        dtheta_ref/dt = gamma (theta - theta_ref)                 (reference_law="moving")

    with L the loss, D a divergence to a reference, M the metric of the descent (the Fisher metric
    G: the natural gradient of S. Amari, Neural Computation 10, 1998; or the identity).  Four
    choices define a method:

    * ``divergence`` D: ``"fisher_rao"`` (``1/2 d_FR^2``, beliefs), ``"kl"`` (``KL(q || q_ref)``,
      beliefs) or ``"euclidean"`` (``1/2 sum_i w_i (theta_i - theta_ref_i)^2`` over the
      parameters, with precision weights w: 1 for Ridge, the Fisher diagonal for EWC);
    * ``metric`` M: ``"fisher"`` (natural gradient; for parameter vectors M = diag(w), the
      identity without weights) or ``"euclidean"``;
    * ``reference_law``: ``"fixed"``, ``"previous_task"`` (:meth:`consolidate` moves the reference
      to the current state) or ``"moving"`` at rate ``gamma`` (:meth:`advance`);
    * ``precision_law`` of the weights at :meth:`consolidate`: ``"frozen"``, ``"summed"`` (``w <- w
      + F``) or ``"decayed"`` (``w <- decay w + F``, online EWC).

    The state is a belief batch (when ``reference`` is a belief) or a parameter array (point
    estimates; only the Euclidean divergence applies).  The object is mutable: :meth:`advance` and
    :meth:`consolidate` change its reference and weights.  Special cases: :meth:`ridge`,
    :meth:`ewc`, :meth:`online_ewc`, :meth:`ema`, :meth:`sac_entropy`, :meth:`fisher_rao`; each is
    tested against the original method's update (:doc:`/mathematics/regularization`).

    ``strength`` is a settable property: change it between tasks (or along a schedule) without
    rebuilding the equation, ``eq.strength = 0.5``, validated like the constructor's argument.
    Gradients are new writable arrays (the gradient and the natural gradient never share memory);
    :meth:`penalty` and :meth:`step` take ``out=`` buffers for training loops that reuse them.

    The class is longer than the 300-line guideline because it holds the special cases (Ridge, EWC, EMA, SAC,
    Fisher-Rao) and four kinds of step, each fully documented; about 250 of its lines are code.

    Parameters
    ----------
    reference : Belief or array_like
        The reference: a belief batch, or an array of parameters (finite; stored as float64).
    divergence : {"fisher_rao", "kl", "euclidean"}, optional
        The divergence D (a parameter array needs ``"euclidean"``).
    metric : {"fisher", "euclidean"}, optional
        The metric M of the descent.
    strength : array_like, optional
        The strength, >= 0 and finite, laid out as in :func:`fisher_rao_penalty` (per belief, per
        coordinate for DiagNormal, per parameter for arrays).
    weights : array_like, optional
        The precision weights w (>= 0, finite), multiplying the strength; None: none (1).
    reference_law : {"fixed", "previous_task", "moving"}, optional
        How the reference evolves.
    gamma : float, optional
        The rate of a moving reference, a finite Python or numpy scalar >= 0.
    precision_law : {"frozen", "summed", "decayed"}, optional
        How :meth:`consolidate` updates the weights.
    decay : float, optional
        The decay of ``"decayed"``, in [0, 1].
    param : str, optional
        The coordinates of beliefs in which gradients are given and taken (None: the family's own;
        ``"log_std"``, ``"logits"``, ... as in :func:`fisher_rao_penalty`); beliefs only.

    Attributes
    ----------
    reference : Belief or numpy.ndarray
        The current reference (replaced by :meth:`advance` and :meth:`consolidate`).
    weights : numpy.ndarray or None
        The current precision weights.
    strength : numpy.ndarray
        The strength (settable: :attr:`strength`, :meth:`set_strength`).
    divergence, metric, reference_law, precision_law : str
        The four choices.
    gamma, decay : float
        The reference rate and the precision decay.
    param : str or None
        The coordinates of the gradients.
    is_belief : bool
        Whether the state is a belief (True) or a parameter array.

    Raises
    ------
    ValueError
        If a choice is unknown, ``gamma`` is negative or not finite, ``decay`` is not in [0, 1] (or
        either is not a scalar), the
        strength or weights are negative or not finite, a parameter array reference is not finite,
        is given with a divergence other than ``"euclidean"`` or with ``param``, or ``param`` is not
        a chart of the belief's family.
    TypeError
        If ``gamma`` or ``decay`` is not a real number, or an array argument does not hold real
        numbers.

    See Also
    --------
    fisher_rao_penalty, kl_penalty : The penalties on beliefs.
    belief_update : The belief-level form of the equation.

    Examples
    --------
    >>> import numpy as np, beds
    >>> eq = beds.GoverningEquation.ridge(0.5)
    >>> eq.step(np.array([1.0, -2.0]), lr=0.1)  # SGD with weight decay: theta - lr strength theta
    array([ 0.95, -1.9 ])
    >>> fr = beds.GoverningEquation.fisher_rao(beds.Normal(0.0, 1.0), strength=1.0)
    >>> q = beds.Normal(1.0, 2.0)
    >>> round(float(beds.distance(fr.step(q, 0.5, method="flow"), fr.reference) / beds.distance(q, fr.reference)), 12)
    0.606530659713
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
            reference.chart(param)
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
        self._dtype = np.dtype(dtype)
        self.strength = strength
        self.weights = None if weights is None else as_strength(weights, dtype, "weights")
        self.gamma = real_scalar(gamma, "gamma", "nonnegative")
        self.decay = real_scalar(decay, "decay", "unit_interval")

    @property
    def strength(self) -> np.ndarray:
        """The strength ``s`` of the penalty: >= 0, an array broadcasting like the penalty's.

        Settable between tasks (or along a schedule) without rebuilding the equation, validated like
        the constructor's argument; a Python number takes the dtype of the reference::

            eq.strength = 10.0

        Raises
        ------
        TypeError
            A value that is not real numbers.
        ValueError
            A negative or non-finite value (the message names ``strength``).
        """
        return self._strength

    @strength.setter
    def strength(self, value: Any) -> None:
        self._strength = as_strength(value, self._dtype)

    def set_strength(self, value: Any) -> GoverningEquation:
        """Set :attr:`strength` and return the equation.

        The same as assigning ``eq.strength = value``, returning the equation for chaining (in a
        schedule, or between the tasks of a continual-learning run); nothing else is rebuilt.

        Parameters
        ----------
        value : float or array_like
            The new strength, >= 0 and finite.

        Returns
        -------
        GoverningEquation
            ``self``.

        Raises
        ------
        TypeError
            If ``value`` does not hold real numbers.
        ValueError
            If ``value`` is negative or not finite (the message names ``strength``).

        Examples
        --------
        >>> import beds
        >>> eq = beds.GoverningEquation.fisher_rao(beds.Normal(0.0, 1.0), strength=1.0)
        >>> q = beds.Normal(1.0, 1.0)  # at distance sqrt(2) ln 2 from the reference
        >>> float(eq.set_strength(4.0)(q))  # 4/2 d^2 = 4 (ln 2)^2
        1.9218120556728056
        """
        self.strength = value
        return self

    def __repr__(self) -> str:
        return (
            f"GoverningEquation(divergence={self.divergence!r}, metric={self.metric!r}, "
            f"reference_law={self.reference_law!r}, precision_law={self.precision_law!r}, "
            f"gamma={self.gamma}, decay={self.decay})"
        )

    # ---------------------------------------------------------------- ready-made special cases
    @classmethod
    def ridge(cls, strength: float, center: Any = 0.0) -> GoverningEquation:
        """Build Ridge / L2 weight decay, ``strength/2 |theta - center|^2`` on a parameter vector.

        Euclidean divergence, Euclidean metric, fixed reference: the gradient step is SGD with weight
        decay, ``theta <- theta - lr (grad L + strength (theta - center))``.  It equals ``strength
        sigma0^2 / 2 d^2`` for beliefs ``N(theta, sigma0^2 I)`` only inside the fixed-variance location
        model (``d = |dtheta| / sigma0``): it ignores the precision (:doc:`/mathematics/regularization`).

        Parameters
        ----------
        strength : float
            The weight decay, >= 0 and finite.
        center : array_like, optional
            The reference parameters (default 0), finite.

        Returns
        -------
        GoverningEquation
            The equation, for parameter arrays.

        Raises
        ------
        ValueError
            If ``strength`` is negative or ``center`` is not finite.
        TypeError
            If an argument does not hold real numbers.

        Examples
        --------
        >>> import numpy as np, beds
        >>> beds.GoverningEquation.ridge(0.5, center=1.0).penalty(np.array([0.0, 2.0])).value
        0.5
        """
        c = _finite(center, "center")
        return cls(c, divergence="euclidean", metric="euclidean", strength=strength)

    @classmethod
    def ewc(cls, theta_star: Any, fisher: Any, strength: float) -> GoverningEquation:
        """Build EWC, ``strength/2 sum_i F_i (theta_i - theta*_i)^2`` (Kirkpatrick et al. 2017).

        Elastic weight consolidation (J. Kirkpatrick et al., PNAS 114, 2017): a quadratic pull toward
        the parameters ``theta*`` of the previous task, weighted by the diagonal Fisher at the end of
        that task.  It is the second-order (local) approximation of ``strength/2 d_FR^2`` to the old
        posterior ``N(theta*, 1/F)``.  :meth:`consolidate` with a new Fisher moves the reference to the
        current parameters and adds the Fisher to the weights (``precision_law="summed"``: one merged
        quadratic instead of one per task).  See :doc:`/mathematics/regularization`.

        Parameters
        ----------
        theta_star : array_like
            The parameters at the end of the previous task, finite.
        fisher : array_like
            The diagonal Fisher (>= 0, finite), e.g. :func:`empirical_fisher`; broadcasts with
            ``theta_star``.
        strength : float
            The strength, >= 0 and finite.

        Returns
        -------
        GoverningEquation
            The equation (Euclidean divergence and metric, ``"previous_task"``, ``"summed"``).

        Raises
        ------
        ValueError
            If a value is negative or not finite, or the shapes of ``theta_star`` and ``fisher`` do not
            broadcast.
        TypeError
            If an argument does not hold real numbers.

        See Also
        --------
        online_ewc : With decayed weights.

        Examples
        --------
        >>> import numpy as np, beds
        >>> eq = beds.GoverningEquation.ewc(np.zeros(2), [1.0, 4.0], 2.0)
        >>> eq.penalty(np.ones(2)).value  # 2/2 (1 + 4)
        5.0
        >>> eq.consolidate(np.ones(2), [1.0, 1.0]); eq.weights
        array([2., 5.])
        """
        theta, f = _finite(theta_star, "theta_star"), as_strength(fisher, np.dtype(np.float64), "fisher")
        check_broadcast("ewc", theta_star=theta, fisher=f)
        return cls(
            theta,
            divergence="euclidean",
            metric="euclidean",
            strength=strength,
            weights=f,
            reference_law="previous_task",
            precision_law="summed",
        )

    @classmethod
    def online_ewc(cls, theta_star: Any, fisher: Any, strength: float, decay: float) -> GoverningEquation:
        """Build online EWC: ``F* <- decay F* + F_new`` and ``theta* <- theta`` at each consolidation.

        J. Schwarz et al., *Progress & compress*, ICML 2018: one quadratic penalty ``strength/2 sum_i
        F*_i (theta_i - theta*_i)^2`` whose weights decay at each :meth:`consolidate`, so old tasks
        fade.  See :doc:`/mathematics/regularization`.

        Parameters
        ----------
        theta_star : array_like
            The parameters at the end of the previous task, finite.
        fisher : array_like
            The diagonal Fisher of that task (>= 0, finite).
        strength : float
            The strength, >= 0 and finite.
        decay : float
            The decay of the accumulated Fisher at each consolidation, in [0, 1].

        Returns
        -------
        GoverningEquation
            The equation (``"previous_task"``, ``"decayed"``).

        Raises
        ------
        ValueError
            If a value is negative or not finite, ``decay`` is not in [0, 1], or the shapes of
            ``theta_star`` and ``fisher`` do not broadcast.
        TypeError
            If an argument does not hold real numbers.

        Examples
        --------
        >>> import numpy as np, beds
        >>> eq = beds.GoverningEquation.online_ewc(np.zeros(2), [1.0, 4.0], 2.0, decay=0.5)
        >>> eq.consolidate(np.ones(2), [1.0, 1.0]); eq.weights  # 0.5 F* + F
        array([1.5, 3. ])
        """
        theta, f = _finite(theta_star, "theta_star"), as_strength(fisher, np.dtype(np.float64), "fisher")
        check_broadcast("online_ewc", theta_star=theta, fisher=f)
        return cls(
            theta,
            divergence="euclidean",
            metric="euclidean",
            strength=strength,
            weights=f,
            reference_law="previous_task",
            precision_law="decayed",
            decay=decay,
        )

    @classmethod
    def ema(cls, beta: float, reference: Any, dt: float = 1.0) -> GoverningEquation:
        """Build EMA / Polyak averaging as a moving reference.

        ``theta_bar <- beta theta_bar + (1 - beta) theta`` every ``dt`` is the BEDS dissipation of the
        reference toward the current state at ``gamma = -ln(beta) / dt`` (:doc:`/mathematics/dynamics`):
        :meth:`advance` by ``dt`` reproduces one EMA update exactly (along the Fisher-Rao geodesic for
        beliefs).  The penalty strength is 0 (the average is a read-out); give ``strength`` to the
        constructor to also pull theta back.

        Parameters
        ----------
        beta : float
            The EMA decay per update, in (0, 1) (1 is excluded here, unlike
            :func:`beds.dynamics.gamma_from_ema`).
        reference : Belief or array_like
            The initial average: a belief batch (then the Fisher-Rao divergence and metric) or a
            parameter array (Euclidean).
        dt : float, optional
            The time between two updates, > 0.

        Returns
        -------
        GoverningEquation
            The equation (``"moving"`` reference, strength 0).

        Raises
        ------
        ValueError
            If ``beta`` is not in (0, 1), ``dt`` is not > 0 and finite, either is not a scalar, or
            ``reference`` is an array that is not finite.
        TypeError
            If ``beta`` or ``dt`` is not a real number, or ``reference`` does not hold real numbers.

        Examples
        --------
        >>> import numpy as np, beds
        >>> eq = beds.GoverningEquation.ema(0.9, np.zeros(2))
        >>> eq.advance(np.ones(2), 1.0)  # 0.9 * 0 + 0.1 * 1
        array([0.1, 0.1])
        """
        beta = real_scalar(beta, "beta", "positive")
        if not beta < 1:
            raise ValueError(f"beta must be in (0, 1), got {beta!r}")
        dt = real_scalar(dt, "dt", "positive")
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
        """Build SAC's entropy bonus, ``-alpha H(pi) = alpha KL(pi || uniform) - alpha log k``.

        For a categorical policy over ``num_actions`` (T. Haarnoja et al., ICML 2018): the KL divergence
        to the uniform policy, in the logits, with SAC's own Euclidean gradient step (``metric=
        "fisher"`` gives the natural policy gradient variant).  KL is about ``d_FR^2 / 2`` near the
        uniform policy.  The temperature dual is :func:`sac_temperature_update`.  See
        :doc:`/mathematics/regularization`.

        Parameters
        ----------
        alpha : float
            The temperature, >= 0 and finite.
        num_actions : int
            The number of actions k, in ``[1, 2**28]`` (a real number is converted with ``int``:
            2.7 is read as 2).

        Returns
        -------
        GoverningEquation
            The equation (KL to ``Categorical`` uniform, Euclidean metric, ``param="logits"``).

        Raises
        ------
        ValueError
            If ``num_actions`` is not in ``[1, 2**28]`` (or is NaN), or ``alpha`` is negative or not
            finite.
        TypeError
            If ``num_actions`` is not a number (a string, a bool) or ``alpha`` does not hold real
            numbers.

        Examples
        --------
        >>> import beds
        >>> eq = beds.GoverningEquation.sac_entropy(0.2, 4)
        >>> pi = beds.Categorical([0.1, 0.2, 0.3, 0.4])
        >>> round(float(eq(pi)), 12) == round(float(0.2 * (beds.kl(pi, beds.Categorical([0.25] * 4)))), 12)
        True
        """
        if isinstance(num_actions, (bool, np.bool_, str, bytes)) or not isinstance(
            num_actions, (int, float, np.integer, np.floating)
        ):
            raise TypeError(f"num_actions must be an integer, got {type(num_actions).__name__}")
        if not (math.isfinite(num_actions) and num_actions >= 1):
            raise ValueError(f"num_actions must be >= 1, got {num_actions!r}")
        if num_actions > _MAX_ACTIONS:
            raise ValueError(
                f"num_actions must be at most {_MAX_ACTIONS} (a uniform policy over them is built), got {num_actions!r}"
            )
        k = int(num_actions)
        alpha = as_strength(alpha, np.dtype(np.float64), "alpha")
        return cls(
            Categorical(np.full(k, 1.0 / k)), divergence="kl", metric="euclidean", strength=alpha, param="logits"
        )

    @classmethod
    def fisher_rao(
        cls, reference: Belief, strength: Any = 1.0, gamma: float = 0.0, param: str | None = None
    ) -> GoverningEquation:
        """Build the BEDS regularizer ``strength/2 d_FR^2(q, q_ref)`` with natural-gradient dynamics.

        The Fisher-Rao divergence with the Fisher metric; with ``gamma > 0`` the reference moves toward
        q at rate gamma along the geodesic (:meth:`advance`), otherwise it is fixed.  See
        :doc:`/mathematics/regularization`.

        Parameters
        ----------
        reference : Belief
            The reference beliefs.
        strength : array_like, optional
            The strength, >= 0 and finite (laid out as in :func:`fisher_rao_penalty`).
        gamma : float, optional
            The rate of the reference, >= 0 and finite (0: fixed).
        param : str, optional
            The coordinates of the gradients (as in :func:`fisher_rao_penalty`).

        Returns
        -------
        GoverningEquation
            The equation.

        Raises
        ------
        TypeError
            If ``reference`` is not a belief.
        ValueError
            If ``strength`` or ``gamma`` is negative or not finite, or ``param`` is not a chart of the
            family.

        Examples
        --------
        >>> import beds
        >>> eq = beds.GoverningEquation.fisher_rao(beds.Normal(0.0, 1.0), strength=2.0)
        >>> round(float(eq.penalty(beds.Normal(1.0, 2.0)).value), 6)
        1.414627
        """
        gamma = real_scalar(gamma, "gamma", "nonnegative")
        return cls(
            as_belief(reference, "reference"),
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

    def penalty(self, state: Any, *, out: Any = None) -> PenaltyResult:
        """Compute the value, gradient and natural gradient of ``strength * D(state, reference)``.

        Beliefs: :func:`fisher_rao_penalty` or :func:`kl_penalty` with ``strength * weights``, or for the
        Euclidean divergence ``1/2 sum w (x - x_ref)^2`` per coordinate of the chart ``param`` (natural
        gradient equal to the gradient).  Parameter arrays: value ``1/2 sum_i s w_i (theta_i -
        theta_ref_i)^2`` summed over all parameters, gradient ``s w (theta - theta_ref)``, natural
        gradient ``s (theta - theta_ref)`` for the Fisher metric with weights (M = diag(w)), the
        gradient otherwise.  See :doc:`/mathematics/regularization`.

        Parameters
        ----------
        state : Belief or array_like
            The current beliefs (of the reference's family) or parameters (finite, broadcasting with
            the reference).
        out : tuple of numpy.ndarray, optional
            Buffers the gradients are written into (for a training loop that reuses them).  A
            parameter array: ``(grad, natural_grad)``, two float64 arrays of the state's shape.
            Beliefs with ``divergence="fisher_rao"`` in the family's coordinates of Normal and
            DiagNormal: the five arrays of :func:`beds.fisher_rao_penalty` (value, grad mean,
            grad std, natural grad mean, natural grad std).

        Returns
        -------
        PenaltyResult
            The value (batch shape for beliefs, a float for arrays), the gradient and the natural
            gradient by name (``"theta"`` for arrays; writable arrays that never share memory, the
            ``out`` buffers when given) and the direction as a Tangent (None for arrays and for the
            Euclidean divergence).

        Raises
        ------
        TypeError
            If a belief state is of another family or not a belief; ``out`` of the wrong kind.
        ValueError
            If an array state is not finite, or the shapes do not broadcast; ``out`` of the wrong
            shape, dtype or with an unsupported divergence or chart.

        Examples
        --------
        >>> import numpy as np, beds
        >>> r = beds.GoverningEquation.ewc(np.zeros(2), [1.0, 4.0], 2.0).penalty(np.ones(2))
        >>> r.value, r.grad["theta"]
        (5.0, array([2., 8.]))
        >>> g, nat = np.empty(2), np.empty(2)  # buffers reused by a training loop
        >>> r = beds.GoverningEquation.ridge(0.5).penalty(np.array([1.0, 2.0]), out=(g, nat))
        >>> r.grad["theta"] is g, g
        (True, array([0.5, 1. ]))
        """
        lam = self._total_strength()
        if not self.is_belief:
            th = as_real_array(state, "state")
            check_domain("state", th, "real")
            if out is None:
                diff = th - self.reference
                g = lam * diff
                value = 0.5 * float(np.sum(g * diff))
                nat = g.copy() if self.metric == "euclidean" or self.weights is None else self.strength * diff
                return PenaltyResult(value, {"theta": np.asarray(g)}, {"theta": np.asarray(nat)}, None)
            g, nat = _vector_out(out, np.broadcast_shapes(th.shape, self.reference.shape, lam.shape))
            np.subtract(th, self.reference, out=nat)  # nat holds the difference for now
            np.multiply(nat, lam, out=g)
            value = 0.5 * float(np.vdot(g, nat))
            if self.metric == "euclidean" or self.weights is None:
                np.copyto(nat, g)
            else:
                np.multiply(nat, self.strength, out=nat)
            return PenaltyResult(value, {"theta": g}, {"theta": nat}, None)
        q = as_belief(state, "state")
        self.reference._check_same(q, "state")
        if self.divergence == "fisher_rao":
            return fisher_rao_penalty(q, self.reference, lam, param=self.param, out=out)
        if out is not None:
            raise ValueError(
                "out= is supported for parameter vectors and for divergence='fisher_rao' on Normal and "
                f"DiagNormal beliefs; this equation has divergence={self.divergence!r}"
            )
        if self.divergence == "kl":
            return kl_penalty(q, self.reference, lam, param=self.param)
        names, th = coordinates(q, self.param)
        _, ref = coordinates(self.reference, self.param)
        check_strength_shape(lam, q, self.reference)
        value, grads = 0.0, {}
        for n, a, b, e in zip(names, th, ref, event_ndims(q)):
            d = a - b
            g = expand(lam, q, e) * d
            value = value + 0.5 * np.sum(g * d, axis=tuple(range(-e, 0))) if e else value + 0.5 * g * d
            grads[n] = g
        return PenaltyResult(value, grads, {n: g.copy() for n, g in grads.items()}, None)

    def __call__(self, state: Any) -> Any:
        """Compute the penalty value ``strength * D(state, reference)``.

        The ``value`` of :meth:`penalty`, without the gradients (they are computed all the same).

        Parameters
        ----------
        state : Belief or array_like
            The current beliefs or parameters.

        Returns
        -------
        numpy.ndarray or float
            ``self.penalty(state).value``.

        Raises
        ------
        TypeError
            If a belief state is of another family.
        ValueError
            If an array state is not finite, or the shapes do not broadcast.

        Examples
        --------
        >>> import numpy as np, beds
        >>> beds.GoverningEquation.ridge(2.0)(np.array([1.0, 1.0]))
        2.0
        """
        return self.penalty(state).value

    # ------------------------------------------------------------------------------ steps
    def step(
        self,
        state: Any,
        lr: float,
        loss_grad: Mapping[str, Any] | Any = None,
        method: str = "explicit",
        *,
        out: Any = None,
    ) -> Any:
        """Take one step of the governing equation with step size ``lr``.

        * ``"explicit"``: the gradient step ``theta - lr M^-1 (grad L + grad R)`` in the coordinates of
          ``param`` (M = I for the Euclidean metric, G for the Fisher metric, without retraction; for
          beliefs a step that leaves the domain raises ValueError).  Stable for ``lr strength w < 2``.
        * ``"implicit"`` (proximal): after an explicit step on the loss, ``theta0 = theta - lr M^-1
          grad L``, the exact minimizer of ``R(theta) + |theta - theta0|^2 / (2 lr)``: ``(theta0 + lr s
          w theta_ref) / (1 + lr s w)`` for the Euclidean divergence, ``geodesic(q0, q_ref, lr s / (1 +
          lr s))`` for the Fisher-Rao divergence.  Unconditionally stable: use it when ``lr *
          strength`` is large.  Not available for the KL divergence.
        * ``"riemannian"``: ``Exp_q(-lr G^-1 (grad L + grad R))``, the natural-gradient step with the
          family's exponential map as retraction (for parameter arrays with the Euclidean metric it is
          the explicit step).  It can overshoot the reference when ``lr strength`` is large.
        * ``"flow"``: the exact solution of the penalty's own flow over a time ``lr`` (no loss): along
          the geodesic toward the reference with the distance decaying as ``e^{-s lr}`` (Fisher-Rao
          divergence with the Fisher metric), or ``theta_ref + (theta - theta_ref) e^{-s w lr}``
          (Euclidean divergence and metric).

        See :doc:`/mathematics/regularization`.

        Parameters
        ----------
        state : Belief or array_like
            The current beliefs (of the reference's family) or parameters (finite).
        lr : float
            The step size, a finite Python or numpy scalar > 0.
        loss_grad : mapping or array_like, optional
            The Euclidean gradient of the loss: an array for parameter arrays, a mapping from the
            coordinate names of ``param`` (as in :meth:`penalty`; missing names count as 0) to arrays
            for beliefs.  None: no loss.
        method : {"explicit", "implicit", "riemannian", "flow"}, optional
            The scheme.
        out : numpy.ndarray, optional
            Parameter arrays only: a float64 array of the state's shape that receives the new
            parameters (it may be the state itself: an in-place update).  Beliefs are immutable, a
            step returns a new belief (``out`` must be None).

        Returns
        -------
        Belief or numpy.ndarray
            The new state (float64 for parameter arrays; ``out`` when given).

        Raises
        ------
        ValueError
            If ``method`` is unknown, ``lr`` is not finite and > 0, a gradient or state is not finite,
            ``loss_grad`` names an unknown coordinate, the step leaves the family's domain (use a
            smaller ``lr``, ``"riemannian"`` or ``"implicit"``), ``"implicit"`` is asked for the KL
            divergence, or ``"flow"`` is asked with a loss or for another (divergence, metric) pair;
            ``out`` is given for beliefs or is not a writable float64 array of the state's shape.
        TypeError
            If a belief state is of another family, or ``loss_grad`` for beliefs is not a mapping.

        Examples
        --------
        >>> import numpy as np, beds
        >>> eq = beds.GoverningEquation.ridge(0.5, center=1.0)
        >>> eq.step(np.array([0.0, 2.0]), 0.1, loss_grad=np.array([1.0, 1.0]))
        array([-0.05,  1.85])
        >>> fr = beds.GoverningEquation.fisher_rao(beds.Normal(0.0, 1.0), strength=2.0)
        >>> fr.step(beds.Normal(1.0, 2.0), 10.0, method="implicit")  # lr * strength = 20: still stable
        Normal(mean=0.022024, std=1.03771, batch_shape=())
        """
        method = _choice(method, ("explicit", "implicit", "riemannian", "flow"), "method")
        if not (isinstance(lr, (int, float, np.floating)) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be finite and > 0, got {lr!r}")
        if out is not None and self.is_belief:
            raise ValueError("out= applies to parameter vectors; a step on beliefs returns a new belief")
        if method == "flow":
            result = self._flow(state, float(lr), loss_grad)
        elif not self.is_belief:
            result = step_vector(self, state, float(lr), loss_grad, method)
        else:
            return step_belief(self, as_belief(state, "state"), float(lr), loss_grad, method)
        if out is None:
            return result
        dst = _buffer(out, np.shape(result), "out")
        np.copyto(dst, result)
        return dst

    def _flow(self, state: Any, t: float, loss_grad: Any) -> Any:
        if loss_grad is not None:
            raise ValueError("method='flow' integrates the penalty alone: loss_grad must be None")
        lam = self._total_strength()
        if self.divergence == "fisher_rao" and self.metric == "fisher":
            return as_belief(state, "state").move(self.reference, -np.expm1(-lam * t))
        if self.divergence == "euclidean" and self.metric == "euclidean":
            if not self.is_belief:
                th = as_real_array(state, "state").astype(np.float64)
                check_domain("state", th, "real")
                return self.reference + (th - self.reference) * np.exp(-lam * t)
            q = as_belief(state, "state")
            return moved_coordinates(self, q, lambda x, r, e: r + (x - r) * np.exp(-expand(lam, q, e) * t))
        raise ValueError("method='flow' has a closed form for (fisher_rao, fisher) and (euclidean, euclidean) only")

    # ---------------------------------------------------------------- reference dynamics
    def advance(self, state: Any, dt: float) -> Any:
        """Move a moving reference toward ``state`` for a time ``dt`` (and store it).

        The exact solution of ``dtheta_ref/dt = gamma (theta - theta_ref)`` with theta frozen: the
        reference covers the fraction ``1 - e^{-gamma dt}`` of the way to ``state``, linearly in the
        parameters (Euclidean metric, or parameter arrays) or along the Fisher-Rao geodesic (Fisher
        metric).  One EMA update when the equation comes from :meth:`ema`.  See
        :doc:`/mathematics/dynamics`.

        Parameters
        ----------
        state : Belief or array_like
            The current beliefs (of the reference's family) or parameters (finite).
        dt : float
            The time, a finite scalar >= 0.

        Returns
        -------
        Belief or numpy.ndarray
            The new reference (also stored as :attr:`reference`).

        Raises
        ------
        ValueError
            If the reference law is not ``"moving"``, ``dt`` is negative or not finite, an array state
            is not finite, or the step leaves the family's domain.
        TypeError
            If a belief state is of another family.

        Examples
        --------
        >>> import beds
        >>> eq = beds.GoverningEquation.fisher_rao(beds.Normal(0.0, 1.0), gamma=1.0)
        >>> eq.advance(beds.Normal(1.0, 2.0), 1.0)  # 1 - 1/e of the geodesic
        Normal(mean=0.469773, std=1.591811, batch_shape=())
        """
        if self.reference_law != "moving":
            raise ValueError(f"advance needs reference_law='moving', this equation has {self.reference_law!r}")
        dt = real_scalar(dt, "dt", "nonnegative")
        a = -math.expm1(-self.gamma * dt)
        if not self.is_belief:
            th = as_real_array(state, "state")
            check_domain("state", th, "real")
            beta = math.exp(-self.gamma * dt)
            self.reference = beta * self.reference + a * th
            return self.reference
        q = as_belief(state, "state")
        self.reference._check_same(q, "state")
        if self.metric == "fisher":
            self.reference = self.reference.geodesic(q, a)
        else:
            self.reference = moved_coordinates(self, q, lambda x, r, e: r + a * (x - r))
        return self.reference

    def consolidate(self, state: Any, fisher: Any = None) -> None:
        """End a task: move a ``"previous_task"`` reference to ``state`` and update the precision weights.

        With the ``"previous_task"`` law the reference becomes ``state`` (other laws keep it).  When
        ``fisher`` is given, the weights follow the precision law: set to ``fisher`` if there were none
        (whatever the law), otherwise kept (``"frozen"``), summed ``w + F`` (``"summed"``, EWC) or
        decayed ``decay w + F`` (``"decayed"``, online EWC).  See :doc:`/mathematics/regularization`.

        Parameters
        ----------
        state : Belief or array_like
            The beliefs or parameters at the end of the task.
        fisher : array_like, optional
            The new diagonal Fisher (>= 0, finite), e.g. :func:`empirical_fisher`; None: weights
            unchanged.

        Raises
        ------
        ValueError
            If an array state is not finite, or ``fisher`` is negative or not finite.
        TypeError
            If the state of a belief equation is not a belief, or an argument does not hold real
            numbers.

        Examples
        --------
        >>> import numpy as np, beds
        >>> eq = beds.GoverningEquation.ewc(np.zeros(2), [1.0, 4.0], 2.0)
        >>> eq.consolidate(np.ones(2), [1.0, 1.0])
        >>> eq.reference, eq.weights
        (array([1., 1.]), array([2., 5.]))
        """
        if self.reference_law == "previous_task":
            if self.is_belief:
                self.reference = as_belief(state, "state")
            else:
                th = as_real_array(state, "state").astype(np.float64)
                check_domain("state", th, "real")
                self.reference = th
        if fisher is None:
            return
        f = as_strength(fisher, np.dtype(np.float64), "fisher")
        if self.weights is None or self.precision_law == "frozen":
            if self.weights is None:
                self.weights = f
            return
        if self.precision_law == "summed":
            self.weights = self.weights + f
        else:
            self.weights = self.decay * self.weights + f


def _buffer(o: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    """``o`` if it is a writable float64 array of ``shape`` (TypeError or ValueError naming ``what``)."""
    if not isinstance(o, np.ndarray):
        raise TypeError(f"{what} must be a numpy array, got {type(o).__name__}")
    if o.shape != tuple(shape) or o.dtype != np.float64 or not o.flags.writeable:
        raise ValueError(
            f"{what} must be a writable float64 array of shape {tuple(shape)}, got {o.dtype} {o.shape}"
            + ("" if o.flags.writeable else " (read-only)")
        )
    return o


def _vector_out(out: Any, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The two gradient buffers ``(grad, natural_grad)`` of a parameter vector's penalty."""
    if not isinstance(out, tuple) or len(out) != 2:
        raise TypeError("out must be a tuple (grad, natural_grad) of two numpy arrays")
    g, nat = _buffer(out[0], shape, "out[0]"), _buffer(out[1], shape, "out[1]")
    if np.shares_memory(g, nat):
        raise ValueError("out[0] and out[1] must not share memory")
    return g, nat


def sac_temperature_update(log_alpha: float, entropy: Any, target_entropy: float, lr: float) -> float:
    """Take one gradient step of SAC's temperature dual in log alpha.

    The loss ``J(alpha) = E[-alpha (log pi(a|s) + H_target)]`` is minimized in log alpha, as in the
    reference implementation (``alpha_loss = -(log_alpha * (log_pi + H_target)).mean()``): its
    derivative is ``H(pi) - H_target`` with ``H(pi) = -E[log pi]``, so ``log_alpha <- log_alpha - lr
    (H(pi) - H_target)``: the temperature rises when the policy's entropy is below the target.
    T. Haarnoja et al., *Soft actor-critic algorithms and applications*, arXiv 1812.05905, eq. 18;
    :doc:`/mathematics/regularization`.

    Parameters
    ----------
    log_alpha : float
        The current log temperature, a finite real number.
    entropy : array_like
        The entropies of the policy over a batch (averaged), finite, at least one.
    target_entropy : float
        The target entropy H_target (often ``-dim(action)`` or a fraction of ``log k``), finite.
    lr : float
        The step size, finite and >= 0.

    Returns
    -------
    float
        The new log temperature.

    Raises
    ------
    ValueError
        If ``entropy`` is empty or not finite, a scalar argument is not finite (or is an array of
        another shape than ``()``), ``lr`` is negative, or the new log temperature overflows.
    TypeError
        If an argument does not hold real numbers (a string, a complex number, a bool).

    See Also
    --------
    GoverningEquation.sac_entropy : The entropy bonus itself.

    Examples
    --------
    >>> import beds
    >>> beds.sac_temperature_update(0.0, [1.0, 2.0], target_entropy=2.0, lr=0.1)  # entropy below target
    0.05
    """
    la = real_scalar(log_alpha, "log_alpha")
    h = as_real_array(entropy, "entropy")
    if h.size == 0:
        raise ValueError("entropy must hold at least one value")
    check_domain("entropy", h, "real")
    target = real_scalar(target_entropy, "target_entropy")
    step = real_scalar(lr, "lr", "nonnegative")
    with np.errstate(over="ignore"):
        mean = float(np.mean(h, dtype=np.float64))
    if not math.isfinite(mean):  # the sum overflowed: average values scaled by their largest magnitude
        scale = float(np.max(np.abs(h)))
        mean = float(np.mean(h / scale, dtype=np.float64)) * scale
    if step == 0.0:
        return la
    new = la - step * (mean - target)  # Python floats: overflow gives inf, no exception
    if not math.isfinite(new):
        raise ValueError(
            f"sac_temperature_update: the new log temperature is not representable (lr {step!r} times the entropy gap "
            f"{mean - target!r} overflows)"
        )
    return new
