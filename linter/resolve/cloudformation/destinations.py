"""Where functions send and what they read: AWS::Lambda::EventInvokeConfig and AWS::Lambda::EventSourceMapping,
their destinations (``Fn::If`` branches each checked), and the facts of the resources they name (FIFO, the customer
managed KMS key, the event source's service), including the destination types SAM was told and left in its output.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any

from infra_policy_linter.model import aws
from infra_policy_linter.model.entities import Destination, EventSourceMapping, InvokeConfig, SourceAccess, Unit
from infra_policy_linter.model.located import Location
from infra_policy_linter.model.values import Text, Unknown, plain
from infra_policy_linter.resolve.cloudformation.nodes import NO_VALUE, key_location, location, sam_tagged, truthy

if TYPE_CHECKING:
    from infra_policy_linter.resolve.cloudformation.template import CloudFormationTemplate

# Resource types an event source mapping reads: (service, MSK cluster type).
SOURCE_TYPES: dict[str, tuple[str, str | None]] = {
    "AWS::SQS::Queue": ("sqs", None),
    "AWS::Kinesis::Stream": ("kinesis", None),
    "AWS::DynamoDB::Table": ("dynamodb", None),
    "AWS::MSK::Cluster": ("kafka", "provisioned"),
    "AWS::MSK::ServerlessCluster": ("kafka", "serverless"),
    "AWS::AmazonMQ::Broker": ("mq", None),
    "AWS::DocDB::DBCluster": ("rds", None),
}

_SAM_TYPES = {"SQS": "sqs", "SNS": "sns", "Lambda": "lambda", "EventBridge": "events", "S3": "s3"}
_SAM_POLICY_NAME = re.compile(r"(.+?)(EventInvokeConfig(OnSuccess|OnFailure)|)(SQS|SNS|Lambda|EventBridge|S3)Policy")


def invoke_config(t: CloudFormationTemplate, unit: Unit, logical_id: str) -> None:
    props = t.props(logical_id)
    loc = t.location_of(logical_id)
    fn_node = props.get("FunctionName")
    config = InvokeConfig(
        address=logical_id,
        function=t.resolve(fn_node)
        if fn_node is not None
        else Unknown(f"{logical_id}.FunctionName", "no FunctionName"),
        location=loc,
        qualifier=t.resolve(props["Qualifier"]) if "Qualifier" in props else None,
        function_address=t.referenced(fn_node, "AWS::Lambda::Function"),
    )
    dc = props.get("DestinationConfig")
    for kind, key in (("on_success", "OnSuccess"), ("on_failure", "OnFailure")):
        target = dc.get(key) if isinstance(dc, dict) else None
        if not isinstance(target, dict) or "Destination" not in target:
            continue
        if t.resolve(target["Destination"]) is NO_VALUE:
            continue
        config.destinations.extend(branches(t, kind, target, loc, (logical_id, key)))
    limits(t, config, props, loc)
    unit.invoke_configs.append(config)


def event_source_mapping(t: CloudFormationTemplate, unit: Unit, logical_id: str) -> None:
    props = t.props(logical_id)
    loc = t.location_of(logical_id)
    raw_source = props.get("EventSourceArn")
    mapping = EventSourceMapping(
        address=t.origin.addresses.get(logical_id, logical_id) if t.origin else logical_id,
        function=t.resolve(props["FunctionName"])
        if "FunctionName" in props
        else Unknown(f"{logical_id}.FunctionName", "no FunctionName"),
        location=loc,
        source=t.resolve(raw_source)
        if raw_source is not None
        else Unknown(
            f"{logical_id}.EventSourceArn",
            "no EventSourceArn (a self-managed Kafka or Amazon MQ source)",
            no_source=True,
        ),
        source_location=key_location(t.path, props, "EventSourceArn", loc),
        source_ref=t.referenced(raw_source, None) or (t.source(raw_source) if raw_source else ""),
        source_text=t.source(raw_source) if raw_source is not None else "",
        function_address=t.referenced(props.get("FunctionName"), "AWS::Lambda::Function"),
    )
    dc = props.get("DestinationConfig")
    target = dc.get("OnFailure") if isinstance(dc, dict) else None
    if isinstance(target, dict) and "Destination" in target:
        mapping.on_failure = destination(t, "on_failure", target, loc, (logical_id, "OnFailure"))
    source_facts(t, mapping, raw_source)
    if mapping.source_service is None and t.origin is not None:
        mapping.source_service = t.origin.source_services.get(logical_id)  # the SAM event's Type
    mapping.access = source_access(t, props, loc)
    unit.event_source_mappings.append(mapping)


def source_access(t: CloudFormationTemplate, props: dict[str, Any], fallback: Location) -> list[SourceAccess]:
    """The mapping's (or SAM event's) SourceAccessConfigurations: secrets and subnets Lambda uses to reach it."""
    entries = props.get("SourceAccessConfigurations")
    if not isinstance(entries, list):
        return []  # absent, or an intrinsic: no secret or subnet the linter can name
    out: list[SourceAccess] = []
    for entry in entries:
        if isinstance(entry, dict) and "Type" in entry:
            raw_uri = entry.get("URI")
            out.append(
                SourceAccess(
                    t.resolve(entry["Type"]),
                    t.resolve(raw_uri) if raw_uri is not None else None,
                    t.source(raw_uri) if raw_uri is not None else "",
                    key_location(t.path, entry, "URI", location(t.path, entry, fallback)),
                )
            )
    return out


def source_facts(t: CloudFormationTemplate, mapping: EventSourceMapping, raw: Any) -> None:
    """Service, MSK cluster type and customer managed key of the source resource, when it is defined here."""
    ref = t.referenced(raw, None) if raw is not None else None
    rtype = t.type_of(ref) if ref else None
    if rtype not in SOURCE_TYPES:
        return
    mapping.source_service, mapping.source_variant = SOURCE_TYPES[rtype]
    if rtype == "AWS::AmazonMQ::Broker":  # reachable only inside its VPC, or publicly (a required property)
        public = t.resolve(t.props(str(ref)).get("PubliclyAccessible"))
        mapping.source_variant = "public" if truthy(public) else "private" if public in (False, "false") else None
    raw_key = _source_key(t, rtype, t.props(str(ref)))
    if raw_key is None:
        return
    key = t.resolve(raw_key)
    if not aws.is_aws_managed_key(key):
        mapping.source_kms_key, mapping.source_kms_source = key_arn(t, raw_key, key), t.source(raw_key)


def _source_key(t: CloudFormationTemplate, rtype: str, props: dict[str, Any]) -> Any:
    """The key node that encrypts an event source, as written; None when none is set or AWS owns the key."""
    if rtype == "AWS::SQS::Queue":
        return props.get("KmsMasterKeyId")
    if rtype == "AWS::Kinesis::Stream":
        enc = props.get("StreamEncryption")
        if isinstance(enc, dict) and plain(t.resolve(enc.get("EncryptionType"))) == "KMS":
            return enc.get("KeyId")
    if rtype == "AWS::DynamoDB::Table":
        sse = props.get("SSESpecification")
        if isinstance(sse, dict) and truthy(t.resolve(sse.get("SSEEnabled"))):
            return sse.get("KMSMasterKeyId")  # absent: the AWS managed key
    return None


def branches(
    t: CloudFormationTemplate,
    kind: str,
    target: dict[str, Any],
    fallback: Location,
    owner: tuple[str, str] | None = None,
) -> list[Destination]:
    """A destination written as ``Fn::If`` on a condition not known statically is checked per branch: each
    branch is a destination of its own, named with the condition (AWS::NoValue branches have none)."""
    raw = target.get("Destination")
    arg = raw.get("Fn::If") if isinstance(raw, dict) and len(raw) == 1 else None
    if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
        return [destination(t, kind, target, fallback, owner)]
    chosen = t.condition(arg[0])
    at_key = key_location(t.path, target, "Destination", fallback)
    if isinstance(chosen, bool):  # the branch the condition picks, written as the user wrote it
        branch = arg[1] if chosen else arg[2]
        if t.resolve(branch) is NO_VALUE:
            return []
        one = destination(t, kind, {"Destination": branch}, at_key, owner)
        one.location = key_location(t.path, target, "Destination", one.location)
        return [one]
    found = []
    for branch, truth in ((arg[1], "true"), (arg[2], "false")):
        if t.resolve(branch) is NO_VALUE:
            continue
        one = destination(t, kind, {"Destination": branch}, at_key, owner)
        one.location = location(t.path, branch, one.location)
        one.ref = f"{one.ref} (when condition {arg[0]} is {truth})"
        found.append(one)
    return found


def destination(
    t: CloudFormationTemplate,
    kind: str,
    target: dict[str, Any],
    fallback: Location,
    owner: tuple[str, str] | None = None,
) -> Destination:
    raw = target["Destination"]
    value = t.resolve(raw)
    declared = t.declared_services.get(owner) if owner else None
    if isinstance(value, Unknown) and declared:
        value = dataclasses.replace(value, service=declared)
    ref = t.referenced(raw, None)
    fifo, key, key_source = target_facts(t, ref, value)
    return Destination(
        kind=kind,  # type: ignore[arg-type]
        arn=value,
        ref=ref or (str(raw) if isinstance(raw, str) else t.source(raw)),
        location=key_location(t.path, target, "Destination", location(t.path, target, fallback)),
        resource_address=ref,
        source=t.source(raw),
        target_location=t.location_of(ref) if ref else None,
        fifo=fifo,
        kms_key=key,
        kms_source=key_source,
    )


def limits(t: CloudFormationTemplate, config: InvokeConfig, props: dict[str, Any], fallback: Location) -> None:
    """MaximumRetryAttempts and MaximumEventAgeInSeconds, where they are written."""
    if "MaximumRetryAttempts" in props:
        config.retry_attempts = t.resolve(props["MaximumRetryAttempts"])
        config.retry_location = key_location(t.path, props, "MaximumRetryAttempts", fallback)
    if "MaximumEventAgeInSeconds" in props:
        config.event_age = t.resolve(props["MaximumEventAgeInSeconds"])
        config.event_age_location = key_location(t.path, props, "MaximumEventAgeInSeconds", fallback)


def target_facts(t: CloudFormationTemplate, ref: str | None, value: Any) -> tuple[bool, Any, str]:
    """(FIFO?, customer managed key ARN or None, the key as written) for the resource a destination names."""
    fifo = str(value).endswith(".fifo") if isinstance(value, (str, Text)) else False
    rtype = t.type_of(ref) if ref else None
    props = t.props(ref) if ref else {}
    raw_key = None
    if rtype in ("AWS::SQS::Queue", "AWS::SNS::Topic"):
        fifo = fifo or truthy(t.resolve(props.get("FifoQueue" if rtype == "AWS::SQS::Queue" else "FifoTopic")))
        raw_key = props.get("KmsMasterKeyId")
    elif rtype == "AWS::S3::Bucket":
        raw_key = _bucket_key(props.get("BucketEncryption"))
    if raw_key is None:
        return fifo, None, ""
    key = t.resolve(raw_key)
    if aws.is_aws_managed_key(key):
        return fifo, None, ""
    return fifo, key_arn(t, raw_key, key), t.source(raw_key)


def _bucket_key(encryption: Any) -> Any:
    """KMSMasterKeyID of an SSE-KMS default encryption rule, if any."""
    rules = encryption.get("ServerSideEncryptionConfiguration") if isinstance(encryption, dict) else None
    for rule in rules if isinstance(rules, list) else []:
        default = rule.get("ServerSideEncryptionByDefault") if isinstance(rule, dict) else None
        if (
            isinstance(default, dict)
            and default.get("SSEAlgorithm") in ("aws:kms", "aws:kms:dsse")
            and "KMSMasterKeyID" in default
        ):
            return default["KMSMasterKeyID"]
    return None


def key_arn(t: CloudFormationTemplate, raw: Any, key: Any) -> Any:
    """The key ARN a KMS grant must name, following aliases defined in this template to their target key."""
    target = t.referenced(raw, "AWS::KMS::Alias")
    text = plain(key)
    if target is None and text is not None and text.startswith("alias/"):
        target = _alias_named(t, text)
        if target is None:
            return Unknown(f"key behind {text}", f"the key behind {text}, which is not defined in this template")
    if target is not None:
        target_key = t.props(target).get("TargetKeyId")
        return key_arn(t, target_key, t.resolve(target_key))
    return aws.kms_key_arn(key, t.env.region(), t.env.account())


def _alias_named(t: CloudFormationTemplate, alias: str) -> str | None:
    """The AWS::KMS::Alias resource of this template whose AliasName is ``alias``."""
    return next(
        (
            str(k)
            for k in t.resources
            if t.type_of(str(k)) == "AWS::KMS::Alias" and plain(t.resolve(t.props(str(k)).get("AliasName"))) == alias
        ),
        None,
    )


def sam_declared_services(t: CloudFormationTemplate) -> dict[tuple[str, str], str]:
    """The destination ``Type`` SAM was given, read back from the policies it names after it on a role it generates
    (``<Fn>EventInvokeConfigOnFailureSQSPolicy``, ``<Fn><Event>SQSPolicy``): a destination whose value is unknown
    is still known to be of that service, in SAM's source as in its output."""
    found: dict[tuple[str, str], str] = {}
    for key in t.resources:
        res = t.resources[key]
        props = res.get("Properties") if isinstance(res, dict) else None
        if not (isinstance(props, dict) and res.get("Type") == "AWS::IAM::Role" and sam_tagged(props.get("Tags"))):
            continue
        policies = props.get("Policies")
        for entry in policies if isinstance(policies, list) else []:
            name = entry.get("PolicyName") if isinstance(entry, dict) else None
            m = _SAM_POLICY_NAME.fullmatch(str(name)) if isinstance(name, str) else None
            if m is None:
                continue
            owner = m.group(1) + ("EventInvokeConfig" if m.group(2) else "")
            if t.type_of(owner) in ("AWS::Lambda::EventInvokeConfig", "AWS::Lambda::EventSourceMapping"):
                found[(owner, m.group(3) or "OnFailure")] = _SAM_TYPES[m.group(4)]
    return found
