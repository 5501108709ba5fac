// beds._core._first_invalid(a, domain): where an array of parameters leaves its domain, in one pass
// and without temporaries (the argument checks of the belief constructors; the Python layer turns
// the answer into the ValueError that names the argument).
//
// Domains (codes): 0 real (finite), 1 positive (finite, > 0), 2 nonnegative (finite, >= 0),
// 3 unit_interval (finite, in [0, 1]); over the last axis: 4 probs (finite, >= 0, sums to 1 within
// the tolerance of the dtype), 5 probs_interior (the same with every entry > 0), 6 tangent_probs
// (finite, sum within tol * sum|v| + floor of 0).  The tolerances are those of beds/constants.hpp.
//
// Returns None when every element is in the domain, otherwise (kind, index): kind 0 = the first
// non-finite element, 1 = the first element outside the range (only when every element is
// finite), 2 = the first row whose sum is off (only when every element passes 0 and 1); index is
// the position of that element (kind 0, 1) or of that row (kind 2, the batch index) in C order.
// These are the precedence and the indices of beds._validation.check_domain.  Returns
// NotImplemented for arrays it does not handle (other dtypes, byte orders, unaligned data; a row
// domain without a class axis or with an empty one), which the caller checks with numpy.
//
// Axes of stride 0 (views made by np.broadcast_to) are not iterated: every element along such an
// axis is the same, so the first offending element has index 0 there.  Checking a broadcast view of
// 1e10 elements therefore costs what checking the array it was made from costs.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <numpy/arrayobject.h>

#include <cfenv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "beds/constants.hpp"
#include "beds/cpu_features.hpp"
#include "validation.hpp"

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define BEDS_VALIDATION_AVX2 1
#define BEDS_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define BEDS_VALIDATION_AVX2 0
#define BEDS_ALWAYS_INLINE inline
#endif

