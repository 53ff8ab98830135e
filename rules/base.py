"""What every rule declares beside its check."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from infra_policy_linter.findings.finding import Finding
from infra_policy_linter.model.entities import Unit

DOCS_URL = "https://github.com/infra-policy-linter/infra-policy-linter/blob/main/docs/rules.md"


class Rule:
    id: ClassVar[str]
    name: ClassVar[str]  # kebab-case, used as SARIF rule name
    title: ClassVar[str]  # one line
    summary: ClassVar[str] = ""  # the README's rule table (generated: rules_table()); the title when empty
    # SARIF's precision (very-high, high, medium, low): how sure a finding is to be a real problem.
    precision: ClassVar[str] = "high"
    level: ClassVar[str]  # "error" | "warning" | "note"
    rationale: ClassVar[str]  # why it matters
    remediation: ClassVar[str]  # how to fix
    example: ClassVar[str]  # a short bad example
    tags: ClassVar[tuple[str, ...]] = ("security", "iam", "lambda")
    # GitHub code scanning's scale: 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low. Only used with the "security" tag.
    security_severity: ClassVar[str] = "5.0"
    formats: ClassVar[tuple[str, ...]] = ("terraform", "cloudformation")  # where the rule can apply

    @property
    def help_url(self) -> str:
        return f"{DOCS_URL}#{self.id.lower()}"

    def check(self, unit: Unit, shared: dict[str, Any]) -> Iterable[Finding]:
        """Findings for one unit. ``shared`` lets rules of one family compute common work once per unit."""
        raise NotImplementedError

    def documentation(self) -> str:
        return (
            f"{self.id} ({self.name}): {self.title}\n\nDefault level: {self.level}\n\n"
            f"Why it matters\n{self.rationale}\n\nExample\n{self.example}\n\nHow to fix\n{self.remediation}\n\n"
            f"More: {self.help_url}\n"
        )
