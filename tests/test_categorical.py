"""Categorical beliefs: the positive orthant of the sphere of radius 2 (docs page mathematics/categorical).

* mpmath oracles (50 digits) for the distance ``2 acos(sum sqrt(p q))``, KL, Jeffreys and the
  entropy, on far, moderate and near pairs (relative perturbations 1e-3, 1e-8, 1e-12, where the
  arccos form loses half of its digits), and with zero probabilities;
* Riemannian identities with hypothesis;
* the Karcher mean, the logits constructor, and argument checking.

Oracle inputs are dyadic (multiples of 2^-52 summing to exactly 1), so the renormalisation done by
the kernels is exact and the oracle and the library see the same distributions.
"""

from __future__ import annotations

import math
import warnings

import beds
import beds.categorical as cat
import mpmath
import numpy as np
import pytest
import scipy.special
from _oracles import ulp_errors
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

mpmath.mp.dps = 50
SCALE = 2**52
HYP = settings(deadline=None, max_examples=50)


# ------------------------------------------------------------------------------------ helpers
def dyadic(w: np.ndarray) -> np.ndarray:
    """Rounds nonnegative weights to multiples of 2^-52 that sum to exactly 1 (every partial sum is
    exact in double precision)."""
    w = np.asarray(w, dtype=np.float64)
    n = np.floor(w / w.sum() * SCALE).astype(np.int64)
    n[np.argmax(n)] += SCALE - n.sum()
    return n.astype(np.float64) / SCALE


def dyadic_near(p: np.ndarray, rel: float, rng: np.random.Generator) -> np.ndarray:
    """q = p + a relative perturbation of size ``rel``, exactly renormalised (dyadic)."""
    n = np.round(p * SCALE).astype(np.int64)
    d = np.round(n * rel * rng.uniform(-1.0, 1.0, n.shape)).astype(np.int64)
    if not d.any():
        d[0] += 1
    d[np.argmax(n)] -= d.sum()
    m = n + d
    assert m.sum() == SCALE and (m > 0).all()
    return m.astype(np.float64) / SCALE


def mp_distance(p, q):
    c = mpmath.fsum(mpmath.sqrt(mpmath.mpf(a) * mpmath.mpf(b)) for a, b in zip(p, q))
    return 2 * mpmath.acos(min(c, mpmath.mpf(1)))


def mp_kl(p, q):
    s = mpmath.mpf(0)
    for a, b in zip(p, q):
        a, b = mpmath.mpf(a), mpmath.mpf(b)
        if a == 0:
            continue  # 0 log 0 = 0
        if b == 0:
            return mpmath.inf
        s += a * mpmath.log(a / b)
    return s


def mp_entropy(p):
    return -mpmath.fsum(mpmath.mpf(a) * mpmath.log(mpmath.mpf(a)) for a in p if a > 0)


ORACLE = {
    "distance": (lambda p, q: cat.distance(p, q), mp_distance),
    "kl": (lambda p, q: cat.kl(p, q), mp_kl),
    "kl_reversed": (lambda p, q: cat.kl(q, p), lambda p, q: mp_kl(q, p)),
    "jeffreys": (lambda p, q: cat.jeffreys(p, q), lambda p, q: mp_kl(p, q) + mp_kl(q, p)),
    "entropy": (lambda p, q: cat.entropy(q), lambda p, q: mp_entropy(q)),
}
#: ulps of the exact value.  Measured maxima: distance 2.3, KL 5.3 (log1pmx is 4-5 ulp),
#: Jeffreys 5.6, entropy 5.1 (k = 50 positive terms).
ORACLE_BOUND = {"distance": 4.0, "kl": 8.0, "kl_reversed": 8.0, "jeffreys": 8.0, "entropy": 8.0}
PAIR_KINDS = {"far": None, "moderate": 1e-3, "near_1e-8": 1e-8, "near_1e-12": 1e-12}


