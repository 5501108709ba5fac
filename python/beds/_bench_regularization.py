"""Benchmark section of ``python -m beds bench``: the fused Fisher-Rao penalty kernels and SIGReg.

Rows (ns per element, speed-up over the best numpy formulation of the same quantity):

* ``normal fr_penalty``: value, gradient and natural gradient of ``lam/2 d_FR^2`` for N univariate
  normals (numpy: the closed-form log map, 5 output arrays, about 20 temporaries);
* ``diag_normal fr_penalty``: one mean-field belief over N weights (a single row of d = N: the
  "one penalty per network weight" case), value summed;
* ``sigreg``: LeJEPA's statistic for N embeddings of dimension D and M directions (ns per
  projection N * M), without and with the gradient; numpy evaluates the 17 knots with cos/sin on
  an (N, M, 17) array.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _core
from .diag_normal import DiagNormal
from .normal import Normal
from .regularization import fisher_rao_penalty, sigreg


def np_normal_fr_penalty(m, s, mr, sr, lam):
    """The same five outputs as beds.ufuncs.normal_fr_penalty, in numpy."""
    dm, ds = mr - m, sr - s
    r2 = 0.5 * dm * dm + ds * ds
    c = r2 / (2 * s * sr)
    sh = np.sqrt(c * (c + 2))
    rho = np.log1p(c + sh)
    f = np.divide(rho, sh, out=np.ones_like(sh), where=sh > 0) / sr
    nm = -lam * f * dm * s
    ns = -lam * f * (s * ds + 0.5 * r2)
    inv = 1.0 / (s * s)
    return lam * rho * rho, nm * inv, 2 * ns * inv, nm, ns


def np_sigreg(x, a, t_max=3.0, knots=17, grad=False):
    """LeJEPA's SIGReg in numpy (directions already unit rows)."""
    p = x @ a.T
    t = np.linspace(0, t_max, knots)
    h = t_max / (knots - 1)
    w = np.full(knots, 2 * h)
    w[[0, -1]] = h
    phi = np.exp(-t * t / 2)
    xt = p[..., None] * t
    cs, sn = np.cos(xt), np.sin(xt)
    c, s = cs.mean(axis=0), sn.mean(axis=0)
    wt = w * phi
    value = float(np.mean(((c - phi) ** 2 + s**2) @ wt) * x.shape[0])
    if not grad:
        return value
    dtdx = 2 * ((cs * (wt * t * s)) - sn * (wt * t * (c - phi))).sum(axis=-1)
    return value, dtdx @ a / a.shape[0]


def _best(fn: Callable[[], Any], budget: float) -> float:
    fn()
    best, start = float("inf"), time.perf_counter()
    for i in range(50):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
        if i >= 2 and time.perf_counter() - start > budget:
            break
    return best


def run(
    n: int = 10**6,
    sig_shape: tuple[int, int, int] = (2048, 128, 256),
    threads: tuple[int, ...] = (1,),
    budget: float = 0.3,
    print_fn: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Times the rows above; returns them as dicts."""
    rng = np.random.default_rng(3)
    m, mr = rng.standard_normal(n), rng.standard_normal(n)
    s, sr = np.exp(0.5 * rng.standard_normal(n)), np.exp(0.5 * rng.standard_normal(n))
    q, qr = Normal(m, s), Normal(mr, sr)
    dq, dqr = DiagNormal(m, s), DiagNormal(mr, sr)
    N, D, M = sig_shape
    x = rng.standard_normal((N, D))
    a = rng.standard_normal((M, D))
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    rows = [
        (
            "normal fr_penalty",
            lambda: fisher_rao_penalty(q, qr, 0.5),
            lambda: np_normal_fr_penalty(m, s, mr, sr, 0.5),
            n,
        ),
        (
            "diag_normal fr_penalty d=N",
            lambda: fisher_rao_penalty(dq, dqr, 0.5),
            lambda: [o.sum() if i == 0 else o for i, o in enumerate(np_normal_fr_penalty(m, s, mr, sr, 0.5))],
            n,
        ),
        (f"sigreg N={N} D={D} M={M}", lambda: sigreg(x, a), lambda: np_sigreg(x, a), N * M),
        ("sigreg + gradient", lambda: sigreg(x, a, grad=True), lambda: np_sigreg(x, a, grad=True), N * M),
    ]
    print_fn("")
    print_fn(
        "regularization kernels (ns per element; sigreg: per projection N*M; its two matrix products run in "
        "numpy's BLAS, whose threads beds does not set: OPENBLAS_NUM_THREADS / OMP_NUM_THREADS)"
    )
    out = []
    all_threads = _core.get_num_threads()
    try:
        base = {name: _best(nfn, budget) / count * 1e9 for name, _, nfn, count in rows}
        for th in threads:
            _core.set_num_threads(th)
            for name, fn, _, count in rows:
                t = _best(fn, budget) / count * 1e9
                print_fn(f"  {name:34s} thr {th:2d}  beds {t:9.2f}   numpy {base[name]:9.2f} ({base[name] / t:5.1f}x)")
                out.append({"kernel": name, "threads": th, "ns_per_element": t, "numpy_ns": base[name]})
    finally:
        _core.set_num_threads(all_threads)
    return out
