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
``kl_reference_gradient(other)``   the same with respect to the parameters of ``other`` (no
                                   default; :mod:`beds.torch` differentiates both arguments)
``apply_metric(v, inverse)``       ``G v`` with G the Fisher metric at self: the Euclidean
                                   gradient whose natural gradient is the tangent vector v
                                   (``inverse=True``: ``G^-1 g``, the natural gradient of a
                                   Euclidean gradient g).  Default: :func:`apply_metric`, from
                                   ``_metric_diagonal`` and, for ``G^-1``, the closed form
                                   ``_inverse_metric_diagonal`` where the family has one (or
                                   ``metric()``)
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

A family keeps its formulas in its own module; where :mod:`beds.torch` needs them on tensors (the
normal family's KL gradients and metric), the module writes them once as functions of the
parameter arrays that take numpy arrays and torch tensors alike, and its protocol methods call them.

Gradients are covectors (``dR = sum_i <grad_i, dtheta_i>`` with the Frobenius product for matrix
parameters, so a covariance gradient is the symmetric matrix G with ``dR = tr(G dSigma)``); natural
gradients and :class:`~beds.Tangent` components are vectors.  The helpers below (:func:`parameters`,
:func:`components`, ...) and :func:`beds._belief.tangent` let the generic code handle beliefs and
tangents without reaching into them.

This module is longer than the project's 500-line guideline because it holds the family protocol,
whose docstrings are the contract a new family implements; about 150 of its lines are code, the rest
documentation.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

import numpy as np

Arrays = list[np.ndarray]
#: a belief batch (:class:`beds.Belief`: this module is below it, the base of its class)
Belief = Any


# ----------------------------------------------------------------------------------- charts
class Chart(Protocol):
    """A coordinate system of a family: the ``param=`` of the penalties and of GoverningEquation.

    A chart maps the family's own parameters theta to coordinates u (``"log_std"``: ``u = log
    sigma``; ``"logits"``: ``u = log p`` up to a constant) and carries gradients and tangent vectors
    between them by the chain rule, with J the Jacobian ``dtheta/du`` at q: a gradient (covector)
    maps as ``grad_u = J^T grad_theta``, a tangent vector as ``v_u = J^-1 v_theta``.  Every method
    takes the belief q at which it is evaluated.  :class:`FamilyChart` (the family's own
    coordinates) and :class:`LogChart` (a log coordinate) are the two general charts; a family adds
    its own through :meth:`Geometry.chart` (Categorical's logits).  See
    :doc:`/mathematics/regularization`.

    Attributes
    ----------
    names : tuple of str
        The coordinate names, the keys of the gradients of :class:`beds.PenaltyResult`.

    See Also
    --------
    Geometry.chart : The charts of a family.

    Examples
    --------
    >>> import beds
    >>> chart = beds.Normal.chart("log_std")
    >>> chart.names
    ('mean', 'log_std')
    """

    names: tuple[str, ...]

    def coordinates(self, q: Belief) -> Arrays:
        """Return the coordinates of q in this chart.

        The family's parameters for :class:`FamilyChart`; with ``log`` applied to one of them for
        :class:`LogChart`.

        Parameters
        ----------
        q : Belief
                The belief at which the chart is evaluated.

        Returns
        -------
        list of numpy.ndarray
            One array per coordinate, in the order of :attr:`names`.

        Examples
        --------
        >>> import beds
        >>> beds.Normal.chart("log_std").coordinates(beds.Normal([0.0], [1.0]))
        [array([0.]), array([0.])]
        """

    def belief(self, q: Belief, coords: Arrays) -> Belief:
        """Return the belief of q's family at the given coordinates (validated).

        The inverse of :meth:`coordinates`: how a step taken in the chart's coordinates becomes a
        belief again (the family's constructor checks the domains).

        Parameters
        ----------
        q : Belief
            A belief of the family (its batch shape is not used).
        coords : list of numpy.ndarray
            The coordinates, one array per name of the chart.

        Returns
        -------
        Belief
            The belief at ``coords``.

        Raises
        ------
        ValueError
            If the coordinates are off the manifold (outside the family's domain).

        Examples
        --------
        >>> import beds
        >>> beds.Normal.chart("log_std").belief(beds.Normal(0.0, 1.0), [1.0, 0.0])
        Normal(mean=1., std=1., batch_shape=())
        """

    def covector(self, q: Belief, grad: Arrays) -> Arrays:
        """Express a gradient given in the family's coordinates in this chart: ``J^T g``.

        The chain rule for covectors, with J the Jacobian of the family's coordinates with respect to
        the chart's, evaluated at q.

        Parameters
        ----------
        q : Belief
                The belief at which the chart is evaluated.
        grad : list of numpy.ndarray
            The gradient in the family's coordinates, one array per parameter.

        Returns
        -------
        list of numpy.ndarray
            The gradient in this chart's coordinates.

        Examples
        --------
        >>> import numpy as np, beds
        >>> beds.Normal.chart("log_std").covector(beds.Normal([0.0], [2.0]), [np.ones(1), np.ones(1)])  # sigma d/dsigma
        [array([1.]), array([2.])]
        """

    def family_covector(self, q: Belief, grad: Arrays) -> Arrays:
        """Express a gradient given in this chart in the family's coordinates: a solution of ``J^T g = grad``.

        The inverse of :meth:`covector` (for a singular chart, such as Categorical's logits, one
        solution).

        Parameters
        ----------
        q : Belief
                The belief at which the chart is evaluated.
        grad : list of numpy.ndarray
            The gradient in this chart's coordinates.

        Returns
        -------
        list of numpy.ndarray
            The gradient in the family's coordinates.

        Examples
        --------
        >>> import numpy as np, beds
        >>> chart = beds.Normal.chart("log_std")
        >>> chart.family_covector(beds.Normal([0.0], [2.0]), [np.ones(1), np.full(1, 2.0)])
        [array([1.]), array([1.])]
        """

    def vector(self, q: Belief, v: Arrays) -> Arrays:
        """Express a tangent vector given in the family's coordinates in this chart: ``J^-1 v``.

        Vectors (natural gradients, velocities) map by the inverse Jacobian, covectors by its transpose
        (:meth:`covector`), so that their pairing is the same in both coordinates.

        Parameters
        ----------
        q : Belief
                The belief at which the chart is evaluated.
        v : list of numpy.ndarray
            The components in the family's coordinates.

        Returns
        -------
        list of numpy.ndarray
            The components in this chart's coordinates.

        Examples
        --------
        >>> import numpy as np, beds
        >>> chart = beds.Normal.chart("log_std")
        >>> chart.vector(beds.Normal([0.0], [2.0]), [np.ones(1), np.ones(1)])  # du = dsigma / sigma
        [array([1.]), array([0.5])]
        """

    def descent(self, q: Belief, grad: Arrays) -> Arrays:
        """Return the descent direction of a gradient for the Euclidean metric of this chart.

        The gradient itself, projected on the tangent space where the coordinates are constrained (the
        probabilities of a categorical sum to 1, so their gradient is centred).

        Parameters
        ----------
        q : Belief
                The belief at which the chart is evaluated.
        grad : list of numpy.ndarray
            The gradient in this chart's coordinates.

        Returns
        -------
        list of numpy.ndarray
            The direction, in this chart's coordinates.

        Examples
        --------
        >>> import beds
        >>> beds.Normal.chart(None).descent(beds.Normal(0.0, 1.0), [1.0, 2.0])  # unconstrained: the gradient
        [1.0, 2.0]
        """


class FamilyChart:
    """The family's own coordinates (``param=None``): every map of :class:`Chart` is the identity.

    The coordinates are the parameters of the family (``mean``, ``std``; ``probs``; ...), and
    :meth:`belief` calls the family's constructor, which validates them.

    Parameters
    ----------
    family : type
        The belief class; its ``params`` are the coordinate names.

    Raises
    ------
    AttributeError
        If ``family`` has no ``params``.

    Examples
    --------
    >>> import beds
    >>> from beds._geometry import FamilyChart
    >>> FamilyChart(beds.Normal).names
    ('mean', 'std')
    """

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
    """The chart ``u = log(theta)`` for one positive parameter theta (``param="log_std"``, ``"log_rate"``).

    The other parameters are unchanged.  ``grad_u = theta grad_theta`` and ``natgrad_u =
    natgrad_theta / theta``; a step in u can never make theta negative.  See
    :doc:`/mathematics/regularization`.

    Parameters
    ----------
    family : type
        The belief class.
    param : str
        The name of the positive parameter (without ``"log_"``).

    Raises
    ------
    ValueError
        If ``param`` is not a parameter of ``family``.

    Examples
    --------
    >>> import beds
    >>> from beds._geometry import LogChart
    >>> LogChart(beds.Exponential, "rate").names
    ('log_rate',)
    """

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
    """What the generic penalty and governing-equation code asks of a family: the base of Belief.

    :mod:`beds.regularization` never asks which family it holds; it asks the belief.  Every family
    class (a subclass of :class:`~beds.Belief`, hence of this class) answers the questions below;
    the defaults suit families with a diagonal Fisher metric in their own coordinates, and a family
    overrides only what differs (see the module docstring for the table, and
    :doc:`/mathematics/regularization`).

    Attributes
    ----------
    per_coordinate_strength : bool
        Class attribute: True when a penalty strength may vary along the parameter arrays (``batch
        + (d,)``: DiagNormal, a product of independent coordinates); False (default): one strength
        per belief.

    See Also
    --------
    Chart : The coordinate systems of ``param``.

    Examples
    --------
    >>> import beds
    >>> from beds._geometry import Geometry
    >>> issubclass(beds.Normal, Geometry), beds.DiagNormal.per_coordinate_strength
    (True, True)
    """

    __slots__ = ()

    #: penalty strengths broadcast against the parameter arrays (True) or the batch (False)
    per_coordinate_strength: ClassVar[bool] = False

    def kl_gradient(self, other: Belief) -> Arrays:
        """Compute the Euclidean gradient of ``KL(self || other)`` with respect to the parameters of self.

        No default: each family implements its closed form (e.g. Normal: ``((mean - mean_o) /
        std_o^2, std / std_o^2 - 1 / std)``).  Used by :func:`beds.kl_penalty` and the ``"kl"``
        divergence of :class:`beds.GoverningEquation`.

        Parameters
        ----------
        other : Belief
            The reference, of the same family (batch shapes broadcast).

        Returns
        -------
        list of numpy.ndarray
            One array per parameter of self.

        Raises
        ------
        NotImplementedError
            In this base class (a family without a KL gradient).

        Examples
        --------
        >>> import beds
        >>> beds.Normal([0.0], [1.0]).kl_gradient(beds.Normal([1.0], [2.0]))
        [array([-0.25]), array([-0.75])]
        """
        raise NotImplementedError(
            f"the KL gradient of {type(self).__name__} is not implemented; use divergence='fisher_rao' (generic)"
        )

    def kl_reference_gradient(self, other: Belief) -> Arrays:
        """Compute the Euclidean gradient of ``KL(self || other)`` with respect to the parameters of ``other``.

        No default: each family implements its closed form (e.g. Normal: ``((mean_o - mean) /
        std_o^2, ((std_o - std)(std_o + std) - (mean - mean_o)^2) / std_o^3)``).  Used by
        :mod:`beds.torch`, whose divergences are differentiable in both arguments.

        Parameters
        ----------
        other : Belief
            The reference, of the same family (batch shapes broadcast).

        Returns
        -------
        list of numpy.ndarray
            One array per parameter of ``other``.

        Raises
        ------
        NotImplementedError
            In this base class (a family without it: VonMises and MVNormal, whose torch modules keep
            their own closed forms).

        Examples
        --------
        >>> import beds
        >>> beds.Normal([0.0], [1.0]).kl_reference_gradient(beds.Normal([1.0], [2.0]))
        [array([0.25]), array([0.25])]
        """
        raise NotImplementedError(
            f"the KL gradient in the reference of {type(self).__name__} is not implemented by its family class"
        )

    def _inverse_metric_diagonal(self) -> np.ndarray | None:
        """The diagonal of ``G^-1`` in closed form, ``batch + (n,)`` (None: :func:`apply_metric` divides by
        ``_metric_diagonal``)."""
        return None

    def apply_metric(self: Any, components: Any, inverse: bool = False) -> Arrays:
        """Apply the Fisher metric G of self to a vector: ``G v``, or ``G^-1 v`` with ``inverse``.

        ``G v`` turns a tangent vector (a natural gradient) into the Euclidean gradient of the same
        first-order change; ``G^-1 g`` turns a Euclidean gradient into the natural gradient.  The
        default is :func:`apply_metric` (element-wise for a diagonal metric, a batched solve otherwise);
        Categorical and MVNormal override it.

        Parameters
        ----------
        components : sequence of array_like
            The components, one per parameter, broadcasting to the parameters' shapes.
        inverse : bool, optional
            Apply ``G^-1`` instead of G.

        Returns
        -------
        list of numpy.ndarray
            One array per parameter, shaped like the parameters.

        Raises
        ------
        ValueError
            If the components do not broadcast to the parameters.

        Examples
        --------
        >>> import beds
        >>> beds.Normal(0.0, 2.0).apply_metric((1.0, 1.0))  # diag(1, 2) / sigma^2
        [array(0.25), array(0.5)]
        """
        return apply_metric(self, components, inverse)

    @classmethod
    def chart(cls: Any, name: str | None) -> Chart:
        """Return the chart called ``name``: the family's own coordinates or a log coordinate.

        Default: None gives :class:`FamilyChart`, ``"log_<p>"`` a :class:`LogChart` for every parameter
        p whose domain is ``"positive"`` (not VonMises' kappa, which may be 0).  A family may add charts
        (Categorical: ``"logits"``).

        Parameters
        ----------
        name : str or None
            The chart's name.

        Returns
        -------
        Chart
            The chart.

        Raises
        ------
        ValueError
            If the family has no chart of that name (the message lists the options).

        Examples
        --------
        >>> import beds
        >>> beds.Normal.chart("log_std").names
        ('mean', 'log_std')
        """
        if name is None:
            return FamilyChart(cls)
        if name.startswith("log_") and name[4:] in cls.params and cls.domains[cls.params.index(name[4:])] == "positive":
            return LogChart(cls, name[4:])
        raise ValueError(unknown_chart(cls, name))

    def move(self: Any, other: Belief, t: Any) -> Belief:
        """Return the point at t on the Fisher-Rao geodesic from self toward ``other``.

        Used by the flows, implicit steps and moving references of :class:`beds.GoverningEquation`;
        ``t`` is laid out like a penalty strength (per coordinate for DiagNormal).  Default:
        ``self.geodesic(other, t)``.

        Parameters
        ----------
        other : Belief
            The end of the geodesic, of the same family.
        t : array_like
            The parameter, broadcasting like a strength.

        Returns
        -------
        Belief
            The points.

        Raises
        ------
        TypeError
            If ``other`` is of another family.
        ValueError
            If the shapes do not broadcast, or ``t`` is not finite.

        Examples
        --------
        >>> import beds
        >>> beds.Normal(0.0, 1.0).move(beds.Normal(1.0, 2.0), 0.5)
        Normal(mean=0.333333, std=1.452966, batch_shape=())
        """
        return self.geodesic(other, t)

    def weighted_kl(self: Any, other: Belief, strength: np.ndarray) -> np.ndarray:
        """Compute ``strength KL(self || other)``, the strength laid out like a penalty strength.

        Default ``strength * self.kl(other)``; DiagNormal sums per-coordinate strengths times the
        per-coordinate divergences.

        Parameters
        ----------
        other : Belief
            The reference, of the same family.
        strength : numpy.ndarray
            The strength (already validated).

        Returns
        -------
        numpy.ndarray
            The weighted divergence, with the broadcast batch shape.

        Raises
        ------
        TypeError
            If ``other`` is of another family.
        ValueError
            If the shapes do not broadcast.

        Examples
        --------
        >>> import numpy as np, beds
        >>> float(beds.Normal(0.0, 1.0).weighted_kl(beds.Normal(0.0, 1.0), np.array(2.0)))
        0.0
        """
        return strength * self.kl(other)

    def fisher_rao_penalty_parts(
        self: Any, other: Belief, strength: np.ndarray, out: Any = None
    ) -> tuple[Any, Arrays, Arrays, Belief]:
        """Compute the value, gradient, natural gradient and base point of ``strength/2 d^2(self, other)``.

        The parts of :func:`beds.fisher_rao_penalty` in the family's coordinates.  Default:
        ``natgrad = -strength Log_self(other)``, ``grad = G natgrad`` (:meth:`apply_metric`), value
        ``strength/2 d^2``; Normal and DiagNormal override it with their fused kernels (which accept
        ``out``).

        Parameters
        ----------
        other : Belief
            The reference, of the same family.
        strength : numpy.ndarray
            The strength (already validated), laid out like a penalty strength.
        out : tuple of numpy.ndarray, optional
            Preallocated outputs, accepted only by the fused kernels.

        Returns
        -------
        value : numpy.ndarray
            The penalty, with the broadcast batch shape.
        grad : list of numpy.ndarray
            The Euclidean gradient, one array per parameter.
        natural_grad : list of numpy.ndarray
            The natural gradient, one array per parameter.
        base : Belief
            Self broadcast to the common batch shape.

        Raises
        ------
        ValueError
            If ``out`` is given (this default has no fused kernel), or the shapes do not broadcast.
        TypeError
            If ``other`` is of another family.

        Examples
        --------
        >>> import numpy as np, beds
        >>> p, q = beds.VonMises(0.0, 1.0), beds.VonMises(1.0, 2.0)
        >>> value, grad, nat, base = p.fisher_rao_penalty_parts(q, np.array(2.0))
        >>> round(float(value), 6), base
        (0.967691, VonMises(mu=0., kappa=1., batch_shape=()))
        """
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
    """Check the ``out`` argument of a fused penalty kernel: None or a tuple of 5 arrays.

    The fused Normal and DiagNormal penalty kernels write value, gradient and natural gradient into
    preallocated arrays; this checks the container before the kernel checks the arrays.

    Parameters
    ----------
    out : tuple or None
        The preallocated (value, grad_mean, grad_std, natgrad_mean, natgrad_std).

    Raises
    ------
    TypeError
        If ``out`` is neither None nor a tuple of length 5 (the arrays themselves are checked by
        the kernel).

    Examples
    --------
    >>> from beds._geometry import check_penalty_out
    >>> check_penalty_out(None)
    >>> check_penalty_out((1, 2))
    Traceback (most recent call last):
    ...
    TypeError: out must be a tuple of 5 arrays (value, grad_mean, grad_std, natgrad_mean, natgrad_std)
    """
    if out is not None and (not isinstance(out, tuple) or len(out) != 5):
        raise TypeError("out must be a tuple of 5 arrays (value, grad_mean, grad_std, natgrad_mean, natgrad_std)")


def unknown_chart(cls: Any, name: str, extra: tuple[str, ...] = ()) -> str:
    """Return the error message for an unknown ``param`` name, listing the family's charts.

    ``cls`` is the belief class: the options are None and ``"log_<p>"`` for each parameter p whose
    domain is positive, plus ``extra``.

    Parameters
    ----------
    name : str
        The unknown name.
    extra : tuple of str, optional
        Further options of the family (already quoted), such as ``"'logits'"``.

    Returns
    -------
    str
        The message.

    Raises
    ------
    AttributeError
        If ``cls`` has no ``params`` or ``domains``.

    Examples
    --------
    >>> import beds
    >>> from beds._geometry import unknown_chart
    >>> unknown_chart(beds.Normal, "x")
    "unknown param 'x' for Normal; options: None (family coordinates), 'log_std'"
    """
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
    """Apply the Fisher metric of ``base`` to a vector given by components: ``G v`` or ``G^-1 v``.

    For a family whose metric is a matrix over its flattened parameters (in the order of the
    parameters, each flattened in C order, as :func:`beds.metric`).  A family with a diagonal
    metric (``_metric_diagonal``) is handled element-wise (no dense n x n matrix for a mean-field
    belief over a million weights), ``G^-1`` by the family's closed form ``_inverse_metric_diagonal``
    where it has one (Normal, DiagNormal: ``(std^2, std^2 / 2)``) and by a division otherwise; other
    families through ``base.metric()`` and a batched product or solve.

    Parameters
    ----------
    base : Belief
        The beliefs at which G is evaluated.
    comps : sequence of array_like
        The components, one per parameter, broadcasting to the parameters' shapes.
    inverse : bool, optional
        Apply ``G^-1`` (a batched ``numpy.linalg.solve`` for a dense metric).

    Returns
    -------
    list of numpy.ndarray
        One array per parameter, shaped like the parameters.

    Raises
    ------
    ValueError
        If the components do not broadcast to the parameters.
    numpy.linalg.LinAlgError
        If a dense metric is singular and ``inverse`` is true.

    Examples
    --------
    >>> import beds
    >>> from beds._geometry import apply_metric
    >>> apply_metric(beds.Normal(0.0, 2.0), (1.0, 1.0), inverse=True)  # sigma^2 diag(1, 1/2)
    [array(4.), array(2.)]
    """
    batch = base.batch_shape
    comps = tuple(np.broadcast_to(c, p.shape) for c, p in zip(comps, parameters(base)))
    flat = _flatten(comps, batch)
    inv = base._inverse_metric_diagonal() if inverse else None
    if inv is not None:
        return _unflatten(flat * inv, comps)
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
    """Return the parameter arrays of q, in the order of ``q.params``.

    The read-only views that the belief holds (no copy): how the generic code reads a belief without
    touching its private attributes.

    Parameters
    ----------
    q : Belief
        A belief batch.

    Returns
    -------
    tuple of numpy.ndarray
        The parameters (read-only).

    Raises
    ------
    AttributeError
        If ``q`` is not a belief.

    Examples
    --------
    >>> import beds
    >>> from beds._geometry import parameters
    >>> parameters(beds.Normal(0.0, [1.0, 2.0]))
    (array([0., 0.]), array([1., 2.]))
    """
    return q._p


def components(v: Any) -> tuple[np.ndarray, ...]:
    """Return the components of a tangent vector, in the order of its base's ``params``.

    How the generic code reads a :class:`~beds.Tangent` without touching its private attributes
    (``v.mean``, ``v.std``, ... give them by name).

    Parameters
    ----------
    v : Tangent
        A batch of tangent vectors.

    Returns
    -------
    tuple of numpy.ndarray
        The components (read-only unless the vector was built from trusted arrays).

    Raises
    ------
    AttributeError
        If ``v`` is not a :class:`~beds.Tangent`.

    Examples
    --------
    >>> import beds
    >>> from beds._geometry import components
    >>> components(beds.Normal(0.0, 1.0).tangent(mean=1.0, std=0.5))
    (array(1.), array(0.5))
    """
    return v._c


def event_ndims(q: Belief) -> list[int]:
    """Return the number of event axes of each parameter of q.

    0 for a scalar parameter, 1 for a vector per belief (a mean, DiagNormal's std, probabilities), 2
    for a matrix (a covariance).

    Parameters
    ----------
    q : Belief
        A belief batch.

    Returns
    -------
    list of int
        One count per parameter.

    Raises
    ------
    AttributeError
        If ``q`` is not a belief.

    Examples
    --------
    >>> import numpy as np, beds
    >>> from beds._geometry import event_ndims
    >>> event_ndims(beds.MVNormal(np.zeros(2), np.eye(2)))
    [1, 2]
    """
    return [a.ndim - q.ndim for a in q._p]


def broadcast(q: Belief, shape: tuple[int, ...]) -> Belief:
    """Return q broadcast so that its first parameter has ``shape`` (q itself if it has it already).

    The other parameters take the same batch shape with their own event axes (a covariance gets
    ``batch + (d, d)``).

    Parameters
    ----------
    q : Belief
        A belief batch.
    shape : tuple of int
        The target shape of the first parameter (batch shape plus its event axes).

    Returns
    -------
    Belief
        The broadcast beliefs (views, no copy).

    Raises
    ------
    ValueError
        If q does not broadcast to ``shape``.

    Examples
    --------
    >>> import beds
    >>> from beds._geometry import broadcast
    >>> broadcast(beds.Normal(0.0, 1.0), (3,)).batch_shape
    (3,)
    """
    return q if q._p[0].shape == shape else q._broadcast_to(shape)


def broadcast_components(q: Belief, comps: Any) -> tuple[Belief, Arrays]:
    """Broadcast q and per-parameter components together.

    The batch shapes of q and of the components broadcast, and each component takes the shape of
    its parameter (event axes included): the layout that :meth:`Geometry.apply_metric` and the
    charts expect.

    Parameters
    ----------
    q : Belief
        A belief batch.
    comps : sequence of array_like
        One component per parameter (a gradient, a tangent vector), each with at least the
        parameter's event axes.

    Returns
    -------
    base : Belief
        The beliefs q broadcast to the common batch shape (q itself when nothing changes).
    comps : list of numpy.ndarray
        The components broadcast to the parameters of ``base``.

    Raises
    ------
    ValueError
        If the shapes do not broadcast.

    Examples
    --------
    >>> import numpy as np, beds
    >>> from beds._geometry import broadcast_components
    >>> base, comps = broadcast_components(beds.Normal(0.0, 1.0), [np.zeros(3), 1.0])
    >>> base.batch_shape, comps[1]
    ((3,), array([1., 1., 1.]))
    """
    if all(np.shape(c) == p.shape for c, p in zip(comps, q._p)):
        return q, list(comps)
    ev = event_ndims(q)
    batch = np.broadcast_shapes(q.batch_shape, *(np.shape(c)[: max(np.ndim(c) - e, 0)] for c, e in zip(comps, ev)))
    p0 = q._p[0]
    base = broadcast(q, tuple(batch) + p0.shape[q.ndim :])
    return base, [np.broadcast_to(c, p.shape) for c, p in zip(comps, base._p)]


def expand(lam: np.ndarray, q: Belief, event_ndim: int | None = None) -> np.ndarray:
    """Lay a strength out against a parameter array of q with ``event_ndim`` event axes.

    With ``per_coordinate_strength`` (DiagNormal) strengths already broadcast against ``batch +
    (d,)`` (per-coordinate strengths, as for EWC; one per belief is ``strength[..., None]``) and are
    returned as they are.  For the other families a strength is per belief: its batch axes get
    ``event_ndim`` trailing axes of length 1.

    Parameters
    ----------
    lam : numpy.ndarray
        The strength.
    q : Belief
        The beliefs.
    event_ndim : int, optional
        The number of event axes of the parameter (default: the family's ``event_ndim``).

    Returns
    -------
    numpy.ndarray
        A view of ``lam`` that broadcasts against the parameter.

    Raises
    ------
    AttributeError
        If ``q`` is not a belief.

    Examples
    --------
    >>> import numpy as np, beds
    >>> from beds._geometry import expand
    >>> expand(np.array([1.0, 2.0]), beds.MVNormal(np.zeros((2, 2)), np.eye(2)), 2).shape
    (2, 1, 1)
    """
    e = q.event_ndim if event_ndim is None else event_ndim
    if q.per_coordinate_strength or not lam.ndim or not e:
        return lam
    return lam[(...,) + (None,) * e]


def strength_layout_shape(q: Belief) -> tuple[int, ...]:
    """Return the shape a penalty strength broadcasts against for q.

    The first parameter's shape for a family with per-coordinate strengths (DiagNormal: ``batch +
    (d,)``), the batch shape otherwise.

    Parameters
    ----------
    q : Belief
        The beliefs.

    Returns
    -------
    tuple of int
        The shape.

    Raises
    ------
    AttributeError
        If ``q`` is not a belief.

    Examples
    --------
    >>> import numpy as np, beds
    >>> from beds._geometry import strength_layout_shape
    >>> strength_layout_shape(beds.DiagNormal(np.zeros((2, 3)), 1.0))
    (2, 3)
    >>> strength_layout_shape(beds.Normal(np.zeros(2), 1.0))
    (2,)
    """
    return q._p[0].shape if q.per_coordinate_strength else q.batch_shape
