"""Principals in resource-based policies: reading the Principal element, and whether a statement is about a role.

Sources (see shared docs/aws-semantics.md section 7):
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html: a resource-based
  policy must name a Principal; ``"*"`` and ``{"AWS": "*"}`` mean everyone; an account (its 12-digit id or
  ``arn:aws:iam::<account>:root``) as principal delegates to that account's administrators, who must still grant
  the access with identity policies. So an Allow naming only the account grants the role nothing on its own,
  while a Deny naming the account applies to every principal in it.
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html and
  https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html: whether ``NotPrincipal``
  excludes a role session depends on the session ARN and on the role's permissions boundary, so a NotPrincipal
  that may name the role is left undecided.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from infra_policy_linter.iam.match import Tri, same, tri_or
from infra_policy_linter.model.aws import arn_fields
from infra_policy_linter.model.entities import Statement
from infra_policy_linter.model.values import ACCOUNT, Text, Unknown, Value, display, plain

# The principal types that can name an IAM role ("*" holds Principal: "*" and principals whose type is unknown).
_ROLE_TYPES = ("AWS", "*")
_ACCOUNT_ID = re.compile(r"\d{12}")


@dataclass(frozen=True)
class RolePrincipal:
    """The principal a request is made as: an execution role, by its ARN and its account."""

    arn: Any
    account: Any

    @classmethod
    def of(cls, role_arn: Any) -> RolePrincipal:
        fields = arn_fields(role_arn)
        return cls(role_arn, fields[4] if fields is not None else Unknown(ACCOUNT, "the AWS account id"))


def principals_from_value(value: Any) -> dict[str, list[Value]] | None:
    """A resolved Principal / NotPrincipal element, keyed by principal type; None when the element is absent."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): list(v) if isinstance(v, list) else [v] for k, v in value.items()}
    # "*" is everyone; anything else here (an unresolved value, a bare string) is a principal of unknown type.
    return {"*": [value]}


def applies_to(stmt: Statement, who: RolePrincipal) -> Tri:
    """Is the statement of a resource-based policy about ``who`` (True), not (False), or undecidable (None)?

    An Allow naming only the role's account is not about the role: it delegates to the account's identity
    policies. A Deny naming the account is about every principal in it, the role included.
    """
    deny = stmt.effect == "Deny"
    if stmt.principals is not None:
        return names(stmt.principals, who, deny)
    if stmt.not_principals is not None:
        return _not_excluded(stmt.not_principals, who)
    return False  # a resource-based statement without a principal names nobody (AWS rejects the policy)


def names(principals: dict[str, list[Value]], who: RolePrincipal, deny: bool) -> Tri:
    result: Tri = False
    for ptype, values in principals.items():
        if ptype not in _ROLE_TYPES:
            continue  # Service, Federated, CanonicalUser: never an IAM role session
        for value in values:
            result = tri_or(result, _value_names(value, who, deny))
            if result is True:
                return True
    return result


def _value_names(value: Any, who: RolePrincipal, deny: bool) -> Tri:
    if plain(value) == "*":
        return True
    account = account_of(value)
    if account is not None:
        return same(account, who.account) if deny else False
    if isinstance(value, str) and value.startswith("AROA"):
        return None  # a role's unique id: it may be this role's, which only AWS knows
    if isinstance(value, str) and value.startswith("arn:") and ":sts::" in value:
        return False  # an assumed-role session ARN names one session, not the role Lambda runs as
    if not isinstance(value, (str, Text, Unknown)):
        return False
    return same(value, who.arn)


def account_of(value: Any) -> Any:
    """The account a principal value names as a whole (a 12-digit id, or the account's root ARN), else None."""
    if isinstance(value, Unknown) and value.name == ACCOUNT:
        return value
    text = plain(value)
    if text is not None and _ACCOUNT_ID.fullmatch(text):
        return text
    if isinstance(value, Text) and len(value.parts) == 1 and isinstance(value.parts[0], Unknown):
        return account_of(value.parts[0])
    fields = arn_fields(value)
    if fields is not None and fields[2] == "iam" and fields[5] == "root":
        return fields[4]
    return None


def delegates(stmt: Statement, who: RolePrincipal) -> bool:
    """An Allow that names the role's account (not the role): it leaves the grant to the role's own policies."""
    return delegation(stmt, who) is True


def delegation(stmt: Statement, who: RolePrincipal) -> Tri:
    """Does an Allow name the role's account (True), not (False), or may it (None, the accounts are not known)?"""
    result: Tri = False
    if stmt.effect != "Allow" or not stmt.principals:
        return result
    for ptype, values in stmt.principals.items():
        for value in values if ptype in _ROLE_TYPES else []:
            account = account_of(value)
            if account is not None:
                result = tri_or(result, same(account, who.account))
    return result


def _not_excluded(not_principals: dict[str, list[Value]], who: RolePrincipal) -> Tri:
    """A NotPrincipal statement applies to everyone it does not list. When a listed value may be the role or its
    account, whether the role's session is excluded is not decided here."""
    for ptype, values in not_principals.items():
        if ptype not in _ROLE_TYPES:
            continue
        for value in values:
            if plain(value) == "*":
                return False
            if account_of(value) is not None and same(account_of(value), who.account) is not False:
                return None
            if _value_names(value, who, False) is not False:
                return None
    return True


def why_undecided(stmt: Statement, who: RolePrincipal) -> str:
    """Why ``applies_to`` could not decide, in words."""
    listed = stmt.principals if stmt.principals is not None else stmt.not_principals or {}
    shown = ", ".join(display(v) for vs in listed.values() for v in vs) or "its principal"
    element = "Principal" if stmt.principals is not None else "NotPrincipal"
    return f"whether its {element} ({shown}) covers the execution role {display(who.arn)} cannot be decided statically"
