// Poisson distributions Poi(rate): a one-dimensional Fisher-Rao geometry, flat in u = 2 sqrt(rate).
//
// I(rate) = 1 / rate, so d = 2 |sqrt(rate1) - sqrt(rate2)| (evaluated as
// 2 |rate1 - rate2| / (sqrt(rate1) + sqrt(rate2)) for accuracy), geodesics
// sqrt(rate(t)) = (1 - t) sqrt(rate1) + t sqrt(rate2).  The boundary rate = 0 is at finite
// distance: an exp map or an extrapolated geodesic that reaches it is out of the domain (NaN, and
// FE_INVALID for the Python layer to report).
//
// Range: every function is exact over the whole float range (see beds/exponential.hpp: fast forms
// that check their range, *_slow forms with an unbounded exponent for the rest); results that are
// not representable are out of domain (NaN and false).
#pragma once

#include "beds/exponential.hpp"
#include "beds/math.hpp"
#include "beds/wide.hpp"

BEDS_NAMESPACE_BEGIN
namespace poisson {

BEDS_HD bool valid_rate(double r) { return math::isfinite(r) & (r > 0.0); }

BEDS_HD bool distance(double a, double b, double& d) {
  const bool ok = valid_rate(a) & valid_rate(b);
  a = ok ? a : 1.0;
  b = ok ? b : 1.0;
  d = ok ? 2.0 * (math::abs(a - b) / (math::sqrt(a) + math::sqrt(b))) : math::kNaN;
  return ok;
}
// KL(Poi(a) || Poi(b)) = a log(a / b) + b - a = -a log1pmx(delta), delta = (b - a) / a, with the
// ratio b / a taken as it is far from a = b.  Fast range: b / a normal and delta finite; otherwise
// kl_slow, (b - a) - a log(b / a) with the logarithm by exponential::log_ratio (exact when b / a
// over- or underflows).  A non-finite result is above the largest double.
BEDS_HD bool kl(double a, double b, double& out) {
  const double delta = (b - a) / a, r = b / a;
  const double k = -a * math::log1pmx_r(math::isfinite(delta) ? delta : 0.0, (r > 0.0) & (r < math::kInf) ? r : 1.0);
  const bool ok = valid_rate(a) & valid_rate(b) & (r >= 0x1p-1022) & (r <= math::kMaxDouble) & math::isfinite(delta) &
                  math::isfinite(k);
  out = ok ? k : math::kNaN;
  return ok;
}
BEDS_HD bool kl_slow(double a, double b, double& out) {
  out = math::kNaN;
  if (!(valid_rate(a) & valid_rate(b))) return false;
  const double delta = (b - a) / a;
  const double r = math::isfinite(delta) && math::log1pmx_near(delta) ? -a * math::log1pmx_series(delta)
                                                                      : (b - a) - a * exponential::log_ratio(a, b);
  if (!math::isfinite(r)) return false;
  out = r;
  return true;
}
// J = (a - b) log(a / b) = |a - b| log1p(|a - b| / min(a, b)); when the ratio overflows (rates
// 1e300 apart, subnormal rates) jeffreys_slow takes the logarithm by exponential::abs_log_ratio.
BEDS_HD bool jeffreys(double a, double b, double& out) {
  const double diff = math::abs(a - b), q = diff / math::min(a, b);
  const double r = diff * math::log1p_pos((q >= 0.0) & (q < math::kInf) ? q : 0.0);
  const bool ok = valid_rate(a) & valid_rate(b) & (q < math::kInf) & math::isfinite(r);
  out = ok ? r : math::kNaN;
  return ok;
}
BEDS_HD bool jeffreys_slow(double a, double b, double& out) {
  out = math::kNaN;
  if (!(valid_rate(a) & valid_rate(b))) return false;
  const double r = math::abs(a - b) * exponential::abs_log_ratio(a, b);
  if (!math::isfinite(r)) return false;
  out = r;
  return true;
}

// log(k!) - (k log k - k + log(2 pi k) / 2), the remainder of Stirling's formula (k >= 1).
inline double stirling_remainder(double k) {
  // exact values (mpmath) below 20; the asymptotic series above (next term < 1e-17)
  static const double table[20] = {0.0,
                                   0.08106146679532726,
                                   0.0413406959554093,
                                   0.02767792568499834,
                                   0.020790672103765093,
                                   0.016644691189821193,
                                   0.013876128823070748,
                                   0.01189670994589177,
                                   0.010411265261972096,
                                   0.009255462182712733,
                                   0.00833056343336287,
                                   0.007573675487951841,
                                   0.00694284010720953,
                                   0.006408994188004207,
                                   0.0059513701127588475,
                                   0.005554733551962801,
                                   0.0052076559196096404,
                                   0.004901395948434738,
                                   0.004629153749334028,
                                   0.004385560249232324};
  if (k < 20.0) return table[static_cast<int>(k)];
  const double i = 1.0 / k, i2 = i * i;
  return i * (1.0 / 12 - i2 * (1.0 / 360 - i2 * (1.0 / 1260 - i2 * (1.0 / 1680 - i2 / 1188.0))));
}

// Entropy H(rate) = -sum_k p_k log p_k (no closed form).
// rate < 200: the sum over k in rate +- (10 sqrt(rate) + 10) (the rest weighs < 1e-20), with
//   log p_k = k log1pmx((rate - k) / k) - log(2 pi k) / 2 - stirling_remainder(k)
// (log1pmx_r with the ratio rate / k, so that rates far below k lose nothing)
// which has no cancellation, so every term -p log p >= 0 is accurate.
// rate >= 200: the asymptotic series
//   H = log(2 pi e rate)/2 - 1/(12 r) - 1/(24 r^2) - 19/(360 r^3) - 9/(80 r^4) - c5/r^5 ... - c8/r^8
// (c5..c8 fitted to 80-digit mpmath sums; the first omitted term is below 1e-18 at r = 200).
inline bool entropy(double a, double& out) {
  const bool ok = valid_rate(a);
  a = ok ? a : 1.0;
  double h;
  if (a < 200.0) {
    const double half = 10.0 * math::sqrt(a) + 10.0;
    const double k0 = a - half > 0.0 ? static_cast<double>(static_cast<long long>(a - half)) : 0.0;
    const double k1 = static_cast<double>(static_cast<long long>(a + half)) + 1.0;
    h = 0.0;
    for (double k = k0; k <= k1; k += 1.0) {
      const double lp = k == 0.0 ? -a
                                 : k * math::log1pmx_r((a - k) / k, a / k) - 0.5 * math::log(6.283185307179586 * k) -
                                       stirling_remainder(k);
      const double p = math::exp(lp);
      h -= p > 0.0 ? p * lp : 0.0;  // (lp = -inf when rate / k underflows: a zero term)
    }
  } else {
    const double i = 1.0 / a;
    const double series =
        i * (1.0 / 12 +
             i * (1.0 / 24 +
                  i * (19.0 / 360 +
                       i * (9.0 / 80 + i * (0.342460317520679 +
                                            i * (1.36408713062052 + i * (6.73689139705797 + i * 39.6827533737478)))))));
    h = 0.5 * (2.8378770664093454836 + math::log(a)) - series;  // log(2 pi e) + log(rate): no overflow
  }
  out = ok ? h : math::kNaN;
  return ok;
}

// <u, v> = u v / a.  Fast range: u v normal (or 0 from a zero factor), the result finite.
BEDS_HD bool inner(double a, double u, double v, double& out) {
  const double uv = u * v, r = uv / a;
  const bool ok = valid_rate(a) & math::isfinite(r) & ((math::abs(uv) >= 0x1p-968) | (u == 0.0) | (v == 0.0));
  out = ok ? r : math::kNaN;
  return ok;
}
BEDS_HD bool inner_slow(double a, double u, double v, double& out) {
  out = math::kNaN;
  if (!(valid_rate(a) & math::isfinite(u) & math::isfinite(v))) return false;
  const double r = math::to_double(math::wide(u) * math::wide(v) / math::wide(a));
  if (!math::isfinite(r)) return false;
  out = r;
  return true;
}
// Log_a(b) = 2 sqrt(a) (sqrt(b) - sqrt(a)) = 2 sqrt(a) ((b - a) / (sqrt(a) + sqrt(b))): the
// quotient is below max(sqrt(a), sqrt(b)), so only a result above 1.8e308 overflows.
BEDS_HD bool log(double a, double b, double& v) {
  bool ok = valid_rate(a) & valid_rate(b);
  a = ok ? a : 1.0;
  b = ok ? b : 1.0;
  const double ra = math::sqrt(a), rb = math::sqrt(b);
  const double r = 2.0 * ra * ((b - a) / (ra + rb));
  ok = ok & math::isfinite(r);
  v = ok ? r : math::kNaN;
  return ok;
}
// Exp_a(v) = a f^2, f = 1 + v / (2a), while f > 0, evaluated as (a f) f (exact at v = 0; the
// intermediate a f = a + v/2 is below the result when f >= 1).  When v / (2a) overflows (a near the
// smallest subnormal), as (sqrt(a) + v / (2 sqrt(a)))^2, which does not.
BEDS_HD bool exp(double a, double v, double& b) {
  bool ok = valid_rate(a) & math::isfinite(v);
  a = ok ? a : 1.0;
  v = ok ? v : 0.0;
  const double f = 1.0 + (v / a) * 0.5;  // (not v / (2a): 2a overflows for a above 9e307)
  const double ra = math::sqrt(a);
  const double g = ra + v / (2.0 * ra);
  const bool fin = math::isfinite(f);
  const double r = fin ? (a * f) * f : g * g;
  ok = ok & ((fin ? f : g) > 0.0) & valid_rate(r);  // rate 0 is the boundary, not a Poisson law
  b = ok ? r : math::kNaN;
  return ok;
}
// sqrt(rate(t)) = (1 - t) sqrt(a) + t sqrt(b) (exact end points, no cancellation for t in [0, 1]);
// for |t| > 2 as sqrt(a) + t (sqrt(b) - sqrt(a)) (no inf - inf for huge t), with sqrt(b) - sqrt(a)
// = (b - a) / (sqrt(a) + sqrt(b)).
BEDS_HD bool geodesic(double a, double b, double t, double& out) {
  bool ok = valid_rate(a) & valid_rate(b) & math::isfinite(t);
  a = ok ? a : 1.0;
  b = ok ? b : 1.0;
  t = ok ? t : 0.0;
  const double ra = math::sqrt(a), rb = math::sqrt(b);
  const double r = math::abs(t) <= 2.0 ? (1.0 - t) * ra + t * rb : ra + t * ((b - a) / (ra + rb));
  ok = ok & (r > 0.0) & valid_rate(r * r);
  out = ok ? r * r : math::kNaN;
  return ok;
}
// v sqrt(b / a) = v (sqrt(b) / sqrt(a)).  Fast range: the ratio normal.
BEDS_HD bool transport(double a, double b, double v, double& out) {
  const double ratio = math::sqrt(b) / math::sqrt(a), r = v * ratio;
  const bool ok = valid_rate(a) & valid_rate(b) & math::isfinite(v) & (ratio >= 0x1p-1000) & (ratio <= 0x1p1000) &
                  math::isfinite(r);
  out = ok ? r : math::kNaN;
  return ok;
}
BEDS_HD bool transport_slow(double a, double b, double v, double& out) {
  out = math::kNaN;
  if (!(valid_rate(a) & valid_rate(b) & math::isfinite(v))) return false;
  const double r = math::to_double(math::wide(v) * math::sqrt(math::wide(b) / math::wide(a)));
  if (!math::isfinite(r)) return false;
  out = r;
  return true;
}

}  // namespace poisson
BEDS_NAMESPACE_END
