"""Joining the model: invoke config -> function -> execution role -> every policy that reaches the role.

Format-neutral: works on :class:`~infra_policy_linter.model.entities.Unit` only. Joins compare resolved values, so a
role referenced by name in one place and by ARN in another is still the same role. A :class:`ReferenceIndex`, built
once per unit, answers who declares an address, which function has a name, which role or managed policy has an
ARN and which attachments name a role, so that a join reads only the entries that may match, not every one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Generic, TypeVar

from infra_policy_linter.iam.managed import aws_managed_document, aws_managed_path
from infra_policy_linter.iam.match import Identity, has_unknown, identity, same
from infra_policy_linter.iam.principals import RolePrincipal, applies_to, delegates
from infra_policy_linter.model import aws
from infra_policy_linter.model.aws import function_name_of
from infra_policy_linter.model.entities import (
    Function,
    InlineAttachment,
    InvokeConfig,
    ManagedAttachment,
    ManagedPolicy,
    Policy,
    ResourcePolicy,
    Role,
    Unit,
)
from infra_policy_linter.model.located import Location
from infra_policy_linter.model.values import Unknown, display
from infra_policy_linter.resolve.policy_document import policy_from_value

__all__ = ["ReferenceIndex", "RoleGrants", "find_function", "find_role", "function_name_of", "role_grants"]


@dataclass
class RoleGrants:
    """Everything that reaches one execution role."""

    role: Role
    policies: list[Policy] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)  # policies that reach the role but cannot be read
    boundary: Policy | None = None
    boundary_unresolved: str | None = None
    evidence: list[Location] = field(default_factory=list)  # where those policies and attachments are written
    principal: RolePrincipal = field(default_factory=lambda: RolePrincipal(None, None))
    # The resource-based policies of the unit that may name the role (or its account, or everyone): each counts
    # for the requests on the resources it is attached to (see infra_policy_linter.iam.resource_policy).
    resource_policies: list[ResourcePolicy] = field(default_factory=list)
    # Those that allow the role's account rather than the role: they only say why a missing grant stays missing.
    delegating: list[ResourcePolicy] = field(default_factory=list)


def find_function(
    unit: Unit, config: InvokeConfig, index: ReferenceIndex | None = None
) -> tuple[Function | None, str | None]:
    """The function an invoke config (or event source mapping) configures, or the reason it cannot be found in this
    unit. ``index``: the unit's reference index, when the caller keeps one."""
    index = index or ReferenceIndex(unit)
    if config.function_address:
        found = index.function_at(config.function_address)
        if found is not None:
            return found, None
    wanted = function_name_of(config.function)
    maybe: list[Function] = []
    for fn in index.function_names.candidates(wanted):
        verdict = same(function_name_of(fn.name), wanted)
        if verdict is True:
            return fn, None
        if verdict is None:
            maybe.append(fn)
    if isinstance(config.function, Unknown):
        return None, f"the function is {config.function.reason or config.function.name}"
    if maybe:
        return None, (
            f"the function {display(config.function)} cannot be matched to a function defined here with certainty"
        )
    return None, f"the function {display(config.function)} is not defined in {unit.name}"


def find_role(unit: Unit, fn: Function, index: ReferenceIndex | None = None) -> tuple[Role | None, str | None]:
    index = index or ReferenceIndex(unit)
    maybe = []
    for role in index.role_arns.candidates(fn.role):
        verdict = same(role.arn, fn.role)
        if verdict is True:
            return role, None
        if verdict is None:
            maybe.append(role)
    if isinstance(fn.role, Unknown):
        return None, f"its execution role is {fn.role.reason or fn.role.name}"
    if maybe:
        return None, (
            f"its execution role {display(fn.role)} may be {maybe[0].address}, but that cannot be decided statically"
        )
    return None, f"its execution role {display(fn.role)} is not defined in {unit.name}, so its policies cannot be seen"


def _role_matches(role: Role, reference: Any) -> bool | None:
    by_name = same(role.name, reference)
    if by_name is True:
        return True
    by_arn = same(role.arn, reference)
    if by_arn is True:
        return True
    if by_name is None and by_arn is None:
        return None
    return False if by_name is False and by_arn is False else None


