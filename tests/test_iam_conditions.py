"""Conditions decided for the requests Lambda makes as the execution role (linter/iam/conditions.py)."""

from __future__ import annotations

import pytest

from infra_policy_linter.iam.conditions import condition_holds
from infra_policy_linter.model.values import Unknown


@pytest.mark.parametrize(
    "condition,holds",
    [
        (None, True),
        ({}, True),
        # Keys only a service principal's call carries are absent from the role's own requests.
        ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:eu-west-1:123456789012:t"}}, False),
        ({"StringEquals": {"AWS:SourceOwner": "123456789012"}}, False),
        ({"StringEquals": {"aws:SourceAccount": "123456789012"}}, False),
        ({"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:sns:*:*:t"}}, True),
        ({"StringNotEquals": {"aws:SourceAccount": "123456789012"}}, True),
        ({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:t"}}, True),
        ({"Null": {"aws:SourceArn": "true"}}, True),
        ({"Null": {"aws:SourceArn": "false"}}, False),
        ({"ForAnyValue:StringEquals": {"aws:SourceOrgPaths": ["o-1/r-1/"]}}, False),
        # Lambda calls over TLS.
        ({"Bool": {"aws:SecureTransport": "false"}}, False),
        ({"Bool": {"aws:SecureTransport": ["true"]}}, True),
        # What the template does not say stays open; one test that cannot hold decides the block.
        ({"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}, None),
        ({"StringEquals": {"aws:PrincipalOrgID": "o-1", "aws:SourceAccount": "1"}}, False),
        ({"StringEquals": {"aws:PrincipalOrgID": "o-1"}, "Bool": {"aws:SecureTransport": "true"}}, None),
        ("not a block", None),
        # An operator that is not known (a variable) decides nothing, even on a key that is absent.
        ({Unknown("var.op"): {"aws:SourceAccount": "1"}}, None),
        ({"StringEquals": {Unknown("var.key"): "1"}}, None),
        ({"?": {"aws:SourceAccount": "1"}}, None),  # how the Terraform reader writes a test it cannot resolve
        ({"StringEqualz": {"aws:SourceAccount": "1"}}, None),
        ({"ForAllValues:StringLikeIfExists": {"aws:SourceOrgPaths": ["o-1/*"]}}, True),
        ({"NumericLessThanEquals": {"aws:SourceAccount": "1"}}, False),
    ],
)
def test_condition_holds(condition: object, holds: bool | None) -> None:
    assert condition_holds(condition) is holds
