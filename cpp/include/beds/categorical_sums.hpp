// Sums over the classes of categorical rows: distance, KL, Jeffreys, entropy (gufuncs "(k),(k)->()"
// and "(k)->()").
//
// Rows are processed in blocks of many rows at once, so that the per-class terms run as one long
// vectorized loop even for a handful of classes.  Per block: the row sums (fixed order, row_total)
// give the normalisation 1 / sum; the rows are copied, scaled, to double buffers (contiguous float64
// rows are read in place, other layouts are gathered first, so every layout computes the same
// numbers: results are bitwise identical whatever the strides); the terms are computed branch-free
// over the whole block; each row is summed again with row_total; and the final transformation
// (the distance's arcsine) runs vectorized over the rows of the block.  Rows of kLongRow classes or
// more are taken one at a time, their terms summed as they are computed (wide_sum).  A row is out of domain when
// it is not on the simplex within sum_tolerance<T>() or has a negative entry (its term is NaN).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "beds/categorical.hpp"
#include "beds/loops.hpp"
#include "beds/math.hpp"

BEDS_NAMESPACE_BEGIN
namespace categorical {

// 2 asin(c / 2) for a chord c in [0, 2] (larger c is taken as 2): the angle between two unit
// vectors at chord distance c.  fdlibm's arcsine (|error| < 1 ulp), with both of its branches
// computed and one selected, so that it vectorizes.
BEDS_HD double angle_from_chord(double chord) {
  constexpr double pio2_hi = 1.57079632679489655800e+00, pio2_lo = 6.12323399573676603587e-17,
                   pio4_hi = 7.85398163397448278999e-01;
  constexpr double pS0 = 1.66666666666666657415e-01, pS1 = -3.25565818622400915405e-01,
                   pS2 = 2.01212532134862925881e-01, pS3 = -4.00555345006794114027e-02,
                   pS4 = 7.91534994289814532176e-04, pS5 = 3.47933107596021167570e-05,
                   qS1 = -2.40339491173441421878e+00, qS2 = 2.02094576023350569471e+00,
                   qS3 = -6.88283971605453293030e-01, qS4 = 7.70381505559019352791e-02;
  const double x = math::min(0.5 * chord, 1.0);  // NaN: stays NaN
  const bool low = x < 0.5;
  const double big_t = 0.5 * (1.0 - x);
  const double t = low ? x * x : big_t;
  const double p = t * (pS0 + t * (pS1 + t * (pS2 + t * (pS3 + t * (pS4 + t * pS5)))));
  const double q = 1.0 + t * (qS1 + t * (qS2 + t * (qS3 + t * qS4)));
  const double r = p / q;
  const double a_low = x + x * r;
  const double s = math::sqrt(big_t);
  const double a_top = pio2_hi - (2.0 * (s + s * r) - pio2_lo);  // x > 0.975
  const double w = math::from_bits(math::to_bits(s) & 0xFFFFFFFF00000000ULL);
  const double c = (big_t - w * w) / (s + w > 0.0 ? s + w : 1.0);
  const double a_mid = pio4_hi - ((2.0 * s * r - (pio2_lo - 2.0 * c)) - (pio4_hi - 2.0 * w));
  return 2.0 * (low ? a_low : (x > 0.975 ? a_top : a_mid));
}

// Per-class terms of normalised probabilities x (of p) and y (of q); NaN for negative entries.
// Each declares its cost per class (ns, see the cost model in loops.hpp) and the finish applied to
// the row sum.
// d = 2 theta, theta = 2 asin(|sqrt(q) - sqrt(p)| / 2), with
//   (sqrt(x) - sqrt(y))^2 = (x - y)^2 / (sqrt(x) + sqrt(y))^2 = (x - y)^2 / (x + y + 2 sqrt(x y)):
// free of cancellation, and one square root per class (of x y 2^1000: the scaling by a power of two
// keeps the product of small probabilities away from the subnormal range; probabilities are at most
// 1 within the sum tolerance, so it cannot overflow).  The quotient is formed before the second
// factor x - y, so that the term of a tiny difference does not underflow.  Measured against mpmath
// on rows of 2 to 5 classes: at most 1.5 ulp (the previous form, two square roots: 2.0).
struct DistanceTerm {
  static constexpr bool unary = false;
  static constexpr double cost_ns = 1.5;
  // fast(x, y) == term(x, y) when x and y are at least kFastMin (see SimplexSum)
  static constexpr double kFastMin = 0x1p-960;
  BEDS_HD static double fast(double x, double y) {
    const double d = x - y;
    const double g = math::sqrt(x * 0x1p1000 * y) * 0x1p-500;  // sqrt(x y)
    return (d / (2.0 * g + (x + y))) * d;
  }
  BEDS_HD static double term(double x, double y) {
    const double d = x - y;
    const double g = math::sqrt(x * 0x1p1000 * y) * 0x1p-500;
    // (x = y = 0: 0 / denorm_min = 0)
    const double den = math::max(2.0 * g + (x + y), 4.9406564584124654e-324);
    // (the product last, as in fast: a compiler that fuses it with the sum of the terms then fuses
    // both forms alike)
    return (d / den) * (math::min(x, y) >= 0.0 ? d : math::kNaN);
  }
  BEDS_HD static double finish(double s) { return 2.0 * angle_from_chord(math::sqrt(s)); }
};

// KL(p || q) = sum_i [x log(x / y) - x + y] (x = p_i, y = q_i): each term >= 0, no cancellation in
// the sum.  One division and one polynomial per term, no branch, no libm call:
// - near pairs, 1/2 < x/y < 2 (|x - y| < min(x, y)): with s = (x - y) / (x + y), x / y = (1 + s) /
//   (1 - s), log(x / y) = 2 atanh(s) = 2 s + 2 s^3 T(s^2), T(z) = sum_k z^k / (2k + 3), and
//     x log(x / y) - (x - y) = (x - y) s + 2 x s^3 T(s^2)
//   (the first product carries the term, the second is at most 0.17 of it): free of cancellation;
//   |s| < 1/3, z < 1/9;
// - other pairs: x / y = 2^j m with 2^j from the exponent fields (the difference of the bit patterns
//   of x and y, a piecewise-linear log2 of the ratio, rounded: m within [0.69, 1.45]); m is formed
//   exactly as x / (y 2^j), so u = (x - y 2^j) / (x + y 2^j) is the single division, |u| < 0.19, and
//     x log(x / y) - (x - y) = [x (j ln2) - (x - y)] + x [2 u + 2 u^3 T(u^2) + j (ln2 - (ln2 rounded))]
//   where the bracket is one fused multiply-add (one rounding; the SSE2 baseline build, without FMA,
//   rounds twice): the cancellation between x log(x/y) and x - y (at most a factor 3.6 at a ratio
//   of 2) then only meets the small error of log m.
// T is a polynomial fit on [0, 1/9] (relative error 6e-17).  Probabilities below 2^-960 are scaled
// by 2^128 for the exponent arithmetic (the ratio and s are unchanged), so subnormal x or y cost
// nothing special.  Measured against mpmath on rows of 2 to 5 classes with ratios
// from e^-3 to e^3: at most 2.2 ulp (the previous form, two divisions: 2.3).  0 log 0 = 0; inf where
// q_i = 0 < p_i.
struct KLTerm {
  static constexpr bool unary = false;
  static constexpr double cost_ns = 2.0;
  BEDS_HD static double atanh_tail(double z) {  // T(z) for z in [0, 1/9]
    return 0.3333333333333333 +
           z * (0.19999999999999762 +
                z * (0.1428571428580005 +
                     z * (0.11111111099118386 +
                          z * (0.09090909948981357 +
                               z * (0.07692271982430275 +
                                    z * (0.06667589315724629 +
                                         z * (0.05867139530651599 +
                                              z * (0.05422589197440007 +
                                                   z * (0.03746071897775383 + z * 0.07815288900461426)))))))));
  }
  static constexpr double kFastMin = 0x1p-960;
  // The term of x, y > 0 given at the scale xs = x sc, ys = y sc (sc a power of two: the ratio and
  // the exponent arithmetic need xs and ys normal).
  BEDS_HD static double positive(double x, double y, double xs, double ys) {
    constexpr double kLn2 = 0.6931471805599453, kLn2Lo = 2.3190468138462996e-17;  // ln2 = kLn2 + kLn2Lo
    constexpr std::uint64_t kZero = 2048ULL << 52;  // j = 0 (the exponent field of j + 2048)
    // the ratio's bit pattern offset so that the rounding boundary of j is at m = sqrt(1/2)
    constexpr std::uint64_t kRound = 0x3FF0000000000000ULL - 0x3FE6A09E667F3BCDULL;
    const double d = x - y;
    const bool near = math::abs(d) < math::min(x, y);
    const std::uint64_t yb = math::to_bits(ys);
    std::uint64_t t = math::to_bits(xs) - yb + (kZero + kRound);  // (j + 2048) 2^52 + ...
    t = near ? kZero : t;
    const double jd = math::from_bits((t >> 52) | 0x4330000000000000ULL) - (4503599627370496.0 + 2048.0);
    const double yj = math::from_bits(yb + (t & 0xFFF0000000000000ULL) - kZero);  // ys 2^j, exact
    const double u = (xs - yj) / (xs + yj);                                       // near: u = s
    const double z = u * u;
    const double p = u * z * atanh_tail(z);
    const double base = near ? d * u : x * (jd * kLn2) - d;
    const double c = jd * kLn2Lo + 2.0 * (p + (near ? 0.0 : u));
    return x * c + base;
  }
  // fast(x, y) == term(x, y) when x and y are at least kFastMin (see SimplexSum)
  BEDS_HD static double fast(double x, double y) { return positive(x, y, x, y); }
  BEDS_HD static double term(double x, double y) {
    const double m = math::min(x, y);
    const double sc = m < kFastMin ? 0x1p128 : 1.0;
    double r = positive(x, y, x * sc, y * sc);
    r = y == 0.0 ? math::kInf : r;
    r = x == 0.0 ? y : r;
    r = m >= 0.0 ? r : math::kNaN;
    return r;
  }
  BEDS_HD static double finish(double s) { return s; }
};

// J(p, q) = sum_i (p_i - q_i) log(p_i / q_i) = sum_i |p_i - q_i| log1p(|p_i - q_i| / min(p_i, q_i)).
// When the ratio would overflow (min(p_i, q_i) subnormal, far below the other entry) the logarithm
// is log(hi / (lo 2^64)) + 64 ln 2, the same log1p call on a ratio >= 2^936 (1 is lost in rounding).
struct JeffreysTerm {
  static constexpr bool unary = false;
  static constexpr double cost_ns = 3.0;
  BEDS_HD static double term(double x, double y) {
    constexpr double k64Ln2 = 44.361419555836499802702855773323300;
    const double diff = math::abs(x - y);
    const double lo = math::min(x, y), hi = math::max(x, y);
    const double lo_nz = lo > 0.0 ? lo : 1.0;
    const bool far = diff >= lo_nz * 0x1p1000;  // (diff / lo would be above 2^1000)
    const double arg = far ? hi / (lo_nz * 0x1p64) - 1.0 : diff / lo_nz;
    const double log_ratio = math::log1p_pos(arg) + (far ? k64Ln2 : 0.0);
    const double t = diff == 0.0 ? 0.0 : (lo == 0.0 ? math::kInf : diff * log_ratio);
    return (x >= 0.0) & (y >= 0.0) ? t : math::kNaN;
  }
  BEDS_HD static double finish(double s) { return s; }
};

// H(p) = -sum_i p_i log p_i (0 log 0 = 0).
struct EntropyTerm {
  static constexpr bool unary = true;
  static constexpr double cost_ns = 2.0;
  BEDS_HD static double term(double x, double) {
    const double t = x > 0.0 ? -x * math::log(x > 0.0 ? x : 1.0) : 0.0;
    return x >= 0.0 ? t : math::kNaN;
  }
  BEDS_HD static double finish(double s) { return s; }
};

// Sum of a long row in a fixed order: 16 interleaved partial sums (independent chains: the adds
// run at full throughput), then a fixed tree.  Used for rows of kLongRow classes or more, whatever
// their layout, so results do not depend on strides or threads.  f(j) gives the j-th value.
template <class F>
inline double wide_sum(const F& f, std::ptrdiff_t k) {
  double a[16] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  std::ptrdiff_t j = 0;
  for (; j + 16 <= k; j += 16)
    for (int l = 0; l < 16; ++l) a[l] += f(j + l);
  for (int l = 0; j < k; ++j, ++l) a[l] += f(j);
  for (int l = 0; l < 8; ++l) a[l] += a[l + 8];
  for (int l = 0; l < 4; ++l) a[l] += a[l + 4];
  return (a[0] + a[1]) + (a[2] + a[3]);
}
inline double wide_total(const double* t, std::ptrdiff_t k) {
  return wide_sum([t](std::ptrdiff_t j) { return t[j]; }, k);
}
// The same sum, and the smallest entry (NaN entries may be skipped: they make the sum NaN).
inline double wide_total_min(const double* t, std::ptrdiff_t k, double& smallest) {
  double a[16] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  double m[16] = {math::kInf, math::kInf, math::kInf, math::kInf, math::kInf, math::kInf, math::kInf, math::kInf,
                  math::kInf, math::kInf, math::kInf, math::kInf, math::kInf, math::kInf, math::kInf, math::kInf};
  std::ptrdiff_t j = 0;
  for (; j + 16 <= k; j += 16)
    for (int l = 0; l < 16; ++l) {
      a[l] += t[j + l];
      m[l] = math::min(m[l], t[j + l]);
    }
  for (int l = 0; j < k; ++j, ++l) {
    a[l] += t[j];
    m[l] = math::min(m[l], t[j]);
  }
  for (int l = 0; l < 8; ++l) {
    a[l] += a[l + 8];
    m[l] = math::min(m[l], m[l + 8]);
  }
  for (int l = 0; l < 4; ++l) {
    a[l] += a[l + 4];
    m[l] = math::min(m[l], m[l + 4]);
  }
  smallest = math::min(math::min(m[0], m[1]), math::min(m[2], m[3]));
  return (a[0] + a[1]) + (a[2] + a[3]);
}

// A term with a fast form declares kFastMin and fast(x, y): the same value as term(x, y), bit for
// bit, when x and y are both at least kFastMin (no zero, negative or tiny probability to treat
// apart).  SimplexSum uses it for the rows (long rows) or blocks of rows (short rows) that allow it.
template <class Term, class = void>
struct has_fast : std::false_type {};
template <class Term>
struct has_fast<Term, decltype(void(Term::kFastMin))> : std::true_type {};
template <class Term>
constexpr double fast_min() {
  if constexpr (has_fast<Term>::value)
    return Term::kFastMin;
  else
    return math::kInf;  // (no fast form: never)
}
template <class Term, bool Fast>
struct TermOf {
  BEDS_HD static double eval(double x, double y) { return Term::term(x, y); }
};
template <class Term>
struct TermOf<Term, true> {
  BEDS_HD static double eval(double x, double y) { return Term::fast(x, y); }
};

template <class Term, class T>
struct SimplexSum {
  static constexpr int nin = Term::unary ? 1 : 2;
  static constexpr std::ptrdiff_t kBuffer = 2048;
  // From this many classes a row is long enough to run its terms as one vectorized loop: the
  // scaling by 1 / sum is then fused into the term loop (no scaled copy of the row).
  static constexpr std::ptrdiff_t kLongRow = 64;

