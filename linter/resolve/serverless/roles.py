"""The execution roles the Serverless Framework generates, as its source builds them.

Sources (serverless/serverless v3.39.0 and main):
* ``lib/plugins/aws/package/lib/mergeIamTemplates.js`` (merge-iam-templates.js): the shared role
  ``IamRoleLambdaExecution`` exists unless ``provider.iam.role`` names an existing role (a string, or an object
  with an intrinsic such as ``Fn::GetAtt``), ``provider.role`` is set, or every function sets ``role``. Its one
  inline policy holds the log statements, then ``provider.iam.role.statements`` (else the older
  ``provider.iamRoleStatements``); ``managedPolicies`` (else ``iamManagedPolicies``) become ManagedPolicyArns;
  ``permissionsBoundary`` (or ``permissionBoundary``, or ``provider.rolePermissionsBoundary``) its boundary; a
  ``vpc`` anywhere adds AWSLambdaVPCAccessExecutionRole.
* ``lib/plugins/aws/provider.js`` ``getCustomExecutionRole``: a function's ``role``, else an existing
  ``provider.iam.role``, else ``provider.role``.
* serverless-iam-roles-per-function ``src/lib/index.ts`` ``createRoleForFunction``: a function with
  ``iamRoleStatements`` gets ``<Function>IamRoleLambdaExecution``, a copy of the shared role whose statements are
  replaced by: its log group, its stream and SQS event sources, ``sns:Publish`` on ``onError``, the provider's
  statements when ``iamRoleStatementsInherit`` (or the plugin's ``defaultInherit``), then its own statements; no
  managed policies but the VPC one; ``iamPermissionsBoundary`` (or the plugin's global one) as boundary. The
  framework's destination grants stay on the shared role, which such a function no longer uses.
"""

from __future__ import annotations

from typing import Any

from infra_policy_linter.resolve.serverless.nodes import blanket, get, key_of, marked

SHARED_ROLE = "IamRoleLambdaExecution"
PLUGIN = "serverless-iam-roles-per-function"
_VPC_POLICY = {
    "Fn::Join": [
        "",
        ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"],
    ]
}


def normalized(name: str) -> str:
    """The framework's getNormalizedFunctionName: `-` is Dash, `_` is Underscore, the first letter upper."""
    text = name.replace("-", "Dash").replace("_", "Underscore")
    return text[:1].upper() + text[1:]


def existing_role(role: Any) -> bool:
    """provider.js isExistingRoleProvided: a name or ARN, or an object holding an intrinsic (``Fn::GetAtt``)."""
    return isinstance(role, str) or (isinstance(role, dict) and any("::" in str(k) for k in role))


def role_arn(role: Any) -> Any:
    """functions.js compileRole: an ARN as written, a logical id as its GetAtt, an intrinsic as written."""
    if isinstance(role, str) and ":" not in role:
        return marked({"Fn::GetAtt": [marked(str(role), role), "Arn"]}, role)
    return role


def custom_execution_role(provider: dict[str, Any], function: dict[str, Any]) -> Any:
    """getCustomExecutionRole: the role the user manages for this function, or None."""
    if function.get("role") is not None:
        return function["role"]
    role = get(provider, "iam", "role")
    if existing_role(role):
        return role
    return provider.get("role")


def shared_role_exists(provider: dict[str, Any], functions: dict[str, Any]) -> bool:
    if not functions or existing_role(get(provider, "iam", "role")) or "role" in provider:
        return False
    return not all(isinstance(f, dict) and "role" in f for f in functions.values())


def provider_statements(provider: dict[str, Any]) -> tuple[Any, Any]:
    """(the statements list, its key node): ``provider.iam.role.statements``, else ``provider.iamRoleStatements``."""
    role = get(provider, "iam", "role")
    if isinstance(role, dict) and role.get("statements") is not None:
        return role["statements"], key_of(role, "statements")
    return provider.get("iamRoleStatements"), key_of(provider, "iamRoleStatements")


