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


def _natural(mu: np.ndarray, kappa: np.ndarray) -> np.ndarray:
    return np.stack([kappa * np.cos(mu), kappa * np.sin(mu)], axis=-1)


class VonMisesKind:
    """von Mises beliefs (kind ``von_mises``), for :class:`~beds.System`."""

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
        e = state["eta"]
        return np.hypot(e[..., 0], e[..., 1])

    @staticmethod
    def mu(state: State) -> np.ndarray:
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
        raise AttributeError("von Mises beliefs have circular_var, kappa and mu")

    @classmethod
    def params(cls, state: State) -> dict[str, np.ndarray]:
        return {"mu": cls.mu(state), "kappa": cls.kappa(state)}

    @staticmethod
    def belief(params: dict[str, np.ndarray]) -> Any:
        return VonMises(params["mu"], params["kappa"])

    @staticmethod
    def variance(kappa: np.ndarray) -> np.ndarray:
        """The circular variance ``1 - A(kappa)``."""
        return 1.0 - von_mises_mean_resultant(kappa)[1]

    @classmethod
    def uncertainty(cls, state: State, rule: str) -> np.ndarray:
        return cls.variance(cls.kappa(state))

    @classmethod
    def entropy(cls, state: State) -> np.ndarray:
        return von_mises_entropy(cls.kappa(state))

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
        h0 = von_mises_entropy(np.hypot(eta[0::2], eta[1::2]))
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
        ent = von_mises_entropy(kap)
        r_gain = r_gain.reshape((k,) + shape)
        # dissipated = gained - (H(t0) - H(t))
        diss = r_gain - (h0.reshape(shape) - ent)
        return {"eta": eta.reshape(shape + (2,))}, (mu, kap, ent, r_gain, diss, r_count.reshape((k,) + shape))


VON_MISES = VonMisesKind()
