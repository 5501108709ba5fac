"""How a belief family plugs into the generic penalty, KL-gradient and governing-equation code.

:mod:`beds.regularization` never asks which family it holds: it asks the belief.  Every family
class (a subclass of :class:`~beds.Belief`) answers the questions of :class:`Geometry`, the base of
:class:`~beds.Belief`, whose answers are right for the families with a diagonal Fisher metric; a
family overrides only what differs for it.  To plug a new family in, write its class (parameters,
domains, the ufuncs of its geometry) and then, at the end of the class, what differs:

=================================  ==========================================================
member                             meaning
=================================  ==========================================================
``per_coordinate_strength``        class attribute: True when a penalty strength may vary along
                                   the parameter arrays (``batch + (d,)``, a product of
                                   independent coordinates: DiagNormal); False (default): one
                                   strength per belief
``kl_gradient(other)``             Euclidean gradient of ``KL(self || other)`` with respect to
                                   the parameters of self, one array per parameter (no default)
``apply_metric(v, inverse)``       ``G v`` with G the Fisher metric at self: the Euclidean
                                   gradient whose natural gradient is the tangent vector v
                                   (``inverse=True``: ``G^-1 g``, the natural gradient of a
                                   Euclidean gradient g).  Default: :func:`apply_metric`, from
                                   ``_metric_diagonal`` (or ``metric()``)
``chart(name)``                    classmethod: the coordinates called ``name`` (None: the
                                   family's own), a :class:`Chart`.  Default: the family's
                                   coordinates and ``"log_<p>"`` for every positive parameter p
                                   (:class:`LogChart`)
``move(other, t)``                 the point at t on the geodesic from self toward ``other``, t
                                   laid out like a strength.  Default: ``geodesic``
``weighted_kl(other, s)``          ``s KL(self || other)``, s laid out like a strength.  Default:
                                   ``s * kl``
``fisher_rao_penalty_parts(...)``  value, gradient, natural gradient and base point of
                                   ``s/2 d^2(self, other)`` in the family's coordinates.
                                   Default: ``natgrad = -s Log_self(other)`` and ``grad = G
                                   natgrad`` (Normal and DiagNormal: fused C++ kernels)
=================================  ==========================================================

Gradients are covectors (``dR = sum_i <grad_i, dtheta_i>`` with the Frobenius product for matrix
parameters, so a covariance gradient is the symmetric matrix G with ``dR = tr(G dSigma)``); natural
gradients and :class:`~beds.Tangent` components are vectors.  The helpers below (:func:`parameters`,
:func:`components`, ...) and :func:`beds._belief.tangent` let the generic code handle beliefs and
tangents without reaching into them.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

import numpy as np

Arrays = list[np.ndarray]
#: a belief batch (:class:`beds.Belief`: this module is below it, the base of its class)
Belief = Any


# ----------------------------------------------------------------------------------- charts
class Chart(Protocol):
    """A coordinate system of a family (``param=`` of the penalties and :class:`~beds.GoverningEquation`).

    ``names`` are the coordinate names (the keys of gradients); every method takes the belief q
    at which it is evaluated."""

    names: tuple[str, ...]

    def coordinates(self, q: Belief) -> Arrays:
        """The coordinates of q."""

    def belief(self, q: Belief, coords: Arrays) -> Belief:
        """The belief of q's family at ``coords`` (validated: ValueError off the manifold)."""

    def covector(self, q: Belief, grad: Arrays) -> Arrays:
        """A gradient in the family's coordinates -> in this chart (``J^T g``, chain rule)."""

    def family_covector(self, q: Belief, grad: Arrays) -> Arrays:
        """A gradient in this chart -> in the family's coordinates (a solution of ``J^T g = grad``)."""

    def vector(self, q: Belief, v: Arrays) -> Arrays:
        """A tangent vector in the family's coordinates -> in this chart (``J^-1 v``)."""

    def descent(self, q: Belief, grad: Arrays) -> Arrays:
        """The direction of a gradient for the Euclidean metric of this chart: the gradient itself,
        projected on the tangent space where the coordinates are constrained (probabilities)."""


class FamilyChart:
    """The family's own coordinates (``param=None``)."""

    def __init__(self, family: type[Belief]) -> None:
        self.family = family
        self.names = family.params

    def coordinates(self, q: Belief) -> Arrays:
        return list(parameters(q))

    def belief(self, q: Belief, coords: Arrays) -> Belief:
        return self.family(**dict(zip(self.family.params, coords)))

    def covector(self, q: Belief, grad: Arrays) -> Arrays:
        return list(grad)

    family_covector = covector

    def vector(self, q: Belief, v: Arrays) -> Arrays:
        return list(v)

    def descent(self, q: Belief, grad: Arrays) -> Arrays:
        return list(grad)


