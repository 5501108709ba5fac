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
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "beds/dynamics_common.hpp"

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
    decay_one<Flat>(b, i, std::exp(-b.rate[i] * dt), mu, tau);
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
// vectorize it without run-time alias checks.  Returns nonzero if a value or precision is bad.
template <Model M, bool Flat, bool VS, bool PS>
inline std::int64_t run_block(double* __restrict mean, double* __restrict prec, double* __restrict last,
                              double* __restrict cnt, double* __restrict gained, const double* __restrict ref_mean,
                              const double* __restrict ref_prec, const double* __restrict decay,
                              const double* __restrict vals, const double* __restrict precs, std::ptrdiff_t kn,
                              double t) {
  std::int64_t bad = 0;
  const double v0 = vals[0], td0 = precs[0];  // broadcast operands (stride 0), loaded once
  for (std::ptrdiff_t k = 0; k < kn; ++k) {
    const double v = VS ? vals[k] : v0, td = PS ? precs[k] : td0;
    bad |= static_cast<std::int64_t>(!((std::fabs(v) <= kMaxFinite) & (td >= 0.0) & (td <= kMaxFinite)));
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
    if (kTrackGained<M, Flat>) gained[k] += 0.5 * std::log1p(td / tau);
    mean[k] = mu + (td / tp) * (v - mu);
    prec[k] = tp;
    last[k] = t;
    cnt[k] += 1.0;
  }
  return bad;
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
      std::int64_t differ = 0;
      for (std::ptrdiff_t k = 0; k < kn; ++k) differ |= static_cast<std::int64_t>(rate[k] * (t - last[k]) != x0);
      if (!differ) {
        if (x0 != last_x) {
          last_x = x0;
          last_a = std::exp(-x0);
        }
        for (std::ptrdiff_t k = 0; k < kn; ++k) decay[k] = last_a;
      } else {
        for (std::ptrdiff_t k = 0; k < kn; ++k) {
          const double x = rate[k] * (t - last[k]);
          if (x != last_x) {
            last_x = x;
            last_a = std::exp(-x);
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
  std::ptrdiff_t j = pr.j;
  double t_prev = pr.t_prev;
  const std::ptrdiff_t n = b.n;
  InterruptPoll poll(1 << 15);  // (a few ns per event: a look every 0.1 ms or so)
  // exp(-gamma dt) of the previous event: regular streams (same gamma dt) reuse it
  double last_x = 0.0, last_a = 1.0;
  for (std::ptrdiff_t e = pr.e; e < ev.m; ++e) {
    if (poll()) {
      pr = EventProgress{e, j, t_prev, true};
      return kInterrupted;
    }
    const double t = ev.time[e];
    if (const int st = check_event(ev, e, t_prev)) return st;
    while (j < rec.k && rec.time[j] < t) {
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
        last_a = std::exp(-x);
      }
      decay_one<Flat>(b, i, last_a, mu, tau);
    } else {
      dissipate_one<M, Flat>(b, i, dt, mu, tau);
    }
    const double td = ev.obs_prec[e * ev.prec_stride];
    const double tp = tau + td;
    if (kTrackGained<M, Flat>) b.gained[i] += 0.5 * std::log1p(td / tau);
    b.mean[i] = mu + (td / tp) * (ev.value[e * ev.value_stride] - mu);
    b.prec[i] = tp;
    b.t_last[i] = t;
    count[i] += 1.0;
  }
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

}  // namespace dynamics
}  // namespace beds
