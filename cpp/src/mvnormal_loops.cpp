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
#include "mvnormal_rows.hpp"

namespace beds {
namespace mvnormal_rows {
// compiled in mvnormal_rows_{2,3,4,dyn}.cpp
BEDS_MV_ROWS(extern template, 2)
BEDS_MV_ROWS(extern template, 3)
BEDS_MV_ROWS(extern template, 4)
BEDS_MV_ROWS(extern template, mv::Dyn)
}  // namespace mvnormal_rows

namespace {
using namespace mvnormal_rows;

// --------------------------------------------------------------------- gufunc adapters
// COST: nanoseconds per unit of 8 + d^3, the cost of one row (see the cost model in loops.hpp;
// measured on one core at d = 3 and 8, within a factor 2-5 elsewhere: the shooting kernels grow
// like d^4 for large d).
inline double cube(const std::ptrdiff_t* cd) { return 8.0 + static_cast<double>(cd[0] * cd[0] * cd[0]); }

#define BEDS_MV_KERNEL(NAME, NARGS, COST, ...) BEDS_MV_KERNEL_IMPL(NAME, NARGS, COST, false, __VA_ARGS__)
// Kernels that iterate (Newton shooting, Nielsen's refinement) stop on Ctrl-C in mid-row: the
// driver then computes the row again or abandons the call (Rows<K> in loops.hpp).
#define BEDS_MV_ITERATIVE_KERNEL(NAME, NARGS, COST, ...) BEDS_MV_KERNEL_IMPL(NAME, NARGS, COST, true, __VA_ARGS__)
#define BEDS_MV_KERNEL_IMPL(NAME, NARGS, COST, ITERATIVE, ...)                            \
  template <class T>                                                                      \
  struct NAME {                                                                           \
    static constexpr int nargs = NARGS;                                                   \
    static constexpr bool iterative = ITERATIVE;                                          \
    static double cost_ns(const std::ptrdiff_t* cd) { return (COST) * cube(cd); }         \
    static bool row(char* const* p, const std::ptrdiff_t* cd, const std::ptrdiff_t* cs) { \
      const Index d = cd[0];                                                              \
      if (d <= 0) return false;                                                           \
      __VA_ARGS__                                                                         \
    }                                                                                     \
  };

BEDS_MV_ITERATIVE_KERNEL(Distance, 5, 1000, BEDS_MV_DISPATCH(distance_row, p, d, cs, 0))
BEDS_MV_ITERATIVE_KERNEL(DistanceInfo, 10, 1000, BEDS_MV_DISPATCH(distance_row, p, d, cs, 1))
BEDS_MV_KERNEL(Bounds, 6, 30, BEDS_MV_DISPATCH(bounds_row, p, d, cs))
BEDS_MV_KERNEL(KL, 5, 10, BEDS_MV_DISPATCH(divergence_row, p, d, cs, true))
BEDS_MV_KERNEL(Jeffreys, 5, 10, BEDS_MV_DISPATCH(divergence_row, p, d, cs, false))
BEDS_MV_KERNEL(SameMean, 3, 10, BEDS_MV_DISPATCH(same_mean_row, p, d, cs))
BEDS_MV_KERNEL(SameCov, 4, 2, BEDS_MV_DISPATCH(same_cov_row, p, d, cs))
BEDS_MV_KERNEL(Entropy, 2, 1, BEDS_MV_DISPATCH(entropy_row, p, d, cs))
BEDS_MV_KERNEL(Inner, 6, 4, BEDS_MV_DISPATCH(inner_row, p, d, cs))
BEDS_MV_KERNEL(Exp, 6, 25, BEDS_MV_DISPATCH(exp_row, p, d, cs))
BEDS_MV_ITERATIVE_KERNEL(Log, 9, 1000, BEDS_MV_DISPATCH(log_row, p, d, cs, 0))
BEDS_MV_ITERATIVE_KERNEL(Geodesic, 10, 1000, BEDS_MV_DISPATCH(log_row, p, d, cs, 1))
BEDS_MV_ITERATIVE_KERNEL(Nielsen, 8, 1500, BEDS_MV_DISPATCH(nielsen_row, p, d, cs))

#undef BEDS_MV_KERNEL
#undef BEDS_MV_ITERATIVE_KERNEL
#undef BEDS_MV_KERNEL_IMPL
#undef BEDS_MV_DISPATCH

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
            "segments or -1)"),
};

#undef BEDS_MV

}  // namespace

const LoopEntry* loops_mvnormal(std::size_t& count) {
  count = sizeof(kEntries) / sizeof(kEntries[0]);
  return kEntries;
}

}  // namespace beds
