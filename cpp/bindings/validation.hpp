#pragma once

#include <Python.h>

namespace beds_bindings {
// beds._core._first_invalid: the domain check of parameter arrays (one pass, no temporaries).
int register_validation(PyObject* module);
}  // namespace beds_bindings
