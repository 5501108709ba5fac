"""Prints the benchmark table (same as ``python -m beds bench``); run from anywhere.

python bench/run.py [--large] [--sizes 1e3,1e6] [--threads 1,2] [--simd baseline]
"""

import sys

from beds.benchmarks import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
