"""Optional CUDA kernels (build with ``BEDS_CUDA=ON pip install .``).

The device code is the same scalar C++ as the CPU loops (``cpp/include/beds/normal.hpp``), so the
results agree with the CPU closely: the test suite checks distances to a relative 3.2e-15 (a few
ulp) and geodesic points to 1e-13.  Inputs are host numpy arrays; they are broadcast, converted to
C-contiguous float64, copied to the current device and back (results are float64).  Without a CUDA
build or device, :func:`available` is False and the functions raise RuntimeError.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _core
from ._kernels import arguments
from ._validation import as_real_array, check_domain

__all__ = ["available", "normal_distance", "normal_geodesic"]


def available() -> bool:
    """Tell whether the CUDA kernels can run: a CUDA build and at least one usable device.

    True only for a build configured with ``BEDS_CUDA=ON`` (the published wheels are CPU only) on a
    machine where the CUDA runtime reports a device; a build without a driver or GPU imports fine
    and answers False.  Same as :func:`beds.has_cuda`.

    Returns
    -------
    bool
        Whether :func:`normal_distance` and :func:`normal_geodesic` can run.

    See Also
    --------
    beds.cuda_device_count : The number of devices.

    Examples
    --------
    >>> import beds
    >>> beds.cuda.available() == beds.has_cuda()
    True
    """
    return bool(_core.built_with_cuda) and _core.cuda_device_count() > 0


def _prepare(values: list[Any], names: list[str]) -> tuple[list[np.ndarray], tuple[int, ...]]:
    if not available():
        raise RuntimeError("beds.cuda: no CUDA device (or beds was built without BEDS_CUDA=ON)")
    arrays = [as_real_array(v, n) for v, n in zip(values, names)]
    try:
        arrays = np.broadcast_arrays(*arrays)
    except ValueError:
        raise ValueError(
            "shapes do not broadcast: " + ", ".join(f"{n} {a.shape}" for n, a in zip(names, arrays))
        ) from None
    shape = arrays[0].shape
    return [np.ascontiguousarray(a, dtype=np.float64).ravel() for a in arrays], shape


def _check(bad: int, arrays: list[np.ndarray], names: list[str], domains: list[str]) -> None:
    if bad:
        for a, n, d in zip(arrays, names, domains):
            check_domain(n, a, d)


def normal_distance(mean1: Any, std1: Any, mean2: Any, std2: Any) -> np.ndarray:
    """Compute Fisher-Rao distances between normal pairs on the GPU.

    The same formula as :func:`beds.normal.distance`, ``d = 2 sqrt(2) asinh(sqrt((dmu^2 / 2 +
    dsigma^2) / (4 sigma1 sigma2)))`` (S. I. R. Costa, S. A. Santos and J. E. Strapasson, Discrete
    Applied Mathematics 197, 2015), compiled from the same scalar C++ for the device; the test suite
    checks agreement with the CPU to a relative 3.2e-15 on a GPU.  The inputs are broadcast,
    converted to C-contiguous float64 and copied to the current device, and the results copied back:
    worth it only for large batches.  The domains are checked after the kernel ran, when it reports
    an invalid pair.  See :doc:`/mathematics/normal`.

    Parameters
    ----------
    mean1, std1, mean2, std2 : array_like
        The means (finite) and standard deviations (> 0, finite) of the two normals; they
        broadcast (numpy rules).  Any real dtype, computed in float64.

    Returns
    -------
    numpy.ndarray
        The distances, float64 (even for float32 input), with the broadcast shape (0-d for scalar
        input).  No ``out=``.

    Raises
    ------
    RuntimeError
        If beds was built without CUDA or no device is usable, or on a CUDA error (the message
        gives the runtime's text).
    ValueError
        If the shapes do not broadcast, or a value is outside its domain (the message names the
        argument).
    TypeError
        If an argument does not hold real numbers.

    See Also
    --------
    beds.normal.distance : The CPU function (float32 kept, ``out=``, multithreaded).

    Examples
    --------
    >>> import beds
    >>> if beds.cuda.available():
    ...     d = beds.cuda.normal_distance(0.0, 1.0, 0.0, 2.0)
    ... else:
    ...     d = beds.normal.distance(0.0, 1.0, 0.0, 2.0)  # the same numbers on the CPU
    >>> round(float(d), 15)  # sqrt(2) ln 2
    0.980258143468547
    """
    names, domains = arguments("normal_distance")  # the CPU kernel's declaration
    arrays, shape = _prepare([mean1, std1, mean2, std2], names)
    out, bad = _core.cuda_normal_distance(*arrays)
    _check(bad, arrays, names, domains)
    return out.reshape(shape)


def normal_geodesic(mean1: Any, std1: Any, mean2: Any, std2: Any, t: Any) -> tuple[np.ndarray, np.ndarray]:
    """Compute points on the Fisher-Rao geodesics between normal pairs on the GPU.

    The same closed form as :func:`beds.normal.geodesic` (a Moebius map of the half-plane, S. I. R.
    Costa, S. A. Santos and J. E. Strapasson, Discrete Applied Mathematics 197, 2015), compiled
    from the same scalar C++ for the device: the point at parameter t of the geodesic from
    ``(mean1, std1)`` (t = 0) to ``(mean2, std2)`` (t = 1); t outside [0, 1] extrapolates.  The test
    suite checks agreement with the CPU to a relative 1e-13 on a GPU.  Inputs are broadcast,
    converted to float64 and copied to the device and back.  See :doc:`/mathematics/normal`.

    Parameters
    ----------
    mean1, std1, mean2, std2 : array_like
        The means (finite) and standard deviations (> 0, finite) of the two ends.
    t : array_like
        The parameter along each geodesic, finite; broadcasts with the other arguments.

    Returns
    -------
    mean : numpy.ndarray
        The means of the points, float64, with the broadcast shape.
    std : numpy.ndarray
        Their standard deviations, float64, same shape.

    Raises
    ------
    RuntimeError
        If beds was built without CUDA or no device is usable, or on a CUDA error.
    ValueError
        If the shapes do not broadcast, or a value is outside its domain (the message names the
        argument).
    TypeError
        If an argument does not hold real numbers.

    See Also
    --------
    beds.normal.geodesic : The CPU function.

    Examples
    --------
    >>> import beds
    >>> f = beds.cuda.normal_geodesic if beds.cuda.available() else beds.normal.geodesic
    >>> m, s = f(0.0, 1.0, 1.0, 2.0, 0.5)
    >>> round(float(m), 6), round(float(s), 6)
    (0.333333, 1.452966)
    """
    names, domains = arguments("normal_geodesic")  # the CPU kernel's declaration
    arrays, shape = _prepare([mean1, std1, mean2, std2, t], names)
    mu, sigma, bad = _core.cuda_normal_geodesic(*arrays)
    _check(bad, arrays, names, domains)
    return mu.reshape(shape), sigma.reshape(shape)
