"""Where Lambda lets an event source be, relative to the function, and what that decides.

Lambda documents for some sources that a mapping can only read one in the function's own AWS Region and/or account.
For those, the source's ARN says where the function deploys whenever the mapping can exist at all:

- when the run leaves the deployment Region or account open (no ``--region``/``--account-id``, no provider region,
  no function ARN that spells it), the mapping's verdicts are decided with the source's Region and account in their
  place, which is how IAM evaluates the role once the mapping exists (a policy on
  ``arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster-pg:*`` grants on a us-west-2 cluster's
  parameter groups when the function deploys to us-west-2, the only Region where its mapping can exist);
- when the run says another Region or account than the source's, the mapping cannot be created there: that is what
  the verdict says (ESM004), not "granted only on other resources" nor "that account's resource-based policy must
  allow the role".

The sources and their facts (one place; README "Event sources" repeats them for users):

- Amazon DocumentDB (``rds``): "an existing Amazon DocumentDB cluster ... in the same AWS account and AWS Region as
  your function" (https://docs.aws.amazon.com/lambda/latest/dg/with-documentdb.html, "Prerequisites and
  permissions"). Region and account.
- Amazon SQS: "The Lambda function and the Amazon SQS queue must be in the same AWS Region, although they can be in
  different AWS accounts" (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html; the SQS guide's
  sqs-configure-lambda-function-trigger.html: "The queue and Lambda function must be in the same AWS Region").
  Region only: a queue in another account is read through its queue policy (with-sqs-cross-account-example.html).
- Amazon MQ: "Cross account - Lambda does not support cross-account processing. You cannot use Lambda to process
  records from an Amazon MQ message broker that is in a different AWS account"
  (https://docs.aws.amazon.com/lambda/latest/dg/with-mq.html, configuration restrictions). Account only: the page
  states no Region rule.
- Not bound: Kinesis and DynamoDB Streams (cross-account mappings are documented, through the stream's
  resource-based policy: services-kinesis-create.html#services-kinesis-eventsourcemapping-cross-account and
  services-dynamodb-eventsourcemapping.html#services-dynamodb-eventsourcemapping-cross-account; no Region rule is
  stated), Amazon MSK (cross-account through multi-VPC connectivity, with a VPC connection ARN instead of the
  cluster's: msk-cross-account.html), self-managed Kafka (no source ARN).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from infra_policy_linter.iam.principals import RolePrincipal
from infra_policy_linter.model.aws import arn_fields
from infra_policy_linter.model.entities import EventSourceMapping, Function, Policy, ResourcePolicy, Statement
from infra_policy_linter.model.values import ACCOUNT, REGION, Text, Unknown, make_text, plain
from infra_policy_linter.verdicts.link import RoleGrants
from infra_policy_linter.verdicts.requirements import Target


@dataclass(frozen=True)
class Home:
    """Where Lambda requires a source of one type to be: in the function's Region, its account, or both."""

    region: bool
    account: bool
    doc: str
    source: str  # how the requirement names the source ("a DocumentDB cluster")


HOMES: dict[str, Home] = {
    "rds": Home(
        True, True, "https://docs.aws.amazon.com/lambda/latest/dg/with-documentdb.html", "a DocumentDB cluster"
    ),
    "sqs": Home(True, False, "https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html", "an SQS queue"),
    "mq": Home(False, True, "https://docs.aws.amazon.com/lambda/latest/dg/with-mq.html", "an Amazon MQ broker"),
}


@dataclass(frozen=True)
class Placement:
    """What the source's ARN decides for one mapping: the deployment Region/account to evaluate with (for the
    unknowns the run leaves open, by their names REGION and ACCOUNT), or why the mapping cannot be created."""

    binds: tuple[tuple[str, str], ...] = ()
    conflict: str | None = None
    fix: str | None = None


