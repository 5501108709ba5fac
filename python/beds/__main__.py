"""Command line: ``python -m beds bench`` (microbenchmarks) and ``python -m beds info``."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    usage = "usage: python -m beds {bench,info} [options]   (python -m beds bench --help)"
    if not argv or argv[0] in ("-h", "--help"):
        print(usage)
        return 0 if argv else 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "bench":
        from .benchmarks import main as bench_main

        return bench_main(rest)
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
