"""IAM001's did-you-mean: the right service prefix first, then a same-service action whose verb fits."""

from __future__ import annotations

import pytest

from infra_policy_linter.iam.catalogue import problem


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (
            "bedrock-runtime:InvokeModel",
            "'bedrock-runtime' is not an AWS service prefix; did you mean bedrock:InvokeModel?",
        ),
        (
            "bedrock-runtime:InvokeModelWithResponseStream",
            "'bedrock-runtime' is not an AWS service prefix; did you mean bedrock:InvokeModelWithResponseStream?",
        ),
        ("snss:Publish", "'snss' is not an AWS service prefix; did you mean sns:Publish?"),
        ("sqs:GetMessage", "sqs:GetMessage is not an IAM action; did you mean sqs:ReceiveMessage?"),
        ("sqs:PutMessage", "sqs:PutMessage is not an IAM action; did you mean sqs:SendMessage?"),
        ("s3:WriteObject", "s3:WriteObject is not an IAM action; did you mean s3:PutObject?"),
        ("sns:Publis", "sns:Publis is not an IAM action; did you mean sns:Publish?"),
        ("sqs:SendMessageBatch", "sqs:SendMessageBatch is not an IAM action; did you mean sqs:SendMessage?"),
        ("sns:SendMessage", "sns:SendMessage is not an IAM action"),
        ("sqs:SendMessage", None),
    ],
)
def test_did_you_mean(written: str, expected: str | None) -> None:
    assert problem(written) == expected
