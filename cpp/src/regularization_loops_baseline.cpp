// Fused Fisher-Rao penalty loops and SIGReg for the baseline instruction set.
#define BEDS_REG_LOOPS_FUNCTION regularization_loops_baseline
#include "regularization_loops.inc"
