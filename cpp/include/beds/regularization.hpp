// Fisher-Rao regularization kernels: the penalty R = lam/2 d_FR^2(q, q_ref) of a normal belief,
// its Euclidean gradient with respect to (mu, sigma) and its natural gradient, in one pass.
//
// With v = Log_q(q_ref) (the initial velocity of the geodesic from q to q_ref, in (mu, sigma)
// coordinates), the Riemannian gradient of d^2/2 at q is -v, so (Amari 1998, natural gradient):
//   natural gradient   G^-1 grad R = -lam v                      (n_mu, n_sigma)
//   Euclidean gradient grad R      = G (-lam v) = -lam (v_mu / sigma^2, 2 v_sigma / sigma^2)
//   value              R           = lam/2 d^2 = lam rho^2       (d = sqrt(2) rho, rho the
//                                                                 half-plane distance)
// The log map is the closed form of normal.hpp (two stages: the algebra, then one log1p), so the
// kernel costs one log1p and one division per element.  Invalid input (non-finite, sigma <= 0,
// lam < 0 or non-finite) gives NaN outputs and a false return (FE_INVALID in the loops).
#pragma once

#include "beds/math.hpp"
#include "beds/normal.hpp"

BEDS_NAMESPACE_BEGIN
namespace regularization {

// in = (mu, sigma, mu_ref, sigma_ref, lam); mid = (c + sinh rho, sinh rho, v_mu / f, v_sigma / f,
// lam, 1 / sigma^2) with f = rho / sinh rho.  Fast range: the log map's (normal::chord: sigma in
// [2^-500, 2^500]) and lam <= 2^500, so that every output stays below 2^1013 (the gradient is about
// lam rho / sigma); other elements go to normal_penalty_slow.
constexpr int kNormalPenaltyMid = 6;
// (the chord is taken here, as in normal::log_stage1, rather than by calling log_stage1: GCC does
// not vectorize the loop when the flag it returns is combined with the strength's)
BEDS_HD bool normal_penalty_stage1(const double* in, double* mid) {
  const double lam = in[4];
  bool ok, same;
  const normal::Chord ch = normal::chord(in[0], in[1], in[2], in[3], ok, same);
  ok = ok & (lam >= 0.0) & (lam <= normal::kScaleHi);
  mid[0] = ok ? ch.c_plus_sinh : 0.0;
  mid[1] = ok ? ch.sinh_rho : 0.0;
  mid[2] = ok ? ch.vm0 : math::kNaN;
  mid[3] = ok ? ch.vs0 : math::kNaN;
  mid[4] = ok ? lam : math::kNaN;
  const double s = in[1];
  mid[5] = 1.0 / (s * s);  // (used where ok only: std in [2^-500, 2^500])
  return ok;
}
// out = (value, grad_mu, grad_sigma, natgrad_mu, natgrad_sigma).  The strength multiplies last:
// a tiny strength then underflows only the outputs that are below the double range themselves.
BEDS_HD void normal_penalty_stage2(const double* mid, double* out) {
  const bool zero = mid[1] == 0.0;
  const double rho = math::log1p_pos(mid[0]);
  const double f = zero ? 1.0 : rho / (zero ? 1.0 : mid[1]);
  const double lam = mid[4];
  const double vm = f * mid[2], vs = f * mid[3];               // Log_q(q_ref)
  out[0] = rho < 1.0 ? (lam * rho) * rho : lam * (rho * rho);  // (rho^2 may underflow where lam rho^2 does not)
  out[1] = -lam * (vm * mid[5]);
  out[2] = -lam * (2.0 * vs * mid[5]);
  out[3] = -lam * vm;
  out[4] = -lam * vs;
}
// The same with an unbounded exponent (normal::log_wide).  false (outputs NaN) for out-of-domain
// input and when an output is not representable (a large strength with a tiny sigma).
BEDS_HD bool normal_penalty_slow(const double* in, double* out) {
  for (int k = 0; k < 5; ++k) out[k] = math::kNaN;
  const double lam = in[4];
  if (!(normal::valid_point(in[0], in[1]) & normal::valid_point(in[2], in[3]) & math::isfinite(lam) & (lam >= 0.0)))
    return false;
  const normal::WideLog l = normal::log_wide(in[0], in[1], in[2], in[3]);
  const math::Wide L = math::wide(lam), S = math::wide(in[1]);
  const math::Wide nm = -(L * l.vm), ns = -(L * l.vs), is2 = math::wide(1.0) / (S * S);  // (one rounding each)
  double r[5];
  r[0] = math::to_double(L * l.rho * l.rho);
  r[1] = math::to_double(nm * is2);
  r[2] = math::to_double(2.0 * ns * is2);
  r[3] = math::to_double(nm);
  r[4] = math::to_double(ns);
  for (int k = 0; k < 5; ++k)
    if (!math::isfinite(r[k])) return false;
  for (int k = 0; k < 5; ++k) out[k] = r[k];
  return true;
}

}  // namespace regularization
BEDS_NAMESPACE_END
