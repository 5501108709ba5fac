// Event-driven integration of scalar Gaussian beliefs (mean-field beliefs are d scalar beliefs
// each): the C++ side of beds/dynamics/_gaussian.py.
//
//   multiplicative decay (P3):  dtau/dt = -gamma (tau - tau_ref),  d(tau mu)/dt = -gamma (tau mu - tau_ref mu_ref)
//       -> tau <- a tau + (1 - a) tau_ref,  a = exp(-gamma dt)     (geometric mixture q^a q_ref^(1-a);
//          a flat reference, tau_ref = 0, gives dtau/dt = -gamma tau with the mean unchanged)
//   additive diffusion:         d(sigma^2)/dt = q
//       -> tau <- tau / (1 + q dt tau),  mean unchanged
//   Gaussian observation (value D, precision tau_D):
//       tau+ = tau- + tau_D,  mu+ = mu- + (tau_D / tau+) (D - mu-)
//
// Information accounting (nats): an observation brings 1/2 ln(tau+ / tau-) = 1/2 ln(1 + tau_D / tau-);
// dissipation over an interval removes 1/2 ln(tau_before / tau_after).  The two telescope: gained -
// dissipated = 1/2 ln(tau(t) / tau(t0)), so only one of them is accumulated.  For the multiplicative
// model with a flat reference the dissipated information is exactly gamma (t - t0) / 2, and no
// logarithm is evaluated per event.
//
// exp and log1p are the branch-free versions of beds/math.hpp (within 1 ulp), not libm's opaque
// calls: the loops over beliefs vectorize with them (the decay factors of beliefs with their own
// rates, the information gained), and every path (single events, runs, dense streams, baseline and
// AVX2 builds) evaluates the same operations, hence the same results.  Single events queue their
// information terms and take the logarithms in vectorized batches (GainQueue).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "beds/dynamics_common.hpp"
#include "beds/interrupt.hpp"
#include "beds/math.hpp"

// Marks a loop over beliefs whose iterations are independent (iteration k reads and writes element
// k of the state only; the inputs are never written): the compiler vectorizes it without run-time
// alias checks, which can fail on valid input (a stored flag, a broadcast operand, state arrays
// updated in place) and fall back to the scalar loop.
#if defined(__clang__)
#define BEDS_DYN_INDEPENDENT _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define BEDS_DYN_INDEPENDENT _Pragma("GCC ivdep")
#else
#define BEDS_DYN_INDEPENDENT
#endif

