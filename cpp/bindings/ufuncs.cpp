// Registers the batch loops of cpp/src/loops.inc as real numpy ufuncs / gufuncs.
//
// Real ufuncs give numpy semantics for free: broadcasting, dtype resolution and casting, out=,
// where=, np.errstate, and __array_ufunc__ dispatch (dask, xarray, ...).  Each ufunc has a float32
// and a float64 loop.  The registered function is a trampoline that picks the baseline or the AVX2
// build of the loop at call time (set_simd_level), so tests can compare the two builds.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <numpy/arrayobject.h>
#include <numpy/ufuncobject.h>

#include <atomic>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "beds/cpu_features.hpp"
#include "beds/loop_registry.hpp"
#include "interrupt.hpp"
#include "ufuncs.hpp"

static_assert(sizeof(npy_intp) == sizeof(std::ptrdiff_t), "npy_intp and ptrdiff_t differ");

namespace beds_bindings {
namespace {

struct LoopPair {
  beds::LoopFn base = nullptr, fast = nullptr;
};
struct UfuncLoops {
  LoopPair f32, f64;
};

std::atomic<int> g_level{0};  // 0 = baseline, 1 = avx2

// The inner loop that numpy calls (once per call, or once per buffer / outer iteration).  The loops
// release the GIL and watch for Ctrl-C themselves (beds::CallScope, interrupt.hpp); an interrupt
// or a C++ exception leaves a Python exception pending, which numpy raises when the call ends.
template <LoopPair UfuncLoops::* Member>
void trampoline(char** args, const npy_intp* dims, const npy_intp* steps, void* data) {
  if (loop_should_skip()) return;  // an earlier inner loop of this ufunc call raised
  const LoopPair& p = static_cast<const UfuncLoops*>(data)->*Member;
  const beds::LoopFn fn = (g_level.load(std::memory_order_relaxed) == 1 && p.fast) ? p.fast : p.base;
  try {
    fn(args, reinterpret_cast<const std::ptrdiff_t*>(dims), reinterpret_cast<const std::ptrdiff_t*>(steps));
  } catch (...) {
    set_error_from_exception();
  }
  loop_done();
}

bool avx2_built() { return BEDS_HAVE_AVX2_LOOPS != 0; }

std::vector<char> type_list(beds::LoopTypes kind, int nin, int nout, char T) {
  std::vector<char> t;
  switch (kind) {
    case beds::LoopTypes::all_same:
      t.assign(static_cast<std::size_t>(nin + nout), T);
      break;
    case beds::LoopTypes::normal_mean:
      t = {T, T, T, NPY_DOUBLE, NPY_INT64, T, T, NPY_INT64};
      break;
    case beds::LoopTypes::categorical_mean:
      t = {T, T, NPY_DOUBLE, NPY_INT64, T, NPY_INT64};
      break;
    case beds::LoopTypes::tol_iter:
      t.assign(static_cast<std::size_t>(nin + nout), T);
      if (nin >= 2 && nout >= 1) {
        t[static_cast<std::size_t>(nin - 2)] = NPY_DOUBLE;
        t[static_cast<std::size_t>(nin - 1)] = NPY_INT64;
        t.back() = NPY_INT64;
      }
      break;
  }
  if (t.size() != static_cast<std::size_t>(nin + nout)) throw std::logic_error("beds: inconsistent loop types");
  return t;
}

// Registers every entry of `base` as a ufunc; an entry of `fast` with the same name becomes its
// AVX2 build.
int register_table(PyObject* module, const beds::LoopEntry* base, std::size_t nbase, const beds::LoopEntry* fast,
                   std::size_t nfast) {
  for (std::size_t i = 0; i < nbase; ++i) {
    const beds::LoopEntry& e = base[i];
    // These live as long as the ufuncs, i.e. for the life of the process.
    auto* loops = new UfuncLoops();
    loops->f32.base = e.f32;
    loops->f64.base = e.f64;
    for (std::size_t j = 0; j < nfast; ++j) {
      if (std::strcmp(fast[j].name, e.name) == 0) {
        loops->f32.fast = fast[j].f32;
        loops->f64.fast = fast[j].f64;
      }
    }
    auto* funcs = new PyUFuncGenericFunction[2]{&trampoline<&UfuncLoops::f32>, &trampoline<&UfuncLoops::f64>};
    auto* data = new void*[2]{loops, loops};
    const std::vector<char> t32 = type_list(e.types, e.nin, e.nout, NPY_FLOAT);
    const std::vector<char> t64 = type_list(e.types, e.nin, e.nout, NPY_DOUBLE);
    auto* types = new char[t32.size() + t64.size()];
    std::memcpy(types, t32.data(), t32.size());
    std::memcpy(types + t32.size(), t64.data(), t64.size());
    PyObject* uf = e.signature
                       ? PyUFunc_FromFuncAndDataAndSignature(funcs, data, types, 2, e.nin, e.nout, PyUFunc_None, e.name,
                                                             e.doc, 0, e.signature)
                       : PyUFunc_FromFuncAndData(funcs, data, types, 2, e.nin, e.nout, PyUFunc_None, e.name, e.doc, 0);
    if (!uf) return -1;
    if (PyModule_AddObject(module, e.name, uf) < 0) {
      Py_DECREF(uf);
      return -1;
    }
  }
  return 0;
}

// Tables of the families built once (see loop_registry.hpp); the trailing nullptr keeps the
// array non-empty and is skipped.
const beds::LoopTable kSingleBuildTables[] = {
    &beds::loops_mvnormal,
    nullptr,
};

// Tables compiled once per instruction set in their own translation units: {baseline, avx2}.
struct DualBuildTable {
  beds::LoopTable base, fast;
};
const DualBuildTable kDualBuildTables[] = {
#if BEDS_HAVE_AVX2_LOOPS
    {&beds::regularization_loops_baseline, &beds::regularization_loops_avx2},
#else
    {&beds::regularization_loops_baseline, nullptr},
#endif
};

}  // namespace

bool simd_available(int level) {
  if (level == 0) return true;
  return level == 1 && avx2_built() && beds::cpu_has_avx2_fma();
}
int simd_level() { return g_level.load(); }
void set_simd_level(int level) {
  if (!simd_available(level)) throw std::invalid_argument("beds: this SIMD level is not available on this CPU/build");
  g_level.store(level);
}

int register_ufuncs(PyObject* module) {
  if (_import_array() < 0) return -1;
  if (_import_umath() < 0) return -1;

  std::size_t nbase = 0, nfast = 0;
  const beds::LoopEntry* base = beds::loops_baseline(nbase);
  const beds::LoopEntry* fast = nullptr;
#if BEDS_HAVE_AVX2_LOOPS
  fast = beds::loops_avx2(nfast);
#endif
  if (register_table(module, base, nbase, fast, nfast) < 0) return -1;
  for (beds::LoopTable table : kSingleBuildTables) {
    if (!table) continue;
    std::size_t n = 0;
    const beds::LoopEntry* entries = table(n);
    if (register_table(module, entries, n, nullptr, 0) < 0) return -1;
  }
  for (const DualBuildTable& table : kDualBuildTables) {
    std::size_t nb = 0, nf = 0;
    const beds::LoopEntry* b = table.base(nb);
    const beds::LoopEntry* f = table.fast ? table.fast(nf) : nullptr;
    if (register_table(module, b, nb, f, nf) < 0) return -1;
  }
  if (simd_available(1)) g_level.store(1);
  return 0;
}

}  // namespace beds_bindings
