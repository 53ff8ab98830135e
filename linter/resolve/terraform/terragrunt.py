"""Terragrunt: a ``terragrunt.hcl`` is a root module (its ``terraform { source }``) called with its ``inputs``.

Terragrunt passes ``inputs`` to Terraform as ``TF_VAR_`` variables, so they are the lowest-precedence variable
values: the module's own ``terraform.tfvars`` still win. The configuration is evaluated statically as Terragrunt
would: ``locals``, ``include`` blocks (a parent's ``inputs`` merged under the child's; ``include.<name>.locals``
when the parent is read), ``find_in_parent_folders()``, ``get_terragrunt_dir()``, ``get_parent_terragrunt_dir()``,
``path_relative_to_include()``, ``path_relative_from_include()``, ``read_terragrunt_config()``, ``dirname``,
``basename``, ``merge``, ``get_env`` with a default. A ``dependency`` output is a named unknown unless the block
gives ``mock_outputs``: then the mock value is used, and the value carries that assumption (it shows in the
evidence). Anything else (another function, an operator) is an unknown named after what is written.

This module only evaluates the configuration; the Terraform resolver builds the module through its entry point
(``build_module`` with the inputs as a variable file).
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from infra_policy_linter.model.located import ParseError
from infra_policy_linter.model.values import Text, Unknown, account, make_text, with_assumption
from infra_policy_linter.parsers.hcl_expressions import HclExpressionError, Node, ParsedExpression, parse_value
from infra_policy_linter.parsers.hcl_nodes import (
    Attr,
    Call,
    Conditional,
    Lit,
    ObjectExpr,
    Ref,
    Step,
    Template,
    TupleExpr,
)
from infra_policy_linter.parsers.terraform import TfFile, parse_hcl

_META = ("__start_line__", "__end_line__")
_MAX_DEPTH = 32
# Sources Terraform downloads: git, registry, archives and buckets. Anything else is a local path.
_REMOTE = re.compile(
    r"^(git::|hg::|s3::|gcs::|tfr://|https?://|git@|github\.com/|bitbucket\.org/)|^[\w.-]+/[\w-]+/[\w-]+$"
)


@dataclass
class Terragrunt:
    """One terragrunt.hcl (the child) and every configuration it reads, by absolute POSIX path."""

    path: str  # absolute path of the child terragrunt.hcl
    read: Callable[[str], str | None]  # the text of a file, None when it does not exist
    parsed: dict[str, TfFile | ParseError | None] = field(default_factory=dict)
    errors: list[ParseError] = field(default_factory=list)
    _active: set[tuple[str, str]] = field(default_factory=set)
    _locals: dict[tuple[str, str], Any] = field(default_factory=dict)

    # -- files ----------------------------------------------------------------------------------------------------
    def config(self, path: str) -> TfFile | None:
        if path not in self.parsed:
            text = self.read(path)
            found = None if text is None else parse_hcl(path, text)
            if isinstance(found, ParseError):
                self.errors.append(found)
            self.parsed[path] = found
        parsed = self.parsed[path]
        return parsed if isinstance(parsed, TfFile) else None

    def blocks(self, path: str, kind: str) -> list[tuple[str, dict[str, Any]]]:
        """(label, body) of each ``kind`` block; unlabelled blocks have the label ""."""
        tf = self.config(path)
        out: list[tuple[str, dict[str, Any]]] = []
        for entry in tf.body.get(kind, []) if tf is not None and isinstance(tf.body.get(kind), list) else []:
            if not isinstance(entry, dict):
                continue
            if any(k in entry for k in _META):
                out.append(("", entry))
            else:
                out.extend((str(label), body) for label, body in entry.items() if isinstance(body, dict))
        return out

    # -- what the child says ------------------------------------------------------------------------------------
    def includes(self, path: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(label, absolute path, block) of each include of ``path``."""
        found = []
        for label, body in self.blocks(path, "include"):
            target = self.evaluate(body.get("path"), path)
            if isinstance(target, str):
                found.append((label, _absolute(posixpath.dirname(path), target), body))
        return found

    def source(self) -> tuple[Any, int]:
        """The ``terraform { source }`` (the child's, else the first include's that sets one) and its line."""
        for path in [self.path] + [p for _, p, _ in self.includes(self.path)]:
            for _, body in self.blocks(path, "terraform"):
                if "source" in body:
                    line = int(body.get("__start_line__", 1)) if path == self.path else 1
                    return self.evaluate(body["source"], path), line
        return None, 1

    def inputs(self) -> dict[str, Any]:
        """The inputs Terraform gets: every included parent's, then the child's (shallow merge, child wins)."""
        merged: dict[str, Any] = {}
        for _, parent, _ in self.includes(self.path):
            merged.update(self._inputs_of(parent))
        merged.update(self._inputs_of(self.path))
        return merged

    def _inputs_of(self, path: str) -> dict[str, Any]:
        tf = self.config(path)
        raw = tf.body.get("inputs") if tf is not None else None
        value = self.evaluate(raw, path) if raw is not None else {}
        return value if isinstance(value, dict) else {}

    def inputs_file(self, display: str, lines: list[str]) -> TfFile:
        """The inputs as a variable file for the Terraform resolver: each value already resolved."""
        body = {name: ParsedExpression(name, Lit(value)) for name, value in self.inputs().items()}
        return TfFile(display, body, lines)

    def model_call(self, source: Any, line: int, display: str, lines: list[str]) -> TfFile | None:
        """A registry source the linter has a model of (``tfr:///terraform-aws-modules/lambda/aws``): a root module
        that calls it as ``module.this`` with the inputs, positioned at the source in terragrunt.hcl."""
        from infra_policy_linter.resolve.terraform.registry_models import registry_address

        if not isinstance(source, str):
            return None
        address = registry_address(re.sub(r"^tfr://[^/]*/", "", source))
        if address is None:
            return None
        body: dict[str, Any] = {name: ParsedExpression(name, Lit(value)) for name, value in self.inputs().items()}
        body.update({"source": address, "__start_line__": line, "__end_line__": line})
        return TfFile(display, {"module": [{"this": body}]}, lines)

    # -- evaluation ---------------------------------------------------------------------------------------------
    def evaluate(self, raw: Any, path: str, depth: int = 0) -> Any:
        try:
            node = parse_value(raw)
        except HclExpressionError as exc:
            return Unknown("expression", f"an expression the linter cannot read ({exc})")
        return self._node(node, path, depth)

    def _node(self, node: Node, path: str, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            return Unknown("expression", "an expression nested too deeply")
        if isinstance(node, Lit):
            return node.value
        if isinstance(node, Template):
            return make_text(self._piece(p, path, depth) for p in node.parts)
        if isinstance(node, TupleExpr):
            return [self._node(n, path, depth + 1) for n in node.items]
        if isinstance(node, ObjectExpr):
            return self._object(node, path, depth)
        if isinstance(node, Ref) and isinstance(node.root, str):
            return self._reference(node.root, node.steps, path, depth)
        if isinstance(node, Call):
            return self._call(node.name, [self._node(a, path, depth + 1) for a in node.args], path)
        if isinstance(node, Conditional):
            test = self._node(node.test, path, depth + 1)
            if isinstance(test, bool):
                return self._node(node.then if test else node.other, path, depth + 1)
        return Unknown("expression", "an expression of the Terragrunt configuration the linter does not evaluate")

    def _piece(self, part: Any, path: str, depth: int) -> Any:
        if isinstance(part, str):
            return part
        value = self._node(part, path, depth + 1)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value) if isinstance(value, (int, float)) else value

    def _object(self, node: ObjectExpr, path: str, depth: int) -> Any:
        out: dict[str, Any] = {}
        for key_node, value_node in node.items:
            key = key_node.value if isinstance(key_node, Lit) else self._node(key_node, path, depth + 1)
            if isinstance(key_node, Ref) and not key_node.steps:
                key = key_node.root  # { name = ... }: a bare word is the key itself
            if isinstance(key, str):
                out[key] = self._node(value_node, path, depth + 1)
        return out

    def _reference(self, root: str, steps: tuple[Step, ...], path: str, depth: int) -> Any:
        names = [s.name for s in steps if isinstance(s, Attr)]
        label = ".".join([root, *names])
        if root == "local" and names:
            return _walk(self.local(path, names[0]), names[1:], label)
        if root == "dependency" and len(names) >= 3 and names[1] == "outputs":
            return self._dependency(path, names[0], names[2], label)
        if root == "include" and len(names) >= 2:
            for name, parent, _ in self.includes(self.path):
                if name == names[0] and names[1] in ("locals", "inputs"):
                    source = {"locals": self._all_locals(parent), "inputs": self._inputs_of(parent)}[names[1]]
                    return _walk(source, names[2:], label)
        return Unknown(label, f"{label}, which the linter does not evaluate in a Terragrunt configuration")

    def local(self, path: str, name: str) -> Any:
        key = (path, name)
        if key in self._locals:
            return self._locals[key]
        if key in self._active:
            return Unknown(f"local.{name}", f"local.{name}, which refers to itself")
        self._active.add(key)
        try:
            value: Any = Unknown(f"local.{name}", f"local.{name}, which {path} does not set")
            for _, body in self.blocks(path, "locals"):
                if name in body:
                    value = self.evaluate(body[name], path)
        finally:
            self._active.discard(key)
        self._locals[key] = value
        return value

    def _all_locals(self, path: str) -> dict[str, Any]:
        names = [k for _, body in self.blocks(path, "locals") for k in body if k not in _META]
        return {n: self.local(path, n) for n in names}

    def _dependency(self, path: str, name: str, output: str, label: str) -> Any:
        for found, body in self.blocks(path, "dependency"):
            if found != name:
                continue
            mocks = self.evaluate(body.get("mock_outputs"), path) if "mock_outputs" in body else None
            where = self.evaluate(body.get("config_path"), path)
            if isinstance(mocks, dict) and output in mocks:
                return with_assumption(mocks[output], f"{label} takes its mock_outputs value")
            return Unknown(label, f"{label}, an output of the Terragrunt dependency {where} (no mock_outputs for it)")
        return Unknown(label, f"{label}, and {path} has no dependency {name!r}")

    def _call(self, name: str, args: list[Any], path: str) -> Any:
        child_dir = posixpath.dirname(self.path)
        if name == "find_in_parent_folders":
            return self._find_up(child_dir, args)
        if name == "get_terragrunt_dir":
            return child_dir
        if name == "get_parent_terragrunt_dir":
            return posixpath.dirname(path)
        if name in ("path_relative_to_include", "path_relative_from_include"):
            there = posixpath.dirname(path)
            a, b = (child_dir, there) if name == "path_relative_to_include" else (there, child_dir)
            return posixpath.relpath(a, b)
        if name == "read_terragrunt_config" and args and isinstance(args[0], str):
            target = _absolute(posixpath.dirname(path), args[0])
            return {"locals": self._all_locals(target), "inputs": self._inputs_of(target)}
        if name in ("dirname", "basename") and args and isinstance(args[0], str):
            return posixpath.dirname(args[0]) if name == "dirname" else posixpath.basename(args[0])
        if name == "merge" and all(isinstance(a, dict) for a in args):
            return {k: v for a in args for k, v in a.items()}
        if name == "get_env" and len(args) == 2:
            return args[1]  # the environment of the machine linting is not the one that deploys
        if name == "get_aws_account_id":
            return account()
        return Unknown(f"{name}()", f"{name}(), which the linter does not evaluate")

    def _find_up(self, start: str, args: list[Any]) -> Any:
        wanted = args[0] if args and isinstance(args[0], str) else "terragrunt.hcl"
        directory = posixpath.dirname(start)
        while True:
            candidate = posixpath.join(directory, wanted)
            if self.read(candidate) is not None:
                return candidate
            parent = posixpath.dirname(directory)
            if parent == directory:
                break
            directory = parent
        if len(args) > 1:
            return args[1]
        return Unknown("find_in_parent_folders()", f"find_in_parent_folders({wanted!r}), which finds no such file")


def _walk(value: Any, names: list[str], label: str) -> Any:
    for name in names:
        if isinstance(value, dict) and name in value:
            value = value[name]
        elif isinstance(value, (Unknown, Text)):
            return Unknown(label, f"{label}, which rests on {value}")
        else:
            return Unknown(label, f"{label}, which is not set")
    return value


def _absolute(directory: str, path: str) -> str:
    return posixpath.normpath(path if path.startswith("/") else posixpath.join(directory, path))


def local_source(source: Any, directory: str) -> str | None:
    """The local module directory a ``source`` names (``//`` picks a subdirectory, ``?ref=`` is dropped)."""
    if not isinstance(source, str) or _REMOTE.match(source):
        return None
    path = source.split("?", 1)[0]
    if "//" in path:
        base, sub = path.split("//", 1)
        path = posixpath.join(base, sub)
    return _absolute(directory, path)


def absolute(display: str) -> str:
    return posixpath.normpath(posixpath.join(os.getcwd().replace(os.sep, "/"), display))


def display(path: str) -> str:
    return os.path.relpath(path, os.getcwd()).replace(os.sep, "/")
