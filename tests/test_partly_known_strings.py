"""Partly known strings are worked, not given up on: one split (values.split_text) for Terraform's split(),
CloudFormation's Fn::Split and ARN fields; the pieces the linter does not know stay in the element they sit in."""

from __future__ import annotations

import pytest

from infra_policy_linter.model.values import Text, Unknown, plain, split_text
from infra_policy_linter.parsers.cloudformation import parse_template
from infra_policy_linter.resolve.cloudformation.template import CloudFormationTemplate
from tests.test_terraform_functions import local

ROLE = 'resource "aws_iam_role" "r" {\n  name = "worker"\n}\n'
QUEUE = 'resource "aws_sqs_queue" "q" {\n  name = "jobs"\n}\n'


@pytest.mark.parametrize(
    ("expression", "prelude", "value"),
    [
        ('element(split("/", aws_iam_role.r.arn), 1)', ROLE, "worker"),
        ('element(split(":", aws_sqs_queue.q.arn), 5)', QUEUE, "jobs"),
        ('split(":", aws_sqs_queue.q.arn)[2]', QUEUE, "sqs"),
        ('length(split(":", aws_sqs_queue.q.arn))', QUEUE, 6),
    ],
)
def test_terraform_split_over_an_arn_whose_region_and_account_are_unknown(
    expression: str, prelude: str, value: object
) -> None:
    assert local(expression, prelude) == value


def test_the_unknown_pieces_stay_in_their_element() -> None:
    region = Unknown("region", "the deployment region")
    parts = split_text(Text(("arn:aws:sqs:", region, ":1:q")), ":")
    assert parts is not None and [plain(p) for p in parts] == ["arn", "aws", "sqs", None, "1", "q"]
    assert split_text(Unknown("var.x", "var.x"), ":") is None
    assert split_text("", ",") == [""]


def test_cloudformation_select_of_split_of_getatt_arn_is_the_queue_name() -> None:
    """The CDK idiom for a queue's name: the sixth field of its ARN."""
    text = (
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: jobs\n"
        '  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Select [5, !Split [":", !GetAtt Q.Arn]]\n'
    )
    template = CloudFormationTemplate(parse_template("t.yaml", text))
    assert template.resolve(template.props("T")["TopicName"]) == "jobs"


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ('startswith(aws_sqs_queue.q.arn, "arn:aws:sqs:")', True),
        ('startswith(aws_sqs_queue.q.arn, "arn:aws:sns:")', False),
        ('endswith(aws_sqs_queue.q.arn, ":jobs")', True),
        ('trimsuffix(aws_sqs_queue.q.url, "/jobs") == aws_sqs_queue.q.url', False),
        ('element(split(":", trimprefix(aws_sqs_queue.q.arn, "arn:")), 4)', "jobs"),
    ],
)
def test_edges_of_a_partly_known_string_decide(expression: str, value: object) -> None:
    assert local(expression, QUEUE) == value


def test_an_edge_that_reaches_the_unknown_part_is_unknown() -> None:
    assert isinstance(local('startswith(aws_sqs_queue.q.arn, "arn:aws:sqs:eu-west-1")', QUEUE), Unknown)
