"""Edits of JSON templates that leave every byte they do not need: the text is scanned once for where each value
starts and ends, and the new member or item is written in at the right place with the file's own indentation
(templates often mix one-line objects into indented ones, which no serializer writes back as they were)."""

from __future__ import annotations

import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from infra_policy_linter.fix.documents import EditError, json_indent
from infra_policy_linter.fix.merge import Merged, touches

Path = tuple[str | int, ...]
_WS = re.compile(r"[ \t\n\r]*")
_ATOM = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")


class _Scanner:
    """Where each value is: path -> (start, end) offsets, end exclusive."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans: dict[Path, tuple[int, int]] = {}
        self.members: dict[Path, list[str | int]] = {}  # object or array path -> its keys or indices, in order

    def _ws(self, i: int) -> int:
        match = _WS.match(self.text, i)
        assert match is not None
        return match.end()

    def value(self, i: int, path: Path) -> int:
        i = self._ws(i)
        start, c = i, self.text[i : i + 1]
        if c in ("{", "["):
            i = self._container(i + 1, path, "}" if c == "{" else "]")
        elif c == '"':
            i = scanstring(self.text, i + 1)[1]
        else:
            match = _ATOM.match(self.text, i)
            if match is None:
                raise EditError(f"invalid JSON at offset {i}")
            i = match.end()
        self.spans[path] = (start, i)
        return i

    def _container(self, i: int, path: Path, close: str) -> int:
        self.members[path] = []
        i = self._ws(i)
        n = 0
        while self.text[i : i + 1] != close:
            if close == "}":
                key, i = scanstring(self.text, self._ws(i) + 1)
                i = self._ws(i) + 1  # the colon
                name: str | int = key
            else:
                name = n
            i = self._ws(self.value(i, (*path, name)))
            self.members[path].append(name)
            n += 1
            if self.text[i : i + 1] == ",":
                i = self._ws(i + 1)
        return i + 1


def _line_pad(text: str, at: int) -> str:
    start = text.rfind("\n", 0, at) + 1
    line = text[start:at]
    return line[: len(line) - len(line.lstrip())]


def _on_own_line(text: str, at: int) -> bool:
    return not text[text.rfind("\n", 0, at) + 1 : at].strip()


def _dumped(value: Any, pad: str, step: str | int | None) -> str:
    if step is None:
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, indent=step, ensure_ascii=False).replace("\n", "\n" + pad)


class JsonTemplate:
    def __init__(self, text: str) -> None:
        json.loads(text)  # the syntax first: its errors say where
        self.text = text
        self.scan = _Scanner(text)
        self.scan.value(0, ())
        self.step = json_indent(text)

    def has(self, path: Path) -> bool:
        return path in self.scan.spans

    def kind(self, path: Path) -> str:
        return self.text[self.scan.spans[path][0]]

    def _after(self, path: Path, written: str) -> Merged:
        end = self.scan.spans[path][1]
        edited = self.text[:end] + written + self.text[end:]
        return Merged(edited, touches(self.text, edited))

    def _into_empty(self, path: Path, written: str) -> Merged:
        start, end = self.scan.spans[path]
        edited = self.text[: start + 1] + written + self.text[end - 1 :]
        return Merged(edited, touches(self.text, edited))

    def add_member(self, obj: Path, key: str, value: Any, after: str | None = None) -> Merged:
        """A new member of the object at ``obj``: after the member ``after``, else after the last one."""
        members = self.scan.members[obj]
        if not members:
            return self._into_empty(obj, f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
        prev = (*obj, after if after is not None else members[-1])
        start = self.scan.spans[prev][0]
        key_at = self.text.rfind(json.dumps(str(prev[-1])), 0, start)
        if self.step is None or not _on_own_line(self.text, key_at):
            return self._after(prev, f", {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
        pad = _line_pad(self.text, key_at)
        return self._after(prev, f",\n{pad}{json.dumps(key)}: {_dumped(value, pad, self.step)}")

    def add_item(self, array: Path, value: Any) -> Merged:
        members = self.scan.members[array]
        if not members:
            return self._into_empty(array, json.dumps(value, ensure_ascii=False))
        last = (*array, members[-1])
        start = self.scan.spans[last][0]
        if self.step is None or not _on_own_line(self.text, start):
            return self._after(last, ", " + json.dumps(value, ensure_ascii=False))
        pad = _line_pad(self.text, start)
        return self._after(last, f",\n{pad}{_dumped(value, pad, self.step)}")

    def wrap_in_list(self, path: Path, value: Any) -> Merged:
        """``[old, value]`` in place of the value at ``path``: rewrites its line (an unsafe edit)."""
        start, end = self.scan.spans[path]
        old = self.text[start:end]
        edited = self.text[:start] + f"[{old}, {json.dumps(value, ensure_ascii=False)}]" + self.text[end:]
        return Merged(edited, True)


def add_resource(text: str, role: str, after: str, logical: str, body: Any) -> Merged:
    doc = JsonTemplate(text)
    if not doc.has(("Resources", role)) or not doc.has(("Resources", after)):
        raise EditError(f"the role {role} is not among the template's resources")
    if doc.has(("Resources", logical)):
        raise EditError(f"the logical id {logical} is taken")
    return doc.add_member(("Resources",), logical, body, after)


def add_policy(text: str, function: str, item: Any) -> Merged:
    """As :func:`documents.add_policy`, on JSON text."""
    doc = JsonTemplate(text)
    fn = ("Resources", function)
    if not doc.has(fn) or doc.kind(fn) != "{":
        raise EditError(f"{function} is not a resource object")
    props = (*fn, "Properties")
    if not doc.has(props):
        return doc.add_member(fn, "Properties", {"Policies": [item]})
    if doc.kind(props) != "{":
        raise EditError(f"{function}'s Properties is not an object")
    policies = (*props, "Policies")
    if not doc.has(policies):
        return doc.add_member(props, "Policies", [item])
    members = doc.scan.members.get(policies, [])
    if doc.kind(policies) == "{" and len(members) == 1 and str(members[0]).startswith(("Fn::", "Ref")):
        raise EditError(f"{function}'s Policies is an intrinsic function, which a fix cannot extend")
    if doc.kind(policies) == "[":
        return doc.add_item(policies, item)
    return doc.wrap_in_list(policies, item)
