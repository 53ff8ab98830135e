"""The destination checks run inside cfn-lint itself (``--append-rules infra_policy_linter.cfnlint_rules``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def cfn_lint(*templates: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("cfn-lint")
    return subprocess.run([str(exe), "--append-rules", "infra_policy_linter.cfnlint_rules", "--format", "parseable", "--",
                           *templates], cwd=REPO, capture_output=True, text=True)


def test_findings_through_cfn_lint() -> None:
    result = cfn_lint("fixtures/cloudformation/DST001/bad/template.yaml",
                      "fixtures/cloudformation/DST001/bad/template.json",
                      "fixtures/cloudformation/DST003/bad/template.yaml",
                      "fixtures/cloudformation/DST004/bad/template.yaml")
    rows = [line.split(":", 5) for line in result.stdout.splitlines()]
    ours = sorted((r[0], int(r[1]), int(r[2]), r[5].split(":", 1)[0]) for r in rows if r[5].startswith(("E91", "W91")))
    assert ours == [
        ("fixtures/cloudformation/DST001/bad/template.json", 42, 25, "E9101"),
        ("fixtures/cloudformation/DST001/bad/template.yaml", 38, 11, "E9101"),
        ("fixtures/cloudformation/DST003/bad/template.yaml", 38, 11, "E9103"),
        ("fixtures/cloudformation/DST004/bad/template.yaml", 22, 11, "W9104"),
        ("fixtures/cloudformation/DST004/bad/template.yaml", 48, 11, "W9104"),
    ]
    assert result.returncode & 2  # cfn-lint's bit for "errors found"
    assert "sqs:SendMessage" in result.stdout and "[DST001]" in result.stdout


def test_no_findings_on_good_templates() -> None:
    result = cfn_lint("fixtures/cloudformation/DST001/good/template.yaml",
                      "fixtures/cloudformation/DST002/good/template.yaml")
    assert not [line for line in result.stdout.splitlines() if ":E91" in line or ":W91" in line], result.stdout


def test_rules_are_listed() -> None:
    exe = Path(sys.executable).with_name("cfn-lint")
    out = subprocess.run([str(exe), "--append-rules", "infra_policy_linter.cfnlint_rules", "--list-rules"], capture_output=True,
                         text=True, cwd=REPO).stdout
    for rule_id in ("E9101", "E9102", "E9103", "W9104"):
        assert rule_id in out
