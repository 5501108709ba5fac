// Branch-free elementary functions for the batched kernels.
//
// Why not <cmath>: libm's log1p/expm1 are opaque calls, so a loop that uses them cannot be
// vectorized; and the wheels target baseline x86-64, so we cannot rely on a vector math library.
// These versions are straight-line code (selects, integer bit tricks, polynomials) that GCC, Clang
// and MSVC vectorize inside the element-wise loops, and that nvcc compiles for the device.
//
// Accuracy (measured against mpmath in tests/test_math.py and tests/test_dynamics_math.py): log and
// log1p within 1 ulp over their domains, exp within 0.8 ulp, expm1 within 2 ulp, log1pmx within 3
// ulp (2 ulp on (-0.5, 1)).  The algorithms are the classic fdlibm
// reductions (Sun Microsystems, 1993): log via f = m - 1, s = f / (2 + f) and a degree-14 odd polynomial in s;
// expm1/exp via x = k ln2 + r and a Taylor polynomial of degree 13 on |r| <= ln2 / 2.
//
// Preconditions are stated per function.  Callers sanitise invalid lanes before calling, so that
// unused SIMD lanes never raise spurious floating-point exceptions.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>

#include "beds/config.hpp"

#include <cmath>

BEDS_NAMESPACE_BEGIN
namespace math {

BEDS_HD std::uint64_t to_bits(double x) {
#if defined(__CUDA_ARCH__)
  return static_cast<std::uint64_t>(__double_as_longlong(x));
#else
  std::uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
#endif
}

BEDS_HD double from_bits(std::uint64_t u) {
#if defined(__CUDA_ARCH__)
  return __longlong_as_double(static_cast<long long>(u));
#else
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
#endif
}

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kMaxDouble = 1.7976931348623157e308;
constexpr double kSqrt2 = 1.41421356237309504880;
constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 32 trailing zero bits: k*kLn2Hi is exact
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kInvLn2 = 1.44269504088896338700e+00;

BEDS_HD double sqrt(double x) { return std::sqrt(x); }
BEDS_HD double abs(double x) { return std::fabs(x); }
BEDS_HD double min(double a, double b) { return a < b ? a : b; }
BEDS_HD double max(double a, double b) { return a > b ? a : b; }
// Finite test written as a comparison so that it vectorizes (NaN compares false).
BEDS_HD bool isfinite(double x) { return std::fabs(x) <= kMaxDouble; }

// The exact double value of the integer k stored in the low bits of a magic-shifted double.
// Used instead of int64 -> double conversion, which has no AVX2 instruction.
BEDS_HD double exponent_as_double(std::uint64_t biased_exponent_field) {
  // biased_exponent_field = k + 1023 in [0, 2047]
  return from_bits(biased_exponent_field | 0x4330000000000000ULL) - (4503599627370496.0 + 1023.0);
}

// log(1 + f) - f + f^2/2 core of fdlibm, for f in [sqrt(1/2) - 1, sqrt(2) - 1].
BEDS_HD double log_core(double f, double kd, double correction) {
  constexpr double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01, Lg3 = 2.857142874366239149e-01,
                   Lg4 = 2.222219843214978396e-01, Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                   Lg7 = 1.479819860511658591e-01;
  const double s = f / (2.0 + f);
  const double z = s * s;
  const double w = z * z;
  const double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  const double R = t2 + t1;
  const double hfsq = 0.5 * f * f;
  return kd * kLn2Hi - ((hfsq - (s * (hfsq + R) + (kd * kLn2Lo + correction))) - f);
}

// Splits a positive normal double u into u = 2^k * (1 + f) with 1 + f in [sqrt(1/2), sqrt(2)).
struct Reduced {
  double f;
  double kd;             // k as a double
  std::uint64_t kfield;  // k + 1023
};
BEDS_HD Reduced reduce_log(double u) {
  constexpr std::uint64_t kSqrtHalfBits = 0x3FE6A09E667F3BCDULL;  // sqrt(1/2)
  const std::uint64_t ix = to_bits(u);
  // t = ix - bits(sqrt(1/2)) + bias, so that the exponent field of t is k + 1023 >= 0.
  const std::uint64_t t = ix - kSqrtHalfBits + 0x3FF0000000000000ULL;
  const std::uint64_t kfield = t >> 52;  // k + 1023
  const std::uint64_t mbits = ix - ((kfield - 1023ULL) << 52);
  Reduced r;
  r.f = from_bits(mbits) - 1.0;
  r.kd = exponent_as_double(kfield);
  r.kfield = kfield;
  return r;
}

// Natural logarithm.  Domain: x > 0 (including subnormals and +inf); 0 gives -inf.
BEDS_HD double log(double x) {
  const bool sub = x < 2.2250738585072014e-308;
  const double xs = sub ? (x > 0.0 ? x : 1.0) * 18014398509481984.0 : (x < kInf ? x : 1.0);  // 2^54
  const Reduced r = reduce_log(xs);
  double y = log_core(r.f, r.kd - (sub ? 54.0 : 0.0), 0.0);
  y = x == kInf ? kInf : y;
  y = x == 0.0 ? -kInf : y;
  return y;
}

// log(1 + x).  Domain: x >= -1 (x = -1 gives -inf; +inf gives +inf; NaN and x < -1 give NaN, -0
// gives +0).  Accurate for tiny x.
// fdlibm's log1p: u = 1 + x rounded, c = (1 + x) - u exactly, log1p(x) = log(u) + c / u.  The
// correction c / u is below half an ulp of the result, so 1/u only needs a few bits: it is formed
// from the exponent of u and 1/m ~ 1 - f + f^2 - f^3 (error < 3%), which saves a division.
// c is exact with 1 - (u - x) when u >= 2 and with x - (u - 1) below (chosen by u, as in fdlibm).
BEDS_HD double log1p_correction(double x, double u, const Reduced& r) {
  const double c1 = 1.0 - (u - x), c2 = x - (u - 1.0);
  const double c = u >= 2.0 ? c1 : c2;
  // 2^-k; 0 when u is so large (k >= 1023) that the correction is negligible anyway (the test is
  // on the double k: SSE2 has no 64-bit integer comparison, which would stop the vectorizer)
  const double inv_pow2 = r.kd < 1023.0 ? from_bits((2046ULL - r.kfield) << 52) : 0.0;
  const double inv_m = 1.0 - r.f * (1.0 - r.f * (1.0 - r.f));
  return c * inv_pow2 * inv_m;
}

BEDS_HD double log1p(double x) {
  const double u = 1.0 + x;
  const bool special = !(u < kInf) | !(u > 0.0);  // u = inf (or NaN), or u <= 0
  const double us = special ? 1.0 : u;
  const double xs = special ? 0.0 : x;
  const Reduced r = reduce_log(us);
  double y = log_core(r.f, r.kd, log1p_correction(xs, us, r));
  y = u == kInf ? kInf : y;
  y = u == 0.0 ? -kInf : y;
  y = x >= -1.0 ? y : kNaN;  // NaN (the comparison is false) or below the domain
  return y;
}

// log(1 + x) for x >= 0 (+inf gives +inf, NaN gives NaN): the hot path of the distances.
// +inf and NaN go through the reduction unsanitised (integer bit operations and arithmetic on
// finite or NaN values: no trap, no loop) and are replaced by x at the end; two selects fewer on
// the path of every element (the Exponential distance: 2.5 -> 2.2 ns per element with AVX2).
BEDS_HD double log1p_pos(double x) {
  const double u = 1.0 + x;
  const Reduced r = reduce_log(u);
  const double y = log_core(r.f, r.kd, log1p_correction(x, u, r));
  return u < kInf ? y : x;  // inf or NaN: returned as they are
}

// expm1 / exp share the reduction x = k ln2 + r (|r| <= ln2 / 2) and a Taylor polynomial
// p(r) = e^r - 1 = r + r^2 q(r) of degree 13.
struct ExpParts {
  double p;             // e^r - 1
  std::uint64_t kbias;  // k + 2048 (k in [-1100, 1100])
};
// q(r) = (e^r - 1 - r) / r^2, with r2 = r^2.
BEDS_HD double exp_poly_q(double r, double r2) {
  constexpr double c2 = 1.0 / 2, c3 = 1.0 / 6, c4 = 1.0 / 24, c5 = 1.0 / 120, c6 = 1.0 / 720, c7 = 1.0 / 5040,
                   c8 = 1.0 / 40320, c9 = 1.0 / 362880, c10 = 1.0 / 3628800, c11 = 1.0 / 39916800,
                   c12 = 1.0 / 479001600, c13 = 1.0 / 6227020800;
  // Estrin's scheme: the polynomial with a dependency chain of 4 FMAs instead of 12 (the exp map
  // and geodesic kernels are latency-bound: 9.2 -> 7.5 ns per element with AVX2)
  const double r4 = r2 * r2, r8 = r4 * r4;
  const double p23 = c2 + r * c3, p45 = c4 + r * c5, p67 = c6 + r * c7, p89 = c8 + r * c9;
  const double p1011 = c10 + r * c11, p1213 = c12 + r * c13;
  const double p25 = p23 + r2 * p45, p69 = p67 + r2 * p89, p1013 = p1011 + r2 * p1213;
  return p25 + r4 * p69 + r8 * p1013;
}
constexpr double kExpShift = 6755399441055744.0;  // 0x1.8p52: adding it rounds to an integer
// k + 2048 from x / ln2 + kExpShift (whose low bits hold k + 2^51)
BEDS_HD std::uint64_t exp_kbias(double shifted) { return to_bits(shifted) - (0x4338000000000000ULL - 2048ULL); }
BEDS_HD ExpParts reduce_exp(double x) {
  // caller guarantees -760 <= x <= 709.79
  const double shifted = x * kInvLn2 + kExpShift;
  const double kd = shifted - kExpShift;
  const double r = (x - kd * kLn2Hi) - kd * kLn2Lo;
  const double r2 = r * r;
  ExpParts e;
  e.p = r + r2 * exp_poly_q(r, r2);
  e.kbias = exp_kbias(shifted);
  return e;
}
// 2^k as the product of two normal numbers 2^k1 * 2^k2 (k1 = floor(k / 2)), valid for every k
// whose 2^k is representable, subnormals included.
struct Pow2Pair {
  double a, b;
};
BEDS_HD Pow2Pair pow2_pair(std::uint64_t kbias) {
  const std::uint64_t k1b = kbias >> 1;  // k1 + 1024
  Pow2Pair s;
  s.a = from_bits((k1b - 1ULL) << 52);          // 2^k1
  s.b = from_bits((kbias - k1b - 1ULL) << 52);  // 2^(k - k1)
  return s;
}

// e^x - 1.  Accurate for tiny x; -1 below -38; +inf above 709.7827.
BEDS_HD double expm1(double x) {
  const double xs = x < -40.0 ? -40.0 : (x > 709.79 ? 709.79 : x);
  const ExpParts e = reduce_exp(xs);
  // 2^k (1 + p) - 1 = 2 (2^(k-1) p + (2^(k-1) - 1/2)): one rounding, no overflow before the end
  const double half_k = from_bits((e.kbias - 1026ULL) << 52);  // 2^(k-1), k in [-58, 1024]
  double y = 2.0 * (half_k * e.p + (half_k - 0.5));
  y = x > 709.782712893384 ? kInf : y;
  y = x < -40.0 ? -1.0 : y;
  return y;
}

// e^x for any real x (0 below -745.14, +inf above 709.7827, subnormal results rounded once more).
// Within 0.75 ulp (measured; 0.8 for subnormal results), 98% of the results correctly rounded:
// e^r = 1 + r + r^2 q(r) is summed as (1 + hi) + (((1 - (1 + hi)) + hi - lo) + r^2 q), where
// r = hi - lo, hi = x - k ln2_hi is exact and 1 + hi is split exactly (Fast2Sum): neither the
// rounding of 1 + r nor the reduction error of r reaches the result, whose only large error is the
// final rounding.  NaN gives NaN.
BEDS_HD double exp(double x) {
  const double xs = x < -760.0 ? -760.0 : (x > 709.79 ? 709.79 : x);
  const double shifted = xs * kInvLn2 + kExpShift;
  const double kd = shifted - kExpShift;
  const double hi = xs - kd * kLn2Hi;  // exact: kd kLn2Hi is exact, 0 or within a factor 2 of xs
  const double lo = kd * kLn2Lo;
  const double r = hi - lo;
  const double r2 = r * r;
  const double s = 1.0 + hi;
  const double s_err = (1.0 - s) + hi;  // exact: |hi| < 1
  const double er = s + ((s_err - lo) + r2 * exp_poly_q(r, r2));
  const Pow2Pair sc = pow2_pair(exp_kbias(shifted));
  double y = (er * sc.a) * sc.b;
  y = x > 709.782712893384 ? kInf : y;
  y = x < -760.0 ? 0.0 : y;
  return y;
}

// log(1 + x) - x, accurate near 0 (needed by KL divergences).  Domain: x > -1.
// Near 0 uses log1p(x) = 2 atanh(s), s = x / (2 + x), and x - 2s = x s:
//   log1p(x) - x = s (2 s^2 sum_k s^(2k) / (2k + 3) - x)
// a product of two accurately known factors (no cancellation; about 2 ulp).
// log1pmx_r(x, r) takes r = 1 + x as well, computed accurately by the caller (e.g. a ratio s1/s2):
// far from 0 the result is then log(r) - x, which avoids forming 1 + x when x is close to -1.
BEDS_HD double log1pmx_series(double x) {
  const double s = x / (2.0 + x);
  const double z = s * s;
  // sum_{k=0}^{17} z^k / (2k + 3); |s| < 1/3 so z < 1/9 and 18 terms give < 1e-18 relative error.
  double series = 1.0 / 37;
  series = 1.0 / 35 + z * series;
  series = 1.0 / 33 + z * series;
  series = 1.0 / 31 + z * series;
  series = 1.0 / 29 + z * series;
  series = 1.0 / 27 + z * series;
  series = 1.0 / 25 + z * series;
  series = 1.0 / 23 + z * series;
  series = 1.0 / 21 + z * series;
  series = 1.0 / 19 + z * series;
  series = 1.0 / 17 + z * series;
  series = 1.0 / 15 + z * series;
  series = 1.0 / 13 + z * series;
  series = 1.0 / 11 + z * series;
  series = 1.0 / 9 + z * series;
  series = 1.0 / 7 + z * series;
  series = 1.0 / 5 + z * series;
  series = 1.0 / 3 + z * series;
  return s * (2.0 * z * series - x);
}
BEDS_HD bool log1pmx_near(double x) { return (x > -0.5) & (x < 1.0); }  // |s| < 1/3

BEDS_HD double log1pmx_r(double x, double r) {
  const bool near = log1pmx_near(x);
  const double small = log1pmx_series(near ? x : 0.0);
  const bool inf = !(x < kInf);
  const double xf = (near | inf) ? 0.0 : x;
  const double far = log((near | inf) ? 1.0 : r) - xf;
  return near ? small : (inf ? -kInf : far);
}
BEDS_HD double log1pmx(double x) {
  const bool near = log1pmx_near(x);
  const double small = log1pmx_series(near ? x : 0.0);
  const bool inf = !(x < kInf);
  const double xf = (near | inf) ? 0.0 : x;
  const double far = log1p(xf) - xf;
  return near ? small : (inf ? -kInf : far);
}

}  // namespace math
BEDS_NAMESPACE_END
