"""Serverless Framework variables, resolved statically: ``${self:...}``, ``${sls:stage}``, ``${opt:...}`` and
``${env:...}`` with their fallbacks, ``${file(...)}`` of a local YAML or JSON file, ``${aws:accountId}`` and
``${aws:region}`` (as the pseudo parameters). Everything else (``${ssm:...}``, ``${cf:...}``, ``${s3:...}``,
``${param:...}``, plugin sources, an option or environment variable without a fallback) is a named unknown: the
node becomes a ``Ref`` to a stand-in parameter whose value is that unknown, so DST004 names the variable.

The environment of the machine the linter runs on is not read: it is not the one the service deploys from.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from infra_policy_linter.model.values import Unknown
from infra_policy_linter.resolve.serverless.nodes import marked

_INNERMOST = re.compile(r"\$\{([^${}]*)\}")
_SOURCE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*)(\(([^)]*)\))?(:(?!:)(.*))?\s*$", re.S)
_HOLE = re.compile("\x00(\\d+)\x00")
_MISSING = object()  # the source has no value (an option not given): the fallback applies
_MAX_DEPTH = 40

# Sources whose value only exists at deploy time, with what they are for the message.
_REMOTE = {
    "ssm": "a value in SSM Parameter Store",
    "cf": "an output of another CloudFormation stack",
    "s3": "an S3 object",
    "param": "a Serverless Dashboard value",
    "sls": "a value the framework sets at deploy time",
    "aws": "a value of the deploying account",
}


@dataclass
class Variables:
    """The variables of one service: its raw configuration and the files ``${file()}`` may read."""

    root: Any
    directory: str  # the service's directory (display form)
    files: dict[str, Any]  # display path -> parsed content of the files ${file()} reads
    unknowns: dict[str, Unknown] = field(default_factory=dict)  # stand-in parameter -> its value
    _active: set[str] = field(default_factory=set)
    _stage: Any = None

    # -- the stage and region the service deploys to ----------------------------------------------------------
    def stage(self) -> Any:
        if self._stage is None:
            provider = self.root.get("provider") if isinstance(self.root, dict) else None
            raw = provider.get("stage") if isinstance(provider, dict) else None
            self._stage = "dev" if raw is None else self.resolve(raw)
        return self._stage

    def region(self) -> Any:
        provider = self.root.get("provider") if isinstance(self.root, dict) else None
        raw = provider.get("region") if isinstance(provider, dict) else None
        value = "us-east-1" if raw is None else self.resolve(raw)
        return value if isinstance(value, str) else {"Ref": "AWS::Region"}

    # -- resolution ---------------------------------------------------------------------------------------------
    def resolve(self, node: Any, depth: int = 0) -> Any:
        """``node`` with every variable resolved, positions kept."""
        if depth > _MAX_DEPTH:
            return self._unknown("nesting", "variables nested too deeply")
        if isinstance(node, dict):
            return marked({k: self.resolve(v, depth + 1) for k, v in node.items()}, node)
        if isinstance(node, list):
            return marked([self.resolve(v, depth + 1) for v in node], node)
        if isinstance(node, str) and "${" in node:
            return marked(_adopt(self._string(str(node), depth), node), node)
        return node

    def _string(self, text: str, depth: int) -> Any:
        holes: list[Any] = []  # what each \x00n\x00 stands for: literal text to restore, or a CloudFormation node
        for _ in range(64):
            m = _INNERMOST.search(text)
            if m is None:
                break
            value = self._variable(m.group(1), depth) if _SOURCE.match(m.group(1)) else _Literal(m.group(0))
            if m.group(0) == text and not isinstance(value, _Literal):
                return value  # the whole string is one variable: its value keeps its type
            if isinstance(value, (str, int, float, bool)) and not isinstance(value, _Literal):
                piece = ("true" if value else "false") if isinstance(value, bool) else str(value)
                text = text[: m.start()] + piece + text[m.end() :]
                continue
            holes.append(value if isinstance(value, _Literal) else value)
            text = text[: m.start()] + f"\x00{len(holes) - 1}\x00" + text[m.end() :]
        return _joined(text, holes)

    def _variable(self, content: str, depth: int) -> Any:
        """The value of ``${content}``: the first of its source and fallbacks that has one."""
        parts = _split_fallbacks(content)
        for i, part in enumerate(parts):
            literal = _fallback_literal(part) if i else _MISSING
            value = literal if literal is not _MISSING else self._source(part.strip(), depth)
            if value is not _MISSING:
                return value
        if parts and parts[0].strip().startswith(("opt:", "env:")):
            what = "command line option" if parts[0].strip().startswith("opt:") else "environment variable"
            return self._unknown("${" + content + "}", f"${{{content}}}, a {what} of the deploy (no fallback)")
        return self._unknown("${" + content + "}", f"${{{content}}}, which serverless.yml does not set")

    def _source(self, text: str, depth: int) -> Any:
        m = _SOURCE.match(text)
        if m is None:
            return _MISSING
        source, argument, address = m.group(1), m.group(3), (m.group(5) or "").strip()
        if source == "self":
            return self._self(address, depth)
        if source == "file" and argument is not None:
            return self._file(argument.strip().strip("'\""), address, depth)
        if source in ("opt", "env"):
            return _MISSING  # not known here: the fallback decides, else it is unknown
        if source == "sls" and address == "stage":
            return self.stage()
        if source == "aws" and address == "accountId":
            return {"Ref": "AWS::AccountId"}
        if source == "aws" and address == "region":
            return self.region()
        what = _REMOTE.get(source, f"a value of the variable source {source!r}")
        return self._unknown("${" + text + "}", f"${{{text}}}, {what} the Serverless Framework resolves at deploy time")

    def _self(self, address: str, depth: int) -> Any:
        if address in self._active:
            return self._unknown("${self:" + address + "}", f"${{self:{address}}}, which refers to itself")
        self._active.add(address)
        try:
            found = _lookup(self.root, address)
            return _MISSING if found is _MISSING else self.resolve(found, depth + 1)
        finally:
            self._active.discard(address)

    def _file(self, written: str, address: str, depth: int) -> Any:
        path = posixpath.normpath(posixpath.join(self.directory, written))
        if path not in self.files:
            label = "${file(" + written + ")" + (":" + address if address else "") + "}"
            why = "which the linter does not read" if not written.endswith((".yml", ".yaml", ".json")) else "missing"
            return self._unknown(label, f"{label}, a file {why}" if why != "missing" else f"{label}, no such file")
        found = _lookup(self.files[path], address)
        # Positions in another file would be read as serverless.yml lines: the value is shown where it is read.
        return _MISSING if found is _MISSING else _plain(self.resolve(found, depth + 1))

    def _unknown(self, name: str, reason: str) -> dict[str, str]:
        key = "sls:" + name
        self.unknowns.setdefault(key, Unknown(name, reason))
        return {"Ref": key}


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return str(node) if isinstance(node, str) else node


def _adopt(node: Any, like: Any) -> Any:
    """Every node under ``node`` without a position gets the position of ``like`` (the variable's string)."""
    if getattr(node, "start_mark", None) is not None:
        return node
    if isinstance(node, dict):
        return marked({_adopt(k, like): _adopt(v, like) for k, v in node.items()}, like)
    if isinstance(node, list):
        return marked([_adopt(v, like) for v in node], like)
    return marked(node, like)


class _Literal(str):
    """``${...}`` that is not a Serverless variable (``${AWS::Region}`` of a ``Fn::Sub``): kept as written."""


def _joined(text: str, holes: list[Any]) -> Any:
    """The string with its holes filled: plain text when every hole is literal, else a ``Fn::Join``."""
    pieces: list[Any] = []
    last = 0
    for m in _HOLE.finditer(text):
        if m.start() > last:
            pieces.append(text[last : m.start()])
        hole = holes[int(m.group(1))]
        pieces.append(str(hole) if isinstance(hole, _Literal) else hole)
        last = m.end()
    if last < len(text):
        pieces.append(text[last:])
    merged: list[Any] = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    if all(isinstance(p, str) for p in merged):
        return "".join(merged)
    if len(merged) == 1:
        return merged[0]
    return {"Fn::Join": ["", merged]}


def _split_fallbacks(content: str) -> list[str]:
    """``opt:stage, 'dev'`` -> [``opt:stage``, ``'dev'``]: commas outside quotes and parentheses."""
    parts, depth, quote, current = [], 0, "", ""
    for ch in content:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        current += ch
    parts.append(current)
    return parts


def _fallback_literal(part: str) -> Any:
    text = part.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return _MISSING
    return _MISSING  # a variable address: resolved as a source


def _lookup(root: Any, address: str) -> Any:
    node = root
    for step in [s for s in re.split(r"\.", address) if s] if address else []:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            return _MISSING
    return node
