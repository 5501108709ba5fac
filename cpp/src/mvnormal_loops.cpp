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
// COST: nanoseconds per row (see the cost model in loops.hpp), c0 + c2 d^2 + c3 d^3 + c4 d^4, fitted
// to one-thread CPU times of the float64 rows at d = 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 24, 32 (within a
// factor 2 of the measurement at every d; the closed forms grow like d^2 up to d = 32, the shooting
// kernels like d^4).  Nielsen's cost is that of its default tolerance 1e-6.
struct RowCost {
  double c0, c2, c3, c4;
  double operator()(std::ptrdiff_t d) const {
    const double x = static_cast<double>(d), x2 = x * x;
    return c0 + x2 * (c2 + x * (c3 + x * c4));
  }
};
constexpr RowCost kShootCost{5200.0, 0.0, 160.0, 120.0};  // distance, log, geodesic
constexpr RowCost kTransportCost{10000.0, 0.0, 750.0, 110.0};
constexpr RowCost kNielsenCost{190000.0, 0.0, 4000.0, 2500.0};
constexpr RowCost kBoundsCost{160.0, 130.0, 0.1, 0.0};
constexpr RowCost kDivergenceCost{20.0, 45.0, 0.03, 0.0};
constexpr RowCost kSameMeanCost{46.0, 34.0, 0.38, 0.0};
constexpr RowCost kSameCovCost{88.0, 4.8, 0.0, 0.0};
constexpr RowCost kEntropyCost{21.0, 4.4, 0.0, 0.0};
constexpr RowCost kInnerCost{45.0, 14.0, 0.55, 0.0};
constexpr RowCost kExpCost{360.0, 130.0, 0.25, 0.0};
// one covariance in one iteration of the same-mean Karcher mean (about 8 iterations to 1e-10)
constexpr RowCost kSpdMeanTermCost{28.0, 29.0, 1.2, 0.0};
constexpr double kSpdMeanIterations = 8.0;

#define BEDS_MV_KERNEL(NAME, NARGS, COST, ...) BEDS_MV_KERNEL_IMPL(NAME, NARGS, COST, false, __VA_ARGS__)
// Kernels that iterate (Newton shooting, Nielsen's refinement, the transport's integration) stop on
// Ctrl-C in mid-row: the driver then computes the row again or abandons the call (Rows<K> in
// loops.hpp).
#define BEDS_MV_ITERATIVE_KERNEL(NAME, NARGS, COST, ...) BEDS_MV_KERNEL_IMPL(NAME, NARGS, COST, true, __VA_ARGS__)
#define BEDS_MV_KERNEL_IMPL(NAME, NARGS, COST, ITERATIVE, ...)                            \
  template <class T>                                                                      \
  struct NAME {                                                                           \
    static constexpr int nargs = NARGS;                                                   \
    static constexpr bool iterative = ITERATIVE;                                          \
    static double cost_ns(const std::ptrdiff_t* cd) { return COST(cd[0]); }               \
    static bool row(char* const* p, const std::ptrdiff_t* cd, const std::ptrdiff_t* cs) { \
      const Index d = cd[0];                                                              \
      if (d <= 0) return false;                                                           \
      __VA_ARGS__                                                                         \
    }                                                                                     \
  };

