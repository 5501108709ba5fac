// SIGReg (LeJEPA, Balestriero & LeCun 2025): the Epps-Pulley statistics of projected embeddings,
// and their derivatives.
//
// Input: the projections x_mn = <X_n, A_m> of N embeddings on M unit directions, as an M x N
// row-major array (one contiguous row per direction; the caller computes them with a BLAS matrix
// product).  Per direction, the Epps-Pulley statistic
//   T_m = N int_{-t_max}^{t_max} |phi_m(t) - e^{-t^2/2}|^2 e^{-t^2/2} dt,
//   phi_m(t) = (1/N) sum_n e^{i t x_mn}   (empirical characteristic function),
// is integrated by the trapezoid rule on K knots t_k = k h of [0, t_max] (the integrand is even:
// weights 2h inside, h at both ends, as in the LeJEPA reference code with t_max = 3, K = 17).
// SIGReg = (1/M) sum_m T_m.
//
// The K values e^{i t_k x} come from one (vectorized) sincos and the recurrence e^{i t_k x} = e^{i t_{k-1} x}
// e^{i h x} (error about k ulp).  Samples are processed in blocks of kLanes independent
// recurrences with per-lane sums, so the inner loops vectorize.  Derivatives:
//   dT_m/dx_mn = 2 sum_k W_k t_k [S_k cos(t_k x_mn) - (C_k - g_k) sin(t_k x_mn)],
//   W_k = w_k g_k, g_k = e^{-t_k^2/2}, C_k + i S_k = phi_m(t_k);
// the caller forms dSIGReg/dX = (1/M) (dT/dx)^T A.  Directions are processed in fixed chunks on
// the thread pool: results do not depend on the number of threads.
#pragma once

#include <cmath>
#include <cstddef>

#include "beds/config.hpp"
#include "beds/parallel.hpp"

namespace beds {
namespace sigreg {

constexpr int kMaxKnots = 257;

struct Problem {
  const double* proj;  // M x N projections
  std::ptrdiff_t n, m;
  int knots;  // 2 <= K <= kMaxKnots
  double t_max;
  double* per_direction;  // M statistics T_m
  double* dtdx;           // M x N derivatives dT_m/dx_mn, or nullptr
};

// The kernel (sigreg_kernels::evaluate below) is compiled once per instruction set, in the inline
// namespace BEDS_ISA_NS, and registered in the kernel table of each build
// (cpp/src/regularization_loops.inc); the binding calls the build in use.

}  // namespace sigreg
}  // namespace beds

