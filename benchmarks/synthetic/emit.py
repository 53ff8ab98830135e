"""Text writers that remember on which line a value landed, so labels can name exact finding lines.

Templates are plain Python data: dicts, lists, scalars, `Tag` (a CloudFormation intrinsic, written short-form in
YAML and long-form in JSON) and `Mark` (a value whose line is wanted). Terraform is written line by line with
`Lines`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Tag:
    """A CloudFormation intrinsic: Ref, GetAtt ("X.Arn"), Sub, ImportValue."""

    name: str
    arg: str


@dataclass(frozen=True)
class Mark:
    """Record the line of this value under `key` in the writer's marks."""

    key: str
    value: Any


@dataclass
class Lines:
    lines: list[str] = field(default_factory=list)
    marks: dict[str, int] = field(default_factory=dict)

    def add(self, text: str = "", mark: str | None = None) -> None:
        for line in text.split("\n"):
            self.lines.append(line)
        if mark is not None:
            self.marks[mark] = len(self.lines)  # 1-based line of the last line added

    def text(self) -> str:
        return "\n".join(self.lines).rstrip("\n") + "\n"


_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]*$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def _yaml_str(text: str) -> str:
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text)  # a JSON string is a valid YAML double-quoted scalar


def _yaml_inline(value: Any) -> str | None:
    """The value on one line, or None when it needs a block."""
    if isinstance(value, Mark):
        return _yaml_inline(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return _yaml_str(value)
    if isinstance(value, Tag):
        if value.name == "Sub":
            return f"!Sub {json.dumps(value.arg)}"
        return f"!{value.name} {value.arg}"
    if isinstance(value, (dict, list)) and not value:
        return "{}" if isinstance(value, dict) else "[]"
    return None


def _yaml_block(value: Any, indent: int, out: Lines) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            mark = item.key if isinstance(item, Mark) else None
            inner = item.value if isinstance(item, Mark) else item
            inline = _yaml_inline(inner)
            if inline is not None:
                out.add(f"{pad}{key}: {inline}", mark)
            else:
                out.add(f"{pad}{key}:", mark)
                _yaml_block(inner, indent + 2, out)
        return
    for item in value:
        inline = _yaml_inline(item)
        if inline is not None:
            out.add(f"{pad}- {inline}")
            continue
        first = len(out.lines)
        _yaml_block(item, indent + 2, out)
        out.lines[first] = f"{pad}- " + out.lines[first][indent + 2 :]


def to_yaml(doc: dict[str, Any]) -> tuple[str, dict[str, int]]:
    out = Lines()
    top = list(doc.items())
    for i, (key, value) in enumerate(top):
        _yaml_block({key: value}, 0, out)
        if isinstance(value, dict) and i < len(top) - 1:
            out.add("")
    return out.text(), out.marks


def _json_long(value: Any) -> Any:
    """Short-form Tag to the long form a JSON template spells."""
    if value.name == "Ref":
        return {"Ref": value.arg}
    if value.name == "GetAtt":
        logical, attribute = value.arg.split(".", 1)
        return {"Fn::GetAtt": [logical, attribute]}
    return {f"Fn::{value.name}": value.arg}


def _json_value(value: Any, indent: int, out: Lines, head: str, tail: str, mark: str | None) -> None:
    if isinstance(value, Mark):
        mark, value = value.key, value.value
    if isinstance(value, Tag):
        value = _json_long(value)
    pad = " " * indent
    if isinstance(value, dict) and value:
        out.add(f"{pad}{head}{{", mark)
        items = list(value.items())
        for i, (key, item) in enumerate(items):
            _json_value(item, indent + 2, out, f"{json.dumps(key)}: ", "," if i < len(items) - 1 else "", None)
        out.add(f"{pad}}}{tail}")
    elif isinstance(value, list) and value:
        out.add(f"{pad}{head}[", mark)
        for i, item in enumerate(value):
            _json_value(item, indent + 2, out, "", "," if i < len(value) - 1 else "", None)
        out.add(f"{pad}]{tail}")
    else:
        out.add(f"{pad}{head}{json.dumps(value)}{tail}", mark)


def to_json(doc: dict[str, Any]) -> tuple[str, dict[str, int]]:
    out = Lines()
    _json_value(doc, 0, out, "", "", None)
    return out.text(), out.marks
