"""The EMA helpers: an exponential moving average is the steady-state BEDS filter.

Dissipating a Gaussian belief for a step ``Delta`` at rate gamma, then assimilating one
observation of precision tau_D, reaches the steady precision ``tau* = tau_D / alpha`` with
``alpha = 1 - exp(-gamma Delta)``; there the update of the mean is the exponential moving average
``mean+ = (1 - alpha) mean- + alpha D``, of decay ``beta = 1 - alpha`` per step.  See
:doc:`/mathematics/dynamics`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_broadcast, check_domain, check_finite_result
from ._common import f64


def gamma_from_ema(beta: Any, step: Any) -> np.ndarray:
    """Compute the dissipation rate of the BEDS filter that is an EMA of decay ``beta`` per ``step``.

    ``gamma = -ln(beta) / step``: an exponential moving average ``m <- beta m + (1 - beta) D``
    applied every ``step`` is the steady state of a belief dissipating at rate gamma and
    assimilating one observation per step (:doc:`/mathematics/dynamics`).  The inverse of
    :func:`ema_decay`.

    Parameters
    ----------
    beta : array_like
        The EMA decay per step, in (0, 1] (1: no forgetting, gamma = 0).
    step : array_like
        The time between two updates, > 0 and finite; broadcasts with ``beta``.

    Returns
    -------
    numpy.ndarray or numpy.floating
        The rates (>= 0, per unit time), float64, with the broadcast shape (a numpy scalar for
        scalar input; ``beta = 1`` gives -0.0).

    Raises
    ------
    ValueError
        If ``beta`` is not in (0, 1] or not finite, ``step`` is not > 0 and finite, the shapes do
        not broadcast, or the rate overflows the float range (a tiny ``step``).
    TypeError
        If an argument does not hold real numbers.

    See Also
    --------
    ema_decay : The inverse map.
    ema_gain : The steady-state gain ``1 - beta``.
    beds.GoverningEquation.ema : The EMA as a moving reference of a regularizer.

    Examples
    --------
    >>> import beds
    >>> g = float(beds.dynamics.gamma_from_ema(0.9, 1.0))
    >>> round(g, 12), round(float(beds.dynamics.ema_decay(g, 1.0)), 12)
    (0.105360515658, 0.9)
    """
    b = f64(beta, "beta")
    s = f64(step, "step")
    check_domain("step", s, "positive")
    check_domain("beta", b, "positive")
    if not (b <= 1).all():
        raise ValueError("beta must be in (0, 1]")
    check_broadcast("gamma_from_ema", beta=b, step=s)
    with np.errstate(over="ignore"):
        g = -np.log(b) / s
    check_finite_result("gamma_from_ema", g, " (-ln(beta) / step exceeds the largest float: step too small)")
    return g


def ema_decay(gamma: Any, step: Any) -> np.ndarray:
    """Compute the EMA decay per step of the steady-state BEDS filter.

    ``beta = exp(-gamma step)``: the weight that an exponential moving average updated every
    ``step`` keeps on its previous value when it is the steady state of a belief dissipating at
    rate gamma (:doc:`/mathematics/dynamics`).  The inverse of :func:`gamma_from_ema`.

    Parameters
    ----------
    gamma : array_like
        The dissipation rate per unit time, >= 0 and finite.
    step : array_like
        The time between two updates, > 0 and finite; broadcasts with ``gamma``.

    Returns
    -------
    numpy.ndarray or numpy.floating
        The decays, in (0, 1], float64, with the broadcast shape (a numpy scalar for scalar
        input).

    Raises
    ------
    ValueError
        If ``gamma`` is negative or not finite, ``step`` is not > 0 and finite, or the shapes do
        not broadcast.
    TypeError
        If an argument does not hold real numbers.

    See Also
    --------
    gamma_from_ema : The inverse map.
    ema_gain : ``1 - beta``, computed without cancellation.

    Examples
    --------
    >>> import beds
    >>> beds.dynamics.ema_decay([0.1, 1.0], 1.0).round(6)
    array([0.904837, 0.367879])
    """
    g = f64(gamma, "gamma")
    s = f64(step, "step")
    check_domain("gamma", g, "nonnegative")
    check_domain("step", s, "positive")
    check_broadcast("ema_decay", gamma=g, step=s)
    with np.errstate(over="ignore", under="ignore"):
        return np.exp(-g * s)  # (gamma step beyond the float range: 0, the limit)


def ema_gain(gamma: Any, step: Any) -> np.ndarray:
    """Compute the steady-state gain ``alpha = 1 - exp(-gamma step)`` of the BEDS filter.

    Dissipating for ``step`` then assimilating one observation of precision tau_D reaches the
    steady precision ``tau* = tau_D / alpha``, where the mean is updated as ``mean+ = (1 - alpha)
    mean- + alpha D``: an EMA of decay ``beta = 1 - alpha`` (:doc:`/mathematics/dynamics`).
    Computed as ``-expm1(-gamma step)``, accurate for small ``gamma step``.

    Parameters
    ----------
    gamma : array_like
        The dissipation rate per unit time, >= 0 and finite.
    step : array_like
        The time between two observations, > 0 and finite; broadcasts with ``gamma``.

    Returns
    -------
    numpy.ndarray or numpy.floating
        The gains, in [0, 1), float64, with the broadcast shape (a numpy scalar for scalar
        input).

    Raises
    ------
    ValueError
        If ``gamma`` is negative or not finite, ``step`` is not > 0 and finite, or the shapes do
        not broadcast.
    TypeError
        If an argument does not hold real numbers.

    See Also
    --------
    ema_decay : ``1 - alpha``.

    Examples
    --------
    >>> import beds
    >>> alpha = float(beds.dynamics.ema_gain(0.1, 1.0))
    >>> s = beds.System.normal([0.5], precision=[1.0 / alpha], gamma=0.1)  # tau* for tau_D = 1
    >>> a = s.dissipate(1.0).assimilate(2.0, precision=1.0)
    >>> bool(abs(a.mean[0] - ((1 - alpha) * 0.5 + alpha * 2.0)) < 1e-12), round(float(a.precision[0] * alpha), 12)
    (True, 1.0)
    """
    g = f64(gamma, "gamma")
    s = f64(step, "step")
    check_domain("gamma", g, "nonnegative")
    check_domain("step", s, "positive")
    check_broadcast("ema_gain", gamma=g, step=s)
    with np.errstate(over="ignore", under="ignore"):
        return -np.expm1(-g * s)
