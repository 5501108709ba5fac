// Sums over the classes of categorical rows: distance, KL, Jeffreys, entropy (gufuncs "(k),(k)->()"
// and "(k)->()").
//
// Rows are processed in blocks of many rows at once, so that the per-class terms run as one long
// vectorized loop even for a handful of classes: the rows are copied to double buffers, the row
// sums (fixed order, row_total) give the normalisation 1 / sum, which is spread per class, the
// terms are computed branch-free over the whole block, and each row is summed again with
// row_total.  Every layout takes this path (non-contiguous rows are gathered), so results are
// bitwise identical whatever the strides.  A row is out of domain when it is not on the simplex
// within sum_tolerance<T>() or has a negative entry (its term is NaN).
#pragma once

#include <cstddef>

#include "beds/categorical.hpp"
#include "beds/loops.hpp"
#include "beds/math.hpp"

BEDS_NAMESPACE_BEGIN
namespace categorical {

// Per-class terms of normalised probabilities x (of p) and y (of q); NaN for negative entries.
// d = 2 theta, theta = 2 asin(|sqrt(q) - sqrt(p)| / 2),  sqrt(q) - sqrt(p) = (q - p) / (sqrt p + sqrt q)
struct DistanceTerm {
  static constexpr bool unary = false;
  BEDS_HD static double term(double x, double y) {
    const double den = math::sqrt(x) + math::sqrt(y);
    const double diff = (x - y) / math::max(den, 1e-300);  // den = 0 only when x = y = 0
    const double t = diff * diff;
    return (x >= 0.0) & (y >= 0.0) ? t : math::kNaN;
  }
  static double finish(double s) { return 2.0 * theta_from_chord(std::sqrt(s)); }
};

// KL(p || q) = sum_i [p_i log(p_i / q_i) - p_i + q_i]: each term >= 0, evaluated as
// q (delta^2 + (1 + delta) log1pmx(delta)) with delta = p/q - 1 in (-0.5, 1) (near pairs), and as
// p log(p/q) - (p - q) otherwise (no cancellation beyond a factor 2 there); inf where q_i = 0 < p_i.
struct KLTerm {
  static constexpr bool unary = false;
  BEDS_HD static double term(double x, double y) {
    // one comparison per select (the vectorizer rejects selects on combined boolean masks)
    const double ys = y == 0.0 ? 1.0 : y;
    const double xs = x == 0.0 ? 1.0 : x;
    const double delta = (xs - ys) / ys;
    const bool near = math::abs(delta - 0.25) < 0.75;  // -0.5 < delta < 1
    const double dn = near ? delta : 0.0;
    const double t_near = ys * (dn * dn + (1.0 + dn) * math::log1pmx_series(dn));
    const double t_far = xs * math::log(near ? 1.0 : xs / ys) - (xs - ys);
    double t = near ? t_near : t_far;
    t = y == 0.0 ? math::kInf : t;
    t = x == 0.0 ? y : t;
    t = x >= 0.0 ? t : math::kNaN;
    t = y >= 0.0 ? t : math::kNaN;
    return t;
  }
  static double finish(double s) { return s; }
};

// J(p, q) = sum_i (p_i - q_i) log(p_i / q_i) = sum_i |p_i - q_i| log1p(|p_i - q_i| / min(p_i, q_i)).
struct JeffreysTerm {
  static constexpr bool unary = false;
  BEDS_HD static double term(double x, double y) {
    const double diff = math::abs(x - y);
    const double lo = math::min(x, y);
    const double t =
        diff == 0.0 ? 0.0 : (lo == 0.0 ? math::kInf : diff * math::log1p_pos(diff / math::max(lo, 1e-300)));
    return (x >= 0.0) & (y >= 0.0) ? t : math::kNaN;
  }
  static double finish(double s) { return s; }
};

// H(p) = -sum_i p_i log p_i (0 log 0 = 0).
struct EntropyTerm {
  static constexpr bool unary = true;
  BEDS_HD static double term(double x, double) {
    const double t = x > 0.0 ? -x * math::log(x > 0.0 ? x : 1.0) : 0.0;
    return x >= 0.0 ? t : math::kNaN;
  }
  static double finish(double s) { return s; }
};

template <class Term, class T>
struct SimplexSum {
  static constexpr int nin = Term::unary ? 1 : 2;
  static constexpr std::ptrdiff_t kBuffer = 2048;

