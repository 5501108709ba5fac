"""Run a test scenario in a fresh interpreter and read back its result.

Signals, the thread pool and the GIL belong to a process, so the Ctrl-C and GIL tests
(test_interrupt.py, test_interrupt_api.py, test_dynamics_dense.py, test_mvnormal.py) run each
scenario as ``python -c``: :data:`PRELUDE`, the test's own setup, then a body that assigns a
JSON-serializable ``result``, which the child prints and :func:`run` parses.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

PRELUDE = textwrap.dedent(
    """
    import json, os, signal, sys, threading, time, warnings
    import numpy as np
    import beds
    from beds import _core

    rng = np.random.default_rng(0)

    def spd(n, d):
        q, _ = np.linalg.qr(rng.standard_normal((n, d, d)))
        ev = np.exp(0.5 * rng.standard_normal((n, d)))
        s = q @ (ev[..., None] * np.swapaxes(q, -1, -2))
        return 0.5 * (s + np.swapaxes(s, -1, -2))

    def interrupted(fn, delay=0.3):
        # a timer thread sends SIGINT to the process `delay` seconds into fn(): how the call ended,
        # how long after the signal, and how long it ran
        sent = []
        def fire():
            sent.append(time.perf_counter())
            os.kill(os.getpid(), signal.SIGINT)
        timer = threading.Timer(delay, fire)
        start = time.perf_counter()
        timer.start()
        try:
            fn()
            outcome = "completed"
        except KeyboardInterrupt:
            outcome = "KeyboardInterrupt"
        except BaseException as e:
            outcome = type(e).__name__ + ": " + str(e)
        end = time.perf_counter()
        timer.join()
        time.sleep(0.05)  # a SIGINT not turned into an exception is raised here at the latest
        return {"outcome": outcome, "latency": end - sent[0] if sent else None, "duration": end - start}
    """
)


def run(body: str, setup: str = "", timeout: float = 240.0) -> dict:
    """Run ``PRELUDE + setup + body`` in a new interpreter; return its ``result`` (the child must
    exit cleanly and print it)."""
    code = PRELUDE + textwrap.dedent(setup) + textwrap.dedent(body) + "\nprint('RESULT ' + json.dumps(result))\n"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout + proc.stderr
    return json.loads(lines[-1][len("RESULT ") :])
