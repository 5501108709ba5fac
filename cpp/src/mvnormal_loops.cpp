// Batch loops of the multivariate normal family (gufuncs over (..., d) means and (..., d, d)
// covariances), built once (Eigen matrix code; the per-ISA element-wise builds gain nothing here).
//
// Each row reads its operands through (pointer, byte strides), so every numpy layout works without
// a copy of the arrays; rows are dispatched to fixed-size Eigen kernels for d = 2, 3, 4 and to
// dynamic-size kernels otherwise.  Rows run on the thread pool in fixed chunks (Rows<K> in
// loops.hpp), with the GIL released by numpy.  Covariances must be finite, symmetric within
// mvnormal::symmetry_tolerance and positive definite; otherwise the outputs are NaN and the loop
// raises FE_INVALID, which the Python layer turns into a ValueError naming the argument.
#include <algorithm>
#include <cstdint>

#include "beds/loop_registry.hpp"
#include "beds/loops.hpp"
#include "mvnormal_rows.hpp"

namespace beds {
namespace mvnormal_rows {
// compiled in mvnormal_rows_{2,3,4,dyn}.cpp
BEDS_MV_ROWS(extern template, 2)
BEDS_MV_ROWS(extern template, 3)
BEDS_MV_ROWS(extern template, 4)
BEDS_MV_ROWS(extern template, mv::Dyn)
BEDS_MV_BOUNDED_ROWS(extern template)
}  // namespace mvnormal_rows

namespace {
using namespace mvnormal_rows;

// --------------------------------------------------------------------- gufunc adapters
// cost: rough number of flops per row, for the chunk size of the thread pool.
std::ptrdiff_t cube(const std::ptrdiff_t* cd) { return 8 + cd[0] * cd[0] * cd[0]; }

#define BEDS_MV_KERNEL(NAME, NARGS, COST, CALL)                                           \
  template <class T>                                                                      \
  struct NAME {                                                                           \
    static constexpr int nargs = NARGS;                                                   \
    static std::ptrdiff_t cost(const std::ptrdiff_t* cd) { return (COST) * cube(cd); }    \
    static bool row(char* const* p, const std::ptrdiff_t* cd, const std::ptrdiff_t* cs) { \
      const Index d = cd[0];                                                              \
      if (d <= 0) return false;                                                           \
      CALL                                                                                \
    }                                                                                     \
  };

BEDS_MV_KERNEL(Distance, 5, 2000, BEDS_MV_DISPATCH(distance_row, p, d, cs, 0))
BEDS_MV_KERNEL(DistanceInfo, 10, 2000, BEDS_MV_DISPATCH(distance_row, p, d, cs, 1))
BEDS_MV_KERNEL(Bounds, 6, 40, BEDS_MV_DISPATCH(bounds_row, p, d, cs))
BEDS_MV_KERNEL(KL, 5, 30, BEDS_MV_DISPATCH(divergence_row, p, d, cs, true))
BEDS_MV_KERNEL(Jeffreys, 5, 30, BEDS_MV_DISPATCH(divergence_row, p, d, cs, false))
BEDS_MV_KERNEL(SameMean, 3, 20, BEDS_MV_DISPATCH_BOUNDED(same_mean_row, p, d, cs))
BEDS_MV_KERNEL(SameCov, 4, 4, BEDS_MV_DISPATCH(same_cov_row, p, d, cs))
BEDS_MV_KERNEL(Entropy, 2, 2, BEDS_MV_DISPATCH(entropy_row, p, d, cs))
BEDS_MV_KERNEL(Inner, 6, 8, BEDS_MV_DISPATCH(inner_row, p, d, cs))
BEDS_MV_KERNEL(Exp, 6, 100, BEDS_MV_DISPATCH(exp_row, p, d, cs))
BEDS_MV_KERNEL(Log, 9, 2000, BEDS_MV_DISPATCH(log_row, p, d, cs, 0))
BEDS_MV_KERNEL(Geodesic, 10, 2000, BEDS_MV_DISPATCH(log_row, p, d, cs, 1))
BEDS_MV_KERNEL(Nielsen, 8, 500, BEDS_MV_DISPATCH(nielsen_row, p, d, cs))
BEDS_MV_KERNEL(Transport, 11, 4000, BEDS_MV_DISPATCH(transport_row, p, d, cs))

// Karcher mean of same-mean covariances: core dimensions (n, d), one row is a whole set.
template <class T>
struct SpdMean {
  static constexpr int nargs = 6;
  static std::ptrdiff_t cost(const std::ptrdiff_t* cd) {
    return 100 * std::min<std::ptrdiff_t>(cd[0], 1 << 20) * cube(cd + 1);
  }
  static bool row(char* const* p, const std::ptrdiff_t* cd, const std::ptrdiff_t* cs) {
    const Index n = cd[0], d = cd[1];
    if (n <= 0 || d <= 0) return false;
    BEDS_MV_DISPATCH(spd_mean_row, p, n, d, cs)
  }
};

#undef BEDS_MV_KERNEL
#undef BEDS_MV_DISPATCH
#undef BEDS_MV_DISPATCH_BOUNDED

template <template <class> class K>
using R32 = Rows<K<float>>;
template <template <class> class K>
using R64 = Rows<K<double>>;

#define BEDS_MV(NAME, K, NIN, NOUT, SIG, TYPES, DOC) {NAME, NIN, NOUT, SIG, TYPES, &R32<K>::loop, &R64<K>::loop, DOC}

constexpr const char* kPair = "(d),(d,d),(d),(d,d)->()";

const LoopEntry kEntries[] = {
    BEDS_MV("mvnormal_distance", Distance, 4, 1, kPair, LoopTypes::all_same,
            "mvnormal_distance(mu1, Sigma1, mu2, Sigma2) -> Fisher-Rao distance by geodesic shooting "
            "(tol 1e-12, 50 iterations; NaN and the invalid flag if not converged)"),
    BEDS_MV("mvnormal_distance_info", DistanceInfo, 6, 4, "(d),(d,d),(d),(d,d),(),()->(),(),(),()", LoopTypes::tol_iter,
            "mvnormal_distance_info(mu1, Sigma1, mu2, Sigma2, tol, max_iter) -> (distance, Calvo-Oller lower "
            "bound, sqrt-Jeffreys upper bound, Newton iterations or -1)"),
    BEDS_MV("mvnormal_bounds", Bounds, 4, 2, "(d),(d,d),(d),(d,d)->(),()", LoopTypes::all_same,
            "mvnormal_bounds(mu1, Sigma1, mu2, Sigma2) -> (Calvo-Oller lower bound, sqrt(Jeffreys) upper bound)"),
    BEDS_MV("mvnormal_kl", KL, 4, 1, kPair, LoopTypes::all_same,
            "mvnormal_kl(mu1, Sigma1, mu2, Sigma2) -> KL(N1 || N2)"),
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
            "segments or -1); max_segments >= 2"),
    BEDS_MV("mvnormal_transport", Transport, 8, 3, "(d),(d,d),(d),(d,d),(d),(d,d),(),()->(d),(d,d),()",
            LoopTypes::tol_iter,
            "mvnormal_transport(mu1, Sigma1, mu2, Sigma2, v_mean, v_cov, tol, max_iter) -> (w_mean, w_cov, "
            "iterations or -1): parallel transport of (v_mean, v_cov) from point 1 to point 2 along the geodesic"),
    BEDS_MV("mvnormal_spd_mean", SpdMean, 4, 2, "(n,d,d),(n),(),()->(d,d),()", LoopTypes::tol_iter,
            "mvnormal_spd_mean(Sigma, weights, tol, max_iter) -> (Karcher mean of the covariances Sigma[..., i, :, :] "
            "in the affine-invariant geometry, iterations or -1)"),
};

#undef BEDS_MV

}  // namespace

const LoopEntry* loops_mvnormal(std::size_t& count) {
  count = sizeof(kEntries) / sizeof(kEntries[0]);
  return kEntries;
}

}  // namespace beds
