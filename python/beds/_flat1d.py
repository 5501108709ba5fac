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
        The ValueError message when an exp map or a geodesic leaves the family.

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
            f"{family}_{op}", docs[op], module=module, on_domain_error=leaves if op in ("exp", "geodesic") else None
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

    def __init__(self, rate: Any) -> None:
        self._set((rate,))

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
