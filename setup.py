"""Build the compiled checking kernel (Cython); everything else is in pyproject.toml.

REVIEWER_CYTHON_ANNOTATE=1 writes annotated HTML beside the .pyx;
REVIEWER_CYTHON_DEBUG=1 builds without optimisation and with line tracing.
"""
import os
import re
from pathlib import Path

from setuptools import Extension, setup

CYTHON_PIN = re.search(r'"Cython==([\d.]+)"',
                       Path(__file__).with_name("pyproject.toml").read_text()).group(1)

try:
    import Cython
    from Cython.Build import cythonize
except ImportError as exc:  # pragma: no cover - build isolation installs it
    raise SystemExit(f"building the kernel needs Cython=={CYTHON_PIN}") from exc

if Cython.__version__ != CYTHON_PIN:
    raise SystemExit(f"Cython {Cython.__version__} found; the kernel is pinned to "
                     f"Cython=={CYTHON_PIN} (pyproject.toml [build-system])")

debug = os.environ.get("REVIEWER_CYTHON_DEBUG") == "1"
directives = {"language_level": 3, "boundscheck": False, "wraparound": False,
              "cdivision": True, "initializedcheck": False, "embedsignature": True}
macros = []
if debug:
    directives.update(linetrace=True, boundscheck=True)
    macros.append(("CYTHON_TRACE_NOGIL", "1"))

extensions = [
    Extension(name, [f"{name.replace('.', '/')}.pyx"],
              extra_compile_args=["-O0", "-g"] if debug else ["-O3"], define_macros=macros)
    for name in ("kernels._model_c", "kernels._checker_c")
]

setup(ext_modules=cythonize(
    extensions, compiler_directives=directives,
    annotate=os.environ.get("REVIEWER_CYTHON_ANNOTATE") == "1"))
