// Run-time detection of the instruction sets that the loop builds need.
#include "beds/cpu_features.hpp"

#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <immintrin.h>
#include <intrin.h>
#endif

namespace beds {

bool cpu_has_avx2_fma() {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
  int r[4];
  __cpuid(r, 1);
  const bool fma = (r[2] >> 12) & 1, osxsave = (r[2] >> 27) & 1, avx = (r[2] >> 28) & 1;
  if (!(fma && osxsave && avx)) return false;
  if ((_xgetbv(0) & 6) != 6) return false;  // the OS saves the YMM registers
  __cpuidex(r, 7, 0);
  return (r[1] >> 5) & 1;
#else
  return false;
#endif
}

}  // namespace beds
