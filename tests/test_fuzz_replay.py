"""A short run of the fuzz target tools/fuzz_beds.py in its replay mode (random bytes, no atheris).

Every call the target makes must raise TypeError or ValueError or return finite results; a finding
(NaN or inf from a call that did not raise, another exception, a warning) fails the test and prints
the entry point and its arguments.  ``BEDS_FUZZ_INPUTS`` and ``BEDS_FUZZ_SEED`` run a longer or
another replay (``python tools/fuzz_beds.py --replay N`` does the same from the command line).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import beds
import numpy as np
import pytest

TARGET = Path(__file__).resolve().parents[1] / "tools" / "fuzz_beds.py"


@pytest.fixture(scope="module")
def fuzz():
    if not TARGET.exists():
        pytest.skip("tools/fuzz_beds.py is not in this checkout (an installed beds without its sources)")
    spec = importlib.util.spec_from_file_location("fuzz_beds", TARGET)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_replay_of_random_inputs_finds_nothing(fuzz):
    n = int(os.environ.get("BEDS_FUZZ_INPUTS", "2000"))
    fuzz.replay(n, seed=int(os.environ.get("BEDS_FUZZ_SEED", "20261207")))


def test_replay_reports_a_silent_nan(fuzz, monkeypatch, capsys):
    """The harness itself can fail: a function that returns NaN for valid input is a finding."""

    def nan_distance(a, b, out=None):
        return np.full(np.broadcast_shapes(np.shape(a), np.shape(b)), np.nan)

    monkeypatch.setattr(beds.exponential, "distance", nan_distance)
    monkeypatch.setattr(beds.poisson, "distance", nan_distance)
    with pytest.raises(AssertionError, match="non-finite result"):
        fuzz.replay(2000, seed=1)
    assert "=== finding in" in capsys.readouterr().err


@pytest.mark.parametrize(
    "outcome", [RuntimeError("boom"), FloatingPointError("overflow"), RuntimeWarning("overflow"), "inf", "ok", "value"]
)
def test_check_classifies_outcomes(fuzz, outcome, capsys):
    def call():
        if isinstance(outcome, Warning):
            import warnings

            warnings.warn(outcome, stacklevel=1)
            return 1.0
        if isinstance(outcome, Exception):
            raise outcome
        if outcome == "value":
            raise ValueError("out of range")
        return np.array([1.0, np.inf]) if outcome == "inf" else np.array([1.0, 2.0])

    if outcome in ("ok", "value"):
        fuzz.check("f", call)
        return
    with pytest.raises((AssertionError, RuntimeError, FloatingPointError, RuntimeWarning)):
        fuzz.check("f", call)
    assert "=== finding in f" in capsys.readouterr().err
