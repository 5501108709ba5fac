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
//
// Range: the mean is equivariant under (mu, sigma) -> (a mu + b, a sigma), and every quantity of
// the iteration is scale-free (the orthonormal log e_i, its length r_i, h(r_i)), so points with
// means or scales anywhere in the float range are handled exactly: each term is computed from the
// closed forms when they stay in the normal range of float64 (the range check of normal::chord),
// otherwise with an unbounded exponent (beds/wide.hpp); steps are taken in orthonormal components
// (normal::exp_orthonormal), and the start point and the weights are scaled by powers of two.
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

// The terms of one point p = (mi, si) seen from the current mean z = (m0, s0): the orthonormal log
// e = Log_z(p) / s0 in half-plane components (x = mu / sqrt 2), |e| = r (the half-plane distance),
// and h(r) = (r coth r - 1) / r^2 of the Hessian.  With dx = (mi - m0) / sqrt 2, dy = si - s0,
// R2 = dx^2 + dy^2, c = R2 / (2 s0 si), S = sinh(r) = sqrt(c (c + 2)), f = r / S:
//   ex = f dx / si,  ey = f (dy / si + c),  r coth r = f (1 + c).
struct PointTerms {
  double ex, ey, r, h;
};
inline double h_of(double r, double r_coth_r) {
  const double r2 = r * r;
  // (series: (r coth r - 1) / r^2 = 1/3 - r^2/45 + 2 r^4/945 - r^6/4725 + ...)
  return r < 0.3 ? 1.0 / 3 - r2 * (1.0 / 45 - r2 * (2.0 / 945 - r2 / 4725.0)) : (r_coth_r - 1.0) / r2;
}
inline PointTerms point_terms(double m0, double s0, double mi, double si) {
  const double dm = mi - m0, dy = si - s0;
  const double dx = dm / kSqrt2;
  const double R2 = dx * dx + dy * dy;
  const double c = R2 / (2.0 * s0 * si);
  const bool same = (dm == 0.0) & (dy == 0.0);
  PointTerms t;
  if ((math::min(s0, si) >= kScaleLo) & (math::max(s0, si) <= kScaleHi) & (c <= kWMax) &
      ((math::min(R2, c) >= kTiny) | same)) {
    const double S = math::sqrt(c * (c + 2.0));
    t.r = math::log1p(c + S);
    const double f = S > 0.0 ? t.r / S : 1.0;
    t.ex = f * dx / si;
    t.ey = f * (dy / si + c);
    t.h = h_of(t.r, f * (1.0 + c));
    return t;
  }
  const Wide S0 = wide(s0), Si = wide(si);
  const Wide DX = (wide(mi) - wide(m0)) / kSqrt2, DY = Si - S0;
  const Wide C = (DX * DX + DY * DY) / (2.0 * S0 * Si);
  const Wide S = math::sqrt(C * (C + 1.0 + 1.0));
  const Wide R = math::log1p(C + S);
  const Wide F = math::is_zero(S) ? wide(1.0) : R / S;
  t.r = math::to_double(R);
  t.ex = math::to_double(F * DX / Si);
  t.ey = math::to_double(F * (DY / Si + C));
  t.h = h_of(t.r, math::to_double(F * (C + 1.0)));
  return t;
}

template <class T>
struct MeanData {
  const char *mu, *sigma, *w;
  std::ptrdiff_t smu, ssigma, sw, n;
  double m0, s0;  // current point (mean, std)
  double wmax;    // weights are divided by the largest
  std::vector<MeanSums>* partial;
  static constexpr std::ptrdiff_t kChunk = 16384;

