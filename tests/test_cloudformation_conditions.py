"""Conditions as CloudFormation evaluates them: operands compared as strings, defaults, AllowedValues."""

from __future__ import annotations

import pytest

from infra_policy_linter.parsers.cloudformation import parse_template
from infra_policy_linter.resolve.cloudformation.template import CloudFormationTemplate
from tests.conftest import run_json

PARAMETERS = """
Parameters:
  Env: {Type: String, AllowedValues: [dev, prod]}
  Flag: {Type: String, Default: true}
  Free: {Type: String}
"""


@pytest.mark.parametrize(
    ("condition", "value"),
    [
        ("!Equals [false, true]", False),
        ("!Equals [false, 'false']", True),
        ("!Equals [1, '1']", True),
        ("!Equals [!Ref Flag, 'true']", True),
        ("!Equals [!Ref Env, staging]", False),
        ("!Not [!Equals [!Ref Env, staging]]", True),
        ("!Or [!Equals [!Ref Free, x], !Equals [a, a]]", True),
        ("!And [!Equals [a, b], !Equals [!Ref Free, x]]", False),
        ("!And [!Equals [a, a], !Equals [!Ref Free, x]]", None),
        ("!Equals [!Ref Env, prod]", None),
        ("!Equals [!Ref Free, x]", None),
    ],
)
def test_condition_values(condition: str, value: bool | None) -> None:
    text = (
        f"AWSTemplateFormatVersion: '2010-09-09'\n{PARAMETERS}\nConditions:\n  C: {condition}\n"
        "Resources:\n  Q: {Type: AWS::SQS::Queue}\n"
    )
    template = parse_template("t.yaml", text)
    got = CloudFormationTemplate(template).condition("C")
    assert (got if isinstance(got, bool) else None) == value


def test_a_missing_grant_on_one_branch_names_the_condition(in_repo) -> None:
    code, report = run_json("fixtures/cloudformation-conditions/DST002/bad")
    assert code == 1
    [finding] = report["findings"]
    assert finding["destination"] == "Q2 (when condition Both is false)"
    assert "SQS queue Q2 (when condition Both is false)" in finding["message"]


MANAGED_ARNS_BY_CONDITION = """
AWSTemplateFormatVersion: "2010-09-09"
Conditions:
  Never: !Equals [a, b]
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
      ManagedPolicyArns: !If [Never, [arn:aws:iam::aws:policy/AdministratorAccess], !Ref AWS::NoValue]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Role.Arn
      Handler: index.handler
      Runtime: python3.12
      Code: {ZipFile: x}
  Config:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: !Ref Fn
      Qualifier: $LATEST
      DestinationConfig:
        OnFailure:
          Destination: !GetAtt Queue.Arn
"""


def test_managed_policy_arns_removed_by_a_false_condition_are_no_policies(tmp_path, monkeypatch) -> None:
    """`ManagedPolicyArns: !If [C, [...], !Ref AWS::NoValue]` with C false: the role has no managed policy (it was
    once taken for a managed policy named by the AWS::NoValue marker, which made the verdict unverifiable)."""
    (tmp_path / "template.yaml").write_text(MANAGED_ARNS_BY_CONDITION)
    monkeypatch.chdir(tmp_path)
    code, report = run_json("template.yaml")
    got = [{k: f[k] for k in ("rule", "line", "function", "action", "message")} for f in report["findings"]]
    assert got == [
        {
            "rule": "DST001",
            "line": 29,
            "function": "Fn",
            "action": "sqs:SendMessage",
            "message": "Fn sends on-failure records to SQS queue Queue, but no statement on its execution role Role "
            "allows sqs:SendMessage; Lambda will drop those records",
        }
    ]
    assert code == 1
    template = CloudFormationTemplate(parse_template("t.yaml", MANAGED_ARNS_BY_CONDITION))
    assert template.props("Role")["ManagedPolicyArns"]  # the property is written, and resolves to nothing
    from infra_policy_linter.model.entities import Unit

    unit = Unit(format="cloudformation", name="t.yaml")
    template.build(unit)
    assert [r.managed_policy_arns for r in unit.roles] == [[]]
