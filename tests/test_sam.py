"""SAM: linting a SAM template (transformed by the linter, positions mapped back) and linting the plain
CloudFormation the translator makes of it give the same verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO, run_json

SAM_FIXTURES = sorted((REPO / "fixtures" / "sam").glob("*/*/template.yaml"))


class _ManagedPolicies:
    """The translator asks IAM for managed policy ARNs by name; answer from the linter's snapshot instead."""

    def load(self) -> dict[str, str]:
        from infra_policy_linter.iam.managed import _snapshot

        return {name: entry["arn"] for name, entry in _snapshot()["policies"].items()}


def _plain(node):
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return str(node) if isinstance(node, str) else node


def verdicts(report: dict) -> set[tuple[str, str, str]]:
    """Every finding, suppressed ones included: a suppression comment in the SAM source is not in SAM's output."""
    found = report["findings"] + report.get("suppressed", [])
    return {(f["rule"], f["function"], f["action"]) for f in found}


@pytest.mark.parametrize("template", SAM_FIXTURES, ids=lambda p: str(p.relative_to(REPO / "fixtures")))
def test_agrees_with_aws_sam_translator(template: Path, tmp_path: Path, monkeypatch) -> None:
    from cfnlint.decode import decode_str
    from samtranslator.translator.transform import transform

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # the translator insists on a region; no call is made
    body, matches = decode_str(template.read_text())
    assert not matches
    from infra_policy_linter.resolve.cloudformation.sam_package import package

    body = _plain(body)
    package(body)  # local CodeUri as `sam package` would upload it: the translator accepts only S3 URIs
    translated = transform(body, {}, _ManagedPolicies())
    out = tmp_path / "translated.json"
    out.write_text(json.dumps(_plain(translated), indent=1))
    monkeypatch.chdir(tmp_path)
    _, from_translator = run_json("translated.json")
    monkeypatch.chdir(REPO)
    _, direct = run_json(str(template.relative_to(REPO)))
    assert verdicts(direct) == verdicts(from_translator)
    assert from_translator["errors"] == []


LANGUAGE_EXTENSIONS = """AWSTemplateFormatVersion: "2010-09-09"
Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
Resources:
  Fn::ForEach::Queues:
    - Name
    - [A, B]
    - Queue${Name}:
        Type: AWS::SQS::Queue
  F:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: a.b
      Runtime: python3.12
      EventInvokeConfig:
        DestinationConfig:
          OnFailure:
            Type: SQS
            Destination: !GetAtt QueueA.Arn
"""


def test_language_extensions_are_not_a_sam_rejection(tmp_path: Path, monkeypatch) -> None:
    """CloudFormation expands Fn::ForEach before SAM runs; offline the linter's own SAM model reads the template."""
    (tmp_path / "template.yaml").write_text(LANGUAGE_EXTENSIONS)
    monkeypatch.chdir(tmp_path)
    code, report = run_json("template.yaml")
    assert report["errors"] == []
    assert code == 0
    # Fn::ForEach is not expanded: the queue it makes is unknown, and said so (never a pass, never an error)
    assert [(f["rule"], f["function"]) for f in report["findings"]] == [("DST004", "F")]
    assert "QueueA is not declared in this template" in report["findings"][0]["message"]


REMOVED_DESTINATIONS = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
Conditions:
  Always: !Equals [a, a]
Resources:
  Source:
    Type: AWS::Kinesis::Stream
    Properties: {ShardCount: 1}
  F:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      InlineCode: x
      EventInvokeConfig:
        DestinationConfig:
          OnFailure:
            Type: SQS
            Destination: !If [Always, !Ref AWS::NoValue, arn:aws:sqs:us-east-1:123456789012:q]
      Events:
        Stream:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Source.Arn
            StartingPosition: LATEST
            DestinationConfig:
              OnFailure:
                Type: SQS
                Destination: !If [Always, !Ref AWS::NoValue, arn:aws:sqs:us-east-1:123456789012:q]
"""


def test_a_destination_removed_by_a_condition_is_no_destination(tmp_path: Path, monkeypatch) -> None:
    """The linter's own SAM model (here for AWS::LanguageExtensions): a Destination that resolves to AWS::NoValue
    is as if absent (SAM then creates the queue and grants it). It was once read as a destination named by the
    marker object: DST001 and ESM001 errors on '<object object at 0x...>'."""
    (tmp_path / "template.yaml").write_text(REMOVED_DESTINATIONS)
    monkeypatch.chdir(tmp_path)
    code, report = run_json("template.yaml")
    assert report["errors"] == []
    assert report["findings"] == []
    assert code == 0
    assert report["summary"]["destinations"] == 0  # neither the invoke config's nor the mapping's


def test_a_template_sam_rejects_is_an_error_with_sams_message(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "template.yaml").write_text(
        LANGUAGE_EXTENSIONS.replace(
            "Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]", "Transform: AWS::Serverless-2016-10-31"
        )
        .replace(
            "  Fn::ForEach::Queues:\n    - Name\n    - [A, B]\n    - Queue${Name}:\n        Type: AWS::SQS::Queue\n",
            "  QueueA:\n    Type: AWS::SQS::Queue\n",
        )
        .replace("            Type: SQS\n", "            Type: Kafka\n")
    )
    monkeypatch.chdir(tmp_path)
    code, report = run_json("template.yaml")
    assert code == 2
    assert report["findings"] == []
    assert [(e["path"], e["line"]) for e in report["errors"]] == [("template.yaml", 6)]
    assert report["errors"][0]["message"].startswith("SAM rejects this template: Resource with id [F] is invalid.")


def test_tracing_active_policy_is_known_so_a_missing_grant_is_an_error(tmp_path: Path, monkeypatch) -> None:
    """SAM attaches AWSXrayWriteOnlyAccess for `Tracing: Active`; the snapshot knows it grants only X-Ray, so the
    missing sns:Publish is ESM001, not a DST004 about an unknown managed policy."""
    (tmp_path / "template.yaml").write_text((REPO / "tests/data/sam-tracing-active.yaml").read_text())
    monkeypatch.chdir(tmp_path)
    _, report = run_json(".")
    assert [(f["rule"], f["line"], f["action"]) for f in report["findings"]] == [("ESM001", 28, "sns:Publish")]