def resolve_managed(unit: Unit, arn: Any, index: ReferenceIndex | None = None) -> tuple[Policy | None, str | None]:
    """The document behind a managed policy ARN: one defined in the unit, or a known AWS managed policy."""
    index = index or ReferenceIndex(unit)
    maybe = None
    for mp in index.policy_arns.candidates(arn):
        verdict = same(mp.arn, arn)
        if verdict is True:
            return mp.policy, None
        if verdict is None:
            maybe = mp
    found = aws_managed_document(arn)
    if found is not None:
        name, document = found
        return policy_from_value(f"AWS managed policy {name}", document, None), None
    if aws_managed_path(arn) is not None:
        return None, (
            f"the AWS managed policy {display(arn)} is not in the linter's snapshot, so what it grants is unknown"
        )
    if maybe is not None:
        return None, f"the managed policy {display(arn)} may be {maybe.address}, but that cannot be decided statically"
    if isinstance(arn, Unknown):
        return None, f"a managed policy whose ARN is {arn.reason or arn.name}"
    return None, f"the managed policy {display(arn)} is not defined in {unit.name}, so what it grants is unknown"


def role_grants(unit: Unit, role: Role, memo: dict[str, Any] | None = None) -> RoleGrants:
    """Everything that reaches ``role``; pass the rules' shared dict as ``memo`` to compute it once per unit."""
    if memo is not None:
        return index_of(unit, memo).role_grants(role)
    return _role_grants(ReferenceIndex(unit), role)


def _role_grants(index: ReferenceIndex, role: Role) -> RoleGrants:
    unit = index.unit
    grants = RoleGrants(role, principal=RolePrincipal.of(role.arn))
    grants.unresolved.extend(unit.incomplete)
    grants.policies.extend(role.inline_policies)
    grants.evidence.extend(p.location for p in role.inline_policies if p.location)
    for arn, location in role.managed_policy_arns:
        _add_managed(grants, *resolve_managed(unit, arn, index), location)
    for inline in index.inline_roles.candidates(role.name, role.arn):
        _add_inline(grants, inline)
    for attachment in index.managed_roles.candidates(role.name, role.arn):
        _add_attachment(index, grants, attachment)
    if role.boundary is not None:
        grants.boundary, grants.boundary_unresolved = resolve_managed(unit, role.boundary, index)
    grants.policies = _unique(grants.policies)
    grants.resource_policies = [rp for rp in unit.resource_policies if _may_name(rp, grants.principal)]
    grants.delegating = [
        rp for rp in unit.resource_policies if any(delegates(s, grants.principal) for s in rp.policy.statements)
    ]
    grants.evidence.extend(rp.location for rp in grants.resource_policies if rp.location)
    return grants


def _add_managed(grants: RoleGrants, policy: Policy | None, problem: str | None, location: Location | None) -> None:
    if policy is not None:
        grants.policies.append(policy)
        if policy.location or location:
            grants.evidence.append(policy.location or location)  # type: ignore[arg-type]
    else:
        grants.unresolved.append(problem or "")


def _add_inline(grants: RoleGrants, attachment: InlineAttachment) -> None:
    verdict = _role_matches(grants.role, attachment.role)
    if verdict is True:
        grants.policies.append(attachment.policy)
        if attachment.policy.location:
            grants.evidence.append(attachment.policy.location)
    elif verdict is None:
        grants.unresolved.append(
            f"{attachment.policy.name} may be attached to {grants.role.address} "
            f"(its role is {display(attachment.role)})"
        )


def _add_attachment(index: ReferenceIndex, grants: RoleGrants, attachment: ManagedAttachment) -> None:
    verdict = _role_matches(grants.role, attachment.role)
    if verdict is False:
        return
    if verdict is None:
        grants.unresolved.append(
            f"{attachment.address or 'an attachment'} may attach a policy to {grants.role.address} "
            f"(its role is {display(attachment.role)})"
        )
        return
    policy: Policy | None
    problem: str | None
    if attachment.policy is not None:
        policy, problem = attachment.policy, None
    else:
        policy, problem = resolve_managed(index.unit, attachment.policy_arn, index)
    if policy is not None and attachment.location:
        grants.evidence.append(attachment.location)
    _add_managed(grants, policy, problem, None)


def _may_name(rp: ResourcePolicy, who: RolePrincipal) -> bool:
    """Could the resource-based policy say anything about the role (or is it unreadable, so that it might)? A key
    policy always can: without it the role's own policies grant nothing on the key."""
    if rp.policy.unresolved is not None or any(aws.service_of(r) == "kms" for r in rp.resources):
        return True
    return any(applies_to(s, who) is not False for s in rp.policy.statements)


