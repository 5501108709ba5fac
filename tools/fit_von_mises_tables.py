"""Generates cpp/include/beds/von_mises_tables.hpp (the tables of the von Mises geodesic kernels).

    python tools/fit_von_mises_tables.py > cpp/include/beds/von_mises_tables.hpp
    clang-format -i cpp/include/beds/von_mises_tables.hpp

The von Mises manifold ds^2 = A'(kappa) dkappa^2 + kappa A(kappa) dmu^2 is a surface of revolution.
In the coordinate rho = sqrt(kappa A(kappa)) (the radius of the circles kappa = const) it reads
ds^2 = P(rho)^2 drho^2 + rho^2 dmu^2 with

    P(rho) = dr / drho = 2 rho sqrt(A'(kappa)) / f'(kappa),   f = kappa A,  f(kappa) = rho^2,

where r is the Fisher-Rao distance from the uniform law.  Every geodesic integral of the kernels
is an integral of P against an elementary weight, so P (with its antiderivative R and the inverse
map kappa(rho)) is the one function that has to be tabulated.  Three regions:

* rho <= RHO_F (disc): power series in x = rho^2, obtained by formal series arithmetic from the
  series of I0 and I1 (P = 1 - x^2 / 32 - ...: the disc is flat to fourth order);
* RHO_F <= rho <= RHO_H (transition): piecewise polynomials, NSUB pieces per octave (uniform in
  rho), in the local variable t in [-1, 1]; the coefficients are Chebyshev interpolants at 40
  digits (mpmath) converted to monomials;
* rho >= RHO_H: P = sqrt(2) / rho * Q(x), x = 1 / rho^2, Q from the asymptotic series of I0 and
  I1 (A ~ 1 - 1/(2 kappa) - ...), truncated where the next term is below 1e-18.

Besides P: R(rho) = int_0^rho P (the distance to the uniform law), kappa(rho), and the nodes and
weights of a fixed Gauss-Legendre grid over the transition region with P already applied (the
kernels evaluate P there without a table lookup).

Checks (printed to stderr; the script fails if one is not met): P, R and kappa evaluated in double
precision from the emitted coefficients against mpmath at random points of each region (P: kappa
from mpmath.findroot on f(kappa) = rho^2; R: mpmath.quad of sqrt(A'(kappa)) dkappa, which shares
nothing with the series or the fits; kappa: relative error).
"""

from __future__ import annotations

import random
import sys

import mpmath as mp

mp.mp.dps = 40

RHO_F = 0.25  # disc series below
RHO_H = 16.0  # asymptotic series above
NSUB = 16  # table pieces per octave in [RHO_F, RHO_H]
DEG_P = 11  # degree of the P pieces (checked)
DEG_K = 11  # degree of the kappa(rho) pieces (checked)
NF = 11  # disc series: x^0 .. x^(NF-1)
NH = 10  # asymptotic series: x^0 .. x^(NH-1)
NFK = 11  # kappa / rho in the disc
NHK = 11  # kappa / rho^2 above RHO_H
QUAD_PER_OCTAVE = 8  # panels per octave of the fixed grid over the transition region
MOMENTS = 56  # moments int P rho^(-2n) drho, n = 0 .. MOMENTS - 1, of each panel
MOMENT_NODES = 30  # Gauss-Legendre nodes (at 40 digits) per panel for the moments
TOL = 2.5e-16  # accepted relative error of P, R and kappa evaluated in double precision

# ------------------------------------------------------------------------------ formal series
N_SERIES = 40


def _mul(a, b):
    n = min(len(a), len(b))
    return [mp.fsum(a[i] * b[k - i] for i in range(k + 1)) for k in range(n)]


def _inv(a):
    r = [mp.mpf(0)] * len(a)
    r[0] = 1 / a[0]
    for k in range(1, len(a)):
        r[k] = -mp.fsum(a[i] * r[k - i] for i in range(1, k + 1)) / a[0]
    return r


def _div(a, b):
    return _mul(a, _inv(b))


def _sqrt(a):
    r = [mp.mpf(0)] * len(a)
    r[0] = mp.sqrt(a[0])
    for k in range(1, len(a)):
        r[k] = (a[k] - mp.fsum(r[i] * r[k - i] for i in range(1, k))) / (2 * r[0])
    return r


def _add(a, b):
    return [x + y for x, y in zip(a, b)]


def _scale(s, a):
    return [s * x for x in a]


def _compose(a, b):
    """a(b(x)) for b[0] = 0."""
    n = len(a)
    out, power = [mp.mpf(0)] * n, [mp.mpf(1)] + [mp.mpf(0)] * (n - 1)
    for k in range(n):
        out = _add(out, _scale(a[k], power))
        power = _mul(power, b)
    return out


