// Bindings of the regularization kernels that are not ufuncs: SIGReg over a batch of embeddings.
// Validation, directions and docstrings live in python/beds/regularization.py.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <stdexcept>

#include "beds/sigreg.hpp"
#include "regularization.hpp"

namespace py = pybind11;

namespace beds_bindings {

void register_regularization(py::module_& m) {
  using Arr = py::array_t<double, py::array::c_style>;
  m.def(
      "sigreg",
      [](const Arr& x, const Arr& a, double t_max, int knots, bool with_grad) {
        if (x.ndim() != 2 || a.ndim() != 2) throw std::invalid_argument("sigreg: x and directions must be 2-d");
        if (x.shape(1) != a.shape(1)) throw std::invalid_argument("sigreg: x and directions differ in dimension");
        if (x.shape(0) < 1 || a.shape(0) < 1 || x.shape(1) < 1) throw std::invalid_argument("sigreg: empty input");
        if (knots < 2 || knots > beds::sigreg::kMaxKnots) throw std::invalid_argument("sigreg: knots out of range");
        if (!(t_max > 0.0)) throw std::invalid_argument("sigreg: t_max must be > 0");
        Arr per(a.shape(0));
        py::object grad = py::none();
        Arr g;
        if (with_grad) {
          g = Arr({x.shape(0), x.shape(1)});
          grad = g;
        }
        beds::sigreg::Problem pb{x.data(), a.data(), x.shape(0), x.shape(1), a.shape(0), knots, t_max,
                                 per.mutable_data(), with_grad ? g.mutable_data() : nullptr};
        double value;
        {
          py::gil_scoped_release release;
          value = beds::sigreg::evaluate(pb);
        }
        return py::make_tuple(value, per, grad);
      },
      py::arg("x").noconvert(), py::arg("directions").noconvert(), py::arg("t_max"), py::arg("knots"),
      py::arg("with_grad"),
      "sigreg(x (N, D), directions (M, D), t_max, knots, with_grad) -> (SIGReg, T per direction (M,), "
      "gradient (N, D) or None).  float64 C-contiguous arrays only (beds.sigreg converts).");
}

}  // namespace beds_bindings
