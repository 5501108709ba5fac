"""Shared fixtures.  Tests run against the installed package (``pip install .``)."""

from __future__ import annotations

import os
import sys
import warnings

import beds
import numpy as np
import pytest

# shared helpers (tests/_oracles.py) importable as `_oracles` under --import-mode=importlib
sys.path.insert(0, os.path.dirname(__file__))

# Property tests are deterministic by default (a CI run cannot turn red by chance; a failure
# reproduces exactly); BEDS_HYPOTHESIS_RANDOM=1 explores new random examples instead.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("beds-ci", derandomize=True, database=None)
_hypothesis_settings.register_profile("beds-random")
_hypothesis_settings.load_profile("beds-random" if os.environ.get("BEDS_HYPOTHESIS_RANDOM") else "beds-ci")

# hypothesis imports this lazily when a property test fails; under filterwarnings=error a
# DeprecationWarning raised by that import would hide the real failure behind an INTERNALERROR.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    try:
        import hypothesis.extra._patching  # noqa: F401
    except Exception:  # noqa: BLE001 - optional
        pass


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(params=beds._core.available_simd_levels())
def simd_level(request: pytest.FixtureRequest):
    """Runs a test once per instruction-set build of the loops available on this CPU."""
    previous = beds._core.simd_level()
    beds._core.set_simd_level(request.param)
    yield request.param
    beds._core.set_simd_level(previous)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if beds.cuda_device_count() > 0:
        return
    skip = pytest.mark.skip(reason="no CUDA device")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)
