"""Independent high-precision reference for von Mises geometry (mpmath; shares no code with beds).

The distance solves the geodesic boundary-value problem through Clairaut's relation directly in
kappa: mpmath's tanh-sinh quadrature handles the 1/sqrt singularity at the turning point itself,
and the turning point kappa* is found by mpmath.findroot (bisection-safe Illinois/Anderson) in
log kappa*.  Nothing here uses the substitutions, the quadrature rules, the root finder or the
Bessel approximations of the C++ code.
"""

from __future__ import annotations

import mpmath as mp

DPS = 30


def a_ratio(k):
    return mp.besseli(1, k) / mp.besseli(0, k)


def g_mumu(k):
    return k * a_ratio(k)


def g_kk(k):
    if k == 0:
        return mp.mpf(1) / 2
    a = a_ratio(k)
    return 1 - a / k - a * a


def radial(x, y):
    return mp.quad(lambda t: mp.sqrt(g_kk(t)), _log_points(x, y)) if y > x else mp.mpf(0)


def _clairaut_integrals(kstar, c2, x, y, which):
    """int over [x, y] of the angle (which="phi") or arc-length (which="length") integrand.

    The gap f(t) - c^2 is evaluated with 100 extra bits: tanh-sinh puts nodes so close to the
    turning point that at working precision the difference would be rounding noise.  c2 is
    f(kstar) when the geodesic turns at kstar (kstar given), else passed directly.
    """
    c = mp.sqrt(c2)

    def gap(t):
        with mp.extraprec(100):
            ref = g_mumu(kstar) if kstar is not None else c2
            return max(g_mumu(t) - ref, mp.mpf(0))

    def integrand(t):
        g = gap(t)
        if g <= 0:
            return mp.mpf(0)
        if which == "phi":
            return c * mp.sqrt(g_kk(t)) / mp.sqrt(g_mumu(t) * g)
        return mp.sqrt(g_kk(t) * g_mumu(t) / g)

    return mp.quad(integrand, _log_points(x, y))


def _log_points(x, y):
    """[x, ..., y] with breakpoints at x * 10^j: tanh-sinh on each decade (the integrands span
    many orders of magnitude in kappa when the geodesic passes near the uniform law)."""
    pts = [x]
    if x > 0:
        p = x * 10
        while p < y:
            pts.append(p)
            p *= 10
    pts.append(y)
    return pts


def _phi(c2, x, y, kstar=None):
    return _clairaut_integrals(kstar, c2, x, y, "phi")


def _length(c2, x, y, kstar=None):
    return _clairaut_integrals(kstar, c2, x, y, "length")


def _solve(g, lo, hi, tol):
    """Root of the increasing function g on [lo, hi] (g(lo) < 0 < g(hi)): Illinois iteration."""
    glo, ghi = g(lo), g(hi)
    assert glo < 0 < ghi, (glo, ghi)
    side = 0
    for _ in range(200):
        x = hi - ghi * (hi - lo) / (ghi - glo)
        gx = g(x)
        if abs(gx) < tol or hi - lo < tol:
            return x
        if gx < 0:
            lo, glo = x, gx
            if side == -1:
                ghi /= 2
            side = -1
        else:
            hi, ghi = x, gx
            if side == 1:
                glo /= 2
            side = 1
    raise RuntimeError("oracle root find did not converge")


def distance(mu1, k1, mu2, k2, dps: int = DPS):
    """Fisher-Rao distance between vM(mu1, k1) and vM(mu2, k2) (floats in, mpf out)."""
    with mp.workdps(dps):
        k1, k2 = mp.mpf(k1), mp.mpf(k2)
        dmu = abs(mp.mpf(mu2) - mp.mpf(mu1)) % (2 * mp.pi)
        if dmu > mp.pi:
            dmu = 2 * mp.pi - dmu
        a, b = min(k1, k2), max(k1, k2)
        if a == 0 or dmu == 0:
            return radial(a, b)
        if dmu == mp.pi:
            return radial(0, a) + radial(0, b)
        fa = g_mumu(a)
        junction = _phi(fa, a, b, a) if b > a else mp.mpf(0)
        tol = mp.mpf(10) ** (-(dps - 6))
        eps = mp.mpf(10) ** (-(dps - 2))
        if dmu <= junction:
            # monotone geodesic from a to b: c^2 = f(a) (1 - u^2), u in (0, 1)
            u = _solve(lambda u: dmu - _phi(fa * (1 - u * u), a, b), eps, 1 - eps, tol)
            return _length(fa * (1 - u * u), a, b)

        # the geodesic dips to kappa* = a (1 - u^2) < a before rising
        def swept(u):
            ks = a * (1 - u * u)
            c2 = g_mumu(ks)
            return 2 * _phi(c2, ks, a, ks) + (_phi(c2, a, b, ks) if b > a else 0) - dmu

        u = _solve(swept, eps, 1 - eps, tol)
        ks = a * (1 - u * u)
        c2 = g_mumu(ks)
        return 2 * _length(c2, ks, a, ks) + (_length(c2, a, b, ks) if b > a else 0)


