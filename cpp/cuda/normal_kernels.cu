// CUDA kernels for the univariate normal family: the same scalar code as the CPU loops
// (beds/normal.hpp, BEDS_HD functions), one thread per pair.
#include <cuda_runtime.h>

#include <string>

#include "beds/cuda.hpp"
#include "beds/normal.hpp"

namespace {

__global__ void distance_kernel(const double* m1, const double* s1, const double* m2, const double* s2, double* out,
                                unsigned long long* bad, std::size_t n) {
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  double d;
  if (!beds::normal::distance(m1[i], s1[i], m2[i], s2[i], d)) atomicAdd(bad, 1ULL);
  out[i] = d;
}

__global__ void geodesic_kernel(const double* m1, const double* s1, const double* m2, const double* s2, const double* t,
                                double* mu, double* sigma, unsigned long long* bad, std::size_t n) {
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  double m, s;
  if (!beds::normal::geodesic(m1[i], s1[i], m2[i], s2[i], t[i], m, s)) atomicAdd(bad, 1ULL);
  mu[i] = m;
  sigma[i] = s;
}

// Device buffers released on every exit path.
struct DeviceBuffers {
  double* ptr = nullptr;
  unsigned long long* bad = nullptr;
  ~DeviceBuffers() {
    if (ptr) cudaFree(ptr);
    if (bad) cudaFree(bad);
  }
};

bool check(cudaError_t e, std::string& error) {
  if (e == cudaSuccess) return true;
  error = cudaGetErrorString(e);
  return false;
}

// Copies nin host arrays of n doubles to the device, runs `launch`, copies nout arrays back.
template <class Launch>
bool run(const double* const* in, int nin, double* const* out, int nout, std::size_t n, std::size_t& bad,
         std::string& error, Launch launch) {
  bad = 0;
  if (n == 0) return true;
  DeviceBuffers buf;
  const std::size_t bytes = n * sizeof(double);
  if (!check(cudaMalloc(&buf.ptr, bytes * static_cast<std::size_t>(nin + nout)), error)) return false;
  if (!check(cudaMalloc(&buf.bad, sizeof(unsigned long long)), error)) return false;
  if (!check(cudaMemset(buf.bad, 0, sizeof(unsigned long long)), error)) return false;
  for (int j = 0; j < nin; ++j)
    if (!check(cudaMemcpy(buf.ptr + j * n, in[j], bytes, cudaMemcpyHostToDevice), error)) return false;
  const unsigned threads = 256;
  const unsigned blocks = static_cast<unsigned>((n + threads - 1) / threads);
  launch(blocks, threads, buf.ptr, buf.bad);
  if (!check(cudaGetLastError(), error)) return false;
  for (int j = 0; j < nout; ++j)
    if (!check(cudaMemcpy(out[j], buf.ptr + (nin + j) * n, bytes, cudaMemcpyDeviceToHost), error)) return false;
  unsigned long long nbad = 0;
  if (!check(cudaMemcpy(&nbad, buf.bad, sizeof nbad, cudaMemcpyDeviceToHost), error)) return false;
  bad = static_cast<std::size_t>(nbad);
  return true;
}

}  // namespace

namespace beds {
namespace cuda {

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver" error
    return 0;
  }
  return n;
}

bool normal_distance(const double* mu1, const double* sigma1, const double* mu2, const double* sigma2, double* out,
                     std::size_t n, std::size_t& bad, std::string& error) {
  const double* in[4] = {mu1, sigma1, mu2, sigma2};
  double* outs[1] = {out};
  return run(in, 4, outs, 1, n, bad, error, [n](unsigned blocks, unsigned threads, double* p, unsigned long long* b) {
    distance_kernel<<<blocks, threads>>>(p, p + n, p + 2 * n, p + 3 * n, p + 4 * n, b, n);
  });
}

bool normal_geodesic(const double* mu1, const double* sigma1, const double* mu2, const double* sigma2, const double* t,
                     double* mu, double* sigma, std::size_t n, std::size_t& bad, std::string& error) {
  const double* in[5] = {mu1, sigma1, mu2, sigma2, t};
  double* outs[2] = {mu, sigma};
  return run(in, 5, outs, 2, n, bad, error, [n](unsigned blocks, unsigned threads, double* p, unsigned long long* b) {
    geodesic_kernel<<<blocks, threads>>>(p, p + n, p + 2 * n, p + 3 * n, p + 4 * n, p + 5 * n, p + 6 * n, b, n);
  });
}

}  // namespace cuda
}  // namespace beds
