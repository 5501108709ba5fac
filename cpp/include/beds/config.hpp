// Portability macros shared by every beds kernel header.
//
// BEDS_HD marks scalar kernels that compile for the host and, under nvcc, for CUDA devices.
// BEDS_ISA_NS is an inline namespace that differs per instruction-set build of the element-wise
// loops (baseline x86-64, AVX2+FMA, CUDA).  Inline functions compiled with different -m flags
// therefore get different symbol names and the linker can never mix them up.
#pragma once

#if defined(__CUDACC__)
#define BEDS_HD __host__ __device__ __forceinline__
#ifndef BEDS_ISA_NS
#define BEDS_ISA_NS isa_cuda
#endif
#else
#if defined(_MSC_VER)
#define BEDS_HD __forceinline
#else
#define BEDS_HD inline __attribute__((always_inline))
#endif
#ifndef BEDS_ISA_NS
#define BEDS_ISA_NS isa_baseline
#endif
#endif

#define BEDS_NAMESPACE_BEGIN \
  namespace beds {           \
  inline namespace BEDS_ISA_NS {
#define BEDS_NAMESPACE_END \
  }                        \
  }
