// Exponential distributions Exp(rate): a one-dimensional Fisher-Rao geometry, flat in u = log(rate).
//
// I(rate) = 1 / rate^2, so d = |log(rate2 / rate1)|, geodesics rate(t) = rate1 (rate2 / rate1)^t,
// Exp_rate(v) = rate e^(v / rate), transport v -> v rate2 / rate1.
// log(rate2 / rate1) is evaluated as sign * log1p(|rate2 - rate1| / min(rate1, rate2)), which keeps
// a few-ulp relative accuracy for near and far pairs alike.
#pragma once

#include "beds/math.hpp"

BEDS_NAMESPACE_BEGIN
namespace exponential {

BEDS_HD bool valid_rate(double r) { return math::isfinite(r) & (r > 0.0); }

// log(b / a) for a, b > 0, accurate when b is close to a.
BEDS_HD double log_ratio(double a, double b) {
  const double diff = b - a;
  const double l = math::log1p(math::abs(diff) / math::min(a, b));
  return diff < 0.0 ? -l : l;
}

BEDS_HD bool distance(double a, double b, double& d) {
  const bool ok = valid_rate(a) & valid_rate(b);
  a = ok ? a : 1.0;
  b = ok ? b : 1.0;
  d = ok ? math::log1p(math::abs(b - a) / math::min(a, b)) : math::kNaN;
  return ok;
}
// KL(Exp(a) || Exp(b)) = log(a / b) + b / a - 1 = -log1pmx(delta), delta = (b - a) / a.
BEDS_HD bool kl(double a, double b, double& out) {
  const bool ok = valid_rate(a) & valid_rate(b);
  a = ok ? a : 1.0;
  b = ok ? b : 1.0;
  out = ok ? -math::log1pmx((b - a) / a) : math::kNaN;
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
BEDS_HD bool exp(double a, double v, double& b) {
  const bool ok = valid_rate(a) & math::isfinite(v);
  a = ok ? a : 1.0;
  v = ok ? v : 0.0;
  b = ok ? a * math::exp(v / a) : math::kNaN;
  return ok;
}
BEDS_HD bool geodesic(double a, double b, double t, double& out) {
  const bool ok = valid_rate(a) & valid_rate(b) & math::isfinite(t);
  a = ok ? a : 1.0;
  b = ok ? b : 1.0;
  t = ok ? t : 0.0;
  out = ok ? a * math::exp(t * log_ratio(a, b)) : math::kNaN;
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
