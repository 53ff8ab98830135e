"""--format concise, the summary counts, --format gitlab, and report paths relative to the repository root."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import REPO, run_cli, run_json

CONCISE_EXPECTED = """\
fixtures/sam/DST001/bad/template.yaml:43:13 DST001 Importer sends on-failure records to SQS queue FailureQueue, but no statement on its execution role SharedRole allows sqs:SendMessage; Lambda will drop those records
fixtures/sam/DST001/bad/template.yaml:54:13 DST001 Reporter sends on-success records to SNS topic ResultsTopic, but no statement on its execution role SharedRole allows sns:Publish; Lambda will drop those records
fixtures/terraform-modules/DST004/bad/main.tf:3:1 MOD001 module.dlq was not checked: its source 'cloudposse/sqs-queue/aws' is not available here (a module `terraform init` downloads: run it so that .terraform/modules holds it)
fixtures/terraform-modules/DST004/bad/main.tf:37:7 DST004 cannot verify that its execution role aws_iam_role.worker allows aws_lambda_function.worker to deliver on-failure records to module.dlq.queue_arn: the destination is output 'queue_arn' of module 'dlq': its source 'cloudposse/sqs-queue/aws' is not available here (a module `terraform init` downloads: run it so that .terraform/modules holds it); per possible type: SQS queue granted, SNS topic not granted, Lambda function not granted, EventBridge event bus not granted, S3 bucket not granted
fixtures/terraform/DST001/bad/main.tf:52:7 DST001 aws_lambda_function.worker sends on-failure records to SQS queue aws_sqs_queue.failures, but no statement on its execution role aws_iam_role.worker allows sqs:SendMessage; Lambda will drop those records
Checked 3 files in 3 units: 3 errors, 1 warning, 1 note. 4 destinations checked: 0 granted, 3 not granted, 1 unverifiable; 1 module call or stack not followed.
"""  # noqa: E501

# GitLab's documented Code Quality format (docs.gitlab.com, "Code Quality report format"): required fields and the
# severity scale.
GITLAB_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "pattern": "^[^/]"},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}


def test_concise(in_repo: Path) -> None:
    code, out, err = run_cli(
        "--format",
        "concise",
        "fixtures/terraform/DST001/bad",
        "fixtures/sam/DST001/bad",
        "fixtures/terraform-modules/DST004/bad",
    )
    assert (code, err) == (1, "")
    assert out == CONCISE_EXPECTED


def test_concise_input_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_lambda_function" "b" {\n  x = \n}\n')
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("--format", "concise", ".")
    assert code == 2
    assert out == (
        "main.tf:2:7 error invalid HCL: unexpected line break\n"
        "Checked 1 file in 0 units: no findings. 0 destinations checked: 0 granted, 0 not granted, "
        "0 unverifiable; 0 module calls or stacks not followed. 1 input could not be read.\n"
    )


def test_text_summary_line(in_repo: Path) -> None:
    code, out, _ = run_cli("fixtures/terraform/DST001/good", env={"NO_COLOR": "1"})
    assert code == 0
    assert out == (
        "Checked 1 file in 1 unit: no findings. 1 destination checked: 1 granted, 0 not granted, "
        "0 unverifiable; 0 module calls or stacks not followed.\n"
    )


def test_summary_counts_in_json(in_repo: Path) -> None:
    _, report = run_json("fixtures/terraform/DST001", "fixtures/terraform/DST004/bad", "fixtures/terraform/ESM001")
    counts = {
        k: report["summary"][k] for k in ("destinations", "granted", "not_granted", "unverifiable", "not_followed")
    }
    assert counts == {"destinations": 6, "granted": 2, "not_granted": 2, "unverifiable": 2, "not_followed": 0}


def test_nested_stacks_are_counted_as_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "parent.yaml").write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Child:\n"
        "    Type: AWS::CloudFormation::Stack\n"
        "    Properties:\n"
        "      TemplateURL: child.yaml\n"
        "  App:\n"
        "    Type: AWS::Serverless::Application\n"
        "    Properties:\n"
        "      Location: app.yaml\n"
        "  Odd:\n"
        "    Type: {Fn::If: [IsProd, AWS::CloudFormation::Stack, AWS::SNS::Topic]}\n"
    )  # not a type: not counted
    monkeypatch.chdir(tmp_path)
    code, report = run_json(".")
    assert (code, report["errors"]) == (0, [])
    assert report["summary"]["not_followed"] == 2


def test_gitlab_code_quality(in_repo: Path) -> None:
    code, out, _ = run_cli("--format", "gitlab", "fixtures/terraform/DST001/bad", "fixtures/terraform/DST004/bad")
    assert code == 1
    issues = json.loads(out)
    jsonschema.validate(issues, GITLAB_SCHEMA)
    assert [
        (i["check_name"], i["severity"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues
    ] == [
        ("DST001", "critical", "fixtures/terraform/DST001/bad/main.tf", 52),
        ("DST004", "minor", "fixtures/terraform/DST004/bad/esm.tf", 7),
        ("DST004", "minor", "fixtures/terraform/DST004/bad/main.tf", 55),
        ("DST004", "minor", "fixtures/terraform/DST004/bad/main.tf", 64),
    ]
    assert issues[0]["description"].startswith("aws_lambda_function.worker sends on-failure records to SQS queue")
    assert len({i["fingerprint"] for i in issues}) == 4


def test_gitlab_fingerprints_survive_line_moves_and_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    infra = tmp_path / "infra"
    infra.mkdir()
    text = (REPO / "fixtures/terraform/DST001/bad/main.tf").read_text()
    (infra / "main.tf").write_text(text)
    monkeypatch.chdir(tmp_path)
    first = json.loads(run_cli("--format", "gitlab", "infra")[1])
    (infra / "main.tf").write_text("# moved down\n\n" + text)
    monkeypatch.chdir(infra)
    second = json.loads(run_cli("--format", "gitlab", ".")[1])
    assert second[0]["location"] == {"path": "infra/main.tf", "lines": {"begin": 54, "end": 54}}
    assert first[0]["location"]["lines"]["begin"] == 52
    assert first[0]["fingerprint"] == second[0]["fingerprint"]


def test_gitlab_input_errors_are_blockers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_lambda_function" "b" {\n  x = \n}\n')
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("--format", "gitlab", "--root", ".", ".")
    assert code == 2
    (issue,) = json.loads(out)
    jsonschema.validate([issue], GITLAB_SCHEMA)
    assert {k: issue[k] for k in ("check_name", "severity", "location", "description")} == {
        "check_name": "input-error",
        "severity": "blocker",
        "location": {"path": "main.tf", "lines": {"begin": 2}},
        "description": "could not be read or parsed: invalid HCL: unexpected line break",
    }


def test_sarif_paths_are_relative_to_the_git_top_level(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    stack = tmp_path / "deploy" / "stack"
    stack.mkdir(parents=True)
    shutil.copy(REPO / "fixtures/terraform/DST001/bad/main.tf", stack / "main.tf")
    monkeypatch.chdir(tmp_path / "deploy")
    code, out, _ = run_cli("--format", "sarif", "stack")
    assert code == 1
    (result,) = json.loads(out)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "deploy/stack/main.tf",
        "uriBaseId": "%SRCROOT%",
    }
    # --root says where %SRCROOT% is when that is not the git top level.
    code, out, _ = run_cli("--format", "sarif", "--root", ".", "stack")
    (result,) = json.loads(out)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "stack/main.tf"
