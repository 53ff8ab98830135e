"""What the execution role must be allowed, per destination and per event source mapping.

One place answers "which requests does Lambda make as this role?": for an invoke config's destinations, for an
event source mapping's source and for its on-failure destination. Each request says what it is for (deliver, read,
decrypt, encrypt), whether Lambda cannot work without it (required) or AWS documents it but Lambda works without
it (recommended), which other actions would do instead (alternatives), and where AWS says so. Verdicts
(:mod:`infra_policy_linter.verdicts.decide`) evaluate these; rules only pick and word them. Sources: shared
docs/aws-semantics.md sections 1-3 and the pages named in ``doc``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from infra_policy_linter.model import aws
from infra_policy_linter.model.entities import Destination, EventSourceMapping, Function, InvokeConfig
from infra_policy_linter.model.located import Location
from infra_policy_linter.model.values import Unknown, display, plain

Purpose = Literal["deliver", "read", "decrypt", "encrypt", "secret"]
Kind = Literal["on_success", "on_failure", "esm_on_failure", "esm_source", "dead_letter"]

ASYNC_DOC = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html"
DEAD_LETTER_DOC = ASYNC_DOC + "#invocation-dlq"
# What a function's dead-letter queue may be: "a standard Amazon SQS queue or standard Amazon SNS topic" (the Lambda
# developer guide, DEAD_LETTER_DOC; the API's DeadLetterConfig.TargetArn: "an Amazon SQS queue or Amazon SNS topic").
DEAD_LETTER_SERVICES = ("sqs", "sns")
ESM_FAILURE_DOC = {
    "kinesis": "https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html",
    "dynamodb": "https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html",
    "kafka": "https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure.html",
}
SOURCE_DOC = {
    "sqs": "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#events-sqs-permissions",
    "kinesis": "https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-permissions.html",
    "dynamodb": "https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-eventsourcemapping.html",
    "kafka": "https://docs.aws.amazon.com/lambda/latest/dg/with-msk-permissions.html",
    "mq": "https://docs.aws.amazon.com/lambda/latest/dg/with-mq.html#events-mq-permissions",
    "rds": "https://docs.aws.amazon.com/lambda/latest/dg/with-documentdb.html#docdb-prereqs",
}
SELF_MANAGED_KAFKA_DOC = "https://docs.aws.amazon.com/lambda/latest/dg/with-kafka-permissions.html"
# Source access configuration types whose URI is a Secrets Manager secret Lambda reads to authenticate (Lambda API
# reference, SourceAccessConfiguration): without secretsmanager:GetSecretValue on it the poller cannot connect.
SECRET_ACCESS_TYPES = frozenset(
    {
        "BASIC_AUTH",
        "SASL_SCRAM_256_AUTH",
        "SASL_SCRAM_512_AUTH",
        "CLIENT_CERTIFICATE_TLS_AUTH",
        "SERVER_ROOT_CA_CERTIFICATE",
    }
)
MQ_NETWORK_NOTE = (
    "the broker is reachable only inside its VPC, for which Lambda's Amazon MQ page and SAM's MQ event page list "
    "the network-interface actions; SAM does not grant them on the role it generates, and a broker whose "
    "access is not known is not asked for them"
)
SOURCE_NAMES = {"mq": "an Amazon MQ broker", "rds": "an Amazon DocumentDB cluster", "kafka": "an MSK cluster"}
LIST_SHARDS_NOTE = (
    "Lambda's Kinesis page lists it, but mappings read their shards without it; only the ListShards calls are denied"
)
DYNAMODB_KMS_NOTE = (
    "DynamoDB decrypts stream records with the table's key on the reader's behalf; Lambda's "
    "DynamoDB page does not list kms:Decrypt, so it is only recommended"
)


@dataclass(frozen=True)
class Request:
    """One call Lambda makes as the execution role."""

    action: str
    resource: Any
    purpose: Purpose
    required: bool = True  # False: AWS documents it, Lambda works without it (a warning, with ``note``)
    alternatives: tuple[str, ...] = ()  # any one of action + alternatives is enough
    doc: str = ""
    note: str = ""  # why it is only recommended, or when each alternative applies
    assumption: str = ""  # what granting only an alternative assumes
    written: str = ""  # the resource as the file writes it (a secret's ARN expression), for fixes and messages

    @property
    def actions(self) -> tuple[str, ...]:
        return (self.action,) + self.alternatives

    def named(self) -> str:
        return " or ".join(self.actions)


@dataclass
class Target:
    """A destination or an event source the role must reach, with every request that takes."""

    kind: Kind
    owner: InvokeConfig | EventSourceMapping | Function  # a function for its dead-letter target
    ref: str  # how the target is written
    location: Location  # where findings about it point
    service: str | None
    destination: Destination | None = None
    requests: list[Request] = field(default_factory=list)
    # The service cannot be told: what each service it could be would take (all evaluated, see verdicts).
    candidates: dict[str, list[Request]] = field(default_factory=dict)
    unknown: str | None = None  # what the linter cannot know about the target itself (then no requests)
    may_be_absent: bool = False  # the destination may not exist at all (a dynamic block, an Fn::If, a conditional)

    @property
    def label(self) -> str:
        if self.kind == "esm_source":
            return aws.SOURCE_LABELS.get(self.service or "", "source")
        service = aws.DESTINATION_SERVICES.get(self.service or "")
        return service.label if service else "destination"


def _why_unknown(value: Any, what: str) -> str:
    if isinstance(value, Unknown):
        return f"{what} is {value.reason or value.name}"
    return f"{what} {display(value)} is not an ARN whose service the linter can read"


def _delivery(service: str, dest: Destination, function_name: Any, doc: str) -> list[Request]:
    out = [Request(a, r, "deliver", doc=doc) for a, r in aws.requests_for(service, dest.arn, function_name)]
    if dest.kms_key is not None:
        for action in aws.kms_actions_for(service):
            purpose: Purpose = "encrypt" if action == "kms:GenerateDataKey" else "decrypt"
            out.append(Request(action, dest.kms_key, purpose, doc=doc))
    return out


def destination_target(config: InvokeConfig, dest: Destination, function_name: Any) -> Target | None:
    """What delivering to one invoke-config destination takes; None when DST006 owns it (not a usable ARN)."""
    from infra_policy_linter.model.values import plain

    if plain(dest.arn) == "" or aws.not_an_arn(dest.arn):
        return None  # empty means "none"; a URL or a bare name is DST006's to report
    service = aws.service_of(dest.arn)
    target = Target(dest.kind, config, dest.ref, dest.location, service, dest)
    if service is None:
        for svc in aws.DESTINATION_SERVICES:
            if svc == "s3" and dest.kind == "on_success":
                continue  # Lambda delivers successes to S3 nowhere
            target.candidates[svc] = _delivery(svc, dest, function_name, ASYNC_DOC)
        target.unknown = _why_unknown(dest.arn, "the destination")
        target.may_be_absent = may_be_absent(dest.arn)
        return target
    if service not in aws.DESTINATION_SERVICES:
        target.unknown = f"the destination service {service!r} is not one Lambda delivers to"
        return target
    if service == "s3" and dest.kind == "on_success" or dest.fifo:
        return None  # not a destination Lambda can use at all: DST006
    target.requests = _delivery(service, dest, function_name, ASYNC_DOC)
    return target


def mapping_destination_target(mapping: EventSourceMapping, function_name: Any) -> Target | None:
    """What sending a mapping's failed batches to its on-failure destination takes."""
    from infra_policy_linter.model.values import plain

    dest = mapping.on_failure
    if dest is None or plain(dest.arn) == "" or aws.not_an_arn(dest.arn):
        return None
    source_service = _source_service(mapping)
    if source_service is not None and source_service not in FAILURE_DESTINATION_SOURCES:
        return None  # Lambda rejects the setting itself (DST006 says so): there is nothing to deliver
    doc = ESM_FAILURE_DOC.get(source_service or "", ESM_FAILURE_DOC["kinesis"])
    service = aws.service_of(dest.arn)
    target = Target("esm_on_failure", mapping, dest.ref, dest.location, service, dest)
    if service is None:
        for svc in aws.ESM_DESTINATION_SERVICES:
            target.candidates[svc] = _delivery(svc, dest, function_name, doc)
        target.unknown = _why_unknown(dest.arn, "the on-failure destination")
        target.may_be_absent = may_be_absent(dest.arn)
        return target
    if service not in aws.ESM_DESTINATION_SERVICES:
        target.unknown = f"the on-failure destination service {service!r} is not one the linter checks"
        return target
    target.requests = _delivery(service, dest, function_name, doc)
    return target


