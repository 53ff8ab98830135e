"""DST001-DST004: each asynchronous-invocation destination needs its action on the function's execution role.

One evaluation per destination and action is shared by the four rules; each rule reports the outcomes it owns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Iterable

from infra_policy_linter import aws
from infra_policy_linter.findings import Finding, Related
from infra_policy_linter.fixes import grant_fix, sam_policies_fix
from infra_policy_linter.iam.evaluate import Decision, Outcome, evaluate, intersect_boundary
from infra_policy_linter.link import RoleGrants, find_function, find_role, role_grants
from infra_policy_linter.model import Destination, Function, InvokeConfig, Policy, Role, Unit
from infra_policy_linter.values import Unknown, display, plain
from infra_policy_linter.rules.base import Rule


@dataclass
class Verdict:
    config: InvokeConfig
    destination: Destination
    function: Function | None
    function_label: str
    role: Role | None
    action: str | None
    resource: Any
    service: str | None
    decision: Decision
    evidence: frozenset[str] = frozenset()
    purpose: str = "destination"  # "destination": the delivery action; "kms": the key encrypting the destination
    policies: tuple[Policy, ...] = ()  # everything that reaches the role, for messages


def _kind(destination: Destination) -> str:
    return "success" if destination.kind == "on_success" else "failure"


def destination_verdicts(unit: Unit, shared: dict[str, Any]) -> list[Verdict]:
    if "destination_verdicts" not in shared:
        shared["destination_verdicts"] = list(_verdicts(unit, shared))
    return shared["destination_verdicts"]


def _verdicts(unit: Unit, shared: dict[str, Any]) -> Iterable[Verdict]:
    for config in unit.invoke_configs:
        fn, fn_problem = find_function(unit, config)
        label = fn.address if fn else (config.function_address or display(config.function))
        role, role_problem = find_role(unit, fn) if fn else (None, None)
        grants = role_grants(unit, role, shared) if role else None
        places = [config.location] + ([fn.location] if fn else []) + ([role.location] if role else [])
        places += grants.evidence if grants else []
        for dest in config.destinations:
            evidence = frozenset(loc.path for loc in places + [dest.location, dest.target_location] if loc)
            if plain(dest.arn) == "" or aws.not_an_arn(dest.arn):
                continue  # empty means "none"; a URL or bare name is DST006's to report
            service = aws.service_of(dest.arn)
            fn_name = fn.name if fn else Unknown("function name", "the function name")
            if service not in aws.DESTINATION_SERVICES:
                verdict = _unknown_service(config, dest, fn, label, role, grants, fn_problem or role_problem, service)
                verdict.evidence = evidence
                yield verdict
                continue
            if service == "s3" and dest.kind == "on_success" or dest.fifo:
                continue  # not a destination Lambda can use at all: DST006
            policies = tuple(grants.policies) if grants else ()
            requests = [(a, r, "destination") for a, r in aws.requests_for(service, dest.arn, fn_name)]
            if dest.kms_key is not None:
                requests += [(a, dest.kms_key, "kms") for a in aws.kms_actions_for(service)]
            for action, resource, purpose in requests:
                if grants is None:
                    decision = Decision(Outcome.UNKNOWN, reasons=[fn_problem or role_problem or "no role"])
                else:
                    decision = _decide(grants, action, resource)
                yield Verdict(config, dest, fn, label, role, action, resource, service, decision, evidence,
                              purpose, policies)


def _decide(grants: RoleGrants, action: str, resource: Any) -> Decision:
    decision = evaluate(grants.policies, action, resource, grants.unresolved)
    if grants.role.boundary is None:
        return decision
    if grants.boundary is None:
        if decision.outcome is Outcome.GRANTED:
            return Decision(Outcome.UNKNOWN, [], [f"its permissions boundary cannot be read: "
                                                  f"{grants.boundary_unresolved}"], decision.assumptions)
        return decision
    bound = evaluate([grants.boundary], action, resource)
    return intersect_boundary(decision, bound, grants.boundary.name)


def _unknown_service(config: InvokeConfig, dest: Destination, fn: Function | None, label: str, role: Role | None,
                     grants: RoleGrants | None, problem: str | None, service: str | None) -> Verdict:
    """A destination whose service cannot be told: granted only if every destination action is granted."""
    if grants is not None:
        decisions = [_decide(grants, action, dest.arn)
                     for svc in aws.DESTINATION_SERVICES.values() for action in svc.actions]
        if all(d.outcome is Outcome.GRANTED for d in decisions):
            return Verdict(config, dest, fn, label, role, None, dest.arn, service, decisions[0])
    if isinstance(dest.arn, Unknown):
        why = f"the destination is {dest.arn.reason or dest.arn.name}"
    elif service is None:
        why = f"the destination {display(dest.arn)} is not an ARN the linter can read"
    else:
        why = f"the destination service {service!r} is not one Lambda delivers to"
    reasons = [why] + ([problem] if problem else [])
    return Verdict(config, dest, fn, label, role, None, dest.arn, service, Decision(Outcome.UNKNOWN, [], reasons))


class DestinationRule(Rule):
    outcomes: ClassVar[tuple[Outcome, ...]]
    purposes: ClassVar[tuple[str, ...]] = ("destination",)

    def check(self, unit: Unit, shared: dict[str, Any]) -> Iterable[Finding]:
        for verdict in destination_verdicts(unit, shared):
            if verdict.decision.outcome in self.outcomes and verdict.purpose in self.purposes:
                yield self.finding(unit, verdict)

    def finding(self, unit: Unit, v: Verdict) -> Finding:
        related = []
        if v.role is not None:
            related.append(Related(f"execution role {v.role.address}", v.role.location))
        for policy, stmt in v.decision.deciding[:3]:
            loc = stmt.location or policy.location
            if loc is not None:
                related.append(Related(f"statement in {policy.name}", loc))
        if v.function is not None:
            related.append(Related(f"function {v.function.address}", v.function.location))
        return Finding(
            rule=self.id,
            level=self.level,
            message=self.message(v) + _assumed(v),
            location=v.destination.location,
            unit=unit.name,
            function=v.function_label,
            role=v.role.address if v.role else None,
            destination=v.destination.ref,
            action=v.action,
            fix=self.fix(unit, v),
            related=tuple(related),
            evidence=v.evidence | {r.location.path for r in related},
        )

    def message(self, v: Verdict) -> str:
        raise NotImplementedError

    def fix(self, unit: Unit, v: Verdict) -> str | None:
        return _grant_fix(unit, v)


def _misspelling_of(action: str, policies: tuple[Policy, ...]) -> str | None:
    """A statement's action that is not a real action and is one typo away from the needed one."""
    from infra_policy_linter.iam.catalogue import closest, problem

    for policy in policies:
        for stmt in policy.statements:
            for written in stmt.actions or []:
                if (isinstance(written, str) and "*" not in written and written.lower() != action.lower()
                        and problem(written) and closest(written) == action):
                    return f"{policy.name} grants {written}, a misspelling of {action}"
    return None


