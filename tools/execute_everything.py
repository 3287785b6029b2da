"""Execute every page with its assertions, then every doctest, into one folder, and report
what passes: `nox -s versions` (one Keras/TensorFlow pair) and `nox -s backends` (one Keras
backend) run this in their environments.

Pages execute into the build's own cache, `_build/.jupyter_cache/<cache_key()>`, whose key
covers the shared code, the installed versions and the backend: an environment the build
already executed (the pins, on TensorFlow) executes nothing again, and an edit to the
shared code or an upgrade executes every page again.

A failing page is a warning here, not an abort, so that every failure is listed before the
command fails. Usage: python tools/execute_everything.py OUT_FOLDER
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from site_build.project import jax_compilation_cache, sphinx  # sphinx: the build's command, as `nox -s docs` runs it

ROOT = Path(__file__).resolve().parents[1]


def main(out: Path) -> int:
    results = {}
    env = {**os.environ, **jax_compilation_cache(out / "jax_cache")}
    for check, builder in (("pages and their assertions", "html"), ("doctests", "doctest")):
        raising_is_a_warning = ("-D", "nb_execution_raise_on_error=0")
        command = [
            sys.executable,
            *sphinx(ROOT, out / builder, builder, *raising_is_a_warning, doctrees=out / "doctrees")[1:],
        ]
        results[check] = "pass" if subprocess.run(command, env=env).returncode == 0 else "FAIL"
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")  # what conf.py, and so the build, used
    executed_with = f"Keras {version('keras')} on its {backend} backend, TensorFlow {version('tensorflow')}"
    print(f"{executed_with}: " + "; ".join(f"{check}: {result}" for check, result in results.items()))
    if "FAIL" in results.values():
        print(f"{executed_with} does not pass; see the failures above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tools/execute_everything.py OUT_FOLDER")
    sys.exit(main(Path(sys.argv[1]).resolve()))
