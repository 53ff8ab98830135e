"""AWS facts shared by builders and rules: destination services, their actions, and ARN shapes.

Sources: destination types and the execution-role action each needs,
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html; destination ARNs,
https://docs.aws.amazon.com/lambda/latest/api/API_FunctionEventInvokeConfig.html and
https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from infra_policy_linter.model import values
from infra_policy_linter.model.values import Text, Unknown, Value, make_text, plain

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


# DNS suffix of service endpoints in that partition (AWS::URLSuffix, data.aws_partition's dns_suffix).
URL_SUFFIX = "amazonaws.com"


def _joined(*pieces: Value) -> Value:
    """The pieces as one string value (``str`` when all are known)."""
    joined: Value = make_text(pieces)
    return joined


def arn(service: str, region: Value, account: Value, resource: Value) -> Value:
    return _joined("arn:", PARTITION, ":", service, ":", region, ":", account, ":", resource)


# -- what AWS makes of a resource's name: one function per formula, used by every resolver ----------------------
# Each takes resolved values (plain text, Text or Unknown) and returns one; unknown pieces stay in place.


def queue_arn(region: Value, account: Value, name: Value) -> Value:
    return arn("sqs", region, account, name)


def queue_url(region: Value, account: Value, name: Value) -> Value:
    return _joined("https://sqs.", region, ".", URL_SUFFIX, "/", account, "/", name)


def topic_arn(region: Value, account: Value, name: Value) -> Value:
    return arn("sns", region, account, name)


def function_arn(region: Value, account: Value, name: Value, qualifier: Value = None) -> Value:
    """The unqualified ARN, or with ``qualifier`` (a version or an alias name) the qualified one."""
    qualified: list[Value] = [":", qualifier] if qualifier is not None else []
    return arn("lambda", region, account, _joined("function:", name, *qualified))


def event_bus_arn(region: Value, account: Value, name: Value) -> Value:
    return arn("events", region, account, _joined("event-bus/", name))


def bucket_arn(name: Value) -> Value:
    """S3 bucket names are global: the ARN has neither region nor account."""
    return _joined("arn:", PARTITION, ":s3:::", name)


def role_arn(account: Value, path: Value, name: Value) -> Value:
    """IAM is global; ``path`` begins and ends with ``/`` (``/`` when none is given)."""
    return _joined("arn:", PARTITION, ":iam::", account, ":role", path, name)


def managed_policy_arn(account: Value, path: Value, name: Value) -> Value:
    """A customer managed policy; ``path`` as for roles."""
    return _joined("arn:", PARTITION, ":iam::", account, ":policy", path, name)


def aws_managed_policy_arn(name: str) -> str:
    """An AWS managed policy, ``name`` with its path (``service-role/AWSLambdaRole``)."""
    return f"arn:{PARTITION}:iam::aws:policy/{name}"


def key_arn(region: Value, account: Value, key_id: Value) -> Value:
    """A KMS key's ARN from its key id."""
    return arn("kms", region, account, _joined("key/", key_id))


def key_alias_arn(region: Value, account: Value, alias_name: Value) -> Value:
    """A KMS alias's ARN; ``alias_name`` begins with ``alias/``."""
    return arn("kms", region, account, alias_name)


def kinesis_stream_arn(region: Value, account: Value, name: Value) -> Value:
    return arn("kinesis", region, account, _joined("stream/", name))


CONSUMER_MARK = "/consumer/"


def stream_consumer_arn(stream_arn: Value, name: Value, created: Value) -> Value:
    """An enhanced fan-out consumer of a stream: ``<stream ARN>/consumer/<name>:<creation timestamp>``."""
    return _joined(stream_arn, CONSUMER_MARK, name, ":", created)


def consumer_stream(value: Value) -> Value | None:
    """The stream ARN of an enhanced fan-out consumer's ARN; None when ``value`` is not known to be one."""
    parts = [value] if isinstance(value, str) else list(value.parts) if isinstance(value, Text) else []
    for i, part in enumerate(parts):
        if isinstance(part, str) and CONSUMER_MARK in part:
            stream: Value = make_text([*parts[:i], part.split(CONSUMER_MARK, 1)[0]])
            return stream
    return None


def dynamodb_table_arn(region: Value, account: Value, name: Value) -> Value:
    return arn("dynamodb", region, account, _joined("table/", name))


def dynamodb_stream_arn(region: Value, account: Value, table: Value, label: Value) -> Value:
    """The table's current stream; ``label`` is the timestamp DynamoDB gives the stream when it is enabled."""
    return _joined(dynamodb_table_arn(region, account, table), "/stream/", label)


def msk_cluster_arn(region: Value, account: Value, name: Value, uuid: Value) -> Value:
    """Provisioned and serverless MSK clusters alike; ``uuid`` is the id AWS appends at creation."""
    return arn("kafka", region, account, _joined("cluster/", name, "/", uuid))


def arn_fields(value: Any) -> list[Any] | None:
    """Split an ARN into its six fields (arn, partition, service, region, account, resource).

    Returns None when the value is not recognisably an ARN. Unknown pieces stay inside their field; only
    colons in literal text split fields (as values.split_text splits), and the resource keeps the colons after the
    fifth.
    """
    if isinstance(value, str):  # most ARNs are known: one split, as str.split keeps the resource's colons
        known = value.split(":", 5)
        return known if len(known) == 6 and known[0] == "arn" else None
    fields = _arn_field_parts(value)
    return None if fields is None else [_field_value(field) for field in fields]


