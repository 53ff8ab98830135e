"""Which Terraform files make a module, and which variable values win, as Terraform (and OpenTofu) decide."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli, run_json

MODULE = """
provider "aws" {
  region = "eu-west-1"
}

variable "queue" {
  default = "orders-default"
}

resource "aws_iam_role" "worker" {
  name               = "orders-worker"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy" "send" {
  role = aws_iam_role.worker.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sqs:SendMessage", Resource = "arn:aws:sqs:*:*:orders-granted" }]
  })
}

resource "aws_lambda_function" "worker" {
  function_name = "orders-worker"
  role          = aws_iam_role.worker.arn
}

resource "aws_lambda_function_event_invoke_config" "worker" {
  function_name = aws_lambda_function.worker.function_name
  destination_config {
    on_failure {
      destination = "arn:aws:sqs:eu-west-1:123456789012:${var.queue}"
    }
  }
}
"""


def lint(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    monkeypatch.chdir(root)
    _, report = run_json(".")
    assert report["errors"] == []
    return [(f["rule"], f["path"]) for f in report["findings"]]


def test_variable_files_apply_in_terraforms_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text(MODULE)
    # Lowest to highest: terraform.tfvars, terraform.tfvars.json, then *.auto.tfvars(.json) by name.
    (tmp_path / "terraform.tfvars").write_text('queue = "orders-tfvars"\n')
    assert lint(tmp_path, monkeypatch) == [("DST002", "main.tf")]
    (tmp_path / "terraform.tfvars.json").write_text(json.dumps({"queue": "orders-granted"}))
    assert lint(tmp_path, monkeypatch) == []
    (tmp_path / "b.auto.tfvars.json").write_text(json.dumps({"queue": "orders-b"}))
    assert lint(tmp_path, monkeypatch) == [("DST002", "main.tf")]
    (tmp_path / "a.auto.tfvars").write_text('queue = "orders-granted"\n')  # sorts before b: b still wins
    assert lint(tmp_path, monkeypatch) == [("DST002", "main.tf")]
    (tmp_path / "c.auto.tfvars").write_text('queue = "orders-granted"\n')  # sorts last: it wins
    assert lint(tmp_path, monkeypatch) == []


def test_a_tofu_file_replaces_the_tf_file_of_the_same_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text(MODULE)
    (tmp_path / "terraform.tfvars").write_text('queue = "orders-tfvars"\n')
    assert lint(tmp_path, monkeypatch) == [("DST002", "main.tf")]
    (tmp_path / "main.tofu").write_text(MODULE.replace('"orders-default"', '"orders-granted"'))
    (tmp_path / "terraform.tfvars").unlink()
    assert lint(tmp_path, monkeypatch) == []
    (tmp_path / "main.tofu").unlink()
    (tmp_path / "main.tofu.json").write_text(json.dumps({"variable": {"unused": {"default": "x"}}}))
    # main.tofu.json would replace main.tf.json, not main.tf: main.tf is read again, with its default.
    assert lint(tmp_path, monkeypatch) == [("DST002", "main.tf")]


def test_terraform_json_errors_name_the_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf.json").write_text('{\n  "resource": {\n    "aws_sqs_queue": [\n  }\n}\n')
    monkeypatch.chdir(tmp_path)
    code, report = run_json(".")
    assert code == 2
    assert report["errors"] == [
        {"path": "main.tf.json", "line": 4, "column": 3, "message": "invalid JSON: unexpected '}\\n}\\n'"}
    ]


def test_module_instances_from_for_each_and_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "modules" / "worker").mkdir(parents=True)
    (tmp_path / "modules" / "worker" / "main.tf").write_text(
        MODULE.replace('variable "queue" {\n  default = "orders-default"\n}', 'variable "queue" {}')
    )
    (tmp_path / "main.tf").write_text("""
locals {
  queues = { a = "orders-granted", b = "orders-other" }
}

module "worker" {
  source   = "./modules/worker"
  for_each = local.queues
  queue    = each.value
}

