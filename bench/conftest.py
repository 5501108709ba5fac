"""pytest-benchmark suite (not part of ``python -m pytest``, whose testpaths is tests/).

pip install '.[bench]'
python -m pytest bench --benchmark-columns=min,median,ops --benchmark-sort=name
"""

import numpy as np
import pytest


@pytest.fixture(scope="module")
def pairs():
    rng = np.random.default_rng(0)
    n = 10**6
    return (
        rng.standard_normal(n),
        np.exp(0.5 * rng.standard_normal(n)),
        rng.standard_normal(n),
        np.exp(0.5 * rng.standard_normal(n)),
    )
