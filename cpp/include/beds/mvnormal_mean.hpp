// Karcher (Frechet) mean of multivariate normal beliefs that share one mean.
//
// The beliefs N(mu, Sigma_i) with a common mu lie in the totally geodesic submanifold of
// covariances, which carries 1/2 times the affine-invariant metric of SPD(d); the weighted Frechet
// mean is N(mu, M), M the Riemannian (Karcher) mean of the Sigma_i, minimizer of
// sum_i w_i ||log(M^-1/2 Sigma_i M^-1/2)||_F^2 (the factor 1/2 of the metric does not move it).
// Log and exp maps have closed forms through symmetric eigen-decompositions (Pennec, Fillard &
// Ayache, IJCV 66, 2006; Moakher, SIAM J. Matrix Anal. Appl. 26, 2005):
//   Log_M(Sigma) = L log(L^-1 Sigma L^-T) L^T,  Exp_M(B) = L exp(L^-1 B L^-T) L^T,  M = L L^T,
// so the fixed-point (Riemannian gradient) iteration
//   G = sum_i w_i log(L^-1 Sigma_i L^-T),   M <- L exp(nu G) L^T
// costs one d x d eigen-decomposition per belief and step, against a geodesic shooting per belief
// for general means.  The FR length of the step is sqrt(1/2) |G|_F.
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <cstddef>
#include <vector>

#include "beds/interrupt.hpp"
#include "beds/mvnormal.hpp"
#include "beds/sym_eigen.hpp"

namespace beds {
namespace mvnormal {

// log of the SPD matrix X = L^-1 Sigma L^-T as V diag(log ev) V^T, accumulated into G with weight
// w; adds w |log X|_F^2 to sq.  Where X is too ill-conditioned for the small eigenvalues to keep
// their relative accuracy (cond > 1e8), X = W W^T with W = L^-1 chol(Sigma) and the singular values
// of W (one-sided Jacobi: relative accuracy) give log ev = 2 log sv.  False if X is not PD.
template <int D>
bool accumulate_spd_log(const Mat<D>& L, const Mat<D>& Sigma, double w, Mat<D>& G, double& sq) {
  const Eigen::Index d = L.rows();
  const Mat<D> X = congruence_inv<D>(L, Sigma);
  Vec<D> ev;
  Mat<D> V;
  if (!sym_eigen::eigen_decomposition(X, ev, V)) return false;
  Vec<D> lg(d);
  if (ev(0) > 1e-8 * ev(d - 1)) {
    for (Eigen::Index i = 0; i < d; ++i) lg(i) = std::log(ev(i));
  } else {
    Mat<D> Ls;
    if (!cholesky<D>(Sigma, Ls)) return false;
    Mat<D> W = Ls;
    solve_lower_in_place<D>(L, W);
    Eigen::JacobiSVD<Mat<D>> svd(W, Eigen::ComputeFullU);
    const Vec<D> sv = svd.singularValues();
    if (!(sv.minCoeff() > 0.0)) return false;
    V = svd.matrixU();
    for (Eigen::Index i = 0; i < d; ++i) lg(i) = 2.0 * std::log(sv(i));
  }
  if (!lg.allFinite()) return false;
  G.noalias() += V * (w * lg).asDiagonal() * V.transpose();
  sq += w * lg.squaredNorm();
  return true;
}

// L exp(X) L^T for symmetric X (eigen-decomposition), symmetrized.
template <int D>
bool spd_exp_at(const Mat<D>& L, const Mat<D>& X, Mat<D>& out) {
  Vec<D> ev;
  Mat<D> V;
  if (!sym_eigen::eigen_decomposition(X, ev, V)) return false;
  const Vec<D> ex = ev.array().exp().matrix();
  if (!ex.allFinite() || !(ex.minCoeff() > 0.0)) return false;
  const Mat<D> E = V * ex.asDiagonal() * V.transpose();
  out = congruence<D>(L, E);
  return out.allFinite();
}

struct SpdMeanResult {
  long long iterations = -1;  // iterations to convergence, -1 if not converged
  bool ok = false;            // false: an input was invalid or a step left the SPD cone (overflow)
};

// Weighted Karcher mean of n SPD matrices sigma(i) (weights w, sum > 0).  Start: the weighted
// arithmetic mean.  Stops when the FR length of a step is <= tol * max(1, rms distance), as the
// general Karcher mean; the step size nu starts at 1 and halves whenever a step is longer than the
// previous one (as in Congedo, Afsari, Barachant & Moakher, PLoS ONE 10, 2015), so the iteration
// cannot oscillate; it also stops (not converged) after 8 steps without a new shortest step
// (rounding level reached before tol), whatever max_iter, so an unreachable tol costs a bounded
// time.  Polls interrupt_requested() every iteration and every 1024 covariances (Ctrl-C: returns
// not ok; the caller drops or redoes the row).
template <int D, class Get>
SpdMeanResult spd_karcher_mean(Eigen::Index n, Eigen::Index d, const Get& sigma, const double* w, double tol,
                               long long max_iter, Mat<D>& M) {
  SpdMeanResult res;
  double wsum = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) wsum += w[i];
  if (!(wsum > 0.0) || !(tol > 0.0) || max_iter < 1) return res;
  M.setZero(d, d);
  for (Eigen::Index i = 0; i < n; ++i)
    if (w[i] != 0.0) M += (w[i] / wsum) * sigma(i);
  double nu = 1.0, best = std::numeric_limits<double>::infinity(), prev = best;
  int since_best = 0;
  Mat<D> L, G(d, d);
  for (long long it = 1; it <= max_iter; ++it) {
    if (interrupt_requested()) return res;  // Ctrl-C: the row is computed again or dropped
    if (!cholesky<D>(M, L)) return res;
    G.setZero(d, d);
    double sq = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      if ((i & 1023) == 1023 && interrupt_requested()) return res;  // long sets: between belief blocks
      if (w[i] == 0.0) continue;
      if (!accumulate_spd_log<D>(L, sigma(i), w[i] / wsum, G, sq)) return res;
    }
    G = 0.5 * (G + G.transpose());
    const double step = std::sqrt(0.5) * G.norm();  // FR length of the full gradient step
    const double rms = std::sqrt(0.5 * sq);
    if (!std::isfinite(step)) return res;
    const bool converged = step <= tol * std::max(1.0, rms);
    if (!converged) {
      if (step > prev) nu *= 0.5;
      prev = step;
      if (step < best) {
        best = step;
        since_best = 0;
      } else if (++since_best >= 8) {
        res.ok = true;  // stagnated at rounding level: the current point, flagged not converged
        return res;
      }
    }
    // the last (converged) step is taken too: it reduces the error by the contraction factor
    Mat<D> Mn;
    if (!spd_exp_at<D>(L, Mat<D>(nu * G), Mn)) return res;
    M = Mn;
    if (converged) {
      res.iterations = it;
      res.ok = true;
      return res;
    }
  }
  res.ok = true;
  return res;
}

}  // namespace mvnormal
}  // namespace beds
