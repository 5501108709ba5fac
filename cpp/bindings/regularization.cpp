// Bindings of the regularization kernels that are not ufuncs: SIGReg over a batch of embeddings.
// Validation, directions and docstrings live in python/beds/regularization.py.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <stdexcept>

#include "beds/sigreg.hpp"
#include "regularization.hpp"
#include "ufuncs.hpp"

namespace py = pybind11;

namespace beds_bindings {

void register_regularization(py::module_& m) {
  using Arr = py::array_t<double, py::array::c_style>;
  m.def(
      "sigreg_projections",
      [](const Arr& proj, double t_max, int knots, bool with_grad) {
        if (proj.ndim() != 2) throw std::invalid_argument("sigreg_projections: proj must be 2-d (M, N)");
        if (proj.shape(0) < 1 || proj.shape(1) < 1) throw std::invalid_argument("sigreg_projections: empty input");
        if (knots < 2 || knots > beds::sigreg::kMaxKnots)
          throw std::invalid_argument("sigreg_projections: knots out of range");
        if (!(t_max > 0.0)) throw std::invalid_argument("sigreg_projections: t_max must be > 0");
        Arr per(proj.shape(0));
        py::object grad = py::none();
        Arr g;
        if (with_grad) {
          g = Arr({proj.shape(0), proj.shape(1)});
          grad = g;
        }
        beds::sigreg::Problem pb{proj.data(),
                                 proj.shape(1),
                                 proj.shape(0),
                                 knots,
                                 t_max,
                                 per.mutable_data(),
                                 with_grad ? g.mutable_data() : nullptr};
        // the build of the SIGReg kernel for the SIMD level in use (cpp/src/regularization_loops.inc)
        const auto evaluate = kernel_function<double (*)(const beds::sigreg::Problem&)>("sigreg");
        double value;
        {
          py::gil_scoped_release release;
          value = evaluate(pb);
        }
        return py::make_tuple(value, per, grad);
      },
      py::arg("proj").noconvert(), py::arg("t_max"), py::arg("knots"), py::arg("with_grad"),
      "sigreg_projections(proj (M, N), t_max, knots, with_grad) -> (SIGReg, T per direction (M,), "
      "dT/dx (M, N) or None) for the projections of N embeddings on M unit directions.  float64 "
      "C-contiguous only (beds.sigreg computes the projections and converts).");
}

}  // namespace beds_bindings