  // Work space for a block of rows: cap classes in all (at least one row of k), and room for the
  // per-row values of cap rows.
  struct Buffers {
    double *x, *y, *total_x, *total_y, *sum;
    std::ptrdiff_t cap;
  };

  // The rows [r, r + nr) of argument a as doubles, contiguous: the input itself when it is a
  // contiguous float64 block, else a copy in buf.
  static const double* block_of(char* const* args, const std::ptrdiff_t* steps, int a, std::ptrdiff_t k,
                                std::ptrdiff_t r, std::ptrdiff_t nr, double* buf) {
    const std::ptrdiff_t* core = steps + nin + 1;
    if (sizeof(T) == sizeof(double) && core[a] == static_cast<std::ptrdiff_t>(sizeof(double)) &&
        (steps[a] == k * static_cast<std::ptrdiff_t>(sizeof(double)) || nr == 1))
      return reinterpret_cast<const double*>(args[a] + r * steps[a]);
    for (std::ptrdiff_t i = 0; i < nr; ++i) {
      const char* row = args[a] + (r + i) * steps[a];
      for (std::ptrdiff_t j = 0; j < k; ++j) buf[i * k + j] = static_cast<double>(at<T>(row, core[a], j));
    }
    return buf;
  }

  // Validity and the final transformation of the row sums sum[0, nr) (vectorized over the rows),
  // stored to the output rows [r, r + nr); returns the invalid rows.
  static std::ptrdiff_t finish_rows(char* const* args, const std::ptrdiff_t* steps, std::ptrdiff_t r, std::ptrdiff_t nr,
                                    double* sum, const double* tx, const double* ty) {
    const double tol = sum_tolerance<T>();
    std::ptrdiff_t nbad = 0;
    BEDS_IVDEP
    for (std::ptrdiff_t i = 0; i < nr; ++i) {
      const double s = sum[i];
      const bool ok = (math::abs(tx[i] - 1.0) <= tol) & (math::abs(ty[i] - 1.0) <= tol) & (s == s);
      sum[i] = ok ? Term::finish(ok ? s : 0.0) : math::kNaN;
      nbad += ok ? 0 : 1;
    }
    if (steps[nin] == static_cast<std::ptrdiff_t>(sizeof(T))) {
      T* out = reinterpret_cast<T*>(args[nin]) + r;
      for (std::ptrdiff_t i = 0; i < nr; ++i) out[i] = static_cast<T>(sum[i]);
    } else {
      for (std::ptrdiff_t i = 0; i < nr; ++i) at_mut<T>(args[nin], steps[nin], r + i) = static_cast<T>(sum[i]);
    }
    return nbad;
  }

