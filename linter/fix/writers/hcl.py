"""Terraform (HCL) fix text: an ``aws_iam_role_policy`` granting one action on one resource expression."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infra_policy_linter.fix.writers import Grant

# An expression that means something only inside the block that writes it (an iterator, count, each, self):
# pasted into a new resource it is invalid.
_LOCAL_TO_BLOCK = re.compile(r"(?<![\w.])(?:each|count|self)\.|^[A-Za-z_][A-Za-z0-9_-]*\.(?:value|key)\b")


def role_policy(grant: Grant, resource_name: str, policy_name: str) -> str:
    head = (
        f'  count = {grant.condition} ? 1 : 0\n  name  = "{policy_name}"\n  role  = {grant.role}\n'
        if grant.condition
        else f'  name = "{policy_name}"\n  role = {grant.role}\n'
    )
    return (
        f'resource "aws_iam_role_policy" "{resource_name}" {{\n'
        f"{head}"
        f"  policy = jsonencode({{\n"
        f'    Version = "2012-10-17"\n'
        f"    Statement = [{{\n"
        f'      Effect   = "Allow"\n'
        f"      Action   = {_actions(grant.actions)}\n"
        f"      Resource = {grant.resource}\n"
        f"    }}]\n"
        f"  }})\n"
        f"}}"
    )


def _actions(actions: tuple[str, ...]) -> str:
    return json.dumps(actions[0]) if len(actions) == 1 else "[" + ", ".join(json.dumps(a) for a in actions) + "]"


def portable(source: str) -> bool:
    """The expression means the same in a new resource of the module (not an iterator's value)."""
    return bool(source) and not _LOCAL_TO_BLOCK.search(source)


def literal(text: str) -> str:
    return json.dumps(text)


def objects_of(source: str) -> str:
    """A bucket's ARN as written, turned into its objects' ARN (``bucket/*``)."""
    inner = source[1:-1] if source.startswith('"') else "${" + source + "}"
    return f'"{inner}/*"'


def key_arn(source: str) -> str | None:
    """The KMS key written as an ARN, from how the destination names the key."""
    for suffix in (".key_id", ".id"):
        if source.startswith("aws_kms_key.") and source.endswith(suffix):
            return source[: -len(suffix)] + ".arn"
    return source if source.startswith(("aws_kms_key.", '"arn:')) else None


def queue_arn(source: str) -> str | None:
    """A queue's ARN from how the file names its URL (``aws_sqs_queue.q.url`` or ``.id``)."""
    match = re.fullmatch(r"(aws_sqs_queue\.[A-Za-z0-9_-]+(?:\[[^\]]+\])?)\.(?:url|id)", source)
    return f"{match.group(1)}.arn" if match else None


_COUNTED = re.compile(r"^(aws_iam_role\.[A-Za-z0-9_-]+)\[\d+\]\.name$")
_VARIABLE = re.compile(r"^var\.[A-Za-z0-9_-]+$")


def condition(role: str, resource: str) -> str:
    """When the grant should exist: only with the role when the role is counted (``aws_iam_role.x[0]``), only
    with a value when the resource is a module variable (another caller may leave it null)."""
    parts = []
    counted = _COUNTED.match(role)
    if counted:
        parts.append(f"length({counted.group(1)}) > 0")
    if _VARIABLE.match(resource):
        parts.append(f"{resource} != null")
    return " && ".join(parts)


def account_root() -> str:
    """The account's root principal, which a key policy allows so that IAM policies take effect."""
    return (
        '"arn:aws:iam::${data.aws_caller_identity.current.account_id}:root", '
        'with data "aws_caller_identity" "current" {}'
    )
