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
// lam, 1 / sigma^2) with f = rho / sinh rho.
constexpr int kNormalPenaltyMid = 6;
BEDS_HD bool normal_penalty_stage1(const double* in, double* mid) {
  const double lam = in[4];
  const bool ok_lam = math::isfinite(lam) & (lam >= 0.0);
  const bool ok = normal::log_stage1(in[0], in[1], in[2], in[3], mid) & ok_lam;
  const double s = ok ? in[1] : 1.0;
  mid[4] = ok ? lam : math::kNaN;
  mid[5] = 1.0 / (s * s);
  return ok;
}
// out = (value, grad_mu, grad_sigma, natgrad_mu, natgrad_sigma)
BEDS_HD void normal_penalty_stage2(const double* mid, double* out) {
  const bool zero = mid[1] == 0.0;
  const double rho = math::log1p_pos(mid[0]);
  const double f = zero ? 1.0 : rho / (zero ? 1.0 : mid[1]);
  const double lam = mid[4];
  const double nm = -lam * f * mid[2];
  const double ns = -lam * f * mid[3];
  out[0] = lam * rho * rho;
  out[1] = nm * mid[5];
  out[2] = 2.0 * ns * mid[5];
  out[3] = nm;
  out[4] = ns;
}

}  // namespace regularization
BEDS_NAMESPACE_END
