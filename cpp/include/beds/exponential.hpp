// Exponential distributions Exp(rate): a one-dimensional Fisher-Rao geometry, flat in u = log(rate).
//
// I(rate) = 1 / rate^2, so d = |log(rate2 / rate1)|, geodesics rate(t) = rate1 (rate2 / rate1)^t,
// Exp_rate(v) = rate e^(v / rate), transport v -> v rate2 / rate1.
// log(rate2 / rate1) is evaluated as sign * log1p(|rate2 - rate1| / min(rate1, rate2)), which keeps
// a few-ulp relative accuracy for near and far pairs alike (see abs_log_ratio).
//
// Range: every function is exact over the whole float range.  Where a product or a ratio of rates
// could over- or underflow before the result does (rate exp(v / rate) with a tiny rate, v rate2 /
// rate1 or the ratio inside log(rate2 / rate1) with rates 1e300 apart), the vectorized form checks
// its range and the element goes to the *_slow function, which evaluates the same formula with an
// unbounded exponent (beds/wide.hpp) or as a difference of logarithms.
// Results that are not representable (a KL divergence above 1.8e308, an exp map whose rate
// overflows or underflows to 0) are out of domain: NaN and false.
#pragma once

#include "beds/math.hpp"
#include "beds/wide.hpp"