def dead_letter_target(fn: Function) -> Target | None:
    """What sending a function's failed asynchronous events to its dead-letter queue or topic takes: the same
    delivery (and customer managed key) requests as a destination of that service. None when there is none, or when
    Lambda cannot use the target at all (not an ARN, not a standard SQS queue or SNS topic: DLQ002 says so).

    Lambda sends there as the execution role: sqs:SendMessage on the queue, sns:Publish on the topic (DEAD_LETTER_DOC;
    SAM's DeadLetterQueue page: SAM adds exactly these to a role it generates); a queue or topic encrypted with a
    customer managed key also takes the key, which the role and the key policy must both allow (DEAD_LETTER_DOC;
    the actions, kms:GenerateDataKey and kms:Decrypt, as for an encrypted SQS/SNS on-failure destination, shared
    docs/aws-semantics.md section 2)."""
    from infra_policy_linter.model.values import plain

    dest = fn.dead_letter
    if dest is None or plain(dest.arn) == "" or aws.certainly_not_an_arn(dest.arn):
        return None
    service = aws.service_of(dest.arn)
    target = Target("dead_letter", fn, dest.ref, dest.location, service, dest)
    if service is None:
        for svc in DEAD_LETTER_SERVICES:
            target.candidates[svc] = _delivery(svc, dest, fn.name, DEAD_LETTER_DOC)
        target.unknown = _why_unknown(dest.arn, "the dead-letter target")
        target.may_be_absent = may_be_absent(dest.arn)
        return target
    if service not in DEAD_LETTER_SERVICES or dest.fifo:
        return None
    target.requests = _delivery(service, dest, fn.name, DEAD_LETTER_DOC)
    return target


