"""Sphinx configuration for the vgrad site.

Build:  sphinx-build -W --keep-going -n -b html docs docs/_build/html   (or: nox -s docs)

Build modes: Sphinx tags (``sphinx-build -t NAME``)
---------------------------------------------------
fast
    Prose-editing mode (``nox -s docs -- --fast``): gallery examples and page cells are not
    executed, so glued values render empty and examples are shown without output (output
    from an earlier full build is kept while the engine is unchanged).
student
    The student edition (``nox -s docs -- --student``): exercises without their solutions.
intersphinx
    Link to the Python, NumPy and Matplotlib docs (downloads their inventories, so it needs
    network at build time; off by default).
no_preexecute
    Switch off the pages' early execution (``preexecute``), to compare build times or to
    debug it.

Deployment: environment variables (the CI workflow sets them; CONTRIBUTING.md lists all)
----------------------------------------------------------------------------------------
VGRAD_REPOSITORY_URL=https://github.com/OWNER/vgrad
    The project's repository (``vgrad_repository_url`` below): a link to it in the header
    and "Edit this page" on every page. Unset (the default), neither appears.
VGRAD_REPOSITORY_BRANCH=main
    The branch "Edit this page" opens (default main).
VGRAD_SITE_URL=https://OWNER.github.io/vgrad/
    Where the site is published (``html_baseurl``): downloaded scripts and notebooks then
    link back to their page by URL; unset, they name the page's path on the site.

Build machinery lives in ``docs/_ext/``, one file per job: ``sitebuild`` keeps executed
output in step with the engine; ``figure_style`` holds the two figure style sheets and the
gallery's scraper; ``gallery_order`` the gallery's reading order (the list sphinx-gallery's
``ExplicitOrder`` sorts by; no extension); ``figure_marks`` gives executed pages' figures
their alt text and light/dark classes; ``mathjax4``, ``api_links``, ``bibliography_style``,
``live_figure``; ``site_wheel`` (the engine's wheel in the site), ``gallery_downloads``
(the gallery downloads' headers) and ``chapter_downloads`` (chapter notebooks). The
repository links and the Install page's wheel name are configuration below
(``html_theme_options``, ``html_context``, ``myst_substitutions``). CONTRIBUTING.md says
which file to edit for what.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

# One BLAS thread, before numpy is imported here or in a kernel (they inherit the
# environment): the examples multiply small matrices, where threads only add contention
# on a 2-core machine, and one thread makes timings repeatable.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

DOCS_DIR = Path(__file__).resolve().parent
REPO_ROOT = DOCS_DIR.parent

# Document, execute and fingerprint the same vgrad: the source tree next to this file,
# whatever copy happens to be installed. The Jupyter kernels inherit PYTHONPATH.
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(DOCS_DIR / "_ext"))
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
)

import api_links  # after the sys.path change above
import bibliography_style
import figure_style
import gallery_order
import mathjax4
import sitebuild
from site_wheel import wheel_name

import vgrad

FAST = tags.has("fast")  # noqa: F821 (Sphinx defines ``tags`` in conf.py)
INTERSPHINX = tags.has("intersphinx")  # noqa: F821

# A change of this value (engine sources, figure style, numpy/matplotlib versions) makes
# Sphinx re-read every page, gives myst-nb a fresh cache, and reruns every gallery example.
vgrad_engine_hash = sitebuild.engine_hash()

# One figure style (docs/_ext/figures.py) for executed pages (kernels read MATPLOTLIBRC;
# figures.show, which the kernels' profile makes vgrad.pages.show call, draws the dark
# rendering) and for the gallery (figure_style.reset_gallery_style and
# figure_style.dual_scraper). Importing matplotlib here also builds its font cache once, so
# no kernel prints "building the font cache" to stderr on a fresh machine.
os.environ["MATPLOTLIBRC"] = str(
    figure_style.write_matplotlibrc(sitebuild.BUILD_DIR / "matplotlibrc", figure_style.LIGHT)
)
os.environ["IPYTHONDIR"] = str(sitebuild.write_ipython_profile(sitebuild.BUILD_DIR / "ipython"))
os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # ipykernel's debugger nags on 3.11
# Not MPLBACKEND: the page kernels would inherit it and keep Agg instead of the inline
# backend, so executed pages would show no figures.
os.environ.pop("MPLBACKEND", None)
import matplotlib

matplotlib.use("agg")
import matplotlib.font_manager
from sphinx_gallery.sorting import ExplicitOrder

# -- Project -------------------------------------------------------------------------------

project = "vgrad"
author = "the vgrad authors"
copyright = "2026, the vgrad authors"
release = vgrad.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_nb",
    # Must stay between myst_nb and sphinx_gallery (docs/_ext/preexecute.py says why).
    "preexecute",
    "sphinx_gallery.gen_gallery",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx.ext.mathjax",
    "sphinx_copybutton",
    "sphinx_design",
    "sphinxcontrib.bibtex",
    "sitebuild",
    "figure_marks",
    "api_links",
    "live_figure",
    "site_wheel",
    "gallery_downloads",
    "chapter_downloads",
    "mathjax4",
    "reading",
]
# -- Exercises and the student edition (docs/_ext/exercises.py) ---------------------------
# The tag "student" (`nox -s docs -- --student` passes -t student and builds into
# docs/_build/student) builds the student edition: the exercises without their solutions.
vgrad_student = tags.has("student")  # noqa: F821 (also what {only} blocks test)
extensions += ["sphinx_togglebutton", "exercises"]  # exercises loads sphinx_exercise
# Goals, reading time, Going further, lecture corrections, concept checks, key points.
extensions += ["teaching"]
vgrad_fast = FAST  # unexecuted pages have no figures to caption
# Numbered figures ({figure-caption} after a cell; {numref} to cite one).
numfig = True
# Solutions are dropdowns (class "dropdown", sphinx-togglebutton); only those, not every
# admonition with a "toggle" class. The hint text replaces the default "Click to show".
togglebutton_selector = ".solution.dropdown"
togglebutton_hint = "Show the solution"
togglebutton_hint_hide = "Hide the solution"
# Each solution directly follows its exercise: titled "Solution", and a warning (an error
# under -W) if one does not.
exercise_style = "solution_follow_exercise"
# -- end of the exercises block ------------------------------------------------------------
if INTERSPHINX:
    extensions.append("sphinx.ext.intersphinx")

root_doc = "index"

#: The project's repository, e.g. "https://github.com/OWNER/vgrad" (GitHub or GitLab). When
#: set, the header links to it and every page with a source has "Edit this page", which
#: opens the file in the repository the page is made from, or for an API page its module
#: (on branch vgrad_repository_branch; html_theme_options and html_context below); when
#: empty, neither appears. No URL is known yet, so it comes from the environment (the CI
#: workflow sets it from the repository it runs in).
vgrad_repository_url = os.environ.get("VGRAD_REPOSITORY_URL", "").strip().rstrip("/")
vgrad_repository_branch = os.environ.get("VGRAD_REPOSITORY_BRANCH", "main")
if vgrad_repository_url and not vgrad_repository_url.startswith(("https://", "http://")):
    raise ValueError(f"VGRAD_REPOSITORY_URL must be an http(s) URL, not {vgrad_repository_url!r}")
#: The page that says how to install vgrad; downloads and example pages point to it.
vgrad_install_page = "install"
exclude_patterns = [
    "_build",
    "jupyter_execute",
    "**.ipynb_checkpoints",
    "README.md",
    # sphinx-gallery writes a notebook, a script and a zip next to each generated page;
    # only its .rst is a source for Sphinx.
    "auto_examples/**/*.ipynb",
    "auto_examples/**/*.py",
    "auto_examples/**/*.zip",
    "auto_examples/**/*.md5",
    "auto_examples/**/*.pickle",
    # Timing tables load jQuery/DataTables from CDNs; they are switched off below, and a
    # copy left by an older build must not be published either.
    "sg_execution_times.rst",
    "auto_examples/**/sg_execution_times.rst",
    "gen_modules/**",
]
templates_path = ["_templates"]
nitpicky = True
# Without intersphinx there is nothing to resolve third-party names against; those are
# the only targets we let go unresolved. With -t intersphinx they must all resolve.
nitpick_ignore_regex = (
    []
    if INTERSPHINX
    else [
        (r"py:.*", r"(numpy|np|matplotlib|collections\.abc|typing_extensions)(\..*)?"),
        (r"py:.*", r"(numpy\.typing|npt)\..*"),
    ]
)
suppress_warnings: list[str] = []

# -- MathJax -------------------------------------------------------------------------------
# MathJax 4, served from _static/mathjax (docs/_ext/mathjax4.py copies it from the npm
# install in tools/web), so reading the site needs no network. Version 4 breaks a display
# formula that is wider than its column into lines, which keeps formulas whole on phones.
mathjax_path = mathjax4.ENTRY

#: Notation macros, defined once for every page (see notation.md, which lists them all).
#: None of these names is a TeX, LaTeX or MathJax built-in. Gallery scripts must not use
#: them: a downloaded script or notebook has no access to this configuration.
MATH_MACROS: dict[str, str | list] = {
    "Loss": r"\mathcal{L}",
    "lossgrad": r"\mathcal{L}'",
    "lidx": r"\ell",
    "xvec": r"\mathbf{x}",
    "hvec": r"\mathbf{h}",
    "avec": r"\mathbf{a}",
    "yvec": r"\mathbf{y}",
    "bvec": r"\mathbf{b}",
    "gvec": r"\mathbf{g}",
    "Wmat": r"\mathbf{W}",
    "Whh": r"\mathbf{W}_{hh}",
    "Wxh": r"\mathbf{W}_{xh}",
    "Why": r"\mathbf{W}_{hy}",
    "Jmat": r"\mathbf{J}",
    "Dmat": r"\mathbf{D}",
    "Mmat": r"\mathbf{M}",
    "Vmat": r"\mathbf{V}",
    "Imat": r"\mathbf{I}",
    "diag": r"\operatorname{diag}",
    "Norm": [r"\left\lVert #1 \right\rVert", 1],
    "pdiff": [r"\frac{\partial #1}{\partial #2}", 2],
    "specrad": r"\rho",
    "sigmax": r"s_{\max}",
    "Reals": r"\mathbb{R}",
}
#: Without ``noundefined`` an unknown macro (a typo, or one missing from MATH_MACROS) is a
#: TeX error rather than its name in red; mathjax_strict.js also logs every TeX error to the
#: console, which the browser tests (``nox -s browser``) fail on.
mathjax4_config = {
    "loader": {"paths": {"fonts": mathjax4.FONTS_PATH}},
    "tex": {"macros": MATH_MACROS, "packages": {"[-]": ["noundefined"]}},
    # Inline formulas are kept whole: a formula split over two lines is hard to read, so
    # none is wider than a phone's column (the browser tests check at 390 px; a longer one
    # belongs in a display). A display formula wider than its column scrolls inside its own
    # box (vgrad.css gives the box a scroll bar and an edge shadow): MathJax 4.1's automatic
    # breaking of displays splits aligned environments at every operator even where they
    # fit, turning a two-line formula 700 px tall on a desktop (tests_browser/test_reading.py
    # checks heights).
    "output": {"displayOverflow": "scroll", "linebreaks": {"inline": False}},
    # Formulas are not Tab stops: 261 Tab presses stood between the top of shared_weights
    # and its live figure. A reader who explores formulas turns this on in MathJax's menu
    # (right click on a formula).
    "options": {"a11y": {"inTabOrder": False}, "menuOptions": {"settings": {"inTabOrder": False}}},
}
mathjax_config_path = "_ext/mathjax_strict.js"

# -- MyST-NB -------------------------------------------------------------------------------

myst_enable_extensions = [
    "dollarmath",
    "amsmath",
    "colon_fence",
    "deflist",
    "substitution",
    "attrs_inline",
]
myst_heading_anchors = 3
nb_execution_mode = "off" if FAST else "cache"
nb_execution_cache_path = str(sitebuild.notebook_cache_path(vgrad_engine_hash))
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 120
nb_merge_streams = True
# Cells show results as Markdown tables (IPython.display.Markdown); CommonMark, myst-nb's
# default for such output, has no tables.
nb_render_markdown_format = "gfm"
# A cell that writes to stderr (a RuntimeWarning, say) fails a -W build.
nb_output_stderr = "warn"
# Never pull require.js / widget bundles from a CDN.
nb_ipywidgets_js: dict[str, dict[str, str]] = {}
if FAST:
    # Unexecuted pages have no glue outputs; that is the documented cost of fast mode.
    suppress_warnings += ["mystnb.glue", "mystnb.glue_ref"]

# -- sphinx-gallery ------------------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../gallery",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py|/_",
    # Sections sort by their numbered folder names (the default); the examples within one
    # follow docs/_ext/gallery_order.py, and one missing from it stops the build.
    "within_subsection_order": ExplicitOrder(gallery_order.EXAMPLES),
    "nested_sections": True,
    "backreferences_dir": api_links.BACKREFERENCES_DIR,
    "doc_module": ("vgrad",),
    # "reference_url" is deprecated and ignored since sphinx-gallery 0.22: code in the
    # examples links to api.md because vgrad is documented in this very build.
    # Every figure in a light and a dark rendering, checked against the size rules.
    "image_scrapers": ("figure_style.dual_scraper",),
    "image_srcset": ["2x"],
    "reset_modules": ("matplotlib", "figure_style.reset_gallery_style"),
    "reset_modules_order": "both",
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "remove_config_comments": True,
    # The downloaded notebooks' first cell; the build puts the example's address and the
    # install commands in front of it (docs/_ext/gallery_downloads.py says why not here).
    "first_notebook_cell": "%matplotlib inline",
    "plot_gallery": "False" if FAST else "True",
    "download_all_examples": True,
    "show_memory": False,
    # The timing pages pull jQuery and DataTables from CDNs; we request nothing remote.
    "write_computation_times": False,
    "min_reported_time": 1,
    # With sphinx-build -j N, run N examples of a section at once (needs joblib). Each still
    # runs with the figure style and RuntimeWarning-as-error of figure_style.reset_gallery_style.
    "parallel": True,
}

# -- autodoc / numpydoc --------------------------------------------------------------------

# One page per module and per class (api.md; templates in _templates/autosummary). The
# pages are written into docs/api/ at every build and are not kept in git.
autosummary_generate = True
# A cell class names its trace and gradient classes in class attributes (RNN.TRACE =
# RNNTrace); autodoc would document each as a second entry, "alias of RNNTrace", on the
# class's page; each class is documented once, under its own name.
# tests/test_api_links.py checks that this list names every such attribute.
autodoc_default_options = {"member-order": "bysource", "exclude-members": "TRACE, GRADIENTS"}
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Parameter types stay plain text: turning them into cross-references would need
# intersphinx for every numpy type and make "array_like, shape (T, B, n)" a nitpick storm.
numpydoc_xref_param_type = False

# -- Bibliography --------------------------------------------------------------------------

bibtex_bibfiles = ["references.bib"]
bibtex_default_style = bibliography_style.register_bibliography_style()
bibtex_reference_style = "author_year"

# -- Intersphinx (opt-in) ------------------------------------------------------------------

intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "matplotlib": ("https://matplotlib.org/stable", None),
}

# -- HTML ----------------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = "vgrad: vanishing and exploding gradients in RNNs"
html_short_title = "vgrad"
html_static_path = ["_static"]
html_css_files = ["vgrad.css"]
html_js_files = ["search_snippets.js"]
# Drawn for this site: bars of halving height, a gradient that vanishes step by step.
html_favicon = "_static/favicon.svg"
# Chapters first for their own topics (see the file's comment).
html_search_scorer = str(DOCS_DIR / "_static" / "search_scorer.js")
html_last_updated_fmt = None
html_show_sourcelink = False
html_copy_source = False
# Downloaded scripts and notebooks link back to their page by URL when this is known.
html_baseurl = os.environ.get("VGRAD_SITE_URL", "")
#: The student edition (exercises without solutions), which the CI workflow publishes at
#: student/ beside the site; the exercises page links to it when the site's address is known.
vgrad_student_url = html_baseurl.rstrip("/") + "/student/" if html_baseurl else ""
#: The Install page's (install.md) wheel name, version and clone URL. MyST substitutes
#: nothing inside code, inline code or an HTML tag, so those snippets are substituted whole.
WHEEL = wheel_name(release)
CLONE_URL = vgrad_repository_url or "<repository URL>"
myst_substitutions = {
    "student_edition": f"[the student edition]({vgrad_student_url})"
    if vgrad_student_url
    else "the student edition",
    "wheel_link": f'<a href="_downloads/{WHEEL}" download><code>{WHEEL}</code></a>',
    "pip_install_wheel": f"```bash\npip install ./{WHEEL} matplotlib\n```",
    "pip_install_offline": f"`pip install --no-index --find-links wheels ./{WHEEL} matplotlib`",
    "clone_commands": f"""```bash
git clone {CLONE_URL} vgrad && cd vgrad
python3 -m venv .venv && . .venv/bin/activate
pip install -e . matplotlib
```""",
    "bibtex": f"""```bibtex
@misc{{vgrad,
  author = {{{{the vgrad authors}}}},
  title  = {{vgrad: why recurrent networks forget. Vanishing and exploding gradients,
            computed exactly}},
  year   = {{2026}},
  note   = {{Version {release}}},
}}
```""",
}
if vgrad_student_url and not vgrad_student:
    tags.add("student_published")  # noqa: F821 (Sphinx defines ``tags`` in conf.py)
html_sidebars = {"**": ["sidebar-nav-all"]}
# The licence beside the pages, as LICENSE.txt (the footer's link, _templates/vgrad-license.html).
_extra = sitebuild.BUILD_DIR / "extra"
_extra.mkdir(parents=True, exist_ok=True)
shutil.copyfile(REPO_ROOT / "LICENSE", _extra / "LICENSE.txt")
html_extra_path = [str(_extra)]
html_theme_options = {
    # Every page in the left sidebar; the header holds only a few fixed entry points.
    "navbar_center": ["navbar-sections"],
    # The full html_title is too long for the header next to the section links.
    "logo": {"text": "vgrad"},
    "navbar_end": ["theme-switcher"],
    "navbar_persistent": ["search-button-field"],
    "navigation_depth": 3,
    "show_nav_level": 1,
    "collapse_navigation": False,
    "show_toc_level": 2,
    # The download links render only on gallery pages and executed chapters; "Edit this
    # page" only with vgrad_repository_url set (html_context below; the header's repository
    # link likewise).
    "secondary_sidebar_items": [
        "page-toc",
        "sg_download_links",
        "vgrad-page-downloads",
        "vgrad-edit-page",
    ],
    # Nothing that phones home: no analytics, no ads slot, no version switcher.
    "analytics": {},
    "primary_sidebar_end": [],
    "footer_start": ["copyright", "vgrad-license"],
    "footer_center": [],
    "footer_end": ["sphinx-version"],
    "use_edit_page_button": False,
    "show_prev_next": True,
    "back_to_top_button": True,
    "pygments_light_style": "a11y-high-contrast-light",
    "pygments_dark_style": "a11y-high-contrast-dark",
}
html_context = {"default_mode": "auto"}
if vgrad_repository_url:
    # pydata-sphinx-theme's icon link in the header.
    _icon = "fa-solid fa-code-branch"
    if "github.com" in vgrad_repository_url:
        _icon = "fa-brands fa-github"
    if "gitlab" in vgrad_repository_url:
        _icon = "fa-brands fa-gitlab"
    html_theme_options["icon_links"] = [
        {
            "name": "Source repository",
            "url": vgrad_repository_url,
            "icon": _icon,
            "type": "fontawesome",
        }
    ]
    html_theme_options["navbar_end"].append("navbar-icon-links")
    # "Edit this page": pydata-sphinx-theme's edit URL (get_edit_provider_and_url) from this
    # template. A gallery page opens its example's script (or its folder's README.rst), an
    # API page (generated, not in git) the module it documents (a cell class's inherited
    # members have their docstrings in vgrad/_cells.py). Our
    # _templates/vgrad-edit-page.html shows the link: the theme's own button says "Edit".
    _edit = "/-/edit/" if "gitlab" in vgrad_repository_url else "/edit/"
    _gallery = sphinx_gallery_conf["gallery_dirs"] + "/"
    html_context["edit_page_url_template"] = (
        f"{vgrad_repository_url}{_edit}{vgrad_repository_branch}/"
        f"{{% if file_name.startswith('{_gallery}') %}}{{% set f = file_name[{len(_gallery)}:] %}}"
        "gallery/{{ f[:-9] ~ 'README.rst' if f.endswith('index.rst') else f[:-4] ~ '.py' }}"
        "{% elif file_name.startswith('api/') %}vgrad/{{ file_name.split('.')[1] }}.py"
        "{% else %}docs/{{ file_name }}{% endif %}"
    )

copybutton_prompt_text = r">>> |\.\.\. |\$ |In \[\d*\]: | {2,5}\.\.\.: "
copybutton_prompt_is_regexp = True
copybutton_exclude = ".linenos, .gp, .go"
