#!/usr/bin/env python
"""Audit of beds against bad and extreme input, Ctrl-C latency and GIL hold time.

Not part of the test suite: a tool to rerun after changes that touch argument handling, the
kernels' ranges or the call machinery.  ``python tools/audit.py`` prints a summary (a few minutes
on two cores); ``--json FILE`` writes every case; ``--only SUBSTRING`` keeps the targets whose
label contains it; ``--skip-latency`` leaves out the Ctrl-C and GIL measurements.

**Cases.**  Each public function (the array-level functions of the families and of
``beds.special``, the generic API, belief constructors and methods, ``beds.energy``,
``beds.thermo``, ``beds.problems``, ``beds.regularization``, ``beds.dynamics`` with
:class:`beds.System` and :class:`beds.Trajectory`) is called from one valid call with one argument
changed at a time: one element set to NaN, +-inf, -1, 0, 1e-300, 1e300 or a subnormal; the
argument empty, of another dtype (string, complex, long double, bool, None, an integer beyond
int64) or of another shape; integer arguments 0, -1, 2**62, 2**70, 1.5.  Each value is in or out
of the argument's domain.  Besides, scale cases call the scale-invariant operations on pairs scaled
by 1e-300 .. 1e300 (and identical beliefs at the ends of the range) and compare with the unscaled
value: a *correct* or *wrong* value; ``out=`` aliasing an input with a bad second argument checks
that the error names that argument and leaves ``out`` untouched.

**Outcomes.**  ``correct`` (a checked value), ``value`` (finite, in-domain input, not checked),
``named`` (ValueError / TypeError naming the changed argument), ``range`` (ValueError for an
in-domain value that does not name it: a result out of range), ``unnamed`` (ValueError /
TypeError for an out-of-domain value that does not name the argument), ``accepted`` (a finite
value for an out-of-domain input), ``nan`` (NaN in the result, or inf from finite input),
``wrong_value``, ``wrong_type`` (another exception type), ``crash`` (the process died), ``hang``
(no answer within the time limit).  The cases run in worker processes (an address-space limit of
6 GiB; a crash or hang restarts the worker).

**Latency.**  Each long call runs in its own interpreter; SIGINT is sent 0.5 s after the start and
the time until KeyboardInterrupt is measured.  **GIL.**  A Python thread ticks every millisecond
while the main thread runs 30 MVNormal d = 24 distances; the longest gap between ticks is how long
the GIL was held.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import select
import subprocess
import sys
import textwrap
import time
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

HANG_S = 20.0  # a case without an answer after this long is a hang
MEMORY_LIMIT = 6 << 30  # address space of a worker (bytes)

# ----------------------------------------------------------------------------------- the mutations
NAN, INF = float("nan"), float("inf")
SUBNORMAL = 5e-324
HUGE_INT = 2**70


@dataclass
class Arg:
    """One argument of a target: its valid value and its domain.

    ``domain``: ``real`` (finite), ``extended`` (real or infinite, not NaN), ``positive``,
    ``nonnegative``, ``unit`` ([0, 1]), ``open_unit`` ((0, 1]), ``probs``, ``probs_interior``,
    ``tangent_probs``, ``spd``, ``symmetric``, ``int`` (in ``[low, high]``), ``other`` (not numeric:
    only the type mutations).  ``scalar``: the argument must be a scalar (an array is a shape
    error).  ``core``: number of trailing core axes.  ``optional``: None is a valid value.
    ``said``: the name the messages use for it (default: the argument's name).
    """

    value: Any
    domain: str
    scalar: bool = False
    core: int = 0
    low: int | None = 1  # None: no lower bound
    high: int | None = 1_000_000
    optional: bool = False
    said: str | None = None
    free_core: bool = False  # another core length is valid too (or broadcasts)
    inf_valid: bool = False  # +-inf is a valid input (a limit)
    float_ok: bool = False  # (int) a real number is documented to be truncated


_NUMERIC = ("real", "extended", "positive", "nonnegative", "unit", "open_unit")


def _in_domain(domain: str, x: float) -> bool | None:
    """Whether setting one element to x keeps the argument in its domain (None: it depends)."""
    if math.isnan(x):
        return False
    if domain == "extended":
        return True
    if math.isinf(x):
        return False
    if domain in ("probs", "probs_interior", "tangent_probs"):
        return False  # any change of one element moves the sum
    if domain == "spd":  # the first diagonal entry of [[a, .3], [.3, 1]]-like matrices
        return True if x >= 1e3 else (False if x <= 0 else None)
    if domain == "symmetric":
        return True
    return {
        "real": True,
        "positive": x > 0,
        "nonnegative": x >= 0,
        "unit": 0 <= x <= 1,
        "open_unit": 0 < x <= 1,
    }.get(domain, None)


def mutations(arg: Arg) -> list[tuple[str, Any, bool | None]]:
    """(label, new value, in domain: True, False or None for either) for one argument."""
    out: list[tuple[str, Any, bool | None]] = []
    v = arg.value
    none_ok = True if arg.optional else False
    if arg.domain == "int":
        hi = arg.high if arg.high is not None else math.inf
        lo = -math.inf if arg.low is None else arg.low
        for x in (0, -1, 2**62, HUGE_INT, -HUGE_INT) + (() if arg.low is None else (arg.low - 1,)):
            out.append((f"int={x}", x, lo <= x <= hi))
        out += [("float=1.5", 1.5, None if arg.float_ok else False), ("str", "3", False), ("bool", True, None)]
        out.append(("nan", NAN, False))
        out.append(("None", None, none_ok))
        return _dedupe(out)
    if arg.domain == "other":
        return [("None", None, none_ok), ("str", "abc", False), ("float", 1.5, False)]
    a = np.asarray(v, dtype=np.float64)
    for x in (NAN, INF, -INF, -1.0, 0.0, 1e-300, SUBNORMAL, 1e300):
        if a.ndim == 0:
            new: Any = float(x)
        else:
            new = a.copy()
            new.flat[0] = x
        ok = _in_domain(arg.domain, x)
        if arg.inf_valid and math.isinf(x):
            ok = None
        out.append((f"elem={x!r}", new, ok))
    if a.ndim:
        out.append(("empty", a[:0] if arg.core == 0 or a.ndim > arg.core else a[..., :0], None))
    out.append(("str", "abc", False))
    out.append(("complex", a.astype(np.complex128), False))
    out.append(("longdouble", a.astype(np.longdouble), None if arg.scalar else False))
    out.append(("bool", np.ones(a.shape, dtype=bool) if a.ndim else True, None if a.ndim == 0 else False))
    out.append(("None", None, none_ok))
    out.append(("huge_int", HUGE_INT, None if arg.domain in _NUMERIC else False))
    if arg.scalar:
        out.append(("shape=(3,)", np.full(3, float(a.flat[0])), False))
    elif arg.core and a.ndim >= arg.core:
        bad = None if arg.free_core else False
        if a.shape[-1] > 1:
            out.append(("core-1", a[..., :-1], bad))
        out.append(("core+1", np.concatenate([a, a[..., :1]], axis=-1), bad))
    else:
        out.append(("batch=(3,)", np.ones((3,) + a.shape[1:]) * (a.flat[0] if a.size else 1.0), None))
    return out


def _dedupe(items: list[tuple[str, Any, bool]]) -> list[tuple[str, Any, bool]]:
    seen, out = set(), []
    for lab, x, ok in items:
        key = repr(x)
        if key not in seen:
            seen.add(key)
            out.append((lab, x, ok))
    return out


@dataclass
class Target:
    label: str  # module.function
    fn: Callable[..., Any]
    args: dict[str, Arg]
    fixed: dict[str, Any] | None = None  # other keyword arguments, not mutated
    positional: tuple[str, ...] = ()  # argument names passed by position (in order)
    inf_ok: bool = False  # an infinite result is a valid answer (a limit, "no rate suffices")

    def call(self, **over: Any) -> Any:
        kw = {k: a.value for k, a in self.args.items()}
        kw.update(self.fixed or {})
        kw.update(over)
        pos = [kw.pop(k) for k in self.positional]
        return self.fn(*pos, **kw)


@dataclass
class Case:
    target: str
    arg: str
    mutation: str
    in_domain: bool | None
    thunk: Callable[[], Any]
    check: Callable[[Any], bool] | None = None  # a correctness check of the value (scale cases)
    kind: str = "input"  # input, scale, alias
    said: str | None = None  # the argument's name in messages
    inf_ok: bool = False


# ------------------------------------------------------------------------------------- targets
def _kernel_targets() -> list[Target]:
    """The array-level functions made from the compiled kernels (beds.<family>.<op>, beds.special)."""
    import beds
    from beds._kernels import KERNELS

    k3 = np.array([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]])
    tan3 = np.array([[0.1, -0.05, -0.05], [-0.02, 0.01, 0.01]])
    spd2 = np.array([[[2.0, 0.3], [0.3, 1.0]], [[1.0, -0.2], [-0.2, 0.5]]])
    sym2 = np.array([[[0.1, 0.2], [0.2, -0.1]], [[0.0, 0.1], [0.1, 0.3]]])
    scalar_valid = {"real": [0.3, -0.2], "positive": [1.3, 0.7], "nonnegative": [0.7, 1.5], "unit_interval": [0.3, 0.6]}
    out = []
    for modname in (
        "normal",
        "diag_normal",
        "exponential",
        "poisson",
        "von_mises",
        "categorical",
        "special",
        "mvnormal",
    ):
        mod = getattr(beds, modname)
        for name in dir(mod):
            fn = getattr(mod, name)
            kname = f"{modname}_{name}"
            if not callable(fn) or kname not in KERNELS or name.startswith("_") or name == "karcher_mean":
                continue
            if modname == "mvnormal" and name in ("distance", "log", "geodesic", "karcher_mean", "transport"):
                continue  # (written by hand below: tol / max_iter)
            k = KERNELS[kname]
            if any(op.name in ("tol", "max_iter", "max_segments") for op in k.inputs):
                continue  # (iteration arguments: written by hand below)
            args = {}
            for op in k.inputs:
                dom, core = op.domain, len(op.core)
                if dom in ("probs", "probs_interior"):
                    val: Any = k3
                elif dom == "tangent_probs":
                    val = tan3
                elif dom == "spd":
                    val = spd2
                elif dom == "symmetric":
                    val = sym2
                elif core == 1 and modname == "mvnormal":
                    val = np.array([[0.3, -0.2], [0.1, 0.5]])
                elif core == 1:
                    base = np.array(scalar_valid[dom])
                    val = np.stack([base, base[::-1] * 1.1, base * 0.9], axis=-1)
                else:
                    val = np.array(scalar_valid[dom])
                domain = {"unit_interval": "unit"}.get(dom, dom)
                free = len(k.inputs) == 1  # one argument: any core length
                args[op.name] = Arg(val, domain, core=core, free_core=free, inf_valid=modname == "special")
            if name == "exp" and modname == "categorical":
                args["v"] = Arg(tan3 * 0.1, "tangent_probs", core=1)
            out.append(Target(f"beds.{modname}.{name}", fn, args))
    return out


def _belief_targets() -> list[Target]:
    import beds

    rng = np.random.default_rng(0)
    n2 = beds.Normal([0.0, 1.0], [1.0, 2.0])
    m2 = beds.Normal([0.5, -1.0], [0.5, 1.5])
    cat = beds.Categorical([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]])
    vm = beds.VonMises([0.1, 2.0], [1.0, 3.0])
    mv = beds.MVNormal(np.zeros((2, 2)), np.array([[[2.0, 0.3], [0.3, 1.0]]] * 2))
    belief = Arg(n2, "other")
    T = Target
    t = [
        T(
            "beds.Normal",
            beds.Normal,
            {"mean": Arg(np.array([0.0, 1.0]), "real"), "std": Arg(np.array([1.0, 2.0]), "positive")},
        ),
        T(
            "beds.DiagNormal",
            beds.DiagNormal,
            {"mean": Arg(np.zeros((2, 3)), "real", core=1), "std": Arg(np.ones((2, 3)), "positive", core=1)},
        ),
        T("beds.Exponential", beds.Exponential, {"rate": Arg(np.array([1.0, 2.0]), "positive")}),
        T("beds.Poisson", beds.Poisson, {"rate": Arg(np.array([1.0, 2.0]), "positive")}),
        T(
            "beds.VonMises",
            beds.VonMises,
            {"mu": Arg(np.array([0.1, 2.0]), "real"), "kappa": Arg(np.array([1.0, 3.0]), "nonnegative")},
        ),
        T(
            "beds.Categorical",
            beds.Categorical,
            {"probs": Arg(np.array([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]]), "probs", core=1)},
        ),
        T(
            "beds.Categorical(logits)",
            beds.Categorical,
            {"logits": Arg(np.array([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]]), "real", core=1, free_core=True)},
        ),
        T(
            "beds.MVNormal",
            beds.MVNormal,
            {"mean": Arg(np.zeros((2, 2)), "real", core=1), "cov": Arg(mv.cov.copy(), "spd", core=2)},
        ),
        T("beds.distance", beds.distance, {"p": belief, "q": Arg(m2, "other")}),
        T("beds.kl", beds.kl, {"p": belief, "q": Arg(m2, "other")}),
        T("beds.geodesic", beds.geodesic, {"p": belief, "q": Arg(m2, "other"), "t": Arg(np.array([0.3, 0.7]), "real")}),
        T("beds.entropy", beds.entropy, {"p": belief}),
        T("beds.metric", beds.metric, {"p": belief}),
        T("beds.log", beds.log, {"p": belief, "q": Arg(m2, "other")}),
        T("beds.exp", beds.exp, {"v": Arg(beds.log(n2, m2), "other")}),
        T("beds.norm", beds.norm, {"v": Arg(beds.log(n2, m2), "other")}),
        T("beds.inner", beds.inner, {"u": Arg(beds.log(n2, m2), "other"), "v": Arg(beds.log(n2, m2), "other")}),
        T("beds.transport", beds.transport, {"v": Arg(beds.log(n2, m2), "other"), "q": Arg(m2, "other")}),
        T(
            "beds.Tangent(Normal)",
            lambda mean, std: beds.Tangent(n2, mean, std),
            {"mean": Arg(np.array([0.1, 0.2]), "real"), "std": Arg(np.array([0.3, -0.1]), "real")},
        ),
        T(
            "beds.Tangent(Categorical)",
            lambda probs: beds.Tangent(cat, probs),
            {"probs": Arg(np.array([[0.1, -0.05, -0.05], [0.0, 0.1, -0.1]]), "tangent_probs", core=1)},
        ),
        T(
            "beds.mvnormal.distance_nielsen",
            beds.mvnormal.distance_nielsen,
            {
                "mean1": Arg(np.zeros((2, 2)), "real", core=1),
                "cov1": Arg(mv.cov.copy(), "spd", core=2),
                "mean2": Arg(np.ones((2, 2)), "real", core=1),
                "cov2": Arg(mv.cov * 2.0, "spd", core=2),
                "tol": Arg(1e-6, "positive", scalar=True),
                "max_segments": Arg(1024, "int", low=2),
            },
        ),
        T(
            "beds.mvnormal.geodesic",
            beds.mvnormal.geodesic,
            {
                "mean1": Arg(np.zeros((2, 2)), "real", core=1),
                "cov1": Arg(mv.cov.copy(), "spd", core=2),
                "mean2": Arg(np.ones((2, 2)), "real", core=1),
                "cov2": Arg(mv.cov * 2.0, "spd", core=2),
                "t": Arg(np.array([0.3, 0.6]), "real"),
            },
        ),
        T(
            "beds.mvnormal.transport",
            beds.mvnormal.transport,
            {
                "mean1": Arg(np.zeros((2, 2)), "real", core=1),
                "cov1": Arg(mv.cov.copy(), "spd", core=2),
                "mean2": Arg(np.ones((2, 2)), "real", core=1),
                "cov2": Arg(mv.cov * 2.0, "spd", core=2),
                "v_mean": Arg(np.array([[0.1, 0.2], [0.0, -0.3]]), "real", core=1),
                "v_cov": Arg(np.array([[[0.1, 0.2], [0.2, -0.1]]] * 2), "symmetric", core=2),
                "tol": Arg(1e-12, "positive", scalar=True, optional=True),
                "max_iter": Arg(50, "int", optional=True),
            },
        ),
        T("beds.System.from_belief", beds.System.from_belief, {"belief": belief}, {"gamma": 0.5}),
        T(
            "beds.karcher_mean(Normal)",
            beds.karcher_mean,
            {
                "p": belief,
                "tol": Arg(1e-10, "positive", scalar=True, optional=True),
                "max_iter": Arg(50, "int", optional=True),
            },
        ),
        T(
            "beds.karcher_mean(VonMises)",
            beds.karcher_mean,
            {
                "p": Arg(vm, "other"),
                "weights": Arg(np.array([1.0, 2.0]), "nonnegative", optional=True),
                "tol": Arg(1e-10, "positive", scalar=True, optional=True),
                "max_iter": Arg(50, "int", optional=True),
            },
        ),
        T(
            "beds.karcher_mean(Categorical)",
            beds.karcher_mean,
            {
                "p": Arg(cat, "other"),
                "weights": Arg(np.array([1.0, 2.0]), "nonnegative", optional=True),
                "tol": Arg(1e-10, "positive", scalar=True, optional=True),
                "max_iter": Arg(50, "int", optional=True),
            },
        ),
        T(
            "beds.karcher_mean(MVNormal)",
            beds.karcher_mean,
            {
                "p": Arg(mv, "other"),
                "tol": Arg(1e-10, "positive", scalar=True, optional=True),
                "max_iter": Arg(50, "int", optional=True),
            },
        ),
        T("Normal.sample", lambda n, rng=None: n2.sample(n, rng), {"n": Arg(3, "int", low=0)}, {"rng": 0}),
        T("VonMises.sample", lambda n, rng=None: vm.sample(n, rng), {"n": Arg(3, "int", low=0)}, {"rng": 0}),
        T("Categorical.sample", lambda n, rng=None: cat.sample(n, rng), {"n": Arg(3, "int", low=0)}, {"rng": 0}),
        T("Normal.log_prob", lambda x: n2.log_prob(x), {"x": Arg(np.array([0.1, 0.2]), "extended")}, inf_ok=True),
        T("Normal.cdf", lambda x: n2.cdf(x), {"x": Arg(np.array([0.1, 0.2]), "extended")}),
        T("VonMises.log_prob", lambda x: vm.log_prob(x), {"x": Arg(np.array([0.1, 0.2]), "real")}),
        T("Normal.reshape", lambda shape: n2.reshape(shape), {"shape": Arg((2, 1), "other")}),
        T(
            "beds.mvnormal.distance",
            beds.mvnormal.distance,
            {
                "mean1": Arg(np.zeros((2, 2)), "real", core=1),
                "cov1": Arg(mv.cov.copy(), "spd", core=2),
                "mean2": Arg(np.ones((2, 2)), "real", core=1),
                "cov2": Arg(mv.cov * 2.0, "spd", core=2),
                "tol": Arg(1e-12, "positive", scalar=True),
                "max_iter": Arg(50, "int"),
            },
        ),
        T(
            "beds.mvnormal.log",
            beds.mvnormal.log,
            {
                "mean1": Arg(np.zeros((2, 2)), "real", core=1),
                "cov1": Arg(mv.cov.copy(), "spd", core=2),
                "mean2": Arg(np.ones((2, 2)), "real", core=1),
                "cov2": Arg(mv.cov * 2.0, "spd", core=2),
                "tol": Arg(1e-12, "positive", scalar=True),
                "max_iter": Arg(50, "int"),
            },
        ),
        T(
            "beds.mvnormal.transport",
            beds.mvnormal.transport,
            {
                "mean1": Arg(np.zeros((2, 2)), "real", core=1),
                "cov1": Arg(mv.cov.copy(), "spd", core=2),
                "mean2": Arg(np.ones((2, 2)), "real", core=1),
                "cov2": Arg(mv.cov * 2.0, "spd", core=2),
                "v_mean": Arg(np.array([[0.3, -0.2], [0.1, 0.5]]), "real", core=1),
                "v_cov": Arg(np.array([[0.2, 0.1], [0.1, -0.3]]), "symmetric", core=2),
                "tol": Arg(1e-12, "positive", scalar=True),
                "max_iter": Arg(50, "int"),
            },
        ),
        T(
            "beds.mvnormal.karcher_mean",
            beds.mvnormal.karcher_mean,
            {
                "mean": Arg(rng.standard_normal((3, 2)), "real", core=1),
                "cov": Arg(np.array([[[2.0, 0.3], [0.3, 1.0]]] * 3), "spd", core=2),
                "weights": Arg(np.array([1.0, 2.0, 1.0]), "nonnegative", optional=True),
                "tol": Arg(1e-10, "positive", scalar=True),
                "max_iter": Arg(50, "int"),
            },
        ),
        T(
            "beds.normal.karcher_mean",
            beds.normal.karcher_mean,
            {
                "mean": Arg(np.array([0.0, 1.0, 2.0]), "real"),
                "std": Arg(np.array([1.0, 2.0, 0.5]), "positive"),
                "weights": Arg(np.array([1.0, 2.0, 1.0]), "nonnegative", optional=True),
                "tol": Arg(1e-10, "positive", scalar=True),
                "max_iter": Arg(50, "int"),
            },
        ),
        T(
            "beds.von_mises.karcher_mean",
            beds.von_mises.karcher_mean,
            {
                "mu": Arg(np.array([0.0, 1.0, 2.0]), "real"),
                "kappa": Arg(np.array([1.0, 2.0, 0.5]), "nonnegative"),
                "weights": Arg(np.array([1.0, 2.0, 1.0]), "nonnegative", optional=True),
                "tol": Arg(1e-10, "positive", scalar=True),
                "max_iter": Arg(50, "int"),
            },
        ),
        T(
            "beds.categorical.karcher_mean",
            beds.categorical.karcher_mean,
            {
                "p": Arg(np.array([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]]), "probs", core=2),
                "weights": Arg(np.array([1.0, 2.0]), "nonnegative", optional=True),
                "tol": Arg(1e-10, "positive", scalar=True, optional=True),
                "max_iter": Arg(50, "int", optional=True),
            },
        ),
        T(
            "beds.exponential.karcher_mean",
            beds.exponential.karcher_mean,
            {
                "rate": Arg(np.array([1.0, 2.0, 0.5]), "positive"),
                "weights": Arg(np.array([1.0, 2.0, 1.0]), "nonnegative", optional=True),
            },
        ),
        T(
            "beds.mvnormal.cov_from_cholesky",
            beds.mvnormal.cov_from_cholesky,
            {"chol": Arg(np.array([[1.0, 0.0], [0.5, 1.0]]), "real", core=2)},
        ),
        T(
            "beds.mvnormal.cov_from_precision",
            beds.mvnormal.cov_from_precision,
            {"precision": Arg(mv.cov.copy(), "spd", core=2)},
        ),
        T("beds.mvnormal.metric", beds.mvnormal.metric, {"cov": Arg(mv.cov.copy(), "spd", core=2)}),
        T("beds.set_num_threads", lambda n: beds.set_num_threads(n), {"n": Arg(2, "int", low=None, high=1024)}),
        T(
            "beds.fisher_rao_penalty",
            beds.fisher_rao_penalty,
            {"q": belief, "q_ref": Arg(m2, "other"), "strength": Arg(np.array([1.0, 2.0]), "nonnegative")},
        ),
        T(
            "beds.kl_penalty",
            beds.kl_penalty,
            {"q": belief, "q_ref": Arg(m2, "other"), "strength": Arg(np.array([1.0, 2.0]), "nonnegative")},
        ),
        T(
            "beds.fisher_rao_penalty(MVNormal)",
            beds.fisher_rao_penalty,
            {
                "q": Arg(mv, "other"),
                "q_ref": Arg(beds.MVNormal(np.ones((2, 2)), mv.cov * 2), "other"),
                "strength": Arg(np.array([1.0, 2.0]), "nonnegative"),
            },
        ),
    ]
    return t


def _helper_targets() -> list[Target]:
    import beds
    from beds import dynamics, energy, problems, thermo

    T = Target
    traj_sys = beds.System.normal(np.zeros(3), var=1.0, gamma=0.5)
    times = np.repeat(np.arange(1, 41) / 10.0, 3)
    index = np.tile(np.arange(3), 40)
    vals = 1.0 + 0.3 * np.random.default_rng(0).standard_normal(120)
    _, traj = traj_sys.integrate(times, index, vals, 1 / 0.09, record=np.linspace(0.0, 4.0, 9))
    normal_metric = lambda th: np.eye(2) * np.array([1.0, 2.0]) / th[..., 1, None, None] ** 2  # noqa: E731
    theta = np.stack([np.linspace(0, 1, 5), np.ones(5)], axis=-1)
    path = [beds.Normal(0.0, 1.0), beds.Normal(1.0, 2.0), beds.Normal(0.5, 1.5)]
    s_mv = beds.System.mvnormal(np.zeros(2), cov=np.eye(2), gamma=0.5)
    s_n = beds.System.normal(np.array([0.0, 1.0]), var=np.array([1.0, 0.5]), gamma=0.5, eps=0.1)
    s_vm = beds.System.von_mises(np.array([0.1, 1.0]), np.array([1.0, 2.0]), gamma=0.5)
    ge = beds.GoverningEquation.fisher_rao(beds.Normal([0.0, 1.0], [1.0, 2.0]), 1.0)
    ge_moving = beds.GoverningEquation.fisher_rao(beds.Normal([0.0, 1.0], [1.0, 2.0]), 1.0, gamma=0.5)
    euclid = lambda th: np.broadcast_to(np.eye(th.shape[-1]), th.shape + th.shape[-1:])  # noqa: E731
    q = beds.Normal([0.5, 0.0], [1.0, 1.5])
    r = lambda v, d="real", **k: Arg(v, d, **k)  # noqa: E731
    sc = lambda v, d="real": Arg(v, d, scalar=True)  # noqa: E731
    t = [
        # energy
        T("energy.joules", energy.joules, {"nats": r(np.array([1.0, 2.0])), "temperature": sc(300.0, "positive")}),
        T(
            "energy.landauer_power",
            energy.landauer_power,
            {
                "gamma": r(np.array([1.0, 2.0]), "nonnegative"),
                "temperature": sc(300.0, "positive"),
                "coordinates": r(3.0, "nonnegative"),
            },
        ),
        T(
            "energy.additive_entropy_rate",
            energy.additive_entropy_rate,
            {"q": r(np.array([0.5, 1.0]), "nonnegative"), "precision": r(np.array([4.0, 2.0]), "positive")},
        ),
        T(
            "energy.information_per_observation",
            energy.information_per_observation,
            {"precision": r(np.array([1.0, 2.0]), "positive"), "obs_precision": r(np.array([3.0, 1.0]), "nonnegative")},
        ),
        T(
            "energy.observation_rate",
            energy.observation_rate,
            {
                "gamma": r(np.array([0.5, 1.0]), "nonnegative"),
                "target_precision": r(40.0, "positive"),
                "obs_precision": r(2.0, "positive"),
            },
        ),
        T(
            "energy.operational_power",
            energy.operational_power,
            {"rate": r(np.array([10.0, 1.0]), "nonnegative"), "energy_per_observation": r(1e-3, "nonnegative")},
        ),
        T(
            "energy.maintenance_power",
            energy.maintenance_power,
            {
                "gamma": r(np.array([0.5, 1.0]), "nonnegative"),
                "target_precision": r(40.0, "positive"),
                "obs_precision": r(2.0, "positive"),
                "energy_per_observation": r(1e-3, "nonnegative"),
            },
        ),
        T(
            "energy.optimal_observation_precision",
            energy.optimal_observation_precision,
            {
                "gamma": r(np.array([0.5, 1.0]), "nonnegative"),
                "target_precision": r(40.0, "positive"),
                "max_rate": r(4.0, "positive"),
            },
        ),
        T(
            "energy.paper_eq19_power",
            energy.paper_eq19_power,
            {
                "gamma": r(np.array([0.5, 1.0]), "nonnegative"),
                "target_precision": r(10.0, "positive"),
                "obs_precision": r(5.0, "positive"),
                "temperature": sc(300.0, "positive"),
            },
        ),
        # thermo
        T(
            "thermo.trajectory_diagnostics",
            thermo.trajectory_diagnostics,
            {"path": Arg(path, "other"), "times": r(np.array([0.0, 1.0, 2.0]))},
        ),
        T(
            "thermo.coordinate_diagnostics",
            thermo.coordinate_diagnostics,
            {
                "theta": r(theta, core=1, free_core=True),
                "times": r(np.linspace(0, 1, 5)),
                "metric": Arg(euclid, "other"),
            },
        ),
        T(
            "thermo.coordinate_diagnostics(metric returns)",
            lambda g: thermo.coordinate_diagnostics(theta, np.linspace(0, 1, 5), lambda th: g),
            {"g": Arg(normal_metric(0.5 * (theta[1:] + theta[:-1])), "symmetric", core=2, said="metric(theta)")},
        ),
        T(
            "thermo.excess_work_bound",
            thermo.excess_work_bound,
            {
                "length": r(np.array([2.0, 1.0]), "nonnegative"),
                "duration": sc(10.0, "positive"),
                "relaxation_time": r(0.5, "nonnegative"),
                "temperature": sc(300.0, "positive"),
            },
        ),
        T(
            "thermo.landauer_efficiency",
            thermo.landauer_efficiency,
            {
                "information": r(np.array([1.0, 0.5])),
                "energy": r(np.array([1e-20, 1e-20]), "positive"),
                "temperature": sc(300.0, "positive"),
            },
        ),
        # regularization
        T(
            "regularization.cholesky_grad",
            beds.cholesky_grad,
            {"grad_cov": r(np.eye(2), core=2), "chol": r(np.array([[1.0, 0.0], [0.5, 1.0]]), core=2)},
        ),
        T(
            "regularization.sac_temperature_update",
            beds.sac_temperature_update,
            {
                "log_alpha": sc(0.0),
                "entropy": r(np.array([1.0, 2.0])),
                "target_entropy": sc(2.0),
                "lr": sc(0.1, "nonnegative"),
            },
        ),
        T(
            "regularization.empirical_fisher",
            beds.empirical_fisher,
            {"per_sample_grads": r(np.array([[1.0, 2.0], [3.0, 4.0]])), "axis": Arg(0, "int", low=-2)},
        ),
        T(
            "regularization.sigreg",
            beds.sigreg,
            {
                "x": r(np.random.default_rng(1).standard_normal((16, 3)), core=1, free_core=True),
                "num_directions": Arg(8, "int"),
                "knots": Arg(17, "int"),
                "t_max": sc(3.0, "positive"),
            },
            {"seed": 0},
        ),
        T(
            "regularization.belief_update",
            beds.belief_update,
            {
                "q": Arg(q, "other"),
                "gamma": r(np.array([0.5, 1.0]), "nonnegative"),
                "dt": sc(1.0, "nonnegative"),
                "observation": Arg(np.array([0.2, 0.3]), "real", optional=True),
                "obs_std": r(np.array([1.0, 0.5]), "positive"),
                "beta": r(1.0, "nonnegative"),
            },
            {"q_ref": None},
        ),
        T(
            "GoverningEquation.ridge",
            beds.GoverningEquation.ridge,
            {"strength": r(0.5, "nonnegative"), "center": r(np.zeros(3))},
        ),
        T(
            "GoverningEquation.ewc",
            beds.GoverningEquation.ewc,
            {"theta_star": r(np.zeros(3)), "fisher": r(np.ones(3), "nonnegative"), "strength": r(0.5, "nonnegative")},
        ),
        T(
            "GoverningEquation.online_ewc",
            beds.GoverningEquation.online_ewc,
            {
                "theta_star": r(np.zeros(3)),
                "fisher": r(np.ones(3), "nonnegative"),
                "strength": r(0.5, "nonnegative"),
                "decay": sc(0.9, "unit"),
            },
        ),
        T(
            "GoverningEquation.ema",
            beds.GoverningEquation.ema,
            {"beta": sc(0.9, "open_unit"), "reference": r(np.zeros(3)), "dt": sc(1.0, "positive")},
        ),
        T(
            "GoverningEquation.sac_entropy",
            beds.GoverningEquation.sac_entropy,
            {"alpha": r(0.2, "nonnegative"), "num_actions": Arg(4, "int", float_ok=True)},
        ),
        T(
            "GoverningEquation.fisher_rao",
            beds.GoverningEquation.fisher_rao,
            {
                "reference": Arg(beds.Normal(0.0, 1.0), "other"),
                "strength": r(1.0, "nonnegative"),
                "gamma": sc(0.0, "nonnegative"),
            },
        ),
        T("GoverningEquation.step", ge.step, {"state": Arg(q, "other"), "lr": sc(0.1, "nonnegative")}),
        T("GoverningEquation.advance", ge_moving.advance, {"state": Arg(q, "other"), "dt": sc(0.1, "nonnegative")}),
        T("GoverningEquation.penalty", ge.penalty, {"state": Arg(q, "other")}),
        # problems
        T(
            "problems.classify",
            problems.classify,
            {
                "trajectory": Arg(traj, "other"),
                "target": r(1.0),
                "delta": sc(0.3, "positive"),
                "eps": sc(0.05, "positive"),
                "hold": sc(0.5, "open_unit"),
                "energy_per_observation": Arg(1.0, "nonnegative", optional=True),
            },
        ),
        T(
            "problems.stationary_target_example",
            problems.stationary_target_example,
            {
                "theta": sc(1.0),
                "gamma": sc(0.1, "positive"),
                "obs_precision": sc(1.0, "positive"),
                "rate": sc(5.0, "positive"),
                "horizon": sc(10.0, "positive"),
                "n": Arg(4, "int"),
                "delta": sc(0.3, "positive"),
                "eps": sc(0.01, "positive"),
                "seed": Arg(0, "int", low=0, high=None),
            },
        ),
        T(
            "problems.drifting_target_example",
            problems.drifting_target_example,
            {
                "speed": sc(0.5),
                "gamma": sc(5.0, "positive"),
                "rate": sc(50.0, "positive"),
                "horizon": sc(5.0, "positive"),
                "n": Arg(4, "int"),
            },
        ),
        T(
            "problems.tracking_required_rate",
            problems.tracking_required_rate,
            {
                "gamma": sc(1.0, "positive"),
                "target_precision": sc(10.0, "positive"),
                "speed": sc(0.1),
                "obs_precision": sc(1.0, "positive"),
                "n": Arg(20, "int"),
                "rtol": sc(0.05, "positive"),
            },
            inf_ok=True,
        ),
        T(
            "problems.tracking_scan",
            problems.tracking_scan,
            {
                "gammas": r(np.array([1.0, 2.0]), "positive"),
                "precisions": r(np.array([10.0, 20.0]), "positive"),
                "speeds": r(np.array([0.1, 0.2]), "positive"),
                "obs_precision": sc(1.0, "positive"),
                "energy_per_observation": sc(1.0, "positive"),
                "n": Arg(10, "int"),
                "gamma_grid": Arg(2, "int"),
            },
        ),
        # dynamics helpers
        T(
            "dynamics.ema_decay",
            dynamics.ema_decay,
            {"gamma": r(np.array([0.5, 1.0]), "nonnegative"), "step": r(1.0, "positive")},
        ),
        T(
            "dynamics.ema_gain",
            dynamics.ema_gain,
            {"gamma": r(np.array([0.5, 1.0]), "nonnegative"), "step": r(1.0, "positive")},
        ),
        T(
            "dynamics.gamma_from_ema",
            dynamics.gamma_from_ema,
            {"beta": r(np.array([0.5, 0.9]), "open_unit"), "step": r(1.0, "positive")},
        ),
        T("dynamics.von_mises_entropy", dynamics.von_mises_entropy, {"kappa": r(np.array([0.0, 1.0]), "nonnegative")}),
        T(
            "dynamics.von_mises_mean_resultant",
            dynamics.von_mises_mean_resultant,
            {"kappa": r(np.array([0.0, 1.0]), "nonnegative")},
        ),
        T(
            "dynamics.to_belief",
            dynamics.to_belief,
            {
                "kind": Arg("normal", "other"),
                "params": Arg({"mean": np.array([0.0]), "precision": np.array([4.0])}, "other"),
            },
        ),
        # System
        T(
            "System.normal",
            beds.System.normal,
            {
                "mean": r(np.array([0.0, 1.0])),
                "var": r(np.array([1.0, 2.0]), "positive"),
                "gamma": r(0.5, "nonnegative"),
                "eps": Arg(0.1, "positive", scalar=True, optional=True),
                "t": sc(0.0),
            },
        ),
        T(
            "System.normal(q)",
            beds.System.normal,
            {
                "mean": r(np.array([0.0, 1.0])),
                "precision": r(np.array([1.0, 2.0]), "positive"),
                "q": r(0.5, "nonnegative"),
            },
        ),
        T(
            "System.diag_normal",
            beds.System.diag_normal,
            {
                "mean": r(np.zeros((2, 3)), core=1),
                "var": r(np.ones((2, 3)), "positive", core=1),
                "gamma": r(0.5, "nonnegative"),
            },
        ),
        T(
            "System.mvnormal",
            beds.System.mvnormal,
            {
                "mean": r(np.zeros((2, 2)), core=1),
                "cov": Arg(np.array([[[2.0, 0.3], [0.3, 1.0]]] * 2), "spd", core=2),
                "gamma": r(0.5, "nonnegative"),
            },
        ),
        T(
            "System.von_mises",
            beds.System.von_mises,
            {
                "mu": r(np.array([0.0, 1.0])),
                "kappa": r(np.array([1.0, 2.0]), "nonnegative"),
                "gamma": r(0.5, "nonnegative"),
            },
        ),
        T("System.dissipate", s_n.dissipate, {"dt": sc(1.0, "nonnegative")}),
        T(
            "System.assimilate",
            s_n.assimilate,
            {"value": r(np.array([0.3, 0.2])), "precision": r(np.array([2.0, 1.0]), "nonnegative")},
        ),
        T(
            "System.assimilate(mvnormal)",
            s_mv.assimilate,
            {
                "value": r(np.array([0.3, 0.2]), core=1, free_core=True),
                "precision": Arg(np.array([[2.0, 0.1], [0.1, 1.0]]), "spd", core=2),
            },
        ),
        T(
            "System.assimilate(von_mises)",
            s_vm.assimilate,
            {"value": r(np.array([0.3, 0.2])), "precision": r(np.array([2.0, 1.0]), "nonnegative")},
        ),
        T("System.fuse", s_n.fuse, {"other": Arg(s_n, "other")}),
        T(
            "System.integrate",
            s_n.integrate,
            {
                "times": r(np.array([0.5, 1.0, 1.5]), "nonnegative"),
                "index": Arg(np.array([0, 1, 0]), "int", low=0, optional=True),
                "values": r(np.array([0.1, 0.2, 0.3])),
                "precisions": r(np.array([1.0, 2.0, 1.0]), "nonnegative"),
                "record": Arg(np.array([0.0, 1.0, 2.0]), "nonnegative", optional=True),
                "temperature": sc(300.0, "positive"),
            },
        ),
        T(
            "System.integrate(von_mises)",
            s_vm.integrate,
            {
                "times": r(np.array([0.5, 1.0, 1.5]), "nonnegative"),
                "index": Arg(np.array([0, 1, 0]), "int", low=0, optional=True),
                "values": r(np.array([0.1, 0.2, 0.3])),
                "precisions": r(np.array([1.0, 2.0, 1.0]), "nonnegative"),
            },
        ),
        T(
            "System.integrate(mvnormal)",
            s_mv.integrate,
            {
                "times": r(np.array([0.5, 1.0, 1.5]), "nonnegative"),
                "index": Arg(np.array([0, 0, 0]), "int", low=0, optional=True),
                "values": r(np.array([[0.1, 0.2]] * 3), core=1, free_core=True),
                "precisions": r(np.array([[1.0, 2.0]] * 3), "nonnegative", core=1, free_core=True),
            },
        ),
        T(
            "Trajectory.operational_energy",
            traj.operational_energy,
            {"energy_per_observation": r(np.array([1.0, 2.0, 0.5]), "nonnegative")},
        ),
    ]
    return t


def targets() -> list[Target]:
    return _kernel_targets() + _belief_targets() + _helper_targets()


# -------------------------------------------------------------------------------- special cases
def _scale_cases() -> list[Case]:
    """Scale-invariant operations on pairs scaled by c, compared with c = 1; identical beliefs."""
    import beds

    cases = []
    cs = [1e-300, 1e-200, 1e-150, 2.0**-1050, 1e150, 1e200, 1e300]
    m1, s1, m2, s2 = 0.3, 1.2, -0.7, 0.4

    def close(a: Any, b: Any, rtol: float = 1e-9, c: float = 1.0) -> bool:
        # c below the normal range: the scaled inputs are subnormal and keep only 1074 + log2(c x)
        # bits (22 at c = 2^-1050), so they differ from the unscaled ones by up to 2^-bits
        bits = 1074 + math.log2(c) - 2
        if bits < 52:
            rtol = max(rtol, 64 * 2.0**-bits)
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return bool(np.all(np.isfinite(a)) and np.allclose(a, b, rtol=rtol, atol=0.0))

    N = beds.normal
    D = beds.diag_normal
    a1, b1, a2, b2 = np.array([m1, 0.1]), np.array([s1, 2.0]), np.array([m2, -0.4]), np.array([s2, 0.9])
    E = beds.exponential
    M = beds.mvnormal
    S1, S2 = np.array([[2.0, 0.3], [0.3, 1.0]]), np.array([[0.5, -0.1], [-0.1, 1.5]])
    u1, u2 = np.array([0.3, -0.2]), np.array([-0.5, 0.4])
    for c in cs:
        for op in ("distance", "kl", "jeffreys"):
            ref = getattr(N, op)(m1, s1, m2, s2)
            cases.append(
                Case(
                    f"beds.normal.{op}",
                    "scale",
                    f"c={c:g}",
                    True,
                    lambda op=op, c=c: getattr(N, op)(c * m1, c * s1, c * m2, c * s2),
                    lambda r, ref=ref, c=c: close(r, ref, c=c),
                )
            )
        ref = N.log(m1, s1, m2, s2)
        cases.append(
            Case(
                "beds.normal.log",
                "scale",
                f"c={c:g}",
                True,
                lambda c=c: N.log(c * m1, c * s1, c * m2, c * s2),
                lambda r, ref=ref, c=c: close(np.asarray(r) / c, ref, c=c),
            )
        )
        ref = N.exp(m1, s1, 0.5, -0.3)
        cases.append(
            Case(
                "beds.normal.exp",
                "scale",
                f"c={c:g}",
                True,
                lambda c=c: N.exp(c * m1, c * s1, c * 0.5, c * -0.3),
                lambda r, ref=ref, c=c: close(np.asarray(r) / c, ref, c=c),
            )
        )
        ref = N.geodesic(m1, s1, m2, s2, 0.3)
        cases.append(
            Case(
                "beds.normal.geodesic",
                "scale",
                f"c={c:g}",
                True,
                lambda c=c: N.geodesic(c * m1, c * s1, c * m2, c * s2, 0.3),
                lambda r, ref=ref, c=c: close(np.asarray(r) / c, ref, c=c),
            )
        )
        ref = N.transport(m1, s1, m2, s2, 0.5, -0.3)
        cases.append(
            Case(
                "beds.normal.transport",
                "scale",
                f"c={c:g}",
                True,
                lambda c=c: N.transport(c * m1, c * s1, c * m2, c * s2, c * 0.5, c * -0.3),
                lambda r, ref=ref, c=c: close(np.asarray(r) / c, ref, c=c),
            )
        )
        ref = N.inner(s1, 0.5, -0.3, 0.2, 0.1)
        cases.append(
            Case(
                "beds.normal.inner",
                "scale",
                f"c={c:g}",
                True,
                lambda c=c: N.inner(c * s1, c * 0.5, c * -0.3, c * 0.2, c * 0.1),
                lambda r, ref=ref, c=c: close(r, ref, c=c),
            )
        )
        for op in ("distance", "kl", "jeffreys"):
            ref = getattr(D, op)(a1, b1, a2, b2)
            cases.append(
                Case(
                    f"beds.diag_normal.{op}",
                    "scale",
                    f"c={c:g}",
                    True,
                    lambda op=op, c=c: getattr(D, op)(c * a1, c * b1, c * a2, c * b2),
                    lambda r, ref=ref, c=c: close(r, ref, c=c),
                )
            )
        for op in ("distance", "kl", "jeffreys"):
            ref = getattr(E, op)(1.3, 0.2)
            cases.append(
                Case(
                    f"beds.exponential.{op}",
                    "scale",
                    f"c={c:g}",
                    True,
                    lambda op=op, c=c: getattr(E, op)(c * 1.3, c * 0.2),
                    lambda r, ref=ref, c=c: close(r, ref, c=c),
                )
            )
        ref = E.log(1.3, 0.2)
        cases.append(
            Case(
                "beds.exponential.log",
                "scale",
                f"c={c:g}",
                True,
                lambda c=c: E.log(c * 1.3, c * 0.2),
                lambda r, ref=ref, c=c: close(np.asarray(r) / c, ref, c=c),
            )
        )
        for op in ("distance", "kl", "jeffreys"):
            ref = getattr(M, op)(u1, S1, u2, S2)
            cases.append(
                Case(
                    f"beds.mvnormal.{op}",
                    "scale",
                    f"c={c:g}",
                    True,
                    # the affine map x -> sqrt(c) x: covariances times c (any c of the range), means times sqrt(c)
                    lambda op=op, c=c: getattr(M, op)(math.sqrt(c) * u1, c * S1, math.sqrt(c) * u2, c * S2),
                    lambda r, ref=ref, c=c: close(r, ref, 1e-7, c=c),
                )
            )
    # identical beliefs at the ends of the range: distance 0 (kl 0)
    for x in (1e-300, 1e-200, SUBNORMAL, 1e200, 1e300):
        cases.append(
            Case(
                "beds.normal.distance",
                "same",
                f"std={x:g}",
                True,
                lambda x=x: N.distance(0.0, x, 0.0, x),
                lambda r: float(r) == 0.0,
            )
        )
        cases.append(
            Case(
                "beds.normal.distance",
                "same",
                f"mean=std={x:g}",
                True,
                lambda x=x: N.distance(x, x, x, x),
                lambda r: float(r) == 0.0,
            )
        )
        cases.append(
            Case(
                "beds.exponential.distance",
                "same",
                f"rate={x:g}",
                True,
                lambda x=x: beds.exponential.distance(x, x),
                lambda r: float(r) == 0.0,
            )
        )
        cases.append(
            Case(
                "beds.poisson.distance",
                "same",
                f"rate={x:g}",
                True,
                lambda x=x: beds.poisson.distance(x, x),
                lambda r: float(r) == 0.0,
            )
        )
        cases.append(
            Case(
                "beds.von_mises.distance",
                "same",
                f"kappa={x:g}",
                True,
                lambda x=x: beds.von_mises.distance(0.5, x, 0.5, x),
                lambda r: abs(float(r)) < 1e-12,
            )
        )
        cases.append(
            Case("beds.normal.kl", "same", f"std={x:g}", True, lambda x=x: N.kl(x, x, x, x), lambda r: float(r) == 0.0)
        )
    for c in cases:
        c.kind = "scale"  # (scale invariance and identical beliefs: checked values)
    return cases


def _alias_cases() -> list[Case]:
    """``out=`` aliasing the first argument, with a NaN in the second: the error names the second
    argument and ``out`` keeps its values."""
    import beds

    cases = []
    for modname, fn, args in (
        ("normal", "distance", ["mean1", "std1", "mean2", "std2"]),
        ("normal", "kl", ["mean1", "std1", "mean2", "std2"]),
        ("exponential", "distance", ["rate1", "rate2"]),
        ("von_mises", "distance", ["mu1", "kappa1", "mu2", "kappa2"]),
        ("special", "mean_resultant", ["kappa"]),
    ):
        f = getattr(getattr(beds, modname), fn)

        def thunk(f: Any = f, n: int = len(args)) -> Any:
            a = [np.array([0.5, 1.0, 1.5]) for _ in range(n)]
            keep = a[0].copy()
            if n > 1:
                a[1] = np.array([1.0, NAN, 1.0])
            else:
                a[0][1] = NAN
                keep = a[0].copy()
            try:
                f(*a, out=a[0])
            except ValueError as e:
                same = np.array_equal(a[0], keep, equal_nan=True)
                return ("error", str(e), same)
            return ("returned", "", bool(np.array_equal(a[0], keep, equal_nan=True)))

        bad = args[1] if len(args) > 1 else args[0]
        cases.append(
            Case(
                f"beds.{modname}.{fn}",
                "out",
                "out=first argument",
                False,
                thunk,
                lambda r, bad=bad: r[0] == "error" and bad in r[1] and r[2],
                kind="alias",
            )
        )
    return cases


def build_cases(only: str | None = None) -> list[Case]:
    cases: list[Case] = []
    for t in targets():
        if only and only not in t.label:
            continue
        cases.append(Case(t.label, "-", "valid", True, lambda t=t: t.call(), inf_ok=t.inf_ok))
        for name, arg in t.args.items():
            for lab, value, ok in mutations(arg):
                thunk = lambda t=t, name=name, value=value: t.call(**{name: value})  # noqa: E731
                cases.append(Case(t.label, name, lab, ok, thunk, said=arg.said, inf_ok=t.inf_ok))
    for c in _scale_cases() + _alias_cases():
        if not only or only in c.target:
            cases.append(c)
    return cases


# ------------------------------------------------------------------------------- classification
_SKIP_NAN = ("time_attained", "time_maintained", "time_crystallized", "output")


def _floats(x: Any, depth: int = 0) -> list[np.ndarray]:
    """The float arrays inside a result (tuples, dicts, named tuples, dataclasses, beliefs, systems)."""
    import beds

    if depth > 4 or x is None:
        return []
    if isinstance(x, (np.ndarray, np.generic, float)):
        a = np.asarray(x)
        return [a] if a.dtype.kind == "f" else []
    if isinstance(x, dict):
        return [f for k, v in x.items() if k not in _SKIP_NAN for f in _floats(v, depth + 1)]
    if isinstance(x, (tuple, list)):
        if hasattr(x, "_fields"):
            return [f for k in x._fields if k not in _SKIP_NAN for f in _floats(getattr(x, k), depth + 1)]
        return [f for v in x for f in _floats(v, depth + 1)]
    if isinstance(x, beds.Belief):
        return [np.asarray(v) for v in x.param_arrays.values()]
    if isinstance(x, beds.Tangent):
        return [np.asarray(v) for v in x.components.values()]
    if isinstance(x, beds.System):
        return _floats(x.params(), depth + 1)
    if hasattr(x, "__dataclass_fields__"):
        return [f for k in x.__dataclass_fields__ if k not in _SKIP_NAN for f in _floats(getattr(x, k), depth + 1)]
    if isinstance(x, beds.Trajectory):
        return [np.asarray(x.mean), np.asarray(x.precision)]
    return []


def _has_inf_input(case: Case) -> bool:
    return "inf" in case.mutation or "1e+300" in case.mutation or "huge" in case.mutation


def run_case(case: Case) -> dict[str, Any]:
    start = time.perf_counter()
    caught: list[str] = []
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            with np.errstate(all="warn"):
                result = case.thunk()
            error = None
        except BaseException as e:  # noqa: BLE001 - everything is an outcome
            if isinstance(e, KeyboardInterrupt):
                raise
            result, error = None, e
        caught = sorted({f"{x.category.__name__}: {str(x.message)[:80]}" for x in w})
    rec: dict[str, Any] = {
        "target": case.target,
        "arg": case.arg,
        "mutation": case.mutation,
        "in_domain": case.in_domain,
        "kind": case.kind,
        "seconds": round(time.perf_counter() - start, 4),
        "warnings": caught,
    }
    if error is not None:
        msg = f"{type(error).__name__}: {error}"
        rec["message"] = msg[:300]
        if isinstance(error, (ValueError, TypeError)) and not isinstance(error, (FloatingPointError,)):
            if case.mutation == "valid":
                rec["outcome"] = "valid_failed"
                return rec
            said = case.said or case.arg
            named = said in str(error)
            if case.in_domain is False:
                rec["outcome"] = "named" if named else "unnamed"
            else:  # a valid value (or either): a range error, best when it names the argument
                rec["outcome"] = "named" if named and case.kind == "input" and case.arg != "-" else "range"
        else:
            rec["outcome"] = "wrong_type"
            rec["traceback"] = "".join(traceback.format_exception(type(error), error, error.__traceback__)[-3:])[:600]
        return rec
    if case.check is not None:
        try:
            good = bool(case.check(result))
        except Exception as e:  # noqa: BLE001
            good, rec["message"] = False, f"check failed: {type(e).__name__}: {e}"[:300]
        if case.kind == "alias":
            rec["message"] = str(result)[:300]
        if not good:
            nan = any(np.isnan(a).any() for a in _floats(result))
            rec["outcome"] = "nan" if nan else "wrong_value"
            rec["message"] = rec.get("message") or repr(result)[:300]
        else:
            rec["outcome"] = "correct"
        return rec
    arrays = _floats(result)
    nan = any(np.isnan(a).any() for a in arrays)
    inf = any(np.isinf(a).any() for a in arrays)
    if nan or (inf and not case.inf_ok and not _has_inf_input(case)):
        rec["outcome"] = "nan"
        rec["message"] = repr(result)[:300]
    elif case.in_domain is False:
        rec["outcome"] = "accepted"
        rec["message"] = repr(result)[:200]
    else:
        rec["outcome"] = "value"
    return rec


# ----------------------------------------------------------------------------------- the workers
def worker(only: str | None) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):
        pass
    cases = build_cases(only)
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    for line in sys.stdin:
        i = int(line)
        rec = run_case(cases[i])
        rec["index"] = i
        sys.stdout.write(json.dumps(rec, default=str) + "\n")
        sys.stdout.flush()


class Worker:
    def __init__(self, only: str | None) -> None:
        cmd = [sys.executable, os.path.abspath(__file__), "--worker"] + (["--only", only] if only else [])
        self.p = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
        )
        line = self._read(120.0)
        if line is None or line.strip() != "READY":
            err = self.p.stderr.read() if self.p.poll() is not None else ""
            raise RuntimeError(f"the audit worker did not start: {line!r} {err[-2000:]}")

    def _read(self, timeout: float) -> str | None:
        ready, _, _ = select.select([self.p.stdout], [], [], timeout)
        if not ready:
            return None
        return self.p.stdout.readline()

    def run(self, i: int, timeout: float) -> dict[str, Any] | str:
        self.p.stdin.write(f"{i}\n")
        self.p.stdin.flush()
        line = self._read(timeout)
        if line is None:
            return "hang"
        if not line:
            return "crash"
        return json.loads(line)

    def kill(self) -> int | None:
        self.p.kill()
        self.p.wait()
        return self.p.returncode


def run_cases(only: str | None, progress: bool) -> list[dict[str, Any]]:
    cases = build_cases(only)
    records: list[dict[str, Any]] = []
    w = Worker(only)
    t0 = time.perf_counter()
    for i, c in enumerate(cases):
        r = w.run(i, HANG_S)
        if isinstance(r, str):
            code = w.kill()
            r = {
                "target": c.target,
                "arg": c.arg,
                "mutation": c.mutation,
                "in_domain": c.in_domain,
                "kind": c.kind,
                "outcome": r,
                "message": f"worker exit code {code}" if r == "crash" else f"no answer in {HANG_S:g} s",
                "index": i,
            }
            w = Worker(only)
        records.append(r)
        if progress and (i + 1) % 500 == 0:
            print(f"  {i + 1}/{len(cases)} cases, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    w.kill()
    return records


# ------------------------------------------------------------------------------ latency and GIL
_LATENCY_PRELUDE = textwrap.dedent(
    """
    import json, os, signal, sys, threading, time, warnings
    import numpy as np
    import beds
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(0)

    def spd(n, d):
        q, _ = np.linalg.qr(rng.standard_normal((n, d, d)))
        ev = np.exp(0.5 * rng.standard_normal((n, d)))
        s = q @ (ev[..., None] * np.swapaxes(q, -1, -2))
        return 0.5 * (s + np.swapaxes(s, -1, -2))

    def measure(fn, delay=0.5):
        sent = []
        def fire():
            sent.append(time.perf_counter())
            os.kill(os.getpid(), signal.SIGINT)
        timer = threading.Timer(delay, fire)
        start = time.perf_counter()
        timer.start()
        try:
            fn()
            outcome = "completed"
        except KeyboardInterrupt:
            outcome = "KeyboardInterrupt"
        except BaseException as e:
            outcome = type(e).__name__ + ": " + str(e)[:200]
        end = time.perf_counter()
        timer.cancel()
        timer.join()
        try:
            time.sleep(0.1)
        except KeyboardInterrupt:
            outcome += " (KeyboardInterrupt after the call)"
        return {"outcome": outcome, "latency": (end - sent[0]) if sent else None, "duration": end - start}
    """
)

LONG_CALLS = {
    "von Mises distance, 1e6 pairs": (
        "n = 10**6; u = lambda lo, hi: rng.uniform(lo, hi, n); a = (u(-3, 3), u(0.1, 10), u(-3, 3), u(0.1, 10))",
        "beds.von_mises.distance(*a)",
    ),
    "MVNormal distance, d=32, 200 pairs": (
        "m1, m2 = rng.standard_normal((200, 32)), rng.standard_normal((200, 32)); S1, S2 = spd(200, 32), spd(200, 32)",
        "beds.mvnormal.distance(m1, S1, m2, S2)",
    ),
    "System.integrate, 1e8 events in random order (normal, 1e4 beliefs)": (
        "n, m = 10**4, 10**8; s = beds.System.normal(np.zeros(n), var=1.0, gamma=0.1); "
        "idx = rng.integers(0, n, m); times = np.sort(rng.random(m)) * 100",
        "s.integrate(times, idx, 0.5, 1.0)",
    ),
    "System.integrate, dense stream of 1e10 observations (1e6 steps, 1e4 beliefs)": (
        "n = 10**4; s = beds.System.normal(np.zeros(n), var=1.0, gamma=0.1); times = np.arange(1, 10**6 + 1) * 1e-3",
        "s.integrate(times, values=0.5, precisions=1.0)",
    ),
    "System.integrate, von Mises, 1e7 events": (
        "s = beds.System.von_mises(np.zeros(1000), 1.0, gamma=0.1); "
        "idx = rng.integers(0, 1000, 10**7); times = np.sort(rng.random(10**7)) * 100",
        "s.integrate(times, idx, 0.5, 1.0)",
    ),
    "System.integrate, MVNormal d=8, 3e6 events": (
        "s = beds.System.mvnormal(np.zeros((1000, 8)), cov=np.eye(8), gamma=0.1); "
        "idx = rng.integers(0, 1000, 3 * 10**6); times = np.sort(rng.random(3 * 10**6)) * 100",
        "s.integrate(times, idx, np.zeros(8), 1.0)",
    ),
    "Karcher mean, Normal, tol=1e-300, max_iter=1e6 (1e5 beliefs)": (
        "p = beds.Normal(rng.standard_normal(10**5), np.exp(rng.standard_normal(10**5)))",
        "beds.karcher_mean(p, tol=1e-300, max_iter=10**6)",
    ),
    "Karcher mean, VonMises, tol=1e-300, max_iter=1e6": (
        "p = beds.VonMises(rng.uniform(-3, 3, 1000), rng.uniform(0.1, 5, 1000))",
        "beds.karcher_mean(p, tol=1e-300, max_iter=10**6)",
    ),
    "Karcher mean, Categorical, tol=1e-300, max_iter=1e6": (
        "p = beds.Categorical(rng.dirichlet(np.ones(50), size=2000))",
        "beds.karcher_mean(p, tol=1e-300, max_iter=10**6)",
    ),
    # (MVNormal means stop once their steps no longer shrink, whatever tol: 5e4 beliefs make it long)
    "Karcher mean, MVNormal d=4, tol=1e-300, max_iter=1e6 (5e4 beliefs)": (
        "p = beds.MVNormal(rng.standard_normal((50_000, 4)), spd(50_000, 4))",
        "beds.karcher_mean(p, tol=1e-300, max_iter=10**6)",
    ),
}


def _child(code: str, timeout: float) -> dict[str, Any]:
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"outcome": f"no answer within {timeout:g} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if not lines:
        return {"outcome": f"exit code {proc.returncode}: {proc.stderr[-500:]}"}
    return json.loads(lines[-1][7:])


def latencies() -> dict[str, Any]:
    out = {}
    for name, (setup, call) in LONG_CALLS.items():
        code = (
            _LATENCY_PRELUDE
            + f"{setup}\nresult = measure(lambda: {call})\n"
            + "print('RESULT ' + json.dumps(result))\n"
        )
        out[name] = _child(code, 300.0)
    return out


def gil_hold() -> dict[str, Any]:
    code = _LATENCY_PRELUDE + textwrap.dedent(
        """
        m1, m2 = rng.standard_normal((30, 24)), rng.standard_normal((30, 24))
        S1, S2 = spd(30, 24), spd(30, 24)
        ticks, stop = [], []
        def ticker():
            while not stop:
                ticks.append(time.perf_counter())
                time.sleep(0.001)
        th = threading.Thread(target=ticker)
        th.start()
        time.sleep(0.05)
        t0 = time.perf_counter()
        beds.mvnormal.distance(m1, S1, m2, S2)
        t1 = time.perf_counter()
        time.sleep(0.05)
        stop.append(1)
        th.join()
        inside = [t for t in ticks if t0 - 0.01 <= t <= t1 + 0.01]
        gaps = np.diff(inside) if len(inside) > 1 else np.array([t1 - t0])
        result = {"call_s": t1 - t0, "ticks": len(inside), "max_gap_s": float(gaps.max()),
                  "median_gap_s": float(np.median(gaps))}
        print('RESULT ' + json.dumps(result))
        """
    )
    return _child(code, 300.0)


# ------------------------------------------------------------------------------------- reporting
GOOD = ("correct", "value", "named", "range")
BAD = ("nan", "wrong_value", "accepted", "unnamed", "wrong_type", "crash", "hang", "valid_failed")


def report(
    records: list[dict[str, Any]], lat: dict[str, Any] | None, gil: dict[str, Any] | None, seconds: float
) -> str:
    lines = []
    counts = Counter(r["outcome"] for r in records)
    lines.append(f"cases tried: {len(records)}  ({seconds:.0f} s)")
    lines.append("outcomes: " + ", ".join(f"{k} {counts.get(k, 0)}" for k in GOOD + BAD))
    by_kind = Counter((r.get("kind", "input"), r["outcome"]) for r in records)
    for kind in ("scale", "alias"):
        sub = {o: n for (k, o), n in by_kind.items() if k == kind}
        if sub:
            lines.append(f"  {kind} cases: " + ", ".join(f"{o} {n}" for o, n in sorted(sub.items())))
    bad = [r for r in records if r["outcome"] in BAD]
    if bad:
        lines.append("")
        lines.append("cases that fall short (target | argument | change | outcome | message):")
        for r in bad:
            msg = (r.get("message") or "").replace("\n", " ")[:160]
            lines.append(f"  {r['target']} | {r['arg']} | {r['mutation']} | {r['outcome']} | {msg}")
    if lat is not None:
        lines.append("")
        lines.append("SIGINT latency (SIGINT 0.5 s after the start):")
        for name, r in lat.items():
            lat_s = r.get("latency")
            ls = f"{lat_s * 1e3:.1f} ms" if isinstance(lat_s, float) else "-"
            lines.append(f"  {name}: {r.get('outcome')}, latency {ls}, call {r.get('duration', float('nan')):.2f} s")
    if gil is not None:
        lines.append("")
        if "max_gap_s" in gil:
            lines.append(
                f"GIL: 30 MVNormal d=24 distances took {gil['call_s']:.2f} s; "
                f"a 1 ms Python ticker saw {gil['ticks']} ticks, "
                f"longest gap {gil['max_gap_s'] * 1e3:.1f} ms (median {gil['median_gap_s'] * 1e3:.2f} ms)"
            )
        else:
            lines.append(f"GIL: {gil}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--only", default=None, help="keep the targets whose label contains this")
    ap.add_argument("--json", default=None, help="write every case to this file")
    ap.add_argument("--skip-latency", action="store_true", help="no Ctrl-C or GIL measurements")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.only)
        return 0
    t0 = time.perf_counter()
    records = run_cases(args.only, not args.quiet)
    seconds = time.perf_counter() - t0
    lat = gil = None
    if not args.skip_latency:
        lat = latencies()
        gil = gil_hold()
    text = report(records, lat, gil, seconds)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"cases": records, "latency": lat, "gil": gil}, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
