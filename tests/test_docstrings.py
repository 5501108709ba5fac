"""The docstrings meet the numpydoc standard of the API reference, and their examples run.

The standard (CONTRIBUTING.md): every public function, class and method has a numpydoc docstring
with a one-line summary, an extended description (the formula and a literature reference or a
docs page), Parameters that match the signature (name, type, meaning), Returns, Raises (each
exception and when), Examples that run and show their output; See Also where useful.

``DOCUMENTED`` lists the modules held to it: a module maps to ``None`` (all its public names:
``__all__``, or the public functions and classes defined in it) or to the tuple of names already
converted.  To bring a module under the standard, write its docstrings and add it here.
``INTERNAL`` lists developer-facing helpers (public names of private modules that are not
re-exported): the same checks, except that the extended summary and the Examples are optional
and a Raises section is required only where the code itself raises (they receive validated
input).

Checked for every function, method and class (numpydoc's own validator, ``numpydoc.validate``,
for the codes of ``REQUIRED``, plus the checks below); for properties, the summary only:

* no numpydoc error among ``REQUIRED``: formatting (GL), summary (SS), extended summary (ES01),
  Parameters against the signature (PR01-PR03: none missing, none unknown, same order) with a
  type and a description (PR04-PR10), Returns when the code returns a value (RT01-RT05), See
  Also formatting (SA02-SA04), Examples (EX01), Yields (YD01);
* a Raises section when the callable takes an argument (unless ``NO_RAISES`` says why not, or it
  is a record class, a NamedTuple or a dataclass without ``__post_init__``, or a Protocol), whose
  entries are exception classes (warnings go in Warns);
* the Examples run (doctest) and at least one of them shows its output;
* every docs page a docstring cites (``:doc:`...``` or "docs page ``...``") exists, in every
  module of the package that is imported (``import beds`` imports the API);
* every public constant has a ``#:`` comment (what the API reference shows for it);
* the classes of ``PROTOCOL_IMPLEMENTATIONS`` take the parameters of their protocol, whose
  docstrings document them once.

Not yet listed (a later pass): the family module ``von_mises`` (being changed on another branch),
``ufuncs`` (raw ufuncs, documented by their kernel declarations), the family classes of the
top-level namespace (``"beds"`` then maps to None once ``von_mises`` is in), ``System.integrate``
and ``beds.dynamics._events``.  Without PyTorch the ``beds.torch`` modules are not checked, nor the
examples that use torch.
"""

from __future__ import annotations

import ast
import builtins
import doctest
import importlib
import importlib.util
import inspect
import pathlib
import re
import sys
import textwrap
import warnings
from typing import Any

import beds
import numpydoc.validate as numpydoc_validate
import pytest
from numpydoc.docscrape import NumpyDocString

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# the generic operations and helpers of the top-level namespace (the family classes: later pass)
_TOPLEVEL = (
    "distance",
    "kl",
    "jeffreys",
    "entropy",
    "geodesic",
    "exp",
    "log",
    "transport",
    "inner",
    "norm",
    "metric",
    "karcher_mean",
    "set_num_threads",
    "get_num_threads",
    "has_cuda",
    "cuda_device_count",
)

DOCUMENTED: dict[str, tuple[str, ...] | None] = {
    "beds": _TOPLEVEL,
    "beds.dynamics": None,
    "beds.regularization": None,
    "beds.energy": None,
    "beds.thermo": None,
    "beds.problems": None,
    "beds.plot": None,
    "beds.cuda": None,
    "beds._geometry": None,
    "beds.normal": None,
    "beds.diag_normal": None,
    "beds.categorical": None,
    "beds.exponential": None,
    "beds.poisson": None,
    "beds.special": None,
    "beds._distributions": None,
    "beds.mvnormal": None,
    # the mixins of beds.MVNormal (their methods are MVNormal's)
    "beds._mvnormal_distribution": None,
    "beds._mvnormal_numpy": ("MVNormalGradients",),
}

#: PyTorch is optional: without it the beds.torch modules are not checked, nor examples that use torch
HAS_TORCH = importlib.util.find_spec("torch") is not None
if HAS_TORCH:
    DOCUMENTED.update(
        {
            "beds.torch": None,
            "beds.torch.normal": None,
            "beds.torch.diag_normal": None,
            "beds.torch.categorical": None,
            "beds.torch.mvnormal": None,
            "beds.torch.von_mises": None,
            "beds.torch.optim": None,
        }
    )