def _field_value(parts: list[values.Part]) -> Any:
    """One field as a value: most are one literal (make_text would return it as it is)."""
    return parts[0] if len(parts) == 1 and type(parts[0]) is str else make_text(parts)


def _arn_field_parts(value: Any) -> list[list[values.Part]] | None:
    """The parts of each field of a partly known ARN, as arn_fields reads it (the sixth, the resource, keeps every
    later colon in its text); None when it is not one."""
    if not isinstance(value, Text):
        return None
    fields: list[list[values.Part]] = [[]]
    for part in value.parts:
        if isinstance(part, Unknown) or len(fields) == 6:
            fields[-1].append(part)
            continue
        first, *rest = part.split(":", 6 - len(fields))
        fields[-1].append(first)
        fields.extend([piece] for piece in rest)
    return fields if len(fields) == 6 and make_text(fields[0]) == "arn" else None


def service_of(value: Any) -> str | None:
    """The service field of an ARN when it is literal ("sqs", "sns", ...), else None."""
    if isinstance(value, Unknown) and value.service:
        return value.service
    if isinstance(value, str):
        fields = arn_fields(value)
        return fields[2] if fields is not None else None
    parts = _arn_field_parts(value)  # only the service field is made into a value
    service = _field_value(parts[2]) if parts is not None else None
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
    return key_arn(region, account, value)


def not_an_arn(value: Any) -> bool:
    """A value whose known beginning shows it is not an ARN (a queue URL, a bare name)."""
    first = value if isinstance(value, str) else value.parts[0] if isinstance(value, Text) else None
    if not isinstance(first, str) or first == "":
        return False
    return not ("arn:".startswith(first) if len(first) < 4 else first.startswith("arn:"))


def certainly_not_an_arn(value: Any) -> bool:
    """Not an ARN, whatever its unknown parts are: a known beginning that is not ``arn:``, or a fully known value
    too short to be one (``arn``, a placeholder SAM's own tests use)."""
    return not_an_arn(value) or (isinstance(value, str) and value != "" and not value.startswith("arn:"))


def kms_actions_for(service: str) -> tuple[str, ...]:
    """What the execution role needs on a customer managed key encrypting the destination (aws-semantics 2)."""
    if service == "s3":
        return ("kms:GenerateDataKey",)
    if service in ("sqs", "sns"):
        return ("kms:GenerateDataKey", "kms:Decrypt")
    return ()


# The network-interface actions Lambda takes as the role to reach a source inside a VPC.
EC2_NETWORK_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeVpcs",
)


def rds_arn_beside(cluster: Value, resource_type: str, name: Value) -> Value:
    """An RDS resource (``cluster-pg``, ``subgrp``) in the region and account of the cluster ARN ``cluster``."""
    fields = arn_fields(cluster)
    if fields is None:
        return arn("rds", values.region(), values.account(), _joined(resource_type, ":", name))
    return arn("rds", fields[3], fields[4], _joined(resource_type, ":", name))


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
    # Lambda's Amazon MQ and DocumentDB pages (linter/verdicts/requirements.py cites them); "cluster-pg" and
    # "subgrp" are the DocumentDB cluster's parameter group and subnet group (rds_arn_beside).
    "mq": (("mq:DescribeBroker", "source"), *((action, "*") for action in EC2_NETWORK_ACTIONS)),
    "rds": (
        ("rds:DescribeDBClusters", "source"),
        ("rds:DescribeDBClusterParameters", "cluster-pg"),
        ("rds:DescribeDBSubnetGroups", "subgrp"),
        *((action, "*") for action in EC2_NETWORK_ACTIONS),
    ),
}
SOURCE_LABELS = {"sqs": "SQS queue", "kinesis": "Kinesis stream", "dynamodb": "DynamoDB stream", "kafka": "MSK cluster"}
SOURCE_LABELS |= {"mq": "Amazon MQ broker", "rds": "DocumentDB cluster"}
SOURCE_LABELS["self-managed-kafka"] = "self-managed Kafka cluster"
# On-failure destinations of event source mappings: SQS, SNS, S3 (and Kafka topics, for Kafka sources).
ESM_DESTINATION_SERVICES = ("sqs", "sns", "s3")


def function_name_of(value: Any) -> Any:
    """The bare function name from a name, ``name:qualifier``, a full ARN or a partial ARN."""
    fields = arn_fields(value)
    if fields is not None:
        resource = fields[5]
    else:
        text = plain(value)
        if text is not None and text.count(":") >= 2 and ":function:" in text:
            resource = "function:" + text.split(":function:", 1)[1]  # partial ARN 123456789012:function:name
        else:
            resource = value
    text = plain(resource)
    if text is not None:
        if text.startswith("function:"):
            text = text[len("function:") :]
        return text.split(":")[0]
    if isinstance(resource, Text):
        parts = list(resource.parts)
        if isinstance(parts[0], str) and parts[0].startswith("function:"):
            parts[0] = parts[0][len("function:") :]
        kept: list[Any] = []
        for part in parts:
            if isinstance(part, str) and ":" in part:
                kept.append(part.split(":")[0])
                break
            kept.append(part)
        return make_text(kept)
    return resource
