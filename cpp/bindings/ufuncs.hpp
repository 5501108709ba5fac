// Registration of the numpy ufuncs and the choice of SIMD build (cpp/bindings/ufuncs.cpp).
#pragma once

#include <Python.h>

namespace beds_bindings {

// Adds every ufunc of the loop registry to `module`.  Returns -1 with a Python error set on failure.
int register_ufuncs(PyObject* module);

// SIMD levels: 0 = baseline, 1 = AVX2 + FMA.
bool simd_available(int level);
int simd_level();
void set_simd_level(int level);

}  // namespace beds_bindings
