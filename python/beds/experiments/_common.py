"""Shared machinery of the experiments: run context, progress bars, results, fits and errors."""

from __future__ import annotations

import math
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "Context",
    "ExperimentError",
    "Finding",
    "Result",
    "bootstrap_fit",
    "fmt",
    "machine_info",
    "md_table",
    "power_law_fit",
]


class ExperimentError(Exception):
    """An error the command reports as one line (missing data, bad option, unwritable output)."""


@dataclass
class Finding:
    """One row of the table of findings: what the BEDS papers (or our notes) claim, what the run
    measured, and the verdict (``"confirmed"``, ``"fails"``, ``"partly"``, ``"measured"``)."""

    claim: str
    measured: str
    verdict: str


@dataclass
class Result:
    """What an experiment hands to the report."""

    name: str
    title: str
    summary: str
    numbers: dict[str, Any]
    findings: list[Finding]
    markdown: str
    figures: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    cpu_s: float = 0.0


@dataclass
class Context:
    """Options of one run, shared by the experiments."""

    quick: bool
    seeds: list[int]
    out: Path
    data: dict[str, str] = field(default_factory=dict)
    show_progress: bool = True

    @property
    def figures(self) -> Path:
        return self.out / "figures"

    def rng(self, seed: int, *salt: int) -> np.random.Generator:
        """A generator for ``seed`` and an experiment-specific salt (independent streams)."""
        return np.random.default_rng(np.random.SeedSequence([int(seed), *[int(s) for s in salt]]))

    def progress(self, iterable: Iterable[Any], desc: str, total: int | None = None) -> Iterator[Any]:
        """A progress bar (tqdm, on stderr, shown when the loop lasts more than a second)."""
        if not self.show_progress:
            yield from iterable
            return
        from tqdm import tqdm

        if total is None:
            try:
                total = len(iterable)  # type: ignore[arg-type]
            except TypeError:
                total = None
        with tqdm(
            iterable, desc=f"  {desc}", total=total, leave=False, delay=1.0, mininterval=0.5, file=sys.stderr
        ) as bar:
            yield from bar

    def savefig(self, fig: Any, name: str) -> str:
        """Writes ``figures/<name>.png`` and returns its path relative to the output folder."""
        import matplotlib.pyplot as plt

        self.figures.mkdir(parents=True, exist_ok=True)
        path = self.figures / f"{name}.png"
        # a fixed date in the metadata keeps reruns byte-identical
        fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        return f"figures/{name}.png"


def machine_info() -> dict[str, Any]:
    """CPU model, cores, Python / numpy / beds versions and the load average at the start."""
    import beds

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        load = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "beds": beds.__version__,
        "beds_threads": beds.get_num_threads(),
        "load_average_at_start": load,
    }


class Timer:
    """Wall-clock and process CPU time of a block."""

    def __enter__(self) -> Timer:
        self.w0, self.c0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.wall = time.perf_counter() - self.w0
        self.cpu = time.process_time() - self.c0


# ------------------------------------------------------------------------------- formatting
def fmt(x: Any, digits: int = 4) -> str:
    """A number with ``digits`` significant digits (integers as they are, None/NaN as '-')."""
    if x is None:
        return "-"
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if math.isnan(x):
        return "-"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e5:
        s = f"{x:.{digits}g}"
        return s
    return f"{x:.{max(digits - 1, 1)}e}"


def md_table(header: list[str], rows: list[list[Any]], align: str | None = None) -> str:
    """A Markdown table; cells that are numbers go through :func:`fmt`."""
    cells = [[c if isinstance(c, str) else fmt(c) for c in r] for r in rows]
    al = align or ("l" + "r" * (len(header) - 1))
    sep = ["---:" if a == "r" else ("---" if a == "l" else ":---:") for a in al]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in cells]
    return "\n".join(lines)


def jsonable(x: Any) -> Any:
    """Converts numpy values and arrays (recursively) to JSON types; NaN and inf become None."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if math.isfinite(x) else None
    return x


# ------------------------------------------------------------------------------------ fits
def power_law_fit(logs: list[np.ndarray], y: np.ndarray) -> np.ndarray:
    """Least-squares exponents of ``log y = sum_i b_i log x_i + c``: returns ``(b_1, ..., c)``."""
    a = np.column_stack([np.asarray(v, float).ravel() for v in logs] + [np.ones(np.size(y))])
    coef, *_ = np.linalg.lstsq(a, np.log(np.asarray(y, float).ravel()), rcond=None)
    return coef


def bootstrap_fit(
    logs: list[np.ndarray],
    y: np.ndarray,
    rng: np.random.Generator,
    n_boot: int = 2000,
    level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Power-law exponents with percentile bootstrap intervals (cases resampled with replacement).

    Returns ``(estimate, lower, upper)``, each with one entry per exponent plus the constant.
    """
    xs = [np.asarray(v, float).ravel() for v in logs]
    yy = np.asarray(y, float).ravel()
    est = power_law_fit(xs, yy)
    n = yy.size
    boots = np.empty((n_boot, est.size))
    k = 0
    while k < n_boot:
        idx = rng.integers(0, n, n)
        a = np.column_stack([v[idx] for v in xs] + [np.ones(n)])
        if np.linalg.matrix_rank(a) < a.shape[1]:
            continue
        boots[k] = np.linalg.lstsq(a, np.log(yy[idx]), rcond=None)[0]
        k += 1
    lo, hi = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return est, lo, hi


def run_timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    with Timer() as t:
        r = fn()
    return r, t.wall, t.cpu
