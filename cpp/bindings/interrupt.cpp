// The Python side of beds/interrupt.hpp (see interrupt.hpp in this folder).
#include "interrupt.hpp"

#include <atomic>
#include <cerrno>
#include <cfenv>
#include <exception>
#include <new>

#include "beds/interrupt.hpp"

#if defined(__unix__) || defined(__APPLE__)
#define BEDS_HAVE_SIGACTION 1
#include <signal.h>
#else
#define BEDS_HAVE_SIGACTION 0
#endif

namespace beds_bindings {
namespace {

unsigned long g_main_thread = 0;             // threading.main_thread().ident
thread_local bool tl_error_pending = false;  // this thread set a Python error inside a loop

bool on_main_thread() { return g_main_thread != 0 && PyThread_get_thread_ident() == g_main_thread; }

// Whether this thread holds the GIL (PyGILState_Check answers 1 when sub-interpreters exist).
bool holds_gil() {
#if PY_VERSION_HEX >= 0x030D0000
  PyThreadState* current = PyThreadState_GetUnchecked();
#else
  PyThreadState* current = _PyThreadState_UncheckedGet();
#endif
  return current != nullptr && current == PyGILState_GetThisThreadState();
}

// ------------------------------------------------------------------------------ SIGINT
#if BEDS_HAVE_SIGACTION
// Our handler stays in front of Python's once installed: arming a call is then a store, not a
// system call.  Python replaces it whenever signal.signal(SIGINT, ...) is called (the C handler
// becomes Python's own, SIG_IGN or SIG_DFL); expensive calls look again and chain in front of the
// new handler when it is a function (SIG_IGN and SIG_DFL: SIGINT raises nothing, nothing to watch).
using Handler = void (*)(int);
using Action = void (*)(int, siginfo_t*, void*);
std::atomic<Handler> g_previous_handler{nullptr};  // the handler we chain to (one of the two)
std::atomic<Action> g_previous_action{nullptr};
bool g_looked = false, g_installed = false;  // (main thread only)

extern "C" void beds_on_sigint(int sig, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  beds::notify_interrupt();
  if (const Action a = g_previous_action.load()) {
    a(sig, info, context);
  } else if (const Handler h = g_previous_handler.load()) {
    h(sig);
  }
  errno = saved_errno;
}

bool is_ours(const struct sigaction& a) { return (a.sa_flags & SA_SIGINFO) && a.sa_sigaction == &beds_on_sigint; }

// Whether our handler is (still) in front of a function handler; with look == false, trusts the
// last look (no system call).
bool sigint_watched(bool look) {
  if (g_looked && !look) return g_installed;
  g_looked = true;
  g_installed = false;
  struct sigaction current;
  if (sigaction(SIGINT, nullptr, &current) != 0) return false;
  if (is_ours(current)) return g_installed = true;
  const bool action = (current.sa_flags & SA_SIGINFO) != 0;
  if (action ? current.sa_sigaction == nullptr : (current.sa_handler == SIG_DFL || current.sa_handler == SIG_IGN))
    return false;
  g_previous_action.store(action ? current.sa_sigaction : nullptr);
  g_previous_handler.store(action ? nullptr : current.sa_handler);
  struct sigaction mine = current;
  mine.sa_flags = current.sa_flags | SA_SIGINFO;
  mine.sa_sigaction = &beds_on_sigint;
  if (sigaction(SIGINT, &mine, nullptr) != 0) return false;
  return g_installed = true;
}
#else
bool sigint_watched(bool) { return false; }  // (Windows: Ctrl-C is not watched for inside calls)
#endif

// ------------------------------------------------------------------------------ hooks
// The data of a scope: the thread state saved when the GIL was released (or nullptr).
thread_local PyThreadState* tl_saved = nullptr;  // one outermost scope per thread at a time

void* enter(double cost_ns, bool iterative, bool* armed) {
  if (on_main_thread()) *armed = sigint_watched(iterative || cost_ns >= kArmNs);
  tl_saved = cost_ns >= kReleaseGilNs && holds_gil() ? PyEval_SaveThread() : nullptr;
  return &tl_saved;
}

void leave(void* data) {
  PyThreadState*& saved = *static_cast<PyThreadState**>(data);
  if (saved) PyEval_RestoreThread(saved);
  saved = nullptr;
}

bool poll(void*) {
  const PyGILState_STATE gil = PyGILState_Ensure();
  const bool raised = PyErr_CheckSignals() != 0;
  if (raised) tl_error_pending = true;
  PyGILState_Release(gil);
  return raised;
}

const beds::CallHooks kHooks{&enter, &leave, &poll};

}  // namespace

int install_call_hooks() {
  PyObject* threading = PyImport_ImportModule("threading");
  if (!threading) return -1;
  PyObject* main = PyObject_CallMethod(threading, "main_thread", nullptr);
  Py_DECREF(threading);
  if (!main) return -1;
  PyObject* ident = PyObject_GetAttrString(main, "ident");
  Py_DECREF(main);
  if (!ident) return -1;
  const unsigned long id = PyLong_AsUnsignedLong(ident);
  Py_DECREF(ident);
  if (PyErr_Occurred()) return -1;
  g_main_thread = id;
  beds::set_call_hooks(&kHooks);
  return 0;
}

bool loop_should_skip() {
  if (!tl_error_pending) return false;
  const PyGILState_STATE gil = PyGILState_Ensure();
  const bool pending = PyErr_Occurred() != nullptr;
  PyGILState_Release(gil);
  if (!pending) tl_error_pending = false;  // a new ufunc call
  return pending;
}

void set_error_from_exception() {
  const PyGILState_STATE gil = PyGILState_Ensure();
  if (!PyErr_Occurred()) {  // (beds::Interrupted: the interrupt's exception is already set)
    try {
      throw;
    } catch (const beds::Interrupted&) {
      PyErr_SetNone(PyExc_KeyboardInterrupt);
    } catch (const std::bad_alloc&) {
      PyErr_NoMemory();
    } catch (const std::exception& e) {
      PyErr_Format(PyExc_RuntimeError, "beds: %s", e.what());
    } catch (...) {
      PyErr_SetString(PyExc_RuntimeError, "beds: unknown C++ exception in a batch loop");
    }
  }
  tl_error_pending = true;
  PyGILState_Release(gil);
}

void loop_done() {
  // an exception is on its way out: no floating-point flag for numpy to report
  if (tl_error_pending) std::feclearexcept(FE_ALL_EXCEPT);
}

void restore_interrupt_error() {
  if (!PyErr_Occurred()) PyErr_SetNone(PyExc_KeyboardInterrupt);
  tl_error_pending = false;
}

}  // namespace beds_bindings
