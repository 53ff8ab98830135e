"""The format-neutral model: what rules see. Parsers and builders produce it; nothing here knows HCL or YAML.

Every value that comes from infrastructure code is a resolved value (:data:`infra_policy_linter.model.values.Value`): a
str, a :class:`~infra_policy_linter.model.values.Text` with unknown pieces, an
:class:`~infra_policy_linter.model.values.Unknown`, or a list/dict of those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# Location, ParseError and Suppression live on their own: reports and the result cache need them without the model.
from .located import Location, Suppression
from .values import Value
from .values import origin_of as _origin_of

Format = Literal["terraform", "cloudformation"]
Language = Literal["hcl", "yaml", "json"]


@dataclass
class Statement:
    effect: Value  # "Allow", "Deny" or an Unknown
    actions: list[Value] | None = None
    not_actions: list[Value] | None = None
    resources: list[Value] | None = None
    not_resources: list[Value] | None = None
    condition: Value = None  # resolved Condition block, or None when absent
    sid: Value = None
    location: Location | None = None
    problem: str | None = None  # why part of the statement could not be read (it is then treated as unknown)
    # Resource-based policies only: whom the statement is about, by principal type ("AWS", "Service", "Federated",
    # "CanonicalUser", and "*" for ``Principal: "*"`` or a principal whose type cannot be read). None where the
    # statement has no Principal element, as in every identity policy (the principal is the identity itself).
    principals: dict[str, list[Value]] | None = None
    not_principals: dict[str, list[Value]] | None = None


@dataclass
class Policy:
    """A policy document as it reaches a role: an inline policy, a customer or an AWS managed policy."""

    name: str  # how a message names it: "aws_iam_policy.queue_send", "inline policy 'x' of Role", "AWS managed ..."
    statements: list[Statement]
    location: Location | None = None
    unresolved: str | None = None  # the document itself could not be resolved: why
    address: str | None = None
    # Set when a tool wrote the statements from something else (a SAM policy template, a connector, SAM's own
    # destination grant): the user cannot edit them, so IAM001 says nothing about their actions.
    generated_by: str | None = None


@dataclass
class ManagedPolicy:
    """A customer managed policy defined in the unit, attachable by ARN."""

    address: str
    arn: Value
    policy: Policy
    location: Location | None = None


@dataclass
class Role:
    address: str
    name: Value
    arn: Value
    location: Location
    inline_policies: list[Policy] = field(default_factory=list)
    managed_policy_arns: list[tuple[Value, Location]] = field(default_factory=list)
    boundary: Value = None
    name_source: str = ""  # how to write this role's name in the file's own language, for fixes
    generated_for: str | None = None  # a SAM function whose generated role this is (fixes go to its Policies)
    # A role of a called Terraform module that one of its outputs names: (the calling file, the role's name as the
    # caller writes it, ``module.x.role_name``), so that a grant can go in the caller when only it sees the target.
    caller_name_source: tuple[str, str] | None = None


@dataclass
class InlineAttachment:
    """An inline policy defined outside the role (aws_iam_role_policy, AWS::IAM::Policy, AWS::IAM::RolePolicy)."""

    role: Value  # the role's name (or, when only that is known, its ARN)
    policy: Policy
    location: Location | None = None


@dataclass
class ManagedAttachment:
    """A managed policy attached to a role from outside it (aws_iam_role_policy_attachment, ManagedPolicy.Roles)."""

    role: Value
    policy_arn: Value
    location: Location | None = None
    address: str = ""
    policy: Policy | None = None  # set when the attachment itself carries the document (AWS::IAM::ManagedPolicy)


@dataclass
class ResourcePolicy:
    """A resource-based policy: a queue, topic, bus, bucket or key policy, or the statements Lambda permissions add
    to a function. Within one account it grants the principals it names on its own, without an identity policy."""

    address: str  # the resource that writes it (aws_sqs_queue_policy.x, AWS::Lambda::Permission logical id)
    resources: list[Value]  # ARNs of the resources it is attached to, as resolved
    policy: Policy
    location: Location | None = None


@dataclass
class Function:
    address: str
    name: Value
    arn: Value
    role: Value  # the execution role's ARN as written
    location: Location
    role_location: Location | None = None
    # The dead-letter queue or topic of failed asynchronous events (DeadLetterConfig.TargetArn, dead_letter_config,
    # SAM's DeadLetterQueue): a destination of kind "dead_letter", where Lambda sends as the execution role.
    dead_letter: Destination | None = None


@dataclass
class Destination:
    kind: Literal["on_success", "on_failure", "dead_letter"]
    arn: Value
    ref: str  # how the destination is written: a resource address / logical id, or the literal value
    location: Location  # the destination attribute / Destination key
    resource_address: str | None = None  # the resource in this unit the destination points at, when known
    source: str = ""  # the destination value written in the file's own language, for fixes
    target_location: Location | None = None  # where the destination resource is defined, when in this unit
    fifo: bool = False  # a FIFO queue or topic (Lambda cannot deliver to those)
    kms_key: Value = None  # ARN of the customer managed key encrypting the destination; None without one
    kms_source: str = ""  # the key written in the file's own language, for fixes
    # The destination as each Terraform module it passes through writes it (module directory -> expression): a
    # grant in the role's module names it the way that module can (``var.failure_destination``).
    written_in: dict[str, str] = field(default_factory=dict)
    # The destination resource's ARN attribute by address, in the module that declares it (directory -> text).
    address_in: dict[str, str] = field(default_factory=dict)


@dataclass
class InvokeConfig:
    address: str
    function: Value  # function name or ARN as written (may carry a qualifier)
    location: Location
    destinations: list[Destination] = field(default_factory=list)
    qualifier: Value = None
    function_address: str | None = None  # set when the builder saw a direct reference to a function
    retry_attempts: Value = None  # maximum_retry_attempts / MaximumRetryAttempts as written, with its location
    retry_location: Location | None = None
    event_age: Value = None  # maximum_event_age_in_seconds / MaximumEventAgeInSeconds
    event_age_location: Location | None = None


@dataclass
class EventSourceMapping:
    """A poller Lambda runs as the function's execution role: it reads the source and may send failures on."""

    address: str
    function: Value
    location: Location
    source: Value  # the event source ARN
    source_location: Location
    source_ref: str  # how the source is written (a resource address / logical id, or the literal value)
    function_address: str | None = None
    on_failure: Destination | None = None
    # What the source's resource says, when the mapping points at one defined in the unit (or a SAM event type
    # names the service): the service even when the ARN is unknown, the MSK cluster type, the customer managed key.
    source_service: str | None = None
    source_variant: str | None = None  # MSK: "provisioned" (aws_msk_cluster) or "serverless"
    source_kms_key: Value = None  # ARN of the customer managed key encrypting the source; None without one
    source_kms_source: str = ""  # the key written in the file's own language, for fixes
    source_text: str = ""  # the source ARN as the mapping writes it, in the file's own language, for fixes
    source_address_in: dict[str, str] = field(default_factory=dict)  # its resource's ARN by address (directory ->)
    # How Lambda reaches the source (SourceAccessConfigurations / source_access_configuration blocks): the secrets
    # it authenticates with and the subnets it attaches to.
    access: list[SourceAccess] = field(default_factory=list)


