"""Bad input to beds.System and its integrator: clear errors that name the argument."""

from __future__ import annotations

import beds
import numpy as np
import pytest


@pytest.fixture
def sys2():
    return beds.System.normal(np.zeros(3), var=1.0, gamma=0.5)


def _call(s, **kw):
    args = {"times": [0.5, 1.0], "index": [0, 1], "values": [1.0, 2.0], "precisions": [1.0, 1.0]}
    args.update(kw)
    return s.integrate(args["times"], args["index"], args["values"], args["precisions"], record=kw.get("record"))


@pytest.mark.parametrize(
    "kw, exc, msg",
    [
        ({"times": [1.0, 0.5]}, ValueError, r"times must be sorted.*times\[1\]"),
        ({"times": [np.nan, 1.0]}, ValueError, "times must be finite"),
        ({"times": [-1.0, 1.0]}, ValueError, "times must be >= the system time"),
        ({"times": [[0.5, 1.0]]}, ValueError, "times must be one-dimensional"),
        ({"index": [0, 3]}, ValueError, r"index out of range \[0, 3\): index\[1\] = 3"),
        ({"index": [-1, 0]}, ValueError, "index out of range"),
        ({"index": [0.0, 1.0]}, TypeError, "index must be an array of integers"),
        ({"index": [0, 1, 2]}, ValueError, r"index must have shape \(2,\)"),
        ({"values": [np.nan, 1.0]}, ValueError, "values must be finite"),
        ({"values": [1.0, 2.0, 3.0]}, ValueError, "values of shape"),
        ({"precisions": [-1.0, 1.0]}, ValueError, "precisions must be >= 0"),
        ({"precisions": [np.inf, 1.0]}, ValueError, "precisions must be finite"),
        ({"precisions": ["a", "b"]}, TypeError, "precisions"),
        ({"record": [2.0, 1.0]}, ValueError, "record times must be sorted"),
        ({"record": [np.nan]}, ValueError, "record must be finite"),
    ],
)
def test_integrate_bad_input(sys2, kw, exc, msg):
    with pytest.raises(exc, match=msg):
        _call(sys2, **kw)


def test_integrate_bad_t_end_and_temperature(sys2):
    with pytest.raises(ValueError, match="t_end"):
        sys2.integrate([1.0], [0], [1.0], 1.0, t_end=0.5)
    with pytest.raises(ValueError, match="temperature"):
        sys2.integrate([1.0], [0], [1.0], 1.0, temperature=0.0)


@pytest.mark.parametrize(
    "ctor, kw, exc, msg",
    [
        ("normal", {"mean": 0.0, "var": 1.0}, ValueError, "exactly one of gamma"),
        ("normal", {"mean": 0.0, "var": 1.0, "gamma": 1.0, "q": 1.0}, ValueError, "exactly one of gamma"),
        ("normal", {"mean": 0.0, "var": -1.0, "gamma": 1.0}, ValueError, "var must be > 0"),
        ("normal", {"mean": 0.0, "precision": 0.0, "gamma": 1.0}, ValueError, "precision must be > 0"),
        ("normal", {"mean": np.nan, "var": 1.0, "gamma": 1.0}, ValueError, "mean must be finite"),
        ("normal", {"mean": 0.0, "var": 1.0, "gamma": -1.0}, ValueError, "gamma must be >= 0"),
        ("normal", {"mean": 0.0, "var": 1.0, "q": np.nan}, ValueError, "q must be finite"),
        ("normal", {"mean": [0.0, 1.0], "var": [1.0, 1.0, 1.0], "gamma": 1.0}, ValueError, "do not broadcast"),
        ("normal", {"mean": [0.0, 1.0], "var": 1.0, "gamma": [1.0, 1.0, 1.0]}, ValueError, "gamma of shape"),
        ("normal", {"mean": 0.0, "var": 1.0, "q": 1.0, "reference": (0.0, 1.0)}, ValueError, "reference"),
        (
            "normal",
            {"mean": 0.0, "var": 1.0, "gamma": 1.0, "reference": (0.0, -1.0)},
            ValueError,
            "reference precision must be >= 0",
        ),
        ("normal", {"mean": 0.0, "var": 1.0, "gamma": 1.0, "eps": -1.0}, ValueError, "eps"),
        ("normal", {"mean": "x", "var": 1.0, "gamma": 1.0}, TypeError, "mean"),
        ("diag_normal", {"mean": 0.0, "var": 1.0, "gamma": 1.0}, ValueError, "last axis"),
        ("diag_normal", {"mean": [0.0], "var": [1.0], "gamma": 1.0, "rule": "median"}, ValueError, "rule"),
        (
            "mv_normal",
            {"mean": [0.0, 0.0], "cov": [[1.0, 2.0], [2.0, 1.0]], "gamma": 1.0},
            ValueError,
            "positive definite",
        ),
        ("mv_normal", {"mean": [0.0, 0.0], "cov": [[1.0, 0.5], [0.0, 1.0]], "gamma": 1.0}, ValueError, "symmetric"),
        ("mv_normal", {"mean": [0.0, 0.0], "cov": np.eye(3), "gamma": 1.0}, ValueError, r"cov must have shape"),
        ("von_mises", {"mu": 0.0, "kappa": -1.0, "gamma": 1.0}, ValueError, "kappa must be >= 0"),
        ("von_mises", {"mu": np.inf, "kappa": 1.0, "gamma": 1.0}, ValueError, "mu must be finite"),
    ],
)
def test_constructors_bad_input(ctor, kw, exc, msg):
    with pytest.raises(exc, match=msg):
        getattr(beds.System, ctor)(**kw)