namespace beds_bindings {
namespace {

enum Domain { kReal = 0, kPositive, kNonnegative, kUnitInterval, kProbs, kProbsInterior, kTangentProbs, kNumDomains };

inline bool in_range(double x, int domain) {
  switch (domain) {
    case kPositive:
    case kProbsInterior:
      return x > 0.0;
    case kNonnegative:
    case kProbs:
      return x >= 0.0;
    case kUnitInterval:
      return x >= 0.0 && x <= 1.0;
    default:
      return true;
  }
}

// A violation: kind (-1: none), the position among the outer axes and along the inner axis.
struct Found {
  int kind = -1;
  std::vector<npy_intp> outer;
  npy_intp inner = 0;
};

// True when every element of the run is finite and in range: comparisons only (false for NaN),
// branch-free, so that the contiguous loops vectorize.
template <class T, int D>
BEDS_ALWAYS_INLINE bool contiguous_ok_body(const T* x, npy_intp n) {
  constexpr T inf = std::numeric_limits<T>::infinity();
  unsigned bad = 0;
  for (npy_intp i = 0; i < n; ++i) {
    const T v = x[i];
    if constexpr (D == kPositive)
      bad |= !((v > T(0)) & (v < inf));
    else if constexpr (D == kNonnegative)
      bad |= !((v >= T(0)) & (v < inf));
    else if constexpr (D == kUnitInterval)
      bad |= !((v >= T(0)) & (v <= T(1)));
    else
      bad |= !((v > -inf) & (v < inf));
  }
  return bad == 0;
}

template <class T, int D>
bool contiguous_ok_baseline(const T* x, npy_intp n) {
  return contiguous_ok_body<T, D>(x, n);
}

#if BEDS_VALIDATION_AVX2
// The same loop built for AVX2 (gcc and clang vectorize the float64 comparisons only with 256-bit
// vectors: baseline x86-64 builds run it element by element, 3x slower than numpy's checks).
template <class T, int D>
__attribute__((target("avx2"))) bool contiguous_ok_avx2(const T* x, npy_intp n) {
  return contiguous_ok_body<T, D>(x, n);
}
const bool kHaveAvx2 = beds::cpu_has_avx2_fma();
#endif

template <class T, int D>
bool contiguous_ok(const T* x, npy_intp n) {
#if BEDS_VALIDATION_AVX2
  if (kHaveAvx2) return contiguous_ok_avx2<T, D>(x, n);
#endif
  return contiguous_ok_baseline<T, D>(x, n);
}

template <class T>
bool run_ok(const char* p, npy_intp n, npy_intp stride, int domain) {
  if (stride == static_cast<npy_intp>(sizeof(T))) {
    const T* x = reinterpret_cast<const T*>(p);
    switch (domain) {
      case kPositive:
      case kProbsInterior:
        return contiguous_ok<T, kPositive>(x, n);
      case kNonnegative:
      case kProbs:
        return contiguous_ok<T, kNonnegative>(x, n);
      case kUnitInterval:
        return contiguous_ok<T, kUnitInterval>(x, n);
      default:
        return contiguous_ok<T, kReal>(x, n);
    }
  }
  bool ok = true;
  for (npy_intp i = 0; i < n; ++i) {
    const double x = static_cast<double>(*reinterpret_cast<const T*>(p + i * stride));
    ok &= std::isfinite(x) && in_range(x, domain);
  }
  return ok;
}

// Scans the array: `shape`/`strides` are the outer axes (zero-stride axes removed), each outer
// position holds an inner run of n elements with stride `stride` (a row of classes for the row
// domains, the last iterated axis for the element-wise ones).
template <class T>
void scan(const char* data, const std::vector<npy_intp>& shape, const std::vector<npy_intp>& strides, npy_intp n,
          npy_intp stride, int domain, Found& found) {
  const bool rows = domain >= kProbs;
  const double tol = sizeof(T) == 4 ? beds::constants::kProbSumTolFloat32 : beds::constants::kProbSumTolFloat64;
  const std::size_t nd = shape.size();
  std::vector<npy_intp> idx(nd, 0);
  Found range, sums;  // the first element out of range, the first row with a bad sum
  for (;;) {
    const char* p = data;
    for (std::size_t j = 0; j < nd; ++j) p += idx[j] * strides[j];
    if (!run_ok<T>(p, n, stride, domain) || (rows && sums.kind < 0)) {
      double sum = 0.0, abs_sum = 0.0;
      for (npy_intp c = 0; c < n; ++c) {
        const double x = static_cast<double>(*reinterpret_cast<const T*>(p + c * stride));
        if (!std::isfinite(x)) {
          found.kind = 0;
          found.outer = idx;
          found.inner = c;
          return;
        }
        if (range.kind < 0 && !in_range(x, domain)) {
          range.kind = 1;
          range.outer = idx;
          range.inner = c;
        }
        sum += x;
        abs_sum += std::fabs(x);
      }
      if (rows && sums.kind < 0) {
        const bool ok = domain == kTangentProbs ? std::fabs(sum) <= tol * abs_sum + beds::constants::kTangentSumFloor
                                                : std::fabs(sum - 1.0) <= tol;
        if (!ok) {
          sums.kind = 2;
          sums.outer = idx;
        }
      }
    }
    // the next outer position, in C order
    std::size_t j = nd;
    bool more = false;
    while (j > 0) {
      --j;
      if (++idx[j] < shape[j]) {
        more = true;
        break;
      }
      idx[j] = 0;
    }
    if (!more) break;
  }
  found = range.kind >= 0 ? range : sums;
}

// Restores the floating-point exception flags (the checks must not leave FE_INVALID behind).
class FlagGuard {
 public:
  FlagGuard() { std::fegetexceptflag(&saved_, FE_ALL_EXCEPT); }
  ~FlagGuard() { std::fesetexceptflag(&saved_, FE_ALL_EXCEPT); }
  FlagGuard(const FlagGuard&) = delete;
  FlagGuard& operator=(const FlagGuard&) = delete;

