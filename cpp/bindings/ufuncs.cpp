// Registers the kernels of every loop table (beds/loop_registry.hpp) as real numpy ufuncs / gufuncs,
// from their declarations (beds/kernel_spec.hpp).
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
#include <string_view>
#include <vector>

#include "beds/cpu_features.hpp"
#include "beds/kernel_spec.hpp"
#include "beds/loop_registry.hpp"
#include "interrupt.hpp"
#include "ufuncs.hpp"

static_assert(sizeof(npy_intp) == sizeof(std::ptrdiff_t), "npy_intp and ptrdiff_t differ");

// What the declaration checks catch (the loop tables do not compile with such a declaration).
namespace spec_checks {
using beds::spec::error;
static_assert(error("f(x[n, k]: probs, w[n]: nonnegative, tol: float64 positive) -> m[k], it: int64") == nullptr);
static_assert(beds::spec::arity("f(a: real, b: positive) -> c, d").nin == 2);
static_assert(beds::spec::arity("f(a: real, b: positive) -> c, d").nout == 2);
static_assert(error("f(x: reel) -> y") != nullptr);            // unknown domain
static_assert(error("f(x) -> y") != nullptr);                  // an input without a domain
static_assert(error("f(x: real, x: real) -> y") != nullptr);   // two inputs with one name
static_assert(error("f(x: real) -> y: positive") != nullptr);  // a domain on an output
static_assert(error("f(x[d: real) -> y") != nullptr);          // unclosed core dimensions
static_assert(error("f(x: real) y") != nullptr);               // no arrow
static_assert(error("f(x: real) -> y extra") != nullptr);      // trailing text
static_assert(error("f(x: float32 real) -> y") != nullptr);    // dtype float32 (the loop's type is implicit)
}  // namespace spec_checks

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

// Every kernel table of every instruction-set build (beds/loop_registry.hpp).  Level 0 (baseline)
// tables define the kernels; a level 1 (AVX2 + FMA) table holds the fast builds of some of them.
struct Build {
  int level;
  beds::KernelTable (*table)();
};
const Build kBuilds[] = {
    {0, &beds::loops_baseline},                 // cpp/src/loops_baseline.cpp
    {0, &beds::regularization_loops_baseline},  // cpp/src/regularization_loops_baseline.cpp
    {0, &beds::loops_mvnormal},                 // cpp/src/mvnormal_loops.cpp
#if BEDS_HAVE_AVX2_LOOPS
    {1, &beds::loops_avx2},                 // cpp/src/loops_avx2.cpp
    {1, &beds::regularization_loops_avx2},  // cpp/src/regularization_loops_avx2.cpp
#endif
};
const char* const kLevelNames[] = {"baseline", "avx2"};

// Records a declaration as it is parsed.
struct Recorder {
  KernelInfo& k;
  void kernel(std::string_view name) { k.name = std::string(name); }
  void operand(const beds::spec::Operand& op) {
    OperandInfo o{std::string(op.name), {}, std::string(op.domain), op.dtype.empty() ? "float" : std::string(op.dtype)};
    for (int j = 0; j < op.ncore; ++j) o.core.emplace_back(op.core[j]);
    (op.output ? k.outputs : k.inputs).push_back(std::move(o));
  }
};

std::string core_signature(const std::vector<OperandInfo>& ops) {
  std::string s;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    s += i ? ",(" : "(";
    for (std::size_t j = 0; j < ops[i].core.size(); ++j) s += (j ? "," : "") + ops[i].core[j];
    s += ")";
  }
  return s;
}

KernelInfo parse_kernel(const beds::LoopEntry& e) {
  KernelInfo k;
  k.declaration = e.spec;
  k.doc = e.doc;
  Recorder rec{k};
  if (const char* error = beds::spec::parse(e.spec, rec))
    throw std::logic_error(std::string("beds: malformed kernel declaration (") + error + "): " + e.spec);
  bool core = false;
  for (const auto* ops : {&k.inputs, &k.outputs})
    for (const OperandInfo& o : *ops) core = core || !o.core.empty();
  if (core) k.signature = core_signature(k.inputs) + "->" + core_signature(k.outputs);
  return k;
}

// Operand type codes of the loop whose float operands are T.
std::vector<char> type_list(const KernelInfo& k, char T) {
  std::vector<char> t;
  for (const auto* ops : {&k.inputs, &k.outputs}) {
    for (const OperandInfo& o : *ops) {
      char c = T;
      if (o.dtype == "float64") c = NPY_DOUBLE;
      if (o.dtype == "int64") c = NPY_INT64;
      t.push_back(c);
    }
  }
  return t;
}

