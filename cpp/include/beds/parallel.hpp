// A small persistent thread pool for the batched kernels (no OpenMP: the wheels must not depend
// on a compiler runtime that macOS and Windows lack).
//
// parallel_for splits [0, n_chunks) over the workers with dynamic scheduling.  Chunks are fixed by
// the caller, not by the thread count, so reductions are bit-identical whatever the number of
// threads.  Floating-point exception flags raised in the workers are merged back into the calling
// thread, so numpy's error state (np.errstate) sees them exactly as in a serial run.
//
// The task is a plain function pointer plus a context: no std::function, no templates, so the
// per-ISA translation units instantiate nothing that the linker could share between them.
#pragma once

#include <cstddef>

namespace beds {

using ChunkFn = void (*)(void* ctx, std::ptrdiff_t chunk);

// Runs fn(ctx, c) for every c in [0, n_chunks), on up to num_threads() threads (the caller is one
// of them).  Falls back to a serial loop when one thread is configured, when n_chunks == 1, or when
// the pool is already busy (nested or concurrent calls).
void parallel_for(std::ptrdiff_t n_chunks, ChunkFn fn, void* ctx);

// Number of threads used by parallel_for (default: the CPUs available to this process, or the
// environment variable BEDS_NUM_THREADS).
int num_threads();
// Sets the number of threads; n <= 0 restores the default.
void set_num_threads(int n);

}  // namespace beds
