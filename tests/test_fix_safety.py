"""--fix never loses a line: a SAM function's scalar or flow ``Policies`` becomes a list that keeps what it had (no
second ``Policies:`` key), JSON and commented YAML templates and nested stacks are edited in place, each result
passes cfn-lint, and an edit that would lose anything is reverted with the reason."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra_policy_linter.fix import guard
from infra_policy_linter.parsers.cloudformation import Template, parse_template
from tests.conftest import REPO, cfn_lint, run_cli

EVENTS = """\
      Events:
        Records:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Stream.Arn
            StartingPosition: LATEST
            DestinationConfig:
              OnFailure:
                Destination: !GetAtt Failures.Arn
"""


def _function(name: str, policies: str) -> str:
    return (
        f"  {name}:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
        f"      Handler: app.handler\n      Runtime: python3.12\n{policies}" + EVENTS
    )


SAM = (
    'AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::Serverless-2016-10-31\n# Orders pipeline\nResources:\n'
    "  Stream:\n    Type: AWS::Kinesis::Stream\n    Properties:\n      ShardCount: 1\n"
    "  Failures:\n    Type: AWS::SQS::Queue   # dead letters\n"
    + _function("Scalar", "      Policies: AWSLambdaBasicExecutionRole  # the managed policy\n")
    + _function("FlowList", "      Policies: [AWSLambdaBasicExecutionRole, !Ref ExtraPolicy]\n")
    + _function("FlowMap", "      Policies: {KinesisStreamReadPolicy: {StreamName: !Ref Stream}}\n")
    + _function("BlockList", "      Policies:\n        - AWSLambdaBasicExecutionRole\n")
    + "  ExtraPolicy:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n"
    '        Version: "2012-10-17"\n        Statement:\n          - Effect: Allow\n            Action: s3:GetObject\n'
    '            Resource: "*"\n'
)

OLD_POLICIES = {
    "Scalar": ["AWSLambdaBasicExecutionRole"],
    "FlowList": ["AWSLambdaBasicExecutionRole", {"Ref": "ExtraPolicy"}],
    "FlowMap": [{"KinesisStreamReadPolicy": {"StreamName": {"Ref": "Stream"}}}],
    "BlockList": ["AWSLambdaBasicExecutionRole"],
}
GRANT = {
    "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": ["Failures", "Arn"]}}]
}


def _cfn_lint(*paths: Path) -> subprocess.CompletedProcess[str]:
    return cfn_lint(*paths)  # in process: a cfn-lint subprocess costs seconds of start-up per call


def _body(path: Path) -> dict[str, Any]:
    parsed = parse_template(path.name, path.read_text())
    assert isinstance(parsed, Template) and parsed.duplicates == []
    return guard._plain(parsed.body)  # type: ignore[no-any-return]


def _lines_kept(before: str, after: str) -> None:
    """Every line of the original is still there, in order (a comma may follow a JSON item)."""
    rest = iter(after.split("\n"))
    for line in before.split("\n"):
        assert any(new in (line, line + ",") for new in rest), line


@pytest.fixture
def sam(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "template.yaml").write_text(SAM)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "template.yaml"


def test_sam_scalar_and_flow_policies_are_unsafe_fixes(sam: Path) -> None:
    """Rewriting a line the function has is an unsafe fix: --fix leaves it and says how to have it."""
    code, _, err = run_cli("--fix", "template.yaml")
    assert code == 1
    assert sam.read_text().count("Policies:") == 4  # BlockList's item was appended under its own key
    assert err.splitlines() == [
        f"lint: not fixed: template.yaml:{line} ESM001 {name}: its fix rewrites lines the file already has (an "
        "unsafe fix): --unsafe-fixes writes it"
        for line, name in ((26, "Scalar"), (42, "FlowList"), (58, "FlowMap"))
    ] + ["lint: fixed 1 finding in template.yaml"]
    assert _body(sam)["Resources"]["BlockList"]["Properties"]["Policies"] == [*OLD_POLICIES["BlockList"], GRANT]


def test_sam_scalar_and_flow_policies_keep_their_policies(sam: Path) -> None:
    code, _, err = run_cli("--fix", "--unsafe-fixes", "template.yaml")
    assert (code, err) == (0, "lint: fixed 4 findings in template.yaml\n")
    text = sam.read_text()
    assert text.count("Policies:") == 4  # never a second key: CloudFormation would keep only the last
    assert "# the managed policy" in text and "# Orders pipeline" in text and "# dead letters" in text
    assert "Policies: [AWSLambdaBasicExecutionRole, !Ref ExtraPolicy, " in text  # flow style kept
    resources = _body(sam)["Resources"]
    for name, old in OLD_POLICIES.items():
        assert resources[name]["Properties"]["Policies"] == [*old, GRANT], name
    linted = _cfn_lint(sam)
    assert linted.returncode == 0, linted.stdout
    code, _, err = run_cli("--fix", "--unsafe-fixes", "template.yaml")
    assert (code, err, sam.read_text()) == (0, "", text)


def _copy(case: str, tmp_path: Path) -> Path:
    work = tmp_path / "w"
    shutil.copytree(REPO / "fixtures" / case, work, ignore=shutil.ignore_patterns("expected.json"))
    return work


def test_json_template_is_edited_with_its_own_indentation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = _copy("cloudformation/DST001/bad", tmp_path)
    template = work / "template.json"
    before = template.read_text()
    old = _body(template)
    monkeypatch.chdir(work)
    code, _, err = run_cli("--fix", "template.json")
    assert (code, err) == (0, "lint: fixed 1 finding in template.json\n")
    after = template.read_text()
    _lines_kept(before, after)
    assert '    "NotifierSnsOnSuccessPolicy": {\n      "Type": "AWS::IAM::RolePolicy",\n' in after
    new = _body(template)
    assert guard.missing(old, new) is None
    assert new["Resources"]["NotifierPolicy"] == old["Resources"]["NotifierPolicy"]
    assert new["Resources"]["NotifierSnsOnSuccessPolicy"]["Properties"]["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "sns:Publish", "Resource": {"Ref": "StatusTopic"}}
    ]
    original = tmp_path / "original.json"
    original.write_text(before)
    assert _cfn_errors(original) >= _cfn_errors(template)


def _cfn_errors(path: Path) -> set[str]:
    return {line.split(" ")[0] for line in _cfn_lint(path).stdout.splitlines() if line.startswith(("E", "W"))}


COMMENTED = """\
AWSTemplateFormatVersion: "2010-09-09"
# Anchored defaults, comments on every level: all of it must survive.
Resources:
  FailureQueue:
    Type: AWS::SQS::Queue   # where failed events go
    Properties:
      QueueName: orders-failures
  WorkerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }   # spaced flow mapping
            Action: sts:AssumeRole
      Policies:
        # the role's own policy
        - PolicyName: read
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: ['sqs:ReceiveMessage']
                Resource: !GetAtt FailureQueue.Arn
  # the worker
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt WorkerRole.Arn
      Code:
        ZipFile: |
          def handler(event, context):
              pass
  WorkerInvokeConfig:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: !Ref Worker
      Qualifier: $LATEST
      DestinationConfig:
        OnFailure:
          Destination: !GetAtt FailureQueue.Arn  # the queue above
