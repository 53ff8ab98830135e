"""Units with nothing Lambda in them are not read (linter/inputs/relevance.py); that must never lose a finding.

Both ways over every fixture and over the generated corpus: the findings (and suppressed findings) must be the
very same, and the skipped units must be counted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.synthetic import generate
from infra_policy_linter.inputs.relevance import may_hold_findings
from tests.conftest import REPO, run_cli, run_json


def _both_ways(*args: str) -> tuple[dict, dict]:
    _, skipping = run_json("--no-cache", *args)
    _, everything = run_json("--no-cache", "--all-units", *args)
    return skipping, everything


def _same_findings(skipping: dict, everything: dict) -> None:
    assert skipping["findings"] == everything["findings"]
    assert skipping["suppressed"] == everything["suppressed"]
    assert everything["summary"]["skipped"] == 0


# One folder of fixtures per kind of input (plain, module and registry-modelled Terraform, plans, JSON, Terragrunt
# dependencies, CloudFormation exports and nested stacks, SAM, Serverless, CDK output), among them the three units
# `lint fixtures` skips (cloudformation-exports/DST002/{bad,good}, terraform/MOD001/good): 1.5 s for both runs.
EVERY_KIND = [
    "fixtures/cdk",
    "fixtures/cloudformation-exports",
    "fixtures/cloudformation-nested",
    "fixtures/sam",
    "fixtures/serverless",
    "fixtures/terraform-json",
    "fixtures/terraform-modules",
    "fixtures/terraform-plan",
    "fixtures/terraform-registry-model",
    "fixtures/terraform/MOD001",
    "fixtures/terragrunt-dependency",
]


def test_fixtures_of_every_kind_give_the_same_findings_with_and_without_skipping(in_repo: Path) -> None:
    """The default run's both-ways check; the one over every fixture (two runs of 4 s) is in the slow set."""
    skipping, everything = _both_ways(*EVERY_KIND)
    _same_findings(skipping, everything)
    assert len(skipping["findings"]) > 30
    assert skipping["summary"]["skipped"] == 3
    assert skipping["summary"]["units"] + skipping["summary"]["skipped"] == everything["summary"]["units"]
    assert all(e in everything["errors"] for e in skipping["errors"])


@pytest.mark.slow  # two runs over every fixture; CI runs it (-m ''), the default run checks EVERY_KIND above
def test_every_fixture_gives_the_same_findings_with_and_without_skipping(in_repo: Path, fixtures_report: dict) -> None:
    # the skipping run is the shared `lint --no-cache fixtures` report; the run reading every unit is this test's own
    skipping = fixtures_report
    _, everything = run_json("--no-cache", "--all-units", "fixtures")
    _same_findings(skipping, everything)
    assert len(skipping["findings"]) > 100
    # errors only the full parse detects may go; every error of the skipping run is one of the full run's
    assert all(e in everything["errors"] for e in skipping["errors"])


@pytest.mark.slow  # a whole-corpus or whole-fixtures run: CI runs it (-m ''), the default run does not
def test_the_generated_corpus_gives_the_same_findings_and_skips_its_unrelated_units(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = generate(tmp_path / "corpus", 30, 3, unrelated_ratio=3)
    monkeypatch.chdir(corpus.root)
    skipping, everything = _both_ways(".")
    _same_findings(skipping, everything)
    assert skipping["errors"] == everything["errors"]
    assert skipping["summary"]["skipped"] > 0
    assert skipping["summary"]["units"] + skipping["summary"]["skipped"] >= everything["summary"]["units"]


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_unit_without_lambda_is_counted_as_skipped_and_its_files_as_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, {"net/main.tf": 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n'})
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("--no-cache", "net")
    assert code == 0  # a file was read: not "no Terraform file found"
    assert out.strip().endswith("1 unit with nothing Lambda in them not read.")
    assert "Checked 1 file in 0 units" in out


def test_a_broken_template_without_functions_is_still_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B:\n    Type: AWS::S3::Bucket\n   bad: [\n"
    _write(tmp_path, {"t.yaml": text})
    monkeypatch.chdir(tmp_path)
    code, report = run_json("--no-cache", ".")
    assert code == 2
    assert [e["path"] for e in report["errors"]] == ["t.yaml"]
    assert report["summary"]["skipped"] == 0


def test_a_duplicate_key_in_a_template_without_functions_is_still_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: a\n      BucketName: b\n"
    _write(tmp_path, {"t.yaml": text})
    monkeypatch.chdir(tmp_path)
    _, report = run_json("--no-cache", ".")
    assert [f["rule"] for f in report["findings"]] == ["LNT004"]


def test_the_cheap_decode_walks_each_yaml_node_once() -> None:
    """A billion-laughs template (aliases of aliases) must not make the cheap decode walk 10**9 nodes."""
    from infra_policy_linter.parsers.cloudformation import quick_look

    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    assert quick_look("\n".join(lines) + "\nResources:\n  B:\n    Type: AWS::S3::Bucket\n") is True


@pytest.mark.parametrize(
    ("kind", "text", "keeps"),
    [
        ("terraform", 'resource "aws_sqs_queue" "q" {}', False),
        ("terraform", 'resource "aws_lambda_function" "f" {}', True),
        ("terraform", 'resource "aws_lambda_event_source_mapping" "m" {}', True),
        ("terraform", 'module "net" {\n  source = "../net"\n}', False),
        ("terraform", 'module "label" {\n  source = "cloudposse/label/null"\n}', False),  # nothing names Lambda
        ("terraform", 'module "label" {\n  source = "cloudposse/label/null"\n}\n# the format() function', False),
        ("terraform", 'module "worker_function" {\n  source = "cloudposse/label/null"\n}', True),
        ("terraform", 'module "w" {\n  source = "cloudposse/label/null"\n  for_each = {lambda = 1}\n}', True),
        ("terraform", 'module "q" {\n  source = "terraform-aws-modules/sqs/aws"\n}', True),  # a modelled module
        ("terraform", '{"module": {"f": {"source": "git::https://x/lambda.git"}}}', True),
        ("terraform", 'resource "aws_s3_bucket" "b" {} # lint:ignore DST001 reason', True),
        ("cloudformation", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n", False),
        ("cloudformation", "Resources:\n  F:\n    Type: AWS::Serverless::Function\n", True),
        ("cloudformation", "Resources:\n  S:\n    Type: AWS::CloudFormation::Stack\n", True),
        (
            "cloudformation",
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Metadata: {infra-policy-linter: {}}",
            True,
        ),
        ("terraform-plan", '{"resource_changes": [{"type": "aws_lambda_function"}]}', True),
        ("a-kind-without-a-rule", "anything", True),
    ],
)
def test_the_rule_per_kind(kind: str, text: str, keeps: bool) -> None:
    assert may_hold_findings(kind, [text.encode()]) is keeps


def test_the_readme_states_the_rule() -> None:
    readme = (REPO / "README.md").read_text()
    assert "inputs/relevance.py" in readme
    assert json.dumps("skipped") in (REPO / "docs" / "report.schema.json").read_text()
