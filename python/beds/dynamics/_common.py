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
HALF_LOG_2PI_E = 0.5 * math.log(2 * math.pi * math.e)


def canonical_kind(kind: str) -> str:
    """The kind name of ``kind`` (``"mv_normal"`` is read as ``"mvnormal"``); ValueError if unknown."""
    kind = KIND_ALIASES.get(kind, kind)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return kind


def f64(x: Any, name: str) -> np.ndarray:
    """``x`` as a float64 array (no copy of float64 input); TypeError naming ``name`` otherwise."""
    return as_real_array(x, name).astype(np.float64, copy=False)


def scalar_time(x: Any, name: str) -> float:
    """A finite scalar time."""
    a = f64(x, name)
    if a.ndim != 0:
        raise ValueError(f"{name} must be a scalar, got shape {a.shape}")
    check_domain(name, a, "real")
    return float(a)


def bcast(a: np.ndarray, shape: tuple[int, ...], name: str) -> np.ndarray:
    """``np.broadcast_to`` with a ValueError that names the argument."""
    try:
        return np.broadcast_to(a, shape)
    except ValueError:
        raise ValueError(f"{name} of shape {a.shape} does not broadcast to {shape}") from None


def check_spd(p: np.ndarray, name: str) -> None:
    """ValueError naming ``name`` unless every matrix of ``p`` is symmetric positive definite."""
    if not np.allclose(p, np.swapaxes(p, -1, -2), rtol=1e-10, atol=0.0):
        raise ValueError(f"{name} must be symmetric")
    if p.size and not (np.linalg.eigvalsh(p) > 0).all():
        raise ValueError(f"{name} must be positive definite")


def by_rule(v: np.ndarray, rule: str) -> np.ndarray:
    """The crystallization rule over the last axis of ``v`` (variances or covariance eigenvalues):
    their sum (the trace), largest value or product (the determinant)."""
    return {"trace": lambda: v.sum(-1), "max_eig": lambda: v.max(-1), "det": lambda: v.prod(-1)}[rule]()


def reference_pair(reference: Any, name: str, names: tuple[str, str]) -> tuple[Any, Any]:
    """The two parameters of a reference given as a belief (Gaussian: mean and precision) or a pair."""
    if isinstance(reference, Normal | DiagNormal):
        return reference.mean, 1.0 / reference.std**2
    if hasattr(reference, names[0]) and hasattr(reference, names[1]):
        return getattr(reference, names[0]), getattr(reference, names[1])
    if isinstance(reference, tuple | list) and len(reference) == 2:
        return reference[0], reference[1]
    raise TypeError(f"{name} must be a belief or a pair {names}, got {type(reference).__name__}")


def read_observation(value: Any, precision: Any, matrices: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """A validated observation: finite values, precisions >= 0 (or finite matrices when ``matrices``)."""
    x = f64(value, "value")
    r = f64(precision, "precision")
    check_domain("value", x, "real")
    check_domain("precision", r, "real" if matrices and r.ndim >= 2 else "nonnegative")
    return x, r