def _unique(policies: list[Policy]) -> list[Policy]:
    seen: set[int] = set()
    out = []
    for p in policies:
        if id(p) not in seen:
            seen.add(id(p))
            out.append(p)
    return out


T = TypeVar("T")


class Keyed(Generic[T]):
    """Entries of one kind, indexed by a value each has (a name, an ARN, the role it names), so that a lookup reads
    only those that may be ``same`` as the wanted value: the entries with the wanted identity, and those whose own
    value is partly unknown. Entries come back in the unit's order, so a join decides as a scan of them all does."""

    def __init__(self, entries: list[T], value_of: Callable[[T], Any]) -> None:
        self.entries = entries
        self._by_identity: dict[Identity, list[int]] = {}
        self._open: list[int] = []  # entries whose value holds an unknown: any wanted value may be them
        for position, entry in enumerate(entries):
            key = identity(value_of(entry))
            if key is None:
                continue  # not a string: never the same as one
            self._by_identity.setdefault(key, []).append(position)
            if has_unknown(key):
                self._open.append(position)

    def candidates(self, *wanted: Any) -> list[T]:
        """The entries that may be ``same`` as one of the wanted values, in order; all when one is not a known
        string (then any entry may be undecided against it)."""
        positions: set[int] = set(self._open)
        for value in wanted:
            key = identity(value)
            if key is None or has_unknown(key):
                return self.entries
            positions.update(self._by_identity.get(key, ()))
        return [self.entries[p] for p in sorted(positions)]


class ReferenceIndex:
    """One unit's references, each table built the first time it is asked for; role grants computed once per role."""

    def __init__(self, unit: Unit) -> None:
        self.unit = unit
        self._grants: dict[str, RoleGrants] = {}
        # id(owner) -> (owner, what was found): the owner is kept, so that its id is not reused by another object
        self._functions: dict[int, tuple[Any, tuple[Function | None, str | None]]] = {}
        self._roles: dict[int, tuple[Function, tuple[Role | None, str | None]]] = {}

    @cached_property
    def _functions_by_address(self) -> dict[str, Function]:
        found: dict[str, Function] = {}
        for fn in self.unit.functions:
            found.setdefault(fn.address, fn)  # the first one declared, as a scan finds it
        return found

    def function_at(self, address: str) -> Function | None:
        """The function declared at ``address``."""
        return self._functions_by_address.get(address)

    @cached_property
    def function_names(self) -> Keyed[Function]:
        return Keyed(self.unit.functions, lambda fn: function_name_of(fn.name))

    @cached_property
    def role_arns(self) -> Keyed[Role]:
        return Keyed(self.unit.roles, lambda role: role.arn)

    @cached_property
    def policy_arns(self) -> Keyed[ManagedPolicy]:
        return Keyed(self.unit.managed_policies, lambda mp: mp.arn)

    @cached_property
    def inline_roles(self) -> Keyed[InlineAttachment]:
        return Keyed(self.unit.inline_attachments, lambda attachment: attachment.role)

    @cached_property
    def managed_roles(self) -> Keyed[ManagedAttachment]:
        return Keyed(self.unit.managed_attachments, lambda attachment: attachment.role)

    def function_of(self, owner: InvokeConfig) -> tuple[Function | None, str | None]:
        """:func:`find_function` for an invoke config or event source mapping, found once per owner."""
        if id(owner) not in self._functions:
            self._functions[id(owner)] = (owner, find_function(self.unit, owner, self))
        return self._functions[id(owner)][1]

    def role_of(self, fn: Function) -> tuple[Role | None, str | None]:
        """:func:`find_role` for a function, found once per function."""
        if id(fn) not in self._roles:
            self._roles[id(fn)] = (fn, find_role(self.unit, fn, self))
        return self._roles[id(fn)][1]

    def role_grants(self, role: Role) -> RoleGrants:
        """Everything that reaches ``role``, computed once."""
        if role.address not in self._grants:
            self._grants[role.address] = _role_grants(self, role)
        return self._grants[role.address]


def index_of(unit: Unit, memo: dict[str, Any]) -> ReferenceIndex:
    """The unit's reference index, built once and kept in the rules' shared memo."""
    index = memo.get("reference_index")
    if not isinstance(index, ReferenceIndex):
        index = memo["reference_index"] = ReferenceIndex(unit)
    return index
