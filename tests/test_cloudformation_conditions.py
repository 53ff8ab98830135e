"""Conditions as CloudFormation evaluates them: operands compared as strings, defaults, AllowedValues."""

from __future__ import annotations

import pytest

from infra_policy_linter.parsers.cloudformation import parse_template
from infra_policy_linter.resolve.cloudformation import CloudFormationTemplate
from tests.conftest import run_json

PARAMETERS = """
Parameters:
  Env: {Type: String, AllowedValues: [dev, prod]}
  Flag: {Type: String, Default: true}
  Free: {Type: String}
"""


@pytest.mark.parametrize(
    ("condition", "value"),
    [
        ("!Equals [false, true]", False),
        ("!Equals [false, 'false']", True),
        ("!Equals [1, '1']", True),
        ("!Equals [!Ref Flag, 'true']", True),
        ("!Equals [!Ref Env, staging]", False),
        ("!Not [!Equals [!Ref Env, staging]]", True),
        ("!Or [!Equals [!Ref Free, x], !Equals [a, a]]", True),
        ("!And [!Equals [a, b], !Equals [!Ref Free, x]]", False),
        ("!And [!Equals [a, a], !Equals [!Ref Free, x]]", None),
        ("!Equals [!Ref Env, prod]", None),
        ("!Equals [!Ref Free, x]", None),
    ],
)
def test_condition_values(condition: str, value: bool | None) -> None:
    text = (
        f"AWSTemplateFormatVersion: '2010-09-09'\n{PARAMETERS}\nConditions:\n  C: {condition}\n"
        "Resources:\n  Q: {Type: AWS::SQS::Queue}\n"
    )
    template = parse_template("t.yaml", text)
    got = CloudFormationTemplate(template).condition("C")
    assert (got if isinstance(got, bool) else None) == value


def test_a_missing_grant_on_one_branch_names_the_condition(in_repo) -> None:
    code, report = run_json("fixtures/cloudformation-conditions/DST002/bad")
    assert code == 1
    [finding] = report["findings"]
    assert finding["destination"] == "Q2 (when condition Both is false)"
    assert "SQS queue Q2 (when condition Both is false)" in finding["message"]
