"""ESM001-ESM003: event source mappings read their source and send failures on as the execution role.

The verdicts come from :mod:`infra_policy_linter.verdicts.decide`; these rules pick the mapping results they own and
word them. DST004 (in destinations) reports what cannot be verified, DST005 an encrypted failure destination.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from infra_policy_linter.fix.writers import Grant
from infra_policy_linter.fix.writers.place import Written, directory, function_word, place
from infra_policy_linter.iam.evaluate import Outcome
from infra_policy_linter.model.entities import Unit
from infra_policy_linter.model.values import display, plain
from infra_policy_linter.rules.target_words import deny_fix, destination_grant, none_granted_message, whatever_type
from infra_policy_linter.rules.verdict_rule import VerdictRule, all_actions, granting_all
from infra_policy_linter.verdicts.decide import NOT_GRANTED, Result, Verdict


def _how(r: Result) -> str:
    d = r.decision
    if d.outcome is Outcome.DENIED:
        if d.boundary:
            return f"the permissions boundary {d.boundary} does not allow it"
        where = ", ".join(sorted({p.name for p, _ in d.deciding})) or "a policy"
        return f"a Deny in {where} blocks it"
    if d.outcome is Outcome.WRONG_RESOURCE:
        return "it is granted only on other resources"
    return "no statement allows it"


def _needed(results: list[Result]) -> str:
    named = [r.request.named() for r in results]
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    verb = "are" if len(named) > 1 or results[0].request.alternatives else "is"
    return f"{listed} {verb} needed"


def _written(mapping: object, r: Result) -> tuple[str, str]:
    """The resource of a grant as the mapping writes it, and its shape: the key, the secret, or the source
    itself ("" for the actions that take no resource, or another resource the file does not write)."""
    if r.request.purpose == "decrypt":
        return getattr(mapping, "source_kms_source", ""), "key"
    if r.request.purpose == "secret":
        return r.request.written, "arn"
    if r.request.resource != getattr(mapping, "source", None):
        return "", "arn"
    return getattr(mapping, "source_text", ""), "arn"


def _how_all(results: list[Result]) -> str:
    how = _how(results[0])
    return how[: -len(" it")] + " them" if len(results) > 1 and how.endswith(" it") else how


class _EsmRule(VerdictRule):
    kind: ClassVar[str]
    purposes: ClassVar[tuple[str, ...]]
    required: ClassVar[bool] = True
    tags = ("security", "iam", "lambda")

    def select(self, v: Verdict) -> Iterable[list[Result]]:
        """One finding per resource and reason: a queue's three read actions that no statement allows are one
        finding (and one statement in its fix), not three."""
        if v.kind != self.kind:
            return
        groups: dict[tuple[str, str], list[Result]] = {}
        for r in v.results:
            if r.request.purpose in self.purposes and r.request.required is self.required and r.outcome in NOT_GRANTED:
                groups.setdefault((display(r.request.resource), _how(r)), []).append(r)
        yield from groups.values()

    def grant(self, unit: Unit, v: Verdict, results: list[Result]) -> Grant | str | None:
        if v.role is None or not results or v.by_type or results[0].outcome is Outcome.DENIED:
            return None  # a Deny or a boundary blocks it: another grant changes nothing (the advice says what does)
        r = results[0]
        if v.target.destination is not None:  # the on-failure destination: as an invoke config's
            return destination_grant(unit, v, r, "event-source")
        mapping = v.target.owner
        where = directory(mapping.location.path)
        source, shape = _written(mapping, r)
        written = Written(
            {where: source} if source else {},
            known=plain(r.request.resource),
            shape=shape,  # type: ignore[arg-type]
            label=r.request.written or v.target.ref,
            at=mapping.location.path,
            instead=getattr(mapping, "source_address_in", {})
            if r.request.resource == getattr(mapping, "source", None)
            else {},
        )
        hint = f"{function_word(v.label)}-{r.request.action.split(':')[0]}-event-source"
        granted = place(unit, v.role, r.request.action, written, hint, v.target.location.path)
        return granting_all(granted, results)

    def action_of(self, v: Verdict, results: list[Result]) -> str | None:
        """Every action of the group, comma-separated: one finding stands for them all."""
        return all_actions(results) if results and not v.by_type else None

    def fix(self, unit: Unit, v: Verdict, results: list[Result]) -> str | None:
        if results and results[0].outcome is Outcome.DENIED:
            return deny_fix(v, results[0])
        return None


class EventSourceDestinationNotGranted(_EsmRule):
    id = "ESM001"
    name = "event-source-failure-destination-not-granted"
    title = "An event source mapping's on-failure destination is not granted to the execution role"
    summary = "An event source mapping's on-failure destination is not granted."
    level = "error"
    security_severity = "7.0"
    kind = "esm_on_failure"
    purposes = ("deliver",)
    cfn_lint_id = "E9106"
    rationale = (
        "For stream and Kafka sources, Lambda sends records that keep failing to the mapping's on-failure "
        "destination as the function's execution role: SQS needs sqs:SendMessage, SNS sns:Publish, S3 "
        "s3:PutObject and s3:ListBucket. Without the grant the failed batch is dropped."
    )
    remediation = "Grant the destination's action on the destination's ARN to the execution role."
    example = (
        'resource "aws_lambda_event_source_mapping" "orders" {\n  event_source_arn = '
        "aws_kinesis_stream.orders.arn\n  destination_config {\n    on_failure {\n      destination_arn = "
        "aws_sqs_queue.failed.arn   # the role has no sqs:SendMessage\n    }\n  }\n}"
    )

    def select(self, v: Verdict) -> Iterable[list[Result]]:
        yield from super().select(v)
        if v.kind == self.kind:
            results = whatever_type(v)
            if results:
                yield results

    def message(self, v: Verdict, results: list[Result]) -> str:
        if v.by_type:
            return none_granted_message(
                v, results, f"(event source mapping {v.target.owner.address}) sends failed batches to"
            )
        return (
            f"{v.label}'s event source mapping {v.target.owner.address} sends failed batches to {v.target.ref}, "
            f"but its execution role {v.role.address if v.role else ''} cannot: {_needed(results)} and "
            f"{_how_all(results)}"
        )

    def fix(self, unit: Unit, v: Verdict, results: list[Result]) -> str | None:
        if v.by_type:
            return (
                "Grant the action of the destination's real type on its ARN (SQS sqs:SendMessage, SNS "
                "sns:Publish, S3 s3:PutObject and s3:ListBucket)."
            )
        return super().fix(unit, v, results)


class EventSourceReadNotGranted(_EsmRule):
    id = "ESM002"
    name = "event-source-read-not-granted"
    title = "The execution role cannot read the event source"
    summary = (
        "The execution role cannot read the event source (SQS, Kinesis, DynamoDB Streams, MSK, Amazon MQ, "
        "DocumentDB, self-managed Kafka; the secrets its access configuration names), or decrypt an SQS queue or "
        "Kinesis stream encrypted with a customer managed key."
    )
    level = "error"
    security_severity = "7.0"
    kind = "esm_source"
    purposes = ("read", "decrypt", "secret")
    cfn_lint_id = "E9107"
    rationale = (
        "An event source mapping polls its source as the function's execution role: SQS needs ReceiveMessage, "
        "DeleteMessage and GetQueueAttributes; Kinesis GetRecords, GetShardIterator and DescribeStream; DynamoDB "
        "Streams GetRecords, GetShardIterator and DescribeStream; MSK DescribeClusterV2 (a provisioned cluster "
        "also accepts DescribeCluster), GetBootstrapBrokers and the EC2 network-interface actions; an Amazon MQ "
        "broker mq:DescribeBroker; a DocumentDB cluster rds:DescribeDBClusters, DescribeDBClusterParameters, "
        "DescribeDBSubnetGroups and the EC2 network-interface actions; a self-managed Kafka cluster in a VPC the "
        "EC2 network-interface actions; every source secretsmanager:GetSecretValue on each secret its "
        "SourceAccessConfigurations authenticate with; an SQS queue or Kinesis stream encrypted with a customer "
        "managed key also kms:Decrypt on the key. Creating the mapping fails without them (Terraform waits "
        "minutes before it says so), or the poller stops."
    )
    remediation = (
        "Grant the read actions on the source's ARN, or attach the matching AWS managed policy "
        "(AWSLambdaSQSQueueExecutionRole, AWSLambdaKinesisExecutionRole, AWSLambdaDynamoDBExecutionRole, "
        "AWSLambdaMSKExecutionRole)."
    )
    example = "EventSourceArn: !GetAtt OrdersQueue.Arn   # the role has no sqs:ReceiveMessage"

    def message(self, v: Verdict, results: list[Result]) -> str:
        r = results[0]
        encrypted = {
            "decrypt": f", encrypted with the KMS key {display(r.request.resource)}",
            "secret": f" with the credentials in the secret {r.request.written or display(r.request.resource)}",
        }.get(r.request.purpose, "")
        return (
            f"{v.label}'s event source mapping {v.target.owner.address} reads the {v.target.label} "
            f"{v.target.ref}{encrypted}, but its execution role {v.role.address if v.role else ''} cannot: "
            f"{_needed(results)} and {_how_all(results)}"
        )


class EventSourceRecommendedNotGranted(_EsmRule):
    id = "ESM003"
    cfn_lint_id = "W9108"
    name = "event-source-recommended-permission-not-granted"
    title = "The execution role lacks a permission AWS documents for the event source, which Lambda can work without"
    summary = (
        "A permission AWS documents for the event source but Lambda works without (`kinesis:ListShards`; "
        "`kms:Decrypt` for a DynamoDB stream with a customer managed key; the EC2 network-interface actions for an "
        "Amazon MQ broker known to be reachable only inside its VPC)."
    )
    level = "warning"
    security_severity = "3.0"
    kind = "esm_source"
    purposes = ("read", "decrypt", "secret")
    required = False
    rationale = (
        "AWS documents some permissions for event source mappings that the poller can work without: Lambda's "
        "Kinesis page lists kinesis:ListShards, yet mappings read their shards without it (only the ListShards "
        "calls are denied, in CloudTrail); a DynamoDB stream encrypted with a customer managed key is decrypted "
        "by DynamoDB on the reader's behalf; Lambda's Amazon MQ page lists the EC2 network-interface actions, "
        "which SAM documents for a broker reachable only inside its VPC (asked only when the broker is known to "
        "be). Granting them keeps the role in line with the documentation and CloudTrail free of denials."
    )
    remediation = (
        "Grant the action on the source's ARN, or attach the matching AWS managed policy "
        "(AWSLambdaKinesisExecutionRole grants kinesis:ListShards)."
    )
    example = "Action: [kinesis:GetRecords, kinesis:GetShardIterator, kinesis:DescribeStream]   # no kinesis:ListShards"

    def message(self, v: Verdict, results: list[Result]) -> str:
        r = results[0]
        return (
            f"{v.label}'s event source mapping {v.target.owner.address} reads the {v.target.label} "
            f"{v.target.ref}; AWS documents {' and '.join(x.request.action for x in results)} for it, and its "
            f"execution role {v.role.address if v.role else ''} is not granted "
            f"{'them' if len(results) > 1 else 'it'}: {_how_all(results)} ({r.request.note})"
        )


class EventSourceOutOfReach(VerdictRule):
    id = "ESM004"
    cfn_lint_id = "E9113"
    name = "event-source-in-another-region-or-account"
    title = "The event source is in a Region or account where Lambda cannot map it to the function"
    summary = (
        "The event source is in another Region (DocumentDB, SQS) or account (DocumentDB, Amazon MQ) than the "
        "function, where Lambda documents that it cannot map it: the mapping cannot be created."
    )
    level = "error"
    security_severity = "5.0"
    tags = ("lambda", "reliability")
    rationale = (
        "Lambda reads some event sources only in the function's own Region and account: a DocumentDB cluster must "
        "be in the function's account and Region, an SQS queue in its Region (another account is allowed, through "
        "the queue policy), an Amazon MQ broker in its account. A mapping to a source elsewhere cannot be created, "
        "whatever the execution role is granted. The function's Region and account are what the run knows "
        "(--region, --account-id, a provider's region, a function ARN); when they are not known, the source's ARN "
        "decides them for the mapping's other checks, since only there can the mapping exist."
    )
    remediation = (
        "Deploy the function in the source's Region (and account), or point the mapping at a source in the "
        "function's own."
    )
    example = (
        "# deployed with --region eu-west-1\n"
        "Events:\n  Docdb:\n    Type: DocumentDB\n    Properties:\n"
        "      Cluster: arn:aws:rds:us-west-2:123456789012:cluster:orders   # another Region"
    )

    def select(self, v: Verdict) -> Iterable[list[Result]]:
        if v.kind == "esm_source" and v.misplaced:
            yield []

    def message(self, v: Verdict, results: list[Result]) -> str:
        return (
            f"{v.label}'s event source mapping {v.target.owner.address} reads the {v.target.label} "
            f"{v.target.ref} {v.misplaced}"
        )

    def fix(self, unit: Unit, v: Verdict, results: list[Result]) -> str | None:
        return v.misplaced_fix

    def chain_summary(self, v: Verdict, results: list[Result]) -> str:
        return f"the {v.target.label} is {v.misplaced}"
