"""What a training loop needs of GoverningEquation and the penalties: a strength that changes between
tasks without rebuilding, writable gradients that never share memory, out= buffers."""

from __future__ import annotations

import beds
import numpy as np
import pytest

GE = beds.GoverningEquation


def _beliefs(kind: str, shape: tuple[int, ...], shift: float = 0.0):
    if kind == "normal":
        return beds.Normal(np.zeros(shape) + shift, np.ones(shape) * (1 + shift))
    if kind == "diag":
        return beds.DiagNormal(np.zeros(shape + (2,)) + shift, np.ones(shape + (2,)) * (1 + shift))
    if kind == "categorical":
        p = np.full(shape + (4,), 0.25)
        p[..., 0] += 0.1 * shift
        p[..., 1] -= 0.1 * shift
        return beds.Categorical(p)
    if kind == "exponential":
        return beds.Exponential(np.ones(shape) * (1.5 + shift))
    if kind == "poisson":
        return beds.Poisson(np.ones(shape) * (1.5 + shift))
    if kind == "von_mises":
        return beds.VonMises(np.zeros(shape) + 0.2 + shift, np.ones(shape) * (1 + shift))
    return beds.MVNormal(np.zeros(shape + (2,)) + shift, np.broadcast_to(np.eye(2) * (1 + shift), shape + (2, 2)))


KINDS = ["normal", "diag", "categorical", "exponential", "poisson", "von_mises", "mvnormal"]
CHARTS = {
    "normal": [None, "log_std"],
    "diag": [None, "log_std"],
    "categorical": [None, "logits"],
    "exponential": [None, "log_rate"],
    "poisson": [None, "log_rate"],
    "von_mises": [None, "log_kappa"],
    "mvnormal": [None],
}
# (state batch, reference batch, strength shape): broadcasting in every direction
LAYOUTS = [((), (3,), ()), ((3,), (), ()), ((3,), (3,), (3,)), ((), (), (3,))]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("divergence", ["fisher_rao", "kl", "euclidean"])
def test_gradients_are_writable_and_never_shared(kind, divergence):
    """Every family, chart and broadcasting layout: grad and natural_grad are writable arrays, and
    no two of them share memory (a loop that adds into one must not change the other)."""
    for param in CHARTS[kind]:
        for sq, sr, st in LAYOUTS:
            if kind == "diag" and st:
                st = st + (2,)  # per-coordinate strengths: batch + (d,)
            try:
                eq = GE(_beliefs(kind, sr), divergence=divergence, param=param, strength=np.ones(st) if st else 1.0)
            except ValueError:
                continue  # a chart or divergence the family does not have
            r = eq.penalty(_beliefs(kind, sq, 0.1))
            arrays = list(r.grad.values()) + list(r.natural_grad.values())
            for a in arrays:
                assert isinstance(a, np.ndarray) and a.flags.writeable, (kind, divergence, param, sq, sr, st)
            for i, a in enumerate(arrays):
                for b in arrays[i + 1 :]:
                    assert not np.shares_memory(a, b), (kind, divergence, param, sq, sr, st)


@pytest.mark.parametrize("kind", ["categorical", "exponential", "poisson", "von_mises", "mvnormal"])
def test_fisher_rao_strength_with_more_batch_axes_than_the_beliefs(kind):
    """A strength of shape (3,) on single beliefs gives three penalties (the generic path used to
    fail on this layout; the fused Normal path always took it)."""
    q, ref = _beliefs(kind, (), 0.1), _beliefs(kind, ())
    lam = np.array([0.5, 1.0, 2.0])
    r = beds.fisher_rao_penalty(q, ref, lam)
    one = beds.fisher_rao_penalty(q, ref, 1.0)
    np.testing.assert_allclose(r.value, lam * one.value, rtol=1e-14)
    for n in one.grad:
        g = r.grad[n]
        assert g.shape[0] == 3
        for i, s in enumerate(lam):
            np.testing.assert_allclose(g[i], s * one.grad[n], rtol=1e-13, atol=1e-15)


