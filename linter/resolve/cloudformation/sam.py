"""AWS::Serverless::Function (SAM) -> model, following what the SAM transform generates.

SAM templates go through the real transform (sam_transform.py). This hand-written model remains for what
the transform cannot take offline (a construct the translator fails on for reasons that are not the template's,
such as AWS::LanguageExtensions' Fn::ForEach) and for the cfn-lint plugin, which hands over an untransformed
template; the policy-template helpers here also serve the transform's output.

Facts (aws-sam-translator's model/sam_resources.py and model/iam.py, and the SAM developer guide):
* Without ``Role``, SAM generates ``<Function>Role`` with AWSLambdaBasicExecutionRole, the ``Policies`` entries
  (managed policy names or ARNs, inline documents, policy templates), the DeadLetterQueue permission and, for
  every EventInvokeConfig destination with a ``Type``, the destination's permission (S3: PutObject on
  ``bucket/*`` and ListBucket on the bucket). ``Policies`` is ignored when ``Role`` is given.
* A destination without ``Destination`` (Type SQS or SNS) is a queue/topic SAM creates and grants itself.
* ``Globals.Function`` supplies defaults for every function's properties.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from infra_policy_linter.iam.managed import aws_managed_arn
from infra_policy_linter.model import aws
from infra_policy_linter.model.entities import EventSourceMapping, Function, InvokeConfig, Policy, Role, Unit
from infra_policy_linter.model.located import Location
from infra_policy_linter.model.values import Unknown, generated_name, make_text, plain
from infra_policy_linter.resolve.cloudformation.dead_letters import dead_letter
from infra_policy_linter.resolve.cloudformation.destinations import destination, limits, source_facts
from infra_policy_linter.resolve.cloudformation.nodes import NO_VALUE, key_location, location
from infra_policy_linter.resolve.policy_document import policy_from_value

if TYPE_CHECKING:
    from infra_policy_linter.resolve.cloudformation.template import CloudFormationTemplate

SAM_TYPES = {"SQS": "sqs", "SNS": "sns", "Lambda": "lambda", "EventBridge": "events", "S3Bucket": "s3", "S3": "s3"}
BASIC_EXECUTION = aws.aws_managed_policy_arn("service-role/AWSLambdaBasicExecutionRole")


@lru_cache(maxsize=1)
def policy_templates() -> dict[str, Any]:
    """SAM's policy templates, from the aws-sam-translator package's own data file."""
    from importlib import resources

    text = resources.files("samtranslator").joinpath("policy_templates_data/policy_templates.json").read_text()
    templates: dict[str, Any] = json.loads(text)["Templates"]
    return templates


@lru_cache(maxsize=1)
def template_actions() -> frozenset[str]:
    """Every action a SAM policy template writes (lower case)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "Action":
                    for a in value if isinstance(value, list) else [value]:
                        if isinstance(a, str):
                            found.add(a.lower())
                else:
                    walk(value)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk([t["Definition"] for t in policy_templates().values()])
    return frozenset(found)


def from_policy_template(policy: Policy) -> bool:
    """A policy of a role SAM generated whose every action is one a SAM policy template writes: how a template's
    expansion looks in SAM's output, where the template's name is gone."""
    actions = [a for s in policy.statements for a in (s.actions or []) + (s.not_actions or [])]
    return bool(actions) and all(isinstance(a, str) and a.lower() in template_actions() for a in actions)


def merged_properties(globals_: Any, props: Any) -> dict[str, Any]:
    """Globals.Function under the function's own properties (maps merge, the function's values win)."""
    if not isinstance(globals_, dict):
        return props if isinstance(props, dict) else {}
    if not isinstance(props, dict):
        return dict(globals_)
    out = dict(globals_)
    for key, value in props.items():
        if isinstance(out.get(key), dict) and isinstance(value, dict) and not _is_intrinsic(value):
            out[key] = merged_properties(out[key], value)
        else:
            out[key] = value
    return out


def _is_intrinsic(node: Any) -> bool:
    return (
        isinstance(node, dict)
        and len(node) == 1
        and (next(iter(node)) == "Ref" or str(next(iter(node))).startswith("Fn::"))
    )


