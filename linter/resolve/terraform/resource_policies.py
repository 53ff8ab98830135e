"""Terraform resource-based policies: queue, topic, bus, bucket and key policies, and Lambda permissions.

Read with the module's own evaluation (``argument``, ``resource_attribute``, ``policy``), so references, variables,
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
from typing import TYPE_CHECKING, Any

from infra_policy_linter.model.entities import ResourcePolicy, Unit
from infra_policy_linter.model.values import Unknown, Value, plain
from infra_policy_linter.resolve.resource_policy_values import (
    PERMISSION_CONDITIONS,
    bucket_arn,
    bus_arn,
    function_arn,
    permission_policy,
    queue_arn_from_url,
)

if TYPE_CHECKING:
    from infra_policy_linter.resolve.terraform.module import Block, Scope, TerraformModule

Reader = Callable[["TerraformModule", "Block", str, "Scope"], "ResourcePolicy | None"]


def statement_principals(
    module: TerraformModule, block: Block, raw: dict[str, Any], scope: Scope
) -> tuple[dict[str, list[Value]] | None, dict[str, list[Value]] | None]:
    """The ``principals`` and ``not_principals`` blocks of one ``aws_iam_policy_document`` statement."""
    return _principal_blocks(module, block, raw, "principals", scope), _principal_blocks(
        module, block, raw, "not_principals", scope
    )


def _principal_blocks(
    module: TerraformModule, block: Block, raw: dict[str, Any], name: str, scope: Scope
) -> dict[str, list[Value]] | None:
    found = module.nested(block, raw, name, scope)
    if not found:
        return None
    out: dict[str, list[Value]] = {}
    for nested in found:
        ptype = plain(module.evaluate_raw(nested.body.get("type"), nested.scope)) or "*"
        ids = module.evaluate_raw(nested.body.get("identifiers"), nested.scope)
        if nested.unknown is not None:
            ids = [Unknown(f"{name}.identifiers", nested.unknown)]
        out.setdefault(ptype, []).extend(ids if isinstance(ids, list) else [ids])
    return out


def build_resource_policies(module: TerraformModule, unit: Unit) -> None:
    """Every resource-based policy the module's own resources write (called modules add theirs when built)."""
    for rtype, reader in _READERS.items():
        for block, at, scope in _instances(module, rtype):
            found = reader(module, block, at, scope)
            if found is not None:
                unit.resource_policies.append(found)


def _instances(module: TerraformModule, rtype: str) -> Iterator[tuple[Block, str, Scope]]:
    for block in module.blocks_of(rtype):
        for suffix, scope in module.instances(block):
            yield block, block.address + suffix, scope


def _document(
    module: TerraformModule, block: Block, at: str, scope: Scope, resources: list[Value], name: str | None = None
) -> ResourcePolicy | None:
    if "policy" not in block.body:
        return None
    loc = module.attribute_location(block, None, "policy")
    policy = module.policy(name or at, block.body["policy"], loc, at, scope)
    return ResourcePolicy(at, resources, policy, module.location(block))


def _argument(module: TerraformModule, block: Block, key: str, scope: Scope) -> Any:
    if key not in block.body:
        return Unknown(f"{block.address}.{key}", f"missing: {block.address} sets no {key}")
    return module.argument(block, key, scope)


def _queue_policy(module: TerraformModule, block: Block, at: str, scope: Scope) -> ResourcePolicy | None:
    queue = queue_arn_from_url(_argument(module, block, "queue_url", scope))
    return _document(module, block, at, scope, [queue])


def _topic_policy(module: TerraformModule, block: Block, at: str, scope: Scope) -> ResourcePolicy | None:
    return _document(module, block, at, scope, [_argument(module, block, "arn", scope)])


def _bus_policy(module: TerraformModule, block: Block, at: str, scope: Scope) -> ResourcePolicy | None:
    name = module.argument(block, "event_bus_name", scope) if "event_bus_name" in block.body else "default"
    bus = bus_arn(name, module.provider_region(block), module.env.account())
    return _document(module, block, at, scope, [bus])


def _bucket_policy(module: TerraformModule, block: Block, at: str, scope: Scope) -> ResourcePolicy | None:
    return _document(module, block, at, scope, [bucket_arn(_argument(module, block, "bucket", scope))])


def _kinesis_policy(module: TerraformModule, block: Block, at: str, scope: Scope) -> ResourcePolicy | None:
    return _document(module, block, at, scope, [_argument(module, block, "resource_arn", scope)])


def _own_policy(module: TerraformModule, block: Block, at: str, scope: Scope) -> ResourcePolicy | None:
    """The ``policy`` argument of the resource itself (a queue, a topic, a key)."""
    arn = module.resource_attribute(block, "arn", scope)
    return _document(module, block, at, scope, [arn], f"{at}.policy")


def _permission(module: TerraformModule, block: Block, at: str, scope: Scope) -> ResourcePolicy | None:
    qualifier = module.argument(block, "qualifier", scope) if "qualifier" in block.body else None
    name = _argument(module, block, "function_name", scope)
    region, account = module.provider_region(block), module.env.account()
    conditions: dict[str, dict[str, Value]] = {}
    for key, _, operator, condition_key in PERMISSION_CONDITIONS:
        if key in block.body:
            conditions.setdefault(operator, {})[condition_key] = module.argument(block, key, scope)
    policy = permission_policy(
        at,
        _argument(module, block, "action", scope),
        function_arn(name, qualifier, region, account),
        _argument(module, block, "principal", scope),
        conditions,
        module.location(block),
        module.argument(block, "statement_id", scope) if "statement_id" in block.body else None,
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