"""


def test_commented_yaml_template_keeps_every_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(COMMENTED)
    monkeypatch.chdir(tmp_path)
    old = _body(template)
    code, _, err = run_cli("--fix", "template.yaml")
    assert (code, err) == (0, "lint: fixed 1 finding in template.yaml\n")
    after = template.read_text()
    at = COMMENTED.index("  # the worker\n")
    added = after[at : len(after) - len(COMMENTED) + at]
    assert after == COMMENTED[:at] + added + COMMENTED[at:]  # one block inserted, every other byte kept
    assert added.startswith("  WorkerSqsOnFailurePolicy:\n    Type: AWS::IAM::RolePolicy\n")
    new = _body(template)
    assert guard.missing(old, new) is None
    assert new["Resources"]["WorkerRole"] == old["Resources"]["WorkerRole"]
    linted = _cfn_lint(template)
    assert linted.returncode == 0, linted.stdout


def test_nested_stack_grant_goes_in_the_child_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = _copy("cloudformation-nested/DST002/bad", tmp_path)
    child = work / "stacks" / "worker.yaml"
    before = child.read_text()
    old = _body(child)
    monkeypatch.chdir(work)
    code, _, err = run_cli("--fix", ".")
    assert (code, err) == (0, "lint: fixed 1 finding in stacks/worker.yaml\n")
    _lines_kept(before, child.read_text())
    new = _body(child)
    assert guard.missing(old, new) is None
    assert new["Resources"]["Role"] == old["Resources"]["Role"]  # the old policy survives
    statement = new["Resources"]["WorkerFunctionSqsOnFailurePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement == [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": {"Ref": "FailureQueueArn"}}]
    original = tmp_path / "original.yaml"
    original.write_text(before)
    assert _cfn_errors(original) >= _cfn_errors(child)  # the fixture's role is cut short on purpose (E3530)


def test_an_edit_that_loses_a_key_is_reverted(sam: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The edit the linter used to make (a second ``Policies:`` key after a scalar one) is caught by parsing the
    file before and after, whatever the findings say, and the file gets its old text back."""
    from infra_policy_linter.fix import apply
    from infra_policy_linter.fix.merge import Merged

    def second_key(text: str, g: Any, after: str) -> tuple[Merged, str]:
        at = text.index("      Events:\n", text.index("  Scalar:"))
        extra = "      Policies:\n        - Statement:\n            - Effect: Allow\n"
        extra += "              Action: sqs:SendMessage\n"
        return Merged(text[:at] + extra + "              Resource: !GetAtt Failures.Arn\n" + text[at:], False), ""

    monkeypatch.setattr(apply, "template_edit", second_key)
    code, _, err = run_cli("--fix", "template.yaml")
    assert sam.read_text() == SAM
    assert code == 1
    assert err.splitlines()[-1] == "lint: fix reverted: template.yaml: the edited file does not parse cleanly"


