// von Mises distributions vM(mu, kappa): the circular belief manifold.
//
// p(x) = exp(kappa cos(x - mu)) / (2 pi I0(kappa)).  With A = I1 / I0 (beds/bessel.hpp) the Fisher
// metric is ds^2 = h(kappa) dkappa^2 + f(kappa) dmu^2, f = kappa A(kappa), h = A'(kappa).  Near
// kappa = 0 it is the flat disc ds^2 ~ (dkappa^2 + kappa^2 dmu^2) / 2 around the uniform law; for
// large kappa it is the normal family's half-plane with sigma^2 = 1 / kappa.
//
// Geodesics (no closed form).  The manifold is a surface of revolution.  In the coordinate
// rho = sqrt(f(kappa)) (the radius of the circles kappa = const) the metric reads
//   ds^2 = P(rho)^2 drho^2 + rho^2 dmu^2,   P = dr / drho = 2 rho sqrt(h) / f'(kappa),
// r the distance to the uniform law.  P is one smooth function of one variable, tabulated in
// beds/von_mises_tables.hpp (tools/fit_von_mises_tables.py: disc series, 96 polynomial pieces,
// asymptotic series; every value checked against mpmath): P = 1 - rho^4 / 32 + ... near the
// uniform law (flat to fourth order), P ~ sqrt(2) / rho (curvature -1/2) for large rho.
// A geodesic has a Clairaut constant c = rho^2 dmu/ds; its lowest point is rho = c, and with
// g = sqrt(rho^2 - c^2) the integrals over a stretch of it are
//   angle  Phi = int c P / (rho g) drho,    length L = int P rho / g drho = int P dg,
// elementary weights against P.  They are evaluated region by region:
//   * rho <= 1/4 (disc): P is a polynomial in rho^2 = g^2 + c^2, so Phi is arccos(c / rho) plus a
//     polynomial in g and L a polynomial in g: Gauss-Legendre in g is exact;
//   * rho >= 16: P = sqrt(2) / rho Q(1 / rho^2) with Q a polynomial: Gauss-Legendre in
//     u = g / rho (exact near the lowest point) or in x = 1 / rho^2 (smooth weight), with the
//     distance to the uniform law R(rho) in closed form for the long stretches;
//   * in between: next to the lowest point (rho < 1.5 c) the substitution rho = c cosh v (from a
//     point rho0: rho(s) = rho0 cosh s + g0 sinh s), which removes the 1/sqrt singularity, with
//     Gauss-Legendre panels; beyond, the weights are power series in c^2 / rho^2 <= 4/9, integrated
//     term by term against tabulated moments int P rho^(-2n) drho of a fixed grid (8 panels per
//     octave), with Gauss-Legendre on the partial panels at the ends of the range.
// The geodesic between two beliefs is found by Newton's method on its direction at the point a of
// smaller kappa, as the angle theta from the outward radial direction (c = rho_a sin theta) where
// the geodesic runs up from a, and as the depth y of its dip (c = rho_a / cosh y) where it first
// dips toward the uniform law.  The angle swept Phi increases from 0 to pi; Newton runs on log Phi
// in log theta for small theta (Phi ~ theta: no cancellation however small the angle), on
// log(Phi / (pi - Phi)) where the geodesic dips (Phi approaches 0 like e^y and pi like e^-y), on Phi
// in between.  The derivative comes from the same quadrature (integrated by parts, so it stays finite
// where the geodesic starts to dip); the start is the geodesic of the hyperbolic plane of curvature
// -1/2 through the same polar coordinates (r, mu); a bracket falls back to bisection.  The distance
//   d = L + c (dmu - Phi) + (dmu - Phi) dc / 2
// is stationary in c, so its error is of third order in the last Newton step.
// Scales: below rho = 1e-6 both points are in the flat disc (straight lines, in units of a power of
// two); same-kappa pairs closer than 1e-250 and nearly radial geodesics (c / rho < 1e-100) are done
// to first order in the small quantity, so that neither the distance nor c need be representable.
// No square of a gap g ~ rho dmu is formed (it underflows below dmu ~ 1e-154): differences of gaps
// and of radii are carried separately to full relative accuracy.
// Measured accuracy and speed: see the docs pages (mathematics/von_mises, accuracy) and
// tests/test_von_mises.py.
//
// Tangent vectors are (v_mu, v_kappa).  At the uniform law (kappa = 0) the polar chart is singular:
// there a tangent is read in the Cartesian frame at angle mu, v_kappa along the direction mu and
// v_mu along mu + pi/2 (the limit of kappa v_mu), both with squared norm (v_mu^2 + v_kappa^2) / 2.
#pragma once

#include <cmath>
#include <cstdint>

#include "beds/bessel.hpp"
#include "beds/math.hpp"
#include "beds/von_mises_tables.hpp"

// The geodesic solvers are too large to force inline into every loop.
#if defined(__CUDACC__)
#define BEDS_VM_FN __host__ __device__ inline
#else
#define BEDS_VM_FN inline
#endif

