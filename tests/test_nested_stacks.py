"""Nested stacks: a local child template is part of its parent's unit; a remote one stays unknown, named."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import REPO, run_json

BAD = REPO / "fixtures" / "cloudformation-nested" / "DST002" / "bad"


def test_the_child_alone_cannot_be_verified(tmp_path: Path, monkeypatch) -> None:
    shutil.copy(BAD / "stacks" / "worker.yaml", tmp_path / "worker.yaml")  # no parent anywhere in the tree
    monkeypatch.chdir(tmp_path)
    code, report = run_json("worker.yaml")
    assert code == 0
    assert [(f["rule"], f["function"]) for f in report["findings"]] == [("DST004", "Function")]
    assert "parameter FailureQueueArn, which has no default" in report["findings"][0]["message"]


def test_a_child_named_alone_is_judged_inside_its_parent(in_repo: Path) -> None:
    """As pre-commit passes a changed child: the template that nests it joins the run."""
    code, report = run_json(str((BAD / "stacks" / "worker.yaml").relative_to(REPO)))
    assert code == 1
    assert [(f["rule"], f["function"]) for f in report["findings"]] == [("DST002", "Worker/Function")]


def test_a_child_named_by_its_parent_is_judged_once_inside_it(in_repo: Path) -> None:
    code, report = run_json(str(BAD.relative_to(REPO)))
    assert code == 1
    assert report["summary"]["units"] == 1
    assert report["summary"]["files"] == 3
    [finding] = report["findings"]
    assert finding["message"].startswith(
        "Worker/Function sends on-failure records to SQS queue !Ref FailureQueueArn "
        "(arn:aws:sqs:<region>:<account>:orders-failures)"
    )


def test_a_child_template_outside_the_run_is_named_in_dst004(tmp_path: Path, monkeypatch) -> None:
    shutil.copytree(BAD, tmp_path / "app")
    parent = tmp_path / "app" / "parent.yaml"
    parent.write_text(
        parent.read_text().replace(
            "TemplateURL: stacks/queues.yaml", "TemplateURL: https://example-bucket.s3.amazonaws.com/queues.yaml"
        )
    )
    monkeypatch.chdir(tmp_path)
    code, report = run_json("app")
    assert code == 0
    [finding] = report["findings"]
    assert finding["rule"] == "DST004"
    assert (
        "Queues.Outputs.FailureQueueArn, an output of a nested stack whose template is not in this run"
        in finding["message"]
    )


def test_local_references_are_nested_stacks_not_include_snippets(tmp_path: Path) -> None:
    from infra_policy_linter.resolve.cloudformation.nested import local_template_refs

    (tmp_path / "shared").mkdir()
    (tmp_path / "app").mkdir()
    for name in ("shared/queues.yaml", "app/api.yaml", "app/child.json"):
        (tmp_path / name).write_text("{}")
    parent = tmp_path / "app" / "template.yaml"
    text = """Resources:
  Queues:
    Type: AWS::Serverless::Application
    Properties:
      Location: ../shared/queues.yaml
  Child:
    Type: AWS::CloudFormation::Stack
    Properties: {"TemplateURL": "child.json"}
  Remote:
    Type: AWS::CloudFormation::Stack
    Properties: {TemplateURL: "https://bucket.s3.amazonaws.com/remote.yaml"}
  Api:
    Type: AWS::Serverless::Api
    Properties:
      DefinitionBody:
        Fn::Transform:
          Name: AWS::Include
          Parameters:
            Location: ./api.yaml
"""
    assert local_template_refs(parent, text) == [
        tmp_path / "app" / "../shared/queues.yaml",
        tmp_path / "app" / "child.json",
    ]


def test_a_change_in_a_child_or_an_exporter_relints_the_parent(tmp_path: Path, monkeypatch) -> None:
    """Children and exporters are read with the template that uses them: they are part of its cache key."""
    shutil.copytree(BAD, tmp_path / "nested")
    shutil.copytree(REPO / "fixtures" / "cloudformation-exports" / "DST002" / "bad", tmp_path / "exports")
    monkeypatch.chdir(tmp_path)
    assert run_json("nested")[0] == 1 and run_json("exports")[0] == 1  # cached now
    queues = tmp_path / "nested" / "stacks" / "queues.yaml"
    queues.write_text(queues.read_text().replace("Value: !GetAtt Failures.Arn", "Value: !GetAtt Other.Arn"))
    exporter = tmp_path / "exports" / "queues.yaml"
    exporter.write_text(
        exporter.read_text()
        .replace("Name: orders-failure-queue-arn", "Name: unused")
        .replace(
            "Export: {Name: orders-other-queue-arn}",
            "Export: {Name: orders-other-queue-arn}\n  Third:\n    Value: !GetAtt Other.Arn\n"
            "    Export: {Name: orders-failure-queue-arn}",
        )
    )
    assert run_json("nested")[0] == 0
    assert run_json("exports")[0] == 0


def test_a_file_that_is_not_a_template_does_not_hide_the_templates_it_names(tmp_path: Path, monkeypatch) -> None:
    """Only templates nest: a configuration file with a `Location:` key naming a template (a SAM application's
    key, but outside any template) leaves that template to be linted on its own."""
    shutil.copy(REPO / "fixtures" / "cloudformation" / "DST001" / "bad" / "template.yaml", tmp_path / "child.yaml")
    (tmp_path / "settings.yaml").write_text("service: orders\nLocation: ./child.yaml\n")
    monkeypatch.chdir(tmp_path)
    code, report = run_json(".")
    assert code == 1
    assert [(f["rule"], f["path"]) for f in report["findings"]] == [("DST001", "child.yaml")]
    assert report["summary"]["units"] == 1
