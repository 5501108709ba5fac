"""Shared pieces of the dynamics package: argument readers, the kind names and the crystallization rules."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validation import as_real_array, check_domain
from ..diag_normal import DiagNormal
from ..normal import Normal

#: belief kinds (``System.kind``, ``Trajectory.kind``)
KINDS = ("normal", "diag_normal", "mvnormal", "von_mises")
#: older spellings still accepted where a kind is given
KIND_ALIASES = {"mv_normal": "mvnormal"}
#: crystallization rules of the beliefs with several coordinates
RULES = ("trace", "max_eig", "det")
#: ``1/2 ln(2 pi e)``, the entropy of N(0, 1) in nats
HALF_LOG_2PI_E = 0.5 * math.log(2 * math.pi * math.e)


def canonical_kind(kind: str) -> str:
    """Return the canonical name of a belief kind (``"mv_normal"`` is read as ``"mvnormal"``).

    Parameters
    ----------
    kind : str
        A kind name or an older spelling of :data:`KIND_ALIASES`.

    Returns
    -------
    str
        One of :data:`KINDS`.

    Raises
    ------
    ValueError
        If the kind is unknown.

    Examples
    --------
    >>> from beds.dynamics._common import canonical_kind
    >>> canonical_kind("mv_normal")
    'mvnormal'
    """
    kind = KIND_ALIASES.get(kind, kind)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return kind


def f64(x: Any, name: str) -> np.ndarray:
    """Return ``x`` as a float64 array (no copy of float64 input), or raise a TypeError naming it.

    Integers and float32 are converted; NaN and infinities pass (the callers check domains).

    Parameters
    ----------
    x : array_like
        Real numbers.
    name : str
        The argument's name for the message.

    Returns
    -------
    numpy.ndarray
        A float64 array (0-d for a scalar).

    Raises
    ------
    TypeError
        If ``x`` does not hold real numbers (strings, bools, complex numbers, objects).
    """
    return as_real_array(x, name).astype(np.float64, copy=False)


def scalar_time(x: Any, name: str) -> float:
    """Return a time given as a finite real scalar, as a Python float.

    Parameters
    ----------
    x : float or array_like
        The time: a 0-d real value.
    name : str
        The argument's name for the messages.

    Returns
    -------
    float
        The time.

    Raises
    ------
    ValueError
        If ``x`` is not 0-d or not finite.
    TypeError
        If ``x`` is not a real number.
    """
    a = f64(x, name)
    if a.ndim != 0:
        raise ValueError(f"{name} must be a scalar, got shape {a.shape}")
    check_domain(name, a, "real")
    return float(a)


def bcast(a: np.ndarray, shape: tuple[int, ...], name: str) -> np.ndarray:
    """Broadcast an array to a shape (a read-only view), or raise a ValueError naming the argument.

    ``numpy.broadcast_to`` with a message that names ``name`` and both shapes.

    Parameters
    ----------
    a : numpy.ndarray
        The array.
    shape : tuple of int
        The target shape (``a`` must broadcast to it, not the other way round).
    name : str
        The argument's name for the message.

    Returns
    -------
    numpy.ndarray
        A read-only view of shape ``shape``.

    Raises
    ------
    ValueError
        If ``a`` does not broadcast to ``shape``.
    """
    try:
        return np.broadcast_to(a, shape)
    except ValueError:
        raise ValueError(f"{name} of shape {a.shape} does not broadcast to {shape}") from None


def check_spd(p: np.ndarray, name: str) -> None:
    """Check that every matrix of a batch is symmetric positive definite.

    Symmetric to a relative 1e-10 (``numpy.allclose`` with ``rtol=1e-10, atol=0``, so NaN fails),
    then all eigenvalues of ``eigvalsh`` (which reads the lower triangle) > 0.

    Parameters
    ----------
    p : numpy.ndarray
        Matrices, shape ``(..., d, d)``.
    name : str
        The argument's name for the messages.

    Raises
    ------
    ValueError
        If a matrix is not symmetric (or holds NaN), or not positive definite.
    """
    if not np.allclose(p, np.swapaxes(p, -1, -2), rtol=1e-10, atol=0.0):
        raise ValueError(f"{name} must be symmetric")
    if p.size and not (np.linalg.eigvalsh(p) > 0).all():
        raise ValueError(f"{name} must be positive definite")


def by_rule(v: np.ndarray, rule: str) -> np.ndarray:
    """Reduce the last axis by a crystallization rule: sum (``"trace"``), maximum or product (``"det"``).

    Applied to the variances of a mean-field belief or the eigenvalues of a covariance, it gives
    the trace, the largest eigenvalue or the determinant.

    Parameters
    ----------
    v : numpy.ndarray
        Variances or eigenvalues, shape ``(..., d)``.
    rule : str
        ``"trace"``, ``"max_eig"`` or ``"det"`` (not validated here: :data:`RULES`).

    Returns
    -------
    numpy.ndarray or numpy.floating
        The reduction, shape ``v.shape[:-1]``.

    Raises
    ------
    KeyError
        If ``rule`` is unknown (the constructors validate it first).
    """
    return {"trace": lambda: v.sum(-1), "max_eig": lambda: v.max(-1), "det": lambda: v.prod(-1)}[rule]()


def reference_pair(reference: Any, name: str, names: tuple[str, str]) -> tuple[Any, Any]:
    """Return the two parameters of a reference given as a belief or as a pair.

    A ``beds.Normal`` or ``beds.DiagNormal`` gives ``(mean, 1 / std^2)``; any object with the two
    attributes ``names`` gives them (a ``beds.VonMises`` for ``("mu", "kappa")``, or a
    :class:`~beds.System` for ``("mean", "precision")``); a tuple or list of length 2 is returned
    as it is.

    Parameters
    ----------
    reference : object
        The reference.
    name : str
        The argument's name for the message.
    names : tuple of str
        The two parameter names of the kind.

    Returns
    -------
    tuple
        The two parameters (not yet validated).

    Raises
    ------
    TypeError
        If ``reference`` is none of those.
    """
    if isinstance(reference, Normal | DiagNormal):
        return reference.mean, 1.0 / reference.std**2
    if hasattr(reference, names[0]) and hasattr(reference, names[1]):
        return getattr(reference, names[0]), getattr(reference, names[1])
    if isinstance(reference, tuple | list) and len(reference) == 2:
        return reference[0], reference[1]
    raise TypeError(f"{name} must be a belief or a pair {names}, got {type(reference).__name__}")


def read_observation(value: Any, precision: Any, matrices: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Read an observation: finite values and precisions >= 0 (or finite matrices).

    Parameters
    ----------
    value : array_like
        The observed values.
    precision : array_like
        The observation precisions.
    matrices : bool, optional
        Precisions of 2 or more dimensions are matrices (full Gaussians): only finiteness is
        checked here, the kind checks positive semi-definiteness.

    Returns
    -------
    value : numpy.ndarray
        The values, float64.
    precision : numpy.ndarray
        The precisions, float64.

    Raises
    ------
    ValueError
        If a value or precision is not finite, or a (non-matrix) precision is negative.
    TypeError
        If an argument does not hold real numbers.
    """
    x = f64(value, "value")
    r = f64(precision, "precision")
    check_domain("value", x, "real")
    check_domain("precision", r, "real" if matrices and r.ndim >= 2 else "nonnegative")
    return x, r
