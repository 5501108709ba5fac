// The Python side of beds/interrupt.hpp: GIL release and Ctrl-C for batch calls.
//
// install_call_hooks() plugs CPython into beds::CallScope.  An outermost scope releases the GIL
// when its call is estimated to cost more than kReleaseGilNs (numpy itself only releases it above
// 500 elements).  On Python's main thread every call watches for SIGINT: a handler of ours sits in
// front of Python's (installed at the first call, checked again by calls estimated above kArmNs or
// iterative, whose cost the estimate does not bound) and marks the running call.  The batch
// drivers then start no further chunk, the calling thread takes the GIL and runs Python's signal
// handlers (PyErr_CheckSignals): KeyboardInterrupt (or whatever the handler raises) is then
// pending, and the call gives up; if the handler does not raise, the call goes on where it stopped.
// Other threads are never interrupted (Python delivers KeyboardInterrupt to the main thread).
//
// How the exception leaves a numpy ufunc (numpy 1.24 - 2.x): numpy does not stop on an error set
// by a legacy inner loop, but every path of a ufunc call checks for one before returning: the
// single-call path tests PyErr_Occurred() right after the loop, the iterator paths (buffering,
// broadcasting, gufuncs) call NpyIter_Deallocate, which fails when an error is set.  The loop
// must only make sure that (a) the floating-point flags are clear (numpy would otherwise report
// them, calling into Python with an exception set), and (b) later inner-loop calls of the same
// ufunc call return at once (loop_should_skip).  The KeyboardInterrupt then propagates unchanged.
#pragma once

#include <Python.h>

namespace beds_bindings {

// (10 us: one element of a von Mises geodesic kernel or one MVNormal shooting row; a few thousand
// elements of the cheapest kernels.  Holding the GIL that long is harmless, releasing it for less
// would cost more than it saves when other threads wait for it.)
constexpr double kReleaseGilNs = 10e3;  // release the GIL for calls estimated above 10 us
constexpr double kArmNs = 100e3;        // re-check the SIGINT handler for calls above 0.1 ms

// Installs the hooks (module initialization, with the GIL).  Returns -1 with a Python error set on
// failure.
int install_call_hooks();

// For the ufunc trampoline, around each call of a batch loop:
//   if (loop_should_skip()) return;   // an earlier inner loop of this ufunc call raised
//   try { loop(...); } catch (...) { set_error_from_exception(); }
//   loop_done();
bool loop_should_skip();
void set_error_from_exception();  // in a catch block: the C++ exception becomes a Python one
void loop_done();

// pybind11 bindings that run a CallScope and throw beds::Interrupted: the exception translator
// calls this (with the GIL) to leave the pending Python exception in place.
void restore_interrupt_error();

}  // namespace beds_bindings
