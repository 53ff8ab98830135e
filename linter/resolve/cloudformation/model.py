"""CloudFormation template -> model: one step per resource type (functions, roles and IAM policy resources,
invoke configs, event source mappings, SAM functions), and nested stacks whose resources join the parent's unit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from infra_policy_linter.model.entities import (
    Function,
    InlineAttachment,
    InputWarning,
    ManagedAttachment,
    ManagedPolicy,
    Role,
    Unit,
)
from infra_policy_linter.model.located import Location
from infra_policy_linter.model.values import Unknown
from infra_policy_linter.parsers.suppressions import comment_suppressions
from infra_policy_linter.resolve.cloudformation.attributes import (
    STACK_TYPES,
    function_arn,
    managed_policy_arn,
    role_arn,
)
from infra_policy_linter.resolve.cloudformation.dead_letters import dead_letter
from infra_policy_linter.resolve.cloudformation.destinations import event_source_mapping, invoke_config
from infra_policy_linter.resolve.cloudformation.nested import scope_addresses
from infra_policy_linter.resolve.cloudformation.nodes import NO_VALUE, key_location
from infra_policy_linter.resolve.cloudformation.policies import managed_policy_arns, policy, role_inline_policies
from infra_policy_linter.resolve.cloudformation.resource_policies import build_resource_policies
from infra_policy_linter.resolve.cloudformation.sam import build_serverless_function
from infra_policy_linter.resolve.cloudformation.suppressions import metadata_suppressions

if TYPE_CHECKING:
    from infra_policy_linter.resolve.cloudformation.template import CloudFormationTemplate

Step = Callable[["CloudFormationTemplate", Unit, str], None]


def build(t: CloudFormationTemplate, unit: Unit) -> None:
    """Every resource CloudFormation creates (its Condition not false), in logical id order."""
    for logical_id in sorted(str(k) for k in t.resources):  # plain str: results cross process boundaries
        rtype = t.type_of(logical_id)
        step = STEPS.get(rtype or "")
        if step is not None and t.exists(logical_id):
            step(t, unit, logical_id)
        elif rtype in STACK_TYPES and t.exists(logical_id):
            nested_stack(t, unit, logical_id)
    build_resource_policies(t, unit)


# The parts of a unit a nested stack's resources add to.
_UNIT_PARTS = (
    "functions",
    "roles",
    "managed_policies",
    "inline_attachments",
    "managed_attachments",
    "invoke_configs",
    "event_source_mappings",
    "resource_policies",
)


def nested_stack(t: CloudFormationTemplate, unit: Unit, logical_id: str) -> None:
    """The child's resources join this unit under ``Child/`` addresses (see resolve/nested.py)."""
    child = t.nested(logical_id)
    if child is None:
        return
    sub = Unit(format="cloudformation", name=unit.name)
    build(child, sub)
    scope_addresses(sub, child.scope)
    for name in _UNIT_PARTS:
        getattr(unit, name).extend(getattr(sub, name))
    if child.path not in unit.files:
        unit.files.append(child.path)
        unit.languages[child.path] = child.language
        if child.language == "yaml":
            unit.suppressions.extend(comment_suppressions(child.path, child.lines, "yaml"))
        unit.suppressions.extend(metadata_suppressions(child))
        duplicate_warnings(unit, child.source_template)


def duplicate_warnings(unit: Unit, template: Any) -> None:
    for d in getattr(template, "duplicates", []):
        where = Location(template.path, d.line, d.column, d.line, d.column + len(d.key))
        if d.first_line == d.line:  # a JSON template on one line
            message = (
                f"the key {d.key} is given twice in one mapping on line {d.line}; CloudFormation uses the last "
                "value, so the first one is ignored"
            )
        else:
            message = (
                f"the key {d.key} is given twice in one mapping (lines {d.first_line} and {d.line}); "
                f"CloudFormation uses the last value, so the one at line {d.first_line} is ignored"
            )
        unit.input_warnings.append(InputWarning(where, message, d.path))


def function(t: CloudFormationTemplate, unit: Unit, logical_id: str) -> None:
    props = t.props(logical_id)
    unit.functions.append(
        Function(
            address=logical_id,
            name=t.physical_name(logical_id, "FunctionName"),
            arn=function_arn(t, logical_id),
            role=t.resolve(props["Role"])
            if "Role" in props
            else Unknown(f"{logical_id}.Role", f"{logical_id} sets no Role"),
            location=t.location_of(logical_id),
            role_location=key_location(t.path, props, "Role", t.location_of(logical_id)),
            dead_letter=dead_letter(t, props, t.location_of(logical_id)),
        )
    )


def role(t: CloudFormationTemplate, unit: Unit, logical_id: str) -> None:
    props = t.props(logical_id)
    loc = t.location_of(logical_id)
    found = Role(
        address=logical_id,
        name=t.physical_name(logical_id, "RoleName"),
        arn=role_arn(t, logical_id),
        location=loc,
        boundary=t.resolve(props["PermissionsBoundary"]) if "PermissionsBoundary" in props else None,
        name_source=t.source({"Ref": logical_id}),
        generated_for=t.origin.generated_roles.get(logical_id) if t.origin else None,
    )
    if found.boundary is NO_VALUE:
        found.boundary = None
    found.inline_policies.extend(role_inline_policies(t, logical_id, props, loc))
    found.managed_policy_arns.extend(managed_policy_arns(t, props, loc))
    unit.roles.append(found)


def _roles_of(t: CloudFormationTemplate, props: dict[str, Any], key: str) -> list[Any]:
    value = t.resolve(props.get(key)) if key in props else []
    if value is NO_VALUE or value is None:
        return []
    return value if isinstance(value, list) else [value]


def iam_policy(t: CloudFormationTemplate, unit: Unit, logical_id: str) -> None:
    """AWS::IAM::Policy (``Roles``) and AWS::IAM::RolePolicy (``RoleName``): one document, inline on roles."""
    props = t.props(logical_id)
    loc = t.location_of(logical_id)
    document = policy(t, logical_id, props.get("PolicyDocument"), loc, logical_id)
    key = "RoleName" if t.type_of(logical_id) == "AWS::IAM::RolePolicy" else "Roles"
    for role_name in _roles_of(t, props, key):
        unit.inline_attachments.append(InlineAttachment(role_name, document, loc))


def managed_policy(t: CloudFormationTemplate, unit: Unit, logical_id: str) -> None:
    props = t.props(logical_id)
    loc = t.location_of(logical_id)
    origin = t.origin.policies.get((logical_id, "")) if t.origin else None
    document = policy(t, origin.label if origin else logical_id, props.get("PolicyDocument"), loc, logical_id)
    document.generated_by = origin.generated_by if origin else None
    arn = managed_policy_arn(t, logical_id)
    unit.managed_policies.append(ManagedPolicy(logical_id, arn, document, loc))
    for role_name in _roles_of(t, props, "Roles"):
        unit.managed_attachments.append(ManagedAttachment(role_name, arn, loc, logical_id, document))


STEPS: dict[str, Step] = {
    "AWS::Lambda::EventSourceMapping": event_source_mapping,
    "AWS::Serverless::Function": build_serverless_function,
    "AWS::Lambda::Function": function,
    "AWS::IAM::Role": role,
    "AWS::IAM::Policy": iam_policy,
    "AWS::IAM::RolePolicy": iam_policy,
    "AWS::IAM::ManagedPolicy": managed_policy,
    "AWS::Lambda::EventInvokeConfig": invoke_config,
}
