"""A Serverless Framework service -> the CloudFormation the framework would deploy -> the model.

Like the SAM front end runs the real SAM transform, this builds what ``serverless package`` writes to
``.serverless/cloudformation-template-update-stack.json`` for the parts that decide verdicts (roles, functions,
invoke configs, event source mappings; see roles.py, functions.py, events.py for the framework's source they
follow), merges ``resources.Resources`` into it as the framework does (lodash merge: a resource of the same logical
id overrides the generated one key by key), and hands the template to the CloudFormation front end. Every
generated node carries the position of the serverless.yml node that made it, so findings point into
serverless.yml. Variables are resolved first (variables.py); what only exists at deploy time becomes a stand-in
parameter whose value is a named unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from infra_policy_linter.model.entities import Unit
from infra_policy_linter.model.located import ParseError
from infra_policy_linter.model.values import Environment
from infra_policy_linter.parsers.cloudformation import Template
from infra_policy_linter.parsers.suppressions import comment_suppressions
from infra_policy_linter.resolve.cloudformation.sam_transform import PolicyOrigin
from infra_policy_linter.resolve.cloudformation.sam_transform import SamOrigin as _SamOrigin
from infra_policy_linter.resolve.serverless import events, roles
from infra_policy_linter.resolve.serverless import functions as compile_functions
from infra_policy_linter.resolve.serverless.nodes import get, key_of, marked
from infra_policy_linter.resolve.serverless.variables import Variables


@dataclass
class SamOrigin(_SamOrigin):
    """What each generated resource came from (read by the CloudFormation front end), and the function keys."""

    function_keys: dict[str, str] = field(default_factory=dict)  # <Key>LambdaFunction / <Key>LambdaEvConf -> key


def parse_yaml(path: str, text: str) -> Any:
    """serverless.yml (or a file it reads) with positions; CloudFormation short tags (``!GetAtt``) as intrinsics."""
    from infra_policy_linter.parsers.cloudformation import decode_yaml

    try:
        body, matches = decode_yaml(text)
    except Exception as exc:  # the decoder reports most problems as matches; anything else is still bad input
        return ParseError(path, None, None, f"invalid YAML: {exc}")
    if matches and body is None:
        first = matches[0]
        line = getattr(first, "linenumber", None)
        return ParseError(path, line, None, f"invalid YAML: {getattr(first, 'message', 'could not be decoded')}")
    return body


def build_service(
    path: str, text: str, files: dict[str, str], env: Environment | None = None
) -> Unit | ParseError | None:
    """The unit of one service; None when the file is no Serverless service (no ``service`` or ``provider``)."""
    raw = parse_yaml(path, text)
    if isinstance(raw, ParseError):
        return raw
    if not isinstance(raw, dict) or "provider" not in raw:
        return None
    provider_name = get(raw, "provider", "name")
    if isinstance(provider_name, str) and provider_name != "aws":
        return None
    directory = path.rsplit("/", 1)[0] if "/" in path else "."
    parsed = {p: parse_yaml(p, t) for p, t in files.items()}
    variables = Variables(raw, directory, {p: v for p, v in parsed.items() if not isinstance(v, ParseError)})
    config = variables.resolve(raw)
    env = env or Environment()
    region = variables.region()
    if env.region_name is None and isinstance(region, str):
        env = Environment(env.account_id, region)  # the stack deploys to provider.region (us-east-1 if unset)
    body, origin = compile_service(config, variables)
    if "serverless-pseudo-parameters" in _plugins(raw):  # it runs on the compiled template, before deploy
        body = _pseudo_parameters(body)
    body["Parameters"] = {key: {"Type": "String"} for key in variables.unknowns}
    return _unit(path, text, body, origin, variables, env, sorted(files))


def _unit(
    path: str,
    text: str,
    body: dict[str, Any],
    origin: SamOrigin,
    variables: Variables,
    env: Environment,
    read: list[str],
) -> Unit:
    from infra_policy_linter.resolve.cloudformation.template import CloudFormationTemplate

    lines = text.split("\n")
    unit = Unit(format="cloudformation", name=path, files=[path] + read, languages={path: "yaml"})
    template = CloudFormationTemplate(Template(path, body, "yaml", lines), env, origin, passed=dict(variables.unknowns))
    template.build(unit)
    _function_keys(unit, origin)
    unit.suppressions.extend(comment_suppressions(path, lines, "yaml"))
    unit.suppressions.extend(template.metadata_suppressions())  # Metadata of resources in resources.Resources
    return unit


def _function_keys(unit: Unit, origin: SamOrigin) -> None:
    """Functions by their key under ``functions:``, as the user names them, not by the generated logical id."""
    keys = origin.function_keys
    for fn in unit.functions:
        fn.address = keys.get(fn.address, fn.address)
    for config in unit.invoke_configs:
        if config.function_address:
            config.function_address = keys.get(config.function_address, config.function_address)
        config.address = keys.get(config.address, config.address)
        for dest in config.destinations:
            dest.ref, dest.source = keys.get(dest.ref, _variable_text(dest.ref)), _variable_text(dest.source)
    for mapping in unit.event_source_mappings:
        if mapping.function_address:
            mapping.function_address = keys.get(mapping.function_address, mapping.function_address)
        mapping.source_ref, mapping.source_text = (
            _variable_text(mapping.source_ref),
            _variable_text(mapping.source_text),
        )
        if mapping.on_failure is not None:
            mapping.on_failure.ref = _variable_text(mapping.on_failure.ref)
            mapping.on_failure.source = _variable_text(mapping.on_failure.source)


def _variable_text(text: str) -> str:
    """A value that is one deploy-time variable is named as serverless.yml writes it, not as its stand-in."""
    return text[len("!Ref sls:") :] if text.startswith("!Ref sls:") else text


def _statements_label(provider: dict[str, Any]) -> str:
    """Where the service writes the shared role's statements: the older key when that is the one it uses."""
    _, key = roles.provider_statements(provider)
    return "provider.iamRoleStatements" if key == "iamRoleStatements" else "provider.iam.role.statements"