class LogChart(FamilyChart):
    """``u = log(theta)`` for one positive parameter theta (``param="log_std"``, ``"log_rate"``, ...):
    ``grad_u = theta grad_theta``, ``natgrad_u = natgrad_theta / theta``."""

    def __init__(self, family: type[Belief], param: str) -> None:
        super().__init__(family)
        self.i = family.params.index(param)
        self.names = tuple("log_" + n if k == self.i else n for k, n in enumerate(family.params))

    def _theta(self, q: Belief) -> np.ndarray:
        return parameters(q)[self.i]

    def coordinates(self, q: Belief) -> Arrays:
        c = list(parameters(q))
        c[self.i] = np.log(c[self.i])
        return c

    def belief(self, q: Belief, coords: Arrays) -> Belief:
        c = list(coords)
        c[self.i] = np.exp(c[self.i])
        return super().belief(q, c)

    def _scaled(self, q: Belief, comps: Arrays, times: bool) -> Arrays:
        out = list(comps)
        theta = self._theta(q)
        out[self.i] = out[self.i] * theta if times else out[self.i] / theta
        return out

    def covector(self, q: Belief, grad: Arrays) -> Arrays:
        return self._scaled(q, grad, True)

    def family_covector(self, q: Belief, grad: Arrays) -> Arrays:
        return self._scaled(q, grad, False)

    def vector(self, q: Belief, v: Arrays) -> Arrays:
        return self._scaled(q, v, False)


# ------------------------------------------------------------------------- the protocol
class Geometry:
    """What the generic penalty and governing-equation code asks of a family (the base of
    :class:`~beds.Belief`; see the module docstring).  The defaults suit families with a diagonal
    Fisher metric in their own coordinates."""

    __slots__ = ()

    #: penalty strengths broadcast against the parameter arrays (True) or the batch (False)
    per_coordinate_strength: ClassVar[bool] = False

    def kl_gradient(self, other: Belief) -> Arrays:
        """Euclidean gradient of ``KL(self || other)`` with respect to the parameters of self."""
        raise NotImplementedError(
            f"the KL gradient of {type(self).__name__} is not implemented; use divergence='fisher_rao' (generic)"
        )

    def apply_metric(self: Any, components: Any, inverse: bool = False) -> Arrays:
        """``G v`` (``inverse``: ``G^-1 v``) with G the Fisher metric of self, v given by components."""
        return apply_metric(self, components, inverse)

    @classmethod
    def chart(cls: Any, name: str | None) -> Chart:
        """The coordinates ``name``: None (the family's own) or ``"log_<p>"`` for a positive parameter p."""
        if name is None:
            return FamilyChart(cls)
        if name.startswith("log_") and name[4:] in cls.params and cls.domains[cls.params.index(name[4:])] == "positive":
            return LogChart(cls, name[4:])
        raise ValueError(unknown_chart(cls, name))

    def move(self: Any, other: Belief, t: Any) -> Belief:
        """The point at t on the geodesic from self to ``other`` (t laid out like a strength)."""
        return self.geodesic(other, t)

    def weighted_kl(self: Any, other: Belief, strength: np.ndarray) -> np.ndarray:
        """``strength KL(self || other)`` (strength laid out like a penalty strength)."""
        return strength * self.kl(other)

    def fisher_rao_penalty_parts(
        self: Any, other: Belief, strength: np.ndarray, out: Any = None
    ) -> tuple[Any, Arrays, Arrays, Belief]:
        """Value, gradient, natural gradient and base point (self broadcast) of
        ``strength/2 d^2(self, other)``: ``natgrad = -strength Log_self(other)``, ``grad = G natgrad``."""
        if out is not None:
            raise ValueError(
                "out= is supported for Normal and DiagNormal penalties in their own coordinates (param=None)"
            )
        v = self.log(other)
        base = v.base
        nat = [-expand(strength, base, e) * c for c, e in zip(components(v), event_ndims(base))]
        # a strength with more batch axes than the beliefs broadcasts them (and the base point)
        base, nat = broadcast_components(base, nat)
        nat = [c.copy() if not c.flags.writeable else c for c in nat]
        grad = base.apply_metric(tuple(nat))
        value = 0.5 * strength * self.distance(other) ** 2
        return value, grad, nat, base


def check_penalty_out(out: Any) -> None:
    """TypeError unless ``out`` is the tuple of 5 arrays of a fused penalty kernel."""
    if out is not None and (not isinstance(out, tuple) or len(out) != 5):
        raise TypeError("out must be a tuple of 5 arrays (value, grad_mean, grad_std, natgrad_mean, natgrad_std)")


