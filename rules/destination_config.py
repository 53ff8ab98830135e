"""DST006-DST007: destinations and retry settings that Lambda rejects or cannot honour, whatever the IAM policy."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from infra_policy_linter.findings.finding import Finding, Related
from infra_policy_linter.fix.writers import writer
from infra_policy_linter.iam.match import same
from infra_policy_linter.model import aws
from infra_policy_linter.model.entities import Destination, InvokeConfig, Unit, written_location
from infra_policy_linter.model.located import Location
from infra_policy_linter.model.values import display, plain
from infra_policy_linter.rules.base import Rule
from infra_policy_linter.verdicts.link import function_name_of, index_of
from infra_policy_linter.verdicts.requirements import FAILURE_DESTINATION_SOURCES, source_service_of


def _finding(
    rule: Rule,
    unit: Unit,
    config: InvokeConfig,
    message: str,
    location: Location,
    function: str,
    destination: str = "",
    fix: str | None = None,
    used_at: Location | None = None,
) -> Finding:
    related = [Related(f"invoke config {config.address}", config.location)]
    if used_at is not None and used_at != location:  # the value is written elsewhere (a module call's argument)
        related.append(Related(f"the destination {destination}, set from it", used_at))
    return Finding(
        rule=rule.id,
        level=rule.level,
        message=message,
        location=location,
        unit=unit.name,
        function=function,
        role=None,
        destination=destination,
        action=None,
        fix=fix,
        related=tuple(related),
        evidence=frozenset({location.path, config.location.path} | ({used_at.path} if used_at else set())),
    )


def _not_an_arn(dest: Destination, language: str) -> tuple[str, str]:
    """(message, fix) for a destination that is not an ARN: a queue URL gets the queue's ARN, as the file writes it."""
    text = display(dest.arn)
    if text.startswith("https://sqs.") or text.startswith("https://queue."):
        arn = writer(language).queue_arn(dest.source) if dest.source else None
        return (
            f"the {dest.kind.replace('_', '-')} destination {dest.ref} is a queue URL ({text}), but Lambda "
            f"needs the queue's ARN (CloudFormation's Ref of a queue, and Terraform's .id and .url, return "
            f"its URL)",
            f"Use the queue's ARN: {arn}."
            if arn
            else "Use the queue's ARN (CloudFormation: Fn::GetAtt of the queue's Arn; Terraform: its arn attribute).",
        )
    return (
        f"the {dest.kind.replace('_', '-')} destination {dest.ref} is {text!r}, which is not an ARN",
        "Give the destination's ARN.",
    )


def _problem(
    config: InvokeConfig, dest: Destination, function_name: Any, language: str = "hcl"
) -> tuple[str, str | None] | None:
    """(message, fix) when Lambda cannot use this destination at all."""
    value = dest.arn
    if aws.not_an_arn(value):
        return _not_an_arn(dest, language)
    service = aws.service_of(value)
    if service is None:
        return None  # unknown: the permission rules say what cannot be verified
    if service not in aws.DESTINATION_SERVICES:
        return (
            f"the {dest.kind.replace('_', '-')} destination {dest.ref} is a {service} ARN; Lambda delivers only "
            f"to SQS, SNS, Lambda, EventBridge and (on failure) S3",
            None,
        )
    if service == "s3" and dest.kind == "on_success":
        return (
            f"the on-success destination {dest.ref} is an S3 bucket; S3 is supported only for on-failure "
            f"destinations, so Lambda rejects this configuration",
            "Move the bucket to on_failure / OnFailure.",
        )
    if dest.fifo:
        kind = "queue" if service == "sqs" else "topic"
        return (
            f"the {dest.kind.replace('_', '-')} destination {dest.ref} is a FIFO {kind}; Lambda cannot deliver "
            f"asynchronous invocation records to FIFO {kind}s, so every record is lost",
            f"Use a standard {kind}.",
        )
    resource = plain(aws.arn_fields(value)[5]) if aws.arn_fields(value) else None  # type: ignore[index]
    if service == "events" and resource and resource.startswith("event-bus/aws.partner/"):
        return (
            f"the {dest.kind.replace('_', '-')} destination {dest.ref} is a partner event bus, which Lambda "
            f"rejects as a destination",
            "Use the default bus or a custom event bus.",
        )
    if service == "lambda" and same(function_name_of(value), function_name) is True:
        return (
            f"the {dest.kind.replace('_', '-')} destination {dest.ref} is the function itself: every result "
            f"invokes it again, a loop that only stops when invocations fail or age out",
            "Send results to another function, a queue or a topic.",
        )
    return None


