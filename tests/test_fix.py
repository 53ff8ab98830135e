"""--fix and --fix --diff: the grant goes into the module that declares the role, clears its finding, keeps every
other byte, and a second run changes nothing."""

from __future__ import annotations

import difflib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli, run_json

GRANT = """
resource "aws_iam_role_policy" "{name}" {{
  name = "{policy}"
  role = {role}
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect   = "Allow"
      Action   = "{action}"
      Resource = {resource}
    }}]
  }})
}}
"""

SECOND_ALIAS = """
resource "aws_sqs_queue" "live_failures" {
  name = "orders-live-failures"
}

resource "aws_lambda_function_event_invoke_config" "worker_live" {
  function_name = aws_lambda_function.worker.function_name
  qualifier     = "live"

  destination_config {
    on_failure {
      destination = aws_sqs_queue.live_failures.arn
    }
  }
}
"""


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for fixture in (
        "terraform/DST001/bad",
        "terraform/DST002/bad",
        "terraform-modules/DST001/bad",
        "cloudformation/DST001/bad",
    ):
        shutil.copytree(
            REPO / "fixtures" / fixture,
            tmp_path / fixture.replace("/", "-"),
            ignore=shutil.ignore_patterns("expected.json"),
        )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_diff_prints_the_edit_and_writes_nothing(work: Path) -> None:
    before = _snapshot(work)
    code, out, err = run_cli("--fix", "--diff", "terraform-DST001-bad")
    assert (code, err) == (1, "")
    assert out == (
        "--- a/terraform-DST001-bad/main.tf\n"
        "+++ b/terraform-DST001-bad/main.tf\n"
        "@@ -53,3 +53,16 @@\n"
        "     }\n"
        "   }\n"
        " }\n"
        + "".join(
            "+" + line + "\n"
            for line in GRANT.format(
                name="worker_sqs_on_failure",
                policy="worker-sqs-on-failure",
                role="aws_iam_role.worker.name",
                action="sqs:SendMessage",
                resource="aws_sqs_queue.failures.arn",
            ).split("\n")[:-1]
        )
    )
    assert _snapshot(work) == before


def test_fix_clears_findings_keeps_bytes_and_is_idempotent(work: Path) -> None:
    before = _snapshot(work)
    code, out, err = run_cli("--fix", "--format", "concise", ".")
    assert code == 1  # the templates' findings are left: their fixes are printed, not written
    assert err.splitlines() == [
        "lint: not fixed: cloudformation-DST001-bad/template.json:42 DST001 Notifier: fixes to JSON templates are "
        "printed, not written",
        # A grant in the role's module cannot name a queue declared by its caller.
        "lint: not fixed: terraform-modules-DST001-bad/main.tf:13 DST001 module.worker.aws_lambda_function.this: "
        "the role is declared in terraform-modules-DST001-bad/modules/worker, the destination in "
        "terraform-modules-DST001-bad: pass its ARN to the role's module",
        "lint: fixed 4 findings in cloudformation-DST001-bad/template.yaml, terraform-DST001-bad/main.tf, "
        "terraform-DST002-bad/main.tf",
    ]
    assert [line.split()[0] for line in out.splitlines()[:-1]] == [
        "cloudformation-DST001-bad/template.json:42:25",
        "terraform-modules-DST001-bad/main.tf:13:3",
    ]
    after = _snapshot(work)
    changed = sorted(k for k in after if after[k] != before[k])
    assert changed == [
        "cloudformation-DST001-bad/template.yaml",
        "terraform-DST001-bad/main.tf",
        "terraform-DST002-bad/main.tf",
    ]
    for path in changed:  # lines were only inserted: every byte of the original is still there, in order
        ops = difflib.SequenceMatcher(
            None, before[path].decode().split("\n"), after[path].decode().split("\n"), autojunk=False
        ).get_opcodes()
        assert {op[0] for op in ops} == {"equal", "insert"}
    code, report = run_json("terraform-DST001-bad", "terraform-DST002-bad", "cloudformation-DST001-bad/template.yaml")
    assert (code, report["findings"]) == (0, [])
    code, _, err = run_cli(
        "--fix", "terraform-DST001-bad", "terraform-DST002-bad", "cloudformation-DST001-bad/template.yaml"
    )
    assert (code, err) == (0, "")
    assert _snapshot(work) == after


def test_two_findings_on_one_function_get_distinct_names(work: Path) -> None:
    main = work / "terraform-DST001-bad" / "main.tf"
    main.write_text(main.read_text() + SECOND_ALIAS)
    code, out, _ = run_cli("--fix", "--diff", "terraform-DST001-bad")
    added = [line[1:] for line in out.splitlines() if line.startswith("+resource") or line.startswith("+  name")]
    assert added == [
        'resource "aws_iam_role_policy" "worker_sqs_on_failure" {',
        '  name = "worker-sqs-on-failure"',
        'resource "aws_iam_role_policy" "worker_sqs_on_failure_2" {',
        '  name = "worker-sqs-on-failure-2"',
    ]
    code, _, _ = run_cli("--fix", "terraform-DST001-bad")
    assert code == 0


