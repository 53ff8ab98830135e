"""Terraform plan JSON (``terraform show -json plan.out``) -> model.

The plan holds every resource instance with its planned values, already resolved by Terraform (variables,
modules, count and for_each). Values only known after apply are marked in ``after_unknown``; for those, the
configuration section records which references the expression uses, and a lone reference is followed through the
linter's own model (a new queue's ARN from its name). The plan is turned into the shape python-hcl2 gives for
source files, so the Terraform builder judges it like any module; positions point into the plan file, which
records no source lines.
"""

from __future__ import annotations

import json
import re
from typing import Any

from infra_policy_linter.model.entities import Unit
from infra_policy_linter.model.located import ParseError
from infra_policy_linter.model.values import Environment
from infra_policy_linter.parsers.terraform import TfFile
from infra_policy_linter.resolve.terraform.module import ModuleLibrary, TerraformModule


def _escape(value: Any) -> Any:
    """Planned values are final text: keep ``${`` from reading as an interpolation."""
    if isinstance(value, str):
        return value.replace("${", "$${").replace("%{", "%%{")
    if isinstance(value, list):
        return [_escape(v) for v in value]
    if isinstance(value, dict):
        return {k: _escape(v) for k, v in value.items()}
    return value


def _reference(expression: Any) -> str | None:
    """The reference an expression consists of, when it is just one (``aws_sqs_queue.q.arn``)."""
    if not isinstance(expression, dict):
        return None
    refs = expression.get("references")
    if isinstance(refs, list) and refs and isinstance(refs[0], str) and len({r.split(".")[0] for r in refs}) == 1:
        return refs[0]
    return None


# Attributes that hold documents: an expression referencing an ARN is not that ARN (jsonencode around it).
_DOCUMENTS = {"policy", "assume_role_policy", "json", "inline_policy"}


def _merge(values: Any, unknown: Any, expressions: Any) -> Any:
    """Planned values, with each unknown attribute replaced by the reference its expression makes, if one.

    Computed attributes the configuration does not set (a new role's ARN) are left out, so the model derives
    them as it does for source files."""
    if isinstance(values, dict) or isinstance(unknown, dict):
        values = values if isinstance(values, dict) else {}
        unknown = unknown if isinstance(unknown, dict) else {}
        expressions = expressions if isinstance(expressions, dict) else {}
        out: dict[str, Any] = {}
        for key in sorted(set(values) | set(unknown)):
            if unknown.get(key) is True:
                if key not in expressions:
                    continue
                ref = None if key in _DOCUMENTS else _reference(expressions.get(key))
                out[key] = "${" + (ref or f"__plan__.{key}") + "}"
            elif key in values and values[key] is not None:
                out[key] = _merge(values[key], unknown.get(key), expressions.get(key))
        return out
    if isinstance(values, list):
        unknown = unknown if isinstance(unknown, list) else []
        expressions = expressions if isinstance(expressions, list) else []
        return [
            _merge(v, unknown[i] if i < len(unknown) else None, expressions[i] if i < len(expressions) else None)
            for i, v in enumerate(values)
        ]
    return _escape(values)


def _instance_name(resource: dict[str, Any]) -> str:
    index = resource.get("index")
    if index is None:
        return str(resource["name"])
    return f"{resource['name']}[{json.dumps(index)}]"


def _address_lines(lines: list[str]) -> dict[str, int]:
    """Where each resource address first appears in the plan text: the place findings point at."""
    found: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        for match in _ADDRESS.finditer(line):
            found.setdefault(json.loads(f'"{match.group(1)}"'), number)
    return found


_ADDRESS = re.compile(r'"address":\s*"((?:[^"\\]|\\.)*)"')


