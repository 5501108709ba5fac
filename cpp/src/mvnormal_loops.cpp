// Batch loops of the multivariate normal family (gufuncs over (..., d) means and (..., d, d)
// covariances), built once (Eigen matrix code; the per-ISA element-wise builds gain nothing here).
//
// Each row reads its operands through (pointer, byte strides), so every numpy layout works without
// a copy of the arrays; rows are dispatched to fixed-size Eigen kernels for d = 2, 3, 4 and to
// dynamic-size kernels otherwise.  Rows run on the thread pool in fixed chunks (Rows<K> in
// loops.hpp), with the GIL released by numpy.  Covariances must be finite, symmetric within
// mvnormal::symmetry_tolerance and positive definite; otherwise the outputs are NaN and the loop
// raises FE_INVALID, which the Python layer turns into a ValueError naming the argument.
#include <cstdint>

#include "beds/loop_registry.hpp"
#include "beds/loops.hpp"
#include "beds/mvnormal.hpp"

namespace beds {
namespace {

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
void put_iter(char* p, long long v) { *reinterpret_cast<std::int64_t*>(p) = static_cast<std::int64_t>(v); }
double get_tol(const char* p) { return *reinterpret_cast<const double*>(p); }
long long get_iter(const char* p) { return static_cast<long long>(*reinterpret_cast<const std::int64_t*>(p)); }

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

#define BEDS_MV_DISPATCH(FN, ...)                        \
  switch (d) {                                           \
    case 2:                                              \
      return FN<T, 2>(__VA_ARGS__);                      \
    case 3:                                              \
      return FN<T, 3>(__VA_ARGS__);                      \
    case 4:                                              \
      return FN<T, 4>(__VA_ARGS__);                      \
    default:                                             \
      return FN<T, Dyn>(__VA_ARGS__);                    \
  }

// Defaults of the raw mvnormal_distance ufunc (the Python layer passes its own).
constexpr double kDefaultTol = 1e-12;
constexpr long long kDefaultMaxIter = 50;

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

// --------------------------------------------------------------------- gufunc adapters
// cost: rough number of flops per row, for the chunk size of the thread pool.
std::ptrdiff_t cube(const std::ptrdiff_t* cd) { return 8 + cd[0] * cd[0] * cd[0]; }

#define BEDS_MV_KERNEL(NAME, NARGS, COST, CALL)                                          \
  template <class T>                                                                     \
  struct NAME {                                                                          \
    static constexpr int nargs = NARGS;                                                  \
    static std::ptrdiff_t cost(const std::ptrdiff_t* cd) { return (COST) * cube(cd); }   \
    static bool row(char* const* p, const std::ptrdiff_t* cd, const std::ptrdiff_t* cs) { \
      const Index d = cd[0];                                                             \
      if (d <= 0) return false;                                                          \
      CALL                                                                               \
    }                                                                                    \
  };

BEDS_MV_KERNEL(Distance, 5, 2000, BEDS_MV_DISPATCH(distance_row, p, d, cs, 0))
BEDS_MV_KERNEL(DistanceInfo, 10, 2000, BEDS_MV_DISPATCH(distance_row, p, d, cs, 1))
BEDS_MV_KERNEL(Bounds, 6, 40, BEDS_MV_DISPATCH(bounds_row, p, d, cs))
BEDS_MV_KERNEL(KL, 5, 30, BEDS_MV_DISPATCH(divergence_row, p, d, cs, true))
BEDS_MV_KERNEL(Jeffreys, 5, 30, BEDS_MV_DISPATCH(divergence_row, p, d, cs, false))
BEDS_MV_KERNEL(SameMean, 3, 20, BEDS_MV_DISPATCH(same_mean_row, p, d, cs))
BEDS_MV_KERNEL(SameCov, 4, 4, BEDS_MV_DISPATCH(same_cov_row, p, d, cs))
BEDS_MV_KERNEL(Entropy, 2, 2, BEDS_MV_DISPATCH(entropy_row, p, d, cs))
BEDS_MV_KERNEL(Inner, 6, 8, BEDS_MV_DISPATCH(inner_row, p, d, cs))
BEDS_MV_KERNEL(Exp, 6, 100, BEDS_MV_DISPATCH(exp_row, p, d, cs))
BEDS_MV_KERNEL(Log, 9, 2000, BEDS_MV_DISPATCH(log_row, p, d, cs, 0))
BEDS_MV_KERNEL(Geodesic, 10, 2000, BEDS_MV_DISPATCH(log_row, p, d, cs, 1))
BEDS_MV_KERNEL(Nielsen, 8, 500, BEDS_MV_DISPATCH(nielsen_row, p, d, cs))

#undef BEDS_MV_KERNEL
#undef BEDS_MV_DISPATCH

template <template <class> class K>
using R32 = Rows<K<float>>;
template <template <class> class K>
using R64 = Rows<K<double>>;

#define BEDS_MV(NAME, K, NIN, NOUT, SIG, TYPES, DOC) \
  {NAME, NIN, NOUT, SIG, TYPES, &R32<K>::loop, &R64<K>::loop, DOC}

constexpr const char* kPair = "(d),(d,d),(d),(d,d)->()";

const LoopEntry kEntries[] = {
    BEDS_MV("mvnormal_distance", Distance, 4, 1, kPair, LoopTypes::all_same,
            "mvnormal_distance(mu1, Sigma1, mu2, Sigma2) -> Fisher-Rao distance by geodesic shooting "
            "(tol 1e-12, 50 iterations; NaN and the invalid flag if not converged)"),
    BEDS_MV("mvnormal_distance_info", DistanceInfo, 6, 4, "(d),(d,d),(d),(d,d),(),()->(),(),(),()",
            LoopTypes::tol_iter,
            "mvnormal_distance_info(mu1, Sigma1, mu2, Sigma2, tol, max_iter) -> (distance, Calvo-Oller lower "
            "bound, sqrt-Jeffreys upper bound, Newton iterations or -1)"),
    BEDS_MV("mvnormal_bounds", Bounds, 4, 2, "(d),(d,d),(d),(d,d)->(),()", LoopTypes::all_same,
            "mvnormal_bounds(mu1, Sigma1, mu2, Sigma2) -> (Calvo-Oller lower bound, sqrt(Jeffreys) upper bound)"),
    BEDS_MV("mvnormal_kl", KL, 4, 1, kPair, LoopTypes::all_same, "mvnormal_kl(mu1, Sigma1, mu2, Sigma2) -> KL(N1 || N2)"),
    BEDS_MV("mvnormal_jeffreys", Jeffreys, 4, 1, kPair, LoopTypes::all_same,
            "mvnormal_jeffreys(mu1, Sigma1, mu2, Sigma2) -> KL(N1 || N2) + KL(N2 || N1)"),
    BEDS_MV("mvnormal_same_mean_distance", SameMean, 2, 1, "(d,d),(d,d)->()", LoopTypes::all_same,
            "mvnormal_same_mean_distance(Sigma1, Sigma2) -> sqrt(1/2 sum ln^2 eig(Sigma1^-1 Sigma2))"),
    BEDS_MV("mvnormal_same_cov_distance", SameCov, 3, 1, "(d),(d,d),(d)->()", LoopTypes::all_same,
            "mvnormal_same_cov_distance(mu1, Sigma, mu2) -> sqrt(2) arccosh(1 + D^2/4), D = Mahalanobis distance"),
    BEDS_MV("mvnormal_entropy", Entropy, 1, 1, "(d,d)->()", LoopTypes::all_same,
            "mvnormal_entropy(Sigma) -> d/2 log(2 pi e) + 1/2 log det Sigma"),
    BEDS_MV("mvnormal_inner", Inner, 5, 1, "(d,d),(d),(d,d),(d),(d,d)->()", LoopTypes::all_same,
            "mvnormal_inner(Sigma, x1, B1, x2, B2) -> x1^T Sigma^-1 x2 + 1/2 tr(Sigma^-1 B1 Sigma^-1 B2)"),
    BEDS_MV("mvnormal_exp", Exp, 4, 2, "(d),(d,d),(d),(d,d)->(d),(d,d)", LoopTypes::all_same,
            "mvnormal_exp(mu, Sigma, x, B) -> (mu', Sigma') = Exp_(mu, Sigma)(x, B)"),
    BEDS_MV("mvnormal_log", Log, 6, 3, "(d),(d,d),(d),(d,d),(),()->(d),(d,d),()", LoopTypes::tol_iter,
            "mvnormal_log(mu1, Sigma1, mu2, Sigma2, tol, max_iter) -> (x, B, iterations or -1) = Log_p1(p2)"),
    BEDS_MV("mvnormal_geodesic", Geodesic, 7, 3, "(d),(d,d),(d),(d,d),(),(),()->(d),(d,d),()", LoopTypes::tol_iter,
            "mvnormal_geodesic(mu1, Sigma1, mu2, Sigma2, t, tol, max_iter) -> (mu, Sigma, iterations or -1)"),
    BEDS_MV("mvnormal_nielsen", Nielsen, 6, 2, "(d),(d,d),(d),(d,d),(),()->(),()", LoopTypes::tol_iter,
            "mvnormal_nielsen(mu1, Sigma1, mu2, Sigma2, tol, max_segments) -> (Nielsen's sqrt-Jeffreys length, "
            "segments or -1)"),
};

#undef BEDS_MV

}  // namespace

const LoopEntry* loops_mvnormal(std::size_t& count) {
  count = sizeof(kEntries) / sizeof(kEntries[0]);
  return kEntries;
}

}  // namespace beds
