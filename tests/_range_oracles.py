"""mpmath oracles over the whole float range (tests/test_full_range.py).

The inputs are exact binary numbers, so an mpmath evaluation at enough digits is exact to the last
digit that matters: every oracle picks its precision from the spread of the magnitudes of its inputs
(differences of numbers 10^600 apart need 600 digits to keep the small one), plus a margin for the
cancellations of the textbook formulas.  mpmath numbers have an unbounded exponent, so nothing
over- or underflows.

The normal family is the half-plane x = mu / sqrt(2), y = sigma with ds_FR^2 = 2 (dx^2 + dy^2)/y^2.
The maps are built from the Moebius group, independently of the library's formulas: z -> (z - x0)/y0
takes the base point to i; the elliptic rotation M_a(z) = (cos(a) z + sin(a)) / (-sin(a) z + cos(a))
fixes i and turns tangent vectors there by 2a; the unit-speed geodesic leaving i upwards is i e^t.
The map oracles raise their precision until two runs agree (``adaptive``).
"""

from __future__ import annotations

import math

import mpmath as mp


def _agree(a, b) -> bool:
    """Agreement to 30 digits of the size of the result (|m| + s for a point, |a| + |b| for a vector:
    a component that is exactly 0, such as a mean on a symmetry axis, is noise at any precision)."""
    if a is None or b is None:
        return a is b
    size = max(sum(abs(x) for x in a), sum(abs(y) for y in b))
    return all(abs(x - y) <= mp.mpf(10) ** -30 * size for x, y in zip(a, b))


def adaptive(fn):
    """Runs a map oracle at increasing precision until two runs agree to 30 digits: an extrapolated
    geodesic can end 10^600 below its inputs, where a fixed precision would cancel to noise."""

    def run(*args):
        def as_tuple(r):
            return r if isinstance(r, tuple) or r is None else (r,)

        extra = 0
        prev = fn(*args, extra=extra)
        while extra < 8000:
            extra = 2 * extra + 200
            cur = fn(*args, extra=extra)
            if _agree(as_tuple(prev), as_tuple(cur)):
                return cur
            prev = cur
        raise AssertionError(f"{fn.__name__}{args}: no agreement at {extra} extra digits")

    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run


def dps_for(*values: float, margin: int = 60) -> int:
    """Digits for exact-enough arithmetic on these floats: their decimal spread plus a margin."""
    exps = [math.frexp(abs(float(v)))[1] for v in values if v != 0 and math.isfinite(float(v))]
    spread = (max(exps) - min(exps)) * 0.30103 if exps else 0.0
    return int(spread) + margin


def _f(*xs):
    return [mp.mpf(float(x)) for x in xs]


# ------------------------------------------------------------------------------- normal family
def distance(m1, s1, m2, s2):
    with mp.workdps(dps_for(m1, s1, m2, s2)):
        m1, s1, m2, s2 = _f(m1, s1, m2, s2)
        w = ((m1 - m2) ** 2 / 2 + (s1 - s2) ** 2) / (4 * s1 * s2)
        return 2 * mp.sqrt(2) * mp.asinh(mp.sqrt(w))


def kl(m1, s1, m2, s2):
    """log(s2/s1) + (s1^2 + dmu^2) / (2 s2^2) - 1/2 as (delta - log1p(delta) + delta^2/2) + dmu^2 /
    (2 s2^2) with delta = (s1 - s2) / s2: the first group cancels for near pairs, by at most 2 x 16
    digits for distinct doubles (covered by the margin); the dmu term is added without cancellation."""
    with mp.workdps(dps_for(m1, s1, m2, s2, margin=100)):
        m1, s1, m2, s2 = _f(m1, s1, m2, s2)
        delta = (s1 - s2) / s2
        return (delta - mp.log1p(delta) + delta**2 / 2) + (m1 - m2) ** 2 / (2 * s2**2)


def jeffreys(m1, s1, m2, s2):
    with mp.workdps(dps_for(m1, s1, m2, s2)):
        m1, s1, m2, s2 = _f(m1, s1, m2, s2)
        return ((s1 - s2) ** 2 * (s1 + s2) ** 2 + (m1 - m2) ** 2 * (s1**2 + s2**2)) / (2 * s1**2 * s2**2)


