"""Sphinx helpers of the beds documentation.

* Generates the API reference (``api/generated/*.rst``) from the installed package when the
  build starts: one page for the top-level namespace (every name of ``beds.__all__``, grouped)
  and one page per public submodule (its docstring and every public function or class; a name
  that is the same object as a top-level one links there instead of being documented twice).
  ``beds.ufuncs`` gets a table of the raw ufuncs (signature, loops, docstring).
* Checks, when the build ends, that every name of ``beds.__all__`` is documented (a warning, so
  an error under ``-W``): a new public name cannot be forgotten.
* ``beds-example-output``: a directive that runs a script of examples/ and shows what it prints.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import os
import runpy
import types

import numpy as np
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

GENERATED = os.path.join("api", "generated")

# Groups of the top-level page; names of beds.__all__ not listed here go to "Other" (still documented).
GROUPS = [
    (
        "Belief families and tangent vectors",
        "Batches of beliefs of one family (light, immutable views over numpy arrays) and batches of "
        "tangent vectors; see {doc}`/guide`.",
        ["Normal", "DiagNormal", "MVNormal", "VonMises", "Categorical", "Exponential", "Poisson", "Belief", "Tangent"],
    ),
    (
        "Generic operations",
        "Dispatch on the family of their arguments (mixing families is a TypeError).",
        [
            "distance",
            "geodesic",
            "exp",
            "log",
            "transport",
            "inner",
            "norm",
            "metric",
            "kl",
            "jeffreys",
            "entropy",
            "karcher_mean",
        ],
    ),
    (
        "BEDS dynamics",
        "Batches of beliefs that dissipate, assimilate observations, fuse and crystallize; see "
        "{doc}`/mathematics/dynamics`.",
        ["System", "Trajectory"],
    ),
    (
        "Regularization",
        "The Fisher-Rao penalty and the governing equation of the regularizers; see "
        "{doc}`/mathematics/regularization`.",
        [
            "GoverningEquation",
            "PenaltyResult",
            "fisher_rao_penalty",
            "kl_penalty",
            "belief_update",
            "cholesky_grad",
            "empirical_fisher",
            "sac_temperature_update",
            "SIGReg",
            "sigreg",
        ],
    ),
    (
        "Thermodynamic diagnostics",
        "Length, action and efficiency of belief trajectories; see {doc}`/mathematics/thermo`.",
        [
            "Diagnostics",
            "trajectory_diagnostics",
            "coordinate_diagnostics",
            "excess_work_bound",
            "landauer_efficiency",
            "LandauerWarning",
        ],
    ),
    (
        "Threads, devices, warnings, version",
        "",
        ["set_num_threads", "get_num_threads", "has_cuda", "cuda_device_count", "ConvergenceWarning", "__version__"],
    ),
]


def _title(text: str, char: str = "=") -> str:
    return f"{text}\n{char * len(text)}\n\n"


def _public_names(mod: types.ModuleType) -> list[str]:
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [
            n
            for n, v in vars(mod).items()
            if not n.startswith("_")
            and (inspect.isfunction(v) or inspect.isclass(v))
            # defined in the module, or in one of its submodules when it is a package
            and getattr(v, "__module__", "").startswith(mod.__name__)
        ]
    return sorted(names, key=str.lower)


DATA_DOCS = {"__version__": "The version of beds."}


def _data_doc(qualname: str) -> str:
    """The ``#:`` comment above a module-level constant (its type's docstring is not its doc)."""
    modname, name = qualname.rsplit(".", 1)
    if name in DATA_DOCS:
        return DATA_DOCS[name]
    try:
        docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
    except Exception:  # no source (e.g. a compiled module)
        return ""
    return " ".join(docs.get(("", name), [])).strip()


def _directive(qualname: str, obj: object) -> str:
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        return f".. autoexception:: {qualname}\n\n"
    if inspect.isclass(obj):
        return f".. autoclass:: {qualname}\n   :members:\n   :inherited-members:\n   :special-members: __call__\n\n"
    if callable(obj):
        return f".. autofunction:: {qualname}\n\n"
    modname, name = qualname.rsplit(".", 1)
    return f".. py:data:: {name}\n   :module: {modname}\n   :value: {obj!r}\n\n   {_data_doc(qualname)}\n\n"


def _myst_roles(text: str) -> str:
    # the group descriptions use MyST's {doc}`...`; the generated pages are reStructuredText
    return text.replace("{doc}`", ":doc:`")


def _toplevel_page(beds: types.ModuleType) -> str:
    names = [n for n in beds.__all__ if not isinstance(getattr(beds, n), types.ModuleType)]
    listed = {n for _, _, group in GROUPS for n in group}
    groups = [*GROUPS, ("Other", "", [n for n in names if n not in listed])]
    out = [_title("The ``beds`` namespace"), ".. module:: beds\n   :no-index:\n\n"]
    out.append("Every name of ``beds.__all__`` except the submodules (which have their own pages, :doc:`index`).\n\n")
    for title, text, group in groups:
        group = [n for n in group if n in names]
        if not group:
            continue
        out.append(_title(title, "-"))
        if text:
            out.append(_myst_roles(text) + "\n\n")
        for n in group:
            out.append(_directive(f"beds.{n}", getattr(beds, n)))
    return "".join(out)


