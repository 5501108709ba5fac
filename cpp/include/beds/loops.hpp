// Batch drivers: run scalar kernels over numpy-style strided arrays, vectorized and multithreaded.
//
// The calling convention is numpy's ufunc/gufunc inner loop (args, dimensions, steps), expressed
// with plain C++ types so that this header needs neither numpy nor pybind11.  A kernel K is a
// struct with
//   static constexpr int nin, nout;
//   BEDS_HD static bool eval(const double* in, double* out);     // element-wise kernels
// and returns false for parameters outside its domain (its outputs are then NaN).  Inputs of type T
// (float or double) are widened to double, so float32 results are correctly rounded double results.
//
// Contract with the caller: outputs never partially overlap inputs (numpy copies overlapping
// operands before calling a loop), so the contiguous path may vectorize without alias checks.
// Out-of-domain elements raise FE_INVALID once per call, which numpy reports through np.errstate;
// no other floating-point flag escapes a loop (see FlagGuard).
#pragma once

#include <atomic>
#include <cfenv>
#include <cstddef>
#include <type_traits>

#include "beds/config.hpp"
#include "beds/math.hpp"
#include "beds/parallel.hpp"

#if defined(__clang__)
#define BEDS_IVDEP _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define BEDS_IVDEP _Pragma("GCC ivdep")
#elif defined(_MSC_VER)
#define BEDS_IVDEP __pragma(loop(ivdep))
#else
#define BEDS_IVDEP
#endif

namespace beds {
using LoopFn = void (*)(char** args, const std::ptrdiff_t* dims, const std::ptrdiff_t* steps);
}  // namespace beds

BEDS_NAMESPACE_BEGIN

// Elements per parallel chunk (a chunk of the cheapest kernels takes about 30 microseconds).
constexpr std::ptrdiff_t kChunkElements = 16384;

inline void raise_invalid_if(bool any_bad) {
  if (any_bad) std::feraiseexcept(FE_INVALID);
}

// Restores the floating-point exception flags on scope exit.  The kernels are branch-free: both
// sides of a select are computed (and the compiler may speculate divisions guarded in the source,
// -fno-trapping-math), so the flags raised inside a loop say nothing about the result.  The loops
// therefore discard them and report exactly one thing, out-of-domain input, by raising FE_INVALID
// explicitly (raise_invalid_if).
class FlagGuard {
 public:
  FlagGuard() { std::fegetexceptflag(&saved_, FE_ALL_EXCEPT); }
  ~FlagGuard() { std::fesetexceptflag(&saved_, FE_ALL_EXCEPT); }
  FlagGuard(const FlagGuard&) = delete;
  FlagGuard& operator=(const FlagGuard&) = delete;

 private:
  std::fexcept_t saved_;
};

template <class T>
BEDS_HD const T& at(const char* p, std::ptrdiff_t step, std::ptrdiff_t i) {
  return *reinterpret_cast<const T*>(p + i * step);
}
template <class T>
BEDS_HD T& at_mut(char* p, std::ptrdiff_t step, std::ptrdiff_t i) {
  return *reinterpret_cast<T*>(p + i * step);
}

// Runs range(r0, r1) (which returns its number of out-of-domain elements) over [0, n) in chunks of
// per_chunk on the thread pool (serially below two chunks), then raises FE_INVALID once if any
// element was out of domain.  Chunks are fixed, so results do not depend on the thread count.
template <class Range>
void run_chunked(std::ptrdiff_t n, std::ptrdiff_t per_chunk, const Range& range) {
  if (n < 2 * per_chunk) {
    raise_invalid_if(range(0, n) != 0);
    return;
  }
  struct Ctx {
    const Range* range;
    std::ptrdiff_t n, per_chunk;
    std::atomic<std::ptrdiff_t> bad{0};
    static void chunk(void* vctx, std::ptrdiff_t c) {
      Ctx& ctx = *static_cast<Ctx*>(vctx);
      const std::ptrdiff_t b = c * ctx.per_chunk;
      const std::ptrdiff_t e = b + ctx.per_chunk < ctx.n ? b + ctx.per_chunk : ctx.n;
      const std::ptrdiff_t bad = (*ctx.range)(b, e);
      if (bad) ctx.bad.fetch_add(bad);
    }
  } ctx;
  ctx.range = &range;
  ctx.n = n;
  ctx.per_chunk = per_chunk;
  parallel_for((n + per_chunk - 1) / per_chunk, &Ctx::chunk, &ctx);
  raise_invalid_if(ctx.bad.load() != 0);
}

