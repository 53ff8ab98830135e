"""ESM001-ESM002: event source mappings read their source and send failures on as the execution role."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, Iterable

from infra_policy_linter import aws
from infra_policy_linter.findings import Finding, Related
from infra_policy_linter.fixes import grant_fix, sam_policies_fix
from infra_policy_linter.iam.evaluate import Decision, Outcome, evaluate
from infra_policy_linter.link import RoleGrants, find_function, find_role, role_grants
from infra_policy_linter.model import EventSourceMapping, Function, Role, Unit
from infra_policy_linter.values import Unknown, display
from infra_policy_linter.rules.base import Rule

NOT_GRANTED = (Outcome.MISSING, Outcome.WRONG_RESOURCE, Outcome.DENIED)


@dataclass
class Need:
    mapping: EventSourceMapping
    function: Function | None
    label: str
    role: Role | None
    action: str
    resource: Any
    purpose: str  # "read" | "destination"
    service: str | None
    decision: Decision


def needs(unit: Unit, shared: dict[str, Any]) -> list[Need]:
    if "esm_needs" not in shared:
        shared["esm_needs"] = list(_needs(unit, shared))
    return shared["esm_needs"]


def _needs(unit: Unit, shared: dict[str, Any]) -> Iterable[Need]:
    for mapping in unit.event_source_mappings:
        fn, fn_problem = find_function(unit, mapping)  # type: ignore[arg-type]
        label = fn.address if fn else (mapping.function_address or display(mapping.function))
        role, role_problem = find_role(unit, fn) if fn else (None, None)
        grants = role_grants(unit, role, shared) if role else None
        why = fn_problem or role_problem or "no role"
        decide = partial(_decide, grants, why)
        source_service = aws.service_of(mapping.source) if mapping.source is not None else None
        for action, where in aws.SOURCE_READ_ACTIONS.get(source_service or "", ()):
            resource = mapping.source if where == "source" else "*"
            yield Need(mapping, fn, label, role, action, resource, "read", source_service, decide(action, resource))
        dest = mapping.on_failure
        if dest is not None and not aws.not_an_arn(dest.arn):
            service = aws.service_of(dest.arn)
            if service in aws.ESM_DESTINATION_SERVICES:
                fn_name = fn.name if fn else Unknown("function name", "the function name")
                for action, resource in aws.requests_for(service, dest.arn, fn_name):
                    yield Need(mapping, fn, label, role, action, resource, "destination", service,
                               decide(action, resource))


def _decide(grants: RoleGrants | None, why: str, action: str, resource: Any) -> Decision:
    if grants is None:
        return Decision(Outcome.UNKNOWN, reasons=[why])
    return evaluate(grants.policies, action, resource, grants.unresolved)


def _how(decision: Decision) -> str:
    if decision.outcome is Outcome.DENIED:
        where = ", ".join(sorted({p.name for p, _ in decision.deciding})) or "a policy"
        return f"a Deny in {where} blocks it"
    if decision.outcome is Outcome.WRONG_RESOURCE:
        return "it is granted only on other resources"
    return "no statement allows it"


class _EsmRule(Rule):
    purpose: ClassVar[str]
    tags = ("security", "iam", "lambda")

    def check(self, unit: Unit, shared: dict[str, Any]) -> Iterable[Finding]:
        for need in needs(unit, shared):
            if need.purpose == self.purpose and need.decision.outcome in NOT_GRANTED:
                yield self.finding(unit, need)

    def finding(self, unit: Unit, n: Need) -> Finding:
        location = n.mapping.on_failure.location if (self.purpose == "destination" and n.mapping.on_failure) \
            else n.mapping.source_location
        related = [Related(f"event source mapping {n.mapping.address}", n.mapping.location)]
        if n.role is not None:
            related.append(Related(f"execution role {n.role.address}", n.role.location))
        return Finding(rule=self.id, level=self.level, message=self.message(n), location=location, unit=unit.name,
                       function=n.label, role=n.role.address if n.role else None,
                       destination=(n.mapping.on_failure.ref if self.purpose == "destination" and n.mapping.on_failure
                                    else n.mapping.source_ref),
                       action=n.action, fix=self.fix(unit, n), related=tuple(related),
                       evidence=frozenset({location.path, n.mapping.location.path}
                                          | ({n.role.location.path} if n.role else set())))

    def message(self, n: Need) -> str:
        raise NotImplementedError

    def fix(self, unit: Unit, n: Need) -> str | None:
        if n.role is None:
            return None
        language = unit.languages.get(n.mapping.location.path, "hcl")
        if self.purpose == "destination" and n.mapping.on_failure is not None:
            source = n.mapping.on_failure.source
        else:
            source = ""
        if not source or n.resource == "*":
            source = '"*"' if n.resource == "*" else (f'"{display(n.resource)}"' if language != "yaml"
                                                     else display(n.resource))
        if n.role.generated_for:
            return sam_policies_fix(language, n.role.generated_for, n.action, source)
        if not n.role.name_source:
            return None
        hint = f"{n.label.split('.')[-1]}-{n.action.split(':')[0]}-event-source"
        return grant_fix(language, n.role.name_source, n.role.address, hint, n.action, source)


def unverifiable(rule: Rule, unit: Unit, shared: dict[str, Any]) -> Iterable[Finding]:
    """DST004 findings for what an event source mapping needs but the linter cannot decide: one per mapping,
    purpose and reason, naming every action concerned."""
    groups: dict[tuple[str, str, str], list[Need]] = {}
    for n in needs(unit, shared):
        if n.decision.outcome in (Outcome.UNKNOWN, Outcome.CONDITIONAL):
            reasons = "; ".join(n.decision.reasons) or "a value that cannot be resolved"
            groups.setdefault((n.mapping.address, n.purpose, reasons), []).append(n)
    for (_, purpose, reasons), group in groups.items():
        n = group[0]
        dest = n.mapping.on_failure if purpose == "destination" else None
        location = dest.location if dest is not None else n.mapping.source_location
        what = f"send failed batches to {dest.ref}" if dest is not None else f"read {n.mapping.source_ref}"
        role = f"its execution role {n.role.address}" if n.role else "its execution role"
        actions = ", ".join(g.action for g in group)
        yield Finding(rule=rule.id, level=rule.level, location=location, unit=unit.name, function=n.label,
                      role=n.role.address if n.role else None,
                      destination=dest.ref if dest is not None else n.mapping.source_ref, action=n.action,
                      message=(f"cannot verify that {role} allows {actions} for {n.label}'s event source mapping "
                               f"{n.mapping.address} to {what}: {reasons}"),
                      fix="Make the unknown value resolvable in this unit, or suppress this finding with a reason.",
                      evidence=frozenset({location.path, n.mapping.location.path}))


class EventSourceDestinationNotGranted(_EsmRule):
    id = "ESM001"
    name = "event-source-failure-destination-not-granted"
    title = "An event source mapping's on-failure destination is not granted to the execution role"
    level = "error"
    security_severity = "7.0"
    purpose = "destination"
    rationale = (
        "For stream and Kafka sources, Lambda sends records that keep failing to the mapping's on-failure "
        "destination as the function's execution role: SQS needs sqs:SendMessage, SNS sns:Publish, S3 "
        "s3:PutObject and s3:ListBucket. Without the grant the failed batch is dropped."
    )
    remediation = "Grant the destination's action on the destination's ARN to the execution role."
    example = ('resource "aws_lambda_event_source_mapping" "orders" {\n  event_source_arn = '
               "aws_kinesis_stream.orders.arn\n  destination_config {\n    on_failure {\n      destination_arn = "
               "aws_sqs_queue.failed.arn   # the role has no sqs:SendMessage\n    }\n  }\n}")

    def message(self, n: Need) -> str:
        dest = n.mapping.on_failure.ref if n.mapping.on_failure else "its destination"
        return (f"{n.label}'s event source mapping {n.mapping.address} sends failed batches to {dest}, but its "
                f"execution role {n.role.address if n.role else ''} cannot: {n.action} is needed and "
                f"{_how(n.decision)}")


class EventSourceReadNotGranted(_EsmRule):
    id = "ESM002"
    name = "event-source-read-not-granted"
    title = "The execution role cannot read the event source"
    level = "error"
    security_severity = "7.0"
    purpose = "read"
    rationale = (
        "An event source mapping polls its source as the function's execution role: SQS needs ReceiveMessage, "
        "DeleteMessage and GetQueueAttributes; Kinesis GetRecords, GetShardIterator, DescribeStream and "
        "ListShards; DynamoDB Streams GetRecords, GetShardIterator and DescribeStream; MSK DescribeClusterV2, "
        "GetBootstrapBrokers and the EC2 network-interface actions. Creating the mapping fails without them "
        "(Terraform waits minutes before it says so)."
    )
    remediation = ("Grant the read actions on the source's ARN, or attach the matching AWS managed policy "
                   "(AWSLambdaSQSQueueExecutionRole, AWSLambdaKinesisExecutionRole, AWSLambdaDynamoDBExecutionRole, "
                   "AWSLambdaMSKExecutionRole).")
    example = "EventSourceArn: !GetAtt OrdersQueue.Arn   # the role has no sqs:ReceiveMessage"

    def message(self, n: Need) -> str:
        label = aws.SOURCE_LABELS.get(n.service or "", "source")
        return (f"{n.label}'s event source mapping {n.mapping.address} reads the {label} {n.mapping.source_ref}, "
                f"but its execution role {n.role.address if n.role else ''} cannot: {n.action} is needed and "
                f"{_how(n.decision)}")
