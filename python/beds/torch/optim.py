"""A torch optimizer for the natural-gradient / Riemannian step of :class:`beds.GoverningEquation`.

Mean-field Gaussian parameter beliefs (Bayes by backprop, variational continual learning, ...)
hold one normal belief ``N(mean, std^2)`` per weight: a ``mean`` tensor and a ``std`` or ``log_std``
tensor of the same shape.  :class:`GaussianNaturalGradient` steps such pairs along the governing
equation of the BEDS regularizers (our reconstruction, see :mod:`beds.regularization`)::

    dtheta/dt     = -G(theta)^-1 grad[ L(theta) + strength/2 d_FR^2(theta, theta_ref) ]
    dtheta_ref/dt = gamma (theta - theta_ref)

with G the Fisher metric of each weight's belief, L the training loss whose gradients autograd
left in ``.grad``, and a reference belief per weight (the prior N(prior_mean, prior_std^2) at the
start, the previous task's posterior after :meth:`GaussianNaturalGradient.consolidate`).  Each step
is ``beds.GoverningEquation.fisher_rao(...).step(q, lr, loss_grad, method)`` on the weights'
beliefs, so it is exactly the library's step; :meth:`~beds.GoverningEquation.advance` moves a
moving reference (``gamma > 0``) by the same time lr.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch

from .._belief import Belief
from ..normal import Normal
from ..regularization import GoverningEquation
from ._autograd import _device_error, to_numpy

__all__ = ["GaussianNaturalGradient"]

_METHODS = ("riemannian", "explicit", "implicit")
_SCALES = ("log_std", "std")


def _check_option(name: str, value: Any, ok: bool, what: str) -> None:
    if not ok:
        raise ValueError(f"GaussianNaturalGradient: {name} must be {what}, got {value!r}")


class GaussianNaturalGradient(torch.optim.Optimizer):
    """Natural-gradient steps of the BEDS governing equation on mean-field Gaussian weights.

    A drop-in ``torch.optim.Optimizer`` (param groups, per-group options, ``state_dict`` /
    ``load_state_dict``, closures, learning-rate schedulers) for the (mean, scale) pairs of the
    Bayesian parts of a model; the deterministic parameters can stay with Adam or SGD.

    The class is longer than the 300-line guideline because it holds the documented update rule and its
    parameters; about 150 of its lines are code.

    Parameters
    ----------
    params : iterable
        ``(mean, scale)`` pairs of leaf tensors of the same shape, dtype (float32 or float64) and
        device (CPU), both requiring grad; or dicts ``{"params": [(mean, scale), ...], **options}``
        (param groups).  ``scale`` is ``log std`` (default) or ``std`` (option ``scale``).
    lr : float, default 1e-2
        Step size: the time step of the governing equation.
    scale : {"log_std", "std"}
        What the second tensor of each pair holds.
    strength : float, default 0.0
        The strength lambda >= 0 of the Fisher-Rao penalty ``lambda/2 sum_w d_FR^2(q_w, q_ref,w)``
        (summed over the weights; 0: plain natural-gradient descent of the loss).
    prior_mean, prior_std : float, default 0.0 and 1.0
        The initial reference belief of every weight.
    gamma : float, default 0.0
        Rate of the moving reference (``gamma > 0``: after each step the reference moves toward the
        beliefs along the Fisher-Rao geodesic by ``1 - exp(-gamma lr)``).
    method : {"riemannian", "explicit", "implicit"}
        ``"riemannian"``: ``Exp_q(-lr G^-1 grad)`` with the normal family's closed-form exponential
        map (never leaves std > 0); ``"explicit"``: natural-gradient step in the (mean, scale)
        coordinates; ``"implicit"``: natural-gradient step on the loss, then the exact proximal step
        of the penalty (unconditionally stable for large ``lr * strength``).

    Raises
    ------
    TypeError
        params that are not (mean, scale) tensor pairs, CUDA tensors, dtypes other than
        float32/float64, non-leaf tensors.
    ValueError
        Pairs of different shapes or dtypes, tensors that do not require grad, options out of range.

    Notes
    -----
    The state of each pair (kept under its ``mean`` tensor) holds the reference belief
    (``ref_mean``, ``ref_std``) and the step count; it is saved by :meth:`state_dict`.  Pairs whose
    two gradients are None are skipped (as torch optimizers skip parameters without gradients).
    Reference: Amari, "Natural gradient works efficiently in learning", Neural Computation 10 (1998).

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> mean = torch.zeros(3, requires_grad=True)
    >>> log_std = torch.zeros(3, requires_grad=True)
    >>> opt = bt.optim.GaussianNaturalGradient([(mean, log_std)], lr=0.1, strength=1.0, prior_mean=1.0)
    >>> for _ in range(100):
    ...     opt.zero_grad()
    ...     loss = ((mean - 2.0) ** 2).sum()    # the data pull the means toward 2
    ...     loss.backward()
    ...     _ = opt.step()
    >>> [round(x, 2) for x in mean.tolist()]    # between the data (2) and the prior (1)
    [1.7, 1.7, 1.7]
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        *,
        scale: str = "log_std",
        strength: float = 0.0,
        prior_mean: float = 0.0,
        prior_std: float = 1.0,
        gamma: float = 0.0,
        method: str = "riemannian",
    ) -> None:
        defaults = {
            "lr": lr,
            "scale": scale,
            "strength": strength,
            "prior_mean": prior_mean,
            "prior_std": prior_std,
            "gamma": gamma,
            "method": method,
        }
        self._check_options(defaults)
        super().__init__(params, defaults)

    # ------------------------------------------------------------------------------ groups
    @staticmethod
    def _check_options(g: dict[str, Any]) -> None:
        def num(x: Any) -> bool:
            return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)

        _check_option("lr", g["lr"], num(g["lr"]) and g["lr"] > 0, "a finite number > 0")
        _check_option("scale", g["scale"], g["scale"] in _SCALES, "'log_std' or 'std'")
        _check_option("method", g["method"], g["method"] in _METHODS, "one of " + ", ".join(map(repr, _METHODS)))
        _check_option("strength", g["strength"], num(g["strength"]) and g["strength"] >= 0, "a finite number >= 0")
        _check_option("prior_mean", g["prior_mean"], num(g["prior_mean"]), "a finite number")
        _check_option("prior_std", g["prior_std"], num(g["prior_std"]) and g["prior_std"] > 0, "a finite number > 0")
        _check_option("gamma", g["gamma"], num(g["gamma"]) and g["gamma"] >= 0, "a finite number >= 0")

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of ``(mean, scale)`` pairs, with its own options.

        The torch ``Optimizer`` interface: the pairs are checked (leaf CPU tensors of one float dtype and
        shape, requiring grad) and flattened into the group's ``params``; missing options take the
        optimizer's defaults, and every option is checked.

        Parameters
        ----------
        param_group : dict
            ``{"params": [(mean, scale), ...], **options}`` with the options of the constructor.

        Raises
        ------
        TypeError
            If ``param_group`` is not a dict, its params are not (mean, scale) pairs of leaf CPU tensors
            of dtype float32 or float64.
        ValueError
            If a pair's tensors differ in shape or dtype or do not require grad, the group is empty, or an
            option is out of range.

        Examples
        --------
        >>> import torch, beds.torch as bt
        >>> mean, log_std = torch.zeros(3, requires_grad=True), torch.zeros(3, requires_grad=True)
        >>> opt = bt.optim.GaussianNaturalGradient([(mean, log_std)], lr=0.1)
        >>> m2, s2 = torch.zeros(2, requires_grad=True), torch.ones(2, requires_grad=True)
        >>> opt.add_param_group({"params": [(m2, s2)], "scale": "std", "lr": 0.5})
        >>> len(opt.param_groups), opt.param_groups[1]["scale"]
        (2, 'std')
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        pairs = group.get("params")
        if isinstance(pairs, torch.Tensor) or pairs is None:
            raise TypeError(
                "GaussianNaturalGradient: params must be an iterable of (mean, scale) tensor pairs, "
                f"got {type(pairs).__name__}"
            )
        flat: list[torch.Tensor] = []
        for i, pr in enumerate(list(pairs)):
            if not (isinstance(pr, (tuple, list)) and len(pr) == 2):
                raise TypeError(
                    f"GaussianNaturalGradient: params[{i}] must be a (mean, scale) pair of tensors, "
                    f"got {type(pr).__name__}"
                )
            self._check_pair(i, pr[0], pr[1])
            flat += [pr[0], pr[1]]
        if not flat:
            raise ValueError("GaussianNaturalGradient: a param group needs at least one (mean, scale) pair")
        group["params"] = flat
        for k, v in self.defaults.items():
            group.setdefault(k, v)
        self._check_options(group)
        super().add_param_group(group)

    @staticmethod
    def _check_pair(i: int, mean: Any, scale: Any) -> None:
        for what, t in (("mean", mean), ("scale", scale)):
            name = f"params[{i}] ({what})"
            if not isinstance(t, torch.Tensor):
                raise TypeError(f"GaussianNaturalGradient: {name} must be a torch.Tensor, got {type(t).__name__}")
            if t.device.type != "cpu":
                raise _device_error("GaussianNaturalGradient", name, t)
            if t.dtype not in (torch.float32, torch.float64):
                raise TypeError(f"GaussianNaturalGradient: {name} must be float32 or float64, got {t.dtype}")
            if not t.is_leaf:
                raise TypeError(
                    f"GaussianNaturalGradient: {name} is not a leaf tensor (it is computed from other "
                    "tensors); optimize the leaf parameters it comes from"
                )
            if not t.requires_grad:
                raise ValueError(f"GaussianNaturalGradient: {name} does not require grad (call .requires_grad_())")
        if mean.shape != scale.shape:
            raise ValueError(
                f"GaussianNaturalGradient: params[{i}] mean {tuple(mean.shape)} and scale {tuple(scale.shape)} "
                "must have the same shape (one belief per weight)"
            )
        if mean.dtype != scale.dtype:
            raise ValueError(f"GaussianNaturalGradient: params[{i}] mean is {mean.dtype} but scale is {scale.dtype}")

    # ------------------------------------------------------------------------------ state
    def _state(self, group: dict[str, Any], mean: torch.Tensor) -> dict[str, Any]:
        st = self.state[mean]
        if "ref_mean" not in st:
            st["step"] = 0
            st["ref_mean"] = torch.full_like(mean, group["prior_mean"], memory_format=torch.contiguous_format)
            st["ref_std"] = torch.full_like(mean, group["prior_std"], memory_format=torch.contiguous_format)
        return st

    def _pairs(self) -> Iterable[tuple[dict[str, Any], torch.Tensor, torch.Tensor]]:
        for group in self.param_groups:
            ps = group["params"]
            for mean, scale in zip(ps[0::2], ps[1::2]):
                yield group, mean, scale

    @staticmethod
    def _std(group: dict[str, Any], scale: torch.Tensor) -> np.ndarray:
        s = to_numpy(scale)
        return np.exp(s) if group["scale"] == "log_std" else s

    def beliefs(self) -> list[Normal]:
        """Return the current beliefs of every pair, as :class:`beds.Normal` batches (copies).

        One batch per (mean, scale) pair, in the order of the param groups; ``std`` is ``exp(scale)`` for
        ``scale="log_std"``.

        Returns
        -------
        list of beds.Normal
            The beliefs, of the shapes (and dtypes) of the tensors.

        Examples
        --------
        >>> import torch, beds.torch as bt
        >>> mean, log_std = torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
        >>> bt.optim.GaussianNaturalGradient([(mean, log_std)]).beliefs()
        [Normal(mean=[0. 0.], std=[1. 1.], batch_shape=(2,))]
        """
        return [Normal(to_numpy(m).copy(), np.array(self._std(g, s))) for g, m, s in self._pairs()]

    def references(self) -> list[Normal]:
        """Return the reference belief of every pair (the prior until :meth:`consolidate`).

        The references are the anchors of the Fisher-Rao penalty (copies of the optimizer's state).

        Returns
        -------
        list of beds.Normal
            One batch per pair, in the order of the param groups.

        Examples
        --------
        >>> import torch, beds.torch as bt
        >>> mean, log_std = torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
        >>> bt.optim.GaussianNaturalGradient([(mean, log_std)], prior_mean=1.0).references()
        [Normal(mean=[1. 1.], std=[1. 1.], batch_shape=(2,))]
        """
        out = []
        for g, m, _ in self._pairs():
            st = self._state(g, m)
            out.append(Normal(to_numpy(st["ref_mean"]).copy(), to_numpy(st["ref_std"]).copy()))
        return out

    @torch.no_grad()
    def consolidate(self) -> None:
        """End a task: every reference becomes the current belief.

        The ``previous_task`` law of :meth:`beds.GoverningEquation.consolidate`: later steps pull the
        weights toward the beliefs they hold now (variational continual learning, EWC-like).

        Examples
        --------
        >>> import torch, beds.torch as bt
        >>> mean, log_std = torch.full((2,), 0.5, requires_grad=True), torch.zeros(2, requires_grad=True)
        >>> opt = bt.optim.GaussianNaturalGradient([(mean, log_std)])
        >>> opt.consolidate(); opt.references()
        [Normal(mean=[0.5 0.5], std=[1. 1.], batch_shape=(2,))]
        """
        for g, m, s in self._pairs():
            st = self._state(g, m)
            st["ref_mean"].copy_(m)
            st["ref_std"].copy_(torch.exp(s) if g["scale"] == "log_std" else s)

    # ------------------------------------------------------------------------------ step
    def _equation(self, group: dict[str, Any], ref: Belief) -> GoverningEquation:
        return GoverningEquation.fisher_rao(
            ref,
            strength=float(group["strength"]),
            gamma=float(group["gamma"]),
            param="log_std" if group["scale"] == "log_std" else None,
        )

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Take one step of the governing equation for every (mean, scale) pair with a gradient.

        For each pair, ``beds.GoverningEquation.fisher_rao(ref, strength, gamma, param).step(q, lr,
        loss_grad, method)`` on its beliefs, with the loss gradients that autograd left in ``.grad``; with
        ``gamma > 0`` the reference then moves toward the new beliefs (:meth:`beds.GoverningEquation.advance`).
        Pairs without gradients are skipped.

        Parameters
        ----------
        closure : callable, optional
            Re-evaluates the model and returns the loss (called with gradients enabled).

        Returns
        -------
        object
            The closure's loss, or None without a closure.

        Raises
        ------
        TypeError
            If a gradient is sparse.
        ValueError
            If an option of a group was set out of range, or a step leaves the manifold (an
            ``"explicit"`` step in ``scale="std"`` that makes a std <= 0; the message suggests a
            smaller lr or another method).

        Examples
        --------
        >>> import torch, beds.torch as bt
        >>> mean, log_std = torch.zeros(3, requires_grad=True), torch.zeros(3, requires_grad=True)
        >>> opt = bt.optim.GaussianNaturalGradient([(mean, log_std)], lr=0.1, strength=1.0, prior_mean=1.0)
        >>> ((mean - 2.0) ** 2).sum().backward()
        >>> opt.step()
        >>> [round(x, 4) for x in mean.tolist()]
        [0.4841, 0.4841, 0.4841]
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group, mean, scale in self._pairs():
            if mean.grad is None and scale.grad is None:
                continue
            self._check_options(group)
            st = self._state(group, mean)
            q = Normal(to_numpy(mean), self._std(group, scale))
            ref = Normal(to_numpy(st["ref_mean"]), to_numpy(st["ref_std"]))
            eq = self._equation(group, ref)
            sname = "log_std" if group["scale"] == "log_std" else "std"
            grads = {}
            for name, t in (("mean", mean), (sname, scale)):
                if t.grad is not None:
                    if t.grad.is_sparse:
                        raise TypeError("GaussianNaturalGradient does not support sparse gradients")
                    grads[name] = to_numpy(t.grad)
            lr = float(group["lr"])
            new = eq.step(q, lr, loss_grad=grads, method=group["method"])
            if group["gamma"] > 0:
                ref = eq.advance(new, lr)
                st["ref_mean"].copy_(torch.from_numpy(np.array(ref.mean)))
                st["ref_std"].copy_(torch.from_numpy(np.array(ref.std)))
            mean.copy_(torch.from_numpy(np.array(new.mean)))
            s_new = np.array(new.std)
            scale.copy_(torch.from_numpy(np.log(s_new) if group["scale"] == "log_std" else s_new))
            st["step"] += 1
        return loss
