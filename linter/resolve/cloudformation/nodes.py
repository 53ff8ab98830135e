"""Reading raw CloudFormation template nodes: where they are in the file, and scalars as CloudFormation reads them.

The nodes come from cfn-lint's decoder: mappings, lists and strings that carry ``start_mark`` / ``end_mark``.
"""

from __future__ import annotations

from typing import Any

from infra_policy_linter.model.located import Location
from infra_policy_linter.model.values import plain

NO_VALUE = object()  # AWS::NoValue: the property is removed


def location(path: str, node: Any, fallback: Location | None = None) -> Location:
    start = getattr(node, "start_mark", None)
    end = getattr(node, "end_mark", None)
    if start is None:
        return fallback or Location(path, 1, 1)
    line, column = start.line + 1, start.column + 1
    if end is not None:
        return Location(path, line, column, end.line + 1, end.column + 1)
    return Location(path, line, column)


def key_location(path: str, mapping: Any, key: str, fallback: Location) -> Location:
    """From a key to the end of its value: what an editor should highlight for ``Key: value``."""
    for k in mapping.keys() if isinstance(mapping, dict) else []:
        if k == key:
            return _key_span(path, k, mapping[k], fallback)
    return fallback


def _key_span(path: str, key: Any, value: Any, fallback: Location) -> Location:
    start = getattr(key, "start_mark", None)
    if start is None:
        return fallback
    value_end = getattr(value, "end_mark", None) or getattr(key, "end_mark", None)
    if value_end is None or value_end.line != start.line:
        value_end = getattr(key, "end_mark", None)  # a value over several lines: the key alone
    line = start.line + 1
    end_line = value_end.line + 1 if value_end else line
    end_col = value_end.column + 1 if value_end else start.column + 1
    return Location(path, line, start.column + 1, end_line, end_col)


def scalar_text(value: Any) -> str | None:
    """A scalar as CloudFormation turns it into a string (YAML booleans are written `true`/`false`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return plain(value)


def truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def sam_tagged(tags: Any) -> bool:
    """The tag SAM puts on the resources it generates (a role in the transform's output)."""
    return isinstance(tags, list) and any(
        isinstance(t, dict) and t.get("Key") == "lambda:createdBy" and t.get("Value") == "SAM" for t in tags
    )
