// Event-driven integration of full-covariance Gaussian beliefs in information form (docs: mathematics/dynamics):
// the C++ side of beds/dynamics/_mvnormal.py.
//
// State per belief: precision matrix Lambda (d x d, symmetric positive definite) and mean mu.
//   multiplicative:  Lambda <- a Lambda + (1 - a) Lambda_ref,  Lambda mu <- a Lambda mu + (1 - a) Lambda_ref mu_ref
//                    (a = exp(-gamma dt); flat reference: Lambda <- a Lambda, mu unchanged)
//   additive:        Sigma <- Sigma + q dt I
//   observation:     Lambda+ = Lambda- + R,  Lambda+ mu+ = Lambda- mu- + R y,
//                    information gained 1/2 [ln det Lambda+ - ln det Lambda-]
// Log-determinants come from the Cholesky factors (2 sum ln L_ii) and are carried per belief, so
// the flat multiplicative model needs one factorization per event (to solve for mu+).
//
// Pure C++17 + Eigen (no Python); row-major maps over the numpy buffers, no copies.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "beds/dynamics_common.hpp"

namespace beds {
namespace dynamics {

using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatMap = Eigen::Map<RowMat>;
using CMatMap = Eigen::Map<const RowMat>;
using VecMap = Eigen::Map<Eigen::VectorXd>;
using CVecMap = Eigen::Map<const Eigen::VectorXd>;

struct MvNormalBatch {
  std::ptrdiff_t n, d;
  double* mean;            // [n, d] in/out
  double* prec;            // [n, d, d] in/out
  const double* rate;      // [n]
  const double* ref_mean;  // [n, d] or null (flat)
  const double* ref_prec;  // [n, d, d] or null (flat)
  double* gained;          // [n] in/out
  double* logdet;          // [n] scratch: ln det Lambda of the stored state
  double* t_last;          // [n] scratch
  std::ptrdiff_t lo, hi;   // beliefs handled by this call (see dynamics_common.hpp)
};

struct MvNormalEvents {
  std::ptrdiff_t m;
  const double* time;          // [m]
  const std::int64_t* index;   // [m]
  const double* value;         // [m, d]
  const double* obs_prec;      // [m, d, d] or [1, d, d]
  std::ptrdiff_t prec_stride;  // d*d or 0
};

struct MvNormalRecords {
  std::ptrdiff_t k;
  const double* time;
  double* mean;    // [k, n, d]
  double* prec;    // [k, n, d, d]
  double* gained;  // [k, n]
  double* count;   // [k, n]
};

// Scratch space of one integration (allocated once).
struct MvNormalWork {
  Eigen::MatrixXd p, s;
  Eigen::VectorXd h, mu;
  Eigen::LLT<Eigen::MatrixXd> llt;
  explicit MvNormalWork(std::ptrdiff_t d) : p(d, d), s(d, d), h(d), mu(d), llt(d) {}
};

inline double llt_logdet(const Eigen::LLT<Eigen::MatrixXd>& llt) {
  const auto& l = llt.matrixLLT();
  double s = 0.0;
  for (Eigen::Index i = 0; i < l.rows(); ++i) s += std::log(l(i, i));
  return 2.0 * s;
}

// Dissipates belief i for dt into w.p, w.mu and returns ln det of w.p (NaN if not positive definite).
template <Model M, bool Flat>
inline double mvnormal_dissipate(const MvNormalBatch& b, std::ptrdiff_t i, double dt, MvNormalWork& w) {
  const std::ptrdiff_t d = b.d;
  CMatMap p0(b.prec + i * d * d, d, d);
  CVecMap mu0(b.mean + i * d, d);
  if (M == Model::multiplicative) {
    const double x = b.rate[i] * dt;
    const double a = std::exp(-x);
    if (Flat) {
      w.p = a * p0;
      w.mu = mu0;
      return b.logdet[i] - static_cast<double>(d) * x;
    }
    CMatMap pr(b.ref_prec + i * d * d, d, d);
    CVecMap mr(b.ref_mean + i * d, d);
    w.p = a * p0 + (1.0 - a) * pr;
    w.h.noalias() = a * (p0 * mu0);
    w.h.noalias() += (1.0 - a) * (pr * mr);
    w.llt.compute(w.p);
    if (w.llt.info() != Eigen::Success) return std::nan("");
    w.mu = w.h;
    w.llt.solveInPlace(w.mu);
    return llt_logdet(w.llt);
  }
  // additive: Sigma' = Lambda^-1 + q dt I, Lambda' = Sigma'^-1
  w.llt.compute(p0);
  if (w.llt.info() != Eigen::Success) return std::nan("");
  w.s.setIdentity();
  w.llt.solveInPlace(w.s);
  w.s.diagonal().array() += b.rate[i] * dt;
  w.llt.compute(w.s);
  if (w.llt.info() != Eigen::Success) return std::nan("");
  w.p.setIdentity();
  w.llt.solveInPlace(w.p);
  w.s = 0.5 * (w.p + w.p.transpose());
  w.p = w.s;
  w.mu = mu0;
  return -llt_logdet(w.llt);
}

template <Model M, bool Flat>
inline void mvnormal_record_all(const MvNormalBatch& b, const double* count, double t, MvNormalWork& w,
                                double* out_mean, double* out_prec, double* out_gained, double* out_count) {
  const std::ptrdiff_t d = b.d;
  for (std::ptrdiff_t i = b.lo; i < b.hi; ++i) {
    mvnormal_dissipate<M, Flat>(b, i, t - b.t_last[i], w);
    MatMap(out_prec + i * d * d, d, d) = w.p;
    VecMap(out_mean + i * d, d) = w.mu;
    out_gained[i] = b.gained[i];
    out_count[i] = count[i];
  }
}

// Returns kOk, kBadIndex, kUnsorted, kBadPrecision when a matrix is not positive definite, or
// kInterrupted on Ctrl-C with `pr` set to resume (see dynamics_common.hpp).
template <Model M, bool Flat>
inline int integrate_mvnormal(const MvNormalBatch& b, const MvNormalEvents& ev, const MvNormalRecords& rec, double t0,
                              double t_end, double* count, EventProgress& pr) {
  const std::ptrdiff_t n = b.n, d = b.d;
  MvNormalWork w(d);
  // (a look at Ctrl-C about every 1e6 flops: the work of an event or a belief is about d^3)
  const std::ptrdiff_t cost = d * d * d + 16;
  InterruptPoll poll(1 << 20);
  if (!pr.started) {
    for (std::ptrdiff_t i = b.lo; i < b.hi; ++i) {
      if (poll(cost)) return kInterrupted;  // (not started: the initialization runs again)
      b.t_last[i] = t0;
      count[i] = 0.0;
      w.llt.compute(CMatMap(b.prec + i * d * d, d, d));
      if (w.llt.info() != Eigen::Success) return kBadPrecision;
      b.logdet[i] = llt_logdet(w.llt);
    }
    pr = EventProgress{0, 0, t0, true};
  }
  std::ptrdiff_t j = pr.j;
  double t_prev = pr.t_prev;
  for (std::ptrdiff_t e = pr.e; e < ev.m; ++e) {
    if (poll(cost)) {
      pr = EventProgress{e, j, t_prev, true};
      return kInterrupted;
    }
    const double t = ev.time[e];
    if (!(t >= t_prev && t <= kMaxFinite)) return kUnsorted;
    while (j < rec.k && rec.time[j] < t) {
      if (poll(cost * (b.hi - b.lo))) {  // (t_prev not yet advanced: event e is checked again on resuming)
        pr = EventProgress{e, j, t_prev, true};
        return kInterrupted;
      }
      mvnormal_record_all<M, Flat>(b, count, rec.time[j], w, rec.mean + j * n * d, rec.prec + j * n * d * d,
                                   rec.gained + j * n, rec.count + j * n);
      ++j;
    }
    t_prev = t;
    const std::int64_t i = ev.index[e];
    if (i < 0 || i >= n) return kBadIndex;
    if (i < b.lo || i >= b.hi) continue;
    const double ld_pre = mvnormal_dissipate<M, Flat>(b, i, t - b.t_last[i], w);
    if (!(ld_pre == ld_pre)) return kBadPrecision;
    CMatMap r(ev.obs_prec + e * ev.prec_stride, d, d);
    CVecMap y(ev.value + e * d, d);
    w.h.noalias() = w.p * w.mu;
    w.h.noalias() += r * y;
    w.p += r;
    w.llt.compute(w.p);
    if (w.llt.info() != Eigen::Success) return kBadPrecision;
    const double ld_post = llt_logdet(w.llt);
    w.llt.solveInPlace(w.h);
    VecMap(b.mean + i * d, d) = w.h;
    MatMap(b.prec + i * d * d, d, d) = w.p;
    b.gained[i] += 0.5 * (ld_post - ld_pre);
    b.logdet[i] = ld_post;
    b.t_last[i] = t;
    count[i] += 1.0;
  }
  for (; j < rec.k; ++j) {
    if (poll(cost * (b.hi - b.lo))) {
      pr = EventProgress{ev.m, j, t_prev, true};
      return kInterrupted;
    }
    mvnormal_record_all<M, Flat>(b, count, rec.time[j], w, rec.mean + j * n * d, rec.prec + j * n * d * d,
                                 rec.gained + j * n, rec.count + j * n);
  }
  for (std::ptrdiff_t i = b.lo; i < b.hi; ++i) {
    b.logdet[i] = mvnormal_dissipate<M, Flat>(b, i, t_end - b.t_last[i], w);
    MatMap(b.prec + i * d * d, d, d) = w.p;
    VecMap(b.mean + i * d, d) = w.mu;
    b.t_last[i] = t_end;
  }
  return kOk;
}

inline int integrate_mvnormal(Model model, bool flat, const MvNormalBatch& b, const MvNormalEvents& ev,
                              const MvNormalRecords& rec, double t0, double t_end, double* count, EventProgress& pr) {
  if (model == Model::additive) return integrate_mvnormal<Model::additive, true>(b, ev, rec, t0, t_end, count, pr);
  if (flat) return integrate_mvnormal<Model::multiplicative, true>(b, ev, rec, t0, t_end, count, pr);
  return integrate_mvnormal<Model::multiplicative, false>(b, ev, rec, t0, t_end, count, pr);
}

}  // namespace dynamics
}  // namespace beds
