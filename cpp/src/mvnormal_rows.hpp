// Row functions of the multivariate normal gufuncs: read one row of operands through (pointer,
// byte strides), run the kernel of beds/mvnormal.hpp for dimension D (2, 3, 4 or Dyn), write the
// outputs.  Explicitly instantiated once per D in mvnormal_rows_<D>.cpp (four translation units
// that compile in parallel: the fixed-size Eigen code is heavy) and declared extern in
// mvnormal_loops.cpp.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "beds/mvnormal.hpp"
#include "beds/mvnormal_mean.hpp"
#include "beds/mvnormal_transport.hpp"

namespace beds {
namespace mvnormal_rows {

namespace mv = mvnormal;
using Index = Eigen::Index;
using mv::Dyn;
using mv::Mat;
using mv::Vec;

template <class T, int D>
bool read_vec(const char* p, std::ptrdiff_t s, Index d, Vec<D>& v) {
  v.resize(d);
  for (Index i = 0; i < d; ++i) v(i) = static_cast<double>(*reinterpret_cast<const T*>(p + i * s));
  return v.allFinite();
}
// A symmetric matrix (covariance: tolerance relative to sqrt(S_ii S_jj); tangent: to max |S|).
template <class T, int D>
bool read_sym(const char* p, std::ptrdiff_t s0, std::ptrdiff_t s1, Index d, bool covariance, Mat<D>& S) {
  S.resize(d, d);
  for (Index i = 0; i < d; ++i)
    for (Index j = 0; j < d; ++j) S(i, j) = static_cast<double>(*reinterpret_cast<const T*>(p + i * s0 + j * s1));
  return mv::symmetrize<D>(S, mv::symmetry_tolerance(sizeof(T) == 4), covariance);
}
template <class T, int D>
void write_vec(char* p, std::ptrdiff_t s, const Vec<D>& v, bool ok) {
  for (Index i = 0; i < v.size(); ++i) *reinterpret_cast<T*>(p + i * s) = static_cast<T>(ok ? v(i) : mv::kNaN);
}
template <class T, int D>
void write_mat(char* p, std::ptrdiff_t s0, std::ptrdiff_t s1, const Mat<D>& S, bool ok) {
  for (Index i = 0; i < S.rows(); ++i)
    for (Index j = 0; j < S.cols(); ++j)
      *reinterpret_cast<T*>(p + i * s0 + j * s1) = static_cast<T>(ok ? S(i, j) : mv::kNaN);
}
template <class T>
void put(char* p, double v) {
  *reinterpret_cast<T*>(p) = static_cast<T>(v);
}
inline void put_iter(char* p, long long v) { *reinterpret_cast<std::int64_t*>(p) = static_cast<std::int64_t>(v); }
inline double get_tol(const char* p) { return *reinterpret_cast<const double*>(p); }
inline long long get_iter(const char* p) { return static_cast<long long>(*reinterpret_cast<const std::int64_t*>(p)); }
// tol finite and > 0, max_iter >= min_iter (the raw ufuncs flag anything else as invalid)
inline bool valid_tol_iter(double tol, long long max_iter, long long min_iter = 1) {
  return tol > 0.0 && tol <= std::numeric_limits<double>::max() && max_iter >= min_iter;
}

// ------------------------------------------------------------------------- scaling
// Every operation is invariant (or covariant) under the affine maps x -> a x + b, which act on a
// belief as mu -> a mu + b, Sigma -> a^2 Sigma and on tangents as v_mean -> a v_mean,
// v_cov -> a^2 v_cov; distances, divergences, bounds and inner products do not change.  The rows
// therefore translate point 1 to mean 0 and divide the covariances by 4^k (mean differences and
// tangents accordingly by 2^k), 4^k near the geometric mean of their scales: exact (powers of
// two), and covariances anywhere in the float range (1e-308..1e308, subnormals included) are
// computed at scale 1.  Outputs that are points or tangents are scaled back.
inline int scale_exponent(double a, double b) {
  // a, b: the largest diagonal entries of two covariances (one of them may be given twice)
  if (!(a > 0.0) || !(b > 0.0) || !(a <= std::numeric_limits<double>::max()) ||
      !(b <= std::numeric_limits<double>::max()))
    return 0;
  const int e = std::ilogb(a) + std::ilogb(b);
  return e >= 0 ? e / 4 : -((-e + 3) / 4);  // floor(e / 4)
}
template <class M>
void scale_by(M& X, int e) {
  if (e == 0) return;
  const sym_eigen::Pow2 f(e);
  for (Index j = 0; j < X.cols(); ++j)
    for (Index i = 0; i < X.rows(); ++i) X(i, j) = f(X(i, j));
}
template <int D>
double max_diagonal(const Mat<D>& S) {
  return S.rows() ? S.diagonal().cwiseAbs().maxCoeff() : 0.0;
}

// Reads (mu1, Sigma1, mu2, Sigma2) from p[0..3] (core strides cs[0..5]) and normalizes the scale:
// afterwards mu1 = 0, mu2 = (mu2 - mu1) / 2^k, S1 and S2 divided by 4^k (the original mu1 and k
// are kept to map points and tangents back).
template <class T, int D>
struct TwoPoints {
  Vec<D> mu1, mu2, origin;
  Mat<D> S1, S2;
  int k = 0;
  bool ok;
  TwoPoints(char* const* p, Index d, const std::ptrdiff_t* cs) {
    const bool a = read_vec<T, D>(p[0], cs[0], d, mu1);
    const bool b = read_sym<T, D>(p[1], cs[1], cs[2], d, true, S1);
    const bool c = read_vec<T, D>(p[2], cs[3], d, mu2);
    const bool e = read_sym<T, D>(p[3], cs[4], cs[5], d, true, S2);
    ok = a && b && c && e;
    if (!ok) return;
    k = scale_exponent(max_diagonal<D>(S1), max_diagonal<D>(S2));
    origin = mu1;
    mu2 -= mu1;
    mu1.setZero(d);
    scale_by(mu2, -k);
    scale_by(S1, -2 * k);
    scale_by(S2, -2 * k);
  }
  // a point (mean, covariance) computed at the normalized scale, back to the original one
  void point_back(Vec<D>& mu, Mat<D>& S) const {
    scale_by(mu, k);
    mu += origin;
    scale_by(S, 2 * k);
  }
  // a tangent (v_mean, v_cov), both ways
  void tangent_back(Vec<D>& x, Mat<D>& B) const {
    scale_by(x, k);
    scale_by(B, 2 * k);
  }
  void tangent_in(Vec<D>& x, Mat<D>& B) const {
    scale_by(x, -k);
    scale_by(B, -2 * k);
  }
};

#define BEDS_MV_DISPATCH(FN, ...)     \
  switch (d) {                        \
    case 2:                           \
      return FN<T, 2>(__VA_ARGS__);   \
    case 3:                           \
      return FN<T, 3>(__VA_ARGS__);   \
    case 4:                           \
      return FN<T, 4>(__VA_ARGS__);   \
    default:                          \
      return FN<T, Dyn>(__VA_ARGS__); \
  }

// The same for the closed-form kernels, whose cost for 5 <= d <= 16 is short enough that heap
// temporaries would show: those sizes use stack matrices (mv::Bounded).
#define BEDS_MV_DISPATCH_BOUNDED(FN, ...)                                                      \
  switch (d) {                                                                                 \
    case 2:                                                                                    \
      return FN<T, 2>(__VA_ARGS__);                                                            \
    case 3:                                                                                    \
      return FN<T, 3>(__VA_ARGS__);                                                            \
    case 4:                                                                                    \
      return FN<T, 4>(__VA_ARGS__);                                                            \
    default:                                                                                   \
      return d <= mv::kBoundedMax ? FN<T, mv::Bounded>(__VA_ARGS__) : FN<T, Dyn>(__VA_ARGS__); \
  }

// Defaults of the raw mvnormal_distance ufunc (the Python layer passes its own).
constexpr double kDefaultTol = constants::kMvnormalTol;
constexpr long long kDefaultMaxIter = constants::kMvnormalMaxIter;

// ---------------------------------------------------------------------------------- rows
template <class T, int D>
bool distance_row(char* const* p, Index d, const std::ptrdiff_t* cs, int mode) {
  // mode 0: mvnormal_distance (NaN + invalid when not converged);
  // mode 1: mvnormal_distance_info (tol, max_iter) -> distance, lower, upper, iterations
  TwoPoints<T, D> in(p, d, cs);
  mv::Pair<D> pr;
  const double tol = mode == 1 ? get_tol(p[4]) : kDefaultTol;
  const long long mi = mode == 1 ? get_iter(p[5]) : kDefaultMaxIter;
  const bool valid = in.ok && valid_tol_iter(tol, mi);
  // equal means or equal covariances: the closed forms (exact, and defined for pairs too far apart
  // for the matrix exponential of the shooting)
  const bool same_mean = valid && (in.mu2.array() == 0.0).all();
  const bool same_cov = valid && !same_mean && (in.S1.array() == in.S2.array()).all();
  double closed = mv::kNaN;
  bool closed_ok = false;
  if (same_mean) closed_ok = mv::same_mean_distance<D>(in.S1, in.S2, closed);
  if (same_cov) closed_ok = mv::same_cov_distance<D>(in.mu1, in.S1, in.mu2, closed);
  if (closed_ok && mode == 0) {
    put<T>(p[4], closed);
    return true;
  }
  bool ok = valid && pr.set(in.mu1, in.S1, in.mu2, in.S2);
  mv::ShootResult r;
  if (closed_ok) {
    // the bounds where representable (the Calvo-Oller bound equals the same-mean distance)
    r.lower = ok ? mv::calvo_oller_bound<D>(pr) : (same_mean ? closed : 0.0);
    r.upper = ok ? std::sqrt(0.5 * mv::Spectrum<D>(pr).two_jeffreys()) : std::numeric_limits<double>::infinity();
    if (!(r.lower <= closed)) r.lower = closed;
    if (!(r.upper >= closed)) r.upper = std::numeric_limits<double>::infinity();
    r.distance = closed;
    r.iterations = 0;
    ok = true;
  } else if (ok) {
    Vec<D> x;
    Mat<D> B;
    r = mv::shoot<D>(pr, tol, mi, x, B);
  }
  if (mode == 0) {
    const bool conv = ok && r.iterations >= 0;
    put<T>(p[4], conv ? r.distance : mv::kNaN);
    return conv;
  }
  if (ok && r.iterations < 0) {
    // not converged: the value returned must stay inside the certified bounds (the flag says
    // it is not the distance); a non-finite iterate gives the lower bound
    const double cap = std::isfinite(r.cap) && r.cap >= r.lower ? r.cap : r.upper;
    r.distance = std::isfinite(r.distance) ? std::min(std::max(r.distance, r.lower), cap) : r.lower;
  }
  put<T>(p[6], r.distance);
  put<T>(p[7], r.lower);
  put<T>(p[8], r.upper);
  put_iter(p[9], ok ? r.iterations : -1);
  return ok;
}

template <class T, int D>
bool bounds_row(char* const* p, Index d, const std::ptrdiff_t* cs) {
  TwoPoints<T, D> in(p, d, cs);
  mv::Pair<D> pr;
  const bool ok = in.ok && pr.set(in.mu1, in.S1, in.mu2, in.S2);
  double lo = mv::kNaN, up = mv::kNaN;
  if (ok) {
    lo = mv::calvo_oller_bound<D>(pr);
    up = std::sqrt(0.5 * mv::Spectrum<D>(pr).two_jeffreys());
  }
  put<T>(p[4], lo);
  put<T>(p[5], up);
  return ok;
}

template <class T, int D>
bool divergence_row(char* const* p, Index d, const std::ptrdiff_t* cs, bool kl) {
  TwoPoints<T, D> in(p, d, cs);
  mv::Pair<D> pr;
  const bool ok = in.ok && pr.set(in.mu1, in.S1, in.mu2, in.S2);
  double v = mv::kNaN;
  if (ok) {
    const mv::Spectrum<D> sp(pr);
    v = 0.5 * (kl ? sp.two_kl() : sp.two_jeffreys());
  }
  put<T>(p[4], v);
  return ok;
}

template <class T, int D>
bool same_mean_row(char* const* p, Index d, const std::ptrdiff_t* cs) {
  Mat<D> S1, S2;
  const bool a = read_sym<T, D>(p[0], cs[0], cs[1], d, true, S1);
  const bool b = read_sym<T, D>(p[1], cs[2], cs[3], d, true, S2);
  double v = mv::kNaN;
  bool ok = a && b;
  if (ok) {
    const int k = scale_exponent(max_diagonal<D>(S1), max_diagonal<D>(S2));
    scale_by(S1, -2 * k);
    scale_by(S2, -2 * k);
    ok = mv::same_mean_distance<D>(S1, S2, v);
  }
  put<T>(p[2], ok ? v : mv::kNaN);
  return ok;
}

template <class T, int D>
bool same_cov_row(char* const* p, Index d, const std::ptrdiff_t* cs) {
  Vec<D> mu1, mu2;
  Mat<D> S;
  const bool a = read_vec<T, D>(p[0], cs[0], d, mu1);
  const bool b = read_sym<T, D>(p[1], cs[1], cs[2], d, true, S);
  const bool c = read_vec<T, D>(p[2], cs[3], d, mu2);
  double v = mv::kNaN;
  bool ok = a && b && c;
  if (ok) {
    const int k = scale_exponent(max_diagonal<D>(S), max_diagonal<D>(S));
    scale_by(S, -2 * k);
    mu2 -= mu1;
    scale_by(mu2, -k);
    mu1.setZero(d);
    ok = mv::same_cov_distance<D>(mu1, S, mu2, v);
  }
  put<T>(p[3], ok ? v : mv::kNaN);
  return ok;
}

template <class T, int D>
bool entropy_row(char* const* p, Index d, const std::ptrdiff_t* cs) {
  Mat<D> S, L;
  bool ok = read_sym<T, D>(p[0], cs[0], cs[1], d, true, S);
  int k = 0;
  if (ok) {
    k = scale_exponent(max_diagonal<D>(S), max_diagonal<D>(S));
    scale_by(S, -2 * k);
    ok = mv::cholesky<D>(S, L);
  }
  double v = mv::kNaN;
  // log det Sigma = log det(Sigma / 4^k) + d k log 4
  if (ok)
    v = 0.5 * static_cast<double>(d) * mv::kLog2PiE + L.diagonal().array().log().sum() +
        static_cast<double>(d) * static_cast<double>(k) * 0.69314718055994530942;
  put<T>(p[1], v);
  return ok;
}

template <class T, int D>
bool inner_row(char* const* p, Index d, const std::ptrdiff_t* cs) {
  Mat<D> S, B1, B2;
  Vec<D> x1, x2;
  const bool a = read_sym<T, D>(p[0], cs[0], cs[1], d, true, S);
  const bool b = read_vec<T, D>(p[1], cs[2], d, x1);
  const bool c = read_sym<T, D>(p[2], cs[3], cs[4], d, false, B1);
  const bool e = read_vec<T, D>(p[3], cs[5], d, x2);
  const bool f = read_sym<T, D>(p[4], cs[6], cs[7], d, false, B2);
  double v = mv::kNaN;
  bool ok = a && b && c && e && f;
  if (ok) {
    const int k = scale_exponent(max_diagonal<D>(S), max_diagonal<D>(S));
    scale_by(S, -2 * k);
    scale_by(x1, -k);
    scale_by(x2, -k);
    scale_by(B1, -2 * k);
    scale_by(B2, -2 * k);
    ok = mv::inner<D>(S, x1, B1, x2, B2, v);
  }
  put<T>(p[5], ok ? v : mv::kNaN);
  return ok;
}

template <class T, int D>
bool exp_row(char* const* p, Index d, const std::ptrdiff_t* cs) {
  Vec<D> mu, x, mo;
  Mat<D> S, B, So;
  const bool a = read_vec<T, D>(p[0], cs[0], d, mu);
  const bool b = read_sym<T, D>(p[1], cs[1], cs[2], d, true, S);
  const bool c = read_vec<T, D>(p[2], cs[3], d, x);
  const bool e = read_sym<T, D>(p[3], cs[4], cs[5], d, false, B);
  mo.resize(d);
  So.resize(d, d);
  bool ok = a && b && c && e;
  if (ok) {
    const int k = scale_exponent(max_diagonal<D>(S), max_diagonal<D>(S));
    scale_by(S, -2 * k);
    scale_by(x, -k);
    scale_by(B, -2 * k);
    const Vec<D> zero = Vec<D>::Zero(d);
    ok = mv::exp_map<D>(zero, S, x, B, mo, So);
    if (ok) {
      scale_by(mo, k);
      mo += mu;
      scale_by(So, 2 * k);
      ok = mo.allFinite() && So.allFinite();
    }
  }
  write_vec<T, D>(p[4], cs[6], mo, ok);
  write_mat<T, D>(p[5], cs[7], cs[8], So, ok);
  return ok;
}

// mode 0: log (tol, max_iter) -> x, B, iterations; mode 1: geodesic (t, tol, max_iter) -> mu, Sigma, iterations
template <class T, int D>
bool log_row(char* const* p, Index d, const std::ptrdiff_t* cs, int mode) {
  TwoPoints<T, D> in(p, d, cs);
  Vec<D> x(d);
  Mat<D> B(d, d);
  bool valid = in.ok;
  mv::ShootResult r;
  const int k = mode == 0 ? 4 : 5;  // index of tol
  const double t = mode == 1 ? static_cast<double>(*reinterpret_cast<const T*>(p[4])) : 1.0;
  valid = valid && std::isfinite(t) && valid_tol_iter(get_tol(p[k]), get_iter(p[k + 1]));
  if (valid) r = mv::log_map<D>(in.mu1, in.S1, in.mu2, in.S2, get_tol(p[k]), get_iter(p[k + 1]), valid, x, B);
  // a non-finite iterate (a pair too far apart for the matrix exponential) is an error
  bool ok = valid && x.allFinite() && B.allFinite();
  if (mode == 0) {
    if (ok) in.tangent_back(x, B);
    ok = ok && x.allFinite() && B.allFinite();
    write_vec<T, D>(p[6], cs[6], x, ok);
    write_mat<T, D>(p[7], cs[7], cs[8], B, ok);
    put_iter(p[8], valid ? r.iterations : -1);
    return ok;
  }
  Vec<D> mo(d);
  Mat<D> So(d, d);
  if (ok) {
    const Vec<D> tx = t * x;
    const Mat<D> tB = t * B;
    ok = mv::exp_map<D>(in.mu1, in.S1, tx, tB, mo, So);
    if (ok) in.point_back(mo, So);
    ok = ok && mo.allFinite() && So.allFinite();
  }
  write_vec<T, D>(p[7], cs[6], mo, ok);
  write_mat<T, D>(p[8], cs[7], cs[8], So, ok);
  put_iter(p[9], valid ? r.iterations : -1);
  return ok;
}

template <class T, int D>
bool nielsen_row(char* const* p, Index d, const std::ptrdiff_t* cs) {
  TwoPoints<T, D> in(p, d, cs);
  mv::Pair<D> pr;
  // max_segments >= 2 (the sums start at two segments)
  const bool ok = in.ok && valid_tol_iter(get_tol(p[4]), get_iter(p[5]), 2) && pr.set(in.mu1, in.S1, in.mu2, in.S2);
  long long segs = -1;
  double v = mv::kNaN;
  if (ok) v = mv::nielsen<D>(pr, get_tol(p[4]), get_iter(p[5]), segs);
  // a pair too far apart for the discretized curve (overflow or lost accuracy): invalid, not NaN
  const bool finite = ok && std::isfinite(v);
  put<T>(p[6], finite ? v : mv::kNaN);
  put_iter(p[7], finite ? segs : -1);
  return finite;
}

// transport (tol, max_iter): (mu1, Sigma1, mu2, Sigma2, v_mean, v_cov) -> (w_mean, w_cov, iterations)
template <class T, int D>
bool transport_row(char* const* p, Index d, const std::ptrdiff_t* cs) {
  TwoPoints<T, D> in(p, d, cs);
  Vec<D> y, yo(d), wm(d);
  Mat<D> C, Co(d, d), wc(d, d);
  const bool a = read_vec<T, D>(p[4], cs[6], d, y);
  const bool b = read_sym<T, D>(p[5], cs[7], cs[8], d, false, C);
  const double tol = get_tol(p[6]);
  const long long mi = get_iter(p[7]);
  mv::Pair<D> pr;
  bool ok = in.ok && a && b && valid_tol_iter(tol, mi) && pr.set(in.mu1, in.S1, in.mu2, in.S2);
  long long iterations = -1;
  if (ok) {
    in.tangent_in(y, C);
    const Vec<D> yn = pr.L1.template triangularView<Eigen::Lower>().solve(y);
    const Mat<D> Cn = mv::congruence_inv<D>(pr.L1, C);
    if ((in.mu1.array() == in.mu2.array()).all()) {
      ok = mv::transport_same_mean_at_identity<D>(pr.M, yn, Cn, yo, Co);
      iterations = 0;
    } else {
      Vec<D> x;
      Mat<D> B;
      iterations = mv::shoot<D>(pr, tol, mi, x, B).iterations;
      ok = x.allFinite() && B.allFinite() && mv::transport_at_identity<D>(x, B, yn, Cn, yo, Co);
    }
    if (ok) {
      wm = pr.L1.template triangularView<Eigen::Lower>() * yo;
      wc = mv::congruence<D>(pr.L1, Co);
      in.tangent_back(wm, wc);
      ok = wm.allFinite() && wc.allFinite();
    }
  }
  write_vec<T, D>(p[8], cs[9], wm, ok);
  write_mat<T, D>(p[9], cs[10], cs[11], wc, ok);
  put_iter(p[10], ok ? iterations : -1);
  return ok;
}

// Karcher mean of covariances with a common mean: (Sigma (n, d, d), w (n), tol, max_iter) ->
// (M (d, d), iterations).  Core dimensions cd = (n, d), core strides: Sigma cs[0..2], w cs[3],
// M cs[4..5].
template <class T, int D>
bool spd_mean_row(char* const* p, Index n, Index d, const std::ptrdiff_t* cs) {
  std::vector<Mat<D>> sig(static_cast<std::size_t>(n));
  std::vector<double> w(static_cast<std::size_t>(n));
  bool ok = n > 0;
  for (Index i = 0; i < n && ok; ++i) {
    ok = read_sym<T, D>(p[0] + i * cs[0], cs[1], cs[2], d, true, sig[static_cast<std::size_t>(i)]);
    const double wi = static_cast<double>(*reinterpret_cast<const T*>(p[1] + i * cs[3]));
    ok = ok && wi >= 0.0 && wi <= std::numeric_limits<double>::max();
    w[static_cast<std::size_t>(i)] = wi;
  }
  const double tol = get_tol(p[2]);
  const long long mi = get_iter(p[3]);
  ok = ok && valid_tol_iter(tol, mi);
  Mat<D> M(d, d);
  mv::SpdMeanResult r;
  if (ok) {
    // the mean is equivariant under a common scaling: compute at a scale where every covariance is
    // representable with room (power of two: exact)
    double smax = 0.0;
    for (const auto& S : sig) smax = std::max(smax, S.diagonal().cwiseAbs().maxCoeff());
    const int ex = smax > 0.0 ? std::ilogb(smax) : 0;
    for (auto& S : sig) scale_by(S, -ex);
    r = mv::spd_karcher_mean<D>(
        n, d, [&](Index i) -> const Mat<D>& { return sig[static_cast<std::size_t>(i)]; }, w.data(), tol, mi, M);
    ok = r.ok;
    if (ok) scale_by(M, ex);
    ok = ok && M.allFinite();
  }
  write_mat<T, D>(p[4], cs[4], cs[5], M, ok);
  put_iter(p[5], ok ? r.iterations : -1);
  return ok;
}

// Every row function for one (T, D): PREFIX is `template` (instantiation) or `extern template`.
#define BEDS_MV_ROWS_FOR(PREFIX, T, D)                                                \
  PREFIX bool distance_row<T, D>(char* const*, Index, const std::ptrdiff_t*, int);    \
  PREFIX bool bounds_row<T, D>(char* const*, Index, const std::ptrdiff_t*);           \
  PREFIX bool divergence_row<T, D>(char* const*, Index, const std::ptrdiff_t*, bool); \
  PREFIX bool same_mean_row<T, D>(char* const*, Index, const std::ptrdiff_t*);        \
  PREFIX bool same_cov_row<T, D>(char* const*, Index, const std::ptrdiff_t*);         \
  PREFIX bool entropy_row<T, D>(char* const*, Index, const std::ptrdiff_t*);          \
  PREFIX bool inner_row<T, D>(char* const*, Index, const std::ptrdiff_t*);            \
  PREFIX bool exp_row<T, D>(char* const*, Index, const std::ptrdiff_t*);              \
  PREFIX bool log_row<T, D>(char* const*, Index, const std::ptrdiff_t*, int);         \
  PREFIX bool nielsen_row<T, D>(char* const*, Index, const std::ptrdiff_t*);          \
  PREFIX bool transport_row<T, D>(char* const*, Index, const std::ptrdiff_t*);        \
  PREFIX bool spd_mean_row<T, D>(char* const*, Index, Index, const std::ptrdiff_t*);
#define BEDS_MV_ROWS(PREFIX, D)      \
  BEDS_MV_ROWS_FOR(PREFIX, float, D) \
  BEDS_MV_ROWS_FOR(PREFIX, double, D)
// The closed-form rows also instantiated for mv::Bounded (compiled with the Dyn rows).
#define BEDS_MV_BOUNDED_ROWS_FOR(PREFIX, T) \
  PREFIX bool same_mean_row<T, mv::Bounded>(char* const*, Index, const std::ptrdiff_t*);
#define BEDS_MV_BOUNDED_ROWS(PREFIX)      \
  BEDS_MV_BOUNDED_ROWS_FOR(PREFIX, float) \
  BEDS_MV_BOUNDED_ROWS_FOR(PREFIX, double)

}  // namespace mvnormal_rows
}  // namespace beds
