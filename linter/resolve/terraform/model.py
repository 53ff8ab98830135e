"""The model of a Terraform module instance: functions, roles and their policies, policy attachments, invoke
configs and event source mappings (what their destinations and sources name comes from targets.py); then the same
for every module it calls. Plain functions over the module instance (module.py), one step per part of the model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from infra_policy_linter.model.entities import (
    EventSourceMapping,
    Function,
    InlineAttachment,
    InvokeConfig,
    Language,
    ManagedAttachment,
    ManagedPolicy,
    Policy,
    Role,
    Unit,
)
from infra_policy_linter.model.values import Unknown, plain
from infra_policy_linter.parsers.suppressions import comment_suppressions
from infra_policy_linter.parsers.terraform import TfFile
from infra_policy_linter.resolve.terraform.attributes import resource_attribute
from infra_policy_linter.resolve.terraform.blocks import Block, Scope, as_list, attribute_location, hcl_source, location
from infra_policy_linter.resolve.terraform.modules import instances, unfollowed
from infra_policy_linter.resolve.terraform.policies import read_policy
from infra_policy_linter.resolve.terraform.resource_policies import build_resource_policies
from infra_policy_linter.resolve.terraform.source_access import read_source_access
from infra_policy_linter.resolve.terraform.targets import (
    arn_addresses,
    destination,
    direct_reference,
    role_name_for_caller,
    source_facts,
)

if TYPE_CHECKING:
    from infra_policy_linter.resolve.terraform.module import TerraformModule


def build_model(module: TerraformModule, unit: Unit) -> None:
    """Adds the module instance's part of the model to a unit: one step per part of the model, in the order the
    unit lists them; the called modules last."""
    _functions(module, unit)
    _dead_letters(module, unit)
    _roles(module, unit)
    _managed_policies(module, unit)
    _role_policies(module, unit)
    _policy_attachments(module, unit)
    _invoke_configs(module, unit)
    _event_source_mappings(module, unit)
    # queue, topic, bus, bucket and key policies, Lambda permissions
    build_resource_policies(module.evaluator, unit)
    _called_modules(module, unit)


def _functions(module: TerraformModule, unit: Unit) -> None:
    ev = module.evaluator
    for block, at, scope in _each(module, "aws_lambda_function"):
        unit.functions.append(
            Function(
                address=at,
                name=resource_attribute(ev, block, "function_name", scope),
                arn=resource_attribute(ev, block, "arn", scope),
                role=ev.argument(block, "role", scope)
                if "role" in block.body
                else Unknown(f"{at}.role", f"missing: {at} sets no role"),
                location=location(block),
                role_location=attribute_location(block, None, "role"),
            )
        )


def _dead_letters(module: TerraformModule, unit: Unit) -> None:
    """Each function's dead_letter_config target_arn (a dynamic block too: terraform-aws-modules/lambda writes one),
    on the function _functions added for the same instance."""
    ev = module.evaluator
    functions = {fn.address: fn for fn in unit.functions}
    for block, at, scope in _each(module, "aws_lambda_function"):
        for config in ev.nested(block, block.body, "dead_letter_config", scope):
            if "target_arn" in config.body and at in functions:
                target = destination(module, block, config, "target_arn", "dead_letter", config.unknown)
                functions[at].dead_letter = None if target.arn is None else target


def _roles(module: TerraformModule, unit: Unit) -> None:
    ev = module.evaluator
    for block, at, scope in _each(module, "aws_iam_role"):
        role = Role(
            address=at,
            name=resource_attribute(ev, block, "name", scope),
            arn=resource_attribute(ev, block, "arn", scope),
            location=location(block),
            boundary=(
                ev.argument(block, "permissions_boundary", scope) if "permissions_boundary" in block.body else None
            ),
            name_source=f"{at[len(module.prefix) :]}.name",  # the fix goes into this module's own files
            caller_name_source=role_name_for_caller(module, at),
        )
        for inline in ev.nested(block, block.body, "inline_policy", scope):
            if "policy" not in inline.body:
                continue
            pname = plain(ev.evaluate_raw(inline.body.get("name"), inline.scope)) or "unnamed"
            loc = attribute_location(block, inline.body, "policy")
            policy = read_policy(ev, f"inline policy {pname!r} of {at}", inline.body["policy"], loc, at, inline.scope)
            if inline.unknown is not None:
                policy = Policy(policy.name, [], loc, unresolved=inline.unknown, address=at)
            role.inline_policies.append(policy)
        if "managed_policy_arns" in block.body:
            loc = attribute_location(block, None, "managed_policy_arns")
            for arn in as_list(ev.argument(block, "managed_policy_arns", scope)):
                role.managed_policy_arns.append((arn, loc))
        unit.roles.append(role)


def _managed_policies(module: TerraformModule, unit: Unit) -> None:
    ev = module.evaluator
    for block, at, scope in _each(module, "aws_iam_policy"):
        loc = attribute_location(block, None, "policy")
        unit.managed_policies.append(
            ManagedPolicy(
                address=at,
                arn=resource_attribute(ev, block, "arn", scope),
                policy=read_policy(ev, at, block.body.get("policy"), loc, at, scope),
                location=location(block),
            )
        )


def _role_policies(module: TerraformModule, unit: Unit) -> None:
    ev = module.evaluator
    for block, at, scope in _each(module, "aws_iam_role_policy"):
        loc = attribute_location(block, None, "policy")
        unit.inline_attachments.append(
            InlineAttachment(
                role=ev.argument(block, "role", scope),
                policy=read_policy(ev, at, block.body.get("policy"), loc, at, scope),
                location=location(block),
            )
        )


def _policy_attachments(module: TerraformModule, unit: Unit) -> None:
    ev = module.evaluator
    for block, at, scope in _each(module, "aws_iam_role_policy_attachment"):
        unit.managed_attachments.append(
            ManagedAttachment(
                role=ev.argument(block, "role", scope),
                policy_arn=ev.argument(block, "policy_arn", scope),
                location=location(block),
                address=at,
            )
        )
    for block, at, scope in _each(module, "aws_iam_policy_attachment"):
        roles = ev.argument(block, "roles", scope) if "roles" in block.body else []
        for role_name in as_list(roles):
            unit.managed_attachments.append(
                ManagedAttachment(
                    role=role_name,
                    policy_arn=ev.argument(block, "policy_arn", scope),
                    location=location(block),
                    address=at,
                )
            )


def _invoke_configs(module: TerraformModule, unit: Unit) -> None:
    for block, at, scope in _each(module, "aws_lambda_function_event_invoke_config"):
        unit.invoke_configs.append(_invoke_config(module, block, at, scope))


def _event_source_mappings(module: TerraformModule, unit: Unit) -> None:
    for block, at, scope in _each(module, "aws_lambda_event_source_mapping"):
        unit.event_source_mappings.append(_event_source_mapping(module, block, at, scope))


def _called_modules(module: TerraformModule, unit: Unit) -> None:
    for name in sorted(module.declarations.calls):
        called = module.children(name)
        if isinstance(called, str):
            unit.unfollowed.append(unfollowed(module.declarations, name, called))
            continue
        for _, child in called:
            build_model(child, unit)
            for tf in child.files:
                if tf.path in unit.files:
                    continue  # another instance, or another call of the same module, brought it in
                unit.files.append(tf.path)
                unit.languages[tf.path] = file_language(tf)
                if not tf.path.endswith(".json"):
                    unit.suppressions.extend(comment_suppressions(tf.path, tf.lines, "hcl"))


def _event_source_mapping(module: TerraformModule, block: Block, at: str, scope: Scope) -> EventSourceMapping:
    ev = module.evaluator
    raw_fn = block.body.get("function_name")
    raw_source = block.body.get("event_source_arn")
    mapping = EventSourceMapping(
        address=at,
        function=ev.argument(block, "function_name", scope)
        if raw_fn is not None
        else Unknown(f"{at}.function_name", "no function_name"),
        location=location(block),
        source=ev.evaluate_raw(raw_source, scope)
        if raw_source is not None
        else Unknown(
            f"{at}.event_source_arn",
            "no event_source_arn (a self-managed Kafka or Amazon MQ source)",
            no_source=True,
        ),
        source_location=attribute_location(block, None, "event_source_arn"),
        source_ref=direct_reference(ev, raw_source, None, scope) or hcl_source(raw_source),
        source_text=hcl_source(raw_source) if raw_source is not None else "",
        function_address=direct_reference(ev, raw_fn, "aws_lambda_function", scope),
    )
    for dc in ev.nested(block, block.body, "destination_config", scope):
        for target in ev.nested(block, dc.body, "on_failure", dc.scope):
            if "destination_arn" in target.body:
                mapping.on_failure = destination(module, block, target, "destination_arn", "on_failure", dc.unknown)
    source_facts(module, mapping, direct_reference(ev, raw_source, None, scope) if raw_source else None)
    mapping.source_address_in = arn_addresses(module, mapping.source)
    read_source_access(module, block, scope, mapping)
    return mapping


def _each(module: TerraformModule, rtype: str) -> Iterator[tuple[Block, str, Scope]]:
    ev = module.evaluator
    for block in module.declarations.blocks_of(rtype):
        for suffix, scope in instances(ev, block.body):
            yield block, block.address + suffix, scope


def _invoke_config(module: TerraformModule, block: Block, at: str, scope: Scope) -> InvokeConfig:
    ev = module.evaluator
    raw_fn = block.body.get("function_name")
    config = InvokeConfig(
        address=at,
        function=ev.argument(block, "function_name", scope)
        if raw_fn is not None
        else Unknown(f"{at}.function_name", "no function_name"),
        location=location(block),
        qualifier=ev.argument(block, "qualifier", scope) if "qualifier" in block.body else None,
        function_address=direct_reference(ev, raw_fn, "aws_lambda_function", scope),
    )
    if "maximum_retry_attempts" in block.body:
        config.retry_attempts = ev.argument(block, "maximum_retry_attempts", scope)
        config.retry_location = attribute_location(block, None, "maximum_retry_attempts")
    if "maximum_event_age_in_seconds" in block.body:
        config.event_age = ev.argument(block, "maximum_event_age_in_seconds", scope)
        config.event_age_location = attribute_location(block, None, "maximum_event_age_in_seconds")
    for dc in ev.nested(block, block.body, "destination_config", scope):
        for kind in ("on_success", "on_failure"):
            for target in ev.nested(block, dc.body, kind, dc.scope):
                if "destination" in target.body:
                    config.destinations.append(destination(module, block, target, "destination", kind, dc.unknown))
    return config


def file_language(tf: TfFile) -> Language:
    """Fixes for a Terraform module are written in HCL, even next to a .tf.json file (both are one module)."""
    return "hcl"