  // Whether the fast form applies to all of x[0, n), y[0, n) (NaN entries may pass: their rows are
  // out of domain whatever the terms).
  static bool fast_block(const double* x, const double* y, std::ptrdiff_t n) {
    if constexpr (has_fast<Term>::value) {
      int below = 0;
      for (std::ptrdiff_t i = 0; i < n; ++i) below |= (x[i] < Term::kFastMin) | (y[i] < Term::kFastMin);
      return below == 0;
    }
    return false;
  }
  // x[i] = term(x[i], y[i]) for i in [0, n)
  template <bool Fast>
  static void terms(double* x, const double* y, std::ptrdiff_t n) {
    using F = TermOf<Term, Fast && has_fast<Term>::value>;
    BEDS_IVDEP
    for (std::ptrdiff_t i = 0; i < n; ++i) x[i] = F::eval(x[i], y[i]);
  }
  // The sum of the k terms of the row x = px / tx, y = py / ty, in the order of wide_total.
  template <bool Fast>
  static double row_terms(const double* px, const double* py, double ix, double iy, std::ptrdiff_t k) {
    using F = TermOf<Term, Fast && has_fast<Term>::value>;
    return wide_sum([=](std::ptrdiff_t j) { return F::eval(px[j] * ix, py[j] * iy); }, k);
  }

