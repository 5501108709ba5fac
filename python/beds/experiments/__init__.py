"""The BEDS experiments: ``python -m beds experiments [NAME ...] [--quick] [--seeds N] [--out DIR] [--list]``.

Each experiment tests one claim of the BEDS papers (or of our reconstruction) on simulated or real
data and reports what it measures, including where a claim fails:

=============== ==========================================================================
``relaxation``  Fisher-Rao vs Euclidean relaxation of Normal beliefs at matched duration
``continual``   continual learning on permuted digits, seven penalties, stability-plasticity fronts
``landauer``    measured dissipation power vs gamma and tau* (multiplicative, additive), eq. 19
``crystallize`` stationary vs drifting target: verdicts, optimal forgetting vs Kalman gain, energy
``angles``      von Mises tracking of real wind directions: time-ordered vs shuffled
``tracking``    the tracking conjecture P ~ gamma tau* + v^2 tau*: fitted exponents
``agents``      N agents sharing a belief on complete, ring and star graphs: f(N, topology)
=============== ==========================================================================

The command writes ``DIR/report.md``, ``DIR/report.html`` (figures embedded), ``DIR/figures/*.png``
and ``DIR/results.json`` (every number the report quotes, one key per experiment).  Seeds are fixed
and printed: rerunning reproduces the numbers exactly.  Plotting and progress bars need the optional
extra ``pip install 'beds[experiments]'`` (matplotlib, tqdm, scikit-learn for the digits data).
"""

from __future__ import annotations

import argparse
import importlib
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from ._common import Context, ExperimentError, Result, Timer, machine_info

__all__ = ["EXPERIMENTS", "ExperimentError", "main", "run"]

EXPERIMENTS: dict[str, str] = {
    "relaxation": "Fisher-Rao vs Euclidean relaxation of Normal beliefs at matched duration",
    "continual": "continual learning on permuted digits: seven penalties, stability-plasticity fronts",
    "landauer": "dissipation power vs gamma and tau* (multiplicative, additive) and the paper's eq. 19",
    "crystallize": "stationary vs drifting target: verdicts, optimal forgetting vs Kalman gain, energy",
    "angles": "von Mises tracking of real wind directions, time-ordered vs shuffled",
    "tracking": "the tracking conjecture P ~ gamma tau* + v^2 tau*: fitted exponents with intervals",
    "agents": "N agents sharing a belief by fusion on complete, ring and star graphs: f(N, topology)",
}
DATASETS = ("digits", "wind")
EXTRA_HINT = "pip install 'beds[experiments]'"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage block
        raise ExperimentError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m beds experiments",
        description="Runs the BEDS experiments and writes a report with figures and results.json.",
    )
    p.add_argument(
        "names", nargs="*", metavar="NAME", help=f"experiments to run (default: all): {', '.join(EXPERIMENTS)}"
    )
    p.add_argument("--quick", action="store_true", help="small sizes (all experiments in under 3 minutes)")
    p.add_argument("--seeds", type=int, default=None, metavar="N", help="number of seeds (default 3; seeds 0..N-1)")
    p.add_argument("--out", default="beds-experiments", metavar="DIR", help="output folder (default beds-experiments/)")
    p.add_argument("--list", action="store_true", help="list the experiments and exit")
    p.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="use another copy of a dataset: digits=FILE.npz (arrays X (n, 64), y (n,)) or wind=FILE.csv",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    return p


def _check_extra() -> None:
    missing = []
    for mod in ("matplotlib", "tqdm"):
        try:
            importlib.import_module(mod)
        except ImportError:
            missing.append(mod)
    if missing:
        raise ExperimentError(f"the experiments need {' and '.join(missing)}: {EXTRA_HINT}")


def _prepare_out(out: Path) -> None:
    try:
        (out / "figures").mkdir(parents=True, exist_ok=True)
        probe = out / ".beds-write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as e:
        raise ExperimentError(f"cannot write to --out {str(out)!r}: {e.strerror or e}") from None


