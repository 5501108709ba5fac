"""System: immutable, fusion and crystallization, the precision matrices of observations, messages.

Regressions of issue 14: attribute assignment and writes into the rate arrays used to change a
system its docstring called immutable; ``fuse`` changed halted (crystallized) beliefs; a
non-symmetric observation precision was accepted; ``System.var`` of von Mises systems pointed at a
``circular_var`` that does not exist.
"""

from __future__ import annotations

import copy
import pickle
import re

import beds
import numpy as np
import pytest


# ---------------------------------------------------------------------------------- System
def _systems():
    return [
        beds.System.normal([0.0, 1.0], var=[1.0, 0.001], gamma=0.5, eps=0.01),
        beds.System.diag_normal(np.zeros((2, 2)), var=[[1.0, 1.0], [1e-4, 1e-4]], gamma=0.5, eps=0.01),
        beds.System.mvnormal(np.zeros((2, 2)), cov=np.eye(2) * [[[1.0]], [[1e-4]]], gamma=0.5, eps=0.01),
        beds.System.von_mises([0.0, 1.0], [1.0, 1e4], gamma=0.5, eps=0.01),
    ]


@pytest.mark.parametrize("s", _systems(), ids=lambda s: s.kind)
def test_system_is_immutable(s):
    for name in ("t", "kind", "eps", "rule", "model", "_state", "new_attribute"):
        with pytest.raises(AttributeError, match="immutable"):
            setattr(s, name, 1.0)
    with pytest.raises(AttributeError, match="immutable"):
        del s.t
    with pytest.raises(ValueError, match="read-only"):
        s.rate[...] = 7.0
    with pytest.raises(ValueError, match="read-only"):
        s.gamma.fill(7.0)
    # the other arrays are copies: writing into them leaves the system as it was
    before = s.params()
    for arr in (s.mean, s.precision, s.frozen, *s.params().values()):
        arr[...] = 0
    for k, v in s.params().items():
        np.testing.assert_array_equal(v, before[k])
    # pickle and copies still work, and give equal systems
    for c in (pickle.loads(pickle.dumps(s)), copy.copy(s), copy.deepcopy(s)):
        assert c.kind == s.kind and c.t == s.t
        for k, v in c.params().items():
            np.testing.assert_array_equal(v, before[k])


def test_system_does_not_share_its_input():
    m, v, g = np.array([0.0, 1.0]), np.array([1.0, 2.0]), np.array([0.5, 0.5])
    s = beds.System.normal(m, var=v, gamma=g)
    m[:] = 9.0
    v[:] = 9.0
    g[:] = 9.0
    assert s.mean.tolist() == [0.0, 1.0] and s.var.tolist() == [1.0, 2.0] and s.gamma.tolist() == [0.5, 0.5]
    assert m.flags.writeable and g.flags.writeable  # the caller's arrays are untouched


@pytest.mark.parametrize("s", _systems(), ids=lambda s: s.kind)
def test_fuse_leaves_crystallized_beliefs_unchanged(s):
    c = s.crystallize()
    assert c.frozen.tolist() == [False, True]
    f = c.fuse(s)  # fuse with the uncrystallized copy: belief 0 changes, belief 1 is halted
    p0, p1 = c.params(), f.params()
    for k in p0:
        np.testing.assert_array_equal(p1[k][1], p0[k][1])
    assert not np.array_equal(f.precision[0], c.precision[0])  # (kappa for von Mises)
    np.testing.assert_array_equal(f.output, c.output)
    assert f.frozen.tolist() == [False, True]
    # without crystallization fusion changes every belief, as before
    g = s.fuse(s)
    assert not np.array_equal(g.precision, s.precision)


def test_mvnormal_assimilate_rejects_non_symmetric_precision():
    s = beds.System.mvnormal(np.zeros(2), cov=np.eye(2), gamma=1.0)
    with pytest.raises(ValueError, match="precision must be a symmetric matrix.*precision\\[0, 1\\] = 0.5"):
        s.assimilate([1.0, 1.0], [[1.0, 0.5], [0.2, 1.0]])
    with pytest.raises(ValueError, match="positive semi-definite"):
        s.assimilate([1.0, 1.0], [[1.0, 2.0], [2.0, 1.0]])
    # symmetric to rounding: accepted, and the state stays exactly symmetric
    a = s.assimilate([1.0, 1.0], [[1.0, 1e-17], [0.0, 1.0]])
    p = a.precision
    np.testing.assert_array_equal(p, p.T)


def test_system_messages():
    s = beds.System.von_mises([0.0], [1.0], gamma=0.1)
    with pytest.raises(AttributeError) as info:
        s.var  # noqa: B018
    assert "circular_var" not in str(info.value)
    assert "uncertainty()" in str(info.value)
    assert hasattr(s, "uncertainty") and hasattr(s, "kappa")
    with pytest.raises(ValueError, match="var must be >="):
        beds.System.normal([0.0], var=[5e-324], gamma=0.1)  # its precision would be inf
    with pytest.raises(ValueError, match=re.escape("mean (2,) and cov (3, 3)")):
        beds.System.mvnormal([0.0, 0.0], cov=np.eye(3), gamma=0.1)
    for bad, err in [("hot", TypeError), (-1.0, ValueError), (np.nan, ValueError), ([1.0, 2.0], ValueError)]:
        with pytest.raises(err, match="temperature"):
            beds.System.normal([0.0], var=[1.0], gamma=0.1).integrate([1.0], [0], [0.5], [1.0], temperature=bad)