def _assumed(v: Verdict) -> str:
    if not v.decision.assumptions:
        return ""
    return " (assuming " + "; ".join(v.decision.assumptions) + ")"


def _grant_fix(unit: Unit, v: Verdict) -> str | None:
    if v.role is None or v.action is None or v.service is None or not v.destination.source:
        return None
    language = unit.languages.get(v.destination.location.path, "hcl")
    resource_source = _resource_source(language, v.destination.source, v.service, v.action)
    if v.role.generated_for:
        return sam_policies_fix(language, v.role.generated_for, v.action, resource_source)
    role_source = v.role.name_source
    if not role_source:
        return None
    hint = f"{v.function_label.split('.')[-1]}-{v.action.split(':')[0]}-{v.destination.kind}"
    return grant_fix(language, role_source, v.role.address, hint, v.action, resource_source)


def _resource_source(language: str, source: str, service: str, action: str) -> str:
    if not (service == "s3" and action == "s3:PutObject"):
        return source
    if language == "hcl":
        inner = source[1:-1] if source.startswith('"') else "${" + source + "}"
        return f'"{inner}/*"'
    if language == "yaml":
        if source.startswith("!GetAtt "):
            return f'!Sub "${{{source[len("!GetAtt "):]}}}/*"'
        return f'!Join ["", [{source}, "/*"]]'
    import json
    value = json.loads(source) if source.startswith(("{", '"')) else source
    return json.dumps({"Fn::Join": ["", [value, "/*"]]})


