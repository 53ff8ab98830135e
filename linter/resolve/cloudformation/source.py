"""Writing template values back in the template's own language (YAML or JSON), for the text of fixes."""

from __future__ import annotations

import json
import re
from typing import Any

# A YAML scalar that needs no quotes: no leading indicator character, no ": " and no trailing space.
_YAML_PLAIN = re.compile(r"^[A-Za-z0-9_./:*$@-][A-Za-z0-9_./:*$@ -]*$")


def source_text(language: str, node: Any) -> str:
    """``node`` as written in a template of ``language`` ("json" or "yaml")."""
    if language == "json":
        return json.dumps(plain_data(node))
    return yaml_source(node)


def plain_data(node: Any) -> Any:
    """The decoder's nodes as plain dicts, lists and strings (json.dumps cannot take its string subclass)."""
    if isinstance(node, dict):
        return {str(k): plain_data(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain_data(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def yaml_scalar(value: str) -> str:
    if _YAML_PLAIN.match(value) and not value.endswith(" ") and ": " not in value:
        return value
    return json.dumps(value)


def yaml_source(node: Any) -> str:
    """A value in YAML, intrinsic functions in their short form (``!Ref X``, ``!GetAtt X.Arn``)."""
    if isinstance(node, dict) and len(node) == 1:
        short = _short_form(*next(iter(node.items())))
        if short is not None:
            return short
    if isinstance(node, str):
        return yaml_scalar(str(node))
    return json.dumps(plain_data(node))


def _short_form(key: Any, arg: Any) -> str | None:
    if key == "Ref" and isinstance(arg, str):
        return f"!Ref {arg}"
    if key == "Fn::GetAtt":
        if isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
            return f"!GetAtt {arg[0]}.{arg[1]}"
        if isinstance(arg, str):
            return f"!GetAtt {arg}"
    if key == "Fn::Sub" and isinstance(arg, str):
        return f"!Sub {json.dumps(str(arg))}"
    if key == "Fn::ImportValue" and isinstance(arg, str):
        return f"!ImportValue {arg}"
    return None