def _parse_data(items: list[str]) -> dict[str, str]:
    data = {}
    for it in items:
        name, sep, path = it.partition("=")
        if not sep or not path:
            raise ExperimentError(f"--data takes NAME=PATH, got {it!r}")
        if name not in DATASETS:
            raise ExperimentError(f"--data: unknown dataset {name!r} (known: {', '.join(DATASETS)})")
        data[name] = path
    return data


def _check_data(names: list[str], data: dict[str, str]) -> None:
    """Loads the datasets the selected experiments need, so that a bad one fails before any run."""
    if "angles" in names:
        from .angles import load_wind

        load_wind(data.get("wind"))
    if "continual" in names:
        from .continual import load_digits_data

        load_digits_data(data.get("digits"))


def run(
    names: list[str] | None = None,
    *,
    quick: bool = False,
    seeds: int | None = None,
    out: str | os.PathLike[str] = "beds-experiments",
    data: dict[str, str] | None = None,
    progress: bool = True,
    command: str | None = None,
    log: Any = None,
) -> tuple[list[Result], dict[str, Path]]:
    """Runs experiments and writes the report; returns the results and the report paths.

    Raises :class:`ExperimentError` (one-line message) for an unknown name, a bad dataset, an
    unwritable output folder or a missing optional dependency.
    """
    log = log or (lambda s: print(s, flush=True))
    names = list(names or EXPERIMENTS)
    unknown = [n for n in names if n not in EXPERIMENTS]
    if unknown:
        raise ExperimentError(f"unknown experiment {unknown[0]!r} (known: {', '.join(EXPERIMENTS)})")
    names = list(dict.fromkeys(names))
    n_seeds = 3 if seeds is None else int(seeds)
    if n_seeds < 1:
        raise ExperimentError(f"--seeds must be >= 1, got {n_seeds}")
    _check_extra()
    outp = Path(out)
    _prepare_out(outp)
    data = dict(data or {})
    _check_data(names, data)

    import matplotlib

    matplotlib.use("Agg")
    ctx = Context(quick=quick, seeds=list(range(n_seeds)), out=outp, data=data, show_progress=progress)
    machine = machine_info()
    log(
        f"beds experiments ({'quick' if quick else 'full'}): {', '.join(names)}; seeds {', '.join(map(str, ctx.seeds))}; "
        f"output {outp}/"
    )
    try:
        from threadpoolctl import threadpool_limits

        limiter: Any = threadpool_limits(1)  # tiny matrices: BLAS threads only add noise and contention
    except ImportError:
        limiter = None
    results: list[Result] = []
    try:
        with Timer() as total:
            for name in names:
                mod = importlib.import_module(f".{name}", __name__)
                with Timer() as t:
                    res = mod.run(ctx)
                res.elapsed_s, res.cpu_s = t.wall, t.cpu
                results.append(res)
                log(f"[{name}] {res.summary} ({t.wall:.1f} s)")
    finally:
        if limiter is not None:
            limiter.restore_original_limits()
    meta = {
        "command": command or "python -m beds experiments",
        "quick": quick,
        "seeds": ctx.seeds,
        "machine": machine,
        "total_wall_s": total.wall,
        "total_cpu_s": total.cpu,
    }
    from .report import write_report

    paths = write_report(outp, results, meta)
    log(f"total {total.wall:.1f} s (CPU {total.cpu:.1f} s); report {paths['md']}, {paths['html']}, {paths['json']}")
    return results, paths


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; errors are one line on stderr and a non-zero exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(argv)
        if args.list:
            for k, v in EXPERIMENTS.items():
                print(f"{k:12s} {v}")
            return 0
        data = _parse_data(args.data)
        run(
            args.names,
            quick=args.quick,
            seeds=args.seeds,
            out=args.out,
            data=data,
            progress=not args.no_progress,
            command="python -m beds experiments " + " ".join(shlex.quote(a) for a in argv),
        )
    except ExperimentError as e:
        print(f"beds experiments: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("beds experiments: interrupted", file=sys.stderr)
        return 130
    return 0