def placement(
    mapping: EventSourceMapping, service: str | None, fn: Function | None, grants: RoleGrants | None
) -> Placement:
    home = HOMES.get(service or "")
    fields = arn_fields(mapping.source)
    if home is None or fields is None:
        return Placement()
    theirs = {REGION: plain(fields[3]) if home.region else None, ACCOUNT: plain(fields[4]) if home.account else None}
    ours = dict(zip((REGION, ACCOUNT), deployment(mapping, fn, grants), strict=True))
    binds = tuple((name, value) for name, value in theirs.items() if value and not ours[name])
    differs = [name for name, value in theirs.items() if value and ours[name] and ours[name] != value]
    if not differs:
        return Placement(binds)
    where = {REGION: "Region", ACCOUNT: "account"}
    said = " and ".join(f"in {where[n]} {theirs[n]}, not the function's {ours[n]}" for n in differs)
    needs = "AWS account and Region" if home.region and home.account else where[REGION if home.region else ACCOUNT]
    conflict = (
        f"{said}: Lambda reads {home.source} only in the function's own {needs}, so the mapping cannot be "
        f"created ({home.doc})"
    )
    there = ", ".join(f"{where[n]} {theirs[n]}" for n in differs)
    fix = f"Deploy the function in the source's {there}, or map it to {home.source} in the function's own {needs}."
    return Placement(conflict=conflict, fix=fix)


def deployment(mapping: EventSourceMapping, fn: Function | None, grants: RoleGrants | None) -> tuple[str | None, ...]:
    """The function's Region and account as the run knows them (None where it does not): the mapping's function
    ARN, the function's own ARN (the run's --region/--account-id, a provider's region), the execution role's ARN
    (a function's execution role is in its account: ``Role: arn:aws:iam::111111111111:role/reader`` says it)."""
    region = account = None
    for arn in (mapping.function, fn.arn if fn else None):
        fields = arn_fields(arn)
        if fields is not None and plain(fields[2]) == "lambda":
            region = region or plain(fields[3])
            account = account or plain(fields[4])
    roles = [grants.principal.arn if grants is not None else None, fn.role if fn else None]
    for arn in roles:
        fields = arn_fields(arn)
        account = account or (plain(fields[4]) if fields is not None else None)
    return region, account


def bound(value: Any, binds: dict[str, str]) -> Any:
    """``value`` with the unknown deployment Region/account (by name) replaced by what the source fixes."""
    if isinstance(value, Unknown):
        return binds.get(value.name, value)
    if isinstance(value, Text):
        if not any(isinstance(p, Unknown) and p.name in binds for p in value.parts):
            return value
        parts = [binds.get(p.name, p) if isinstance(p, Unknown) else p for p in value.parts]
        return make_text(parts, value.assumptions)
    if isinstance(value, list):
        return [bound(v, binds) for v in value]
    if isinstance(value, dict):
        return {k: bound(v, binds) for k, v in value.items()}
    return value


def _statement(stmt: Statement, binds: dict[str, str]) -> Statement:
    return replace(
        stmt,
        actions=bound(stmt.actions, binds),
        not_actions=bound(stmt.not_actions, binds),
        resources=bound(stmt.resources, binds),
        not_resources=bound(stmt.not_resources, binds),
        condition=bound(stmt.condition, binds),
        principals=bound(stmt.principals, binds),
        not_principals=bound(stmt.not_principals, binds),
    )


def _policy(policy: Policy, binds: dict[str, str]) -> Policy:
    return replace(policy, statements=[_statement(s, binds) for s in policy.statements])


def _resource_policy(rp: ResourcePolicy, binds: dict[str, str]) -> ResourcePolicy:
    return replace(rp, resources=bound(rp.resources, binds), policy=_policy(rp.policy, binds))


def bound_grants(grants: RoleGrants, binds: tuple[tuple[str, str], ...], memo: dict[str, Any]) -> RoleGrants:
    """The role's grants as IAM sees them in the deployment the source fixes; once per role and binding."""
    cache: dict[tuple[str, tuple[tuple[str, str], ...]], RoleGrants] = memo.setdefault("bound_grants", {})
    key = (grants.role.address, binds)
    if key not in cache:
        known = dict(binds)
        resource_policies = {id(rp): _resource_policy(rp, known) for rp in grants.resource_policies}
        cache[key] = replace(
            grants,
            policies=[_policy(p, known) for p in grants.policies],
            boundary=_policy(grants.boundary, known) if grants.boundary else None,
            principal=RolePrincipal(bound(grants.principal.arn, known), bound(grants.principal.account, known)),
            resource_policies=list(resource_policies.values()),
            delegating=[resource_policies.get(id(rp)) or _resource_policy(rp, known) for rp in grants.delegating],
        )
    return cache[key]


def bound_target(target: Target, binds: tuple[tuple[str, str], ...]) -> Target:
    """The target's requests on the resources the deployment the source fixes names (a secret ARN built from
    ``${AWS::Region}``, say)."""
    known = dict(binds)
    requests = [replace(r, resource=bound(r.resource, known)) for r in target.requests]
    return replace(target, requests=requests)
