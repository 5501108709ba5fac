"""beds.torch: differentiable Fisher-Rao geometry and natural-gradient optimizers for PyTorch.

Optional (PyTorch is never needed to ``import beds``).  One module per family, with the arguments
of the numpy array functions of beds and torch tensors in and out::

    import beds.torch as bt
    d = bt.normal.distance(mean, std, mean_ref, std_ref)          # differentiable, per belief
    loss = loss + bt.diag_normal.fisher_rao_penalty(mu, sigma, mu0, sigma0, lam).sum()

Families: :mod:`~beds.torch.normal`, :mod:`~beds.torch.diag_normal`,
:mod:`~beds.torch.categorical` (from logits), :mod:`~beds.torch.von_mises`,
:mod:`~beds.torch.mvnormal` (covariances or Cholesky factors); each has ``distance``, ``kl``,
``jeffreys``, ``fisher_rao_penalty`` (``return_natural=True`` adds the natural gradient) and
``natural_gradient``.  :class:`~beds.torch.optim.GaussianNaturalGradient` is a torch optimizer for
the natural-gradient / Riemannian step of :class:`beds.GoverningEquation` on mean-field Gaussian
weights.

CPU tensors go to the compiled kernels without copies and results come back as tensors of the input
dtype (float32 or float64).  CUDA tensors raise a TypeError that says how to proceed (nothing is
moved between devices silently).
"""

from __future__ import annotations

try:
    import torch as _torch  # noqa: F401
except ImportError as e:  # pragma: no cover - exercised only without torch
    raise ModuleNotFoundError(
        "beds.torch needs PyTorch (pip install 'beds[torch]', or the CPU build: "
        "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu); "
        "the rest of beds works without it",
        name="torch",
    ) from e

from . import categorical, diag_normal, mvnormal, normal, optim, von_mises
from ._autograd import Penalty
from .optim import GaussianNaturalGradient

__all__ = [
    "GaussianNaturalGradient",
    "Penalty",
    "categorical",
    "diag_normal",
    "mvnormal",
    "normal",
    "optim",
    "von_mises",
]