  // Work space for a block of rows: cap classes in all (at least one row of k).
  struct Buffers {
    double *x, *y, *sx, *sy, *total_x, *total_y;
    std::ptrdiff_t cap;
  };

  // Rows [r0, r1), as many per block as the buffers hold; returns the invalid rows.
  static std::ptrdiff_t rows(char* const* args, const std::ptrdiff_t* steps, std::ptrdiff_t k, std::ptrdiff_t r0,
                             std::ptrdiff_t r1, const Buffers& b) {
    const FlagGuard flags;
    const std::ptrdiff_t* core = steps + nin + 1;
    const std::ptrdiff_t rows_per_block = b.cap / k;
    const double tol = sum_tolerance<T>();
    std::ptrdiff_t bad = 0;
    for (std::ptrdiff_t r = r0; r < r1; r += rows_per_block) {
      const std::ptrdiff_t nr = r + rows_per_block < r1 ? rows_per_block : r1 - r;
      for (std::ptrdiff_t i = 0; i < nr; ++i) {
        const char* px = args[0] + (r + i) * steps[0];
        const char* py = args[nin - 1] + (r + i) * steps[nin - 1];
        for (std::ptrdiff_t j = 0; j < k; ++j) {
          b.x[i * k + j] = static_cast<double>(at<T>(px, core[0], j));
          b.y[i * k + j] = static_cast<double>(at<T>(py, core[nin - 1], j));
        }
        b.total_x[i] = row_total(b.x + i * k, k);
        b.total_y[i] = row_total(b.y + i * k, k);
        const double ix = 1.0 / b.total_x[i], iy = 1.0 / b.total_y[i];
        for (std::ptrdiff_t j = 0; j < k; ++j) {
          b.sx[i * k + j] = ix;
          b.sy[i * k + j] = iy;
        }
      }
      const std::ptrdiff_t n = nr * k;
      double* x = b.x;
      const double *y = b.y, *sx = b.sx, *sy = b.sy;
      BEDS_IVDEP
      for (std::ptrdiff_t i = 0; i < n; ++i) x[i] = Term::term(x[i] * sx[i], y[i] * sy[i]);
      for (std::ptrdiff_t i = 0; i < nr; ++i) {
        const double s = row_total(x + i * k, k);
        const bool ok = (math::abs(b.total_x[i] - 1.0) <= tol) & (math::abs(b.total_y[i] - 1.0) <= tol) & (s == s);
        at_mut<T>(args[nin], steps[nin], r + i) = static_cast<T>(ok ? Term::finish(s) : math::kNaN);
        bad += ok ? 0 : 1;
      }
    }
    return bad;
  }

  static std::ptrdiff_t run(char* const* args, const std::ptrdiff_t* steps, std::ptrdiff_t k, std::ptrdiff_t r0,
                            std::ptrdiff_t r1) {
    if (k == 0) {  // no classes: not a distribution
      for (std::ptrdiff_t r = r0; r < r1; ++r) at_mut<T>(args[nin], steps[nin], r) = static_cast<T>(math::kNaN);
      return r1 - r0;
    }
    if (k <= kBuffer) {  // the usual case: buffers on the stack, many rows per block
      double x[kBuffer], y[kBuffer], sx[kBuffer], sy[kBuffer], tx[kBuffer], ty[kBuffer];
      return rows(args, steps, k, r0, r1, Buffers{x, y, sx, sy, tx, ty, kBuffer});
    }
    double* heap = new double[static_cast<std::size_t>(4 * k + 2)];  // one row per block
    const std::ptrdiff_t bad = rows(
        args, steps, k, r0, r1, Buffers{heap, heap + k, heap + 2 * k, heap + 3 * k, heap + 4 * k, heap + 4 * k + 1, k});
    delete[] heap;
    return bad;
  }
  static void loop(char** args, const std::ptrdiff_t* dims, const std::ptrdiff_t* steps) {
    const std::ptrdiff_t k = dims[1];
    run_chunked(dims[0], k > 0 && k < kChunkElements / 4 ? kChunkElements / (4 * k) : 1,
                [=](std::ptrdiff_t b, std::ptrdiff_t e) { return run(args, steps, k, b, e); });
  }
};

}  // namespace categorical
BEDS_NAMESPACE_END
