"""Shared machinery of the one-parameter families that are flat in a coordinate u(rate).

:class:`~beds.Exponential` (flat in ``u = log rate``) and :class:`~beds.Poisson` (flat in ``u = 2
sqrt(rate)``) have a one-dimensional Fisher-Rao geometry: every operation is a closed form in u, the
Frechet mean is the weighted mean in u, and both families build their array functions, their
Karcher means and their class from the helpers here.  The docstring parts shared by their array
functions (``PAIR``, ``OUT``, ``RAISES``, ...) are defined here too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._belief import Belief
from ._dask import is_dask_array, lazy_or_real
from ._kernels import array_function, call_kernel
from ._validation import as_real_array, check_iterations, karcher_weights

#: the operations of a one-parameter family (each a kernel ``<family>_<op>``)
OPS = ("distance", "kl", "jeffreys", "entropy", "inner", "exp", "log", "geodesic", "transport")

#: docstring parts of the array functions (the argument names come from the kernel declarations)
PAIR = """rate1, rate2 : array_like
        The rates of the two beliefs (finite, > 0); they broadcast against each other (numpy rules)."""
OUT = """out : numpy.ndarray, optional
        Array to write the result into (numpy ufunc semantics: the broadcast shape, a float dtype)."""
RETURNS = """numpy.ndarray or numpy.float64
        The values, of the broadcast shape; float32 when every argument is a float32 array, float64
        otherwise."""
RAISES = """Raises
    ------
    TypeError
        If an argument is not an array of real numbers, or is missing or unexpected.
    ValueError
        If an element is outside its domain (the message names the argument and the index), or
        the shapes do not broadcast."""
RAISES_LEAVES = """Raises
    ------
    TypeError
        If an argument is not an array of real numbers, or is missing or unexpected.
    ValueError
        If an element is outside its domain, the shapes do not broadcast, or the resulting rate
        leaves the family (the message says how)."""


#: messages for results that do not fit the output dtype, shared by the one-parameter families
RANGE_MESSAGES = {
    "kl": "the KL divergence exceeds the largest float of the output dtype (1.8e308 in float64, 3.4e38 in "
    "float32): rate1 and rate2 are too far apart",
    "jeffreys": "the Jeffreys divergence exceeds the largest float of the output dtype (1.8e308 in float64, "
    "3.4e38 in float32): rate1 and rate2 are too far apart",
    "inner": "the inner product exceeds the largest float of the output dtype (1.8e308 in float64, 3.4e38 in "
    "float32): u and v are too large for this rate",
    "log": "the velocity v overflows the output dtype (1.8e308 in float64, 3.4e38 in float32): rate1 is too "
    "large for this pair",
    "transport": "the transported vector overflows the output dtype (1.8e308 in float64, 3.4e38 in float32): "
    "v or the ratio rate2 / rate1 is too large",
}


def make_functions(family: str, module: str, docs: dict[str, str], leaves: str | None = None) -> dict[str, Any]:
    """Build the validated array-level functions of a one-parameter family.

    One function per operation of :data:`OPS`, from the kernel ``<family>_<op>`` (its arguments and
    domains come from the kernel's declaration, :func:`beds._kernels.array_function`).

    Parameters
    ----------
    family : str
        The family's kernel prefix (``"exponential"``, ``"poisson"``).
    module : str
        The module the functions belong to (their ``__module__``).
    docs : dict of str to str
        The docstring of each operation.
    leaves : str, optional
        The ValueError message when an exp map or a geodesic leaves the family (the other
        operations whose results can exceed the float range use :data:`RANGE_MESSAGES`).

    Returns
    -------
    dict of str to callable
        The functions, by operation name.

    Raises
    ------
    KeyError
        If ``docs`` lacks an operation.
    """
    return {
        op: array_function(
            f"{family}_{op}",
            docs[op],
            module=module,
            on_domain_error=leaves if op in ("exp", "geodesic") else RANGE_MESSAGES.get(op),
        )
        for op in OPS
    }


def karcher_mean_1d(family: str, rate: Any, weights: Any = None) -> np.ndarray:
    """Compute the Frechet mean of rates over the last axis with the family's closed-form kernel.

    The weighted mean in the flat coordinate u, mapped back: ``<family>_karcher_mean``.  dask arrays
    give a lazy result (:mod:`beds._dask`).

    Parameters
    ----------
    family : str
        The family's kernel prefix.
    rate : array_like or dask.array.Array
        Rates (finite, > 0), at least one axis; the mean is taken over the last one.
    weights : array_like, optional
        Non-negative weights broadcasting to ``rate``, with a positive sum over the last axis.

    Returns
    -------
    numpy.ndarray, numpy.float64 or dask.array.Array
        The means, of the shape of ``rate`` without its last axis.

    Raises
    ------
    TypeError
        If an argument is not an array of real numbers.
    ValueError
        If ``rate`` is 0-d or has an empty last axis, an element is outside its domain, or the
        weights are negative, sum to 0 or do not broadcast.
    """
    lazy = is_dask_array(rate) or is_dask_array(weights)
    r = lazy_or_real(rate, "rate") if lazy else as_real_array(rate, "rate")
    if r.ndim == 0:
        raise ValueError("karcher_mean reduces over the last axis: rate needs at least one dimension")
    if r.shape[-1] == 0:
        raise ValueError("karcher_mean of an empty set of beliefs")
    dtype = np.result_type(r.dtype, np.float32)
    if lazy:
        from . import _dask

        r = _dask.as_dask(r)
        return _dask.call_kernel(f"{family}_karcher_mean", [r, _dask.karcher_weights(weights, r, dtype)])
    w = karcher_weights(weights, r.shape, dtype)
    return call_kernel(f"{family}_karcher_mean", [r, w])


class RateBelief(Belief):
    """Base of the one-parameter families with a positive rate (Exponential, Poisson).

    Declares the parameter ``rate`` (finite, > 0) and the closed-form Karcher mean; a subclass sets
    ``family`` (the kernel prefix), ``leaves_domain`` and its metric.

    Parameters
    ----------
    rate : array_like
        Rates (finite, > 0); the batch shape is their shape.

    Raises
    ------
    TypeError
        If ``rate`` is not an array of real numbers, or is missing.
    ValueError
        If an element is not finite and > 0 (the message names the index).
    """

    __slots__ = ()
    params = ("rate",)
    domains = ("positive",)
    tangent_domains = ("real",)
    entropy_params = ("rate",)
    inner_params = ("rate",)
    range_messages = RANGE_MESSAGES

    def __init__(self, rate: Any) -> None:
        self._set((rate,))

    #: the Fisher information is 1 / rate^metric_power
    metric_power: int = 2

    def _metric_diagonal(self) -> np.ndarray:
        with np.errstate(all="ignore"):
            g = 1.0 / self.rate**self.metric_power
        if not np.isfinite(g).all():
            bad = float(np.asarray(self.rate)[~np.isfinite(g)].flat[0])
            raise ValueError(
                f"the Fisher metric 1/rate^{self.metric_power} overflows the dtype of rate for rate = {bad!r}"
            )
        return g[..., None]

    def apply_metric(self, components: Any, inverse: bool = False) -> list[np.ndarray]:
        """Apply the Fisher metric G of self to a vector: ``G v``, or ``G^-1 v`` with ``inverse``.

        ``G v = v / rate^k`` and ``G^-1 g = g rate^k``, k = 2 (exponential: Fisher information ``1 /
        rate^2``) or 1 (Poisson: ``1 / rate``), one division (multiplication) at a time, so that a
        result overflows only if it is itself above the largest float.

        Parameters
        ----------
        components : sequence of array_like
            One component (the rate's), broadcasting to the shape of the rates.
        inverse : bool, optional
            Apply ``G^-1`` instead of G.

        Returns
        -------
        list of numpy.ndarray
            ``[rate component]``, shaped like the rates.  An element can be infinite when the result
            itself exceeds the float range (the callers check).

        Raises
        ------
        ValueError
            If the component does not broadcast to the rates.

        Examples
        --------
        >>> import beds
        >>> beds.Exponential(2.0).apply_metric((1.0,))   # 1 / 2^2
        [array(0.25)]
        >>> beds.Poisson(2.0).apply_metric((1.0,), inverse=True)   # 1 * 2
        [array(2.)]
        """
        (c,) = components
        try:
            c = np.broadcast_to(c, self.rate.shape)
        except ValueError:
            raise ValueError(f"components do not broadcast to the parameters of shape {self.rate.shape}") from None
        with np.errstate(all="ignore"):
            for _ in range(self.metric_power):
                c = c * self.rate if inverse else c / self.rate
        return [np.asarray(c)]

    def fisher_rao_penalty_parts(
        self, other: Belief, strength: np.ndarray, out: Any = None
    ) -> tuple[Any, list[np.ndarray], list[np.ndarray], Belief]:
        """Compute the value, gradient, natural gradient and base point of ``strength/2 d^2(self, other)``.

        The value ``strength/2 d^2``, the natural gradient ``-strength Log_self(other)`` (the
        Riemannian gradient; Amari 1998) and the Euclidean gradient ``-strength G Log_self(other)``,
        the strength multiplying last, so that each output overflows only if it is itself too large
        (:func:`beds.fisher_rao_penalty` then raises).

        Parameters
        ----------
        other : Belief
            The reference beliefs, of the same family (batch shapes broadcast).
        strength : numpy.ndarray
            The strength (finite, >= 0), broadcasting with the batch.
        out : None
            Not supported for these families (only None).

        Returns
        -------
        value : numpy.ndarray
            The penalties, of the broadcast batch shape.
        grad : list of numpy.ndarray
            ``[grad_rate]``.
        natural_grad : list of numpy.ndarray
            ``[natgrad_rate]``.
        base : Belief
            Self broadcast to the common batch shape.

        Raises
        ------
        ValueError
            If ``out`` is given, or the shapes do not broadcast.

        Examples
        --------
        >>> import numpy as np, beds
        >>> p, ref = beds.Exponential(1.0), beds.Exponential(np.e)
        >>> value, grad, nat, base = p.fisher_rao_penalty_parts(ref, np.array(2.0))
        >>> round(float(value), 12), round(float(nat[0]), 12), round(float(grad[0]), 12)   # d = 1, Log = 1
        (1.0, -2.0, -2.0)
        """
        if out is not None:
            raise ValueError(
                "out= is supported for Normal and DiagNormal penalties in their own coordinates (param=None)"
            )
        v = self.log(other)
        base = v.base
        lam = np.asarray(strength)
        (c,) = v.components.values()
        (gv,) = base.apply_metric((c,))
        d = self.distance(other)
        with np.errstate(all="ignore"):
            return (0.5 * lam * d) * d, [-lam * gv], [-lam * c], base

    def karcher_mean(self, weights: Any = None, axis: Any = None, tol: float = 1e-12, max_iter: int = 100) -> Belief:
        """Compute the weighted Frechet (Karcher) mean over batch axes, in closed form.

        The family is flat in its coordinate u, so the mean is the weighted mean of u mapped back:
        the weighted geometric mean for :class:`~beds.Exponential`, ``(sum w sqrt(rate) / sum w)^2``
        for :class:`~beds.Poisson`.  ``tol`` and ``max_iter`` are accepted (and checked) for a
        uniform API, but unused.

        Parameters
        ----------
        weights : array_like, optional
            Non-negative weights broadcasting to the batch shape, with a positive sum over the
            reduced axes (default: equal weights).
        axis : int or tuple of int, optional
            The batch axes to reduce (default: all of them).
        tol : float, optional
            Checked (> 0), unused.
        max_iter : int, optional
            Checked (>= 1), unused.

        Returns
        -------
        Belief
            The means (of the same family), with the reduced axes removed from the batch shape.

        Raises
        ------
        ValueError
            If the batch is empty or has shape ``()``, ``axis`` is out of range or repeated, the
            weights are negative, sum to 0 or do not broadcast, ``tol <= 0`` or ``max_iter < 1``.
        TypeError
            If the weights are not real numbers.

        Examples
        --------
        >>> import beds
        >>> beds.Exponential([1.0, 4.0]).karcher_mean()   # the geometric mean
        Exponential(rate=2., batch_shape=())
        >>> beds.Poisson([1.0, 4.0]).karcher_mean()       # ((1 + 2) / 2)^2
        Poisson(rate=2.25, batch_shape=())
        """
        check_iterations(tol, max_iter)
        (r,), w, _ = self._reduction_layout(weights, axis)
        return type(self)._trusted(karcher_mean_1d(self.family, r, w))
