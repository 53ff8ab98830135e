"""Fix text: a :class:`Grant` says what to grant to whom and where; one writer per output language says it.

The printed fix (``Finding.fix``) and ``--fix`` come from the same writer, so what is printed is what is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Literal

GrantLanguage = Literal["hcl", "yaml", "json", "cdk"]


@dataclass(frozen=True)
class Grant:
    """Allow ``action`` on ``resource`` to a role, written in the file ``path`` (in that file's terms)."""

    language: GrantLanguage
    path: str  # the file the grant goes in: where the role is declared, or the caller that sees both
    role: str  # the role as that file names it: aws_iam_role.this.name, module.worker.role_name, !Ref Role
    role_label: str  # the role's address, for words
    name: str  # the policy's name before it is made unique: <function>-<service>-<what>
    action: str
    resource: str  # the resource as that file writes it
    role_key: str = ""  # YAML/JSON: the role's logical id (--fix inserts its RolePolicy after the role's block)
    role_line: int = 0  # YAML: the line of the role's logical id
    sam_function: str | None = None  # SAM: the statement goes in this function's Policies
    # serverless.yml: the statement goes in this list (provider.iam.role.statements, provider.iamRoleStatements or
    # functions.<key>.iamRoleStatements), which the framework copies into the role it generates.
    statements_key: str = ""
    elsewhere: bool = False  # the grant goes in another file than the finding's: the printed fix says which
    # Terraform: when the grant exists (``count = <condition> ? 1 : 0``): the role is itself counted, or the
    # resource is a module variable another caller may leave null.
    condition: str = ""
    # More actions on the same resource, granted by the same statement (an event source's read actions).
    extra_actions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra_actions", tuple(self.extra_actions))  # a list, when read from the cache

    @property
    def actions(self) -> tuple[str, ...]:
        return (self.action,) + self.extra_actions


def writer(language: str) -> ModuleType:
    """The module that writes ``language``: hcl, yaml, json (CDK grants name CloudFormation values as JSON)."""
    from infra_policy_linter.fix.writers import hcl, json_writer, yaml_writer

    return {"hcl": hcl, "yaml": yaml_writer}.get(language, json_writer)


def render(grant: Grant) -> str:
    """The printed fix."""
    from infra_policy_linter.fix.writers import hcl, json_writer, names, typescript, yaml_writer

    if grant.language == "cdk":
        return typescript.cdk_grant(grant.role, grant.actions, grant.resource)
    if grant.language == "hcl":
        text = hcl.role_policy(grant, names.identifier(grant.name), names.kebab(grant.name))
        return (f"# in {grant.path}\n" + text) if grant.elsewhere else text
    if grant.language == "yaml" and grant.statements_key:
        return yaml_writer.serverless_statement(grant)
    if grant.language == "yaml":
        return yaml_writer.sam_statement(grant) if grant.sam_function else yaml_writer.policies_entry(grant)
    return json_writer.sam_statement(grant) if grant.sam_function else json_writer.policies_entry(grant)
