// The extension module beds._core: numpy ufuncs for every kernel plus a few runtime controls.
// Everything user-facing (validation, docstrings, objects) lives in python/beds.
#include <pybind11/pybind11.h>

#include <string>

#include "beds/interrupt.hpp"
#include "beds/parallel.hpp"
#include "interrupt.hpp"
#include "regularization.hpp"
#include "dynamics.hpp"
#include "metadata.hpp"
#include "ufuncs.hpp"
#include "validation.hpp"

#if BEDS_WITH_CUDA
#include "cuda.hpp"
#endif

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "Compiled kernels of beds (private: use the beds package).";
  if (beds_bindings::install_call_hooks() < 0) throw py::error_already_set();
  // pybind11 bindings that stop on Ctrl-C throw beds::Interrupted; the exception is already set
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const beds::Interrupted&) {
      beds_bindings::restore_interrupt_error();
    }
  });
  if (beds_bindings::register_ufuncs(m.ptr()) < 0) throw py::error_already_set();
  if (beds_bindings::register_validation(m.ptr()) < 0) throw py::error_already_set();
  beds_bindings::register_metadata(m);
  beds_bindings::register_dynamics(m);

  beds_bindings::register_regularization(m);

  m.def("get_num_threads", &beds::num_threads, "Number of threads used by the batched kernels.");
  m.def(
      "set_num_threads",
      [](long long n) {
        if (n > beds::kMaxThreads)
          throw py::value_error("n must be at most " + std::to_string(beds::kMaxThreads) +
                                " (or <= 0 for the default), got " + std::to_string(n));
        const py::gil_scoped_release release;
        beds::set_num_threads(n > 0 ? static_cast<int>(n) : 0);
      },
      py::arg("n"),
      "Sets the number of threads of the batched kernels (1 <= n <= MAX_THREADS; n <= 0: the default, all "
      "available CPUs).");
  m.attr("MAX_THREADS") = beds::kMaxThreads;

  m.def(
      "simd_level", [] { return beds_bindings::simd_level() == 1 ? std::string("avx2") : std::string("baseline"); },
      "The instruction-set build of the element-wise loops in use: 'baseline' or 'avx2'.");
  m.def(
      "set_simd_level",
      [](const std::string& level) {
        if (level == "baseline")
          beds_bindings::set_simd_level(0);
        else if (level == "avx2")
          beds_bindings::set_simd_level(1);
        else
          throw py::value_error("level must be 'baseline' or 'avx2', got '" + level + "'");
      },
      py::arg("level"), "Chooses the instruction-set build of the element-wise loops.");
  m.def(
      "available_simd_levels",
      [] {
        py::list out;
        out.append("baseline");
        if (beds_bindings::simd_available(1)) out.append("avx2");
        return out;
      },
      "The instruction-set builds usable on this CPU.");

  m.attr("__version__") = BEDS_VERSION;
#if BEDS_WITH_CUDA
  m.attr("built_with_cuda") = true;
  beds_bindings::register_cuda(m);
#else
  m.attr("built_with_cuda") = false;
  m.def("cuda_device_count", [] { return 0; }, "Number of usable CUDA devices (0: built without CUDA).");
#endif
}
