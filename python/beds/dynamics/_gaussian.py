"""Scalar and mean-field Gaussian beliefs: the Python side of cpp/include/beds/dynamics_gaussian.hpp.

State: ``mean`` and ``precision`` tau = 1/var, per belief (kind ``normal``, shape ``B``) or per
coordinate (kind ``diag_normal``, shape ``B + (d,)``: d independent scalar beliefs).  Every step is
exact (no time step):

* dissipation, multiplicative model: ``tau <- a tau + (1 - a) tau_ref`` and ``tau mu <- a tau mu +
  (1 - a) tau_ref mu_ref`` with ``a = exp(-gamma dt)`` (the geometric mixture ``q^a q_ref^(1-a)``;
  flat reference: ``tau <- a tau``, the mean unchanged); additive model: ``tau <- tau / (1 + q dt tau)``;
* observation of a value D with precision tau_D: ``tau+ = tau- + tau_D``,
  ``mu+ = mu- + (tau_D / tau+) (D - mu-)``;
* fusion: precisions add, means are precision-weighted.

:func:`dissipate` and :func:`assimilate` are the formulas themselves (also used by
:func:`beds.belief_update`); :class:`GaussianKind` is what :class:`~beds.System` dispatches to.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .. import _core
from .._validation import check_domain
from ..diag_normal import DiagNormal
from ..normal import Normal
from ._common import HALF_LOG_2PI_E, bcast, by_rule, f64, read_observation, reference_pair
from ._events import check_dense

State = dict[str, np.ndarray]


# ----------------------------------------------------------------------------- the formulas
def dissipate(
    mean: np.ndarray,
    precision: np.ndarray,
    rate: Any,
    dt: Any,
    reference: tuple[np.ndarray, np.ndarray] | None = None,
    additive: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(mean, precision)`` of Gaussian beliefs after dissipating for ``dt`` (exact solution).

    Multiplicative model (``additive=False``): the natural parameters ``(tau, tau mean)`` relax
    toward the reference's, ``tau <- a tau + (1 - a) tau_ref`` and ``tau mean <- a tau mean + (1 -
    a) tau_ref mean_ref`` with ``a = exp(-rate dt)``: the normalised geometric mixture ``q^a
    q_ref^(1-a)``; flat reference (None): ``tau <- a tau``, the mean unchanged.  Additive model:
    ``var <- var + rate dt``, i.e. ``tau <- tau / (1 + rate dt tau)``.  The formula of
    :meth:`beds.System.dissipate` and :func:`beds.belief_update` (:doc:`/mathematics/dynamics`).
    Nothing is validated (the callers do); arrays broadcast.

    Parameters
    ----------
    mean : numpy.ndarray
        The means.
    precision : numpy.ndarray
        The precisions tau.
    rate : array_like
        The rate per unit time: gamma (multiplicative) or q (additive).
    dt : array_like
        The time step.
    reference : tuple of numpy.ndarray, optional
        ``(mean_ref, precision_ref)``; None: flat.  Ignored by the additive model.
    additive : bool, optional
        The additive-diffusion model.

    Returns
    -------
    mean : numpy.ndarray
        The new means (a copy when unchanged).
    precision : numpy.ndarray
        The new precisions.

    Examples
    --------
    >>> import numpy as np
    >>> from beds.dynamics._gaussian import dissipate
    >>> dissipate(np.array([1.0]), np.array([4.0]), 0.5, 2.0)  # tau e^(-gamma dt)
    (array([1.]), array([1.47151776]))
    """
    if additive:
        return mean.copy(), precision / (1.0 + rate * dt * precision)
    a = np.exp(-rate * dt)
    if reference is None:
        return mean.copy(), a * precision
    w = (1 - a) * reference[1]
    p2 = a * precision + w
    return (a * precision * mean + w * reference[0]) / p2, p2