def _module_file(
    path: str,
    module_values: dict[str, Any],
    config: dict[str, Any],
    changes: dict[Any, Any],  # resource address -> its change
    lines: list[str],
    root: bool,
    provider_region: Any,
    address_lines: dict[str, int],
) -> tuple[TfFile, list[tuple[str, Any, Any]]]:
    """One module of the plan as a python-hcl2-shaped body; also the child modules it calls."""
    expressions = {
        (r.get("mode"), r.get("type"), r.get("name")): r.get("expressions", {})
        for r in config.get("resources", [])
        if isinstance(r, dict)
    }
    body: dict[str, Any] = {"resource": [], "data": [], "output": [], "module": []}
    for resource in module_values.get("resources", []):
        if not isinstance(resource, dict) or "type" not in resource:
            continue
        key = (resource.get("mode"), resource["type"], resource["name"])
        change = changes.get(resource.get("address"), {})
        merged = _merge(resource.get("values") or {}, change.get("after_unknown") or {}, expressions.get(key, {}))
        kind = "resource" if resource.get("mode") == "managed" else "data"
        line = address_lines.get(str(resource.get("address")), 1)
        merged.update({"__start_line__": line, "__end_line__": line})
        body[kind].append({resource["type"]: {_instance_name(resource): merged}})
    for name, output in sorted((config.get("outputs") or {}).items()):
        expression = output.get("expression", {}) if isinstance(output, dict) else {}
        body["output"].append({name: {"value": _written(expression)}})
    calls = []
    for name, call in sorted((config.get("module_calls") or {}).items()):
        inputs = {k: _written(v) for k, v in (call.get("expressions") or {}).items() if isinstance(v, dict)}
        body["module"].append({name: {"source": f"./module.{name}", **inputs}})
        calls.append((name, call.get("module") or {}, None))
    if root and provider_region is not None:
        body["provider"] = [{"aws": {"region": provider_region}}]
    return TfFile(path, body, lines), calls


def _written(expression: dict[str, Any]) -> Any:
    """A plan's configuration expression as python-hcl2 would give it: the reference it makes, else its constant."""
    ref = _reference(expression)
    return "${" + ref + "}" if ref else _escape(expression.get("constant_value"))


def build_plan(path: str, text: str, env: Environment) -> Unit | ParseError:
    try:
        plan = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return ParseError(path, getattr(exc, "lineno", None), getattr(exc, "colno", None), f"invalid plan JSON: {exc}")
    if not isinstance(plan, dict):
        return ParseError(path, 1, 1, "a plan file must hold an object")
    planned = (plan.get("planned_values") or {}).get("root_module") or {}
    config = (plan.get("configuration") or {}).get("root_module") or {}
    changes = {c.get("address"): c.get("change", {}) for c in plan.get("resource_changes", []) if isinstance(c, dict)}
    region = (
        (((plan.get("configuration") or {}).get("provider_config") or {}).get("aws") or {})
        .get("expressions", {})
        .get("region", {})
        .get("constant_value")
    )
    lines = text.split("\n")
    library = ModuleLibrary()
    children = {m.get("address"): m for m in _all_child_modules(planned)}
    address_lines = _address_lines(lines)
    root_file, calls = _module_file(path, planned, config, changes, lines, True, region, address_lines)
    pending = [(f"{path}/module.{name}", f"module.{name}", module_config) for name, module_config, _ in calls]
    while pending:
        directory, address, module_config = pending.pop(0)
        values = children.get(address, {})
        tf, nested = _module_file(directory, values, module_config, changes, lines, False, None, address_lines)
        tf.path = path  # findings point into the plan file itself
        library.files[directory] = [tf]
        pending += [(f"{directory}/module.{n}", f"{address}.module.{n}", c) for n, c, _ in nested]
    module = TerraformModule(path, [root_file], [], env, library)
    unit = Unit(format="terraform", name=path, files=[path], languages={path: "hcl"})
    module.build(unit)
    unit.files = [path]
    return unit


def _all_child_modules(module: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for child in module.get("child_modules", []) or []:
        if isinstance(child, dict):
            out.append(child)
            out.extend(_all_child_modules(child))
    return out
