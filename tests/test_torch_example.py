"""examples/torch_digits.py runs (fewer steps) and learns; skipped without torch or scikit-learn."""

from __future__ import annotations

import importlib.util
import math
import pathlib

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")


def _load_example():
    path = pathlib.Path(__file__).resolve().parents[1] / "examples" / "torch_digits.py"
    spec = importlib.util.spec_from_file_location("torch_digits_example", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_torch_digits_example_learns(capsys):
    import torch

    n = torch.get_num_threads()
    try:
        out = _load_example().main(steps=60, verbose=True)
    finally:
        torch.set_num_threads(n)
    printed = capsys.readouterr().out
    assert "adam" in printed and "natural" in printed
    for method in ("adam", "natural"):
        r = out[method]
        assert r["train_accuracy"] > 0.8 and r["test_accuracy"] > 0.8, (method, r)
        assert math.isfinite(r["train_nll"]) and math.isfinite(r["penalty_half_d2"]) and r["penalty_half_d2"] > 0
        assert 0 < r["mean_std"] < 1.5
    with pytest.raises(ValueError, match="method must be"):
        _load_example().train("sgd", steps=1)
