// Registration of the BEDS dynamics integrators on beds._core (cpp/bindings/dynamics.cpp).
#pragma once

#include <pybind11/pybind11.h>

namespace beds_bindings {

void register_dynamics(pybind11::module_& m);

}  // namespace beds_bindings
