"""Optional CUDA kernels (build with ``BEDS_CUDA=ON pip install .``).

The device code is the same scalar C++ as the CPU loops (``cpp/include/beds/normal.hpp``), so the
results agree with the CPU to a few ulp.  Inputs are host numpy arrays; they are broadcast,
converted to C-contiguous float64, copied to the current device and back.  Without a CUDA build or
device, :func:`available` is False and the functions raise RuntimeError.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _core
from ._kernels import arguments
from ._validation import as_real_array, check_domain

__all__ = ["available", "normal_distance", "normal_geodesic"]


def available() -> bool:
    """True when beds was built with CUDA and a device is usable."""
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
    """Fisher-Rao distances of normal pairs computed on the GPU (see ``beds.normal.distance``)."""
    names, domains = arguments("normal_distance")  # the CPU kernel's declaration
    arrays, shape = _prepare([mean1, std1, mean2, std2], names)
    out, bad = _core.cuda_normal_distance(*arrays)
    _check(bad, arrays, names, domains)
    return out.reshape(shape)


def normal_geodesic(mean1: Any, std1: Any, mean2: Any, std2: Any, t: Any) -> tuple[np.ndarray, np.ndarray]:
    """Geodesic points of normal pairs computed on the GPU (see ``beds.normal.geodesic``)."""
    names, domains = arguments("normal_geodesic")  # the CPU kernel's declaration
    arrays, shape = _prepare([mean1, std1, mean2, std2, t], names)
    mu, sigma, bad = _core.cuda_normal_geodesic(*arrays)
    _check(bad, arrays, names, domains)
    return mu.reshape(shape), sigma.reshape(shape)