def test_a_name_taken_in_the_module_is_not_reused(work: Path) -> None:
    (work / "terraform-DST001-bad" / "other.tf").write_text(
        'resource "aws_iam_role_policy" "worker_sqs_on_failure" {\n'
        "  role   = aws_iam_role.worker.name\n"
        '  policy = jsonencode({ Version = "2012-10-17", Statement = [] })\n'
        "}\n"
    )
    code, out, _ = run_cli("--fix", "--diff", "terraform-DST001-bad")
    assert '+resource "aws_iam_role_policy" "worker_sqs_on_failure_2" {' in out.splitlines()


def test_a_fix_that_does_not_clear_its_finding_is_reverted(work: Path) -> None:
    main = work / "terraform-DST001-bad" / "main.tf"
    # A permissions boundary that does not allow sqs:SendMessage: the added grant turns DST001 into DST003.
    original = main.read_text().replace(
        'resource "aws_iam_role" "worker" {\n  name = "orders-worker"\n',
        (
            'resource "aws_iam_policy" "boundary" {\n'
            '  name = "worker-boundary"\n'
            "  policy = jsonencode({\n"
            '    Version   = "2012-10-17"\n'
            '    Statement = [{ Effect = "Allow", Action = "sqs:ReceiveMessage", Resource = "*" }]\n'
            "  })\n"
            "}\n\n"
            'resource "aws_iam_role" "worker" {\n'
            '  name                 = "orders-worker"\n'
            "  permissions_boundary = aws_iam_policy.boundary.arn\n"
        ),
    )
    main.write_text(original)
    code, out, err = run_cli("--fix", "--format", "concise", "terraform-DST001-bad")
    assert main.read_text() == original
    assert code == 1
    assert err == (
        "lint: fix reverted: terraform-DST001-bad/main.tf: it did not clear DST003 aws_lambda_function.worker\n"
    )
    assert out.splitlines()[0].startswith("terraform-DST001-bad/main.tf:61:7 DST001 aws_lambda_function.worker")


def test_advice_is_not_written(work: Path) -> None:
    main = work / "terraform-DST001-bad" / "main.tf"
    original = main.read_text().replace(
        'Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage"]',
        'Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage"]\n    }, {\n'
        '      Effect   = "Deny"\n      Action   = "sqs:SendMessage"\n'
        '      Resource = "*"',
    )
    main.write_text(original)
    code, out, err = run_cli("--fix", "terraform-DST001-bad")
    assert (code, main.read_text()) == (1, original)
    assert err == (
        "lint: not fixed: terraform-DST001-bad/main.tf:56 DST003 aws_lambda_function.worker: its fix is "
        "advice, not a grant\n"
    )


YAML_GRANT = """\
  {logical}:
    Type: AWS::IAM::RolePolicy
    Properties:
      RoleName: !Ref {role}
      PolicyName: {policy}
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: {action}
            Resource: {resource}

"""


def _cfn_lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), "--", str(path)], capture_output=True, text=True
    )


def test_yaml_template_gets_a_role_policy_after_the_role(work: Path) -> None:
    template = work / "cloudformation-DST001-bad" / "template.yaml"
    before = template.read_text()
    code, out, err = run_cli("--fix", "cloudformation-DST001-bad/template.yaml")
    assert (code, err) == (0, "lint: fixed 1 finding in cloudformation-DST001-bad/template.yaml\n")
    grant = YAML_GRANT.format(
        logical="WorkerSqsOnFailurePolicy",
        role="WorkerRole",
        policy="worker-sqs-on-failure",
        action="sqs:SendMessage",
        resource="!GetAtt FailureQueue.Arn",
    )
    at = before.index("  Worker:\n")
    assert template.read_text() == before[:at] + grant + before[at:]
    linted = _cfn_lint(template)
    assert linted.returncode == 0, linted.stdout
    run_cli("--fix", "cloudformation-DST001-bad/template.yaml")
    assert template.read_text() == before[:at] + grant + before[at:]


def test_sam_template_with_a_shared_role_gets_one_policy_per_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(REPO / "fixtures/sam/DST001/bad/template.yaml", tmp_path / "template.yaml")
    monkeypatch.chdir(tmp_path)
    before = (tmp_path / "template.yaml").read_text()
    code, out, err = run_cli("--fix", "template.yaml")
    assert (code, err) == (0, "lint: fixed 2 findings in template.yaml\n")
    at = before.index("  Importer:\n")
    assert (tmp_path / "template.yaml").read_text() == before[:at] + YAML_GRANT.format(
        logical="ImporterSqsOnFailurePolicy",
        role="SharedRole",
        policy="importer-sqs-on-failure",
        action="sqs:SendMessage",
        resource="!GetAtt FailureQueue.Arn",
    ) + YAML_GRANT.format(
        logical="ReporterSnsOnSuccessPolicy",
        role="SharedRole",
        policy="reporter-sns-on-success",
        action="sns:Publish",
        resource="!Ref ResultsTopic",
    ) + before[at:]
    linted = _cfn_lint(tmp_path / "template.yaml")
    assert linted.returncode == 0, linted.stdout


def test_advice_in_a_template_is_not_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(REPO / "fixtures/cloudformation/DST004/bad/template.yaml", tmp_path / "template.yaml")
    monkeypatch.chdir(tmp_path)
    before = (tmp_path / "template.yaml").read_text()
    code, out, err = run_cli("--fix", "template.yaml")
    assert (tmp_path / "template.yaml").read_text() == before
    assert err and all(line.endswith(": its fix is advice, not a grant") for line in err.splitlines())