 private:
  std::fexcept_t saved_;
};

PyObject* first_invalid(PyObject* /*self*/, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 2) {
    PyErr_SetString(PyExc_TypeError, "_first_invalid(a, domain) takes 2 arguments");
    return nullptr;
  }
  const long domain = PyLong_AsLong(args[1]);
  if (domain == -1 && PyErr_Occurred()) return nullptr;
  if (domain < 0 || domain >= kNumDomains) {
    PyErr_SetString(PyExc_ValueError, "_first_invalid: unknown domain code");
    return nullptr;
  }
  if (!PyArray_Check(args[0])) Py_RETURN_NOTIMPLEMENTED;
  PyArrayObject* a = reinterpret_cast<PyArrayObject*>(args[0]);
  const int type = PyArray_TYPE(a);
  if ((type != NPY_DOUBLE && type != NPY_FLOAT) || !PyArray_ISNOTSWAPPED(a) || !PyArray_ISALIGNED(a))
    Py_RETURN_NOTIMPLEMENTED;
  const int ndim = PyArray_NDIM(a);
  const npy_intp* dims = PyArray_DIMS(a);
  const npy_intp* st = PyArray_STRIDES(a);
  const bool rows = domain >= kProbs;
  // the caller reports a missing or empty class axis
  if (rows && (ndim == 0 || dims[ndim - 1] == 0)) Py_RETURN_NOTIMPLEMENTED;
  for (int j = 0; j < ndim; ++j)
    if (dims[j] == 0) Py_RETURN_NONE;
  // outer axes: every axis (but the class axis) of length > 1 with a non-zero stride
  std::vector<int> axes;
  std::vector<npy_intp> shape, strides;
  npy_intp count = 1;
  for (int j = 0; j < (rows ? ndim - 1 : ndim); ++j) {
    if (dims[j] > 1 && st[j] != 0) {
      axes.push_back(j);
      shape.push_back(dims[j]);
      strides.push_back(st[j]);
      count *= dims[j];
    }
  }
  // the inner run: the class axis, or the last outer axis
  int inner_axis = -1;
  npy_intp n = 1, stride = 0;
  if (rows) {
    inner_axis = ndim - 1;
    n = dims[ndim - 1];
    stride = st[ndim - 1];
  } else if (!axes.empty()) {
    inner_axis = axes.back();
    n = shape.back();
    stride = strides.back();
    count /= n;
    axes.pop_back();
    shape.pop_back();
    strides.pop_back();
  }
  Found found;
  const char* data = PyArray_BYTES(a);
  {
    const bool release = count * n > (npy_intp{1} << 15);
    PyThreadState* ts = release ? PyEval_SaveThread() : nullptr;
    FlagGuard guard;
    if (type == NPY_DOUBLE)
      scan<double>(data, shape, strides, n, stride, static_cast<int>(domain), found);
    else
      scan<float>(data, shape, strides, n, stride, static_cast<int>(domain), found);
    if (ts) PyEval_RestoreThread(ts);
  }
  if (found.kind < 0) Py_RETURN_NONE;
  // the index in the full array: 0 along the axes that were not iterated; a row has no class index
  const int nfull = found.kind == 2 ? ndim - 1 : ndim;
  std::vector<npy_intp> full(static_cast<std::size_t>(ndim), 0);
  for (std::size_t i = 0; i < axes.size(); ++i) full[static_cast<std::size_t>(axes[i])] = found.outer[i];
  if (inner_axis >= 0) full[static_cast<std::size_t>(inner_axis)] = found.inner;
  PyObject* index = PyTuple_New(nfull);
  if (!index) return nullptr;
  for (int j = 0; j < nfull; ++j) {
    PyObject* v = PyLong_FromSsize_t(full[static_cast<std::size_t>(j)]);
    if (!v) {
      Py_DECREF(index);
      return nullptr;
    }
    PyTuple_SET_ITEM(index, j, v);
  }
  return Py_BuildValue("(iN)", found.kind, index);
}

PyMethodDef kMethods[] = {
    {"_first_invalid", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(&first_invalid)), METH_FASTCALL,
     "_first_invalid(a: object, domain: int) -> object\n\n"
     "Where the float32/float64 array a leaves the domain with code `domain` (0 real, 1 positive,\n"
     "2 nonnegative, 3 unit_interval, 4 probs, 5 probs_interior, 6 tangent_probs): None when it does\n"
     "not; (0, index) for the first non-finite element; (1, index) for the first element out of range;\n"
     "(2, batch index) for the first row whose sum is off.  NotImplemented for other arrays.  Axes of\n"
     "stride 0 are not iterated (index 0 there).  Private: used by the belief constructors."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

int register_validation(PyObject* module) {
  if (_import_array() < 0) return -1;
  return PyModule_AddFunctions(module, kMethods);
}

}  // namespace beds_bindings
