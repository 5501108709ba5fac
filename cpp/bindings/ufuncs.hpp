// Registration of the kernels as numpy ufuncs and the choice of SIMD build (cpp/bindings/ufuncs.cpp).
#pragma once

#include <Python.h>

#include <string>
#include <vector>

namespace beds_bindings {

// Adds every ufunc of the kernel tables (beds/loop_registry.hpp) to `module`.  Returns -1 with a
// Python error set on failure.
int register_ufuncs(PyObject* module);

// SIMD levels: 0 = baseline, 1 = AVX2 + FMA.
bool simd_available(int level);
int simd_level();
void set_simd_level(int level);

// A registered kernel, parsed from its declaration (beds/kernel_spec.hpp).
struct OperandInfo {
  std::string name;
  std::vector<std::string> core;  // core dimension names (empty: element-wise)
  std::string domain;             // inputs only
  std::string dtype;              // "float" (the loop's float type), "float64" or "int64"
};
struct KernelInfo {
  std::string name, declaration, doc;
  std::string signature;  // gufunc signature, empty for an element-wise ufunc
  std::vector<OperandInfo> inputs, outputs;
  std::vector<std::string> isas;  // builds with a loop for it: "baseline", "avx2"
};
const std::vector<KernelInfo>& kernels();

// A kernel with a binding of its own (FunctionEntry of the kernel tables).
struct FunctionInfo {
  std::string name;
  const void* base;  // each points at a function pointer of the kernel's type
  const void* fast;
};
// The build of kernel `name` for the SIMD level in use, as a pointer to its function pointer
// (std::logic_error if there is none).
const void* kernel_function_ptr(const char* name);
// The build of kernel `name` for the SIMD level in use; F is the kernel's function pointer type.
template <class F>
F kernel_function(const char* name) {
  return *static_cast<const F*>(kernel_function_ptr(name));
}

}  // namespace beds_bindings
