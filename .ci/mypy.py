#!/usr/bin/env python3
"""Type-check the package under its installed name.

The sources live in linter/ and rules/ but import each other as infra_policy_linter and infra_policy_linter.rules
(setuptools package-dir mapping), which mypy cannot see through an editable install. This lays the sources out
under their import names as a tree of symlinks in a temporary directory, runs mypy there with the settings in
pyproject.toml, and prints the results with the repository's own paths. Extra arguments go to mypy.

    .venv/bin/python .ci/mypy.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def link_tree(source: Path, target: Path) -> None:
    for path in sorted(source.rglob("*.py")):
        link = target / path.relative_to(source)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="ipl-mypy-") as tmp:
        package = Path(tmp) / "infra_policy_linter"
        link_tree(REPO / "linter", package)
        link_tree(REPO / "rules", package / "rules")
        env = {**os.environ, "MYPYPATH": tmp}
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "mypy",
                "--config-file",
                str(REPO / "pyproject.toml"),
                "-p",
                "infra_policy_linter",
                *sys.argv[1:],
            ],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
        )
        out = result.stdout + result.stderr
        # show repository paths: infra_policy_linter/rules/x.py -> rules/x.py, infra_policy_linter/x.py -> linter/x.py
        out = out.replace(f"{package}/rules/", "rules/").replace("infra_policy_linter/rules/", "rules/")
        out = out.replace(f"{package}/", "linter/").replace("infra_policy_linter/", "linter/")
        sys.stdout.write(out)
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())
