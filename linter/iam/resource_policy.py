"""Resource-based policies in a request's evaluation: which apply to a resource, and how they join the identity side.

Sources (shared docs/aws-semantics.md section 7):
- Same account: "If either the identity-based policy or the resource-based policy within the same account allows
  the request and the other doesn't, the request is still allowed"; an explicit Deny in any of them wins
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html).
  So the statements of both kinds are evaluated together, as one set.
- Across accounts: the resource-based policy must name the principal and the principal's identity-based policy
  must allow the access too (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
- The permissions boundary still caps a role session's access when a resource-based policy names the role's ARN
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html); the caller applies it after.
"""

from __future__ import annotations

from typing import Any

from infra_policy_linter.iam.evaluate import (
    Audience,
    Decision,
    Outcome,
    Tally,
    action_applies,
    conclude,
    resource_applies,
    tally,
)
from infra_policy_linter.iam.match import Tri, match, same, tri_and, tri_or
from infra_policy_linter.iam.principals import RolePrincipal, applies_to, delegation, why_undecided
from infra_policy_linter.model.aws import arn_fields, service_of
from infra_policy_linter.model.entities import Policy, ResourcePolicy, Statement
from infra_policy_linter.model.values import Text, display, make_text, plain


def attached(rp: ResourcePolicy, resource: Any) -> Tri:
    """Does ``rp`` govern requests on ``resource``: the resource itself, or (for a bucket) an object in it?"""
    result: Tri = False
    for target in rp.resources:
        result = tri_or(result, same(target, resource))
        if service_of(target) == "s3" and isinstance(target, (str, Text)):
            result = tri_or(result, match(make_text([target, "/*"]), resource))
        if result is True:
            return True
    return result


def resource_tally(policies: list[ResourcePolicy], who: RolePrincipal, action: str, resource: Any) -> Tally | None:
    """The statements of the resource-based policies on ``resource`` that are about ``who``; None without any."""
    found: Tally | None = None
    for rp in policies:
        on = attached(rp, resource)
        if on is False:
            continue
        about = _audience(rp, on, who, resource)
        one = tally([rp.policy], action, resource, about=about)
        found = one if found is None else found.add(one)
    return found


def _audience(rp: ResourcePolicy, on: Tri, who: RolePrincipal, resource: Any) -> Audience:
    def about(policy: Policy, stmt: Statement) -> tuple[Tri, str]:
        named = applies_to(stmt, who)
        both = tri_and(on, named)
        if both is not None:
            return both, ""
        if named is None:
            return None, why_undecided(stmt, who)
        targets = ", ".join(display(r) for r in rp.resources)
        return None, f"{policy.name} (on {targets}) may be the policy of {display(resource)}"

    return about


def withholding_key_policy(
    policies: list[ResourcePolicy], who: RolePrincipal, action: str, resource: Any
) -> tuple[str, str] | None:
    """KMS only: a key policy that lets neither the account nor the role use the key for ``action`` leaves the
    role's identity policies without effect: "Unless the key policy explicitly allows it, you cannot use IAM
    policies to allow access to a KMS key" (https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html).
    Returns (why, the key policy's name), or None when the key policy delegates, may delegate, or is not in view."""
    if service_of(resource) != "kms":
        return None
    for rp in policies:
        if attached(rp, resource) is not True or rp.policy.unresolved is not None:
            continue
        if any(_may_open(s, who, action, resource) for s in rp.policy.statements):
            return None
        why = (
            f"the key policy {rp.policy.name} allows {action} neither to the account nor to the role, so the "
            "role's own policies cannot grant it"
        )
        return why, rp.policy.name
    return None


def _may_open(stmt: Statement, who: RolePrincipal, action: str, resource: Any) -> bool:
    """An Allow (perhaps conditional) that lets the account's IAM policies, or the role itself, use the key."""
    if stmt.effect == "Deny":
        return False
    about = tri_or(applies_to(stmt, who), delegation(stmt, who))
    applies = tri_and(tri_and(action_applies(stmt, action), resource_applies(stmt, resource)), about)
    return applies is not False


def other_account(who: RolePrincipal, resource: Any) -> str | None:
    """The resource's account when it is known and is not the role's; None when the accounts are (or may be)
    the same. An account that is not written out (``${AWS::AccountId}``, a caller identity) is the role's own."""
    fields = arn_fields(resource)
    if fields is None:
        return None
    theirs, ours = plain(fields[4]), plain(who.account)
    if theirs and ours and theirs != ours:
        return theirs
    return None


def across_accounts(identity: Decision, on_resource: Tally | None, account: str) -> Decision:
    """Both sides must allow a request into another account: the role's policies and the resource's own."""
    if on_resource is None:
        side = Decision(
            Outcome.UNKNOWN,
            reasons=[
                f"the destination is in account {account}, not the execution role's: that account's "
                "resource-based policy must also allow the role, and it is not defined here"
            ],
        )
    else:
        side = conclude(on_resource)
    for outcome in (Outcome.DENIED, Outcome.MISSING, Outcome.WRONG_RESOURCE, Outcome.UNKNOWN, Outcome.CONDITIONAL):
        for d in (identity, side):
            if d.outcome is outcome:
                return _with_assumptions(d, identity, side)
    granted = Decision(Outcome.GRANTED, identity.deciding + side.deciding)
    return _with_assumptions(granted, identity, side)


def _with_assumptions(d: Decision, a: Decision, b: Decision) -> Decision:
    d.assumptions = sorted(set(a.assumptions) | set(b.assumptions))
    return d
