// Multivariate normal beliefs N(mu, Sigma) in dimension d: Fisher-Rao geometry with Eigen.
//
// Fisher metric (no factor 1/4):  ds^2 = dmu^T Sigma^-1 dmu + 1/2 tr((Sigma^-1 dSigma)^2).
// Affine maps x -> A x + b are isometries, so every pair operation first moves point 1 to N(0, I):
// with Sigma1 = L1 L1^T (Cholesky),
//   m = L1^-1 (mu2 - mu1),   S = L1^-1 Sigma2 L1^-T = I + M,   M = L1^-1 (Sigma2 - Sigma1) L1^-T.
// M is formed from the difference Sigma2 - Sigma1, so its eigenvalues mu_i = lambda_i - 1 (lambda =
// generalized eigenvalues of (Sigma2, Sigma1)) keep their relative accuracy for near pairs and
// ln lambda_i = log1p(mu_i) does not cancel.
//
// Closed forms (docs: mathematics/mvnormal; Skovgaard 1984, Calvo & Oller 1990/1991, Nielsen 2023):
//   same mean        d = sqrt(1/2 sum_i log1p(mu_i)^2)
//   same covariance  d = sqrt(2) arccosh(1 + D^2/4) = 2 sqrt(2) asinh(D / (2 sqrt 2)),  D^2 = |m|^2
//   Calvo-Oller lower bound: the same-mean formula on the (d+1) x (d+1) embeddings
//     P = [[Sigma + mu mu^T, mu], [mu^T, 1]]; at point 1 = N(0, I), P1 = I and
//     P2 - I = [[M + m m^T, m], [m^T, 0]] (difference form again)
//   sqrt-Jeffreys upper bound, J = 1/2 [sum mu_i^2/(1 + mu_i) + |m|^2 + sum c_i^2/(1 + mu_i)],
//     c = V^T m with M = V diag(mu) V^T.
// Exact geodesics (Eriksen 1987, Calvo & Oller 1991): at N(0, I) with tangent (x, B) the geodesic is
//   Lambda(t) = expm(t A),  A = [[-B, x, 0], [x^T, 0, -x^T], [0, -x, B]]  (size 2d+1, symmetric),
//   Sigma(t) = Delta(t)^-1, mu(t) = Sigma(t) delta(t),  Delta = Lambda[0:d, 0:d], delta = Lambda[d, 0:d].
// expm(A) reduces to functions of the d x d matrix K = B^2 + 2 x x^T (see Generator), so one
// d x d symmetric eigen-decomposition gives Delta - I and delta without cancellation for near
// pairs.  The log map and the general distance solve Delta(x, B) = Sigma^-1, delta(x, B) =
// Sigma^-1 mu by Newton's method on (x, B) (geodesic shooting) with the exact Jacobian (Daleckii-
// Krein divided differences at the eigenvalues of K), started from the projection of the
// Calvo-Oller SPD geodesic.
//
// Pure C++17 + Eigen (no pybind11, no numpy): the kernels take Eigen matrices; the batch loops
// (cpp/src/mvnormal_loops.cpp) read numpy rows into them.  Template parameter D is the dimension
// (2, 3, 4 for fixed-size fast paths, Eigen::Dynamic otherwise).
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "beds/constants.hpp"
#include "beds/interrupt.hpp"
#include "beds/math.hpp"
#include "beds/sym_eigen.hpp"

namespace beds {
namespace mvnormal {

// Dimension tags: D > 0 a fixed size, Dyn a dynamic size on the heap, and Bounded (-16) a dynamic
// size of at most 16 held on the stack (no allocation; used by the closed-form kernels for
// 5 <= d <= 16, which are short enough that malloc would show).
constexpr int Dyn = Eigen::Dynamic;
constexpr int Bounded = -16;
constexpr int kBoundedMax = 16;
constexpr int plus1(int D) { return D == Dyn ? Dyn : (D < 0 ? D - 1 : D + 1); }
constexpr int twice_plus1(int D) { return D == Dyn ? Dyn : (D < 0 ? 2 * D - 1 : 2 * D + 1); }
constexpr int nparams(int D) { return D == Dyn ? Dyn : (D < 0 ? -(-D + (-D) * (-D + 1) / 2) : D + D * (D + 1) / 2); }
// Eigen's compile-time rows and maximum rows of a tag
constexpr int eigen_rows(int D) { return D < 0 ? Eigen::Dynamic : D; }
constexpr int eigen_max_rows(int D) { return D == Dyn ? Eigen::Dynamic : (D < 0 ? -D : D); }

template <int D>
using Vec = Eigen::Matrix<double, eigen_rows(D), 1, Eigen::ColMajor, eigen_max_rows(D), 1>;
template <int D>
using Mat = Eigen::Matrix<double, eigen_rows(D), eigen_rows(D), Eigen::ColMajor, eigen_max_rows(D), eigen_max_rows(D)>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kSqrt2 = 1.41421356237309504880;
constexpr double kLog2PiE = 2.83787706640934548356;  // log(2 pi) + 1

// Symmetry tolerance of covariance and tangent matrices: |S_ij - S_ji| <= tol * sqrt(S_ii S_jj)
// (covariances) or tol * max |S| (tangents); the matrix used is the average (S + S^T) / 2.
inline double symmetry_tolerance(bool single) { return single ? constants::kSymTolFloat32 : constants::kSymTolFloat64; }

// Symmetrizes S in place; false if an entry is not finite or S is not symmetric within tol.
// `scale_by_diagonal`: compare with sqrt(|S_ii|) sqrt(|S_jj|) (covariances; no overflow or underflow at
// any scale) instead of max |S| (tangents).
template <int D>
bool symmetrize(Mat<D>& S, double tol, bool scale_by_diagonal) {
  const Eigen::Index d = S.rows();
  bool ok = S.allFinite();
  if (!ok) return false;
  Vec<D> r(d);
  const double smax = scale_by_diagonal || !d ? 0.0 : S.cwiseAbs().maxCoeff();
  for (Eigen::Index i = 0; i < d; ++i) r(i) = scale_by_diagonal ? std::sqrt(std::fabs(S(i, i))) : 1.0;
  for (Eigen::Index j = 0; j < d; ++j) {
    for (Eigen::Index i = j + 1; i < d; ++i) {
      const double a = S(i, j), b = S(j, i);
      const double scale = scale_by_diagonal ? r(i) * r(j) : smax;
      ok = ok && std::fabs(a - b) <= tol * scale;
      S(i, j) = S(j, i) = a == b ? a : 0.5 * a + 0.5 * b;  // no overflow near the largest double
    }
  }
  return ok;
}

// Cholesky factor of a symmetric matrix; false unless it is positive definite (pivots > 0, finite).
// Plain column algorithm (Golub & Van Loan 4.2.1): for the tiny matrices here 2-3x faster than
// Eigen's blocked LLT, with the same rounding error bounds.
template <int D>
bool cholesky(const Mat<D>& S, Mat<D>& L) {
  const Eigen::Index n = S.rows();
  L.resize(n, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    double piv = S(j, j);
    for (Eigen::Index k = 0; k < j; ++k) piv -= L(j, k) * L(j, k);
    if (!(piv > 0.0) || !(piv <= std::numeric_limits<double>::max())) return false;
    const double ljj = std::sqrt(piv), inv = 1.0 / ljj;
    L(j, j) = ljj;
    for (Eigen::Index i = j + 1; i < n; ++i) {
      double v = S(i, j);
      for (Eigen::Index k = 0; k < j; ++k) v -= L(i, k) * L(j, k);
      L(i, j) = v * inv;
    }
    for (Eigen::Index i = 0; i < j; ++i) L(i, j) = 0.0;
  }
  return L.allFinite();
}

// X <- L^-1 X for lower-triangular L (forward substitution, column-oriented, in place).
template <int D, class X>
void solve_lower_in_place(const Mat<D>& L, X& Y) {
  const Eigen::Index n = L.rows(), m = Y.cols();
  Vec<D> inv(n);
  for (Eigen::Index k = 0; k < n; ++k) inv(k) = 1.0 / L(k, k);
  for (Eigen::Index k = 0; k < n; ++k) {
    for (Eigen::Index j = 0; j < m; ++j) {
      const double y = Y(k, j) * inv(k);
      Y(k, j) = y;
      for (Eigen::Index i = k + 1; i < n; ++i) Y(i, j) -= L(i, k) * y;
    }
  }
}

// L^-1 X L^-T for symmetric X (result symmetrized).
template <int D>
Mat<D> congruence_inv(const Mat<D>& L, const Mat<D>& X) {
  Mat<D> Y = X;
  solve_lower_in_place<D>(L, Y);
  Mat<D> Z = Y.transpose();
  solve_lower_in_place<D>(L, Z);
  return 0.5 * (Z + Z.transpose());
}

// L X L^T for symmetric X (result symmetrized).
template <int D>
Mat<D> congruence(const Mat<D>& L, const Mat<D>& X) {
  Mat<D> Y = L.template triangularView<Eigen::Lower>() * X;
  Mat<D> Z = L.template triangularView<Eigen::Lower>() * Y.transpose();
  return 0.5 * (Z + Z.transpose());
}

// ------------------------------------------------------------------------ normalized pair
// Point 1 moved to N(0, I): m = L1^-1 dmu, M = L1^-1 (Sigma2 - Sigma1) L1^-T = S - I.  Also keeps
// L2 and m2 = L2^-1 dmu (dmu^T Sigma2^-1 dmu = |m2|^2 = m^T S^-1 m without forming S^-1).
template <int D>
struct Pair {
  Mat<D> L1, L2, Dm;  // Dm = Sigma2 - Sigma1
  Vec<D> m, m2;
  Mat<D> M;

