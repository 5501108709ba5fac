// Weighted Frechet (Karcher) mean of univariate normals: argmin_m sum_i w_i d_FR(m, p_i)^2.
//
// Riemannian gradient descent preconditioned by the exact Hessian of the half-plane (a Riemannian
// Newton method), with the closed-form log and exp maps of beds/normal.hpp.  In an orthonormal frame
// of the half-plane (curvature -1) at z, with e_i = Log_z(p_i) and r_i = |e_i|:
//   gradient of F = 1/2 sum w_i d_H^2:  -sum_i w_i e_i
//   Hessian:  sum_i w_i [ I + h(r_i) (r_i^2 I - e_i e_i^T) ],  h(r) = (r coth r - 1) / r^2
// The Hessian is >= (sum w) I, so every step is a descent direction; a step that increases F is
// halved (backtracking).  The iteration starts at (weighted mean of mu, geometric mean of sigma),
// which is exact when all means are equal.  Converged when the FR length of the step is at most
// tol * max(1, rms distance).  Passes over large batches run on the thread pool in fixed chunks, so
// the result does not depend on the number of threads.
#pragma once

#include <cstddef>
#include <vector>

#include "beds/loops.hpp"
#include "beds/normal.hpp"
#include "beds/parallel.hpp"

BEDS_NAMESPACE_BEGIN
namespace normal {

struct MeanSums {
  double W = 0, F = 0, gx = 0, gy = 0, hxx = 0, hxy = 0, hyy = 0;
  void add(const MeanSums& o) { W += o.W, F += o.F, gx += o.gx, gy += o.gy, hxx += o.hxx, hxy += o.hxy, hyy += o.hyy; }
};

template <class T>
struct MeanData {
  const char *mu, *sigma, *w;
  std::ptrdiff_t smu, ssigma, sw, n;
  double x0, y0;  // current point in half-plane coordinates
  std::vector<MeanSums>* partial;
  static constexpr std::ptrdiff_t kChunk = 16384;

