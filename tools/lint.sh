#!/usr/bin/env bash
# Lint and format checks run by CI (.ci/run, .github/workflows/ci.yml) and by pre-commit:
# ruff (lint + format) on Python, clang-format on C++/CUDA.  `tools/lint.sh --fix` rewrites files.
set -euo pipefail
cd "$(dirname "$0")/.."
cpp_files=$(git ls-files 'cpp/*.hpp' 'cpp/*.cpp' 'cpp/*.inc' 'cpp/*.cu' | grep -v -x -f .clang-format-ignore)
if [ "${1:-}" = "--fix" ]; then
  ruff check --fix .
  ruff format .
  clang-format -i $cpp_files
else
  ruff check .
  ruff format --check .
  clang-format --dry-run -Werror $cpp_files
fi