INTERNAL: dict[str, tuple[str, ...] | None] = {
    "beds.dynamics._common": None,
    "beds.dynamics._kinds": None,
    "beds.dynamics._gaussian": ("dissipate", "assimilate", "GaussianKind"),
    "beds.dynamics._mvnormal": ("MVNormalKind",),
    "beds.dynamics._von_mises": ("VonMisesKind",),
    "beds.regularization._penalty": ("as_belief", "as_strength", "check_strength_shape", "in_chart"),
    "beds.regularization._steps": None,
    "beds._flat1d": None,
    "beds.categorical": ("ProbsChart", "LogitsChart"),
}
if HAS_TORCH:
    INTERNAL.update(
        {
            "beds.torch._autograd": None,
            "beds.torch._family": None,
        }
    )

#: classes that implement a documented protocol: the class docstring is checked, and each of its
#: public methods that the protocol declares must take the same parameters (the protocol's
#: docstring documents it, once); a method the protocol does not declare is checked on its own
PROTOCOL_IMPLEMENTATIONS: dict[str, str] = {
    "beds._geometry.FamilyChart": "beds._geometry.Chart",
    "beds._geometry.LogChart": "beds._geometry.Chart",
    "beds.dynamics._gaussian.GaussianKind": "beds.dynamics._kinds.Kind",
    "beds.dynamics._mvnormal.MVNormalKind": "beds.dynamics._kinds.Kind",
    "beds.dynamics._von_mises.VonMisesKind": "beds.dynamics._kinds.Kind",
    "beds.categorical.ProbsChart": "beds._geometry.Chart",
    "beds.categorical.LogitsChart": "beds._geometry.Chart",
}
if HAS_TORCH:
    PROTOCOL_IMPLEMENTATIONS.update(
        {f"beds.torch._family.{n}Spec": "beds.torch._autograd.Spec" for n in ("Distance", "Divergence", "Penalty")}
    )

#: objects left out, with the reason
_INTEGRATE = "being extended (dense event streams) on another branch; documented in the next pass"
EXEMPT: dict[str, str] = {
    "beds.dynamics.System.integrate": _INTEGRATE,
    "beds.dynamics._kinds.Kind.integrate": _INTEGRATE,
}

_CHART_MAP = "a chart map: the charts compute without checks (numpy's own errors on bad shapes)"
#: callables that take arguments but raise nothing of their own, with the reason
NO_RAISES: dict[str, str] = {
    "beds._geometry.Chart.coordinates": _CHART_MAP,
    "beds._geometry.Chart.covector": _CHART_MAP,
    "beds._geometry.Chart.family_covector": _CHART_MAP,
    "beds._geometry.Chart.vector": _CHART_MAP,
    "beds._geometry.Chart.descent": _CHART_MAP,
    "beds._mvnormal_numpy.MVNormalGradients.kl_gradient": "a hook of the generic code, called with validated beliefs",
    "beds._mvnormal_numpy.MVNormalGradients.apply_metric": "a hook of the generic code, called with validated beliefs",
}

#: classes whose constructor is internal (its arguments are not documented as Parameters, and
#: it needs no Raises section), with the reason
INTERNAL_CONSTRUCTOR: dict[str, str] = {
    "beds.dynamics.System": "System(...) is internal; the classmethod constructors validate and are documented",
}

#: numpydoc codes that must not occur (SA01, a missing See Also, is not required)
REQUIRED = frozenset(
    "GL01 GL02 GL03 GL05 GL06 GL07 GL08 GL09 GL10 SS01 SS02 SS03 SS04 SS05 SS06 ES01 "
    "PR01 PR02 PR03 PR04 PR05 PR06 PR07 PR08 PR09 PR10 RT01 RT02 RT03 RT04 RT05 "
    "SA02 SA03 SA04 EX01 YD01".split()
)
OPTIONAL_INTERNAL = frozenset({"ES01", "EX01"})
PROPERTY_CODES = frozenset("GL01 GL02 GL03 GL05 GL06 GL07 GL08 GL09 GL10 SS01 SS02 SS03 SS04 SS06".split())
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


