"""The verdict engine's evidence, as each output format carries it, and the requirements it evaluates."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli, run_json


def test_json_evidence_chain_for_a_missing_grant(in_repo: Path) -> None:
    _, report = run_json("fixtures/terraform/DST001/bad")
    (f,) = [f for f in report["findings"] if f["rule"] == "DST001"]
    path = "fixtures/terraform/DST001/bad/main.tf"
    assert f["kind"] == "on_failure"
    assert f["evidence"] == {
        "function": {"name": "aws_lambda_function.worker", "path": path, "line": 39},
        "role": {"name": "aws_iam_role.worker", "path": path, "line": 9},
        "policies": [
            {"name": "aws_iam_role_policy.queue_read", "path": path, "line": 29},
            {"name": "AWS managed policy AWSLambdaBasicExecutionRole", "path": None, "line": None},
        ],
        "boundary": None,
        "deciding": [],
        "summary": "no statement allows sqs:SendMessage",
        "assumptions": [],
        "unknowns": [],
        "actions": ["sqs:SendMessage"],
    }


def test_text_report_shows_why_under_each_finding(in_repo: Path) -> None:
    _, out, _ = run_cli("--no-cache", "fixtures/terraform/DST001/bad")
    why = [line for line in out.splitlines() if line.startswith("  why: ")]
    assert why == [
        "  why: role aws_iam_role.worker; policies considered: aws_iam_role_policy.queue_read "
        "(fixtures/terraform/DST001/bad/main.tf:29), AWS managed policy AWSLambdaBasicExecutionRole; "
        "no statement allows sqs:SendMessage"
    ]


def test_sarif_carries_kind_and_evidence(in_repo: Path) -> None:
    _, out, _ = run_cli("--format", "sarif", "fixtures/terraform-esm/ESM002/bad")
    results = json.loads(out)["runs"][0]["results"]
    kinds = sorted({(r["ruleId"], r["properties"]["kind"]) for r in results})
    assert kinds == [("ESM001", "esm_on_failure"), ("ESM002", "esm_source")]
    # The queue's three read actions are one finding, and the reason that blocks all three is said once.
    read = "sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes"
    boundary = [r for r in results if r["properties"]["action"] == read][0]["properties"]["evidence"]
    assert boundary["boundary"]["name"] == "aws_iam_policy.logs_only"
    assert boundary["summary"] == f"the permissions boundary aws_iam_policy.logs_only does not allow {read}"


def test_unknown_msk_cluster_type_is_assumed_provisioned_and_says_so(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "main.tf").write_text("""
resource "aws_iam_role" "r" {
  name = "r"
  assume_role_policy = "{}"
}
resource "aws_iam_role_policy" "p" {
  role = aws_iam_role.r.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Allow", Action = ["kafka:DescribeCluster", "kafka:GetBootstrapBrokers", "ec2:Describe*",
      "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"], Resource = "*" },
    { Effect = "Allow", Action = "sqs:SendMessage", Resource = "arn:aws:sqs:eu-west-1:123456789012:other" }
  ] })
}
resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = aws_iam_role.r.arn
}
resource "aws_lambda_event_source_mapping" "m" {
  event_source_arn  = "arn:aws:kafka:eu-west-1:123456789012:cluster/c/abc"
  function_name     = aws_lambda_function.f.function_name
  topics            = ["t"]
  starting_position = "LATEST"
  destination_config {
    on_failure {
      destination_arn = "arn:aws:sqs:eu-west-1:123456789012:failed"
    }
  }
}
""")
    monkeypatch.chdir(tmp_path)
    code, report = run_json("--no-cache", ".")
    # The read is granted (DescribeCluster, assuming a provisioned cluster); only the failure queue is not.
    assert [(f["rule"], f["action"]) for f in report["findings"]] == [("ESM001", "sqs:SendMessage")]
    assert code == 1


def test_dst004_fix_names_the_remedy_that_applies() -> None:
    from infra_policy_linter.verdicts.remedies import remedies

    assert remedies(["the destination is var.dlq, which has no default"], "terraform") == [
        "Give var.dlq a value: a default, terraform.tfvars, a *.auto.tfvars file, --var-file FILE or "
        "--var dlq=VALUE (or lint the plan JSON from `terraform show -json`)."
    ]
    assert remedies(["arn:aws:sqs:eu-west-1:<account>:q: the AWS account id"], "terraform") == [
        "Pass --account-id (or set account-id in the configuration) to fill in the account."
    ]
    assert remedies(["the destination is parameter Dlq, which has no default"], "cloudformation") == [
        "Give parameter Dlq a Default (the value it is deployed with)."
    ]
    assert remedies(
        ["output 'arn' of module 'q': source not available (run `terraform init` so that .terraform/modules holds it)"],
        "terraform",
    )[0].startswith("Run `terraform init`")
    assert remedies(["something else"], "terraform") == [
        "Make the unknown value resolvable in this unit, or suppress this finding with a reason."
    ]


def test_unknown_type_that_may_not_exist_is_unverifiable_not_an_error(tmp_path: Path, monkeypatch) -> None:
    """A conditional destination (one side null) granted for no type may simply not exist: DST004, not DST001."""
    (tmp_path / "main.tf").write_text("""
