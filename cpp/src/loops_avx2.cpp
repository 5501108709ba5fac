// Batch loops compiled with AVX2 + FMA (x86-64 only; used when the CPU supports them).  Only the
// element-wise kernels are built here; the row kernels stay in the baseline build.
#define BEDS_ISA_NS isa_avx2
#define BEDS_LOOPS_FUNCTION loops_avx2
#define BEDS_LOOPS_ELEMENTWISE_ONLY
#include "loops.inc"
