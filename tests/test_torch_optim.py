"""beds.torch.optim.GaussianNaturalGradient: the governing equation's step as a torch optimizer."""

from __future__ import annotations

import copy
import math

import beds
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import beds.torch as bt  # noqa: E402

F64 = torch.float64


@pytest.fixture(autouse=True)
def _one_torch_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _pair(seed=0, shape=(5,), dtype=F64, scale="log_std"):
    g = torch.Generator().manual_seed(seed)
    m = torch.randn(shape, generator=g, dtype=dtype)
    s = torch.rand(shape, generator=g, dtype=dtype) * 1.5 + 0.3
    return m.requires_grad_(), (torch.log(s) if scale == "log_std" else s).requires_grad_()


def _loss(m, s, scale, target):
    std = torch.exp(s) if scale == "log_std" else s
    return ((m - target) ** 2).sum() + (std**2).sum() * 0.3 - torch.log(std).sum()


@pytest.mark.parametrize("method", ["riemannian", "explicit", "implicit"])
@pytest.mark.parametrize("scale", ["log_std", "std"])
@pytest.mark.parametrize("gamma", [0.0, 0.5])
def test_step_is_the_governing_equation_step(method, scale, gamma):
    m, s = _pair(1, scale=scale)
    target = torch.linspace(-1, 1, 5, dtype=F64)
    opt = bt.GaussianNaturalGradient(
        [(m, s)], lr=0.05, scale=scale, strength=0.7, prior_mean=0.2, prior_std=1.3, gamma=gamma, method=method
    )
    ref = beds.Normal(np.full(5, 0.2), np.full(5, 1.3))
    param = "log_std" if scale == "log_std" else None
    eq = beds.GoverningEquation.fisher_rao(ref, strength=0.7, gamma=gamma, param=param)
    for _ in range(3):
        opt.zero_grad()
        _loss(m, s, scale, target).backward()
        std = np.exp(s.detach().numpy()) if scale == "log_std" else s.detach().numpy()
        q = beds.Normal(m.detach().numpy().copy(), std.copy())
        grads = {"mean": m.grad.numpy().copy(), ("log_std" if scale == "log_std" else "std"): s.grad.numpy().copy()}
        expect = eq.step(q, 0.05, loss_grad=grads, method=method)
        if gamma > 0:
            eq.advance(expect, 0.05)
        opt.step()
        np.testing.assert_allclose(m.detach().numpy(), expect.mean, rtol=1e-14, atol=1e-15)
        got_std = np.exp(s.detach().numpy()) if scale == "log_std" else s.detach().numpy()
        np.testing.assert_allclose(got_std, expect.std, rtol=1e-13)
        (r,) = opt.references()
        np.testing.assert_allclose(r.mean, eq.reference.mean, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(r.std, eq.reference.std, rtol=1e-14)
    assert opt.state[m]["step"] == 3


def test_converges_to_the_stationary_point_of_loss_plus_penalty():
    """The fixed point of the natural-gradient flow: grad L + grad R = 0 (checked with beds.fisher_rao_penalty)."""
    m, s = _pair(2)
    target = torch.linspace(-2, 2, 5, dtype=F64)
    opt = bt.GaussianNaturalGradient([(m, s)], lr=0.1, strength=2.0, prior_mean=0.5, prior_std=0.8)
    for _ in range(600):
        opt.zero_grad()
        _loss(m, s, "log_std", target).backward()
        opt.step()
    opt.zero_grad()
    _loss(m, s, "log_std", target).backward()
    q = beds.Normal(m.detach().numpy(), np.exp(s.detach().numpy()))
    pen = beds.fisher_rao_penalty(q, beds.Normal(0.5, 0.8), 2.0, param="log_std")
    np.testing.assert_allclose(m.grad.numpy() + pen.grad["mean"], 0.0, atol=1e-10)
    np.testing.assert_allclose(s.grad.numpy() + pen.grad["log_std"], 0.0, atol=1e-10)


def test_penalty_alone_flows_along_the_geodesic_to_the_prior():
    """No loss gradient (zero grads): the Riemannian step moves each belief toward the reference
    along the geodesic, the distance shrinking by the factor of the flow."""
    m, s = _pair(3)
    opt = bt.GaussianNaturalGradient([(m, s)], lr=0.01, strength=1.0, prior_mean=0.0, prior_std=1.0)
    d0 = beds.normal.distance(m.detach().numpy(), np.exp(s.detach().numpy()), 0.0, 1.0)
    for _ in range(100):
        m.grad = torch.zeros_like(m)
        s.grad = torch.zeros_like(s)
        opt.step()
    d1 = beds.normal.distance(m.detach().numpy(), np.exp(s.detach().numpy()), 0.0, 1.0)
    # explicit Euler on the geodesic with rate 1: factor (1 - lr)^n along the geodesic
    np.testing.assert_allclose(d1 / d0, (1 - 0.01) ** 100, rtol=1e-10)


def test_consolidate_and_moving_reference():
    m, s = _pair(4)
    opt = bt.GaussianNaturalGradient([(m, s)], lr=0.1, strength=1.0)
    opt.consolidate()
    (r,) = opt.references()
    np.testing.assert_array_equal(r.mean, m.detach().numpy())
    np.testing.assert_allclose(r.std, np.exp(s.detach().numpy()), rtol=1e-15)
    (b,) = opt.beliefs()
    np.testing.assert_array_equal(b.mean, m.detach().numpy())


def test_state_dict_round_trip_continues_identically():
    m, s = _pair(5)
    target = torch.ones(5, dtype=F64)
    opt = bt.GaussianNaturalGradient([(m, s)], lr=0.05, strength=0.5, gamma=0.3)
    for _ in range(3):
        opt.zero_grad()
        _loss(m, s, "log_std", target).backward()
        opt.step()
    m2, s2 = m.detach().clone().requires_grad_(), s.detach().clone().requires_grad_()
    opt2 = bt.GaussianNaturalGradient([(m2, s2)], lr=1.0)
    opt2.load_state_dict(copy.deepcopy(opt.state_dict()))
    assert opt2.param_groups[0]["lr"] == 0.05 and opt2.param_groups[0]["gamma"] == 0.3
    for o, mm, ss in ((opt, m, s), (opt2, m2, s2)):
        for _ in range(3):
            o.zero_grad()
            _loss(mm, ss, "log_std", target).backward()
            o.step()
    assert torch.equal(m, m2) and torch.equal(s, s2)
    assert torch.equal(opt.state[m]["ref_mean"], opt2.state[m2]["ref_mean"])


def test_closure_param_groups_and_scheduler():
    m1, s1 = _pair(6)
    m2, s2 = _pair(7, shape=(2, 3))
    target = torch.zeros((), dtype=F64)
    opt = bt.GaussianNaturalGradient(
        [{"params": [(m1, s1)], "lr": 0.1}, {"params": [(m2, s2)], "strength": 1.0, "method": "implicit"}], lr=0.02
    )
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.02]
    assert opt.param_groups[1]["method"] == "implicit" and opt.param_groups[0]["method"] == "riemannian"

    def closure():
        opt.zero_grad()
        loss = _loss(m1, s1, "log_std", target) + _loss(m2, s2, "log_std", target)
        loss.backward()
        return loss

    losses = [opt.step(closure).detach().item() for _ in range(20)]
    assert losses[-1] < losses[0]
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    opt.step(closure)
    sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05)
    m3, s3 = _pair(8)
    opt.add_param_group({"params": [(m3, s3)], "lr": 0.3})
    assert opt.param_groups[2]["strength"] == 0.0 and opt.param_groups[2]["lr"] == 0.3


