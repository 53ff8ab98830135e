"""IAM policy documents in CloudFormation: a document with its statements' locations, a role's inline policies
(including the ones SAM generates, labelled as such), its managed policy ARNs, and list entries chosen by Fn::If."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra_policy_linter.model.entities import Policy
from infra_policy_linter.model.located import Location
from infra_policy_linter.model.values import Value, plain
from infra_policy_linter.resolve.cloudformation.nodes import NO_VALUE, location, sam_tagged
from infra_policy_linter.resolve.cloudformation.sam import from_policy_template
from infra_policy_linter.resolve.policy_document import policy_from_value

if TYPE_CHECKING:
    from infra_policy_linter.resolve.cloudformation.template import CloudFormationTemplate


def policy(t: CloudFormationTemplate, name: str, doc_node: Any, fallback: Location, address: str) -> Policy:
    """The policy a document node grants; each statement located where it is written, when they can be matched."""
    where = location(t.path, doc_node, fallback)
    found = policy_from_value(name, t.resolve(doc_node), where, address)
    raw_statements = doc_node.get("Statement") if isinstance(doc_node, dict) else None
    if isinstance(raw_statements, list) and len(raw_statements) == len(found.statements):
        for stmt, raw in zip(found.statements, raw_statements, strict=True):
            stmt.location = location(t.path, raw, where)
    return found


def role_inline_policies(
    t: CloudFormationTemplate, logical_id: str, props: dict[str, Any], loc: Location
) -> list[Policy]:
    """The entries of a role's ``Policies``; in SAM's output, each labelled with what SAM generated it from."""
    sam_generated = sam_tagged(props.get("Tags"))  # SAM's output (a processed template): SAM tags its roles
    found = []
    for entry in props.get("Policies") or [] if isinstance(props.get("Policies"), list) else []:
        entry = chosen_entry(t, entry, loc)
        if not isinstance(entry, dict):
            continue
        pname = plain(t.resolve(entry.get("PolicyName"))) or "unnamed"
        origin = t.origin.policies.get((logical_id, pname)) if t.origin else None
        one = policy(
            t,
            origin.label if origin else f"inline policy {pname!r} of {logical_id}",
            entry.get("PolicyDocument"),
            location(t.path, entry, loc),
            logical_id,
        )
        one.generated_by = origin.generated_by if origin else None
        if origin is None and sam_generated and from_policy_template(one):
            one.generated_by = "policy-template"
        found.append(one)
    return found


def managed_policy_arns(
    t: CloudFormationTemplate, props: dict[str, Any], loc: Location
) -> list[tuple[Value, Location]]:
    """A role's ``ManagedPolicyArns``, each located at its list entry when written as a list."""
    arns = props.get("ManagedPolicyArns")
    if arns is None:
        return []
    if not isinstance(arns, list):
        value = t.resolve(arns)  # `!If [C, [...], !Ref AWS::NoValue]`: no managed policies when C is false
        return [] if value is NO_VALUE else [(arn, loc) for arn in (value if isinstance(value, list) else [value])]
    found: list[tuple[Value, Location]] = []
    for item in arns:
        value = t.resolve(item)
        if value is not NO_VALUE:
            found.extend((arn, location(t.path, item, loc)) for arn in (value if isinstance(value, list) else [value]))
    return found


def chosen_entry(t: CloudFormationTemplate, entry: Any, loc: Location) -> Any:
    """A list entry written as ``Fn::If``: the branch the condition picks; when the condition is not known
    statically, a policy that says so (its grants are then unknown, never assumed)."""
    if not (isinstance(entry, dict) and len(entry) == 1 and "Fn::If" in entry):
        return entry
    arg = entry["Fn::If"]
    if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
        return None
    chosen = t.condition(arg[0])
    if isinstance(chosen, bool):
        branch = arg[1] if chosen else arg[2]
        return None if t.resolve(branch) is NO_VALUE else branch
    return {"PolicyName": f"Fn::If {arg[0]}", "PolicyDocument": {"Fn::If": arg}}