# ------------------------------------------------------------------------------ the objects
def _public_names(mod: Any) -> list[str]:
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [
            n
            for n, v in vars(mod).items()
            if not n.startswith("_")
            and (inspect.isfunction(v) or inspect.isclass(v))
            and getattr(v, "__module__", "") == mod.__name__
        ]
    return sorted(names)


def _is_field(cls: type, name: str) -> bool:
    """A NamedTuple or dataclass field (documented in the class's Parameters)."""
    fields = getattr(cls, "_fields", None) or getattr(cls, "__dataclass_fields__", {})
    return name in fields


def _is_record(obj: Any) -> bool:
    """A NamedTuple, or a dataclass without ``__post_init__``: its construction checks nothing."""
    return inspect.isclass(obj) and (
        hasattr(obj, "_fields") or (hasattr(obj, "__dataclass_fields__") and not hasattr(obj, "__post_init__"))
    )


def _is_protocol(obj: Any) -> bool:
    """A typing.Protocol class: never instantiated (its signature is ``(*args, **kwargs)``)."""
    return inspect.isclass(obj) and bool(getattr(obj, "_is_protocol", False))


def _members(qual: str, cls: type) -> list[tuple[str, str]]:
    """(qualified name, kind) of the members a class defines itself: methods and properties."""
    out, seen = [], set()
    for name, raw in vars(cls).items():
        if (name.startswith("_") and name != "__call__") or _is_field(cls, name):
            continue
        obj = raw.__func__ if isinstance(raw, (classmethod, staticmethod)) else raw
        if id(obj) in seen:  # an alias (System.mv_normal = System.mvnormal): checked once
            continue
        seen.add(id(obj))
        if isinstance(obj, property):
            out.append((f"{qual}.{name}", "property"))
        elif inspect.isfunction(obj):
            out.append((f"{qual}.{name}", "callable"))
    return out


def _objects(table: dict[str, tuple[str, ...] | None]) -> list[tuple[str, str]]:
    """(qualified name, kind) of every object to check: kind is callable, class or property."""
    out = []
    for modname, names in table.items():
        mod = importlib.import_module(modname)
        for n in names if names is not None else _public_names(mod):
            obj = getattr(mod, n)
            qual = f"{modname}.{n}"
            if inspect.isclass(obj):
                out.append((qual, "class"))
                members = _members(qual, obj)
                if qual in PROTOCOL_IMPLEMENTATIONS:
                    protocol = _load(PROTOCOL_IMPLEMENTATIONS[qual])
                    members = [(q, k) for q, k in members if not hasattr(protocol, q.rsplit(".", 1)[1])]
                out += members
            elif callable(obj) and not isinstance(obj, type(beds)):
                out.append((qual, "callable"))
    return [(q, k) for q, k in out if q not in EXEMPT]


def _load(qual: str) -> Any:
    return numpydoc_validate.Validator._load_obj(qual)


PUBLIC = _objects(DOCUMENTED)
DEVELOPER = _objects(INTERNAL)


def _params(obj: Any) -> list[str]:
    target = obj.fget if isinstance(obj, property) else obj
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return []
    return [p for p in sig.parameters if p not in ("self", "cls")]


# ------------------------------------------------------------------------------ the checks
def _numpydoc_errors(qual: str, kind: str, internal: bool) -> list[str]:
    codes = PROPERTY_CODES if kind == "property" else REQUIRED - (OPTIONAL_INTERNAL if internal else frozenset())
    if qual in INTERNAL_CONSTRUCTOR or _is_protocol(_load(qual)):
        codes = codes - {"PR01", "PR02", "PR03"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpydoc's own parsing warnings (unknown sections: GL06)
        result = numpydoc_validate.validate(qual)
    return [f"{code}: {msg}" for code, msg in result["errors"] if code in codes]


def _exception(name: str) -> Any:
    """The class a Raises entry names: a builtin, a name of beds, or a dotted path (numpy.linalg.LinAlgError)."""
    if "." in name:
        modname, attr = name.rsplit(".", 1)
        try:
            return getattr(importlib.import_module(modname), attr, None)
        except ImportError:
            return None
    return getattr(builtins, name, None) or getattr(beds, name, None)


def _raises_statement(obj: Any) -> bool:
    """Whether the source of a function (a class: its ``__init__``) has a ``raise`` statement."""
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(target)))
    except (OSError, TypeError):
        return False
    return any(isinstance(node, ast.Raise) for node in ast.walk(tree))


