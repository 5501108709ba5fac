"""The examples in the docstrings run and print what they show."""

from __future__ import annotations

import doctest

import beds
import pytest

# the modules whose docstrings have examples
MODULES = [
    beds.normal,
    beds.diag_normal,
    beds.categorical,
    beds.regularization,
    beds.thermo,
    beds.dynamics,
    beds.energy,
    beds.special,
    beds.von_mises,
    beds.mvnormal,
]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"no docstring example found in {module.__name__}"
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {module.__name__}"
