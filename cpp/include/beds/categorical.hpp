// Categorical distributions on k classes: the Fisher-Rao geometry of the positive orthant of the
// sphere of radius 2.
//
// p maps to xi = 2 sqrt(p) on the sphere of radius 2; the Fisher metric sum dp_i^2 / p_i is the
// round metric there.  With unit vectors a = sqrt(p), b = sqrt(q):
//   d = 2 theta,  theta = 2 asin(|b - a| / 2)      (chord form: accurate for near pairs, unlike
//                                                   the textbook 2 arccos(sum sqrt(p_i q_i)))
//   b_i - a_i = (q_i - p_i) / (sqrt(p_i) + sqrt(q_i))   (no cancellation)
// Tangent vectors live in probability coordinates (v_i = dp_i, sum_i v_i = 0); on the unit sphere
// they are w = v / (2 a).  Geodesics are great circles; they leave the simplex when a coordinate of
// a(t) crosses zero, which exp/geodesic report as out of domain.
//
// Rows are read through (pointer, byte stride) so any numpy layout works; probabilities are divided
// by their sum, which must be 1 within sum_tolerance<T>().  The maps (log, exp, geodesic, transport,
// inner, Karcher mean) work row by row and are compiled for the baseline instruction set only; the
// sums over classes (categorical_sums.hpp) are vectorized across rows and built for every ISA.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

#include "beds/constants.hpp"
#include "beds/interrupt.hpp"
#include "beds/math.hpp"

BEDS_NAMESPACE_BEGIN
namespace categorical {

template <class T>
struct Row {
  const char* p;
  std::ptrdiff_t step;
  double operator[](std::ptrdiff_t j) const { return static_cast<double>(*reinterpret_cast<const T*>(p + j * step)); }
};
template <class T>
struct OutRow {
  char* p;
  std::ptrdiff_t step;
  void set(std::ptrdiff_t j, double v) const { *reinterpret_cast<T*>(p + j * step) = static_cast<T>(v); }
};

// Scratch space: on the stack for the usual small k, on the heap otherwise.
class Scratch {
 public:
  explicit Scratch(std::ptrdiff_t n)
      : ptr_(n <= kSmall ? small_ : (big_.resize(static_cast<std::size_t>(n)), big_.data())) {}
  double* data() { return ptr_; }
  double& operator[](std::ptrdiff_t j) { return ptr_[j]; }

