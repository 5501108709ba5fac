// Fused Fisher-Rao penalty loops for the baseline instruction set.
#define BEDS_REG_LOOPS_FUNCTION regularization_loops_baseline
#define BEDS_SIGREG_FUNCTION evaluate_baseline
#include "regularization_loops.inc"