def unknown_chart(cls: Any, name: str, extra: tuple[str, ...] = ()) -> str:
    """The message for an unknown ``param`` name (lists the options)."""
    opts = ", ".join([repr(f"log_{n}") for n, d in zip(cls.params, cls.domains) if d == "positive"] + list(extra))
    return f"unknown param {name!r} for {cls.__name__}; options: None (family coordinates)" + (
        f", {opts}" if opts else ""
    )


# ------------------------------------------------------------------ the default metric
def _flatten(comps: tuple[np.ndarray, ...], batch: tuple[int, ...]) -> np.ndarray:
    """Concatenates the parameter components into one coordinate axis (the metric's order)."""
    return np.concatenate([np.reshape(c, batch + (-1,)) for c in comps], axis=-1)


def _unflatten(flat: np.ndarray, like: tuple[np.ndarray, ...]) -> Arrays:
    out, i = [], 0
    batch = flat.shape[:-1]
    for c in like:
        n = int(np.prod(c.shape[len(batch) :], dtype=np.int64))
        out.append(flat[..., i : i + n].reshape(c.shape))
        i += n
    return out


def apply_metric(base: Any, comps: Any, inverse: bool = False) -> Arrays:
    """``G v`` (or ``G^-1 v``) with G the Fisher metric of ``base``, v given by components, for a
    family whose metric is a matrix over its flattened parameters.

    Families with a diagonal metric (``_metric_diagonal``) are handled element-wise (no dense
    n x n matrices for a mean-field belief over a million weights); others through
    ``base.metric()`` and a batched solve."""
    batch = base.batch_shape
    comps = tuple(np.broadcast_to(c, p.shape) for c, p in zip(comps, parameters(base)))
    flat = _flatten(comps, batch)
    try:
        diag = base._metric_diagonal()
    except NotImplementedError:
        diag = None
    if diag is not None:
        res = flat / diag if inverse else flat * diag
    elif inverse:
        res = np.linalg.solve(base.metric(), flat[..., None])[..., 0]
    else:
        res = (base.metric() @ flat[..., None])[..., 0]
    return _unflatten(res, comps)


# ------------------------------------------------- handling beliefs and tangents from outside
def parameters(q: Belief) -> tuple[np.ndarray, ...]:
    """The parameter arrays of q, in the order of ``q.params`` (read-only views)."""
    return q._p


def components(v: Any) -> tuple[np.ndarray, ...]:
    """The components of a tangent vector, in the order of its base's ``params``."""
    return v._c


def event_ndims(q: Belief) -> list[int]:
    """Number of event axes of each parameter of q (e.g. 1 for a mean, 2 for a covariance)."""
    return [a.ndim - q.ndim for a in q._p]


def broadcast(q: Belief, shape: tuple[int, ...]) -> Belief:
    """q broadcast so that its first parameter has ``shape`` (q itself when it has it already)."""
    return q if q._p[0].shape == shape else q._broadcast_to(shape)


def broadcast_components(q: Belief, comps: Any) -> tuple[Belief, Arrays]:
    """q and per-parameter components broadcast together: the batch shapes broadcast, and each
    component takes the shape of its parameter (event axes included)."""
    if all(np.shape(c) == p.shape for c, p in zip(comps, q._p)):
        return q, list(comps)
    ev = event_ndims(q)
    batch = np.broadcast_shapes(q.batch_shape, *(np.shape(c)[: max(np.ndim(c) - e, 0)] for c, e in zip(comps, ev)))
    p0 = q._p[0]
    base = broadcast(q, tuple(batch) + p0.shape[q.ndim :])
    return base, [np.broadcast_to(c, p.shape) for c, p in zip(comps, base._p)]


def expand(lam: np.ndarray, q: Belief, event_ndim: int | None = None) -> np.ndarray:
    """A strength laid out against a parameter array of q with ``event_ndim`` event axes (default:
    the family's ``event_ndim``).

    With ``per_coordinate_strength`` (DiagNormal) strengths broadcast against ``batch + (d,)``
    (per-coordinate strengths, as for EWC; one per belief is ``strength[..., None]``).  For the
    other families a strength is per belief and broadcasts against the batch shape."""
    e = q.event_ndim if event_ndim is None else event_ndim
    if q.per_coordinate_strength or not lam.ndim or not e:
        return lam
    return lam[(...,) + (None,) * e]


def strength_layout_shape(q: Belief) -> tuple[int, ...]:
    """The shape a strength broadcasts against: the first parameter's (per coordinate) or the batch."""
    return q._p[0].shape if q.per_coordinate_strength else q.batch_shape