 private:
  static constexpr std::ptrdiff_t kSmall = 256;
  double small_[kSmall];
  std::vector<double> big_;
  double* ptr_;
};

// Tolerances of the simplex checks, per input type (beds/constants.hpp, shared with Python).
template <class T>
constexpr double sum_tolerance() {
  return sizeof(T) == 4 ? constants::kProbSumTolFloat32 : constants::kProbSumTolFloat64;
}

// Sum of a probability row; returns false unless all entries are finite and >= 0 (> 0 when
// `interior`) and the sum is 1 within sum_tolerance<T>().
template <class T>
bool row_sum(const Row<T>& p, std::ptrdiff_t k, bool interior, double& sum) {
  bool ok = k > 0;
  double s = 0.0;
  for (std::ptrdiff_t j = 0; j < k; ++j) {
    const double x = p[j];
    ok = ok && math::isfinite(x) && (interior ? x > 0.0 : x >= 0.0);
    s += x;
  }
  sum = s;
  return ok && std::fabs(s - 1.0) <= sum_tolerance<T>();
}

// sin(x) / x with the removable singularity filled in.
inline double sinc(double x) { return x > 0.0 ? std::sin(x) / (x > 0.0 ? x : 1.0) : 1.0; }

inline double theta_from_chord(double chord) { return 2.0 * std::asin(chord > 2.0 ? 1.0 : 0.5 * chord); }

template <class T>
void normalized(const Row<T>& p, std::ptrdiff_t k, double sum, double* out) {
  const double inv = 1.0 / sum;
  for (std::ptrdiff_t j = 0; j < k; ++j) out[j] = p[j] * inv;
}

// Distances, divergences and entropies (sums over the classes): categorical_sums.hpp.

// ------------------------------------------------------------------------- tangent vectors
// A tangent row: finite entries summing to 0 (relative to sum |v|, within sum_tolerance<T>()).
template <class T>
bool tangent_ok(const Row<T>& v, std::ptrdiff_t k) {
  double s = 0.0, a = 0.0;
  for (std::ptrdiff_t j = 0; j < k; ++j) {
    if (!math::isfinite(v[j])) return false;
    s += v[j];
    a += std::fabs(v[j]);
  }
  // relative to sum |v|, with a floor for vectors that are zero up to rounding (e.g. log(p, p))
  return std::fabs(s) <= sum_tolerance<T>() * a + constants::kTangentSumFloor;
}

// <u, v>_p = sum_i u_i v_i / p_i  (p interior).
template <class T>
bool inner(const Row<T>& p, const Row<T>& u, const Row<T>& v, std::ptrdiff_t k, double& out) {
  double sp;
  if (!row_sum(p, k, true, sp) || !tangent_ok(u, k) || !tangent_ok(v, k)) {
    out = math::kNaN;
    return false;
  }
  double s = 0.0;
  for (std::ptrdiff_t j = 0; j < k; ++j) s += u[j] * v[j] * sp / p[j];
  out = s;
  return true;
}

template <class T>
void fill_nan(const OutRow<T>& o, std::ptrdiff_t k) {
  for (std::ptrdiff_t j = 0; j < k; ++j) o.set(j, math::kNaN);
}

// Writes p = a^2 / |a|^2 after checking that the sphere point a stayed in the closed orthant
// (components above -2^-50 are rounding noise and are clamped to 0).
template <class T>
bool write_sphere_point(double* a, std::ptrdiff_t k, const OutRow<T>& o) {
  double s = 0.0;
  for (std::ptrdiff_t j = 0; j < k; ++j) {
    if (a[j] < -8.881784197001252e-16) {
      fill_nan(o, k);
      return false;
    }
    a[j] = a[j] > 0.0 ? a[j] * a[j] : 0.0;
    s += a[j];
  }
  const double inv = 1.0 / s;
  for (std::ptrdiff_t j = 0; j < k; ++j) o.set(j, a[j] * inv);
  return true;
}

// Pair setup shared by log, geodesic and transport: unit-sphere points a, b, the angle theta and
// the unit direction e of the great circle at a (e = 0 when a == b).
struct Arc {
  double theta, chord;
};
template <class T>
bool arc_setup(const Row<T>& p, const Row<T>& q, std::ptrdiff_t k, bool p_interior, bool q_interior, double* a,
               double* b, double* e, Arc& arc) {
  double sp, sq;
  if (!(row_sum(p, k, p_interior, sp) & row_sum(q, k, q_interior, sq))) return false;
  double* ph = e;  // reuse e as scratch for the normalized rows
  normalized(p, k, sp, ph);
  for (std::ptrdiff_t j = 0; j < k; ++j) b[j] = q[j] / sq;  // temporarily q-hat
  double c2 = 0.0;
  for (std::ptrdiff_t j = 0; j < k; ++j) {
    a[j] = std::sqrt(ph[j]);
    const double bj = std::sqrt(b[j]);
    const double den = a[j] + bj;
    e[j] = den > 0.0 ? (b[j] - ph[j]) / math::max(den, 1e-300) : 0.0;  // b - a without cancellation
    b[j] = bj;
    c2 += e[j] * e[j];
  }
  arc.chord = std::sqrt(c2);
  arc.theta = theta_from_chord(arc.chord);
  // u = b - cos(theta) a = (b - a) + (1 - cos theta) a,  1 - cos theta = chord^2 / 2
  const double h = 0.5 * c2;
  double nu2 = 0.0;
  for (std::ptrdiff_t j = 0; j < k; ++j) {
    e[j] += h * a[j];
    nu2 += e[j] * e[j];
  }
  const double nu = std::sqrt(nu2);
  const double inv = nu > 0.0 ? 1.0 / (nu > 0.0 ? nu : 1.0) : 0.0;
  for (std::ptrdiff_t j = 0; j < k; ++j) e[j] *= inv;
  return true;
}

// Log_p(q) in probability coordinates: v = 2 a * theta e.
template <class T>
bool log(const Row<T>& p, const Row<T>& q, std::ptrdiff_t k, const OutRow<T>& o) {
  Scratch a(k), b(k), e(k);
  Arc arc;
  if (!arc_setup(p, q, k, true, false, a.data(), b.data(), e.data(), arc)) {
    fill_nan(o, k);
    return false;
  }
  for (std::ptrdiff_t j = 0; j < k; ++j) o.set(j, 2.0 * a[j] * arc.theta * e[j]);
  return true;
}

// Unit-sphere tangent w = v / (2 a), projected onto the tangent space at a (sum v = 0 exactly).
template <class T>
void sphere_tangent(const double* a, const Row<T>& v, std::ptrdiff_t k, double* w) {
  double aw = 0.0;
  for (std::ptrdiff_t j = 0; j < k; ++j) {
    w[j] = v[j] / (2.0 * a[j]);
    aw += a[j] * w[j];
  }
  for (std::ptrdiff_t j = 0; j < k; ++j) w[j] -= aw * a[j];
}

template <class T>
bool exp(const Row<T>& p, const Row<T>& v, std::ptrdiff_t k, const OutRow<T>& o) {
  double sp;
  if (!row_sum(p, k, true, sp) || !tangent_ok(v, k)) {
    fill_nan(o, k);
    return false;
  }
  Scratch a(k), w(k);
  for (std::ptrdiff_t j = 0; j < k; ++j) a[j] = std::sqrt(p[j] / sp);
  // v is a tangent at p-hat; rescaling p by 1/sp rescales nothing in v (the Python layer passes
  // normalized p), so use the normalized point.
  sphere_tangent(a.data(), v, k, w.data());
  double t2 = 0.0;
  for (std::ptrdiff_t j = 0; j < k; ++j) t2 += w[j] * w[j];
  const double th = std::sqrt(t2);
  const double c = std::cos(th), sc = sinc(th);
  for (std::ptrdiff_t j = 0; j < k; ++j) a[j] = c * a[j] + sc * w[j];
  return write_sphere_point(a.data(), k, o);
}

template <class T>
bool geodesic(const Row<T>& p, const Row<T>& q, double t, std::ptrdiff_t k, const OutRow<T>& o) {
  Scratch a(k), b(k), e(k);
  Arc arc;
  if (!math::isfinite(t) || !arc_setup(p, q, k, false, false, a.data(), b.data(), e.data(), arc)) {
    fill_nan(o, k);
    return false;
  }
  const double c = std::cos(t * arc.theta), s = std::sin(t * arc.theta);
  for (std::ptrdiff_t j = 0; j < k; ++j) a[j] = c * a[j] + s * e[j];
  return write_sphere_point(a.data(), k, o);
}

// Parallel transport along the great circle: the component along e rotates in the (a, e) plane,
// the rest is unchanged:  w' = w + <w, e> ((cos theta - 1) e - sin theta a).
template <class T>
bool transport(const Row<T>& p, const Row<T>& q, const Row<T>& v, std::ptrdiff_t k, const OutRow<T>& o) {
  Scratch a(k), b(k), e(k), w(k);
  Arc arc;
  if (!tangent_ok(v, k) || !arc_setup(p, q, k, true, true, a.data(), b.data(), e.data(), arc)) {
    fill_nan(o, k);
    return false;
  }
  sphere_tangent(a.data(), v, k, w.data());
  double we = 0.0;
  for (std::ptrdiff_t j = 0; j < k; ++j) we += w[j] * e[j];
  const double cm1 = -0.5 * arc.chord * arc.chord;
  const double sn = arc.chord * std::sqrt(1.0 - 0.25 * arc.chord * arc.chord);
  for (std::ptrdiff_t j = 0; j < k; ++j) {
    const double wj = w[j] + we * (cm1 * e[j] - sn * a[j]);
    o.set(j, 2.0 * b[j] * wj);
  }
  return true;
}

// Weighted Frechet (Karcher) mean of n rows by Riemannian gradient descent on the unit sphere with
// unit step (m <- Exp_m(mean_i w_i Log_m(a_i))), started from the normalised chordal mean.
// Converged when the FR length of the step is <= tol.  Returns the iteration count, or -1.
template <class T>
long long karcher(const char* P, std::ptrdiff_t sn, std::ptrdiff_t sk, const char* W, std::ptrdiff_t sw,
                  std::ptrdiff_t n, std::ptrdiff_t k, double tol, long long max_iter, double* m, bool& ok) {
  ok = n > 0 && k > 0;
  std::vector<double> rows_sqrt(static_cast<std::size_t>(n * k));
  std::vector<double> wts(static_cast<std::size_t>(n));
  double wsum = 0.0;
  for (std::ptrdiff_t i = 0; ok && i < n; ++i) {
    Row<T> r{P + i * sn, sk};
    double s;
    ok = row_sum(r, k, false, s);
    for (std::ptrdiff_t j = 0; ok && j < k; ++j) rows_sqrt[static_cast<std::size_t>(i * k + j)] = std::sqrt(r[j] / s);
    const double wi = static_cast<double>(*reinterpret_cast<const T*>(W + i * sw));
    ok = ok && math::isfinite(wi) && wi >= 0.0;
    wts[static_cast<std::size_t>(i)] = wi;
    wsum += wi;
  }
  ok = ok && wsum > 0.0 && math::isfinite(wsum);
  if (!ok) return -1;
  for (std::ptrdiff_t j = 0; j < k; ++j) m[j] = 0.0;
  for (std::ptrdiff_t i = 0; i < n; ++i)
    for (std::ptrdiff_t j = 0; j < k; ++j)
      m[j] += wts[static_cast<std::size_t>(i)] * rows_sqrt[static_cast<std::size_t>(i * k + j)];
  double nm = 0.0;
  for (std::ptrdiff_t j = 0; j < k; ++j) nm += m[j] * m[j];
  nm = std::sqrt(nm);
  for (std::ptrdiff_t j = 0; j < k; ++j) m[j] /= nm;
  std::vector<double> g(static_cast<std::size_t>(k)), u(static_cast<std::size_t>(k));
  for (long long it = 1; it <= max_iter; ++it) {
    if (interrupt_requested()) break;  // Ctrl-C: the caller computes this row again or gives up
    for (std::ptrdiff_t j = 0; j < k; ++j) g[static_cast<std::size_t>(j)] = 0.0;
    for (std::ptrdiff_t i = 0; i < n; ++i) {
      const double* b = &rows_sqrt[static_cast<std::size_t>(i * k)];
      double c2 = 0.0;
      for (std::ptrdiff_t j = 0; j < k; ++j) {
        u[static_cast<std::size_t>(j)] = b[j] - m[j];
        c2 += u[static_cast<std::size_t>(j)] * u[static_cast<std::size_t>(j)];
      }
      const double th = theta_from_chord(std::sqrt(c2));
      double nu2 = 0.0;
      for (std::ptrdiff_t j = 0; j < k; ++j) {
        u[static_cast<std::size_t>(j)] += 0.5 * c2 * m[j];
        nu2 += u[static_cast<std::size_t>(j)] * u[static_cast<std::size_t>(j)];
      }
      const double f = nu2 > 0.0 ? wts[static_cast<std::size_t>(i)] * th / std::sqrt(nu2 > 0.0 ? nu2 : 1.0) : 0.0;
      for (std::ptrdiff_t j = 0; j < k; ++j) g[static_cast<std::size_t>(j)] += f * u[static_cast<std::size_t>(j)];
    }
    double gm = 0.0, g2 = 0.0;
    for (std::ptrdiff_t j = 0; j < k; ++j) {
      g[static_cast<std::size_t>(j)] /= wsum;
      gm += g[static_cast<std::size_t>(j)] * m[j];
    }
    for (std::ptrdiff_t j = 0; j < k; ++j) {
      g[static_cast<std::size_t>(j)] -= gm * m[j];
      g2 += g[static_cast<std::size_t>(j)] * g[static_cast<std::size_t>(j)];
    }
    const double th = std::sqrt(g2);
    const double c = std::cos(th), sc = sinc(th);
    double n2 = 0.0;
    for (std::ptrdiff_t j = 0; j < k; ++j) {
      m[j] = c * m[j] + sc * g[static_cast<std::size_t>(j)];
      n2 += m[j] * m[j];
    }
    const double inv = 1.0 / std::sqrt(n2);
    for (std::ptrdiff_t j = 0; j < k; ++j) m[j] *= inv;
    if (2.0 * th <= tol) {
      for (std::ptrdiff_t j = 0; j < k; ++j) m[j] = m[j] * m[j];
      return it;
    }
  }
  for (std::ptrdiff_t j = 0; j < k; ++j) m[j] = m[j] * m[j];
  return -1;
}

}  // namespace categorical
BEDS_NAMESPACE_END
