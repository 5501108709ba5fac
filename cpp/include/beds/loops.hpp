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
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>

#if defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
#endif

#include "beds/config.hpp"
#include "beds/interrupt.hpp"
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

// ------------------------------------------------------------------------------ cost model
// Every kernel family declares what one element (one row for gufuncs) costs, in nanoseconds on one
// core of a current x86-64 CPU:
//   element-wise kernels and the terms of row sums:  static constexpr double cost_ns = ...;
//                                                     (default kDefaultCostNs: the cheapest kernels)
//   row kernels (Rows<K>):  static double cost_ns(const std::ptrdiff_t* core_dims);
// and may declare `static constexpr bool iterative = true` when the cost follows an iteration count
// the caller controls (tol, max_iter): such calls always watch for Ctrl-C.
// The drivers split a call into fixed chunks of about kChunkNs of work (never more than
// kChunkElements elements), so that a kernel that costs 30 us per element runs on two threads from
// two elements.  The chunks depend on the kernel and the size only, never on the thread count:
// results are bit-identical whatever the number of threads.  The cost of the whole call also
// decides whether the GIL is released and Ctrl-C watched for (beds/interrupt.hpp).
constexpr double kChunkNs = 40960.0;
constexpr double kDefaultCostNs = 2.5;
// Most elements per parallel chunk (a chunk of the cheapest kernels takes about 40 microseconds).
constexpr std::ptrdiff_t kChunkElements = 16384;

template <class K, class = void>
struct has_cost_constant : std::false_type {};
template <class K>
struct has_cost_constant<K, std::enable_if_t<std::is_arithmetic<std::decay_t<decltype(K::cost_ns)>>::value>>
    : std::true_type {};

// Cost of one element of an element-wise kernel (or one term of a row sum), in ns.
template <class K>
constexpr double element_cost_ns() {
  if constexpr (has_cost_constant<K>::value) {
    return static_cast<double>(K::cost_ns);
  } else {
    return kDefaultCostNs;
  }
}

template <class K, class = void>
struct is_iterative : std::false_type {};
template <class K>
struct is_iterative<K, std::enable_if_t<K::iterative>> : std::true_type {};

// Elements per chunk for a kernel that costs cost_ns per element: about kChunkNs of work, at least
// one element, at most kChunkElements; a multiple of `align` when larger than it.
constexpr std::ptrdiff_t chunk_for_cost(double cost_ns, std::ptrdiff_t align = 1) {
  const double c = kChunkNs / (cost_ns > 0.0 ? cost_ns : kDefaultCostNs);
  std::ptrdiff_t k =
      c >= static_cast<double>(kChunkElements) ? kChunkElements : (c < 1.0 ? 1 : static_cast<std::ptrdiff_t>(c));
  if (k > align) k -= k % align;
  return k;
}

inline void raise_invalid_if(bool any_bad) {
  if (any_bad) std::feraiseexcept(FE_INVALID);
}

// Restores the floating-point exception flags on scope exit.  The kernels are branch-free: both
// sides of a select are computed (and the compiler may speculate divisions guarded in the source,
// -fno-trapping-math), so the flags raised inside a loop say nothing about the result.  The loops
// therefore discard them and report exactly one thing, out-of-domain input, by raising FE_INVALID
// explicitly (raise_invalid_if).
// On x86-64 the kernels only touch the SSE flags: the guard saves and restores MXCSR (a few cycles;
// fesetexceptflag also rewrites the x87 environment, some 20 ns per call).
class FlagGuard {
 public:
#if defined(__x86_64__) || defined(_M_X64)
  FlagGuard() : saved_(_mm_getcsr()) {}
  ~FlagGuard() { _mm_setcsr(saved_); }
#else
  FlagGuard() { std::fegetexceptflag(&saved_, FE_ALL_EXCEPT); }
  ~FlagGuard() { std::fesetexceptflag(&saved_, FE_ALL_EXCEPT); }
#endif
  FlagGuard(const FlagGuard&) = delete;
  FlagGuard& operator=(const FlagGuard&) = delete;

 private:
#if defined(__x86_64__) || defined(_M_X64)
  unsigned int saved_;
#else
  std::fexcept_t saved_;
#endif
};

template <class T>
BEDS_HD const T& at(const char* p, std::ptrdiff_t step, std::ptrdiff_t i) {
  return *reinterpret_cast<const T*>(p + i * step);
}
template <class T>
BEDS_HD T& at_mut(char* p, std::ptrdiff_t step, std::ptrdiff_t i) {
  return *reinterpret_cast<T*>(p + i * step);
}