BEDS_MV_ITERATIVE_KERNEL(Distance, 5, kShootCost, BEDS_MV_DISPATCH(distance_row, p, d, cs, 0))
BEDS_MV_ITERATIVE_KERNEL(DistanceInfo, 10, kShootCost, BEDS_MV_DISPATCH(distance_row, p, d, cs, 1))
BEDS_MV_KERNEL(Bounds, 6, kBoundsCost, BEDS_MV_DISPATCH(bounds_row, p, d, cs))
BEDS_MV_KERNEL(KL, 5, kDivergenceCost, BEDS_MV_DISPATCH(divergence_row, p, d, cs, true))
BEDS_MV_KERNEL(Jeffreys, 5, kDivergenceCost, BEDS_MV_DISPATCH(divergence_row, p, d, cs, false))
BEDS_MV_KERNEL(SameMean, 3, kSameMeanCost, BEDS_MV_DISPATCH_BOUNDED(same_mean_row, p, d, cs))
BEDS_MV_KERNEL(SameCov, 4, kSameCovCost, BEDS_MV_DISPATCH(same_cov_row, p, d, cs))
BEDS_MV_KERNEL(Entropy, 2, kEntropyCost, BEDS_MV_DISPATCH(entropy_row, p, d, cs))
BEDS_MV_KERNEL(Inner, 6, kInnerCost, BEDS_MV_DISPATCH(inner_row, p, d, cs))
BEDS_MV_KERNEL(Exp, 6, kExpCost, BEDS_MV_DISPATCH(exp_row, p, d, cs))
BEDS_MV_ITERATIVE_KERNEL(Log, 9, kShootCost, BEDS_MV_DISPATCH(log_row, p, d, cs, 0))
BEDS_MV_ITERATIVE_KERNEL(Geodesic, 10, kShootCost, BEDS_MV_DISPATCH(log_row, p, d, cs, 1))
BEDS_MV_ITERATIVE_KERNEL(Nielsen, 8, kNielsenCost, BEDS_MV_DISPATCH(nielsen_row, p, d, cs))
BEDS_MV_ITERATIVE_KERNEL(Transport, 11, kTransportCost, BEDS_MV_DISPATCH(transport_row, p, d, cs))

// Karcher mean of same-mean covariances: core dimensions (n, d), one row is a whole set.
template <class T>
struct SpdMean {
  static constexpr int nargs = 6;
  static constexpr bool iterative = true;
  static double cost_ns(const std::ptrdiff_t* cd) {
    return kSpdMeanIterations * static_cast<double>(cd[0]) * kSpdMeanTermCost(cd[1]);
  }
  static bool row(char* const* p, const std::ptrdiff_t* cd, const std::ptrdiff_t* cs) {
    const Index n = cd[0], d = cd[1];
    if (n <= 0 || d <= 0) return false;
    BEDS_MV_DISPATCH(spd_mean_row, p, n, d, cs)
  }
};

#undef BEDS_MV_KERNEL
#undef BEDS_MV_ITERATIVE_KERNEL
#undef BEDS_MV_KERNEL_IMPL
#undef BEDS_MV_DISPATCH
#undef BEDS_MV_DISPATCH_BOUNDED

template <template <class> class K>
using R32 = Rows<K<float>>;
template <template <class> class K>
using R64 = Rows<K<double>>;

// One row per ufunc: the kernel, its declaration (beds/kernel_spec.hpp), one line of description.
#define BEDS_MV(K, SPEC, DOC) {checked_spec_nargs(SPEC, K<double>::nargs), DOC, &R32<K>::loop, &R64<K>::loop}
#define BEDS_MV_PAIR "mean1[d]: real, cov1[d, d]: spd, mean2[d]: real, cov2[d, d]: spd"
#define BEDS_MV_ITER "tol: float64 positive, max_iter: int64 positive"

