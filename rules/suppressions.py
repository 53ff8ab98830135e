"""LNT001-LNT003: suppressions must carry a reason, must still be needed, and stop working when they expire."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from infra_policy_linter.findings.finding import Finding
from infra_policy_linter.model.entities import Unit
from infra_policy_linter.model.located import Suppression
from infra_policy_linter.rules.base import Rule


class SuppressionRule(Rule):
    tags = ("maintainability", "suppression")

    def check(self, unit: Unit, shared: dict[str, Any]) -> Iterable[Finding]:
        return []  # judged after every other rule has run: see linter.suppress

    def finding(self, unit: str, suppression: Suppression, message: str) -> Finding:
        return Finding(
            rule=self.id,
            level=self.level,
            message=message,
            location=suppression.location,
            unit=unit,
            function="",
            role=None,
            destination="",
            action=None,
            fix=None,
        )


def _names(s: Suppression) -> str:
    return ",".join(s.rules) or "(no rule)"


class InvalidSuppression(SuppressionRule):
    id = "LNT001"
    name = "invalid-suppression"
    title = "A suppression without a reason, or one that cannot be read"
    summary = "A suppression without a reason, or one that cannot be read."
    level = "warning"
    rationale = (
        "A suppression hides a finding from every later reader. Without a reason nobody can tell whether the "
        "finding was judged safe or just silenced, so a suppression without one does not suppress anything."
    )
    remediation = "Write the reason after the rule ids: `# lint:ignore DST001 the queue policy grants sqs:SendMessage`."
    example = "# lint:ignore DST001"

    def message(self, s: Suppression) -> str:
        if s.problem:
            return f"this suppression {s.problem}; it suppresses nothing"
        return f"the suppression of {_names(s)} gives no reason, so it suppresses nothing; say why after the rule id"


class UnusedSuppression(SuppressionRule):
    id = "LNT002"
    name = "unused-suppression"
    title = "A suppression that suppresses nothing"
    summary = "A suppression that suppresses nothing."
    level = "warning"
    rationale = (
        "A suppression left behind after the problem was fixed (or moved) would silently hide the next, "
        "unrelated finding at that place."
    )
    remediation = "Delete the suppression, or move it to the finding it was meant for."
    example = "# lint:ignore DST002 old queue   <- nothing at this place is reported any more"

    def message(self, s: Suppression) -> str:
        return f"the suppression of {_names(s)} matches no finding here; remove it"


class ExpiredSuppression(SuppressionRule):
    id = "LNT003"
    name = "expired-suppression"
    title = "A suppression past its expiry date"
    summary = "A suppression past its expiry date."
    level = "warning"
    rationale = (
        "An expiry date turns a temporary exception into a reminder: once it has passed, the finding is reported again."
    )
    remediation = "Fix the underlying finding, or extend the expiry date with a fresh reason."
    example = "# lint:ignore DST001 expires=2025-01-31 migration in progress"

    def message(self, s: Suppression) -> str:
        return f"the suppression of {_names(s)} expired on {s.expires}; its findings are reported again"