def _log_statements(log_group: Any, where: Any) -> list[Any]:
    arn = {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:" + log_group + ":*"}
    return [
        blanket(
            {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:CreateLogGroup"], "Resource": [arn]}, where
        ),
        blanket({"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": [arn]}, where),
    ]


def _boundary(provider: dict[str, Any]) -> Any:
    role = get(provider, "iam", "role")
    role = role if isinstance(role, dict) else {}
    for found in (
        role.get("permissionsBoundary"),
        role.get("permissionBoundary"),
        provider.get("rolePermissionsBoundary"),
    ):
        if found is not None:
            return found
    return None


def shared_role(provider: dict[str, Any], uses_vpc: bool, policy_name: Any, prefix: str) -> dict[str, Any]:
    statements, _ = provider_statements(provider)
    where = key_of(provider, "iam") or key_of(provider, "iamRoleStatements")
    logs = _log_statements(f"/aws/lambda/{prefix}*", where)
    document = {"Version": "2012-10-17", "Statement": logs + (list(statements) if isinstance(statements, list) else [])}
    props: dict[str, Any] = {"Policies": [{"PolicyName": policy_name, "PolicyDocument": document}]}
    role = get(provider, "iam", "role")
    managed = role.get("managedPolicies") if isinstance(role, dict) else None
    managed = managed if managed is not None else provider.get("iamManagedPolicies")
    props["ManagedPolicyArns"] = list(managed) if isinstance(managed, list) else []
    if uses_vpc:
        props["ManagedPolicyArns"].append(_VPC_POLICY)
    boundary = _boundary(provider)
    if boundary is not None:
        props["PermissionsBoundary"] = boundary
    return {"Type": "AWS::IAM::Role", "Properties": props}


def add_statement(resources: dict[str, Any], role: str, statement: dict[str, Any], where: Any) -> None:
    """A statement the framework adds to a role it generates, positioned at what made it add it."""
    found = resources.get(role)
    if found is not None:
        found["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].append(blanket(statement, where))


def per_function_role(
    config: dict[str, Any], key: str, function: dict[str, Any], shared: dict[str, Any] | None, policy_name: Any
) -> dict[str, Any]:
    """serverless-iam-roles-per-function's role for one function (its own statements go last)."""
    found = config.get("provider")
    provider: dict[str, Any] = found if isinstance(found, dict) else {}
    custom = get(config, "custom", PLUGIN)
    custom = custom if isinstance(custom, dict) else {}
    where = key_of(function, "iamRoleStatements")
    name = function.get("name")
    statements = _log_statements(str(name) if isinstance(name, str) else f"/aws/lambda/*-{key}", where)[1:]
    statements += _function_sources(function)
    if isinstance(function.get("onError"), str):
        statements.append(
            blanket(
                {"Effect": "Allow", "Action": ["sns:Publish"], "Resource": function["onError"]},
                key_of(function, "onError"),
            )
        )
    inherit = function.get("iamRoleStatementsInherit")
    if inherit is True or (custom.get("defaultInherit") is True and inherit is not False):
        inherited, _ = provider_statements(provider)
        statements += list(inherited) if isinstance(inherited, list) else []
    own = function.get("iamRoleStatements")
    statements += list(own) if isinstance(own, list) else []
    props: dict[str, Any] = {
        "Policies": [{"PolicyName": policy_name, "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}],
        "ManagedPolicyArns": [_VPC_POLICY] if function.get("vpc") or provider.get("vpc") else [],
    }
    boundary = function.get("iamPermissionsBoundary") or custom.get("iamGlobalPermissionsBoundary")
    if boundary is None and shared is not None:
        boundary = shared["Properties"].get("PermissionsBoundary")
    if boundary is not None:
        props["PermissionsBoundary"] = boundary
    return {"Type": "AWS::IAM::Role", "Properties": props}


def _function_sources(function: dict[str, Any]) -> list[Any]:
    """The plugin's getStreamStatements and getSqsStatement: read grants on the function's own sources."""
    from infra_policy_linter.resolve.serverless.events import READ_ACTIONS, stream_type

    found: dict[str, list[Any]] = {}
    where: dict[str, Any] = {}
    for event in function.get("events") or [] if isinstance(function.get("events"), list) else []:
        if not isinstance(event, dict):
            continue
        for kind in ("stream", "sqs"):
            spec = event.get(kind)
            if spec is None:
                continue
            arn = spec.get("arn") if isinstance(spec, dict) and "arn" in spec else spec
            group = stream_type(spec, arn) if kind == "stream" else "sqs"
            if group in READ_ACTIONS:
                found.setdefault(group, []).append(arn)
                where.setdefault(group, event)
    return [
        blanket({"Effect": "Allow", "Action": list(READ_ACTIONS[g]), "Resource": arns}, where[g])
        for g, arns in found.items()
    ]