def _raises_errors(qual: str, kind: str, internal: bool = False) -> list[str]:
    if kind == "property":
        return []
    obj = _load(qual)
    doc = NumpyDocString(inspect.getdoc(obj) or "")
    errors = []
    exempt = qual in NO_RAISES or qual in INTERNAL_CONSTRUCTOR or _is_record(obj) or _is_protocol(obj)
    # developer helpers receive validated input: a Raises section when they raise themselves
    exempt = exempt or (internal and not _raises_statement(obj))
    if _params(obj) and not doc["Raises"] and not exempt:
        errors.append("no Raises section (list each exception and when; or add the object to NO_RAISES)")
    for entry in doc["Raises"]:
        for name in re.split(r"\s*,\s*|\s+or\s+", entry.type or entry.name):
            exc = _exception(name)
            if not (isinstance(exc, type) and issubclass(exc, BaseException)) or issubclass(exc, Warning):
                errors.append(f"Raises lists {name!r}, not an exception class (warnings go in Warns)")
    return errors


class _NeedsTorch(Exception):
    """The examples of a docstring use PyTorch, which is not installed."""


def _example_errors(qual: str, internal: bool) -> list[str]:
    obj = _load(qual)
    text = inspect.getdoc(obj) or ""
    examples = "\n".join(NumpyDocString(text)["Examples"])
    if not HAS_TORCH and "torch" in examples:
        raise _NeedsTorch
    test = doctest.DocTestParser().get_doctest(examples, {}, qual, None, 0)
    if not test.examples:
        return [] if internal else ["no runnable example (>>> lines) in Examples"]
    errors = []
    if not internal and not any(ex.want.strip() for ex in test.examples):
        errors.append("no example shows its output")
    out: list[str] = []
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test, out=out.append)
    if runner.failures:
        errors.append("example failed:\n" + "".join(out))
    return errors


def _check(qual: str, kind: str, internal: bool) -> None:
    errors = _numpydoc_errors(qual, kind, internal=internal) + _raises_errors(qual, kind, internal=internal)
    needs_torch = False
    if kind != "property":
        try:
            errors += _example_errors(qual, internal=internal)
        except _NeedsTorch:
            needs_torch = True
    assert not errors, f"{qual}:\n  " + "\n  ".join(errors)
    if needs_torch:
        pytest.skip("the docstring passes; its examples need PyTorch")


@pytest.mark.parametrize(("qual", "kind"), PUBLIC, ids=[q for q, _ in PUBLIC])
def test_public_docstring(qual, kind):
    _check(qual, kind, internal=False)


@pytest.mark.parametrize(("qual", "kind"), DEVELOPER, ids=[q for q, _ in DEVELOPER])
def test_internal_docstring(qual, kind):
    _check(qual, kind, internal=True)


def test_the_lists_name_real_objects():
    """Every entry of the tables resolves (a renamed function cannot drop out of the checks)."""
    assert len(PUBLIC) > 50
    for table in (DOCUMENTED, INTERNAL):
        for modname, names in table.items():
            mod = importlib.import_module(modname)
            for n in names or ():
                assert hasattr(mod, n), f"{modname}.{n}"
    protocols = [*PROTOCOL_IMPLEMENTATIONS, *PROTOCOL_IMPLEMENTATIONS.values()]
    for qual in [*EXEMPT, *NO_RAISES, *INTERNAL_CONSTRUCTOR, *protocols]:
        _load(qual)


def _method_params(cls: type, name: str) -> list[str] | None:
    """The parameter names of a method, "/" for a positional-only one (None when it takes
    ``*args``: any signature goes)."""
    sig = inspect.signature(getattr(cls, name))
    if any(p.kind is p.VAR_POSITIONAL for p in sig.parameters.values()):
        return None
    params = [(n, p) for n, p in sig.parameters.items() if n not in ("self", "cls")]
    return ["/" if p.kind is p.POSITIONAL_ONLY else n for n, p in params]


