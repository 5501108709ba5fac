"""beds.torch: autograd functions (values, gradients, dtypes, zero-copy, broadcasting, errors).

Skipped when PyTorch is not installed.  Gradients are checked with torch.autograd.gradcheck in
float64 for every function and family (moderate, near and extreme pairs, broadcasting), against
high-precision mpmath derivatives of closed forms for near pairs, and against the numpy API
(beds.fisher_rao_penalty, beds.kl_penalty) where it has the same quantity.
"""

from __future__ import annotations

import math
import types

import beds
import mpmath
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import beds.torch as bt  # noqa: E402
from beds.torch import _autograd  # noqa: E402
from torch.autograd import gradcheck, gradgradcheck  # noqa: E402


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """torch's intra-op threads spin for milliseconds on tiny tensors when the machine is
    oversubscribed; the checks here are about values, so they run single-threaded."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


F64 = torch.float64


@pytest.fixture(autouse=True)
def _restore_mpmath_precision():
    """Tests here set mpmath.mp.dps; other modules set theirs at import: restore it after each test."""
    dps = mpmath.mp.dps
    yield
    mpmath.mp.dps = dps


F32 = torch.float32
FAMILIES = ["normal", "diag_normal", "categorical", "von_mises", "mvnormal"]
OPS = ["distance", "kl", "jeffreys", "fisher_rao_penalty"]


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _spd(g, batch, d, cond=10.0, dtype=F64):
    """Random SPD matrices with eigenvalues log-uniform in [1/sqrt(cond), sqrt(cond)]."""
    q, _ = torch.linalg.qr(torch.randn(*batch, d, d, generator=g, dtype=F64))
    ev = torch.exp((torch.rand(*batch, d, generator=g, dtype=F64) - 0.5) * math.log(cond))
    s = q @ torch.diag_embed(ev) @ q.mT
    return (0.5 * (s + s.mT)).to(dtype)


def make_pair(family, kind="moderate", dtype=F64, seed=0, n=3):
    """Two beliefs (tuples of tensors, not requiring grad) of ``family``."""
    g = _gen(seed)

    def r(*shape):
        return torch.randn(*shape, generator=g, dtype=F64)

    def u(*shape):
        return torch.rand(*shape, generator=g, dtype=F64)

    def w(*shape):  # separations of magnitude 1 to 2 (1e-6 relative for near pairs), random signs
        return torch.sign(r(*shape)) * (1 + u(*shape))

    if family in ("normal", "diag_normal"):
        shape = (n,) if family == "normal" else (n, 4)
        s1 = torch.exp(u(*shape) * 2 - 1)
        m1 = r(*shape)
        if kind == "extreme":
            s1 = torch.exp((u(*shape) - 0.5) * 2 * math.log(1e6))
            m1 = m1 * s1
        if kind == "near":
            m2, s2 = m1 + 1e-6 * s1 * w(*shape), s1 * (1 + 1e-6 * w(*shape))
        else:
            s2 = s1 * torch.exp(u(*shape) * 2 - 1)
            m2 = m1 + s1 * r(*shape)
        out = (m1, s1), (m2, s2)
    elif family == "categorical":
        z1 = r(n, 5) * (12.0 if kind == "extreme" else 1.0)
        z2 = z1 + 1e-6 * w(n, 5) if kind == "near" else r(n, 5) * (12.0 if kind == "extreme" else 1.0)
        out = (z1,), (z2,)
    elif family == "von_mises":
        mu1 = (u(n) - 0.5) * 2 * math.pi
        lo, hi = (1e-3, 1e4) if kind == "extreme" else (0.1, 20.0)
        k1 = torch.exp(math.log(lo) + u(n) * math.log(hi / lo))
        if kind == "near":
            mu2, k2 = mu1 + 1e-6 * w(n) / torch.sqrt(1 + k1), k1 * (1 + 1e-6 * w(n))
        else:
            mu2 = mu1 + (u(n) - 0.5) * 4.0  # |dmu| < 2: away from the cut locus at pi
            k2 = torch.exp(math.log(lo) + u(n) * math.log(hi / lo))
        out = (mu1, k1), (mu2, k2)
    elif family == "mvnormal":
        d = 2 if seed % 2 == 0 else 3
        cond = 1e6 if kind == "extreme" else 10.0
        s1 = _spd(g, (n,), d, cond)
        m1 = r(n, d)
        if kind == "near":
            e = 1e-6 * _spd(g, (n,), d, 2.0)
            s2, m2 = s1 + e, m1 + 1e-6 * w(n, d)
        else:
            s2, m2 = _spd(g, (n,), d, cond), r(n, d)
        out = (m1, s1), (m2, s2)
    else:
        raise AssertionError(family)
    return tuple(tuple(t.to(dtype) for t in b) for b in out)


def call(family, op, a, b, lam=None, **kw):
    mod = getattr(bt, family)
    if op == "fisher_rao_penalty":
        return mod.fisher_rao_penalty(*a, *b, 1.0 if lam is None else lam, **kw)
    return getattr(mod, op)(*a, *b, **kw)


def numpy_value(family, op, a, b, lam=1.0):
    """The same quantity from the numpy API (beds.<family>.<op>, beds.fisher_rao_penalty)."""
    an = [t.detach().numpy() for t in a]
    bn = [t.detach().numpy() for t in b]
    if family == "categorical":
        an = [beds.Categorical(logits=an[0]).probs]
        bn = [beds.Categorical(logits=bn[0]).probs]
    mod = getattr(beds, family)
    if op == "fisher_rao_penalty":
        if family == "diag_normal":
            return np.sum(0.5 * lam * beds.normal.distance(*an, *bn) ** 2, axis=-1)
        return 0.5 * lam * np.asarray(mod.distance(*an, *bn)) ** 2
    return getattr(mod, op)(*an, *bn)


def _sym(x):
    return 0.5 * (x + x.mT)


def _scales(family, a, b):
    """Natural scale of the location parameter of each belief: std, or 1/sqrt(1 + kappa)."""
    if family == "von_mises":
        return 1.0 / torch.sqrt(1.0 + a[1]), 1.0 / torch.sqrt(1.0 + b[1])
    return a[1].clone(), b[1].clone()


def checked_fn(family, op, kind, seed=0):
    """A function of plain tensors for gradcheck (scale-free coordinates for extreme scales,
    symmetric part for covariances: gradcheck perturbs single entries)."""
    k = 2
    if kind == "extreme" and family in ("normal", "diag_normal", "von_mises"):
        scales = _scales(family, *make_pair(family, kind, F64, seed))

    def unpack(xs):
        a, b = list(xs[:k]), list(xs[k : 2 * k])
        if family in ("normal", "diag_normal", "von_mises") and kind == "extreme":
            # scale-free coordinates: log std (log kappa), and means in units of the natural scale
            # of each belief (constants), so that one finite-difference step fits every element
            a[1], b[1] = torch.exp(a[1]), torch.exp(b[1])
            a[0], b[0] = a[0] * scales[0], b[0] * scales[1]
        if family == "mvnormal":
            a[1], b[1] = _sym(a[1]), _sym(b[1])
        return a, b

    if family == "categorical":
        k = 1

        def unpack(xs):  # noqa: F811
            return [xs[0]], [xs[1]]

    def f(*xs):
        a, b = unpack(xs)
        if op == "fisher_rao_penalty":
            return call(family, op, a, b, xs[-1])
        return call(family, op, a, b)

    return f


def checked_inputs(family, op, kind, seed=0):
    a, b = make_pair(family, kind, F64, seed)
    xs = list(a) + list(b)
    if family in ("normal", "diag_normal", "von_mises") and kind == "extreme":
        sa, sb = _scales(family, a, b)
        xs[0], xs[2] = xs[0] / sa, xs[2] / sb
        xs[1], xs[3] = torch.log(xs[1]), torch.log(xs[3])
    if op == "fisher_rao_penalty":
        batch = xs[0].shape[:-1] if family in ("categorical", "mvnormal") else xs[0].shape
        xs.append(torch.rand(batch, generator=_gen(seed + 7), dtype=F64) + 0.5)
    return [x.clone().requires_grad_() for x in xs]


# ----------------------------------------------------------------------------------- values
@pytest.mark.parametrize("dtype", [F64, F32], ids=["float64", "float32"])
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("family", FAMILIES)
def test_values_match_numpy_api(family, op, dtype):
    a, b = make_pair(family, "moderate", dtype, seed=1)
    out = call(family, op, a, b)
    assert isinstance(out, torch.Tensor) and out.dtype == dtype and out.device.type == "cpu"
    ref = numpy_value(family, op, a, b)
    assert out.shape == np.shape(ref)
    if dtype == F64 and (op != "fisher_rao_penalty" or family in ("normal", "diag_normal")):
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-14, atol=0)
    else:
        np.testing.assert_allclose(out.numpy(), ref, rtol=2e-6 if dtype == F32 else 1e-13)
    if dtype == F64 and op != "fisher_rao_penalty":  # bit-identical: the same kernels on the same memory
        assert out.numpy().tobytes() == np.asarray(ref).tobytes()


def test_penalty_matches_beds_fisher_rao_penalty():
    """Value, Euclidean gradient (autograd) and natural gradient = beds.fisher_rao_penalty."""
    cases = {
        "normal": lambda a: beds.Normal(*a),
        "diag_normal": lambda a: beds.DiagNormal(*a),
        "categorical": lambda a: beds.Categorical(logits=a[0]),
        "von_mises": lambda a: beds.VonMises(*a),
    }
    for family, ctor in cases.items():
        a, b = make_pair(family, "moderate", F64, seed=2)
        lam = torch.tensor([0.5, 1.0, 2.0], dtype=F64)
        lam_np = lam.numpy()[:, None] if family == "diag_normal" else lam.numpy()
        xs = [t.clone().requires_grad_() for t in a]
        lam_t = lam[:, None] if family == "diag_normal" else lam
        res = call(family, "fisher_rao_penalty", xs, b, lam_t)
        res_n = call(family, "fisher_rao_penalty", xs, b, lam_t, return_natural=True)
        res.sum().backward()
        an = [t.numpy() for t in a]
        bn = [t.numpy() for t in b]
        param = "logits" if family == "categorical" else None
        ref = beds.fisher_rao_penalty(ctor(an), ctor(bn), lam_np, param=param)
        np.testing.assert_allclose(res.detach().numpy(), ref.value, rtol=1e-13)
        np.testing.assert_array_equal(res_n.value.detach().numpy(), res.detach().numpy())
        for x, g in zip(xs, ref.grad.values()):
            np.testing.assert_allclose(x.grad.numpy(), g, rtol=1e-12, atol=1e-15)
        for n_t, n in zip(res_n.natural_grad, ref.natural_grad.values()):
            assert not n_t.requires_grad
            np.testing.assert_allclose(n_t.numpy(), n, rtol=1e-12, atol=1e-15)


def test_mvnormal_natural_gradient_is_minus_strength_log():
    a, b = make_pair("mvnormal", "moderate", F64, seed=3)
    lam = torch.tensor([0.5, 1.0, 2.0], dtype=F64)
    res = bt.mvnormal.fisher_rao_penalty(*a, *b, lam, return_natural=True)
    x, v = beds.mvnormal.log(*(t.numpy() for t in (*a, *b)))
    np.testing.assert_allclose(res.natural_grad[0].numpy(), -lam.numpy()[:, None] * x, rtol=1e-14)
    np.testing.assert_allclose(res.natural_grad[1].numpy(), -lam.numpy()[:, None, None] * v, rtol=1e-14)
    # Cholesky coordinates: dL L^T + L dL^T is the covariance component
    L1, L2 = torch.linalg.cholesky(a[1]), torch.linalg.cholesky(b[1])
    rc = bt.mvnormal.fisher_rao_penalty(a[0], L1, b[0], L2, lam, cholesky=True, return_natural=True)
    np.testing.assert_allclose(rc.value.numpy(), res.value.numpy(), rtol=1e-13)
    dl = rc.natural_grad[1]
    assert torch.equal(dl, torch.tril(dl))
    np.testing.assert_allclose((dl @ L1.mT + L1 @ dl.mT).numpy(), res.natural_grad[1].numpy(), atol=1e-13)


@pytest.mark.parametrize("family", ["normal", "diag_normal", "categorical", "von_mises", "mvnormal"])
def test_natural_gradient_is_metric_inverse_of_gradient(family):
    """natural_gradient(grad of the penalty) == the penalty's natural gradient (G^-1 consistency)."""
    a, b = make_pair(family, "moderate", F64, seed=4)
    xs = [t.clone().requires_grad_() for t in a]
    res = call(family, "fisher_rao_penalty", xs, b, return_natural=True)
    res.value.sum().backward()
    mod = getattr(bt, family)
    if family == "categorical":
        nat = (mod.natural_gradient(xs[0].detach(), xs[0].grad),)
    elif family == "mvnormal":
        nat = mod.natural_gradient(a[1], xs[0].grad, xs[1].grad)
    else:
        nat = mod.natural_gradient(a[1], xs[0].grad, xs[1].grad)
    for n, r in zip(nat, res.natural_grad):
        np.testing.assert_allclose(n.numpy(), r.numpy(), rtol=1e-10, atol=1e-13)