namespace beds {
namespace dynamics {

struct NormalBatch {
  std::ptrdiff_t n;
  double* mean;            // [n] in/out: state at t_end on return
  double* prec;            // [n] in/out
  const double* rate;      // [n] gamma (multiplicative) or q (additive)
  const double* ref_mean;  // [n] multiplicative model only (may be null when flat)
  const double* ref_prec;  // [n] multiplicative model only (may be null when flat)
  double* gained;          // [n] in/out: cumulative information gained, nats (not used when flat)
  double* t_last;          // [n] scratch: time of the last update of each belief
  // beliefs [lo, hi) are handled by this call (the others' events are skipped): the bindings split
  // large batches over threads this way; every belief's arithmetic is the same whatever the split
  std::ptrdiff_t lo, hi;
};

struct Records {
  std::ptrdiff_t k;
  const double* time;  // [k], nondecreasing, >= t0
  double* mean;        // [k, n]
  double* prec;        // [k, n]
  double* gained;      // [k, n] cumulative information gained since t0 (nats)
  double* count;       // [k, n] cumulative number of observations
};

// Whether the information gained is accumulated per event (not needed for the flat multiplicative
// model, where the dissipated information has a closed form).
template <Model M, bool Flat>
constexpr bool kTrackGained = (M == Model::additive) || !Flat;

// Multiplicative decay with a = exp(-gamma dt) given.
template <bool Flat>
inline void decay_one(const NormalBatch& b, std::ptrdiff_t i, double a, double& mu, double& tau) {
  if (Flat) {
    tau *= a;
  } else {
    const double w = (1.0 - a) * b.ref_prec[i];
    const double t2 = a * tau + w;
    mu = (a * tau * mu + w * b.ref_mean[i]) / t2;
    tau = t2;
  }
}

template <Model M, bool Flat>
inline void dissipate_one(const NormalBatch& b, std::ptrdiff_t i, double dt, double& mu, double& tau) {
  if (M == Model::multiplicative) {
    decay_one<Flat>(b, i, math::exp(-b.rate[i] * dt), mu, tau);
  } else {
    tau = tau / (1.0 + b.rate[i] * dt * tau);
  }
}

template <Model M, bool Flat>
inline void record_all(const NormalBatch& b, const double* count, double t, double* out_mean, double* out_prec,
                       double* out_gained, double* out_count) {
  for (std::ptrdiff_t i = b.lo; i < b.hi; ++i) {
    double mu = b.mean[i], tau = b.prec[i];
    dissipate_one<M, Flat>(b, i, t - b.t_last[i], mu, tau);
    out_mean[i] = mu;
    out_prec[i] = tau;
    if (kTrackGained<M, Flat>) out_gained[i] = b.gained[i];
    out_count[i] = count[i];
  }
}

// A run of events at the same time on consecutive beliefs i0, i0 + 1, ... (a regular stream
// observes every belief at each step), processed in blocks: first the decay factors (exp reused
// while gamma dt repeats, as it does in a regular stream), then a straight-line update that the
// compiler vectorizes over the beliefs.  VS / PS: values / precisions have stride 1 (else 0: one
// value broadcast), so that the loop has unit-stride or invariant loads only (SSE2 has no
// gathers).  Returns false if a value or precision is bad.
// The update of one block of a run; restrict pointers (the arrays never overlap) let the compiler
// vectorize it without run-time alias checks.  Returns true if a value or precision is bad.
template <Model M, bool Flat, bool VS, bool PS>
inline bool run_block(double* __restrict mean, double* __restrict prec, double* __restrict last, double* __restrict cnt,
                      double* __restrict gained, const double* __restrict ref_mean, const double* __restrict ref_prec,
                      const double* __restrict decay, const double* __restrict vals, const double* __restrict precs,
                      std::ptrdiff_t kn, double t) {
  // the flag is a double set by a select: an integer flag from double compares does not vectorize with SSE2
  double bad = 0.0;
  const double v0 = vals[0], td0 = precs[0];  // broadcast operands (stride 0), loaded once
  BEDS_DYN_INDEPENDENT
  for (std::ptrdiff_t k = 0; k < kn; ++k) {
    const double v = VS ? vals[k] : v0, td = PS ? precs[k] : td0;
    bad = ((std::fabs(v) <= kMaxFinite) & (td >= 0.0) & (td <= kMaxFinite)) ? bad : 1.0;
    double mu = mean[k], tau = prec[k];
    if (M == Model::multiplicative) {
      const double a = decay[k];
      if (Flat) {
        tau *= a;
      } else {
        const double w = (1.0 - a) * ref_prec[k];
        const double t2 = a * tau + w;
        mu = (a * tau * mu + w * ref_mean[k]) / t2;
        tau = t2;
      }
    } else {
      tau = tau / (1.0 + decay[k] * tau);
    }
    const double tp = tau + td;
    if (kTrackGained<M, Flat>) gained[k] += 0.5 * math::log1p_pos(td / tau);
    mean[k] = mu + (td / tp) * (v - mu);
    prec[k] = tp;
    last[k] = t;
    cnt[k] += 1.0;
  }
  return bad != 0.0;
}

template <Model M, bool Flat, bool VS, bool PS>
inline bool update_run(const NormalBatch& b, const EventStream& ev, std::ptrdiff_t e, std::ptrdiff_t i0,
                       std::ptrdiff_t len, double t, double* count) {
  constexpr std::ptrdiff_t kBlock = 256;
  double decay[kBlock];
  double last_x = 0.0, last_a = 1.0;
  std::int64_t bad = 0;
  for (std::ptrdiff_t k0 = 0; k0 < len; k0 += kBlock) {
    const std::ptrdiff_t kn = len - k0 < kBlock ? len - k0 : kBlock;
    const std::ptrdiff_t i = i0 + k0;
    const double* vals = ev.value + (e + k0) * ev.value_stride;
    const double* precs = ev.obs_prec + (e + k0) * ev.prec_stride;
    const double* last = b.t_last + i;
    const double* rate = b.rate + i;
    if (M == Model::multiplicative) {
      // regular streams: the same gamma dt for the whole block (a vectorized check), one exp
      const double x0 = rate[0] * (t - last[0]);
      double differ = 0.0;  // (a double flag, as in run_block)
      for (std::ptrdiff_t k = 0; k < kn; ++k) differ = rate[k] * (t - last[k]) != x0 ? 1.0 : differ;
      if (differ == 0.0) {
        if (x0 != last_x) {
          last_x = x0;
          last_a = math::exp(-x0);
        }
        for (std::ptrdiff_t k = 0; k < kn; ++k) decay[k] = last_a;
      } else {
        for (std::ptrdiff_t k = 0; k < kn; ++k) {
          const double x = rate[k] * (t - last[k]);
          if (x != last_x) {
            last_x = x;
            last_a = math::exp(-x);
          }
          decay[k] = last_a;
        }
      }
    } else {
      for (std::ptrdiff_t k = 0; k < kn; ++k) decay[k] = rate[k] * (t - last[k]);  // q dt
    }
    bad |= run_block<M, Flat, VS, PS>(b.mean + i, b.prec + i, b.t_last + i, count + i, b.gained + i,
                                      Flat ? nullptr : b.ref_mean + i, Flat ? nullptr : b.ref_prec + i, decay, vals,
                                      precs, kn, t);
  }
  return bad == 0;
}

template <Model M, bool Flat>
inline bool update_run(const NormalBatch& b, const EventStream& ev, std::ptrdiff_t e, std::ptrdiff_t i0,
                       std::ptrdiff_t len, double t, double* count) {
  if (ev.value_stride)
    return ev.prec_stride ? update_run<M, Flat, true, true>(b, ev, e, i0, len, t, count)
                          : update_run<M, Flat, true, false>(b, ev, e, i0, len, t, count);
  return ev.prec_stride ? update_run<M, Flat, false, true>(b, ev, e, i0, len, t, count)
                        : update_run<M, Flat, false, false>(b, ev, e, i0, len, t, count);
}

constexpr std::ptrdiff_t kMinRun = 8;

// Length of the run of events starting at e that share its time and observe beliefs i, i + 1, ...
// (< hi).  Fast path for regular streams: the longest possible run is checked in one
// vectorizable pass (times are sorted, so equal end points mean equal times in between).
inline std::ptrdiff_t run_length(const EventStream& ev, std::ptrdiff_t e, std::int64_t i, std::ptrdiff_t hi) {
  const double t = ev.time[e];
  std::ptrdiff_t cap = hi - i;
  if (ev.m - e < cap) cap = ev.m - e;
  if (cap >= kMinRun && ev.time[e + cap - 1] == t) {
    const std::int64_t* idx = ev.index + e;
    std::int64_t differ = 0;
    for (std::ptrdiff_t k = 0; k < cap; ++k) differ |= idx[k] ^ (i + k);
    if (!differ) return cap;
  }
  std::ptrdiff_t len = 1;
  while (len < cap && ev.time[e + len] == t && ev.index[e + len] == i + len) ++len;
  return len;
}

// The information gained by single events, log1p(tau_D / tau-) / 2, evaluated in batches: the
// arguments are queued and their logarithms computed by one vectorized loop, then added to each
// belief's total in event order (the same terms in the same order as one at a time, hence the same
// sums).  flush() must run before anything reads or adds to `gained` otherwise.
struct GainQueue {
  static constexpr int kSize = 64;
  double x[kSize];
  std::int64_t belief[kSize];
  int size = 0;
  void push(double* gained, std::int64_t i, double arg) {
    x[size] = arg;
    belief[size] = i;
    if (++size == kSize) flush(gained);
  }
  void flush(double* gained) {
    double y[kSize];
    const int m = size;
    for (int k = 0; k < m; ++k) y[k] = math::log1p_pos(x[k]);
    for (int k = 0; k < m; ++k) gained[belief[k]] += 0.5 * y[k];
    size = 0;
  }
};

// Processes the events in time order, records the state at the record times (after the events
// at the same time), and leaves the state of every belief at t_end (>= every time) in b.
// `count` [n] is scratch for the number of observations per belief.  Returns kInterrupted on
// Ctrl-C with `pr` set to resume (see dynamics_common.hpp).
template <Model M, bool Flat>
inline int integrate_normal(const NormalBatch& b, const EventStream& ev, const Records& rec, double t0, double t_end,
                            double* count, EventProgress& pr) {
  if (!pr.started) {
    for (std::ptrdiff_t i = b.lo; i < b.hi; ++i) {
      b.t_last[i] = t0;
      count[i] = 0.0;
    }
    pr = EventProgress{0, 0, t0, true};
  }
  GainQueue queue;
  std::ptrdiff_t j = pr.j;
  double t_prev = pr.t_prev;
  const std::ptrdiff_t n = b.n;
  // (a few ns per event: a look every 0.1 ms or so; not a multiple of the GainQueue size, so that
  // a stop also happens with gains queued, and the tests see them flushed)
  InterruptPoll poll(30000);
  // exp(-gamma dt) of the previous event: regular streams (same gamma dt) reuse it
  double last_x = 0.0, last_a = 1.0;
  for (std::ptrdiff_t e = pr.e; e < ev.m; ++e) {
    if (poll()) {
      if (kTrackGained<M, Flat>) queue.flush(b.gained);  // (the queued gains, in event order as always)
      pr = EventProgress{e, j, t_prev, true};
      return kInterrupted;
    }
    const double t = ev.time[e];
    if (const int st = check_event(ev, e, t_prev)) return st;
    while (j < rec.k && rec.time[j] < t) {
      if (kTrackGained<M, Flat>) queue.flush(b.gained);
      if (poll(b.hi - b.lo)) {  // (t_prev not yet advanced: event e is checked again on resuming)
        pr = EventProgress{e, j, t_prev, true};
        return kInterrupted;
      }
      record_all<M, Flat>(b, count, rec.time[j], rec.mean + j * n, rec.prec + j * n, rec.gained + j * n,
                          rec.count + j * n);
      ++j;
    }
    t_prev = t;
    const std::int64_t i = ev.index[e];
    if (i < 0 || i >= n) return kBadIndex;
    if (i < b.lo || i >= b.hi) continue;
    // a run of simultaneous events on consecutive beliefs: the vectorized path
    const std::ptrdiff_t len = run_length(ev, e, i, b.hi);
    if (len >= kMinRun) {
      if (kTrackGained<M, Flat>) queue.flush(b.gained);
      if (!update_run<M, Flat>(b, ev, e, i, len, t, count)) {
        for (std::ptrdiff_t k = 0; k < len; ++k)
          if (const int st = check_event(ev, e + k, t)) return st;
      }
      e += len - 1;
      poll(len - 1);
      continue;
    }
    double mu = b.mean[i], tau = b.prec[i];
    const double dt = t - b.t_last[i];
    if (M == Model::multiplicative) {
      const double x = b.rate[i] * dt;
      if (x != last_x) {
        last_x = x;
        last_a = math::exp(-x);
      }
      decay_one<Flat>(b, i, last_a, mu, tau);
    } else {
      dissipate_one<M, Flat>(b, i, dt, mu, tau);
    }
    const double td = ev.obs_prec[e * ev.prec_stride];
    const double tp = tau + td;
    if (kTrackGained<M, Flat>) queue.push(b.gained, i, td / tau);
    b.mean[i] = mu + (td / tp) * (ev.value[e * ev.value_stride] - mu);
    b.prec[i] = tp;
    b.t_last[i] = t;
    count[i] += 1.0;
  }
  if (kTrackGained<M, Flat>) queue.flush(b.gained);
  for (; j < rec.k; ++j) {
    if (poll(b.hi - b.lo)) {
      pr = EventProgress{ev.m, j, t_prev, true};
      return kInterrupted;
    }
    record_all<M, Flat>(b, count, rec.time[j], rec.mean + j * n, rec.prec + j * n, rec.gained + j * n,
                        rec.count + j * n);
  }
  for (std::ptrdiff_t i = b.lo; i < b.hi; ++i) {
    double mu = b.mean[i], tau = b.prec[i];
    dissipate_one<M, Flat>(b, i, t_end - b.t_last[i], mu, tau);
    b.mean[i] = mu;
    b.prec[i] = tau;
    b.t_last[i] = t_end;
  }
  return kOk;
}

inline int integrate_normal(Model model, bool flat, const NormalBatch& b, const EventStream& ev, const Records& rec,
                            double t0, double t_end, double* count, EventProgress& pr) {
  if (model == Model::additive) return integrate_normal<Model::additive, true>(b, ev, rec, t0, t_end, count, pr);
  if (flat) return integrate_normal<Model::multiplicative, true>(b, ev, rec, t0, t_end, count, pr);
  return integrate_normal<Model::multiplicative, false>(b, ev, rec, t0, t_end, count, pr);
}

// ----------------------------------------------------------------------------- dense streams
// A dense stream observes every belief of a range at each of `steps` times: it is the event stream
// (time[s], belief i, value[s, i], obs_prec[s, i]) for s = 0, 1, ... and i = lo, lo + 1, ... in that
// order.  Without per-event times and indices the loop streams rows of values over contiguous
// beliefs and keeps no per-belief time (every belief was last updated at the previous step).  It
// runs up to kFuse steps in one pass over the beliefs (each belief's state stays in registers from
// one step to the next: the memory traffic is a row of values per step instead of the whole state).
// Its arithmetic is that of the event loop above, operation for operation (same decay factors, same
// formulas in the same order), so the results are bit-identical to integrate_normal on the
// expanded stream, whatever the split of the beliefs.

struct DenseStream {
  std::ptrdiff_t steps;
  const double* time;           // [steps], finite, nondecreasing, >= t0 (checked by the caller)
  const double* value;          // value of belief i at step s: value[s * value_step + i * value_belief]
  const double* obs_prec;       // idem with prec_step, prec_belief; finite, >= 0 (checked here)
  std::ptrdiff_t value_step;    // in elements (any sign; 0: one row shared by every step)
  std::ptrdiff_t value_belief;  // 1, or 0 for one value shared by every belief
  std::ptrdiff_t prec_step;
  std::ptrdiff_t prec_belief;
};

constexpr int kFuse = 4;

// Decay factors of one block for a step dt: exp(-gamma_i dt) (multiplicative) or q_i dt (additive),
// computed as the event loop computes them.  With one rate for the whole block (`uniform`) only the
// factor of the first belief is computed (the others are equal).  Regular streams repeat a few
// values of dt (t_s - t_(s-1) rounds to a handful of neighbours of the nominal step): the factors
// of the last kSlots values are kept, the least recently used replaced (never one of the kFuse
// fetched for the current pass, as kSlots > kFuse).
struct DecayCache {
  static constexpr int kSlots = 2 * kFuse;
  const double* rate;
  std::ptrdiff_t len;
  bool uniform;
  double* store;  // [kSlots * len] when !uniform (uninitialized until used)
  double dt[kSlots];
  double scalar[kSlots];
  long used[kSlots];
  long clock = 0;
  DecayCache(const double* r, std::ptrdiff_t n, bool u, double* buffer) : rate(r), len(n), uniform(u), store(buffer) {
    for (int k = 0; k < kSlots; ++k) {
      dt[k] = -1.0;  // times are nondecreasing: dt >= 0
      used[k] = -1;
    }
  }
  // The factors for dt: a pointer to len of them (to the first one only when uniform).
  template <Model M>
  const double* get(double step) {
    ++clock;
    int slot = 0;
    for (int k = 0; k < kSlots; ++k) {
      if (dt[k] == step) {
        used[k] = clock;
        return uniform ? &scalar[k] : store + k * len;
      }
      if (used[k] < used[slot]) slot = k;
    }
    dt[slot] = step;
    used[slot] = clock;
    double* __restrict out = uniform ? &scalar[slot] : store + slot * len;
    const std::ptrdiff_t count = uniform ? 1 : len;
    if (M == Model::multiplicative) {
      for (std::ptrdiff_t k = 0; k < count; ++k) out[k] = math::exp(-(rate[k] * step));
    } else {
      for (std::ptrdiff_t k = 0; k < count; ++k) out[k] = rate[k] * step;
    }
    return out;
  }
};

// S (1 or kFuse) steps of a dense stream over one block: the body of run_block, step after step,
// without the per-belief time and count.  Step q has decay factors dq (one, d_q[0], when U), values
// vq and precisions pq (one, p_q[0], unless PS).  Returns true if a value or precision is bad (the
// flag is a double set by a select: an integer flag from double compares does not vectorize with
// SSE2).  Separate restrict parameters, not arrays of pointers: the compiler then knows that the
// rows do not overlap the state and vectorizes without run-time alias checks.
template <Model M, bool Flat, bool PS, bool U, int S>
inline bool dense_steps(double* __restrict mean, double* __restrict prec, double* __restrict gained,
                        const double* __restrict ref_mean, const double* __restrict ref_prec,
                        const double* __restrict d0, const double* __restrict d1, const double* __restrict d2,
                        const double* __restrict d3, const double* __restrict v0, const double* __restrict v1,
                        const double* __restrict v2, const double* __restrict v3, const double* __restrict p0,
                        const double* __restrict p1, const double* __restrict p2, const double* __restrict p3,
                        std::ptrdiff_t len) {
  static_assert(S >= 1 && S <= 4, "at most four fused steps");
  double bad = 0.0;
  BEDS_DYN_INDEPENDENT
  for (std::ptrdiff_t k = 0; k < len; ++k) {
    double mu = mean[k], tau = prec[k];
    double g = kTrackGained<M, Flat> ? gained[k] : 0.0;
    // one step (a lambda called S times with the pointers of each step, not a loop over arrays of
    // pointers: the compiler keeps the restrict information and needs no unrolling decision)
    auto step = [&](const double* __restrict dq, const double* __restrict vq, const double* __restrict pq) {
      const double v = vq[k], td = PS ? pq[k] : pq[0];
      bad = ((std::fabs(v) <= kMaxFinite) & (td >= 0.0) & (td <= kMaxFinite)) ? bad : 1.0;
      const double a = U ? dq[0] : dq[k];
      if (M == Model::multiplicative) {
        if (Flat) {
          tau *= a;
        } else {
          const double w = (1.0 - a) * ref_prec[k];
          const double t2 = a * tau + w;
          mu = (a * tau * mu + w * ref_mean[k]) / t2;
          tau = t2;
        }
      } else {
        tau = tau / (1.0 + a * tau);
      }
      const double tp = tau + td;
      if (kTrackGained<M, Flat>) g += 0.5 * math::log1p_pos(td / tau);
      mu = mu + (td / tp) * (v - mu);
      tau = tp;
    };
    step(d0, v0, p0);
    if (S > 1) step(d1, v1, p1);
    if (S > 2) step(d2, v2, p2);
    if (S > 3) step(d3, v3, p3);
    mean[k] = mu;
    prec[k] = tau;
    if (kTrackGained<M, Flat>) gained[k] = g;
  }
  return bad != 0.0;
}

// The state of one block dissipated by the decay factors of a step (dissipate_one with the factors
// of DecayCache), written to out_mean / out_prec (which may be mean / prec themselves).
template <Model M, bool Flat, bool U>
inline void dense_dissipate(const double* mean, const double* prec, const double* __restrict ref_mean,
                            const double* __restrict ref_prec, const double* __restrict decay, double* out_mean,
                            double* out_prec, std::ptrdiff_t len) {
  const double a0 = decay[0];
  BEDS_DYN_INDEPENDENT
  for (std::ptrdiff_t k = 0; k < len; ++k) {
    double mu = mean[k], tau = prec[k];
    const double a = U ? a0 : decay[k];
    if (M == Model::multiplicative) {
      if (Flat) {
        tau *= a;
      } else {
        const double w = (1.0 - a) * ref_prec[k];
        const double t2 = a * tau + w;
        mu = (a * tau * mu + w * ref_mean[k]) / t2;
        tau = t2;
      }
    } else {
      tau = tau / (1.0 + a * tau);
    }
    out_mean[k] = mu;
    out_prec[k] = tau;
  }
}

// Scratch of integrate_normal_dense, in doubles, for a block of len beliefs.
inline std::ptrdiff_t dense_scratch_size(std::ptrdiff_t len) { return (DecayCache::kSlots + kFuse) * len; }

// Where the dense stream over one range of beliefs stands.  integrate_normal_dense polls
// beds::interrupt_requested() (Ctrl-C, see beds/interrupt.hpp) before each pass over the beliefs;
// when it is set, it saves its position here and returns kDenseInterrupted.  Called again with the
// same progress (and the state arrays as it left them), it resumes there, with the results of an
// undisturbed run.
struct DenseProgress {
  std::ptrdiff_t step = 0;    // steps done
  std::ptrdiff_t record = 0;  // record times written
  double t_last = 0.0;        // time of the last step done (t0 before the first)
};
constexpr int kDenseInterrupted = -1;

// Integrates the dense stream over beliefs [b.lo, b.hi) (all of them observed at every step) from
// pr (t0 = pr.t_last at the start) to t_end, recording at rec.time as integrate_normal does (after
// the observations at the same time).  `scratch` holds dense_scratch_size(hi - lo) doubles
// (uninitialized).  Returns kOk, kBadValue if a value or precision is bad, or kDenseInterrupted.
template <Model M, bool Flat, bool PS, bool U>
inline int integrate_normal_dense(const NormalBatch& b, const DenseStream& ds, const Records& rec, DenseProgress& pr,
                                  double t_end, double* scratch) {
  const std::ptrdiff_t lo = b.lo, len = b.hi - b.lo;
  DecayCache cache(b.rate + lo, len, U, scratch);
  double* rows = scratch + DecayCache::kSlots * len;  // values broadcast over the beliefs, one row per fused step
  double* mean = b.mean + lo;
  double* prec = b.prec + lo;
  double* gained = b.gained + lo;
  const double* ref_mean = Flat ? nullptr : b.ref_mean + lo;
  const double* ref_prec = Flat ? nullptr : b.ref_prec + lo;
  std::ptrdiff_t j = pr.record;
  double t_last = pr.t_last;
  // the state at record time tr, as record_all writes it (every belief observed `count` times)
  auto record = [&](double tr, double count) {
    const std::ptrdiff_t off = j * b.n + lo;
    dense_dissipate<M, Flat, U>(mean, prec, ref_mean, ref_prec, cache.get<M>(tr - t_last), rec.mean + off,
                                rec.prec + off, len);
    for (std::ptrdiff_t k = 0; k < len; ++k) {
      if (kTrackGained<M, Flat>) rec.gained[off + k] = gained[k];
      rec.count[off + k] = count;
    }
  };
  for (std::ptrdiff_t s = pr.step; s < ds.steps;) {
    if (interrupt_requested()) {
      pr.step = s;
      pr.record = j;
      pr.t_last = t_last;
      return kDenseInterrupted;
    }
    for (; j < rec.k && rec.time[j] < ds.time[s]; ++j) record(rec.time[j], double(s));
    // fuse kFuse steps when no record time falls between them
    const bool fuse = s + kFuse <= ds.steps && (j == rec.k || rec.time[j] >= ds.time[s + kFuse - 1]);
    const int S = fuse ? kFuse : 1;
    const double* d[4];
    const double* v[4];
    const double* p[4];
    for (int q = 0; q < S; ++q) {
      const double t = ds.time[s + q];
      d[q] = cache.get<M>(t - t_last);
      t_last = t;
      v[q] = ds.value + (s + q) * ds.value_step + lo * ds.value_belief;
      p[q] = ds.obs_prec + (s + q) * ds.prec_step + lo * ds.prec_belief;
      if (ds.value_belief == 0) {  // rare: one value for every belief, spread over a row
        double* row = rows + q * len;
        for (std::ptrdiff_t k = 0; k < len; ++k) row[k] = v[q][0];
        v[q] = row;
      }
    }
    const bool bad = fuse
                         ? dense_steps<M, Flat, PS, U, kFuse>(mean, prec, gained, ref_mean, ref_prec, d[0], d[1], d[2],
                                                              d[3], v[0], v[1], v[2], v[3], p[0], p[1], p[2], p[3], len)
                         : dense_steps<M, Flat, PS, U, 1>(mean, prec, gained, ref_mean, ref_prec, d[0], d[0], d[0],
                                                          d[0], v[0], v[0], v[0], v[0], p[0], p[0], p[0], p[0], len);
    if (bad) return kBadValue;
    s += S;
  }
  for (; j < rec.k; ++j) record(rec.time[j], double(ds.steps));
  dense_dissipate<M, Flat, U>(mean, prec, ref_mean, ref_prec, cache.get<M>(t_end - t_last), mean, prec, len);
  return kOk;
}

template <Model M, bool Flat>
inline int integrate_normal_dense(const NormalBatch& b, const DenseStream& ds, const Records& rec, DenseProgress& pr,
                                  double t_end, double* scratch) {
  const std::ptrdiff_t len = b.hi - b.lo;
  if (len <= 0) return kOk;
  const double* rate = b.rate + b.lo;
  std::int64_t differ = 0;
  for (std::ptrdiff_t k = 0; k < len; ++k) differ |= static_cast<std::int64_t>(rate[k] != rate[0]);
  if (differ == 0)
    return ds.prec_belief ? integrate_normal_dense<M, Flat, true, true>(b, ds, rec, pr, t_end, scratch)
                          : integrate_normal_dense<M, Flat, false, true>(b, ds, rec, pr, t_end, scratch);
  return ds.prec_belief ? integrate_normal_dense<M, Flat, true, false>(b, ds, rec, pr, t_end, scratch)
                        : integrate_normal_dense<M, Flat, false, false>(b, ds, rec, pr, t_end, scratch);
}

inline int integrate_normal_dense(Model model, bool flat, const NormalBatch& b, const DenseStream& ds,
                                  const Records& rec, DenseProgress& pr, double t_end, double* scratch) {
  if (model == Model::additive) return integrate_normal_dense<Model::additive, true>(b, ds, rec, pr, t_end, scratch);
  if (flat) return integrate_normal_dense<Model::multiplicative, true>(b, ds, rec, pr, t_end, scratch);
  return integrate_normal_dense<Model::multiplicative, false>(b, ds, rec, pr, t_end, scratch);
}

}  // namespace dynamics
}  // namespace beds
