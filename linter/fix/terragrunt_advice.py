"""Fix text for a Terragrunt stack that calls a modelled registry module: a terragrunt.hcl holds no resources, so
the grant the Terraform writer would print there (an ``aws_iam_role_policy``) is advice about the inputs instead."""

from __future__ import annotations

from dataclasses import replace

from infra_policy_linter.findings.finding import Finding
from infra_policy_linter.findings.suppress import Suppressed


def _advice(finding: Finding) -> Finding:
    grant = finding.grant
    if grant is None or not grant.path.endswith("terragrunt.hcl"):
        return finding
    actions = ", ".join(grant.actions)
    text = (
        f"# in {grant.path}: grant {actions} on {grant.resource} through the module's inputs "
        "(terraform-aws-modules/lambda: attach_async_event_policy = true for its destinations, or "
        "attach_policy_statements = true with policy_statements), since a Terragrunt configuration holds no resources"
    )
    return replace(finding, fix=text, grant=None)


def rewrite(findings: list[Finding], suppressed: list[Suppressed]) -> tuple[list[Finding], list[Suppressed]]:
    return [_advice(f) for f in findings], [replace(s, finding=_advice(s.finding)) for s in suppressed]
