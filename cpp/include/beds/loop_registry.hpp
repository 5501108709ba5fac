// The table of compiled batch loops, one entry per numpy ufunc.  Each instruction-set build of
// cpp/src/loops.inc fills one table; the bindings register the baseline table as numpy ufuncs and
// switch an entry to its AVX2 build when the CPU supports it (beds._core.set_simd_level).
#pragma once

#include <cstddef>

#include "beds/loops.hpp"

namespace beds {

// How the operand types of a loop are laid out (see cpp/bindings/ufuncs.cpp).
enum class LoopTypes : int {
  all_same = 0,          // every operand has the loop's float type
  normal_mean = 1,       // (T, T, T, double tol, int64 max_iter) -> (T, T, int64 iterations)
  categorical_mean = 2,  // (T, T, double tol, int64 max_iter) -> (T, int64 iterations)
  tol_iter = 3           // (T, ..., T, double tol, int64 max_iter) -> (T, ..., T, int64 iterations)
};

struct LoopEntry {
  const char* name;
  int nin, nout;
  const char* signature;  // gufunc signature, or nullptr for an element-wise ufunc
  LoopTypes types;
  LoopFn f32, f64;
  const char* doc;
};

// Returns the entries of one instruction-set build and their number.
using LoopTable = const LoopEntry* (*)(std::size_t& count);
const LoopEntry* loops_baseline(std::size_t& count);
const LoopEntry* loops_avx2(std::size_t& count);  // defined only when BEDS_HAVE_AVX2_LOOPS
// Fused Fisher-Rao penalty loops (cpp/src/regularization_loops.inc), one table per build.
const LoopEntry* regularization_loops_baseline(std::size_t& count);
const LoopEntry* regularization_loops_avx2(std::size_t& count);  // only when BEDS_HAVE_AVX2_LOOPS

const LoopEntry* loops_mvnormal(std::size_t& count);  // cpp/src/mvnormal_loops.cpp

// Families whose loops are built once (baseline only: Eigen matrix code, row kernels) live in
// their own translation unit with their own table; cpp/bindings/ufuncs.cpp lists them in
// kSingleBuildTables.

}  // namespace beds
