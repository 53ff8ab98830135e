"""--fix and --fix --diff: the grant goes into the module that declares the role, clears its finding, keeps every
other byte, and a second run changes nothing."""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, cfn_lint, run_cli, run_json

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
    assert code == 0
    assert err.splitlines() == [
        "lint: fixed 6 findings in cloudformation-DST001-bad/template.json, cloudformation-DST001-bad/template.yaml, "
        "terraform-DST001-bad/main.tf, terraform-DST002-bad/main.tf, "
        "terraform-modules-DST001-bad/modules/worker/main.tf",
    ]
    assert out.splitlines()[:-1] == []
    after = _snapshot(work)
    changed = sorted(k for k in after if after[k] != before[k])
    assert changed == [
        "cloudformation-DST001-bad/template.json",
        "cloudformation-DST001-bad/template.yaml",
        "terraform-DST001-bad/main.tf",
        "terraform-DST002-bad/main.tf",
        # The role is declared in the worker module; the queue arrives there as var.failure_destination.
        "terraform-modules-DST001-bad/modules/worker/main.tf",
    ]
    worker = after["terraform-modules-DST001-bad/modules/worker/main.tf"].decode()
    grant = _grant_text("worker-sqs-on-failure", "aws_iam_role.this.name", "sqs:SendMessage", "var.failure_destination")
    assert worker.endswith("\n" + grant + "\n")
    for path in changed:  # lines were only inserted (JSON: a comma added to the line before): nothing else moved
        old, new = before[path].decode().split("\n"), after[path].decode().split("\n")
        ops = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
        assert {op[0] for op in ops} <= {"equal", "insert", "replace"}
        for tag, i1, i2, j1, _ in ops:
            if tag == "replace":
                assert [new[j1 + k] for k in range(i2 - i1)] == [line + "," for line in old[i1:i2]], path
    targets = ("terraform-DST001-bad", "terraform-DST002-bad", "terraform-modules-DST001-bad")
    code, report = run_json(*targets, "cloudformation-DST001-bad")
    assert (code, report["findings"]) == (0, [])
    code, _, err = run_cli("--fix", *targets, "cloudformation-DST001-bad")
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
    return cfn_lint(path)  # in process: a cfn-lint subprocess costs seconds of start-up per call


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


CHILD_ROLE = REPO / "fixtures" / "terraform-child-role" / "DST001"


def _grant_text(name: str, role: str, action: str, resource: str, n: int = 1) -> str:
    """The grant as printed; one whose resource is a module variable exists only when a caller sets it."""
    suffix = "" if n == 1 else f"_{n}"
    text = GRANT.format(
        name=name.replace("-", "_") + suffix,
        policy=name + ("" if n == 1 else f"-{n}"),
        role=role,
        action=action,
        resource=resource,
    )[1:-1]
    if resource.startswith("var."):
        text = text.replace(
            f'  name = "{name}"\n  role = {role}\n',
            f'  count = {resource} != null ? 1 : 0\n  name  = "{name}"\n  role  = {role}\n',
        )
    return text


def test_role_in_a_child_module_printed_fixes_name_what_each_file_sees(in_repo: Path) -> None:
    """The grant goes where the role is declared, naming the destination through the module's variable; a
    destination the module never sees gets its grant in the caller, through the module's output of the role's
    name; two grants named alike in one module get distinct names."""
    code, report = run_json(str((CHILD_ROLE / "bad").relative_to(REPO)))
    child = "fixtures/terraform-child-role/DST001/bad/modules/worker/main.tf"
    assert code == 1
    assert [(f["line"], f["fix"]) for f in report["findings"]] == [
        (
            16,
            f"# in {child}\n"
            + _grant_text(
                "worker-sqs-on-failure", "aws_iam_role.this.name", "sqs:SendMessage", "var.failure_destination"
            ),
        ),
        (
            17,
            f"# in {child}\n"
            + _grant_text("worker-sns-on-success", "aws_iam_role.this.name", "sns:Publish", "var.success_destination"),
        ),
        (
            35,
            _grant_text(
                "worker-sqs-on-failure", "module.worker.role_name", "sqs:SendMessage", "aws_sqs_queue.live_failures.arn"
            ),
        ),
        (
            46,
            _grant_text(
                "worker-sqs-on-failure",
                "module.worker.role_name",
                "sqs:SendMessage",
                "aws_sqs_queue.canary_failures.arn",
                n=2,
            ),
        ),
    ]


