"""The EMA helpers: an exponential moving average is the steady-state BEDS filter (docs: mathematics/dynamics)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_domain
from ._common import f64


def gamma_from_ema(beta: Any, step: Any) -> np.ndarray:
    """Dissipation rate of the BEDS filter equivalent to an EMA with decay ``beta`` every ``step``:
    ``gamma = -ln(beta) / step`` (docs page ``mathematics/dynamics``; beta in (0, 1], step > 0)."""
    b = f64(beta, "beta")
    s = f64(step, "step")
    check_domain("step", s, "positive")
    check_domain("beta", b, "positive")
    if not (b <= 1).all():
        raise ValueError("beta must be in (0, 1]")
    return -np.log(b) / s


def ema_decay(gamma: Any, step: Any) -> np.ndarray:
    """EMA decay ``beta = exp(-gamma step)`` of the steady-state BEDS filter (gamma >= 0, step > 0)."""
    g = f64(gamma, "gamma")
    s = f64(step, "step")
    check_domain("gamma", g, "nonnegative")
    check_domain("step", s, "positive")
    return np.exp(-g * s)


def ema_gain(gamma: Any, step: Any) -> np.ndarray:
    """Steady-state gain ``alpha = 1 - exp(-gamma step)``: dissipating for ``step`` then assimilating
    one observation of precision tau_D gives ``tau* = tau_D / alpha`` and ``mu+ = (1 - alpha) mu- +
    alpha D``, an EMA with decay ``beta = 1 - alpha`` (docs page ``mathematics/dynamics``)."""
    g = f64(gamma, "gamma")
    s = f64(step, "step")
    check_domain("gamma", g, "nonnegative")
    check_domain("step", s, "positive")
    return -np.expm1(-g * s)
