"""beds: fast, accurate information geometry of belief states.

The reference implementation of the BEDS framework (Bayesian Emergent Dissipative Structures):
beliefs are batches of distributions of one family; the Fisher-Rao geometry of each family is
computed by vectorized, multithreaded C++ kernels registered as numpy ufuncs.

Objects::

    p = beds.Normal(mean=np.zeros(10**6), std=np.ones(10**6))
    d = beds.distance(p, q)              # generic operations dispatch on the family

Array-level functions, per family: ``beds.normal.distance(mean1, std1, mean2, std2)`` and the raw
ufuncs in ``beds.ufuncs`` (for dask, xarray and other array libraries).
"""

from __future__ import annotations

from typing import Any

from . import (
    _core,
    categorical,
    cuda,
    diag_normal,
    dynamics,
    energy,
    exponential,
    mvnormal,
    normal,
    poisson,
    problems,
    regularization,
    special,
    thermo,
    ufuncs,
    von_mises,
)
from ._belief import Belief, ConvergenceWarning, Tangent
from .categorical import Categorical
from .diag_normal import DiagNormal
from .dynamics import System, Trajectory
from .exponential import Exponential
from .mvnormal import MVNormal
from .normal import Normal
from .poisson import Poisson
from .regularization import (
    GoverningEquation,
    PenaltyResult,
    SIGReg,
    belief_update,
    cholesky_grad,
    empirical_fisher,
    fisher_rao_penalty,
    kl_penalty,
    sac_temperature_update,
    sigreg,
)
from .thermo import (
    Diagnostics,
    coordinate_diagnostics,
    excess_work_bound,
    landauer_efficiency,
    trajectory_diagnostics,
)
from .von_mises import VonMises

__version__: str = _core.__version__

__all__ = [
    "Belief",
    "Categorical",
    "ConvergenceWarning",
    "DiagNormal",
    "Diagnostics",
    "Exponential",
    "GoverningEquation",
    "MVNormal",
    "Normal",
    "PenaltyResult",
    "Poisson",
    "SIGReg",
    "System",
    "Tangent",
    "Trajectory",
    "VonMises",
    "__version__",
    "belief_update",
    "categorical",
    "cholesky_grad",
    "coordinate_diagnostics",
    "cuda",
    "cuda_device_count",
    "diag_normal",
    "distance",
    "dynamics",
    "empirical_fisher",
    "energy",
    "entropy",
    "excess_work_bound",
    "exp",
    "exponential",
    "fisher_rao_penalty",
    "geodesic",
    "get_num_threads",
    "has_cuda",
    "inner",
    "jeffreys",
    "karcher_mean",
    "kl",
    "kl_penalty",
    "landauer_efficiency",
    "log",
    "metric",
    "mvnormal",
    "norm",
    "normal",
    "plot",
    "poisson",
    "problems",
    "regularization",
    "sac_temperature_update",
    "set_num_threads",
    "sigreg",
    "special",
    "thermo",
    "trajectory_diagnostics",
    "transport",
    "ufuncs",
    "von_mises",
]


def _belief(x: Any, what: str) -> Belief:
    if not isinstance(x, Belief):
        raise TypeError(f"{what} must be a belief (beds.Normal, beds.Categorical, ...), got {type(x).__name__}")
    return x


def _tangent(v: Any, what: str = "v") -> Tangent:
    if not isinstance(v, Tangent):
        raise TypeError(f"{what} must be a beds.Tangent (from p.tangent(...) or beds.log), got {type(v).__name__}")
    return v


def distance(p: Belief, q: Belief) -> Any:
    """Fisher-Rao distance between two belief batches of the same family (batch shapes broadcast)."""
    if not isinstance(p, Belief):
        _belief(p, "p")
    if not isinstance(q, Belief):
        _belief(q, "q")
    return p.distance(q)


def kl(p: Belief, q: Belief) -> Any:
    """Kullback-Leibler divergence KL(p || q) in nats."""
    if not isinstance(p, Belief):
        _belief(p, "p")
    if not isinstance(q, Belief):
        _belief(q, "q")
    return p.kl(q)