class InvalidDestination(Rule):
    id = "DST006"
    name = "destination-not-usable"
    title = "A destination Lambda rejects or cannot deliver to"
    summary = (
        "A destination Lambda rejects or cannot deliver to: a queue URL, S3 on success, FIFO, partner bus, itself."
    )
    level = "error"
    security_severity = "6.0"
    tags = ("security", "lambda", "reliability")
    rationale = (
        "Some destinations can never work: a queue URL where an ARN is required (a CloudFormation Ref of a queue is "
        "its URL), an S3 bucket as an on-success destination, a FIFO queue or topic, a partner event bus, or the "
        "function itself (a loop), or an on-failure destination on an event source mapping that reads SQS, Amazon MQ "
        "or DocumentDB (only Kinesis, DynamoDB Streams and Kafka mappings take one). Lambda rejects the configuration "
        "or drops every record."
    )
    remediation = (
        "Point the destination, by ARN, at a standard queue or topic, another function, an event bus, "
        "or (on failure) a bucket."
    )
    example = "DestinationConfig:\n  OnFailure:\n    Destination: !Ref FailureQueue   # the queue URL, not its ARN"

    def check(self, unit: Unit, shared: dict[str, Any]) -> Iterable[Finding]:
        for config in unit.invoke_configs:
            fn, _ = index_of(unit, shared).function_of(config)
            label = fn.address if fn else (config.function_address or display(config.function))
            name = fn.name if fn else function_name_of(config.function)
            for dest in config.destinations:
                found = _problem(config, dest, name, unit.languages.get(dest.location.path, "hcl"))
                if found:
                    at = written_location(dest.arn, dest.location) or dest.location
                    message = f"{label}: {found[0]}"
                    yield _finding(self, unit, config, message, at, label, dest.ref, found[1], dest.location)
        for mapping in unit.event_source_mappings:
            source = source_service_of(mapping)
            on_failure = mapping.on_failure
            if on_failure is None or source is None or source in FAILURE_DESTINATION_SOURCES:
                continue
            label = mapping.function_address or display(mapping.function)
            kind = {"sqs": "an SQS queue", "mq": "an Amazon MQ broker", "rds": "an Amazon DocumentDB cluster"}.get(
                source, f"a {source} source"
            )
            fix = (
                "Remove the destination configuration. For an SQS source, give the source queue a redrive policy "
                "(a dead-letter queue) instead."
                if source == "sqs"
                else "Remove the destination configuration."
            )
            yield Finding(
                rule=self.id,
                level=self.level,
                location=on_failure.location,
                unit=unit.name,
                function=label,
                role=None,
                destination=on_failure.ref,
                action=None,
                fix=fix,
                message=(
                    f"{label}: the event source mapping {mapping.address} reads {kind}, but Lambda takes an "
                    f"on-failure destination only for Kinesis, DynamoDB Streams, Amazon MSK and self-managed "
                    f"Kafka sources: the deployment fails (CreateEventSourceMapping rejects DestinationConfig)"
                ),
                related=(Related(f"event source mapping {mapping.address}", mapping.location),),
                evidence=frozenset({on_failure.location.path, mapping.location.path}),
            )


class RetryLimits(Rule):
    id = "DST007"
    name = "async-retry-settings-out-of-range"
    title = "Retry attempts or maximum event age outside what Lambda accepts"
    summary = "Retry attempts outside 0-2 or maximum event age outside 60-21600 seconds."
    level = "error"
    security_severity = "3.0"
    tags = ("security", "lambda", "reliability")
    rationale = (
        "Lambda accepts 0 to 2 retry attempts and a maximum event age of 60 to 21600 seconds for asynchronous "
        "invocations; anything else fails the deployment (the API rejects it)."
    )
    remediation = "Use maximum_retry_attempts 0-2 and maximum_event_age_in_seconds 60-21600."
    example = "MaximumRetryAttempts: 5   # at most 2"

    def check(self, unit: Unit, shared: dict[str, Any]) -> Iterable[Finding]:
        for config in unit.invoke_configs:
            fn, _ = index_of(unit, shared).function_of(config)
            label = fn.address if fn else (config.function_address or display(config.function))
            for value, location, low, high, what in (
                (config.retry_attempts, config.retry_location, 0, 2, "maximum retry attempts"),
                (config.event_age, config.event_age_location, 60, 21600, "maximum event age in seconds"),
            ):
                number = _number(value)
                if number is not None and location is not None and not low <= number <= high:
                    yield _finding(
                        self,
                        unit,
                        config,
                        f"{label}: {what} is {number}; Lambda accepts {low} to {high}",
                        location,
                        label,
                        fix=f"Set it between {low} and {high}.",
                    )


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    text = plain(value)
    if text is not None and text.strip().lstrip("-").isdigit():
        return int(text)
    return None
