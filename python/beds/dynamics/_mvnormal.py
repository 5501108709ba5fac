"""Full-covariance Gaussian beliefs: the Python side of cpp/include/beds/dynamics_mvnormal.hpp.

State, in information form: ``mean`` ``B + (d,)`` and the precision matrix Lambda ``B + (d, d)``
(symmetric positive definite).  Every step is exact:

* dissipation, multiplicative model: ``Lambda <- a Lambda + (1 - a) Lambda_ref`` and ``Lambda mu <-
  a Lambda mu + (1 - a) Lambda_ref mu_ref``, ``a = exp(-gamma dt)`` (flat reference: ``Lambda <- a
  Lambda``, the mean unchanged); additive model: ``Sigma <- Sigma + q dt I``;
* observation of a value y with precision R (a matrix, a vector: diagonal, or a scalar: times I):
  ``Lambda+ = Lambda- + R``, ``Lambda+ mu+ = Lambda- mu- + R y``;
* fusion: the information forms add.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core
from .._validation import check_domain
from ..mvnormal import MVNormal
from ._common import HALF_LOG_2PI_E, bcast, by_rule, check_spd, f64, read_observation, reference_pair

State = dict[str, np.ndarray]


def _mv(p: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Batched matrix-vector products."""
    return np.einsum("...ij,...j->...i", p, x)