def _substitute(node: Any, params: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if len(node) == 1 and "Ref" in node and node["Ref"] in params:
            return params[node["Ref"]]
        return {k: _substitute(v, params) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(v, params) for v in node]
    return node


def build_serverless_function(t: CloudFormationTemplate, unit: Unit, logical_id: str) -> None:
    raw_props = t.props(logical_id)
    props = merged_properties(t.sam_globals, raw_props)
    loc = t.location_of(logical_id)
    name = t.resolve(props["FunctionName"]) if "FunctionName" in props else generated_name(logical_id, "CloudFormation")
    fn_arn = aws.function_arn(t.env.region(), t.env.account(), name)
    role: Role | None = None
    if "Role" in props:
        role_value = t.resolve(props["Role"])
    else:
        role_name = generated_name(f"{logical_id}Role", "SAM")
        role_value = aws.role_arn(t.env.account(), "/", role_name)
        role = Role(address=f"{logical_id}Role", name=role_name, arn=role_value, location=loc, generated_for=logical_id)
        role.managed_policy_arns.append((BASIC_EXECUTION, loc))
        _sam_policies(t, role, props.get("Policies"), key_location(t.path, raw_props, "Policies", loc), logical_id)
        if "PermissionsBoundary" in props:
            role.boundary = t.resolve(props["PermissionsBoundary"])
        dlq = props.get("DeadLetterQueue")
        if isinstance(dlq, dict) and dlq.get("Type") in ("SQS", "SNS") and "TargetArn" in dlq:
            action = "sqs:SendMessage" if dlq["Type"] == "SQS" else "sns:Publish"
            role.inline_policies.append(
                policy_from_value(
                    f"the DeadLetterQueue policy SAM generates for {logical_id}",
                    {"Statement": [{"Effect": "Allow", "Action": action, "Resource": t.resolve(dlq["TargetArn"])}]},
                    loc,
                    role.address,
                )
            )
        unit.roles.append(role)
    unit.functions.append(
        Function(
            address=logical_id,
            name=name,
            arn=fn_arn,
            role=role_value,
            location=loc,
            role_location=key_location(t.path, raw_props, "Role", loc),
            dead_letter=dead_letter(t, props, loc, "DeadLetterQueue"),
        )
    )

    _sam_events(t, unit, logical_id, raw_props, name, role, loc)
    _sam_invoke_config(t, unit, logical_id, props.get("EventInvokeConfig"), name, role, loc)


def _sam_invoke_config(
    t: CloudFormationTemplate, unit: Unit, logical_id: str, eic: Any, name: Any, role: Role | None, loc: Location
) -> None:
    """EventInvokeConfig: its destinations, and the policy SAM adds to a role it generates for each typed one."""
    dc = eic.get("DestinationConfig") if isinstance(eic, dict) else None
    if not isinstance(dc, dict):
        return
    config = InvokeConfig(address=logical_id, function=name, location=loc, function_address=logical_id, qualifier=None)
    for kind, key in (("on_success", "OnSuccess"), ("on_failure", "OnFailure")):
        target = dc.get(key)
        if not isinstance(target, dict):
            continue
        sam_type = plain(t.resolve(target.get("Type"))) if "Type" in target else None
        value = t.resolve(target["Destination"]) if "Destination" in target else NO_VALUE
        if value is NO_VALUE:
            continue  # SAM creates the queue or topic and grants it (or rejects the template)
        dest_loc = key_location(t.path, target, "Destination", location(t.path, target, loc))
        if role is not None and sam_type in SAM_TYPES:
            role.inline_policies.append(
                _auto_policy(logical_id, key, SAM_TYPES[sam_type], value, dest_loc, role.address)
            )
        config.destinations.append(destination(t, kind, target, loc))
    limits(t, config, eic, loc)
    if config.destinations:
        unit.invoke_configs.append(config)


def _auto_policy(fn: str, key: str, service: str, destination: Any, loc: Location, role: str) -> Policy:
    """The policy SAM adds for a destination with a Type (model/iam.py in aws-sam-translator)."""
    if service == "s3":
        statements = [
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": make_text([destination, "/*"])},
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": destination},
        ]
    else:
        action = {
            "sqs": "sqs:SendMessage",
            "sns": "sns:publish",
            "lambda": "lambda:InvokeFunction",
            "events": "events:PutEvents",
        }[service]
        statements = [{"Effect": "Allow", "Action": action, "Resource": destination}]
    return policy_from_value(
        f"the {key} destination policy SAM generates for {fn}", {"Statement": statements}, loc, role
    )


def _sam_policies(t: CloudFormationTemplate, role: Role, node: Any, loc: Location, fn: str) -> None:
    if node is None:
        return
    items = node if isinstance(node, list) else [node]
    for n, item in enumerate(items):
        item_loc = location(t.path, item, loc)
        if isinstance(item, str) or _is_intrinsic(item):
            value = t.resolve(item)
            text = plain(value)
            if text is not None and not text.startswith("arn:"):
                value = aws_managed_arn(text)  # a managed policy given by name
            role.managed_policy_arns.append((value, item_loc))
        elif isinstance(item, dict) and "Statement" in item:
            role.inline_policies.append(t.policy(f"policy {n + 1} in Policies of {fn}", item, item_loc, role.address))
        elif isinstance(item, dict) and len(item) == 1:
            template_name = str(next(iter(item)))
            template = policy_templates().get(template_name)
            if template is None:
                role.inline_policies.append(
                    Policy(
                        f"{template_name} in Policies of {fn}",
                        [],
                        item_loc,
                        unresolved=f"{template_name} is not a SAM policy template",
                        address=role.address,
                    )
                )
                continue
            params = item[template_name] if isinstance(item[template_name], dict) else {}
            document = _substitute(template["Definition"], {str(k): v for k, v in params.items()})
            policy = policy_from_value(
                f"SAM policy template {template_name} in Policies of {fn}", t.resolve(document), item_loc, role.address
            )
            policy.generated_by = "policy-template"
            role.inline_policies.append(policy)
        else:
            role.inline_policies.append(
                Policy(
                    f"policy {n + 1} in Policies of {fn}",
                    [],
                    item_loc,
                    unresolved="an entry SAM does not accept",
                    address=role.address,
                )
            )


# SAM event types that are event source mappings, the property naming the source, and the AWS managed policy
# SAM attaches to a role it generates for them.
SAM_EVENT_SOURCES = {
    "SQS": ("Queue", "service-role/AWSLambdaSQSQueueExecutionRole"),
    "Kinesis": ("Stream", "service-role/AWSLambdaKinesisExecutionRole"),
    "DynamoDB": ("Stream", "service-role/AWSLambdaDynamoDBExecutionRole"),
    "MSK": ("Stream", "service-role/AWSLambdaMSKExecutionRole"),
}
# Event sources whose permissions the linter does not check: modelled all the same, so that their mappings are
# reported as unverifiable (DST004) instead of passing in silence. A self-managed Kafka source has no ARN.
SAM_UNCHECKED_SOURCES = {"MQ": "Broker", "DocumentDB": "Cluster", "SelfManagedKafka": None}


_EVENT_SERVICES = {
    "SQS": "sqs",
    "Kinesis": "kinesis",
    "DynamoDB": "dynamodb",
    "MSK": "kafka",
    "MQ": "mq",
    "DocumentDB": "rds",
}


def _sam_events(
    t: CloudFormationTemplate,
    unit: Unit,
    logical_id: str,
    props: dict[str, Any],
    name: Any,
    role: Role | None,
    loc: Location,
) -> None:
    events = props.get("Events")
    if not isinstance(events, dict):
        return
    for event_name in sorted(str(k) for k in events):
        event = events[event_name]
        kind = event.get("Type") if isinstance(event, dict) else None
        if kind not in SAM_EVENT_SOURCES and kind not in SAM_UNCHECKED_SOURCES:
            continue
        source_key, managed = SAM_EVENT_SOURCES.get(kind) or (SAM_UNCHECKED_SOURCES[kind], None)
        event_props = event.get("Properties") if isinstance(event.get("Properties"), dict) else {}
        event_loc = location(t.path, event, loc)
        if role is not None and managed:
            role.managed_policy_arns.append((aws.aws_managed_policy_arn(managed), event_loc))
        raw_source = event_props.get(source_key) if source_key else None
        mapping = EventSourceMapping(
            address=f"{logical_id}.Events.{event_name}",
            function=name,
            location=event_loc,
            source=t.resolve(raw_source)
            if raw_source is not None
            else None
            if source_key
            else Unknown(
                f"{logical_id}.Events.{event_name}.EventSourceArn",
                "no EventSourceArn (a self-managed Kafka source)",
                no_source=True,
            ),
            source_location=key_location(t.path, event_props, source_key, event_loc) if source_key else event_loc,
            source_ref=t.referenced(raw_source, None) or (t.source(raw_source) if raw_source is not None else ""),
            source_text=t.source(raw_source) if raw_source is not None else "",
            function_address=logical_id,
        )
        dc = event_props.get("DestinationConfig")
        target = dc.get("OnFailure") if isinstance(dc, dict) else None
        if isinstance(target, dict) and t.resolve(target.get("Destination", NO_VALUE)) is not NO_VALUE:
            mapping.on_failure = destination(t, "on_failure", target, event_loc)
            sam_type = plain(t.resolve(target.get("Type"))) if "Type" in target else None
            if role is not None and sam_type in ("SQS", "SNS", "S3"):  # pull.py: SAM adds these three
                role.inline_policies.append(
                    _auto_policy(
                        logical_id,
                        f"Events.{event_name} OnFailure",
                        SAM_TYPES[sam_type],
                        mapping.on_failure.arn,
                        mapping.on_failure.location,
                        role.address,
                    )
                )
        source_facts(t, mapping, raw_source)
        mapping.source_service = mapping.source_service or _EVENT_SERVICES.get(kind)  # the event type names it
        unit.event_source_mappings.append(mapping)
