// Univariate normal N(mu, sigma^2): the Fisher-Rao geometry of the hyperbolic half-plane.
//
// Metric ds^2 = (dmu^2 + 2 dsigma^2) / sigma^2.  With x = mu / sqrt(2), y = sigma it is twice the
// Poincare half-plane metric (curvature -1/2), so geodesics are the half-plane geodesics (vertical
// lines, half-circles in x) with the same parametrisation, and d = sqrt(2) d_H.
//
// Every function is scalar, branch-free (selects only) and BEDS_HD, so the same code runs in the
// vectorized CPU loops and in CUDA kernels.  Each returns false when its parameters are outside the
// domain (non-finite, sigma <= 0), with NaN outputs.
//
// Range.  The closed forms square differences of means and scales and multiply scales together, so
// in plain doubles they over- or underflow for parameters near 1e+-154 and beyond, long before the
// results do (distance(0, 1e-300, 0, 1e-300) would be 0/0).  The geometry is invariant under
// (mu, sigma) -> (a mu + b, a sigma), so every result is a function of scale-free ratios and stays
// representable: the distance of any two valid points is below 4120.  Each fast (vectorized) form
// therefore checks that its own intermediates stayed in the normal range (a few comparisons,
// folded into the domain check) and reports the element as not evaluated otherwise; the loops
// then call the *_slow function of the operation, which evaluates the same formulas with an
// unbounded exponent (beds/wide.hpp) and so keeps their accuracy over the whole float range.  The
// slow paths return false also when the result itself is not representable (an exp map whose
// sigma overflows, a KL divergence above 1.8e308).
//
// Formulas (derivations: docs page mathematics/normal):
//   w   = (dmu^2/2 + dsigma^2) / (4 s1 s2)              (= sinh^2(d_H / 2))
//   d   = 2 sqrt(2) asinh(sqrt(w)) = sqrt(2) log1p(2w + 2 sqrt(w (1 + w)))
// which is accurate to a few ulp both for near pairs (the arccosh form is not) and far pairs (the
// artanh form is not).
#pragma once

#include "beds/math.hpp"
#include "beds/wide.hpp"