def test_kl_gradients_match_beds_kl_penalty():
    for family, ctor in (("normal", beds.Normal), ("diag_normal", beds.DiagNormal)):
        a, b = make_pair(family, "moderate", F64, seed=5)
        xs = [t.clone().requires_grad_() for t in a]
        bt_mod = getattr(bt, family)
        bt_mod.kl(*xs, *b).sum().backward()
        ref = beds.kl_penalty(ctor(*(t.numpy() for t in a)), ctor(*(t.numpy() for t in b)))
        for x, g in zip(xs, ref.grad.values()):
            np.testing.assert_allclose(x.grad.numpy(), g, rtol=1e-13)
    a, b = make_pair("categorical", "moderate", F64, seed=5)
    z = a[0].clone().requires_grad_()
    bt.categorical.kl(z, b[0]).sum().backward()
    ref = beds.kl_penalty(beds.Categorical(logits=a[0].numpy()), beds.Categorical(logits=b[0].numpy()), param="logits")
    np.testing.assert_allclose(z.grad.numpy(), ref.grad["logits"], rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------- gradcheck matrix
_GRADCHECK = {
    # family: (eps, atol, rtol) for moderate / extreme pairs (extreme: log or Cholesky parameters)
    "normal": (1e-6, 1e-9, 1e-6),
    "diag_normal": (1e-6, 1e-9, 1e-6),
    "categorical": (1e-6, 1e-9, 1e-6),
    "von_mises": (1e-4, 1e-7, 1e-5),  # kernels accurate to ~1e-11 relative: a larger step
    "mvnormal": (1e-6, 1e-8, 1e-6),
}


@pytest.mark.parametrize("kind", ["moderate", "extreme"])
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("family", FAMILIES)
def test_gradcheck(family, op, kind):
    eps, atol, rtol = _GRADCHECK[family]
    if kind == "extreme" and family == "mvnormal" and op in ("distance", "fisher_rao_penalty"):
        # condition number 1e6: gradients up to ~3e3 in the covariance entries; the shooting's
        # ~1e-13 error over the step gives ~1e-6 finite-difference noise (the truncation error
        # falls as eps^2 down to that floor: checked from eps = 1e-5 to 1e-8)
        eps, atol, rtol = 1e-7, 1e-5, 1e-5
    if kind == "extreme" and family == "categorical":
        atol = 1e-8  # probabilities down to 1e-25: entries below ulp(value) / eps are FD noise
    f = checked_fn(family, op, kind)
    assert gradcheck(f, checked_inputs(family, op, kind), eps=eps, atol=atol, rtol=rtol)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("family", FAMILIES)
def test_gradcheck_near_pairs(family, op):
    """Pairs 1e-6 to 2e-6 apart (relative): steps 1e-4 of the separation (truncation ~1e-8), relative
    tolerances (the rounding of x +- eps alone makes a relative step error of ~2e-6); the accuracy
    of the gradients themselves is checked against mpmath below."""
    smooth = op != "distance"
    eps = 1e-10
    atol = 1e-15 if smooth else 1e-9
    rtol = 1e-4 if family != "von_mises" else 1e-3
    f = checked_fn(family, op, "near")
    assert gradcheck(f, checked_inputs(family, op, "near", seed=3), eps=eps, atol=atol, rtol=rtol)


@pytest.mark.parametrize("family", FAMILIES)
def test_gradcheck_broadcasting(family):
    """Batches that broadcast: gradients are reduced to the input shapes (and equal the sums over
    the explicitly expanded inputs)."""
    a, b = make_pair(family, "moderate", F64, seed=6, n=4)
    # first belief: one element broadcast against the 4 of the second one, with a new leading axis
    a = tuple(t[:1].clone() for t in a)
    b = tuple(t.unsqueeze(0).expand(2, *t.shape).clone() for t in b)
    for op in OPS:
        xs = [t.clone().requires_grad_() for t in (*a, *b)]
        k = len(a)
        if family == "mvnormal":
            out = call(family, op, [xs[0], _sym(xs[1])], [xs[2], _sym(xs[3])])
        else:
            out = call(family, op, xs[:k], xs[k:])
        assert out.shape == (2, 4)
        w = torch.rand(out.shape, dtype=F64, generator=_gen(1))
        (out * w).sum().backward()
        for x, t in zip(xs, (*a, *b)):
            assert x.grad.shape == t.shape
        # against explicit expansion
        ys = [t.expand(2, 4, *t.shape[1:]).clone().requires_grad_() for t in a]
        ys += [t.clone().requires_grad_() for t in b]
        if family == "mvnormal":
            out2 = call(family, op, [ys[0], _sym(ys[1])], [ys[2], _sym(ys[3])])
        else:
            out2 = call(family, op, ys[:k], ys[k:])
        (out2 * w).sum().backward()
        for x, y in zip(xs[:k], ys[:k]):
            expect = y.grad.sum(dim=(0, 1)).unsqueeze(0).numpy()
            np.testing.assert_allclose(x.grad.numpy(), expect, rtol=1e-12, atol=1e-14)
        f = checked_fn(family, op, "moderate")
        ins = [t.clone().requires_grad_() for t in (*a, *b)]
        if op == "fisher_rao_penalty":
            ins.append(torch.rand(4, dtype=F64, generator=_gen(2)).requires_grad_())
        eps, atol, rtol = _GRADCHECK[family]
        assert gradcheck(f, ins, eps=eps, atol=atol, rtol=rtol)


def test_diag_normal_per_coordinate_strength_and_scalars():
    a, b = make_pair("diag_normal", "moderate", F64, seed=7)
    lam = torch.rand(4, dtype=F64, generator=_gen(3)).requires_grad_()
    f = checked_fn("diag_normal", "fisher_rao_penalty", "moderate")
    xs = [t.clone().requires_grad_() for t in (*a, *b)]
    assert gradcheck(f, [*xs, lam], eps=1e-6, atol=1e-9, rtol=1e-6)
    # a scalar std broadcasts over the coordinates (as a stride-0 view)
    s = torch.tensor(1.3, dtype=F64, requires_grad=True)
    assert gradcheck(lambda s_: bt.diag_normal.distance(a[0], s_, b[0], b[1]), [s], eps=1e-6, atol=1e-9, rtol=1e-6)


# ------------------------------------------------------------------- q == q_ref and near pairs
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("family", FAMILIES)
def test_gradient_is_exactly_zero_at_q_equals_ref(family, op):
    a, _ = make_pair(family, "moderate", F64, seed=8)
    xs = [t.clone().requires_grad_() for t in a]
    ys = [t.clone().requires_grad_() for t in a]
    lam = torch.ones((), dtype=F64, requires_grad=True)
    out = call(family, op, xs, ys, lam) if op == "fisher_rao_penalty" else call(family, op, xs, ys)
    assert torch.all(out == 0)
    out.sum().backward()
    for t in xs + ys:
        assert torch.isfinite(t.grad).all() and torch.all(t.grad == 0), (family, op, t.grad)
    if op == "fisher_rao_penalty":
        assert lam.grad.item() == 0.0


def _mp_grad(f, x, h=None):
    """Central difference of an mpmath function at 60 digits (error ~ h^2)."""
    h = mpmath.mpf("1e-30") if h is None else h
    out = []
    for i in range(len(x)):
        up = [xi + (h if i == j else 0) for j, xi in enumerate(x)]
        down = [xi - (h if i == j else 0) for j, xi in enumerate(x)]
        out.append((f(*up) - f(*down)) / (2 * h))
    return out


def test_near_pair_gradients_against_mpmath():
    """Relative accuracy of distance gradients for pairs 1e-8 .. 1e-12 apart (closed forms at 60 digits)."""
    mpmath.mp.dps = 60
    rng = np.random.default_rng(9)

    def nd(m1, s1, m2, s2):
        return 2 * mpmath.sqrt(2) * mpmath.asinh(mpmath.sqrt(((m1 - m2) ** 2 / 2 + (s1 - s2) ** 2) / (4 * s1 * s2)))

    def cd(*z):
        k = len(z) // 2
        lse1 = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in z[:k]))
        lse2 = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in z[k:]))
        c = mpmath.fsum(mpmath.exp((z[i] - lse1 + z[k + i] - lse2) / 2) for i in range(k))
        return 2 * mpmath.acos(c) if c < 1 else mpmath.mpf(0)

    worst = 0.0
    for sep in (1e-8, 1e-10, 1e-12):
        m1, s1 = rng.normal(), math.exp(rng.normal())
        m2, s2 = m1 + sep * s1 * rng.normal(), s1 * (1 + sep * rng.normal())
        x = [torch.tensor(v, dtype=F64, requires_grad=True) for v in (m1, s1, m2, s2)]
        bt.normal.distance(*x).backward()
        exact = _mp_grad(nd, [mpmath.mpf(v) for v in (m1, s1, m2, s2)])
        for t, e in zip(x, exact):
            worst = max(worst, abs(t.grad.item() - float(e)) / abs(float(e)))
        z1 = rng.normal(size=4)
        z2 = z1 + sep * rng.normal(size=4)
        zt = [torch.tensor(z1, requires_grad=True), torch.tensor(z2, requires_grad=True)]
        bt.categorical.distance(*zt).backward()
        exact = _mp_grad(cd, [mpmath.mpf(v) for v in (*z1, *z2)], h=mpmath.mpf("1e-40"))
        got = np.concatenate([zt[0].grad.numpy(), zt[1].grad.numpy()])
        ex = np.array([float(e) for e in exact])
        worst_cat = np.max(np.abs(got - ex)) / np.max(np.abs(ex))
        assert worst_cat < 1e-5 * 1e-8 / sep + 1e-6, (sep, worst_cat)
    assert worst < 1e-6, worst


