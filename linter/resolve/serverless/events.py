"""Event source mappings the Serverless Framework generates for a function's events, and the grants it adds to
the shared role for them.

Source: serverless/serverless v3.39.0 ``lib/plugins/aws/package/compile/events/`` ``stream.js`` (DynamoDB and
Kinesis reads; ``destinations.onFailure`` of a stream event: ``sns:Publish``, or ``sqs:ListQueues`` and
``sqs:SendMessage``, on the destination), ``sqs.js`` (ReceiveMessage, DeleteMessage, GetQueueAttributes),
``msk/index.js`` (``kafka:DescribeCluster``, ``kafka:GetBootstrapBrokers``), ``activemq.js`` / ``rabbitmq.js``
(``mq:DescribeBroker``), ``kafka.js`` (self-managed: no event source ARN). Each adds its statements to
``IamRoleLambdaExecution`` whenever that role exists, whichever role the function itself uses. Only stream events
have an on-failure destination in the framework.
"""

from __future__ import annotations

import re
from typing import Any

from infra_policy_linter.resolve.serverless.nodes import key_of, marked
from infra_policy_linter.resolve.serverless.roles import SHARED_ROLE, add_statement, normalized

READ_ACTIONS = {
    "dynamodb": (
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:DescribeStream",
        "dynamodb:ListStreams",
    ),
    "kinesis": ("kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream", "kinesis:ListStreams"),
    "sqs": ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
    "msk": ("kafka:DescribeCluster", "kafka:GetBootstrapBrokers"),
    "activemq": ("mq:DescribeBroker",),
    "rabbitmq": ("mq:DescribeBroker",),
}
_FAILURE_ACTIONS = {"sns": ("sns:Publish",), "sqs": ("sqs:ListQueues", "sqs:SendMessage")}
_SERVICES = {
    "dynamodb": "dynamodb",
    "kinesis": "kinesis",
    "sqs": "sqs",
    "msk": "kafka",
    "activemq": "mq",
    "rabbitmq": "mq",
}
_ESM_TYPES = ("stream", "sqs", "msk", "kafka", "activemq", "rabbitmq")


def stream_type(spec: Any, arn: Any) -> str | None:
    """``type`` as written, else the service field of the ARN (stream.js)."""
    if isinstance(spec, dict) and isinstance(spec.get("type"), str):
        return str(spec["type"])
    if isinstance(arn, str) and arn.count(":") >= 2:
        return arn.split(":")[2]
    return None


def _arn_of(kind: str, spec: Any) -> Any:
    if kind in ("activemq", "rabbitmq"):
        return spec.get("arn") if isinstance(spec, dict) else None
    if isinstance(spec, dict) and "arn" in spec:
        return spec["arn"]
    return spec if kind != "kafka" else None


def _name_part(arn: Any) -> str:
    text = arn if isinstance(arn, str) else str(next(iter(arn.values()), "")) if isinstance(arn, dict) else ""
    return re.sub(r"[^0-9A-Za-z]", "", text.split("/")[-1].split(":")[-1])


def compile_events(
    key: str, function: dict[str, Any], resources: dict[str, Any], origin: Any, function_id: str
) -> None:
    """One EventSourceMapping per stream, SQS, MSK, Kafka, ActiveMQ and RabbitMQ event; the shared role's grants."""
    events = function.get("events")
    for index, event in enumerate(events if isinstance(events, list) else []):
        if not isinstance(event, dict) or len(event) != 1:
            continue
        kind = str(next(iter(event)))
        if kind not in _ESM_TYPES:
            continue
        spec = event[kind]
        arn = _arn_of(kind, spec)
        group = stream_type(spec, arn) if kind == "stream" else kind
        logical = f"{normalized(key)}EventSourceMapping{normalized(str(group or kind))}{_name_part(arn)}{index}"
        props: dict[str, Any] = {"FunctionName": {"Fn::GetAtt": [function_id, "Arn"]}}
        if arn is not None:
            props["EventSourceArn"] = arn
        where = key_of(event, kind)
        if group in READ_ACTIONS and arn is not None:
            add_statement(
                resources,
                SHARED_ROLE,
                {"Effect": "Allow", "Action": list(READ_ACTIONS[group]), "Resource": [arn]},
                spec,
            )
        if kind == "msk":
            add_statement(resources, SHARED_ROLE, _ec2(), spec)
        failure = _on_failure(spec) if kind == "stream" else None
        if failure is not None:
            props["DestinationConfig"] = failure[0]
            actions = _FAILURE_ACTIONS.get(failure[1] or "")
            if actions:
                add_statement(
                    resources,
                    SHARED_ROLE,
                    {"Effect": "Allow", "Action": list(actions), "Resource": [failure[2]]},
                    failure[3],
                )
        resources[marked(logical, where)] = blanket_keys(
            {"Type": "AWS::Lambda::EventSourceMapping", "Properties": props}, spec, where
        )
        origin.addresses[logical] = f"{key}.events[{index}].{kind}"
        service = _SERVICES.get(str(group))
        if service:
            origin.source_services[logical] = service


def blanket_keys(resource: dict[str, Any], spec: Any, where: Any) -> Any:
    """The mapping positioned at its event; ``EventSourceArn`` at the event's ARN as written."""
    props = resource["Properties"]
    arn_key = key_of(spec, "arn") if isinstance(spec, dict) else None
    out = {k: v for k, v in props.items()}
    if "EventSourceArn" in props:
        del out["EventSourceArn"]
        out[marked("EventSourceArn", arn_key or where)] = props["EventSourceArn"]
    return marked({"Type": resource["Type"], "Properties": marked(out, spec)}, where)


def _on_failure(spec: Any) -> tuple[Any, str | None, Any, Any] | None:
    """(DestinationConfig, the destination's service, its ARN, its node) of a stream event."""
    destinations = spec.get("destinations") if isinstance(spec, dict) else None
    target = destinations.get("onFailure") if isinstance(destinations, dict) else None
    if target is None:
        return None
    arn = target.get("arn") if isinstance(target, dict) and "arn" in target else target
    kind = target.get("type") if isinstance(target, dict) and isinstance(target.get("type"), str) else None
    if kind is None and isinstance(arn, str) and arn.count(":") >= 2:
        kind = arn.split(":")[2]
    key = key_of(destinations, "onFailure")
    config = {"OnFailure": marked({marked("Destination", key): arn}, target)}
    return config, kind, arn, target


def _ec2() -> dict[str, Any]:
    actions = [
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeVpcs",
        "ec2:DeleteNetworkInterface",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
    ]
    return {"Effect": "Allow", "Action": actions, "Resource": "*"}