// What a range function returns when it can stop early (row kernels, on Ctrl-C): the number of
// out-of-domain elements among [begin, done), and `done`, the end of what was computed.  Range
// functions that return a plain count always compute their whole range.
struct RangeResult {
  std::ptrdiff_t bad, done;
};

// Runs range(r0, r1) over [0, n) in fixed chunks of per_chunk elements on the thread pool, then
// raises FE_INVALID once if any element was out of domain.  cost_ns is the estimated cost of the
// whole call (the GIL is released and Ctrl-C watched for when it is large, see
// beds/interrupt.hpp); the default derives it from the chunk size (a chunk is about kChunkNs).
//
// On Ctrl-C no further chunk starts.  If the host then raises (KeyboardInterrupt), returns false at
// once: the outputs are incomplete, no flag is raised, and the caller must return (the exception
// propagates).  If the host's handler does not raise, the call resumes where it stopped (the
// pieces that range functions cut short, then the chunks not yet started).  Returns true when
// every element was computed.
template <class Range>
bool run_chunked(std::ptrdiff_t n, std::ptrdiff_t per_chunk, const Range& range, double cost_ns = -1.0,
                 bool iterative = false) {
  if (n <= 0) return true;
  if (per_chunk < 1) per_chunk = 1;
  if (cost_ns < 0.0) cost_ns = static_cast<double>(n) / static_cast<double>(per_chunk) * kChunkNs;
  CallScope scope(cost_ns, iterative);
  struct Piece {
    std::ptrdiff_t b, e;
  };
  struct Ctx {
    const Range* range;
    std::ptrdiff_t n, per_chunk, first = 0;  // items: the pieces, then the chunks [first, n_chunks)
    const Piece* pieces = nullptr;
    std::ptrdiff_t npieces = 0;
    // pieces cut short in this round (Ctrl-C): at most one per thread, since a thread that cut one
    // starts no other; `cut` is `few` or, with many threads, room for kMaxThreads + 1
    Piece few[16];
    Piece* cut = few;
    std::ptrdiff_t room = 16;
    std::atomic<std::ptrdiff_t> ncut{0}, bad{0};
    static void item(void* vctx, std::ptrdiff_t i) {
      Ctx& c = *static_cast<Ctx*>(vctx);
      Piece p;
      if (i < c.npieces) {
        p = c.pieces[i];
      } else {
        p.b = (c.first + i - c.npieces) * c.per_chunk;
        p.e = p.b + c.per_chunk < c.n ? p.b + c.per_chunk : c.n;
      }
      RangeResult r;
      if constexpr (std::is_same<decltype((*c.range)(p.b, p.e)), RangeResult>::value) {
        r = (*c.range)(p.b, p.e);
      } else {
        r = RangeResult{static_cast<std::ptrdiff_t>((*c.range)(p.b, p.e)), p.e};
      }
      if (r.bad) c.bad.fetch_add(r.bad);
      if (r.done < p.e) {
        const std::ptrdiff_t j = c.ncut.fetch_add(1);
        if (j < c.room) c.cut[j] = Piece{r.done, p.e};
      }
    }
  } ctx;
  ctx.range = &range;
  ctx.n = n;
  ctx.per_chunk = per_chunk;
  // (unique_ptr of local types, no std::vector: instantiations shared with the other
  // instruction-set build must be avoided)
  std::unique_ptr<Piece[]> many, carried;
  constexpr bool can_cut = std::is_same<decltype(range(0, 0)), RangeResult>::value;
  if (can_cut && scope.watching() && num_threads() >= ctx.room) {
    many.reset(new Piece[static_cast<std::size_t>(kMaxThreads) + 1]);
    ctx.cut = many.get();
    ctx.room = kMaxThreads + 1;
  }
  const std::ptrdiff_t n_chunks = (n + per_chunk - 1) / per_chunk;
  bool complete = false;
  if (n_chunks == 1 && !interrupt_requested()) {  // one chunk: no pool, no bookkeeping
    Ctx::item(&ctx, 0);
    if (ctx.ncut.load(std::memory_order_relaxed) == 0) {
      raise_invalid_if(ctx.bad.load(std::memory_order_relaxed) != 0);
      return true;
    }
    carried.reset(new Piece[1]{ctx.cut[0]});  // cut short: that piece is what is left
    ctx.pieces = carried.get();
    ctx.npieces = 1;
    ctx.first = 1;
    if (scope.stop()) return false;
  }
  for (;;) {
    const std::ptrdiff_t items = ctx.npieces + (n_chunks - ctx.first);
    ctx.ncut.store(0);
    const std::ptrdiff_t started = parallel_for_interruptible(items, &Ctx::item, &ctx);
    const std::ptrdiff_t ncut = ctx.ncut.load();
    if (started == items && ncut == 0) {
      complete = true;
      break;
    }
    // (only if the thread count grew between num_threads() and the round: cannot resume)
    if (ncut > ctx.room) throw std::runtime_error("beds: an interrupted call could not be resumed");
    // What is left: the pieces not started, the pieces cut short, the chunks not started.
    const std::ptrdiff_t left_pieces = started < ctx.npieces ? ctx.npieces - started : 0;
    std::unique_ptr<Piece[]> next(new Piece[static_cast<std::size_t>(left_pieces + ncut + 1)]);
    for (std::ptrdiff_t j = 0; j < left_pieces; ++j) next[j] = ctx.pieces[started + j];
    for (std::ptrdiff_t j = 0; j < ncut; ++j) next[left_pieces + j] = ctx.cut[j];
    ctx.first += started > ctx.npieces ? started - ctx.npieces : 0;
    carried = std::move(next);
    ctx.pieces = carried.get();
    ctx.npieces = left_pieces + ncut;
    if (scope.stop()) break;  // the host raised: give up
  }
  if (complete) raise_invalid_if(ctx.bad.load() != 0);
  return complete;
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
    constexpr double cost = element_cost_ns<K>();
    run_chunked(
        dims[0], chunk_for_cost(cost, kBlock),
        [=](std::ptrdiff_t b, std::ptrdiff_t e) { return range(args, steps, b, e); },
        cost * static_cast<double>(dims[0]));
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
    const double row_cost = element_cost_ns<K>() * static_cast<double>(d > 0 ? d : 1);
    run_chunked(
        dims[0], chunk_for_cost(row_cost),
        [=](std::ptrdiff_t b, std::ptrdiff_t e) { return rows(args, steps, d, b, e); },
        row_cost * static_cast<double>(dims[0]));
  }
};

