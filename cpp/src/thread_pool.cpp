// Persistent worker threads behind beds::parallel_for (see beds/parallel.hpp).
#include <atomic>
#include <cfenv>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#endif

#include "beds/parallel.hpp"

namespace beds {
namespace {

int default_threads() {
  if (const char* env = std::getenv("BEDS_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

class Pool {
 public:
  explicit Pool(int workers) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  int workers() const { return static_cast<int>(threads_.size()); }

  // Caller holds the run mutex.  Returns the floating-point flags raised by the workers.
  int run(std::ptrdiff_t n_chunks, ChunkFn fn, void* ctx, int helpers) {
    {
      std::lock_guard<std::mutex> lock(m_);
      fn_ = fn;
      ctx_ = ctx;
      n_chunks_ = n_chunks;
      next_.store(0);
      active_ = helpers;
      wanted_ = helpers;
      flags_ = 0;
      ++generation_;
    }
    cv_.notify_all();
    drain();  // the calling thread works too
    std::unique_lock<std::mutex> lock(m_);
    done_cv_.wait(lock, [this] { return active_ == 0; });
    return flags_;
  }

 private:
  void drain() {
    for (;;) {
      const std::ptrdiff_t c = next_.fetch_add(1);
      if (c >= n_chunks_) break;
      fn_(ctx_, c);
    }
  }
  void work() {
    unsigned long long seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(m_);
        cv_.wait(lock, [&] { return stop_ || (generation_ != seen && wanted_ > 0); });
        if (stop_) return;
        seen = generation_;
        --wanted_;
      }
      std::feclearexcept(FE_ALL_EXCEPT);
      drain();
      const int raised = std::fetestexcept(FE_ALL_EXCEPT);
      std::lock_guard<std::mutex> lock(m_);
      flags_ |= raised;
      if (--active_ == 0) done_cv_.notify_one();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex m_;
  std::condition_variable cv_, done_cv_;
  bool stop_ = false;
  unsigned long long generation_ = 0;
  int wanted_ = 0, active_ = 0, flags_ = 0;
  ChunkFn fn_ = nullptr;
  void* ctx_ = nullptr;
  std::ptrdiff_t n_chunks_ = 0;
  std::atomic<std::ptrdiff_t> next_{0};
};

std::mutex g_config_mutex;  // guards g_threads and g_pool replacement
std::mutex g_run_mutex;     // one parallel region at a time; others run serially
std::atomic<int> g_threads{0};
Pool* g_pool = nullptr;  // leaked on purpose: joining threads at interpreter exit can deadlock

#if defined(__unix__) || defined(__APPLE__)
// After fork() the child has no worker threads: forget the pool (and the locks' state).
void forget_pool_in_child() {
  g_pool = nullptr;
  new (&g_run_mutex) std::mutex();
  new (&g_config_mutex) std::mutex();
}
struct ForkGuard {
  ForkGuard() { pthread_atfork(nullptr, nullptr, forget_pool_in_child); }
} g_fork_guard;
#endif

int threads_now() {
  int n = g_threads.load();
  if (n <= 0) {
    n = default_threads();
    g_threads.store(n);
  }
  return n;
}

}  // namespace

int num_threads() { return threads_now(); }

void set_num_threads(int n) {
  std::lock_guard<std::mutex> run(g_run_mutex);
  std::lock_guard<std::mutex> lock(g_config_mutex);
  g_threads.store(n > 0 ? n : default_threads());
  if (g_pool && g_pool->workers() != g_threads.load() - 1) {
    delete g_pool;
    g_pool = nullptr;
  }
}

void parallel_for(std::ptrdiff_t n_chunks, ChunkFn fn, void* ctx) {
  const int threads = threads_now();
  std::unique_lock<std::mutex> run(g_run_mutex, std::defer_lock);
  if (threads <= 1 || n_chunks <= 1 || !run.try_lock()) {
    for (std::ptrdiff_t c = 0; c < n_chunks; ++c) fn(ctx, c);
    return;
  }
  Pool* pool;
  {
    std::lock_guard<std::mutex> lock(g_config_mutex);
    if (!g_pool) g_pool = new Pool(threads - 1);
    pool = g_pool;
  }
  const std::ptrdiff_t helpers_wanted = n_chunks - 1 < pool->workers() ? n_chunks - 1 : pool->workers();
  const int flags = pool->run(n_chunks, fn, ctx, static_cast<int>(helpers_wanted));
  if (flags) std::feraiseexcept(flags);
}

}  // namespace beds