def reference_cases(seed: int = 2026, n_random: int = 14) -> list[tuple[float, float, float, float]]:
    """The pairs of tests/data/von_mises_distance.csv: structured edge cases plus random pairs
    (kappa log-uniform in [1e-3, 1e5], angle difference uniform in (0, pi))."""
    import numpy as np

    cases = [
        (0.0, 1.0, 1.0, 2.0),
        (0.0, 2.0, 3.0, 2.0),
        (0.0, 1.0, 3.1, 5.0),
        (0.0, 0.1, 2.0, 0.2),
        (0.0, 50.0, 0.3, 80.0),
        (0.0, 1e3, 0.01, 2e3),
        (0.0, 0.5, 3.14, 0.5),
        (0.0, 1e5, 0.001, 1e5),
        (0.0, 3.0, 2.0, 0.01),
        (0.0, 1e-3, 1.0, 1e4),
        (0.0, 5.0, 0.5, 5.0),
        (0.0, 10.0, 3.141592, 10.0),
        (0.0, 1.0, 1e-6, 1.0),
        (0.0, 16.0, 0.2, 16.5),
        (0.0, 15.9, 1.0, 16.1),
        (0.0, 0.7, 2.5, 40.0),
        (1.0, 2.0, 1.0 + 2 * 3.141592653589793 + 0.4, 3.0),
        (-3.0, 4.0, 3.0, 4.0),
    ]
    rng = np.random.default_rng(seed)
    for _ in range(n_random):
        k1, k2 = 10.0 ** rng.uniform(-3, 5, 2)
        cases.append((0.0, float(k1), float(rng.uniform(0, np.pi)), float(k2)))
    return cases


def hard_cases(seed: int = 20260, n_random: int = 24) -> list[tuple[float, float, float, float]]:
    """The pairs of tests/data/von_mises_distance_hard.csv: random pairs over the whole circle
    (kappa log-uniform in [1e-3, 1e5], both angles uniform in [-pi, pi]) and hard cases: the ends
    of [1e-3, 1e5], angles close to pi, tiny angles at nearly equal kappas, geodesics that dip from
    kappa = 1e5 to 2e-3.  (Thin geodesics at |dmu| <= 1e-8 are left out: there this oracle's root
    find for the turning point limits it to about 5e-11; the tests compare them with the arc
    sqrt(kappa A) dmu instead.)"""
    import numpy as np

    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(n_random):
        k1, k2 = 10.0 ** rng.uniform(-3, 5, 2)
        cases.append((float(rng.uniform(-np.pi, np.pi)), float(k1), float(rng.uniform(-np.pi, np.pi)), float(k2)))
    cases += [
        (0.0, 1e-3, 2.0, 1e-3),
        (0.0, 1e5, 0.003, 1e5),
        (0.0, 1e5, 3.0, 1e5),
        (0.0, 1e-3, 3.14159, 1e5),
        (0.0, 2.0, 3.1415, 3.0),
        (0.0, 50.0, np.pi - 1e-7, 60.0),
        (0.0, 1.0, 1e-9, 1.0000001),
        (0.0, 0.01, 1e-6, 0.02),
        (0.0, 1e4, 0.5, 1.1e4),
        (0.0, 3.0, 0.001, 3.0),
        (0.0, 0.3, 2.9, 0.31),
        (0.0, 1e5, 1e-3, 2e-3),
        (0.0, 7.0, 1.0, 9.0),
        (0.0, 1.5, 2.0, 1.6),
    ]
    return cases


if __name__ == "__main__":
    # python tests/_von_mises_oracle.py > tests/data/von_mises_distance.csv  (an hour on a busy 2-core machine)
    # python tests/_von_mises_oracle.py --hard > tests/data/von_mises_distance_hard.csv  (dps 24, about as long)
    import sys

    hard = "--hard" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--hard"]
    skip = int(args[0]) if args else 0  # resume: number of cases already written
    if not skip:
        print("mu1,kappa1,mu2,kappa2,distance")
    for case in (hard_cases() if hard else reference_cases())[skip:]:
        d = distance(*case, dps=24 if hard else 22)
        print(",".join(repr(float(v)) for v in case) + "," + mp.nstr(d, 22 if hard else 20), flush=True)
        print(case, file=sys.stderr, flush=True)