def _ufunc_page(mod: types.ModuleType) -> str:
    out = [_title(f"``{mod.__name__}``"), f".. automodule:: {mod.__name__}\n   :no-members:\n\n"]
    out.append(
        "Every raw ufunc, its core signature (generalized ufuncs) or number of inputs and outputs, "
        "and its loops (``d`` float64, ``f`` float32).\n\n"
    )
    out.append(".. list-table::\n   :header-rows: 1\n   :widths: 28 22 12 38\n\n")
    out.append("   * - ufunc\n     - signature\n     - loops\n     - description\n")
    for name in _public_names(mod):
        uf = getattr(mod, name)
        if not isinstance(uf, np.ufunc):
            continue
        sig = uf.signature or f"{uf.nin} in, {uf.nout} out"
        loops = ", ".join(sorted({t.split("->")[0][:1] for t in uf.types}))
        # numpy prepends its generic signature "name(x1, x2, /, out=None, ...)" as the first paragraph
        doc = (uf.__doc__ or "").strip().split("\n\n")[1:]
        desc = " ".join(doc).replace("\n", " ").strip()
        desc = "``" + desc.replace("`", "'") + "``" if desc else "(no docstring)"
        out.append(f"   * - ``{name}``\n     - ``{sig}``\n     - {loops}\n     - {desc}\n")
    return "".join(out)


def _module_page(beds: types.ModuleType, mod: types.ModuleType) -> str:
    if mod.__name__ == "beds.ufuncs":
        return _ufunc_page(mod)
    top = {id(getattr(beds, n)): n for n in beds.__all__}
    out = [_title(f"``{mod.__name__}``"), f".. automodule:: {mod.__name__}\n   :no-members:\n\n"]
    aliases, own = [], []
    for n in _public_names(mod):
        obj = getattr(mod, n)
        if isinstance(obj, types.ModuleType):
            continue
        (aliases if id(obj) in top else own).append(n)
    if aliases:
        out.append(_title("Also in the top-level namespace", "-"))
        for n in aliases:
            obj = getattr(mod, n)
            role = "class" if inspect.isclass(obj) else ("func" if callable(obj) else "data")
            out.append(f"* ``{mod.__name__}.{n}`` is :py:{role}:`beds.{top[id(obj)]}`\n")
        out.append("\n")
    if own:
        out.append(_title("Contents", "-"))
        for n in own:
            out.append(_directive(f"{mod.__name__}.{n}", getattr(mod, n)))
    return "".join(out)


def generate_api(app) -> None:
    beds = importlib.import_module("beds")
    root = os.path.join(app.srcdir, GENERATED)
    os.makedirs(root, exist_ok=True)
    pages = {"beds": _toplevel_page(beds)}
    modules = sorted(n for n in beds.__all__ if isinstance(getattr(beds, n), types.ModuleType))
    for n in modules:
        pages[f"beds.{n}"] = _module_page(beds, getattr(beds, n))
    index = [
        _title("API reference"),
        "Generated from the docstrings of the installed ``beds`` (numpydoc format).  The top-level "
        "namespace holds the objects and generic operations; each family module holds the array-level "
        "functions (parameters as separate arrays, numpy broadcasting, ``out=``); ``beds.ufuncs`` holds "
        "the raw numpy ufuncs.\n\n",
        ".. toctree::\n   :maxdepth: 1\n\n",
        *[f"   {name}\n" for name in pages],
    ]
    pages["index"] = "".join(index)
    for name, text in pages.items():
        path = os.path.join(root, f"{name}.rst")
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:  # unchanged pages keep their time stamp (incremental builds stay fast)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    for fn in os.listdir(root):  # pages of modules that no longer exist
        if fn.endswith(".rst") and fn[:-4] not in pages:
            os.remove(os.path.join(root, fn))


def check_coverage(app, env) -> None:
    beds = importlib.import_module("beds")
    objects = env.get_domain("py").objects
    for n in beds.__all__:
        if f"beds.{n}" not in objects:
            logger.warning(f"beds.{n} (in beds.__all__) is not documented in the API reference")


class ExampleOutput(SphinxDirective):
    """``beds-example-output``: runs ``examples/NAME.py`` as ``__main__`` and shows its output."""

    required_arguments = 1
    option_spec = {"caption": directives.unchanged}
    _cache: dict[str, str] = {}

    def run(self):
        path = os.path.normpath(os.path.join(self.env.srcdir, "..", "examples", self.arguments[0]))
        self.env.note_dependency(path)
        if path not in self._cache:
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                runpy.run_path(path, run_name="__main__")
            self._cache[path] = buf.getvalue().rstrip()
        block = nodes.literal_block(self._cache[path], self._cache[path])
        block["language"] = "text"
        return [block]


def setup(app):
    app.connect("builder-inited", generate_api)
    app.connect("env-check-consistency", check_coverage)
    app.add_directive("beds-example-output", ExampleOutput)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
