// Exponential distributions Exp(rate): a one-dimensional Fisher-Rao geometry, flat in u = log(rate).
//
// I(rate) = 1 / rate^2, so d = |log(rate2 / rate1)|, geodesics rate(t) = rate1 (rate2 / rate1)^t,
// Exp_rate(v) = rate e^(v / rate), transport v -> v rate2 / rate1.
// log(rate2 / rate1) is evaluated as sign * log1p(|rate2 - rate1| / min(rate1, rate2)), which keeps
// a few-ulp relative accuracy for near and far pairs alike (see abs_log_ratio).
#pragma once

#include "beds/math.hpp"

BEDS_NAMESPACE_BEGIN
namespace exponential {

BEDS_HD bool valid_rate(double r) { return math::isfinite(r) & (r > 0.0); }

// |log(b / a)| for a, b > 0: log1p(|b - a| / min(a, b)) keeps a few ulp for near pairs; when the
// ratio overflows (rates 1e300 apart, or subnormal rates) it is log(max) - log(min) instead.
BEDS_HD double abs_log_ratio(double a, double b) {
  const double lo = math::min(a, b), hi = math::max(a, b);
  const double ratio = (hi - lo) / lo;
  const bool finite = ratio < math::kInf;
  const double near = math::log1p_pos(finite ? ratio : 0.0);
  const double far = math::log(finite ? 1.0 : hi) - math::log(finite ? 1.0 : lo);
  return finite ? near : far;
}
// log(b / a), signed.
BEDS_HD double log_ratio(double a, double b) {
  const double l = abs_log_ratio(a, b);
  return b < a ? -l : l;
}

BEDS_HD bool distance(double a, double b, double& d) {
  const bool ok = valid_rate(a) & valid_rate(b);
  a = ok ? a : 1.0;
  b = ok ? b : 1.0;
  d = ok ? abs_log_ratio(a, b) : math::kNaN;
  return ok;
}
// KL(Exp(a) || Exp(b)) = log(a / b) + b / a - 1 = -log1pmx(delta), delta = (b - a) / a.
BEDS_HD bool kl(double a, double b, double& out) {
  const bool ok = valid_rate(a) & valid_rate(b);
  a = ok ? a : 1.0;
  b = ok ? b : 1.0;
  out = ok ? -math::log1pmx_r((b - a) / a, b / a) : math::kNaN;
  return ok;
}
// J = (a - b)^2 / (a b).
BEDS_HD bool jeffreys(double a, double b, double& out) {
  const bool ok = valid_rate(a) & valid_rate(b);
  a = ok ? a : 1.0;
  b = ok ? b : 1.0;
  const double diff = a - b;
  out = ok ? (diff / a) * (diff / b) : math::kNaN;
  return ok;
}
// H = 1 - log(rate).
BEDS_HD bool entropy(double a, double& out) {
  const bool ok = valid_rate(a);
  a = ok ? a : 1.0;
  out = ok ? 1.0 - math::log(a) : math::kNaN;
  return ok;
}
BEDS_HD bool inner(double a, double u, double v, double& out) {
  const bool ok = valid_rate(a) & math::isfinite(u) & math::isfinite(v);
  a = ok ? a : 1.0;
  out = ok ? (u / a) * (v / a) : math::kNaN;
  return ok;
}
BEDS_HD bool log(double a, double b, double& v) {
  const bool ok = valid_rate(a) & valid_rate(b);
  a = ok ? a : 1.0;
  b = ok ? b : 1.0;
  v = ok ? a * log_ratio(a, b) : math::kNaN;
  return ok;
}
// exp and geodesic also fail (out of domain) when the resulting rate overflows or underflows.
BEDS_HD bool exp(double a, double v, double& b) {
  bool ok = valid_rate(a) & math::isfinite(v);
  a = ok ? a : 1.0;
  v = ok ? v : 0.0;
  const double r = a * math::exp(v / a);
  ok = ok & valid_rate(r);
  b = ok ? r : math::kNaN;
  return ok;
}
BEDS_HD bool geodesic(double a, double b, double t, double& out) {
  bool ok = valid_rate(a) & valid_rate(b) & math::isfinite(t);
  a = ok ? a : 1.0;
  b = ok ? b : 1.0;
  t = ok ? t : 0.0;
  const double r = a * math::exp(t * log_ratio(a, b));
  ok = ok & valid_rate(r);
  out = ok ? r : math::kNaN;
  return ok;
}
BEDS_HD bool transport(double a, double b, double v, double& out) {
  const bool ok = valid_rate(a) & valid_rate(b) & math::isfinite(v);
  a = ok ? a : 1.0;
  b = ok ? b : 1.0;
  out = ok ? v * (b / a) : math::kNaN;
  return ok;
}

}  // namespace exponential
BEDS_NAMESPACE_END