  // Short rows [r0, r1), as many per block as the buffers hold; returns the invalid rows.
  static std::ptrdiff_t short_rows(char* const* args, const std::ptrdiff_t* steps, std::ptrdiff_t k, std::ptrdiff_t r0,
                                   std::ptrdiff_t r1, const Buffers& b) {
    const std::ptrdiff_t rows_per_block = b.cap / k;
    std::ptrdiff_t bad = 0;
    for (std::ptrdiff_t r = r0; r < r1; r += rows_per_block) {
      const std::ptrdiff_t nr = r + rows_per_block < r1 ? rows_per_block : r1 - r;
      const std::ptrdiff_t n = nr * k;
      // the operands, their row sums, and the operands scaled by 1 / sum (in b.x, b.y)
      const double* px = block_of(args, steps, 0, k, r, nr, b.x);
      for (std::ptrdiff_t i = 0; i < nr; ++i) b.total_x[i] = row_total(px + i * k, k);
      for (std::ptrdiff_t i = 0; i < nr; ++i) {
        const double inv = 1.0 / b.total_x[i];
        double* dst = b.x + i * k;
        const double* src = px + i * k;
        for (std::ptrdiff_t j = 0; j < k; ++j) dst[j] = src[j] * inv;
      }
      if (!Term::unary) {
        const double* py = block_of(args, steps, 1, k, r, nr, b.y);
        for (std::ptrdiff_t i = 0; i < nr; ++i) b.total_y[i] = row_total(py + i * k, k);
        for (std::ptrdiff_t i = 0; i < nr; ++i) {
          const double inv = 1.0 / b.total_y[i];
          double* dst = b.y + i * k;
          const double* src = py + i * k;
          for (std::ptrdiff_t j = 0; j < k; ++j) dst[j] = src[j] * inv;
        }
      }
      // the terms, over the whole block (the fast form when no probability of the block is below
      // kFastMin)
      double* x = b.x;
      const double* y = Term::unary ? b.x : b.y;
      if (fast_block(x, y, n))
        terms<true>(x, y, n);
      else
        terms<false>(x, y, n);
      for (std::ptrdiff_t i = 0; i < nr; ++i) b.sum[i] = row_total(x + i * k, k);
      bad += finish_rows(args, steps, r, nr, b.sum, b.total_x, Term::unary ? b.total_x : b.total_y);
    }
    return bad;
  }