def test_von_mises_has_no_additive_model():
    with pytest.raises(TypeError, match="q"):
        beds.System.von_mises(0.0, 1.0, q=1.0)
    with pytest.raises(ValueError, match="exactly one of gamma"):
        beds.System.von_mises(0.0, 1.0, gamma=None)


def test_operations_bad_input(sys2):
    with pytest.raises(ValueError, match="dt must be >= 0"):
        sys2.dissipate(-1.0)
    with pytest.raises(ValueError, match="dt must be a scalar"):
        sys2.dissipate([1.0, 2.0])
    with pytest.raises(ValueError, match="precision must be >= 0"):
        sys2.assimilate(1.0, -2.0)
    with pytest.raises(ValueError, match="value must be finite"):
        sys2.assimilate(np.nan, 1.0)
    with pytest.raises(ValueError, match="value of shape"):
        sys2.assimilate([1.0, 2.0], 1.0)
    with pytest.raises(TypeError, match="beds.System"):
        sys2.fuse(beds.Normal(0.0, 1.0))
    with pytest.raises(ValueError, match="batch shape"):
        sys2.fuse(beds.System.normal(np.zeros(4), var=1.0, gamma=0.5))
    mv = beds.System.mv_normal(np.zeros(2), np.eye(2), gamma=0.1)
    with pytest.raises(ValueError, match="positive semi-definite"):
        mv.assimilate([0.0, 0.0], [[1.0, 0.0], [0.0, -1.0]])


def test_mv_integrate_bad_precisions():
    s = beds.System.mv_normal(np.zeros((2, 2)), np.eye(2), gamma=0.1)
    with pytest.raises(ValueError, match="positive semi-definite"):
        s.integrate([1.0, 2.0, 3.0], [0, 1, 0], np.zeros((3, 2)), [[1.0, 0.0], [0.0, -1.0]])
    with pytest.raises(ValueError, match="symmetric"):
        s.integrate([1.0], [0], np.zeros((1, 2)), [[[1.0, 0.5], [0.0, 1.0]]])
    with pytest.raises(ValueError, match="index out of range"):
        s.integrate([1.0], [2], np.zeros((1, 2)), 1.0)
    with pytest.raises(ValueError, match="times must be sorted"):
        s.integrate([1.0, 0.5], [0, 0], np.zeros((2, 2)), 1.0)


@pytest.mark.parametrize("kind", ["normal", "von_mises", "diag"])
@pytest.mark.parametrize(
    "kw, msg",
    [
        ({"times": [0.5, np.nan]}, "times must be finite"),
        ({"times": [0.5, np.inf]}, "times must be finite"),
        ({"values": np.nan}, "values must be finite"),
        ({"precisions": -1.0}, "precisions must be >= 0"),
    ],
)
def test_scalar_and_last_element_errors(kind, kw, msg):
    if kind == "normal":
        s = beds.System.normal(np.zeros(3), var=1.0, gamma=0.5)
    elif kind == "von_mises":
        s = beds.System.von_mises(np.zeros(3), 1.0, gamma=0.5)
    else:
        s = beds.System.diag_normal(np.zeros((3, 2)), var=1.0, gamma=0.5)
    args = {"times": [0.5, 1.0], "index": [0, 1], "values": 1.0, "precisions": 1.0}
    args.update(kw)
    with pytest.raises(ValueError, match=msg):
        s.integrate(args["times"], args["index"], args["values"], args["precisions"])


def test_ema_helpers_bad_input():
    from beds.dynamics import ema_gain, gamma_from_ema

    with pytest.raises(ValueError, match="beta"):
        gamma_from_ema(1.5, 1.0)
    with pytest.raises(ValueError, match="beta"):
        gamma_from_ema(0.0, 1.0)
    with pytest.raises(ValueError, match="step"):
        gamma_from_ema(0.5, 0.0)
    with pytest.raises(ValueError, match="gamma"):
        ema_gain(-1.0, 1.0)
