// Eigenvalues of small dense symmetric matrices (d <= a few dozen), without heap allocation for
// fixed-size and bounded-size Eigen matrices.
//
// Householder reduction to tridiagonal form followed by the implicit QL iteration with Wilkinson
// shifts (the EISPACK tql1 scheme: Bowdler, Martin, Reinsch & Wilkinson, Numer. Math. 11, 1968;
// Golub & Van Loan, Matrix Computations, sections 8.3.1 and 8.3.5), 2 x 2 blocks in closed form.
// Backward stable: each eigenvalue has an absolute error of a few ulp of max |X_ij|, as LAPACK's
// dsyev; the matrix is scaled by a power of two first, so no intermediate overflows or underflows
// for any finite input.  For the tiny matrices of the belief kernels this is 1.5-2x faster than
// Eigen's SelfAdjointEigenSolver (its QR sweeps and, for dynamic sizes, its heap temporaries).
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>

namespace beds {
namespace sym_eigen {

// Largest number of rows handled (the work vectors live on the stack).
constexpr int kMaxRows = 65;

// Multiplication by 2^e in two exact steps (no libm call; 2^e alone overflows for |e| > 1023):
// exact whenever the result is a normal number.
struct Pow2 {
  double f1, f2;
  explicit Pow2(int e) : f1(std::ldexp(1.0, e / 2)), f2(std::ldexp(1.0, e - e / 2)) {}
  double operator()(double x) const { return x * f1 * f2; }
};

// Eigenvalues of the symmetric tridiagonal matrix (diagonal d[0..n-1], off-diagonal e[0..n-2];
// e[n-1] is scratch and e is destroyed), unsorted, in d.  Entries must be finite with max |.| <= 4
// (the caller scales).  Returns false if some eigenvalue needed more than 60 iterations.
// `shift`: the shift of the first sweep (NaN: Wilkinson's).
// `Z` (optional, n x n column-major with leading dimension ldz): the rotations are accumulated into
// its columns (Z = Q on entry gives the eigenvectors of Q T Q^T in the columns of Z).
inline bool tridiagonal_ql(double* d, double* e, int n, double shift = std::numeric_limits<double>::quiet_NaN(),
                           double* Z = nullptr, int ldz = 0) {
  constexpr double eps = std::numeric_limits<double>::epsilon();
  if (n > 0) e[n - 1] = 0.0;
  for (int l = 0; l < n;) {
    int m = l;
    for (; m < n - 1; ++m)
      if (std::fabs(e[m]) <= eps * (std::fabs(d[m]) + std::fabs(d[m + 1]))) break;
    if (m == l) {
      ++l;
      continue;
    }
    if (m == l + 1 && !Z) {
      // 2 x 2 block [[a, b], [b, c]]: the larger root by the stable formula, the other from the
      // determinant (no cancellation)
      const double a = d[l], c = d[l + 1], b = e[l];
      const double h = 0.5 * (a - c), s = 0.5 * (a + c);
      const double r = std::sqrt(h * h + b * b);
      const double big = s >= 0.0 ? s + r : s - r;
      const double small = big != 0.0 ? (a * c - b * b) / big : 0.0;
      d[l] = big;
      d[l + 1] = small;
      e[l] = 0.0;
      l += 2;
      continue;
    }
    int iter = 0;
    for (;;) {
      if (++iter > 60) return false;
      // Wilkinson shift from the leading 2 x 2 block (g = d[m] - shift)
      double g, r;
      if (shift == shift) {
        g = d[m] - shift;
        shift = std::numeric_limits<double>::quiet_NaN();
      } else {
        g = (d[l + 1] - d[l]) / (2.0 * e[l]);
        r = std::sqrt(g * g + 1.0);
        g = d[m] - d[l] + e[l] / (g + std::copysign(r, g));
      }
      double s = 1.0, c = 1.0, p = 0.0;
      bool deflated = false;
      for (int i = m - 1; i >= l; --i) {
        const double f = s * e[i], b = c * e[i];
        r = std::sqrt(f * f + g * g);
        e[i + 1] = r;
        if (r == 0.0) {  // exact deflation inside the sweep
          d[i + 1] -= p;
          e[m] = 0.0;
          deflated = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2.0 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        if (Z) {
          double* zi = Z + static_cast<std::ptrdiff_t>(i) * ldz;
          double* zj = zi + ldz;
          for (int k = 0; k < n; ++k) {
            const double t = zj[k];
            zj[k] = s * zi[k] + c * t;
            zi[k] = c * zi[k] - s * t;
          }
        }
      }
      if (!deflated) {
        d[l] -= p;
        e[l] = g;
        e[m] = 0.0;
      }
      // converged at the top?
      int mm = l;
      for (; mm < n - 1; ++mm)
        if (std::fabs(e[mm]) <= eps * (std::fabs(d[mm]) + std::fabs(d[mm + 1]))) break;
      if (mm == l) break;
      m = mm;
    }
    ++l;
  }
  return true;
}

// The same eigenvalues by the root-free QL iteration of Pal, Walker and Kahan (the squared
// off-diagonal carried instead of rotations: no square root per step; Parlett, The Symmetric
// Eigenvalue Problem, section 8.15; LAPACK's dsterf), for n >= 3.  A little faster than
// tridiagonal_ql on the matrices here (the sweep is a chain of dependent divisions either way).
// Same preconditions and result.
inline bool tridiagonal_pwk(double* d, double* e, int n) {
  constexpr double eps = std::numeric_limits<double>::epsilon();
  constexpr double eps2 = eps * eps;
  for (int i = 0; i + 1 < n; ++i) e[i] *= e[i];
  if (n > 0) e[n - 1] = 0.0;
  int iterations = 0;
  for (int l = 0; l < n;) {
    int m = l;
    for (; m < n - 1; ++m)
      if (std::fabs(e[m]) <= eps2 * std::fabs(d[m] * d[m + 1])) break;
    if (m < n - 1) e[m] = 0.0;
    if (m == l) {
      ++l;
      continue;
    }
    if (m == l + 1) {
      // 2 x 2 block [[a, b], [b, c]], b^2 = e[l]
      const double a = d[l], c = d[l + 1], b2 = e[l];
      const double h = 0.5 * (a - c), s = 0.5 * (a + c);
      const double r = std::sqrt(h * h + b2);
      const double big = s >= 0.0 ? s + r : s - r;
      d[l] = big;
      d[l + 1] = big != 0.0 ? (a * c - b2) / big : 0.0;
      e[l] = 0.0;
      l += 2;
      continue;
    }
    if (++iterations > 60 * n) return false;
    // Wilkinson shift from the leading 2 x 2 block
    const double p0 = d[l], rte = std::sqrt(e[l]);
    double sigma = (d[l + 1] - p0) / (2.0 * rte);
    const double r0 = std::sqrt(sigma * sigma + 1.0);
    sigma = p0 - rte / (sigma + std::copysign(r0, sigma));
    double c = 1.0, s = 0.0, gamma = d[m] - sigma, p = gamma * gamma;
    for (int i = m - 1; i >= l; --i) {
      const double bb = e[i];
      const double r = p + bb;
      if (i != m - 1) e[i + 1] = s * r;
      const double oldc = c;
      c = p / r;
      s = bb / r;
      const double oldgam = gamma;
      const double alpha = d[i];
      gamma = c * (alpha - sigma) - s * oldgam;
      d[i + 1] = oldgam + (alpha - gamma);
      p = c != 0.0 ? (gamma * gamma) / c : oldc * bb;
    }
    e[l] = s * p;
    d[l] = sigma + gamma;
  }
  return true;
}

// 3 x 3 tridiagonal (d, e): a shift for the first QL sweep close to an eigenvalue, from Wilkinson's
// shift refined by two Newton steps on the characteristic cubic.  With it one sweep usually
// deflates (three or four with Wilkinson's shift alone).  It only changes the speed: the QL
// iteration is backward stable for any shift.
inline double newton_shift(const double* d, const double* e) {
  const double g0 = (d[1] - d[0]) / (2.0 * e[0]);
  double x = d[0] - e[0] / (g0 + std::copysign(std::sqrt(g0 * g0 + 1.0), g0));
  const double e0 = e[0] * e[0], e1 = e[1] * e[1];
  const double scale = std::fabs(e[0]) + std::fabs(e[1]);
  for (int k = 0; k < 8; ++k) {
    const double a = d[0] - x, b = d[1] - x, c = d[2] - x;
    const double bc = b * c - e1;
    const double f = a * bc - e0 * c;
    const double df = -bc - a * (b + c) + e0;
    const double step = f / df;
    if (!(std::fabs(step) <= scale)) break;  // not converging: keep x
    x -= step;
    if (std::fabs(step) <= 1e-15 * scale) break;
  }
  return x;
}

// Householder reduction of the symmetric matrix A (lower triangle used, destroyed) to tridiagonal
// form: diagonal d, off-diagonal e (d and e have n entries).
// The reflectors H_k = I - tau_k v_k v_k^T (v_k[0] = 1, stored below the subdiagonal of column k)
// and, if `tau` is given, their tau_k (tau_k = 0: no reflection) remain for form_q().
template <class M>
void tridiagonalize(M& A, double* d, double* e, double* tau_out = nullptr) {
  const int n = static_cast<int>(A.rows());
  for (int k = 0; k + 2 < n; ++k) {
    // reflector H = I - tau v v^T (v[0] = 1) with H x = alpha e_1, x = A[k+1:n, k]
    double xnorm2 = 0.0;
    for (int i = k + 2; i < n; ++i) xnorm2 += A(i, k) * A(i, k);
    const double x0 = A(k + 1, k);
    d[k] = A(k, k);
    if (tau_out) tau_out[k] = 0.0;
    if (xnorm2 == 0.0) {
      e[k] = x0;
      continue;
    }
    const double alpha = -std::copysign(std::sqrt(x0 * x0 + xnorm2), x0);
    const double v0 = x0 - alpha;
    const double tau = -v0 / alpha;
    const double iv0 = 1.0 / v0;
    // v stored in A[k+1:n, k] with v[0] = 1
    A(k + 1, k) = 1.0;
    for (int i = k + 2; i < n; ++i) A(i, k) *= iv0;
    e[k] = alpha;
    if (tau_out) tau_out[k] = tau;
    // p = tau A22 v (A22 = A[k+1:n, k+1:n], lower triangle), w = p - tau/2 (p.v) v
    double w[kMaxRows];
    double pv = 0.0;
    for (int i = k + 1; i < n; ++i) {
      double s = 0.0;
      for (int j = k + 1; j <= i; ++j) s += A(i, j) * A(j, k);
      for (int j = i + 1; j < n; ++j) s += A(j, i) * A(j, k);
      w[i - k - 1] = tau * s;
      pv += w[i - k - 1] * A(i, k);
    }
    const double hh = 0.5 * tau * pv;
    for (int i = k + 1; i < n; ++i) w[i - k - 1] -= hh * A(i, k);
    // A22 -= v w^T + w v^T (lower triangle)
    for (int j = k + 1; j < n; ++j) {
      const double vj = A(j, k), wj = w[j - k - 1];
      for (int i = j; i < n; ++i) A(i, j) -= A(i, k) * wj + w[i - k - 1] * vj;
    }
  }
  if (n >= 2) {
    d[n - 2] = A(n - 2, n - 2);
    e[n - 2] = A(n - 1, n - 2);
  }
  if (n >= 1) d[n - 1] = A(n - 1, n - 1);
}

// Ascending eigenvalues of the symmetric matrix X (only its lower triangle is read) into ev.
// Returns false for a non-finite entry, n > kMaxRows or no convergence (ev then holds NaN).
template <class M, class V>
bool eigenvalues(const M& X, V& ev) {
  const int n = static_cast<int>(X.rows());
  ev.resize(n);
  double amax = 0.0;
  for (int j = 0; j < n; ++j)
    for (int i = j; i < n; ++i) amax = std::max(amax, std::fabs(X(i, j)));
  if (!(amax <= std::numeric_limits<double>::max()) || n > kMaxRows) {
    ev.setConstant(std::numeric_limits<double>::quiet_NaN());
    return false;
  }
  if (amax == 0.0) {
    ev.setZero();
    return true;
  }
  // scale by a power of two to max |X_ij| in [1, 2): exact unless entries are subnormal after it
  const int ex = std::ilogb(amax);
  const Pow2 down(-ex), up(ex);
  M A(n, n);
  for (int j = 0; j < n; ++j)
    for (int i = j; i < n; ++i) A(i, j) = down(X(i, j));
  double e[kMaxRows];
  double* d = ev.data();
  if (n == 1) {
    d[0] = A(0, 0);
  } else {
    tridiagonalize(A, d, e);
    const double shift = n == 3 && e[0] != 0.0 ? newton_shift(d, e) : std::numeric_limits<double>::quiet_NaN();
    if (!(n >= 4 ? tridiagonal_pwk(d, e, n) : tridiagonal_ql(d, e, n, shift))) {
      ev.setConstant(std::numeric_limits<double>::quiet_NaN());
      return false;
    }
  }
  // insertion sort (n is small)
  for (int i = 1; i < n; ++i) {
    const double v = d[i];
    int j = i - 1;
    for (; j >= 0 && d[j] > v; --j) d[j + 1] = d[j];
    d[j + 1] = v;
  }
  if (ex != 0)
    for (int i = 0; i < n; ++i) d[i] = up(d[i]);
  return true;
}

// Q = H_0 H_1 ... H_{n-3} from the reflectors left in A by tridiagonalize(A, d, e, tau).
template <class M>
void form_q(const M& A, const double* tau, M& Q) {
  const int n = static_cast<int>(A.rows());
  Q.setIdentity(n, n);
  for (int k = n - 3; k >= 0; --k) {
    if (tau[k] == 0.0) continue;
    // Q[k+1:, k+1:] -= tau v (v^T Q[k+1:, k+1:])
    for (int j = k + 1; j < n; ++j) {
      double s = Q(k + 1, j);
      for (int i = k + 2; i < n; ++i) s += A(i, k) * Q(i, j);
      s *= tau[k];
      Q(k + 1, j) -= s;
      for (int i = k + 2; i < n; ++i) Q(i, j) -= s * A(i, k);
    }
  }
}

// Eigen-decomposition X = V diag(ev) V^T of a symmetric matrix (lower triangle read), eigenvalues
// ascending, V orthogonal (column-major, columns the eigenvectors).  Same algorithm as eigenvalues()
// with the rotations accumulated (EISPACK tql2): backward stable, so a matrix function
// V f(ev) V^T is accurate even when eigenvalues cluster.  Returns false as eigenvalues() does.
template <class M, class V>
bool eigen_decomposition(const M& X, V& ev, M& Q) {
  const int n = static_cast<int>(X.rows());
  ev.resize(n);
  Q.setIdentity(n, n);
  double amax = 0.0;
  for (int j = 0; j < n; ++j)
    for (int i = j; i < n; ++i) amax = std::max(amax, std::fabs(X(i, j)));
  if (!(amax <= std::numeric_limits<double>::max()) || n > kMaxRows) {
    ev.setConstant(std::numeric_limits<double>::quiet_NaN());
    return false;
  }
  if (amax == 0.0 || n == 1) {
    ev.setZero();
    if (n == 1) ev(0) = X(0, 0);
    return true;
  }
  const int ex = std::ilogb(amax);
  const Pow2 down(-ex), up(ex);
  M A(n, n);
  for (int j = 0; j < n; ++j)
    for (int i = j; i < n; ++i) A(i, j) = down(X(i, j));
  double e[kMaxRows], tau[kMaxRows];
  double* d = ev.data();
  tridiagonalize(A, d, e, tau);
  form_q(A, tau, Q);
  if (!tridiagonal_ql(d, e, n, n == 3 && e[0] != 0.0 ? newton_shift(d, e) : std::numeric_limits<double>::quiet_NaN(),
                      Q.data(), static_cast<int>(Q.outerStride()))) {
    ev.setConstant(std::numeric_limits<double>::quiet_NaN());
    return false;
  }
  // selection sort of the pairs (n is small)
  for (int i = 0; i + 1 < n; ++i) {
    int k = i;
    for (int j = i + 1; j < n; ++j)
      if (d[j] < d[k]) k = j;
    if (k != i) {
      std::swap(d[i], d[k]);
      Q.col(i).swap(Q.col(k));
    }
  }
  if (ex != 0)
    for (int i = 0; i < n; ++i) d[i] = up(d[i]);
  return true;
}

// Eigenvalues for spectral sums sum_i f(lambda_i) (the distances and divergences), ascending.
// 3 x 3 with every eigenvalue in (lo, hi]: the trigonometric solution of the characteristic cubic
// (Smith, Comm. ACM 4, 1961), lambda_k = q + 2 p cos(phi + 2 pi k / 3), about 4x faster than the
// QL iteration.  An error in phi (large near a double eigenvalue, where acos is ill-conditioned)
// moves the eigenvalues along that curve: the sum stays 3q, a close pair moves apart
// symmetrically and the third eigenvalue to second order, so sum f(lambda) changes by about
// p^2 f'' eps only, as with a backward stable solver (checked against 64-bit long double for
// clustered, near-zero and spread spectra; outside (lo, hi], where f varies too much over the
// spectrum's scale, the QL iteration is used).  Other sizes: eigenvalues().
template <class M, class V>
bool spectral_eigenvalues(const M& X, V& ev, double lo_bound, double hi_bound) {
  if (X.rows() != 3) return eigenvalues(X, ev);
  ev.resize(3);
  double amax = 0.0;
  for (int j = 0; j < 3; ++j)
    for (int i = j; i < 3; ++i) amax = std::max(amax, std::fabs(X(i, j)));
  if (!(amax <= std::numeric_limits<double>::max())) {
    ev.setConstant(std::numeric_limits<double>::quiet_NaN());
    return false;
  }
  if (amax == 0.0) {
    ev.setZero();
    return true;
  }
  const int ex = std::ilogb(amax);
  const Pow2 down(-ex), up(ex);
  const double a00 = down(X(0, 0)), a11 = down(X(1, 1)), a22 = down(X(2, 2));
  const double a10 = down(X(1, 0)), a20 = down(X(2, 0)), a21 = down(X(2, 1));
  const double q = (a00 + a11 + a22) / 3.0;
  const double b0 = a00 - q, b1 = a11 - q, b2 = a22 - q;
  const double off = a10 * a10 + a20 * a20 + a21 * a21;
  const double p2 = (b0 * b0 + b1 * b1 + b2 * b2 + 2.0 * off) / 6.0;
  double lo, mid, hi;
  if (!(p2 > 0.0)) {
    lo = mid = hi = q;
  } else {
    const double p = std::sqrt(p2);
    // det(B) / (2 p^3), B = X - q I
    const double det = b0 * (b1 * b2 - a21 * a21) - a10 * (a10 * b2 - a21 * a20) + a20 * (a10 * a21 - b1 * a20);
    const double r = std::max(-1.0, std::min(1.0, det / (2.0 * p2 * p)));
    const double phi = std::acos(r) / 3.0;  // in [0, pi / 3]
    const double c = std::cos(phi), s = std::sin(phi);
    constexpr double kHalfSqrt3 = 0.86602540378443864676;
    hi = q + 2.0 * p * c;                            // phi
    lo = q + 2.0 * p * (-0.5 * c - kHalfSqrt3 * s);  // phi + 2 pi / 3
    mid = 3.0 * q - hi - lo;                         // the trace fixes the third
    mid = std::max(lo, std::min(hi, mid));
  }
  ev(0) = up(lo);
  ev(1) = up(mid);
  ev(2) = up(hi);
  if (!(ev(0) > lo_bound && ev(2) <= hi_bound)) return eigenvalues(X, ev);
  return true;
}

}  // namespace sym_eigen
}  // namespace beds
