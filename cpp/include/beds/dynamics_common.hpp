// Shared vocabulary of the event-driven BEDS integrators (one header per belief kind includes it):
// the dissipation model, the status codes, the event stream of the scalar kinds and its check.
//
// Every integrator solves both steps exactly, so the result does not depend on any step size:
// between two events a belief dissipates (the multiplicative model relaxes its natural parameters
// toward a reference, the additive model diffuses), at an event it is updated by Bayes' rule.
// Each kind's header states its formulas; the Python mirror of each header is a module of the
// package beds.dynamics (dynamics_gaussian.hpp: beds/dynamics/_gaussian.py, and so on).
//
// Every batch struct carries a belief range [lo, hi): one call handles the events of those beliefs
// only (the bindings split large batches over threads this way; every belief's arithmetic is the
// same whatever the split).
//
// Ctrl-C: the event loops look at beds::interrupt_requested() every few thousand events (a few
// hundred microseconds of work) and between the passes over the beliefs; when it is set they save
// where they stand in an EventProgress and return kInterrupted.  Called again with the same
// progress, they resume exactly there (the bindings do so when the host's SIGINT handler did not
// raise), so an interrupted and resumed call gives the results of an undisturbed one.
//
// Pure C++17, no Python: the bindings (cpp/bindings/dynamics.cpp) release the GIL around these.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "beds/interrupt.hpp"

namespace beds {
namespace dynamics {

enum class Model : int { multiplicative = 0, additive = 1 };

// Status codes returned by the integrators (the Python layer validates first; these are the last
// line of defence against out-of-range indices and time reversals).
// The loops check every event (a predictable branch, free on valid input): the Python layer then
// diagnoses the bad argument and raises an error that names it.
// kInterrupted: stopped by Ctrl-C, the EventProgress says where to resume.
enum Status : int { kOk = 0, kBadIndex = 1, kUnsorted = 2, kBadValue = 3, kBadPrecision = 4, kInterrupted = 5 };

// Where the integration of one belief range stands (see the top of this file).
struct EventProgress {
  std::ptrdiff_t e = 0;  // the next event
  std::ptrdiff_t j = 0;  // the next record
  double t_prev = 0.0;   // the time of the last event processed (the first call sets it to t0)
  bool started = false;  // the range's scratch (t_last, counts, ...) is initialized
};

// Counts the work done since the last look at beds::interrupt_requested() (a thread-local read and
// a relaxed atomic load, itself cheap): true about every `every` units of work when Ctrl-C is set.
class InterruptPoll {
 public:
  explicit InterruptPoll(std::ptrdiff_t every) noexcept : every_(every), left_(every) {}
  bool operator()(std::ptrdiff_t work = 1) noexcept {
    left_ -= work;
    if (left_ > 0) return false;
    left_ = every_;
    return interrupt_requested();
  }

 private:
  std::ptrdiff_t every_, left_;
};

constexpr double kMaxFinite = 1.7976931348623157e308;

// The events of the scalar kinds: a Gaussian observation (value D, precision tau_D) or a von Mises one
// (angle x, concentration kappa_D).
struct EventStream {
  std::ptrdiff_t m;
  const double* time;         // [m], nondecreasing
  const std::int64_t* index;  // [m], in [0, n)
  const double* value;        // [m] (or [1] when value_stride is 0)
  const double* obs_prec;     // [m], >= 0 (or [1] when prec_stride is 0)
  std::ptrdiff_t value_stride;
  std::ptrdiff_t prec_stride;
};

// Validates event e (times nondecreasing and finite, finite value, finite precision >= 0).
inline int check_event(const EventStream& ev, std::ptrdiff_t e, double t_prev) {
  const double t = ev.time[e];
  if (!(t >= t_prev && t <= kMaxFinite)) return kUnsorted;
  if (!(std::fabs(ev.value[e * ev.value_stride]) <= kMaxFinite)) return kBadValue;
  const double p = ev.obs_prec[e * ev.prec_stride];
  if (!(p >= 0.0 && p <= kMaxFinite)) return kBadPrecision;
  return kOk;
}

}  // namespace dynamics
}  // namespace beds