def test_near_pair_gradients_closed_form_lines():
    """von Mises on a same-mean line (d = int sqrt(A')): grad_kappa1 d = -sqrt(A'(kappa1));
    MVNormal with equal means (d = sqrt(sum log^2 lambda / 2)): grad against the closed form."""
    for k1 in (0.05, 1.0, 30.0):
        for rel in (1e-4, 1e-7):
            k = torch.tensor(k1, dtype=F64, requires_grad=True)
            bt.von_mises.distance(0.3, k, 0.3, k1 * (1 + rel)).backward()
            exact = -math.sqrt(float(beds.special.mean_resultant_derivative(k1)))
            assert abs(k.grad.item() - exact) <= 1e-7 * abs(exact), (k1, rel, k.grad.item(), exact)
    g = _gen(10)
    s1 = _spd(g, (), 3)
    s2 = s1 + 1e-7 * _spd(g, (), 3)
    m = torch.zeros(3, dtype=F64)
    x = s2.clone().requires_grad_()
    bt.mvnormal.distance(m, s1, m, _sym(x)).backward()
    y = s2.clone().requires_grad_()

    def closed(s):
        li = torch.linalg.inv(torch.linalg.cholesky(s1))
        ev = torch.linalg.eigvalsh(li @ s @ li.mT)
        return torch.sqrt(0.5 * torch.sum(torch.log(ev) ** 2))

    closed(_sym(y)).backward()
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-5, atol=1e-8 * y.grad.abs().max().item())


