"""The real pre-commit, installing this repository as a hook, against a throwaway git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow  # installs this repository as a hook with pre-commit: about a minute

BAD = REPO / "fixtures/terraform/DST001/bad/main.tf"
GOOD = REPO / "fixtures/terraform/DST001/good/main.tf"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _try_repo(target: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "infra-policy-lint", "--all-files", "--color",
         "never"],
        cwd=target, capture_output=True, text=True, env={**os.environ, "PRE_COMMIT_HOME": str(home)}, timeout=900)


def test_hook_fails_on_a_bad_module_and_passes_once_fixed(tmp_path: Path, pre_commit_home: Path) -> None:
    target = tmp_path / "infra"
    (target / "queues").mkdir(parents=True)
    (target / ".github").mkdir()
    _git(target, "init", "-q")
    shutil.copy(BAD, target / "queues" / "main.tf")
    (target / ".github" / "ci.yml").write_text("on: push\njobs: {}\n")  # not a template: must be ignored
    _git(target, "add", "-A")

    failed = _try_repo(target, pre_commit_home)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout
    assert "queues/main.tf:52:7 DST001 aws_lambda_function.worker" in failed.stdout

    shutil.copy(GOOD, target / "queues" / "main.tf")
    _git(target, "add", "-A")
    passed = _try_repo(target, pre_commit_home)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
