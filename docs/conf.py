"""Sphinx configuration of the beds documentation (Sphinx + MyST Markdown + numpydoc).

Build (warnings are errors, as in CI):

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Pages are Markdown (MyST) files under docs/; the API reference is generated from the docstrings of
the installed ``beds`` by ``_ext/beds_docs.py`` (one page per public module, every name of
``beds.__all__`` documented, checked at the end of the build).
"""

from __future__ import annotations

import os
import sys

import beds

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "_ext"))

project = "beds"
author = "The beds developers"
copyright = "The beds developers"  # noqa: A001 (Sphinx's name)
release = beds.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
    "beds_docs",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "requirements.txt", ".gitignore", "**/.ipynb_checkpoints"]

# MyST: $...$ and $$...$$ math, ::: fences, definition lists, anchors for ## and ### headings
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# autodoc + numpydoc: members are listed by the generated API pages, not by numpydoc
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # the numpydoc sections state the types
autodoc_inherit_docstrings = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_attributes_as_param_list = False

# matplotlib's plot directive runs the gallery scripts at build time (figures are not committed)
plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]
plot_rcparams = {"figure.autolayout": True}
plot_working_directory = os.path.join(os.path.dirname(__file__), "..")

html_theme = "alabaster"
html_title = f"beds {release}"
html_static_path = []
html_theme_options = {
    "description": "Information geometry of belief states",
    "fixed_sidebar": True,
    "page_width": "1180px",
    "sidebar_width": "240px",
}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}
pygments_style = "sphinx"