def test_role_in_a_child_module_fix_writes_the_good_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--fix`` on the bad case gives the good case byte for byte; a second run changes nothing."""
    shutil.copytree(CHILD_ROLE / "bad", tmp_path / "w", ignore=shutil.ignore_patterns("expected.json"))
    monkeypatch.chdir(tmp_path / "w")
    before = _snapshot(tmp_path / "w")
    code, out, err = run_cli("--fix", "--diff", ".")
    assert (code, err, _snapshot(tmp_path / "w")) == (1, "", before)
    assert [line for line in out.splitlines() if line.startswith(("---", "+++"))] == [
        "--- a/main.tf",
        "+++ b/main.tf",
        "--- a/modules/worker/main.tf",
        "+++ b/modules/worker/main.tf",
    ]
    code, out, err = run_cli("--fix", ".")
    assert (code, err) == (0, "lint: fixed 4 findings in main.tf, modules/worker/main.tf\n")
    assert _snapshot(tmp_path / "w") == _snapshot(CHILD_ROLE / "good")
    for path, old in before.items():  # only inserted at the end: every original byte is where it was
        assert _snapshot(tmp_path / "w")[path].startswith(old)
    code, _, err = run_cli("--fix", ".")
    assert (code, err) == (0, "")
    assert _snapshot(tmp_path / "w") == _snapshot(CHILD_ROLE / "good")


def test_role_in_a_child_module_without_an_output_literal_or_advice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without an output of the role's name the caller cannot attach a grant: a fully known ARN is written as a
    literal in the role's module; an ARN known only after apply gets advice that says what to pass in."""
    shutil.copytree(CHILD_ROLE / "bad", tmp_path / "w", ignore=shutil.ignore_patterns("expected.json"))
    monkeypatch.chdir(tmp_path / "w")
    child = tmp_path / "w" / "modules" / "worker" / "main.tf"
    child.write_text(child.read_text().replace('output "role_name" {\n  value = aws_iam_role.this.name\n}\n', ""))
    root = tmp_path / "w" / "main.tf"
    root.write_text(
        root.read_text().replace(
            "destination = aws_sqs_queue.live_failures.arn",
            'destination = "arn:aws:sqs:eu-west-1:123456789012:orders-live-failures"',
        )
    )
    code, report = run_json(".")
    fixes = {f["line"]: f["fix"] for f in report["findings"]}
    assert fixes[35] == "# in modules/worker/main.tf\n" + _grant_text(
        "worker-sqs-on-failure",
        "aws_iam_role.this.name",
        "sqs:SendMessage",
        '"arn:aws:sqs:eu-west-1:123456789012:orders-live-failures"',
        n=2,
    )
    assert fixes[46] == (
        "module.worker.aws_iam_role.this is declared in modules/worker, which does not see "
        "aws_sqs_queue.canary_failures (written in main.tf): add a variable to that module, pass the ARN to it, "
        "and grant sqs:SendMessage on that variable to the role there; or output the role's name from the module "
        "and attach an aws_iam_role_policy in the caller"
    )
    code, _, err = run_cli("--fix", ".")
    assert code == 1
    assert err == (
        "lint: not fixed: main.tf:46 DST001 module.worker.aws_lambda_function.this: its fix is advice, not a grant\n"
        "lint: fixed 3 findings in modules/worker/main.tf\n"
    )
    code, report = run_json(".")
    assert [f["line"] for f in report["findings"]] == [46]


