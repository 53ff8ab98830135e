"""Which resource has this ARN, and which called module's output is this value: one index per unit.

Target facts (targets.py) ask, for a destination or an event source, which resource of a module instance its ARN
is (``aws_sqs_queue.jobs``), in that module, its callers and the modules it calls. Each module instance's ARNs
of one resource type, and the values of its outputs, are computed once, the first time they are asked for, and
kept by identity (``iam.match.identity``): two values are certainly the same exactly when their identities are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra_policy_linter.iam.match import Identity, identity
from infra_policy_linter.resolve.terraform.attributes import resource_attribute
from infra_policy_linter.resolve.terraform.blocks import Scope
from infra_policy_linter.resolve.terraform.modules import instances, output_value

if TYPE_CHECKING:
    from infra_policy_linter.resolve.terraform.module import TerraformModule


class ArnIndex:
    """The ARNs and output values of the unit's module instances (each keyed by its address prefix)."""

    def __init__(self) -> None:
        # (prefix, type) -> identity of an ARN -> the resources (without count or for_each) that have it
        self._resources: dict[tuple[str, str], dict[Identity, list[str]]] = {}
        # (prefix, type) -> identity of an ARN -> the first instance (count and for_each expanded) that has it
        self._instances: dict[tuple[str, str], dict[Identity, str]] = {}
        # prefix -> identity of a value -> the first output that has it
        self._outputs: dict[str, dict[Identity, str]] = {}

    def resources_with_arn(self, module: TerraformModule, rtype: str, arn: Identity) -> list[str]:
        """Addresses of the resources of ``rtype`` in ``module`` (those without count or for_each) whose ARN is
        certainly ``arn``, in the order they are declared."""
        key = (module.prefix, rtype)
        if key not in self._resources:
            table: dict[Identity, list[str]] = {}
            for block in module.declarations.blocks_of(rtype):
                if "count" in block.body or "for_each" in block.body:
                    continue
                found = identity(resource_attribute(module.evaluator, block, "arn", Scope()))
                if found is not None:
                    table.setdefault(found, []).append(block.address)
            self._resources[key] = table
        return self._resources[key].get(arn, [])

    def instance_with_arn(self, module: TerraformModule, rtype: str, arn: Identity) -> str | None:
        """The address (with its instance key) of the first instance of a ``rtype`` resource of ``module`` whose
        ARN is certainly ``arn``."""
        key = (module.prefix, rtype)
        if key not in self._instances:
            table: dict[Identity, str] = {}
            for block in module.declarations.blocks_of(rtype):
                for suffix, scope in instances(module.evaluator, block.body):
                    found = identity(resource_attribute(module.evaluator, block, "arn", scope))
                    if found is not None:
                        table.setdefault(found, block.address + suffix)
            self._instances[key] = table
        return self._instances[key].get(arn)

    def output_with_value(self, module: TerraformModule, value: Identity) -> str | None:
        """The first output of ``module`` whose value is certainly ``value``."""
        if module.prefix not in self._outputs:
            table: dict[Identity, str] = {}
            for name, _ in module.declarations.outputs:
                found = identity(output_value(module.evaluator, name))
                if found is not None:
                    table.setdefault(found, name)
            self._outputs[module.prefix] = table
        return self._outputs[module.prefix].get(value)