  // Long rows [r0, r1) (k >= kLongRow), one at a time: the terms of x * (1 / sum) read the row in
  // place (contiguous float64) or from its copy, and are summed as they are computed, in the order
  // of wide_total.
  static std::ptrdiff_t long_rows(char* const* args, const std::ptrdiff_t* steps, std::ptrdiff_t k, std::ptrdiff_t r0,
                                  std::ptrdiff_t r1, const Buffers& b) {
    constexpr std::ptrdiff_t kRows = 64;  // row sums kept per finish_rows call
    std::ptrdiff_t bad = 0;
    for (std::ptrdiff_t r = r0; r < r1; r += kRows) {
      const std::ptrdiff_t nr = r + kRows < r1 ? kRows : r1 - r;
      for (std::ptrdiff_t i = 0; i < nr; ++i) {
        const double* px = block_of(args, steps, 0, k, r + i, 1, b.x);
        const double* py = Term::unary ? px : block_of(args, steps, 1, k, r + i, 1, b.y);
        double mx, my;
        const double tx = wide_total_min(px, k, mx), ty = Term::unary ? tx : wide_total_min(py, k, my);
        if (Term::unary) my = mx;
        const double ix = 1.0 / tx, iy = 1.0 / ty;
        // (min_j px_j * ix is the smallest x: the scaling is monotonic)
        const bool fast = (mx * ix >= fast_min<Term>()) & (my * iy >= fast_min<Term>());
        b.sum[i] = fast ? row_terms<true>(px, py, ix, iy, k) : row_terms<false>(px, py, ix, iy, k);
        b.total_x[i] = tx;
        b.total_y[i] = ty;
      }
      bad += finish_rows(args, steps, r, nr, b.sum, b.total_x, b.total_y);
    }
    return bad;
  }