def _dest(v: Verdict) -> str:
    label = aws.DESTINATION_SERVICES[v.service].label if v.service in aws.DESTINATION_SERVICES else "destination"
    return f"{label} {v.destination.ref}"


class MissingGrant(DestinationRule):
    id = "DST001"
    name = "destination-action-not-granted"
    title = "The execution role is not granted the destination's action"
    level = "error"
    security_severity = "7.0"
    outcomes = (Outcome.MISSING,)
    rationale = (
        "Lambda delivers asynchronous invocation records to a destination as the function's execution role. "
        "When no policy on that role allows the destination's action (sqs:SendMessage, sns:Publish, "
        "lambda:InvokeFunction, events:PutEvents, s3:PutObject and s3:ListBucket), delivery fails at run time: "
        "the record is dropped and only the DestinationDeliveryFailures metric notices."
    )
    remediation = (
        "Add a statement to a policy attached to the execution role that allows exactly the destination's "
        "action on exactly the destination's ARN (for S3: s3:PutObject on bucket/* and s3:ListBucket on the bucket)."
    )
    example = (
        'resource "aws_lambda_function_event_invoke_config" "cfg" {\n'
        "  function_name = aws_lambda_function.worker.function_name\n"
        "  destination_config {\n"
        "    on_failure {\n"
        "      destination = aws_sqs_queue.failures.arn   # DST001: the role has no sqs:SendMessage\n"
        "    }\n"
        "  }\n"
        "}"
    )

    def message(self, v: Verdict) -> str:
        text = (f"{v.function_label} sends on-{_kind(v.destination)} records to {_dest(v)}, but no statement "
                f"on its execution role {v.role.address if v.role else ''} allows {v.action}; "
                f"Lambda will drop those records")
        typo = _misspelling_of(v.action or "", v.policies)
        return text + (f" ({typo})" if typo else "")


class WrongResource(DestinationRule):
    id = "DST002"
    name = "destination-action-granted-on-other-resources"
    title = "The execution role is granted the destination's action only on other resources"
    level = "error"
    security_severity = "7.0"
    outcomes = (Outcome.WRONG_RESOURCE,)
    rationale = (
        "A grant on the wrong ARN is as good as none: the action is allowed, but not on the queue, topic, "
        "function, event bus or bucket the function delivers to. Copy-pasted policies and renamed resources "
        "cause this, and nothing fails until an invocation's record is lost."
    )
    remediation = "Point the statement's Resource at the destination's ARN (or add one that does)."
    example = (
        "Statement:\n  - Effect: Allow\n    Action: sqs:SendMessage\n    Resource: !GetAtt OtherQueue.Arn"
        "   # the destination is FailureQueue"
    )

    def message(self, v: Verdict) -> str:
        others = []
        for _, stmt in v.decision.deciding:
            values = (stmt.resources if stmt.resources is not None
                      else [f"everything except {display(stmt.not_resources)}"])
            others.extend(display(r) for r in values)
        listed = ", ".join(sorted(set(others))[:3])
        target = aws.resource_for_fix(v.service or "", v.action or "", v.destination.arn)
        return (f"{v.function_label} sends on-{_kind(v.destination)} records to {_dest(v)} "
                f"({display(target)}), but its execution role {v.role.address if v.role else ''} allows "
                f"{v.action} only on {listed}")