  // Sigma1, Sigma2 symmetric (symmetrize first); returns false if either is not positive definite.
  // `diff`: Sigma2 - Sigma1 when the caller knows it more accurately than the subtraction.
  bool set(const Vec<D>& mu1, const Mat<D>& S1, const Vec<D>& mu2, const Mat<D>& S2, const Mat<D>* diff = nullptr) {
    if (!cholesky<D>(S1, L1) || !cholesky<D>(S2, L2)) return false;
    const Vec<D> dmu = mu2 - mu1;
    m = L1.template triangularView<Eigen::Lower>().solve(dmu);
    m2 = L2.template triangularView<Eigen::Lower>().solve(dmu);
    Dm = diff ? *diff : Mat<D>(S2 - S1);
    M = congruence_inv<D>(L1, Dm);
    return m.allFinite() && m2.allFinite() && M.allFinite();
  }
  // S^-1 - I = L1^T Sigma2^-1 L1 - I = K^T [L2^-1 (Sigma1 - Sigma2) L1^-T], K = L2^-1 L1: a
  // difference form (near pairs) that needs no eigenvalue of S (ill-conditioned pairs).
  Mat<D> inverse_minus_identity() const {
    const Mat<D> K = L2.template triangularView<Eigen::Lower>().solve(L1);
    const Mat<D> Y = L2.template triangularView<Eigen::Lower>().solve(-Dm);            // L2^-1 (S1 - S2)
    const Mat<D> Z = L1.template triangularView<Eigen::Lower>().solve(Y.transpose());  // L1^-1 (S1 - S2) L2^-T
    const Mat<D> T = K.transpose() * Z.transpose();
    return 0.5 * (T + T.transpose());
  }
  // S^-1 m = L1^T Sigma2^-1 dmu = K^T m2
  Vec<D> inverse_times_m() const {
    const Mat<D> K = L2.template triangularView<Eigen::Lower>().solve(L1);
    return K.transpose() * m2;
  }
};

// Eigenvalues lambda_i of an SPD matrix X, ascending, in three accurate forms: mu = lambda - 1,
// nu = 1/lambda - 1 and l = ln lambda.  From the eigenvalues of X - I (accurate for lambda near 1
// and lambda >= 1/2) and, only when some lambda < 1/2, from those of X^-1 - I (accurate for the
// small lambda, whose relative accuracy X - I cannot give when X is ill-conditioned).
template <int D>
struct LogEigs {
  Vec<D> mu, nu, l;
  template <class InverseEigs>
  LogEigs(const Vec<D>& mu_direct, const InverseEigs& inverse_eigs)
      : mu(mu_direct), nu(mu_direct.size()), l(mu_direct.size()) {
    const Eigen::Index d = mu.size();
    // relative error of the smallest lambda from X - I: about eps max|mu| / lambda_min
    const bool two_sided = d > 0 && mu(0) < -0.5 && 64.0 * (1.0 + mu(0)) < std::max(-mu(0), mu(d - 1));
    Vec<D> inv;
    if (two_sided) inv = inverse_eigs();  // ascending eigenvalues of X^-1 - I
    for (Eigen::Index i = 0; i < d; ++i) {
      if (two_sided && mu(i) < -0.5) {
        const double v = std::max(inv(d - 1 - i), 1.0);  // 1/lambda - 1 > 1 here
        nu(i) = v;
        mu(i) = -v / (1.0 + v);
        l(i) = -std::log1p(v);
      } else {
        const double x = std::max(mu(i), -1.0 + 1e-300);
        mu(i) = x;
        nu(i) = -x / (1.0 + x);
        l(i) = std::log1p(x);
      }
    }
  }
  double half_sum_l2() const { return std::sqrt(0.5 * l.squaredNorm()); }
  // sum (lambda + 1/lambda - 2) = sum -mu nu
  double sum_jeffreys_terms() const { return -(mu.cwiseProduct(nu)).sum(); }
  // sum (ln lambda + 1/lambda - 1): log1pmx form near lambda = 1 (no cancellation)
  double sum_kl_terms() const {
    double s = 0.0;
    for (Eigen::Index i = 0; i < mu.size(); ++i) {
      const double x = mu(i);
      s += std::fabs(x) < 0.5 ? math::log1pmx(x) + x * x / (1.0 + x) : l(i) + nu(i);
    }
    return s;
  }
};

// Ascending eigenvalues of a symmetric matrix (NaN if an entry is not finite).
template <int D>
Vec<D> eigenvalues(const Mat<D>& X) {
  Vec<D> ev;
  sym_eigen::eigenvalues(X, ev);
  return ev;
}
// The same for X = (an SPD matrix) - I whose eigenvalues enter only spectral sums (distances,
// divergences): the fast 3 x 3 closed form where it is as accurate (eigenvalues of X + I in (1/4, 8]).
template <int D>
Vec<D> spectral_eigenvalues(const Mat<D>& X) {
  Vec<D> ev;
  sym_eigen::spectral_eigenvalues(X, ev, -0.75, 7.0);
  return ev;
}

// Eigen-decomposition X = V diag(ev) V^T of a symmetric matrix, eigenvalues ascending: the stack
// solver of sym_eigen.hpp (faster than Eigen's SelfAdjointEigenSolver on these small matrices, the
// same backward stability), Eigen's beyond its size limit.  False if an entry is not finite or the
// iteration failed.
template <int D>
bool sym_eig(const Mat<D>& X, Vec<D>& ev, Mat<D>& V) {
  if (X.rows() <= sym_eigen::kMaxRows) return sym_eigen::eigen_decomposition(X, ev, V);
  Eigen::SelfAdjointEigenSolver<Mat<D>> es(X);
  if (es.info() != Eigen::Success) return false;
  ev = es.eigenvalues();
  V = es.eigenvectors();
  return ev.allFinite();
}

// The generalized eigenvalues of (Sigma2, Sigma1) of a pair, two-sided.
template <int D>
LogEigs<D> pair_eigs(const Pair<D>& p) {
  return LogEigs<D>(spectral_eigenvalues<D>(p.M),
                    [&] { return eigenvalues<D>(congruence_inv<D>(p.L2, Mat<D>(-p.Dm))); });
}

// Same-mean distance for covariances so far apart that Sigma1^-1 Sigma2 overflows (ratios beyond
// 1e300): lambda = eig(W W^T), W = L1^-1 L2 computed as 2^(e2-e1) (L1/2^e1)^-1 (L2/2^e2), so
// ln lambda_i = 2 ln sv_i(W') + 2 (e2 - e1) ln 2 with the singular values of W' from one-sided
// Jacobi (relative accuracy).
template <int D>
bool same_mean_distance_far(const Mat<D>& L1, const Mat<D>& L2, double& out) {
  const Eigen::Index d = L1.rows();
  const int e1 = std::ilogb(L1.diagonal().maxCoeff()), e2 = std::ilogb(L2.diagonal().maxCoeff());
  Mat<D> A = L1, W = L2;
  const sym_eigen::Pow2 f1(-e1), f2(-e2);
  for (Eigen::Index j = 0; j < d; ++j)
    for (Eigen::Index i = 0; i < d; ++i) {
      A(i, j) = f1(A(i, j));
      W(i, j) = f2(W(i, j));
    }
  solve_lower_in_place<D>(A, W);
  if (!W.allFinite()) return false;
  Eigen::JacobiSVD<Mat<D>> svd(W);
  const Vec<D> sv = svd.singularValues();
  const double shift = static_cast<double>(e2 - e1) * 0.69314718055994530942;
  double s = 0.0;
  for (Eigen::Index i = 0; i < d; ++i) {
    if (!(sv(i) > 0.0)) return false;
    const double l = 2.0 * (std::log(sv(i)) + shift);
    s += l * l;
  }
  out = std::sqrt(0.5 * s);
  return std::isfinite(out);
}

// Same-mean distance: sqrt(1/2 sum ln^2 lambda_i), lambda = eig(Sigma1^-1 Sigma2).
template <int D>
bool same_mean_distance(const Mat<D>& S1, const Mat<D>& S2, double& out) {
  Mat<D> L1, L2;
  if (!cholesky<D>(S1, L1) || !cholesky<D>(S2, L2)) return false;
  // scales more than 2^400 apart: no near pair, and Sigma1^-1 Sigma2 or its inverse may overflow
  if (std::abs(std::ilogb(L1.diagonal().maxCoeff()) - std::ilogb(L2.diagonal().maxCoeff())) > 200)
    return same_mean_distance_far<D>(L1, L2, out);
  const Mat<D> Dm = S2 - S1;
  const Mat<D> M = congruence_inv<D>(L1, Dm);
  if (!M.allFinite()) return same_mean_distance_far<D>(L1, L2, out);
  const Vec<D> mu = spectral_eigenvalues<D>(M);
  const Eigen::Index d = mu.size();
  if (d > 0 && mu(0) < -0.5 && 64.0 * (1.0 + mu(0)) < std::max(-mu(0), mu(d - 1))) {
    // some lambda is small and ill-determined by Sigma2 - Sigma1: two-sided (see LogEigs)
    const Vec<D> inv = eigenvalues<D>(congruence_inv<D>(L2, Mat<D>(-Dm)));
    if (!inv.allFinite()) return same_mean_distance_far<D>(L1, L2, out);
    const LogEigs<D> e(mu, [&] { return inv; });
    out = e.half_sum_l2();
  } else {
    double s = 0.0;
    for (Eigen::Index i = 0; i < d; ++i) {
      const double l = std::log1p(std::max(mu(i), -1.0 + 1e-300));
      s += l * l;
    }
    out = std::sqrt(0.5 * s);
  }
  return std::isfinite(out);
}

// Same-covariance distance in the full manifold: 2 sqrt 2 asinh(D / (2 sqrt 2)), D = Mahalanobis.
template <int D>
bool same_cov_distance(const Vec<D>& mu1, const Mat<D>& S, const Vec<D>& mu2, double& out) {
  Mat<D> L;
  if (!cholesky<D>(S, L)) return false;
  const Vec<D> m = L.template triangularView<Eigen::Lower>().solve(mu2 - mu1);
  const double dm = m.stableNorm();  // no overflow of the squares
  out = 2.0 * kSqrt2 * std::asinh(dm / (2.0 * kSqrt2));
  return std::isfinite(out);
}

// Divergences of a pair:
//   2 J  = sum (lambda + 1/lambda - 2) + |m|^2 + |m2|^2
//   2 KL = sum (ln lambda + 1/lambda - 1) + |m2|^2       (KL(N1 || N2))
template <int D>
struct Spectrum {
  LogEigs<D> e;
  double mm, mm2;
  explicit Spectrum(const Pair<D>& p) : e(pair_eigs<D>(p)), mm(p.m.squaredNorm()), mm2(p.m2.squaredNorm()) {}
  double two_jeffreys() const { return e.sum_jeffreys_terms() + mm + mm2; }
  double two_kl() const { return e.sum_kl_terms() + mm2; }
};

// Calvo-Oller embedding at point 1 = I: P2 - I = [[M + m m^T, m], [m^T, 0]] and
// P2^-1 - I = [[T, -S^-1 m], [-(S^-1 m)^T, |m2|^2]], T = S^-1 - I.
template <int D>
Mat<plus1(D)> embedding_minus_identity(const Vec<D>& m, const Mat<D>& M) {
  const Eigen::Index d = m.size();
  Mat<plus1(D)> Q(d + 1, d + 1);
  Q.topLeftCorner(d, d) = M + m * m.transpose();
  Q.topRightCorner(d, 1) = m;
  Q.bottomLeftCorner(1, d) = m.transpose();
  Q(d, d) = 0.0;
  return Q;
}
template <int D>
Vec<plus1(D)> inverse_embedding_eigs(const Pair<D>& p) {
  const Eigen::Index d = p.m.size();
  const Vec<D> sm = p.inverse_times_m();
  Mat<plus1(D)> Q(d + 1, d + 1);
  Q.topLeftCorner(d, d) = p.inverse_minus_identity();
  Q.topRightCorner(d, 1) = -sm;
  Q.bottomLeftCorner(1, d) = -sm.transpose();
  Q(d, d) = p.m2.squaredNorm();
  return eigenvalues<plus1(D)>(Q);
}

// Calvo-Oller lower bound (embedding in SPD(d+1)) from a normalized pair.
template <int D>
double calvo_oller_bound(const Pair<D>& p) {
  const LogEigs<plus1(D)> e(spectral_eigenvalues<plus1(D)>(embedding_minus_identity<D>(p.m, p.M)),
                            [&] { return inverse_embedding_eigs<D>(p); });
  const Eigen::Index n = e.l.size();
  if (n == 0 || e.l.maxCoeff() - e.l.minCoeff() <= 18.0) return e.half_sum_l2();
  // eigenvalues more than e^18 (~7e7) apart: the middle ones lose their relative accuracy in either
  // difference form.  At point 1 = I the embedding of point 2 is P2 = T T^T with
  // T = [[L1^-1 L2, m], [0, 1]], so its eigenvalues are the squared singular values of T, which
  // one-sided Jacobi gets to high relative accuracy (Demmel & Veselic 1992).
  const Eigen::Index d = p.m.size();
  Mat<D> W = p.L2;
  solve_lower_in_place<D>(p.L1, W);
  Mat<plus1(D)> T = Mat<plus1(D)>::Zero(d + 1, d + 1);
  T.topLeftCorner(d, d) = W;
  T.topRightCorner(d, 1) = p.m;
  T(d, d) = 1.0;
  if (!T.allFinite()) return e.half_sum_l2();
  Eigen::JacobiSVD<Mat<plus1(D)>> svd(T);
  const Vec<plus1(D)> sv = svd.singularValues();
  if (!(sv.minCoeff() > 0.0)) return e.half_sum_l2();
  double s = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double l = 2.0 * std::log(sv(i));
    s += l * l;
  }
  return std::sqrt(0.5 * s);
}

// ------------------------------------------------------------------ geodesic exponential
// The generator A(x, B) at N(0, I) (size 2d+1) is symmetric and, in the orthonormal coordinates
// u = (p + q)/sqrt 2, v = (p - q)/sqrt 2 of its first and last blocks, block anti-diagonal:
// [[0, C], [C^T, 0]] with C = [[-B], [sqrt(2) x^T]] of size (d+1) x d.  Its exponential is then a
// function of the d x d matrix K = C^T C = B^2 + 2 x x^T (cosh and sinh of sqrt(K)), which gives,
// with G = g(K), H = h(K), Cm = c(K) for g(s) = (cosh sqrt s - 1)/s, h(s) = sinh sqrt s / sqrt s,
// c(s) = cosh sqrt s - 1 = s g(s):
//   Delta - I = 1/2 (B G B - B H - H B + Cm),   delta = H x - B G x.
// Only a d x d symmetric eigen-decomposition is needed (instead of one of size 2d+1), and every
// term is small when (x, B) is small (no cancellation for near pairs).  The Jacobian of the
// shooting problem is exact: the Frechet derivatives of g, h, c at K by the Daleckii-Krein formula
// (divided differences of g, h, c at the eigenvalues of K) and the product rule.

// c, g, h at s >= 0 and their derivatives with respect to s.
struct CoshFns {
  double c, g, h, dc, dg, dh;
};
inline CoshFns cosh_fns(double s) {
  s = s > 0.0 ? s : 0.0;
  CoshFns f;
  if (s < 0.5) {
    // series: g = sum s^k/(2k+2)!, h = sum s^k/(2k+1)!  (12 terms: error < 1e-20 at s = 0.5)
    double g = 0.0, h = 0.0, dg = 0.0, dh = 0.0;
    for (int k = 11; k >= 0; --k) {
      double fg = 1.0, fh = 1.0;
      for (int j = 2; j <= 2 * k + 2; ++j) fg *= j;
      for (int j = 2; j <= 2 * k + 1; ++j) fh *= j;
      g = g * s + 1.0 / fg;
      h = h * s + 1.0 / fh;
      if (k >= 1) {
        dg = dg * s + k / fg;
        dh = dh * s + k / fh;
      }
    }
    f.g = g;
    f.h = h;
    f.c = s * g;
    f.dg = dg;
    f.dh = dh;
  } else {
    const double r = std::sqrt(s);
    const double sh2 = 0.5 * (std::expm1(0.5 * r) - std::expm1(-0.5 * r));  // sinh(r/2)
    f.c = 2.0 * sh2 * sh2;
    const double sh = 0.5 * (std::expm1(r) - std::expm1(-r));
    f.h = sh / r;
    f.g = f.c / s;
    f.dg = (0.5 * f.h - f.g) / s;
    f.dh = (1.0 + f.c - f.h) / (2.0 * s);
  }
  f.dc = f.g + s * f.dg;
  return f;
}

template <int D>
struct Generator {
  Vec<D> s, c, g, h;  // eigenvalues of K, and c, g, h there
  Mat<D> V, Bt, Dt;   // eigenvectors of K, V^T B V, V^T (Delta - I) V
  Vec<D> xt, dt;      // V^T x, V^T delta
  CoshFns f[D == Dyn ? 1 : (D > 0 ? D : 1)];
  std::vector<CoshFns> fdyn;

