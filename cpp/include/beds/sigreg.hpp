// SIGReg (LeJEPA, Balestriero & LeCun 2025): the sketched isotropic-Gaussian regularizer of a
// batch of embeddings, with its gradient.
//
// For embeddings X (N x D, row-major) and unit directions A (M x D, row-major), the projections
// x_nm = <X_n, A_m> are tested for normality by the Epps-Pulley statistic, one per direction:
//   T_m = N int_{-t_max}^{t_max} |phi_m(t) - e^{-t^2/2}|^2 e^{-t^2/2} dt,
//   phi_m(t) = (1/N) sum_n e^{i t x_nm}   (empirical characteristic function).
// The integrand is even in t, so the integral is twice the trapezoid rule on K knots
// t_k = k h over [0, t_max] (h = t_max / (K - 1)): weights 2h inside, h at both ends (the
// LeJEPA reference code: t_max = 3, K = 17).  SIGReg = (1/M) sum_m T_m.
//
// The K values e^{i t_k x} come from one sincos and the recurrence e^{i t_k x} = e^{i t_{k-1} x}
// e^{i h x} (error about k ulp), so the cost is one sincos and K complex products per
// projection instead of K sin and K cos.  Gradient:
//   dT_m/dx_nm = 2 sum_k W_k t_k [S_k cos(t_k x_nm) - (C_k - g_k) sin(t_k x_nm)],
//   W_k = w_k g_k, g_k = e^{-t_k^2/2}, C_k + i S_k = phi_m(t_k),
//   dSIGReg/dX = (1/M) dT/dx A    (an N x M by M x D product).
// Directions are processed in fixed chunks on the thread pool, the gradient product in fixed
// row blocks: results do not depend on the number of threads.
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <cstddef>
#include <vector>

#include "beds/parallel.hpp"

namespace beds {
namespace sigreg {

constexpr int kMaxKnots = 257;

using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ColMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;

struct Problem {
  const double* x;   // N x D
  const double* a;   // M x D
  std::ptrdiff_t n, d, m;
  int knots;         // K >= 2
  double t_max;
  double* per_direction;  // M statistics T_m
  double* grad;           // N x D or nullptr
};

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

constexpr std::ptrdiff_t kDirectionsPerChunk = 16;

struct Ctx {
  const Problem* pb;
  const Quadrature* q;
  std::vector<double>* dtdx;  // column-major N x M, or empty
};

// One chunk of directions: projections, statistics, and dT/dx for the gradient.
inline void direction_chunk(void* vctx, std::ptrdiff_t c) {
  const Ctx& ctx = *static_cast<const Ctx*>(vctx);
  const Problem& pb = *ctx.pb;
  const Quadrature& q = *ctx.q;
  const int K = pb.knots;
  const std::ptrdiff_t m0 = c * kDirectionsPerChunk;
  const std::ptrdiff_t nb = m0 + kDirectionsPerChunk < pb.m ? kDirectionsPerChunk : pb.m - m0;
  Eigen::Map<const RowMat> X(pb.x, pb.n, pb.d);
  Eigen::Map<const RowMat> A(pb.a + m0 * pb.d, nb, pb.d);
  const ColMat P = X * A.transpose();  // N x nb, one contiguous column per direction
  const double inv_n = 1.0 / static_cast<double>(pb.n);
  for (std::ptrdiff_t j = 0; j < nb; ++j) {
    const double* xs = P.data() + j * pb.n;
    double C[kMaxKnots] = {0.0}, S[kMaxKnots] = {0.0};
    for (std::ptrdiff_t i = 0; i < pb.n; ++i) {
      const double c1 = std::cos(q.h * xs[i]), s1 = std::sin(q.h * xs[i]);
      double cr = 1.0, ci = 0.0;
      C[0] += 1.0;
      for (int k = 1; k < K; ++k) {
        const double nr = cr * c1 - ci * s1;
        ci = cr * s1 + ci * c1;
        cr = nr;
        C[k] += cr;
        S[k] += ci;
      }
    }
    double T = 0.0;
    double a_cos[kMaxKnots], a_sin[kMaxKnots];  // gradient coefficients
    for (int k = 0; k < K; ++k) {
      C[k] *= inv_n;
      S[k] *= inv_n;
      const double dc = C[k] - q.g[k];
      T += q.w[k] * (dc * dc + S[k] * S[k]);
      a_cos[k] = 2.0 * q.w[k] * q.t[k] * S[k];
      a_sin[k] = -2.0 * q.w[k] * q.t[k] * dc;
    }
    pb.per_direction[m0 + j] = static_cast<double>(pb.n) * T;
    if (ctx.dtdx->empty()) continue;
    double* out = ctx.dtdx->data() + (m0 + j) * pb.n;
    for (std::ptrdiff_t i = 0; i < pb.n; ++i) {
      const double c1 = std::cos(q.h * xs[i]), s1 = std::sin(q.h * xs[i]);
      double cr = 1.0, ci = 0.0, acc = 0.0;
      for (int k = 1; k < K; ++k) {
        const double nr = cr * c1 - ci * s1;
        ci = cr * s1 + ci * c1;
        cr = nr;
        acc += a_cos[k] * cr + a_sin[k] * ci;
      }
      out[i] = acc;
    }
  }
}

constexpr std::ptrdiff_t kGradRows = 256;

struct GradCtx {
  const Problem* pb;
  const std::vector<double>* dtdx;
};

inline void grad_chunk(void* vctx, std::ptrdiff_t c) {
  const GradCtx& ctx = *static_cast<const GradCtx*>(vctx);
  const Problem& pb = *ctx.pb;
  const std::ptrdiff_t r0 = c * kGradRows;
  const std::ptrdiff_t nr = r0 + kGradRows < pb.n ? kGradRows : pb.n - r0;
  Eigen::Map<const ColMat> Gp(ctx.dtdx->data(), pb.n, pb.m);
  Eigen::Map<const RowMat> A(pb.a, pb.m, pb.d);
  Eigen::Map<RowMat> G(pb.grad, pb.n, pb.d);
  G.middleRows(r0, nr).noalias() = Gp.middleRows(r0, nr) * A;
  G.middleRows(r0, nr) *= 1.0 / static_cast<double>(pb.m);
}

}  // namespace detail

// Fills pb.per_direction (and pb.grad when not null); returns SIGReg = mean of T_m.
// Requires n >= 1, m >= 1, d >= 1, 2 <= knots <= kMaxKnots (checked by the caller).
inline double evaluate(const Problem& pb) {
  const detail::Quadrature q(pb.knots, pb.t_max);
  std::vector<double> dtdx;
  if (pb.grad) dtdx.assign(static_cast<std::size_t>(pb.n * pb.m), 0.0);
  detail::Ctx ctx{&pb, &q, &dtdx};
  const std::ptrdiff_t chunks = (pb.m + detail::kDirectionsPerChunk - 1) / detail::kDirectionsPerChunk;
  parallel_for(chunks, &detail::direction_chunk, &ctx);
  if (pb.grad) {
    detail::GradCtx g{&pb, &dtdx};
    parallel_for((pb.n + detail::kGradRows - 1) / detail::kGradRows, &detail::grad_chunk, &g);
  }
  double total = 0.0;
  for (std::ptrdiff_t j = 0; j < pb.m; ++j) total += pb.per_direction[j];
  return total / static_cast<double>(pb.m);
}

}  // namespace sigreg
}  // namespace beds
