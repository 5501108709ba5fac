// Interruptible batch calls: Ctrl-C and the GIL, seen from pure C++.
//
// A long batch call runs inside a CallScope created on the calling thread with an estimate of its
// cost.  The scope asks the hooks installed by the host (the Python bindings, cpp/bindings/
// interrupt.cpp) to release the GIL and to watch for SIGINT for the duration of the call; without
// hooks (plain C++ use) a scope does nothing.  Code that runs for long polls interrupt_requested():
//
//   beds::CallScope scope(n * cost_per_item_ns);          // on the calling thread
//   for (i = 0; i < n; ++i) {
//     if (beds::interrupt_requested()) {                   // one relaxed atomic load
//       if (scope.stop()) return;                          // the host raised (KeyboardInterrupt)
//     }                                                    // else: the handler did not raise, go on
//     ... work ...
//   }
//
// interrupt_requested() is true on the calling thread and on the pool threads that run chunks of
// its call (parallel_for passes the call on), and only while a scope of that call is armed.  It is
// safe to poll from any thread and from kernels that know nothing about the caller: the iterations
// of a solver return early, and the batch driver either stops (the host has set an exception: the
// results are discarded) or recomputes what was cut short.
#pragma once

#include <exception>

namespace beds {

// True when the call running on this thread has been asked to stop.  Cheap: a thread-local read
// and a relaxed atomic load.  Always false outside an armed CallScope.
bool interrupt_requested() noexcept;

// Marks the armed call as interrupted.  Async-signal-safe: this is what the host's SIGINT handler
// calls.  Does nothing when no call is armed.
void notify_interrupt() noexcept;

// Thrown by CallScope::check for code that prefers to unwind; the bindings turn it into the
// exception that the interrupt raised (see beds_bindings::translate_interrupted).
struct Interrupted : std::exception {
  const char* what() const noexcept override { return "beds: interrupted"; }
};

// What the host plugs in.  Every hook runs on the thread that created the outermost scope.
struct CallHooks {
  // Start of an outermost scope: cost_ns is the estimated cost of the call, `iterative` says that
  // the cost depends on an iteration count the caller controls (always watch for interrupts).
  // Returns host data for leave/poll; sets *armed when interrupts are watched for (then
  // notify_interrupt marks this call).
  void* (*enter)(double cost_ns, bool iterative, bool* armed);
  // End of the scope (restores what enter changed).
  void (*leave)(void* data);
  // An interrupt was seen: runs the host's handlers.  Returns true when the call must stop (the
  // host has an exception pending for the caller), false when it must go on.
  bool (*poll)(void* data);
};

// While alive (and `on`), interrupt_requested() is false on this thread: for work that must not
// stop half-way (a row whose outputs overwrite its own inputs cannot be computed again).
class InterruptMask {
 public:
  explicit InterruptMask(bool on) noexcept;
  ~InterruptMask();
  InterruptMask(const InterruptMask&) = delete;
  InterruptMask& operator=(const InterruptMask&) = delete;

 private:
  void* saved_;
  bool on_;
};

// Installs the hooks (nullptr: none).  Not thread-safe: call once at start-up.
void set_call_hooks(const CallHooks* hooks) noexcept;

// One batch call, created on the calling thread.  Scopes nest: only the outermost one of a thread
// talks to the hooks; inner scopes, and scopes created on pool threads, only observe it.
class CallScope {
 public:
  explicit CallScope(double cost_ns, bool iterative = false) noexcept;
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

  // To be called after interrupt_requested() returned true.  Returns true when the call must stop
  // now: the host has an exception pending (the outermost scope), or this scope is not the one
  // that decides (nested scopes, pool threads: they stop and let the outermost scope decide).
  // Returns false when the host's handler did not raise: the request is cleared, go on.
  bool stop() noexcept;
  // True once stop() returned true.
  bool stopped() const noexcept { return stopped_; }
  // True when interrupt_requested() can become true within this scope (this call, or the call it
  // is part of, is armed).
  bool watching() const noexcept { return watching_; }
  // throw Interrupted() if interrupt_requested() && stop()
  void check();

 private:
  void* data_ = nullptr;
  void* token_ = nullptr;
  bool outermost_ = false, armed_ = false, stopped_ = false, watching_ = false;
};

}  // namespace beds
