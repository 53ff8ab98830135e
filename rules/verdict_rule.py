"""The base of every rule that reports verdicts (:mod:`infra_policy_linter.verdicts.decide`): pick, then word.

A rule says which results it owns (``select``) and how to say it (``message``, ``fix``); the finding's location,
evidence chain and related locations are the same for all of them. The cfn-lint adapter calls ``report`` too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any, ClassVar

from infra_policy_linter.findings.finding import Finding, Related
from infra_policy_linter.fix.writers import Grant, render
from infra_policy_linter.fix.writers.names import kebab
from infra_policy_linter.fix.writers.place import directory
from infra_policy_linter.model.entities import Unit
from infra_policy_linter.rules.base import Rule
from infra_policy_linter.verdicts.decide import Result, Verdict, statement_ref, summary, verdicts


class VerdictRule(Rule):
    cfn_lint_id: ClassVar[str]  # the id the cfn-lint plugin gives this rule (its first letter is the level)

    def select(self, v: Verdict) -> Iterable[list[Result]]:
        """Groups of results this rule reports, one finding per group (a group may be empty: the target itself)."""
        raise NotImplementedError

    def message(self, v: Verdict, results: list[Result]) -> str:
        raise NotImplementedError

    def grant(self, unit: Unit, v: Verdict, results: list[Result]) -> Grant | str | None:
        """The grant that fixes the finding (``--fix`` writes it), or what to do when no file can name it."""
        return None

    def fix(self, unit: Unit, v: Verdict, results: list[Result]) -> str | None:
        """Advice, for findings without a grant."""
        return None

    def action_of(self, v: Verdict, results: list[Result]) -> str | None:
        """The finding's action: the first request's (a rule that groups several says so)."""
        return results[0].request.action if results and not v.by_type else None

    def level_for(self, v: Verdict, results: list[Result]) -> str:
        return self.level

    def report(self, unit: Unit, shared: dict[str, Any]) -> list[tuple[Verdict, Finding]]:
        return _distinct_names(
            [(v, self.finding(unit, v, group)) for v in verdicts(unit, shared) for group in self.select(v)]
        )

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
        seen: set[Any] = set()
        for r in results:
            for policy, stmt in r.decision.deciding:
                ref = statement_ref(policy, stmt)
                if ref.location is not None and ref not in seen and len(seen) < 3:
                    seen.add(ref)
                    related.append(Related(f"statement in {policy.name}", ref.location))
        if v.function is not None:
            related.append(Related(f"function {v.function.address}", v.function.location))
        grant = self.grant(unit, v, results)
        return Finding(
            rule=self.id,
            level=self.level_for(v, results),
            message=self.message(v, results),
            location=v.target.location,
            unit=unit.name,
            function=v.label,
            role=v.role.address if v.role else None,
            destination=v.target.ref,
            action=self.action_of(v, results),
            fix=render(grant) if isinstance(grant, Grant) else grant or self.fix(unit, v, results),
            grant=grant if isinstance(grant, Grant) else None,
            related=tuple(related),
            evidence=v.evidence | {r.location.path for r in related},
            chain=v.chain(results, self.chain_summary(v, results)),
        )


def all_actions(results: list[Result]) -> str:
    """The actions of a group of results, comma-separated: one finding that stands for them all."""
    return ", ".join(dict.fromkeys(r.request.action for r in results))


def granting_all(granted: Grant | str | None, results: list[Result]) -> Grant | str | None:
    """The grant written for the group's first action, extended to the others (one statement, same resource)."""
    first = results[0].request.action
    more = tuple(dict.fromkeys(r.request.action for r in results[1:] if r.request.action != first))
    return replace(granted, extra_actions=more) if isinstance(granted, Grant) and more else granted


def _distinct_names(reported: list[tuple[Verdict, Finding]]) -> list[tuple[Verdict, Finding]]:
    """Two grants of one rule named alike in one module (two aliases of a function, each with its own queue)
    get ``-2``, ``-3``...: every printed fix can be pasted beside the others."""
    taken: dict[tuple[str, str], int] = {}
    # the same grant twice (two instances of a module): one name
    named: dict[tuple[str, str, tuple[str, ...], str], str] = {}
    out = list(reported)
    for i in sorted(range(len(out)), key=lambda i: out[i][1].sort_key()):  # numbered in the order of the file
        v, f = out[i]
        g = f.grant
        if g is None:
            continue
        same = (g.path, g.role, g.actions, g.resource)
        if same not in named:
            key = (directory(g.path), kebab(g.name))
            taken[key] = n = taken.get(key, 0) + 1
            named[same] = g.name if n == 1 else f"{g.name}-{n}"
        if named[same] != g.name:
            g = replace(g, name=named[same])
            out[i] = (v, replace(f, grant=g, fix=render(g)))
    return out
