"""Command line: ``python -m beds bench`` (microbenchmarks), ``python -m beds experiments`` (the BEDS
experiments and their report) and ``python -m beds info``."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    usage = (
        "usage: python -m beds {bench,experiments,info} [options]   (python -m beds bench --help, experiments --help)"
    )
    if not argv or argv[0] in ("-h", "--help"):
        print(usage)
        return 0 if argv else 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "bench":
        from .benchmarks import main as bench_main

        return bench_main(rest)
    if cmd == "experiments":
        from .experiments import main as experiments_main

        return experiments_main(rest)
    if cmd == "info":
        import numpy as np

        import beds

        print(f"beds {beds.__version__}; numpy {np.__version__}")
        print(
            f"threads {beds.get_num_threads()}; simd {beds._core.simd_level()} "
            f"(available: {', '.join(beds._core.available_simd_levels())})"
        )
        print(f"CUDA: built {beds._core.built_with_cuda}, devices {beds.cuda_device_count()}")
        return 0
    print(f"unknown command {cmd!r}\n{usage}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
