// Batch loops for the baseline instruction set of the target (SSE2 on x86-64, NEON on arm64).
#define BEDS_LOOPS_FUNCTION loops_baseline
#include "loops.inc"
