// Numbers that the kernels and the Python layer must agree on, defined once here and exported to
// Python as attributes of beds._core (cpp/bindings/metadata.cpp): the Python checks read them from
// there, so a kernel and the validation that names the bad argument never disagree.
#pragma once

namespace beds {
namespace constants {

// |sum(p) - 1| allowed for a probability vector, per operand type (PROB_SUM_TOL); also the
// tolerance on |sum(v)| / sum(|v|) of a tangent vector of the simplex (TANGENT_SUM_TOL).  Loose
// enough for probabilities rounded to float32 and summed in float64; the kernels renormalise.
constexpr double kProbSumTolFloat32 = 1e-4;
constexpr double kProbSumTolFloat64 = 1e-6;
// Absolute floor of the tangent check, for vectors that are zero up to rounding (TANGENT_SUM_FLOOR).
constexpr double kTangentSumFloor = 1e-14;

// Symmetry tolerance of covariance matrices (relative to sqrt(S_ii S_jj)) and of symmetric tangent
// matrices (relative to max |S|), per operand type (SYM_TOL); the kernels use (S + S^T) / 2.
constexpr double kSymTolFloat32 = 1e-5;
constexpr double kSymTolFloat64 = 1e-10;

// Geodesic shooting of the multivariate normal family: default relative tolerance of the last
// Newton step and iteration limit (MVNORMAL_TOL, MVNORMAL_MAX_ITER).
constexpr double kMvnormalTol = 1e-12;
constexpr long long kMvnormalMaxIter = 50;

}  // namespace constants
}  // namespace beds