def test_pairs_without_gradients_are_skipped():
    m, s = _pair(9)
    before = (m.detach().clone(), s.detach().clone())
    opt = bt.GaussianNaturalGradient([(m, s)], lr=0.1, strength=1.0)
    opt.step()
    assert torch.equal(m, before[0]) and torch.equal(s, before[1])
    assert len(opt.state) == 0


def test_float32_parameters():
    m, s = _pair(10, dtype=torch.float32)
    opt = bt.GaussianNaturalGradient([(m, s)], lr=0.05, strength=0.5)
    for _ in range(5):
        opt.zero_grad()
        _loss(m, s, "log_std", torch.ones((), dtype=torch.float32)).backward()
        opt.step()
    assert m.dtype == torch.float32 and s.dtype == torch.float32 and torch.isfinite(m).all()
    assert opt.state[m]["ref_mean"].dtype == torch.float32


def test_beside_adam_on_a_bayesian_layer():
    """Deterministic parameters with Adam, the mean-field weights with the natural-gradient step:
    a Bayesian linear regression (expected Gaussian negative log-likelihood under q, in closed form,
    plus the Fisher-Rao pull toward the N(0, 1) prior) fits the weights and the bias."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 3, generator=g, dtype=F64)
    w_true = torch.tensor([1.0, -2.0, 0.5], dtype=F64)
    y = x @ w_true + 0.3 + 0.5 * torch.randn(64, generator=g, dtype=F64)
    mu = torch.zeros(3, dtype=F64, requires_grad=True)
    rho = torch.full((3,), -3.0, dtype=F64, requires_grad=True)
    bias = torch.zeros((), dtype=F64, requires_grad=True)
    adam = torch.optim.Adam([bias], lr=0.05)
    ng = bt.GaussianNaturalGradient([(mu, rho)], lr=0.2, strength=1.0)
    losses = []
    for _ in range(200):
        adam.zero_grad()
        ng.zero_grad()
        fit = ((x @ mu + bias - y) ** 2).sum() + ((x**2).sum(0) * torch.exp(2 * rho)).sum()
        loss = fit / (2 * 0.25)
        loss.backward()
        adam.step()
        ng.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]
    np.testing.assert_allclose(mu.detach().numpy(), w_true.numpy(), atol=0.15)
    assert abs(bias.item() - 0.3) < 0.1
    assert torch.all(torch.exp(rho) < 0.3)


@pytest.mark.parametrize(
    ("params", "exc", "match"),
    [
        (lambda m, s: [m, s], TypeError, r"params\[0\] must be a \(mean, scale\) pair"),
        (lambda m, s: m, TypeError, "params"),
        (lambda m, s: [(m, s[:2].detach().requires_grad_())], ValueError, r"params\[0\] mean \(4,\) and scale \(2,\)"),
        (lambda m, s: [(m, s.detach())], ValueError, r"params\[0\] \(scale\) does not require grad"),
        (lambda m, s: [(m * 2, s)], TypeError, r"params\[0\] \(mean\) is not a leaf tensor"),
        (lambda m, s: [(m, s.detach().float().requires_grad_())], ValueError, r"mean is torch\.float64 but scale"),
        (lambda m, s: [(m.detach().long(), s)], TypeError, r"params\[0\] \(mean\) must be float32 or float64"),
        (lambda m, s: [(torch.empty(4, device="meta").requires_grad_(), s)], TypeError, "is on device meta"),
        (lambda m, s: [(m, [1.0])], TypeError, r"params\[0\] \(scale\) must be a torch\.Tensor"),
    ],
)
def test_bad_params_name_the_pair(params, exc, match):
    m = torch.zeros(4, dtype=F64, requires_grad=True)
    s = torch.zeros(4, dtype=F64, requires_grad=True)
    with pytest.raises(exc, match=match):
        bt.GaussianNaturalGradient(params(m, s))


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"lr": 0.0}, r"lr must be a finite number > 0"),
        ({"lr": math.nan}, r"lr must be a finite number > 0"),
        ({"scale": "var"}, r"scale must be 'log_std' or 'std'"),
        ({"method": "flow"}, r"method must be one of"),
        ({"strength": -1.0}, r"strength must be a finite number >= 0"),
        ({"prior_std": 0.0}, r"prior_std must be a finite number > 0"),
        ({"gamma": -0.1}, r"gamma must be a finite number >= 0"),
    ],
)
def test_bad_options(kw, match):
    m = torch.zeros(4, dtype=F64, requires_grad=True)
    s = torch.zeros(4, dtype=F64, requires_grad=True)
    with pytest.raises(ValueError, match=match):
        bt.GaussianNaturalGradient([(m, s)], **kw)
    opt = bt.GaussianNaturalGradient([(m, s)])
    with pytest.raises(ValueError, match=match):
        pair = (torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True))
        opt.add_param_group({"params": [pair], **kw})


def test_std_scale_step_that_leaves_the_domain_raises():
    """An explicit step in std coordinates can cross std = 0: the library's error, not a NaN."""
    m = torch.zeros(1, dtype=F64, requires_grad=True)
    s = torch.ones(1, dtype=F64, requires_grad=True)
    opt = bt.GaussianNaturalGradient([(m, s)], lr=10.0, scale="std", method="explicit")
    m.grad = torch.zeros(1, dtype=F64)
    s.grad = torch.full((1,), 5.0, dtype=F64)
    with pytest.raises(ValueError, match="left the manifold"):
        opt.step()
