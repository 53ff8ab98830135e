"""CloudFormation resource-based policies: queue, topic, bus, bucket and key policies, and Lambda permissions.

Property names are those of cfn-lint's bundled resource schemas: ``AWS::SQS::QueuePolicy`` (``Queues``: queue URLs,
``PolicyDocument``), ``AWS::SQS::QueueInlinePolicy`` (``Queue``, ``PolicyDocument``), ``AWS::SNS::TopicPolicy``
(``Topics``: topic ARNs, ``PolicyDocument``), ``AWS::SNS::TopicInlinePolicy`` (``TopicArn``, ``PolicyDocument``),
``AWS::Lambda::Permission`` (``FunctionName``, ``Action``, ``Principal`` and the condition properties),
``AWS::Events::EventBusPolicy`` (``EventBusName``, default bus when omitted, and either ``Statement`` or the older
``Action`` / ``Principal`` / ``Condition``), ``AWS::S3::BucketPolicy`` (``Bucket``, ``PolicyDocument``),
``AWS::KMS::Key`` (``KeyPolicy``) and ``AWS::Kinesis::ResourcePolicy`` (``ResourceArn``, ``ResourcePolicy``).
Values resolve through the template's own intrinsics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from infra_policy_linter.model.entities import ResourcePolicy, Unit
from infra_policy_linter.model.located import Location
from infra_policy_linter.model.values import Unknown, Value
from infra_policy_linter.resolve.resource_policy_values import (
    PERMISSION_CONDITIONS,
    bucket_arn,
    bus_arn,
    function_arn,
    permission_policy,
    queue_arn_from_url,
)

if TYPE_CHECKING:
    from infra_policy_linter.resolve.cloudformation.template import CloudFormationTemplate

Reader = Callable[["CloudFormationTemplate", str], "ResourcePolicy | None"]


def build_resource_policies(t: CloudFormationTemplate, unit: Unit) -> None:
    for logical_id in sorted(str(k) for k in t.resources):
        reader = _READERS.get(t.type_of(logical_id) or "")
        if reader is not None and t.exists(logical_id):
            found = reader(t, logical_id)
            if found is not None:
                unit.resource_policies.append(found)


def _value(t: CloudFormationTemplate, node: Any, what: str) -> Any:
    from infra_policy_linter.resolve.cloudformation.nodes import NO_VALUE

    value = t.resolve(node)
    if value is NO_VALUE or value is None:
        return Unknown(what, f"{what}, which is not set")
    return value


def _items(t: CloudFormationTemplate, node: Any, what: str) -> list[tuple[Any, Any]]:
    """(node, resolved value) per entry of a list property (or of one value that resolves to a list)."""
    if isinstance(node, list):
        return [(n, _value(t, n, what)) for n in node]
    value = _value(t, node, what)
    return [(node, v) for v in value] if isinstance(value, list) else [(node, value)]


def _document(t: CloudFormationTemplate, logical_id: str, key: str, resources: list[Value]) -> ResourcePolicy | None:
    props = t.props(logical_id)
    if key not in props:
        return None
    loc = t.location_of(logical_id)
    policy = t.policy(logical_id, props[key], loc, logical_id)
    return ResourcePolicy(logical_id, resources, policy, loc)


def _queue_arn(t: CloudFormationTemplate, node: Any, value: Any) -> Any:
    """A queue given by its URL (a queue's Ref is its URL): the queue's ARN."""
    return queue_arn_from_url(value)


def _queue_policy(t: CloudFormationTemplate, logical_id: str) -> ResourcePolicy | None:
    props = t.props(logical_id)
    queues = [_queue_arn(t, n, v) for n, v in _items(t, props.get("Queues"), f"{logical_id}.Queues")]
    return _document(t, logical_id, "PolicyDocument", queues)


def _queue_inline_policy(t: CloudFormationTemplate, logical_id: str) -> ResourcePolicy | None:
    node = t.props(logical_id).get("Queue")
    queue = _queue_arn(t, node, _value(t, node, f"{logical_id}.Queue"))
    return _document(t, logical_id, "PolicyDocument", [queue])


def _topic_policy(t: CloudFormationTemplate, logical_id: str) -> ResourcePolicy | None:
    topics = [v for _, v in _items(t, t.props(logical_id).get("Topics"), f"{logical_id}.Topics")]
    return _document(t, logical_id, "PolicyDocument", topics)


def _topic_inline_policy(t: CloudFormationTemplate, logical_id: str) -> ResourcePolicy | None:
    topic = _value(t, t.props(logical_id).get("TopicArn"), f"{logical_id}.TopicArn")
    return _document(t, logical_id, "PolicyDocument", [topic])


def _bucket_policy(t: CloudFormationTemplate, logical_id: str) -> ResourcePolicy | None:
    bucket = _value(t, t.props(logical_id).get("Bucket"), f"{logical_id}.Bucket")
    return _document(t, logical_id, "PolicyDocument", [bucket_arn(bucket)])


def _kinesis_policy(t: CloudFormationTemplate, logical_id: str) -> ResourcePolicy | None:
    stream = _value(t, t.props(logical_id).get("ResourceArn"), f"{logical_id}.ResourceArn")
    return _document(t, logical_id, "ResourcePolicy", [stream])


def _key_policy(t: CloudFormationTemplate, logical_id: str) -> ResourcePolicy | None:
    return _document(t, logical_id, "KeyPolicy", [t.get_att(logical_id, "Arn")])


def _bus_policy(t: CloudFormationTemplate, logical_id: str) -> ResourcePolicy | None:
    props = t.props(logical_id)
    name = _value(t, props["EventBusName"], f"{logical_id}.EventBusName") if "EventBusName" in props else "default"
    bus = bus_arn(name, t.env.region(), t.env.account())
    loc = t.location_of(logical_id)
    if "Statement" in props:
        document: Any = {"Statement": [props["Statement"]]}
    else:
        # The older form: one account (or "*") may put events on the bus, optionally under a condition.
        principal = props.get("Principal")
        statement: dict[str, Any] = {
            "Effect": "Allow",
            "Principal": principal if principal == "*" else {"AWS": principal},
            "Action": props.get("Action", "events:PutEvents"),
            "Resource": bus,
        }
        if "Condition" in props:
            statement["Condition"] = props["Condition"]
        document = {"Statement": [statement]}
    policy = t.policy(logical_id, document, loc, logical_id)
    return ResourcePolicy(logical_id, [bus], policy, loc)


def _permission(t: CloudFormationTemplate, logical_id: str) -> ResourcePolicy | None:
    props = t.props(logical_id)
    name = _value(t, props.get("FunctionName"), f"{logical_id}.FunctionName")
    function = function_arn(name, None, t.env.region(), t.env.account())
    conditions: dict[str, dict[str, Value]] = {}
    for _, key, operator, condition_key in PERMISSION_CONDITIONS:
        if key in props:
            conditions.setdefault(operator, {})[condition_key] = _value(t, props[key], f"{logical_id}.{key}")
    loc: Location = t.location_of(logical_id)
    policy = permission_policy(
        logical_id,
        _value(t, props.get("Action"), f"{logical_id}.Action"),
        function,
        _value(t, props.get("Principal"), f"{logical_id}.Principal"),
        conditions,
        loc,
    )
    return ResourcePolicy(logical_id, [function], policy, loc)


_READERS: dict[str, Reader] = {
    "AWS::SQS::QueuePolicy": _queue_policy,
    "AWS::SQS::QueueInlinePolicy": _queue_inline_policy,
    "AWS::SNS::TopicPolicy": _topic_policy,
    "AWS::SNS::TopicInlinePolicy": _topic_inline_policy,
    "AWS::S3::BucketPolicy": _bucket_policy,
    "AWS::KMS::Key": _key_policy,
    "AWS::Kinesis::ResourcePolicy": _kinesis_policy,
    "AWS::Events::EventBusPolicy": _bus_policy,
    "AWS::Lambda::Permission": _permission,
}
