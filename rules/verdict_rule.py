"""The base of every rule that reports verdicts (:mod:`infra_policy_linter.verdicts`): pick, then word.

A rule says which results it owns (``select``) and how to say it (``message``, ``fix``); the finding's location,
evidence chain and related locations are the same for all of them. The cfn-lint adapter calls ``report`` too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from infra_policy_linter.findings import Finding, Related
from infra_policy_linter.model import Unit
from infra_policy_linter.rules.base import Rule
from infra_policy_linter.verdicts import Result, Verdict, statement_ref, summary, verdicts


class VerdictRule(Rule):
    cfn_lint_id: ClassVar[str]  # the id the cfn-lint plugin gives this rule (its first letter is the level)

    def select(self, v: Verdict) -> Iterable[list[Result]]:
        """Groups of results this rule reports, one finding per group (a group may be empty: the target itself)."""
        raise NotImplementedError

    def message(self, v: Verdict, results: list[Result]) -> str:
        raise NotImplementedError

    def fix(self, unit: Unit, v: Verdict, results: list[Result]) -> str | None:
        return None

    def level_for(self, v: Verdict, results: list[Result]) -> str:
        return self.level

    def report(self, unit: Unit, shared: dict[str, Any]) -> list[tuple[Verdict, Finding]]:
        return [(v, self.finding(unit, v, group)) for v in verdicts(unit, shared) for group in self.select(v)]

    def check(self, unit: Unit, shared: dict[str, Any]) -> Iterable[Finding]:
        return [f for _, f in self.report(unit, shared)]

    def chain_summary(self, v: Verdict, results: list[Result]) -> str:
        return summary(results) or (v.target.unknown or "")

    def finding(self, unit: Unit, v: Verdict, results: list[Result]) -> Finding:
        related = []
        if v.kind.startswith("esm_"):
            related.append(Related(f"event source mapping {v.target.owner.address}", v.target.owner.location))
        if v.role is not None:
            related.append(Related(f"execution role {v.role.address}", v.role.location))
        seen = set()
        for r in results:
            for policy, stmt in r.decision.deciding:
                ref = statement_ref(policy, stmt)
                if ref.location is not None and ref not in seen and len(seen) < 3:
                    seen.add(ref)
                    related.append(Related(f"statement in {policy.name}", ref.location))
        if v.function is not None:
            related.append(Related(f"function {v.function.address}", v.function.location))
        return Finding(
            rule=self.id,
            level=self.level_for(v, results),
            message=self.message(v, results),
            location=v.target.location,
            unit=unit.name,
            function=v.label,
            role=v.role.address if v.role else None,
            destination=v.target.ref,
            action=results[0].request.action if results and not v.by_type else None,
            fix=self.fix(unit, v, results),
            related=tuple(related),
            evidence=v.evidence | {r.location.path for r in related},
            chain=v.chain(results, self.chain_summary(v, results)),
        )