def inner(s, um, us, vm, vs):
    """(u_mu v_mu + 2 u_s v_s) / s^2, and the scale (|u_mu v_mu| + 2 |u_s v_s|) / s^2 of its rounding."""
    with mp.workdps(dps_for(s, um, us, vm, vs)):
        s, um, us, vm, vs = _f(s, um, us, vm, vs)
        return (um * vm + 2 * us * vs) / s**2, (abs(um * vm) + 2 * abs(us * vs)) / s**2


def _to_i(x0, y0, x, y):
    """(dX, dY) with z' = (z - x0) / y0 = dX + i (1 + dY): the point seen from the base point at i."""
    return (x - x0) / y0, (y - y0) / y0


def _unit_tangent_at_i(dX, dY):
    """Unit tangent at i of the geodesic to z' = dX + i(1 + dY) (Euclidean components; z' != i).

    The geodesic is the circle through i and z' centred at c = (|z'|^2 - 1) / (2 dX) on the real
    axis (a vertical line when dX = 0); its tangent at i is orthogonal to i - c, oriented towards
    z': (dX, dX c) = (dX, (|z'|^2 - 1) / 2), with |z'|^2 - 1 = dX^2 + dY (2 + dY) (no cancellation)."""
    a = dX
    b = (dX**2 + dY * (2 + dY)) / 2
    n = mp.hypot(a, b)
    return a / n, b / n


def _hyperbolic_distance(dX, dY):
    """Half-plane distance from i to dX + i (1 + dY)."""
    return 2 * mp.asinh(mp.sqrt((dX**2 + dY**2) / (4 * (1 + dY))))


def _exp_at_i(ux, uy, rho):
    """The point at half-plane distance rho along the unit tangent (ux, uy) at i: M_a(i e^rho) with
    i e^{2ia} = (ux, uy).  With E = e^rho, M_a(iE) = [sin(a) cos(a) (1 - E^2) + i E] / (cos^2 a +
    E^2 sin^2 a), and cos(2a) = uy, sin(2a) = -ux give cos^2 a = (1 + uy)/2, sin^2 a = (1 - uy)/2,
    the smaller of the two formed as ux^2 / (2 (1 -+ uy)) (no cancellation; exact when vertical)."""
    if uy >= 0:
        opp = 1 + uy
        omu = ux**2 / opp
    else:
        omu = 1 - uy
        opp = ux**2 / omu
    E = mp.exp(rho)
    den = opp + E**2 * omu
    return ux * mp.expm1(2 * rho) / den, 2 * E / den


@adaptive
def exp(m, s, vm, vs, extra=0):
    """(mean, std) reached from (m, s) with velocity (vm, vs); None when the FR length is too large
    for mpmath (never for a representable result)."""
    with mp.workdps(dps_for(m, s, vm, vs) + extra):
        m, s, vm, vs = _f(m, s, vm, vs)
        r2 = mp.sqrt(2)
        vx, vy = vm / r2, vs
        n = mp.hypot(vx, vy)
        if n == 0:
            return m, s
        rho = n / s
        if rho > 10**6:
            return None
        X, Y = _exp_at_i(vx / n, vy / n, rho)
        return r2 * (m / r2 + s * X), s * Y


@adaptive
def log(m1, s1, m2, s2, extra=0):
    with mp.workdps(dps_for(m1, s1, m2, s2) + extra):
        m1, s1, m2, s2 = _f(m1, s1, m2, s2)
        r2 = mp.sqrt(2)
        dX, dY = _to_i(m1 / r2, s1, m2 / r2, s2)
        if dX == 0 and dY == 0:
            return mp.mpf(0), mp.mpf(0)
        ux, uy = _unit_tangent_at_i(dX, dY)
        rho = _hyperbolic_distance(dX, dY)
        return r2 * s1 * rho * ux, s1 * rho * uy


