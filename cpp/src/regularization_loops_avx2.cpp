// Fused Fisher-Rao penalty loops and SIGReg compiled with AVX2 + FMA (x86-64 only).
#define BEDS_ISA_NS isa_avx2
#define BEDS_REG_LOOPS_FUNCTION regularization_loops_avx2
#include "regularization_loops.inc"