# The sources whose mappings take an on-failure destination (Lambda API reference, CreateEventSourceMapping,
# DestinationConfig: "Kinesis, DynamoDB Streams, Amazon MSK, and self-managed Apache Kafka").
FAILURE_DESTINATION_SOURCES = frozenset({"kinesis", "dynamodb", "kafka"})


def source_service_of(mapping: EventSourceMapping) -> str | None:
    """The service the mapping reads from (its ARN, else what the resource or the SAM event says), if known."""
    return _source_service(mapping)


def _source_service(mapping: EventSourceMapping) -> str | None:
    if mapping.source is not None:
        service = aws.service_of(mapping.source)
        if service is not None:
            return service
    return mapping.source_service


def source_target(mapping: EventSourceMapping) -> Target:
    """What reading the mapping's source takes (polling, and decrypting a customer-managed-key source)."""
    service = _source_service(mapping)
    location = mapping.source_location
    target = Target("esm_source", mapping, mapping.source_ref or display(mapping.source), location, service)
    if _no_source_arn(mapping):
        target.ref = "at its bootstrap servers"
        target.service = "self-managed-kafka"
        target.requests = access_requests(mapping, SELF_MANAGED_KAFKA_DOC, network=True)
        return target
    if service is None:
        target.unknown = (
            _why_unknown(mapping.source, "the event source")
            if mapping.source is not None
            else "the event source is not set"
        )
        return target
    if service not in aws.SOURCE_READ_ACTIONS:
        what = SOURCE_NAMES.get(service, f"{service!r}")
        target.unknown = f"the event source is {what}, and the linter does not check what such a source needs"
        return target
    doc = SOURCE_DOC[service]
    target.requests = _reads(service, mapping.source, mapping.source_variant)
    target.requests += access_requests(mapping, doc, network=False)
    if mapping.source_kms_key is not None and service in ("sqs", "kinesis", "dynamodb"):
        required = service != "dynamodb"
        target.requests.append(
            Request(
                "kms:Decrypt",
                mapping.source_kms_key,
                "decrypt",
                required,
                doc=doc,
                note="" if required else DYNAMODB_KMS_NOTE,
            )
        )
    return target