BAD_FIXTURES = sorted(p.parent for p in (REPO / "fixtures").glob("*/*/bad/expected.json"))


def test_no_fix_in_a_snapshot_carries_a_placeholder() -> None:
    """No ``<region>``, ``<account>`` or other ``<...>`` in any bad fixture's fixes as its expected.json pins them
    (test_fixtures asserts each bad case's report equals its snapshot, fixes included). The same check on one run
    over every fixture is below, in the slow set."""
    import re

    fixes, found = 0, []
    for case in BAD_FIXTURES:
        findings = json.loads((case / "expected.json").read_text())
        assert findings, case
        fixes += sum(1 for f in findings if f["fix"])
        found += [(f["path"], f["line"], f["fix"]) for f in findings if re.search(r"<[^>\n]*>", f["fix"] or "")]
    assert fixes > 100  # most findings carry a fix: the check reads real text
    assert found == []


@pytest.mark.slow  # one run over every fixture (seconds); the snapshot check above is the default run's
def test_no_printed_fix_carries_a_placeholder(fixtures_report: dict) -> None:
    """Every fixture's file says enough to write the real expression: no ``<region>``, ``<account>`` or any other
    ``<...>`` left for the user to fill in. One run over every fixture (shared); test_fixtures pins each bad case's
    own findings, fixes included, to its snapshot."""
    import re

    bad = {str(case.relative_to(REPO)) + "/" for case in BAD_FIXTURES}
    checked = [f for f in fixtures_report["findings"] if any(f["path"].startswith(b) for b in bad)]
    assert {b for b in bad if any(f["path"].startswith(b) for f in checked)} == bad  # every bad case reported
    found = [(f["path"], f["line"], f["fix"]) for f in checked if re.search(r"<[^>\n]*>", f["fix"] or "")]
    assert found == []


@pytest.mark.parametrize(
    ("case", "line", "resource"),
    [
        ("terraform-esm/ESM002", 156, "Resource = aws_msk_serverless_cluster.serverless.arn"),
        ("terraform/ESM002", None, "Resource = aws_dynamodb_table.orders.stream_arn"),
        ("terraform/ESM003", None, "Resource = aws_kinesis_stream.orders.arn"),
        ("cloudformation/ESM002", None, "Resource: !GetAtt Jobs.Arn"),
        ("cloudformation/ESM003", None, "Resource: !GetAtt Orders.Arn"),
        ("sam/ESM002", None, "Resource: !GetAtt Changes.StreamArn"),
    ],
)
def test_event_source_read_fix_names_the_mappings_own_source(
    in_repo: Path, case: str, line: int | None, resource: str
) -> None:
    _, report = run_json(f"fixtures/{case}/bad")
    fixes = [f["fix"] for f in report["findings"] if f["rule"] in ("ESM002", "ESM003") and line in (None, f["line"])]
    assert fixes
    for fix in fixes:
        assert resource in [text.strip() for text in fix.splitlines()], fix


SAM_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Stream:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1
  Failures:
    Type: AWS::SQS::Queue
  Processor:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
{policies}      Events:
        Records:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Stream.Arn
            StartingPosition: LATEST
            DestinationConfig:
              OnFailure:
                Destination: !GetAtt Failures.Arn   # no Type: SAM adds no policy for it
    Metadata:
      BuildMethod: python3.12
"""

SAM_STATEMENT = """\
        - Statement:
            - Effect: Allow
              Action: sqs:SendMessage
              Resource: !GetAtt Failures.Arn
