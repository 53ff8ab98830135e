"""Fix text in Serverless Framework terms, for grants to a role the framework generates.

The CloudFormation writers word a grant to a generated role as a SAM ``Policies`` entry; for a Serverless service
the statement goes under ``provider.iam.role.statements`` (the shared role) or the function's own
``iamRoleStatements`` (serverless-iam-roles-per-function), which the resolver records as the role's
``generated_for``. ``--fix`` does not write these (the finding carries no grant): they are printed.
"""

from __future__ import annotations

import json
from dataclasses import replace

from infra_policy_linter.findings.finding import Finding
from infra_policy_linter.findings.suppress import Suppressed


def _statement(label: str, path: str, actions: tuple[str, ...], resource: str) -> str:
    action = actions[0] if len(actions) == 1 else "[" + ", ".join(json.dumps(a) for a in actions) + "]"
    return f"# add under {label} in {path}\n- Effect: Allow\n  Action: {action}\n  Resource: {resource}"


def serverless_terms(finding: Finding) -> Finding:
    grant = finding.grant
    if grant is None or not grant.sam_function:
        return finding
    text = _statement(grant.sam_function, grant.path, grant.actions, grant.resource)
    return replace(finding, fix=text, grant=None)


def rewrite(findings: list[Finding], suppressed: list[Suppressed]) -> tuple[list[Finding], list[Suppressed]]:
    return [serverless_terms(f) for f in findings], [
        replace(s, finding=serverless_terms(s.finding)) for s in suppressed
    ]
