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

// A kernel with a binding of its own (not a ufunc), by name: `fn` points at a function pointer of
// the kernel's type, which the binding knows (beds_bindings::kernel_function).  The tables are
// constant-initialized (constexpr): a table that needed code at load time would run the AVX2
// build's code on every CPU.
struct FunctionEntry {
  const char* name;
  const void* fn;
};

// (A trivial aggregate, like the entries: no inline member function that two instruction-set
// builds could both define.)
struct KernelTable {
  const LoopEntry* loops;
  std::size_t nloops;
  const FunctionEntry* functions;
  std::size_t nfunctions;
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