# ---------------------------------------------------------------------------- double backward
@pytest.mark.parametrize(
    ("family", "op"),
    [(f, o) for f in ("normal", "diag_normal", "categorical", "mvnormal") for o in ("kl", "jeffreys")]
    + [("categorical", "distance"), ("categorical", "fisher_rao_penalty")],
)
def test_double_backward_works(family, op):
    f = checked_fn(family, op, "moderate")
    assert gradgradcheck(f, checked_inputs(family, op, "moderate"), eps=1e-6, atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize(
    ("family", "op"),
    [(f, o) for f in ("normal", "diag_normal", "von_mises", "mvnormal") for o in ("distance", "fisher_rao_penalty")]
    + [("von_mises", "kl"), ("von_mises", "jeffreys")],
)
def test_double_backward_raises_a_clear_error(family, op):
    f = checked_fn(family, op, "moderate")
    xs = checked_inputs(family, op, "moderate")
    out = f(*xs)
    grads = torch.autograd.grad(out.sum(), xs, create_graph=True)  # first order with create_graph works
    assert all(torch.isfinite(g).all() for g in grads)
    ref = torch.autograd.grad(f(*xs).sum(), xs)
    for g, r in zip(grads, ref):
        assert torch.equal(g.detach(), r)
    with pytest.raises(RuntimeError, match=rf"beds\.torch\.{family}\.{op}: second derivatives"):
        torch.autograd.grad(sum(g.sum() for g in grads), xs)


# ------------------------------------------------------------------------ dtypes and memory
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("family", FAMILIES)
def test_float32_gradients(family, op):
    a, b = make_pair(family, "moderate", F32, seed=11)
    a64, b64 = make_pair(family, "moderate", F64, seed=11)
    outs = []
    for x_a, x_b in ((a, b), (a64, b64)):
        xs = [t.clone().requires_grad_() for t in x_a]
        out = call(family, op, xs, x_b)
        out.sum().backward()
        outs.append((out, [x.grad for x in xs]))
    (o32, g32), (o64, g64) = outs
    assert o32.dtype == F32 and all(g.dtype == F32 for g in g32)
    np.testing.assert_allclose(o32.detach().numpy(), o64.detach().numpy(), rtol=3e-5, atol=1e-6)
    for x, y in zip(g32, g64):
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-3, atol=1e-4 * float(y.abs().max()) + 1e-6)