def _pairs(kind: str) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng([ord(c) for c in kind])
    rel = PAIR_KINDS[kind]
    out = []
    for k in (2, 3, 5, 10, 50):
        for _ in range(12):
            p = dyadic(rng.dirichlet(np.full(k, 0.7)) + 1e-4)
            q = dyadic(rng.dirichlet(np.full(k, 0.7)) + 1e-4) if rel is None else dyadic_near(p, rel, rng)
            out.append((p, q))
    return out


@pytest.mark.parametrize("quantity", list(ORACLE))
@pytest.mark.parametrize("kind", list(PAIR_KINDS))
def test_divergences_vs_mpmath(kind: str, quantity: str) -> None:
    lib, oracle = ORACLE[quantity]
    pairs = _pairs(kind)
    # values only: spurious floating-point flags are the subject of the *_raise_no_warning tests
    with np.errstate(all="ignore"):
        got = [lib(p, q) for p, q in pairs]
    exact = [oracle(p, q) for p, q in pairs]
    errs = ulp_errors(got, exact)
    i = int(np.argmax(errs))
    assert errs[i] <= ORACLE_BOUND[quantity], (
        f"{quantity} on {kind} pairs: {errs[i]:.2f} ulp (bound {ORACLE_BOUND[quantity]}) at "
        f"p={pairs[i][0]!r}, q={pairs[i][1]!r}: got {got[i]!r}, exact {mpmath.nstr(exact[i], 20)}"
    )


def test_near_pairs_defeat_the_arccos_form() -> None:
    """The oracle test above is meaningful: the textbook 2 acos(sum sqrt(p q)) evaluated in double
    loses most digits on the 1e-12 pairs, the chord form keeps them."""
    naive_err, lib_err = [], []
    for p, q in _pairs("near_1e-12"):
        exact = mp_distance(p, q)
        naive = 2 * np.arccos(min(1.0, float(np.sum(np.sqrt(p * q)))))
        naive_err.append(ulp_errors([naive], [exact])[0])
        lib_err.append(ulp_errors([cat.distance(p, q)], [exact])[0])
    assert max(naive_err) > 1e6
    assert max(lib_err) <= ORACLE_BOUND["distance"]


def test_batched_rows_match_single_rows() -> None:
    pairs = _pairs("far")[12:24]  # k = 3
    P = np.stack([p for p, _ in pairs])
    Q = np.stack([q for _, q in pairs])
    for name in ("distance", "kl", "jeffreys"):
        f = getattr(cat, name)
        batched = f(P, Q)
        assert batched.shape == (12,)
        np.testing.assert_array_equal(batched, [f(p, q) for p, q in pairs])
    # broadcasting one row against a batch, and non-contiguous rows
    np.testing.assert_array_equal(cat.distance(P[0], Q), [cat.distance(P[0], q) for q in Q])
    Pf = np.asfortranarray(P)
    np.testing.assert_array_equal(cat.distance(Pf, Q), cat.distance(P, Q))


# ----------------------------------------------------------------------- zero probabilities
ZERO_CASES = [
    # (p, q): zeros in p only, in q only, in both, disjoint supports
    ([0.5, 0.5, 0.0], [0.25, 0.25, 0.5]),
    ([0.25, 0.25, 0.5], [0.5, 0.5, 0.0]),
    ([0.0, 0.75, 0.25], [0.0, 0.5, 0.5]),
    ([0.0, 1.0], [0.0, 1.0]),
    ([1.0, 0.0], [0.0, 1.0]),
]


