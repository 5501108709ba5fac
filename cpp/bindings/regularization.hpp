#pragma once

#include <pybind11/pybind11.h>

namespace beds_bindings {
void register_regularization(pybind11::module_& m);
}  // namespace beds_bindings