BEDS_NAMESPACE_BEGIN
namespace normal {

constexpr double kSqrt2 = 1.41421356237309504880;
constexpr double kHalfLog2PiE = 1.41893853320467274178;  // log(2 pi e) / 2

// Bounds of the fast paths (see "Range" above).
constexpr double kTiny = 0x1p-968;     // a sum of squares above this lost nothing to underflow
constexpr double kHuge = 0x1p1000;     // room left for a few more operations
constexpr double kScaleLo = 0x1p-500;  // scales in [kScaleLo, kScaleHi]: their products and
constexpr double kScaleHi = 0x1p500;   // ratios stay normal
constexpr double kWMax = 0x1p500;      // w (1 + w) stays finite
constexpr double kRhoMax = 300.0;      // exp maps: e^(2 rho) stays finite

using math::Wide;
using math::wide;

BEDS_HD bool valid_point(double mu, double sigma) { return math::isfinite(mu) & math::isfinite(sigma) & (sigma > 0.0); }

// ---------------------------------------------------------------- distances and divergences
// d_FR(N(m1, s1^2), N(m2, s2^2)) in two stages (see has_stages in loops.hpp): the argument u of
// log1p, then d = sqrt(2) log1p(u).  Stage 1 also checks the range: N = dm^2/2 + ds^2 and w above
// kTiny (nothing lost to underflow; or both differences exactly 0), D = 4 s1 s2 normal, w (1 + w)
// finite.  Those comparisons also reject every out-of-domain input (NaN and inf propagate to w or
// D), so they replace the domain check.
BEDS_HD bool distance_stage1(double m1, double s1, double m2, double s2, double& u) {
  const double dm = m1 - m2, ds = s1 - s2;
  const double N = 0.5 * dm * dm + ds * ds;
  const double D = 4.0 * s1 * s2;
  const double w = N / D;
  const double uu = 2.0 * (w + math::sqrt(w * (1.0 + w)));
  // (s1 > 0 and D = 4 s1 s2 >= kTiny imply s2 > 0)
  const bool ok = (s1 > 0.0) & (D >= kTiny) & (D <= kHuge) & (w <= kWMax) &
                  ((math::min(N, w) >= kTiny) | ((dm == 0.0) & (ds == 0.0)));
  // out of the fast range: NaN flows through stage 2 (see has_stages in loops.hpp)
  u = ok ? uu : math::kNaN;
  return ok;
}
BEDS_HD double distance_stage2(double u) { return kSqrt2 * math::log1p_pos(u); }
// The same formula with an unbounded exponent; false (NaN) only for out-of-domain input.
BEDS_HD bool distance_slow(double m1, double s1, double m2, double s2, double& d) {
  if (!(valid_point(m1, s1) & valid_point(m2, s2))) {
    d = math::kNaN;
    return false;
  }
  const Wide dm = wide(m1) - wide(m2), ds = wide(s1) - wide(s2);
  const Wide w = (0.5 * dm * dm + ds * ds) / (4.0 * wide(s1) * wide(s2));
  const Wide u = 2.0 * (w + math::sqrt(w * (w + 1.0)));
  d = math::to_double(kSqrt2 * math::log1p(u));
  return true;
}
BEDS_HD bool distance(double m1, double s1, double m2, double s2, double& d) {
  double u;
  if (distance_stage1(m1, s1, m2, s2, u)) {
    d = distance_stage2(u);
    return true;
  }
  return distance_slow(m1, s1, m2, s2, d);
}

// KL(N1 || N2) = -log(r) + (r^2 - 1)/2 + dm^2 / (2 s2^2),  r = s1 / s2 = 1 + delta.
// -log(r) + (r^2 - 1)/2 = -log1pmx_r(delta, r) + delta^2 / 2: every term is >= 0, so there is no
// cancellation for near pairs, and log(r) is taken from r itself when s1 << s2.
// Stage 1: mid = (delta, r, rest); stage 2: the logarithm.  Fast range: 1 / s2 and r normal, rest
// (delta^2/2 + dm'^2/2) at most 2^1020 (this also rejects every out-of-domain input).
BEDS_HD bool kl_stage1(double m1, double s1, double m2, double s2, double* mid) {
  const double is2 = 1.0 / s2;
  const double dm = (m1 - m2) * is2;
  const double delta = (s1 - s2) * is2;
  const double r = s1 * is2;
  const double rest = 0.5 * delta * delta + 0.5 * dm * dm;
  const bool ok = (s2 >= 0x1p-1020) & (s2 <= 0x1p1020) & (r >= 0x1p-1020) & (rest <= 0x1p1020);
  mid[0] = ok ? delta : 0.0;
  mid[1] = ok ? r : 1.0;
  mid[2] = ok ? rest : math::kNaN;
  return ok;
}
BEDS_HD double kl_stage2(const double* mid) { return mid[2] - math::log1pmx_r(mid[0], mid[1]); }
// false for out-of-domain input and for a divergence above the largest double.
BEDS_HD bool kl_slow(double m1, double s1, double m2, double s2, double& out) {
  out = math::kNaN;
  if (!(valid_point(m1, s1) & valid_point(m2, s2))) return false;
  const Wide S2 = wide(s2);
  const Wide dm = (wide(m1) - wide(m2)) / S2;
  const Wide delta = (wide(s1) - S2) / S2;
  const Wide rest = 0.5 * delta * delta + 0.5 * dm * dm;
  const double dd = math::to_double(delta);  // >= -1
  // -log1pmx(delta): the series near 0, else delta - log(r) with r = s1 / s2 taken as it is
  const Wide kl =
      math::log1pmx_near(dd) ? rest - wide(math::log1pmx_series(dd)) : rest + delta - wide(math::log(wide(s1) / S2));
  const double r = math::to_double(kl);
  if (!math::isfinite(r)) return false;
  out = r;
  return true;
}
BEDS_HD bool kl(double m1, double s1, double m2, double s2, double& out) {
  double mid[3];
  if (kl_stage1(m1, s1, m2, s2, mid)) {
    out = kl_stage2(mid);
    return true;
  }
  return kl_slow(m1, s1, m2, s2, out);
}

// J = KL(1||2) + KL(2||1) = [ds^2 (s1 + s2)^2 + dm^2 (s1^2 + s2^2)] / (2 s1^2 s2^2)
//   = (a^2 + b1^2 + b2^2) / 2,  a = (ds / s1) ((s1 + s2) / s2),  b1 = dm / s1,  b2 = dm / s2:
// squares of ratios, each of which overflows only when J does.  Only dm = m1 - m2 can overflow
// (means near +-1.8e308 of opposite signs): a non-finite J goes to the slow path, which decides.
BEDS_HD bool jeffreys(double m1, double s1, double m2, double s2, double& out) {
  const bool valid = valid_point(m1, s1) & valid_point(m2, s2);
  const double dm = m1 - m2, ds = s1 - s2, ss = s1 + s2;
  const double a = (ds / s1) * (ss / s2);
  const double b1 = dm / s1, b2 = dm / s2;
  const double r = 0.5 * (a * a + b1 * b1 + b2 * b2);
  const bool ok = valid & math::isfinite(r);
  out = ok ? r : math::kNaN;
  return ok;
}
BEDS_HD bool jeffreys_slow(double m1, double s1, double m2, double s2, double& out) {
  out = math::kNaN;
  if (!(valid_point(m1, s1) & valid_point(m2, s2))) return false;
  const Wide S1 = wide(s1), S2 = wide(s2), dm = wide(m1) - wide(m2);
  const Wide a = ((S1 - S2) / S1) * ((S1 + S2) / S2), b1 = dm / S1, b2 = dm / S2;
  const double r = math::to_double(0.5 * (a * a + b1 * b1 + b2 * b2));
  if (!math::isfinite(r)) return false;
  out = r;
  return true;
}

// Differential entropy: log(2 pi e)/2 + log(sigma).
BEDS_HD bool entropy(double s, double& out) {
  const bool ok = math::isfinite(s) & (s > 0.0);
  s = ok ? s : 1.0;
  out = ok ? kHalfLog2PiE + math::log(s) : math::kNaN;
  return ok;
}

// ---------------------------------------------------------------- tangent vectors
// <u, v>_p = (u_mu v_mu + 2 u_sigma v_sigma) / sigma^2 = (u_mu / s)(v_mu / s) + 2 (u_s / s)(v_s / s).
// Fast range: 1 / s normal, each ratio normal (or its numerator 0), the result finite.
BEDS_HD bool inner_factor_ok(double u, double f) { return (math::abs(f) >= kTiny) | (u == 0.0); }
BEDS_HD bool inner(double s, double um, double us, double vm, double vs, double& out) {
  const double is = 1.0 / s;
  const double xu = um * is, xv = vm * is, yu = us * is, yv = vs * is;
  const double r = xu * xv + 2.0 * (yu * yv);
  const bool ok = (s >= 0x1p-1020) & (s <= 0x1p1020) & math::isfinite(r) & inner_factor_ok(um, xu) &
                  inner_factor_ok(vm, xv) & inner_factor_ok(us, yu) & inner_factor_ok(vs, yv);
  out = ok ? r : math::kNaN;
  return ok;
}
BEDS_HD bool inner_slow(double s, double um, double us, double vm, double vs, double& out) {
  out = math::kNaN;
  if (!(math::isfinite(s) & (s > 0.0) & math::isfinite(um) & math::isfinite(us) & math::isfinite(vm) &
        math::isfinite(vs)))
    return false;
  const Wide S = wide(s);
  const Wide r = (wide(um) / S) * (wide(vm) / S) + 2.0 * ((wide(us) / S) * (wide(vs) / S));
  const double x = math::to_double(r);
  if (!math::isfinite(x)) return false;
  out = x;
  return true;
}

// The start direction of a geodesic, from unnormalised half-plane components (a, b).  (a, b) is
// first scaled by a power of two so that max(|a|, |b|) lies in [1, 2), so no power of |(a, b)|
// can under- or overflow; then, with n = |(a, b)| and one division,
//   cos(phi) = a / n,  tau = 1 - sin(phi) without cancellation:
//   b > 0: tau = a^2 / (n (n + b));   b <= 0: tau = (n - b) / n.
struct Direction {
  double cos_phi, tau;
  double n;      // |(a, b)| after scaling
  double scale;  // the power of two applied
};
BEDS_HD Direction direction(double a, double b) {
  const double mx = math::max(math::abs(a), math::abs(b));
  const bool zero = !(mx > 0.0);
  const std::uint64_t field = math::to_bits(zero ? 1.0 : mx) >> 52;  // biased exponent of mx
  Direction d;
  d.scale = math::from_bits((2046ULL - field) << 52);  // 2^-exponent (2^1023 for subnormal mx)
  const double as = a * d.scale, bs = b * d.scale;
  d.n = math::sqrt(as * as + bs * bs);
  const bool up = bs > 0.0;
  const double num = up ? as * as : d.n - bs;
  const double dn = up ? d.n + bs : 1.0;  // den / n
  const double inv_den = 1.0 / (zero ? 1.0 : d.n * dn);
  d.cos_phi = zero ? 0.0 : as * dn * inv_den;
  d.tau = zero ? 0.0 : num * inv_den;
  return d;
}
// The same with an unbounded exponent (slow paths); n = |(a, b)| unscaled.
struct WideDirection {
  Wide cos_phi, tau, n;
};
BEDS_HD WideDirection direction(Wide a, Wide b) {
  WideDirection d;
  d.n = math::sqrt(a * a + b * b);
  if (math::is_zero(d.n)) {
    d.cos_phi = d.tau = d.n;
    return d;
  }
  d.cos_phi = a / d.n;
  d.tau = math::is_positive(b) ? (a * a) / (d.n * (d.n + b)) : (d.n - b) / d.n;
  return d;
}

// Moves along the geodesic that leaves (m0, s0) in the direction (cos phi, tau = 1 - sin phi) of
// the half-plane (x = mu / sqrt 2, y = sigma) for half-plane length rho >= 0.  Closed form (Moebius
// map of i e^rho):
//   D = e^-rho + tau sinh(rho),  y = s0 / D,  x = x0 + s0 cos(phi) sinh(rho) / D.
// Written with em = e^-rho and E = 1 - e^-rho (both in [0, 1]) so that nothing overflows:
//   K = em D = em^2 + tau E (1 + em) / 2  (exactly 1 at rho = 0: the start point is returned exactly).
// In plain doubles this is accurate for rho <= kRhoMax and s0 in [kScaleLo, kScaleHi] (the callers
// check that); move_along_slow evaluates it for any rho and s0.
BEDS_HD void move_along(double m0, double s0, double cos_phi, double tau, double rho, double& m, double& s) {
  const double P = math::expm1(rho);  // rho >= 0
  const double em = 1.0 / (1.0 + P);
  const double E = P < math::kInf ? P * em : 1.0;
  const double K = em * em + 0.5 * tau * E * (1.0 + em);
  const bool pos = K > 0.0;  // K == 0 only when e^rho overflows on a vertical geodesic
  const double iK = 1.0 / (pos ? K : 1.0);
  s = pos ? s0 * em * iK : math::kInf;
  m = m0 + (pos ? kSqrt2 * s0 * cos_phi * 0.5 * E * (1.0 + em) * iK : 0.0);
}
// false when the point reached is not representable (sigma overflows or underflows to 0, or mu
// overflows).  A subnormal sigma is representable (rounded once).
BEDS_HD bool move_along_slow(double m0, double s0, Wide cos_phi, Wide tau, Wide rho, double& m, double& s) {
  m = s = math::kNaN;
  // a representable end point is at most 3655 from the start: on a half-circle of radius R, whose
  // apex is rho_a from the start, y = y0 cosh(rho_a) / cosh(rho - rho_a); the feet are 2R apart
  // and the walk starts within y0 of one of them, so a representable mean needs R = y0 cosh(rho_a)
  // below 2^1024 (rho_a <= 1455), and a representable y needs rho - rho_a <= 1455 + 745 (vertical
  // geodesics: rho <= 1455).  Beyond 2^12 = 4096 nothing is representable.
  if (!math::below_pow2(rho, 12)) return false;
  const double r = math::to_double(rho);
  const Wide one = wide(1.0);
  const Wide P = r <= 700.0 ? wide(math::expm1(r)) : math::exp_wide(r);  // e^r - 1 (the -1 is below an ulp)
  const Wide em = one / (P + 1.0);
  const Wide E = r <= 700.0 ? P * em : one - em;
  const Wide half_E1 = 0.5 * E * (em + 1.0);
  const Wide K = em * em + tau * half_E1;
  const Wide S0 = wide(s0);
  const double ss = math::to_double(S0 * em / K);
  const double mm = math::to_double(wide(m0) + kSqrt2 * S0 * cos_phi * half_E1 / K);
  if (!(ss > 0.0) | !(ss <= math::kMaxDouble) | !math::isfinite(mm)) return false;
  m = mm;
  s = ss;
  return true;
}

// Exp_p(v): the point reached at t = 1 by the geodesic leaving p = (m0, s0) with velocity
// v = (vm, vs) in (mu, sigma) coordinates.  FR length of v: sqrt(vm^2 + 2 vs^2) / s0.
// Stage 1: mid = (m0, s0, cos phi, tau, rho); stage 2: move_along.  Fast range: s0 in [kScaleLo,
// kScaleHi], |m0| <= kHuge, |v| <= kScaleHi, rho in [kScaleLo, kRhoMax] (or v = 0).
BEDS_HD bool exp_stage1(double m0, double s0, double vm, double vs, double* mid) {
  const double vmax = math::max(math::abs(vm), math::abs(vs));
  const Direction d = direction(vm / kSqrt2, vs);  // half-plane components of v
  const double rho = d.n / (d.scale * s0);         // = |v|_E / s0
  const bool ok = (s0 >= kScaleLo) & (s0 <= kScaleHi) & (math::abs(m0) <= kHuge) & (vmax <= kScaleHi) &
                  (rho <= kRhoMax) & ((rho >= kScaleLo) | (vmax == 0.0));
  mid[0] = ok ? m0 : math::kNaN;
  mid[1] = ok ? s0 : math::kNaN;
  mid[2] = ok ? d.cos_phi : 0.0;
  mid[3] = ok ? d.tau : 0.0;
  mid[4] = ok ? rho : 0.0;
  return ok;
}
BEDS_HD void exp_stage2(const double* mid, double& m, double& s) {
  move_along(mid[0], mid[1], mid[2], mid[3], mid[4], m, s);
}
BEDS_HD bool exp_slow(double m0, double s0, double vm, double vs, double& m, double& s) {
  m = s = math::kNaN;
  if (!(valid_point(m0, s0) & math::isfinite(vm) & math::isfinite(vs))) return false;
  const WideDirection d = direction(wide(vm) / kSqrt2, wide(vs));
  return move_along_slow(m0, s0, d.cos_phi, d.tau, d.n / wide(s0), m, s);
}
BEDS_HD bool exp(double m0, double s0, double vm, double vs, double& m, double& s) {
  double mid[5];
  if (exp_stage1(m0, s0, vm, vs, mid)) {
    exp_stage2(mid, m, s);
    return true;
  }
  return exp_slow(m0, s0, vm, vs, m, s);
}

// Exp in orthonormal components: the point at half-plane distance |(ex, ey)| from (m0, s0) in the
// direction (ex, ey) of the half-plane (x = mu / sqrt 2), i.e. Exp with v = s0 (sqrt 2 ex, ey),
// without forming v (which underflows for s0 near the smallest subnormal).  Used by the Karcher
// mean; false when the point is not representable.
BEDS_HD bool exp_orthonormal(double m0, double s0, double ex, double ey, double& m, double& s) {
  const Direction d = direction(ex, ey);
  const double rho = d.n / d.scale;
  if ((s0 >= kScaleLo) & (s0 <= kScaleHi) & (math::abs(m0) <= kHuge) & (rho <= kRhoMax) & math::isfinite(rho) &
      ((rho >= kScaleLo) | (rho == 0.0))) {
    move_along(m0, s0, d.cos_phi, d.tau, rho, m, s);
    return true;
  }
  const WideDirection w = direction(wide(ex), wide(ey));
  return move_along_slow(m0, s0, w.cos_phi, w.tau, w.n, m, s);
}

// Shared part of log and geodesic: half-plane distance rho from p0 to p1, and the (unnormalised)
// initial direction (a, b) of the geodesic at p0, in half-plane components.
//   R2 = dm^2/2 + ds^2,  c = cosh(rho) - 1 = R2 / (2 s0 s1),  sinh(rho) = sqrt(c (c + 2))
//   direction at p0 ~ (dm s0 / sqrt 2, s0 ds + R2 / 2); divided by s1 (as the log map needs it):
//   vm0 = dm (s0 / s1),  vs0 = ds (s0 / s1) + R2 / (2 s1)  (v = rho / sinh(rho) (vm0, vs0))
// rho = log1p(c + sinh(rho)) is left to the caller (the second stage).
// Fast range (`ok`, which also rejects every out-of-domain input): both scales in [kScaleLo,
// kScaleHi], c <= kWMax, R2 and c above kTiny unless both differences are exactly 0.  Then
// s0 / s1 <= 2^502 and every quantity above stays normal.
// (the two flags are returned through references, not as members: bool members of a struct stop
// GCC from vectorizing the loops)
struct Chord {
  double c_plus_sinh, sinh_rho, vm0, vs0;
};
BEDS_HD Chord chord(double m0, double s0, double m1, double s1, bool& ok, bool& same) {
  const double dm = m1 - m0, ds = s1 - s0;
  const double R2 = 0.5 * dm * dm + ds * ds;
  const double c = R2 / (2.0 * s0 * s1);
  const double is1 = 1.0 / s1;
  const double ratio = s0 * is1;
  Chord ch;
  ch.sinh_rho = math::sqrt(c * (c + 2.0));
  ch.c_plus_sinh = c + ch.sinh_rho;
  ch.vm0 = dm * ratio;
  ch.vs0 = ds * ratio + 0.5 * R2 * is1;
  same = (dm == 0.0) & (ds == 0.0);
  ok = (math::min(s0, s1) >= kScaleLo) & (math::max(s0, s1) <= kScaleHi) & (c <= kWMax) &
       ((math::min(R2, c) >= kTiny) | same);
  return ch;
}
// The same with an unbounded exponent (rho is at most 3000, but may be below the double range).
struct WideChord {
  Wide rho, sinh_rho, vm0, vs0;
};
BEDS_HD WideChord chord_slow(double m0, double s0, double m1, double s1) {
  const Wide S0 = wide(s0), S1 = wide(s1);
  const Wide dm = wide(m1) - wide(m0), ds = S1 - S0;
  const Wide R2 = 0.5 * dm * dm + ds * ds;
  const Wide c = R2 / (2.0 * S0 * S1);
  WideChord ch;
  ch.sinh_rho = math::sqrt(c * (c + 2.0));
  ch.rho = math::log1p(c + ch.sinh_rho);
  ch.vm0 = dm * S0 / S1;
  ch.vs0 = (ds * S0 + 0.5 * R2) / S1;
  return ch;
}

// Log_p0(p1): initial velocity (in (mu, sigma) coordinates) of the geodesic from p0 to p1 at t = 1.
//   v_mu = f dm s0 / s1,  v_sigma = f (s0 ds + R2 / 2) / s1,  f = rho / sinh(rho).
// Stage 1: mid = (c + sinh rho, sinh rho, v_mu / f, v_sigma / f); stage 2: rho and f.
BEDS_HD bool log_stage1(double m0, double s0, double m1, double s1, double* mid) {
  bool ok, same;
  const Chord ch = chord(m0, s0, m1, s1, ok, same);
  mid[0] = ok ? ch.c_plus_sinh : 0.0;
  mid[1] = ok ? ch.sinh_rho : 0.0;
  mid[2] = ok ? ch.vm0 : math::kNaN;
  mid[3] = ok ? ch.vs0 : math::kNaN;
  return ok;
}
BEDS_HD void log_stage2(const double* mid, double& vm, double& vs) {
  const bool zero = mid[1] == 0.0;
  const double f = zero ? 1.0 : math::log1p_pos(mid[0]) / (zero ? 1.0 : mid[1]);
  vm = f * mid[2];
  vs = f * mid[3];
}
// The log map with an unbounded exponent: rho and v = (vm, vs) (for log and the penalty).
struct WideLog {
  Wide rho, vm, vs;
};
BEDS_HD WideLog log_wide(double m0, double s0, double m1, double s1) {
  const WideChord ch = chord_slow(m0, s0, m1, s1);
  const Wide f = math::is_zero(ch.sinh_rho) ? wide(1.0) : ch.rho / ch.sinh_rho;
  WideLog l;
  l.rho = ch.rho;
  l.vm = f * ch.vm0;
  l.vs = f * ch.vs0;
  return l;
}
// false for out-of-domain input and for a velocity that overflows (s0 near 1e308 and p1 far away).
BEDS_HD bool log_slow(double m0, double s0, double m1, double s1, double& vm, double& vs) {
  vm = vs = math::kNaN;
  if (!(valid_point(m0, s0) & valid_point(m1, s1))) return false;
  const WideLog l = log_wide(m0, s0, m1, s1);
  const double a = math::to_double(l.vm), b = math::to_double(l.vs);
  if (!(math::isfinite(a) & math::isfinite(b))) return false;
  vm = a;
  vs = b;
  return true;
}
BEDS_HD bool log(double m0, double s0, double m1, double s1, double& vm, double& vs) {
  double mid[4];
  if (log_stage1(m0, s0, m1, s1, mid)) {
    log_stage2(mid, vm, vs);
    return true;
  }
  return log_slow(m0, s0, m1, s1, vm, vs);
}

// Point at parameter t on the geodesic from p0 (t = 0) to p1 (t = 1); t outside [0, 1] extrapolates.
// The point at t from p0 is the point at 1 - t from p1: the walk starts from the nearer end (t <= 1/2:
// p0; at 1/2 the end with the smaller |mean|), so that t = 0 and t = 1 return the end points exactly
// and a short step stays accurate.  The mean is base + offset, which rounds to eps (|base| +
// |offset|): when the result is far below the base's |mean| (a nearly vertical geodesic from
// (1e60, 1e100) down to (0, 1) is at mean 1e-38 at t = 0.49), stage 2 reports the cancellation and
// the slow path walks from the other end instead.
struct GeodesicBase {
  double mb, sb, mo, so, t;
};
BEDS_HD GeodesicBase geodesic_base(double m0, double s0, double m1, double s1, double t, bool other) {
  const bool near1 = (t > 0.5) | ((t == 0.5) & (math::abs(m1) < math::abs(m0)));
  const bool flip = near1 != other;
  return GeodesicBase{flip ? m1 : m0, flip ? s1 : s0, flip ? m0 : m1, flip ? s0 : s1, flip ? 1.0 - t : t};
}
// The mean of the point reached from base mean mb lost more than 4 bits to cancellation.
BEDS_HD bool cancelled(double mb, double m, double s) { return math::abs(mb) > 16.0 * (math::abs(m) + s); }
// Stage 1: mid = (mb, sb, cos phi, tau, |t| rho); stage 2: move_along (the two transcendental
// functions in separate stages balance the dependency chains: 15.6 -> 12.6 ns with AVX2).
// Fast range: the chord's, |mb| <= kHuge, |t| rho <= kRhoMax and above kTiny (or t = 0, or p0 = p1).
BEDS_HD bool geodesic_stage1(double m0, double s0, double m1, double s1, double t, double* mid) {
  const GeodesicBase g = geodesic_base(m0, s0, m1, s1, t, false);
  bool chord_ok, same;
  const Chord ch = chord(g.mb, g.sb, g.mo, g.so, chord_ok, same);
  // backwards (t < 0): walk the reversed direction for |t| rho, avoiding cancellation in tau
  const double sg = g.t < 0.0 ? -1.0 : 1.0;
  const Direction d = direction(sg * ch.vm0 / kSqrt2, sg * ch.vs0);
  const double trho = sg * g.t * math::log1p_pos(ch.c_plus_sinh);  // |t| rho
  const bool ok = chord_ok & (math::abs(g.mb) <= kHuge) & (trho <= kRhoMax) & ((trho >= kTiny) | (g.t == 0.0) | same);
  mid[0] = ok ? g.mb : math::kNaN;
  mid[1] = ok ? g.sb : math::kNaN;
  mid[2] = ok ? d.cos_phi : 0.0;
  mid[3] = ok ? d.tau : 0.0;
  mid[4] = ok ? trho : 0.0;
  return ok;
}
// false (outputs NaN) when the mean cancelled (see above): the element goes to the slow path.
BEDS_HD bool geodesic_stage2(const double* mid, double& m, double& s) {
  move_along(mid[0], mid[1], mid[2], mid[3], mid[4], m, s);
  const bool ok = !cancelled(mid[0], m, s);
  m = ok ? m : math::kNaN;
  s = ok ? s : math::kNaN;
  return ok;
}
// The walk of geodesic_slow from one end (unbounded exponent).
BEDS_HD bool geodesic_walk(const GeodesicBase& g, double& m, double& s) {
  if (g.t == 0.0 || ((g.mb == g.mo) & (g.sb == g.so))) {
    m = g.mb;
    s = g.sb;
    return true;
  }
  const WideChord ch = chord_slow(g.mb, g.sb, g.mo, g.so);
  const double sg = g.t < 0.0 ? -1.0 : 1.0;
  const WideDirection d = direction(sg * ch.vm0 / kSqrt2, sg * ch.vs0);
  return move_along_slow(g.mb, g.sb, d.cos_phi, d.tau, wide(sg * g.t) * ch.rho, m, s);
}
// false for out-of-domain input and for a point that is not representable (extrapolation).
BEDS_HD bool geodesic_slow(double m0, double s0, double m1, double s1, double t, double& m, double& s) {
  m = s = math::kNaN;
  if (!(valid_point(m0, s0) & valid_point(m1, s1) & math::isfinite(t))) return false;
  const GeodesicBase g = geodesic_base(m0, s0, m1, s1, t, false);
  if (!geodesic_walk(g, m, s)) return false;
  if (cancelled(g.mb, m, s)) {  // from the other end, unless the mean cancels there as well
    const GeodesicBase o = geodesic_base(m0, s0, m1, s1, t, true);
    double mo, so;
    if (geodesic_walk(o, mo, so) && (!cancelled(o.mb, mo, so) || math::abs(o.mb) < math::abs(g.mb))) {
      m = mo;
      s = so;
    }
  }
  return true;
}
BEDS_HD bool geodesic(double m0, double s0, double m1, double s1, double t, double& m, double& s) {
  double mid[5];
  if (geodesic_stage1(m0, s0, m1, s1, t, mid) && geodesic_stage2(mid, m, s)) return true;
  return geodesic_slow(m0, s0, m1, s1, t, m, s);
}

// Parallel transport of v in T_p0 along the geodesic p0 -> p1.  The half-plane metric is conformal
// and transport keeps the angle to the geodesic, so in complex half-plane components
//   v' = (s1 / s0) v u1 conj(u0),   u0, u1 = unit tangents of the geodesic at p0 and p1,
//   u0 ~ (dx, ds + R2 / (2 s0)),  u1 ~ (dx, ds - R2 / (2 s1)),  dx = dm / sqrt 2
// (the tangents (dx s0, s0 ds + R2/2) and (dx s1, s1 ds - R2/2) divided by s0 and s1).  Each is
// normalised on its own after a power-of-two scaling (as in direction), so neither its square nor
// the product of the two norms can under- or overflow.
// Fast range: scales in [2^-200, 2^200], c = R2 / (2 s0 s1) <= 2^200, R2 and c above kTiny (or
// p0 = p1), |v| <= kScaleHi: every quantity stays normal and the result below 2^900.
BEDS_HD void unit(double x, double y, double& ux, double& uy) {
  const double mx = math::max(math::abs(x), math::abs(y));
  const bool zero = !(mx > 0.0);
  const std::uint64_t field = math::to_bits(zero ? 1.0 : mx) >> 52;
  const double scale = math::from_bits((2046ULL - field) << 52);
  const double xs = x * scale, ys = y * scale;
  const double inv = 1.0 / (zero ? 1.0 : math::sqrt(xs * xs + ys * ys));
  ux = xs * inv;
  uy = ys * inv;
}
BEDS_HD bool transport(double m0, double s0, double m1, double s1, double vm, double vs, double& wm, double& ws) {
  const double dx = (m1 - m0) / kSqrt2, ds = s1 - s0;
  const double R2 = dx * dx + ds * ds;
  const double c = R2 / (2.0 * s0 * s1);
  const bool same = (dx == 0.0) & (ds == 0.0);
  double px, py, qx, qy;
  unit(dx, ds + c * s1, px, py);
  unit(dx, ds - c * s0, qx, qy);
  const double re = qx * px + qy * py, im = qy * px - qx * py;  // u1 conj(u0)
  const double ratio = s1 / s0;
  const double cr = same ? 1.0 : re * ratio, ci = same ? 0.0 : im * ratio;
  const double vx = vm / kSqrt2;
  const double rx = cr * vx - ci * vs, ry = ci * vx + cr * vs;
  const bool ok = (math::min(s0, s1) >= 0x1p-200) & (math::max(s0, s1) <= 0x1p200) & (c <= 0x1p200) &
                  ((math::min(R2, c) >= kTiny) | same) & (math::abs(vm) <= kScaleHi) & (math::abs(vs) <= kScaleHi);
  wm = ok ? kSqrt2 * rx : math::kNaN;
  ws = ok ? ry : math::kNaN;
  return ok;
}
// false for out-of-domain input and for a transported vector that overflows.
BEDS_HD bool transport_slow(double m0, double s0, double m1, double s1, double vm, double vs, double& wm, double& ws) {
  wm = ws = math::kNaN;
  if (!(valid_point(m0, s0) & valid_point(m1, s1) & math::isfinite(vm) & math::isfinite(vs))) return false;
  double cr = 1.0, ci = 0.0;
  if (!((m0 == m1) & (s0 == s1))) {
    const Wide S0 = wide(s0), S1 = wide(s1);
    const Wide dx = (wide(m1) - wide(m0)) / kSqrt2, ds = S1 - S0;
    const Wide R2 = dx * dx + ds * ds;
    const WideDirection p = direction(dx, ds + R2 / (2.0 * S0));
    const WideDirection q = direction(dx, ds - R2 / (2.0 * S1));
    const double px = math::to_double(p.cos_phi), qx = math::to_double(q.cos_phi);
    const double py = math::to_double((ds + R2 / (2.0 * S0)) / p.n), qy = math::to_double((ds - R2 / (2.0 * S1)) / q.n);
    cr = qx * px + qy * py;
    ci = qy * px - qx * py;
  }
  const Wide ratio = wide(s1) / wide(s0), vx = wide(vm) / kSqrt2, VS = wide(vs);
  const double a = math::to_double(kSqrt2 * ratio * (cr * vx - ci * VS));
  const double b = math::to_double(ratio * (ci * vx + cr * VS));
  if (!(math::isfinite(a) & math::isfinite(b))) return false;
  wm = a;
  ws = b;
  return true;
}

}  // namespace normal
BEDS_NAMESPACE_END
