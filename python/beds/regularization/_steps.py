"""The steps of :class:`~beds.GoverningEquation` on parameter vectors and on beliefs.

On beliefs every coordinate change goes through the chart of ``param`` (:meth:`beds.Belief.chart`)
and every metric through the family (:meth:`beds.Belief.apply_metric`), so these functions hold
no knowledge of any family.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._belief import Belief, tangent
from .._geometry import Arrays, broadcast_components, event_ndims, expand, parameters
from .._validation import as_real_array, check_domain


def coordinates(q: Belief, param: str | None) -> tuple[tuple[str, ...], Arrays]:
    """The names and values of the coordinates ``param`` of q."""
    chart = q.chart(param)
    return chart.names, chart.coordinates(q)


def at_coordinates(q: Belief, param: str | None, coords: Arrays) -> Belief:
    """The belief of q's family at ``coords`` (chart ``param``); ValueError when a step left the manifold."""
    try:
        return q.chart(param).belief(q, coords)
    except ValueError as e:
        raise ValueError(
            f"the step left the manifold ({e}); use a smaller lr, method='riemannian' or method='implicit'"
        ) from None


def moved_coordinates(eq: Any, q: Belief, rule: Any) -> Belief:
    """The belief at ``rule(x, x_ref, e)`` per coordinate (x of q, x_ref of the reference, e the
    number of event axes of that coordinate)."""
    _, th = coordinates(q, eq.param)
    _, ref = coordinates(eq.reference, eq.param)
    return at_coordinates(q, eq.param, [rule(x, r, e) for x, r, e in zip(th, ref, event_ndims(q))])


def step_vector(eq: Any, state: Any, lr: float, loss_grad: Any, method: str) -> np.ndarray:
    """One step on a parameter vector (Euclidean divergence; metric I or diag(weights))."""
    th = as_real_array(state, "state").astype(np.float64)
    check_domain("state", th, "real")
    gl = np.zeros_like(th) if loss_grad is None else as_real_array(loss_grad, "loss_grad")
    check_domain("loss_grad", gl, "real")
    precond = eq.metric == "fisher" and eq.weights is not None
    if method == "riemannian" and not precond:
        method = "explicit"  # Euclidean parameter space: the exp map is theta + v
    lam = eq._total_strength()
    if method == "implicit":
        th0 = th - lr * (gl / eq.weights if precond else gl)
        a = lr * (eq.strength if precond else lam)
        return (th0 + a * eq.reference) / (1.0 + a)
    pen = eq.penalty(th)
    g = gl + pen.grad["theta"]
    return th - lr * (g / eq.weights if precond else g)


def loss_components(names: tuple[str, ...], loss_grad: Any) -> Arrays:
    """The loss gradient on a belief, one array per coordinate name (zeros when None)."""
    if loss_grad is None:
        return [np.zeros(()) for _ in names]
    if not isinstance(loss_grad, Mapping):
        raise TypeError(f"loss_grad must map parameter names ({', '.join(names)}) to arrays for beliefs")
    extra = set(loss_grad) - set(names)
    if extra:
        raise ValueError(f"loss_grad has unknown parameter(s) {sorted(extra)}; expected {', '.join(names)}")
    out = []
    for n in names:
        a = as_real_array(loss_grad.get(n, 0.0), f"loss_grad[{n!r}]")
        check_domain(f"loss_grad[{n!r}]", a, "real")
        out.append(a)
    return out


def natural(q: Belief, param: str | None, grad: Arrays) -> tuple[Belief, Arrays]:
    """The natural gradient (family coordinates) of a gradient in the chart ``param``, and the base
    point (q broadcast with it)."""
    base, fam = broadcast_components(q, q.chart(param).family_covector(q, grad))
    return base, base.apply_metric(tuple(fam), inverse=True)


def exp_step(base: Belief, nat: Arrays, lr: float) -> Belief:
    """``Exp_base(-lr nat)``."""
    return base.exp(tangent(base, tuple(-lr * n for n in nat)))


def step_belief(eq: Any, q: Belief, lr: float, loss_grad: Any, method: str) -> Belief:
    """One step on a belief: explicit, implicit (proximal) or Riemannian (see
    :meth:`~beds.GoverningEquation.step`)."""
    names = q.chart(eq.param).names
    gl = loss_components(names, loss_grad)
    if method == "implicit":
        if eq.divergence == "kl":
            raise ValueError("implicit steps have a closed form for divergence='fisher_rao' or 'euclidean' only")
        q0 = q
        if loss_grad is not None:
            q0 = loss_step(eq, q, lr, gl)
        if eq.divergence == "fisher_rao":
            a = lr * eq._total_strength()
            return q0.move(eq.reference, a / (1.0 + a))
        _, th0 = coordinates(q0, eq.param)
        _, ref = coordinates(eq.reference, eq.param)
        lam = eq._total_strength()
        a = [lr * expand(lam, q, e) for e in event_ndims(q)]
        return at_coordinates(q, eq.param, [(x + ai * r) / (1.0 + ai) for x, r, ai in zip(th0, ref, a)])
    pen = eq.penalty(q)
    total = [np.asarray(g) + pen.grad[n] for g, n in zip(gl, names)]
    if method == "riemannian" or eq.metric == "fisher":
        base, nat = natural(q, eq.param, total)
        if method == "riemannian":
            return at_coordinates(base, None, list(parameters(exp_step(base, nat, lr))))  # validated
        _, th = coordinates(base, eq.param)
        step = base.chart(eq.param).vector(base, nat)
        return at_coordinates(base, eq.param, [x - lr * s for x, s in zip(th, step)])
    return euclidean_step(q, eq.param, total, lr)


def loss_step(eq: Any, q: Belief, lr: float, gl: Arrays) -> Belief:
    """The explicit step on the loss alone (the first half of an implicit step)."""
    if eq.metric == "fisher":
        return exp_step(*natural(q, eq.param, gl), lr)
    return euclidean_step(q, eq.param, gl, lr)


def euclidean_step(q: Belief, param: str | None, grad: Arrays, lr: float) -> Belief:
    """``x - lr g`` in the coordinates ``param`` (g projected on the tangent space where they are
    constrained: probabilities)."""
    chart = q.chart(param)
    return at_coordinates(q, param, [x - lr * g for x, g in zip(chart.coordinates(q), chart.descent(q, grad))])
