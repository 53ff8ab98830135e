"""What ``Ref`` and ``Fn::GetAtt`` return, per resource type: one table each, the formulas from aws.py.

Used by resolution and, through the ARNs they produce, by the rules. A resource's own name comes from its name
property when set, else it is the name CloudFormation generates (an opaque unknown unique to the resource).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from infra_policy_linter.model import aws
from infra_policy_linter.model.values import Unknown, Value, generated_name

if TYPE_CHECKING:
    from infra_policy_linter.resolve.cloudformation.template import CloudFormationTemplate

Attribute = Callable[["CloudFormationTemplate", str], Value]

# Nested stacks: ``Fn::GetAtt Child.Outputs.Name`` reads the child template's output.
STACK_TYPES = ("AWS::CloudFormation::Stack", "AWS::Serverless::Application")


def _queue_name(t: CloudFormationTemplate, i: str) -> Value:
    return t.physical_name(i, "QueueName")


def _queue_arn(t: CloudFormationTemplate, i: str) -> Value:
    return aws.queue_arn(t.env.region(), t.env.account(), _queue_name(t, i))


def _queue_url(t: CloudFormationTemplate, i: str) -> Value:
    return aws.queue_url(t.env.region(), t.env.account(), _queue_name(t, i))


def _topic_arn(t: CloudFormationTemplate, i: str) -> Value:
    return aws.topic_arn(t.env.region(), t.env.account(), t.physical_name(i, "TopicName"))


def function_arn(t: CloudFormationTemplate, i: str) -> Value:
    return aws.function_arn(t.env.region(), t.env.account(), t.physical_name(i, "FunctionName"))


def _bus_arn(t: CloudFormationTemplate, i: str) -> Value:
    return aws.event_bus_arn(t.env.region(), t.env.account(), t.physical_name(i, "Name"))


def _bucket_arn(t: CloudFormationTemplate, i: str) -> Value:
    return aws.bucket_arn(t.physical_name(i, "BucketName"))


def _iam_path(t: CloudFormationTemplate, i: str) -> Value:
    props = t.props(i)
    return t.resolve(props["Path"]) if "Path" in props else "/"


def role_arn(t: CloudFormationTemplate, i: str) -> Value:
    return aws.role_arn(t.env.account(), _iam_path(t, i), t.physical_name(i, "RoleName"))


def managed_policy_arn(t: CloudFormationTemplate, i: str) -> Value:
    return aws.managed_policy_arn(t.env.account(), _iam_path(t, i), t.physical_name(i, "ManagedPolicyName"))


def _alias_arn(t: CloudFormationTemplate, i: str) -> Value:
    from infra_policy_linter.verdicts.link import function_name_of

    fn = t.resolve(t.props(i).get("FunctionName"))
    return aws.function_arn(t.env.region(), t.env.account(), function_name_of(fn), t.physical_name(i, "Name"))


def _key_id(t: CloudFormationTemplate, i: str) -> Value:
    return generated_name(t.scope + i, "AWS KMS")


def _key_arn(t: CloudFormationTemplate, i: str) -> Value:
    return aws.key_arn(t.env.region(), t.env.account(), _key_id(t, i))


def _stream_arn(t: CloudFormationTemplate, i: str) -> Value:
    return aws.kinesis_stream_arn(t.env.region(), t.env.account(), t.physical_name(i, "Name"))


def _consumer_arn(t: CloudFormationTemplate, i: str) -> Value:
    created = Unknown(f"{t.scope}{i}.ConsumerCreationTimestamp", f"the time AWS registers {i}", atom=True)
    props = t.props(i)
    return aws.stream_consumer_arn(t.resolve(props.get("StreamARN")), t.resolve(props.get("ConsumerName")), created)


def _table_arn(t: CloudFormationTemplate, i: str) -> Value:
    return aws.dynamodb_table_arn(t.env.region(), t.env.account(), t.physical_name(i, "TableName"))


def _table_stream_arn(t: CloudFormationTemplate, i: str) -> Value:
    label = Unknown(f"{t.scope}{i}.StreamLabel", f"the stream label of {i}", atom=True)
    return aws.dynamodb_stream_arn(t.env.region(), t.env.account(), t.physical_name(i, "TableName"), label)


def _msk_arn(t: CloudFormationTemplate, i: str) -> Value:
    uuid = Unknown(f"{t.scope}{i}.uuid", f"the id AWS gives {i}", atom=True)
    return aws.msk_cluster_arn(t.env.region(), t.env.account(), t.physical_name(i, "ClusterName"), uuid)


def _named(prop: str) -> Attribute:
    """The resource's name property (or the name CloudFormation generates)."""
    return lambda t, i: t.physical_name(i, prop)


REF: dict[str, Attribute] = {
    "AWS::Kinesis::Stream": _named("Name"),
    "AWS::Kinesis::StreamConsumer": _consumer_arn,
    "AWS::DynamoDB::Table": _named("TableName"),
    "AWS::MSK::Cluster": _msk_arn,
    "AWS::MSK::ServerlessCluster": _msk_arn,
    "AWS::KMS::Key": _key_id,
    "AWS::KMS::Alias": lambda t, i: t.resolve(t.props(i).get("AliasName")),
    "AWS::Serverless::Function": _named("FunctionName"),
    "AWS::SQS::Queue": _queue_url,
    "AWS::SNS::Topic": _topic_arn,
    "AWS::Lambda::Function": _named("FunctionName"),
    "AWS::Lambda::Alias": _alias_arn,
    "AWS::Events::EventBus": _named("Name"),
    "AWS::IAM::Role": _named("RoleName"),
    "AWS::IAM::ManagedPolicy": managed_policy_arn,
    "AWS::S3::Bucket": _named("BucketName"),
}

GETATT: dict[tuple[str, str], Attribute] = {
    ("AWS::Kinesis::Stream", "Arn"): _stream_arn,
    ("AWS::Kinesis::StreamConsumer", "ConsumerARN"): _consumer_arn,
    ("AWS::Kinesis::StreamConsumer", "ConsumerName"): lambda t, i: t.resolve(t.props(i).get("ConsumerName")),
    ("AWS::Kinesis::StreamConsumer", "StreamARN"): lambda t, i: t.resolve(t.props(i).get("StreamARN")),
    ("AWS::DynamoDB::Table", "Arn"): _table_arn,
    ("AWS::DynamoDB::Table", "StreamArn"): _table_stream_arn,
    ("AWS::MSK::Cluster", "Arn"): _msk_arn,
    ("AWS::MSK::ServerlessCluster", "Arn"): _msk_arn,
    ("AWS::KMS::Key", "Arn"): _key_arn,
    ("AWS::KMS::Key", "KeyId"): _key_id,
    ("AWS::SQS::Queue", "Arn"): _queue_arn,
    ("AWS::SQS::Queue", "QueueName"): _queue_name,
    ("AWS::SQS::Queue", "QueueUrl"): _queue_url,
    ("AWS::SNS::Topic", "TopicArn"): _topic_arn,
    ("AWS::SNS::Topic", "TopicName"): _named("TopicName"),
    ("AWS::Lambda::Function", "Arn"): function_arn,
    ("AWS::Serverless::Function", "Arn"): function_arn,
    ("AWS::Events::EventBus", "Arn"): _bus_arn,
    ("AWS::Events::EventBus", "Name"): _named("Name"),
    ("AWS::IAM::Role", "Arn"): role_arn,
    ("AWS::IAM::ManagedPolicy", "PolicyArn"): managed_policy_arn,
    ("AWS::S3::Bucket", "Arn"): _bucket_arn,
}
