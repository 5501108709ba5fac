// pybind11 registration of the optional CUDA entry points (cpp/bindings/cuda.cpp).
#pragma once

#include <pybind11/pybind11.h>

namespace beds_bindings {

void register_cuda(pybind11::module_& m);

}  // namespace beds_bindings
