"""Each kernel is declared once (in the C++ loop tables): the ufunc registration, the metadata
``beds._core.kernels``, the Python array functions, the constants shared with the argument checks
and the type stubs all follow from that declaration."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import beds
import numpy as np
import pytest
from beds import _core, _kernels, _validation

KERNELS = list(_core.kernels)
DTYPE_CODE = {"float64": "d", "int64": "l"}


def _types(kernel, code: str) -> str:
    def codes(ops):
        return "".join(DTYPE_CODE.get(op.dtype, code) for op in ops)

    return codes(kernel.inputs) + "->" + codes(kernel.outputs)


def _signature(kernel) -> str | None:
    def part(ops):
        return ",".join("(" + ",".join(op.core) + ")" for op in ops)

    if not any(op.core for op in kernel.inputs + kernel.outputs):
        return None
    return part(kernel.inputs) + "->" + part(kernel.outputs)


def test_every_ufunc_has_exactly_one_declaration():
    names = [k.name for k in KERNELS]
    assert len(names) == len(set(names))
    ufuncs = {n for n in dir(_core) if isinstance(getattr(_core, n), np.ufunc)}
    assert ufuncs == set(names)


@pytest.mark.parametrize("kernel", KERNELS, ids=lambda k: k.name)
def test_ufunc_is_registered_as_declared(kernel):
    uf = getattr(_core, kernel.name)
    assert (uf.nin, uf.nout) == (len(kernel.inputs), len(kernel.outputs))
    assert uf.signature == kernel.signature == _signature(kernel)
    assert uf.types == [_types(kernel, "f"), _types(kernel, "d")]
    assert kernel.declaration in uf.__doc__ and kernel.doc in uf.__doc__
    assert kernel.declaration.startswith(kernel.name + "(")
    assert "baseline" in kernel.isas and set(kernel.isas) <= {"baseline", "avx2"}


@pytest.mark.parametrize("kernel", KERNELS, ids=lambda k: k.name)
def test_declaration_uses_known_domains_and_dtypes(kernel):
    names = [op.name for op in kernel.inputs]
    assert len(names) == len(set(names))
    for op in kernel.inputs:
        assert op.domain in _core.DOMAINS
        assert op.dtype in ("float", "float64", "int64")
    for op in kernel.outputs:
        assert op.domain == ""
        assert op.dtype in ("float", "int64")


def test_elementwise_kernels_have_an_avx2_build_where_the_cpu_has_one():
    if "avx2" not in _core.available_simd_levels():
        pytest.skip("no AVX2 build on this CPU/build")
    for k in KERNELS:
        if k.signature is None:
            assert k.isas == ("baseline", "avx2"), k.name


_INVALID = {
    "real": np.array([1.0, np.nan]),
    "positive": np.array([1.0, 0.0]),
    "nonnegative": np.array([1.0, -1.0]),
    "unit_interval": np.array([0.5, 1.5]),
    "probs": np.array([0.5, 0.6]),
    "probs_interior": np.array([1.0, 0.0]),
    "tangent_probs": np.array([0.5, 0.4]),
    "spd": np.array([[1.0, 2.0], [2.0, 1.0]]),
    "symmetric": np.array([[1.0, 2.0], [0.0, 1.0]]),
}


@pytest.mark.parametrize("domain", _core.DOMAINS)
def test_every_declared_domain_is_checked_in_python(domain):
    with pytest.raises(ValueError, match="^x "):
        _validation.check_domain("x", _INVALID[domain], domain)


# ------------------------------------------------------------------------- the array functions
MODULES = [beds.normal, beds.diag_normal, beds.exponential, beds.poisson, beds.categorical, beds.von_mises]
MODULES += [beds.special, beds.mvnormal]


def _array_functions():
    for module in MODULES:
        prefix = module.__name__.rsplit(".", 1)[-1]
        for name in module.__all__:
            kernel = _kernels.KERNELS.get(f"{prefix}_{name}")
            if kernel is not None and all(op.dtype == "float" for op in kernel.inputs):
                yield pytest.param(getattr(module, name), kernel, id=f"{prefix}.{name}")


@pytest.mark.parametrize(("fn", "kernel"), list(_array_functions()))
def test_array_function_takes_the_declared_arguments(fn, kernel):
    params = inspect.signature(fn).parameters.values()
    positional = [p.name for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert positional == [op.name for op in kernel.inputs]


def test_array_function_errors_name_the_declared_argument():
    with pytest.raises(ValueError, match="^std2 must be > 0"):
        beds.normal.distance(0.0, 1.0, 0.0, -1.0)
    with pytest.raises(ValueError, match="^q must sum to 1"):
        beds.categorical.kl([0.5, 0.5], [0.5, 0.6])
    with pytest.raises(ValueError, match="^kappa2 must be >= 0"):
        beds.von_mises.kl(0.0, 1.0, 0.0, -1.0)


def test_array_function_needs_the_family_prefix():
    with pytest.raises(ValueError, match="does not belong"):
        _kernels.array_function("normal_distance", "doc", module="beds.poisson")


# ------------------------------------------------------------------------------- shared constants
def test_python_checks_read_the_kernel_constants():
    assert _validation.PROB_SUM_TOL == {np.dtype(k): v for k, v in _core.PROB_SUM_TOL.items()}
    assert _validation.SYM_TOL == {np.dtype(k): v for k, v in _core.SYM_TOL.items()}
    assert _validation.TANGENT_SUM_FLOOR == _core.TANGENT_SUM_FLOOR
    assert (beds.mvnormal.TOL, beds.mvnormal.MAX_ITER) == (_core.MVNORMAL_TOL, _core.MVNORMAL_MAX_ITER)
    assert set(_core.PROB_SUM_TOL) == set(_core.SYM_TOL) == {"float32", "float64"}
    assert _core.SIGREG_MAX_KNOTS >= 2


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernel_and_python_agree_on_the_probability_sum_tolerance(dtype):
    """Just inside the tolerance both accept a row; just outside, both reject it."""
    tol = _core.PROB_SUM_TOL[np.dtype(dtype).name]
    for factor, valid in ((0.5, True), (2.0, False)):
        p = np.array([0.25, 0.75 + factor * tol], dtype=dtype)
        with np.errstate(invalid="ignore"):
            kernel_ok = bool(np.isfinite(_core.categorical_entropy(p)))
        try:
            _validation.check_domain("p", p, "probs")
            python_ok = True
        except ValueError:
            python_ok = False
        assert kernel_ok == python_ok == valid


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernel_and_python_agree_on_the_symmetry_tolerance(dtype):
    tol = _core.SYM_TOL[np.dtype(dtype).name]
    for factor, valid in ((0.25, True), (4.0, False)):
        cov = np.array([[1.0, 0.5], [0.5 + factor * tol, 1.0]], dtype=dtype)
        with np.errstate(invalid="ignore"):
            kernel_ok = bool(np.isfinite(_core.mvnormal_entropy(cov)))
        try:
            _validation.check_domain("cov", cov, "spd")
            python_ok = True
        except ValueError:
            python_ok = False
        assert kernel_ok == python_ok == valid


# ------------------------------------------------------------------------------------ type stubs
def _stub_tool():
    path = Path(__file__).resolve().parents[1] / "tools" / "gen_stubs.py"
    if not path.exists():
        pytest.skip("tools/gen_stubs.py is not available (tests run outside the source tree)")
    spec = importlib.util.spec_from_file_location("gen_stubs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_type_stubs_are_current():
    """python/beds/_core.pyi is what tools/gen_stubs.py writes for this build (the signatures of the
    pybind11 functions are compared only under the pybind11 version that wrote the stubs)."""
    tool = _stub_tool()
    stub = Path(beds.__file__).with_name("_core.pyi")
    if not stub.exists():
        pytest.skip("no _core.pyi next to the installed package")
    committed = stub.read_text()
    same_pybind11 = f"(pybind11 {_core._pybind11_version})" in committed.splitlines()[1]
    if same_pybind11:
        assert tool.render(_core) == committed, "run: python tools/gen_stubs.py"
    else:
        assert tool.render(_core, bindings=False) == tool.without_bindings(committed), "run: python tools/gen_stubs.py"