// ------------------------------------------------------------------------------ element-wise
// Kernels may also be split in two stages (K::nmid intermediate values):
//   BEDS_HD static bool stage1(const double* in, double* mid);   // cheap part, sets the domain flag
//   BEDS_HD static void stage2(const double* mid, double* out);  // transcendental part
// The loop then runs stage 1 over a block of elements, then stage 2 over the block: two short
// dependency chains keep the out-of-order core busy where one long chain stalls it (measured: the
// normal distance goes from 6.1 to 3.8 ns per element with AVX2).  Contract: for an out-of-domain
// element stage 1 writes NaN into intermediate values that reach every output, so stage 2 needs no
// mask (NaN propagates through it without any trap or hang).
template <class K, class = void>
struct has_stages : std::false_type {};
template <class K>
struct has_stages<K, decltype(void(K::nmid))> : std::true_type {};

constexpr std::ptrdiff_t kBlock = 256;

// One block of at most kBlock elements, every operand contiguous.  Returns the number of
// out-of-domain elements.
template <class K, class TI, class TO>
std::ptrdiff_t block(const TI* const* x, TO* const* y, std::ptrdiff_t n) {
  std::ptrdiff_t bad = 0;
  if constexpr (has_stages<K>::value) {
    double mid[K::nmid][kBlock];
    BEDS_IVDEP
    for (std::ptrdiff_t i = 0; i < n; ++i) {
      double a[K::nin], m[K::nmid];
      for (int j = 0; j < K::nin; ++j) a[j] = static_cast<double>(x[j][i]);
      const bool ok = K::stage1(a, m);
      for (int j = 0; j < K::nmid; ++j) mid[j][i] = m[j];
      bad += ok ? 0 : 1;
    }
    BEDS_IVDEP
    for (std::ptrdiff_t i = 0; i < n; ++i) {
      double m[K::nmid], b[K::nout];
      for (int j = 0; j < K::nmid; ++j) m[j] = mid[j][i];
      K::stage2(m, b);
      for (int j = 0; j < K::nout; ++j) y[j][i] = static_cast<TO>(b[j]);
    }
  } else {
    BEDS_IVDEP
    for (std::ptrdiff_t i = 0; i < n; ++i) {
      double a[K::nin], b[K::nout];
      for (int j = 0; j < K::nin; ++j) a[j] = static_cast<double>(x[j][i]);
      const bool ok = K::eval(a, b);
      for (int j = 0; j < K::nout; ++j) y[j][i] = static_cast<TO>(b[j]);
      bad += ok ? 0 : 1;
    }
  }
  return bad;
}

template <class K, class T>
struct Elementwise {
  static constexpr int nargs = K::nin + K::nout;

  // [begin, end) of a 1-d loop; returns the number of out-of-domain elements.  Operands that are
  // not contiguous (broadcast scalars have stride 0) are gathered into block buffers, so every
  // layout runs the vectorized block code.
  static std::ptrdiff_t range(char* const* args, const std::ptrdiff_t* steps, std::ptrdiff_t begin,
                              std::ptrdiff_t end) {
    const FlagGuard flags;
    T inbuf[K::nin][kBlock];
    T outbuf[K::nout][kBlock];
    std::ptrdiff_t bad = 0;
    for (std::ptrdiff_t b = begin; b < end; b += kBlock) {
      const std::ptrdiff_t n = b + kBlock < end ? kBlock : end - b;
      const T* x[K::nin];
      T* y[K::nout];
      for (int j = 0; j < K::nin; ++j) {
        if (steps[j] == static_cast<std::ptrdiff_t>(sizeof(T))) {
          x[j] = reinterpret_cast<const T*>(args[j]) + b;
        } else {
          for (std::ptrdiff_t i = 0; i < n; ++i) inbuf[j][i] = at<T>(args[j], steps[j], b + i);
          x[j] = inbuf[j];
        }
      }
      for (int j = 0; j < K::nout; ++j) {
        const bool direct = steps[K::nin + j] == static_cast<std::ptrdiff_t>(sizeof(T));
        y[j] = direct ? reinterpret_cast<T*>(args[K::nin + j]) + b : outbuf[j];
      }
      bad += block<K, T, T>(x, y, n);
      for (int j = 0; j < K::nout; ++j) {
        if (steps[K::nin + j] != static_cast<std::ptrdiff_t>(sizeof(T)))
          for (std::ptrdiff_t i = 0; i < n; ++i) at_mut<T>(args[K::nin + j], steps[K::nin + j], b + i) = outbuf[j][i];
      }
    }
    return bad;
  }