BEDS_NAMESPACE_BEGIN
namespace exponential {

BEDS_HD bool valid_rate(double r) { return math::isfinite(r) & (r > 0.0); }

// |log(b / a)| for a, b > 0: log1p(|b - a| / min(a, b)), which keeps a few ulp for near pairs, or
// log(max) - log(min) where that ratio overflows (rates 1e300 apart, or subnormal rates).  For the
// slow paths and scalar code: the vectorized kernels take the first form only (distance_stage1)
// and send the second case to their slow path, so that an element costs one logarithm.
BEDS_HD double abs_log_ratio(double a, double b) {
  const double lo = math::min(a, b), hi = math::max(a, b);
  const double ratio = (hi - lo) / lo;
  return ratio < math::kInf ? math::log1p_pos(ratio) : math::log(hi) - math::log(lo);
}
// log(b / a), signed.
BEDS_HD double log_ratio(double a, double b) {
  const double l = abs_log_ratio(a, b);
  return b < a ? -l : l;
}

// In two stages (see has_stages in beds/loops.hpp): the ratio, then its log1p.  Fast range: the
// ratio does not overflow (see abs_log_ratio); otherwise distance_slow.
BEDS_HD bool distance_stage1(double a, double b, double& ratio) {
  bool ok = valid_rate(a) & valid_rate(b);
  a = ok ? a : 1.0;
  b = ok ? b : 1.0;
  const double lo = math::min(a, b), hi = math::max(a, b);
  const double r = (hi - lo) / lo;
  ok = ok & (r < math::kInf);
  ratio = ok ? r : math::kNaN;
  return ok;
}
BEDS_HD double distance_stage2(double ratio) { return math::log1p_pos(ratio); }
inline bool distance_slow(double a, double b, double& d) {
  d = math::kNaN;
  if (!(valid_rate(a) & valid_rate(b))) return false;
  d = abs_log_ratio(a, b);
  return true;
}
// KL(Exp(a) || Exp(b)) = log(a / b) + b / a - 1 = -log1pmx(delta), delta = (b - a) / a, with the
// ratio r = b / a taken as it is far from a = b.  Fast range: r normal and delta finite; otherwise
// kl_slow takes log(b / a) by log_ratio (exact when the ratio over- or underflows: kl(1e300,
// 1e-300) is 1380.2, not inf).  A divergence above the largest double is not representable.
BEDS_HD bool kl(double a, double b, double& out) {
  const double delta = (b - a) / a, r = b / a;
  const bool ok = valid_rate(a) & valid_rate(b) & (r >= 0x1p-1022) & (r <= math::kMaxDouble) & math::isfinite(delta);
  out = ok ? -math::log1pmx_r(ok ? delta : 0.0, ok ? r : 1.0) : math::kNaN;
  return ok;
}
BEDS_HD bool kl_slow(double a, double b, double& out) {
  out = math::kNaN;
  if (!(valid_rate(a) & valid_rate(b))) return false;
  const double delta = (b - a) / a;
  const double r = math::log1pmx_near(delta) ? -math::log1pmx_series(delta) : delta - log_ratio(a, b);
  if (!math::isfinite(r)) return false;
  out = r;
  return true;
}
// J = (a - b)^2 / (a b) = ((a - b) / a) ((a - b) / b): each factor overflows only when J does.
BEDS_HD bool jeffreys(double a, double b, double& out) {
  bool ok = valid_rate(a) & valid_rate(b);
  a = ok ? a : 1.0;
  b = ok ? b : 1.0;
  const double diff = a - b;
  const double r = (diff / a) * (diff / b);
  ok = ok & math::isfinite(r);
  out = ok ? r : math::kNaN;
  return ok;
}
// H = 1 - log(rate).
BEDS_HD bool entropy(double a, double& out) {
  const bool ok = valid_rate(a);
  a = ok ? a : 1.0;
  out = ok ? 1.0 - math::log(a) : math::kNaN;
  return ok;
}
// <u, v> = (u / a)(v / a).  Fast range: both factors normal (or their numerator 0), the result finite.
BEDS_HD bool inner(double a, double u, double v, double& out) {
  const double x = u / a, y = v / a, r = x * y;
  const bool ok = valid_rate(a) & math::isfinite(r) & ((math::abs(x) >= 0x1p-968) | (u == 0.0)) &
                  ((math::abs(y) >= 0x1p-968) | (v == 0.0));
  out = ok ? r : math::kNaN;
  return ok;
}
BEDS_HD bool inner_slow(double a, double u, double v, double& out) {
  out = math::kNaN;
  if (!(valid_rate(a) & math::isfinite(u) & math::isfinite(v))) return false;
  const math::Wide A = math::wide(a);
  const double r = math::to_double((math::wide(u) / A) * (math::wide(v) / A));
  if (!math::isfinite(r)) return false;
  out = r;
  return true;
}
// Log_a(b) = a log(b / a): |log(b / a)| < 1500, so only a result above 1.8e308 overflows.  In two
// stages, as distance: the ratio and the signed rate, then the product with log1p(ratio) (false
// when it overflows).  Fast range: that of distance; log_slow takes the logarithm by log_ratio.
BEDS_HD bool log_stage1(double a, double b, double* m) {
  const bool ok = distance_stage1(a, b, m[0]);
  m[1] = b < a ? -a : a;
  return ok;
}
BEDS_HD bool log_stage2(const double* m, double& v) {
  const double r = m[1] * math::log1p_pos(m[0]);
  const bool ok = math::isfinite(r);
  v = ok ? r : math::kNaN;
  return ok;
}
inline bool log_slow(double a, double b, double& v) {
  v = math::kNaN;
  if (!(valid_rate(a) & valid_rate(b))) return false;
  const double r = a * log_ratio(a, b);
  if (!math::isfinite(r)) return false;
  v = r;
  return true;
}
// rate e^x for an exponent x: fast when |x| <= 700 (e^x normal) and the result is normal; the
// slow path forms e^x with an unbounded exponent.  false when the rate leaves the float range.
BEDS_HD bool scaled_exp(double a, double x, double& out) {
  const double r = a * math::exp(x);
  const bool ok = (math::abs(x) <= 700.0) & (r >= 0x1p-1022) & (r <= math::kMaxDouble);
  out = ok ? r : math::kNaN;
  return ok;
}
inline bool scaled_exp_slow(double a, double x, double& out) {
  const double w = math::isfinite(x) ? math::to_double(math::wide(a) * math::exp_wide(x)) : math::kNaN;
  out = valid_rate(w) ? w : math::kNaN;
  return valid_rate(w);
}
BEDS_HD bool exp(double a, double v, double& b) {
  const bool ok = valid_rate(a) & math::isfinite(v);
  a = ok ? a : 1.0;
  v = ok ? v : 0.0;
  const bool r = scaled_exp(a, v / a, b);
  b = ok ? b : math::kNaN;
  return ok & r;
}
inline bool exp_slow(double a, double v, double& b) {
  b = math::kNaN;
  if (!(valid_rate(a) & math::isfinite(v))) return false;
  return scaled_exp_slow(a, v / a, b);
}
// rate1 (rate2 / rate1)^t = rate1 e^(t log(rate2 / rate1)).  In two stages: the ratio of distance,
// the signed t and rate1, then the logarithm and scaled_exp.  Fast range: that of distance and of
// scaled_exp; otherwise geodesic_slow.
BEDS_HD bool geodesic_stage1(double a, double b, double t, double* m) {
  const bool ok = math::isfinite(t) & distance_stage1(a, b, m[0]);
  m[0] = ok ? m[0] : math::kNaN;
  m[1] = b < a ? -t : t;
  m[2] = a;
  return ok;
}
BEDS_HD bool geodesic_stage2(const double* m, double& out) {
  const bool ok = scaled_exp(m[2], m[1] * math::log1p_pos(m[0]), out);
  out = ok ? out : math::kNaN;
  return ok;
}
inline bool geodesic_slow(double a, double b, double t, double& out) {
  out = math::kNaN;
  if (!(valid_rate(a) & valid_rate(b) & math::isfinite(t))) return false;
  if (t == 0.0) {
    out = a;
    return true;
  }
  return scaled_exp_slow(a, t * log_ratio(a, b), out);
}
// v b / a.  Fast range: the ratio b / a normal (then one rounding of v times it).
BEDS_HD bool transport(double a, double b, double v, double& out) {
  const double ratio = b / a, r = v * ratio;
  const bool ok = valid_rate(a) & valid_rate(b) & math::isfinite(v) & (ratio >= 0x1p-1000) & (ratio <= 0x1p1000) &
                  math::isfinite(r);
  out = ok ? r : math::kNaN;
  return ok;
}
BEDS_HD bool transport_slow(double a, double b, double v, double& out) {
  out = math::kNaN;
  if (!(valid_rate(a) & valid_rate(b) & math::isfinite(v))) return false;
  const double r = math::to_double(math::wide(v) * (math::wide(b) / math::wide(a)));
  if (!math::isfinite(r)) return false;
  out = r;
  return true;
}

}  // namespace exponential
BEDS_NAMESPACE_END
