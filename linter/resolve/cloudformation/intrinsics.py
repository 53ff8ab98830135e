"""CloudFormation's intrinsic functions and conditions: what ``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, ``Fn::Join`` and
friends come to, given a template (its parameters, mappings, resources, conditions and the deployment environment).

Each function takes the template being resolved; values that cannot be known statically become named unknowns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from infra_policy_linter.model import aws
from infra_policy_linter.model.values import Unknown, make_text, plain, split_text, with_assumption
from infra_policy_linter.resolve.cloudformation.attributes import GETATT, REF, STACK_TYPES
from infra_policy_linter.resolve.cloudformation.nodes import NO_VALUE, scalar_text

if TYPE_CHECKING:
    from infra_policy_linter.resolve.cloudformation.template import CloudFormationTemplate

Intrinsic = Callable[["CloudFormationTemplate", Any, int], Any]


def resolve(t: CloudFormationTemplate, node: Any, depth: int = 0) -> Any:
    """The value of a template node: intrinsics evaluated, AWS::NoValue entries dropped from maps and lists."""
    if depth > 100:
        return Unknown("nesting", "a value nested too deeply")
    if isinstance(node, dict):
        if len(node) == 1:
            key = next(iter(node))
            handler = _INTRINSICS.get(key)
            if handler is not None:
                return handler(t, node[key], depth + 1)
        out = {}
        for k, v in node.items():
            value = resolve(t, v, depth + 1)
            if value is not NO_VALUE:
                out[str(k)] = value
        return out
    if isinstance(node, list):
        return [v for v in (resolve(t, x, depth + 1) for x in node) if v is not NO_VALUE]
    if isinstance(node, str):
        return str(node)
    return node


# -- Ref, Fn::GetAtt and parameters ------------------------------------------------------------------------------
def ref(t: CloudFormationTemplate, name: str) -> Any:
    if name == "AWS::Region":
        return t.env.region()
    if name == "AWS::AccountId":
        return t.env.account()
    pseudo = _PSEUDO.get(name)
    if pseudo is not None:
        return pseudo()
    if name == "AWS::NoValue":
        return NO_VALUE
    if name in t.parameters:
        return parameter(t, name)
    rtype = t.type_of(name)
    if rtype is None:
        return Unknown(f"Ref {name}", f"Ref {name}, which is not declared in this template")
    handler = REF.get(rtype)
    if handler is None:
        return Unknown(f"Ref {name}", f"the Ref value of {name} ({rtype})")
    return handler(t, name)


def get_att(t: CloudFormationTemplate, name: str, attribute: str) -> Any:
    rtype = t.type_of(name)
    if rtype is None:
        return Unknown(f"{name}.{attribute}", f"{name}.{attribute}, and {name} is not declared in this template")
    if rtype in STACK_TYPES and attribute.startswith("Outputs."):
        return t.stack_output(name, attribute[len("Outputs.") :])
    handler = GETATT.get((rtype, attribute))
    if handler is None:
        return Unknown(f"{name}.{attribute}", f"{name}.{attribute}, known only after deployment")
    return handler(t, name)


def parameter(t: CloudFormationTemplate, name: str) -> Any:
    """The value its parent stack passes in, else its default (an assumption the value carries)."""
    if name in t.passed:
        return t.passed[name]
    spec = t.parameters.get(name)
    if not isinstance(spec, dict):
        return Unknown(f"parameter {name}", f"parameter {name}")
    declared = spec.get("Type")
    ptype = declared if isinstance(declared, str) else "String"
    if "Default" not in spec:
        return Unknown(f"parameter {name}", f"parameter {name}, which has no default", input=f"parameter {name}")
    if ptype.startswith("AWS::SSM::Parameter"):
        return Unknown(
            f"parameter {name}", f"parameter {name}, read from SSM at deploy time", input=f"parameter {name}"
        )
    default = spec["Default"]
    text = scalar_text(default) if default is not None else ""
    value: Any = (
        (text if text is not None else str(default)) if not isinstance(default, (list, dict)) else resolve(t, default)
    )
    if isinstance(value, str) and (ptype == "CommaDelimitedList" or ptype.startswith("List<")):
        value = [v.strip() for v in value.split(",")]
    return with_assumption(value, f"parameter {name} takes its default {default}")


# -- conditions ------------------------------------------------------------------------------------------------
def condition_value(t: CloudFormationTemplate, node: Any, depth: int) -> Any:
    """True, False, or an unknown when the condition depends on values not known statically."""
    if isinstance(node, dict) and len(node) == 1:
        key, arg = next(iter(node.items()))
        if key == "Condition" and isinstance(arg, str):
            return t.condition(arg)
        if key == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
            return _equals(t, arg, depth)
        if key in ("Fn::Not", "Fn::And", "Fn::Or") and isinstance(arg, list):
            return _logical(key, [condition_value(t, x, depth + 1) for x in arg])
    return Unknown("condition", "a condition that cannot be evaluated")


def _equals(t: CloudFormationTemplate, arg: list[Any], depth: int) -> Any:
    # CloudFormation compares the operands as strings: `!Equals [false, "false"]` is true
    a, b = (scalar_text(resolve(t, x, depth + 1)) for x in arg)
    if a is not None and b is not None:
        return a == b
    for side, other in ((arg[0], b), (arg[1], a)):
        allowed = allowed_values(t, side)
        if other is not None and allowed is not None and other not in allowed:
            return False  # the parameter cannot take that value
    return Unknown("Fn::Equals", "a condition over values not known statically")


def _logical(key: str, values: list[Any]) -> Any:
    if key == "Fn::Or" and True in values:
        return True  # one true operand decides, whatever the unknown ones are
    if key == "Fn::And" and False in values:
        return False
    if not all(isinstance(v, bool) for v in values):
        return Unknown(key, "a condition over values not known statically")
    if key == "Fn::Not":
        return not values[0] if values else Unknown(key, key)
    return all(values) if key == "Fn::And" else any(values)


def allowed_values(t: CloudFormationTemplate, node: Any) -> set[str] | None:
    """The AllowedValues of a parameter ``node`` refers to (without a default it may take any of them)."""
    if not (isinstance(node, dict) and len(node) == 1 and isinstance(node.get("Ref"), str)):
        return None
    spec = t.parameters.get(node["Ref"])
    allowed = spec.get("AllowedValues") if isinstance(spec, dict) else None
    if not isinstance(allowed, list):
        return None
    texts = {scalar_text(v) for v in allowed}
    return None if None in texts else {text for text in texts if text is not None}


# -- intrinsic function handlers --------------------------------------------------------------------------------
def _fn_ref(t: CloudFormationTemplate, arg: Any, depth: int) -> Any:
    return ref(t, str(arg)) if isinstance(arg, str) else Unknown("Ref", "a Ref to a computed name")


def _fn_get_att(t: CloudFormationTemplate, arg: Any, depth: int) -> Any:
    if isinstance(arg, str) and "." in arg:
        name, attribute = arg.split(".", 1)
    elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
        name = arg[0]
        chosen = plain(resolve(t, arg[1], depth))
        if chosen is None:
            return Unknown(f"{name}.?", f"an attribute of {name} chosen at deploy time")
        attribute = chosen
    else:
        return Unknown("Fn::GetAtt", "a malformed Fn::GetAtt")
    return get_att(t, str(name), str(attribute))


_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


def _fn_sub(t: CloudFormationTemplate, arg: Any, depth: int) -> Any:
    variables: dict[str, Any] = {}
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
        template = arg[0]
        variables = {str(k): resolve(t, v, depth) for k, v in arg[1].items()}
    else:
        template = arg
    if not isinstance(template, str):
        return Unknown("Fn::Sub", "an Fn::Sub over a computed template")
    pieces: list[Any] = []
    pos = 0
    for m in _SUB_VAR.finditer(template):
        pieces.append(template[pos : m.start()])
        pos = m.end()
        pieces.append(_sub_variable(t, m.group(1).strip(), variables))
    pieces.append(template[pos:])
    if any(p is NO_VALUE for p in pieces):
        return Unknown("Fn::Sub", "an Fn::Sub that uses AWS::NoValue")
    return make_text(pieces)


def _sub_variable(t: CloudFormationTemplate, name: str, variables: dict[str, Any]) -> Any:
    """What ``${name}`` in an Fn::Sub template stands for."""
    if name.startswith("!"):
        return "${" + name[1:] + "}"  # ${!Literal} is written out as ${Literal}
    if name in variables:
        return variables[name]
    if "." in name and name.split(".", 1)[0] in t.resources:
        res, attribute = name.split(".", 1)
        return get_att(t, res, attribute)
    return ref(t, name)


def _fn_join(t: CloudFormationTemplate, arg: Any, depth: int) -> Any:
    if not (isinstance(arg, list) and len(arg) == 2):
        return Unknown("Fn::Join", "a malformed Fn::Join")
    delimiter = resolve(t, arg[0], depth)
    items = resolve(t, arg[1], depth)
    if not isinstance(items, list):
        return Unknown("Fn::Join", "an Fn::Join over a list not known statically")
    pieces: list[Any] = []
    for i, item in enumerate(items):
        if i:
            pieces.append(delimiter)
        pieces.append(item if not isinstance(item, (list, dict)) else Unknown("Fn::Join item", "a list item"))
    return make_text(pieces)


def _fn_select(t: CloudFormationTemplate, arg: Any, depth: int) -> Any:
    if isinstance(arg, list) and len(arg) == 2:
        raw_index = resolve(t, arg[0], depth)
        # An index written as a number (YAML `5`) or as text ("5"), as CloudFormation takes both.
        index = str(raw_index) if isinstance(raw_index, int) and not isinstance(raw_index, bool) else plain(raw_index)
        items = resolve(t, arg[1], depth)
        if index is not None and index.isdigit() and isinstance(items, list) and int(index) < len(items):
            return items[int(index)]
    return Unknown("Fn::Select", "an Fn::Select not known statically")


def _fn_split(t: CloudFormationTemplate, arg: Any, depth: int) -> Any:
    if isinstance(arg, list) and len(arg) == 2:
        delimiter = plain(resolve(t, arg[0], depth))
        elements = split_text(resolve(t, arg[1], depth), delimiter) if delimiter else None
        if elements is not None:  # a partly known string too: !Split [":", !GetAtt Queue.Arn]
            return elements
    return Unknown("Fn::Split", "an Fn::Split not known statically")


def _fn_if(t: CloudFormationTemplate, arg: Any, depth: int) -> Any:
    if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
        return Unknown("Fn::If", "a malformed Fn::If")
    chosen = t.condition(arg[0])
    if isinstance(chosen, bool):
        return resolve(t, arg[1] if chosen else arg[2], depth)
    a, b = resolve(t, arg[1], depth), resolve(t, arg[2], depth)
    if a == b:
        return a
    return Unknown(
        f"Fn::If {arg[0]}",
        f"an Fn::If on condition {arg[0]}, which is not known statically",
        may_be_absent=True,
        per_branch=True,
    )


def _fn_find_in_map(t: CloudFormationTemplate, arg: Any, depth: int) -> Any:
    if isinstance(arg, list) and len(arg) >= 3:
        keys = [plain(resolve(t, k, depth)) for k in arg[:3]]
        if all(k is not None for k in keys):
            node: Any = t.mappings
            for k in keys:
                node = node.get(k) if isinstance(node, dict) else None
            if node is not None:
                return resolve(t, node, depth)
            if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                return resolve(t, arg[3]["DefaultValue"], depth)
    return Unknown("Fn::FindInMap", "an Fn::FindInMap whose keys are not known statically")


def _fn_import(t: CloudFormationTemplate, arg: Any, depth: int) -> Any:
    name = plain(resolve(t, arg, depth))
    label = f"Fn::ImportValue {name}" if name else "Fn::ImportValue"
    if name is not None:
        found = t.export(name)
        if found is not None:
            return found
    return Unknown(label, f"{label}, an export of another stack")


def _unknown_fn(key: str) -> Intrinsic:
    return lambda t, arg, depth: Unknown(key, f"the result of {key}")


_INTRINSICS: dict[str, Intrinsic] = {
    "Ref": _fn_ref,
    "Fn::GetAtt": _fn_get_att,
    "Fn::Sub": _fn_sub,
    "Fn::Join": _fn_join,
    "Fn::Select": _fn_select,
    "Fn::Split": _fn_split,
    "Fn::If": _fn_if,
    "Fn::FindInMap": _fn_find_in_map,
    "Fn::ImportValue": _fn_import,
    **{
        k: _unknown_fn(k)
        for k in (
            "Fn::GetAZs",
            "Fn::Base64",
            "Fn::Cidr",
            "Fn::Transform",
            "Fn::ToJsonString",
            "Fn::Length",
            "Fn::Equals",
            "Fn::Not",
            "Fn::And",
            "Fn::Or",
        )
    },
}

_PSEUDO: dict[str, Callable[[], Any]] = {
    "AWS::Partition": lambda: aws.PARTITION,
    "AWS::URLSuffix": lambda: aws.URL_SUFFIX,
    "AWS::StackName": lambda: Unknown("AWS::StackName", "the stack name"),
    "AWS::StackId": lambda: Unknown("AWS::StackId", "the stack id"),
    "AWS::NotificationARNs": lambda: Unknown("AWS::NotificationARNs", "the stack's notification ARNs"),
}