  MeanSums pass(std::ptrdiff_t b, std::ptrdiff_t e) const {
    MeanSums s;
    for (std::ptrdiff_t i = b; i < e; ++i) {
      const double wi = static_cast<double>(at<T>(w, sw, i)) / wmax;
      const PointTerms t =
          point_terms(m0, s0, static_cast<double>(at<T>(mu, smu, i)), static_cast<double>(at<T>(sigma, ssigma, i)));
      const double r2 = t.r * t.r;
      s.W += wi;
      s.F += wi * r2;
      s.gx += wi * t.ex;
      s.gy += wi * t.ey;
      s.hxx += wi * (1.0 + t.h * (r2 - t.ex * t.ex));
      s.hxy -= wi * t.h * t.ex * t.ey;
      s.hyy += wi * (1.0 + t.h * (r2 - t.ey * t.ey));
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
  double wmax = 0, mmax = 0;
  for (std::ptrdiff_t i = 0; ok && i < n; ++i) {
    const double m = static_cast<double>(at<T>(mu, smu, i)), s = static_cast<double>(at<T>(sigma, ssigma, i));
    const double wi = static_cast<double>(at<T>(w, sw, i));
    ok = valid_point(m, s) && math::isfinite(wi) && wi >= 0.0;
    wmax = wi > wmax ? wi : wmax;
    mmax = math::abs(m) > mmax ? math::abs(m) : mmax;
  }
  ok = ok && wmax > 0.0;
  if (!ok) {
    m_out = s_out = math::kNaN;
    return -1;
  }
  // Start: weighted mean of mu; sigma^2 = (geometric mean of sigma)^2 + Var(mu) / 2 (exact for
  // equal means, and for two mirror-image points).  Weights divided by the largest, means by a
  // power of two near the largest |mean| (nothing overflows; the scaling of the means is exact).
  const long long k = mmax > 0.0 ? math::wide(mmax).e : 0;
  const Wide unit = Wide{1.0, -k};
  double W = 0, Wm = 0, Wlog = 0;
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const double wi = static_cast<double>(at<T>(w, sw, i)) / wmax;
    W += wi;
    Wm += wi * math::to_double(wide(static_cast<double>(at<T>(mu, smu, i))) * unit);
    Wlog += wi * math::log(static_cast<double>(at<T>(sigma, ssigma, i)));
  }
  const double m0s = Wm / W;  // the mean, scaled by 2^-k
  double var = 0;
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const double dm = math::to_double(wide(static_cast<double>(at<T>(mu, smu, i))) * unit) - m0s;
    var += static_cast<double>(at<T>(w, sw, i)) / wmax * dm * dm;
  }
  const double g = math::exp(Wlog / W);
  std::vector<MeanSums> partial;
  MeanData<T> d{mu,
                sigma,
                w,
                smu,
                ssigma,
                sw,
                n,
                math::to_double(wide(m0s) * Wide{1.0, k}),
                math::to_double(math::sqrt(wide(g) * wide(g) + wide(0.5 * var / W) * Wide{1.0, 2 * k})),
                wmax,
                &partial};
  if (!(d.s0 > 0.0) || !(d.s0 <= math::kMaxDouble)) d.s0 = g;  // (a start beyond the range: the geometric mean)
  // Armijo backtracking: a step is accepted when F decreases by at least 1e-4 of the decrease
  // predicted by its slope (F = sum w r^2, slope along the Newton step delta: -2 g.delta).
  double prev_F = math::kInf, slope = 0.0, frac = 1.0, step_x = 0, step_y = 0, base_m = d.m0, base_s = d.s0;
  long long it = 0;
  for (; it < max_iter; ++it) {
    if (interrupt_requested()) break;  // Ctrl-C: the caller computes this row again or gives up
    const MeanSums s = d.sums();
    // (rounding of F itself is tolerated, or steps near convergence would be rejected forever)
    if (!(s.F <= prev_F - 1e-4 * frac * slope + 1.4e-14 * prev_F) && frac > 1e-6 && prev_F < math::kInf) {
      frac *= 0.5;  // reject: halve the step from the previous point
      double mm, ss;
      if (exp_orthonormal(base_m, base_s, frac * step_x, frac * step_y, mm, ss)) d.m0 = mm, d.s0 = ss;
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
      if (!exp_orthonormal(d.m0, d.s0, dx, dy, mm, ss)) mm = d.m0, ss = d.s0;
      m_out = mm;
      s_out = ss;
      return it + 1;
    }
    prev_F = s.F;
    slope = 2.0 * (s.gx * dx + s.gy * dy);
    frac = 1.0;
    base_m = d.m0, base_s = d.s0;
    step_x = dx, step_y = dy;  // orthonormal components at the base
    // (a step that leaves the float range is not taken: the next pass, at the same point, rejects
    // it and halves it)
    double mm, ss;
    if (exp_orthonormal(base_m, base_s, step_x, step_y, mm, ss)) d.m0 = mm, d.s0 = ss;
  }
  m_out = d.m0;
  s_out = d.s0;
  return -1;
}

}  // namespace normal
BEDS_NAMESPACE_END
