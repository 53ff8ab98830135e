"""The model of a Terraform module: functions, roles and their policies, policy attachments, invoke configs and
event source mappings (what their destinations and sources name comes from targets.py); then the same
for every module it calls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

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
from infra_policy_linter.resolve.terraform.blocks import Block, Scope, as_list, hcl_source
from infra_policy_linter.resolve.terraform.resource_policies import build_resource_policies
from infra_policy_linter.resolve.terraform.source_access import read_source_access
from infra_policy_linter.resolve.terraform.targets import TargetFacts

if TYPE_CHECKING:
    from infra_policy_linter.resolve.terraform.module import TerraformModule


class ModelBuilder(TargetFacts):
    """Adds the module's part of the model to a unit."""

    def build(self, unit: Unit) -> None:
        """One step per part of the model, in the order the unit lists them; the called modules last."""
        self._functions(unit)
        self._roles(unit)
        self._managed_policies(unit)
        self._role_policies(unit)
        self._policy_attachments(unit)
        self._invoke_configs(unit)
        self._event_source_mappings(unit)
        # queue, topic, bus, bucket and key policies, Lambda permissions (the readers take the whole module)
        build_resource_policies(cast("TerraformModule", self), unit)
        self._called_modules(unit)

    def _functions(self, unit: Unit) -> None:
        for block, at, scope in self._each("aws_lambda_function"):
            unit.functions.append(
                Function(
                    address=at,
                    name=self.resource_attribute(block, "function_name", scope),
                    arn=self.resource_attribute(block, "arn", scope),
                    role=self.argument(block, "role", scope)
                    if "role" in block.body
                    else Unknown(f"{at}.role", f"missing: {at} sets no role"),
                    location=self.location(block),
                    role_location=self.attribute_location(block, None, "role"),
                )
            )

    def _roles(self, unit: Unit) -> None:
        for block, at, scope in self._each("aws_iam_role"):
            role = Role(
                address=at,
                name=self.resource_attribute(block, "name", scope),
                arn=self.resource_attribute(block, "arn", scope),
                location=self.location(block),
                boundary=(
                    self.argument(block, "permissions_boundary", scope)
                    if "permissions_boundary" in block.body
                    else None
                ),
                name_source=f"{at[len(self.prefix) :]}.name",  # the fix goes into this module's own files
                caller_name_source=self._role_name_for_caller(at),
            )
            for inline in self.nested(block, block.body, "inline_policy", scope):
                if "policy" not in inline.body:
                    continue
                pname = plain(self.evaluate_raw(inline.body.get("name"), inline.scope)) or "unnamed"
                loc = self.attribute_location(block, inline.body, "policy")
                policy = self.policy(f"inline policy {pname!r} of {at}", inline.body["policy"], loc, at, inline.scope)
                if inline.unknown is not None:
                    policy = Policy(policy.name, [], loc, unresolved=inline.unknown, address=at)
                role.inline_policies.append(policy)
            if "managed_policy_arns" in block.body:
                loc = self.attribute_location(block, None, "managed_policy_arns")
                for arn in as_list(self.argument(block, "managed_policy_arns", scope)):
                    role.managed_policy_arns.append((arn, loc))
            unit.roles.append(role)

    def _managed_policies(self, unit: Unit) -> None:
        for block, at, scope in self._each("aws_iam_policy"):
            loc = self.attribute_location(block, None, "policy")
            unit.managed_policies.append(
                ManagedPolicy(
                    address=at,
                    arn=self.resource_attribute(block, "arn", scope),
                    policy=self.policy(at, block.body.get("policy"), loc, at, scope),
                    location=self.location(block),
                )
            )

    def _role_policies(self, unit: Unit) -> None:
        for block, at, scope in self._each("aws_iam_role_policy"):
            loc = self.attribute_location(block, None, "policy")
            unit.inline_attachments.append(
                InlineAttachment(
                    role=self.argument(block, "role", scope),
                    policy=self.policy(at, block.body.get("policy"), loc, at, scope),
                    location=self.location(block),
                )
            )

    def _policy_attachments(self, unit: Unit) -> None:
        for block, at, scope in self._each("aws_iam_role_policy_attachment"):
            unit.managed_attachments.append(
                ManagedAttachment(
                    role=self.argument(block, "role", scope),
                    policy_arn=self.argument(block, "policy_arn", scope),
                    location=self.location(block),
                    address=at,
                )
            )
        for block, at, scope in self._each("aws_iam_policy_attachment"):
            roles = self.argument(block, "roles", scope) if "roles" in block.body else []
            for role_name in as_list(roles):
                unit.managed_attachments.append(
                    ManagedAttachment(
                        role=role_name,
                        policy_arn=self.argument(block, "policy_arn", scope),
                        location=self.location(block),
                        address=at,
                    )
                )

    def _invoke_configs(self, unit: Unit) -> None:
        for block, at, scope in self._each("aws_lambda_function_event_invoke_config"):
            unit.invoke_configs.append(self._invoke_config(block, at, scope))

    def _event_source_mappings(self, unit: Unit) -> None:
        for block, at, scope in self._each("aws_lambda_event_source_mapping"):
            unit.event_source_mappings.append(self._event_source_mapping(block, at, scope))

    def _called_modules(self, unit: Unit) -> None:
        for name in sorted(self.calls):
            instances = self.children(name)
            if isinstance(instances, str):
                unit.unfollowed.append(self._unfollowed(name, instances))
                continue
            for _, child in instances:
                child.build(unit)
                for tf in child.files:
                    if tf.path in unit.files:
                        continue  # another instance, or another call of the same module, brought it in
                    unit.files.append(tf.path)
                    unit.languages[tf.path] = file_language(tf)
                    if not tf.path.endswith(".json"):
                        unit.suppressions.extend(comment_suppressions(tf.path, tf.lines, "hcl"))

    def _event_source_mapping(self, block: Block, at: str, scope: Scope) -> EventSourceMapping:
        raw_fn = block.body.get("function_name")
        raw_source = block.body.get("event_source_arn")
        mapping = EventSourceMapping(
            address=at,
            function=self.argument(block, "function_name", scope)
            if raw_fn is not None
            else Unknown(f"{at}.function_name", "no function_name"),
            location=self.location(block),
            source=self.evaluate_raw(raw_source, scope)
            if raw_source is not None
            else Unknown(
                f"{at}.event_source_arn",
                "no event_source_arn (a self-managed Kafka or Amazon MQ source)",
                no_source=True,
            ),
            source_location=self.attribute_location(block, None, "event_source_arn"),
            source_ref=self._direct_reference(raw_source, None, scope) or hcl_source(raw_source),
            source_text=hcl_source(raw_source) if raw_source is not None else "",
            function_address=self._direct_reference(raw_fn, "aws_lambda_function", scope),
        )
        for dc in self.nested(block, block.body, "destination_config", scope):
            for target in self.nested(block, dc.body, "on_failure", dc.scope):
                if "destination_arn" in target.body:
                    mapping.on_failure = self._destination(block, target, "destination_arn", "on_failure", dc.unknown)
        self._source_facts(mapping, self._direct_reference(raw_source, None, scope) if raw_source else None)
        mapping.source_address_in = self._arn_addresses(mapping.source)
        read_source_access(cast("TerraformModule", self), block, scope, mapping)
        return mapping

    def _each(self, rtype: str) -> Iterator[tuple[Block, str, Scope]]:
        for block in self.blocks_of(rtype):
            for suffix, scope in self.instances(block):
                yield block, block.address + suffix, scope

    def _invoke_config(self, block: Block, at: str, scope: Scope) -> InvokeConfig:
        raw_fn = block.body.get("function_name")
        config = InvokeConfig(
            address=at,
            function=self.argument(block, "function_name", scope)
            if raw_fn is not None
            else Unknown(f"{at}.function_name", "no function_name"),
            location=self.location(block),
            qualifier=self.argument(block, "qualifier", scope) if "qualifier" in block.body else None,
            function_address=self._direct_reference(raw_fn, "aws_lambda_function", scope),
        )
        if "maximum_retry_attempts" in block.body:
            config.retry_attempts = self.argument(block, "maximum_retry_attempts", scope)
            config.retry_location = self.attribute_location(block, None, "maximum_retry_attempts")
        if "maximum_event_age_in_seconds" in block.body:
            config.event_age = self.argument(block, "maximum_event_age_in_seconds", scope)
            config.event_age_location = self.attribute_location(block, None, "maximum_event_age_in_seconds")
        for dc in self.nested(block, block.body, "destination_config", scope):
            for kind in ("on_success", "on_failure"):
                for target in self.nested(block, dc.body, kind, dc.scope):
                    if "destination" in target.body:
                        config.destinations.append(self._destination(block, target, "destination", kind, dc.unknown))
        return config


def file_language(tf: TfFile) -> Language:
    """Fixes for a Terraform module are written in HCL, even next to a .tf.json file (both are one module)."""
    return "hcl"