module "none" {
  source = "./modules/worker"
  count  = 0
  queue  = "orders-other"
}
""")
    monkeypatch.chdir(tmp_path)
    _, report = run_json(".")
    assert [(f["rule"], f["path"], f["line"], f["function"]) for f in report["findings"]] == [
        ("DST002", "modules/worker/main.tf", 30, 'module.worker["b"].aws_lambda_function.worker')
    ]


def test_var_files_and_vars_apply_last_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "envs" / "prod").mkdir(parents=True)
    (tmp_path / "envs" / "prod" / "main.tf").write_text(MODULE)
    (tmp_path / "envs" / "prod" / "terraform.tfvars").write_text('queue = "orders-tfvars"\n')
    (tmp_path / "granted.tfvars").write_text('queue = "orders-granted"\n')
    (tmp_path / "other.tfvars.json").write_text(json.dumps({"queue": "orders-other"}))
    monkeypatch.chdir(tmp_path)

    def rules(*args: str) -> list[str]:
        code, report = run_json(*args, ".")
        return [f["rule"] for f in report["findings"]] + [e["message"] for e in report["errors"]]

    assert rules() == ["DST002"]
    assert rules("--var-file", "granted.tfvars") == []
    assert rules("--var-file", "granted.tfvars", "--var-file", "other.tfvars.json") == ["DST002"]
    assert rules("--var-file", "other.tfvars.json", "--var", "queue=orders-granted") == []
    assert rules("--var-file", "missing.tfvars") == [
        "DST002",
        "variable file not found (given with --var-file or var-files)",
    ]
    (tmp_path / ".infra-policy-linter.toml").write_text('[terraform."envs/prod"]\nvar-files = ["granted.tfvars"]\n')
    assert rules() == []
    (tmp_path / ".infra-policy-linter.toml").write_text('[terraform."envs/prod"]\nvars = { queue = "orders-other" }\n')
    assert rules() == ["DST002"]
    (tmp_path / ".infra-policy-linter.toml").write_text('[terraform."envs/prod"]\nvar-file = ["x"]\n')
    code, _, err = run_cli("--format", "json", ".")
    assert code == 2 and "unknown key 'var-file'" in err


def test_override_files_merge_into_the_blocks_they_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text(MODULE)
    assert lint(tmp_path, monkeypatch) == [("DST002", "main.tf")]
    (tmp_path / "queue_override.tf").write_text('variable "queue" {\n  default = "orders-granted"\n}\n')
    assert lint(tmp_path, monkeypatch) == []
    (tmp_path / "override.tf.json").write_text(
        json.dumps(
            {
                "resource": {
                    "aws_iam_role_policy": {
                        "send": {"policy": '${jsonencode({Version = "2012-10-17", Statement = []})}'}
                    }
                }
            }
        )
    )
    assert lint(tmp_path, monkeypatch) == [("DST001", "main.tf")]


def test_a_module_call_not_followed_is_one_note_per_call_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "modules" / "app").mkdir(parents=True)
    (tmp_path / "modules" / "app" / "main.tf").write_text(
        'variable "name" {}\n\nmodule "queue" {\n  source = "cloudposse/lambda-function/aws"\n  name   = var.name\n}\n'
    )
    (tmp_path / "main.tf").write_text(
        'module "app" {\n  source   = "./modules/app"\n  for_each = toset(["a", "b", "c"])\n  name     = each.key\n}\n'
    )
    monkeypatch.chdir(tmp_path)
    _, report = run_json(".")
    assert [(f["rule"], f["path"], f["line"], f["message"]) for f in report["findings"]] == [
        (
            "MOD001",
            "modules/app/main.tf",
            3,
            "module.app.module.queue was not checked: its source "
            "'cloudposse/lambda-function/aws' is not available here (a module `terraform init` downloads: run it so "
            "that .terraform/modules holds it)",
        )
    ]


def test_a_module_call_that_cannot_matter_is_counted_not_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No function, invoke config or mapping in view, and a call that names no Lambda: no note, but the summary
    still counts it; once a function's role is the call's output, the same call is a note (it holds the role);
    a function whose name only uses the call's output decides nothing through it: no note."""
    (tmp_path / "main.tf").write_text('module "label" {\n  source = "cloudposse/label/null"\n  name   = "x"\n}\n')
    monkeypatch.chdir(tmp_path)
    code, report = run_json("--all-units", ".")
    assert (code, report["findings"], report["summary"]["not_followed"]) == (0, [], 1)
    # Without --all-units such a unit is not even read (inputs/relevance.py): counted as skipped instead.
    code, report = run_json(".")
    assert (code, report["findings"], report["summary"]["not_followed"], report["summary"]["skipped"]) == (0, [], 0, 1)
    (tmp_path / "lambda.tf").write_text(
        'resource "aws_lambda_function" "f" {\n  function_name = module.label.id\n  role = "arn:aws:iam::1:role/r"\n}\n'
    )
    _, report = run_json(".")
    assert (report["findings"], report["summary"]["not_followed"]) == ([], 1)
    (tmp_path / "lambda.tf").write_text(
        'resource "aws_lambda_function" "f" {\n  function_name = "f"\n  role = module.label.id\n}\n'
    )
    _, report = run_json(".")
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("MOD001", 1)]