@adaptive
def geodesic(m1, s1, m2, s2, t, extra=0):
    with mp.workdps(dps_for(m1, s1, m2, s2, t) + extra):
        m1, s1, m2, s2, t = _f(m1, s1, m2, s2, t)
        r2 = mp.sqrt(2)
        dX, dY = _to_i(m1 / r2, s1, m2 / r2, s2)
        if (dX == 0 and dY == 0) or t == 0:
            return m1, s1
        ux, uy = _unit_tangent_at_i(dX, dY)
        rho = _hyperbolic_distance(dX, dY) * t
        if rho < 0:
            ux, uy, rho = -ux, -uy, -rho
        if rho > 10**6:
            return None
        X, Y = _exp_at_i(ux, uy, rho)
        return r2 * (m1 / r2 + s1 * X), s1 * Y


@adaptive
def transport(m1, s1, m2, s2, vm, vs, extra=0):
    """v' = (s2 / s1) v u2 conj(u1) in complex half-plane components: the unit tangents u1 at p1
    and u2 at p2 of the geodesic (u2 the reverse of the tangent at p2 towards p1)."""
    with mp.workdps(dps_for(m1, s1, m2, s2, vm, vs) + extra):
        m1, s1, m2, s2, vm, vs = _f(m1, s1, m2, s2, vm, vs)
        r2 = mp.sqrt(2)
        x1, x2 = m1 / r2, m2 / r2
        if x1 == x2 and s1 == s2:
            return vm, vs
        u1 = mp.mpc(*_unit_tangent_at_i(*_to_i(x1, s1, x2, s2)))
        u2 = -mp.mpc(*_unit_tangent_at_i(*_to_i(x2, s2, x1, s1)))
        w = mp.mpc(vm / r2, vs) * u2 * mp.conj(u1) * (s2 / s1)
        return w.real * r2, w.imag


def penalty(m, s, mr, sr, lam):
    """strength/2 d^2, the Euclidean gradient G (-lam v) and the natural gradient -lam v, v = Log_q(q_ref)."""
    d = distance(m, s, mr, sr)
    vm, vs = log(m, s, mr, sr)
    with mp.workdps(dps_for(m, s, mr, sr, lam)):
        lam, s = _f(lam, s)
        nm, ns = -lam * vm, -lam * vs
        return lam / 2 * d**2, nm / s**2, 2 * ns / s**2, nm, ns


# ------------------------------------------------------------------- one-parameter rate families
def exponential(op, a, b=None, c=None):
    with mp.workdps(dps_for(*(x for x in (a, b, c) if x is not None), margin=100)):
        a = mp.mpf(float(a))
        b = None if b is None else mp.mpf(float(b))
        c = None if c is None else mp.mpf(float(c))
        if op == "distance":
            return abs(mp.log(b / a))
        if op == "kl":
            return mp.log(a / b) + b / a - 1
        if op == "jeffreys":
            return (a - b) ** 2 / (a * b)
        if op == "entropy":
            return 1 - mp.log(a)
        if op == "inner":
            return b * c / a**2
        if op == "exp":
            return a * mp.exp(b / a)
        if op == "log":
            return a * mp.log(b / a)
        if op == "geodesic":
            return a * (b / a) ** c
        if op == "transport":
            return c * b / a
    raise AssertionError(op)


def poisson(op, a, b=None, c=None):
    with mp.workdps(dps_for(*(x for x in (a, b, c) if x is not None), margin=100)):
        a = mp.mpf(float(a))
        b = None if b is None else mp.mpf(float(b))
        c = None if c is None else mp.mpf(float(c))
        if op == "distance":
            return 2 * abs(mp.sqrt(a) - mp.sqrt(b))
        if op == "kl":
            return a * mp.log(a / b) + b - a
        if op == "jeffreys":
            return (a - b) * mp.log(a / b)
        if op == "inner":
            return b * c / a
        if op == "exp":
            f = 1 + b / (2 * a)
            return a * f**2 if f > 0 else None
        if op == "log":
            return 2 * mp.sqrt(a) * (mp.sqrt(b) - mp.sqrt(a))
        if op == "geodesic":  # sqrt(a) + t (sqrt(b) - sqrt(a)), the difference without cancellation
            r = mp.sqrt(a) + c * (b - a) / (mp.sqrt(a) + mp.sqrt(b))
            return r**2 if r > 0 else None
        if op == "transport":
            return c * mp.sqrt(b / a)
    raise AssertionError(op)
