"""Where Lambda lets an event source be (verdicts/source_home.py): the source's ARN fixes the deployment Region and
account of a DocumentDB (both), SQS (Region) or Amazon MQ (account) mapping, and a run that deploys elsewhere gets
ESM004 instead of ESM002 "granted only on other resources" or a DST004 asking for another account's policy.

The fixtures (fixtures/*/ESM004) run without options; these runs give --region and --account-id, as the colleague's
reproduction on aws/serverless-application-model's DocumentDB templates did.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infra_policy_linter.model.values import ACCOUNT, REGION, Text, Unknown, region
from infra_policy_linter.verdicts.source_home import bound
from tests.conftest import run_json

SAM_GOOD = "fixtures/sam/ESM004/good"
TF_GOOD = "fixtures/terraform/ESM004/good"
DOCDB_DOC = "https://docs.aws.amazon.com/lambda/latest/dg/with-documentdb.html"
SAM_MAPPING = (
    "Reader's event source mapping Reader.Events.Changes reads the DocumentDB cluster "
    '!Sub "arn:${AWS::Partition}:rds:us-west-2:123456789012:cluster:orders"'
)
TF_MAPPING = (
    "aws_lambda_function.reader's event source mapping aws_lambda_event_source_mapping.docdb reads the DocumentDB "
    'cluster "arn:aws:rds:us-west-2:123456789012:cluster:orders"'
)
BOTH = (
    "Lambda reads a DocumentDB cluster only in the function's own AWS account and Region, so the mapping cannot be "
    f"created ({DOCDB_DOC})"
)


def _found(report: dict) -> list[tuple[str, str, int, str, str | None]]:
    return [(f["rule"], f["level"], f["line"], f["message"], f["fix"]) for f in report["findings"]]


@pytest.mark.parametrize(
    "options", [(), ("--region", "us-west-2"), ("--region", "us-west-2", "--account-id", "123456789012")]
)
def test_sam_documentdb_granted_wherever_the_mapping_can_exist(in_repo: Path, options: tuple[str, ...]) -> None:
    code, report = run_json(*options, SAM_GOOD)
    assert (code, _found(report)) == (0, [])
    assert report["summary"]["checks"]["event_sources"] == {
        "checked": 1,
        "granted": 1,
        "not_granted": 0,
        "unverifiable": 0,
    }


def test_sam_documentdb_in_another_region(in_repo: Path) -> None:
    code, report = run_json("--region", "eu-west-1", SAM_GOOD)
    assert code == 1
    assert _found(report) == [
        (
            "ESM004",
            "error",
            19,
            f"{SAM_MAPPING} in Region us-west-2, not the function's eu-west-1: {BOTH}",
            "Deploy the function in the source's Region us-west-2, or map it to a DocumentDB cluster in the "
            "function's own AWS account and Region.",
        )
    ]
    assert report["summary"]["checks"]["event_sources"]["not_granted"] == 1


def test_sam_documentdb_in_another_account(in_repo: Path) -> None:
    code, report = run_json("--region", "us-west-2", "--account-id", "111111111111", SAM_GOOD)
    assert code == 1
    assert _found(report) == [
        (
            "ESM004",
            "error",
            19,
            f"{SAM_MAPPING} in account 123456789012, not the function's 111111111111: {BOTH}",
            "Deploy the function in the source's account 123456789012, or map it to a DocumentDB cluster in the "
            "function's own AWS account and Region.",
        )
    ]


def test_sam_documentdb_in_another_region_and_account(in_repo: Path) -> None:
    _, report = run_json("--region", "eu-west-1", "--account-id", "111111111111", SAM_GOOD)
    assert [(f["rule"], f["message"]) for f in report["findings"]] == [
        (
            "ESM004",
            f"{SAM_MAPPING} in Region us-west-2, not the function's eu-west-1 and in account 123456789012, not the "
            f"function's 111111111111: {BOTH}",
        )
    ]


def test_terraform_documentdb_in_another_account_or_region(in_repo: Path) -> None:
    assert _found(run_json(TF_GOOD)[1]) == []
    code, report = run_json("--account-id", "111111111111", TF_GOOD)
    assert code == 1
    assert [(f["rule"], f["line"], f["message"]) for f in report["findings"]] == [
        ("ESM004", 56, f"{TF_MAPPING} in account 123456789012, not the function's 111111111111: {BOTH}")
    ]
    _, report = run_json("--region", "ap-south-1", TF_GOOD)
    assert [(f["rule"], f["line"], f["message"]) for f in report["findings"]] == [
        ("ESM004", 56, f"{TF_MAPPING} in Region us-west-2, not the function's ap-south-1: {BOTH}")
    ]


SQS_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  QueueRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: read-queue
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: [sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes]
                Resource: !Sub arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:q
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt QueueRole.Arn
      Code: {S3Bucket: artifacts, S3Key: worker.zip}
  QueueMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Worker
      EventSourceArn: arn:aws:sqs:us-west-2:123456789012:q
"""


