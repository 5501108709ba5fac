// The compiled kernels as the bindings see them.  Every translation unit that builds kernels for
// one instruction set returns a KernelTable; cpp/bindings/ufuncs.cpp lists the tables of every
// build (kBuilds) and registers them all in one way: the baseline builds define the kernels, an
// AVX2 build of a kernel becomes its fast path, picked at call time (beds._core.set_simd_level).
#pragma once

#include <cstddef>

#include "beds/kernel_spec.hpp"
#include "beds/loops.hpp"

namespace beds {

// One numpy ufunc: its declaration (beds/kernel_spec.hpp), a one-line description, and its loops
// for float32 and float64 operands (every other operand type comes from the declaration).
struct LoopEntry {
  const char* spec;
  const char* doc;
  LoopFn f32, f64;
};

// A kernel with a binding of its own (not a ufunc), by name; the binding casts `fn` back to its
// type (beds_bindings::kernel_function).
struct FunctionEntry {
  const char* name;
  void (*fn)();
};

struct KernelTable {
  const LoopEntry* loops = nullptr;
  std::size_t nloops = 0;
  const FunctionEntry* functions = nullptr;
  std::size_t nfunctions = 0;
};

// (The tables are filled with sizeof arithmetic, never with a function template: a template
// instantiated in two instruction-set builds would be one symbol, and the linker would keep either.)
#define BEDS_COUNT(array) (sizeof(array) / sizeof((array)[0]))

// cpp/src/loops.inc: element-wise kernels in every build, row kernels in the baseline build
KernelTable loops_baseline();
KernelTable loops_avx2();  // only when BEDS_HAVE_AVX2_LOOPS
// cpp/src/regularization_loops.inc: fused Fisher-Rao penalties and SIGReg, in every build
KernelTable regularization_loops_baseline();
KernelTable regularization_loops_avx2();  // only when BEDS_HAVE_AVX2_LOOPS
// cpp/src/mvnormal_loops.cpp: multivariate normal rows (Eigen), baseline build only
KernelTable loops_mvnormal();

}  // namespace beds