def _plugins(raw: dict[str, Any]) -> list[str]:
    found = raw.get("plugins")
    listed = found.get("modules") if isinstance(found, dict) else found
    return [str(p) for p in listed] if isinstance(listed, list) else []


def _pseudo_parameters(node: Any) -> Any:
    """serverless-pseudo-parameters: ``#{AWS::Region}`` and ``#{Resource}`` in a string make it a ``Fn::Sub``."""
    if isinstance(node, dict):
        return marked({k: _pseudo_parameters(v) for k, v in node.items()}, node)
    if isinstance(node, list):
        return marked([_pseudo_parameters(v) for v in node], node)
    if isinstance(node, str) and "#{" in node:
        return marked({"Fn::Sub": re.sub(r"#\{([^}]+)\}", r"${\1}", str(node))}, node)
    return node


def _service_name(config: dict[str, Any]) -> Any:
    service = config.get("service")
    return service.get("name") if isinstance(service, dict) else service


def compile_service(config: dict[str, Any], variables: Variables) -> tuple[dict[str, Any], SamOrigin]:
    declared, listed = config.get("provider"), config.get("functions")
    provider: dict[str, Any] = declared if isinstance(declared, dict) else {}
    functions = {str(k): v for k, v in (listed.items() if isinstance(listed, dict) else []) if isinstance(v, dict)}
    stage = variables.stage()
    service = _service_name(config)
    prefix = f"{service}-{stage}" if isinstance(service, str) and isinstance(stage, str) else None
    prefix_node: Any = prefix or {"Fn::Join": ["-", [service, stage]]}
    origin = SamOrigin()
    resources: dict[str, Any] = {}
    policy_name = f"{prefix}-lambda" if prefix else "lambda"
    if roles.shared_role_exists(provider, functions):
        uses_vpc = bool(provider.get("vpc")) or any(f.get("vpc") for f in functions.values())
        where = key_of(config, "provider")
        resources[marked(roles.SHARED_ROLE, where)] = roles.shared_role(provider, uses_vpc, policy_name, prefix or "*")
        label = _statements_label(provider)
        origin.generated_roles[roles.SHARED_ROLE] = label
        origin.policies[(roles.SHARED_ROLE, policy_name)] = PolicyOrigin(
            f"the shared execution role's policy ({label} and the framework's own grants)"
        )
    names = {k: compile_functions.function_name(prefix_node, k, f) for k, f in functions.items()}
    for key, function in sorted(functions.items()):
        _function(key, function, config, provider, functions, names, resources, origin, policy_name)
    _merge_user_resources(config, resources)
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources, **_sections(config)}, origin


