"""The project's own labelled corpus (benchmarks/synthetic) must score perfectly: every labelled finding with its
rule and line, nothing on granted destinations, nothing in unrelated files, no errors.

When the shared corpus is present (SHARED_CORPUS, or ../shared/corpus beside the checkout), one more test scores
it with its own scorer; .ci/run sets SHARED_CORPUS whenever the folder exists.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.synthetic import Corpus, generate, score_report
from benchmarks.synthetic.model import DEAD_LETTER_CASES
from tests.conftest import SHARED_CORPUS, run_json

LINT = str(Path(sys.executable).with_name("lint"))


def _lint(corpus: Path) -> dict:
    result = subprocess.run([LINT, "--format", "json", "."], cwd=corpus, capture_output=True, text=True)
    assert result.returncode == 1, result.stderr  # the corpus always holds error-level findings
    return json.loads(result.stdout)


def _assert_perfect(corpus: Corpus, report: dict) -> None:
    score = score_report(corpus, report)
    assert score.perfect, score.report()
    assert score.true_positives == score.expected > 0


def test_small_synthetic_corpus_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default run's corpus: 10 projects whose seed (2) draws every case of benchmarks/synthetic/model.py,
    linted through the CLI in this process. The 40-project subprocess runs below (a worker pool, the installed
    `lint` script) are in the slow set CI runs."""
    corpus = generate(tmp_path / "corpus", 10, 2, unrelated_ratio=3)
    assert len({label.case for label in corpus.labels}) == 24  # every case, as in the 200-project test
    assert {label.rule for label in corpus.labels if label.when == "dead_letter"} >= {None, "DLQ001", "DLQ004"}
    monkeypatch.chdir(corpus.root)
    code, report = run_json(".")
    assert code == 1
    _assert_perfect(corpus, report)


@pytest.mark.slow  # 40 projects through a subprocess with its worker pool (11 s of CPU); CI runs it (-m '')
@pytest.mark.parametrize("seed", [0, 11])
def test_synthetic_corpus(tmp_path: Path, seed: int) -> None:
    corpus = generate(tmp_path / "corpus", 40, seed, unrelated_ratio=3)
    # functions' dead-letter targets are among the labels, granted and not (benchmarks/synthetic/model.py)
    assert {label.rule for label in corpus.labels if label.when == "dead_letter"} >= {None, "DLQ001", "DLQ004"}
    _assert_perfect(corpus, _lint(corpus.root))


@pytest.mark.slow
def test_synthetic_corpus_200_projects(tmp_path: Path) -> None:
    corpus = generate(tmp_path / "corpus", 200, 5, unrelated_ratio=1)
    cases = {label.case for label in corpus.labels}
    assert len(cases) == 24  # every case of benchmarks/synthetic/model.py (with both unknown-destination outcomes)
    dead_letters = {(label.case, label.rule) for label in corpus.labels if label.when == "dead_letter"}
    assert {case for case, _ in dead_letters} >= set(DEAD_LETTER_CASES) | {"sam_generated", "unknown_role"}
    _assert_perfect(corpus, _lint(corpus.root))


def test_generator_is_deterministic_and_project_n_does_not_depend_on_the_count(tmp_path: Path) -> None:
    small = generate(tmp_path / "a", 3, 7)
    large = generate(tmp_path / "b", 5, 7)
    again = generate(tmp_path / "c", 5, 7)
    files = sorted(p.relative_to(small.root) for p in small.root.rglob("*") if p.is_file() and p.name != "labels.json")
    assert files and all((small.root / f).read_bytes() == (large.root / f).read_bytes() for f in files)
    assert small.labels == [lbl for lbl in large.labels if lbl.path.split("/")[1] < "p0003"]
    assert (large.root / "labels.json").read_bytes() == (again.root / "labels.json").read_bytes()
    assert generate(tmp_path / "d", 5, 8).labels != large.labels
    with pytest.raises(FileExistsError):
        generate(tmp_path / "a", 3, 7)


def test_scorer_catches_misses_wrong_lines_and_false_positives(tmp_path: Path) -> None:
    corpus = generate(tmp_path / "corpus", 6, 3)
    report = {
        "findings": [
            {"rule": lbl.rule, "path": lbl.path, "line": lbl.line or 1, "function": lbl.function, "action": lbl.action}
            for lbl in corpus.labels
            if lbl.rule
        ],
        "errors": [],
    }
    assert score_report(corpus, report).perfect

    dropped = copy.deepcopy(report)
    gone = dropped["findings"].pop(0)
    score = score_report(corpus, dropped)
    assert [m.split(" [")[0] for m in score.misses] == [
        f"{gone['rule']} {gone['path']}:{gone['line']} {gone['function']} {gone['action']}"
    ]
    assert score.false_positives == []

    moved = copy.deepcopy(report)
    first = next(f for f in moved["findings"] if f["rule"].startswith("DST"))
    first["line"] += 1
    score = score_report(corpus, moved)
    assert len(score.misses) == 1 and len(score.false_positives) == 1

    noisy = copy.deepcopy(report)
    noise = corpus.noise_files[0]
    noisy["findings"].append({"rule": "LNT002", "path": noise, "line": 1, "function": None, "action": None})
    granted = next(lbl for lbl in corpus.labels if lbl.rule is None)
    noisy["findings"].append(
        {
            "rule": "DST001",
            "path": granted.path,
            "line": granted.line,
            "function": granted.function,
            "action": granted.action,
        }
    )
    noisy["errors"].append({"path": noise, "line": 2, "message": "invalid HCL"})
    score = score_report(corpus, noisy)
    assert score.misses == []
    assert score.false_positives == [
        f"LNT002 {noise}:1 None None",
        f"DST001 {granted.path}:{granted.line} {granted.function} {granted.action} (labelled granted: {granted.case})",
        f"error {noise}:2 invalid HCL",
    ]


def test_shared_corpus_when_present(tmp_path: Path) -> None:
    if "SHARED_CORPUS" not in os.environ and not SHARED_CORPUS.exists():
        pytest.skip(f"no shared corpus at {SHARED_CORPUS} (optional; .ci/run sets SHARED_CORPUS when it exists)")
    assert (SHARED_CORPUS / "generate.py").is_file(), f"SHARED_CORPUS={SHARED_CORPUS} holds no generate.py"
    out = tmp_path / "corpus"
    subprocess.run(
        [
            sys.executable,
            str(SHARED_CORPUS / "generate.py"),
            "--out",
            str(out),
            "--projects",
            "60",
            "--seed",
            "11",
            "--unrelated-ratio",
            "4",
        ],
        check=True,
        capture_output=True,
    )
    findings = tmp_path / "findings.json"
    findings.write_text(json.dumps(_lint(out)))
    score = subprocess.run(
        [
            sys.executable,
            str(SHARED_CORPUS / "score.py"),
            "--expected",
            str(out / "expected.json"),
            "--findings",
            str(findings),
        ],
        capture_output=True,
        text=True,
    )
    assert score.returncode == 0, score.stdout[-3000:]
    assert (
        score.stdout.strip()
        .splitlines()[-1]
        .startswith("precision=1.000 recall=1.000 rule_agreement=1.000 false_positives=0")
    )
