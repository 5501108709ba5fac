#pragma once

#include <pybind11/pybind11.h>

namespace beds_bindings {
// beds._core.kernels (the kernel declarations) and the constants shared with Python.
void register_metadata(pybind11::module_& m);
}  // namespace beds_bindings
