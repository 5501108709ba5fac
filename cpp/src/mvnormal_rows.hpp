// Row functions of the multivariate normal gufuncs: read one row of operands through (pointer,
// byte strides), run the kernel of beds/mvnormal.hpp for dimension D (2, 3, 4 or Dyn), write the
// outputs.  Explicitly instantiated once per D in mvnormal_rows_<D>.cpp (four translation units
// that compile in parallel: the fixed-size Eigen code is heavy) and declared extern in
// mvnormal_loops.cpp.
#pragma once

#include <cstdint>

#include "beds/mvnormal.hpp"

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

// Reads (mu1, Sigma1, mu2, Sigma2) from p[0..3] (core strides cs[0..5]).
template <class T, int D>
struct TwoPoints {
  Vec<D> mu1, mu2;
  Mat<D> S1, S2;
  bool ok;
  TwoPoints(char* const* p, Index d, const std::ptrdiff_t* cs) {
    const bool a = read_vec<T, D>(p[0], cs[0], d, mu1);
    const bool b = read_sym<T, D>(p[1], cs[1], cs[2], d, true, S1);
    const bool c = read_vec<T, D>(p[2], cs[3], d, mu2);
    const bool e = read_sym<T, D>(p[3], cs[4], cs[5], d, true, S2);
    ok = a && b && c && e;
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
  const bool ok = in.ok && pr.set(in.mu1, in.S1, in.mu2, in.S2);
  mv::ShootResult r;
  if (ok) {
    Vec<D> x;
    Mat<D> B;
    const double tol = mode == 1 ? get_tol(p[4]) : kDefaultTol;
    const long long mi = mode == 1 ? get_iter(p[5]) : kDefaultMaxIter;
    r = mv::shoot<D>(pr, tol, mi, x, B);
  }
  if (mode == 0) {
    const bool conv = ok && r.iterations >= 0;
    put<T>(p[4], conv ? r.distance : mv::kNaN);
    return conv;
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
  const bool ok = a && b && mv::same_mean_distance<D>(S1, S2, v);
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
  const bool ok = a && b && c && mv::same_cov_distance<D>(mu1, S, mu2, v);
  put<T>(p[3], ok ? v : mv::kNaN);
  return ok;
}

template <class T, int D>
bool entropy_row(char* const* p, Index d, const std::ptrdiff_t* cs) {
  Mat<D> S, L;
  const bool ok = read_sym<T, D>(p[0], cs[0], cs[1], d, true, S) && mv::cholesky<D>(S, L);
  double v = mv::kNaN;
  if (ok) v = 0.5 * static_cast<double>(d) * mv::kLog2PiE + L.diagonal().array().log().sum();
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
  const bool ok = a && b && c && e && f && mv::inner<D>(S, x1, B1, x2, B2, v);
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
  const bool ok = a && b && c && e && mv::exp_map<D>(mu, S, x, B, mo, So);
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
  valid = valid && std::isfinite(t);
  if (valid) r = mv::log_map<D>(in.mu1, in.S1, in.mu2, in.S2, get_tol(p[k]), get_iter(p[k + 1]), valid, x, B);
  bool ok = valid;
  if (mode == 0) {
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
  const bool ok = in.ok && pr.set(in.mu1, in.S1, in.mu2, in.S2);
  long long segs = -1;
  double v = mv::kNaN;
  if (ok) v = mv::nielsen<D>(pr, get_tol(p[4]), get_iter(p[5]), segs);
  put<T>(p[6], v);
  put_iter(p[7], segs);
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
  PREFIX bool nielsen_row<T, D>(char* const*, Index, const std::ptrdiff_t*);
#define BEDS_MV_ROWS(PREFIX, D)      \
  BEDS_MV_ROWS_FOR(PREFIX, float, D) \
  BEDS_MV_ROWS_FOR(PREFIX, double, D)

}  // namespace mvnormal_rows
}  // namespace beds