  static std::ptrdiff_t run(char* const* args, const std::ptrdiff_t* steps, std::ptrdiff_t k, std::ptrdiff_t r0,
                            std::ptrdiff_t r1) {
    const FlagGuard flags;
    if (k == 0) {  // no classes: not a distribution
      for (std::ptrdiff_t r = r0; r < r1; ++r) at_mut<T>(args[nin], steps[nin], r) = static_cast<T>(math::kNaN);
      return r1 - r0;
    }
    if (k < kLongRow) {  // buffers on the stack, many rows per block
      double x[kBuffer], y[Term::unary ? 1 : kBuffer], tx[kBuffer], ty[Term::unary ? 1 : kBuffer], s[kBuffer];
      return short_rows(args, steps, k, r0, r1, Buffers{x, y, tx, ty, s, kBuffer});
    }
    // long rows: a copy of one row of each operand (used for layouts other than contiguous
    // float64), 64 row sums and totals
    double* heap = new double[static_cast<std::size_t>(2 * k + 3 * 64)];
    const std::ptrdiff_t bad = long_rows(
        args, steps, k, r0, r1, Buffers{heap, heap + k, heap + 2 * k, heap + 2 * k + 64, heap + 2 * k + 128, k});
    delete[] heap;
    return bad;
  }
  static void loop(char** args, const std::ptrdiff_t* dims, const std::ptrdiff_t* steps) {
    const std::ptrdiff_t k = dims[1];
    const double row_cost = (Term::cost_ns + 1.0) * static_cast<double>(k > 0 ? k : 1);  // terms and passes
    run_chunked(
        dims[0], chunk_for_cost(row_cost),
        [=](std::ptrdiff_t b, std::ptrdiff_t e) { return run(args, steps, k, b, e); },
        row_cost * static_cast<double>(dims[0]));
  }
};

}  // namespace categorical
BEDS_NAMESPACE_END
