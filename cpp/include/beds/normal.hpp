// Univariate normal N(mu, sigma^2): the Fisher-Rao geometry of the hyperbolic half-plane.
//
// Metric ds^2 = (dmu^2 + 2 dsigma^2) / sigma^2.  With x = mu / sqrt(2), y = sigma it is twice the
// Poincare half-plane metric (curvature -1/2), so geodesics are the half-plane geodesics (vertical
// lines, half-circles in x) with the same parametrisation, and d = sqrt(2) d_H.
//
// Every function is scalar, branch-free (selects only) and BEDS_HD, so the same code runs in the
// vectorized CPU loops and in CUDA kernels.  Each returns false when its parameters are outside the
// domain (non-finite, sigma <= 0); invalid lanes are sanitised before any arithmetic so that they
// raise no floating-point exceptions, and their outputs are NaN.
//
// Formulas (derivations: docs page mathematics/normal):
//   w   = (dmu^2/2 + dsigma^2) / (4 s1 s2)              (= sinh^2(d_H / 2))
//   d   = 2 sqrt(2) asinh(sqrt(w)) = sqrt(2) log1p(2w + 2 sqrt(w (1 + w)))
// which is accurate to a few ulp both for near pairs (the arccosh form is not) and far pairs (the
// artanh form is not).
#pragma once

#include "beds/math.hpp"

