// Python entry points of the CUDA kernels: thin glue over beds::cuda (cpp/include/beds/cuda.hpp).
// The Python layer (python/beds/cuda.py) broadcasts and validates; here every array must already
// be C-contiguous float64 of one common size.
#include "cuda.hpp"

#include <pybind11/numpy.h>

#include <string>

#include "beds/cuda.hpp"

namespace py = pybind11;

namespace beds_bindings {
namespace {

using Array = py::array_t<double, py::array::c_style>;

const double* data_of(const Array& a, py::ssize_t n, const char* name) {
  if (a.size() != n) throw py::value_error(std::string(name) + " has a different size");
  return a.data();
}

}  // namespace

void register_cuda(py::module_& m) {
  m.def("cuda_device_count", &beds::cuda::device_count, "Number of usable CUDA devices.");
  m.def(
      "cuda_normal_distance",
      [](const Array& m1, const Array& s1, const Array& m2, const Array& s2) {
        const py::ssize_t n = m1.size();
        Array out(n);
        const double *a = data_of(m1, n, "mean1"), *b = data_of(s1, n, "std1"), *c = data_of(m2, n, "mean2"),
                     *d = data_of(s2, n, "std2");
        double* o = out.mutable_data();
        std::size_t bad = 0;
        std::string error;
        bool ok;
        {
          py::gil_scoped_release release;
          ok = beds::cuda::normal_distance(a, b, c, d, o, static_cast<std::size_t>(n), bad, error);
        }
        if (!ok) throw std::runtime_error("CUDA error: " + error);
        return py::make_tuple(out, bad);
      },
      py::arg("mean1").noconvert(), py::arg("std1").noconvert(), py::arg("mean2").noconvert(),
      py::arg("std2").noconvert(), "Normal distances on the GPU: (distances, number of out-of-domain pairs).");
  m.def(
      "cuda_normal_geodesic",
      [](const Array& m1, const Array& s1, const Array& m2, const Array& s2, const Array& t) {
        const py::ssize_t n = m1.size();
        Array mu(n), sigma(n);
        const double *a = data_of(m1, n, "mean1"), *b = data_of(s1, n, "std1"), *c = data_of(m2, n, "mean2"),
                     *d = data_of(s2, n, "std2"), *tt = data_of(t, n, "t");
        double *om = mu.mutable_data(), *os = sigma.mutable_data();
        std::size_t bad = 0;
        std::string error;
        bool ok;
        {
          py::gil_scoped_release release;
          ok = beds::cuda::normal_geodesic(a, b, c, d, tt, om, os, static_cast<std::size_t>(n), bad, error);
        }
        if (!ok) throw std::runtime_error("CUDA error: " + error);
        return py::make_tuple(mu, sigma, bad);
      },
      py::arg("mean1").noconvert(), py::arg("std1").noconvert(), py::arg("mean2").noconvert(),
      py::arg("std2").noconvert(), py::arg("t").noconvert(),
      "Normal geodesic points on the GPU: (mean, std, number of out-of-domain pairs).");
}

}  // namespace beds_bindings
