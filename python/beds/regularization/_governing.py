"""The governing equation of the BEDS regularizers: :class:`GoverningEquation`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._belief import Belief
from .._geometry import event_ndims, expand
from .._validation import as_real_array, check_domain
from ..categorical import Categorical
from ._penalty import PenaltyResult, as_belief, as_strength, check_strength_shape, fisher_rao_penalty, kl_penalty
from ._steps import coordinates, moved_coordinates, step_belief, step_vector

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

    ``strength`` is a settable property: change it between tasks (or along a schedule) without
    rebuilding the equation, ``eq.strength = 0.5``, validated like the constructor's argument.
    Gradients are new writable arrays (the gradient and the natural gradient never share memory);
    :meth:`penalty` and :meth:`step` take ``out=`` buffers for training loops that reuse them.
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
        if not (math.isfinite(gamma) and gamma >= 0):
            raise ValueError(f"gamma must be finite and >= 0, got {gamma!r}")
        if not (math.isfinite(decay) and 0 <= decay <= 1):
            raise ValueError(f"decay must be in [0, 1], got {decay!r}")
        self.gamma = float(gamma)
        self.decay = float(decay)

    @property
    def strength(self) -> np.ndarray:
        """The strength ``s`` of the penalty (>= 0; an array broadcasting like the penalty's
        strength argument).

        Settable between tasks without rebuilding the equation::

            eq.strength = 10.0          # a Python number takes the dtype of the reference

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
        """Sets :attr:`strength` and returns the equation (for chaining, e.g. in a schedule).

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
        TypeError, ValueError
            As for the :attr:`strength` setter.

        Examples
        --------
        >>> import beds
        >>> eq = beds.GoverningEquation.fisher_rao(beds.Normal(0.0, 1.0), strength=1.0)
        >>> float(eq.set_strength(4.0)(beds.Normal(1.0, 1.0)))   # 4/2 d^2, d^2 = 2 (asinh(1/(2 sqrt 2)) 2 sqrt 2)^2
        1.9407407407407409
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
        """Value, gradient and natural gradient of ``strength * D(state, reference)``.

        Parameters
        ----------
        state : Belief or array_like
            The current beliefs (of the reference's family) or parameter vector.
        out : tuple of numpy.ndarray, optional
            Buffers the gradients are written into (for a training loop that reuses them).  A
            parameter vector: ``(grad, natural_grad)``, two float64 arrays of the state's shape.
            Beliefs with ``divergence="fisher_rao"`` in the family's coordinates of Normal and
            DiagNormal: the five arrays of :func:`beds.fisher_rao_penalty` (value, grad mean,
            grad std, natural grad mean, natural grad std).

        Returns
        -------
        PenaltyResult
            ``value`` (a float for parameter vectors, the batch shape for beliefs), ``grad`` and
            ``natural_grad`` by parameter name (writable arrays that never share memory; the
            ``out`` buffers when given), ``direction`` (beliefs).

        Raises
        ------
        TypeError
            A state of another family; ``out`` of the wrong kind.
        ValueError
            A state outside its domain; ``out`` of the wrong shape or with an unsupported
            divergence or chart.

        Examples
        --------
        >>> import numpy as np, beds
        >>> eq = beds.GoverningEquation.ridge(0.5)
        >>> g, nat = np.empty(3), np.empty(3)
        >>> r = eq.penalty(np.array([1.0, 2.0, 3.0]), out=(g, nat))
        >>> r.value, g
        (3.5, array([0.5, 1. , 1.5]))
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
        """The penalty value."""
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

        ``out``: for parameter vectors, a float64 array of the state's shape that receives the new
        parameters (it may be the state itself: an in-place update); beliefs are immutable, a step
        returns a new belief (``out`` must be None).
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
        q = as_belief(state, "state")
        self.reference._check_same(q, "state")
        if self.metric == "fisher":
            self.reference = self.reference.geodesic(q, a)
        else:
            self.reference = moved_coordinates(self, q, lambda x, r, e: r + a * (x - r))
        return self.reference

    def consolidate(self, state: Any, fisher: Any = None) -> None:
        """End of a task: the reference becomes ``state`` (``"previous_task"`` law) and the
        precision weights follow the precision law with the new Fisher diagonal ``fisher``:
        frozen (kept; set if there were none), summed ``w + F``, decayed ``decay w + F``."""
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
