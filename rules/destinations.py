"""DST001-DST005: each asynchronous-invocation destination needs its action on the function's execution role.

The verdicts come from :mod:`infra_policy_linter.verdicts.decide` (the same for every rule and for the cfn-lint plugin);
each rule here picks the results it owns and words them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from infra_policy_linter.fix.writers import Grant, render, writer
from infra_policy_linter.fix.writers.place import Written, directory, function_word, place
from infra_policy_linter.iam.evaluate import Outcome
from infra_policy_linter.model import aws
from infra_policy_linter.model.entities import Unit
from infra_policy_linter.model.values import display, plain
from infra_policy_linter.rules.target_words import (
    deny_fix,
    destination_grant,
    misspelling_of,
    none_granted_message,
    whatever_type,
)
from infra_policy_linter.rules.verdict_rule import VerdictRule, all_actions, granting_all
from infra_policy_linter.verdicts.decide import NOT_GRANTED, UNDECIDED, Result, Verdict
from infra_policy_linter.verdicts.remedies import remedies

ASYNC_KINDS = ("on_success", "on_failure")


def _kind(v: Verdict) -> str:
    return "success" if v.kind == "on_success" else "failure"


def _role(v: Verdict) -> str:
    return v.role.address if v.role else ""


class DestinationRule(VerdictRule):
    """Invoke-config destinations: one finding per result with an outcome this rule owns."""

    outcomes: ClassVar[tuple[Outcome, ...]]
    purposes: ClassVar[tuple[str, ...]] = ("deliver",)
    kinds: ClassVar[tuple[str, ...]] = ASYNC_KINDS

    def select(self, v: Verdict) -> Iterable[list[Result]]:
        if v.kind not in self.kinds:
            return
        for r in v.results:
            if r.outcome in self.outcomes and r.request.purpose in self.purposes:
                yield [r]

    def message(self, v: Verdict, results: list[Result]) -> str:
        return self.say(v, results[0]) + _assumed(results[0])

    def say(self, v: Verdict, r: Result) -> str:
        raise NotImplementedError

    def grant(self, unit: Unit, v: Verdict, results: list[Result]) -> Grant | str | None:
        return destination_grant(unit, v, results[0]) if results and not v.by_type else None


def _assumed(r: Result) -> str:
    if not r.decision.assumptions:
        return ""
    return " (assuming " + "; ".join(r.decision.assumptions) + ")"


def _dest(v: Verdict) -> str:
    return f"{v.target.label} {v.target.ref}"


class MissingGrant(DestinationRule):
    cfn_lint_id = "E9101"
    id = "DST001"
    name = "destination-action-not-granted"
    title = "The execution role is not granted the destination's action"
    summary = "No statement grants the destination's action at all (and says so when a misspelt action was meant)."
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

    def select(self, v: Verdict) -> Iterable[list[Result]]:
        yield from super().select(v)
        if v.kind in self.kinds:
            results = whatever_type(v)
            if results:
                yield results

    def message(self, v: Verdict, results: list[Result]) -> str:
        if v.by_type:
            return none_granted_message(v, results, f"sends on-{_kind(v)} records to")
        return super().message(v, results)

    def fix(self, unit: Unit, v: Verdict, results: list[Result]) -> str | None:
        if v.by_type:
            return (
                "Grant the action of the destination's real type on its ARN (SQS sqs:SendMessage, SNS "
                "sns:Publish, Lambda lambda:InvokeFunction, EventBridge events:PutEvents, S3 s3:PutObject and "
                "s3:ListBucket); " + remedies(list(v.chain([], "").unknowns), unit.format)[0]
            )
        return None

    def say(self, v: Verdict, r: Result) -> str:
        text = (
            f"{v.label} sends on-{_kind(v)} records to {_dest(v)}, but no statement "
            f"on its execution role {_role(v)} allows {r.request.action}; "
            f"Lambda will drop those records"
        )
        typo = misspelling_of(r.request.action, v.grants.policies if v.grants else [])
        return text + (f" ({typo})" if typo else "")


class WrongResource(DestinationRule):
    cfn_lint_id = "E9102"
    id = "DST002"
    name = "destination-action-granted-on-other-resources"
    title = "The execution role is granted the destination's action only on other resources"
    summary = "The action is granted only on other resources."
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

    def say(self, v: Verdict, r: Result) -> str:
        others: list[str] = []
        for _, stmt in r.decision.deciding:
            values = (
                stmt.resources if stmt.resources is not None else [f"everything except {display(stmt.not_resources)}"]
            )
            others.extend(display(x) for x in values)
        listed = ", ".join(sorted(set(others))[:3]) or "resources that do not include it"
        dest_arn = v.target.destination.arn if v.target.destination else r.request.resource
        target = aws.resource_for_fix(v.target.service or "", r.request.action, dest_arn)
        return (
            f"{v.label} sends on-{_kind(v)} records to {_dest(v)} "
            f"({display(target)}), but its execution role {_role(v)} allows "
            f"{r.request.action} only on {listed}"
        )


class ExplicitDeny(DestinationRule):
    cfn_lint_id = "E9103"
    id = "DST003"
    name = "destination-action-denied"
    title = "An explicit Deny blocks the destination's action"
    summary = "An explicit Deny, or a permissions boundary that does not allow it, blocks it."
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

    def say(self, v: Verdict, r: Result) -> str:
        d = r.decision
        if d.boundary:
            return (
                f"{v.label} sends on-{_kind(v)} records to {_dest(v)}, but the permissions "
                f"boundary {d.boundary} of its execution role {_role(v)} does "
                f"not allow {r.request.action}, so the role's own grant has no effect"
            )
        where = ", ".join(sorted({p.name for p, _ in d.deciding})) or "a policy"
        extra = f"; {d.reasons[0]}" if d.reasons else ""
        return (
            f"{v.label} sends on-{_kind(v)} records to {_dest(v)}, but a Deny in "
            f"{where} blocks {r.request.action} for its execution role {_role(v)}{extra}"
        )

    def grant(self, unit: Unit, v: Verdict, results: list[Result]) -> Grant | str | None:
        return None

    def fix(self, unit: Unit, v: Verdict, results: list[Result]) -> str | None:
        return deny_fix(v, results[0])


class Unverifiable(VerdictRule):
    id = "DST004"
    cfn_lint_id = "W9104"
    name = "destination-permission-unverifiable"
    title = "The destination's permission cannot be verified statically"
    summary = (
        "Cannot be verified statically: one finding per destination or event source, naming every action and "
        "every unknown, with the remedy that applies."
    )
    precision = "medium"  # it reports what could not be seen: a problem only maybe
    level = "warning"
    security_severity = "4.0"
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

    # The verdicts this rule words: a dead-letter target's are DLQ004's (rules/dead_letters.py).
    kinds: ClassVar[tuple[str, ...]] = ("on_success", "on_failure", "esm_on_failure", "esm_source")

    def select(self, v: Verdict) -> Iterable[list[Result]]:
        if v.kind not in self.kinds:
            return
        if v.by_type:
            states = set(v.type_states().values())
            if states != {"granted"} and (states != {"not_granted"} or v.target.may_be_absent):
                yield [r for results in v.by_type.values() for r in results]
            return
        if v.target.unknown:
            yield []
            return
        wanted = [r for r in v.results if r.request.required and r.outcome in UNDECIDED]
        unknown = [r for r in wanted if r.outcome is Outcome.UNKNOWN]
        if unknown:
            yield unknown  # one finding per target, naming every action and every unknown
        for r in wanted:
            if r.outcome is Outcome.CONDITIONAL:
                yield [r]  # a conditional grant is one statement about one action: one finding each

    def message(self, v: Verdict, results: list[Result]) -> str:
        role = f"its execution role {v.role.address}" if v.role else "its execution role"
        what = _what(v)
        if v.by_type:
            words = {"granted": "granted", "not_granted": "not granted", "undecided": "cannot be decided"}
            each = ", ".join(
                f"{aws.DESTINATION_SERVICES[svc].label} {words[state]}" for svc, state in v.type_states().items()
            )
            return (
                f"cannot verify that {role} allows {v.label} to {what}: {v.target.unknown}; per possible type: {each}"
            )
        if not results:
            return f"cannot verify that {role} allows {v.label} to {what}: {v.target.unknown}"
        actions = ", ".join(dict.fromkeys(r.request.named() for r in results))
        reasons = "; ".join(dict.fromkeys(x for r in results for x in r.decision.reasons)) or (
            "a value that cannot be resolved"
        )
        if v.target.kind in ASYNC_KINDS:
            return (
                f"cannot verify that {role} allows {actions} for {v.label}'s on-{_kind(v)} "
                f"destination {v.target.ref}: {reasons}"
            )
        return (
            f"cannot verify that {role} allows {actions} for {v.label}'s event source mapping "
            f"{v.target.owner.address} to {what}: {reasons}"
        )

    def fix(self, unit: Unit, v: Verdict, results: list[Result]) -> str | None:
        if len(results) == 1 and results[0].outcome is Outcome.CONDITIONAL:
            grant = destination_grant(unit, v, results[0]) if v.kind in ASYNC_KINDS + ("dead_letter",) else None
            text = render(grant) if isinstance(grant, Grant) else None
            return (
                "Records are dropped whenever the condition does not hold for Lambda's call; "
                "unless that is intended, grant the action without the Condition" + (":\n" + text if text else ".")
            )
        unknowns = list(v.chain(results, "").unknowns)
        if v.target.unknown:
            # The target itself is what is unknown: its remedy first, per-action reasons only if it has none.
            own = remedies(unknowns + [u.reason or u.name for u in _unknown_values(v)], unit.format)
            if own != remedies([], unit.format):
                return "\n".join(own)
        unknowns += [x for r in results for x in r.decision.reasons]
        return "\n".join(remedies(unknowns, unit.format))


def _unknown_values(v: Verdict) -> list[Any]:
    from infra_policy_linter.model.values import unknowns_in

    values = [v.target.destination.arn] if v.target.destination else [getattr(v.target.owner, "source", None)]
    return list(unknowns_in(values))


def _what(v: Verdict) -> str:
    if v.kind == "esm_source" and v.target.service == "self-managed-kafka":
        return f"read the {v.target.label} {v.target.ref}"  # it has no ARN: "at its bootstrap servers"
    if v.kind == "esm_source":
        return f"read {v.target.ref}"
    if v.kind == "esm_on_failure":
        return f"send failed batches to {v.target.ref}"
    if v.kind == "dead_letter":
        return f"send failed events to its dead-letter target {v.target.ref}"
    return f"deliver on-{_kind(v)} records to {v.target.ref}"


class KmsKeyNotGranted(DestinationRule):
    cfn_lint_id = "E9105"
    id = "DST005"
    name = "destination-kms-key-not-granted"
    title = "The destination is encrypted with a customer managed KMS key the execution role cannot use"
    summary = "The destination is encrypted with a customer managed KMS key the role cannot use."
    level = "error"
    security_severity = "7.0"
    outcomes = NOT_GRANTED
    purposes = ("encrypt", "decrypt")
    kinds: ClassVar[tuple[str, ...]] = ("on_success", "on_failure", "esm_on_failure")
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

    def select(self, v: Verdict) -> Iterable[list[Result]]:
        """One finding per key and reason: kms:GenerateDataKey and kms:Decrypt missing on one key are one."""
        if v.kind not in self.kinds:
            return
        groups: dict[tuple[str, Outcome, bool], list[Result]] = {}
        for r in v.results:
            if r.outcome in self.outcomes and r.request.purpose in self.purposes:
                key = (display(r.request.resource), r.outcome, bool(r.decision.withheld_by))
                groups.setdefault(key, []).append(r)
        yield from groups.values()

    def message(self, v: Verdict, results: list[Result]) -> str:
        return self.say_all(v, results) + _assumed(results[0])

    def action_of(self, v: Verdict, results: list[Result]) -> str | None:
        return all_actions(results) if results else None

    def say(self, v: Verdict, r: Result) -> str:
        return self.say_all(v, [r])

    def say_all(self, v: Verdict, results: list[Result]) -> str:
        r = results[0]
        them = "them" if len(results) > 1 else "it"
        how = {
            Outcome.MISSING: f"the key policy lets no IAM policy grant {them}"
            if r.decision.withheld_by
            else f"no statement allows {them}",
            Outcome.WRONG_RESOURCE: f"{them} {'are' if len(results) > 1 else 'is'} granted only on other keys",
            Outcome.DENIED: f"a Deny blocks {them}",
        }[r.outcome]
        sends = self.sends(v)
        actions = [x.request.action for x in results]
        needed = actions[0] + " is" if len(actions) == 1 else " and ".join(actions) + " are"
        return (
            f"{v.label} {sends} {_dest(v)}, which is encrypted "
            f"with the KMS key {display(r.request.resource)}, but its execution role "
            f"{_role(v)} cannot use the key: {needed} needed and {how}"
        )

    def sends(self, v: Verdict) -> str:
        if v.kind in ASYNC_KINDS:
            return f"sends on-{_kind(v)} records to"
        return f"(event source mapping {v.target.owner.address}) sends failed batches to"

    def grant(self, unit: Unit, v: Verdict, results: list[Result]) -> Grant | str | None:
        dest = v.target.destination
        if dest is None:
            return None
        withheld = results[0].decision.withheld_by
        if withheld:
            account_root = writer(unit.languages.get(dest.location.path, "hcl")).account_root()
            return (
                f"Allow {', '.join(r.request.action for r in results)} to the execution role's ARN in the key policy "
                f"{withheld}, or allow the account ({account_root}) there so that the role's own kms "
                "statements take effect."
            )
        r = results[0]
        written = Written(
            {directory(dest.location.path): dest.kms_source} if dest.kms_source else {},
            known=plain(r.request.resource),
            shape="key",
            label=f"the KMS key of {v.target.ref}",
            at=dest.location.path,
        )
        hint = f"{function_word(v.label)}-kms-{dest.kind}"
        granted = place(unit, v.role, r.request.action, written, hint, v.target.location.path)
        return granting_all(granted, results)