"""


@pytest.mark.parametrize(
    ("policies", "fixed"),
    [
        # An item after the function's own list.
        (
            "      Policies:\n        - AWSLambdaBasicExecutionRole\n",
            "      Policies:\n        - AWSLambdaBasicExecutionRole\n" + SAM_STATEMENT,
        ),
        # No Policies at all: the key goes at the end of Properties, not under Metadata.
        ("", None),
    ],
)
def test_sam_function_gets_a_policies_statement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policies: str, fixed: str | None
) -> None:
    template = tmp_path / "template.yaml"
    before = SAM_TEMPLATE.format(policies=policies)
    template.write_text(before)
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("--fix", "template.yaml")
    assert (code, err) == (0, "lint: fixed 1 finding in template.yaml\n")
    if fixed is None:
        at = before.index("    Metadata:\n")
        expected = before[:at] + "      Policies:\n" + SAM_STATEMENT + before[at:]
    else:
        expected = SAM_TEMPLATE.format(policies=fixed)
    assert template.read_text() == expected
    linted = _cfn_lint(template)
    assert linted.returncode == 0, linted.stdout
    code, _, err = run_cli("--fix", "template.yaml")
    assert (code, err, template.read_text()) == (0, "", expected)


def test_two_calls_of_one_module_get_one_grant(work: Path) -> None:
    """Each call of the module has its finding; the grant in the module (through its variable) serves both:
    both print the same fix, and it is written once."""
    main = work / "terraform-modules-DST001-bad" / "main.tf"
    main.write_text(
        main.read_text() + '\nmodule "worker_eu" {\n  source              = "./modules/worker"\n'
        '  name                = "orders-worker-eu"\n'
        "  failure_destination = module.queue.arn\n  send_to             = []\n}\n"
    )
    _, report = run_json("terraform-modules-DST001-bad")
    grant = "# in terraform-modules-DST001-bad/modules/worker/main.tf\n" + _grant_text(
        "worker-sqs-on-failure", "aws_iam_role.this.name", "sqs:SendMessage", "var.failure_destination"
    )
    assert [(f["function"], f["fix"]) for f in report["findings"]] == [
        ("module.worker.aws_lambda_function.this", grant),
        ("module.worker_eu.aws_lambda_function.this", grant),
    ]
    code, _, err = run_cli("--fix", "terraform-modules-DST001-bad")
    assert (code, err) == (0, "lint: fixed 2 findings in terraform-modules-DST001-bad/modules/worker/main.tf\n")
    assert (work / "terraform-modules-DST001-bad/modules/worker/main.tf").read_text().count(
        '"worker_sqs_on_failure"'
    ) == 1


def test_a_finding_in_another_template_does_not_revert_a_working_fix(tmp_path: Path) -> None:
    """Two templates with the same logical ids: each is its own unit, so the finding left in one (the JSON one,
    while its fix is only printed) does not undo the other's edit; both are fixed."""
    target = tmp_path / "stacks"
    shutil.copytree(REPO / "tests/data/fix-two-templates", target)
    code, _, err = run_cli("--fix", "--diff", str(target))
    assert code == 1 and "fix reverted" not in err
    yaml_only = tmp_path / "yaml-only"
    shutil.copytree(target, yaml_only)
    code, _, err = run_cli("--fix", str(yaml_only / "template.yaml"))
    assert code == 0 and "fix reverted" not in err
    _, _, err = run_cli("--fix", str(target))
    assert "fix reverted" not in err
    _, report = run_json(str(target))
    assert report["findings"] == []


def test_diff_says_what_it_cannot_fix_and_fails_on_unreadable_input(tmp_path: Path) -> None:
    target = tmp_path / "infra"
    shutil.copytree(REPO / "fixtures/terraform/DST006/bad", target, ignore=shutil.ignore_patterns("expected.json"))
    code, out, err = run_cli("--fix", "--diff", str(target))
    assert (code, out) == (1, "")  # nothing --fix would write (the DST006 fixes are advice), but errors remain
    assert err.count("lint: not fixed: ") == 4 and "its fix is advice, not a grant" in err
    (target / "broken.tf").write_text('resource "x" {\n')
    code, _, err = run_cli("--fix", "--diff", str(target))
    assert code == 2 and "broken.tf" in err
