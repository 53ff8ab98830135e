"""The IAM evaluator: does a set of identity policies allow one action on one resource?

Pure functions, no I/O. Follows the documented evaluation order for a single account's identity policies
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html): an explicit Deny
wins over any Allow; without an applicable Allow the request is implicitly denied. A statement with a Condition
cannot be proven statically, so a grant that rests only on one is "conditional".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from infra_policy_linter.iam.conditions import condition_holds
from infra_policy_linter.iam.match import Tri, match, tri_and, tri_not, tri_or
from infra_policy_linter.model.entities import Policy, Statement
from infra_policy_linter.model.values import Text, Unknown, assumptions_in, display, unknowns_in


class Outcome(StrEnum):
    GRANTED = "granted"
    MISSING = "missing"
    WRONG_RESOURCE = "wrong_resource"
    DENIED = "denied"
    CONDITIONAL = "conditional"
    UNKNOWN = "unknown"


@dataclass
class Decision:
    outcome: Outcome
    # The statements that decided: the Deny for DENIED, the Allows on other resources for WRONG_RESOURCE,
    # the conditional Allows for CONDITIONAL, the Allow for GRANTED.
    deciding: list[tuple[Policy, Statement]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # for UNKNOWN/CONDITIONAL: what could not be decided
    assumptions: list[str] = field(default_factory=list)
    boundary: str | None = None  # set when a permissions boundary, not an identity policy, decided
    withheld_by: str | None = None  # a KMS key policy that gives the role's own policies no say (MISSING)


def _flat(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        out.extend(_flat(v) if isinstance(v, list) else [v])
    return out


def _any_match(patterns: list[Any], subject: Any, fold_case: bool) -> Tri:
    result: Tri = False
    for pattern in _flat(patterns):
        if isinstance(pattern, (dict, int, float, bool)) or pattern is None:
            continue  # not a valid pattern: matches nothing
        result = tri_or(result, match(pattern, subject, fold_case))
        if result is True:
            return True
    return result


def action_applies(stmt: Statement, action: str) -> Tri:
    if stmt.actions is not None:
        return _any_match(stmt.actions, action, True)
    if stmt.not_actions is not None:
        return tri_not(_any_match(stmt.not_actions, action, True))
    return None


def resource_applies(stmt: Statement, resource: Any) -> Tri:
    if stmt.resources is not None:
        return _any_match(stmt.resources, resource, False)
    if stmt.not_resources is not None:
        return tri_not(_any_match(stmt.not_resources, resource, False))
    return None


def describe_condition(stmt: Statement) -> str:
    cond = stmt.condition
    if isinstance(cond, dict):
        keys: list[str] = []
        for op, body in cond.items():
            if isinstance(body, dict):
                keys.extend(f"{op} {k}" for k in body)
            else:
                keys.append(str(op))
        if keys:
            return ", ".join(keys)
    return display(cond)


def _undecided(patterns: list[Any] | None, subject: Any, fold_case: bool) -> list[Any]:
    """The patterns whose match with ``subject`` cannot be told: those are what blocks the decision."""
    candidates = [p for p in _flat(patterns or []) if isinstance(p, (str, Text, Unknown))]
    return [p for p in candidates if match(p, subject, fold_case) is None]


def _why_unknown(stmt: Statement, action: str, resource: Any) -> str:
    """The unknown that blocks the decision: in a pattern whose match cannot be told, else in the request's own
    resource, else the first unknown the statement holds."""
    if stmt.problem:
        return stmt.problem
    blocking = _undecided(stmt.actions, action, True) + _undecided(stmt.not_actions, action, True)
    blocking += _undecided(stmt.resources, resource, False) + _undecided(stmt.not_resources, resource, False)
    for unknown in unknowns_in(blocking):
        return f"{unknown.reason or unknown.name} in the policy"
    if blocking:  # a pattern known in full, against a resource that is not
        for unknown in unknowns_in(resource):
            return unknown.reason or unknown.name
    for values in (stmt.actions, stmt.not_actions, stmt.resources, stmt.not_resources):
        for unknown in unknowns_in(values or []):
            return f"{unknown.reason or unknown.name} in the policy"
    for unknown in unknowns_in(resource):
        return unknown.reason or unknown.name
    return "a value that cannot be resolved statically"


Pair = tuple[Policy, Statement]
Maybe = tuple[Policy, Statement, str]


@dataclass
class Tally:
    """Every statement that bears on one request, sorted by what it does to it."""

    certain_denies: list[Pair] = field(default_factory=list)
    maybe_denies: list[Maybe] = field(default_factory=list)
    certain_allows: list[Pair] = field(default_factory=list)
    conditional_allows: list[Pair] = field(default_factory=list)
    maybe_allows: list[Maybe] = field(default_factory=list)
    other_resources: list[Pair] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    assumptions: set[str] = field(default_factory=set)
    withheld: list[str] = field(default_factory=list)  # why Allows of some policies do not count (for MISSING)
    withheld_by: str | None = None  # the policy that makes them not count

    def without_allows(self, why: str, by: str) -> Tally:
        """What is left when no Allow of these policies counts (a KMS key policy that does not delegate)."""
        kept = Tally(self.certain_denies, self.maybe_denies, reasons=[], assumptions=self.assumptions)
        kept.withheld, kept.withheld_by = [why], by
        return kept

    def add(self, other: Tally) -> Tally:
        """The union of two sets of policies that all apply to the request (identity and resource-based)."""
        return Tally(
            self.certain_denies + other.certain_denies,
            self.maybe_denies + other.maybe_denies,
            self.certain_allows + other.certain_allows,
            self.conditional_allows + other.conditional_allows,
            self.maybe_allows + other.maybe_allows,
            self.other_resources + other.other_resources,
            self.reasons + other.reasons,
            self.assumptions | other.assumptions,
            self.withheld + other.withheld,
            self.withheld_by or other.withheld_by,
        )


# Whether a statement is about the requester: True for identity policies (their principal is the identity), a
# three-valued answer with its reason for resource-based policies (see infra_policy_linter.iam.principals).
Audience = Callable[[Policy, Statement], tuple[Tri, str]]


def _everyone(policy: Policy, stmt: Statement) -> tuple[Tri, str]:
    return True, ""


def tally(
    policies: list[Policy], action: str, resource: Any, unresolved: list[str] | None = None, about: Audience = _everyone
) -> Tally:
    """Sort every statement of ``policies`` by its effect on ``action`` on ``resource``.

    ``unresolved`` names policies known to reach the principal whose contents are unknown (an unknown managed
    policy, a document that cannot be resolved): they can only turn a denial into "unknown". ``about`` says
    whether a statement is about the requester at all (resource-based policies name their principals).
    """
    t = Tally(reasons=list(unresolved or []), assumptions=assumptions_in(resource))
    for policy in policies:
        if policy.unresolved:
            t.reasons.append(f"{policy.name} cannot be read: {policy.unresolved}")
        for stmt in policy.statements:
            _classify(t, policy, stmt, action, resource, about)
    return t


def _classify(t: Tally, policy: Policy, stmt: Statement, action: str, resource: Any, about: Audience) -> None:
    act = action_applies(stmt, action)
    if act is False:
        return
    who, who_why = about(policy, stmt)
    if who is False:
        return
    holds = _condition(stmt)
    if holds is False:
        return  # its Condition cannot hold for the role's requests (see iam.conditions)
    conditional = holds is None
    res = resource_applies(stmt, resource)
    applies = tri_and(tri_and(act, res), who)
    effect = stmt.effect
    if isinstance(effect, Unknown):
        _classify_unknown_effect(t, policy, stmt, applies, effect)
        return
    if applies is not False:
        t.assumptions |= assumptions_in([stmt.actions, stmt.not_actions, stmt.resources, stmt.not_resources])
    why = who_why if who is None and tri_and(act, res) is True else ""
    if effect == "Deny":
        _classify_deny(t, policy, stmt, applies, conditional, why or _why_unknown(stmt, action, resource))
    elif applies is True:
        (t.conditional_allows if conditional else t.certain_allows).append((policy, stmt))
    elif applies is None:
        t.maybe_allows.append((policy, stmt, why or _why_unknown(stmt, action, resource)))
    elif act is True and res is False and who is True and not conditional:
        t.other_resources.append((policy, stmt))


def _condition(stmt: Statement) -> Tri:
    """Whether the statement's Condition holds for the role's requests (None: it cannot be told)."""
    holds = condition_holds(stmt.condition)
    if stmt.principals is None and stmt.not_principals is None:
        # An identity policy's Condition makes its grant conditional, as the project documents it (shared docs
        # aws-semantics.md section 7); only a Deny whose Condition cannot hold (aws:SecureTransport = false) is
        # known not to apply.
        if stmt.effect == "Deny" and holds is not None:
            return holds  # a Deny whose Condition holds for certain (aws:SecureTransport = true) applies
        return None if stmt.condition else True
    return holds


def _classify_unknown_effect(t: Tally, policy: Policy, stmt: Statement, applies: Tri, effect: Unknown) -> None:
    if applies is not False:
        why = stmt.problem or effect.reason or "an effect that cannot be resolved"
        t.maybe_allows.append((policy, stmt, why))
        t.maybe_denies.append((policy, stmt, why))


def _classify_deny(t: Tally, policy: Policy, stmt: Statement, applies: Tri, conditional: bool, why: str) -> None:
    if applies is False:
        return
    if applies is True and not conditional:
        t.certain_denies.append((policy, stmt))
    elif applies is True:
        t.maybe_denies.append(
            (policy, stmt, f"a Deny in {policy.name} applies when its condition ({describe_condition(stmt)}) holds")
        )
    else:
        t.maybe_denies.append((policy, stmt, f"a Deny in {policy.name} may apply: {why}"))


def conclude(t: Tally) -> Decision:
    """Explicit Deny first, then an unconditional Allow, then what cannot be decided, then conditional Allows."""
    decided = sorted(t.assumptions)
    if t.certain_denies:
        return Decision(Outcome.DENIED, t.certain_denies, [], decided)
    if t.certain_allows:
        return _allowed(t, decided)
    if t.maybe_allows or t.reasons:
        return Decision(
            Outcome.UNKNOWN,
            [(p, s) for p, s, _ in t.maybe_allows],
            _dedupe([r for _, _, r in t.maybe_allows] + t.reasons),
            decided,
        )
    if t.conditional_allows:
        return Decision(
            Outcome.CONDITIONAL,
            t.conditional_allows,
            [
                f"the Allow in {p.name} holds only when its condition ({describe_condition(s)}) holds"
                for p, s in t.conditional_allows
            ],
            decided,
        )
    if t.other_resources:
        return Decision(Outcome.WRONG_RESOURCE, t.other_resources, [], decided)
    return Decision(Outcome.MISSING, [], list(t.withheld), decided, withheld_by=t.withheld_by)


def _allowed(t: Tally, decided: list[str]) -> Decision:
    """An unconditional Allow: granted, unless a Deny may apply."""
    if not t.maybe_denies:
        return Decision(Outcome.GRANTED, t.certain_allows[:1], [], decided)
    only_conditions = all(r.startswith("a Deny in ") and " applies when " in r for _, _, r in t.maybe_denies)
    outcome = Outcome.CONDITIONAL if only_conditions else Outcome.UNKNOWN
    return Decision(outcome, [(p, s) for p, s, _ in t.maybe_denies], [r for _, _, r in t.maybe_denies], decided)


def evaluate(policies: list[Policy], action: str, resource: Any, unresolved: list[str] | None = None) -> Decision:
    """Decide whether identity ``policies`` allow ``action`` on ``resource`` (see :func:`tally`)."""
    return conclude(tally(policies, action, resource, unresolved))


def _dedupe(items: list[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def intersect_boundary(identity: Decision, boundary: Decision, boundary_name: str) -> Decision:
    """A permissions boundary caps the identity policies: both must allow. A boundary that certainly does not
    allow decides even when the identity grant is conditional or rests on an unknown."""
    blocks = boundary.outcome in (Outcome.MISSING, Outcome.WRONG_RESOURCE, Outcome.DENIED)
    if identity.outcome not in (Outcome.GRANTED, Outcome.UNKNOWN, Outcome.CONDITIONAL):
        return identity
    if identity.outcome is not Outcome.GRANTED and not blocks:
        return identity
    if boundary.outcome is Outcome.GRANTED:
        return identity
    if blocks:
        return Decision(
            Outcome.DENIED,
            boundary.deciding,
            [f"the permissions boundary {boundary_name} does not allow it"],
            identity.assumptions,
            boundary_name,
        )
    return Decision(
        boundary.outcome,
        boundary.deciding,
        [f"permissions boundary {boundary_name}: {r}" for r in boundary.reasons],
        identity.assumptions,
    )
