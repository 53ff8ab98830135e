"""Verdicts: every request of every target (:mod:`infra_policy_linter.verdicts.requirements`), evaluated once.

The same IAM logic for every caller: the role's identity policies (an explicit Deny wins), policies that reach
the role but cannot be read, and the permissions boundary. Each target ends in exactly one state: granted, not
granted, or cannot verify. Rules pick the verdicts they own and word them; so does the cfn-lint adapter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from infra_policy_linter.findings.finding import Chain, Ref
from infra_policy_linter.iam.evaluate import Decision, Outcome, conclude, evaluate, intersect_boundary, tally
from infra_policy_linter.iam.resource_policy import (
    across_accounts,
    attached,
    other_account,
    resource_tally,
    withholding_key_policy,
)
from infra_policy_linter.model.entities import EventSourceMapping, Function, Policy, Role, Statement, Unit
from infra_policy_linter.model.located import Location
from infra_policy_linter.model.values import Unknown, display
from infra_policy_linter.verdicts.link import RoleGrants, index_of, role_grants
from infra_policy_linter.verdicts.requirements import (
    Request,
    Target,
    dead_letter_target,
    destination_target,
    mapping_destination_target,
    source_candidates,
    source_target,
)
from infra_policy_linter.verdicts.same_input import input_reference, settle
from infra_policy_linter.verdicts.source_home import bound_grants, bound_target, placement

NOT_GRANTED = (Outcome.MISSING, Outcome.WRONG_RESOURCE, Outcome.DENIED)
UNDECIDED = (Outcome.UNKNOWN, Outcome.CONDITIONAL)
TypeState = Literal["granted", "not_granted", "undecided"]


@dataclass
class Result:
    request: Request
    action: str  # the action that decided (the request's own, or the alternative that was granted)
    decision: Decision

    @property
    def outcome(self) -> Outcome:
        return self.decision.outcome


@dataclass
class Verdict:
    target: Target
    function: Function | None
    label: str  # how messages name the function
    role: Role | None
    grants: RoleGrants | None
    problem: str | None  # why the role's grants cannot be seen (function or role not found)
    results: list[Result] = field(default_factory=list)
    by_type: dict[str, list[Result]] = field(default_factory=dict)  # the service is unknown: each candidate
    evidence: frozenset[str] = frozenset()
    # Why the mapping cannot be created where the run deploys (its source is in another Region or account than
    # Lambda allows, verdicts/source_home.py): then nothing is asked of the role, and ESM004 says so.
    misplaced: str | None = None
    misplaced_fix: str | None = None

    @property
    def kind(self) -> str:
        return self.target.kind

    def type_states(self) -> dict[str, TypeState]:
        return {svc: requirement_state(results) for svc, results in self.by_type.items()}

    def chain(self, results: list[Result], summary: str) -> Chain:
        """Function -> role -> every policy considered -> the statements that decided, for one finding."""
        fn = Ref(self.function.address, self.function.location) if self.function else Ref(self.label)
        role = Ref(self.role.address, self.role.location) if self.role else None
        policies: tuple[Ref, ...] = ()
        boundary = None
        unknowns: list[str] = [self.problem] if self.problem and self.grants is None else []
        if self.grants is not None:
            policies = tuple(Ref(p.name, p.location) for p in self.grants.policies)
            unknowns += [u for u in self.grants.unresolved if u]
            if self.grants.boundary is not None:
                boundary = Ref(self.grants.boundary.name, self.grants.boundary.location)
            elif self.grants.boundary_unresolved:
                unknowns.append(f"permissions boundary: {self.grants.boundary_unresolved}")
        deciding, assumptions, on_resource = _what_decided(results, self.grants)
        policies += tuple(ref for ref in on_resource if ref not in policies)
        if self.target.unknown:
            unknowns.insert(0, self.target.unknown)
        actions = tuple(dict.fromkeys(r.request.named() for r in results))
        return Chain(
            self.kind,
            fn,
            role,
            policies,
            boundary,
            tuple(deciding),
            summary,
            tuple(assumptions),
            tuple(dict.fromkeys(unknowns)),
            actions,
        )


def _what_decided(results: list[Result], grants: RoleGrants | None) -> tuple[list[Ref], list[str], list[Ref]]:
    """The statements that decided, the assumptions made, and the resource-based policies among the deciders
    (they are "considered" too, though they do not reach the role)."""
    deciding: list[Ref] = []
    assumptions: list[str] = []
    on_resource: list[Ref] = []
    resource_policies = [rp.policy for rp in grants.resource_policies] if grants else []
    for r in results:
        for policy, stmt in r.decision.deciding:
            ref = statement_ref(policy, stmt)
            if ref not in deciding:
                deciding.append(ref)
            considered = Ref(policy.name, policy.location)
            if considered not in on_resource and any(policy is p for p in resource_policies):
                on_resource.append(considered)
        extra = [r.request.assumption] if r.request.assumption and r.action != r.request.action else []
        for a in r.decision.assumptions + extra:
            if a not in assumptions:
                assumptions.append(a)
    return deciding, assumptions, on_resource


def statement_ref(policy: Policy, stmt: Statement) -> Ref:
    sid = f" statement {stmt.sid!r}" if isinstance(stmt.sid, str) and stmt.sid else ""
    return Ref(f"{policy.name}{sid}", stmt.location or policy.location)


def requirement_state(results: list[Result]) -> TypeState:
    required = [r for r in results if r.request.required]
    if any(r.outcome in NOT_GRANTED for r in required):
        return "not_granted"
    if all(r.outcome is Outcome.GRANTED for r in required):
        return "granted"
    return "undecided"


def verdicts(unit: Unit, shared: dict[str, Any]) -> list[Verdict]:
    """Every target of the unit with its verdict, computed once per unit (``shared`` is the rules' memo)."""
    if "verdicts" not in shared:
        shared["verdicts"] = _all(unit, shared)
    found: list[Verdict] = shared["verdicts"]
    return found


def _all(unit: Unit, shared: dict[str, Any]) -> list[Verdict]:
    out: list[Verdict] = []
    owners = [(c, [d for d in c.destinations]) for c in unit.invoke_configs]
    for config, dests in owners:
        fn, role, grants, problem, label = _role_of(unit, config, shared)
        name = fn.name if fn else Unknown("function name", "the function name")
        places: list[Location | None] = [config.location, *_places(fn, role, grants)]
        for dest in dests:
            target = destination_target(config, dest, name)
            if target is not None:
                out.append(
                    _verdict(target, fn, label, role, grants, problem, places + [dest.location, dest.target_location])
                )
    for mapping in unit.event_source_mappings:
        fn, role, grants, problem, label = _role_of(unit, mapping, shared)
        name = fn.name if fn else Unknown("function name", "the function name")
        places = [mapping.location, *_places(fn, role, grants)]
        source = source_target(mapping)
        out.append(
            _source_verdict(source, fn, label, role, grants, problem, places + [mapping.source_location], shared)
        )
        target = mapping_destination_target(mapping, name)
        if target is not None:
            failure = mapping.on_failure
            out.append(
                _verdict(
                    target,
                    fn,
                    label,
                    role,
                    grants,
                    problem,
                    places + ([failure.location, failure.target_location] if failure else []),
                )
            )
    out += _dead_letters(unit, shared)
    return out


def _source_verdict(
    target: Target,
    fn: Function | None,
    label: str,
    role: Role | None,
    grants: RoleGrants | None,
    problem: str | None,
    places: list[Location | None],
    shared: dict[str, Any],
) -> Verdict:
    """A mapping's source, decided in the Region and account its ARN fixes where Lambda requires the function's
    own (verdicts/source_home.py); when the run deploys elsewhere, the mapping cannot exist: nothing to decide."""
    mapping = target.owner
    assert isinstance(mapping, EventSourceMapping)
    where = placement(mapping, target.service, fn, grants)
    if where.conflict:
        evidence = frozenset(loc.path for loc in places if loc is not None)
        return Verdict(
            target,
            fn,
            label,
            role,
            grants,
            problem,
            evidence=evidence,
            misplaced=where.conflict,
            misplaced_fix=where.fix,
        )
    if where.binds:
        target = bound_target(target, where.binds)
        grants = bound_grants(grants, where.binds, shared) if grants is not None else None
    return _verdict(target, fn, label, role, grants, problem, places)


def _dead_letters(unit: Unit, shared: dict[str, Any]) -> list[Verdict]:
    """Each function's dead-letter queue or topic: Lambda sends failed events there as the execution role."""
    out = []
    for fn in unit.functions:
        target = dead_letter_target(fn)
        if target is None or fn.dead_letter is None:
            continue
        role, problem = index_of(unit, shared).role_of(fn)
        grants = role_grants(unit, role, shared) if role else None
        places = [*_places(fn, role, grants), fn.dead_letter.location, fn.dead_letter.target_location]
        out.append(_verdict(target, fn, fn.address, role, grants, problem, places))
    return out


def _role_of(
    unit: Unit, owner: Any, shared: dict[str, Any]
) -> tuple[Function | None, Role | None, RoleGrants | None, str | None, str]:
    index = index_of(unit, shared)
    fn, fn_problem = index.function_of(owner)
    label = fn.address if fn else (owner.function_address or display(owner.function))
    role, role_problem = index.role_of(fn) if fn else (None, None)
    grants = role_grants(unit, role, shared) if role else None
    return fn, role, grants, fn_problem or role_problem, label


def _places(fn: Function | None, role: Role | None, grants: RoleGrants | None) -> list[Location | None]:
    out: list[Location | None] = [fn.location] if fn else []
    out += [role.location] if role else []
    out += grants.evidence if grants else []
    return out


def _verdict(
    target: Target,
    fn: Function | None,
    label: str,
    role: Role | None,
    grants: RoleGrants | None,
    problem: str | None,
    places: list[Location | None],
) -> Verdict:
    v = Verdict(
        target, fn, label, role, grants, problem, evidence=frozenset(loc.path for loc in places if loc is not None)
    )
    v.results = [decide_request(grants, problem, r) for r in target.requests]
    v.by_type = {svc: [decide_request(grants, problem, r) for r in reqs] for svc, reqs in target.candidates.items()}
    ref = input_reference(target.destination.arn if target.destination else getattr(target.owner, "source", None))
    if v.by_type and ref is not None:
        settle(v, ref)
    elif ref is not None and target.kind == "esm_source" and target.unknown:
        _settle_source(v, grants, problem, ref)
    return v


def _settle_source(v: Verdict, grants: RoleGrants | None, problem: str | None, ref: Unknown) -> None:
    """A mapping that reads an input: what each source type would take, kept only if the grants settle it."""
    v.by_type = {
        svc: [decide_request(grants, problem, r) for r in reqs] for svc, reqs in source_candidates(ref).items()
    }
    if not settle(v, ref):
        v.by_type = {}


def decide_request(grants: RoleGrants | None, problem: str | None, request: Request) -> Result:
    """The request's verdict; with alternatives, the best of them (granted, then undecided, then the request's own)."""
    results = [Result(request, a, decide(grants, problem, a, request.resource)) for a in request.actions]
    for wanted in (Outcome.GRANTED, Outcome.CONDITIONAL, Outcome.UNKNOWN):
        for r in results:
            if r.outcome is wanted:
                return r
    return results[0]


def decide(grants: RoleGrants | None, problem: str | None, action: str, resource: Any) -> Decision:
    """The role's identity policies and the resource's own policies (an explicit Deny in either wins; within one
    account an Allow in either suffices, across accounts both must allow), then the permissions boundary."""
    if grants is None:
        return Decision(Outcome.UNKNOWN, reasons=[problem or "its execution role cannot be found"])
    identity = tally(grants.policies, action, resource, grants.unresolved)
    withheld = withholding_key_policy(grants.resource_policies, grants.principal, action, resource)
    if withheld is not None:
        identity = identity.without_allows(*withheld)
    on_resource = resource_tally(grants.resource_policies, grants.principal, action, resource)
    account = other_account(grants.principal, resource)
    if account is not None:
        decision = across_accounts(conclude(identity), on_resource, account)
    else:
        decision = conclude(identity if on_resource is None else identity.add(on_resource))
    if decision.outcome is Outcome.MISSING:
        decision.reasons += _delegations(grants, resource)
    return _bounded(grants, decision, action, resource)


def _delegations(grants: RoleGrants, resource: Any) -> list[str]:
    """Resource policies on ``resource`` that allow the role's account: they grant the role nothing by themselves."""
    return [
        f"{rp.policy.name} allows the account, not the role, which leaves the grant to the role's own policies"
        for rp in grants.delegating
        if attached(rp, resource) is True
    ]


def _bounded(grants: RoleGrants, decision: Decision, action: str, resource: Any) -> Decision:
    """A permissions boundary caps the role's sessions, whichever policy granted (an unreadable one: unknown)."""
    if grants.role.boundary is None:
        return decision
    if grants.boundary is None:
        if decision.outcome is Outcome.GRANTED:
            return Decision(
                Outcome.UNKNOWN,
                [],
                [f"its permissions boundary cannot be read: {grants.boundary_unresolved}"],
                decision.assumptions,
            )
        return decision
    bound = evaluate([grants.boundary], action, resource)
    return intersect_boundary(decision, bound, grants.boundary.name)


def summary(results: list[Result]) -> str:
    """What decided, in words, for the chain: "no statement allows sqs:SendMessage", ..."""
    parts: list[str] = []
    said: list[tuple[str, str]] = []  # (text, the action it names), to merge texts that differ only in it
    undecided: dict[str, list[str]] = {}  # reasons -> actions, so that one reason is said once
    for r in results:
        if r.decision.outcome in UNDECIDED:
            why = "; ".join(r.decision.reasons) or "a value that cannot be resolved"
            undecided.setdefault(why, []).append(r.request.named())
        d = r.decision
        named = r.request.named()
        if d.outcome is Outcome.GRANTED:
            where = statement_ref(*d.deciding[0]).name if d.deciding else "a statement"
            text = f"{where} allows {r.action}"
        elif d.outcome is Outcome.MISSING and d.withheld_by:
            text = "; ".join(d.reasons)
        elif d.outcome is Outcome.MISSING:
            text = "; ".join([f"no statement allows {named}", *d.reasons])
        elif d.outcome is Outcome.WRONG_RESOURCE:
            where = ", ".join(statement_ref(p, s).name for p, s in d.deciding) or "a statement"
            text = f"{where} allows {r.action} only on other resources"
        elif d.outcome is Outcome.DENIED:
            if d.boundary:
                text = f"the permissions boundary {d.boundary} does not allow {r.action}"
            else:
                where = ", ".join(statement_ref(p, s).name for p, s in d.deciding) or "a policy"
                text = f"a Deny in {where} blocks {r.action}"
        else:
            continue
        if text not in parts:
            parts.append(text)
            said.append((text, r.action))
    parts = _merged_by_action(said) if len(said) > 1 else parts
    parts += [f"{', '.join(dict.fromkeys(actions))}: {why}" for why, actions in undecided.items()]
    return "; ".join(parts)


def _merged_by_action(said: list[tuple[str, str]]) -> list[str]:
    """ "no statement allows a; no statement allows b" -> "no statement allows a, b": one reason said once."""
    merged: dict[str, list[str]] = {}
    for text, action in said:
        template = text.replace(action, "{}", 1) if text.count(action) == 1 else text
        merged.setdefault(template, []).append(action)
    return [t.replace("{}", ", ".join(actions)) if "{}" in t else t for t, actions in merged.items()]
