"""CloudFormation/SAM JSON fix text: a ``Policies`` entry or a SAM statement (printed, not written)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from infra_policy_linter.fix.writers.names import kebab

if TYPE_CHECKING:
    from infra_policy_linter.fix.writers import Grant


def _value(source: str) -> Any:
    return json.loads(source) if source.startswith(("{", "[", '"')) else source


def policies_entry(grant: Grant) -> str:
    snippet = {
        "PolicyName": kebab(grant.name),
        "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": _action(grant), "Resource": _value(grant.resource)}],
        },
    }
    return f"// add to Properties.Policies of {grant.role_label}\n" + json.dumps(snippet, indent=2)


def sam_statement(grant: Grant) -> str:
    snippet = {"Statement": [{"Effect": "Allow", "Action": _action(grant), "Resource": _value(grant.resource)}]}
    return f"// add to Properties.Policies of {grant.sam_function}\n" + json.dumps(snippet, indent=2)


def _action(grant: Grant) -> str | list[str]:
    return grant.action if not grant.extra_actions else list(grant.actions)


def portable(source: str) -> bool:
    return bool(source)


def literal(text: str) -> str:
    return json.dumps(text)


def objects_of(source: str) -> str:
    return json.dumps({"Fn::Join": ["", [_value(source), "/*"]]})


def key_arn(source: str) -> str | None:
    if source.startswith('{"Ref": '):
        return json.dumps({"Fn::GetAtt": [json.loads(source)["Ref"], "Arn"]})
    return source if "arn:" in source or "Arn" in source else None


def queue_arn(source: str) -> str | None:
    """A queue's ARN from how the template names its URL (``{"Ref": "Queue"}``)."""
    value = _value(source)
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return json.dumps({"Fn::GetAtt": [value["Ref"], "Arn"]})
    return None


def account_root() -> str:
    """The account's root principal, which a key policy allows so that IAM policies take effect."""
    return json.dumps({"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"})


def statement_data(grant: Grant) -> dict[str, Any]:
    """The grant's statement as data, for ``--fix`` to put in a JSON template."""
    return {"Effect": "Allow", "Action": _action(grant), "Resource": _value(grant.resource)}


def role_policy_data(grant: Grant, policy_name: str) -> dict[str, Any]:
    """A new ``AWS::IAM::RolePolicy`` resource as data (the same resource the YAML writer writes)."""
    return {
        "Type": "AWS::IAM::RolePolicy",
        "Properties": {
            "RoleName": {"Ref": grant.role_key},
            "PolicyName": policy_name,
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement_data(grant)]},
        },
    }
