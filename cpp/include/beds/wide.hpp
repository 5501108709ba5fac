// Doubles with an unbounded exponent, for the scalar slow paths of the kernels.
//
// The vectorized kernels evaluate their closed forms in plain doubles, which is exact to a few ulp
// as long as no intermediate value (a square, a product of two scales, a ratio) leaves the normal
// range of float64.  The kernels check that cheaply and send the rare elements that fail the check
// (means or scales near 1e+-300, subnormals, far-apart scales) to a slow path that evaluates the
// same formulas in this type: a double mantissa m (1 <= |m| < 2, or 0) times 2^e with a 64-bit
// exponent.  Each operation rounds once, like a double operation, but nothing overflows or
// underflows, so the slow path keeps the accuracy of the fast formulas over the whole float range;
// only the final conversion to double (to_double) can overflow (the result is not representable)
// or underflow (rounded once, to a subnormal or 0).
//
// Everything is BEDS_HD and uses only bit operations and the branch-free functions of math.hpp, so
// the slow paths also compile for CUDA devices.
#pragma once

#include <cstdint>

#include "beds/math.hpp"

BEDS_NAMESPACE_BEGIN
namespace math {

struct Wide {
  double m;     // 0, or 1 <= |m| < 2
  long long e;  // the value is m * 2^e
};

// 2^k as a double, for k in [-1022, 1023].
BEDS_HD double pow2(long long k) { return from_bits(static_cast<std::uint64_t>(k + 1023) << 52); }

// m * 2^e in canonical form; m finite (any magnitude, subnormals included).
BEDS_HD Wide wide_normalize(double m, long long e) {
  if (m == 0.0) return Wide{0.0, 0};
  std::uint64_t b = to_bits(m);
  long long field = static_cast<long long>((b >> 52) & 0x7FFULL);
  if (field == 0) {  // subnormal: 2^64 m is normal
    m *= 18446744073709551616.0;
    e -= 64;
    b = to_bits(m);
    field = static_cast<long long>((b >> 52) & 0x7FFULL);
  }
  const double mm = from_bits((b & ~(0x7FFULL << 52)) | (1023ULL << 52));
  return Wide{mm, e + field - 1023};
}
BEDS_HD Wide wide(double x) { return wide_normalize(x, 0); }

// Rounded once to the nearest double: +-inf when too large, a subnormal or +-0 when too small.
BEDS_HD double to_double(Wide a) {
  if (a.m == 0.0) return a.m;
  if (a.e > 1023) return a.m > 0.0 ? kInf : -kInf;
  if (a.e < -1100) return a.m * 0.0;
  const long long e1 = a.e < -1022 ? -1022 : a.e;
  return (a.m * pow2(e1)) * pow2(a.e - e1);  // the first product is exact, the second rounds once
}

BEDS_HD Wide neg(Wide a) { return Wide{-a.m, a.e}; }
BEDS_HD Wide abs(Wide a) { return Wide{abs(a.m), a.e}; }
BEDS_HD Wide scale2(Wide a, long long k) { return a.m == 0.0 ? a : Wide{a.m, a.e + k}; }  // a * 2^k
BEDS_HD Wide mul(Wide a, Wide b) { return wide_normalize(a.m * b.m, a.e + b.e); }
BEDS_HD Wide div(Wide a, Wide b) { return wide_normalize(a.m / b.m, a.e - b.e); }  // b != 0
BEDS_HD Wide add(Wide a, Wide b) {
  if (b.m == 0.0) return a;
  if (a.m == 0.0) return b;
  if (a.e < b.e) {
    const Wide t = a;
    a = b;
    b = t;
  }
  const long long d = b.e - a.e;  // <= 0
  if (d < -1100) return a;        // b is below half an ulp of a
  const long long d1 = d < -1000 ? -1000 : d;
  return wide_normalize(a.m + (b.m * pow2(d1)) * pow2(d - d1), a.e);
}
BEDS_HD Wide sub(Wide a, Wide b) { return add(a, neg(b)); }
BEDS_HD Wide sqrt(Wide a) {  // a >= 0
  if (a.m == 0.0) return a;
  const long long odd = a.e & 1;
  return wide_normalize(sqrt(odd ? 2.0 * a.m : a.m), (a.e - odd) / 2);
}
// Natural logarithm of a > 0.
BEDS_HD double log(Wide a) {
  const double k = static_cast<double>(a.e);
  return k * kLn2Hi + (log(a.m) + k * kLn2Lo);
}
// e^x as a Wide for |x| <= 1e6 (x is clamped there: far beyond any double).
BEDS_HD Wide exp_wide(double x) {
  x = x > 1e6 ? 1e6 : (x < -1e6 ? -1e6 : x);
  const double kd = static_cast<double>(static_cast<long long>(x * kInvLn2 + (x >= 0.0 ? 0.5 : -0.5)));
  const double r = (x - kd * kLn2Hi) - kd * kLn2Lo;  // |r| <= ln2 / 2 (k ln2_hi is exact for |k| < 2^32)
  return wide_normalize(exp(r), static_cast<long long>(kd));
}
// log(1 + a) for a >= 0, as a Wide (tiny arguments keep their exponent: log1p(a) = a - a^2/2 + ...).
BEDS_HD Wide log1p(Wide a) {
  if (a.m == 0.0 || a.e < -60) return a;  // a^2/2 is below half an ulp of a
  if (a.e < 60) return wide(log1p_pos(to_double(a)));
  return wide(log(a) + to_double(div(wide(1.0), a)));  // log(a) + log1p(1/a), 1/a < 2^-60
}

BEDS_HD bool is_zero(Wide a) { return a.m == 0.0; }
BEDS_HD bool is_negative(Wide a) { return a.m < 0.0; }
BEDS_HD bool is_positive(Wide a) { return a.m > 0.0; }
// |a| < 2^k
BEDS_HD bool below_pow2(Wide a, long long k) { return a.m == 0.0 || a.e < k; }
// a < b
BEDS_HD bool less(Wide a, Wide b) { return is_negative(sub(a, b)); }

BEDS_HD Wide operator+(Wide a, Wide b) { return add(a, b); }
BEDS_HD Wide operator-(Wide a, Wide b) { return sub(a, b); }
BEDS_HD Wide operator-(Wide a) { return neg(a); }
BEDS_HD Wide operator*(Wide a, Wide b) { return mul(a, b); }
BEDS_HD Wide operator/(Wide a, Wide b) { return div(a, b); }
BEDS_HD Wide operator*(double a, Wide b) { return mul(wide(a), b); }
BEDS_HD Wide operator*(Wide a, double b) { return mul(a, wide(b)); }
BEDS_HD Wide operator+(Wide a, double b) { return add(a, wide(b)); }
BEDS_HD Wide operator-(Wide a, double b) { return sub(a, wide(b)); }
BEDS_HD Wide operator/(Wide a, double b) { return div(a, wide(b)); }

}  // namespace math
BEDS_NAMESPACE_END
