"""DLQ001-DLQ004: a function's dead-letter queue or topic, which Lambda sends failed asynchronous events to as the
function's execution role.

A family of its own beside DST (invoke-config destinations) and ESM (event source mappings), because the setting,
the failure and the remedy differ: the target is a property of the function (DeadLetterConfig, dead_letter_config,
SAM's DeadLetterQueue), only standard SQS queues and SNS topics are accepted, and Lambda checks the grant when the
function is created or updated ("The provided execution role does not have permissions to call SendMessage on
SQS"), so a missing grant fails the deploy, and a grant lost later loses the events. The verdicts are the same as
for destinations (:mod:`infra_policy_linter.verdicts.decide`, target kind ``dead_letter``); these rules word them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from infra_policy_linter.findings.finding import Finding, Related
from infra_policy_linter.fix.writers import Grant, writer
from infra_policy_linter.iam.evaluate import Outcome
from infra_policy_linter.model import aws
from infra_policy_linter.model.entities import Destination, Function, Unit, written_location
from infra_policy_linter.model.values import display, plain
from infra_policy_linter.rules.base import Rule
from infra_policy_linter.rules.destinations import KmsKeyNotGranted, Unverifiable
from infra_policy_linter.rules.event_sources import _how_all, _needed
from infra_policy_linter.rules.target_words import deny_fix, destination_grant, none_granted_message, whatever_type
from infra_policy_linter.rules.verdict_rule import VerdictRule
from infra_policy_linter.verdicts.decide import NOT_GRANTED, Result, Verdict
from infra_policy_linter.verdicts.requirements import DEAD_LETTER_SERVICES

KIND = "dead_letter"
CONSEQUENCE = (
    "Lambda refuses the function's configuration without it, and drops failed events once a grant it had is gone"
)


def _target(v: Verdict) -> str:
    return f"its dead-letter {v.target.label} {v.target.ref}"


class DeadLetterNotGranted(VerdictRule):
    cfn_lint_id = "E9109"
    id = "DLQ001"
    summary = (
        "The execution role cannot send to the function's dead-letter queue or topic "
        "(`sqs:SendMessage` / `sns:Publish`): not granted, granted on other resources, or denied."
    )
    name = "dead-letter-target-not-granted"
    title = "The execution role cannot send to the function's dead-letter queue or topic"
    level = "error"
    security_severity = "7.0"
    tags = ("security", "iam", "lambda")
    rationale = (
        "Lambda sends asynchronous events that fail every attempt to the function's dead-letter queue or topic "
        "(DeadLetterConfig, dead_letter_config, SAM's DeadLetterQueue) as the function's execution role: an SQS "
        "queue needs sqs:SendMessage on it, an SNS topic sns:Publish. Lambda checks this when the function is "
        'created or updated and refuses the configuration ("The provided execution role does not have '
        'permissions to call SendMessage on SQS"); when the grant is lost later (a policy edited, a Deny or a '
        "permissions boundary added), the failed events are dropped. A queue or topic policy that names the role "
        "counts; one that names only the account grants nothing by itself. Sources: Lambda developer guide, "
        "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq; SAM's "
        "DeadLetterQueue page (SAM adds sqs:SendMessage or sns:Publish to a role it generates)."
    )
    remediation = (
        "Grant sqs:SendMessage on the queue (or sns:Publish on the topic) to the execution role. SAM grants it "
        "itself for a DeadLetterQueue with a Type when it generates the role; with an explicit Role it does not."
    )
    example = (
        'resource "aws_lambda_function" "worker" {\n'
        "  role = aws_iam_role.worker.arn\n"
        "  dead_letter_config {\n"
        "    target_arn = aws_sqs_queue.dlq.arn   # DLQ001: the role has no sqs:SendMessage on it\n"
        "  }\n"
        "}"
    )

    def select(self, v: Verdict) -> Iterable[list[Result]]:
        if v.kind != KIND:
            return
        for r in v.results:
            if r.request.purpose == "deliver" and r.outcome in NOT_GRANTED:
                yield [r]
        results = whatever_type(v)
        if results:
            yield results

    def message(self, v: Verdict, results: list[Result]) -> str:
        if v.by_type:
            return none_granted_message(v, results, "sends failed events to its dead-letter target")
        role = v.role.address if v.role else ""
        return (
            f"{v.label} sends failed asynchronous events to {_target(v)}, but its execution role {role} cannot: "
            f"{_needed(results)} and {_how_all(results)}; {CONSEQUENCE}"
        )

    def grant(self, unit: Unit, v: Verdict, results: list[Result]) -> Grant | str | None:
        if v.by_type or not results or results[0].outcome is Outcome.DENIED:
            return None  # a Deny or a boundary blocks it: another grant changes nothing (the advice says what does)
        return destination_grant(unit, v, results[0], "dead-letter")

    def fix(self, unit: Unit, v: Verdict, results: list[Result]) -> str | None:
        if v.by_type:
            return "Grant sqs:SendMessage (an SQS queue) or sns:Publish (an SNS topic) on the target's ARN."
        return deny_fix(v, results[0]) if results[0].outcome is Outcome.DENIED else None


class DeadLetterNotUsable(Rule):
    id = "DLQ002"
    summary = (
        "A dead-letter target Lambda does not accept: a queue URL, a FIFO queue or topic, anything "
        "but a standard SQS queue or SNS topic."
    )
    name = "dead-letter-target-not-usable"
    title = "A dead-letter target Lambda does not accept: not a standard SQS queue or SNS topic"
    level = "error"
    security_severity = "5.0"
    tags = ("lambda", "reliability")
    rationale = (
        "A function's dead-letter target must be the ARN of a standard SQS queue or a standard SNS topic (Lambda "
        'API DeadLetterConfig: "The Amazon Resource Name (ARN) of an Amazon SQS queue or Amazon SNS topic"; '
        'developer guide: "a standard Amazon SQS queue or standard Amazon SNS topic"). A queue URL (CloudFormation\'s '
        "Ref of a queue, Terraform's .id or .url), a FIFO queue or topic, or another service's ARN (a Lambda "
        "function, an EventBridge bus, an S3 bucket: those are on-failure destinations of an invoke config, not "
        "dead-letter targets) is refused or never receives the events. Sources: "
        "https://docs.aws.amazon.com/lambda/latest/api/API_DeadLetterConfig.html and "
        "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html (which also lists FIFO "
        "queues and topics as unsupported destination types)."
    )
    remediation = (
        "Point the dead-letter target at a standard SQS queue's or SNS topic's ARN; for other targets, use an "
        "on-failure destination of the function's asynchronous invocation config."
    )
    example = (
        "DeadLetterConfig:\n"
        "  TargetArn: !Ref FailedEvents   # DLQ002: Ref of an AWS::SQS::Queue is its URL, not its ARN"
    )

    def check(self, unit: Unit, shared: dict[str, Any]) -> Iterable[Finding]:
        for fn in unit.functions:
            dest = fn.dead_letter
            problem = _problem(dest, unit.languages.get(dest.location.path, "hcl")) if dest else None
            if dest is None or problem is None:
                continue
            message, fix = problem
            at = (
                written_location(dest.arn, dest.location) or dest.location
            )  # a literal passed in: where the user writes it
            moved = () if at == dest.location else (Related(f"the dead-letter target {dest.ref}", dest.location),)
            yield Finding(
                rule=self.id,
                level=self.level,
                message=f"{fn.address}: {message}",
                location=at,
                unit=unit.name,
                function=fn.address,
                role=None,
                destination=dest.ref,
                action=None,
                fix=fix,
                related=_related(fn, dest) + moved,
                evidence=frozenset({at.path, dest.location.path, fn.location.path}),
            )


def _related(fn: Function, dest: Destination) -> tuple[Related, ...]:
    out = [Related(f"function {fn.address}", fn.location)]
    if dest.target_location is not None:
        out.append(Related(f"dead-letter target {dest.ref}", dest.target_location))
    return tuple(out)


def _problem(dest: Destination, language: str) -> tuple[str, str] | None:
    """(message, fix) when Lambda cannot use the dead-letter target at all; None when it can or it is unknown."""
    text = display(dest.arn)
    if plain(dest.arn) == "":
        return None  # empty: no dead-letter queue
    if aws.certainly_not_an_arn(dest.arn):
        if text.startswith(("https://sqs.", "https://queue.")):
            arn = writer(language).queue_arn(dest.source) if dest.source else None
            return (
                f"the dead-letter target {dest.ref} is a queue URL ({text}), but Lambda needs the queue's ARN "
                "(CloudFormation's Ref of a queue, and Terraform's .id and .url, return its URL)",
                f"Use the queue's ARN: {arn}."
                if arn
                else "Use the queue's ARN (CloudFormation: Fn::GetAtt of the queue's Arn; Terraform: its arn).",
            )
        what = f"{text!r}" if dest.ref == text else f"{dest.ref} is {text!r}, which"
        return f"the dead-letter target {what} is not an ARN", "Give the queue's or topic's ARN."
    service = aws.service_of(dest.arn)
    if service is not None and service not in DEAD_LETTER_SERVICES:
        known = aws.DESTINATION_SERVICES.get(service)
        return (
            f"the dead-letter target {dest.ref} is {f'a {known.label}' if known else f'an ARN of {service}'}; "
            "Lambda sends failed events only to an SQS queue or an SNS topic",
            "Use a standard SQS queue or SNS topic; for a Lambda function, an EventBridge bus or an S3 bucket, "
            "configure an on-failure destination of the function's asynchronous invocation instead.",
        )
    if dest.fifo:
        what = "FIFO SNS topic" if service == "sns" else "FIFO SQS queue"
        return (
            f"the dead-letter target {dest.ref} is a {what}; Lambda sends failed events only to a standard queue "
            "or topic",
            f"Use a standard (non-FIFO) {'topic' if service == 'sns' else 'queue'} as the dead-letter target.",
        )
    return None


class DeadLetterKmsKeyNotGranted(KmsKeyNotGranted):
    cfn_lint_id = "E9111"
    id = "DLQ003"
    summary = "The dead-letter queue or topic is encrypted with a customer managed KMS key the role cannot use."
    name = "dead-letter-kms-key-not-granted"
    title = "The dead-letter queue or topic is encrypted with a customer managed KMS key the execution role cannot use"
    kinds: ClassVar[tuple[str, ...]] = (KIND,)
    rationale = (
        "A dead-letter queue or topic encrypted with a customer managed KMS key takes kms:GenerateDataKey and "
        "kms:Decrypt on the key besides sqs:SendMessage or sns:Publish, for the execution role Lambda sends as; "
        "the key policy must allow the role too (Lambda developer guide, dead-letter queues; the two actions as for "
        "an encrypted on-failure destination, https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure.html). "
        "Without them the "
        "failed events are not delivered although the queue's or topic's own action is granted."
    )
    remediation = (
        "Grant kms:GenerateDataKey and kms:Decrypt on the key's ARN to the execution role (and check the key policy)."
    )
    example = (
        'resource "aws_sqs_queue" "dlq" {\n'
        "  kms_master_key_id = aws_kms_key.queues.arn\n"
        "}\n"
        "# the role allows sqs:SendMessage on the dead-letter queue but no kms:GenerateDataKey / kms:Decrypt"
    )

    def sends(self, v: Verdict) -> str:
        return "sends failed asynchronous events to its dead-letter"


class DeadLetterUnverifiable(Unverifiable):
    cfn_lint_id = "W9112"
    id = "DLQ004"
    summary = "A dead-letter target's permission cannot be verified statically, naming what would decide it."
    name = "dead-letter-permission-unverifiable"
    title = "The dead-letter target's permission cannot be verified statically"
    kinds: ClassVar[tuple[str, ...]] = (KIND,)
    rationale = (
        "The grant for a dead-letter queue or topic rests on something the linter cannot see: the target is a "
        "variable or parameter without a value (it is then checked as both an SQS queue and an SNS topic), the role "
        "or a policy is defined elsewhere, the only Allow carries a Condition, a managed policy is not known. The "
        "finding names what would decide it instead of passing silently."
    )
    remediation = (
        "Make the missing piece visible (give the variable a default, define the role or policy in this unit), or "
        "grant the action without a Condition; where it is intended, suppress the finding with a reason."
    )
    example = "DeadLetterConfig:\n  TargetArn: !ImportValue shared-dlq-arn   # which queue, and is it granted?"

    def message(self, v: Verdict, results: list[Result]) -> str:
        if v.by_type or not results:
            return super().message(v, results)
        role = f"its execution role {v.role.address}" if v.role else "its execution role"
        actions = ", ".join(dict.fromkeys(r.request.named() for r in results))
        reasons = "; ".join(dict.fromkeys(x for r in results for x in r.decision.reasons)) or (
            "a value that cannot be resolved"
        )
        target = f"{v.label}'s dead-letter target {v.target.ref}"
        return f"cannot verify that {role} allows {actions} for {target}: {reasons}"

    def fix(self, unit: Unit, v: Verdict, results: list[Result]) -> str | None:
        text = super().fix(unit, v, results)
        # DST004's words for a conditional grant speak of records; a dead-letter target receives the events.
        return text.replace("Records are dropped", "Failed events are dropped", 1) if text else text