def source_candidates(source: Any) -> dict[str, list[Request]]:
    """What reading ``source`` takes for each type of source it could be (its service is not known)."""
    return {service: _reads(service, source, None) for service in aws.SOURCE_READ_ACTIONS}


def _reads(service: str, source: Any, variant: str | None) -> list[Request]:
    """The polling requests of one source type."""
    doc = SOURCE_DOC[service]
    requests: list[Request] = []
    stream = aws.consumer_stream(source) if service == "kinesis" else None
    if stream is not None:  # an enhanced fan-out consumer: Lambda reads the stream through it
        requests += consumer_requests(source, doc)
    for action, where in aws.SOURCE_READ_ACTIONS[service]:
        resource = (stream if stream is not None else source) if where == "source" else "*"
        if where in ("cluster-pg", "subgrp"):
            what = "parameter group" if where == "cluster-pg" else "subnet group"
            resource = aws.rds_arn_beside(source, where, Unknown(f"{where} name", f"the cluster's {what}"))
        if resource is None:
            resource = Unknown("event source", "the event source ARN")
        if service == "mq" and where == "*" and variant != "private":
            continue  # SAM documents the network actions for a broker reachable only inside its VPC
        if service == "mq" and where == "*":
            requests.append(Request(action, resource, "read", False, doc=doc, note=MQ_NETWORK_NOTE))
        elif action == "kinesis:ListShards":
            requests.append(Request(action, resource, "read", False, doc=doc, note=LIST_SHARDS_NOTE))
        elif action == "kafka:DescribeClusterV2" and variant != "serverless":
            # A provisioned cluster answers either call; serverless clusters only DescribeClusterV2.
            assume = (
                ""
                if variant == "provisioned"
                else ("the MSK cluster is a provisioned one (a serverless cluster needs kafka:DescribeClusterV2)")
            )
            requests.append(
                Request(
                    action,
                    resource,
                    "read",
                    alternatives=("kafka:DescribeCluster",),
                    doc=doc,
                    note="a provisioned cluster accepts either",
                    assumption=assume,
                )
            )
        else:
            requests.append(Request(action, resource, "read", doc=doc))
    return requests


def consumer_requests(consumer: Any, doc: str) -> list[Request]:
    """What reading a Kinesis stream through an enhanced fan-out consumer takes on the consumer itself."""
    # Lambda subscribes to each shard through the consumer (the AWS managed AWSLambdaKinesisExecutionRole grants
    # SubscribeToShard for that); kinesis:DescribeStreamConsumer, which the CDK's grantRead adds, is not asked of
    # the role by Lambda's Kinesis pages, and published patterns poll without it.
    return [Request("kinesis:SubscribeToShard", consumer, "read", doc=doc)]


def access_requests(mapping: EventSourceMapping, doc: str, network: bool) -> list[Request]:
    """What the mapping's source access configuration takes: secretsmanager:GetSecretValue on each secret Lambda
    authenticates with and, with ``network`` (self-managed Kafka), the network-interface actions when it names
    subnets. Lambda cannot connect without them (SAM grants exactly these on the roles it generates)."""
    out: list[Request] = []
    for access in mapping.access:
        kind = plain(access.type)
        if kind in SECRET_ACCESS_TYPES and access.uri is not None:
            out.append(Request("secretsmanager:GetSecretValue", access.uri, "secret", doc=doc, written=access.text))
    if network and any(plain(access.type) == "VPC_SUBNET" for access in mapping.access):
        out += [Request(action, "*", "read", doc=doc) for action in aws.EC2_NETWORK_ACTIONS]
    return out


def _no_source_arn(mapping: EventSourceMapping) -> bool:
    """A mapping without EventSourceArn / event_source_arn (self-managed Kafka)."""
    return isinstance(mapping.source, Unknown) and mapping.source.no_source


def may_be_absent(value: Any) -> bool:
    """A value the resolvers leave open because it may not be set at all (see ``Unknown.may_be_absent``)."""
    return isinstance(value, Unknown) and value.may_be_absent