def test_sqs_binds_the_region_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The colleague's plain CloudFormation SQS mapping: Lambda maps a queue only in the function's Region but in
    any account (through the queue policy), so the queue's ARN fixes the Region and nothing else."""
    (tmp_path / "template.yaml").write_text(SQS_TEMPLATE)
    monkeypatch.chdir(tmp_path)
    _, report = run_json(".")
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("DST004", 29)]
    assert report["findings"][0]["message"].endswith(": the AWS account id in the policy")
    assert _found(run_json("--account-id", "123456789012", ".")[1]) == []
    # Another account is allowed for SQS (the queue policy must allow the role too), but this role's policy names
    # its own account's queue: an ordinary ESM002, not ESM004.
    _, report = run_json("--account-id", "111111111111", ".")
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("ESM002", 29)]
    assert report["findings"][0]["message"].endswith("and it is granted only on other resources")
    code, report = run_json("--region", "eu-west-1", ".")
    assert code == 1
    assert [(f["rule"], f["line"], f["message"]) for f in report["findings"]] == [
        (
            "ESM004",
            29,
            "Worker's event source mapping QueueMapping reads the SQS queue arn:aws:sqs:us-west-2:123456789012:q in "
            "Region us-west-2, not the function's eu-west-1: Lambda reads an SQS queue only in the function's own "
            "Region, so the mapping cannot be created (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html)",
        )
    ]


def test_kinesis_is_not_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lambda maps Kinesis (and DynamoDB) streams across accounts and states no Region rule for them: nothing is
    bound, the deployment Region stays what the run says."""
    text = SQS_TEMPLATE.replace("sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes", "kinesis:*")
    text = text.replace("arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:q", "arn:aws:kinesis:${AWS::Region}:*:stream/s")
    text = text.replace("arn:aws:sqs:us-west-2:123456789012:q", "arn:aws:kinesis:us-west-2:123456789012:stream/s")
    (tmp_path / "template.yaml").write_text(text + "      StartingPosition: LATEST\n")
    monkeypatch.chdir(tmp_path)
    _, report = run_json(".")
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("DST004", 29)]
    assert "the deployment region in the policy" in report["findings"][0]["message"]
    _, report = run_json("--region", "eu-west-1", ".")
    # granted on eu-west-1 streams only: the read actions (ESM002) and kinesis:ListShards (ESM003), not ESM004
    assert {f["rule"] for f in report["findings"]} == {"ESM002", "ESM003"}


def test_bound_replaces_only_the_deployment_unknowns() -> None:
    other = Unknown("var.name", "a variable")
    arn = Text(("arn:aws:rds:", region(), ":", Unknown(ACCOUNT), ":cluster-pg:", other))
    got = bound([arn, {"k": region()}, other], {REGION: "us-west-2"})
    assert got[0] == Text(("arn:aws:rds:us-west-2:", Unknown(ACCOUNT), ":cluster-pg:", other))
    assert got[1:] == [{"k": "us-west-2"}, other]
    assert bound(arn, {REGION: "us-west-2", ACCOUNT: "1"}) == Text(("arn:aws:rds:us-west-2:1:cluster-pg:", other))
