"""AWS facts shared by builders and rules: destination services, their actions, and ARN shapes.

Sources are in ../shared/docs/aws-semantics.md (sections 1.1 and 1.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from infra_policy_linter.values import Text, Unknown, make_text, plain

# Partition of computed ARNs. Other partitions (aws-cn, aws-us-gov) are rare enough that assuming the commercial one
# silently is better than marking every ARN partly unknown.
PARTITION = "aws"


@dataclass(frozen=True)
class DestinationService:
    service: str  # ARN service field
    label: str  # how a message names it
    actions: tuple[str, ...]


DESTINATION_SERVICES: dict[str, DestinationService] = {
    "sqs": DestinationService("sqs", "SQS queue", ("sqs:SendMessage",)),
    "sns": DestinationService("sns", "SNS topic", ("sns:Publish",)),
    "lambda": DestinationService("lambda", "Lambda function", ("lambda:InvokeFunction",)),
    "events": DestinationService("events", "EventBridge event bus", ("events:PutEvents",)),
    "s3": DestinationService("s3", "S3 bucket", ("s3:PutObject", "s3:ListBucket")),
}


def arn(service: str, region: Any, account: Any, resource: Any) -> Any:
    return make_text(["arn:", PARTITION, ":", service, ":", region, ":", account, ":", resource])


def arn_fields(value: Any) -> list[Any] | None:
    """Split an ARN into its six fields (arn, partition, service, region, account, resource).

    Returns None when the value is not recognisably an ARN. Unknown pieces stay inside their field; only
    colons in literal text split fields.
    """
    parts = [value] if isinstance(value, str) else list(value.parts) if isinstance(value, Text) else None
    if parts is None:
        return None
    fields: list[list[Any]] = [[]]
    for part in parts:
        if isinstance(part, Unknown):
            fields[-1].append(part)
            continue
        pieces = part.split(":")
        for i, piece in enumerate(pieces):
            if i and len(fields) < 6:
                fields.append([])
            elif i:
                fields[-1].append(":")
            fields[-1].append(piece)
    if len(fields) < 6:
        return None
    resolved = [make_text(f) for f in fields]
    if resolved[0] != "arn":
        return None
    return resolved


def service_of(value: Any) -> str | None:
    """The service field of an ARN when it is literal ("sqs", "sns", ...), else None."""
    if isinstance(value, Unknown) and value.service:
        return value.service
    fields = arn_fields(value)
    if fields is None:
        return None
    service = fields[2]
    return service if isinstance(service, str) else None


def requests_for(service: str, destination_arn: Any, function_name: Any) -> list[tuple[str, Any]]:
    """The (action, resource) pairs Lambda's delivery to this destination performs as the execution role."""
    if service == "s3":
        # Lambda writes aws/lambda/async/<function-name>/YYYY/MM/DD/<timestamp>-<uuid> and lists the bucket.
        obj = make_text(
            [
                destination_arn,
                "/aws/lambda/async/",
                function_name,
                "/",
                Unknown("object key", "the object key Lambda chooses"),
            ]
        )
        return [("s3:PutObject", obj), ("s3:ListBucket", destination_arn)]
    return [(a, destination_arn) for a in DESTINATION_SERVICES[service].actions]


def resource_for_fix(service: str, action: str, destination_arn: Any) -> Any:
    """The resource a least-privilege fix should name for this action."""
    if service == "s3" and action == "s3:PutObject":
        return make_text([destination_arn, "/*"])
    return destination_arn


def is_aws_managed_key(value: Any) -> bool:
    """``alias/aws/sqs`` and friends: keys AWS manages, usable by the account without an IAM grant."""
    text = plain(value)
    return text is not None and (text.startswith("alias/aws/") or ":alias/aws/" in text)


def kms_key_arn(value: Any, region: Any, account: Any) -> Any:
    """The key ARN a KMS grant must name, from a key ARN or a key id. Aliases are resolved by the builders."""
    fields = arn_fields(value)
    if fields is not None:
        return value
    return arn("kms", region, account, make_text(["key/", value]))


def not_an_arn(value: Any) -> bool:
    """A value whose known beginning shows it is not an ARN (a queue URL, a bare name)."""
    first = value if isinstance(value, str) else value.parts[0] if isinstance(value, Text) else None
    if not isinstance(first, str) or first == "":
        return False
    return not ("arn:".startswith(first) if len(first) < 4 else first.startswith("arn:"))


def kms_actions_for(service: str) -> tuple[str, ...]:
    """What the execution role needs on a customer managed key encrypting the destination (aws-semantics 2)."""
    if service == "s3":
        return ("kms:GenerateDataKey",)
    if service in ("sqs", "sns"):
        return ("kms:GenerateDataKey", "kms:Decrypt")
    return ()


# What the execution role needs to read each kind of event source (aws-semantics 3.2; the AWS managed
# AWSLambda*ExecutionRole policies). Resource "source" means the source's ARN, "*" any resource.
SOURCE_READ_ACTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "sqs": (("sqs:ReceiveMessage", "source"), ("sqs:DeleteMessage", "source"), ("sqs:GetQueueAttributes", "source")),
    "kinesis": (
        ("kinesis:GetRecords", "source"),
        ("kinesis:GetShardIterator", "source"),
        ("kinesis:DescribeStream", "source"),
        ("kinesis:ListShards", "source"),
    ),
    "dynamodb": (
        ("dynamodb:GetRecords", "source"),
        ("dynamodb:GetShardIterator", "source"),
        ("dynamodb:DescribeStream", "source"),
    ),
    "kafka": (
        ("kafka:DescribeClusterV2", "source"),
        ("kafka:GetBootstrapBrokers", "source"),
        ("ec2:CreateNetworkInterface", "*"),
        ("ec2:DescribeNetworkInterfaces", "*"),
        ("ec2:DeleteNetworkInterface", "*"),
        ("ec2:DescribeSubnets", "*"),
        ("ec2:DescribeSecurityGroups", "*"),
        ("ec2:DescribeVpcs", "*"),
    ),
}
SOURCE_LABELS = {"sqs": "SQS queue", "kinesis": "Kinesis stream", "dynamodb": "DynamoDB stream", "kafka": "MSK cluster"}
# On-failure destinations of event source mappings: SQS, SNS, S3 (and Kafka topics, for Kafka sources).
ESM_DESTINATION_SERVICES = ("sqs", "sns", "s3")
