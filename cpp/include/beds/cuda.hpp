// Host launchers of the optional CUDA kernels (cpp/cuda/*.cu).  Plain pointers and sizes only, so
// that this header needs neither CUDA nor Eigen; it is compiled only when BEDS_CUDA is ON.
#pragma once

#include <cstddef>
#include <string>

namespace beds {
namespace cuda {

// Number of usable CUDA devices (0 when there is no driver or no device).
int device_count();

// Fisher-Rao distances of n pairs of univariate normals, on the current device, from and to host
// memory.  The device code is the scalar kernel of beds/normal.hpp.  Returns false and sets `error`
// when CUDA reports an error.  `bad` receives the number of out-of-domain pairs (NaN outputs).
bool normal_distance(const double* mu1, const double* sigma1, const double* mu2, const double* sigma2, double* out,
                     std::size_t n, std::size_t& bad, std::string& error);

// Points at parameter t on the geodesics of n pairs (same conventions).
bool normal_geodesic(const double* mu1, const double* sigma1, const double* mu2, const double* sigma2, const double* t,
                     double* mu, double* sigma, std::size_t n, std::size_t& bad, std::string& error);

}  // namespace cuda
}  // namespace beds
