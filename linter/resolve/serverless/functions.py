"""Functions and their invoke configs, as the Serverless Framework compiles them.

Source: serverless/serverless v3.39.0 ``lib/plugins/aws/package/compile/functions.js``: the function
``<Function>LambdaFunction`` named ``<service>-<stage>-<key>`` unless ``name`` is set; ``onError`` (an SNS topic
ARN) as its DeadLetterConfig with ``sns:Publish`` added to ``IamRoleLambdaExecution`` when that role exists;
``destinations`` / ``maximumEventAge`` / ``maximumRetryAttempts`` as ``<Function>LambdaEvConf`` (qualifier
``$LATEST``). A destination is an ARN, the key of a function of the same service (its ``Fn::GetAtt``), or
``{type, arn}``; ``ensureTargetExecutionPermission`` grants the shared role ``lambda:InvokeFunction``,
``sqs:SendMessage``, ``sns:Publish`` or ``events:PutEvents`` on it (a function of the service by its
``arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:<name>``) unless the function's role is
one the user manages (``getCustomExecutionRole``).
"""

from __future__ import annotations

from typing import Any

from infra_policy_linter.resolve.serverless.nodes import key_of, marked
from infra_policy_linter.resolve.serverless.roles import (
    SHARED_ROLE,
    add_statement,
    custom_execution_role,
    normalized,
    role_arn,
)

_TYPE_ACTIONS = {
    "function": "lambda:InvokeFunction",
    "sqs": "sqs:SendMessage",
    "sns": "sns:Publish",
    "eventBus": "events:PutEvents",
}


def function_name(prefix: Any, key: str, function: dict[str, Any]) -> Any:
    name = function.get("name")
    if name is not None:
        return name
    return f"{prefix}-{key}" if isinstance(prefix, str) else {"Fn::Join": ["", [prefix, f"-{key}"]]}


def function_resource(key: str, function: dict[str, Any], role: Any, name: Any) -> dict[str, Any]:
    props: dict[str, Any] = {"FunctionName": name}
    role_key = key_of(function, "role")
    props[marked("Role", role_key) if role_key is not None else "Role"] = role
    if isinstance(function.get("onError"), (str, dict)):
        props.update(_dead_letter(function))
    return {"Type": "AWS::Lambda::Function", "Properties": marked(props, function)}


def _dead_letter(function: dict[str, Any]) -> dict[str, Any]:
    """``DeadLetterConfig.TargetArn`` positioned at ``onError`` (the value where it carries a position, else the
    key: a value a variable gave has none), so that a DLQ finding points at the line that set it."""
    where = key_of(function, "onError")
    target = function["onError"]
    value = target if getattr(target, "start_mark", None) is not None else marked(target, where)
    return {marked("DeadLetterConfig", where): marked({marked("TargetArn", where): value}, where)}


def function_role(key: str, function: dict[str, Any], provider: dict[str, Any], per_function: bool) -> Any:
    if per_function:
        return {"Fn::GetAtt": [f"{normalized(key)}{SHARED_ROLE}", "Arn"]}
    custom = custom_execution_role(provider, function)
    if custom is not None:
        return role_arn(custom)
    return {"Fn::GetAtt": [SHARED_ROLE, "Arn"]}


def on_error_grant(function: dict[str, Any], resources: dict[str, Any]) -> None:
    if isinstance(function.get("onError"), str):
        statement = {"Effect": "Allow", "Action": ["sns:Publish"], "Resource": [function["onError"]]}
        add_statement(resources, SHARED_ROLE, statement, key_of(function, "onError"))


def invoke_config(
    key: str,
    function: dict[str, Any],
    functions: dict[str, Any],
    names: dict[str, Any],
    provider: dict[str, Any],
    resources: dict[str, Any],
) -> None:
    destinations = function.get("destinations")
    age, retries = function.get("maximumEventAge"), function.get("maximumRetryAttempts")
    if not destinations and not age and retries is None:
        return
    managed = custom_execution_role(provider, function) is None
    config: dict[str, Any] = {}
    for kind, name in (("onSuccess", "OnSuccess"), ("onFailure", "OnFailure")):
        target = destinations.get(kind) if isinstance(destinations, dict) else None
        if target is None:
            continue
        arn = _destination_arn(target, functions)
        config[name] = marked({marked("Destination", key_of(destinations, kind)): marked(arn, target)}, target)
        grant = _grant(target, functions, names) if managed else None
        if grant is not None:
            add_statement(resources, SHARED_ROLE, grant, target)
    props: dict[str, Any] = {"FunctionName": {"Ref": f"{normalized(key)}LambdaFunction"}, "Qualifier": "$LATEST"}
    if config:
        props["DestinationConfig"] = config
    if age:
        props[marked("MaximumEventAgeInSeconds", key_of(function, "maximumEventAge"))] = age
    if retries is not None:
        props[marked("MaximumRetryAttempts", key_of(function, "maximumRetryAttempts"))] = retries
    where = (
        key_of(function, "destinations")
        or key_of(function, "maximumEventAge")
        or key_of(function, "maximumRetryAttempts")
    )
    resources[marked(f"{normalized(key)}LambdaEvConf", where)] = marked(
        {"Type": "AWS::Lambda::EventInvokeConfig", "Properties": marked(props, destinations)}, where
    )


def _destination_arn(target: Any, functions: dict[str, Any]) -> Any:
    """getDestinationsArn: ``{arn}`` as written, an ARN, or a function of the service by its GetAtt."""
    if isinstance(target, dict):
        return target.get("arn") if "arn" in target else target
    if isinstance(target, str) and not target.startswith("arn:") and target in functions:
        return {"Fn::GetAtt": [f"{normalized(target)}LambdaFunction", "Arn"]}
    return target


def _grant(target: Any, functions: dict[str, Any], names: dict[str, Any]) -> dict[str, Any] | None:
    """ensureTargetExecutionPermission: the statement the framework adds to the shared role."""
    if isinstance(target, dict):
        action = _TYPE_ACTIONS.get(str(target.get("type")))
        resource = target.get("arn")
    elif isinstance(target, str):
        action = _string_action(target)
        resource = target if target.startswith("arn:") else _function_arn(names.get(target))
    else:
        return None
    if action is None or resource is None:
        return None  # the framework stops with "Unsupported destination target"
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def _string_action(target: str) -> str | None:
    if not target.startswith("arn:") or ":function:" in target:
        return "lambda:InvokeFunction"
    for marker, action in ((":sqs:", "sqs:SendMessage"), (":sns:", "sns:Publish"), (":event-bus/", "events:PutEvents")):
        if marker in target:
            return action
    return None


def _function_arn(name: Any) -> Any:
    if name is None:
        return None
    head = ["arn:", {"Ref": "AWS::Partition"}, ":lambda:", {"Ref": "AWS::Region"}, ":", {"Ref": "AWS::AccountId"}]
    return {"Fn::Join": ["", [*head, ":function:", name]]}
