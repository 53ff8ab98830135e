"""``--fix`` on a serverless.yml: a grant to a role the framework generates is one more statement in the list the
framework copies into that role (provider.iam.role.statements, provider.iamRoleStatements, a function's
iamRoleStatements), written by the same writer as the printed fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from infra_policy_linter.fix import guard
from tests.conftest import REPO, run_cli, run_json

DLQ_STATEMENT = "        - Effect: Allow\n          Action: sns:Publish\n          Resource: !Ref SettleFailures\n"

SERVICE = """service: payments

provider:
  name: aws
  runtime: python3.12
{statements}
functions:
  settle:
    handler: handler.settle
    onError:
      Ref: SettleFailures

resources:
  Resources:
    SettleFailures:
      Type: AWS::SNS::Topic
"""

OLDER_KEY = """  iamRoleStatements:
    - Effect: Allow
      Action: dynamodb:PutItem
      Resource: "*"
"""
OLDER_KEY_FIXED = OLDER_KEY + "    - Effect: Allow\n      Action: sns:Publish\n      Resource: !Ref SettleFailures\n"
NONE_FIXED = "  iam:\n    role:\n      statements:\n" + DLQ_STATEMENT


def _loaded(text: str) -> object:
    class Tagged(yaml.SafeLoader):
        pass

    Tagged.add_multi_constructor("!", lambda loader, suffix, node: f"!{suffix} {node.value}")
    return yaml.load(text, Loader=Tagged)  # noqa: S506 - SafeLoader with one constructor for short tags


def _fixed_once(path: Path, count: int = 1) -> str:
    """--fix writes the grant; the next lint is clean, every key the file had is still there, a second --fix
    writes nothing."""
    before = path.read_text()
    code, _, err = run_cli("--fix", path.name)
    plural = "finding" if count == 1 else "findings"
    assert (code, err) == (0, f"lint: fixed {count} {plural} in {path.name}\n")
    after = path.read_text()
    assert guard.missing(_loaded(before), _loaded(after)) is None
    assert run_cli(path.name)[0] == 0
    assert run_cli("--fix", path.name) == (0, run_cli(path.name)[1], "")
    assert path.read_text() == after
    return after


def test_dead_letter_fixture_gets_its_statement(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(REPO / "fixtures/serverless-dead-letters/DLQ001/bad/serverless.yml", tmp_path / "serverless.yml")
    monkeypatch.chdir(tmp_path)
    before = (tmp_path / "serverless.yml").read_text()
    code, report = run_json("serverless.yml")
    assert code == 1
    assert [(f["rule"], f["fix_applicability"]) for f in report["findings"]] == [("DLQ001", "safe")]
    at = before.index("\nfunctions:\n")
    assert _fixed_once(tmp_path / "serverless.yml") == before[:at] + DLQ_STATEMENT + before[at:]


@pytest.mark.parametrize(
    ("statements", "label", "fixed"),
    [
        (OLDER_KEY, "provider.iamRoleStatements", OLDER_KEY_FIXED),
        ("", "provider.iam.role.statements", NONE_FIXED),
    ],
)
def test_shared_role_statement_goes_where_the_service_writes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, statements: str, label: str, fixed: str
) -> None:
    path = tmp_path / "serverless.yml"
    path.write_text(SERVICE.format(statements=statements))
    monkeypatch.chdir(tmp_path)
    code, report = run_json("serverless.yml")
    assert [f["fix"].split("\n")[0] for f in report["findings"]] == [f"# add under {label} in serverless.yml"]
    assert _fixed_once(path) == SERVICE.format(statements=fixed)


def test_per_function_role_gets_the_statement_in_the_function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(REPO / "fixtures/serverless-per-function/DST001/bad/serverless.yml", tmp_path / "serverless.yml")
    monkeypatch.chdir(tmp_path)
    before = (tmp_path / "serverless.yml").read_text()
    at = before.index("    destinations:\n")
    added = (
        "      - Effect: Allow\n        Action: lambda:InvokeFunction\n"
        "        Resource: !GetAtt ChargeLambdaFunction.Arn\n"
    )
    assert _fixed_once(tmp_path / "serverless.yml") == before[:at] + added + before[at:]


def test_statements_a_variable_gives_are_printed_not_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "serverless.yml"
    path.write_text(SERVICE.format(statements="  iam:\n    role:\n      statements: ${file(iam.yml):statements}\n"))
    iam = "statements:\n  - Effect: Allow\n    Action: dynamodb:PutItem\n    Resource: '*'\n"
    (tmp_path / "iam.yml").write_text(iam)
    monkeypatch.chdir(tmp_path)
    before = path.read_text()
    code, report = run_json("serverless.yml")
    assert [(f["rule"], f["fix_applicability"]) for f in report["findings"]] == [("DLQ001", "display-only")]
    code, _, err = run_cli("--fix", "serverless.yml")
    assert code == 1
    assert "no place for the grant" in err
    assert path.read_text() == before
