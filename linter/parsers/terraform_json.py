"""Terraform's JSON syntax (``*.tf.json``, ``*.tofu.json``, CDK for Terraform's ``cdk.tf.json``).

The file is read into the same shape python-hcl2 gives for native syntax, so that one resolver serves both:
blocks become lists of dicts carrying ``__start_line__``/``__end_line__`` (the lines of their JSON object), and
strings stay template strings (``"${aws_sqs_queue.q.arn}"``), which is what they are in Terraform's JSON syntax.
JSON has no marker for "this object is a nested block": the block types the linter reads are listed here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from infra_policy_linter.model.located import ParseError
from infra_policy_linter.parsers.terraform import TfFile

START, END = "__start_line__", "__end_line__"
# Top-level block types and how many labels each takes.
TOP_LEVEL = {
    "resource": 2,
    "data": 2,
    "module": 1,
    "variable": 1,
    "output": 1,
    "provider": 1,
    "locals": 0,
    "terraform": 0,
}
# Nested blocks that the linter reads inside resources and data sources; everything else is an attribute.
NESTED = frozenset(
    {
        "destination_config",
        "on_success",
        "on_failure",
        "statement",
        "condition",
        "principals",
        "not_principals",
        "inline_policy",
        "dynamic",
        "content",
        "server_side_encryption_configuration",
        "rule",
        "apply_server_side_encryption_by_default",
        "lifecycle",
    }
)
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_WHITESPACE = re.compile(r"[ \t\r\n]*")


class _Obj(dict[str, Any]):
    """A JSON object with the lines where it starts and ends."""

    start = 0
    end = 0


class _Reader:
    """A small JSON reader that remembers the line of every object (json.loads keeps no positions)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0

    def line(self, pos: int | None = None) -> int:
        return self.text.count("\n", 0, self.pos if pos is None else pos) + 1

    def fail(self, message: str) -> ValueError:
        line = self.line()
        column = self.pos - (self.text.rfind("\n", 0, self.pos) + 1) + 1
        return ValueError(f"{message}@{line}:{column}")

    def space(self) -> None:
        self.pos = _WHITESPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def value(self) -> Any:
        self.space()
        if self.pos >= len(self.text):
            raise self.fail("unexpected end of file")
        ch = self.text[self.pos]
        if ch == "{":
            return self.obj()
        if ch == "[":
            return self.array()
        if ch == '"':
            return self.string()
        for word, val in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return val
        m = _NUMBER.match(self.text, self.pos)
        if m is None or m.end() == self.pos:
            raise self.fail(f"unexpected {self.text[self.pos : self.pos + 10]!r}")
        self.pos = m.end()
        number = float(m.group(0))
        return int(number) if number.is_integer() and not any(c in m.group(0) for c in ".eE") else number

    def string(self) -> str:
        value: str
        try:
            value, self.pos = json.decoder.scanstring(self.text, self.pos + 1)  # type: ignore[attr-defined]
        except ValueError as exc:
            raise self.fail("invalid string") from exc
        return value

    def enter(self) -> None:
        self.depth += 1
        if self.depth > 100:
            raise self.fail("nesting deeper than 100 levels")

    def obj(self) -> _Obj:
        self.enter()
        out = _Obj()
        out.start = self.line()
        self.pos += 1
        self.space()
        if self.text.startswith("}", self.pos):
            self.pos += 1
        else:
            while True:
                self.space()
                if not self.text.startswith('"', self.pos):
                    raise self.fail("expected a key")
                key = self.string()
                self.space()
                if not self.text.startswith(":", self.pos):
                    raise self.fail("expected ':'")
                self.pos += 1
                out[key] = self.value()
                self.space()
                if self.text.startswith(",", self.pos):
                    self.pos += 1
                    continue
                if self.text.startswith("}", self.pos):
                    self.pos += 1
                    break
                raise self.fail("expected ',' or '}'")
        out.end = self.line(self.pos - 1)
        self.depth -= 1
        return out

    def array(self) -> list[Any]:
        self.enter()
        out: list[Any] = []
        self.pos += 1
        self.space()
        if self.text.startswith("]", self.pos):
            self.pos += 1
        else:
            while True:
                out.append(self.value())
                self.space()
                if self.text.startswith(",", self.pos):
                    self.pos += 1
                    continue
                if self.text.startswith("]", self.pos):
                    self.pos += 1
                    break
                raise self.fail("expected ',' or ']'")
        self.depth -= 1
        return out


def parse_terraform_json(display: str, text: str) -> TfFile | ParseError:
    reader = _Reader(text.lstrip("\ufeff"))
    try:
        root = reader.value()
        reader.space()
        if reader.pos != len(reader.text):
            raise reader.fail("unexpected text after the JSON value")
    except ValueError as exc:
        message, _, where = str(exc).rpartition("@")
        line, _, column = where.partition(":")
        return ParseError(display, int(line), int(column), f"invalid JSON: {message}")
    if not isinstance(root, _Obj):
        return ParseError(display, 1, 1, "a Terraform JSON file must hold an object")
    body: dict[str, Any] = {}
    for kind, value in root.items():
        if kind in TOP_LEVEL:
            body[kind] = [_labelled(item, TOP_LEVEL[kind]) for item in _each(value)]
    return TfFile(display, body, text.split("\n"))


def _each(value: Any) -> list[Any]:
    """A block type maps to one object or to an array of objects (several blocks of that type)."""
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, _Obj)]


def _labelled(obj: _Obj, labels: int) -> dict[str, Any]:
    if labels == 0:
        return _block(obj)
    out: dict[str, Any] = {}
    for label, inner in obj.items():
        if label == "//":
            continue
        blocks = _each(inner)
        if blocks:
            out[label] = _labelled(blocks[-1], labels - 1)  # a label given twice: the last one, as in HCL
    return out


def _block(obj: _Obj) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key == "//":
            continue  # a comment, by Terraform's JSON convention
        if key == "dynamic":
            labelled = value.items() if isinstance(value, _Obj) else []
            out[key] = [{label: _block(b)} for label, inner in labelled if label != "//" for b in _each(inner)]
        elif key in NESTED and (
            isinstance(value, _Obj) or (isinstance(value, list) and value and all(isinstance(v, _Obj) for v in value))
        ):
            out[key] = [_block(b) for b in _each(value)]
        else:
            out[key] = _plain(value)
    out[START] = obj.start
    out[END] = obj.end
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def parse_terraform_file(display: str, text: str) -> TfFile | ParseError:
    """Native syntax or JSON syntax, by the file's name, as Terraform decides."""
    return parser_for(display)(display, text)


def parser_for(display: str) -> Callable[[str, str], TfFile | ParseError]:
    """The parser of a Terraform file: JSON syntax by its name (``.tf.json``, ``.tofu.json``), else native."""
    from infra_policy_linter.parsers.terraform import parse_hcl

    return parse_terraform_json if display.endswith(".json") else parse_hcl
