"""After the rules: apply inline suppressions and report the ones that are invalid, unused or expired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from infra_policy_linter.findings.finding import Finding
from infra_policy_linter.model.located import Suppression

if TYPE_CHECKING:
    from infra_policy_linter.model.entities import Unit


@dataclass(frozen=True)
class Suppressed:
    finding: Finding
    suppression: Suppression


def apply_suppressions(
    unit: Unit, findings: list[Finding], today: date, enabled: set[str]
) -> tuple[list[Finding], list[Suppressed], list[Finding]]:
    """Split a unit's findings into active and suppressed ones, plus findings about the suppressions."""
    from infra_policy_linter.rules.suppressions import ExpiredSuppression, InvalidSuppression, UnusedSuppression

    invalid, unused, expired = InvalidSuppression(), UnusedSuppression(), ExpiredSuppression()
    active: list[Finding] = []
    suppressed: list[Suppressed] = []
    used: set[int] = set()
    for finding in findings:
        match = None
        for i, s in enumerate(unit.suppressions):
            loc = finding.location
            if loc.path != s.location.path or not s.start <= loc.line <= s.end or finding.rule not in s.rules:
                continue
            used.add(i)
            if s.problem or not s.reason or (s.expires is not None and s.expires < today):
                continue
            match = s
            break
        if match is None:
            active.append(finding)
        else:
            suppressed.append(Suppressed(finding, match))
    meta: list[Finding] = []
    for i, s in enumerate(unit.suppressions):
        if s.problem or not s.reason:
            meta.append(invalid.finding(unit.name, s, invalid.message(s)))
        elif s.expires is not None and s.expires < today:
            meta.append(expired.finding(unit.name, s, expired.message(s)))
        elif i not in used and any(r in enabled for r in s.rules):
            meta.append(unused.finding(unit.name, s, unused.message(s)))
    return active, suppressed, [f for f in meta if f.rule in enabled]
