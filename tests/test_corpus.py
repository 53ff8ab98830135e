"""The shared labelled corpus must score perfectly: precision = recall = 1, no false positives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED_CORPUS


def _lint_and_score(tmp_path: Path, projects: int, seed: int, unrelated: int) -> str:
    assert (SHARED_CORPUS / "generate.py").is_file(), f"shared corpus not found at {SHARED_CORPUS}"
    out = tmp_path / "corpus"
    subprocess.run([sys.executable, str(SHARED_CORPUS / "generate.py"), "--out", str(out), "--projects",
                    str(projects), "--seed", str(seed), "--unrelated-ratio", str(unrelated)],
                   check=True, capture_output=True)
    lint = Path(sys.executable).with_name("lint")
    result = subprocess.run([str(lint), "--format", "json", "."], cwd=out, capture_output=True, text=True)
    assert result.returncode == 1, result.stderr  # the corpus always holds error-level findings
    findings = tmp_path / "findings.json"
    findings.write_text(result.stdout)
    score = subprocess.run([sys.executable, str(SHARED_CORPUS / "score.py"), "--expected",
                            str(out / "expected.json"), "--findings", str(findings)], capture_output=True, text=True)
    assert score.returncode == 0, score.stdout[-3000:]
    return score.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("seed", [0, 11])
def test_corpus_40_projects(tmp_path: Path, seed: int) -> None:
    last = _lint_and_score(tmp_path, 40, seed, 4)
    assert last.startswith("precision=1.000 recall=1.000 rule_agreement=1.000 false_positives=0")


def test_corpus_200_projects(tmp_path: Path) -> None:
    last = _lint_and_score(tmp_path, 200, 5, 1)
    assert last.startswith("precision=1.000 recall=1.000 rule_agreement=1.000 false_positives=0")