def _function(
    key: str,
    function: dict[str, Any],
    config: dict[str, Any],
    provider: dict[str, Any],
    functions: dict[str, Any],
    names: dict[str, Any],
    resources: dict[str, Any],
    origin: SamOrigin,
    policy_name: str,
) -> None:
    per_function = function.get("iamRoleStatements") is not None and function.get("role") is None
    logical = f"{roles.normalized(key)}LambdaFunction"
    origin.function_keys[logical] = key
    origin.function_keys[f"{roles.normalized(key)}LambdaEvConf"] = f"{key}.destinations"
    role = compile_functions.function_role(key, function, provider, per_function)
    fn_key = key_of(functions, key) or key_of(config.get("functions"), key)
    resources[marked(logical, fn_key)] = marked(
        compile_functions.function_resource(key, function, role, names[key]), fn_key
    )
    compile_functions.on_error_grant(function, resources)
    compile_functions.invoke_config(key, function, functions, names, provider, resources)
    events.compile_events(key, function, resources, origin, logical)
    if per_function:
        role_id = f"{roles.normalized(key)}{roles.SHARED_ROLE}"
        shared = resources.get(roles.SHARED_ROLE)
        pname = f"{policy_name}-{key}"
        where = key_of(function, "iamRoleStatements")
        resources[marked(role_id, where)] = roles.per_function_role(config, key, function, shared, pname)
        origin.generated_roles[role_id] = f"functions.{key}.iamRoleStatements"
        origin.policies[(role_id, pname)] = PolicyOrigin(
            f"the role serverless-iam-roles-per-function generates for {key} (its iamRoleStatements)"
        )


def _user_parts(config: dict[str, Any]) -> list[dict[str, Any]]:
    """``resources`` as a mapping, or a list of them (``- ${file(resources/queues.yml)}``)."""
    found = config.get("resources")
    parts = found if isinstance(found, list) else [found]
    return [p for p in parts if isinstance(p, dict)]


def _merge_user_resources(config: dict[str, Any], resources: dict[str, Any]) -> None:
    """``resources.Resources`` over the generated ones; a resource the user also writes keeps the user's key (its
    position) and its properties merged over the generated ones."""
    for part in _user_parts(config):
        user = part.get("Resources")
        for logical, resource in user.items() if isinstance(user, dict) else []:
            current = resources.pop(str(logical), None)
            resources[logical] = _merge(current, resource) if current is not None else resource


def _merge(base: Any, over: Any) -> Any:
    """lodash merge: mappings merge key by key, lists item by item, anything else is replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v) if k in base else v
        return marked(out, over)
    if isinstance(base, list) and isinstance(over, list):
        merged = [_merge(b, o) for b, o in zip(base, over, strict=False)] + list(over[len(base) :])
        return marked(merged + list(base[len(over) :]), over)
    return over


def _sections(config: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in _user_parts(config):
        for section in ("Conditions", "Outputs", "Mappings"):
            if isinstance(part.get(section), dict):
                out.setdefault(section, {}).update(part[section])
    return out