@pytest.mark.parametrize(("p", "q"), ZERO_CASES)
def test_zero_probabilities_values(p, q) -> None:
    """KL(p || q) = inf when q_i = 0 < p_i, 0 log 0 = 0; values against mpmath.  (Floating-point
    flags are ignored here: whether they leak as warnings is tested below.)"""
    p, q = np.array(p), np.array(q)
    with np.errstate(all="ignore"):
        got = {
            "distance": cat.distance(p, q),
            "kl": cat.kl(p, q),
            "kl_reversed": cat.kl(q, p),
            "jeffreys": cat.jeffreys(p, q),
            "entropy": cat.entropy(q),
        }
        same = (cat.kl(p, p), cat.distance(p, p), cat.jeffreys(p, p))
    for name, value in got.items():
        exact = ORACLE[name][1](p, q)
        assert ulp_errors([value], [exact])[0] <= ORACLE_BOUND[name], (name, p, q, value, exact)
    if (q == 0).any() and (p[q == 0] > 0).any():
        assert got["kl"] == math.inf
    assert same == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("name", ["distance", "kl", "jeffreys", "entropy"])
def test_zero_probabilities_raise_no_warning(name: str) -> None:
    """Zero probabilities are valid input (domain "probs"): no RuntimeWarning may leak from the
    kernels (pytest turns warnings into errors)."""
    for p, q in ZERO_CASES:
        p, q = np.array(p), np.array(q)
        if name == "entropy":
            cat.entropy(p)
        else:
            getattr(cat, name)(p, q)


def test_jeffreys_of_equal_components_raises_no_warning() -> None:
    """Components with p_i == q_i (in particular J(p, p) = 0) must not raise "invalid"."""
    p = np.array([0.2, 0.3, 0.5])
    assert cat.jeffreys(p, p) == 0.0
    assert cat.jeffreys(p, [0.2, 0.4, 0.4]) == pytest.approx(0.1 * math.log(4 / 3) + 0.1 * math.log(5 / 4), rel=1e-14)


@pytest.mark.parametrize("tiny", [1e-17, 1e-20, 1e-300])
def test_kl_with_tiny_probability_ratio(tiny: float) -> None:
    """p_i / q_i below 2^-53: the term p_i log(p_i / q_i) is tiny, the KL is about log 2."""
    p = np.array([tiny, 1.0 - tiny])
    q = np.array([0.5, 0.5])
    for a, b in ((p, q), (q, p)):
        got = cat.kl(a, b)
        exact = mp_kl(a, b)
        assert ulp_errors([got], [exact])[0] <= ORACLE_BOUND["kl"], (a, b, got, exact)
    assert ulp_errors([cat.jeffreys(p, q)], [mp_kl(p, q) + mp_kl(q, p)])[0] <= ORACLE_BOUND["jeffreys"]


# ------------------------------------------------------------------------------- identities
@st.composite
def simplex_points(draw, n: int = 1, min_weight: float = 1e-3):
    k = draw(st.integers(2, 8))
    pts = []
    for _ in range(n):
        w = draw(hnp.arrays(np.float64, k, elements=st.floats(min_weight, 1.0)))
        pts.append(w / w.sum())
    return pts


@st.composite
def tangent_vectors(draw, k: int):
    v = draw(hnp.arrays(np.float64, k, elements=st.floats(-1.0, 1.0)))
    v = v - v.mean()
    if not np.any(np.abs(v) > 1e-6):
        v = np.zeros(k)
        v[0], v[1] = 1.0, -1.0
    return v


@HYP
@given(simplex_points(n=3))
def test_metric_space_axioms(pts) -> None:
    p, q, r = pts
    d_pq, d_qp = cat.distance(p, q), cat.distance(q, p)
    assert d_pq == pytest.approx(d_qp, rel=1e-15, abs=0)
    assert cat.distance(p, p) == 0.0
    assert 0.0 <= d_pq <= math.pi
    assert cat.distance(p, r) <= d_pq + cat.distance(q, r) + 1e-12
    # the object API agrees with the array API
    assert beds.distance(beds.Categorical(p), beds.Categorical(q)) == d_pq


