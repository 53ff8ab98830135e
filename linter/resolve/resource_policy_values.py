"""What both resolvers need to place a resource-based policy: the ARN behind a queue URL, a bus or a bucket name,
a Lambda function name, and the statement a Lambda permission adds to its function's policy.

Sources: shared docs/aws-semantics.md sections 1.2 (ARN shapes) and 5 (a queue's Ref is its URL);
Lambda's AddPermission (https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html): a permission is one
statement of the function's (or the qualified version's / alias's) resource-based policy, allowing ``Action`` to
``Principal`` (an account, an ARN, a service principal such as ``sns.amazonaws.com``, or ``*``), with
``SourceArn``, ``SourceAccount``, ``PrincipalOrgID``, ``EventSourceToken`` and ``FunctionUrlAuthType`` as conditions.
"""

from __future__ import annotations

from typing import Any

from infra_policy_linter.model import aws
from infra_policy_linter.model.entities import Policy, Statement
from infra_policy_linter.model.located import Location
from infra_policy_linter.model.values import Text, Unknown, Value, make_text, plain

# Lambda permission arguments that become conditions of the statement (Terraform name, CloudFormation name,
# condition operator, condition key).
PERMISSION_CONDITIONS: tuple[tuple[str, str, str, str], ...] = (
    ("source_arn", "SourceArn", "ArnLike", "AWS:SourceArn"),
    ("source_account", "SourceAccount", "StringEquals", "AWS:SourceAccount"),
    ("principal_org_id", "PrincipalOrgID", "StringEquals", "aws:PrincipalOrgID"),
    ("event_source_token", "EventSourceToken", "StringEquals", "lambda:EventSourceToken"),
    ("function_url_auth_type", "FunctionUrlAuthType", "StringEquals", "lambda:FunctionUrlAuthType"),
)


def split_literal(value: Any, sep: str) -> list[Any] | None:
    """Split a (partly known) string on ``sep`` where it appears in literal text; None when it is not a string."""
    parts = [value] if isinstance(value, str) else list(value.parts) if isinstance(value, Text) else None
    if parts is None:
        return None
    fields: list[list[Any]] = [[]]
    for part in parts:
        if isinstance(part, Unknown):
            fields[-1].append(part)
            continue
        pieces = part.split(sep)
        fields[-1].append(pieces[0])
        fields += [[p] for p in pieces[1:]]
    return [make_text(f) for f in fields]


def queue_arn_from_url(url: Any) -> Any:
    """``https://sqs.<region>.amazonaws.com/<account>/<name>`` (or the legacy ``<region>.queue.amazonaws.com``
    host) -> ``arn:aws:sqs:<region>:<account>:<name>``; an Unknown when the URL cannot be read."""
    fields = split_literal(url, "/")
    if fields is None or len(fields) != 5 or fields[0] != "https:" or fields[1] != "":
        reason = url.reason if isinstance(url, Unknown) and url.reason else f"the queue URL {url}"
        return Unknown("queue ARN", f"the ARN of the queue at {reason}")
    region = _strip(_strip(fields[2], "sqs.", ".amazonaws.com"), "", ".queue")
    return aws.arn("sqs", region, fields[3], fields[4])


def _strip(value: Any, prefix: str, suffix: str) -> Any:
    parts = list(value.parts) if isinstance(value, Text) else [value]
    if isinstance(parts[0], str) and parts[0].startswith(prefix):
        parts[0] = parts[0][len(prefix) :]
    if isinstance(parts[-1], str) and suffix and parts[-1].endswith(suffix):
        parts[-1] = parts[-1][: -len(suffix)]
    return make_text(parts)


def bucket_arn(name: Any) -> Any:
    """A bucket policy's bucket, written as a name or (rarely) an ARN."""
    return name if aws.arn_fields(name) is not None else aws.bucket_arn(name)


def bus_arn(name: Any, region: Any, account: Any) -> Any:
    """A bus policy's bus, written as a name or an ARN."""
    return name if aws.arn_fields(name) is not None else aws.event_bus_arn(region, account, name)


def function_arn(name: Any, qualifier: Any, region: Any, account: Any) -> Any:
    """The ARN a Lambda permission's statement names: the function's, with the qualifier when one is given."""
    base = name if aws.arn_fields(name) is not None else None
    text = plain(name)
    if base is None and text is not None and ":function:" in text:
        base = make_text(["arn:", aws.PARTITION, ":lambda:", region, ":", text])  # 123456789012:function:name
    elif base is None and text is not None and ":" in text and qualifier is None:
        text, qualifier = text.split(":", 1)  # name:alias
        base = aws.function_arn(region, account, text)
    if base is None:
        base = aws.function_arn(region, account, aws.function_name_of(name))
    if qualifier is None or plain(qualifier) == "":
        return base
    return make_text([base, ":", qualifier])


def permission_principals(principal: Any) -> dict[str, list[Value]]:
    """A permission's single Principal string, typed as the statement Lambda writes would type it."""
    text = plain(principal)
    if text == "*":
        return {"*": ["*"]}
    if text is not None and (".amazonaws.com" in text or text.endswith(".amazon.com")):
        return {"Service": [principal]}
    if text is None and not isinstance(principal, (str, Text)):
        return {"*": [principal]}
    return {"AWS": [principal]}


def _condition(conditions: dict[str, dict[str, Value]]) -> Any:
    block: dict[str, Value] = {operator: dict(keys) for operator, keys in conditions.items()}
    return block or None


def permission_policy(
    name: str,
    action: Any,
    resource: Value,
    principal: Any,
    conditions: dict[str, dict[str, Value]],
    location: Location,
    sid: Any = None,
) -> Policy:
    """The one statement a Lambda permission adds to its function's resource-based policy."""
    stmt = Statement(
        effect="Allow",
        actions=[action],
        resources=[resource],
        condition=_condition(conditions),
        sid=sid,
        location=location,
        principals=permission_principals(principal),
    )
    return Policy(name, [stmt], location, address=name)