def test_inputs_reach_the_kernels_without_copies(monkeypatch):
    """The arrays handed to the kernels share the tensors' memory (also strided and broadcast views),
    and the result tensor is the kernel's output array."""
    seen = {}
    real = beds.normal.distance

    def spy(*args):
        seen["args"] = args
        seen["out"] = real(*args)
        return seen["out"]

    monkeypatch.setattr(beds.normal, "distance", spy)
    base = torch.randn(4, 6, dtype=F64)
    m1 = base.t()  # non-contiguous
    s1 = torch.rand(6, 1, dtype=F64).add(0.5).expand(6, 4)  # stride-0 broadcast
    m2 = torch.randn(6, 4, dtype=F64)[:, ::1]
    s2 = torch.rand(6, 8, dtype=F64).add(0.5)[:, ::2]  # strided
    out = bt.normal.distance(m1, s1, m2, s2)
    for t, a in zip((m1, s1, m2, s2), seen["args"]):
        assert np.shares_memory(a, base.numpy()) if t is m1 else a.__array_interface__["data"][0] == t.data_ptr()
        assert a.strides == tuple(st * t.element_size() for st in t.stride())
    assert out.data_ptr() == seen["out"].__array_interface__["data"][0]
    np.testing.assert_array_equal(out.numpy(), real(m1.numpy(), s1.numpy(), m2.numpy(), s2.numpy()))


