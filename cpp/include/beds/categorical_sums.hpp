// Sums over the classes of categorical rows: distance, KL, Jeffreys, entropy (gufuncs "(k),(k)->()"
// and "(k)->()").
//
// Rows are processed in blocks of many rows at once, so that the per-class terms run as one long
// vectorized loop even for a handful of classes.  Per block: the row sums (fixed order, row_total)
// give the normalisation 1 / sum; the rows are copied, scaled, to double buffers (contiguous float64
// rows are read in place, other layouts are gathered first, so every layout computes the same
// numbers: results are bitwise identical whatever the strides); the terms are computed branch-free
// over the whole block; each row is summed again with row_total; and the final transformation
// (the distance's arcsine) runs vectorized over the rows of the block.  A row is out of domain when
// it is not on the simplex within sum_tolerance<T>() or has a negative entry (its term is NaN).
#pragma once

#include <cstddef>
#include <cstdint>

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
// d = 2 theta, theta = 2 asin(|sqrt(q) - sqrt(p)| / 2),  sqrt(q) - sqrt(p) = (q - p) / (sqrt p + sqrt q)
struct DistanceTerm {
  static constexpr bool unary = false;
  static constexpr double cost_ns = 2.0;
  BEDS_HD static double term(double x, double y) {
    const double den = math::sqrt(x) + math::sqrt(y);
    const double diff = (x - y) / math::max(den, 1e-300);  // den = 0 only when x = y = 0
    const double t = diff * diff;
    return (x >= 0.0) & (y >= 0.0) ? t : math::kNaN;
  }
  BEDS_HD static double finish(double s) { return 2.0 * angle_from_chord(math::sqrt(s)); }
};

// KL(p || q) = sum_i [p_i log(p_i / q_i) - p_i + q_i]: each term >= 0 (no cancellation in the sum).
// With s = (x - y) / (x + y): x / y = (1 + s) / (1 - s), log(x / y) = 2 atanh(s), and
//   x log(x / y) - (x - y) = (x - y) s (1 + s (1 + s) T(s^2)),  T(z) = sum_k z^k / (2k + 3),
// free of cancellation: used for 1/3 < x/y < 3 (|s| < 1/2, z < 1/4; T by a minimax polynomial with
// relative error 1.4e-16, which enters the term multiplied by |s (1 + s) T| < 0.3).  Elsewhere the
// term is x log(x/y) - (x - y) (cancellation by at most a factor 2.5), with the same polynomial for
// the logarithm: x / (2^64 y) = 2^k (1 + f) with 1 + f in [sqrt(1/2), sqrt(2)) (the factor 2^64
// keeps the ratio finite for subnormal y), s = f / (2 + f), log(1 + f) = f - s (f - 2 z T(z)).
// One division, one polynomial, no branch.  Measured against mpmath: at most 2.4 ulp per term
// (the previous two-branch form: 3.1).  0 log 0 = 0; inf where q_i = 0 < p_i.
struct KLTerm {
  static constexpr bool unary = false;
  static constexpr double cost_ns = 3.0;
  BEDS_HD static double atanh_tail(double z) {  // T(z) for z in [0, 1/4]
    return 0.3333333333333333 +
           z * (0.20000000000000864 +
                z * (0.14285714285490106 +
                     z * (0.11111111133938968 +
                          z * (0.09090907881509189 +
                               z * (0.07692345940270638 +
                                    z * (0.06665886352701884 +
                                         z * (0.05893099692590042 +
                                              z * (0.05160769881147162 +
                                                   z * (0.05441915418234587 +
                                                        z * (0.012292448728540531 +
                                                             z * (0.13557903913692299 +
                                                                  z * (-0.14450491183414468 +
                                                                       z * 0.21098097885975797))))))))))));
  }
  BEDS_HD static double term(double x, double y) {
    constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
    const double d = x - y, sum = x + y;
    const bool near = 2.0 * math::abs(d) < sum;
    // (r is only used for far pairs with x, y > 0: 0 < r < 2^1011, no guard needed)
    const double r = x / (y * 0x1p64);
    const math::Reduced red = math::reduce_log(r);
    const double f = red.f;
    const double s = (near ? d : f) / (near ? sum : 2.0 + f);
    const double z = s * s;
    const double tz = atanh_tail(z);
    const double t_near = d * s * (1.0 + s * (1.0 + s) * tz);
    const double kd = red.kd + 64.0;
    const double log_r = kd * kLn2Hi + ((f - s * (f - 2.0 * z * tz)) + kd * kLn2Lo);
    // (for subnormal r, i.e. x < 2^-958 y, log_r is off but x log_r is below 1e-300 y)
    double t = near ? t_near : x * log_r - d;
    t = y == 0.0 ? math::kInf : t;
    t = x == 0.0 ? y : t;
    t = x >= 0.0 ? t : math::kNaN;
    t = y >= 0.0 ? t : math::kNaN;
    return t;
  }
  BEDS_HD static double finish(double s) { return s; }
};