@pytest.mark.parametrize(("impl", "proto"), sorted(PROTOCOL_IMPLEMENTATIONS.items()))
def test_protocol_implementations_follow_their_protocol(impl, proto):
    cls, protocol = _load(impl), _load(proto)
    checked = 0
    for name, kind in _members(impl, cls):
        method = name.rsplit(".", 1)[1]
        if not hasattr(protocol, method) or f"{proto}.{method}" in EXEMPT or kind != "callable":
            continue  # not in the protocol: documented and checked on its own (PUBLIC / DEVELOPER)
        want = _method_params(protocol, method)
        got = _method_params(cls, method)
        if want is not None and got is not None:
            got = [g if w != "/" else "/" for g, w in zip(got, want)] + got[len(want) :]
            assert got == want, f"{name}: parameters differ from {proto}.{method}"
        checked += 1
    assert checked, f"{impl} implements nothing of {proto}"


def test_public_constants_are_documented():
    """Module-level constants get their API-reference text from a ``#:`` comment."""
    from sphinx.pycode import ModuleAnalyzer

    for modname, names in DOCUMENTED.items():
        mod = importlib.import_module(modname)
        consts = [
            n
            for n in (names if names is not None else _public_names(mod))
            if not callable(getattr(mod, n)) and not inspect.ismodule(getattr(mod, n))
        ]
        if not consts:
            continue
        docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
        missing = [n for n in consts if not docs.get(("", n))]
        assert not missing, f"{modname}: constants without a '#:' comment: {missing}"


# ------------------------------------------------------------------------------ docs pages cited
_DOC_ROLE = re.compile(r":doc:`(?:[^`<]*<)?(/?[\w./-]+?)>?`")
_DOCS_PAGE = re.compile(r"docs pages? ``([\w./-]+)``")


def _all_docstrings() -> list[tuple[str, str]]:
    """(where, docstring) of every module of beds already imported, of its functions and classes and
    of their members.  Only modules already imported: importing more here would change the examples
    that the property tests of other files draw (hypothesis takes constants from loaded modules)."""
    out = []
    names = sorted(n for n in sys.modules if n == "beds" or (n.startswith("beds.") and "experiments" not in n))
    assert set(DOCUMENTED) | set(INTERNAL) <= set(names)
    for modname in names:
        mod = sys.modules[modname]
        out.append((modname, mod.__doc__ or ""))
        for name, obj in vars(mod).items():
            if getattr(obj, "__module__", None) != mod.__name__ and not (
                inspect.isfunction(obj) and obj.__globals__ is vars(mod)
            ):
                continue
            out.append((f"{modname}.{name}", getattr(obj, "__doc__", None) or ""))
            if inspect.isclass(obj):
                for m, v in vars(obj).items():
                    v = v.__func__ if isinstance(v, (classmethod, staticmethod)) else v
                    out.append((f"{modname}.{name}.{m}", getattr(v, "__doc__", None) or ""))
    return out


def test_cited_docs_pages_exist():
    if not DOCS.is_dir():
        pytest.skip("docs/ is not beside the tests (tests run from a wheel's test sources)")
    missing, cited = [], 0
    for where, doc in _all_docstrings():
        for target in _DOC_ROLE.findall(doc) + _DOCS_PAGE.findall(doc):
            cited += 1
            page = target.lstrip("/")
            if not (DOCS / f"{page}.md").is_file() and not (DOCS / f"{page}.rst").is_file():
                missing.append(f"{where}: {target}")
    assert cited > 20
    assert not missing, "docstrings cite docs pages that do not exist:\n" + "\n".join(missing)


def test_the_checks_catch_a_bad_docstring():
    """The validator reports what the standard forbids (a check that cannot fail would pass this)."""

    def bad(x, y=1):
        """returns things

        Parameters
        ----------
        x : float
            The input.
        z : int
            Not a parameter.
        """
        raise ValueError

    bad.__module__ = __name__
    globals()["_bad"] = bad
    bad.__name__ = bad.__qualname__ = "_bad"
    try:
        errors = _numpydoc_errors(f"{__name__}._bad", "callable", internal=False)
        codes = {e[:4] for e in errors}
        assert {"SS02", "SS03", "PR01", "PR02", "EX01"} <= codes, codes
        assert _raises_errors(f"{__name__}._bad", "callable")
        assert _example_errors(f"{__name__}._bad", internal=False)
    finally:
        del globals()["_bad"]