  const CoshFns& fn(Eigen::Index i) const { return D == Dyn ? fdyn[static_cast<std::size_t>(i)] : f[i]; }

  // E = Delta - I, delta (original basis); the rotated values stay in Dt, dt.
  bool eval(const Vec<D>& x, const Mat<D>& B, Mat<D>& DeltaMinusI, Vec<D>& delta) {
    const Eigen::Index d = x.size();
    Mat<D> K = B * B + 2.0 * x * x.transpose();
    K = 0.5 * (K + K.transpose());
    if (!sym_eig<D>(K, s, V)) return false;
    s = s.cwiseMax(0.0);
    c.resize(d);
    g.resize(d);
    h.resize(d);
    if (D == Dyn) fdyn.resize(static_cast<std::size_t>(d));
    for (Eigen::Index i = 0; i < d; ++i) {
      const CoshFns fi = cosh_fns(s(i));
      if (D == Dyn)
        fdyn[static_cast<std::size_t>(i)] = fi;
      else
        f[i] = fi;
      c(i) = fi.c;
      g(i) = fi.g;
      h(i) = fi.h;
    }
    Bt = V.transpose() * B * V;
    Bt = 0.5 * (Bt + Bt.transpose());
    xt = V.transpose() * x;
    const Mat<D> BH = Bt * h.asDiagonal();
    Dt = 0.5 * (Bt * g.asDiagonal() * Bt - BH - BH.transpose());
    Dt.diagonal() += 0.5 * c;
    Dt = 0.5 * (Dt + Dt.transpose());
    dt = h.cwiseProduct(xt) - Bt * g.cwiseProduct(xt);
    DeltaMinusI = V * Dt * V.transpose();
    DeltaMinusI = 0.5 * (DeltaMinusI + DeltaMinusI.transpose());
    delta = V * dt;
    return DeltaMinusI.allFinite() && delta.allFinite();
  }
};

// The same exponential from the eigen-decomposition of the (2d+1) x (2d+1) symmetric generator A:
// expm(A) - I = U diag(expm1(a)) U^T.  Each exponential stays on its own eigenvector, so far pairs
// (large tangents) keep their accuracy where the d x d form above cancels (its cosh and sinh terms
// grow like e^sigma): used to refine the shooting solution when max sigma > 3.
template <int D>
struct GeneratorFull {
  static constexpr int N = twice_plus1(D);
  using MatN = Mat<N>;
  using VecN = Vec<N>;
  VecN a;    // eigenvalues of A
  VecN em1;  // expm1(a)
  MatN U;    // eigenvectors of A