BEDS_NAMESPACE_BEGIN
namespace sigreg_kernels {
using sigreg::kMaxKnots;
using sigreg::Problem;

namespace detail {

struct Quadrature {
  double h;
  double t[kMaxKnots], g[kMaxKnots], w[kMaxKnots];  // knots, e^{-t^2/2}, w_k g_k
  Quadrature(int k, double t_max) : h(t_max / (k - 1)) {
    for (int i = 0; i < k; ++i) {
      t[i] = i * h;
      g[i] = std::exp(-0.5 * t[i] * t[i]);
      w[i] = (i == 0 || i == k - 1 ? h : 2.0 * h) * g[i];
    }
  }
};

constexpr int kLanes = 8;
constexpr std::ptrdiff_t kDirectionsPerChunk = 4;

// sin and cos of a, |a| <= kSinCosMax, branch-free (vectorizes): Cody-Waite reduction by pi/2
// with the three-part constant of fdlibm (exact products for |q| < 2^20), then the fdlibm kernel
// polynomials on [-pi/4, pi/4] (about 1 ulp).  Larger arguments go to std::sin / std::cos.
constexpr double kSinCosMax = 1e5;
inline void sincos_reduced(double a, double& s, double& c) {
  const double kMagic = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer
  const double q = (a * 0.63661977236758134308 + kMagic) - kMagic;
  const double r =
      ((a - q * 1.57079632673412561417e+00) - q * 6.07710050630396597660e-11) - q * 2.02226624871116645580e-21;
  const double z = r * r;
  const double ps =
      -1.66666666666666324348e-01 +
      z * (8.33333333332248946124e-03 +
           z * (-1.98412698298579493134e-04 +
                z * (2.75573137070700676789e-06 + z * (-2.50507602534068634195e-08 + z * 1.58969099521155010221e-10))));
  const double sr = r + r * z * ps;
  const double pc = z * (4.16666666666666019037e-02 +
                         z * (-1.38888888888741095749e-03 +
                              z * (2.48015872894767294178e-05 +
                                   z * (-2.75573143513906633035e-07 +
                                        z * (2.08757232129817482790e-09 + z * -1.13596475577881948265e-11)))));
  const double hz = 0.5 * z, w = 1.0 - hz;
  const double cr = w + (((1.0 - w) - hz) + z * pc);
  // quadrant q mod 4 as n = q - 4 round(q / 4) in {-2, -1, 0, 1, 2} (+-2: the same quadrant)
  const double n = q - 4.0 * ((q * 0.25 + kMagic) - kMagic);
  s = n == 0.0 ? sr : (n == 1.0 ? cr : (n == -1.0 ? -cr : -sr));
  c = n == 0.0 ? cr : (n == 1.0 ? -sr : (n == -1.0 ? sr : -cr));
}

// e^{i h x} for the samples [i0, i0 + kLanes) and the recurrence start e^{i t_0 x} = 1; lanes
// past the end start at 0 (they stay 0 and add nothing).
inline void lane_start(const double* xs, std::ptrdiff_t n, std::ptrdiff_t i0, double h, double* c1, double* s1,
                       double* cr, double* ci) {
  double a[kLanes];
  bool big = false;
  for (int l = 0; l < kLanes; ++l) {
    const bool in = i0 + l < n;
    a[l] = in ? h * xs[i0 + l] : 0.0;
    big |= !(std::fabs(a[l]) <= kSinCosMax);
    cr[l] = in ? 1.0 : 0.0;
    ci[l] = 0.0;
  }
  for (int l = 0; l < kLanes; ++l) sincos_reduced(big ? 0.0 : a[l], s1[l], c1[l]);
  if (big) {
    for (int l = 0; l < kLanes; ++l) {
      c1[l] = std::cos(a[l]);
      s1[l] = std::sin(a[l]);
    }
  }
}

// One step of the recurrence on every lane: (cr + i ci) <- (cr + i ci) e^{i h x}.
inline void rotate(const double* c1, const double* s1, double* cr, double* ci) {
  for (int l = 0; l < kLanes; ++l) {
    const double nr = cr[l] * c1[l] - ci[l] * s1[l];
    ci[l] = cr[l] * s1[l] + ci[l] * c1[l];
    cr[l] = nr;
  }
}

// One direction: returns T and writes dT/dx (when out is not null).
inline double direction(const double* xs, std::ptrdiff_t n, int K, const Quadrature& q, double* out) {
  double accC[kMaxKnots][kLanes] = {}, accS[kMaxKnots][kLanes] = {};
  for (std::ptrdiff_t i0 = 0; i0 < n; i0 += kLanes) {
    double c1[kLanes], s1[kLanes], cr[kLanes], ci[kLanes];
    lane_start(xs, n, i0, q.h, c1, s1, cr, ci);
    for (int k = 1; k < K; ++k) {
      rotate(c1, s1, cr, ci);
      for (int l = 0; l < kLanes; ++l) {
        accC[k][l] += cr[l];
        accS[k][l] += ci[l];
      }
    }
  }
  const double inv_n = 1.0 / static_cast<double>(n);
  double T = 0.0;
  double a_cos[kMaxKnots], a_sin[kMaxKnots];  // derivative coefficients
  for (int k = 0; k < K; ++k) {
    double C = 0.0, S = 0.0;
    for (int l = 0; l < kLanes; ++l) {
      C += accC[k][l];
      S += accS[k][l];
    }
    C = k == 0 ? 1.0 : C * inv_n;
    S *= inv_n;
    const double dc = C - q.g[k];
    T += q.w[k] * (dc * dc + S * S);
    a_cos[k] = 2.0 * q.w[k] * q.t[k] * S;
    a_sin[k] = -2.0 * q.w[k] * q.t[k] * dc;
  }
  if (out) {
    for (std::ptrdiff_t i0 = 0; i0 < n; i0 += kLanes) {
      double c1[kLanes], s1[kLanes], cr[kLanes], ci[kLanes], acc[kLanes] = {};
      lane_start(xs, n, i0, q.h, c1, s1, cr, ci);
      for (int k = 1; k < K; ++k) {
        rotate(c1, s1, cr, ci);
        for (int l = 0; l < kLanes; ++l) acc[l] += a_cos[k] * cr[l] + a_sin[k] * ci[l];
      }
      const std::ptrdiff_t nl = n - i0 < kLanes ? n - i0 : kLanes;
      for (std::ptrdiff_t l = 0; l < nl; ++l) out[i0 + l] = acc[l];
    }
  }
  return static_cast<double>(n) * T;
}

struct Ctx {
  const Problem* pb;
  const Quadrature* q;
};

inline void chunk(void* vctx, std::ptrdiff_t c) {
  const Ctx& ctx = *static_cast<const Ctx*>(vctx);
  const Problem& pb = *ctx.pb;
  const std::ptrdiff_t m0 = c * kDirectionsPerChunk;
  const std::ptrdiff_t m1 = m0 + kDirectionsPerChunk < pb.m ? m0 + kDirectionsPerChunk : pb.m;
  for (std::ptrdiff_t j = m0; j < m1; ++j)
    pb.per_direction[j] = direction(pb.proj + j * pb.n, pb.n, pb.knots, *ctx.q, pb.dtdx ? pb.dtdx + j * pb.n : nullptr);
}

}  // namespace detail

// Fills pb.per_direction (and pb.dtdx when not null); returns SIGReg = mean of T_m.
// Requires n >= 1, m >= 1, 2 <= knots <= kMaxKnots, t_max > 0 (checked by the caller).
inline double evaluate(const Problem& pb) {
  const detail::Quadrature q(pb.knots, pb.t_max);
  detail::Ctx ctx{&pb, &q};
  parallel_for((pb.m + detail::kDirectionsPerChunk - 1) / detail::kDirectionsPerChunk, &detail::chunk, &ctx);
  double total = 0.0;
  for (std::ptrdiff_t j = 0; j < pb.m; ++j) total += pb.per_direction[j];
  return total / static_cast<double>(pb.m);
}

}  // namespace sigreg_kernels
BEDS_NAMESPACE_END
