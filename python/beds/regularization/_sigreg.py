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
    """Compute SIGReg, LeJEPA's sketched test of ``embeddings ~ N(0, I)``, and optionally its gradient.

    The embeddings ``x`` (N x D) are projected on M unit directions; per direction the Epps-Pulley
    statistic::

        T = N int_{-t_max}^{t_max} |phi(t) - e^{-t^2/2}|^2 e^{-t^2/2} dt,  phi(t) = mean_n e^{i t x_n}

    is integrated by the trapezoid rule on ``knots`` points of ``[0, t_max]`` (the integrand is
    even); SIGReg is the mean over directions (R. Balestriero and Y. LeCun, arXiv 2511.08544,
    2025).  It is small (of order 1) for standard normal embeddings and grows with N otherwise.  The
    projections and the gradient product are BLAS matrix products; the characteristic functions and
    their derivatives run vectorized and multithreaded in C++ (one sincos per projection, the other
    knots by complex recurrence), in float64.  See :doc:`/mathematics/regularization`.

    Parameters
    ----------
    x : array_like
        The embeddings, shape ``(N, D)`` with N, D >= 1, finite, real (computed in float64).
    directions : array_like, optional
        The directions, shape ``(M, D)``, finite and nonzero (normalised to unit rows).  By default
        ``num_directions`` Gaussian directions drawn from ``np.random.default_rng(seed)``.
    num_directions : int, optional
        M when ``directions`` is None, >= 1 (LeJEPA uses 256).
    seed : int or numpy.random.Generator, optional
        The seed of the random directions (LeJEPA seeds them with the training step); None draws
        fresh ones.
    t_max : float, optional
        The integration bound, finite and > 0.
    knots : int, optional
        The number of trapezoid knots on ``[0, t_max]``, in [2, 257].
    grad : bool, optional
        Also return the gradient with respect to ``x``.

    Returns
    -------
    value : float
        SIGReg, a Python float.
    gradient : numpy.ndarray
        Only when ``grad`` is true: ``dvalue/dx``, shape ``(N, D)``, in the dtype of ``x`` when it
        is a float type (float32 stays float32), float64 otherwise.

    Raises
    ------
    ValueError
        If ``x`` is not a non-empty 2-d array or not finite, ``directions`` has the wrong shape, is
        not finite or has a zero row, ``num_directions`` is not a positive int (or is too large to
        allocate), ``knots`` is not an int in [2, 257], or ``t_max`` is not finite and > 0.
    TypeError
        If ``x`` or ``directions`` does not hold real numbers.

    See Also
    --------
    SIGReg : The same with fixed settings, seeded by the step.

    Examples
    --------
    >>> import numpy as np, beds
    >>> x = np.random.default_rng(0).standard_normal((20000, 4))
    >>> round(beds.sigreg(x, seed=1), 2), round(beds.sigreg(x + 1.0, seed=1))  # shifted: far from N(0, I)
    (0.59, 8210)
    >>> value, g = beds.sigreg(x[:100], seed=1, grad=True)
    >>> g.shape
    (100, 4)
    """
    xa = as_real_array(x, "x")
    if xa.ndim != 2 or xa.shape[0] == 0 or xa.shape[1] == 0:
        raise ValueError(f"x must be a non-empty (N, D) array of embeddings, got shape {xa.shape}")
    if directions is None:
        if not isinstance(num_directions, (int, np.integer)) or isinstance(num_directions, bool) or num_directions < 1:
            raise ValueError(f"num_directions must be a positive int, got {num_directions!r}")
        try:
            a = np.random.default_rng(seed).standard_normal((int(num_directions), xa.shape[1]))
        except (MemoryError, ValueError, OverflowError):
            raise ValueError(
                f"num_directions = {num_directions!r} is too large: {num_directions!r} x {xa.shape[1]} directions "
                "cannot be allocated"
            ) from None
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
    """SIGReg with fixed settings: ``SIGReg(num_directions)(x, step)`` draws the directions from ``step``.

    LeJEPA (R. Balestriero and Y. LeCun, arXiv 2511.08544, 2025) redraws the random directions at
    every training step, seeded by the global step; calling this object does the same through
    :func:`sigreg` with ``seed=step``.  The settings are plain attributes (not validated until the
    first call).

    Parameters
    ----------
    num_directions : int, optional
        The number of random directions M, >= 1.
    t_max : float, optional
        The integration bound, finite and > 0.
    knots : int, optional
        The number of trapezoid knots, in [2, 257].

    Raises
    ------
    ValueError
        Only when called, as :func:`sigreg`: the constructor checks nothing.

    See Also
    --------
    sigreg : The function, with all its options.

    Examples
    --------
    >>> import numpy as np, beds
    >>> x = np.random.default_rng(0).standard_normal((512, 8))
    >>> reg = beds.SIGReg(num_directions=16)
    >>> reg(x, step=3) == beds.sigreg(x, num_directions=16, seed=3)
    True
    """

    def __init__(self, num_directions: int = 256, t_max: float = 3.0, knots: int = 17) -> None:
        self.num_directions, self.t_max, self.knots = num_directions, t_max, knots

    def __call__(self, x: Any, step: int = 0, grad: bool = False) -> Any:
        """Compute SIGReg of a batch of embeddings with the directions of step ``step``.

        ``sigreg(x, num_directions=self.num_directions, seed=step, t_max=self.t_max,
        knots=self.knots, grad=grad)``: the same ``step`` gives the same directions.

        Parameters
        ----------
        x : array_like
            The embeddings, shape ``(N, D)``, finite.
        step : int, optional
            The training step, the seed of the directions (any seed of ``np.random.default_rng``).
        grad : bool, optional
            Also return the gradient with respect to ``x``.

        Returns
        -------
        float or tuple of (float, numpy.ndarray)
            The value, or ``(value, dvalue/dx)`` when ``grad`` is true (see :func:`sigreg`).

        Raises
        ------
        ValueError
            As :func:`sigreg` (bad ``x``, or settings outside their domains).
        TypeError
            If ``x`` does not hold real numbers.

        Examples
        --------
        >>> import numpy as np, beds
        >>> x = np.random.default_rng(0).standard_normal((512, 8))
        >>> v, g = beds.SIGReg(num_directions=16)(x, step=0, grad=True)
        >>> g.shape
        (512, 8)
        """
        return sigreg(x, num_directions=self.num_directions, seed=step, t_max=self.t_max, knots=self.knots, grad=grad)