def test_strength_is_settable_between_tasks():
    ref = beds.Normal(np.zeros(3), np.ones(3))
    q = beds.Normal(np.ones(3), np.ones(3))
    eq = GE.fisher_rao(ref, strength=1.0)
    v1 = eq(q)
    eq.strength = 3.0
    np.testing.assert_allclose(eq(q), 3.0 * v1, rtol=1e-15)
    assert eq.strength.dtype == np.float64 and eq.strength.shape == ()
    assert eq.set_strength(np.array([0.0, 1.0, 2.0])) is eq
    np.testing.assert_allclose(eq(q), np.array([0.0, 1.0, 2.0]) * v1, rtol=1e-15)
    with pytest.raises(ValueError, match="strength must be >= 0"):
        eq.strength = -1.0
    with pytest.raises(ValueError, match="strength must be finite"):
        eq.set_strength(np.nan)
    with pytest.raises(TypeError, match="strength must be an array of real numbers"):
        eq.strength = "strong"
    # float32 references: a Python number takes their dtype, as in the constructor
    eq32 = GE.fisher_rao(ref.astype(np.float32), strength=1.0)
    eq32.strength = 2.0
    assert eq32.strength.dtype == np.float32
    # the step uses the new strength
    eq.strength = 0.0
    assert np.array_equal(eq.step(q, 0.1).mean, q.mean)


def test_penalty_out_for_parameter_vectors():
    theta = np.array([1.0, -2.0, 3.0])
    for eq in (GE.ridge(0.5, 1.0), GE.ewc(np.zeros(3), np.array([1.0, 2.0, 0.5]), 2.0)):
        eq.metric = "fisher"  # natural gradient preconditioned by the weights
        ref = eq.penalty(theta)
        g, nat = np.full(3, np.nan), np.full(3, np.nan)
        r = eq.penalty(theta, out=(g, nat))
        assert r.grad["theta"] is g and r.natural_grad["theta"] is nat
        assert r.value == pytest.approx(ref.value, rel=1e-15)
        np.testing.assert_array_equal(g, ref.grad["theta"])
        np.testing.assert_array_equal(nat, ref.natural_grad["theta"])
    eq = GE.ridge(0.5)
    with pytest.raises(TypeError, match="tuple"):
        eq.penalty(theta, out=np.empty(3))
    with pytest.raises(ValueError, match=r"out\[1\] must be a writable float64 array of shape \(3,\)"):
        eq.penalty(theta, out=(np.empty(3), np.empty(2)))
    buf = np.empty(3)
    with pytest.raises(ValueError, match="share memory"):
        eq.penalty(theta, out=(buf, buf))
    with pytest.raises(ValueError, match="divergence='kl'"):
        GE(beds.Normal(0.0, 1.0), divergence="kl").penalty(beds.Normal(1.0, 1.0), out=(np.empty(()),) * 5)


def test_penalty_out_for_normal_beliefs():
    ref = beds.Normal(np.zeros(4), np.ones(4))
    q = beds.Normal(np.linspace(-1, 1, 4), np.full(4, 2.0))
    eq = GE.fisher_rao(ref, strength=0.7)
    bufs = tuple(np.empty(4) for _ in range(5))
    r = eq.penalty(q, out=bufs)
    ref_r = eq.penalty(q)
    assert r.value is bufs[0] and r.grad["mean"] is bufs[1] and r.natural_grad["std"] is bufs[4]
    np.testing.assert_array_equal(r.value, ref_r.value)
    np.testing.assert_array_equal(r.grad["std"], ref_r.grad["std"])


def test_step_out_updates_a_parameter_vector_in_place():
    theta = np.array([1.0, 2.0, 3.0])
    eq = GE.ridge(0.1)
    expected = eq.step(theta.copy(), 0.5, loss_grad=np.ones(3))
    same = eq.step(theta, 0.5, loss_grad=np.ones(3), out=theta)
    assert same is theta
    np.testing.assert_array_equal(theta, expected)
    for method in ("implicit", "riemannian", "flow"):
        th = np.array([1.0, 2.0, 3.0])
        exp = eq.step(th.copy(), 0.5, loss_grad=None, method=method)
        assert eq.step(th, 0.5, method=method, out=th) is th
        np.testing.assert_array_equal(th, exp)
    with pytest.raises(ValueError, match="out= applies to parameter vectors"):
        GE.fisher_rao(beds.Normal(0.0, 1.0)).step(beds.Normal(1.0, 1.0), 0.1, out=np.empty(()))
    with pytest.raises(ValueError, match=r"out must be a writable float64 array of shape \(3,\)"):
        eq.step(theta, 0.5, out=np.empty(3, dtype=np.float32))


def test_gradients_go_to_torch_without_warnings():
    torch = pytest.importorskip("torch")
    eq = GE(beds.Normal(np.zeros(3), 1.0), divergence="kl", strength=np.ones((2, 1)))
    r = eq.penalty(beds.Normal(0.5, 2.0))
    for a in list(r.grad.values()) + list(r.natural_grad.values()):
        torch.from_numpy(a)  # warns (an error under the test settings) on read-only arrays
