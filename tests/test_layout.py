"""The package layout keeps its public names, the kind names and their aliases; the Gaussian
dissipation and assimilation are one set of formulas shared by System and belief_update."""

from __future__ import annotations

import importlib

import beds
import numpy as np
import pytest

_DYNAMICS = [
    "BOLTZMANN",
    "KINDS",
    "RULES",
    "System",
    "Trajectory",
    "ema_decay",
    "ema_gain",
    "gamma_from_ema",
    "to_belief",
    "von_mises_entropy",
    "von_mises_mean_resultant",
]
_REGULARIZATION = [
    "GoverningEquation",
    "PenaltyResult",
    "SIGReg",
    "belief_update",
    "cholesky_grad",
    "empirical_fisher",
    "fisher_rao_penalty",
    "kl_penalty",
    "sac_temperature_update",
    "sigreg",
]


@pytest.mark.parametrize(("module", "names"), [("beds.dynamics", _DYNAMICS), ("beds.regularization", _REGULARIZATION)])
def test_public_names_import_from_the_packages(module, names):
    mod = importlib.import_module(module)
    for name in names:
        obj = getattr(mod, name)
        if callable(obj):  # documented (and pickled) under the package name
            assert obj.__module__ == module, name
    for name in set(names) & set(beds.__all__):
        assert getattr(beds, name) is getattr(mod, name)


def test_mvnormal_kind_name_and_its_alias():
    assert beds.System.mv_normal == beds.System.mvnormal
    s = beds.System.mv_normal(np.zeros(2), np.eye(2), gamma=0.1)
    assert s.kind == "mvnormal" and "mvnormal" in beds.dynamics.KINDS
    _, tr = s.integrate([0.5], [0], [[1.0, 0.0]], 2.0)
    assert tr.kind == "mvnormal"
    np.testing.assert_allclose(tr.variance(), np.linalg.inv(tr.precision))
    old = beds.Trajectory("mv_normal", tr.times, tr.mean, tr.precision, tr.entropy, None, None, None, 300.0)
    assert old.kind == "mvnormal"
    assert isinstance(beds.dynamics.to_belief("mv_normal", s.params()), beds.MVNormal)
    with pytest.raises(ValueError, match="kind must be one of"):
        beds.dynamics.to_belief("gaussian", s.params())
    assert hasattr(beds._core, "dynamics_integrate_mvnormal")


def test_belief_update_uses_the_system_formulas(rng):
    m, s = rng.normal(size=50), np.exp(rng.normal(size=50))
    ref = beds.Normal(0.5, 2.0)
    y = rng.normal(size=50)
    new = beds.belief_update(beds.Normal(m, s), ref, gamma=0.7, dt=0.3, observation=y, obs_std=0.5)
    sys_ = beds.System.normal(m, precision=1.0 / s**2, gamma=0.7, reference=(0.5, 1.0 / 2.0**2))
    after = sys_.dissipate(0.3).assimilate(y, 1.0 / 0.5**2)
    np.testing.assert_array_equal(new.mean, after.mean)
    np.testing.assert_array_equal(new.std, 1.0 / np.sqrt(after.precision))