  MeanSums pass(std::ptrdiff_t b, std::ptrdiff_t e) const {
    MeanSums s;
    for (std::ptrdiff_t i = b; i < e; ++i) {
      const double wi = static_cast<double>(at<T>(w, sw, i));
      const double xi = static_cast<double>(at<T>(mu, smu, i)) / kSqrt2;
      const double yi = static_cast<double>(at<T>(sigma, ssigma, i));
      const double dx = xi - x0, dy = yi - y0;
      const double R2 = dx * dx + dy * dy;
      const double c = R2 / (2.0 * y0 * yi);
      const double S = math::sqrt(c * (c + 2.0));
      const double r = math::log1p(c + S);
      const bool zero = !(S > 0.0);
      const double f = zero ? 1.0 : r / (zero ? 1.0 : S);
      const double ex = f * dx / yi, ey = f * (dy + 0.5 * R2 / y0) / yi;  // orthonormal Log
      const double r2 = r * r;
      const bool small = r < 0.3;  // (series: (r coth r - 1) / r^2 = 1/3 - r^2/45 + ...)
      const double h = small ? 1.0 / 3 - r2 * (1.0 / 45 - r2 * (2.0 / 945 - r2 / 4725.0))
                             : (f * (1.0 + c) - 1.0) / (small ? 1.0 : r2);
      s.W += wi;
      s.F += wi * r2;
      s.gx += wi * ex;
      s.gy += wi * ey;
      s.hxx += wi * (1.0 + h * (r2 - ex * ex));
      s.hxy -= wi * h * ex * ey;
      s.hyy += wi * (1.0 + h * (r2 - ey * ey));
    }
    return s;
  }
  static void chunk(void* ctx, std::ptrdiff_t c) {
    const MeanData& d = *static_cast<const MeanData*>(ctx);
    const std::ptrdiff_t b = c * kChunk, e = b + kChunk < d.n ? b + kChunk : d.n;
    (*d.partial)[static_cast<std::size_t>(c)] = d.pass(b, e);
  }
  MeanSums sums() {
    const std::ptrdiff_t nc = (n + kChunk - 1) / kChunk;
    if (nc <= 1) return pass(0, n);
    partial->assign(static_cast<std::size_t>(nc), MeanSums());
    parallel_for(nc, &chunk, this);
    MeanSums s;
    for (const MeanSums& p : *partial) s.add(p);
    return s;
  }
};

// Returns the number of iterations, or -1 when not converged within max_iter; `ok` is false for
// invalid data (then the outputs are NaN).
template <class T>
long long karcher_mean(const char* mu, std::ptrdiff_t smu, const char* sigma, std::ptrdiff_t ssigma, const char* w,
                       std::ptrdiff_t sw, std::ptrdiff_t n, double tol, long long max_iter, double& m_out,
                       double& s_out, bool& ok) {
  ok = n > 0;
  double W = 0, Wm = 0, Wlog = 0;
  for (std::ptrdiff_t i = 0; ok && i < n; ++i) {
    const double m = static_cast<double>(at<T>(mu, smu, i)), s = static_cast<double>(at<T>(sigma, ssigma, i));
    const double wi = static_cast<double>(at<T>(w, sw, i));
    ok = valid_point(m, s) && math::isfinite(wi) && wi >= 0.0;
    W += wi, Wm += wi * m, Wlog += wi * math::log(s);
  }
  ok = ok && W > 0.0 && math::isfinite(W);
  if (!ok) {
    m_out = s_out = math::kNaN;
    return -1;
  }
  // Start: weighted mean of mu; sigma^2 = (geometric mean of sigma)^2 + Var(mu) / 2 (exact for
  // equal means, and for two mirror-image points).
  const double m0 = Wm / W;
  double var = 0;
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const double dm = static_cast<double>(at<T>(mu, smu, i)) - m0;
    var += static_cast<double>(at<T>(w, sw, i)) * dm * dm;
  }
  const double g = math::exp(Wlog / W);
  std::vector<MeanSums> partial;
  MeanData<T> d{mu, sigma, w, smu, ssigma, sw, n, m0 / kSqrt2, math::sqrt(g * g + 0.5 * var / W), &partial};
  // Armijo backtracking: a step is accepted when F decreases by at least 1e-4 of the decrease
  // predicted by its slope (F = sum w r^2, slope along the Newton step delta: -2 g.delta).
  double prev_F = math::kInf, slope = 0.0, frac = 1.0, step_x = 0, step_y = 0, base_x = d.x0, base_y = d.y0;
  long long it = 0;
  for (; it < max_iter; ++it) {
    if (interrupt_requested()) break;  // Ctrl-C: the caller computes this row again or gives up
    const MeanSums s = d.sums();
    // (rounding of F itself is tolerated, or steps near convergence would be rejected forever)
    if (!(s.F <= prev_F - 1e-4 * frac * slope + 1.4e-14 * prev_F) && frac > 1e-6 && prev_F < math::kInf) {
      frac *= 0.5;  // reject: halve the step from the previous point
      double mm, ss;
      exp(base_x * kSqrt2, base_y, kSqrt2 * frac * step_x, frac * step_y, mm, ss);
      d.x0 = mm / kSqrt2, d.y0 = ss;
      continue;
    }
    // Newton step in the orthonormal frame: H delta = g
    const double det = s.hxx * s.hyy - s.hxy * s.hxy;
    const double dx = (s.hyy * s.gx - s.hxy * s.gy) / det;
    const double dy = (s.hxx * s.gy - s.hxy * s.gx) / det;
    const double step_fr = kSqrt2 * math::sqrt(dx * dx + dy * dy);
    const double rms = kSqrt2 * math::sqrt(s.F / s.W);
    if (step_fr <= tol * (rms > 1.0 ? rms : 1.0)) {
      // converged: take this last (tiny) step too
      double mm, ss;
      exp(d.x0 * kSqrt2, d.y0, kSqrt2 * d.y0 * dx, d.y0 * dy, mm, ss);
      m_out = mm;
      s_out = ss;
      return it + 1;
    }
    prev_F = s.F;
    slope = 2.0 * (s.gx * dx + s.gy * dy);
    frac = 1.0;
    base_x = d.x0, base_y = d.y0;
    step_x = d.y0 * dx, step_y = d.y0 * dy;  // Euclidean half-plane components
    double mm, ss;
    exp(base_x * kSqrt2, base_y, kSqrt2 * step_x, step_y, mm, ss);
    d.x0 = mm / kSqrt2, d.y0 = ss;
  }
  m_out = d.x0 * kSqrt2;
  s_out = d.y0;
  return -1;
}

}  // namespace normal
BEDS_NAMESPACE_END