def assimilate(
    mean: np.ndarray, precision: np.ndarray, value: Any, obs_precision: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(mean, precision)`` of Gaussian beliefs after one observation (Bayes' rule).

    ``tau+ = tau- + tau_D`` and ``mean+ = mean- + (tau_D / tau+) (D - mean-)``: the conjugate update
    of :meth:`beds.System.assimilate` and :func:`beds.belief_update` (:doc:`/mathematics/dynamics`).
    Nothing is validated; arrays broadcast; ``obs_precision = 0`` leaves a belief unchanged.

    Parameters
    ----------
    mean : numpy.ndarray
        The means before the observation.
    precision : numpy.ndarray
        The precisions before the observation.
    value : array_like
        The observed values D.
    obs_precision : array_like
        The observation precisions tau_D.

    Returns
    -------
    mean : numpy.ndarray
        The posterior means.
    precision : numpy.ndarray
        The posterior precisions.

    Examples
    --------
    >>> import numpy as np
    >>> from beds.dynamics._gaussian import assimilate
    >>> assimilate(np.array([0.0]), np.array([1.0]), 2.0, 4.0)
    (array([1.6]), array([5.]))
    """
    p2 = precision + obs_precision
    return mean + (obs_precision / p2) * (value - mean), p2


# ----------------------------------------------------------------------------- the kind
class GaussianKind:
    """The scalar (``"normal"``) and mean-field (``"diag_normal"``) Gaussian kinds of :class:`~beds.System`.

    Implements the protocol :class:`~beds.dynamics._kinds.Kind` on the state ``{"mean",
    "precision"}``, of shape ``batch`` or ``batch + (d,)`` (d independent scalar beliefs, each with
    its own rate).  The two instances are ``NORMAL`` and ``DIAG_NORMAL``.

    Parameters
    ----------
    name : str
        The kind name.
    mean_field : bool
        Whether the state has a last axis of independent coordinates.

    Attributes
    ----------
    family : type
        ``beds.DiagNormal`` if ``mean_field`` else ``beds.Normal``.
    """

    #: observation precisions are never matrices
    matrix_precisions = False

    def __init__(self, name: str, mean_field: bool) -> None:
        self.name = name
        self.mean_field = mean_field
        #: the belief family of the kind (:meth:`beds.System.from_belief`)
        self.family = DiagNormal if mean_field else Normal

    @staticmethod
    def belief_args(belief: Any) -> tuple[np.ndarray, np.ndarray]:
        """The constructor arguments (mean, var) of a belief of the family."""
        return belief.mean, belief.std**2

    # ------------------------------------------------------------------ construction
    def read_state(self, mean: Any, var: Any, precision: Any) -> State:
        """Validated float64 mean and precision (from ``var`` or ``precision``), broadcast together."""
        m = f64(mean, "mean")
        if (var is None) == (precision is None):
            raise ValueError("give exactly one of var and precision")
        p, pname = (f64(precision, "precision"), "precision") if precision is not None else (f64(var, "var"), "var")
        check_domain("mean", m, "real")
        check_domain(pname, p, "positive")
        if pname == "var":
            with np.errstate(over="ignore", divide="ignore"):
                p = 1.0 / p
            if not np.isfinite(p).all():
                i = tuple(int(j) for j in np.argwhere(~np.isfinite(p))[0])
                raise ValueError(
                    f"var must be >= {1.0 / np.finfo(np.float64).max:.6g} (the state holds its inverse, the precision, "
                    f"which must be finite); found {f64(var, 'var')[i].item()!r} at index {i}"
                )
        try:
            m, p = np.broadcast_arrays(m, p)
        except ValueError:
            raise ValueError(f"shapes do not broadcast: mean {m.shape}, {pname} {p.shape}") from None
        if self.mean_field and (m.ndim < 1 or m.shape[-1] == 0):
            raise ValueError(f"mean needs a last axis of d >= 1 coordinates, got shape {m.shape}")
        return {"mean": m.copy(), "precision": p.copy()}

    def read_reference(self, reference: Any, additive: bool, state: State) -> State | None:
        """The reference ``(mean, precision)`` (a belief or a pair), broadcast to the state."""
        if reference is None:
            return None
        if additive:
            raise ValueError("reference is only used by the multiplicative model (gamma); the additive model has none")
        rm, rp = reference_pair(reference, "reference", ("mean", "precision"))
        rm = f64(rm, "reference mean")
        rp = f64(rp, "reference precision")
        check_domain("reference mean", rm, "real")
        check_domain("reference precision", rp, "nonnegative")
        shape = state["mean"].shape
        rp = bcast(rp, shape, "reference precision")
        rm = bcast(rm, shape, "reference mean")
        return {"mean": rm.copy(), "precision": rp.copy()}

    def batch_shape(self, state: State) -> tuple[int, ...]:
        s = state["mean"].shape
        return s[:-1] if self.mean_field else s

    def rate_shape(self, state: State) -> tuple[int, ...]:
        """Shape of the dissipation rates: one per coordinate."""
        return state["mean"].shape

    def dim(self, state: State) -> int:
        return int(state["mean"].shape[-1]) if self.mean_field else 1

    # ------------------------------------------------------------------ read-outs
    @staticmethod
    def mean(state: State) -> np.ndarray:
        return state["mean"].copy()

    @staticmethod
    def precision(state: State) -> np.ndarray:
        return state["precision"].copy()

    @staticmethod
    def var(state: State) -> np.ndarray:
        return 1.0 / state["precision"]

    def params(self, state: State) -> dict[str, np.ndarray]:
        return {"mean": state["mean"].copy(), "precision": state["precision"].copy()}

    def belief(self, params: dict[str, np.ndarray]) -> Any:
        return self.family(params["mean"], np.sqrt(1.0 / params["precision"]))

    @staticmethod
    def variance(precision: np.ndarray) -> np.ndarray:
        return 1.0 / precision

    def uncertainty(self, state: State, rule: str) -> np.ndarray:
        v = 1.0 / state["precision"]
        return by_rule(v, rule) if self.mean_field else v

    def entropy(self, state: State) -> np.ndarray:
        p = state["precision"]
        if self.mean_field:
            return p.shape[-1] * HALF_LOG_2PI_E - 0.5 * np.log(p).sum(-1)
        return HALF_LOG_2PI_E - 0.5 * np.log(p)

    # ------------------------------------------------------------------ operations
    def dissipate(self, state: State, rate: np.ndarray, dt: float, ref: State | None, additive: bool) -> State:
        r = None if ref is None else (ref["mean"], ref["precision"])
        m, p = dissipate(state["mean"], state["precision"], rate, dt, r, additive)
        return {"mean": m, "precision": p}

    def assimilate(self, state: State, value: Any, precision: Any, live: np.ndarray) -> State:
        x, r = read_observation(value, precision)
        full = state["mean"].shape
        x = bcast(x, full, "value")
        r = bcast(r, full, "precision") * (live[..., None] if self.mean_field else live)
        m, p = assimilate(state["mean"], state["precision"], x, r)
        return {"mean": m, "precision": p}

    @staticmethod
    def fuse(a: State, b: State) -> State:
        p = a["precision"] + b["precision"]
        return {"mean": (a["precision"] * a["mean"] + b["precision"] * b["mean"]) / p, "precision": p}

    # ------------------------------------------------------------------ event-driven integration
    def event_shape(self, state: State) -> tuple[int, ...]:
        return (self.dim(state),) if self.mean_field else ()

    def integrate(
        self, state: State, rate: np.ndarray, ref: State | None, additive: bool, t0: float, ev: Any
    ) -> tuple[State, tuple[np.ndarray, ...]]:
        """Runs the events ``ev`` (:class:`~beds.dynamics._events.Events`) in C++; returns the state at
        ``ev.t_end`` and the recorded (mean, precision, entropy, gained, dissipated, count)."""
        t, idx, v, r, rec = ev.times, ev.index, ev.values, ev.precisions, ev.record
        shape = state["mean"].shape
        if self.mean_field:
            # d independent scalar beliefs per mean-field belief: flat index i * d + j
            d = shape[-1]
            idx = (idx[:, None] * d + np.arange(d)).reshape(-1)
            t = np.repeat(t, d)
            v = v.reshape(-1)
            r = r.reshape(-1)
        arrays = _flat_arrays(state, rate, ref, additive)
        out = _core.dynamics_integrate_normal(
            *arrays.head,
            float(t0),
            float(ev.t_end),
            np.ascontiguousarray(t),
            np.ascontiguousarray(idx),
            np.ascontiguousarray(v),
            np.ascontiguousarray(r),
            np.ascontiguousarray(rec),
            *arrays.model,
        )
        return self._finish(state, arrays, t0, rec, out)

    def integrate_dense(
        self, state: State, rate: np.ndarray, ref: State | None, additive: bool, t0: float, dense: Any, frozen: Any
    ) -> tuple[State, tuple[np.ndarray, ...]]:
        """Run a dense stream in C++ and record the trajectory (:meth:`beds.System.integrate`).

        A dense stream (:class:`~beds.dynamics._events.Dense`) observes every belief at each time.
        The compiled loop streams one row of values per step over tiles of contiguous beliefs
        (split over threads; it releases the GIL and stops on Ctrl-C) and gives the results of
        :meth:`integrate` on the expanded event stream, bit for bit.  Crystallized beliefs
        (``frozen``) take no observation: they run apart, through the event loop with no event.

        Parameters
        ----------
        state : dict of str to numpy.ndarray
            The state ``{"mean", "precision"}`` at ``t0`` (not modified).
        rate : numpy.ndarray
            The rate gamma (multiplicative) or q (additive), broadcast to the state, 0 for frozen
            beliefs.
        ref : dict of str to numpy.ndarray or None
            The reference ``{"mean", "precision"}``; None: flat.
        additive : bool
            The additive-diffusion model.
        t0 : float
            The time of ``state``.
        dense : beds.dynamics._events.Dense
            The stream, as :func:`~beds.dynamics._events.read_dense` returns it (times checked).
        frozen : numpy.ndarray
            Mask of the crystallized beliefs, of the batch shape.

        Returns
        -------
        state : dict of str to numpy.ndarray
            The state at ``dense.t_end``.
        records : tuple of numpy.ndarray
            The recorded mean, precision, entropy, information gained and dissipated, and
            observation count, each of leading axis ``len(dense.record)``.

        Raises
        ------
        ValueError
            If a value is not finite or a precision is negative or not finite (the message names
            ``values`` or ``precisions`` and the first bad element).
        KeyboardInterrupt
            If Ctrl-C is pressed while the loop runs (on Python's main thread).
        """
        steps = dense.times.shape[0]
        arrays = _flat_arrays(state, rate, ref, additive)
        n = arrays.mean.shape[0]
        values = _rows(dense.values, steps, n)
        precs = _rows(dense.precisions, steps, n)
        rec = np.ascontiguousarray(dense.record)
        args = (float(t0), float(dense.t_end), np.ascontiguousarray(dense.times))
        try:
            if not frozen.any():
                out = _core.dynamics_integrate_normal_dense(*arrays.head, *args, values, precs, rec, *arrays.model)
            else:
                fz = frozen[..., None] if self.mean_field else frozen
                live = ~np.broadcast_to(fz, state["mean"].shape).reshape(-1)
                out = _split_frozen(arrays, live, args, values, precs, rec)
        except ValueError:
            check_dense(dense)  # raises the error that names the argument
            raise
        return self._finish(state, arrays, t0, rec, out)

    def _finish(
        self, state: State, arrays: Any, t0: float, rec: np.ndarray, out: tuple[np.ndarray, ...]
    ) -> tuple[State, tuple[np.ndarray, ...]]:
        """The state at the end and the records (mean, precision, entropy, gained, dissipated, count)
        from the compiled loop's output."""
        r_mean, r_prec, r_gain, r_count = out
        shape = state["mean"].shape
        rate = arrays.rate
        # 1/2 ln(tau / tau0), then the information dissipated and gained; in place where possible
        # (every fresh array of a large batch costs page faults as much as its arithmetic)
        half = np.divide(r_prec, arrays.p0)
        np.log(half, out=half)
        half *= 0.5
        if arrays.model == (0, True):
            dissipated = 0.5 * rate[None, :] * (rec - t0)[:, None]
            r_gain = np.add(dissipated, half, out=half)
        else:
            dissipated = np.subtract(r_gain, half, out=half)
        full = (rec.shape[0],) + shape
        ent = np.log(r_prec)
        ent *= 0.5
        ent = np.subtract(HALF_LOG_2PI_E, ent, out=ent)
        if self.mean_field:
            red = lambda a: a.reshape(full).sum(-1)  # noqa: E731
            counts = r_count.reshape(full)[..., 0]
        else:
            red = lambda a: a.reshape(full)  # noqa: E731
            counts = r_count.reshape(full)
        records = (r_mean.reshape(full), r_prec.reshape(full), red(ent), red(r_gain), red(dissipated), counts)
        return {"mean": arrays.mean.reshape(shape), "precision": arrays.prec.reshape(shape)}, records


class _Flat(NamedTuple):
    """The arguments of the compiled Gaussian loops: fresh flat copies of the state (updated in
    place), the rates and the reference (empty when flat), the information gained (in place), and
    the initial precisions (for the information accounting)."""

    mean: np.ndarray
    prec: np.ndarray
    rate: np.ndarray
    ref_mean: np.ndarray
    ref_prec: np.ndarray
    gained: np.ndarray
    p0: np.ndarray
    model: tuple[int, bool]

    @property
    def head(self) -> tuple[np.ndarray, ...]:
        """The first arguments of the compiled loops (mean, prec, rate, ref_mean, ref_prec, gained)."""
        return self.mean, self.prec, self.rate, self.ref_mean, self.ref_prec, self.gained

    def take(self, sel: np.ndarray) -> _Flat:
        """The arrays of the beliefs ``sel`` (fresh copies)."""
        ref = (self.ref_mean[sel], self.ref_prec[sel]) if self.ref_mean.size else (self.ref_mean, self.ref_prec)
        return _Flat(self.mean[sel], self.prec[sel], self.rate[sel], *ref, self.gained[sel], self.p0[sel], self.model)


def _flat_arrays(state: State, rate: np.ndarray, ref: State | None, additive: bool) -> _Flat:
    mean = np.ascontiguousarray(state["mean"], dtype=np.float64).reshape(-1).copy()
    prec = np.ascontiguousarray(state["precision"], dtype=np.float64).reshape(-1).copy()
    rate = np.ascontiguousarray(rate, dtype=np.float64).reshape(-1)
    flat = ref is None or additive
    if flat:
        rm = rp = np.zeros(0)
    else:
        rm = np.ascontiguousarray(ref["mean"], dtype=np.float64).reshape(-1)
        rp = np.ascontiguousarray(ref["precision"], dtype=np.float64).reshape(-1)
    model = 1 if additive else 0
    p0 = np.asarray(state["precision"], dtype=np.float64).reshape(-1)  # not modified: a view when possible
    return _Flat(mean, prec, rate, rm, rp, np.zeros_like(mean), p0, (model, bool(flat and model == 0)))


def _rows(a: np.ndarray, steps: int, n: int) -> np.ndarray:
    """A ``(steps,) + shape`` broadcast view as ``(steps, n)`` rows whose belief axis is contiguous or
    broadcast (stride 0), as the dense loop reads them: a view when the layout allows it, else one
    contiguous row (when every step shares it) or a contiguous copy."""
    item = a.itemsize
    if steps == 0 or n == 0:
        return np.zeros((steps, n))
    inner = [(size, stride) for size, stride in zip(a.shape[1:], a.strides[1:]) if size != 1]
    if all(stride == 0 for _, stride in inner):
        belief = 0
    else:
        belief, expect = item, item
        for size, stride in reversed(inner):
            if stride != expect:
                belief = None
                break
            expect *= size
    step = a.strides[0] if steps > 1 else 0
    if belief is None or step % item:
        if step == 0:
            row = np.ascontiguousarray(a[0]).reshape(n)
            return np.lib.stride_tricks.as_strided(row, (steps, n), (0, item), writeable=False)
        return np.ascontiguousarray(a).reshape(steps, n)
    return np.lib.stride_tricks.as_strided(a, (steps, n), (step, belief), writeable=False)


def _split_frozen(
    arrays: _Flat, live: np.ndarray, args: tuple, values: np.ndarray, precs: np.ndarray, rec: np.ndarray
) -> tuple[np.ndarray, ...]:
    """The dense loop on the live beliefs and the event loop, with no event, on the crystallized ones
    (whose rates are 0), merged; the state arrays of ``arrays`` are updated."""
    on, off = np.flatnonzero(live), np.flatnonzero(~live)
    a_on, a_off = arrays.take(on), arrays.take(off)

    def cols(x: np.ndarray) -> np.ndarray:
        if x.strides[1] == 0:
            return np.lib.stride_tricks.as_strided(x, (x.shape[0], on.size), x.strides, writeable=False)
        return np.ascontiguousarray(np.take(x, on, axis=1))

    out_on = _core.dynamics_integrate_normal_dense(*a_on.head, *args, cols(values), cols(precs), rec, *arrays.model)
    none = np.zeros(0)
    out_off = _core.dynamics_integrate_normal(
        *a_off.head, *args[:2], none, np.zeros(0, dtype=np.int64), none, none, rec, *arrays.model
    )
    out = tuple(np.empty((rec.shape[0], live.shape[0])) for _ in out_on)
    for full, x_on, x_off in zip(out, out_on, out_off):
        full[:, on] = x_on
        full[:, off] = x_off
    for name in ("mean", "prec", "gained"):
        getattr(arrays, name)[on] = getattr(a_on, name)
        getattr(arrays, name)[off] = getattr(a_off, name)
    return out


NORMAL = GaussianKind("normal", mean_field=False)
DIAG_NORMAL = GaussianKind("diag_normal", mean_field=True)