class ExplicitDeny(DestinationRule):
    id = "DST003"
    name = "destination-action-denied"
    title = "An explicit Deny blocks the destination's action"
    level = "error"
    security_severity = "7.0"
    outcomes = (Outcome.DENIED,)
    rationale = (
        "In IAM an explicit Deny wins over every Allow. A Deny that covers the destination's action and "
        "resource (directly, by wildcard, or through a permissions boundary) makes delivery fail however many "
        "Allows exist."
    )
    remediation = (
        "Narrow the Deny (its Action, Resource or NotResource) so that it no longer covers the destination, "
        "or choose a destination the Deny does not cover."
    )
    example = (
        "Statement:\n  - Effect: Allow\n    Action: sns:Publish\n    Resource: !Ref Topic\n"
        '  - Effect: Deny\n    Action: sns:Publish\n    Resource: "*"'
    )

    def message(self, v: Verdict) -> str:
        if v.decision.boundary:
            return (f"{v.function_label} sends on-{_kind(v.destination)} records to {_dest(v)}, but the permissions "
                    f"boundary {v.decision.boundary} of its execution role {v.role.address if v.role else ''} does "
                    f"not allow {v.action}, so the role's own grant has no effect")
        where = ", ".join(sorted({p.name for p, _ in v.decision.deciding})) or "a policy"
        extra = f"; {v.decision.reasons[0]}" if v.decision.reasons else ""
        return (f"{v.function_label} sends on-{_kind(v.destination)} records to {_dest(v)}, but a Deny in "
                f"{where} blocks {v.action} for its execution role {v.role.address if v.role else ''}{extra}")

    def fix(self, unit: Unit, v: Verdict) -> str | None:
        if v.decision.boundary:
            return (f"Allow {v.action} on {display(v.resource)} in the permissions boundary {v.decision.boundary} "
                    f"(a boundary caps what the role's policies can grant), or use a role without that boundary.")
        lines = []
        for policy, stmt in v.decision.deciding:
            loc = stmt.location or policy.location
            at = f" ({loc.path}:{loc.line})" if loc else ""
            lines.append(f"Narrow the Deny in {policy.name}{at} so that it does not cover {v.action} on "
                         f"{display(v.resource)}, for example with NotResource.")
        return "\n".join(lines) or None


class Unverifiable(DestinationRule):
    id = "DST004"
    name = "destination-permission-unverifiable"
    title = "The destination's permission cannot be verified statically"
    level = "warning"
    security_severity = "4.0"
    outcomes = (Outcome.UNKNOWN, Outcome.CONDITIONAL)
    purposes = ("destination", "kms")

    def check(self, unit: Unit, shared: dict[str, Any]) -> Iterable[Finding]:
        from infra_policy_linter.rules.event_sources import unverifiable

        yield from super().check(unit, shared)
        yield from unverifiable(self, unit, shared)  # event source mappings: reads and failure destinations
    rationale = (
        "Some grants cannot be proven from the code alone: the only Allow carries a Condition, the role or a "
        "policy is defined elsewhere, an ARN comes from a variable without a default or an import, or a managed "
        "policy is not known to the linter. The linter says exactly what it could not see instead of passing "
        "silently."
    )
    remediation = (
        "Make the missing piece visible (define the role or policy in this unit, give the variable a default), "
        "or grant the action without a Condition; where the condition is intended, suppress the finding with "
        "a reason."
    )
    example = (
        "Statement:\n  - Effect: Allow\n    Action: events:PutEvents\n    Resource: !GetAtt Bus.Arn\n"
        "    Condition:\n      IpAddress:\n        aws:SourceIp: 10.0.0.0/8"
    )

    def message(self, v: Verdict) -> str:
        what = v.action or "the destination's action"
        role = f"its execution role {v.role.address}" if v.role else "its execution role"
        reasons = "; ".join(v.decision.reasons) or "a value that cannot be resolved"
        return (f"cannot verify that {role} allows {what} for {v.function_label}'s on-{_kind(v.destination)} "
                f"destination {v.destination.ref}: {reasons}")

    def fix(self, unit: Unit, v: Verdict) -> str | None:
        if v.decision.outcome is Outcome.CONDITIONAL:
            grant = _grant_fix(unit, v)
            return ("Records are dropped whenever the condition does not hold for Lambda's delivery call; "
                    "unless that is intended, grant the action without the Condition" +
                    (":\n" + grant if grant else "."))
        return "Make the unknown value resolvable in this unit, or suppress this finding with a reason."


