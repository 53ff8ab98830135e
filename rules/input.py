"""LNT004: input that the tool it is written for accepts, but that is almost certainly a mistake."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from infra_policy_linter.findings.finding import Finding
from infra_policy_linter.model.entities import Unit
from infra_policy_linter.rules.base import Rule


class DuplicateKey(Rule):
    id = "LNT004"
    name = "duplicate-key"
    title = "A template gives a key twice in one mapping; CloudFormation keeps the last value"
    summary = "A template gives a key twice in one mapping; CloudFormation keeps the last value (so does the linter)."
    level = "warning"
    tags = ("maintainability", "input")
    formats = ("cloudformation",)  # Terraform rejects an argument given twice: a parse error there
    rationale = (
        "CloudFormation accepts a mapping that names a key twice and silently uses the last value, so the first "
        "one, which a reader may well take for the real one, does nothing. The linter reads the template as "
        "CloudFormation does (roles, policies and destinations are checked with the last value) and says so."
    )
    remediation = "Delete the occurrence you did not mean, or merge the two."
    example = "Properties:\n  QueueName: orders\n  QueueName: orders-dlq   <- CloudFormation uses this one"

    def check(self, unit: Unit, shared: dict[str, Any]) -> Iterable[Finding]:
        for warning in unit.input_warnings:
            yield Finding(
                rule=self.id,
                level=self.level,
                message=warning.message,
                location=warning.location,
                unit=unit.name,
                function=warning.subject,
                role=None,
                destination="",
                action=None,
                evidence=frozenset({warning.location.path}),
            )
