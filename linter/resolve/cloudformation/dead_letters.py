"""A function's dead-letter queue or topic: ``DeadLetterConfig.TargetArn`` of an AWS::Lambda::Function, and SAM's
``DeadLetterQueue: {Type, TargetArn}`` (on the function or in ``Globals.Function``).

SAM passes ``TargetArn`` to the generated function's ``DeadLetterConfig`` and grants ``sqs:SendMessage`` (Type SQS)
or ``sns:Publish`` (Type SNS) on it to a role it generates (aws-sam-translator's DeadLetterQueuePolicy; SAM's
DeadLetterQueue page). The transform's output keeps ``DeadLetterConfig`` only, so :func:`from_sam_source` puts back
what the SAM source says: where ``TargetArn`` is written and the ``Type`` (the service of a target whose ARN is a
parameter).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from infra_policy_linter.model.entities import Destination, Unit
from infra_policy_linter.model.located import Location
from infra_policy_linter.model.values import Unknown
from infra_policy_linter.parsers.cloudformation import Template
from infra_policy_linter.resolve.cloudformation.destinations import destination
from infra_policy_linter.resolve.cloudformation.nodes import NO_VALUE, key_location, sam_tagged
from infra_policy_linter.resolve.cloudformation.source import source_text

if TYPE_CHECKING:
    from infra_policy_linter.resolve.cloudformation.template import CloudFormationTemplate

# SAM's DeadLetterQueue Type -> the service of the target (SAM accepts SQS and SNS only).
SAM_TYPES = {"SQS": "sqs", "SNS": "sns"}


def dead_letter(
    t: CloudFormationTemplate, props: dict[str, Any], fallback: Location, key: str = "DeadLetterConfig"
) -> Destination | None:
    """The target of ``props[key].TargetArn`` with what its resource says (FIFO, customer managed key); None
    without one (absent, AWS::NoValue, or the empty string, which removes it)."""
    config = props.get(key)
    if not isinstance(config, dict) or "TargetArn" not in config:
        return None
    raw = config["TargetArn"]
    value = t.resolve(raw)
    if value is NO_VALUE or value is None or value == "":
        return None
    found = destination(t, "dead_letter", {"Destination": raw}, fallback)
    found.location = key_location(t.path, config, "TargetArn", key_location(t.path, props, key, fallback))
    declared = SAM_TYPES.get(str(config.get("Type"))) if key == "DeadLetterQueue" else _sam_granted(t, props)
    return _typed(found, declared)


# The action of the DeadLetterQueuePolicy SAM writes on a role it generates, and the service it means.
_SAM_GRANTS = {"sqs:SendMessage": "sqs", "sns:Publish": "sns"}


def _sam_granted(t: CloudFormationTemplate, props: dict[str, Any]) -> str | None:
    """The Type a SAM DeadLetterQueue had, read back from SAM's output: the role SAM generated for the function
    holds ``DeadLetterQueuePolicy`` with sqs:SendMessage or sns:Publish (so SAM's output and its source agree on
    a target whose ARN is a parameter)."""
    role = t.referenced(props.get("Role"), "AWS::IAM::Role")
    role_props = t.props(role) if role else {}
    if not sam_tagged(role_props.get("Tags")):
        return None
    policies = role_props.get("Policies")
    for entry in policies if isinstance(policies, list) else []:
        if isinstance(entry, dict) and entry.get("PolicyName") == "DeadLetterQueuePolicy":
            document = entry.get("PolicyDocument")
            statements = document.get("Statement") if isinstance(document, dict) else None
            for st in statements if isinstance(statements, list) else []:
                action = st.get("Action") if isinstance(st, dict) else None
                if isinstance(action, str) and action in _SAM_GRANTS:
                    return _SAM_GRANTS[action]
    return None


def _typed(found: Destination, declared: str | None) -> Destination:
    """A target whose ARN is not known is still of the service SAM's Type names."""
    if declared and isinstance(found.arn, Unknown) and not found.arn.service:
        found.arn = dataclasses.replace(found.arn, service=declared)
    return found


def from_sam_source(unit: Unit, source: Template) -> None:
    """Dead-letter targets of the transform's output, pointed back at the SAM source's ``DeadLetterQueue`` (merged
    with ``Globals.Function``), with its Type and the value as written there (for fixes)."""
    from infra_policy_linter.resolve.cloudformation.sam import merged_properties

    body = source.body if isinstance(source.body, dict) else {}
    resources = body.get("Resources")
    found = body.get("Globals")
    globals_: dict[str, Any] = found if isinstance(found, dict) else {}
    for fn in unit.functions:
        res = resources.get(fn.address) if fn.dead_letter is not None and isinstance(resources, dict) else None
        if not (isinstance(res, dict) and res.get("Type") == "AWS::Serverless::Function"):
            continue
        merged = merged_properties(globals_.get("Function"), res.get("Properties")).get("DeadLetterQueue")
        written = _written(res.get("Properties"), globals_.get("Function"))
        if not isinstance(merged, dict) or written is None or fn.dead_letter is None:
            continue
        target = fn.dead_letter
        target.location = key_location(source.path, written, "TargetArn", target.location)
        target.source = source_text(source.language, written["TargetArn"])
        _typed(target, SAM_TYPES.get(str(merged.get("Type"))))


def _written(*where: Any) -> dict[str, Any] | None:
    """The DeadLetterQueue mapping that writes TargetArn: the function's own, else the one in Globals (merging
    the two keeps the Globals' keys, and with them the Globals' positions)."""
    for props in where:
        dlq = props.get("DeadLetterQueue") if isinstance(props, dict) else None
        if isinstance(dlq, dict) and "TargetArn" in dlq:
            return dlq
    return None