  static void build(const Vec<D>& x, const Mat<D>& B, MatN& A) {
    const Eigen::Index d = x.size();
    A.setZero(2 * d + 1, 2 * d + 1);
    A.topLeftCorner(d, d) = -B;
    A.block(0, d, d, 1) = x;
    A.block(d, 0, 1, d) = x.transpose();
    A.block(d, d + 1, 1, d) = -x.transpose();
    A.block(d + 1, d, d, 1) = -x;
    A.bottomRightCorner(d, d) = B;
  }

  // E = expm(A) - I restricted to rows 0..d, columns 0..d-1 (Delta - I on top, delta in row d).
  bool eval(const Vec<D>& x, const Mat<D>& B, Mat<D>& DeltaMinusI, Vec<D>& delta) {
    const Eigen::Index d = x.size();
    MatN A;
    build(x, B, A);
    if (!sym_eig<N>(A, a, U)) return false;
    em1.resize(a.size());
    for (Eigen::Index i = 0; i < a.size(); ++i) em1(i) = std::expm1(a(i));
    // rows 0..d of U diag(em1) U^T, first d columns
    const Eigen::Matrix<double, plus1(D), N> top = U.topRows(d + 1) * em1.asDiagonal();
    const Eigen::Matrix<double, plus1(D), D> R = top * U.topRows(d).transpose();
    DeltaMinusI = 0.5 * (R.topRows(d) + R.topRows(d).transpose());
    delta = R.row(d).transpose();
    return DeltaMinusI.allFinite() && delta.allFinite();
  }
};

// Point at t = 1 of the geodesic from N(0, I) with tangent (x, B): returns mu, Sigma.
template <int D>
bool exp_at_identity(const Vec<D>& x, const Mat<D>& B, Vec<D>& mu, Mat<D>& Sigma) {
  Generator<D> g;
  Mat<D> E;
  Vec<D> delta;
  if (!g.eval(x, B, E, delta)) return false;
  if (g.s.maxCoeff() > 9.0) {  // far: the (2d+1) form keeps the accuracy (see GeneratorFull)
    GeneratorFull<D> gf;
    if (!gf.eval(x, B, E, delta)) return false;
  }
  const Eigen::Index d = x.size();
  Mat<D> Delta = E + Mat<D>::Identity(d, d);
  Eigen::LLT<Mat<D>> llt(Delta);
  if (llt.info() != Eigen::Success) return false;
  Sigma = llt.solve(Mat<D>::Identity(d, d));
  Sigma = 0.5 * (Sigma + Sigma.transpose());
  mu = Sigma * delta;
  return Sigma.allFinite() && mu.allFinite();
}

// Exp map at N(mu, Sigma) (Sigma symmetric) with tangent (x, B): affine normalization, exp at
// N(0, I), back.
template <int D>
bool exp_map(const Vec<D>& mu, const Mat<D>& S, const Vec<D>& x, const Mat<D>& B, Vec<D>& mu_out, Mat<D>& S_out) {
  Mat<D> L;
  if (!cholesky<D>(S, L)) return false;
  const Vec<D> xt = L.template triangularView<Eigen::Lower>().solve(x);
  const Mat<D> Bt = congruence_inv<D>(L, B);
  Vec<D> m;
  Mat<D> St;
  if (!exp_at_identity<D>(xt, Bt, m, St)) return false;
  mu_out = mu + L.template triangularView<Eigen::Lower>() * m;
  S_out = congruence<D>(L, St);
  return mu_out.allFinite() && S_out.allFinite();
}

// FR norm at N(0, I): sqrt(x^T x + 1/2 tr B^2).
template <int D>
double norm_at_identity(const Vec<D>& x, const Mat<D>& B) {
  return std::sqrt(x.squaredNorm() + 0.5 * B.squaredNorm());
}

// Inner product at N(mu, Sigma): x1^T Sigma^-1 x2 + 1/2 tr(Sigma^-1 B1 Sigma^-1 B2).
template <int D>
bool inner(const Mat<D>& S, const Vec<D>& x1, const Mat<D>& B1, const Vec<D>& x2, const Mat<D>& B2, double& out) {
  Mat<D> L;
  if (!cholesky<D>(S, L)) return false;
  const Vec<D> y1 = L.template triangularView<Eigen::Lower>().solve(x1);
  const Vec<D> y2 = L.template triangularView<Eigen::Lower>().solve(x2);
  const Mat<D> C1 = congruence_inv<D>(L, B1);
  const Mat<D> C2 = congruence_inv<D>(L, B2);
  out = y1.dot(y2) + 0.5 * C1.cwiseProduct(C2).sum();
  return std::isfinite(out);
}

// ------------------------------------------------------------------------ geodesic shooting
struct ShootResult {
  double distance = kNaN, lower = kNaN, upper = kNaN;
  double cap = kNaN;          // min(upper, triangle-inequality bound)
  long long iterations = -1;  // Newton iterations, -1 when not converged
};

// The target of the shooting problem for a normalized point N(m, I + M): Delta* - I = S^-1 - I
// and delta* = S^-1 m, from the eigen-decomposition of M (no cancellation for near points).
template <int D>
struct Target {
  Mat<D> T;
  Vec<D> tdelta;
  double upper;  // sqrt-Jeffreys bound to N(0, I)
  // the triangle inequality through N(m, I) or N(0, S): same-mean distance + same-covariance
  // distance (closed forms); often much tighter than sqrt(J) when one of them dominates
  double triangle = std::numeric_limits<double>::infinity();
  void set(const Vec<D>& m, const Mat<D>& M) {
    const Eigen::Index d = m.size();
    Vec<D> mu;
    Mat<D> V;
    if (!sym_eig<D>(M, mu, V)) {
      mu.setConstant(d, kNaN);  // a target that Newton cannot reach (not converged)
      V.setIdentity(d, d);
    }
    mu = mu.cwiseMax(-1.0 + 1e-300);
    const Vec<D> c = V.transpose() * m;
    Vec<D> f(d);
    double s = 0.0;
    for (Eigen::Index i = 0; i < d; ++i) {
      f(i) = -mu(i) / (1.0 + mu(i));
      s += (mu(i) * mu(i) + c(i) * c(i)) / (1.0 + mu(i)) + c(i) * c(i);
    }
    upper = std::sqrt(0.5 * s);
    T = V * f.asDiagonal() * V.transpose();
    T = 0.5 * (T + T.transpose());
    tdelta = m + T * m;
  }
  // accurate for near and for ill-conditioned pairs (no eigenvalue of S involved)
  void set(const Pair<D>& p) {
    T = p.inverse_minus_identity();
    tdelta = p.inverse_times_m();
    const Spectrum<D> sp(p);
    upper = std::sqrt(0.5 * sp.two_jeffreys());
    const double dm = std::min(p.m.stableNorm(), p.m2.stableNorm());
    triangle = sp.e.half_sum_l2() + 2.0 * kSqrt2 * std::asinh(dm / (2.0 * kSqrt2));
  }
};

// Newton's method on the initial velocity (x, B) at N(0, I) so that expm(A(x, B)) hits the target
// (rows 0..d, columns 0..d-1 of expm(A) - I, i.e. Delta - I and delta).  Exact Jacobian by the
// Daleckii-Krein formula, backtracking when a full step does not reduce the residual.
// Stops when the FR length s of a full step is <= tol |v|, or when the error predicted from the
// quadratic rate, (s_k / s_{k-1}^2) s_k^2, is; a residual that stagnates at rounding level
// after a step <= 1e-7 |v| also counts as converged.  Returns the iterations, or -1.
template <int D>
long long newton(const Target<D>& tg, double tol, long long max_iter, Vec<D>& x, Mat<D>& B) {
  constexpr int NP = nparams(D);
  const Eigen::Index d = x.size();
  const Eigen::Index n = d + d * (d + 1) / 2;
  using VecP = Vec<NP>;
  using MatP = Mat<NP>;
  Generator<D> g;
  Mat<D> E;
  Vec<D> delta;
  // residual in the eigenbasis V of K at (xx, BB) (for the Newton system) and its norm (basis-free)
  auto residual = [&](const Vec<D>& xx, const Mat<D>& BB, VecP& rr, double& norm) -> bool {
    if (!g.eval(xx, BB, E, delta)) return false;
    const Vec<D> rd = g.dt - g.V.transpose() * tg.tdelta;
    const Mat<D> RD = g.Dt - g.V.transpose() * tg.T * g.V;
    rr.head(d) = rd;
    Eigen::Index k = d;
    for (Eigen::Index j = 0; j < d; ++j)
      for (Eigen::Index i = j; i < d; ++i) rr(k++) = 0.5 * (RD(i, j) + RD(j, i));
    norm = std::sqrt(rd.squaredNorm() + RD.squaredNorm());
    return rr.allFinite() && std::isfinite(norm);
  };
  VecP r(n);
  double rnorm;
  if (!residual(x, B, r, rnorm)) return -1;
  MatP J(n, n);
  Mat<D> Gg(d, d), Gh(d, d), Gc(d, d), dK(d, d), P(d, d);
  double prev_step = -1.0;  // FR length of the previous full step (-1: none)
  Eigen::PartialPivLU<MatP> lu(n);
  // Jacobian at the current point (eigenbasis of g), factorized into lu
  auto build_jacobian = [&]() {
    // divided differences of g, h, c at the eigenvalues of K
    for (Eigen::Index j = 0; j < d; ++j) {
      for (Eigen::Index i = 0; i < d; ++i) {
        const double ds = g.s(i) - g.s(j);
        const CoshFns& fi = g.fn(i);
        const CoshFns& fj = g.fn(j);
        if (std::fabs(ds) > 1e-5 * std::max(1.0, std::max(g.s(i), g.s(j)))) {
          Gg(i, j) = (fi.g - fj.g) / ds;
          Gh(i, j) = (fi.h - fj.h) / ds;
          Gc(i, j) = (fi.c - fj.c) / ds;
        } else {
          const CoshFns fm = cosh_fns(0.5 * (g.s(i) + g.s(j)));
          Gg(i, j) = fm.dg;
          Gh(i, j) = fm.dh;
          Gc(i, j) = fm.dc;
        }
      }
    }
    const Mat<D>& Bt = g.Bt;
    const Vec<D>& xt = g.xt;
    const auto Gd = g.g.asDiagonal();
    const auto Hd = g.h.asDiagonal();
    const Vec<D> gx = g.g.cwiseProduct(xt);
    P = Bt * g.V.transpose();  // column k: Bt a_k, a_k = V^T e_k
    // column of the Jacobian for dK~ (and dB~, dx~ in the eigenbasis)
    auto column = [&](Eigen::Index col, const Mat<D>* dBt, const Vec<D>* dxt) {
      const Mat<D> dG = Gg.cwiseProduct(dK), dH = Gh.cwiseProduct(dK), dC = Gc.cwiseProduct(dK);
      Mat<D> BdH = Bt * dH;
      Mat<D> dD = 0.5 * (Bt * dG * Bt - BdH - BdH.transpose() + dC);
      Vec<D> dd = dH * xt - Bt * (dG * xt);
      if (dBt) {
        const Mat<D> t1 = (*dBt) * Gd * Bt;
        const Mat<D> t2 = (*dBt) * Hd;
        dD += 0.5 * (t1 + t1.transpose() - t2 - t2.transpose());
        dd -= (*dBt) * gx;
      }
      if (dxt) dd += g.h.cwiseProduct(*dxt) - Bt * g.g.cwiseProduct(*dxt);
      J.col(col).head(d) = dd;
      Eigen::Index k = d;
      for (Eigen::Index jj = 0; jj < d; ++jj)
        for (Eigen::Index ii = jj; ii < d; ++ii) J(k++, col) = 0.5 * (dD(ii, jj) + dD(jj, ii));
    };
    for (Eigen::Index k = 0; k < d; ++k) {
      const Vec<D> a = g.V.row(k).transpose();
      dK = 2.0 * (a * xt.transpose() + xt * a.transpose());
      column(k, nullptr, &a);
    }
    {
      Eigen::Index col = d;
      for (Eigen::Index j = 0; j < d; ++j) {
        const Vec<D> b = g.V.row(j).transpose();
        for (Eigen::Index i = j; i < d; ++i) {
          const Vec<D> a = g.V.row(i).transpose();
          Mat<D> dBt;
          if (i == j) {
            dBt = a * a.transpose();
            dK = a * P.col(i).transpose();
          } else {
            dBt = a * b.transpose() + b * a.transpose();
            dK = a * P.col(j).transpose() + b * P.col(i).transpose();
          }
          dK += dK.transpose().eval();
          column(col++, &dBt, nullptr);
        }
      }
    }
    lu.compute(J);
  };
  // Far pairs (max sigma > 3): Newton steps on the residual of the (2d+1) eigen-decomposition
  // (accurate where the d x d form loses about eps e^sigma), with the d x d Jacobian, until a
  // step is below tol |v| or the residual stops decreasing.  Returns whether the last step was
  // below max(tol, 1e-10) |v| (the error of the iterate).
  auto refine = [&]() -> bool {
    if (!(g.s.maxCoeff() > 9.0)) return true;
    GeneratorFull<D> gf;
    Mat<D> Ef;
    Vec<D> df;
    VecP rr(n);
    double last = kNaN, fnorm = kNaN;
    for (int k = 0; k < 12; ++k) {
      if (!residual(x, B, r, rnorm)) return false;  // eigenbasis of the current point
      build_jacobian();
      if (!gf.eval(x, B, Ef, df)) return false;
      const Vec<D> rd = g.V.transpose() * (df - tg.tdelta);
      const Mat<D> RD = g.V.transpose() * (Ef - tg.T) * g.V;
      const double nrm = std::sqrt(rd.squaredNorm() + RD.squaredNorm());
      if (k > 0 && !(nrm < fnorm)) break;  // no decrease: keep the current point
      fnorm = nrm;
      rr.head(d) = rd;
      Eigen::Index q = d;
      for (Eigen::Index j = 0; j < d; ++j)
        for (Eigen::Index i = j; i < d; ++i) rr(q++) = 0.5 * (RD(i, j) + RD(j, i));
      const VecP step = -lu.solve(rr);
      if (!step.allFinite()) return false;
      Mat<D> dB(d, d);
      Eigen::Index k2 = d;
      for (Eigen::Index j = 0; j < d; ++j)
        for (Eigen::Index i = j; i < d; ++i) dB(i, j) = dB(j, i) = step(k2++);
      const Vec<D> dx = step.head(d);
      last = norm_at_identity<D>(dx, dB);
      const double vn = std::max(norm_at_identity<D>(x, B), 1e-300);
      x += dx;
      B += dB;
      if (last <= tol * vn) return true;
    }
    return last <= std::max(tol, 1e-10) * std::max(norm_at_identity<D>(x, B), 1e-300);
  };
  for (long long it = 1; it <= max_iter; ++it) {
    if (interrupt_requested()) return -1;  // Ctrl-C (the row is computed again or dropped)
    if (rnorm == 0.0) return it - 1;
    build_jacobian();
    const VecP step = -lu.solve(r);
    if (!step.allFinite()) return -1;
    const Vec<D> dx = step.head(d);
    Mat<D> dB(d, d);
    {
      Eigen::Index k = d;
      for (Eigen::Index j = 0; j < d; ++j)
        for (Eigen::Index i = j; i < d; ++i) dB(i, j) = dB(j, i) = step(k++);
    }
    const double vnorm = std::max(norm_at_identity<D>(x, B), 1e-300);
    const double snorm = norm_at_identity<D>(dx, dB);
    double alpha = 1.0;
    VecP rt(n);
    double rtnorm = 0.0;
    Vec<D> xt2;
    Mat<D> Bt2;
    bool accepted = false;
    for (int ls = 0; ls < 30; ++ls) {
      xt2 = x + alpha * dx;
      Bt2 = B + alpha * dB;
      if (residual(xt2, Bt2, rt, rtnorm) && rtnorm < rnorm) {
        accepted = true;
        break;
      }
      alpha *= 0.5;
    }
    if (!accepted) {
      // stagnation: converged at rounding level if the iteration was already squaring
      // (the Newton step then estimates the error of the iterate: accept it below 1e-10 |v|)
      residual(x, B, r, rnorm);  // restores g at the current point
      const bool small = snorm <= std::max(tol, 1e-10) * vnorm || (prev_step >= 0.0 && prev_step <= 1e-7 * vnorm);
      // far pairs: the d x d residual may stagnate above the accuracy goal; refine either way
      if (g.s.maxCoeff() > 9.0) return refine() ? it : -1;
      return small ? it : -1;
    }
    x = xt2;
    B = Bt2;
    r = rt;
    rnorm = rtnorm;
    if (alpha == 1.0) {
      const double vn = std::max(norm_at_identity<D>(x, B), 1e-300);
      if (snorm <= tol * vn) return refine() ? it : -1;
      if (prev_step > 0.0 && snorm <= 1e-3 * vn) {
        // safety factor 1e4 on the predicted error (the rate constant is estimated)
        const double predicted = snorm / (prev_step * prev_step) * snorm * snorm;
        if (predicted <= 1e-4 * tol * vn) return refine() ? it : -1;
      }
      prev_step = snorm;
    } else {
      prev_step = -1.0;
    }
  }
  return -1;
}

// Point at t on the Calvo-Oller SPD geodesic P(t) = exp(t W) (point 1 at I), projected back to
// the normal manifold as (mu, Sigma) = (b / c, A - b b^T / c) for P = [[A, b], [b^T, c]]
// (Nielsen 2023).  W = U diag(l) U^T.  Returned as m and M = Sigma - I (difference form).
template <int D>
void projected_point(const Mat<plus1(D)>& U, const Vec<plus1(D)>& l, double t, Vec<D>& m, Mat<D>& M) {
  const Eigen::Index d = l.size() - 1;
  Vec<plus1(D)> e(d + 1);
  for (Eigen::Index i = 0; i <= d; ++i) e(i) = std::expm1(t * l(i));
  const Mat<plus1(D)> Pm = U * e.asDiagonal() * U.transpose();  // P(t) - I
  const double c = 1.0 + Pm(d, d);
  const Vec<D> b = Pm.topRightCorner(d, 1);
  m = b / c;
  M = Pm.topLeftCorner(d, d) - b * b.transpose() / c;
  M = 0.5 * (M + M.transpose());
}

// Calvo-Oller bound and its SPD log (eigenvalues l = log1p(eig(P2 - I)), vectors U).
template <int D>
double calvo_oller_log(const Pair<D>& p, Mat<plus1(D)>& U, Vec<plus1(D)>& l) {
  Vec<plus1(D)> ev;
  if (!sym_eig<plus1(D)>(embedding_minus_identity<D>(p.m, p.M), ev, U)) {
    l.setConstant(p.m.size() + 1, kNaN);
    return kNaN;
  }
  const LogEigs<plus1(D)> e(ev, [&] { return inverse_embedding_eigs<D>(p); });
  l = e.l;
  return e.half_sum_l2();
}

// Solves the shooting problem for the normalized pair p (point 1 = N(0, I)).  On success (x, B) is
// the initial velocity of the geodesic (log map at N(0, I)).  Start: the projection of the
// Calvo-Oller SPD geodesic's velocity, W = logm(P2) -> (x, B) = (W[0:d, d], W[0:d, 0:d]).  If
// Newton fails from there, continuation along the projected SPD geodesic (4, then 16 stages).
template <int D>
ShootResult shoot(const Pair<D>& p, double tol, long long max_iter, Vec<D>& x, Mat<D>& B) {
  const Eigen::Index d = p.m.size();
  ShootResult res;
  Mat<plus1(D)> U;
  Vec<plus1(D)> l;
  calvo_oller_log<D>(p, U, l);
  res.lower = calvo_oller_bound<D>(p);  // the same value as bounds()
  const Mat<plus1(D)> W = U * l.asDiagonal() * U.transpose();
  Target<D> tg;
  tg.set(p);
  res.upper = tg.upper;
  x = W.topRightCorner(d, 1);
  B = W.topLeftCorner(d, d);
  B = 0.5 * (B + B.transpose());
  long long it = newton<D>(tg, tol, max_iter, x, B);
  long long total = it < 0 ? max_iter : it;
  for (int stages : {4, 16}) {
    if (it >= 0) break;
    x.setZero(d);
    B.setZero(d, d);
    bool ok = true;
    for (int k = 1; k <= stages && ok; ++k) {
      Target<D> tk;
      Vec<D> mk;
      Mat<D> Mk;
      if (k == stages) {
        tk = tg;
      } else {
        projected_point<D>(U, l, static_cast<double>(k) / stages, mk, Mk);
        tk.set(mk, Mk);
      }
      if (k > 1) {  // extrapolate the previous solution
        x *= static_cast<double>(k) / (k - 1);
        B *= static_cast<double>(k) / (k - 1);
      }
      const long long ik = newton<D>(tk, k == stages ? tol : 1e-8, max_iter, x, B);
      ok = ik >= 0;
      total += ok ? ik : max_iter;
      if (ok && k == stages) it = total;
    }
  }
  res.iterations = it;
  res.distance = norm_at_identity<D>(x, B);
  // the tightest upper bound at hand: sqrt(J) or the triangle inequality (it catches the shooting
  // when the matrix exponential of a far geodesic has lost its accuracy)
  // sqrt(J) not representable (pairs ~1e300 apart): no finite upper bound
  if (!(res.upper >= 0.0)) res.upper = std::numeric_limits<double>::infinity();
  res.cap = std::min(res.upper, tg.triangle);
  if (res.iterations >= 0) {
    // certificate: the bounds must bracket the distance (relative slack: rounding only)
    if (!(res.distance >= res.lower * (1.0 - 1e-10) && res.distance <= res.cap * (1.0 + 1e-10))) res.iterations = -1;
  }
  return res;
}

// Log map at N(mu1, Sigma1) towards N(mu2, Sigma2): tangent (x, B) in the original coordinates.
template <int D>
ShootResult log_map(const Vec<D>& mu1, const Mat<D>& S1, const Vec<D>& mu2, const Mat<D>& S2, double tol,
                    long long max_iter, bool& valid, Vec<D>& x, Mat<D>& B) {
  Pair<D> p;
  valid = p.set(mu1, S1, mu2, S2);
  if (!valid) return ShootResult{};
  Vec<D> xt;
  Mat<D> Bt;
  ShootResult res = shoot<D>(p, tol, max_iter, xt, Bt);
  x = p.L1.template triangularView<Eigen::Lower>() * xt;
  B = congruence<D>(p.L1, Bt);
  return res;
}

// ---------------------------------------------------------------- Nielsen's approximation
// Nielsen (2023, arXiv 2307.10644): the sum of sqrt(Jeffreys) between consecutive points of the
// Calvo-Oller SPD geodesic projected to the normal manifold (projected_point), an upper
// approximation of the length of that curve, hence of the distance.  The number of segments
// doubles from 2 until two successive sums agree within tol (relative); returns the last sum and
// the number of segments (-1 if max_segments was reached first).
template <int D>
double nielsen(const Pair<D>& p, double tol, long long max_segments, long long& segments) {
  const Eigen::Index d = p.m.size();
  Mat<plus1(D)> U;
  Vec<plus1(D)> l;
  calvo_oller_log<D>(p, U, l);
  // sqrt(J) between two points given in difference form at N(0, I)
  auto sqrt_j = [&](const Vec<D>& m1, const Mat<D>& M1, const Vec<D>& m2, const Mat<D>& M2) {
    Pair<D> q;
    const Mat<D> I = Mat<D>::Identity(d, d);
    const Mat<D> diff = M2 - M1;
    if (!q.set(m1, Mat<D>(I + M1), m2, Mat<D>(I + M2), &diff)) return kNaN;
    return std::sqrt(0.5 * Spectrum<D>(q).two_jeffreys());
  };
  double prev = kNaN;
  segments = -1;
  for (long long k = 2; k <= max_segments; k *= 2) {
    double s = 0.0;
    Vec<D> ma, mb;
    Mat<D> Ma, Mb;
    ma.setZero(d);
    Ma.setZero(d, d);
    for (long long i = 1; i <= k; ++i) {
      if ((i & 255) == 0 && interrupt_requested()) return kNaN;  // Ctrl-C (as in newton)
      projected_point<D>(U, l, static_cast<double>(i) / static_cast<double>(k), mb, Mb);
      s += sqrt_j(ma, Ma, mb, Mb);
      ma = mb;
      Ma = Mb;
    }
    if (std::fabs(s - prev) <= tol * s || s == 0.0) {
      segments = k;
      return s;
    }
    prev = s;
  }
  return prev;
}

}  // namespace mvnormal
}  // namespace beds
