"""Fuzz target for the public entry points of beds (atheris, coverage-guided).

Drives the constructors, the array-level functions (distance, kl, jeffreys, entropy, inner, log,
exp, geodesic, transport), the generic Belief API, the Fisher-Rao and KL penalties, the Karcher
means and the raw ufuncs with ``out=`` (aliasing an input too) of the Normal, DiagNormal,
Categorical, Exponential and Poisson families, with arbitrary floats (the whole float range,
subnormals, +-0, +-inf, NaN), dtypes (float64, float32, int) and shapes (broadcasting or not).

The property checked: every call either raises TypeError or ValueError (a clear error), or returns
results that are all finite.  The only infinities allowed are those that are mathematically
infinite: a categorical KL or Jeffreys divergence where q_i = 0 < p_i.  Anything else (NaN or inf
from a call that did not raise, another exception, a RuntimeWarning, a crash) is a finding.

Run (atheris is a development tool, not a dependency of beds)::

    pip install atheris
    python tools/fuzz_beds.py -atheris_runs=100000          # or -max_total_time=600
    python tools/fuzz_beds.py corpus_dir/ -jobs=2           # keep a corpus between runs
    python tools/fuzz_beds.py --replay 5000                 # without atheris: random bytes

A finding prints the entry point and its arguments, then raises (atheris stops and writes the
crashing input; ``python tools/fuzz_beds.py crash-<hash>`` replays it).
"""

from __future__ import annotations

import math
import os
import struct
import sys
import warnings

import numpy as np

try:  # atheris instruments the pure-Python layer of beds for coverage feedback
    import atheris
except ImportError:  # pragma: no cover - --replay works without it
    atheris = None

if atheris is not None and __name__ == "__main__" and "--replay" not in sys.argv:
    with atheris.instrument_imports(include=["beds"]):
        import beds
else:  # (imported by the test suite, or --replay: no instrumentation)
    import beds

SPECIAL = [
    0.0,
    -0.0,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1e-300,
    1e-155,
    1e-45,
    1e-20,
    0.5,
    1.0,
    -1.0,
    2.0,
    3.0,
    1e20,
    3.4e38,
    1e155,
    1e300,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    math.inf,
    -math.inf,
    math.nan,
]


class Input:
    """Structured values from the fuzzer's bytes (atheris' FuzzedDataProvider, or plain bytes)."""

    def __init__(self, data: bytes, fdp: bool = True) -> None:
        self.fdp = atheris.FuzzedDataProvider(data) if fdp and atheris is not None else None
        self.raw = data
        self.pos = 0

    def byte(self) -> int:
        if self.fdp is not None:
            return self.fdp.ConsumeIntInRange(0, 255)
        if self.pos >= len(self.raw):
            return 0
        self.pos += 1
        return self.raw[self.pos - 1]

    def choice(self, seq):
        return seq[self.byte() % len(seq)]

    def flag(self, percent: int = 50) -> bool:
        return self.byte() * 100 < percent * 256

    def double(self) -> float:
        kind = self.byte() % 8
        if kind <= 2:
            return self.choice(SPECIAL)
        if kind <= 4:  # any binade, either sign
            mant = 0.5 + self.byte() / 512.0 + self.byte() / 131072.0
            exp = (self.byte() << 8 | self.byte()) % 2099 - 1074
            x = math.ldexp(mant, exp) if exp < 1024 else 1.7976931348623157e308
            return -x if self.flag() else x
        if kind == 5:  # moderate values
            return (self.byte() - 128) / 16.0
        # raw bits: anything, NaN payloads included
        b = bytes(self.byte() for _ in range(8))
        return struct.unpack("<d", b)[0]

    def positive(self) -> float:
        x = self.double()
        return abs(x) if not self.flag(5) else x  # mostly in the domain, sometimes not

    def shape(self) -> tuple[int, ...]:
        nd = self.byte() % 4
        return tuple(self.choice([0, 1, 1, 2, 3]) for _ in range(nd))

    def array(self, shape, gen=None, dtype=None):
        gen = gen or self.double
        a = np.array([gen() for _ in range(int(np.prod(shape)))], dtype=np.float64).reshape(shape)
        dtype = dtype or self.choice([np.float64, np.float64, np.float32, np.int64])
        with np.errstate(all="ignore"):
            if dtype is np.int64:
                a = np.nan_to_num(a, nan=0.0, posinf=1.0, neginf=-1.0).clip(-1e6, 1e6)
            return a.astype(dtype)


def _probs(inp: Input, shape, k: int, dtype) -> np.ndarray:
    x = np.abs(inp.array(shape + (k,), dtype=np.float64))
    with np.errstate(all="ignore"):
        s = x.sum(axis=-1, keepdims=True)
        p = np.where(s > 0, x / np.where(s > 0, s, 1.0), 1.0 / k)
    if inp.flag(10):
        p = inp.array(shape + (k,), dtype=np.float64)  # arbitrary (invalid) rows
    with np.errstate(all="ignore"):  # (float32 rounds huge entries to inf)
        return p.astype(dtype)