  static void loop(char** args, const std::ptrdiff_t* dims, const std::ptrdiff_t* steps) {
    run_chunked(dims[0], kChunkElements, [=](std::ptrdiff_t b, std::ptrdiff_t e) { return range(args, steps, b, e); });
  }
};

// ------------------------------------------------------------------ sums over a core dimension
// gufunc "(d),(d),...->()": out = K::finish(sum_j term_j), term_j = K::eval(inputs[j]).
// When every operand is one contiguous block (the usual (..., d) C-order array) the terms are
// computed by the vectorized element-wise loop over many rows at once, then summed per row in order,
// so results do not depend on the SIMD width.
// Sum of the d terms of one row, in a fixed order (four interleaved partial sums: a shorter
// dependency chain than one running sum).  Both layouts of RowSum use it, so results are
// bitwise identical whatever the strides.
inline double row_total(const double* t, std::ptrdiff_t d) {
  double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
  std::ptrdiff_t j = 0;
  for (; j + 4 <= d; j += 4) {
    a0 += t[j];
    a1 += t[j + 1];
    a2 += t[j + 2];
    a3 += t[j + 3];
  }
  for (; j < d; ++j) a0 += t[j];
  return (a0 + a1) + (a2 + a3);
}

template <class K, class T>
struct RowSum {
  static constexpr int nin = K::nin;
  static constexpr std::ptrdiff_t kBuffer = 2048;