// J(p, q) = sum_i (p_i - q_i) log(p_i / q_i) = sum_i |p_i - q_i| log1p(|p_i - q_i| / min(p_i, q_i)).
struct JeffreysTerm {
  static constexpr bool unary = false;
  static constexpr double cost_ns = 3.0;
  BEDS_HD static double term(double x, double y) {
    const double diff = math::abs(x - y);
    const double lo = math::min(x, y);
    const double t =
        diff == 0.0 ? 0.0 : (lo == 0.0 ? math::kInf : diff * math::log1p_pos(diff / math::max(lo, 1e-300)));
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
// their layout, so results do not depend on strides or threads.
inline double wide_total(const double* t, std::ptrdiff_t k) {
  double a[16] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  std::ptrdiff_t j = 0;
  for (; j + 16 <= k; j += 16)
    for (int l = 0; l < 16; ++l) a[l] += t[j + l];
  for (int l = 0; j < k; ++j, ++l) a[l] += t[j];
  for (int l = 0; l < 8; ++l) a[l] += a[l + 8];
  for (int l = 0; l < 4; ++l) a[l] += a[l + 4];
  return (a[0] + a[1]) + (a[2] + a[3]);
}

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
      // the terms, over the whole block
      double* x = b.x;
      const double* y = Term::unary ? b.x : b.y;
      BEDS_IVDEP
      for (std::ptrdiff_t i = 0; i < n; ++i) x[i] = Term::term(x[i], y[i]);
      for (std::ptrdiff_t i = 0; i < nr; ++i) b.sum[i] = row_total(x + i * k, k);
      bad += finish_rows(args, steps, r, nr, b.sum, b.total_x, Term::unary ? b.total_x : b.total_y);
    }
    return bad;
  }

  // Long rows [r0, r1) (k >= kLongRow), one at a time: the terms of x * (1 / sum) read the row in
  // place (contiguous float64) or from its copy.  The numbers are those of short_rows.
  static std::ptrdiff_t long_rows(char* const* args, const std::ptrdiff_t* steps, std::ptrdiff_t k, std::ptrdiff_t r0,
                                  std::ptrdiff_t r1, const Buffers& b) {
    constexpr std::ptrdiff_t kRows = 64;  // row sums kept per finish_rows call
    std::ptrdiff_t bad = 0;
    for (std::ptrdiff_t r = r0; r < r1; r += kRows) {
      const std::ptrdiff_t nr = r + kRows < r1 ? kRows : r1 - r;
      for (std::ptrdiff_t i = 0; i < nr; ++i) {
        const double* px = block_of(args, steps, 0, k, r + i, 1, b.x);
        const double* py = Term::unary ? px : block_of(args, steps, 1, k, r + i, 1, b.y);
        const double tx = wide_total(px, k), ty = Term::unary ? tx : wide_total(py, k);
        const double ix = 1.0 / tx, iy = 1.0 / ty;
        double* t = b.sum + kRows;  // room for k terms
        BEDS_IVDEP
        for (std::ptrdiff_t j = 0; j < k; ++j) t[j] = Term::term(px[j] * ix, py[j] * iy);
        b.sum[i] = wide_total(t, k);
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
    // float64), 64 row sums and totals, and the k terms of a row
    double* heap = new double[static_cast<std::size_t>(3 * k + 3 * 64)];
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
