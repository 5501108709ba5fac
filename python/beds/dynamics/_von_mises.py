"""von Mises beliefs: the Python side of cpp/include/beds/dynamics_von_mises.hpp.

State: the natural parameters ``eta = kappa (cos mu, sin mu)``, shape ``B + (2,)``.  Every step is
exact:

* dissipation: ``eta <- a eta + (1 - a) eta_ref``, ``a = exp(-gamma dt)`` (``eta_ref = 0``, the
  uniform law, is the flat reference: kappa decays as ``e^(-gamma t)``);
* observation of an angle x with concentration kappa_D: ``eta += kappa_D (cos x, sin x)``;
* fusion: the natural parameters add.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core, special
from .._validation import check_domain
from ..von_mises import VonMises
from ._common import bcast, f64, read_observation, reference_pair

State = dict[str, np.ndarray]


def von_mises_mean_resultant(kappa: Any) -> tuple[np.ndarray, np.ndarray]:
    """Compute ``log I0e(kappa)`` and the mean resultant length ``A(kappa)`` of vM(mu, kappa).

    ``I0e(kappa) = e^-kappa I0(kappa)`` (the scaled modified Bessel function) and ``A(kappa) =
    I1(kappa) / I0(kappa)``, the length of the mean of ``(cos x, sin x)`` (K. V. Mardia and
    P. E. Jupp, *Directional Statistics*, 2000).  ``log I0e`` is evaluated as ``log I0(kappa) -
    kappa`` for ``kappa <= 16`` (full relative accuracy where it is small) and as ``log(I0e)``
    above; both come from :mod:`beds.special`.  The dynamics uses them for the circular variance
    ``1 - A(kappa)``.

    Parameters
    ----------
    kappa : array_like
        The concentrations, >= 0 and finite; converted to float64.

    Returns
    -------
    log_i0e : numpy.ndarray
        ``log I0e(kappa)`` (<= 0), the shape of ``kappa`` (0-d for a scalar).
    a : numpy.ndarray or numpy.floating
        ``A(kappa)`` in [0, 1), the shape of ``kappa`` (a numpy scalar for a scalar).

    Raises
    ------
    ValueError
        If ``kappa`` is negative or not finite (NaN, infinite).
    TypeError
        If ``kappa`` does not hold real numbers (a string, a complex number, a long double).

    See Also
    --------
    beds.special.mean_resultant : ``A`` alone.

    Examples
    --------
    >>> import beds
    >>> log_i0e, a = beds.dynamics.von_mises_mean_resultant([0.0, 1.0])
    >>> log_i0e.round(6), a.round(6)
    (array([ 0.      , -0.764086]), array([0.     , 0.44639]))
    """
    k = f64(kappa, "kappa")
    check_domain("kappa", k, "nonnegative")
    return _mean_resultant(k)


def _mean_resultant(k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`von_mises_mean_resultant` without the validation (float64 concentrations >= 0)."""
    # log I0 - kappa keeps full relative accuracy where log I0 is small; log(I0e) where it is large
    with np.errstate(invalid="ignore"):
        log_i0e = np.where(k <= 16.0, special.log_i0(k) - k, np.log(special.i0e(k)))
    return log_i0e, special.mean_resultant(k)


def von_mises_entropy(kappa: Any) -> np.ndarray:
    """Compute the entropy of vM(mu, kappa) in nats.

    ``H = ln(2 pi I0(kappa)) - kappa A(kappa)``, ``A = I1 / I0``: ``ln(2 pi)`` for the uniform
    law (``kappa = 0``), decreasing without bound as ``kappa`` grows (about ``1/2 ln(2 pi e /
    kappa)``).  The compiled kernel of :func:`beds.von_mises.entropy` on float64 (K. V. Mardia and
    P. E. Jupp, *Directional Statistics*, 2000).

    Parameters
    ----------
    kappa : array_like
        The concentrations, >= 0 and finite; converted to float64.

    Returns
    -------
    numpy.ndarray or numpy.floating
        The entropies (nats), the shape of ``kappa`` (a numpy scalar for a scalar).

    Raises
    ------
    ValueError
        If ``kappa`` is negative or not finite (NaN, infinite).
    TypeError
        If ``kappa`` does not hold real numbers (a string, a complex number, a long double).

    See Also
    --------
    beds.von_mises.entropy : The array-level function (float32 stays float32).

    Examples
    --------
    >>> import beds
    >>> beds.dynamics.von_mises_entropy([0.0, 1.0]).round(6)  # ln(2 pi) at kappa = 0
    array([1.837877, 1.627401])
    """
    k = f64(kappa, "kappa")
    check_domain("kappa", k, "nonnegative")
    return _entropy(k)