constexpr LoopEntry kEntries[] = {
    BEDS_MV(Distance, "mvnormal_distance(" BEDS_MV_PAIR ") -> distance",
            "Fisher-Rao distance by geodesic shooting (tolerance MVNORMAL_TOL, at most MVNORMAL_MAX_ITER Newton "
            "iterations; NaN and the invalid flag if not converged)."),
    BEDS_MV(DistanceInfo,
            "mvnormal_distance_info(" BEDS_MV_PAIR ", " BEDS_MV_ITER ") -> distance, lower, upper, iterations: int64",
            "Distance, Calvo-Oller lower bound, sqrt(Jeffreys) upper bound, Newton iterations (-1: not converged)."),
    BEDS_MV(Bounds, "mvnormal_bounds(" BEDS_MV_PAIR ") -> lower, upper",
            "Calvo-Oller lower bound and sqrt(Jeffreys) upper bound of the Fisher-Rao distance."),
    BEDS_MV(KL, "mvnormal_kl(" BEDS_MV_PAIR ") -> kl", "KL(N1 || N2) in nats."),
    BEDS_MV(Jeffreys, "mvnormal_jeffreys(" BEDS_MV_PAIR ") -> jeffreys",
            "Jeffreys divergence KL(N1 || N2) + KL(N2 || N1) in nats."),
    BEDS_MV(SameMean, "mvnormal_same_mean_distance(cov1[d, d]: spd, cov2[d, d]: spd) -> distance",
            "Fisher-Rao distance of two normals with the same mean: sqrt(1/2 sum ln^2 eig(cov1^-1 cov2))."),
    BEDS_MV(SameCov, "mvnormal_same_cov_distance(mean1[d]: real, cov[d, d]: spd, mean2[d]: real) -> distance",
            "Fisher-Rao distance of two normals with the same covariance: sqrt(2) arccosh(1 + D^2/4), D Mahalanobis."),
    BEDS_MV(Entropy, "mvnormal_entropy(cov[d, d]: spd) -> entropy", "Differential entropy in nats."),
    BEDS_MV(Inner,
            "mvnormal_inner(cov[d, d]: spd, u_mean[d]: real, u_cov[d, d]: symmetric, v_mean[d]: real,"
            " v_cov[d, d]: symmetric) -> inner",
            "Fisher inner product u_mean^T cov^-1 v_mean + 1/2 tr(cov^-1 u_cov cov^-1 v_cov)."),
    BEDS_MV(Exp,
            "mvnormal_exp(mean[d]: real, cov[d, d]: spd, v_mean[d]: real, v_cov[d, d]: symmetric)"
            " -> mean[d], cov[d, d]",
            "Riemannian exponential map: the point reached from (mean, cov) with velocity v."),
    BEDS_MV(Log, "mvnormal_log(" BEDS_MV_PAIR ", " BEDS_MV_ITER ") -> v_mean[d], v_cov[d, d], iterations: int64",
            "Riemannian logarithm by geodesic shooting (iterations -1: not converged)."),
    BEDS_MV(Geodesic,
            "mvnormal_geodesic(" BEDS_MV_PAIR ", t: real, " BEDS_MV_ITER ") -> mean[d], cov[d, d], iterations: int64",
            "Point at parameter t of the geodesic from point 1 to point 2 (iterations -1: not converged)."),
    BEDS_MV(Nielsen,
            "mvnormal_nielsen(" BEDS_MV_PAIR ", tol: float64 positive, max_segments: int64 positive)"
            " -> length, segments: int64",
            "Nielsen's sqrt(Jeffreys) length of the projected Calvo-Oller curve (max_segments >= 2; segments -1: not "
            "converged)."),
    BEDS_MV(Transport,
            "mvnormal_transport(" BEDS_MV_PAIR ", v_mean[d]: real, v_cov[d, d]: symmetric, " BEDS_MV_ITER
            ") -> w_mean[d], w_cov[d, d], iterations: int64",
            "Parallel transport of (v_mean, v_cov) from point 1 to point 2 along the geodesic (iterations of the "
            "shooting, 0 for equal means, -1: not converged)."),
    BEDS_MV(SpdMean,
            "mvnormal_spd_mean(cov[n, d, d]: spd, weights[n]: nonnegative, " BEDS_MV_ITER
            ") -> mean_cov[d, d], iterations: int64",
            "Karcher mean of the covariances cov[..., i, :, :] in the affine-invariant geometry (beliefs with one "
            "mean; iterations -1: not converged)."),
};

#undef BEDS_MV
#undef BEDS_MV_PAIR
#undef BEDS_MV_ITER

}  // namespace

KernelTable loops_mvnormal() { return {kEntries, BEDS_COUNT(kEntries), nullptr, 0}; }

}  // namespace beds
