"""SIGReg of LeJEPA (Balestriero & LeCun, arXiv 2511.08544, 2025): a sketched normality test of embeddings."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _core
from .._validation import as_real_array, check_domain


def _epps_pulley_quadrature(t_max: float, knots: int) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(0.0, t_max, knots)
    h = t_max / (knots - 1)
    w = np.full(knots, 2.0 * h)
    w[[0, -1]] = h
    return t, w * np.exp(-0.5 * t * t)


def sigreg(
    x: Any,
    directions: Any = None,
    *,
    num_directions: int = 256,
    seed: Any = None,
    t_max: float = 3.0,
    knots: int = 17,
    grad: bool = False,
) -> Any:
    """SIGReg of LeJEPA (Balestriero & LeCun 2025): a sketched test of ``embeddings ~ N(0, I)``.

    ``x`` is ``(N, D)``.  ``directions`` ``(M, D)`` are normalised to unit rows; when None, M =
    ``num_directions`` Gaussian directions are drawn from ``np.random.default_rng(seed)``
    (LeJEPA seeds them with the training step).  Per direction the Epps-Pulley statistic::

        T = N int_{-t_max}^{t_max} |phi(t) - e^{-t^2/2}|^2 e^{-t^2/2} dt,  phi(t) = mean_n e^{i t x_n}

    is integrated by the trapezoid rule on ``knots`` points of ``[0, t_max]`` (the integrand is
    even); SIGReg is the mean over directions.  The projections and the gradient product are BLAS
    matrix products; the characteristic functions and derivatives run vectorized and multithreaded
    in C++ (one sincos per projection, the other knots by complex recurrence).  Returns the value,
    or ``(value, dvalue/dx)``
    when ``grad`` is true.  float32 input is computed in float64, the gradient returned in float32.
    """
    xa = as_real_array(x, "x")
    if xa.ndim != 2 or xa.shape[0] == 0 or xa.shape[1] == 0:
        raise ValueError(f"x must be a non-empty (N, D) array of embeddings, got shape {xa.shape}")
    if directions is None:
        if not isinstance(num_directions, (int, np.integer)) or isinstance(num_directions, bool) or num_directions < 1:
            raise ValueError(f"num_directions must be a positive int, got {num_directions!r}")
        a = np.random.default_rng(seed).standard_normal((int(num_directions), xa.shape[1]))
    else:
        a = as_real_array(directions, "directions")
        if a.ndim != 2 or a.shape[1] != xa.shape[1] or a.shape[0] == 0:
            raise ValueError(f"directions must be (M, D) with D = {xa.shape[1]}, got shape {a.shape}")
        check_domain("directions", a, "real")
        a = a.astype(np.float64)
    nrm = np.linalg.norm(a, axis=1, keepdims=True)
    if not (nrm > 0).all():
        raise ValueError("directions must be nonzero rows")
    a = np.ascontiguousarray(a / nrm)
    if not (isinstance(knots, (int, np.integer)) and 2 <= knots <= _core.SIGREG_MAX_KNOTS):
        raise ValueError(f"knots must be an int in [2, {_core.SIGREG_MAX_KNOTS}], got {knots!r}")
    if not (isinstance(t_max, (int, float, np.floating)) and math.isfinite(t_max) and t_max > 0):
        raise ValueError(f"t_max must be finite and > 0, got {t_max!r}")
    x64 = xa.astype(np.float64, copy=False)
    proj = a @ x64.T  # (M, N): one contiguous row per direction (BLAS)
    value, _, dtdx = _core.sigreg_projections(proj, float(t_max), int(knots), bool(grad))
    if not math.isfinite(value):
        check_domain("x", xa, "real")
    if grad:
        g = dtdx.T @ a
        g /= a.shape[0]
        return value, g.astype(xa.dtype, copy=False) if xa.dtype.kind == "f" else g
    return value


class SIGReg:
    """SIGReg as an object with fixed settings: ``SIGReg(num_directions=256)(x, step)`` draws the
    directions from the seed ``step`` (as LeJEPA does with the global step); see :func:`sigreg`."""

    def __init__(self, num_directions: int = 256, t_max: float = 3.0, knots: int = 17) -> None:
        self.num_directions, self.t_max, self.knots = num_directions, t_max, knots

    def __call__(self, x: Any, step: int = 0, grad: bool = False) -> Any:
        return sigreg(x, num_directions=self.num_directions, seed=step, t_max=self.t_max, knots=self.knots, grad=grad)