class MVNormalKind:
    """The full-covariance Gaussian kind (``"mvnormal"``) of :class:`~beds.System`.

    Implements the protocol :class:`~beds.dynamics._kinds.Kind` in information form: the state is
    ``{"mean", "precision"}`` with precision matrices ``batch + (d, d)``, symmetric positive
    definite; one dissipation rate per belief.  The instance is ``MVNORMAL``.
    """

    name = "mvnormal"
    mean_field = False
    family = MVNormal
    #: observation precisions may be (d, d) matrices
    matrix_precisions = True

    @staticmethod
    def belief_args(belief: Any) -> tuple[np.ndarray, np.ndarray]:
        """The constructor arguments (mean, cov) of a belief of the family."""
        return belief.mean, belief.cov

    # ------------------------------------------------------------------ construction
    @staticmethod
    def read_state(mean: Any, cov: Any, precision: Any) -> State:
        """Validated float64 mean ``B + (d,)`` and precision matrices ``B + (d, d)`` (from ``cov`` or
        ``precision``, symmetric positive definite), broadcast over the batch."""
        m = f64(mean, "mean")
        if (cov is None) == (precision is None):
            raise ValueError("give exactly one of cov and precision")
        p, pname = (f64(precision, "precision"), "precision") if precision is not None else (f64(cov, "cov"), "cov")
        check_domain("mean", m, "real")
        check_domain(pname, p, "real")
        if m.ndim < 1 or m.shape[-1] == 0:
            raise ValueError(f"mean needs a last axis of d >= 1 coordinates, got shape {m.shape}")
        d = m.shape[-1]
        if p.ndim < 2 or p.shape[-2:] != (d, d):
            raise ValueError(
                f"mean {m.shape} and {pname} {p.shape} do not match: {pname} must have shape batch + (d, d) with "
                f"d = {d}, the last axis of mean"
            )
        check_spd(p, pname)
        if pname == "cov":
            p = np.linalg.inv(p)
            p = 0.5 * (p + np.swapaxes(p, -1, -2))
        try:
            shape = np.broadcast_shapes(m.shape[:-1], p.shape[:-2])
        except ValueError:
            raise ValueError(f"batch shapes do not broadcast: mean {m.shape}, {pname} {p.shape}") from None
        m = np.broadcast_to(m, shape + (d,)).copy()
        p = np.broadcast_to(p, shape + (d, d)).copy()
        return {"mean": m, "precision": p}

    @staticmethod
    def read_reference(reference: Any, additive: bool, state: State) -> State | None:
        """The reference: a belief with ``mean`` and ``cov``, or a pair ``(mean, precision matrix)``."""
        if reference is None:
            return None
        if additive:
            raise ValueError("reference is only used by the multiplicative model (gamma); the additive model has none")
        if hasattr(reference, "cov") and hasattr(reference, "mean"):
            rm, rp = reference.mean, np.linalg.inv(np.asarray(reference.cov, dtype=np.float64))
        else:
            rm, rp = reference_pair(reference, "reference", ("mean", "precision"))
        rm = f64(rm, "reference mean")
        rp = f64(rp, "reference precision")
        check_domain("reference mean", rm, "real")
        check_domain("reference precision", rp, "real")
        shape, d = state["mean"].shape[:-1], state["mean"].shape[-1]
        if rp.ndim < 2 or rp.shape[-2:] != (d, d):
            raise ValueError(f"reference precision must have shape batch + ({d}, {d}), got {rp.shape}")
        if rp.size and not (np.linalg.eigvalsh(rp) >= 0).all():
            raise ValueError("reference precision must be positive semi-definite")
        rp = np.broadcast_to(rp, shape + (d, d))
        rm = bcast(rm, shape + (d,), "reference mean")
        return {"mean": rm.copy(), "precision": rp.copy()}

    @staticmethod
    def batch_shape(state: State) -> tuple[int, ...]:
        return state["mean"].shape[:-1]

    rate_shape = batch_shape

    @staticmethod
    def dim(state: State) -> int:
        return int(state["mean"].shape[-1])

    # ------------------------------------------------------------------ read-outs
    @staticmethod
    def mean(state: State) -> np.ndarray:
        return state["mean"].copy()

    @staticmethod
    def precision(state: State) -> np.ndarray:
        return state["precision"].copy()

    @staticmethod
    def var(state: State) -> np.ndarray:
        return np.linalg.inv(state["precision"])

    @staticmethod
    def params(state: State) -> dict[str, np.ndarray]:
        return {"mean": state["mean"].copy(), "cov": np.linalg.inv(state["precision"])}

    @staticmethod
    def belief(params: dict[str, np.ndarray]) -> Any:
        return MVNormal(params["mean"], params["cov"])

    @staticmethod
    def variance(precision: np.ndarray) -> np.ndarray:
        return np.linalg.inv(precision)

    @staticmethod
    def uncertainty(state: State, rule: str) -> np.ndarray:
        return by_rule(1.0 / np.linalg.eigvalsh(state["precision"]), rule)

    @staticmethod
    def entropy(state: State) -> np.ndarray:
        return state["mean"].shape[-1] * HALF_LOG_2PI_E - 0.5 * np.linalg.slogdet(state["precision"])[1]

    # ------------------------------------------------------------------ operations
    @staticmethod
    def dissipate(state: State, rate: np.ndarray, dt: float, ref: State | None, additive: bool) -> State:
        m, p = state["mean"], state["precision"]
        if additive:
            qdt = rate * dt
            eye = np.eye(m.shape[-1])
            p2 = np.linalg.solve(eye + qdt[..., None, None] * p, p)  # (I + q dt P)^-1 P = (Sigma + q dt I)^-1
            return {"mean": m.copy(), "precision": 0.5 * (p2 + np.swapaxes(p2, -1, -2))}
        a = np.exp(-rate * dt)
        a2 = a[..., None, None]
        if ref is None:
            return {"mean": m.copy(), "precision": a2 * p}
        rp, rm = ref["precision"], ref["mean"]
        h = a[..., None] * _mv(p, m) + (1 - a)[..., None] * _mv(rp, rm)
        p2 = a2 * p + (1 - a2) * rp
        return {"mean": np.linalg.solve(p2, h[..., None])[..., 0], "precision": p2}

    @staticmethod
    def assimilate(state: State, value: Any, precision: Any, live: np.ndarray) -> State:
        x, r = read_observation(value, precision, matrices=True)
        shape, d = state["mean"].shape[:-1], state["mean"].shape[-1]
        x = bcast(x, shape + (d,), "value")
        if r.ndim >= 2 and r.shape[-2:] == (d, d):
            rt = np.swapaxes(r, -1, -2)
            # relative to the largest entry of each matrix (as the event stream of integrate)
            asym = ~(np.abs(r - rt) <= 1e-10 * np.max(np.abs(r), axis=(-2, -1), keepdims=True))
            if asym.any():
                i = tuple(int(j) for j in np.argwhere(asym)[0])
                raise ValueError(
                    f"precision must be a symmetric matrix (to 1e-10 of its largest entry); found precision{list(i)} = "
                    f"{r[i].item()!r} but the transposed entry is {rt[i].item()!r}"
                )
            rm = 0.5 * r + 0.5 * rt
            if rm.size and not (np.linalg.eigvalsh(rm) >= -1e-12 * np.abs(rm).max()).all():
                raise ValueError("precision must be positive semi-definite")
        else:
            rv = bcast(r, shape + (d,), "precision")
            rm = rv[..., :, None] * np.eye(d)
        rm = np.broadcast_to(rm, shape + (d, d)) * live[..., None, None]
        p = state["precision"]
        p2 = p + rm
        h = _mv(p, state["mean"]) + _mv(rm, x)
        return {"mean": np.linalg.solve(p2, h[..., None])[..., 0], "precision": p2}

    @staticmethod
    def fuse(a: State, b: State) -> State:
        p = a["precision"] + b["precision"]
        h = _mv(a["precision"], a["mean"]) + _mv(b["precision"], b["mean"])
        return {"mean": np.linalg.solve(p, h[..., None])[..., 0], "precision": p}

    # ------------------------------------------------------------------ event-driven integration
    @staticmethod
    def event_shape(state: State) -> tuple[int, ...]:
        return (int(state["mean"].shape[-1]),)

    @staticmethod
    def integrate(
        state: State, rate: np.ndarray, ref: State | None, additive: bool, t0: float, ev: Any
    ) -> tuple[State, tuple[np.ndarray, ...]]:
        """Runs the events ``ev`` in C++ (one Cholesky factorization per event); returns the state at
        ``ev.t_end`` and the recorded (mean, precision, entropy, gained, dissipated, count)."""
        t, idx, v, r, rec = ev.times, ev.index, ev.values, ev.precisions, ev.record
        shape, d = state["mean"].shape[:-1], state["mean"].shape[-1]
        n = int(np.prod(shape, dtype=np.int64))
        m = t.shape[0]
        mean = np.ascontiguousarray(state["mean"], dtype=np.float64).reshape(n, d).copy()
        prec = np.ascontiguousarray(state["precision"], dtype=np.float64).reshape(n, d, d).copy()
        ld0 = np.linalg.slogdet(prec)[1]
        rate = np.ascontiguousarray(rate, dtype=np.float64).reshape(-1)
        flat = ref is None or additive
        if flat:
            rm = rp = np.zeros(0)
        else:
            rm = np.ascontiguousarray(ref["mean"], dtype=np.float64).reshape(-1)
            rp = np.ascontiguousarray(ref["precision"], dtype=np.float64).reshape(-1)
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
        model = 1 if additive else 0
        r_mean, r_prec, r_gain, r_count = _core.dynamics_integrate_mvnormal(
            mean,
            prec,
            rate,
            rm,
            rp,
            gained,
            float(t0),
            float(ev.t_end),
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
            diss = 0.5 * d * rate[None, :] * (rec - t0)[:, None]
            r_gain = diss + half
        else:
            diss = r_gain - half
        ent = d * HALF_LOG_2PI_E - 0.5 * ld
        full = (k,) + shape
        records = (
            r_mean.reshape(full + (d,)),
            r_prec.reshape(full + (d, d)),
            ent.reshape(full),
            r_gain.reshape(full),
            diss.reshape(full),
            r_count.reshape(full),
        )
        return {"mean": mean.reshape(shape + (d,)), "precision": prec.reshape(shape + (d, d))}, records


MVNORMAL = MVNormalKind()
