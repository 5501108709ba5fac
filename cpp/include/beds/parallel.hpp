// A small persistent thread pool for the batched kernels (no OpenMP: the wheels must not depend
// on a compiler runtime that macOS and Windows lack).
//
// parallel_for splits [0, n_chunks) over the workers with dynamic scheduling.  Chunks are fixed by
// the caller, not by the thread count, so reductions are bit-identical whatever the number of
// threads.  Floating-point exception flags raised in the workers are merged back into the calling
// thread, so numpy's error state (np.errstate) sees them exactly as in a serial run.  The pool
// threads run the chunks on behalf of the calling thread's call: beds::interrupt_requested() (see
// beds/interrupt.hpp) answers for that call on them too.
//
// The task is a plain function pointer plus a context: no std::function, no templates, so the
// per-ISA translation units instantiate nothing that the linker could share between them.
#pragma once

#include <cstddef>

namespace beds {

using ChunkFn = void (*)(void* ctx, std::ptrdiff_t chunk);

// Most threads the pool accepts (set_num_threads, BEDS_NUM_THREADS).
constexpr int kMaxThreads = 1024;

// Runs fn(ctx, c) for every c in [0, n_chunks), on up to num_threads() threads (the caller is one
// of them).  Falls back to a serial loop when one thread is configured, when n_chunks == 1, when
// the pool is already busy (nested or concurrent calls), or when no thread could be started.
void parallel_for(std::ptrdiff_t n_chunks, ChunkFn fn, void* ctx);

// The same, but no chunk is started once interrupt_requested() is true for the calling thread's
// call.  Returns k: the chunks [0, k) were started (each ran to its end), [k, n_chunks) were not.
std::ptrdiff_t parallel_for_interruptible(std::ptrdiff_t n_chunks, ChunkFn fn, void* ctx);

// Number of threads used by parallel_for (default: the CPUs available to this process, or the
// environment variable BEDS_NUM_THREADS, at most kMaxThreads).
int num_threads();
// Sets the number of threads; n <= 0 restores the default.  Throws std::invalid_argument when
// n > kMaxThreads.  If the system refuses to start that many threads, the pool runs with the ones
// it could start (down to the calling thread alone).
void set_num_threads(int n);

}  // namespace beds