variable "dlq_enabled" {
  type = bool
}
variable "dlq_arn" {
  type = string
}
resource "aws_iam_role" "r" {
  name = "r"
  assume_role_policy = "{}"
}
resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = aws_iam_role.r.arn
}
resource "aws_lambda_function_event_invoke_config" "maybe" {
  function_name = aws_lambda_function.f.function_name
  destination_config {
    on_failure {
      destination = var.dlq_enabled ? var.dlq_arn : null
    }
  }
}
resource "aws_lambda_function_event_invoke_config" "surely" {
  function_name = aws_lambda_function.f.function_name
  destination_config {
    on_failure {
      destination = var.dlq_arn
    }
  }
}
""")
    monkeypatch.chdir(tmp_path)
    code, report = run_json("--no-cache", ".")
    assert [(f["rule"], f["line"], f["action"]) for f in report["findings"]] == [
        ("DST004", 20, None),
        ("DST001", 28, None),
    ]
    assert code == 1


def test_encrypted_failure_queue_of_a_mapping_needs_the_key(tmp_path: Path, monkeypatch) -> None:
    """A mapping's on-failure queue under a customer managed key: DST005 for each KMS action, kind esm_on_failure."""
    (tmp_path / "main.tf").write_text("""
resource "aws_kms_key" "k" {}
resource "aws_sqs_queue" "failed" {
  name              = "failed"
  kms_master_key_id = aws_kms_key.k.arn
}
resource "aws_kinesis_stream" "s" {
  name        = "s"
  shard_count = 1
}
resource "aws_iam_role" "r" {
  name                = "r"
  assume_role_policy  = "{}"
  managed_policy_arns = ["arn:aws:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole"]
}
resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.r.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Allow", Action = "sqs:SendMessage", Resource = aws_sqs_queue.failed.arn }] })
}
resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = aws_iam_role.r.arn
}
resource "aws_lambda_event_source_mapping" "m" {
  event_source_arn  = aws_kinesis_stream.s.arn
  function_name     = aws_lambda_function.f.function_name
  starting_position = "LATEST"
  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.failed.arn
    }
  }
}
""")
    monkeypatch.chdir(tmp_path)
    code, report = run_json("--no-cache", ".")
    assert [(f["rule"], f["line"], f["action"], f["kind"]) for f in report["findings"]] == [
        ("DST005", 31, "kms:GenerateDataKey, kms:Decrypt", "esm_on_failure"),
    ]
    assert code == 1


def test_sam_adds_the_s3_policy_for_an_s3_failure_destination_with_a_type(tmp_path: Path, monkeypatch) -> None:
    """SAM (pull.py) grants SQS, SNS and S3 on-failure destinations that name their Type; without it, nothing."""
    template = """AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Consumer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "def handler(e, c): pass"
      Events:
        Orders:
          Type: MSK
          Properties:
            StartingPosition: LATEST
            Stream: arn:aws:kafka:eu-west-1:123456789012:cluster/orders/abc
            Topics: [orders]
            DestinationConfig:
              OnFailure:
                TYPE_LINE
                Destination: arn:aws:s3:::failed-batches
"""
    (tmp_path / "typed.yaml").write_text(template.replace("TYPE_LINE", "Type: S3"))
    (tmp_path / "untyped.yaml").write_text(template.replace("                TYPE_LINE\n", ""))
    monkeypatch.chdir(tmp_path)
    _, report = run_json("--no-cache", ".")
    assert [(f["rule"], f["path"], f["action"]) for f in report["findings"]] == [
        ("ESM001", "untyped.yaml", "s3:ListBucket"),
        ("ESM001", "untyped.yaml", "s3:PutObject"),
    ]
