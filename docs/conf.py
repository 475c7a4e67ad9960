"""Sphinx configuration of skae's documentation (build: ``bash docs/build.sh``)."""

import os
import sys
import warnings

sys.path.insert(0, os.path.abspath(".."))
import skae  # noqa: E402

project = "skae"
author = "the skae developers"
release = skae.__version__
version = skae.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
templates_path = ["_templates"]
exclude_patterns = ["_templates", "_build", "auto_examples/*.ipynb", "auto_examples/*.py", "**.codeobj.json"]
autosummary_generate = True
autodoc_default_options = {"members": True}
default_role = "literal"  # as scikit-learn: `name` is code, not a cross-reference
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
intersphinx_mapping = {}  # offline build: no inventories are fetched

html_theme = "pydata_sphinx_theme"
html_title = f"skae {version}"
html_theme_options = {"navigation_with_keys": False, "show_prev_next": False}

warnings.filterwarnings("ignore", category=UserWarning, message="Matplotlib is currently using agg")
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"digits_pipeline\.py",
    "image_scrapers": ("matplotlib",),
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "plot_gallery": "True",
}
myst_enable_extensions = ["dollarmath"]
suppress_warnings = ["myst.header"]


def _skip_sklearn_machinery(app, what, name, obj, skip, options):
    """scikit-learn's generated metadata-routing setters are documented by scikit-learn."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_sklearn_machinery)