def test_to_numpy_shares_memory_and_from_numpy_does_not_copy():
    t = torch.randn(3, 5, dtype=F64).t()
    a = _autograd.to_numpy(t)
    assert a.__array_interface__["data"][0] == t.data_ptr() and not a.flags.c_contiguous
    x = np.arange(6.0)
    assert _autograd.from_numpy(x).data_ptr() == x.__array_interface__["data"][0]


def test_python_numbers_are_weak_and_all_scalar_calls_use_the_default_dtype():
    x = torch.tensor([1.0, 2.0], dtype=F32)
    assert bt.normal.distance(x, 1.0, 0.0, 2).dtype == F32
    assert bt.normal.distance(0.0, 1.0, 0.0, 2.0).dtype == torch.get_default_dtype()


def test_empty_batches():
    e = torch.zeros(0, dtype=F64, requires_grad=True)
    out = bt.normal.distance(e, 1.0, 0.0, 1.0)
    assert out.shape == (0,)
    out.sum().backward()
    assert e.grad.shape == (0,)


def test_inplace_modification_after_forward_is_detected():
    m = torch.zeros(3, dtype=F64, requires_grad=True)
    s = torch.ones(3, dtype=F64)
    d = bt.normal.distance(m, s, 1.0, 2.0)
    with torch.no_grad():
        s.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        d.sum().backward()