class KmsKeyNotGranted(DestinationRule):
    id = "DST005"
    name = "destination-kms-key-not-granted"
    title = "The destination is encrypted with a customer managed KMS key the execution role cannot use"
    level = "error"
    security_severity = "7.0"
    outcomes = (Outcome.MISSING, Outcome.WRONG_RESOURCE, Outcome.DENIED)
    purposes = ("kms",)
    rationale = (
        "Lambda encrypts what it delivers to a queue or topic encrypted with a customer managed key, and writes "
        "S3 objects under SSE-KMS, as the execution role: SQS and SNS need kms:GenerateDataKey and kms:Decrypt on "
        "the key, S3 needs kms:GenerateDataKey. Without them delivery fails although the destination's own "
        "action is granted. The key policy must allow the role too; the linter checks the role's side."
    )
    remediation = "Grant the KMS actions on the key's ARN to the execution role (and check the key policy)."
    example = (
        'resource "aws_sqs_queue" "dlq" {\n'
        '  name              = "dlq"\n'
        "  kms_master_key_id = aws_kms_key.queues.arn\n"
        "}\n"
        "# the role allows sqs:SendMessage but no kms:GenerateDataKey / kms:Decrypt on aws_kms_key.queues"
    )

    def message(self, v: Verdict) -> str:
        how = {Outcome.MISSING: "no statement allows it",
               Outcome.WRONG_RESOURCE: "it is granted only on other keys",
               Outcome.DENIED: "a Deny blocks it"}[v.decision.outcome]
        return (f"{v.function_label} sends on-{_kind(v.destination)} records to {_dest(v)}, which is encrypted "
                f"with the KMS key {display(v.resource)}, but its execution role "
                f"{v.role.address if v.role else ''} cannot use the key: {v.action} is needed and {how}")

    def fix(self, unit: Unit, v: Verdict) -> str | None:
        if v.role is None or not v.action:
            return None
        language = unit.languages.get(v.destination.location.path, "hcl")
        key = _key_arn_source(language, v.destination.kms_source) or (
            f'"{display(v.resource)}"' if language != "yaml" else display(v.resource))
        if v.role.generated_for:
            return sam_policies_fix(language, v.role.generated_for, v.action, key)
        if not v.role.name_source:
            return None
        hint = f"{v.function_label.split('.')[-1]}-kms-{v.destination.kind}"
        return grant_fix(language, v.role.name_source, v.role.address, hint, v.action, key)


def _key_arn_source(language: str, source: str) -> str | None:
    """The key written as an ARN in the file's language, from how the destination names the key."""
    if not source:
        return None
    if language == "hcl":
        for suffix in (".key_id", ".id"):
            if source.startswith("aws_kms_key.") and source.endswith(suffix):
                return source[: -len(suffix)] + ".arn"
        return source if source.startswith(("aws_kms_key.", '"arn:')) else None
    if language == "yaml" and source.startswith("!Ref "):
        return f"!GetAtt {source[len('!Ref '):]}.Arn"
    if language == "json" and source.startswith('{"Ref": '):
        import json
        return json.dumps({"Fn::GetAtt": [json.loads(source)["Ref"], "Arn"]})
    return source if "arn:" in source or "Arn" in source else None