std::vector<KernelInfo> g_kernels;      // in registration order
std::vector<UfuncLoops*> g_loops;       // the loops of g_kernels[i] (live as long as the ufuncs)
std::vector<FunctionInfo> g_functions;  // kernels with bindings of their own

std::ptrdiff_t find_kernel(const std::string& name) {
  for (std::size_t i = 0; i < g_kernels.size(); ++i)
    if (g_kernels[i].name == name) return static_cast<std::ptrdiff_t>(i);
  return -1;
}

// Collects every build of every table: the baseline entries in table order, then the fast builds.
void collect_builds() {
  for (const Build& b : kBuilds) {
    const beds::KernelTable t = b.table();
    for (std::size_t i = 0; i < t.nloops; ++i) {
      const beds::LoopEntry& e = t.loops[i];
      KernelInfo k = parse_kernel(e);
      const std::ptrdiff_t j = find_kernel(k.name);
      if (b.level == 0) {
        if (j >= 0) throw std::logic_error("beds: kernel " + k.name + " is declared twice");
        k.isas.push_back(kLevelNames[0]);
        g_kernels.push_back(std::move(k));
        g_loops.push_back(new UfuncLoops());
        g_loops.back()->f32.base = e.f32;
        g_loops.back()->f64.base = e.f64;
      } else {
        if (j < 0 || g_kernels[j].declaration != k.declaration)
          throw std::logic_error("beds: kernel " + k.name + " has an AVX2 build but no baseline build");
        g_kernels[j].isas.push_back(kLevelNames[b.level]);
        g_loops[j]->f32.fast = e.f32;
        g_loops[j]->f64.fast = e.f64;
      }
    }
    for (std::size_t i = 0; i < t.nfunctions; ++i) {
      const beds::FunctionEntry& e = t.functions[i];
      FunctionInfo* f = nullptr;
      for (FunctionInfo& g : g_functions)
        if (g.name == e.name) f = &g;
      if (b.level == 0) {
        if (f) throw std::logic_error(std::string("beds: kernel ") + e.name + " is declared twice");
        g_functions.push_back(FunctionInfo{e.name, e.fn, nullptr});
      } else {
        if (!f)
          throw std::logic_error(std::string("beds: kernel ") + e.name + " has an AVX2 build but no baseline build");
        f->fast = e.fn;
      }
    }
  }
}

// Registers every collected kernel as a numpy ufunc of `module`.
int register_collected(PyObject* module) {
  for (std::size_t i = 0; i < g_kernels.size(); ++i) {
    const KernelInfo& k = g_kernels[i];
    // These live as long as the ufuncs, i.e. for the life of the process.
    auto* funcs = new PyUFuncGenericFunction[2]{&trampoline<&UfuncLoops::f32>, &trampoline<&UfuncLoops::f64>};
    auto* data = new void*[2]{g_loops[i], g_loops[i]};
    const std::vector<char> t32 = type_list(k, NPY_FLOAT);
    const std::vector<char> t64 = type_list(k, NPY_DOUBLE);
    auto* types = new char[t32.size() + t64.size()];
    std::memcpy(types, t32.data(), t32.size());
    std::memcpy(types + t32.size(), t64.data(), t64.size());
    const int nin = static_cast<int>(k.inputs.size()), nout = static_cast<int>(k.outputs.size());
    const char* name = (new std::string(k.name))->c_str();
    const char* doc = (new std::string(k.declaration + "\n\n" + k.doc))->c_str();
    PyObject* uf = k.signature.empty()
                       ? PyUFunc_FromFuncAndData(funcs, data, types, 2, nin, nout, PyUFunc_None, name, doc, 0)
                       : PyUFunc_FromFuncAndDataAndSignature(funcs, data, types, 2, nin, nout, PyUFunc_None, name, doc,
                                                             0, (new std::string(k.signature))->c_str());
    if (!uf) return -1;
    if (PyModule_AddObject(module, name, uf) < 0) {
      Py_DECREF(uf);
      return -1;
    }
  }
  return 0;
}

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
  try {
    collect_builds();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_ImportError, e.what());
    return -1;
  }
  if (register_collected(module) < 0) return -1;
  if (simd_available(1)) g_level.store(1);
  return 0;
}

const std::vector<KernelInfo>& kernels() { return g_kernels; }

const void* kernel_function_ptr(const char* name) {
  for (const FunctionInfo& f : g_functions)
    if (f.name == name) return (g_level.load(std::memory_order_relaxed) == 1 && f.fast) ? f.fast : f.base;
  throw std::logic_error(std::string("beds: no kernel function ") + name);
}

}  // namespace beds_bindings