# ----------------------------------------------------------------------------------- errors
def test_wrong_device_names_the_argument():
    meta = torch.empty(3, device="meta")
    with pytest.raises(TypeError, match=r"beds\.torch\.normal\.distance: std2 is on device meta.*\.cpu\(\)"):
        bt.normal.distance(torch.zeros(3), torch.ones(3), torch.zeros(3), meta)
    fake = types.SimpleNamespace(device=torch.device("cuda", 0))
    err = _autograd._device_error("beds.torch.normal.distance", "mean1", fake)
    assert isinstance(err, TypeError)
    msg = str(err)
    assert "mean1 is on cuda:0" in msg and "mean1.cpu()" in msg and ".to(device)" in msg and "silently" in msg


@pytest.mark.cuda
def test_cuda_tensors_raise_instead_of_moving():
    x = torch.ones(3, device="cuda")
    with pytest.raises(TypeError, match="CPU tensors only"):
        bt.normal.distance(x, x, x, x)


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (torch.ones(3, dtype=torch.int64), r"std1 must be a float32 or float64 tensor, got torch\.int64"),
        (torch.ones(3, dtype=torch.float16), r"std1 must be a float32 or float64 tensor, got torch\.float16"),
        (torch.ones(3, dtype=torch.bool), r"std1 must be a float32 or float64 tensor"),
        (torch.ones(3, dtype=torch.complex128), r"std1 must be a float32 or float64 tensor"),
        (np.ones(3), r"std1 must be a torch\.Tensor or a real Python number, got ndarray"),
        ("1", r"std1 must be a torch\.Tensor or a real Python number, got str"),
        (True, r"std1 must be a torch\.Tensor or a real Python number, got bool"),
        (torch.ones(3, dtype=F32), r"mean1 is torch\.float64 but std1 is torch\.float32.*std1\.to\(torch\.float64\)"),
        (torch.ones(3, dtype=F64).to_sparse(), r"std1 must be a dense tensor"),
    ],
)
def test_wrong_types_name_the_argument(bad, match):
    with pytest.raises(TypeError, match=match):
        bt.normal.distance(torch.zeros(3, dtype=F64), bad, torch.zeros(3, dtype=F64), torch.ones(3, dtype=F64))


_EYE = [[1.0, 0.0], [0.0, 1.0]]


@pytest.mark.parametrize(
    ("family", "args", "exc", "match"),
    [
        ("normal", ([0.0], [-1.0], [0.0], [1.0]), ValueError, r"std1 must be > 0; found -1\.0 at index \(0,\)"),
        ("normal", ([math.nan], [1.0], [0.0], [1.0]), ValueError, r"mean1 must be finite"),
        ("normal", ([0.0, 1.0], [1.0, 1.0, 1.0], [0.0], [1.0]), ValueError, r"do not broadcast"),
        ("diag_normal", (1.0, 1.0, 1.0, 1.0), ValueError, r"scalars; one needs a last axis"),
        ("diag_normal", ([[0.0, 1.0]], [[1.0, 1.0]], [[0.0, 1.0, 2.0]], [[1.0, 1.0, 1.0]]), ValueError, "mean1"),
        ("categorical", ([0.0, 1.0], [0.0, 1.0, 2.0]), ValueError, r"numbers of classes .* differ"),
        ("categorical", ([0.0, math.inf], [0.0, 1.0]), ValueError, r"logits1 must be finite"),
        ("categorical", (0.0, [0.0, 1.0]), ValueError, r"logits1 must have a last axis"),
        ("categorical", ([[0.0, 1.0]] * 3, [[0.0, 1.0]] * 2), ValueError, r"shapes do not broadcast: logits1 \(3, 2\)"),
        ("von_mises", ([0.0], [-0.5], [0.0], [1.0]), ValueError, r"kappa1 must be >= 0"),
        ("mvnormal", ([0.0, 0.0], [[1.0, 0.0], [0.0, -1.0]], [0.0, 0.0], _EYE), ValueError, "positive def"),
        ("mvnormal", ([0.0, 0.0], [[1.0, 0.5], [0.0, 1.0]], [0.0, 0.0], _EYE), ValueError, r"cov1 must be symmetric"),
        ("mvnormal", ([0.0, 0.0], _EYE, [0.0, 0.0, 0.0], _EYE), ValueError, r"dimensions d do not agree"),
        ("mvnormal", ([0.0, 0.0], [1.0, 1.0], [0.0, 0.0], _EYE), ValueError, r"cov1 must have two trailing axes"),
    ],
)
def test_bad_values_and_shapes_name_the_argument(family, args, exc, match):
    ts = [torch.tensor(a, dtype=F64) for a in args]
    with pytest.raises(exc, match=match):
        getattr(bt, family).distance(*ts)