def _tangent_probs(inp: Input, shape, k: int, dtype) -> np.ndarray:
    v = inp.array(shape + (k,), dtype=np.float64) * 0.0625
    with np.errstate(all="ignore"):
        v = v - v.mean(axis=-1, keepdims=True)
        return v.astype(dtype)


def _infinite_divergence_ok(name: str, args) -> np.ndarray | None:
    """Where a categorical KL / Jeffreys is infinite by definition (q_i = 0 < p_i)."""
    if not name.startswith("categorical.") or name.split(".")[-1] not in ("kl", "jeffreys"):
        return None
    p, q = (np.asarray(a, dtype=np.float64) for a in args[:2])
    inf = ((p > 0) & (q == 0)).any(axis=-1)
    if name.endswith("jeffreys"):
        inf |= ((q > 0) & (p == 0)).any(axis=-1)
    return inf


def check(name: str, fn, *args, converge: bool = True, **kwargs):
    """Calls fn; returns its result, or None after TypeError/ValueError.  Raises on a finding (a
    ConvergenceWarning is one only with ``converge``: Karcher means given enough iterations)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            if not converge:
                warnings.simplefilter("ignore", beds.ConvergenceWarning)
            with np.errstate(all="ignore"):  # (beds sets its own errstate where it needs one)
                out = fn(*args, **kwargs)
    except (TypeError, ValueError):
        return None
    except Exception as e:  # noqa: BLE001 - any other exception is a finding
        report(name, args, kwargs, f"{type(e).__name__}: {e}")
        raise
    values = []
    stack = [out]
    while stack:
        o = stack.pop()
        if isinstance(o, (tuple, list)):
            stack.extend(o)
        elif isinstance(o, dict):
            stack.extend(o.values())
        elif hasattr(o, "value") and hasattr(o, "grad"):  # PenaltyResult
            stack.extend([o.value, o.grad, o.natural_grad])
        elif isinstance(o, beds.Belief):
            stack.extend(getattr(o, p) for p in o.params)
        elif isinstance(o, beds.Tangent):
            stack.extend(o.components.values())
        elif isinstance(o, (np.ndarray, np.generic, float, int)):
            values.append(np.asarray(o))
    allowed = _infinite_divergence_ok(name, args)
    for v in values:
        if v.dtype.kind != "f":
            continue
        bad = ~np.isfinite(v)
        if allowed is not None and v.shape == np.shape(allowed):
            bad &= ~(np.isposinf(v) & allowed)
        if bad.any():
            report(name, args, kwargs, f"non-finite result {v[bad].ravel()[:4]} (no error raised)")
            raise AssertionError(f"{name}: non-finite result from a call that did not raise")
    return out


def report(name, args, kwargs, what) -> None:
    with np.printoptions(precision=17, threshold=20):
        print(f"\n=== finding in {name}: {what}", file=sys.stderr)
        for a in args:
            print(f"    arg {np.asarray(a).dtype if hasattr(a, 'dtype') else type(a).__name__}: {a!r}", file=sys.stderr)
        if kwargs:
            print(f"    kwargs: {kwargs!r}", file=sys.stderr)


# ------------------------------------------------------------------------------ entry points
def fuzz_normal(inp: Input, diag: bool) -> None:
    mod = beds.diag_normal if diag else beds.normal
    cls = beds.DiagNormal if diag else beds.Normal
    fam = "diag_normal" if diag else "normal"
    dtype = inp.choice([np.float64, np.float64, np.float32])
    shapes = [inp.shape() for _ in range(6)]
    if diag:
        d = inp.choice([1, 2, 3])
        shapes = [s + (d,) for s in shapes]
    m1, s1 = inp.array(shapes[0], dtype=dtype), inp.array(shapes[1], inp.positive, dtype=dtype)
    m2, s2 = inp.array(shapes[2], dtype=dtype), inp.array(shapes[3], inp.positive, dtype=dtype)
    op = inp.choice(
        [
            "distance",
            "kl",
            "jeffreys",
            "entropy",
            "inner",
            "log",
            "exp",
            "geodesic",
            "transport",
            "belief",
            "penalty",
            "kl_penalty",
            "karcher",
            "out",
        ]
    )
    if op in ("distance", "kl", "jeffreys"):
        check(f"{fam}.{op}", getattr(mod, op), m1, s1, m2, s2)
    elif op == "entropy":
        check(f"{fam}.entropy", mod.entropy, s1)
    elif op == "inner":
        u = [inp.array(shapes[4], dtype=dtype) for _ in range(4)]
        check(f"{fam}.inner", mod.inner, s1, *u)
    elif op in ("log", "exp", "geodesic", "transport"):
        nm = beds.normal  # DiagNormal maps are the normal ones, coordinate-wise
        if op == "log":
            check("normal.log", nm.log, m1, s1, m2, s2)
        elif op == "exp":
            check("normal.exp", nm.exp, m1, s1, inp.array(shapes[4], dtype=dtype), inp.array(shapes[5], dtype=dtype))
        elif op == "geodesic":
            t = inp.array(shapes[4], dtype=dtype) if inp.flag() else inp.double()
            check("normal.geodesic", nm.geodesic, m1, s1, m2, s2, t)
        else:
            v = [inp.array(shapes[4], dtype=dtype), inp.array(shapes[5], dtype=dtype)]
            check("normal.transport", nm.transport, m1, s1, m2, s2, *v)
    elif op == "belief":
        p = check(f"{cls.__name__}()", cls, m1, s1)
        q = check(f"{cls.__name__}()", cls, m2, s2)
        if p is None or q is None:
            return
        which = inp.choice(["distance", "kl", "log", "geodesic", "exp", "transport"])
        if which in ("distance", "kl"):
            check(f"beds.{which}({cls.__name__})", getattr(beds, which), p, q)
        elif which == "log":
            check(f"beds.log({cls.__name__})", beds.log, p, q)
        elif which == "geodesic":
            check(f"beds.geodesic({cls.__name__})", beds.geodesic, p, q, inp.double())
        else:
            v = check(
                "Tangent", p.tangent, mean=inp.array(p.mean.shape, dtype=dtype), std=inp.array(p.std.shape, dtype=dtype)
            )
            if v is not None:
                if which == "exp":
                    check(f"beds.exp({cls.__name__})", beds.exp, v)
                else:
                    check(f"beds.transport({cls.__name__})", beds.transport, v, q)
    elif op in ("penalty", "kl_penalty"):
        p = check(f"{cls.__name__}()", cls, m1, s1)
        q = check(f"{cls.__name__}()", cls, m2, s2)
        if p is None or q is None:
            return
        lam = abs(inp.double()) if inp.flag(90) else inp.double()
        param = inp.choice([None, None, "log_std"])
        fn = beds.fisher_rao_penalty if op == "penalty" else beds.kl_penalty
        check(f"{fn.__name__}({cls.__name__})", fn, p, q, lam, param=param)
    elif op == "karcher":
        n = inp.choice([1, 2, 3, 5])
        shape = (n, 2) if diag else (n,)
        m, s = inp.array(shape, dtype=dtype), inp.array(shape, inp.positive, dtype=dtype)
        w = np.abs(inp.array((n,), dtype=dtype)) if inp.flag() else None
        it = inp.choice([1, 5, 100])

        def mean(m, s, w):
            return cls(m, s).karcher_mean(w, max_iter=it)

        # (a ConvergenceWarning is the documented outcome of too few iterations, not a finding;
        # points spread over 1e300 in scale take up to about 200)
        check(f"{cls.__name__}.karcher_mean(max_iter={it})", mean, m, s, w, converge=False)
    else:  # raw ufuncs with out=, aliasing an input or not
        name = inp.choice(["distance", "log", "kl", "exp"])
        if diag and name in ("log", "exp"):
            name = "distance"
        fn = getattr(mod, name)
        args = [m1, s1, m2, s2]
        try:
            shape = np.broadcast_shapes(*(a.shape for a in args))
        except ValueError:
            return
        if diag:
            shape = shape[:-1]
        nout = 2 if name in ("log", "exp") else 1
        outs = tuple(np.empty(shape, dtype=dtype) for _ in range(nout))
        if inp.flag() and args[0].shape == shape and args[0].dtype == dtype and not diag:
            args[0] = args[0].copy()
            outs = (args[0],) + outs[1:]  # in place: the output is the first input
        check(f"{fam}.{name}(out=)", fn, *args, out=outs if nout > 1 else outs[0])


def fuzz_rate(inp: Input, family: str) -> None:
    mod = getattr(beds, family)
    cls = beds.Exponential if family == "exponential" else beds.Poisson
    dtype = inp.choice([np.float64, np.float64, np.float32])
    a, b = inp.array(inp.shape(), inp.positive, dtype=dtype), inp.array(inp.shape(), inp.positive, dtype=dtype)
    v = inp.array(inp.shape(), dtype=dtype)
    op = inp.choice(
        [
            "distance",
            "kl",
            "jeffreys",
            "entropy",
            "inner",
            "exp",
            "log",
            "geodesic",
            "transport",
            "karcher",
            "penalty",
            "out",
        ]
    )
    if op in ("distance", "kl", "jeffreys", "log"):
        check(f"{family}.{op}", getattr(mod, op), a, b)
    elif op == "entropy":
        check(f"{family}.entropy", mod.entropy, a)
    elif op == "inner":
        check(f"{family}.inner", mod.inner, a, v, inp.array(inp.shape(), dtype=dtype))
    elif op == "exp":
        check(f"{family}.exp", mod.exp, a, v)
    elif op in ("geodesic", "transport"):
        check(f"{family}.{op}", getattr(mod, op), a, b, v)
    elif op == "karcher":
        r = inp.array((inp.choice([1, 2, 4]),), inp.positive, dtype=dtype)
        check(
            f"{family}.karcher_mean",
            mod.karcher_mean,
            r,
            np.abs(inp.array(r.shape, dtype=dtype)) if inp.flag() else None,
        )
    elif op == "penalty":
        p, q = check(f"{cls.__name__}()", cls, a), check(f"{cls.__name__}()", cls, b)
        if p is not None and q is not None:
            fn = inp.choice([beds.fisher_rao_penalty, beds.kl_penalty])
            check(f"{fn.__name__}({cls.__name__})", fn, p, q, abs(inp.double()), param=inp.choice([None, "log_rate"]))
    else:
        try:
            shape = np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            return
        out = np.empty(shape, dtype=dtype)
        if inp.flag() and a.shape == shape and a.dtype == dtype:
            a = a.copy()
            out = a
        check(f"{family}.distance(out=)", mod.distance, a, b, out=out)


def fuzz_categorical(inp: Input) -> None:
    dtype = inp.choice([np.float64, np.float64, np.float32])
    k = inp.choice([1, 2, 3, 5])
    sp, sq = inp.shape(), inp.shape()
    p, q = _probs(inp, sp, k, dtype), _probs(inp, sq, k, dtype)
    op = inp.choice(
        [
            "distance",
            "kl",
            "jeffreys",
            "entropy",
            "inner",
            "log",
            "exp",
            "geodesic",
            "transport",
            "logits",
            "karcher",
            "penalty",
        ]
    )
    ca = beds.categorical
    if op in ("distance", "kl", "jeffreys", "log"):
        check(f"categorical.{op}", getattr(ca, op), p, q)
    elif op == "entropy":
        check("categorical.entropy", ca.entropy, p)
    elif op == "inner":
        check("categorical.inner", ca.inner, p, _tangent_probs(inp, sp, k, dtype), _tangent_probs(inp, sp, k, dtype))
    elif op == "exp":
        check("categorical.exp", ca.exp, p, _tangent_probs(inp, sp, k, dtype))
    elif op == "geodesic":
        check("categorical.geodesic", ca.geodesic, p, q, inp.double())
    elif op == "transport":
        check("categorical.transport", ca.transport, p, q, _tangent_probs(inp, sp, k, dtype))
    elif op == "logits":
        c = check("Categorical(logits=)", beds.Categorical, logits=inp.array(sp + (k,), dtype=dtype))
        if c is not None:
            check("Categorical.entropy", c.entropy)
    elif op == "karcher":
        check("categorical.karcher_mean", ca.karcher_mean, _probs(inp, (inp.choice([1, 2, 3]),), k, dtype))
    else:
        a, b = check("Categorical()", beds.Categorical, p), check("Categorical()", beds.Categorical, q)
        if a is not None and b is not None:
            fn = inp.choice([beds.fisher_rao_penalty, beds.kl_penalty])
            check(f"{fn.__name__}(Categorical)", fn, a, b, abs(inp.double()))


def TestOneInput(data: bytes) -> None:  # noqa: N802 - atheris' entry point name
    run_one(Input(data))


def run_one(inp: Input) -> None:
    family = inp.choice(["normal", "normal", "diag_normal", "categorical", "exponential", "poisson"])
    if family in ("normal", "diag_normal"):
        fuzz_normal(inp, family == "diag_normal")
    elif family == "categorical":
        fuzz_categorical(inp)
    else:
        fuzz_rate(inp, family)


def replay(n: int, seed: int = 0) -> None:
    """Without atheris: n inputs of random bytes, read directly (not through atheris' data provider,
    so that a seed gives the same calls whether atheris is installed or not).  Raises on the first
    finding (tests/test_fuzz_replay.py runs a short replay)."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        run_one(Input(rng.bytes(int(rng.integers(16, 512))), fdp=False))
        if (i + 1) % 1000 == 0:
            print(f"{i + 1} inputs", file=sys.stderr)


def main() -> None:
    if len(sys.argv) >= 2 and sys.argv[1] == "--replay":
        replay(int(sys.argv[2]) if len(sys.argv) > 2 else 1000, int(os.environ.get("SEED", "0")))
        return
    if atheris is None:
        sys.exit("atheris is not installed (pip install atheris), or use --replay N")
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
