"""The real pre-commit, installing this repository (its working tree) as a hook, against a throwaway git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow  # installs this repository as a hook with pre-commit (once): half a minute

BAD = REPO / "fixtures/terraform/DST001/bad/main.tf"
GOOD = REPO / "fixtures/terraform/DST001/good/main.tf"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The working tree, committed in a throwaway repository (what try-repo does), so that both runs below use one
    revision and pre-commit installs the hook's environment once instead of once per run."""
    copy = tmp_path_factory.mktemp("hook-repo")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            check=True, capture_output=True).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():  # a file deleted but not yet committed is listed too
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    _git(copy, "init", "-q")
    _git(copy, "add", "-A")
    _git(copy, "commit", "-q", "-m", "working tree")
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=copy, check=True, capture_output=True, text=True)
    return copy, rev.stdout.strip()


def _run_hook(target: Path, home: Path, hook: tuple[Path, str]) -> subprocess.CompletedProcess[str]:
    (target / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook[0]}\n    rev: {hook[1]}\n    hooks:\n      - id: infra-policy-lint\n")
    _git(target, "add", "-A")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=target, capture_output=True, text=True, env={**os.environ, "PRE_COMMIT_HOME": str(home)}, timeout=900)


def test_hook_fails_on_a_bad_module_and_passes_once_fixed(tmp_path: Path, pre_commit_home: Path,
                                                           hook_repo: tuple[Path, str]) -> None:
    target = tmp_path / "infra"
    (target / "queues").mkdir(parents=True)
    (target / ".github").mkdir()
    _git(target, "init", "-q")
    shutil.copy(BAD, target / "queues" / "main.tf")
    (target / ".github" / "ci.yml").write_text("on: push\njobs: {}\n")  # not a template: must be ignored
    _git(target, "add", "-A")

    failed = _run_hook(target, pre_commit_home, hook_repo)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout
    assert "queues/main.tf:52:7 DST001 aws_lambda_function.worker" in failed.stdout

    shutil.copy(GOOD, target / "queues" / "main.tf")
    _git(target, "add", "-A")
    passed = _run_hook(target, pre_commit_home, hook_repo)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
