// What the Python layer learns from the compiled module instead of restating it: the declaration
// of every kernel (beds._core.kernels, parsed from the loop tables) and the constants shared by the
// kernels and the argument checks (beds/constants.hpp).
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "beds/constants.hpp"
#include "beds/kernel_spec.hpp"
#include "beds/sigreg.hpp"
#include "metadata.hpp"
#include "ufuncs.hpp"

namespace py = pybind11;

namespace beds_bindings {
namespace {

py::tuple strings(const std::vector<std::string>& v) {
  py::tuple t(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) t[i] = py::str(v[i]);
  return t;
}

py::dict per_dtype(double f32, double f64) {
  py::dict d;
  d["float32"] = f32;
  d["float64"] = f64;
  return d;
}

}  // namespace

void register_metadata(py::module_& m) {
  const py::object namedtuple = py::module_::import("collections").attr("namedtuple");
  const py::object Operand =
      namedtuple("Operand", py::make_tuple("name", "core", "domain", "dtype"), py::arg("module") = "beds._core");
  const py::object Kernel =
      namedtuple("Kernel", py::make_tuple("name", "inputs", "outputs", "signature", "declaration", "doc", "isas"),
                 py::arg("module") = "beds._core");
  Operand.attr("__doc__") =
      "An operand of a kernel: name, core dimension names, domain (inputs; '' for outputs) and dtype "
      "('float': the float type of the loop, 'float64' or 'int64').";
  Kernel.attr("__doc__") =
      "A compiled kernel (a numpy ufunc of beds._core): name, input and output Operands, gufunc signature "
      "(None: element-wise), declaration, one-line description, instruction-set builds.";

  py::list records;
  for (const KernelInfo& k : kernels()) {
    py::tuple ops[2] = {py::tuple(k.inputs.size()), py::tuple(k.outputs.size())};
    for (int side = 0; side < 2; ++side) {
      const std::vector<OperandInfo>& v = side ? k.outputs : k.inputs;
      for (std::size_t i = 0; i < v.size(); ++i)
        ops[side][i] = Operand(v[i].name, strings(v[i].core), v[i].domain, v[i].dtype);
    }
    records.append(Kernel(k.name, ops[0], ops[1], k.signature.empty() ? py::object(py::none()) : py::str(k.signature),
                          k.declaration, k.doc, strings(k.isas)));
  }
  m.attr("Operand") = Operand;
  m.attr("Kernel") = Kernel;
  m.attr("kernels") = py::tuple(records);

  py::list domains;
  for (std::string_view d : beds::spec::kDomains) domains.append(py::str(std::string(d)));
  m.attr("DOMAINS") = py::tuple(domains);

  namespace c = beds::constants;
  m.attr("PROB_SUM_TOL") = per_dtype(c::kProbSumTolFloat32, c::kProbSumTolFloat64);
  m.attr("TANGENT_SUM_FLOOR") = c::kTangentSumFloor;
  m.attr("SYM_TOL") = per_dtype(c::kSymTolFloat32, c::kSymTolFloat64);
  m.attr("MVNORMAL_TOL") = c::kMvnormalTol;
  m.attr("MVNORMAL_MAX_ITER") = c::kMvnormalMaxIter;
  m.attr("SIGREG_MAX_KNOTS") = beds::sigreg::kMaxKnots;
  // the bindings' type annotations depend on it (tools/gen_stubs.py)
  m.attr("_pybind11_version") = std::to_string(PYBIND11_VERSION_MAJOR) + "." + std::to_string(PYBIND11_VERSION_MINOR) +
                                "." + std::to_string(PYBIND11_VERSION_PATCH);
}

}  // namespace beds_bindings