BEDS_NAMESPACE_BEGIN
namespace normal {

constexpr double kSqrt2 = 1.41421356237309504880;
constexpr double kHalfLog2PiE = 1.41893853320467274178;  // log(2 pi e) / 2

BEDS_HD bool valid_point(double mu, double sigma) { return math::isfinite(mu) & math::isfinite(sigma) & (sigma > 0.0); }
// Replaces the parameters of an invalid lane by harmless values (no flags, no NaN in the chain).
BEDS_HD void sanitize(bool ok, double& m0, double& s0, double& m1, double& s1) {
  m0 = ok ? m0 : 0.0;
  m1 = ok ? m1 : 0.0;
  s0 = ok ? s0 : 1.0;
  s1 = ok ? s1 : 1.0;
}
// Both points valid, in few operations: x * 0 is 0 exactly when x is finite.
BEDS_HD bool valid_pair(double m1, double s1, double m2, double s2) {
  return ((m1 * 0.0 + m2 * 0.0) + (s1 * 0.0 + s2 * 0.0) == 0.0) & (math::min(s1, s2) > 0.0);
}

// ---------------------------------------------------------------- distances and divergences
// d_FR(N(m1, s1^2), N(m2, s2^2)) in two stages (see has_stages in loops.hpp): the argument u of
// log1p, then d = sqrt(2) log1p(u).
BEDS_HD bool distance_stage1(double m1, double s1, double m2, double s2, double& u) {
  const bool ok = valid_pair(m1, s1, m2, s2);
  const double dm = m1 - m2, ds = s1 - s2;
  const double w = (0.5 * dm * dm + ds * ds) / (4.0 * s1 * s2);
  const double uu = 2.0 * (w + math::sqrt(w * (1.0 + w)));
  // invalid lanes: NaN flows through stage 2 (see has_stages in loops.hpp)
  u = ok ? uu : math::kNaN;
  return ok;
}
BEDS_HD double distance_stage2(double u) { return kSqrt2 * math::log1p_pos(u); }
BEDS_HD bool distance(double m1, double s1, double m2, double s2, double& d) {
  double u;
  const bool ok = distance_stage1(m1, s1, m2, s2, u);
  d = ok ? distance_stage2(u) : math::kNaN;
  return ok;
}

// KL(N1 || N2) = -log(r) + (r^2 - 1)/2 + dm^2 / (2 s2^2),  r = s1 / s2 = 1 + delta.
// -log(r) + (r^2 - 1)/2 = -log1pmx_r(delta, r) + delta^2 / 2: every term is >= 0, so there is no
// cancellation for near pairs, and log(r) is taken from r itself when s1 << s2.
// Stage 1: mid = (delta, r, rest); stage 2: the logarithm.
BEDS_HD bool kl_stage1(double m1, double s1, double m2, double s2, double* mid) {
  const bool ok = valid_pair(m1, s1, m2, s2);
  const double is2 = 1.0 / s2;
  const double dm = (m1 - m2) * is2;
  const double delta = (s1 - s2) * is2;
  mid[0] = ok ? delta : 0.0;
  mid[1] = ok ? s1 * is2 : 1.0;
  mid[2] = ok ? 0.5 * delta * delta + 0.5 * dm * dm : math::kNaN;
  return ok;
}
BEDS_HD double kl_stage2(const double* mid) { return mid[2] - math::log1pmx_r(mid[0], mid[1]); }
BEDS_HD bool kl(double m1, double s1, double m2, double s2, double& out) {
  double mid[3];
  const bool ok = kl_stage1(m1, s1, m2, s2, mid);
  out = ok ? kl_stage2(mid) : math::kNaN;
  return ok;
}

// J = KL(1||2) + KL(2||1) = [ds^2 (s1 + s2)^2 + dm^2 (s1^2 + s2^2)] / (2 s1^2 s2^2).
BEDS_HD bool jeffreys(double m1, double s1, double m2, double s2, double& out) {
  const bool ok = valid_point(m1, s1) & valid_point(m2, s2);
  sanitize(ok, m1, s1, m2, s2);
  const double dm = m1 - m2, ds = s1 - s2, ss = s1 + s2;
  // written as a sum of squared ratios to keep the range of sigma wide
  const double a = ds * ss / (s1 * s2);
  const double b1 = dm / s1, b2 = dm / s2;
  const double r = 0.5 * (a * a + b1 * b1 + b2 * b2);
  out = ok ? r : math::kNaN;
  return ok;
}

// Differential entropy: log(2 pi e)/2 + log(sigma).
BEDS_HD bool entropy(double s, double& out) {
  const bool ok = math::isfinite(s) & (s > 0.0);
  s = ok ? s : 1.0;
  out = ok ? kHalfLog2PiE + math::log(s) : math::kNaN;
  return ok;
}

// ---------------------------------------------------------------- tangent vectors
// <u, v>_p = (u_mu v_mu + 2 u_sigma v_sigma) / sigma^2.
BEDS_HD bool inner(double s, double um, double us, double vm, double vs, double& out) {
  const bool ok =
      math::isfinite(s) & (s > 0.0) & math::isfinite(um) & math::isfinite(us) & math::isfinite(vm) & math::isfinite(vs);
  s = ok ? s : 1.0;
  const double is = 1.0 / s;
  const double r = (um * is) * (vm * is) + 2.0 * (us * is) * (vs * is);
  out = ok ? r : math::kNaN;
  return ok;
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

// Moves along the geodesic that leaves (m0, s0) in the direction (cos phi, tau = 1 - sin phi) of
// the half-plane (x = mu / sqrt 2, y = sigma) for half-plane length rho >= 0.  Closed form (Moebius
// map of i e^rho):
//   D = e^-rho + tau sinh(rho),  y = s0 / D,  x = x0 + s0 cos(phi) sinh(rho) / D.
// Written with em = e^-rho and E = 1 - e^-rho (both in [0, 1]) so that nothing overflows:
//   K = em D = em^2 + tau E (1 + em) / 2  (exactly 1 at rho = 0: the start point is returned exactly).
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

// Exp_p(v): the point reached at t = 1 by the geodesic leaving p = (m0, s0) with velocity
// v = (vm, vs) in (mu, sigma) coordinates.  FR length of v: sqrt(vm^2 + 2 vs^2) / s0.
// Stage 1: mid = (m0, s0, cos phi, tau, rho); stage 2: move_along.
BEDS_HD bool exp_stage1(double m0, double s0, double vm, double vs, double* mid) {
  const bool ok = valid_point(m0, s0) & math::isfinite(vm) & math::isfinite(vs);
  m0 = ok ? m0 : 0.0;
  s0 = ok ? s0 : 1.0;
  vm = ok ? vm : 0.0;
  vs = ok ? vs : 0.0;
  const Direction d = direction(vm / kSqrt2, vs);  // half-plane components of v
  mid[0] = ok ? m0 : math::kNaN;
  mid[1] = ok ? s0 : math::kNaN;
  mid[2] = d.cos_phi;
  mid[3] = d.tau;
  mid[4] = d.n / (d.scale * s0);  // rho = |v|_E / s0
  return ok;
}
BEDS_HD void exp_stage2(const double* mid, double& m, double& s) {
  move_along(mid[0], mid[1], mid[2], mid[3], mid[4], m, s);
}
BEDS_HD bool exp(double m0, double s0, double vm, double vs, double& m, double& s) {
  double mid[5];
  const bool ok = exp_stage1(m0, s0, vm, vs, mid);
  exp_stage2(mid, m, s);
  m = ok ? m : math::kNaN;
  s = ok ? s : math::kNaN;
  return ok;
}

// Shared part of log and geodesic: half-plane distance rho from p0 to p1, and the (unnormalised)
// initial direction (a, b) of the geodesic at p0, in half-plane components.
//   R2 = dm^2/2 + ds^2,  c = cosh(rho) - 1 = R2 / (2 s0 s1),  sinh(rho) = sqrt(c (c + 2))
//   direction at p0 ~ (dm s0 / sqrt 2, s0 ds + R2 / 2)
// rho = log1p(c + sinh(rho)) is left to the caller (the second stage).
struct Chord {
  double c_plus_sinh, sinh_rho, a, b;
};
BEDS_HD Chord chord(double m0, double s0, double m1, double s1) {
  const double dm = m1 - m0, ds = s1 - s0;
  const double R2 = 0.5 * dm * dm + ds * ds;
  const double c = R2 / (2.0 * s0 * s1);
  Chord ch;
  ch.sinh_rho = math::sqrt(c * (c + 2.0));
  ch.c_plus_sinh = c + ch.sinh_rho;
  ch.a = dm * s0 / kSqrt2;
  ch.b = s0 * ds + 0.5 * R2;
  return ch;
}

// Log_p0(p1): initial velocity (in (mu, sigma) coordinates) of the geodesic from p0 to p1 at t = 1.
//   v_mu = f dm s0 / s1,  v_sigma = f (s0 ds + R2 / 2) / s1,  f = rho / sinh(rho).
// Stage 1: mid = (c + sinh rho, sinh rho, v_mu / f, v_sigma / f); stage 2: rho and f.
BEDS_HD bool log_stage1(double m0, double s0, double m1, double s1, double* mid) {
  const bool ok = valid_point(m0, s0) & valid_point(m1, s1);
  sanitize(ok, m0, s0, m1, s1);
  const Chord ch = chord(m0, s0, m1, s1);
  const double is1 = 1.0 / s1;
  mid[0] = ch.c_plus_sinh;
  mid[1] = ch.sinh_rho;
  mid[2] = ok ? kSqrt2 * ch.a * is1 : math::kNaN;
  mid[3] = ok ? ch.b * is1 : math::kNaN;
  return ok;
}
BEDS_HD void log_stage2(const double* mid, double& vm, double& vs) {
  const bool zero = mid[1] == 0.0;
  const double f = zero ? 1.0 : math::log1p_pos(mid[0]) / (zero ? 1.0 : mid[1]);
  vm = f * mid[2];
  vs = f * mid[3];
}
BEDS_HD bool log(double m0, double s0, double m1, double s1, double& vm, double& vs) {
  double mid[4];
  const bool ok = log_stage1(m0, s0, m1, s1, mid);
  log_stage2(mid, vm, vs);
  vm = ok ? vm : math::kNaN;
  vs = ok ? vs : math::kNaN;
  return ok;
}

// Point at parameter t on the geodesic from p0 (t = 0) to p1 (t = 1); t outside [0, 1] extrapolates.
// Stage 1: mid = (m0, s0, cos phi, tau, |t| rho); stage 2: move_along (the two transcendental
// functions in separate stages balance the dependency chains: 15.6 -> 12.6 ns with AVX2).
BEDS_HD bool geodesic_stage1(double m0, double s0, double m1, double s1, double t, double* mid) {
  const bool ok = valid_point(m0, s0) & valid_point(m1, s1) & math::isfinite(t);
  sanitize(ok, m0, s0, m1, s1);
  t = ok ? t : 0.0;
  const Chord ch = chord(m0, s0, m1, s1);
  // backwards (t < 0): walk the reversed direction for |t| rho, avoiding cancellation in tau
  const double sg = t < 0.0 ? -1.0 : 1.0;
  const Direction d = direction(sg * ch.a, sg * ch.b);
  mid[0] = ok ? m0 : math::kNaN;
  mid[1] = ok ? s0 : math::kNaN;
  mid[2] = d.cos_phi;
  mid[3] = d.tau;
  mid[4] = sg * t * math::log1p_pos(ch.c_plus_sinh);  // |t| rho
  return ok;
}
BEDS_HD void geodesic_stage2(const double* mid, double& m, double& s) {
  move_along(mid[0], mid[1], mid[2], mid[3], mid[4], m, s);
}
BEDS_HD bool geodesic(double m0, double s0, double m1, double s1, double t, double& m, double& s) {
  double mid[5];
  const bool ok = geodesic_stage1(m0, s0, m1, s1, t, mid);
  geodesic_stage2(mid, m, s);
  m = ok ? m : math::kNaN;
  s = ok ? s : math::kNaN;
  return ok;
}

// Parallel transport of v in T_p0 along the geodesic p0 -> p1.  The half-plane metric is conformal
// and transport keeps the angle to the geodesic, so in complex half-plane components
//   v' = (s1 / s0) v u1 conj(u0),   u0, u1 = unit tangents of the geodesic at p0 and p1,
//   u0 ~ (dx s0, s0 ds + R2/2),  u1 ~ (dx s1, s1 ds - R2/2),  dx = dm / sqrt 2.
BEDS_HD bool transport(double m0, double s0, double m1, double s1, double vm, double vs, double& wm, double& ws) {
  const bool ok = valid_point(m0, s0) & valid_point(m1, s1) & math::isfinite(vm) & math::isfinite(vs);
  sanitize(ok, m0, s0, m1, s1);
  vm = ok ? vm : 0.0;
  vs = ok ? vs : 0.0;
  const double dx = (m1 - m0) / kSqrt2, ds = s1 - s0;
  const double R2 = dx * dx + ds * ds;
  const double px = dx * s0, py = s0 * ds + 0.5 * R2;
  const double qx = dx * s1, qy = s1 * ds - 0.5 * R2;
  const double re = qx * px + qy * py, im = qy * px - qx * py;  // u1 conj(u0), unnormalised
  const double nn = (px * px + py * py) * (qx * qx + qy * qy);
  const bool same = nn == 0.0;
  // scale = (s1 / s0) / (|p||q|), rotation (re, im)
  const double scale = same ? 1.0 : s1 / (s0 * math::sqrt(same ? 1.0 : nn));
  const double cr = same ? 1.0 : re * scale, ci = same ? 0.0 : im * scale;
  const double vx = vm / kSqrt2;
  const double rx = cr * vx - ci * vs, ry = ci * vx + cr * vs;
  wm = ok ? kSqrt2 * rx : math::kNaN;
  ws = ok ? ry : math::kNaN;
  return ok;
}

}  // namespace normal
BEDS_NAMESPACE_END