def test_penalty_errors_name_the_penalty_arguments():
    z = torch.zeros(2, dtype=F64)
    with pytest.raises(ValueError, match=r"std_ref must be > 0"):
        bt.normal.fisher_rao_penalty(z, 1.0, z, -1.0)
    with pytest.raises(ValueError, match=r"strength must be finite and >= 0; found -1\.0"):
        bt.normal.fisher_rao_penalty(z, 1.0, z, 1.0, -1.0)
    with pytest.raises(ValueError, match=r"strength must be finite and >= 0; found nan"):
        bt.categorical.fisher_rao_penalty(z, z, math.nan)
    with pytest.raises(ValueError, match=r"kappa_ref must be >= 0"):
        bt.von_mises.fisher_rao_penalty(z, 1.0, z, -2.0)
    eye = torch.eye(2, dtype=F64)
    with pytest.raises(ValueError, match=r"cov_ref must be positive definite"):
        bt.mvnormal.fisher_rao_penalty(z, eye, z, -eye)
    with pytest.raises(ValueError, match=r"chol_ref needs a positive diagonal; found -1\.0 at index \(0,\)"):
        bt.mvnormal.fisher_rao_penalty(z, eye, z, -eye, cholesky=True)
    with pytest.raises(ValueError, match=r"chol2 must be finite"):
        bt.mvnormal.distance(z, eye, z, eye * math.nan, cholesky=True)
    with pytest.raises(ValueError, match=r"mean_ref must be finite"):
        bt.diag_normal.fisher_rao_penalty(z, 1.0, z + math.inf, 1.0)


def test_natural_gradient_helpers_check_inputs():
    with pytest.raises(ValueError, match=r"std must be finite and > 0"):
        bt.normal.natural_gradient(torch.tensor([1.0, 0.0]), 1.0, 1.0)
    with pytest.raises(ValueError, match=r"kappa must be finite and >= 0"):
        bt.von_mises.natural_gradient(torch.tensor([-1.0]), 1.0, 1.0)
    with pytest.raises(TypeError, match=r"grad_std must be a torch\.Tensor"):
        bt.diag_normal.natural_gradient(torch.ones(2), 1.0, [1.0])
    # at kappa = 0 the mu component is 0 (mu is not identifiable), kappa: g / A'(0) = 2 g
    nm, nk = bt.von_mises.natural_gradient(torch.tensor([0.0], dtype=F64), 3.0, 1.0)
    assert nm.item() == 0.0 and nk.item() == pytest.approx(2.0, rel=1e-14)


def test_von_mises_gradient_at_the_uniform_law_is_finite():
    """kappa1 = 0: no gradient in mu1, the one-sided kappa derivative -v_kappa / 2 / d."""
    k = torch.tensor(0.0, dtype=F64, requires_grad=True)
    m = torch.tensor(0.4, dtype=F64, requires_grad=True)
    d = bt.von_mises.distance(m, k, 1.0, 2.0)
    d.backward()
    vm, vk = beds.von_mises.log(0.4, 0.0, 1.0, 2.0)
    assert m.grad.item() == 0.0
    assert k.grad.item() == pytest.approx(-0.5 * vk / d.item(), rel=1e-12)
    # the one-sided difference agrees
    h = 1e-7
    fd = (beds.von_mises.distance(0.4, h, 1.0, 2.0) - beds.von_mises.distance(0.4, 0.0, 1.0, 2.0)) / h
    assert k.grad.item() == pytest.approx(float(fd), rel=1e-5)


def test_import_beds_torch_exports():
    for name in bt.__all__:
        assert hasattr(bt, name)
    for fam in FAMILIES:
        mod = getattr(bt, fam)
        for name in mod.__all__:
            doc = getattr(mod, name).__doc__
            assert doc and "Examples" in doc and "Returns" in doc, f"{fam}.{name}"


def test_docstring_examples():
    import doctest

    for mod in (bt.normal, bt.diag_normal, bt.categorical, bt.von_mises, bt.mvnormal, bt.optim):
        res = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert res.attempted > 0 and res.failed == 0, mod.__name__


@pytest.mark.parametrize("op", OPS)
def test_gradcheck_mvnormal_cholesky(op):
    """cholesky=True: gradients reach the lower triangle of L (the strict upper triangle is ignored)."""
    a, b = make_pair("mvnormal", "moderate", F64, seed=12)
    xs = [a[0], torch.linalg.cholesky(a[1]), b[0], torch.linalg.cholesky(b[1])]
    xs = [x.clone().requires_grad_() for x in xs]
    if op == "fisher_rao_penalty":
        xs.append(torch.rand(3, dtype=F64, generator=_gen(4)).add(0.5).requires_grad_())

    def f(*x):
        if op == "fisher_rao_penalty":
            return bt.mvnormal.fisher_rao_penalty(*x[:4], x[4], cholesky=True)
        return getattr(bt.mvnormal, op)(*x, cholesky=True)

    assert gradcheck(f, xs, eps=1e-6, atol=1e-8, rtol=1e-6)
    out = f(*xs)
    out.sum().backward()
    assert torch.all(torch.triu(xs[1].grad, diagonal=1) == 0)