def jeffreys(p: Belief, q: Belief) -> Any:
    """Jeffreys divergence KL(p || q) + KL(q || p) in nats; sqrt(J) bounds the FR distance above."""
    if not isinstance(p, Belief):
        _belief(p, "p")
    if not isinstance(q, Belief):
        _belief(q, "q")
    return p.jeffreys(q)


def entropy(p: Belief) -> Any:
    """Entropy of each belief in nats."""
    return _belief(p, "p").entropy()


def geodesic(p: Belief, q: Belief, t: Any) -> Belief:
    """Point at parameter t of the Fisher-Rao geodesic from p (t = 0) to q (t = 1).

    ``t`` broadcasts with the batch shape (e.g. ``t[:, None]`` for a path of points per belief).
    """
    return _belief(p, "p").geodesic(_belief(q, "q"), t)


def exp(v: Tangent) -> Belief:
    """Riemannian exponential map at ``v.base``: where the geodesic with initial velocity v is at t = 1."""
    v = _tangent(v)
    return v.base.exp(v)


def log(p: Belief, q: Belief) -> Tangent:
    """Riemannian logarithm: the tangent vector at p with ``exp(log(p, q)) == q``; norm = distance."""
    return _belief(p, "p").log(_belief(q, "q"))


def transport(v: Tangent, q: Belief) -> Tangent:
    """Parallel transport of v from ``v.base`` to q along the geodesic (preserves inner products)."""
    v = _tangent(v)
    return v.base.transport(v, _belief(q, "q"))


def inner(u: Tangent, v: Tangent) -> Any:
    """Fisher-Rao inner product of two tangent vectors at the same beliefs (``u.base``)."""
    u = _tangent(u, "u")
    v = _tangent(v, "v")
    if u.base is not v.base and not all(
        a.shape == b.shape and (a is b or bool((a == b).all())) for a, b in zip(u.base._p, v.base._p)
    ):
        raise ValueError("u and v must be tangent at the same beliefs")
    return u.base.inner(u, v)


def norm(v: Tangent) -> Any:
    """Fisher-Rao norm of a tangent vector."""
    v = _tangent(v)
    return v.base.norm(v)


def metric(p: Belief) -> Any:
    """Fisher information matrix of each belief in its own coordinates, shape batch + (n, n)."""
    return _belief(p, "p").metric()


def karcher_mean(p: Belief, weights: Any = None, axis: Any = None, tol: float = 1e-12, max_iter: int = 100) -> Belief:
    """Weighted Frechet (Karcher) mean of a belief batch over batch axes (all when axis is None).

    Minimizes ``sum_i w_i d(m, p_i)^2``; closed form for the flat one-parameter families,
    Riemannian Newton / gradient descent with the closed-form exp and log maps otherwise.
    """
    return _belief(p, "p").karcher_mean(weights=weights, axis=axis, tol=tol, max_iter=max_iter)


def set_num_threads(n: int) -> None:
    """Sets the number of threads of the batched kernels (n <= 0: all available CPUs).

    The default is the number of CPUs available to the process, or ``BEDS_NUM_THREADS``.
    """
    if not isinstance(n, (int,)) or isinstance(n, bool):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    _core.set_num_threads(n)


def get_num_threads() -> int:
    """Number of threads used by the batched kernels."""
    return int(_core.get_num_threads())


def has_cuda() -> bool:
    """True when this build has CUDA kernels and a CUDA device is usable."""
    return bool(_core.built_with_cuda) and _core.cuda_device_count() > 0


def cuda_device_count() -> int:
    """Number of usable CUDA devices (0 when built without CUDA)."""
    return int(_core.cuda_device_count())


#: Submodules with optional dependencies, imported on first attribute access (``beds.plot``
#: needs matplotlib only when one of its functions is called).
_LAZY_SUBMODULES = ("experiments", "plot")


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
