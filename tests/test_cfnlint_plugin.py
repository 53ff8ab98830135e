"""The destination checks run inside cfn-lint itself (``--append-rules infra_policy_linter.cfnlint_rules``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, cfn_lint_matches, run_json


def cfn_lint(*templates: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("cfn-lint")
    return subprocess.run(
        [str(exe), "--append-rules", "infra_policy_linter.cfnlint_rules", "--format", "parseable", "--", *templates],
        cwd=REPO,
        capture_output=True,
        text=True,
    )


BAD_TEMPLATES = (
    "fixtures/cloudformation/DST001/bad/template.yaml",
    "fixtures/cloudformation/DST001/bad/template.json",
    "fixtures/cloudformation/DST003/bad/template.yaml",
    "fixtures/cloudformation/DST004/bad/template.yaml",
)


def _matches_in_process(*templates: str) -> subprocess.CompletedProcess[str]:
    """cfn-lint's API with the rules appended by module name, as --append-rules does, and the exit code's error
    bit and the parseable rows (file:line:column:end line:end column:rule:message) cfn-lint's command line prints."""
    from cfnlint import api

    config = api.ManualArgs(templates=list(templates), append_rules=["infra_policy_linter.cfnlint_rules"])
    matches = api.lint_by_config(config)  # one load of cfn-lint's rules for all the templates, as its command line
    rows = [
        f"{m.filename}:{m.linenumber}:{m.columnnumber}:{m.linenumberend}:{m.columnnumberend}:{m.rule.id}:{m.message}"
        for m in matches
    ]
    code = 2 if any(m.rule.id.startswith("E") for m in matches) else 0
    return subprocess.CompletedProcess(list(templates), code, "".join(f"{row}\n" for row in rows), "")


# The default run uses cfn-lint's API in this process; the slow set (CI, -m '') its command line, which starts in
# about three seconds of CPU.
@pytest.mark.parametrize("through", ["api", pytest.param("command-line", marks=pytest.mark.slow)])
def test_findings_through_cfn_lint(in_repo: Path, through: str) -> None:
    result = cfn_lint(*BAD_TEMPLATES) if through == "command-line" else _matches_in_process(*BAD_TEMPLATES)
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


@pytest.mark.slow
def test_no_findings_on_good_templates() -> None:
    result = cfn_lint(
        "fixtures/cloudformation/DST001/good/template.yaml", "fixtures/cloudformation/DST002/good/template.yaml"
    )
    assert not [line for line in result.stdout.splitlines() if ":E91" in line or ":W91" in line], result.stdout


@pytest.mark.slow
def test_rules_are_listed() -> None:
    exe = Path(sys.executable).with_name("cfn-lint")
    out = subprocess.run(
        [str(exe), "--append-rules", "infra_policy_linter.cfnlint_rules", "--list-rules"],
        capture_output=True,
        text=True,
        cwd=REPO,
    ).stdout
    for rule_id in ("E9101", "E9102", "E9103", "W9104", "E9105", "E9106", "E9107", "W9108", "E9113"):
        assert rule_id in out


TEMPLATES = sorted(
    p
    for d in ("cloudformation", "cloudformation-esm", "sam")
    for p in (REPO / "fixtures" / d).glob("*/*/template.*")
    if p.suffix in (".yaml", ".json")
)


def _plugin_matches(template: Path) -> list:
    return cfn_lint_matches(template, ("infra_policy_linter.cfnlint_rules",))


def _plugin_findings(template: Path) -> list[tuple[str, int, str]]:
    return sorted(
        (m.message.rsplit("[", 1)[1].rstrip("]"), m.linenumber, m.rule.id)
        for m in _plugin_matches(template)
        if m.rule.id[1:3] == "91"
    )


# cfn-lint on every template takes seconds each; the default run keeps test_findings_through_cfn_lint and the KMS
# check, CI runs all of them (-m '')
@pytest.mark.slow
@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(REPO / "fixtures")))
def test_plugin_reports_what_lint_reports(template: Path, in_repo: Path) -> None:
    """cfn-lint in process on every CloudFormation and SAM fixture: the same rules at the same lines as `lint`."""
    from infra_policy_linter.rules import ALL_RULES
    from infra_policy_linter.rules.verdict_rule import VerdictRule

    ids = {r.id: r.cfn_lint_id for r in ALL_RULES if isinstance(r, VerdictRule)}
    _, report = run_json(str(template.relative_to(REPO)))
    expected = sorted((f["rule"], f["line"], ids[f["rule"]]) for f in report["findings"] if f["rule"] in ids)
    matches = _plugin_matches(template)
    if any(m.rule.id == "E0000" for m in matches):
        # cfn-lint refuses to decode the template (duplicate keys: LNT004 in `lint`), so no rule of its runs.
        assert "LNT004" in {f["rule"] for f in report["findings"]}
        expected = []
    got = sorted(
        (m.message.rsplit("[", 1)[1].rstrip("]"), m.linenumber, m.rule.id) for m in matches if m.rule.id[1:3] == "91"
    )
    assert got == expected


def test_kms_finding_keeps_its_rule_through_cfn_lint() -> None:
    got = _plugin_findings(REPO / "fixtures/cloudformation/DST005/bad/template.yaml")
    assert got and {rule for rule, _, cfn_id in got} == {"DST005"}
    assert {cfn_id for _, _, cfn_id in got} == {"E9105"}
