// Event-driven integration of von Mises beliefs in natural parameters eta = kappa (cos mu, sin mu):
// the C++ side of beds/dynamics/_von_mises.py.
//
//   dissipation:  eta <- a eta + (1 - a) eta_ref,  a = exp(-gamma dt)  (eta_ref = 0: the uniform law)
//   observation of an angle x with concentration kappa_D:  eta += kappa_D (cos x, sin x)
//
// The information gained by an observation is its entropy drop H(pre) - H(post) (negative when an
// observation contradicts the belief and lowers kappa).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "beds/dynamics_common.hpp"
#include "beds/von_mises.hpp"

namespace beds {
namespace dynamics {

// Entropy of vM(mu, kappa) in nats (beds/von_mises.hpp: the Bessel functions of beds.special).
inline double vm_entropy(double k) {
  double h;
  von_mises::entropy(k, h);
  return h;
}

struct VonMisesBatch {
  std::ptrdiff_t n;
  double* eta;            // [n, 2] in/out, natural parameters kappa (cos mu, sin mu)
  const double* rate;     // [n] gamma
  const double* ref_eta;  // [n, 2] reference natural parameters (zeros: uniform reference)
  double* gained;         // [n] in/out: sum over observations of the entropy drop H(pre) - H(post), nats
  double* t_last;         // [n] scratch
  std::ptrdiff_t lo, hi;  // beliefs handled by this call (see dynamics_common.hpp)
};

struct VonMisesRecords {
  std::ptrdiff_t k;
  const double* time;  // [k]
  double* eta;         // [k, n, 2]
  double* gained;      // [k, n]
  double* count;       // [k, n]
};

inline void vm_dissipate_one(const VonMisesBatch& b, std::ptrdiff_t i, double dt, double& e0, double& e1) {
  const double a = std::exp(-b.rate[i] * dt);
  e0 = a * e0 + (1.0 - a) * b.ref_eta[2 * i];
  e1 = a * e1 + (1.0 - a) * b.ref_eta[2 * i + 1];
}

inline void vm_record_all(const VonMisesBatch& b, const double* count, double t, double* out_eta, double* out_gained,
                          double* out_count) {
  for (std::ptrdiff_t i = b.lo; i < b.hi; ++i) {
    double e0 = b.eta[2 * i], e1 = b.eta[2 * i + 1];
    vm_dissipate_one(b, i, t - b.t_last[i], e0, e1);
    out_eta[2 * i] = e0;
    out_eta[2 * i + 1] = e1;
    out_gained[i] = b.gained[i];
    out_count[i] = count[i];
  }
}

// Observations: ev.value holds angles x (radians), ev.obs_prec the concentrations kappa_D >= 0.
// Returns kInterrupted on Ctrl-C with `pr` set to resume (see dynamics_common.hpp).
inline int integrate_von_mises(const VonMisesBatch& b, const EventStream& ev, const VonMisesRecords& rec, double t0,
                               double t_end, double* count, EventProgress& pr) {
  const std::ptrdiff_t n = b.n;
  if (!pr.started) {
    for (std::ptrdiff_t i = b.lo; i < b.hi; ++i) {
      b.t_last[i] = t0;
      count[i] = 0.0;
    }
    pr = EventProgress{0, 0, t0, true};
  }
  std::ptrdiff_t j = pr.j;
  double t_prev = pr.t_prev;
  InterruptPoll poll(2048);  // (about 0.2 us per event: a look every 0.4 ms)
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
      vm_record_all(b, count, rec.time[j], rec.eta + 2 * j * n, rec.gained + j * n, rec.count + j * n);
      ++j;
    }
    t_prev = t;
    const std::int64_t i = ev.index[e];
    if (i < 0 || i >= n) return kBadIndex;
    if (i < b.lo || i >= b.hi) continue;
    double e0 = b.eta[2 * i], e1 = b.eta[2 * i + 1];
    vm_dissipate_one(b, i, t - b.t_last[i], e0, e1);
    const double x = ev.value[e * ev.value_stride], kd = ev.obs_prec[e * ev.prec_stride];
    const double f0 = e0 + kd * std::cos(x), f1 = e1 + kd * std::sin(x);
    b.gained[i] += vm_entropy(std::hypot(e0, e1)) - vm_entropy(std::hypot(f0, f1));
    b.eta[2 * i] = f0;
    b.eta[2 * i + 1] = f1;
    b.t_last[i] = t;
    count[i] += 1.0;
  }
  for (; j < rec.k; ++j) {
    if (poll(b.hi - b.lo)) {
      pr = EventProgress{ev.m, j, t_prev, true};
      return kInterrupted;
    }
    vm_record_all(b, count, rec.time[j], rec.eta + 2 * j * n, rec.gained + j * n, rec.count + j * n);
  }
  for (std::ptrdiff_t i = b.lo; i < b.hi; ++i) {
    double e0 = b.eta[2 * i], e1 = b.eta[2 * i + 1];
    vm_dissipate_one(b, i, t_end - b.t_last[i], e0, e1);
    b.eta[2 * i] = e0;
    b.eta[2 * i + 1] = e1;
  }
  return kOk;
}

}  // namespace dynamics
}  // namespace beds
