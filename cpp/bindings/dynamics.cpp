// pybind11 glue of the event-driven BEDS integrators (cpp/include/beds/dynamics_*.hpp, one per kind).
//
// The Python layer (the package python/beds/dynamics) validates every argument and passes C-contiguous
// float64 / int64 arrays; the state arrays (mean, prec, eta, gained) are fresh copies that these
// functions update in place (noconvert: a silent converting copy would lose the update).  The GIL is released during
// the integration (no Python object is touched inside the loops) and Ctrl-C stops it (KeyboardInterrupt, the
// state discarded) or, when the SIGINT handler does not raise, lets it resume where it stopped.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "beds/dynamics.hpp"
#include "beds/interrupt.hpp"
#include "beds/parallel.hpp"
#include "dynamics.hpp"
#include "ufuncs.hpp"

namespace py = pybind11;
namespace dyn = beds::dynamics;

namespace {

using F64 = py::array_t<double, py::array::c_style>;
using I64 = py::array_t<std::int64_t, py::array::c_style>;

void check_size(const py::array& a, py::ssize_t size, const char* name) {
  if (a.size() != size)
    throw py::value_error(std::string(name) + " has " + std::to_string(a.size()) + " elements, expected " +
                          std::to_string(size));
}

// The Python layer catches these and diagnoses the argument (beds.dynamics.System.integrate).
void check_status(int status) {
  if (status == dyn::kBadIndex) throw py::value_error("index out of range");
  if (status == dyn::kUnsorted) throw py::value_error("times must be finite, nondecreasing and >= t0");
  if (status == dyn::kBadValue) throw py::value_error("values must be finite");
  if (status == dyn::kBadPrecision) throw py::value_error("precisions must be finite and >= 0");
}

// Events arrays of length m, or of length 1 (a scalar broadcast to every event: stride 0).
py::ssize_t event_stride(const py::array& a, py::ssize_t m, const char* name) {
  if (a.size() == m) return 1;
  if (a.size() == 1) return 0;
  throw py::value_error(std::string(name) + " has " + std::to_string(a.size()) + " elements, expected " +
                        std::to_string(m) + " or 1");
}

// Splits the beliefs into one range per thread when the stream is long enough: every range scans
// the whole stream and handles the events of its own beliefs (the beliefs are independent, so the
// results are bit-identical for any number of threads).  Used for the kinds whose events are
// expensive (von Mises: two entropies per event; full covariance: a Cholesky factorization), where
// the duplicated scan of the stream (a few ns per event) is small.  Scalar Gaussian events cost
// about as much as that scan: they stay on one thread (measured on the reference machine: two
// threads doubled the CPU time).
std::ptrdiff_t belief_ranges(std::ptrdiff_t n, std::ptrdiff_t m, bool threaded) {
  constexpr std::ptrdiff_t kMinBeliefs = 256, kMinEvents = 1 << 16;
  std::ptrdiff_t chunks = 1;
  if (threaded && n >= 2 * kMinBeliefs && m >= kMinEvents) {
    chunks = beds::num_threads();
    if (chunks > n / kMinBeliefs) chunks = n / kMinBeliefs;
    if (chunks < 1) chunks = 1;
  }
  return chunks;
}

// Runs integrate(part, scratch, progress) on belief ranges `part` of the batch b, in a CallScope of
// the estimated cost: the GIL is released (no Python object is touched inside) and Ctrl-C is
// watched for (beds/interrupt.hpp).  `scratch_per_belief` doubles of scratch per belief are shared
// by the ranges (each range uses the entries of its own beliefs).  A range stopped by Ctrl-C
// returns kInterrupted and keeps its progress: if the host raised (KeyboardInterrupt), throws
// beds::Interrupted (the state arrays, fresh copies made by the Python layer, are discarded);
// otherwise the stopped ranges resume where they stopped.  Returns the first bad status.
template <class Batch, class Integrate>
int integrate_released(const Batch& b, std::ptrdiff_t m, std::size_t scratch_per_belief, bool threaded, double cost_ns,
                       Integrate integrate) {
  beds::CallScope scope(cost_ns);
  std::vector<double> scratch(scratch_per_belief * static_cast<std::size_t>(b.n));
  const std::ptrdiff_t chunks = belief_ranges(b.n, m, threaded);
  std::vector<dyn::EventProgress> progress(static_cast<std::size_t>(chunks));
  // a range that does not start (Ctrl-C) keeps kInterrupted
  std::vector<int> status(static_cast<std::size_t>(chunks), dyn::kInterrupted);
  std::vector<std::ptrdiff_t> todo(static_cast<std::size_t>(chunks));
  for (std::ptrdiff_t q = 0; q < chunks; ++q) todo[static_cast<std::size_t>(q)] = q;
  struct Ctx {
    const Batch* b;
    Integrate* integrate;
    double* scratch;
    std::ptrdiff_t chunks;
    const std::ptrdiff_t* todo;
    dyn::EventProgress* progress;
    int* status;
  } ctx{&b, &integrate, scratch.data(), chunks, nullptr, progress.data(), status.data()};
  for (;;) {
    ctx.todo = todo.data();
    beds::parallel_for_interruptible(
        static_cast<std::ptrdiff_t>(todo.size()),
        [](void* c, std::ptrdiff_t k) {
          auto& x = *static_cast<Ctx*>(c);
          const std::ptrdiff_t q = x.todo[k];
          Batch part = *x.b;
          part.lo = x.b->n * q / x.chunks;
          part.hi = x.b->n * (q + 1) / x.chunks;
          x.status[q] = (*x.integrate)(part, x.scratch, x.progress[q]);
        },
        &ctx);
    std::vector<std::ptrdiff_t> left;
    for (std::ptrdiff_t q : todo) {
      const int st = status[static_cast<std::size_t>(q)];
      if (st == dyn::kInterrupted)
        left.push_back(q);
      else if (st != dyn::kOk)
        return st;
    }
    if (left.empty()) return dyn::kOk;
    if (scope.stop()) throw beds::Interrupted();  // the host raised: KeyboardInterrupt
    todo.swap(left);                              // its handler did not raise: resume
  }
}

py::tuple integrate_normal(F64 mean, F64 prec, F64 rate, F64 ref_mean, F64 ref_prec, F64 gained, double t0,
                           double t_end, F64 times, I64 index, F64 values, F64 obs_prec, F64 record_times, int model,
                           bool flat) {
  const py::ssize_t n = mean.size(), m = times.size(), k = record_times.size();
  check_size(prec, n, "prec");
  check_size(rate, n, "rate");
  check_size(gained, n, "gained");
  const bool use_ref = model == 0 && !flat;
  if (use_ref) {
    check_size(ref_mean, n, "ref_mean");
    check_size(ref_prec, n, "ref_prec");
  }
  check_size(index, m, "index");
  const py::ssize_t vs = event_stride(values, m, "values"), ps = event_stride(obs_prec, m, "obs_prec");
  if (model != 0 && model != 1) throw py::value_error("model must be 0 (multiplicative) or 1 (additive)");
  F64 r_mean({k, n}), r_prec({k, n}), r_gained({k, n}), r_count({k, n});
  dyn::NormalBatch b{n,
                     mean.mutable_data(),
                     prec.mutable_data(),
                     rate.data(),
                     use_ref ? ref_mean.data() : nullptr,
                     use_ref ? ref_prec.data() : nullptr,
                     gained.mutable_data(),
                     nullptr,
                     0,
                     n};
  dyn::EventStream ev{m, times.data(), index.data(), values.data(), obs_prec.data(), vs, ps};
  dyn::Records rec{k,
                   record_times.data(),
                   r_mean.mutable_data(),
                   r_prec.mutable_data(),
                   r_gained.mutable_data(),
                   r_count.mutable_data()};
  // scratch: t_last [n], count [n]; about 10 ns per event and per recorded belief
  const double cost = 10.0 * (static_cast<double>(m) + static_cast<double>(k + 1) * static_cast<double>(n));
  check_status(
      integrate_released(b, m, 2, false, cost, [&](dyn::NormalBatch& part, double* scratch, dyn::EventProgress& pr) {
        part.t_last = scratch;
        return dyn::integrate_normal(static_cast<dyn::Model>(model), flat, part, ev, rec, t0, t_end, scratch + n, pr);
      }));
  return py::make_tuple(r_mean, r_prec, r_gained, r_count);
}

// A (steps, n) array of a dense stream, any layout whose belief stride is 0 or one element: its
// strides in elements.
struct Strides2 {
  std::ptrdiff_t step, belief;
};

Strides2 dense_strides(const py::array_t<double>& a, py::ssize_t steps, py::ssize_t n, const char* name) {
  if (a.ndim() != 2 || a.shape(0) != steps || a.shape(1) != n)
    throw py::value_error(std::string(name) + " must have shape (steps, n) = (" + std::to_string(steps) + ", " +
                          std::to_string(n) + ")");
  const auto item = static_cast<py::ssize_t>(sizeof(double));
  // (the stride of an axis of length 0 or 1 is never used)
  const py::ssize_t s0 = steps > 1 ? a.strides(0) : 0, s1 = n > 1 ? a.strides(1) : 0;
  if (s0 % item || (s1 != 0 && s1 != item))
    throw py::value_error(std::string(name) + ": the belief axis must be contiguous or broadcast (stride 0)");
  return {s0 / item, s1 / item};
}

// The dense kernel over one block of beliefs, compiled twice: for the baseline instruction set and,
// on x86-64 with GCC or Clang, with AVX2 enabled by a target attribute (chosen at run time like the
// ufunc loops: beds._core.simd_level()).  flatten inlines the whole kernel into each copy, so that
// each is vectorized for its instruction set.  The AVX2 copy has no FMA, so it has no fused
// multiply-add to contract into: both copies round every operation as the event loop does, and
// give bit-identical results.
using DenseBlockFn = int (*)(dyn::Model, bool, const dyn::NormalBatch&, const dyn::DenseStream&, const dyn::Records&,
                             dyn::DenseProgress&, double, double*);

#if defined(__GNUC__)
#define BEDS_FLATTEN __attribute__((flatten))
#else
#define BEDS_FLATTEN
#endif

BEDS_FLATTEN int dense_block_baseline(dyn::Model model, bool flat, const dyn::NormalBatch& b,
                                      const dyn::DenseStream& ds, const dyn::Records& rec, dyn::DenseProgress& pr,
                                      double t_end, double* scratch) {
  return dyn::integrate_normal_dense(model, flat, b, ds, rec, pr, t_end, scratch);
}

#if BEDS_HAVE_AVX2_LOOPS && defined(__GNUC__)
__attribute__((target("avx2"), flatten)) int dense_block_avx2(dyn::Model model, bool flat, const dyn::NormalBatch& b,
                                                              const dyn::DenseStream& ds, const dyn::Records& rec,
                                                              dyn::DenseProgress& pr, double t_end, double* scratch) {
  return dyn::integrate_normal_dense(model, flat, b, ds, rec, pr, t_end, scratch);
}
#else
constexpr DenseBlockFn dense_block_avx2 = dense_block_baseline;
#endif

py::tuple integrate_normal_dense(F64 mean, F64 prec, F64 rate, F64 ref_mean, F64 ref_prec, F64 gained, double t0,
                                 double t_end, F64 times, py::array_t<double> values, py::array_t<double> obs_prec,
                                 F64 record_times, int model, bool flat) {
  const py::ssize_t n = mean.size(), steps = times.size(), k = record_times.size();
  check_size(prec, n, "prec");
  check_size(rate, n, "rate");
  check_size(gained, n, "gained");
  const bool use_ref = model == 0 && !flat;
  if (use_ref) {
    check_size(ref_mean, n, "ref_mean");
    check_size(ref_prec, n, "ref_prec");
  }
  if (model != 0 && model != 1) throw py::value_error("model must be 0 (multiplicative) or 1 (additive)");
  const Strides2 vs = dense_strides(values, steps, n, "values"), ps = dense_strides(obs_prec, steps, n, "obs_prec");
  F64 r_mean({k, n}), r_prec({k, n}), r_gained({k, n}), r_count({k, n});
  dyn::NormalBatch b{n,
                     mean.mutable_data(),
                     prec.mutable_data(),
                     rate.data(),
                     use_ref ? ref_mean.data() : nullptr,
                     use_ref ? ref_prec.data() : nullptr,
                     gained.mutable_data(),
                     nullptr,
                     0,
                     n};
  dyn::DenseStream ds{steps, times.data(), values.data(), obs_prec.data(), vs.step, vs.belief, ps.step, ps.belief};
  dyn::Records rec{k,
                   record_times.data(),
                   r_mean.mutable_data(),
                   r_prec.mutable_data(),
                   r_gained.mutable_data(),
                   r_count.mutable_data()};
  const bool avx2 = beds_bindings::simd_level() == 1;
  // Tiles of at most kTile beliefs, each run through the whole stream by one thread: a pass over a
  // tile (kFuse steps) takes at most a few milliseconds, so that Ctrl-C is answered at once, and
  // tiles are long enough for their own costs (decay factors, scratch) to be negligible (smaller
  // tiles, down to 2048 beliefs, measured up to 15% slower with 1e5 beliefs, never faster).  Long
  // streams of fewer beliefs are split into one tile per thread (down to kMinTile beliefs).  The
  // beliefs are independent: the results do not depend on the tiling, hence on the thread count.
  constexpr std::ptrdiff_t kTile = 65536, kMinTile = 256, kMinWork = 1 << 16;
  std::ptrdiff_t tiles = (n + kTile - 1) / kTile;
  const std::ptrdiff_t threads = beds::num_threads();
  if (threads > tiles && steps * n >= kMinWork) tiles = threads < n / kMinTile ? threads : n / kMinTile;
  if (tiles < 1) tiles = 1;
  std::vector<dyn::DenseProgress> progress(static_cast<std::size_t>(tiles));
  for (auto& p : progress) p.t_last = t0;
  std::vector<std::ptrdiff_t> todo(static_cast<std::size_t>(tiles));
  for (std::ptrdiff_t q = 0; q < tiles; ++q) todo[q] = q;
  std::vector<int> st(static_cast<std::size_t>(tiles), dyn::kDenseInterrupted);
  struct Ctx {
    const dyn::NormalBatch* b;
    const dyn::DenseStream* ds;
    const dyn::Records* rec;
    double t_end;
    dyn::Model model;
    bool flat;
    bool avx2;
    std::ptrdiff_t n, tiles;
    const std::ptrdiff_t* todo;
    dyn::DenseProgress* progress;
    int* status;
  } ctx{&b,       &ds, &rec, t_end, static_cast<dyn::Model>(model), flat, avx2, n, tiles, nullptr, progress.data(),
        st.data()};
  int status = dyn::kOk;
  {
    // releases the GIL and watches for Ctrl-C (about 2 ns per observation; beds/interrupt.hpp)
    beds::CallScope scope(2.0 * static_cast<double>(steps + k) * static_cast<double>(n));
    while (!todo.empty()) {
      ctx.todo = todo.data();
      // a tile that does not start (Ctrl-C) keeps its status, kDenseInterrupted
      beds::parallel_for_interruptible(
          static_cast<std::ptrdiff_t>(todo.size()),
          [](void* c, std::ptrdiff_t i) {
            auto& x = *static_cast<Ctx*>(c);
            const std::ptrdiff_t q = x.todo[i];
            dyn::NormalBatch part = *x.b;
            part.lo = x.n * q / x.tiles;
            part.hi = x.n * (q + 1) / x.tiles;
            // (scratch per tile: only the parts in use are touched)
            std::unique_ptr<double[]> scratch(
                new double[static_cast<std::size_t>(dyn::dense_scratch_size(part.hi - part.lo))]);
            x.status[q] = (x.avx2 ? dense_block_avx2 : dense_block_baseline)(x.model, x.flat, part, *x.ds, *x.rec,
                                                                             x.progress[q], x.t_end, scratch.get());
          },
          &ctx);
      std::vector<std::ptrdiff_t> left;
      for (std::ptrdiff_t q : todo) {
        if (st[q] == dyn::kDenseInterrupted)
          left.push_back(q);
        else if (st[q] != dyn::kOk)
          status = st[q];
      }
      if (left.empty() || status != dyn::kOk) break;
      // interrupted: stop if Python's handler raised (KeyboardInterrupt), else resume where each tile stopped
      if (scope.stop()) throw beds::Interrupted();
      todo.swap(left);
    }
  }
  check_status(status);
  return py::make_tuple(r_mean, r_prec, r_gained, r_count);
}

py::tuple integrate_von_mises(F64 eta, F64 rate, F64 ref_eta, F64 gained, double t0, double t_end, F64 times, I64 index,
                              F64 angles, F64 kappa_obs, F64 record_times) {
  const py::ssize_t n = rate.size(), m = times.size(), k = record_times.size();
  check_size(eta, 2 * n, "eta");
  check_size(ref_eta, 2 * n, "ref_eta");
  check_size(gained, n, "gained");
  check_size(index, m, "index");
  const py::ssize_t vs = event_stride(angles, m, "angles"), ps = event_stride(kappa_obs, m, "kappa_obs");
  F64 r_eta({k, n, py::ssize_t(2)}), r_gained({k, n}), r_count({k, n});
  dyn::VonMisesBatch b{n, eta.mutable_data(), rate.data(), ref_eta.data(), gained.mutable_data(), nullptr, 0, n};
  dyn::EventStream ev{m, times.data(), index.data(), angles.data(), kappa_obs.data(), vs, ps};
  dyn::VonMisesRecords rec{k, record_times.data(), r_eta.mutable_data(), r_gained.mutable_data(),
                           r_count.mutable_data()};
  // scratch: t_last [n], count [n]; about 200 ns per event, 20 per recorded belief
  const double cost = 200.0 * static_cast<double>(m) + 20.0 * static_cast<double>(k + 1) * static_cast<double>(n);
  check_status(
      integrate_released(b, m, 2, true, cost, [&](dyn::VonMisesBatch& part, double* scratch, dyn::EventProgress& pr) {
        part.t_last = scratch;
        return dyn::integrate_von_mises(part, ev, rec, t0, t_end, scratch + n, pr);
      }));
  return py::make_tuple(r_eta, r_gained, r_count);
}

py::tuple integrate_mvnormal(F64 mean, F64 prec, F64 rate, F64 ref_mean, F64 ref_prec, F64 gained, double t0,
                             double t_end, F64 times, I64 index, F64 values, F64 obs_prec, F64 record_times, int model,
                             bool flat) {
  if (mean.ndim() != 2) throw py::value_error("mean must have shape (n, d)");
  const py::ssize_t n = mean.shape(0), d = mean.shape(1), m = times.size(), k = record_times.size();
  check_size(prec, n * d * d, "prec");
  check_size(rate, n, "rate");
  check_size(gained, n, "gained");
  const bool use_ref = model == 0 && !flat;
  if (use_ref) {
    check_size(ref_mean, n * d, "ref_mean");
    check_size(ref_prec, n * d * d, "ref_prec");
  }
  check_size(index, m, "index");
  check_size(values, m * d, "values");
  py::ssize_t ps;
  if (obs_prec.size() == m * d * d)
    ps = d * d;
  else if (obs_prec.size() == d * d)
    ps = 0;
  else
    throw py::value_error("obs_prec must have m * d * d or d * d elements");
  if (model != 0 && model != 1) throw py::value_error("model must be 0 (multiplicative) or 1 (additive)");
  F64 r_mean({k, n, d}), r_prec({k, n, d, d}), r_gained({k, n}), r_count({k, n});
  dyn::MvNormalBatch b{n,
                       d,
                       mean.mutable_data(),
                       prec.mutable_data(),
                       rate.data(),
                       use_ref ? ref_mean.data() : nullptr,
                       use_ref ? ref_prec.data() : nullptr,
                       gained.mutable_data(),
                       nullptr,
                       nullptr,
                       0,
                       n};
  dyn::MvNormalEvents ev{m, times.data(), index.data(), values.data(), obs_prec.data(), ps};
  dyn::MvNormalRecords rec{k,
                           record_times.data(),
                           r_mean.mutable_data(),
                           r_prec.mutable_data(),
                           r_gained.mutable_data(),
                           r_count.mutable_data()};
  // scratch: t_last [n], logdet [n], count [n]; about d^3 ns per event and per belief
  const double cube = static_cast<double>(d) * static_cast<double>(d) * static_cast<double>(d) + 16.0;
  const double cost = cube * (static_cast<double>(m) + static_cast<double>(k + 2) * static_cast<double>(n));
  const int status =
      integrate_released(b, m, 3, true, cost, [&](dyn::MvNormalBatch& part, double* scratch, dyn::EventProgress& pr) {
        part.t_last = scratch;
        part.logdet = scratch + n;
        return dyn::integrate_mvnormal(static_cast<dyn::Model>(model), flat, part, ev, rec, t0, t_end, scratch + 2 * n,
                                       pr);
      });
  if (status == dyn::kBadPrecision) throw py::value_error("a precision matrix is not positive definite");
  check_status(status);
  return py::make_tuple(r_mean, r_prec, r_gained, r_count);
}

}  // namespace

