"""Terraform resource-based policies: queue, topic, bus, bucket and key policies, and Lambda permissions.

Plain functions over a module instance's evaluator (``argument``, ``resource_attribute``, ``policy``), so references,
variables,
``jsonencode`` and ``aws_iam_policy_document`` (with its ``principals`` blocks) resolve exactly as for identity
policies. Argument names are those of the AWS provider's resources: ``aws_sqs_queue_policy`` (``queue_url``,
``policy``), ``aws_sns_topic_policy`` (``arn``, ``policy``), ``aws_cloudwatch_event_bus_policy``
(``event_bus_name``, default bus when omitted, ``policy``), ``aws_s3_bucket_policy`` (``bucket``, ``policy``),
``aws_lambda_permission`` (``function_name``, ``qualifier``, ``action``, ``principal`` and the condition
arguments), ``aws_kinesis_resource_policy`` (``resource_arn``, ``policy``: a stream's policy, which Lambda's
cross-account Kinesis event source mappings rely on), and the ``policy`` argument of ``aws_sqs_queue``,
``aws_sns_topic`` and ``aws_kms_key``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from infra_policy_linter.model.entities import ResourcePolicy, Unit
from infra_policy_linter.model.values import Unknown, Value
from infra_policy_linter.resolve.resource_policy_values import (
    PERMISSION_CONDITIONS,
    bucket_arn,
    bus_arn,
    function_arn,
    permission_policy,
    queue_arn_from_url,
)
from infra_policy_linter.resolve.terraform.attributes import resource_attribute
from infra_policy_linter.resolve.terraform.blocks import Block, Scope, attribute_location, location
from infra_policy_linter.resolve.terraform.expressions import Evaluator
from infra_policy_linter.resolve.terraform.modules import instances
from infra_policy_linter.resolve.terraform.policies import read_policy

Reader = Callable[[Evaluator, Block, str, Scope], "ResourcePolicy | None"]


def build_resource_policies(ev: Evaluator, unit: Unit) -> None:
    """Every resource-based policy the module's own resources write (called modules add theirs when built)."""
    for rtype, reader in _READERS.items():
        for block, at, scope in _instances(ev, rtype):
            found = reader(ev, block, at, scope)
            if found is not None:
                unit.resource_policies.append(found)


def _instances(ev: Evaluator, rtype: str) -> Iterator[tuple[Block, str, Scope]]:
    for block in ev.declarations.blocks_of(rtype):
        for suffix, scope in instances(ev, block.body):
            yield block, block.address + suffix, scope


def _document(
    ev: Evaluator, block: Block, at: str, scope: Scope, resources: list[Value], name: str | None = None
) -> ResourcePolicy | None:
    if "policy" not in block.body:
        return None
    loc = attribute_location(block, None, "policy")
    policy = read_policy(ev, name or at, block.body["policy"], loc, at, scope)
    return ResourcePolicy(at, resources, policy, location(block))


def _argument(ev: Evaluator, block: Block, key: str, scope: Scope) -> Any:
    if key not in block.body:
        return Unknown(f"{block.address}.{key}", f"missing: {block.address} sets no {key}")
    return ev.argument(block, key, scope)


def _queue_policy(ev: Evaluator, block: Block, at: str, scope: Scope) -> ResourcePolicy | None:
    queue = queue_arn_from_url(_argument(ev, block, "queue_url", scope))
    return _document(ev, block, at, scope, [queue])


def _topic_policy(ev: Evaluator, block: Block, at: str, scope: Scope) -> ResourcePolicy | None:
    return _document(ev, block, at, scope, [_argument(ev, block, "arn", scope)])


def _bus_policy(ev: Evaluator, block: Block, at: str, scope: Scope) -> ResourcePolicy | None:
    name = ev.argument(block, "event_bus_name", scope) if "event_bus_name" in block.body else "default"
    bus = bus_arn(name, ev.provider_region(block), ev.env.account())
    return _document(ev, block, at, scope, [bus])


def _bucket_policy(ev: Evaluator, block: Block, at: str, scope: Scope) -> ResourcePolicy | None:
    return _document(ev, block, at, scope, [bucket_arn(_argument(ev, block, "bucket", scope))])


def _kinesis_policy(ev: Evaluator, block: Block, at: str, scope: Scope) -> ResourcePolicy | None:
    return _document(ev, block, at, scope, [_argument(ev, block, "resource_arn", scope)])


def _own_policy(ev: Evaluator, block: Block, at: str, scope: Scope) -> ResourcePolicy | None:
    """The ``policy`` argument of the resource itself (a queue, a topic, a key)."""
    arn = resource_attribute(ev, block, "arn", scope)
    return _document(ev, block, at, scope, [arn], f"{at}.policy")


def _permission(ev: Evaluator, block: Block, at: str, scope: Scope) -> ResourcePolicy | None:
    qualifier = ev.argument(block, "qualifier", scope) if "qualifier" in block.body else None
    name = _argument(ev, block, "function_name", scope)
    region, account = ev.provider_region(block), ev.env.account()
    conditions: dict[str, dict[str, Value]] = {}
    for key, _, operator, condition_key in PERMISSION_CONDITIONS:
        if key in block.body:
            conditions.setdefault(operator, {})[condition_key] = ev.argument(block, key, scope)
    policy = permission_policy(
        at,
        _argument(ev, block, "action", scope),
        function_arn(name, qualifier, region, account),
        _argument(ev, block, "principal", scope),
        conditions,
        location(block),
        ev.argument(block, "statement_id", scope) if "statement_id" in block.body else None,
    )
    # A qualified permission is part of the version's or alias's own policy, not the function's.
    return ResourcePolicy(at, [function_arn(name, qualifier, region, account)], policy, policy.location)


_READERS: dict[str, Reader] = {
    "aws_sqs_queue_policy": _queue_policy,
    "aws_sqs_queue": _own_policy,
    "aws_sns_topic_policy": _topic_policy,
    "aws_sns_topic": _own_policy,
    "aws_cloudwatch_event_bus_policy": _bus_policy,
    "aws_s3_bucket_policy": _bucket_policy,
    "aws_kms_key": _own_policy,
    "aws_kinesis_resource_policy": _kinesis_policy,
    "aws_lambda_permission": _permission,
}
