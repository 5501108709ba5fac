// Persistent worker threads behind beds::parallel_for (see beds/parallel.hpp), and the call state
// behind beds::interrupt_requested (see beds/interrupt.hpp).
#include <atomic>
#include <cerrno>
#include <cfenv>
#include <climits>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#endif

#include "beds/interrupt.hpp"
#include "beds/parallel.hpp"

namespace beds {
namespace {

// ------------------------------------------------------------------------------ call state
// At most one call is armed at a time (the host arms calls of Python's main thread only), so its
// token is a static object: a signal handler that read g_armed just before the call ended writes
// into valid memory (at worst it marks the next call, which then asks the host, which finds the
// signal that did arrive).
struct Token {
  std::atomic<int> raised{0};
};
Token g_token;
std::atomic<Token*> g_armed{nullptr};
const CallHooks* g_hooks = nullptr;

// (one thread-local object: one TLS address computation per use in this shared library)
struct ThreadState {
  Token* token = nullptr;    // the armed call this thread works for, if any
  bool in_scope = false;     // an outermost CallScope is open on this thread
  bool pool_thread = false;  // a worker of the pool
};
thread_local ThreadState tl;

// ------------------------------------------------------------------------------ thread count
int parse_threads(const char* s) {  // BEDS_NUM_THREADS: a positive integer, clamped; else 0
  if (!s) return 0;
  errno = 0;
  char* end = nullptr;
  const long n = std::strtol(s, &end, 10);
  if (end == s || errno == ERANGE || n <= 0) return 0;
  return n > kMaxThreads ? kMaxThreads : static_cast<int>(n);
}

int default_threads() {
  if (const int n = parse_threads(std::getenv("BEDS_NUM_THREADS"))) return n;
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n < kMaxThreads ? n : kMaxThreads;
  }
#endif
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? (n < static_cast<unsigned>(kMaxThreads) ? static_cast<int>(n) : kMaxThreads) : 1;
}

class Pool {
 public:
  // Starts up to `workers` threads; stops at the first one the system refuses (the pool then runs
  // with fewer threads, possibly none).
  explicit Pool(int workers) {
    try {
      threads_.reserve(static_cast<std::size_t>(workers));
      for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
    } catch (...) {  // std::system_error (EAGAIN: thread or memory limits), std::bad_alloc
    }
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

  // Caller holds the run mutex.  Returns the number of chunks started ([0, k) ran); stores the
  // floating-point flags raised by the workers in *flags.
  std::ptrdiff_t run(std::ptrdiff_t n_chunks, ChunkFn fn, void* ctx, int helpers, bool interruptible, int* flags) {
    {
      std::lock_guard<std::mutex> lock(m_);
      fn_ = fn;
      ctx_ = ctx;
      n_chunks_ = n_chunks;
      token_ = tl.token;
      interruptible_ = interruptible;
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
    *flags = flags_;
    const std::ptrdiff_t started = next_.load();
    return started < n_chunks ? started : n_chunks;
  }

 private:
  void drain() {
    for (;;) {
      if (interruptible_ && interrupt_requested()) break;
      const std::ptrdiff_t c = next_.fetch_add(1);
      if (c >= n_chunks_) break;
      fn_(ctx_, c);
    }
  }
  void work() {
    tl.pool_thread = true;
    unsigned long long seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(m_);
        cv_.wait(lock, [&] { return stop_ || (generation_ != seen && wanted_ > 0); });
        if (stop_) return;
        seen = generation_;
        --wanted_;
        tl.token = token_;
      }
      std::feclearexcept(FE_ALL_EXCEPT);
      drain();
      const int raised = std::fetestexcept(FE_ALL_EXCEPT);
      tl.token = nullptr;
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
  Token* token_ = nullptr;
  bool interruptible_ = false;
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
  g_armed.store(nullptr);
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

std::ptrdiff_t run_chunks(std::ptrdiff_t n_chunks, ChunkFn fn, void* ctx, bool interruptible) {
  const int threads = threads_now();
  std::unique_lock<std::mutex> run(g_run_mutex, std::defer_lock);
  Pool* pool = nullptr;
  if (threads > 1 && n_chunks > 1 && run.try_lock()) {
    std::lock_guard<std::mutex> lock(g_config_mutex);
    if (!g_pool) g_pool = new (std::nothrow) Pool(threads - 1);
    pool = g_pool;
  }
  if (!pool || pool->workers() == 0) {
    std::ptrdiff_t c = 0;
    for (; c < n_chunks; ++c) {
      if (interruptible && interrupt_requested()) break;
      fn(ctx, c);
    }
    return c;
  }
  const std::ptrdiff_t helpers_wanted = n_chunks - 1 < pool->workers() ? n_chunks - 1 : pool->workers();
  int flags = 0;
  const std::ptrdiff_t started = pool->run(n_chunks, fn, ctx, static_cast<int>(helpers_wanted), interruptible, &flags);
  if (flags) std::feraiseexcept(flags);
  return started;
}

}  // namespace

// ------------------------------------------------------------------------------ interrupts
bool interrupt_requested() noexcept {
  const Token* t = tl.token;
  return t && t->raised.load(std::memory_order_relaxed) != 0;
}

void notify_interrupt() noexcept {
  if (Token* t = g_armed.load(std::memory_order_acquire)) t->raised.store(1, std::memory_order_relaxed);
}

void set_call_hooks(const CallHooks* hooks) noexcept { g_hooks = hooks; }

CallScope::CallScope(double cost_ns, bool iterative) noexcept {
  ThreadState& t = tl;
  if (t.in_scope || t.pool_thread || !g_hooks) {  // nested, a pool thread, or no host
    watching_ = t.token != nullptr;
    return;
  }
  outermost_ = true;
  t.in_scope = true;
  bool armed = false;
  data_ = g_hooks->enter(cost_ns, iterative, &armed);
  // (the host arms calls of one thread only, Python's main thread: one armed call at a time)
  if (armed && g_armed.load(std::memory_order_relaxed) == nullptr) {
    // (g_token.raised is kept: a SIGINT seen by an earlier inner loop of the same ufunc call is
    // answered here; a stale one costs one look at Python's signal state)
    token_ = &g_token;
    t.token = &g_token;
    g_armed.store(&g_token, std::memory_order_release);
    armed_ = watching_ = true;
  }
}

CallScope::~CallScope() {
  if (!outermost_) return;
  ThreadState& t = tl;
  if (armed_) {
    if (stopped_) g_token.raised.store(0, std::memory_order_relaxed);  // that SIGINT has been answered
    g_armed.store(nullptr, std::memory_order_relaxed);
    t.token = nullptr;
  }
  g_hooks->leave(data_);
  t.in_scope = false;
}

bool CallScope::stop() noexcept {
  if (!outermost_) {  // the outermost scope of the call decides; stop if it asked to
    stopped_ = interrupt_requested();
    return stopped_;
  }
  if (!armed_ || g_token.raised.load() == 0) return false;
  g_token.raised.store(0);  // (a signal that arrives while the host looks is kept)
  if (g_hooks->poll(data_)) {
    g_token.raised.store(1);
    stopped_ = true;
  }
  return stopped_;
}

InterruptMask::InterruptMask(bool on) noexcept : saved_(tl.token), on_(on) {
  if (on_) tl.token = nullptr;
}
InterruptMask::~InterruptMask() {
  if (on_) tl.token = static_cast<Token*>(saved_);
}

void CallScope::check() {
  if (interrupt_requested() && stop()) throw Interrupted();
}

// ------------------------------------------------------------------------------ pool
int num_threads() { return threads_now(); }

void set_num_threads(int n) {
  if (n > kMaxThreads)
    throw std::invalid_argument("beds: the number of threads must be at most " + std::to_string(kMaxThreads) +
                                ", got " + std::to_string(n));
  std::lock_guard<std::mutex> run(g_run_mutex);
  std::lock_guard<std::mutex> lock(g_config_mutex);
  g_threads.store(n > 0 ? n : default_threads());
  if (g_pool && g_pool->workers() != g_threads.load() - 1) {
    delete g_pool;
    g_pool = nullptr;
  }
}

void parallel_for(std::ptrdiff_t n_chunks, ChunkFn fn, void* ctx) { run_chunks(n_chunks, fn, ctx, false); }

std::ptrdiff_t parallel_for_interruptible(std::ptrdiff_t n_chunks, ChunkFn fn, void* ctx) {
  return run_chunks(n_chunks, fn, ctx, true);
}

}  // namespace beds