def _entropy(k: np.ndarray) -> np.ndarray:
    """:func:`von_mises_entropy` without the validation (float64 concentrations >= 0, finite)."""
    return _core.von_mises_entropy(k)


def _natural(mu: np.ndarray, kappa: np.ndarray) -> np.ndarray:
    return np.stack([kappa * np.cos(mu), kappa * np.sin(mu)], axis=-1)


class VonMisesKind:
    """The von Mises kind (``"von_mises"``) of :class:`~beds.System`.

    Implements the protocol :class:`~beds.dynamics._kinds.Kind` on the natural parameters: the
    state is ``{"eta"}`` with ``eta = kappa (cos mu, sin mu)``, shape ``batch + (2,)``; there is no
    additive model.  The instance is ``VON_MISES``.
    """

    name = "von_mises"
    mean_field = False
    family = VonMises
    #: observation precisions (concentrations) are never matrices
    matrix_precisions = False

    @staticmethod
    def belief_args(belief: Any) -> tuple[np.ndarray, np.ndarray]:
        """The constructor arguments (mu, kappa) of a belief of the family."""
        return belief.mu, belief.kappa

    # ------------------------------------------------------------------ construction
    @staticmethod
    def read_state(mu: Any, kappa: Any) -> State:
        """Validated natural parameters of vM(mu, kappa) (kappa >= 0)."""
        mu_a = f64(mu, "mu")
        k = f64(kappa, "kappa")
        check_domain("mu", mu_a, "real")
        check_domain("kappa", k, "nonnegative")
        try:
            mu_a, k = np.broadcast_arrays(mu_a, k)
        except ValueError:
            raise ValueError(f"shapes do not broadcast: mu {mu_a.shape}, kappa {k.shape}") from None
        return {"eta": _natural(mu_a, k)}

    @staticmethod
    def read_reference(reference: Any, additive: bool, state: State) -> State | None:
        """The reference ``(mu, kappa)`` (a belief or a pair), broadcast to the batch."""
        if reference is None:
            return None
        rmu, rk = reference_pair(reference, "reference", ("mu", "kappa"))
        rmu, rk = f64(rmu, "reference mu"), f64(rk, "reference kappa")
        check_domain("reference mu", rmu, "real")
        check_domain("reference kappa", rk, "nonnegative")
        return {"eta": np.broadcast_to(_natural(rmu, rk), state["eta"].shape).copy()}

    @staticmethod
    def batch_shape(state: State) -> tuple[int, ...]:
        return state["eta"].shape[:-1]

    rate_shape = batch_shape

    @staticmethod
    def dim(state: State) -> int:
        return 1

    # ------------------------------------------------------------------ read-outs
    @staticmethod
    def kappa(state: State) -> np.ndarray:
        """Return the concentrations ``|eta|`` of a von Mises state.

        Parameters
        ----------
        state : dict of str to numpy.ndarray
            The state ``{"eta"}``.

        Returns
        -------
        numpy.ndarray
            The concentrations, shape batch.
        """
        e = state["eta"]
        return np.hypot(e[..., 0], e[..., 1])

    @staticmethod
    def mu(state: State) -> np.ndarray:
        """Return the mean directions ``atan2(eta_2, eta_1)`` in (-pi, pi] of a von Mises state.

        Parameters
        ----------
        state : dict of str to numpy.ndarray
            The state ``{"eta"}``.

        Returns
        -------
        numpy.ndarray
            The mean directions, shape batch.
        """
        e = state["eta"]
        return np.arctan2(e[..., 1], e[..., 0])

    @classmethod
    def mean(cls, state: State) -> np.ndarray:
        return cls.mu(state)

    @classmethod
    def precision(cls, state: State) -> np.ndarray:
        return cls.kappa(state)

    @staticmethod
    def var(state: State) -> np.ndarray:
        raise AttributeError(
            "von Mises systems have no variance: see kappa, mu and uncertainty() (the circular variance 1 - A(kappa))"
        )

    @classmethod
    def params(cls, state: State) -> dict[str, np.ndarray]:
        return {"mu": cls.mu(state), "kappa": cls.kappa(state)}

    @staticmethod
    def belief(params: dict[str, np.ndarray]) -> Any:
        return VonMises(params["mu"], params["kappa"])

    @staticmethod
    def variance(kappa: np.ndarray) -> np.ndarray:
        """The circular variance ``1 - A(kappa)``."""
        return 1.0 - _mean_resultant(kappa)[1]

    @classmethod
    def uncertainty(cls, state: State, rule: str) -> np.ndarray:
        return cls.variance(cls.kappa(state))

    @classmethod
    def entropy(cls, state: State) -> np.ndarray:
        return _entropy(cls.kappa(state))

    # ------------------------------------------------------------------ operations
    @staticmethod
    def dissipate(state: State, rate: np.ndarray, dt: float, ref: State | None, additive: bool) -> State:
        a = np.exp(-rate * dt)[..., None]
        r = 0.0 if ref is None else ref["eta"]
        return {"eta": a * state["eta"] + (1 - a) * r}

    @staticmethod
    def assimilate(state: State, value: Any, precision: Any, live: np.ndarray) -> State:
        x, r = read_observation(value, precision)
        shape = state["eta"].shape[:-1]
        x = bcast(x, shape, "value")
        r = bcast(r, shape, "precision") * live
        return {"eta": state["eta"] + np.stack([r * np.cos(x), r * np.sin(x)], axis=-1)}

    @staticmethod
    def fuse(a: State, b: State) -> State:
        return {"eta": a["eta"] + b["eta"]}

    # ------------------------------------------------------------------ event-driven integration
    @staticmethod
    def event_shape(state: State) -> tuple[int, ...]:
        return ()

    @staticmethod
    def integrate(
        state: State, rate: np.ndarray, ref: State | None, additive: bool, t0: float, ev: Any
    ) -> tuple[State, tuple[np.ndarray, ...]]:
        """Runs the events ``ev`` (angles and concentrations) in C++; returns the state at
        ``ev.t_end`` and the recorded (mu, kappa, entropy, gained, dissipated, count)."""
        shape = state["eta"].shape[:-1]
        eta = np.ascontiguousarray(state["eta"], dtype=np.float64).reshape(-1).copy()
        rate = np.ascontiguousarray(rate, dtype=np.float64).reshape(-1)
        reta = np.zeros_like(eta) if ref is None else np.ascontiguousarray(ref["eta"], dtype=np.float64).reshape(-1)
        gained = np.zeros(eta.size // 2)
        h0 = _entropy(np.hypot(eta[0::2], eta[1::2]))
        r_eta, r_gain, r_count = _core.dynamics_integrate_von_mises(
            eta,
            rate,
            reta,
            gained,
            float(t0),
            float(ev.t_end),
            np.ascontiguousarray(ev.times),
            np.ascontiguousarray(ev.index),
            np.ascontiguousarray(ev.values),
            np.ascontiguousarray(ev.precisions),
            np.ascontiguousarray(ev.record),
        )
        k = ev.record.shape[0]
        r_eta = r_eta.reshape((k,) + shape + (2,))
        kap = np.hypot(r_eta[..., 0], r_eta[..., 1])
        mu = np.arctan2(r_eta[..., 1], r_eta[..., 0])
        ent = _entropy(kap)
        r_gain = r_gain.reshape((k,) + shape)
        # dissipated = gained - (H(t0) - H(t))
        diss = r_gain - (h0.reshape(shape) - ent)
        return {"eta": eta.reshape(shape + (2,))}, (mu, kap, ent, r_gain, diss, r_count.reshape((k,) + shape))


VON_MISES = VonMisesKind()
