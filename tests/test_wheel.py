"""The built wheel, installed into a fresh venv next to PyPI's `rules` (django-rules): both import, `lint` works.

The wheel must put nothing generic at the top level of site-packages: only infra_policy_linter and its dist-info.
Slow (it builds a wheel and installs its dependencies from the package index): run with -m '' (.ci/run does).
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def _run(*cmd: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run outside the checkout: `python -c` puts the current directory first on sys.path, where rules/ is."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def test_wheel_installs_beside_django_rules(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, REPO, cwd=tmp_path)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = dist.glob("infra_policy_linter-*.whl")
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"infra_policy_linter"}

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    installed = _run(python, "-m", "pip", "install", "--quiet", wheel, "rules", cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr[-3000:]

    # django-rules' `rules` is the top-level one; the linter's rules live inside its own package
    both = _run(
        python,
        "-c",
        "import rules, infra_policy_linter.rules as ours; "
        "print(rules.__name__, callable(rules.predicate), callable(rules.add_rule)); "
        "print(ours.__name__)",
        cwd=tmp_path,
    )
    assert both.returncode == 0, both.stderr
    assert both.stdout.split("\n")[:2] == ["rules True True", "infra_policy_linter.rules"]

    lint = env_dir / "bin" / "lint"
    env_cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run(
        [str(lint), "--format", "json", "fixtures/terraform/DST001/bad"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, **env_cache},
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert '"rule": "DST001"' in result.stdout
    listed = _run(lint, "rules", cwd=tmp_path)
    assert listed.returncode == 0 and "DST001" in listed.stdout and "LNT003" in listed.stdout
    plugin = _run(
        env_dir / "bin" / "cfn-lint",
        "--append-rules",
        "infra_policy_linter.cfnlint_rules",
        "--",
        REPO / "fixtures/cloudformation/DST001/bad/template.yaml",
        cwd=tmp_path,
    )
    assert "E9101" in plugin.stdout, plugin.stdout + plugin.stderr
