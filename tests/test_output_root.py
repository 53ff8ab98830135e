"""Every output path and fingerprint is relative to the repository root, whatever directory `lint` runs from."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli

CASES = ("terraform/DST001/bad", "terraform-child-role/DST001/bad", "cloudformation/DST001/bad")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    top = tmp_path / "repo"
    for case in CASES:
        target = top / "infra" / case.replace("/", "-")
        shutil.copytree(REPO / "fixtures" / case, target, ignore=shutil.ignore_patterns("expected.json"))
    subprocess.run(["git", "init", "-q"], cwd=top, check=True)
    return top


def _outputs(where: Path, target: str, monkeypatch: pytest.MonkeyPatch, *extra: str) -> dict[str, str]:
    monkeypatch.chdir(where)
    out = {}
    for fmt in ("json", "sarif", "github", "gitlab", "concise"):
        code, text, _ = run_cli("--format", fmt, *extra, target)
        assert code == 1, (fmt, text)
        out[fmt] = text
    baseline = where / "baseline.json"
    run_cli("--write-baseline", str(baseline), *extra, target)
    out["baseline"] = baseline.read_text()
    baseline.unlink()
    return out


def test_a_run_from_a_subdirectory_reports_the_same(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from_top = _outputs(repo, "infra", monkeypatch)
    from_inside = _outputs(repo / "infra", ".", monkeypatch)
    from_deeper = _outputs(repo / "infra" / "terraform-DST001-bad", "..", monkeypatch)
    assert from_inside == from_top
    assert from_deeper == from_top
    assert "infra/terraform-DST001-bad/main.tf:52:7 DST001" in from_top["concise"]
    assert "::error file=infra/terraform-DST001-bad/main.tf,line=52," in from_top["github"]
    assert "# in infra/terraform-child-role-DST001-bad/modules/worker/main.tf" in from_top["json"]


def test_outside_git_root_sets_the_base(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.rmtree(repo / ".git")
    from_top = _outputs(repo, "infra", monkeypatch, "--root", str(repo))
    from_inside = _outputs(repo / "infra", ".", monkeypatch, "--root", os.path.relpath(repo, repo / "infra"))
    assert from_inside == from_top
    assert '"path": "infra/cloudformation-DST001-bad/template.json"' in from_top["json"]
