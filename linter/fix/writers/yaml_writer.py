"""CloudFormation/SAM YAML fix text: a ``Policies`` entry, a SAM statement, or an ``AWS::IAM::RolePolicy``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from infra_policy_linter.fix.writers.names import kebab

if TYPE_CHECKING:
    from infra_policy_linter.fix.writers import Grant

_NOT_PLAIN = ("*", "&", "!", "{", "[", "<", "'", '"', "%", "@")


def policies_entry(grant: Grant) -> str:
    return (
        f"# add under Properties.Policies of {grant.role_label}\n"
        f"- PolicyName: {kebab(grant.name)}\n"
        f"  PolicyDocument:\n"
        f'    Version: "2012-10-17"\n'
        f"    Statement:\n"
        f"      - Effect: Allow\n"
        f"        Action: {_actions(grant)}\n"
        f"        Resource: {grant.resource}"
    )


def sam_statement(grant: Grant) -> str:
    return (
        f"# add under Properties.Policies of {grant.sam_function}\n"
        f"- Statement:\n"
        f"    - Effect: Allow\n"
        f"      Action: {_actions(grant)}\n"
        f"      Resource: {grant.resource}"
    )


def sam_statement_lines(grant: Grant, indent: int) -> list[str]:
    """A ``Policies`` item at ``indent`` (the list's own): the statement SAM adds to the role it generates."""
    pad = " " * indent
    return [
        f"{pad}- Statement:",
        f"{pad}    - Effect: Allow",
        f"{pad}      Action: {_actions(grant)}",
        f"{pad}      Resource: {grant.resource}",
    ]


def serverless_statement(grant: Grant) -> str:
    """serverless.yml: a statement in the list the framework copies into the role it generates."""
    return f"# add under {grant.statements_key} in {grant.path}\n" + "\n".join(serverless_statement_lines(grant, 0))


def serverless_statement_lines(grant: Grant, indent: int) -> list[str]:
    pad = " " * indent
    return [
        f"{pad}- Effect: Allow",
        f"{pad}  Action: {_actions(grant)}",
        f"{pad}  Resource: {grant.resource}",
    ]


def role_policy(grant: Grant, logical: str, policy_name: str, indent: int) -> list[str]:
    """The lines of a new ``AWS::IAM::RolePolicy`` resource at ``indent`` (the template's resource indent)."""
    pad, step = " " * indent, " " * 2
    return [
        f"{pad}{logical}:",
        f"{pad}{step}Type: AWS::IAM::RolePolicy",
        f"{pad}{step}Properties:",
        f"{pad}{step * 2}RoleName: !Ref {grant.role_key}",
        f"{pad}{step * 2}PolicyName: {policy_name}",
        f"{pad}{step * 2}PolicyDocument:",
        f'{pad}{step * 3}Version: "2012-10-17"',
        f"{pad}{step * 3}Statement:",
        f"{pad}{step * 4}- Effect: Allow",
        f"{pad}{step * 5}Action: {_actions(grant)}",
        f"{pad}{step * 5}Resource: {grant.resource}",
    ]


def _actions(grant: Grant) -> str:
    """One action plain, several as a flow list of quoted strings (a colon in a plain flow scalar is ambiguous)."""
    return grant.action if not grant.extra_actions else "[" + ", ".join(json.dumps(a) for a in grant.actions) + "]"


def logical_id(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.replace("_", "-").split("-") if part) + "Policy"


def portable(source: str) -> bool:
    return bool(source)


def literal(text: str) -> str:
    return text if not text.startswith(_NOT_PLAIN) and ": " not in text else json.dumps(text)


def objects_of(source: str) -> str:
    if source.startswith("!GetAtt "):
        return f'!Sub "${{{source[len("!GetAtt ") :]}}}/*"'
    return f'!Join ["", [{source}, "/*"]]'


def key_arn(source: str) -> str | None:
    if source.startswith("!Ref "):
        return f"!GetAtt {source[len('!Ref ') :]}.Arn"
    return source if "arn:" in source or "Arn" in source else None


def queue_arn(source: str) -> str | None:
    """A queue's ARN from how the template names its URL (``!Ref Queue``)."""
    return f"!GetAtt {source[len('!Ref ') :]}.Arn" if source.startswith("!Ref ") else None


def account_root() -> str:
    """The account's root principal, which a key policy allows so that IAM policies take effect."""
    return '!Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"'
