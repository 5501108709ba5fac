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
    """Return the names and values of the coordinates ``param`` of q.

    Parameters
    ----------
    q : Belief
        The beliefs.
    param : str or None
        The chart (None: the family's own coordinates).

    Returns
    -------
    names : tuple of str
        The coordinate names.
    values : list of numpy.ndarray
        The coordinates, one array per name.

    Raises
    ------
    ValueError
        If ``param`` is not a chart of the family.
    """
    chart = q.chart(param)
    return chart.names, chart.coordinates(q)


def at_coordinates(q: Belief, param: str | None, coords: Arrays) -> Belief:
    """Return the belief of q's family at the given coordinates of the chart ``param``.

    Parameters
    ----------
    q : Belief
        A belief of the family.
    param : str or None
        The chart.
    coords : list of numpy.ndarray
        The coordinates, one array per name of the chart.

    Returns
    -------
    Belief
        The belief (validated by the family's constructor).

    Raises
    ------
    ValueError
        If the coordinates are off the manifold: "the step left the manifold (...); use a smaller
        lr, method='riemannian' or method='implicit'".
    """
    try:
        return q.chart(param).belief(q, coords)
    except ValueError as e:
        raise ValueError(
            f"the step left the manifold ({e}); use a smaller lr, method='riemannian' or method='implicit'"
        ) from None


def moved_coordinates(eq: Any, q: Belief, rule: Any) -> Belief:
    """Return the belief at ``rule(x, x_ref, e)``, coordinate by coordinate in the chart ``eq.param``.

    Used by the Euclidean flows and moving references on beliefs: ``x`` is a coordinate of q,
    ``x_ref`` the same coordinate of the reference, ``e`` its number of event axes.

    Parameters
    ----------
    eq : GoverningEquation
        The equation (its reference, strength, weights, metric, divergence and ``param``).
    q : Belief
        The beliefs.
    rule : callable
        ``rule(x, x_ref, e)`` returning the new coordinate.

    Returns
    -------
    Belief
        The moved beliefs.

    Raises
    ------
    ValueError
        If a moved coordinate is off the manifold.
    """
    _, th = coordinates(q, eq.param)
    _, ref = coordinates(eq.reference, eq.param)
    return at_coordinates(q, eq.param, [rule(x, r, e) for x, r, e in zip(th, ref, event_ndims(q))])


def step_vector(eq: Any, state: Any, lr: float, loss_grad: Any, method: str) -> np.ndarray:
    """Take one step of the equation on a parameter vector (Euclidean divergence).

    Explicit: ``theta - lr M^-1 (grad L + grad R)`` with M = I, or diag(w) for the Fisher metric with
    weights; implicit: ``(theta0 + a theta_ref) / (1 + a)`` after the loss step ``theta0``, with ``a
    = lr s w`` (``lr s`` for the Fisher metric); ``"riemannian"`` is the explicit step (the
    parameter space is flat).  See :meth:`beds.GoverningEquation.step`.

    Parameters
    ----------
    eq : GoverningEquation
        The equation (its reference, strength, weights, metric, divergence and ``param``).
    state : array_like
        The parameters, finite.
    lr : float
        The step size (validated).
    loss_grad : array_like or None
        The gradient of the loss, finite; None: no loss.
    method : str
        ``"explicit"``, ``"implicit"`` or ``"riemannian"``.

    Returns
    -------
    numpy.ndarray
        The new parameters, float64.

    Raises
    ------
    ValueError
        If the state or the loss gradient is not finite.
    TypeError
        If they do not hold real numbers.
    """
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
    """Return the loss gradient on a belief as one array per coordinate name (zeros when None).

    Parameters
    ----------
    names : tuple of str
        The coordinate names of the chart.
    loss_grad : mapping or None
        Arrays by coordinate name; a missing name counts as 0.

    Returns
    -------
    list of numpy.ndarray
        One array per name.

    Raises
    ------
    TypeError
        If ``loss_grad`` is not a mapping, or an array does not hold real numbers.
    ValueError
        If it names an unknown coordinate, or a value is not finite.
    """
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
    """Return the natural gradient, in the family's coordinates, of a gradient given in the chart ``param``.

    The gradient is carried to the family's coordinates (:meth:`beds._geometry.Chart.family_covector`)
    and multiplied by ``G^-1`` (:meth:`beds._geometry.Geometry.apply_metric`), at q broadcast with
    it.

    Parameters
    ----------
    q : Belief
        The beliefs.
    param : str or None
        The chart of ``grad``.
    grad : list of numpy.ndarray
        The gradient, one array per coordinate of the chart.

    Returns
    -------
    base : Belief
        The beliefs q broadcast with the gradient.
    natural_grad : list of numpy.ndarray
        The natural gradient, one array per parameter of the family.
    """
    base, fam = broadcast_components(q, q.chart(param).family_covector(q, grad))
    return base, base.apply_metric(tuple(fam), inverse=True)