  // rows [r0, r1); returns the number of invalid rows
  static std::ptrdiff_t rows(char* const* args, const std::ptrdiff_t* steps, std::ptrdiff_t d, std::ptrdiff_t r0,
                             std::ptrdiff_t r1) {
    const FlagGuard flags;
    const std::ptrdiff_t* core = steps + nin + 1;
    bool flat = d > 0 && d <= kBuffer;
    for (int j = 0; j < nin; ++j)
      flat = flat && core[j] == sizeof(T) && steps[j] == d * static_cast<std::ptrdiff_t>(sizeof(T));
    std::ptrdiff_t bad = 0;
    if (flat) {
      double terms[kBuffer];
      const std::ptrdiff_t rows_per_block = kBuffer / d;
      for (std::ptrdiff_t r = r0; r < r1; r += rows_per_block) {
        const std::ptrdiff_t nr = r + rows_per_block < r1 ? rows_per_block : r1 - r;
        const std::ptrdiff_t n = nr * d;
        const T* p[nin];
        for (int j = 0; j < nin; ++j) p[j] = reinterpret_cast<const T*>(args[j] + r * steps[j]);
        std::ptrdiff_t nbad = 0;
        for (std::ptrdiff_t i = 0; i < n; i += kBlock) {
          const T* q[nin];
          for (int j = 0; j < nin; ++j) q[j] = p[j] + i;
          double* t[1] = {terms + i};
          nbad += block<K, T, double>(q, t, n - i < kBlock ? n - i : kBlock);
        }
        const int okmask = nbad == 0;
        // row totals, then K::finish (a sqrt for the distance) over all rows: vectorized
        double totals[kBuffer];
        for (std::ptrdiff_t k = 0; k < nr; ++k) totals[k] = row_total(terms + k * d, d);
        if (steps[nin] == static_cast<std::ptrdiff_t>(sizeof(T))) {
          T* out = reinterpret_cast<T*>(args[nin]) + r;
          BEDS_IVDEP
          for (std::ptrdiff_t k = 0; k < nr; ++k) out[k] = static_cast<T>(K::finish(totals[k]));
        } else {
          for (std::ptrdiff_t k = 0; k < nr; ++k)
            at_mut<T>(args[nin], steps[nin], r + k) = static_cast<T>(K::finish(totals[k]));
        }
        bad += okmask ? 0 : 1;
      }
      return bad;
    }
    // Any other layout: gather each row into block buffers and run the same vectorized block code
    // as the contiguous path, so the results are bitwise identical whatever the strides.
    // (rows longer than kBuffer are summed in pieces of kBuffer terms, in order)
    T inbuf[nin][kBlock];
    double row_terms[kBuffer];
    for (std::ptrdiff_t r = r0; r < r1; ++r) {
      double acc = 0.0;
      std::ptrdiff_t row_bad = 0;
      for (std::ptrdiff_t p0 = 0; p0 < d; p0 += kBuffer) {
        const std::ptrdiff_t np = d - p0 < kBuffer ? d - p0 : kBuffer;
        for (std::ptrdiff_t j0 = 0; j0 < np; j0 += kBlock) {
          const std::ptrdiff_t n = np - j0 < kBlock ? np - j0 : kBlock;
          const T* q[nin];
          for (int k = 0; k < nin; ++k) {
            for (std::ptrdiff_t i = 0; i < n; ++i) inbuf[k][i] = at<T>(args[k] + r * steps[k], core[k], p0 + j0 + i);
            q[k] = inbuf[k];
          }
          double* t[1] = {row_terms + j0};
          row_bad += block<K, T, double>(q, t, n);
        }
        const double total = row_total(row_terms, np);
        acc = p0 == 0 ? total : acc + total;  // one piece: exactly the flat path's result
      }
      at_mut<T>(args[nin], steps[nin], r) = static_cast<T>(K::finish(acc));
      bad += row_bad ? 1 : 0;
    }
    return bad;
  }

  static void loop(char** args, const std::ptrdiff_t* dims, const std::ptrdiff_t* steps) {
    const std::ptrdiff_t d = dims[1];
    run_chunked(dims[0], d > 0 && d < kChunkElements ? kChunkElements / d : 1,
                [=](std::ptrdiff_t b, std::ptrdiff_t e) { return rows(args, steps, d, b, e); });
  }
};

// ------------------------------------------------------------------------ general gufunc rows
// For kernels with core dimensions that need whole rows (categorical, Karcher means):
//   static bool row(char* const* p, const std::ptrdiff_t* core_dims, const std::ptrdiff_t* core_steps);
//   static constexpr int nargs, ncore_dims;  static std::ptrdiff_t cost(const std::ptrdiff_t* core_dims);
// p[j] points at the current outer element of argument j.
template <class K>
struct Rows {
  static std::ptrdiff_t rows(char* const* args, const std::ptrdiff_t* dims, const std::ptrdiff_t* steps,
                             std::ptrdiff_t r0, std::ptrdiff_t r1) {
    const FlagGuard flags;
    std::ptrdiff_t bad = 0;
    for (std::ptrdiff_t r = r0; r < r1; ++r) {
      char* p[K::nargs];
      for (int j = 0; j < K::nargs; ++j) p[j] = args[j] + r * steps[j];
      bad += K::row(p, dims + 1, steps + K::nargs) ? 0 : 1;
    }
    return bad;
  }
  static void loop(char** args, const std::ptrdiff_t* dims, const std::ptrdiff_t* steps) {
    const std::ptrdiff_t cost = K::cost(dims + 1);
    run_chunked(dims[0], cost > 0 && cost < kChunkElements ? kChunkElements / cost : 1,
                [=](std::ptrdiff_t b, std::ptrdiff_t e) { return rows(args, dims, steps, b, e); });
  }
};

BEDS_NAMESPACE_END
