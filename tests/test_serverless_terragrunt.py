"""Serverless Framework variables, Terragrunt evaluation, and pre-commit scope for both."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from infra_policy_linter.inputs.discovery import hook_files_pattern
from infra_policy_linter.model.values import Unknown
from infra_policy_linter.resolve.serverless.variables import Variables
from tests.conftest import REPO, run_json


def test_serverless_variables_resolve_statically() -> None:
    root = {
        "service": "orders",
        "provider": {"stage": "${opt:stage, 'qa'}", "region": "${opt:region, 'eu-west-1'}"},
        "custom": {
            "queue": "${self:service}-${sls:stage}-dlq",
            "arn": "arn:aws:sqs:${aws:region}:${aws:accountId}:${self:custom.queue}",
            "secret": "${ssm:/orders/dlq}",
            "home": "${env:HOME_QUEUE, 'fallback-queue'}",
            "flag": "${env:FLAG}",
            "sub": "arn:${AWS::Partition}:sqs:x",
            "shared": "${file(./shared.yml):queues.main}",
        },
    }
    v = Variables(root, ".", {"shared.yml": {"queues": {"main": "main-queue"}}})
    custom = v.resolve(root["custom"])
    assert custom["queue"] == "orders-qa-dlq"
    assert custom["arn"] == {"Fn::Join": ["", ["arn:aws:sqs:eu-west-1:", {"Ref": "AWS::AccountId"}, ":orders-qa-dlq"]]}
    assert custom["secret"] == {"Ref": "sls:${ssm:/orders/dlq}"}
    assert custom["home"] == "fallback-queue"
    assert custom["flag"] == {"Ref": "sls:${env:FLAG}"}
    assert custom["sub"] == "arn:${AWS::Partition}:sqs:x"  # a Fn::Sub variable, not the framework's
    assert custom["shared"] == "main-queue"
    assert v.unknowns["sls:${ssm:/orders/dlq}"] == Unknown("${ssm:/orders/dlq}")
    assert "environment variable" in v.unknowns["sls:${env:FLAG}"].reason


def test_a_variable_that_refers_to_itself_is_unknown() -> None:
    root = {"custom": {"a": "${self:custom.b}", "b": "${self:custom.a}"}}
    variables = Variables(root, ".", {})
    assert variables.resolve(root["custom"]["a"]) == {"Ref": "sls:${self:custom.b}"}
    assert variables.unknowns["sls:${self:custom.b}"].reason == "${self:custom.b}, which refers to itself"


def test_the_hook_pattern_covers_every_format() -> None:
    pattern = re.compile(hook_files_pattern())
    for name in (
        "main.tf",
        "x.tofu",
        "prod.tfvars",
        "stack.yaml",
        "svc/serverless.yml",
        "live/terragrunt.hcl",
        "root.hcl",
        "serverless.ts",
    ):
        assert pattern.search(name), name
    assert not pattern.search("README.md")


def test_pre_commit_a_changed_parent_configuration_lints_the_stacks_that_include_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(REPO / "fixtures" / "terragrunt" / "DST002" / "bad", tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")
    code, report = run_json("live/root.hcl")
    assert code == 1
    assert [(f["rule"], f["path"], f["line"]) for f in report["findings"]] == [("DST002", "modules/worker/main.tf", 30)]
    code, report = run_json("modules/worker/main.tf")
    assert [(f["rule"], f["path"]) for f in report["findings"]] == [("DST002", "modules/worker/main.tf")]


def test_pre_commit_a_changed_file_a_service_reads_lints_the_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\n  iam:\n    role:\n      statements: ${file(./iam.yml)}\n"
        "functions:\n  f:\n    handler: h.h\n    destinations:\n      onFailure: arn:aws:sns:us-east-1:1:t\n"
    )
    (tmp_path / "svc" / "iam.yml").write_text("- Effect: Deny\n  Action: sns:Publish\n  Resource: '*'\n")
    monkeypatch.chdir(tmp_path)
    code, report = run_json("svc/iam.yml")
    assert code == 1
    assert [(f["rule"], f["path"], f["line"]) for f in report["findings"]] == [("DST003", "svc/serverless.yml", 11)]
    # Statements read from another file are shown where serverless.yml reads them (line 6), not at their line in
    # iam.yml under serverless.yml's name.
    deciding = report["findings"][0]["evidence"]["deciding"][0]
    assert (deciding["path"], deciding["line"]) == ("svc/serverless.yml", 6)


def test_what_serverless_package_wrote_is_not_read_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(REPO / "fixtures" / "serverless-resources" / "DST006" / "bad", tmp_path / "svc")
    (tmp_path / "svc" / ".serverless").mkdir()
    (tmp_path / "svc" / ".serverless" / "cloudformation-template-update-stack.json").write_text(
        '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}\n'
    )
    monkeypatch.chdir(tmp_path)
    code, report = run_json(".")
    assert (code, report["summary"]["units"]) == (1, 1)
    assert [(f["rule"], f["path"]) for f in report["findings"]] == [("DST006", "svc/serverless.yml")]


def test_pseudo_parameters_plugin_runs_on_the_compiled_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The framework derives the stream's type from the ARN as written (#{...} still in it), then the plugin makes
    each such string a Fn::Sub: the grant it added covers the stream, only kinesis:ListShards is missing."""
    (tmp_path / "serverless.yml").write_text(
        "service: x\nplugins:\n  - serverless-pseudo-parameters\nprovider:\n  name: aws\nfunctions:\n  f:\n"
        "    handler: h.h\n    events:\n      - stream:\n"
        "          arn: arn:aws:kinesis:#{AWS::Region}:#{AWS::AccountId}:stream/orders\n"
        "          destinations:\n            onFailure: arn:aws:sns:#{AWS::Region}:#{AWS::AccountId}:alerts\n"
    )
    monkeypatch.chdir(tmp_path)
    code, report = run_json(".")
    assert code == 0
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("ESM003", 11)]
    assert report["summary"]["granted"] == 1