def exp_step(base: Belief, nat: Arrays, lr: float) -> Belief:
    """Return ``Exp_base(-lr nat)``: a Riemannian step along the natural gradient.

    Parameters
    ----------
    base : Belief
        The beliefs.
    nat : list of numpy.ndarray
        The natural gradient, in the family's coordinates.
    lr : float
        The step size.

    Returns
    -------
    Belief
        The point reached.
    """
    return base.exp(tangent(base, tuple(-lr * n for n in nat)))


def step_belief(eq: Any, q: Belief, lr: float, loss_grad: Any, method: str) -> Belief:
    """Take one step of the equation on a belief: explicit, implicit (proximal) or Riemannian.

    See :meth:`beds.GoverningEquation.step` for the schemes.  The implicit step has closed forms for
    the Fisher-Rao divergence (a point on the geodesic toward the reference) and the Euclidean one
    (coordinate-wise), after an explicit step on the loss.

    Parameters
    ----------
    eq : GoverningEquation
        The equation (its reference, strength, weights, metric, divergence and ``param``).
    q : Belief
        The beliefs (of the reference's family, checked by the caller).
    lr : float
        The step size (validated).
    loss_grad : mapping or None
        The loss gradient by coordinate name of ``eq.param``.
    method : str
        ``"explicit"``, ``"implicit"`` or ``"riemannian"``.

    Returns
    -------
    Belief
        The new beliefs.

    Raises
    ------
    ValueError
        If ``method`` is ``"implicit"`` with the KL divergence, the loss gradient is invalid, or the
        step leaves the manifold.
    TypeError
        If ``loss_grad`` is not a mapping.
    """
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
    """Take the explicit step on the loss alone: the first half of an implicit step.

    A Riemannian step along the natural gradient for the Fisher metric, a Euclidean step in the
    coordinates ``eq.param`` otherwise.

    Parameters
    ----------
    eq : GoverningEquation
        The equation (its reference, strength, weights, metric, divergence and ``param``).
    q : Belief
        The beliefs.
    lr : float
        The step size.
    gl : list of numpy.ndarray
        The loss gradient, one array per coordinate of ``eq.param``.

    Returns
    -------
    Belief
        The beliefs after the loss step.

    Raises
    ------
    ValueError
        If the step leaves the manifold.
    """
    if eq.metric == "fisher":
        return exp_step(*natural(q, eq.param, gl), lr)
    return euclidean_step(q, eq.param, gl, lr)


def euclidean_step(q: Belief, param: str | None, grad: Arrays, lr: float) -> Belief:
    """Return ``x - lr g`` in the coordinates ``param`` (g projected where the coordinates are constrained).

    Parameters
    ----------
    q : Belief
        The beliefs.
    param : str or None
        The chart.
    grad : list of numpy.ndarray
        The gradient in the chart's coordinates.
    lr : float
        The step size.

    Returns
    -------
    Belief
        The beliefs after the step.

    Raises
    ------
    ValueError
        If the step leaves the manifold.
    """
    chart = q.chart(param)
    return at_coordinates(q, param, [x - lr * g for x, g in zip(chart.coordinates(q), chart.descent(q, grad))])