def _revert(a):
    """b with a(b(x)) = x, for a[0] = 0 and a[1] != 0."""
    n = len(a)
    b = [mp.mpf(0), 1 / a[1]] + [mp.mpf(0)] * (n - 2)
    for k in range(2, n):
        b[k] -= _compose(a, b)[k] / a[1]
    return b


def _one(n):
    return [mp.mpf(1)] + [mp.mpf(0)] * (n - 1)


def disc_series(n=N_SERIES):
    """P, and kappa^2, as power series in x = rho^2 (from the series of I0, I1 in y = kappa^2)."""
    i0 = [mp.mpf(1) / (4**j * mp.factorial(j) ** 2) for j in range(n)]
    i1k = [mp.mpf(1) / (2 * 4**j * mp.factorial(j) * mp.factorial(j + 1)) for j in range(n)]
    ak = _div(i1k, i0)  # A / kappa
    y = [mp.mpf(0), mp.mpf(1)] + [mp.mpf(0)] * (n - 2)
    h = _add(_add(_one(n), _scale(-1, ak)), _scale(-1, _mul(y, _mul(ak, ak))))  # A' = 1 - A/k - A^2
    # P = 2 rho sqrt(h) / f' with rho / kappa = sqrt(A / kappa) and f' / kappa = A / kappa + h
    p_y = _scale(2, _div(_sqrt(_mul(h, ak)), _add(ak, h)))
    f_y = _mul(y, ak)  # rho^2 as a series in y
    y_x = _revert(f_y)
    return _compose(p_y, y_x), y_x


def asymptotic_series(n=N_SERIES):
    """Q (P = sqrt 2 / rho Q) and 1 / kappa as series in x = 1 / rho^2 (from the asymptotic series
    of I0 e^-kappa sqrt(2 pi kappa) and I1 ... in w = 1 / kappa)."""

    def scaled(nu):
        out = [mp.mpf(1)]
        for j in range(1, n):
            out.append(out[-1] * (-(4 * nu * nu - (2 * j - 1) ** 2)) / (j * 8))
        return out

    a = _div(scaled(1), scaled(0))
    w = [mp.mpf(0), mp.mpf(1)] + [mp.mpf(0)] * (n - 2)
    x_w = _div(w, a)  # x = 1 / (kappa A) = w / A
    w_x = _revert(x_w)
    h = _add(_add(_one(n), _scale(-1, _mul(a, w))), _scale(-1, _mul(a, a)))  # starts at w^2
    h_w2 = h[2:] + [mp.mpf(0)] * 2
    fp = _add(a, _mul(w, h_w2))  # f' = A + h / w
    # P rho / sqrt 2 = sqrt 2 (w / x) sqrt(h / w^2) / f',  w / x = A
    q_w = _scale(mp.sqrt(2), _div(_mul(a, _sqrt(h_w2)), fp))
    return _compose(q_w, w_x), w_x


# ------------------------------------------------------------------------------ direct values
def _metric(k):
    a = mp.besseli(1, k) / mp.besseli(0, k)
    h = 1 - a / k - a * a
    return k * a, h, a + k * h


def kappa_of_rho(rho):
    """mpmath Newton on f(kappa) = rho^2 (from an asymptotic start)."""
    x = rho * rho
    k = mp.sqrt(2) * rho if rho < 1 else x + mp.mpf(1) / 2
    for _ in range(200):
        f, _, fp = _metric(k)
        step = (f - x) / fp
        k -= step
        if abs(step) <= abs(k) * mp.mpf(10) ** (5 - mp.mp.dps):
            return k
    raise RuntimeError(f"kappa_of_rho({rho}) did not converge")


def p_of_rho(rho):
    k = kappa_of_rho(rho)
    _, h, fp = _metric(k)
    return 2 * rho * mp.sqrt(h) / fp


def radial_mp(k):
    """int_0^kappa sqrt(A') (independent of P: quadrature in kappa)."""

    def g(t):
        return mp.sqrt(mp.mpf(1) / 2) if t == 0 else mp.sqrt(_metric(t)[1])

    pts = [mp.mpf(0)] + [p for p in (mp.mpf(1), mp.mpf(10), mp.mpf(100)) if p < k] + [k]
    return mp.quad(g, pts)