namespace beds_bindings {

void register_dynamics(py::module_& m) {
  m.def("dynamics_integrate_normal", &integrate_normal, py::arg("mean").noconvert(), py::arg("prec").noconvert(),
        py::arg("rate"), py::arg("ref_mean"), py::arg("ref_prec"), py::arg("gained").noconvert(), py::arg("t0"),
        py::arg("t_end"), py::arg("times"), py::arg("index"), py::arg("values"), py::arg("obs_prec"),
        py::arg("record_times"), py::arg("model"), py::arg("flat"),
        "Event-driven integration of scalar Gaussian beliefs (private: use beds.System.integrate). "
        "Updates mean, prec, gained in place (state at t_end) and returns the records "
        "(mean, prec, gained, count), each of shape (k, n).");
  m.def("dynamics_integrate_normal_dense", &integrate_normal_dense, py::arg("mean").noconvert(),
        py::arg("prec").noconvert(), py::arg("rate"), py::arg("ref_mean"), py::arg("ref_prec"),
        py::arg("gained").noconvert(), py::arg("t0"), py::arg("t_end"), py::arg("times"), py::arg("values").noconvert(),
        py::arg("obs_prec").noconvert(), py::arg("record_times"), py::arg("model"), py::arg("flat"),
        "Dense-stream integration of scalar Gaussian beliefs: every belief observed at each of the times "
        "(private: use beds.System.integrate without index). values and obs_prec are (steps, n) float64 arrays "
        "whose belief axis is contiguous or broadcast (stride 0). Updates mean, prec, gained in place (state at "
        "t_end) and returns the records (mean, prec, gained, count), each of shape (k, n).");
  m.def("dynamics_integrate_mvnormal", &integrate_mvnormal, py::arg("mean").noconvert(), py::arg("prec").noconvert(),
        py::arg("rate"), py::arg("ref_mean"), py::arg("ref_prec"), py::arg("gained").noconvert(), py::arg("t0"),
        py::arg("t_end"), py::arg("times"), py::arg("index"), py::arg("values"), py::arg("obs_prec"),
        py::arg("record_times"), py::arg("model"), py::arg("flat"),
        "Event-driven integration of full-covariance Gaussian beliefs in information form (private: use "
        "beds.System.integrate). mean (n, d), prec (n, d, d) and gained (n) are updated in place (state at "
        "t_end); obs_prec holds one (d, d) matrix per event or a single one. Returns the records "
        "(mean (k, n, d), prec (k, n, d, d), gained (k, n), count (k, n)).");
  m.def("dynamics_integrate_von_mises", &integrate_von_mises, py::arg("eta").noconvert(), py::arg("rate"),
        py::arg("ref_eta"), py::arg("gained").noconvert(), py::arg("t0"), py::arg("t_end"), py::arg("times"),
        py::arg("index"), py::arg("angles"), py::arg("kappa_obs"), py::arg("record_times"),
        "Event-driven integration of von Mises beliefs in natural parameters (private: use "
        "beds.System.integrate). Updates eta and gained (the entropy drops of the observations, nats) in place "
        "and returns the records (eta (k, n, 2), gained (k, n), count (k, n)).");
}

}  // namespace beds_bindings
