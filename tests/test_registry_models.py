"""Registry modules `terraform init` has not downloaded are read through the linter's model of them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from infra_policy_linter.resolve.terraform.registry_models import registry_address
from tests.conftest import REPO, run_cli, run_json

BAD = REPO / "fixtures/terraform-registry-model/DST001/bad"
GOOD = REPO / "fixtures/terraform-registry-model/DST001/good"


@pytest.mark.parametrize(
    "source",
    [
        "terraform-aws-modules/lambda/aws",
        "registry.terraform.io/terraform-aws-modules/lambda/aws",
        "registry.opentofu.org/terraform-aws-modules/lambda/aws",
        "git::https://github.com/terraform-aws-modules/terraform-aws-lambda.git?ref=v7.2.0",
        "github.com/terraform-aws-modules/terraform-aws-lambda",
        "git@github.com:terraform-aws-modules/terraform-aws-lambda.git",
    ],
)
def test_sources_of_the_lambda_module(source: str) -> None:
    assert registry_address(source) == "terraform-aws-modules/lambda/aws"


@pytest.mark.parametrize(
    "source",
    [
        "terraform-aws-modules/lambda/aws//modules/alias",  # a submodule is another module
        "terraform-aws-modules/eventbridge/aws",
        "./modules/lambda",
        "cloudposse/lambda-function/aws",
    ],
)
def test_other_sources_have_no_model(source: str) -> None:
    assert registry_address(source) is None


def test_the_model_is_named_nowhere_as_a_file(in_repo: Path) -> None:
    """Positions inside the model are reported at the module call; the model is not counted as a file."""
    code, report = run_json(str(BAD.relative_to(REPO)))
    assert code == 1
    assert report["summary"]["files"] == 1
    paths = {f["path"] for f in report["findings"]}
    paths |= {r["path"] for f in report["findings"] for r in f["related"]}
    paths |= {f["evidence"]["role"]["path"] for f in report["findings"]}
    assert paths == {"fixtures/terraform-registry-model/DST001/bad/main.tf"}
    # The role the module creates is named through the module's output, in the caller's file.
    assert all("role = module.worker.lambda_role_name" in f["fix"] for f in report["findings"])


def test_module_switches_decide(in_repo: Path) -> None:
    """Without create_async_event_config the module configures no destination, as the real module does."""
    _, report = run_json(str(GOOD.relative_to(REPO)))
    assert report["summary"]["destinations"] == 4 and report["summary"]["granted"] == 4


def test_fix_through_the_module_output_clears_the_async_findings(tmp_path: Path) -> None:
    target = tmp_path / "infra"
    shutil.copytree(BAD, target, ignore=shutil.ignore_patterns("expected.json"))
    run_cli("--fix", str(target))
    code, out, _ = run_cli("--format", "json", str(target))
    rules = sorted(f["rule"] for f in json.loads(out)["findings"])
    assert "DST001" not in rules
    assert "module.worker.lambda_role_name" in (target / "main.tf").read_text()


def test_a_downloaded_module_wins_over_the_model(in_repo: Path) -> None:
    """With .terraform/modules present, the module's own files are read (the registry fixture's trimmed copy)."""
    _, report = run_json("fixtures/terraform-registry/DST001/bad")
    roles = {f["evidence"]["role"]["path"] for f in report["findings"]}
    assert roles == {"fixtures/terraform-registry/DST001/bad/.terraform/modules/worker/main.tf"}


def test_mapping_sources_through_models_get_a_grant_that_names_them(tmp_path: Path) -> None:
    """A lambda-module mapping reading a queue made by the sqs module and a stream defined beside the call: the fix
    names each source as the caller can (module.queue.queue_arn, aws_kinesis_stream.s.arn), and --fix clears it."""
    (tmp_path / "main.tf").write_text(
        'module "queue" {\n  source = "terraform-aws-modules/sqs/aws"\n  name   = "jobs"\n}\n'
        'resource "aws_kinesis_stream" "s" {\n  name        = "s"\n  shard_count = 1\n}\n'
        'module "worker" {\n  source        = "terraform-aws-modules/lambda/aws"\n  function_name = "w"\n'
        "  event_source_mapping = {\n    q = {\n      event_source_arn = module.queue.queue_arn\n    }\n"
        '    s = {\n      event_source_arn  = aws_kinesis_stream.s.arn\n      starting_position = "LATEST"\n    }\n'
        "  }\n}\n"
    )
    _, report = run_json(str(tmp_path))
    resources = sorted(
        {line.strip() for f in report["findings"] for line in f["fix"].splitlines() if "Resource" in line}
    )
    assert resources == ["Resource = aws_kinesis_stream.s.arn", "Resource = module.queue.queue_arn"]
    run_cli("--fix", str(tmp_path))
    _, report = run_json(str(tmp_path))
    assert [f["rule"] for f in report["findings"]] == []


def test_a_queue_from_the_sqs_model_keeps_its_key(tmp_path: Path) -> None:
    """The sqs module's kms_master_key_id makes its queue a KMS-encrypted destination (DST005), and the fix names
    the key as the caller writes it; --fix then clears every finding."""
    (tmp_path / "main.tf").write_text(
        'resource "aws_kms_key" "k" {}\n'
        'module "queue" {\n  source            = "terraform-aws-modules/sqs/aws"\n  name              = "jobs"\n'
        "  kms_master_key_id = aws_kms_key.k.arn\n}\n"
        'module "worker" {\n  source                    = "terraform-aws-modules/lambda/aws"\n  function_name = "w"\n'
        "  create_async_event_config = true\n  attach_async_event_policy = true\n"
        "  destination_on_failure    = module.queue.queue_arn\n}\n"
    )
    _, report = run_json(str(tmp_path))
    assert [(f["rule"], f["action"]) for f in report["findings"]] == [("DST005", "kms:GenerateDataKey, kms:Decrypt")]
    assert "Resource = aws_kms_key.k.arn" in report["findings"][0]["fix"]
    run_cli("--fix", str(tmp_path))
    _, report = run_json(str(tmp_path))
    assert report["findings"] == []