@HYP
@given(simplex_points(n=2))
def test_exp_log_and_norm(pts) -> None:
    p, q = pts
    P, Q = beds.Categorical(p), beds.Categorical(q)
    v = beds.log(P, Q)
    assert isinstance(v, beds.Tangent)
    assert abs(v.probs.sum()) <= 1e-15
    np.testing.assert_allclose(beds.exp(v).probs, q, rtol=0, atol=1e-12)
    d = beds.distance(P, Q)
    assert float(beds.norm(v)) == pytest.approx(d, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(cat.exp(p, cat.log(p, q)), q, rtol=0, atol=1e-12)


SELF_PAIR = [0.04023005709398519, 0.47988497145300735, 0.47988497145300735]  # sums to 1 - 2^-53


@pytest.mark.parametrize(
    ("p", "q"),
    [
        ([1 / 3, 1 / 3, 1 / 3], [1 / 3, 1 / 3, 1 / 3]),
        (SELF_PAIR, SELF_PAIR),
        ([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]),
        ([0.2, 0.3, 0.5], [0.2 + 1e-15, 0.3 - 1e-15, 0.5]),
        ([0.2, 0.3, 0.5], [0.2 + 1e-12, 0.3, 0.5 - 1e-12]),
    ],
    ids=["thirds", "self_pair", "equal", "near_1e-15", "near_1e-12"],
)
def test_log_output_is_a_valid_tangent(p, q) -> None:
    """Library outputs round-trip: exp(log(p, q)) = q, also for q = p or q next to p (log is then
    zero or tiny, and its sum is rounding noise relative to its size)."""
    p, q = np.array(p), np.array(q)
    np.testing.assert_allclose(cat.exp(p, cat.log(p, q)), q, atol=1e-15)
    np.testing.assert_allclose(cat.geodesic(p, q, 0.5), cat.exp(p, 0.5 * cat.log(p, q)), atol=1e-15)
    P, Q = beds.Categorical(p), beds.Categorical(q)
    np.testing.assert_allclose(beds.exp(beds.log(P, Q)).probs, q, atol=1e-15)
    v = beds.log(P, Q)
    assert float(beds.norm(v)) == pytest.approx(float(beds.distance(P, Q)), rel=1e-9, abs=1e-15)
    np.testing.assert_allclose(beds.transport(v, Q).probs, -beds.log(Q, P).probs, atol=1e-15)


@HYP
@given(simplex_points(n=2), st.floats(0.0, 1.0))
def test_geodesic_distances(pts, t) -> None:
    p, q = pts
    P, Q = beds.Categorical(p), beds.Categorical(q)
    d = float(beds.distance(P, Q))
    g = beds.geodesic(P, Q, t)
    assert float(beds.distance(P, g)) == pytest.approx(abs(t) * d, abs=1e-12)
    assert float(beds.distance(g, Q)) == pytest.approx(abs(1 - t) * d, abs=1e-12)
    np.testing.assert_allclose(beds.geodesic(P, Q, 0.0).probs, p, atol=1e-15)
    np.testing.assert_allclose(beds.geodesic(P, Q, 1.0).probs, q, atol=1e-14)
    # the geodesic is exp of t log
    np.testing.assert_allclose(g.probs, cat.exp(p, t * cat.log(p, q)), atol=1e-12)


@HYP
@given(st.data())
def test_transport_preserves_inner_products(data) -> None:
    p, q = data.draw(simplex_points(n=2))
    k = p.size
    u, v = data.draw(tangent_vectors(k)), data.draw(tangent_vectors(k))
    P, Q = beds.Categorical(p), beds.Categorical(q)
    U, V = P.tangent(probs=u), P.tangent(probs=v)
    TU, TV = beds.transport(U, Q), beds.transport(V, Q)
    assert TU.base is Q or np.array_equal(TU.base.probs, q)
    assert abs(TU.probs.sum()) <= 1e-12 * np.abs(TU.probs).sum()
    scale = float(beds.norm(U) * beds.norm(V))
    assert float(beds.inner(TU, TV)) == pytest.approx(float(beds.inner(U, V)), abs=1e-11 * scale)
    assert float(beds.norm(TU)) == pytest.approx(float(beds.norm(U)), rel=1e-11)
    # transporting log_p(q) to q gives -log_q(p)
    np.testing.assert_allclose(
        beds.transport(beds.log(P, Q), Q).probs, -beds.log(Q, P).probs, atol=1e-12 * (1 + float(beds.distance(P, Q)))
    )
    # array API agrees
    np.testing.assert_allclose(cat.transport(p, q, u), TU.probs, rtol=0, atol=1e-15 * np.abs(u).sum() * 1e3)


@HYP
@given(simplex_points(n=2, min_weight=1e-6))
def test_jeffreys_bounds_distance(pts) -> None:
    """Docs page mathematics/conventions: d_FR <= sqrt(J) for any exponential family."""
    p, q = pts
    with np.errstate(invalid="ignore"):  # see test_jeffreys_of_equal_components_raises_no_warning
        j = cat.jeffreys(p, q)
    assert cat.distance(p, q) <= math.sqrt(j) * (1 + 1e-12)
    assert cat.kl(p, q) >= 0.0 and cat.kl(q, p) >= 0.0
    assert j == pytest.approx(cat.kl(p, q) + cat.kl(q, p), rel=1e-13)


@HYP
@given(st.data())
def test_local_kl_is_half_squared_distance(data) -> None:
    """Docs page mathematics/conventions: KL(p || p + dp) ~ ds^2 / 2 (Fisher metric with no factor 1/4)."""
    (p,) = data.draw(simplex_points(n=1))
    v = data.draw(tangent_vectors(p.size))
    eps = 1e-6
    v = v * (eps / math.sqrt(cat.inner(p, v, v)))
    q = cat.exp(p, v)
    d = cat.distance(p, q)
    assert d == pytest.approx(eps, rel=1e-9)
    assert cat.kl(p, q) == pytest.approx(d * d / 2, rel=1e-3)
    assert cat.kl(q, p) == pytest.approx(d * d / 2, rel=1e-3)
    with np.errstate(invalid="ignore"):  # see test_jeffreys_of_equal_components_raises_no_warning
        assert cat.jeffreys(p, q) == pytest.approx(d * d, rel=1e-3)


def test_metric_is_fisher_information() -> None:
    p = np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(beds.metric(beds.Categorical(p)), np.diag(1 / p))
    u, v = np.array([0.1, -0.3, 0.2]), np.array([-0.05, 0.01, 0.04])
    assert cat.inner(p, u, v) == pytest.approx(float(u @ np.diag(1 / p) @ v), rel=1e-15)


# ---------------------------------------------------------------------------------- logits
@HYP
@given(hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-50.0, 50.0)), st.floats(-100.0, 100.0))
def test_logits_constructor_is_softmax(z, shift) -> None:
    p = beds.Categorical(logits=z)
    np.testing.assert_allclose(p.probs, scipy.special.softmax(z), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(beds.Categorical(logits=z + shift).probs, p.probs, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(scipy.special.softmax(p.logits), p.probs, rtol=1e-13)


def test_logits_extreme_and_batched() -> None:
    p = beds.Categorical(logits=[1000.0, 0.0, -1000.0])
    np.testing.assert_array_equal(p.probs, [1.0, 0.0, 0.0])
    z = np.random.default_rng(3).normal(size=(4, 5, 3))
    np.testing.assert_allclose(beds.Categorical(logits=z).probs, scipy.special.softmax(z, axis=-1), rtol=1e-14)
    assert beds.Categorical(logits=z).batch_shape == (4, 5)


# ----------------------------------------------------------------------------- Karcher mean
def _riemannian_gradient_norm(m, P, w) -> float:
    """Fisher norm of sum_i w_i log_m(p_i) / sum w (computed here: at the mean it is rounding
    noise, which the tangent-vector validation of cat.inner may reject)."""
    V = cat.log(np.broadcast_to(m, P.shape), P)
    g = (w[:, None] * V).sum(axis=0) / w.sum()
    return math.sqrt(float(np.sum(g * g / m)))


@pytest.mark.parametrize(("k", "n", "weighted"), [(3, 5, False), (5, 20, True), (10, 3, True), (2, 50, False)])
def test_karcher_mean_is_stationary(k, n, weighted) -> None:
    rng = np.random.default_rng(k * 100 + n)
    P = rng.dirichlet(np.ones(k), n)
    w = rng.uniform(0.1, 2.0, n) if weighted else np.ones(n)
    m, it = cat.karcher_mean(P, w if weighted else None, return_iterations=True)
    assert 0 < it <= 200
    assert abs(m.sum() - 1) <= 1e-14 and (m > 0).all()
    assert _riemannian_gradient_norm(m, P, w) <= 1e-10
    # it minimises the weighted sum of squared distances
    f = lambda x: float((w * cat.distance(x, P) ** 2).sum())  # noqa: E731
    for _ in range(5):
        other = cat.exp(m, 1e-3 * (rng.normal(size=k) - 0) @ (np.eye(k) - 1 / k))
        assert f(other) >= f(m)
    # object API, reducing one batch axis
    obj = beds.karcher_mean(beds.Categorical(P), weights=w if weighted else None)
    np.testing.assert_allclose(obj.probs, m, atol=1e-15)


def test_karcher_mean_of_symmetric_data() -> None:
    base = np.array([0.6, 0.3, 0.1])
    cyc = np.array([np.roll(base, i) for i in range(3)])
    np.testing.assert_allclose(cat.karcher_mean(cyc), np.full(3, 1 / 3), atol=1e-15)
    swapped = np.array([[0.7, 0.2, 0.1], [0.2, 0.7, 0.1]])
    m = cat.karcher_mean(swapped)
    assert m[0] == pytest.approx(m[1], rel=1e-15)
    # two points: the geodesic midpoint
    np.testing.assert_allclose(m, cat.geodesic(swapped[0], swapped[1], 0.5), atol=1e-15)
    assert cat.distance(m, swapped[0]) == pytest.approx(cat.distance(m, swapped[1]), rel=1e-12)


def test_karcher_mean_single_point_and_zero_weight() -> None:
    p = np.array([[0.2, 0.5, 0.3]])
    np.testing.assert_allclose(cat.karcher_mean(p), p[0], atol=1e-16)
    np.testing.assert_allclose(beds.karcher_mean(beds.Categorical(p)).probs, p[0], atol=1e-16)
    two = np.array([[0.2, 0.5, 0.3], [0.6, 0.2, 0.2]])
    np.testing.assert_allclose(cat.karcher_mean(two, [1.0, 0.0]), two[0], atol=1e-15)


def test_karcher_mean_batched_axes() -> None:
    P = np.random.default_rng(7).dirichlet(np.ones(4), (2, 3, 6))
    m = cat.karcher_mean(P)
    assert m.shape == (2, 3, 4)
    for i in range(2):
        for j in range(3):
            np.testing.assert_allclose(m[i, j], cat.karcher_mean(P[i, j]), atol=1e-15)
    obj = beds.karcher_mean(beds.Categorical(P), axis=2)
    assert obj.batch_shape == (2, 3)
    np.testing.assert_allclose(obj.probs, m, atol=1e-15)
    assert beds.karcher_mean(beds.Categorical(P), axis=(0, 2)).batch_shape == (3,)


# ---------------------------------------------------------------------------------- domain
def test_exp_leaving_the_simplex_raises() -> None:
    p = beds.Categorical([0.5, 0.5])
    with pytest.raises(ValueError, match="simplex"):
        beds.exp(p.tangent(probs=[3.0, -3.0]))
    with pytest.raises(ValueError, match="simplex"):
        cat.exp([0.5, 0.5], [3.0, -3.0])
    # a step that stays inside works; the boundary is at angle pi/4 on the unit sphere
    ok = cat.exp([0.5, 0.5], [0.6, -0.6])
    assert (ok > 0).all() and ok.sum() == pytest.approx(1.0)
    # extrapolated geodesics: past q is fine while inside, then raises
    q = beds.Categorical([0.9, 0.1])
    assert (beds.geodesic(p, q, 1.2).probs > 0).all()
    with pytest.raises(ValueError, match="simplex"):
        beds.geodesic(p, q, 3.0)
    with pytest.raises(ValueError, match="simplex"):
        cat.geodesic([0.5, 0.5], [0.9, 0.1], -2.0)
    # a batch with one bad element raises too
    with pytest.raises(ValueError, match="simplex"):
        cat.exp([[0.5, 0.5], [0.5, 0.5]], [[0.1, -0.1], [3.0, -3.0]])


def test_geodesic_from_a_boundary_point() -> None:
    """The module documents that exp, log, transport, inner and metric need an interior base point;
    the geodesic between a boundary point and an interior point is a well-defined great-circle arc."""
    b, p = np.array([0.0, 1.0]), np.array([0.5, 0.5])
    g = cat.geodesic(b, p, 0.5)
    expected = np.array([math.sin(math.pi / 8) ** 2, math.cos(math.pi / 8) ** 2])
    np.testing.assert_allclose(g, expected, atol=1e-15)
    g2 = beds.geodesic(beds.Categorical(b), beds.Categorical(p), 0.5)
    np.testing.assert_allclose(g2.probs, expected, atol=1e-15)


P2 = [0.5, 0.5]
B2 = [0.0, 1.0]


def _tan(p, v=(0.1, -0.1)) -> beds.Tangent:
    return beds.Categorical(p).tangent(probs=list(v))


BAD_INPUTS = {
    # name: (callable, exception, substring of the message)
    "negative probs": (lambda: beds.Categorical([-0.1, 1.1]), ValueError, "probs"),
    "sum off by 1e-3": (lambda: beds.Categorical([0.5, 0.501]), ValueError, "probs"),
    "sum off by 1e-3 float32": (lambda: beds.Categorical(np.array([0.5, 0.501], np.float32)), ValueError, "probs"),
    "nan probs": (lambda: beds.Categorical([math.nan, 1.0]), ValueError, "probs"),
    "inf probs": (lambda: beds.Categorical([math.inf, 1.0]), ValueError, "probs"),
    "scalar probs": (lambda: beds.Categorical(1.0), ValueError, "probs"),
    "zero-size last axis": (lambda: beds.Categorical(np.zeros((3, 0))), ValueError, "probs"),
    "zero-size logits": (lambda: beds.Categorical(logits=np.zeros((3, 0))), ValueError, "logits"),
    "nan logits": (lambda: beds.Categorical(logits=[math.nan, 0.0]), ValueError, "logits"),
    "string probs": (lambda: beds.Categorical(["a", "b"]), TypeError, "probs"),
    "complex probs": (lambda: beds.Categorical(np.array([0.5 + 0j, 0.5])), TypeError, "probs"),
    "probs and logits": (lambda: beds.Categorical(P2, logits=[0.0, 0.0]), TypeError, "logits"),
    "fn negative p": (lambda: cat.distance([-0.1, 1.1], P2), ValueError, "p "),
    "fn negative q": (lambda: cat.kl(P2, [-0.1, 1.1]), ValueError, "q "),
    "fn nan p": (lambda: cat.entropy([math.nan, 1.0]), ValueError, "p "),
    "fn sum off p": (lambda: cat.distance([0.5, 0.501], P2), ValueError, "p "),
    "fn sum off q": (lambda: cat.kl(P2, [0.5, 0.501]), ValueError, "q "),
    "fn sum off entropy": (lambda: cat.entropy([0.5, 0.501]), ValueError, "p "),
    "fn zero-size last axis": (lambda: cat.distance(np.zeros((3, 0)), np.zeros((3, 0))), ValueError, "p "),
    "fn string": (lambda: cat.entropy(["a", "b"]), TypeError, "p "),
    "fn shapes": (lambda: cat.distance([[0.5, 0.5]] * 2, [[0.5, 0.5]] * 3), ValueError, "broadcast"),
    "tangent not summing to 0": (lambda: beds.Categorical(P2).tangent(probs=[0.1, 0.2]), ValueError, "probs"),
    "fn tangent not summing to 0": (lambda: cat.exp(P2, [0.1, 0.2]), ValueError, "v "),
    "fn inner tangent not summing to 0": (lambda: cat.inner(P2, [0.1, 0.2], [0.1, -0.1]), ValueError, "u "),
    "exp at boundary": (lambda: beds.exp(beds.Categorical(B2).tangent(probs=[0.1, -0.1])), ValueError, "probs"),
    "fn exp at boundary": (lambda: cat.exp(B2, [0.1, -0.1]), ValueError, "p "),
    "log at boundary": (lambda: beds.log(beds.Categorical(B2), beds.Categorical(P2)), ValueError, "probs"),
    "transport at boundary": (lambda: beds.transport(_tan(B2), beds.Categorical(P2)), ValueError, "probs"),
    "transport to boundary": (lambda: beds.transport(_tan(P2), beds.Categorical(B2)), ValueError, "probs"),
    "fn transport to boundary": (lambda: cat.transport(P2, B2, [0.1, -0.1]), ValueError, "q "),
    "inner at boundary": (lambda: beds.inner(_tan(B2), _tan(B2)), ValueError, "probs"),
    "metric at boundary": (lambda: beds.metric(beds.Categorical(B2)), ValueError, "probs"),
    "other family": (lambda: beds.distance(beds.Categorical(P2), beds.Exponential(1.0)), TypeError, "Categorical"),
    "not a belief": (lambda: beds.distance(beds.Categorical(P2), P2), TypeError, "q "),
    "karcher 1-d": (lambda: cat.karcher_mean(P2), ValueError, "p "),
    "karcher empty": (lambda: cat.karcher_mean(np.zeros((0, 3))), ValueError, "empty"),
    "karcher negative weights": (lambda: cat.karcher_mean([P2, P2], [1.0, -1.0]), ValueError, "weights"),
    "karcher zero weights": (lambda: cat.karcher_mean([P2, P2], [0.0, 0.0]), ValueError, "weights"),
    "karcher bad probs": (lambda: cat.karcher_mean([P2, [0.5, 0.6]]), ValueError, "p "),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_inputs_raise(case: str) -> None:
    fn, exc, needle = BAD_INPUTS[case]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(exc) as info:
            fn()
    assert needle in str(info.value) + " ", f"{case}: message {str(info.value)!r} does not mention {needle.strip()!r}"


def test_float32_inputs() -> None:
    p = np.array([0.2, 0.3, 0.5], np.float32)
    q = np.array([0.4, 0.4, 0.2], np.float32)
    d = cat.distance(p, q)
    assert d.dtype == np.float32
    p64, q64 = p.astype(np.float64), q.astype(np.float64)
    assert d == pytest.approx(float(mp_distance(p64 / p64.sum(), q64 / q64.sum())), rel=1e-6)
    assert beds.Categorical(p).dtype == np.float32


def test_rows_longer_than_the_block_buffers():
    """k > 2048 classes takes the one-row-per-block path: same formulas, any layout."""
    rng = np.random.default_rng(3)
    p, q = rng.dirichlet(np.ones(3000), size=4), rng.dirichlet(np.ones(3000), size=4)
    ref = 2 * np.arccos(np.sum(np.sqrt(p * q), axis=-1))
    d = cat.distance(p, q)
    np.testing.assert_allclose(d, ref, rtol=1e-13)
    strided = cat.distance(np.asfortranarray(p), np.asfortranarray(q))
    assert np.array_equal(d, strided)
    np.testing.assert_allclose(cat.kl(p, q), np.sum(p * np.log(p / q), axis=-1), rtol=1e-12)