@dataclass
class SourceAccess:
    """One entry of a mapping's source access configuration: its type and URI (a secret ARN, a subnet, ...)."""

    type: Value  # BASIC_AUTH, SASL_SCRAM_512_AUTH, CLIENT_CERTIFICATE_TLS_AUTH, VPC_SUBNET, VIRTUAL_HOST, ...
    uri: Value
    text: str = ""  # the URI as the file writes it, for fixes
    location: Location | None = None


@dataclass(frozen=True)
class InputWarning:
    """Input the tool it is for accepts, but that is likely a mistake (a template key given twice)."""

    location: Location
    message: str
    subject: str  # what it is about, stable across line moves (for the finding's fingerprint)


@dataclass
class ModuleCall:
    """A Terraform module call the linter could not follow: nothing inside it was checked."""

    address: str  # module.x (module.a.module.b for nested calls)
    source: str  # the source as written
    reason: str
    location: Location


@dataclass
class Unit:
    """One Terraform root module or one CloudFormation template, with everything needed to judge it."""

    format: Format
    name: str
    files: list[str] = field(default_factory=list)
    languages: dict[str, Language] = field(default_factory=dict)  # path -> language of that file
    functions: list[Function] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    managed_policies: list[ManagedPolicy] = field(default_factory=list)
    inline_attachments: list[InlineAttachment] = field(default_factory=list)
    managed_attachments: list[ManagedAttachment] = field(default_factory=list)
    invoke_configs: list[InvokeConfig] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)  # files of the unit that could not be parsed
    suppressions: list[Suppression] = field(default_factory=list)
    event_source_mappings: list[EventSourceMapping] = field(default_factory=list)
    unfollowed: list[ModuleCall] = field(default_factory=list)
    input_warnings: list[InputWarning] = field(default_factory=list)
    resource_policies: list[ResourcePolicy] = field(default_factory=list)


def written_location(value: object, used_at: Location | None = None) -> Location | None:
    """Where a string value is written as a literal, when the resolver placed it (values.Written): a value that
    reaches a policy or a destination through a module's inputs, locals or iterations is reported where the user
    edits it. None for anything else, and when it is on the line ``used_at`` already names: the finding stays
    where the model element is."""
    origin = _origin_of(value)
    if origin is None or (used_at is not None and (used_at.path, used_at.line) == (origin.path, origin.line)):
        return None
    return Location(origin.path, origin.line, origin.column, origin.line, origin.end_column)
