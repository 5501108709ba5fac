"""The raw numpy ufuncs of beds (no argument validation beyond numpy's own).

These are real ``numpy.ufunc`` objects: they broadcast, take ``out=``/``where=``, follow numpy's
casting rules (float32 and float64 loops; integers are computed in float64) and dispatch through
``__array_ufunc__``, so dask arrays work with no extra code for the single-output ones::

    import dask.array as da
    d = beds.ufuncs.normal_distance(da_mu1, da_s1, da_mu2, da_s2)   # lazy, chunked, distributed

dask refuses element-wise ufuncs with several outputs (``normal_log``, ``normal_fr_penalty``, ...);
the validated functions (``beds.normal.log``, ...) take dask arrays for every kernel (lazily,
through ``dask.array.apply_gufunc``), or call ``dask.array.apply_gufunc`` with the ufunc yourself.

Out-of-domain elements (std <= 0, non-finite parameters, probabilities < 0) give NaN and raise
numpy's "invalid value" floating-point error, which ``np.errstate`` controls.  The validated
functions of ``beds.normal`` etc. turn that into a ValueError naming the argument.
"""

from __future__ import annotations

import numpy as np

from . import _core

__all__ = sorted(name for name in dir(_core) if isinstance(getattr(_core, name), np.ufunc) and not name.startswith("_"))

globals().update({name: getattr(_core, name) for name in __all__})