# ------------------------------------------------------------------------------ fits
def chebyshev_monomial(fn, a, b, deg):
    """Monomial coefficients (lowest first) in t in [-1, 1] of the Chebyshev interpolant of
    fn(rho), rho = (a + b)/2 + (b - a)/2 t, at deg + 1 Chebyshev points (40 digits)."""
    n = deg + 1
    a, b = mp.mpf(a), mp.mpf(b)
    nodes = [mp.cos(mp.pi * (j + mp.mpf(1) / 2) / n) for j in range(n)]
    vals = [fn((a + b) / 2 + (b - a) / 2 * t) for t in nodes]
    cheb = [
        mp.fsum(vals[j] * mp.cos(k * mp.pi * (j + mp.mpf(1) / 2) / n) for j in range(n)) * (1 if k == 0 else 2) / n
        for k in range(n)
    ]
    # T_k as monomials: T_0 = 1, T_1 = t, T_(k+1) = 2 t T_k - T_(k-1)
    mono = [mp.mpf(0)] * n
    t_prev, t_cur = [mp.mpf(1)] + [mp.mpf(0)] * n, [mp.mpf(0), mp.mpf(1)] + [mp.mpf(0)] * (n - 1)
    for k in range(n):
        tk = t_prev if k == 0 else t_cur
        for i in range(n):
            mono[i] += cheb[k] * tk[i]
        if k >= 1:
            t_next = [2 * (t_cur[i - 1] if i else 0) - t_prev[i] for i in range(n + 1)]
            t_prev, t_cur = t_cur, t_next
    return mono, cheb


def horner(c, t):
    s = 0.0
    for v in reversed(c):
        s = s * t + v
    return s


def pieces():
    """The transition pieces: [(a, b)], octaves of [RHO_F, RHO_H] split into NSUB equal parts."""
    out = []
    lo = RHO_F
    while lo < RHO_H:
        for j in range(NSUB):
            out.append((lo * (1 + j / NSUB), lo * (1 + (j + 1) / NSUB)))
        lo *= 2
    return out