def test_guard_names_what_an_edit_lost() -> None:
    old = {"Resources": {"F": {"Properties": {"Policies": "A", "Tags": [1, 2]}}}}
    assert guard.missing(old, {"Resources": {"F": {"Properties": {"Policies": ["A", "B"], "Tags": [1, 2]}}}}) is None
    assert guard.missing(old, {"Resources": {"F": {"Properties": {"Policies": "B", "Tags": [1, 2]}}}}) == (
        "Resources.F.Properties.Policies"
    )
    assert guard.missing(old, {"Resources": {"F": {"Properties": {"Policies": "A", "Tags": [2, 1]}}}}) == (
        "Resources.F.Properties.Tags[1]"
    )
    assert guard.missing(old, {"Resources": {"F": {"Properties": {"Tags": [1, 2]}}}}) == (
        "Resources.F.Properties.Policies"
    )


def test_json_report_says_each_fixs_applicability(sam: Path) -> None:
    from tests.conftest import run_json

    _, report = run_json("template.yaml")
    assert {f["function"]: f["fix_applicability"] for f in report["findings"]} == {
        "Scalar": "unsafe",
        "FlowList": "unsafe",
        "FlowMap": "unsafe",
        "BlockList": "safe",
    }


def test_fix_applicability_is_planned_once_for_the_json_report_and_cached(
    sam: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planning a template's fix is a ruamel.yaml round trip: a report that does not show it does not pay for it,
    and a warm JSON run takes it from the cache."""
    from infra_policy_linter.fix import apply
    from tests.conftest import run_json

    _, first = run_json("template.yaml")

    def refuse(*args: object) -> None:
        raise AssertionError("a fix was planned")

    monkeypatch.setattr(apply, "template_edit", refuse)
    code, out, _ = run_cli("--format", "concise", "--no-cache", "template.yaml")
    assert code == 1 and out.count(" ESM001 ") == 4
    _, again = run_json("template.yaml")
    assert again["findings"] == first["findings"]
    assert [f["fix_applicability"] for f in again["findings"]] == ["unsafe", "unsafe", "unsafe", "safe"]


def test_a_template_with_a_duplicate_key_is_not_edited(sam: Path) -> None:
    """CloudFormation keeps the last of two keys; an edit through it could move which one that is: not fixed."""
    text = SAM.replace("      Runtime: python3.12\n", "      Runtime: python3.12\n      Runtime: python3.11\n", 1)
    sam.write_text(text)
    code, _, err = run_cli("--fix", "--unsafe-fixes", "template.yaml")
    assert code == 1 and sam.read_text() == text
    assert 'ruamel.yaml cannot edit it: found duplicate key "Runtime"' in err.splitlines()[0]