def test_a_policy_file_that_does_not_exist_is_named_as_such(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """terraform plan fails on it; the DST004 says the file is missing, not that it could not be read."""
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_role" "r" {\n  name = "r"\n  assume_role_policy = "{}"\n}\n'
        'resource "aws_iam_role_policy" "p" {\n  role = aws_iam_role.r.name\n'
        '  policy = templatefile("${path.module}/policy.tftpl", {})\n}\n'
        'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'
        'resource "aws_lambda_function" "f" {\n  function_name = "f"\n  role = aws_iam_role.r.arn\n}\n'
        'resource "aws_lambda_function_event_invoke_config" "c" {\n'
        "  function_name = aws_lambda_function.f.function_name\n"
        "  destination_config {\n    on_failure {\n      destination = aws_sqs_queue.q.arn\n    }\n  }\n}\n"
    )
    monkeypatch.chdir(tmp_path)
    _, report = run_json(".")
    assert [f["rule"] for f in report["findings"]] == ["DST004"]
    assert report["findings"][0]["message"].endswith(
        "aws_iam_role_policy.p cannot be read: its document is the contents of ./policy.tftpl, which does not exist"
    ), report["findings"][0]["message"]
    (tmp_path / "policy.tftpl").write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}'
    )
    _, report = run_json(".")
    assert report["findings"] == []


def test_a_path_the_file_system_refuses_is_not_an_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "a" * 300 + ".json"  # longer than any file name the file system takes (ENAMETOOLONG)
    (tmp_path / "main.tf").write_text(
        f'resource "aws_iam_role" "r" {{\n  name = "r"\n  assume_role_policy = file("${{path.module}}/{name}")\n}}\n'
    )
    monkeypatch.chdir(tmp_path)
    code, report = run_json(".")
    assert (code, report["errors"], report["findings"]) == (0, [], [])


def test_a_module_call_is_reported_when_its_output_is_a_destination(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The topic module's output is the destination, whose verdict it leaves undecided: a note; the VPC module's
    outputs reach only the function's network settings: counted, not reported."""
    (tmp_path / "main.tf").write_text(
        'module "alerts" {\n  source = "cloudposse/sns-topic/aws"\n}\n\n'
        'module "vpc" {\n  source = "cloudposse/vpc/aws"\n}\n\n'
        'resource "aws_iam_role" "r" {\n  name = "r"\n  assume_role_policy = "{}"\n}\n\n'
        'resource "aws_lambda_function" "f" {\n  function_name = "f"\n  role = aws_iam_role.r.arn\n'
        "  vpc_config {\n    subnet_ids = module.vpc.private_subnets\n    security_group_ids = []\n  }\n}\n\n"
        'resource "aws_lambda_function_event_invoke_config" "c" {\n'
        "  function_name = aws_lambda_function.f.function_name\n"
        "  destination_config {\n    on_failure {\n      destination = module.alerts.sns_topic_arn\n    }\n  }\n}\n"
    )
    monkeypatch.chdir(tmp_path)
    _, report = run_json(".")
    assert [(f["rule"], f["destination"]) for f in report["findings"] if f["rule"] == "MOD001"] == [
        ("MOD001", "module.alerts")
    ]
    assert report["summary"]["not_followed"] == 2


def test_discovery_can_be_asked_for_some_kinds_only(tmp_path: Path) -> None:
    """Pre-commit's scope walks the whole tree for module calls: templates and the rest are not classified."""
    from infra_policy_linter.inputs.discovery import discover

    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.tf").write_text('module "m" {\n  source = "../lib"\n}\n')
    (tmp_path / "mod" / "terraform.tfvars").write_text("a = 1\n")
    (tmp_path / "stack.yaml").write_text("Resources: {}\n")
    (tmp_path / "live").mkdir()
    (tmp_path / "live" / "terragrunt.hcl").write_text("")
    both = discover([tmp_path], tmp_path, kinds=frozenset({"terraform", "terragrunt"}))
    assert (list(both.modules), both.terragrunt, both.templates, dict(both.tfvars)) == (
        [tmp_path / "mod"],
        [tmp_path / "live" / "terragrunt.hcl"],
        [],
        {},
    )
    everything = discover([tmp_path], tmp_path)
    assert everything.templates == [tmp_path / "stack.yaml"] and list(everything.tfvars) == [tmp_path / "mod"]