def main() -> None:
    log = sys.stderr
    # --- series
    p_disc, y_disc = disc_series()
    q_asym, w_asym = asymptotic_series()
    pf = p_disc[:NF]
    # kappa / rho = sqrt(kappa^2 / x) in the disc
    kf = _sqrt(y_disc[1:] + [mp.mpf(0)])[:NFK]
    qh = q_asym[:NH]
    # kappa / rho^2 = x / w(x) = 1 / (w / x)
    kh = _inv(w_asym[1:] + [mp.mpf(0)])[:NHK]
    xf, xh = mp.mpf(RHO_F) ** 2, 1 / mp.mpf(RHO_H) ** 2
    for name, c, x, n in (
        ("disc P", p_disc, xf, NF),
        ("disc kappa", _sqrt(y_disc[1:] + [mp.mpf(0)]), xf, NFK),
        ("asymptotic P", q_asym, xh, NH),
        ("asymptotic kappa", _inv(w_asym[1:] + [mp.mpf(0)]), xh, NHK),
    ):
        tail = max(abs(c[j] * x**j) for j in range(n, n + 4))
        print(f"{name}: first omitted terms at the region boundary <= {float(tail):.1e}", file=log)
        assert tail < 1e-18, name
    # R in the disc: sum p_n x^n / (2n + 1) times rho; above RHO_H: sqrt 2 (log rho - sum q_n x^n / 2n) + C
    rf = [pf[j] / (2 * j + 1) for j in range(NF)]
    rh = [mp.mpf(0)] + [-qh[j] / (2 * j) for j in range(1, NH)]
    # --- pieces
    ps = pieces()
    p_coef, k_coef, r_coef, r_start = [], [], [], []
    r_here = mp.mpf(RHO_F) * mp.fsum(rf[j] * xf**j for j in range(NF))
    for a, b in ps:
        cache = {}

        def kp(rho, cache=cache):
            key = mp.nstr(rho, 35)
            if key not in cache:
                k = kappa_of_rho(rho)
                _, h, fp = _metric(k)
                cache[key] = (k, 2 * rho * mp.sqrt(h) / fp)
            return cache[key]

        mono, cheb = chebyshev_monomial(lambda r: kp(r)[1], a, b, DEG_P)
        assert abs(cheb[-1]) < 1e-16, (a, b, cheb[-1])
        kmono, kcheb = chebyshev_monomial(lambda r: kp(r)[0], a, b, DEG_K)
        assert abs(kcheb[-1]) < 1e-16 * abs(kcheb[0]), (a, b, kcheb[-1])
        half = (mp.mpf(b) - mp.mpf(a)) / 2
        # R(rho) = r_start + half * int_{-1}^t P(tau) dtau
        anti = [mp.mpf(0)] + [mono[j] / (j + 1) for j in range(len(mono))]
        at_minus_one = mp.fsum(anti[j] * (-1) ** j for j in range(len(anti)))
        anti[0] = r_here - half * at_minus_one
        anti = [anti[0]] + [half * v for v in anti[1:]]
        p_coef.append(mono)
        k_coef.append(kmono)
        r_coef.append(anti)
        r_start.append(r_here)
        r_here = mp.fsum(anti[j] for j in range(len(anti)))  # t = 1
    c_h = r_here - mp.sqrt(2) * (mp.log(RHO_H) + mp.fsum(rh[j] * xh**j for j in range(NH)))
    print(f"{len(ps)} pieces; R(RHO_H) = {mp.nstr(r_here, 20)}; C_H = {mp.nstr(c_h, 20)}", file=log)
    # --- fixed grid over the transition region: moments of P, summed from the right
    breaks = [mp.mpf(RHO_F) * mp.mpf(2) ** (mp.mpf(i) / QUAD_PER_OCTAVE) for i in range(0, 200)]
    breaks = [b for b in breaks if b <= RHO_H * (1 + 1e-12)]
    gl = _gauss_legendre(MOMENT_NODES)
    q_p_break = [p_of_rho(b) for b in breaks]
    panel_moments = []
    for a, b in zip(breaks[:-1], breaks[1:]):
        half, mid = (b - a) / 2, (a + b) / 2
        nodes = [(mid + half * x, half * w) for x, w in gl]
        vals = [(rho, w * p_of_rho(rho)) for rho, w in nodes]
        panel_moments.append([mp.fsum(wp * rho ** (-2 * n) for rho, wp in vals) for n in range(MOMENTS)])
    # check two panels against mpmath.quad
    for j in (0, len(panel_moments) // 2):
        for n in (0, 7, MOMENTS - 1):
            ref = mp.quad(lambda r, n=n: p_of_rho(r) * r ** (-2 * n), [breaks[j], breaks[j + 1]])
            err = abs(panel_moments[j][n] / ref - 1)
            assert err < 1e-18, (j, n, err)
    cum = [[mp.mpf(0)] * MOMENTS]
    for row in reversed(panel_moments):
        cum.append([x + y for x, y in zip(cum[-1], row)])
    cum = list(reversed(cum))  # cum[j][n] = sum over the panels j .. end
    print(f"{len(breaks) - 1} grid panels, {MOMENTS} moments each", file=log)

    # --- checks in double precision
    rnd = random.Random(7)

    def p_double(rho):
        if rho <= RHO_F:
            return horner([float(c) for c in pf], rho * rho)
        if rho >= RHO_H:
            return 2**0.5 / rho * horner([float(c) for c in qh], 1 / (rho * rho))
        i, t = _locate(rho)
        return horner([float(c) for c in p_coef[i]], t)

    def r_double(rho):
        import math

        if rho <= RHO_F:
            return rho * horner([float(c) for c in rf], rho * rho)
        if rho >= RHO_H:
            return 2**0.5 * (math.log(rho) + horner([float(c) for c in rh], 1 / (rho * rho))) + float(c_h)
        i, t = _locate(rho)
        return horner([float(c) for c in r_coef[i]], t)

    def k_double(rho):
        if rho <= RHO_F:
            return rho * horner([float(c) for c in kf], rho * rho)
        if rho >= RHO_H:
            return rho * rho * horner([float(c) for c in kh], 1 / (rho * rho))
        i, t = _locate(rho)
        return horner([float(c) for c in k_coef[i]], t)

    worst = {"P": 0.0, "R": 0.0, "kappa": 0.0}
    samples = [10 ** rnd.uniform(-3, 3) for _ in range(300)] + [RHO_F, RHO_H, 1.0, 2.0, 0.5]
    for rho in samples:
        rho_mp = mp.mpf(rho)
        k = kappa_of_rho(rho_mp)
        _, h, fp = _metric(k)
        exact = {"P": 2 * rho_mp * mp.sqrt(h) / fp, "kappa": k}
        got = {"P": p_double(rho), "kappa": k_double(rho)}
        for name in ("P", "kappa"):
            worst[name] = max(worst[name], float(abs(got[name] / exact[name] - 1)))
    for rho in samples[:40] + [RHO_F, RHO_H, 3.0]:
        k = kappa_of_rho(mp.mpf(rho))
        exact = radial_mp(k)
        worst["R"] = max(worst["R"], float(abs(r_double(rho) / exact - 1)))
    for name, value in worst.items():
        print(f"max relative error of {name} (double evaluation vs mpmath): {value:.2e}", file=log)
        assert value < TOL * (4 if name == "R" else 1), name

    # --- emit
    out = sys.stdout

    def arr(name, values, per_line=3):
        vals = [repr(float(v)) for v in values]
        out.write(f"constexpr double {name}[{len(vals)}] = {{\n")
        for i in range(0, len(vals), per_line):
            out.write("    " + ", ".join(vals[i : i + per_line]) + ",\n")
        out.write("};\n")

    def arr2(name, rows):
        n = len(rows[0])
        out.write(f"constexpr double {name}[{len(rows)}][{n}] = {{\n")
        for row in rows:
            out.write("    {" + ", ".join(repr(float(v)) for v in row) + "},\n")
        out.write("};\n")

    out.write("// Generated by tools/fit_von_mises_tables.py: do not edit.  See beds/von_mises.hpp.\n")
    out.write('#pragma once\n\n#include "beds/config.hpp"\n\n')
    out.write("BEDS_NAMESPACE_BEGIN\nnamespace von_mises {\nnamespace tables {\n\n")
    out.write(f"constexpr double kRhoF = {RHO_F!r};\nconstexpr double kRhoH = {RHO_H!r};\n")
    out.write(f"constexpr int kOctaveLo = {_octave(RHO_F)};  // the pieces start at 2^kOctaveLo\n")
    out.write(f"constexpr int kNsub = {NSUB};\nconstexpr int kPieces = {len(ps)};\n")
    out.write("// disc: P = sum kPF[n] x^n, R = rho sum kRF[n] x^n, kappa = rho sum kKF[n] x^n, x = rho^2\n")
    arr("kPF", pf)
    arr("kRF", rf)
    arr("kKF", kf)
    out.write("// rho >= kRhoH: P = sqrt2 / rho sum kQH[n] x^n, R = sqrt2 (log rho + sum kRH[n] x^n) + kCH,\n")
    out.write("// kappa = rho^2 sum kKH[n] x^n, x = 1 / rho^2\n")
    arr("kQH", qh)
    arr("kRH", rh)
    out.write(f"constexpr double kCH = {float(c_h)!r};\n")
    arr("kKH", kh)
    out.write("// pieces of [kRhoF, kRhoH]: monomials in t in [-1, 1] (piece i: octave i / kNsub, part i % kNsub)\n")
    arr2("kPP", p_coef)
    arr2("kPR", r_coef)
    arr2("kPK", k_coef)
    out.write(
        "// fixed grid over [kRhoF, kRhoH]: breakpoints kQB (kQuadPerOctave per octave), P there (kQP), and\n"
        "// kQS[j][n] = int_kQB[j]^kRhoH P(rho) rho^(-2n) drho, n < kMoments\n"
    )
    out.write(f"constexpr int kQuadPanels = {len(breaks) - 1};\nconstexpr int kQuadPerOctave = {QUAD_PER_OCTAVE};\n")
    out.write(f"constexpr int kMoments = {MOMENTS};\n")
    arr("kQB", breaks)
    arr("kQP", q_p_break)
    arr2("kQS", cum)
    out.write("// (1 - q)^(-1/2) = sum kSeries[n] q^n, kSeries[n] = binom(2n, n) / 4^n\n")
    arr("kSeries", [mp.binomial(2 * n, n) / mp.mpf(4) ** n for n in range(MOMENTS)])
    out.write("\n}  // namespace tables\n}  // namespace von_mises\nBEDS_NAMESPACE_END\n")


def _octave(rho):
    import math

    return math.frexp(rho)[1] - 1


def _locate(rho):
    import math

    m, e = math.frexp(rho)  # rho = m 2^e, m in [0.5, 1)
    octave = (e - 1) - _octave(RHO_F)
    frac = (2 * m - 1) * NSUB
    sub = min(int(frac), NSUB - 1)
    return octave * NSUB + sub, 2 * (frac - sub) - 1


def _gauss_legendre(n):
    nodes = []
    for i in range(1, n + 1):
        x = mp.cos(mp.pi * (i - mp.mpf(1) / 4) / (n + mp.mpf(1) / 2))
        for _ in range(100):
            p0, p1 = mp.mpf(1), x
            for k in range(2, n + 1):
                p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
            dp = n * (x * p1 - p0) / (x * x - 1)
            dx = p1 / dp
            x -= dx
            if abs(dx) < mp.mpf(10) ** (-mp.mp.dps + 2):
                break
        nodes.append((x, 2 / ((1 - x * x) * dp * dp)))
    return sorted(nodes)


if __name__ == "__main__":
    main()