// ------------------------------------------------------------------------ general gufunc rows
// For kernels with core dimensions that need whole rows (categorical maps, Karcher means, MVNormal):
//   static constexpr int nargs;
//   static bool row(char* const* p, const std::ptrdiff_t* core_dims, const std::ptrdiff_t* core_steps);
//   static double cost_ns(const std::ptrdiff_t* core_dims);     // one row, in ns (see the cost model)
//   static constexpr bool iterative = true;                     // optional (tol / max_iter)
// p[j] points at the current outer element of argument j.  Iterative kernels may poll
// interrupt_requested() and return early (any output): the row is then computed again or the call
// abandoned.  Other kernels always finish their row.
template <class K>
struct Rows {
  static_assert(std::is_same<decltype(K::cost_ns(static_cast<const std::ptrdiff_t*>(nullptr))), double>::value,
                "a row kernel declares static double cost_ns(const std::ptrdiff_t* core_dims)");
  // `whole`: rows must not stop half-way (their outputs are some of their inputs)
  static RangeResult rows(char* const* args, const std::ptrdiff_t* dims, const std::ptrdiff_t* steps, std::ptrdiff_t r0,
                          std::ptrdiff_t r1, bool whole) {
    const FlagGuard flags;
    std::ptrdiff_t bad = 0;
    for (std::ptrdiff_t r = r0; r < r1; ++r) {
      if (interrupt_requested()) return RangeResult{bad, r};
      char* p[K::nargs];
      for (int j = 0; j < K::nargs; ++j) p[j] = args[j] + r * steps[j];
      bool ok;
      {
        const InterruptMask mask(whole);
        ok = K::row(p, dims + 1, steps + K::nargs);
      }
      if (is_iterative<K>::value && !whole && interrupt_requested()) return RangeResult{bad, r};  // maybe cut
      bad += ok ? 0 : 1;
    }
    return RangeResult{bad, r1};
  }
  static void loop(char** args, const std::ptrdiff_t* dims, const std::ptrdiff_t* steps) {
    const double cost = K::cost_ns(dims + 1);
    // numpy lets an output be exactly an input (in place): such rows of an iterative kernel are
    // not cut short by Ctrl-C, since they could not be computed again
    bool whole = false;
    if (is_iterative<K>::value)
      for (int i = 0; i < K::nargs; ++i)
        for (int j = 0; j < K::nargs; ++j) whole = whole || (i != j && args[i] == args[j] && dims[0] > 0);
    run_chunked(
        dims[0], chunk_for_cost(cost),
        [=](std::ptrdiff_t b, std::ptrdiff_t e) { return rows(args, dims, steps, b, e, whole); },
        cost * static_cast<double>(dims[0]), is_iterative<K>::value);
  }
};

BEDS_NAMESPACE_END