BEDS_NAMESPACE_BEGIN
namespace von_mises {

constexpr double kPi = 3.141592653589793238462643383279503;
constexpr double kHalfPi = 1.570796326794896619231321691639751;
constexpr double kQuarterPi = 0.785398163397448309615660845819876;
constexpr double kTwoPi = 6.283185307179586476925286766559;
constexpr double kSqrt2 = 1.41421356237309504880168872420970;
constexpr double kInvSqrt2 = 0.70710678118654752440084436210485;
constexpr double kLn2 = 0.69314718055994530941723212145818;

BEDS_HD bool valid(double mu, double k) { return math::isfinite(mu) & bessel::valid_kappa(k); }

// Angle difference wrapped to [-pi, pi].
BEDS_HD double wrap(double d) { return std::remainder(d, kTwoPi); }
// b - a wrapped to [-pi, pi] for any finite angles: each angle is reduced first (exactly), so that
// huge angles are read consistently (b - a itself would round, or overflow near the largest double).
BEDS_HD double angle_diff(double a, double b) { return wrap(wrap(b) - wrap(a)); }

// ------------------------------------------------------------------------ closed-form quantities
// Metric coefficients f = kappa A (with the Cartesian convention 1/2 at kappa = 0) and h = A'.
struct Metric {
  double f, h;
};
BEDS_HD Metric metric(double k) {
  const bessel::Values v = bessel::values(k);
  Metric m;
  m.f = k > 0.0 ? k * v.a : 0.5;
  m.h = v.a_prime;
  return m;
}

// Gauss-Legendre, 10 nodes on [-1, 1] (the positive half; the rule is symmetric).
constexpr double kGLx[5] = {0.14887433898163122, 0.4333953941292472, 0.6794095682990244, 0.8650633666889845,
                            0.9739065285171717};
constexpr double kGLw[5] = {0.2955242247147528, 0.2692667193099965, 0.219086362515982, 0.1494513491505804,
                            0.06667134430868814};
// Gauss-Legendre, 8 nodes (positive half).
constexpr double kGL8x[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363};
constexpr double kGL8w[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763};
// Gauss-Legendre, 12 nodes (positive half).
constexpr double kGL12x[6] = {0.1252334085114689, 0.3678314989981802, 0.5873179542866175,
                              0.7699026741943047, 0.9041172563704749, 0.9815606342467192};
constexpr double kGL12w[6] = {0.2491470458134028, 0.2334925365383548, 0.2031674267230659,
                              0.1600783285433462, 0.1069393259953184, 0.04717533638651183};

// int_k1^k2 A'(t) dt / (k2 - k1) and int_k1^k2 (k2 - t) A'(t) dt / (k2 - k1)^2 (one panel; used where
// |k2 - k1| is small compared with the scale of A', so 10 nodes are exact to rounding).
struct APrimeMoments {
  double mean, tail;
};
BEDS_HD APrimeMoments a_prime_moments(double k1, double k2) {
  const double half = 0.5 * (k2 - k1), mid = 0.5 * (k1 + k2);
  double m = 0.0, t = 0.0;
  for (int i = 0; i < 5; ++i) {
    const double lo = bessel::values(mid - half * kGLx[i]).a_prime;
    const double hi = bessel::values(mid + half * kGLx[i]).a_prime;
    m += kGLw[i] * (lo + hi);
    // weight (k2 - t) / (k2 - k1) = (1 - s) / 2 at t = mid + half s
    t += kGLw[i] * (lo * (1.0 + kGLx[i]) + hi * (1.0 - kGLx[i]));
  }
  APrimeMoments r;
  r.mean = 0.5 * m;
  r.tail = 0.25 * t;
  return r;
}
// Whether k1, k2 are close enough for a_prime_moments (A' varies on the scale max(kappa, 1)).
BEDS_HD bool near(double k1, double k2) { return math::abs(k2 - k1) <= 0.5 * math::max(math::min(k1, k2), 1.0); }

// log(e^-k I0(k)): from the scaled value itself above the series region (log I0 - k would cancel
// to nothing for huge k).
BEDS_HD double log_i0e(const bessel::Values& v, double k) {
  return k > bessel::coef::kSplit ? math::log(v.i0e) : v.log_i0 - k;
}

// log I0(k2) - log I0(k1) - A(k1) (k2 - k1) >= 0 (a Bregman divergence of log I0).
BEDS_HD double bregman(double k1, double k2) {
  const double d = k2 - k1;
  if (near(k1, k2)) return d * d * a_prime_moments(k1, k2).tail;
  const bessel::Values v1 = bessel::values(k1), v2 = bessel::values(k2);
  // (k2 - k1)(1 - A1) + log I0e(k2) - log I0e(k1): no large cancellation when the pair is far
  return d * v1.one_minus_a + (log_i0e(v2, k2) - log_i0e(v1, k1));
}

// KL(vM1 || vM2) = log I0(k2) - log I0(k1) + A(k1) (k1 - k2 cos(mu1 - mu2))
//               = bregman(k1, k2) + A(k1) k2 (1 - cos(mu1 - mu2)),  1 - cos x = 2 sin^2(x / 2).
BEDS_HD bool kl(double mu1, double k1, double mu2, double k2, double& out) {
  const bool ok = valid(mu1, k1) & valid(mu2, k2);
  if (!ok) {
    out = math::kNaN;
    return false;
  }
  const double s = std::sin(0.5 * angle_diff(mu2, mu1));
  out = bregman(k1, k2) + bessel::values(k1).a * k2 * (2.0 * s * s);
  const bool finite = math::isfinite(out);  // above the largest double (kappa near 1.8e308)
  if (!finite) out = math::kNaN;
  return finite;
}
// Jeffreys = (k1 - k2)(A1 - A2) + (A1 k2 + A2 k1)(1 - cos(mu1 - mu2)).
BEDS_HD bool jeffreys(double mu1, double k1, double mu2, double k2, double& out) {
  const bool ok = valid(mu1, k1) & valid(mu2, k2);
  if (!ok) {
    out = math::kNaN;
    return false;
  }
  const bessel::Values v1 = bessel::values(k1), v2 = bessel::values(k2);
  const double d = k2 - k1;
  // A2 - A1: from the mean of A' for near pairs, from 1 - A where both are close to 1
  const bool big = (k1 > bessel::coef::kSplit) & (k2 > bessel::coef::kSplit);
  const double a_diff =
      near(k1, k2) ? d * a_prime_moments(k1, k2).mean : (big ? v1.one_minus_a - v2.one_minus_a : v2.a - v1.a);
  const double s = std::sin(0.5 * angle_diff(mu2, mu1));
  out = d * a_diff + (v1.a * k2 + v2.a * k1) * (2.0 * s * s);
  const bool finite = math::isfinite(out);
  if (!finite) out = math::kNaN;
  return finite;
}
// Entropy log(2 pi I0(k)) - k A(k) = log(2 pi) + log I0e(k) + k (1 - A(k)).
BEDS_HD bool entropy(double k, double& out) {
  const bool ok = bessel::valid_kappa(k);
  const double kk = ok ? k : 0.0;
  const bessel::Values v = bessel::values(kk);
  out = ok ? 1.8378770664093454836 + (log_i0e(v, kk) + kk * v.one_minus_a) : math::kNaN;
  return ok;
}
// ------------------------------------------------------------------ the profile P(rho) and friends
namespace profile {
namespace tb = tables;

// sum c[i] t^i (lowest degree first) and its derivative.
template <int N>
BEDS_HD double horner(const double (&c)[N], double t) {
  double s = c[N - 1];
  for (int i = N - 2; i >= 0; --i) s = s * t + c[i];
  return s;
}
struct PD {
  double p, dp;  // P(rho), dP/drho
};
template <int N>
BEDS_HD PD horner_d(const double (&c)[N], double t) {
  double s = c[N - 1], d = 0.0;
  for (int i = N - 2; i >= 0; --i) {
    d = d * t + s;
    s = s * t + c[i];
  }
  return PD{s, d};
}

// The piece of [kRhoF, kRhoH) that holds rho, and the local variable t in [-1, 1] (exact: the
// pieces split each octave into kNsub equal parts; kNsub = 16 = 2^4).
struct Piece {
  int index;
  double t, dt_drho;
};
BEDS_HD Piece piece(double rho) {
  const std::uint64_t bits = math::to_bits(rho);
  const int e = static_cast<int>((bits >> 52) & 0x7ffU) - 1023;
  const std::uint64_t mant = bits & ((std::uint64_t(1) << 52) - 1);
  const int sub = static_cast<int>(mant >> 48);
  const double frac = static_cast<double>(mant & ((std::uint64_t(1) << 48) - 1)) * 0x1p-48;  // in [0, 1)
  Piece p;
  p.index = (e - tb::kOctaveLo) * tb::kNsub + sub;
  p.t = 2.0 * frac - 1.0;
  p.dt_drho = 32.0 * math::from_bits(static_cast<std::uint64_t>(2046 - (e + 1023)) << 52);  // 32 / 2^e
  return p;
}

// P and dP/drho for rho >= 0.
BEDS_HD PD p_d(double rho) {
  if (rho <= tb::kRhoF) {
    const double x = rho * rho;
    const PD q = horner_d(tb::kPF, x);
    return PD{q.p, 2.0 * rho * q.dp};
  }
  if (rho >= tb::kRhoH) {
    const double ir = 1.0 / rho, x = ir * ir;
    const PD q = horner_d(tb::kQH, x);
    return PD{kSqrt2 * ir * q.p, -kSqrt2 * x * (q.p + 2.0 * x * q.dp)};
  }
  const Piece pc = piece(rho);
  const PD q = horner_d(tb::kPP[pc.index], pc.t);
  return PD{q.p, q.dp * pc.dt_drho};
}
BEDS_HD double p(double rho) {
  if (rho <= tb::kRhoF) return horner(tb::kPF, rho * rho);
  if (rho >= tb::kRhoH) {
    const double ir = 1.0 / rho;
    return kSqrt2 * ir * horner(tb::kQH, ir * ir);
  }
  const Piece pc = piece(rho);
  return horner(tb::kPP[pc.index], pc.t);
}
// R(rho): the Fisher-Rao distance from the uniform law.
BEDS_HD double radius(double rho) {
  if (rho <= tb::kRhoF) return rho * horner(tb::kRF, rho * rho);
  if (rho >= tb::kRhoH) {
    const double ir = 1.0 / rho;
    return kSqrt2 * (std::log(rho) + horner(tb::kRH, ir * ir)) + tb::kCH;
  }
  const Piece pc = piece(rho);
  return horner(tb::kPR[pc.index], pc.t);
}
// kappa with f(kappa) = rho^2 (+inf where it overflows; the largest double where rho exceeds its
// rho by less than the rounding of the walks that compute rho, 2e-13).
BEDS_HD double kappa(double rho) {
  if (rho <= tb::kRhoF) return rho * horner(tb::kKF, rho * rho);
  if (rho >= tb::kRhoH) {
    const double ir = 1.0 / rho;
    const double k = (rho * horner(tb::kKH, ir * ir)) * rho;
    return (k > math::kMaxDouble) & (rho <= 1.3407807929945277e154) ? math::kMaxDouble : k;
  }
  const Piece pc = piece(rho);
  return horner(tb::kPK[pc.index], pc.t);
}
// rho = sqrt(kappa A(kappa)) (kappa sqrt(A / kappa): no underflow for tiny kappa).
BEDS_HD double rho_of(const bessel::Values& v, double k) {
  return k < 1.0 ? k * math::sqrt(v.a_over_k) : math::sqrt(k * v.a);
}
// sqrt(A'(kappa)) without underflow for huge kappa.
BEDS_HD double sqrt_h(const bessel::Values& v, double k) {
  if (k > 1e150) {
    const double u = 1.0 / k;
    return u * math::sqrt(bessel::poly(bessel::coef::kGh, 2.0 * bessel::coef::kSplit * u - 1.0));
  }
  return math::sqrt(v.a_prime);
}

// The distance to the uniform law from kappa: R(rho(kappa)).
BEDS_HD double radius_of_kappa(double k) { return radius(rho_of(bessel::values(k), k)); }

// The rho >= 0 with R(rho) = r (Newton's method; R' = P in [0.7, 1] / rho-like for large rho).
BEDS_VM_FN double radius_inverse(double r) {
  if (!(r > 0.0)) return 0.0;
  // start: the disc (R ~ rho), or the asymptotic R ~ sqrt2 log rho + kCH
  double rho = r <= 0.5 ? r : (r < 4.0 ? r * (1.0 + 0.08 * r * r) : std::exp((r - tb::kCH) * kInvSqrt2));
  if (r > 503.0) return math::kInf;  // beyond R(sqrt(largest double)) = 502.69: kappa overflows
  for (int it = 0; it < 40; ++it) {
    const double pr = p(rho);
    const double step = (radius(rho) - r) / pr;
    // in log rho for large rho (R is linear in log rho there)
    double next = rho > 4.0 ? rho * std::exp(-step / rho) : rho - step;
    if (!(next > 0.0)) next = 0.5 * rho;
    const bool done = math::abs(next - rho) <= 1e-15 * rho;
    rho = next;
    if (done) break;
  }
  return rho;
}

}  // namespace profile

// <u, v> = f u_mu v_mu + h u_kappa v_kappa, as (sqrt(f) u_mu)(sqrt(f) v_mu) + ... (no underflow of
// f or h at the ends of the range); false where it exceeds the largest double.
BEDS_HD bool inner(double k, double um, double uk, double vm, double vk, double& out) {
  const bool ok =
      bessel::valid_kappa(k) & math::isfinite(um) & math::isfinite(uk) & math::isfinite(vm) & math::isfinite(vk);
  const double kk = ok ? k : 0.0;
  const bessel::Values v = bessel::values(kk);
  const double sf = kk > 0.0 ? profile::rho_of(v, kk) : kInvSqrt2, sh = profile::sqrt_h(v, kk);
  out = ok ? (sf * um) * (sf * vm) + (sh * uk) * (sh * vk) : math::kNaN;
  const bool finite = ok & math::isfinite(out);
  if (ok & !finite) out = math::kNaN;
  return finite;
}

// ------------------------------------------------------------------------------ quadratures
// sqrt(rho^2 - c^2) for rho >= c >= 0, without underflow.
BEDS_HD double gap(double rho, double c) {
  if (rho > 1e-140) return math::sqrt((rho - c) * (rho + c));
  const double s = 0x1p600, rs = rho * s, cs = c * s;
  return math::sqrt((rs - cs) * (rs + cs)) * 0x1p-600;
}

// asinh(g / c) for g >= 0, c > 0 (no overflow of g / c)
BEDS_HD double asinh_ratio(double g, double c) {
  return g <= 1e300 * c ? std::asinh(g / c) : kLn2 + std::log(g) - std::log(c);
}

// g2 - g1 for r1 <= r2 = r1 + d: (r2 - r1)(r2 + r1) / (g1 + g2) from d (accurate for close pairs),
// or from the gaps themselves where d underflows (thin stretches next to the lowest point).
BEDS_HD double gap_diff(double r1, double g1, double d, double r2, double g2) {
  return d > 1e-290 * r2 ? d * ((r1 + r2) / (g1 + g2)) : g2 - g1;
}

// The span v2 - v1 of rho = c cosh v between r1 <= r2 (gaps g1 <= g2, dg = g2 - g1): sinh(v2 - v1) =
// (g2^2 - g1^2) / (g2 r1 + r2 g1) = (g2 - g1) (g2 + g1) / (g2 r1 + r2 g1), from the gaps (which
// resolve thin stretches next to the lowest point, where r2 - r1 ~ g^2 / rho may underflow).
BEDS_HD double v_span(double r1, double g1, double dg, double r2, double g2) {
  const double den = (g2 / r2) * r1 + g1;  // den = (g2 r1 + r2 g1) / r2
  if (!(dg > 0.0) || !(den > 0.0)) return 0.0;
  const double ratio = (g2 + g1) / r2, q = dg / den;  // ratio in (0, 2]; q <= r2 / r1
  if (q < 1e300) return std::asinh(q * ratio);
  return kLn2 + std::log(dg) + std::log(ratio) - std::log(den);  // asinh(x) = log(2x) to rounding
}

// Integrals along the geodesic with Clairaut constant c over rho in [r1, r2] (c <= r1 <= r2):
//   phi  = int c P / (rho g) drho   (angle swept)
//   dint = int P' / g drho          (with the end terms P/g, the derivative of phi in c)
//   len  = int P rho / g drho       (arc length)
struct Acc {
  double phi, dint, len;
};

// The disc rho <= 1/4: P = sum p_n x^n, x = rho^2 = g^2 + c^2, rho drho = g dg.
//   phi = [arccos(c / rho)] + c int (P - 1) / x dg,  len = int P dg,  dint = int 2 dP/dx dg:
// polynomials in g of degree 20 (12-point Gauss-Legendre is exact).
BEDS_VM_FN void disc_part(double c, double r1, double g1, double d, double dg, double r2, double g2, Acc& acc) {
  if (!(d > 0.0) && !(dg > 0.0)) return;  // (d = r2 - r1 ~ g dg / rho can underflow where dg > 0)
  // arccos(c/r2) - arccos(c/r1) = atan2(c (g2 - g1), c^2 + g1 g2), lengths in units of r2
  const double cs = c / r2, g1s = g1 / r2, g2s = g2 / r2;
  const double sum = g1s + g2s;
  const double dgs = sum > 0.0 ? dg / r2 : 0.0;
  const double dalpha = std::atan2(cs * dgs, cs * cs + g1s * g2s);
  const double half = 0.5 * dgs * r2, mid = g1 + half;
  if (r2 < 1e-100) {  // P = 1 to double precision
    acc.phi += dalpha;
    acc.len += 2.0 * half;
    return;
  }
  double sf = 0.0, sp = 0.0, sd = 0.0;
  for (int i = 0; i < 6; ++i) {
    for (int sg = -1; sg <= 1; sg += 2) {
      const double g = mid + sg * half * kGL12x[i];
      const double x = g * g + c * c;
      // P = 1 + x F(x) with F = sum_{n>=1} p_n x^(n-1); dP/dx = sum n p_n x^(n-1)
      double f = tables::kPF[10], d = 10.0 * tables::kPF[10];
      for (int n = 9; n >= 1; --n) {
        f = f * x + tables::kPF[n];
        d = d * x + n * tables::kPF[n];
      }
      sf += kGL12w[i] * f;
      sp += kGL12w[i] * (1.0 + x * f);
      sd += kGL12w[i] * d;
    }
  }
  acc.phi += dalpha + c * half * sf;
  acc.len += half * sp;
  acc.dint += 2.0 * half * sd;
}

// rho >= 16: P = sqrt2 / rho Q(x), x = 1 / rho^2, Q a polynomial.
//   * lowest point near (c > r1 / 2): u = g / rho in [u1, u2], x = (1 - u^2) / c^2,
//       phi = sqrt2 / c int Q du,  dint = -sqrt2 / c^2 int (Q + 2 x Q') du (polynomials in u),
//       len = sqrt2 int Q / (1 - u^2) du (short stretches) or R(r2) - R(r1) - corr + c phi,
//       corr = int P (1 - g / rho) drho = sqrt2 int Q u / (1 + u) du;
//   * else x in [x2, x1]: phi = c / sqrt2 int Q / sqrt(1 - c^2 x) dx, corr = c^2 / sqrt2 int Q /
//       (1 + sqrt(1 - c^2 x)) dx, int P rho / g^3 drho = 1 / sqrt2 int Q / (1 - c^2 x)^(3/2) dx.
BEDS_VM_FN void hyperbolic_part(double c, double r1, double g1, double d, double dg, double r2, double g2, Acc& acc) {
  if (!(d > 0.0) && !(dg > 0.0)) return;
  namespace tb = tables;
  const double x1 = 1.0 / (r1 * r1), x2 = 1.0 / (r2 * r2);
  double phi = 0.0, dint = 0.0, corr = 0.0, direct = 0.0;
  bool use_direct = false;
  if (c > 0.5 * r1) {
    const double u1 = g1 / r1, u2 = g2 / r2;
    // u2 - u1 = g2 / r2 - g1 / r1 = (c / r1) (c / r2) (g2 - g1) (g1 + g2) / (g2 r1 + g1 r2)
    // (the ratio in units of g2 >= g1: no product of two gaps, which underflows for thin stretches)
    const double ratio = g2 > 0.0 ? ((g1 / g2) + 1.0) / (r1 + (g1 / g2) * r2) : 0.0;
    const double du = (c / r1) * (c / r2) * dg * ratio;
    const double half = 0.5 * du, mid = u1 + half;
    double sq = 0.0, sd = 0.0, sc = 0.0, sl = 0.0;
    for (int i = 0; i < 5; ++i) {
      for (int sg = -1; sg <= 1; sg += 2) {
        const double u = mid + sg * half * kGLx[i];
        const double omu2 = (1.0 - u) * (1.0 + u);
        const double x = (omu2 / c) / c;
        const profile::PD q = profile::horner_d(tb::kQH, x);
        sq += kGLw[i] * q.p;
        sd += kGLw[i] * (q.p + 2.0 * x * q.dp);
        sc += kGLw[i] * q.p * u / (1.0 + u);
        sl += kGLw[i] * q.p / omu2;
      }
    }
    phi = kSqrt2 / c * half * sq;
    dint = -kSqrt2 / (c * c) * half * sd;
    corr = kSqrt2 * half * sc;
    direct = kSqrt2 * half * sl;
    use_direct = u2 <= 0.5;
  } else {
    // in x' = x r1^2 in [(r1 / r2)^2, 1] (x itself is subnormal next to the largest rho, and a
    // stretch of one ulp there spans less than the smallest normal double in x)
    const double ir = 1.0 / r1, ratio = r1 / r2, cr = c * ir;
    const double half = 0.5 * (d / r1) * ((r2 + r1) / r2) * ratio, mid = ratio * ratio + half;
    double sp = 0.0, sd = 0.0, sc = 0.0;
    for (int i = 0; i < 5; ++i) {
      for (int sg = -1; sg <= 1; sg += 2) {
        const double xs = mid + sg * half * kGLx[i];
        const double q = profile::horner(tb::kQH, (xs * ir) * ir);
        const double s1 = math::sqrt(1.0 - (cr * cr) * xs);
        sp += kGLw[i] * q / s1;
        sd += kGLw[i] * q / (s1 * s1 * s1);
        sc += kGLw[i] * q / (1.0 + s1);
      }
    }
    phi = cr * kInvSqrt2 * half * sp * ir;
    const double ddir = kInvSqrt2 * half * sd * ir * ir;  // int P rho / g^3 drho
    dint = ddir - profile::p(r1) / g1 + profile::p(r2) / g2;
    corr = (cr * cr) * kInvSqrt2 * half * sc;
  }
  double len;
  if (use_direct) {
    len = direct;
  } else {
    // R(r2) - R(r1) = sqrt2 (log(r2 / r1) + sum_n kRH[n] (x2^n - x1^n)), the differences of powers
    // as (x2 - x1) times complete homogeneous sums (x2 - x1 = -(x1 - x2) is known accurately)
    double hn = 1.0, x2n = 1.0, poly = 0.0;  // h_n = sum_i x2^i x1^(n-1-i)
    for (int n = 1; n < 10; ++n) {
      poly += tb::kRH[n] * hn;
      x2n *= x2;
      hn = x1 * hn + x2n;
    }
    const double dx = ((d / r1) * ((r2 + r1) / r2)) / r1 / r2;  // x1 - x2
    const double rdiff = kSqrt2 * (std::log1p(d / r1) - dx * poly);
    len = rdiff - corr + c * phi;
  }
  acc.phi += phi;
  acc.dint += dint;
  acc.len += len;
}

// One partial panel [a, b] of the transition grid in rho (Gauss-Legendre, 8 nodes, P from the
// table): adds the angle, int P rho / g^3 drho (the direct form of the derivative) and the length.
BEDS_HD void rho_panel(double c, double a, double width, double& phi, double& ddir, double& len) {
  if (!(width > 0.0)) return;
  const double half = 0.5 * width, mid = a + half;
  double sp = 0.0, sd = 0.0, sl = 0.0;
  for (int i = 0; i < 4; ++i) {
    for (int sg = -1; sg <= 1; sg += 2) {
      const double rho = mid + sg * half * kGL8x[i];
      const double wp = kGL8w[i] * profile::p(rho);
      const double ig = 1.0 / math::sqrt((rho - c) * (rho + c));
      sp += wp * ig / rho;
      sd += wp * rho * (ig * ig * ig);
      sl += wp * rho * ig;
    }
  }
  phi += c * half * sp;
  ddir += half * sd;
  len += half * sl;
}

// Index of the last grid breakpoint <= x (x in [kRhoF, kRhoH]).
BEDS_HD int grid_floor(double x) {
  int lo = 0, hi = tables::kQuadPanels;  // kQB[lo] <= x < kQB[hi] (or x = kQB[hi])
  if (x >= tables::kQB[hi]) return hi;
  while (hi - lo > 1) {
    const int m = (lo + hi) / 2;
    if (tables::kQB[m] <= x)
      lo = m;
    else
      hi = m;
  }
  return lo;
}

// 1/4 <= rho <= 16.  Next to the lowest point (rho < 1.5 c) the substitution rho(s) = r1 cosh s +
// g1 sinh s; beyond, the weights are series in q = c^2 / rho^2 <= 4/9:
//   c / (rho g) = c / rho^2 sum a_n q^n,  rho / g = sum a_n q^n,  rho / g^3 = 1 / rho^2 sum (2n+1) a_n q^n,
// integrated against the moments int P rho^(-2n) drho of the grid panels (kQS), with Gauss-Legendre
// on the partial panels at the ends.
BEDS_VM_FN void transition_part(double c, double r1, double g1, double d, double dg, double r2, double g2, Acc& acc) {
  namespace tb = tables;
  if (!(d > 0.0) && !(dg > 0.0)) return;
  constexpr double kNear = 1.5;
  if (kNear * c > r1) {
    double s_end = r2, g_end = g2, d_seg = d, dg_seg = dg;
    if (kNear * c <= tb::kRhoH) {
      int j = grid_floor(kNear * c);
      if (tb::kQB[j] < kNear * c) ++j;
      if (tb::kQB[j] - r1 < d) {
        s_end = tb::kQB[j];
        d_seg = s_end - r1;
        g_end = gap(s_end, c);
        dg_seg = gap_diff(r1, g1, d_seg, s_end, g_end);
      }
    }
    const double span = v_span(r1, g1, dg_seg, s_end, g_end);
    // P is analytic within about 0.5 of the real log rho axis near rho ~ 1.7 (branch points of
    // kappa(rho) and of sqrt(A')), farther elsewhere: subpanels of 0.35 in s there, 0.7 elsewhere
    const double width_max = (s_end > 0.5 && r1 < 6.0) ? 0.35 : 0.7;
    const int n = static_cast<int>(std::ceil(span / width_max));
    const double width = span / (n > 0 ? n : 1), half = 0.5 * width;
    // rho(s_m +- h) = rho_m cosh h +- g_m sinh h: cosh/sinh of the node offsets once
    double ch[5], sh[5];
    for (int i = 0; i < 5; ++i) {
      const double em1 = math::expm1(half * kGLx[i]), e = 1.0 + em1;
      sh[i] = 0.5 * (em1 + em1 / e);
      ch[i] = sh[i] + 1.0 / e;
    }
    const double em1h = math::expm1(half), eh = 1.0 + em1h;
    const double shh = 0.5 * (em1h + em1h / eh), chh = shh + 1.0 / eh;
    const double shw = 2.0 * shh * chh, chw = 1.0 + 2.0 * shh * shh;
    double rm = r1 * chh + g1 * shh, gm = g1 * chh + r1 * shh;  // at the first midpoint
    double sp = 0.0, sd = 0.0, sl = 0.0;
    for (int k = 0; k < n; ++k) {
      for (int i = 0; i < 5; ++i) {
        const double base = rm * ch[i], off = gm * sh[i];
        const profile::PD lo = profile::p_d(base - off), hi = profile::p_d(base + off);
        sp += kGLw[i] * (lo.p / (base - off) + hi.p / (base + off));
        sd += kGLw[i] * (lo.dp + hi.dp);
        sl += kGLw[i] * (lo.p * (base - off) + hi.p * (base + off));
      }
      const double rn = rm * chw + gm * shw;
      gm = gm * chw + rm * shw;
      rm = rn;
    }
    acc.phi += c * half * sp;
    acc.dint += half * sd;  // int P'(rho) ds = int P' / g drho
    acc.len += half * sl;
    r1 = s_end;
    g1 = g_end;
    d -= d_seg;
    if (!(d > 0.0)) return;
  }
  double phi = 0.0, ddir = 0.0, len = 0.0;
  int j1 = grid_floor(r1);
  if (tb::kQB[j1] < r1) ++j1;     // first breakpoint >= r1
  const int j2 = grid_floor(r2);  // last breakpoint <= r2
  if (j1 > j2) {
    rho_panel(c, r1, d, phi, ddir, len);
  } else {
    rho_panel(c, r1, tb::kQB[j1] - r1, phi, ddir, len);
    rho_panel(c, tb::kQB[j2], d - (tb::kQB[j2] - r1), phi, ddir, len);
    if (j2 > j1) {
      // terms until (c / kQB[j1])^(2n) < 1e-17
      const double q = (c / tb::kQB[j1]) * (c / tb::kQB[j1]);
      const double c2 = c * c;
      const double* s1 = tb::kQS[j1];
      const double* s2 = tb::kQS[j2];
      double cp = 1.0, qp = 1.0, sp = 0.0, sd = 0.0, sl = 0.0;
      double diff = s1[0] - s2[0];
      for (int m = 0; m + 1 < tb::kMoments; ++m) {
        const double next = s1[m + 1] - s2[m + 1];
        const double a = tb::kSeries[m] * cp;
        sl += a * diff;
        sp += a * next;
        sd += (2 * m + 1) * a * next;
        diff = next;
        cp *= c2;
        qp *= q;
        if (qp < 1e-17) break;
      }
      phi += c * sp;
      ddir += sd;
      len += sl;
    }
  }
  acc.phi += phi;
  acc.dint += ddir - profile::p(r1) / g1 + profile::p(r2) / g2;
  acc.len += len;
}

// Every region: c <= r1 <= r2 = r1 + d, g1 = sqrt(r1^2 - c^2), g2 likewise, dg = g2 - g1.  The
// differences d and dg are given by the callers to full relative accuracy (those of the rounded
// radii or gaps would lose the digits of close pairs and short steps; d ~ g dg / rho may underflow
// next to the lowest point, where dg resolves the stretch); only differences of representable
// numbers are formed here (at the boundaries of the regions).
BEDS_VM_FN Acc integrate(double c, double r1, double g1, double d, double dg, double r2, double g2) {
  namespace tb = tables;
  Acc acc{0.0, 0.0, 0.0};
  if (!(d > 0.0) && !(dg > 0.0)) return acc;
  if (r1 < tb::kRhoF) {
    if (r2 <= tb::kRhoF) {
      disc_part(c, r1, g1, d, dg, r2, g2, acc);
      return acc;
    }
    const double d1 = tb::kRhoF - r1, ge = gap(tb::kRhoF, c);
    disc_part(c, r1, g1, d1, gap_diff(r1, g1, d1, tb::kRhoF, ge), tb::kRhoF, ge, acc);
    r1 = tb::kRhoF;
    g1 = ge;
    d -= d1;
    dg = gap_diff(r1, g1, d, r2, g2);
  }
  if (r1 < tb::kRhoH) {
    if (r2 <= tb::kRhoH) {
      transition_part(c, r1, g1, d, dg, r2, g2, acc);
      return acc;
    }
    const double d1 = tb::kRhoH - r1, ge = gap(tb::kRhoH, c);
    transition_part(c, r1, g1, d1, gap_diff(r1, g1, d1, tb::kRhoH, ge), tb::kRhoH, ge, acc);
    r1 = tb::kRhoH;
    g1 = ge;
    d -= d1;
    dg = gap_diff(r1, g1, d, r2, g2);
  }
  hyperbolic_part(c, r1, g1, d, dg, r2, g2, acc);
  return acc;
}

// ------------------------------------------------------------------------------ the geodesic
// Radial distance |R(r2) - R(r1)|: a table difference, or Gauss-Legendre on close radii.
// r1 <= r2 = r1 + d.
BEDS_VM_FN double radial(double r1, double d, double r2) {
  if (!(d > 0.0)) return 0.0;
  if (r2 <= 1.2 * r1) {
    const double half = 0.5 * d, mid = r1 + half;
    double s = 0.0;
    for (int i = 0; i < 5; ++i) s += kGLw[i] * (profile::p(mid - half * kGLx[i]) + profile::p(mid + half * kGLx[i]));
    return half * s;
  }
  return profile::radius(r2) - profile::radius(r1);
}

// The direction of the geodesic at the point a of smaller kappa, as one Newton variable y:
//   y in [-pi/2, 0]: theta = pi/2 + y, the angle from the outward radial direction (c = rho_a
//     cos y, g_a = rho_a |sin y|): the geodesic runs up from a;
//   y >= 0: it first dips to its lowest point c = rho_a / cosh y (g_a = rho_a tanh y), so that y is
//     the distance v from the lowest point in rho = c cosh v; y -> inf is the geodesic through the
//     uniform law.
// c and its first two derivatives are continuous at y = 0; the angle swept Phi(y) increases from 0
// to pi.  Stored as theta itself below y = -pi/4 (c keeps its relative accuracy as theta -> 0).
struct Theta {
  bool low;  // v = theta in [0, pi/4) (else v = y >= -pi/4)
  double v;
};
BEDS_HD double theta_y(const Theta& t) { return t.low ? t.v - kHalfPi : t.v; }
BEDS_HD Theta theta_make(double y) { return y < -kQuarterPi ? Theta{true, y + kHalfPi} : Theta{false, y}; }
BEDS_HD Theta theta_add(const Theta& t, double d) {
  const Theta r{t.low, t.v + d};
  const bool inside = t.low ? (r.v >= 0.0 && r.v < kQuarterPi) : r.v >= -kQuarterPi;
  return inside ? r : theta_make(theta_y(t) + d);
}
// strict order of two directions
BEDS_HD bool theta_less(const Theta& a, const Theta& b) {
  if (a.low != b.low) return a.low;
  return a.v < b.v;
}
BEDS_HD Theta theta_mid(const Theta& a, const Theta& b) {
  if (a.low == b.low) return Theta{a.low, 0.5 * (a.v + b.v)};
  return theta_make(0.5 * (theta_y(a) + theta_y(b)));
}

// The pair as the solver sees it: a = the point of smaller kappa.
struct Pair {
  double ra, rb;  // rho
  double dr;      // rho_b - rho_a (accurate)
  double pa, pb;  // P(rho)
  double dmu;     // angle difference in (0, pi)
};
struct Shape {
  double c, ga, gb;  // Clairaut constant, sqrt(rho^2 - c^2) at a and b
  double sn, cs;     // c / rho_a, g_a / rho_a
  double dy;         // dtheta / dy
  bool turning;
};
BEDS_HD Shape shape(const Pair& s, const Theta& t) {
  Shape h;
  double sn, cs;
  if (t.low) {
    sn = std::sin(t.v);
    cs = std::cos(t.v);
    h.turning = false;
  } else if (t.v <= 0.0) {
    sn = std::cos(t.v);
    cs = -std::sin(t.v);
    h.turning = false;
  } else {
    const double e = math::exp(-t.v), e2 = e * e;  // sech = 2e / (1 + e^2), tanh = (1 - e^2) / (1 + e^2)
    sn = 2.0 * e / (1.0 + e2);
    cs = -math::expm1(-2.0 * t.v) / (1.0 + e2);
    h.turning = true;
  }
  h.c = s.ra * sn;
  h.ga = s.ra * cs;
  h.sn = sn;
  h.cs = cs;
  // g_b^2 = g_a^2 + (rho_b - rho_a)(rho_b + rho_a), written so that no square of a tiny gap is formed
  h.gb = std::hypot(h.ga, math::sqrt(s.dr) * math::sqrt(s.rb + s.ra));
  h.dy = h.turning ? sn : 1.0;  // dtheta / dy
  return h;
}

// Angle swept, its derivative in theta, and the length of the geodesic leaving a in direction
// theta, up to rho_b.
struct Sweep {
  double phi, dphi, len;
  double mag;  // the end terms of dphi (integration by parts): dphi is known to about 4e-16 mag
};
BEDS_VM_FN Sweep sweep(const Pair& s, const Shape& h) {
  Sweep w;
  const double ratio = h.gb > 0.0 ? h.ga / h.gb : 0.0;  // <= 1
  if (!h.turning) {
    const Acc q = integrate(h.c, s.ra, h.ga, s.dr, gap_diff(s.ra, h.ga, s.dr, s.rb, h.gb), s.rb, h.gb);
    w.phi = q.phi;
    w.dphi = q.dint * h.ga + s.pa - s.pb * ratio;
    w.len = q.len;
    w.mag = math::max(s.pa, s.pb * ratio);
    if (s.dr <= 1e-4 * h.ga * (h.ga / s.rb)) {
      // a stretch short compared with the scale g^2 / rho of 1 / g^3: the direct form g_a int P rho
      // / g^3 drho (2-point Gauss-Legendre, relative error < 1e-16), since the end terms above cancel
      // to nothing (rho_b - rho_a of one ulp gave a zero derivative)
      const double half = 0.5 * s.dr;
      double sum = 0.0;
      for (int sg = -1; sg <= 1; sg += 2) {
        const double off = half * (1.0 + sg * 0.5773502691896258), rho = s.ra + off;
        const double g = std::hypot(h.ga, math::sqrt(off) * math::sqrt(s.ra + rho));
        sum += (profile::p(rho) * (rho / g)) * (h.ga / g) * (half / g);  // (no g^3: it over/underflows)
      }
      w.dphi = sum;
      w.mag = 0.0;
    }
  } else {
    const Acc q1 = integrate(h.c, h.c, 0.0, h.ga * (h.ga / (s.ra + h.c)), h.ga, s.ra, h.ga);
    const Acc q2 = integrate(h.c, s.ra, h.ga, s.dr, gap_diff(s.ra, h.ga, s.dr, s.rb, h.gb), s.rb, h.gb);
    w.phi = 2.0 * q1.phi + q2.phi;
    w.dphi = -(2.0 * q1.dint + q2.dint) * h.ga + s.pa + s.pb * ratio;
    w.len = 2.0 * q1.len + q2.len;
    w.mag = math::max(s.pa, s.pb * ratio);
  }
  return w;
}

// Start: the geodesic of the hyperbolic plane of curvature -1/2 between the points with the same
// polar coordinates (r = distance to the uniform law, mu): with K = r / sqrt2 and t = tanh K, its
// direction at a is theta = atan2(Y, X), Y = t_b sin dmu / cosh K_a, X = t_b cos dmu - t_a, read from
// the ratio q = X / Y = cosh K_a ((t_b - t_a) / (t_b sin dmu) - tan(dmu / 2)) (1 - cos dmu = sin dmu
// tan(dmu / 2): no square of a tiny angle).  Returned as a Newton variable: theta itself where it
// is small (relative accuracy for tiny angles), else y (pi/2 + y = theta up from a; c = rho_a /
// cosh y when it dips: y = asinh(-q), exact for deep dips where theta is within rounding of pi).
// (0 < dmu < pi, t_b > 0: q is finite.)
// (r_b = r_a + dr: the difference is given, so that radii closer than their rounding are resolved)
BEDS_HD Theta theta_start(double r_a, double dr, double dmu) {
  const double ka = kInvSqrt2 * r_a, dk = kInvSqrt2 * dr, kb = ka + dk;
  const double tb = std::tanh(kb), ea = math::exp(-ka), cha = 0.5 * (1.0 / ea + ea);
  // t_b - t_a = sinh(kb - ka) / (cosh ka cosh kb) = 2 e^(-2 ka) (1 - e^(-2 (kb - ka))) / (...) far out
  const double diff =
      ka + kb < 600.0 ? std::sinh(dk) / (std::cosh(ka) * std::cosh(kb)) : 2.0 * ea * ea * -std::expm1(-2.0 * dk);
  const double q = ((diff / tb) * cha) / std::sin(dmu) - std::tan(0.5 * dmu) * cha;
  if (q < 0.0) return Theta{false, std::asinh(-q)};
  const double theta = std::atan2(1.0, q);
  return theta < kQuarterPi ? Theta{true, theta} : Theta{false, theta - kHalfPi};
}

// Below this radius P = 1 to double precision (1 - rho^4 / 32 > 1 - 4e-26): the flat disc, where the
// geodesics are straight lines in z = rho e^(i mu) (done in closed form, in units of a power of two
// so that tiny and subnormal concentrations and distances keep the digits they have).
constexpr double kFlat = 1e-6;
constexpr double kRhoMax = 1.3407807929942596e154;  // rho of the largest double (sqrt of it)
struct Scale {  // multiplication by 2^-ilogb(x) (two exact factors: subnormal x need more than 2^1023)
  double pre, post;
  BEDS_HD double up(double y) const { return (y * pre) * post; }
  BEDS_HD double down(double y) const { return (y / post) / pre; }
};
BEDS_HD Scale pow2_scale(double x) {  // 0 < x < 1e300
  const double pre = x < 1e-200 ? 0x1p600 : 1.0;
  return Scale{pre, std::ldexp(1.0, -std::ilogb(x * pre))};
}

// The geodesic between kappa_a <= kappa_b at angle difference dmu in [0, pi].
struct Geodesic {
  double d;           // distance
  double c;           // Clairaut constant (0 for radial geodesics)
  double ra, rb;      // rho at a and b
  double dr;          // rho_b - rho_a (accurate)
  double ga, gb;      // sqrt(rho^2 - c^2) at a and b
  double sa, ua, ub;  // c / rho_a, g_a / rho_a, g_b / rho_b (the direction of the geodesic at a and b)
  bool turning;       // dips below rho_a
  bool through;       // radial through the uniform law (dmu = pi)
  bool flat;          // both in the flat disc: d_s = d in the units of sc (d may underflow, d_s does not)
  bool tangent;       // same kappa, rho dmu < 1e-250: first order in the coordinates (d may underflow)
  Scale sc;
  double d_s;
};
// Shorter than this, a geodesic off the flat disc is its first-order (coordinate) segment: the
// relative corrections are O(d / min(rho, 1)) < 1e-240.
constexpr double kTangent = 1e-250;

// rho_b - rho_a for kappa_a <= kappa_b to full relative accuracy: (f(kb) - f(ka)) / (rho_a + rho_b)
// with f(kb) - f(ka) = (kb - ka) A(kb) + ka (A(kb) - A(ka)) and A(kb) - A(ka) from the mean of A'
// where the concentrations are close (the difference of the rounded radii would lose the digits).
BEDS_VM_FN double rho_gap(double ka, double kb, const bessel::Values& vb, double ra, double rb) {
  if (!near(ka, kb)) return rb - ra;
  const double dk = kb - ka;
  if (kb < 1e-100) return dk * kInvSqrt2;  // rho = kappa / sqrt2 to double precision
  const double da = dk * a_prime_moments(ka, kb).mean;
  return (dk * vb.a + ka * da) / (ra + rb);
}

BEDS_VM_FN Geodesic solve_pair(double ka, double kb, double dmu, bool precise) {
  Geodesic g;
  const bessel::Values va = bessel::values(ka), vb = bessel::values(kb);
  g.ra = profile::rho_of(va, ka);
  g.rb = profile::rho_of(vb, kb);
  g.dr = rho_gap(ka, kb, vb, g.ra, g.rb);
  g.c = 0.0;
  g.ga = g.ra;
  g.gb = g.rb;
  g.sa = 0.0;
  g.ua = 1.0;
  g.ub = 1.0;
  g.turning = false;
  g.through = false;
  g.flat = false;
  g.tangent = false;
  g.sc = Scale{1.0, 1.0};
  if (g.rb < kFlat && ka > 0.0) {  // the flat disc: the segment z_a z_b
    const Scale sc = pow2_scale(g.rb);
    g.flat = true;
    g.sc = sc;
    const double ra = sc.up(g.ra), rb = sc.up(g.rb), dr = sc.up(g.dr);
    const double s2 = std::sin(0.5 * dmu), sd = std::sin(dmu);
    const double d = std::hypot(dr, 2.0 * math::sqrt(ra) * math::sqrt(rb) * s2);
    g.d_s = d;
    if (!(d > 0.0)) {
      g.d = 0.0;
      return g;
    }
    const double along_a = dr - 2.0 * rb * s2 * s2;  // (z_b - z_a) . z_a / rho_a = rb cos dmu - ra
    const double along_b = dr + 2.0 * ra * s2 * s2;  // (z_b - z_a) . z_b / rho_b = rb - ra cos dmu
    g.sa = rb * sd / d;
    g.ua = math::abs(along_a) / d;
    g.ub = along_b / d;
    g.turning = along_a < 0.0;
    g.through = dmu >= kPi;
    g.d = sc.down(d);
    g.c = g.ra * g.sa;
    g.ga = g.ra * g.ua;
    g.gb = g.rb * g.ub;
    return g;
  }
  if (ka == 0.0 || dmu == 0.0) {
    g.d = g.d_s = radial(g.ra, g.dr, g.rb);
    return g;
  }
  if (g.dr == 0.0 && g.ra * dmu < kTangent) {
    // the same concentration, far closer than the scale of the curvature: the arc rho dmu, leaving
    // a at right angles (the dip of the geodesic below rho_a is O(rho dmu^2), below rounding)
    g.tangent = true;
    g.d = g.d_s = g.ra * dmu;
    g.c = g.ra;
    g.sa = 1.0;
    g.ua = g.ub = 0.0;
    g.ga = g.gb = 0.0;
    g.turning = true;
    return g;
  }
  if (g.ra < 1e-60 && g.ra < 1e-30 * g.rb) {
    // a is at the uniform law to first order (errors O(rho_a) in the direction, O(rho_a^2) in d):
    // the geodesic leaves a in the direction of b's mean, d = R(rho_b) - rho_a cos(dmu)
    const double cd = std::cos(dmu);
    g.sa = std::sin(dmu);
    g.ua = math::abs(cd);
    g.turning = cd < 0.0;
    g.through = dmu >= kPi;
    g.c = g.ra * g.sa;
    g.ga = g.ra * g.ua;
    g.d = profile::radius(g.rb) - g.ra * cd;
    return g;
  }
  if (dmu < 2.2250738585072014e-308 || (dmu < 1e-100 && g.ra * dmu < 1e-290)) {
    // a subnormal angle (a few significant bits), or the Clairaut constant c ~ rho_a dmu near the
    // smallest double: rho dmu < 3e-154 is far below the scale of the curvature, so the geodesic is
    // the straight segment of the tangent plane.  Same radius (to 1e-140): d = hypot(dr, sqrt(rho_a
    // rho_b) dmu); else it is radial to rounding, d = R(b) - R(a), leaving a with Clairaut constant
    // c = dmu / int P / rho^2 drho (first order in dmu; its direction c / rho_a is formed without c)
    const double dr_len = radial(g.ra, g.dr, g.rb);
    const double arc = math::sqrt(g.ra) * math::sqrt(g.rb) * dmu;
    g.d = std::hypot(dr_len, arc);
    double c;
    if (dr_len < 1e-140) {
      c = g.ra * (arc / g.d);
    } else {
      const double c0 = 1e-100 * g.ra;  // a representative tiny Clairaut constant (linear regime)
      const double ga = gap(g.ra, c0), gb = gap(g.rb, c0);
      const Acc q = integrate(c0, g.ra, ga, g.dr, gap_diff(g.ra, ga, g.dr, g.rb, gb), g.rb, gb);
      c = dmu / (q.phi / c0);
      g.sa = dmu / ((q.phi / c0) * g.ra);
    }
    g.c = c;
    if (dr_len < 1e-140) g.sa = c / g.ra;
    g.ua = 1.0;  // (1 - sa^2 to rounding)
    g.ub = 1.0;
    if (dr_len < 1e-140) g.ua = g.ub = dr_len / g.d;
    g.ga = g.ra * g.ua;
    g.gb = g.rb * g.ub;
    return g;
  }
  if (dmu >= kPi) {
    g.d = profile::radius(g.ra) + profile::radius(g.rb);
    g.turning = true;
    g.through = true;
    return g;
  }
  Pair s;
  s.ra = g.ra;
  s.rb = g.rb;
  s.dr = g.dr;
  s.pa = profile::p(g.ra);
  s.pb = profile::p(g.rb);
  s.dmu = dmu;
  Theta lo{true, 0.0}, hi{false, 750.0};  // theta = 0 and (nearly) the geodesic through the uniform law
  // (the model's radii shifted by kCH - log(2) / sqrt2 far out, where its circles then have the
  // circumferences of the true ones, 2 pi rho ~ 2 pi e^((R - kCH) / sqrt2); the shift fades like R^4
  // toward the flat disc, where the model is exact to O(R^4): one Newton step fewer on average)
  // (close radii: their distance by quadrature, and the shift to first order)
  constexpr double kShift = tables::kCH - kLn2 * kInvSqrt2;
  const double r_a = profile::radius(g.ra), r_b = profile::radius(g.rb);
  const double sa4 = (r_a * r_a) * (r_a * r_a), sb4 = (r_b * r_b) * (r_b * r_b);
  double dr_model = r_b + kShift * math::expm1(-sb4) - (r_a + kShift * math::expm1(-sa4));
  if (g.dr < 1e-6 * g.rb)
    dr_model = radial(g.ra, g.dr, g.rb) * (1.0 - 4.0 * kShift * r_a * (r_a * r_a) * math::exp(-sa4));
  Theta t = theta_start(r_a + kShift * math::expm1(-sa4), dr_model, dmu);
  if (!theta_less(lo, t) || !theta_less(t, hi)) t = Theta{false, 0.0};
  const double tol = precise ? 1e-9 : 2e-6;
  Shape h{};
  Sweep w{};
  double step = 0.0, plain = 0.0, prev = 1.0;  // the step taken, and Newton's on Phi itself
  int prev_mode = -1;                          // the previous iterate: its variable and derivative
  double prev_var = 0.0, prev_der = 0.0;
  for (int it = 0; it < 80; ++it) {
    h = shape(s, t);
    w = sweep(s, h);
    const double res = w.phi - dmu;
    if (res < 0.0) {
      lo = t;
    } else if (res > 0.0) {
      hi = t;
    } else {
      step = plain = 0.0;
      break;
    }
    // Newton on Phi up from a; where the geodesic dips, Phi(y) is a sigmoid that approaches 0 like
    // e^y and pi like e^-y: Newton on F = log(Phi / (pi - Phi)) (nearly linear in y at both ends),
    // F(Phi) - F(dmu) = log1p(res / dmu) - log1p(-res / (pi - dmu)), F' = Phi' pi / (Phi (pi - Phi))
    // Where theta is small (t.low), Phi = theta S(theta^2) with S > 0: Newton on log Phi in log theta
    // (exact for the linear part, no cancellation in theta + step however small theta is)
    // Each is corrected by the curvature of the function from the previous iterate (Halley's method
    // with a difference quotient for the second derivative): one sweep fewer in the hard cases.
    // (the derivative is known to drel relative: its end terms cancel for short stretches)
    const double drel = w.mag > 0.0 ? 4e-16 * w.mag / math::abs(w.dphi) : 0.0;
    const double slope = w.dphi * h.dy;
    step = plain = -res / slope;
    int mode = t.low ? 3 : 0;  // 0, 3: Phi in y or theta; 1: log-odds in y; 2: log Phi in log theta
    double var = t.v, der = slope, nstep = step;
    if (h.turning && w.phi > 0.0 && kPi - w.phi > 0.0) {
      const double df = std::log1p(res / dmu) - std::log1p(-res / (kPi - dmu));
      const double sf = slope * kPi / (w.phi * (kPi - w.phi));
      if (math::isfinite(df / sf)) {
        mode = 1;
        der = sf;
        nstep = -df / sf;
      }
    } else if (t.low && w.phi > 0.0) {
      // d log Phi / d log theta (1 + O(theta^2): 1 where the derivative is not known)
      const double dl = slope > 0.0 && drel < 1e-3 ? t.v * slope / w.phi : 1.0;
      const double su = -std::log1p(res / dmu) / dl;
      if (math::isfinite(su)) {
        mode = 2;
        var = std::log(t.v);
        der = dl;
        nstep = su;
      }
    }
    if (mode == prev_mode && var != prev_var && drel < 1e-8) {
      const double corr = 0.5 * nstep * ((der - prev_der) / (var - prev_var)) / der;
      if (math::abs(corr) < 0.5) nstep /= 1.0 + corr;
    }
    prev_mode = mode;
    prev_var = var;
    prev_der = der;
    step = mode == 2 ? t.v * math::expm1(nstep) : nstep;
    // converged, or at the rounding level of Phi (the steps stop shrinking)
    // (step sizes relative to theta where theta is small, else to y)
    const double size = math::abs(step) / math::abs(t.v);
    if (size <= tol || math::abs(res) <= 4e-16 * dmu || (prev < 1e-5 && size >= 0.5 * prev && size < 1e-4)) break;
    // (precise: with quadratic convergence the error after this step is about size^3 / prev^2, plus
    // size drel: below 1e-14, the step is applied below without another sweep)
    if (precise && prev < 1e-2 && size * size * size <= 1e-14 * prev * prev && drel * size <= 1e-16) break;
    // (log theta: theta e^nstep, not theta + step, which cancels for large steps down)
    const double theta_next = t.v * math::exp(nstep);
    const Theta next = mode != 2                 ? theta_add(t, step)
                       : theta_next < kQuarterPi ? Theta{true, theta_next}
                                                 : Theta{false, theta_next - kHalfPi};
    const bool newton_ok = math::isfinite(step) && theta_less(lo, next) && theta_less(next, hi);
    prev = newton_ok ? size : 1.0;
    t = newton_ok ? next : theta_mid(lo, hi);
    if (!newton_ok) step = 0.0;
    // a bracket at the resolution of the variable: stop
    if (!theta_less(lo, t) || !theta_less(t, hi)) {
      step = plain = 0.0;
      h = shape(s, t);
      w = sweep(s, h);
      break;
    }
  }
  // distance, stationary in c: d = L + c (dmu - phi) + (dmu - phi) dc / 2 with Newton's step dc on
  // Phi itself (third order in it)
  const double res = dmu - w.phi;
  const double dc = (h.turning ? -h.ga : h.ga) * h.dy * plain;
  g.d = w.len + h.c * res + (math::isfinite(dc) ? 0.5 * res * dc : 0.0);
  if (precise && step != 0.0) h = shape(s, theta_add(t, step));
  g.c = h.c;
  g.ga = h.ga;
  g.gb = h.gb;
  g.sa = h.sn;
  g.ua = h.cs;
  g.ub = h.gb / g.rb;
  g.turning = h.turning;
  return g;
}
BEDS_VM_FN Geodesic solve(double ka, double kb, double dmu, bool precise) {
  Geodesic g = solve_pair(ka, kb, dmu, precise);
  if (!g.flat) g.d_s = g.d;
  return g;
}

BEDS_VM_FN bool distance(double mu1, double k1, double mu2, double k2, double& out) {
  const bool ok = valid(mu1, k1) & valid(mu2, k2);
  if (!ok) {
    out = math::kNaN;
    return false;
  }
  out = solve(math::min(k1, k2), math::max(k1, k2), math::abs(angle_diff(mu1, mu2)), false).d;
  return true;
}

// Walks the geodesic with Clairaut constant c > 0 from (rho0, g0 = sqrt(rho0^2 - c^2)), outward
// (out > 0) or inward, for an arc length len >= 0.  Returns the end rho (+inf if it leaves every
// finite kappa) and the angle swept (>= 0).
//
// The end point is found in the variable s of rho = c cosh v, v = v0 + s (v0 = -asinh(g0 / c)
// inward): the arc length G(s) = int P rho ds and the angle int c P / rho ds are smooth, G' = P rho
// > 0, also through the lowest point (where the radius is a poor variable: G ~ sqrt(rho - c)).
// Points: outward rho(s) = rho0 cosh s + g0 sinh s (no cancellation); inward rho = c cosh v,
// g = c sinh v with v = s - asinh(g0 / c) (relative accuracy at the lowest point).  Newton's method
// on s from the hyperbolic-plane estimate, safeguarded by a bracket; the integrals are updated
// between successive iterates only.
struct Walk {
  double rho, dphi;
};
struct Point {
  double rho, g;  // g signed: < 0 before the lowest point
};
// (c cosh v, c sinh v) without overflow
BEDS_HD Point point_v(double c, double v) {
  const double a = math::abs(v);
  Point q;
  if (a < 600.0) {
    const double em1 = math::expm1(a), e = 1.0 + em1;
    const double sh = 0.5 * (em1 + em1 / e);
    q.rho = c * (sh + 1.0 / e);
    q.g = c * sh;
  } else {
    const double big = math::exp(a + std::log(c) - kLn2), small = math::exp(-2.0 * a);
    q.rho = big * (1.0 + small);
    q.g = big * (1.0 - small);
  }
  if (v < 0.0) q.g = -q.g;
  return q;
}
// The integrals between two points of the geodesic, from p to q = p moved by ds in s (rho' = g and
// g' = rho in s, g signed: < 0 before the lowest point).
BEDS_VM_FN Acc walk_between(double c, Point p, Point q, double ds) {
  Acc out{0.0, 0.0, 0.0};
  if ((p.g < 0.0) == (q.g < 0.0) || p.g == 0.0 || q.g == 0.0) {
    // ordered by |g|; |g_hi| - |g_lo| = |q.g - p.g| with q.g - p.g = p.g (cosh ds - 1) + p.rho sinh ds
    // for short steps (the rounded end points do not resolve them), and rho_hi - rho_lo = (g_hi^2 -
    // g_lo^2) / (rho_lo + rho_hi)
    const bool up = math::abs(q.g) >= math::abs(p.g);
    const Point lo = up ? p : q, hi = up ? q : p;
    const double glo = math::abs(lo.g), ghi = math::abs(hi.g);
    double dg = ghi - glo;
    if (math::abs(ds) < 1.0) {
      const double sh = std::sinh(0.5 * ds);
      dg = math::abs(2.0 * p.g * sh * sh + p.rho * std::sinh(ds));
    }
    const double d = dg * ((ghi + glo) / (lo.rho + hi.rho));
    const Acc a = integrate(c, lo.rho, glo, d, dg, hi.rho, ghi);
    // moving away from the lowest point adds; toward it (or backwards) takes off
    const double sgn = ((q.g >= 0.0 && p.g >= 0.0) == up) ? 1.0 : -1.0;
    out.phi = sgn * a.phi;
    out.len = sgn * a.len;
    return out;
  }
  // across the lowest point: [p, c] and [c, q]
  const double gp = math::abs(p.g), gq = math::abs(q.g);
  const Acc a = integrate(c, c, 0.0, gp * (gp / (p.rho + c)), gp, p.rho, gp);
  const Acc b = integrate(c, c, 0.0, gq * (gq / (q.rho + c)), gq, q.rho, gq);
  const double sgn = q.g > 0.0 ? 1.0 : -1.0;  // forward (p before the lowest point)
  out.phi = sgn * (a.phi + b.phi);
  out.len = sgn * (a.len + b.len);
  return out;
}
BEDS_VM_FN Walk walk(double c, double rho0, double g0, double out, double len) {
  Walk w{rho0, 0.0};
  if (!(len > 0.0)) return w;
  const bool inward = out < 0.0;
  const double v0 = inward ? asinh_ratio(g0, c) : 0.0;  // s at the lowest point (inward)
  // inward: rho = c cosh(s - v0) has relative error 1e-16 v0 (the rounding of s - v0); close to
  // the start rho0 cosh s - g0 sinh s is better (error 1e-16 e^(2s)): the latter while e^(2s) < v0
  const double s_rot = 0.5 * std::log(math::max(v0, 1.0));
  auto point = [&](double s) -> Point {
    if (inward) {
      if (s >= s_rot) return point_v(c, s - v0);
      const double em1 = math::expm1(s), e = 1.0 + em1;
      const double sh = 0.5 * (em1 + em1 / e), ch = sh + 1.0 / e;
      return Point{rho0 * ch - g0 * sh, rho0 * sh - g0 * ch};
    }
    if (s > 600.0) {  // rho = g = (rho0 + g0) e^s / 2 (the e^-s terms are below rounding)
      const double big = math::exp(s + std::log(0.5 * (rho0 + g0)));
      return Point{big, big};
    }
    const double em1 = math::expm1(s), e = 1.0 + em1;
    const double sh = 0.5 * (em1 + em1 / e), ch = sh + 1.0 / e;
    return Point{rho0 * ch + g0 * sh, g0 * ch + rho0 * sh};
  };
  // start: the geodesic of the hyperbolic plane of curvature -1/2 (K = r / sqrt2) through the same
  // point with the same direction: its radius after the length len, and (inward) the length
  // sqrt2 atanh(1 - delta), delta = 1 + cos(theta0) tanh K0, to its lowest point
  double s;
  {
    const double r0 = profile::radius(rho0), cos0 = (inward ? -g0 : g0) / rho0;
    const double opc = inward ? (c / rho0) * (c / (rho0 + g0)) : 1.0 + cos0;  // 1 + cos0
    const double a = kInvSqrt2 * r0, b = kInvSqrt2 * len;
    double re;
    if (a + b < 1e-8) {  // the flat disc: r_e^2 = (r0 - len)^2 + 2 r0 len (1 + cos0), in units of max(r0, len)
      const double m = math::max(r0, len), x = r0 / m, y = len / m;
      re = m * math::sqrt((x - y) * (x - y) + 2.0 * x * y * opc);
    } else if (a + b > 300.0) {
      // cosh(re / sqrt2) = e^|a - b| / 2 + e^(a + b) (1 + cos0) / 4 to rounding: a log-sum-exp
      const double t1 = math::abs(a - b), t2 = opc > 0.0 ? a + b + std::log(0.5 * opc) : -math::kInf;
      const double hi_t = math::max(t1, t2), lo_t = math::min(t1, t2);
      re = kSqrt2 * (hi_t + std::log1p(math::exp(lo_t - hi_t)));
    } else {
      // cosh(re/sqrt2) - 1 = 2 sinh^2((a - b) / 2) + sinh a sinh b (1 + cos0)
      const double sab = std::sinh(0.5 * (a - b));
      const double x = 2.0 * sab * sab + std::sinh(a) * std::sinh(b) * opc;
      re = kSqrt2 * std::log1p(x + math::sqrt(x * (x + 2.0)));
    }
    const double rho_e = math::max(profile::radius_inverse(math::max(re, 0.0)), c);
    const double ge = gap(rho_e, c);
    if (!inward) {
      s = rho_e > rho0 ? v_span(rho0, g0, gap_diff(rho0, g0, rho_e - rho0, rho_e, ge), rho_e, ge) : 0.0;
    } else {
      // delta = opc + (1 - opc)(1 - tanh K0), 1 - tanh K0 = 2 / (e^(2 K0) + 1); atanh(1 - delta) =
      // log((2 - delta) / delta) / 2 (no rounding of 1 - delta for nearly radial walks far out)
      const double delta = opc + (1.0 - opc) * (2.0 / (math::exp(2.0 * a) + 1.0));
      const bool before = len < kInvSqrt2 * std::log((2.0 - delta) / delta);
      s = before ? v0 - asinh_ratio(ge, c) : v0 + asinh_ratio(ge, c);
    }
    // a short walk: G(s) = P rho0 s + O(s^2)
    const double s1 = len / (profile::p(rho0) * rho0);
    if (s1 < 1e-4) s = s1;
    if (!math::isfinite(s) || !(s > 0.0)) s = 0.5;
  }
  // the bracket [lo, hi] on s: hi where rho surely exceeds kRhoMax (rho >= (rho0 + g0) e^s / 2
  // outward, >= c e^(s - v0) / 2 inward), so that a walk longer than the double range is bisected
  // to the end of the range in a bounded number of steps
  const double s_cap = inward ? v0 + std::log(2.0 * kRhoMax / c) + 1.0 : std::log(2.0 * kRhoMax / (rho0 + g0)) + 1.0;
  double lo = 0.0, hi = s_cap, cur_s = 0.0, swing = 0.0;
  if (!(s < s_cap)) s = 0.5 * s_cap;
  const Point start{rho0, inward ? -g0 : g0};
  Point cur_p = start;
  Acc cur{0.0, 0.0, 0.0};  // integrals from the start to cur_p (swing: the largest increment of the angle)
  for (int it = 0; it < 100; ++it) {
    const Point q = point(s);
    if (!(q.rho <= kRhoMax * (1.0 + 2e-13))) {  // kappa overflows: the walk may leave every finite kappa
      hi = s;
      if (hi - lo <= 1e-15 * hi) {  // the end is at the largest rho, or beyond it
        const bool reached = cur.len >= len * (1.0 - 1e-13);
        w.rho = reached ? cur_p.rho : math::kInf;
        w.dphi = swing > 4.0 * math::abs(cur.phi) ? walk_between(c, start, cur_p, cur_s).phi : cur.phi;
        return w;
      }
      s = 0.5 * (lo + hi);
      continue;
    }
    const Acc inc = walk_between(c, cur_p, q, s - cur_s);
    cur.phi += inc.phi;
    cur.len += inc.len;
    cur_p = q;
    cur_s = s;
    swing = math::max(swing, math::abs(inc.phi));
    const double res = cur.len - len;
    if (res < 0.0)
      lo = s;
    else
      hi = s;
    // Halley's method in s: G' = P rho, G'' = (P' rho + P) g (exact where G is linear in s: P ~ 1 / rho)
    const profile::PD pd = profile::p_d(q.rho);
    const double pq = pd.p, g1 = pq * q.rho, newton = -res / g1;
    const double curv = 0.5 * newton * ((pd.dp * q.rho + pq) * q.g) / g1;
    double step = curv > -0.5 ? newton / (1.0 + curv) : newton;
    if (math::abs(step) <= 4e-16 * s || res == 0.0) break;  // converged (relative: tiny walks keep their digits)
    if (q.rho < 0.5) {
      // in the disc G is linear in g (P ~ 1): Newton in g, as the step in s that moves g from q.g to
      // gn = q.g + dgn (g = c sinh v is increasing in s): v(gn) - v(g) = asinh((gn - g) (gn + g) /
      // (gn rho + g rn)) for g, gn of one sign (rn = sqrt(gn^2 + c^2), in units of rho), else the sum
      // of the two sides of the lowest point (no difference of rounded positions: short steps keep
      // their digits)
      const double dgn = -res / pq, gn = q.g + dgn;
      double dv;
      if ((gn >= 0.0) == (q.g >= 0.0)) {
        const double rn = std::hypot(gn, c) / q.rho;
        dv = std::asinh((dgn / q.rho) * ((gn + q.g) / (gn + q.g * rn)));
      } else {
        dv = asinh_ratio(math::abs(gn), c) + asinh_ratio(math::abs(q.g), c);
        if (gn < 0.0) dv = -dv;
      }
      if (math::isfinite(dv)) step = dv;
    }
    double next = s + step;
    if (math::abs(step) <= 1e-8 * s && next > lo && next < hi) {
      // the last step (its Newton error is O(step^2) < 1e-16 s): the angle over it by the trapezoid
      // rule in s (dphi/ds = c P / rho; error O(step^3)) instead of another quadrature
      const Point q2 = point(next);
      if (q2.rho <= kRhoMax) {
        cur.phi += step * (0.5 * c) * (pq / q.rho + profile::p(q2.rho) / q2.rho);
        cur_p = q2;
        cur_s = next;
        break;
      }
    }
    // safeguard: inside the bracket and at least halving it (Newton from the convex side of
    // e^s-like stretches in the disc would otherwise advance by about 1 per step)
    const bool finite = math::isfinite(hi);
    if (!(next > lo && next < hi) || (finite && math::abs(step) > 0.5 * (hi - lo)))
      next = finite ? 0.5 * (lo + hi) : 2.0 * s + 1.0;
    if (!(next != s)) break;
    s = next;
  }
  w.rho = cur_p.rho;
  // iterates on both sides of the end (from a poor start) leave the sum of the increments with the
  // rounding of the largest: then the angle once more, in one stretch from the start
  w.dphi = swing > 4.0 * math::abs(cur.phi) ? walk_between(c, start, cur_p, cur_s).phi : cur.phi;
  return w;
}

// ------------------------------------------------------------------- log, exp, geodesic, transport
// The unit direction of a geodesic at a point, in the orthonormal frame (rho dmu, sqrt(h) dkappa):
// sn = rho dmu/ds (with the sign of the motion in mu), cs = sqrt(h) dkappa/ds (> 0 outward).  At
// kappa = 0 the frame is the Cartesian one at the angle mu of the point.
struct Heading {
  double sn, cs;
};
// The distance between p1 and p2, the direction of the geodesic at p1 toward p2 and its direction
// on arrival at p2 (one solve; no tangent component is formed, so nothing overflows).
struct Path {
  double d;
  Heading h1, h2;
  bool flat, tangent;  // as in Geodesic: d_s = d in the units of sc where flat
  Scale sc;
  double d_s;
};
BEDS_VM_FN Path path(double mu1, double k1, double mu2, double k2) {
  const double diff = angle_diff(mu1, mu2);
  const double sgn = diff > 0.0 ? 1.0 : (diff < 0.0 ? -1.0 : 0.0);
  const bool first_is_a = k1 <= k2;
  const Geodesic geo = solve(math::min(k1, k2), math::max(k1, k2), math::abs(diff), true);
  Path r;
  r.d = geo.d;
  r.d_s = geo.d_s;
  r.flat = geo.flat;
  r.tangent = geo.tangent;
  r.sc = geo.sc;
  r.h1 = Heading{0.0, 1.0};
  r.h2 = Heading{0.0, 1.0};
  if (!(geo.d_s > 0.0)) return r;
  if (k1 == 0.0) {  // from the uniform law, radially out along mu2 (Cartesian frame at mu1)
    r.h1 = Heading{std::sin(diff), std::cos(diff)};
    return r;
  }
  if (k2 == 0.0) {  // radially in; on arrival moving along mu1 + pi (Cartesian frame at mu2)
    r.h1 = Heading{0.0, -1.0};
    r.h2 = Heading{std::sin(diff), -std::cos(diff)};
    return r;
  }
  const double sb = geo.sa * (geo.ra / geo.rb);      // c / rho_b
  const double ca = geo.turning ? -geo.ua : geo.ua;  // leaving a toward b
  if (first_is_a) {
    r.h1 = Heading{sgn * geo.sa, ca};
    r.h2 = Heading{sgn * sb, geo.ub};
  } else {
    r.h1 = Heading{sgn * sb, -geo.ub};
    r.h2 = Heading{sgn * geo.sa, -ca};
  }
  return r;
}

// Log_p1(p2) = d (sn / rho1, cs / sqrt(A'(kappa1))) (Cartesian at kappa1 = 0: sqrt2 d (sn, cs)).
BEDS_VM_FN void log_map(double mu1, double k1, double mu2, double k2, double& vm, double& vk) {
  const Path q = path(mu1, k1, mu2, k2);
  if (q.tangent) {  // first order: the coordinate differences (the same kappa; d may underflow)
    vm = angle_diff(mu1, mu2);
    vk = 0.0;
    return;
  }
  if (!(q.d_s > 0.0)) {
    vm = 0.0;
    vk = 0.0;
    return;
  }
  if (q.flat) {  // in the units of sc (d / rho1 keeps its digits where d underflows)
    const bessel::Values v = bessel::values(k1);
    const double r1 = q.sc.up(profile::rho_of(v, k1));
    vm = (q.d_s / r1) * q.h1.sn;
    vk = q.sc.down(q.d_s * q.h1.cs / profile::sqrt_h(v, k1));
    return;
  }
  if (k1 == 0.0) {  // Cartesian frame at the uniform law: unit speed has Euclidean length sqrt(2)
    vm = kSqrt2 * q.d * q.h1.sn;
    vk = kSqrt2 * q.d * q.h1.cs;
    return;
  }
  const bessel::Values v = bessel::values(k1);
  vm = q.d * q.h1.sn / profile::rho_of(v, k1);
  vk = q.d * q.h1.cs / profile::sqrt_h(v, k1);
}

// false where a component overflows (kappa1 within a few orders of magnitude of the ends of the
// double range: v_mu ~ d / rho1, v_kappa ~ sqrt2 d kappa1)
BEDS_VM_FN bool log(double mu1, double k1, double mu2, double k2, double& vm, double& vk) {
  const bool ok = valid(mu1, k1) & valid(mu2, k2);
  if (!ok) {
    vm = vk = math::kNaN;
    return false;
  }
  log_map(mu1, k1, mu2, k2, vm, vk);
  const bool finite = math::isfinite(vm) & math::isfinite(vk);
  if (!finite) vm = vk = math::kNaN;
  return finite;
}

// From (mu0, rho0 < kFlat) along the straight line z = rho0 + t (cs + i sn) of the flat disc (in the
// frame at angle mu0) for the length len: rho0_s = rho0 and len_s = len in the units of sc (so that
// lengths far below the smallest double keep their digits), to the end or to where the line leaves
// the disc |z| = kFlat, then along the geodesic.
BEDS_VM_FN void shoot_flat(double mu0, double rho0_s, Heading h, double len_s, const Scale& sc, double& mu, double& k) {
  const double re = rho0_s + len_s * h.cs, im = len_s * h.sn;
  const double rho_e = sc.down(std::hypot(re, im));
  if (rho_e < kFlat) {
    mu = wrap(mu0 + std::atan2(im, re));
    k = profile::kappa(rho_e);
    return;
  }
  const double rho0 = sc.down(rho0_s), len = sc.down(len_s);  // (len > kFlat - rho0: no underflow)
  const double c = rho0 * math::abs(h.sn), gs = gap(kFlat, c);
  const double ts = gs - rho0 * h.cs;  // |z0 + ts (cs + i sn)| = kFlat
  const double mus = mu0 + std::atan2(ts * h.sn, rho0 + ts * h.cs);
  const double rest = len - ts;
  if (!(c > 0.0)) {
    mu = wrap(mus);
    k = profile::kappa(profile::radius_inverse(profile::radius(kFlat) + rest));
    return;
  }
  const Walk w = walk(c, kFlat, gs, 1.0, rest);
  mu = wrap(mus + (h.sn > 0.0 ? w.dphi : -w.dphi));
  k = profile::kappa(w.rho);
}

// From (mu0, kappa0 > 0, rho0) along the geodesic leaving in the unit direction h for an arc
// length len >= 0: the end point (kappa = inf if it leaves every finite concentration).
BEDS_VM_FN void shoot(double mu0, double rho0, Heading h, double len, double& mu, double& k) {
  if (!(len > 0.0)) {
    mu = wrap(mu0);
    k = profile::kappa(rho0);
    return;
  }
  if (rho0 < kFlat) {
    const Scale sc = pow2_scale(math::max(rho0, len));
    shoot_flat(mu0, sc.up(rho0), h, sc.up(len), sc, mu, k);
    return;
  }
  const double c = rho0 * math::abs(h.sn), g0 = rho0 * math::abs(h.cs);
  if (!(c > 0.0)) {  // radial (through the uniform law if it goes inward far enough)
    const double r0 = profile::radius(rho0);
    if (h.cs >= 0.0) {
      mu = wrap(mu0);
      k = profile::kappa(profile::radius_inverse(r0 + len));
    } else if (len <= r0) {
      mu = wrap(mu0);
      k = profile::kappa(profile::radius_inverse(r0 - len));
    } else {
      mu = wrap(mu0 + kPi);
      k = profile::kappa(profile::radius_inverse(len - r0));
    }
    return;
  }
  const Walk w = walk(c, rho0, g0, h.cs >= 0.0 ? 1.0 : -1.0, len);
  mu = wrap(mu0 + (h.sn > 0.0 ? w.dphi : -w.dphi));
  k = profile::kappa(w.rho);
}

// A nearly radial geodesic, sn = s1 s2 with |sn| < 1e-100 (as two factors: it may lie below the
// smallest double, and so may c = rho0 |sn|): the angle moved is linear in sn (relative corrections
// O(sn^2)) as long as the walk stays far from its lowest point rho = c; shot once with sn = 1e-100
// and the angle scaled.  false where it does not stay far from it (the caller shoots it as it is).
BEDS_VM_FN bool shoot_thin(double mu0, double rho0, double cs, double len, double s1, double s2, double& mu,
                           double& k) {
  double m0, k0;
  shoot(0.0, rho0, Heading{1e-100, cs >= 0.0 ? 1.0 : -1.0}, len, m0, k0);
  if (!(math::abs(m0) < 1e-80)) return false;
  mu = wrap(mu0 + ((m0 * 1e100) * s1) * s2);
  k = k0;
  return true;
}

// Exp_p(v): walks the geodesic with initial velocity v for its length.
BEDS_VM_FN void exp_map(double mu0, double k0, double vm, double vk, double& mu, double& k) {
  if (k0 == 0.0) {  // Cartesian frame at the uniform law
    const double length = kInvSqrt2 * std::hypot(vm, vk);
    mu = wrap(length > 0.0 ? mu0 + std::atan2(vm, vk) : mu0);
    k = profile::kappa(profile::radius_inverse(length));
    return;
  }
  const bessel::Values v0 = bessel::values(k0);
  const double rho0 = profile::rho_of(v0, k0), sh0 = profile::sqrt_h(v0, k0);
  if (rho0 < kFlat) {  // the flat disc: in units of a power of two (tiny velocities keep their digits)
    const Scale sc = pow2_scale(rho0);
    const double r_s = sc.up(rho0), am = r_s * vm, ak = sc.up(sh0 * vk), length = std::hypot(am, ak);
    if (!(length > 0.0)) {
      mu = wrap(mu0);
      k = k0;
      return;
    }
    if (length < 1e300) {
      const double len = sc.down(length);
      if (math::abs(am) < 1e-100 * length && len > 1e-200 && shoot_thin(mu0, rho0, ak, len, r_s / length, vm, mu, k))
        return;
      shoot_flat(mu0, r_s, Heading{am / length, ak / length}, length, sc, mu, k);
      return;
    }
  }
  const double am = rho0 * vm, ak = sh0 * vk;  // orthonormal components
  const double length = std::hypot(am, ak);
  if (!(length > 0.0) || (length < kTangent && rho0 >= kFlat)) {
    // a step far below the scales of kappa and of the curvature: first order in the coordinates
    mu = wrap(mu0 + vm);
    k = k0 + vk;
    return;
  }
  if (!math::isfinite(length)) {
    mu = mu0;
    k = math::kInf;
    return;
  }
  if (math::abs(am) < 1e-100 * length && shoot_thin(mu0, rho0, ak, length, rho0 / length, vm, mu, k)) return;
  shoot(mu0, rho0, Heading{am / length, ak / length}, length, mu, k);
}

BEDS_VM_FN bool exp(double mu0, double k0, double vm, double vk, double& mu, double& k) {
  const bool ok = valid(mu0, k0) & math::isfinite(vm) & math::isfinite(vk);
  if (!ok) {
    mu = k = math::kNaN;
    return false;
  }
  exp_map(mu0, k0, vm, vk, mu, k);
  const bool inside = math::isfinite(k);  // an enormous velocity can run to kappa = inf
  if (!inside) mu = k = math::kNaN;
  return inside;
}

// The point at parameter t of the geodesic p1 -> p2: shot from p1 for |t| d (backward for t < 0).
BEDS_VM_FN bool geodesic(double mu1, double k1, double mu2, double k2, double t, double& mu, double& k) {
  const bool ok = valid(mu1, k1) & valid(mu2, k2) & math::isfinite(t);
  if (!ok) {
    mu = k = math::kNaN;
    return false;
  }
  const Path q = path(mu1, k1, mu2, k2);
  const double len = math::abs(t) * q.d, len_s = math::abs(t) * q.d_s;
  Heading h = q.h1;
  if (t < 0.0) h = Heading{-h.sn, -h.cs};
  if (q.tangent) {  // first order in the coordinates (the same kappa)
    mu = wrap(mu1 + t * angle_diff(mu1, mu2));
    k = k1;
  } else if (!(len_s > 0.0)) {
    mu = wrap(mu1);
    k = k1;
  } else if (q.flat && len_s < 1e300) {  // in the units of the pair (no underflow of the length)
    shoot_flat(mu1, q.sc.up(profile::rho_of(bessel::values(k1), k1)), h, len_s, q.sc, mu, k);
  } else if (!math::isfinite(len)) {
    mu = mu1;
    k = math::kInf;
  } else if (k1 == 0.0) {  // radially out from the uniform law
    mu = wrap(mu1 + std::atan2(h.sn, h.cs));
    k = profile::kappa(profile::radius_inverse(len));
  } else {
    const double rho1 = profile::rho_of(bessel::values(k1), k1);
    if (!(math::abs(h.sn) < 1e-100 && shoot_thin(mu1, rho1, h.cs, len, h.sn, 1.0, mu, k)))
      shoot(mu1, rho1, h, len, mu, k);
  }
  const bool inside = math::isfinite(k);
  if (!inside) mu = k = math::kNaN;
  return inside;
}

// Parallel transport along the geodesic p1 -> p2: on a surface the transported vector keeps its
// length and its angle with the geodesic's tangent.  Orthonormal components (sqrt(f) v_mu,
// sqrt(h) v_kappa) in the polar frame (the Cartesian frame at angle mu at kappa = 0); false where
// a component of the result overflows (kappa2 near the ends of the double range).
BEDS_VM_FN bool transport(double mu1, double k1, double mu2, double k2, double vm, double vk, double& om, double& ok_) {
  const bool ok = valid(mu1, k1) & valid(mu2, k2) & math::isfinite(vm) & math::isfinite(vk);
  if (!ok) {
    om = ok_ = math::kNaN;
    return false;
  }
  const Path q = path(mu1, k1, mu2, k2);
  if (!(q.d > 0.0)) {  // p1 = p2
    om = vm;
    ok_ = vk;
    return true;
  }
  // sqrt(f) = rho (sqrt(1/2) at kappa = 0: the Cartesian frame), sqrt(h) without underflow
  const bessel::Values v1 = bessel::values(k1), v2 = bessel::values(k2);
  const double s1f = k1 > 0.0 ? profile::rho_of(v1, k1) : kInvSqrt2, s1h = profile::sqrt_h(v1, k1);
  const double s2f = k2 > 0.0 ? profile::rho_of(v2, k2) : kInvSqrt2, s2h = profile::sqrt_h(v2, k2);
  const double xm = s1f * vm, xk = s1h * vk;
  const Heading a = q.h1, b = q.h2;
  const double along = xm * a.sn + xk * a.cs;    // component along the geodesic
  const double across = -xm * a.cs + xk * a.sn;  // along J a = (-a_cs, a_sn)
  const double ym = along * b.sn - across * b.cs, yk = along * b.cs + across * b.sn;
  om = ym / s2f;
  ok_ = yk / s2h;
  const bool finite = math::isfinite(om) & math::isfinite(ok_);
  if (!finite) om = ok_ = math::kNaN;
  return finite;
}

}  // namespace von_mises
BEDS_NAMESPACE_END
