// Run-time CPU feature detection for choosing between the loop builds.
#pragma once

namespace beds {

// True when the CPU (and the OS) support AVX2 and FMA.
bool cpu_has_avx2_fma();

}  // namespace beds
