"""What a Terraform module declares: its blocks, variables, locals, providers, outputs and module calls, indexed
from its files (override files merged as Terraform merges them), and where each of them is written.

:class:`Declarations` is plain state, read by the evaluator (expressions.py) and by the functions that build the
model; the small value types they share (a block, a scope, a nested block, the library of called modules' files)
and the helpers that read raw python-hcl2 values live here too.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from infra_policy_linter.model.entities import Statement
from infra_policy_linter.model.located import Location
from infra_policy_linter.parsers.hcl_expressions import ParsedExpression
from infra_policy_linter.parsers.hcl_nodes import Attr, Node, Step
from infra_policy_linter.parsers.terraform import TfFile, find_attribute
from infra_policy_linter.resolve.terraform.registry_models import CallSite, model_directory, model_files

META_KEYS = ("__start_line__", "__end_line__")


@dataclass
class Block:
    kind: str  # "resource" | "data"
    type: str
    name: str
    body: dict[str, Any]
    file: TfFile
    prefix: str = ""  # "module.<name>." for blocks of a called module

    @property
    def address(self) -> str:
        local = f"{self.type}.{self.name}" if self.kind == "resource" else f"data.{self.type}.{self.name}"
        return self.prefix + local

    @property
    def start(self) -> int:
        return int(self.body.get("__start_line__", 1))

    @property
    def end(self) -> int:
        return int(self.body.get("__end_line__", self.start))


@dataclass
class DocumentValue:
    """The ``json`` of a ``data "aws_iam_policy_document"``: kept as statements, not re-encoded JSON."""

    statements: list[Statement]
    problem: str | None = None


@dataclass
class Scope:
    count_index: Any = None
    each_key: Any = None
    each_value: Any = None
    bindings: dict[str, Any] = field(default_factory=dict)  # the variables of enclosing for expressions


@dataclass
class Nested:
    """A nested block's body, the scope its expressions are read in, and why it may not exist (dynamic blocks)."""

    body: dict[str, Any]
    scope: Scope
    unknown: str | None = None


@dataclass
class ModuleLibrary:
    """The parsed files of every module a root module calls, and where each call's source lives; what the
    evaluators of one unit share."""

    files: dict[str, list[TfFile]] = field(default_factory=dict)  # module directory (display) -> files
    remote: dict[str, str] = field(default_factory=dict)  # "module.a.module.b" -> directory, from modules.json
    texts: dict[str, str] = field(default_factory=dict)  # files read by file()/templatefile() (display path)
    absent: set[str] = field(default_factory=set)  # paths named in file()/templatefile() that do not exist
    models: dict[str, list[TfFile]] = field(default_factory=dict)  # registry address -> the linter's model of it
    call_sites: dict[str, CallSite] = field(default_factory=dict)  # model directory -> the call that reads it
    # Attribute strings ("${aws_sqs_queue.q.arn}") parsed into expressions, once per unit: the evaluator and the
    # readers of references (targets.py) parse the same attribute, and each instance of a module reads it again.
    expressions: dict[str, Node] = field(default_factory=dict)
    # Reference cycles met so far, in any module instance: a value computed while one was met is not kept, since
    # what the cycle stood in for is read differently once the cycle is closed.
    cycles_met: int = 0
    # The string literals of each attribute of a block whose values are placed (written.py), by (file, the block's
    # first line; 0 for a variable file's top level) and then the attribute's name.
    literals: dict[tuple[str, int], Any] = field(default_factory=dict)

    def locate(self, caller_dir: str, source: str | None, address: str) -> str | None:
        if source is None:
            return None
        if source.startswith(("./", "../")):
            return posixpath.normpath(posixpath.join(caller_dir, source))
        if address in self.remote:
            return self.remote[address]
        # Not downloaded: a registry module the linter has a model of is read through that model.
        directory = model_directory(source, address)
        if directory is not None and directory not in self.files:
            files = model_files(directory, self.models)
            if files is None:
                return None
            self.files[directory] = files
        return directory


class Declarations:
    """One instance of a Terraform module directory: what its files declare, indexed by kind and name. Blocks carry
    the instance's address prefix (``module.a["x"].``), so two instances of one directory have their own."""

    def __init__(self, name: str, files: list[TfFile], tfvars: list[TfFile], prefix: str = "") -> None:
        self.name = name  # the module's directory, as displayed
        self.files = files
        self.prefix = prefix
        self.calls: dict[str, dict[str, Any]] = {}
        self.call_files: dict[str, TfFile] = {}
        self.resources: dict[tuple[str, str], Block] = {}
        self.data: dict[tuple[str, str], Block] = {}
        self.variables: dict[str, dict[str, Any]] = {}
        self.locals: dict[str, tuple[Any, TfFile]] = {}
        self.providers: dict[str, dict[str, Any]] = {}
        self.outputs: list[tuple[str, dict[str, Any]]] = []  # (name, body) in file order, as Terraform reads them
        self.tfvars: dict[str, Any] = {}
        # Where each is written, for placing its literals (written.py): the locals block (its file is in locals),
        # the file of a variable, of an output, of a variable file's value.
        self.local_blocks: dict[str, dict[str, Any]] = {}
        self.variable_files: dict[str, TfFile] = {}
        self.output_files: dict[str, TfFile] = {}
        self.tfvars_files: dict[str, TfFile] = {}
        for tf in files:
            if not _is_override(tf.path):
                self._index(tf)
        for tf in sorted((f for f in files if _is_override(f.path)), key=lambda f: f.path):
            self._index(tf, override=True)
        for tf in files:
            self.outputs.extend(_block_entries(tf.body, "output"))
            for oname, _ in _block_entries(tf.body, "output"):
                self.output_files.setdefault(oname, tf)
        for tf in tfvars:
            for key, raw in tf.body.items():
                if key not in META_KEYS:
                    self.tfvars[key] = raw
                    self.tfvars_files[key] = tf

    def _index(self, tf: TfFile, override: bool = False) -> None:
        """Record the file's blocks. An override file (override.tf, *_override.tf) merges into the blocks it
        names, as Terraform merges it: its arguments replace theirs, its nested blocks replace those of the same
        type; a block it names that does not exist is ignored (Terraform rejects that)."""
        self._index_resources(tf, override)
        self._index_calls(tf, override)
        for vname, vbody in _block_entries(tf.body, "variable"):
            if not override:
                self.variables.setdefault(vname, vbody)
                self.variable_files.setdefault(vname, tf)
            elif vname in self.variables:
                self.variables[vname] = _merged(self.variables[vname], vbody)
        for entry in tf.body.get("locals", []) or []:
            for lname, raw in items_of(entry):
                if override or lname not in self.locals:
                    self.locals[lname] = (raw, tf)
                    self.local_blocks[lname] = entry
        for pname, pbody in _block_entries(tf.body, "provider"):
            if pname == "aws":
                alias = pbody.get("alias", "")
                self.providers.setdefault(alias if isinstance(alias, str) else "", pbody)

    def _index_resources(self, tf: TfFile, override: bool) -> None:
        for kind, table in (("resource", self.resources), ("data", self.data)):
            for entry in tf.body.get(kind, []) or []:
                for rtype, named in items_of(entry):
                    for rname, rbody in items_of(named):
                        if not isinstance(rbody, dict):
                            continue
                        if not override:
                            table.setdefault((rtype, rname), Block(kind, rtype, rname, rbody, tf, self.prefix))
                        elif (rtype, rname) in table:
                            base = table[(rtype, rname)]
                            base.body = _merged(base.body, rbody)

    def _index_calls(self, tf: TfFile, override: bool) -> None:
        for mname, mbody in _block_entries(tf.body, "module"):
            if not override:
                self.calls.setdefault(mname, mbody)
                self.call_files.setdefault(mname, tf)
            elif mname in self.calls:
                self.calls[mname] = _merged(self.calls[mname], mbody)

    def blocks_of(self, rtype: str) -> Iterator[Block]:
        for (t, _), block in sorted(self.resources.items()):
            if t == rtype:
                yield block

    def block_at(self, address: str | None) -> Block | None:
        """The block of this module instance that ``address`` names (an instance's index ignored)."""
        if address is None or not address.startswith(self.prefix):
            return None
        parts = address[len(self.prefix) :].split("[")[0].split(".")
        if parts[0] == "data" and len(parts) >= 3:
            return self.data.get((parts[1], parts[2]))
        return self.resources.get((parts[0], parts[1])) if len(parts) >= 2 else None

    def address_location(self, address: str | None) -> Location | None:
        block = self.block_at(address)
        return location(block) if block else None


def location(block: Block) -> Location:
    """Where a block starts: its first line."""
    line = block.file.lines[block.start - 1] if 0 < block.start <= len(block.file.lines) else ""
    return Location(block.file.path, block.start, 1, block.start, len(line.rstrip()) + 1)


def attribute_location(block: Block, raw: dict[str, Any] | None, key: str) -> Location:
    """Where ``key`` is written in the block (or in its nested block ``raw``); the block itself if it is not."""
    start = int(raw.get("__start_line__", block.start)) if raw else block.start
    end = int(raw.get("__end_line__", block.end)) if raw else block.end
    found = find_attribute(block.file, start, end, key)
    if found is None:
        return location(block)
    line, column, end_column = found
    return Location(block.file.path, line, column, line, end_column)


def _block_entries(body: dict[str, Any], kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, body) of every ``kind "label" { ... }`` block of a file (module, variable, provider)."""
    for entry in body.get(kind, []) or []:
        for label, block_body in items_of(entry):
            if isinstance(block_body, dict):
                yield label, block_body


def _is_override(path: str) -> bool:
    name = posixpath.basename(path)
    stem = name.split(".", 1)[0]
    return name.endswith((".tf", ".tf.json", ".tofu", ".tofu.json")) and (
        stem == "override" or stem.endswith("_override")
    )


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Terraform's override merge: arguments and nested block types in the override replace the base's."""
    merged = dict(base)
    for key, value in override.items():
        if key not in META_KEYS:
            merged[key] = value
    return merged


def hcl_source(raw: Any) -> str:
    """The HCL text of an attribute value as python-hcl2 7.x returns it."""
    if isinstance(raw, ParsedExpression):
        return raw.source
    if isinstance(raw, str):
        if raw.startswith("${") and raw.endswith("}") and raw.count("${") == 1:
            return raw[2:-1]
        return json.dumps(raw)
    return json.dumps(raw)


def items_of(entry: Any) -> list[tuple[str, Any]]:
    if not isinstance(entry, dict):
        return []
    return [(k, v) for k, v in entry.items() if k not in META_KEYS]


Steps = tuple[Step, ...]


def step_attr(steps: Steps, i: int) -> str | None:
    """The name of the ``i``-th step of a reference when it is an attribute (``.name``), else None."""
    step = steps[i] if i < len(steps) else None
    return step.name if isinstance(step, Attr) else None


def as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if value is None:
        return []
    return [value]


def list_or_none(value: Any) -> list[Any] | None:
    return None if value is None else as_list(value)


def instance_suffix(scope: Scope) -> str:
    if scope.count_index is not None:
        return f"[{scope.count_index}]"
    if scope.each_key is not None:
        return f'["{scope.each_key}"]'
    return ""


def iteration_scope(scope: Scope, names: tuple[str, ...], key: Any, value: Any) -> Scope:
    """The scope of one iteration of a for expression or %{for}: ``v`` or ``k, v`` bound."""
    bindings = dict(scope.bindings)
    if len(names) == 2:
        bindings[names[0]], bindings[names[1]] = key, value
    else:
        bindings[names[0]] = value
    return Scope(scope.count_index, scope.each_key, scope.each_value, bindings)


def bind_scope(scope: Scope, name: str, value: Any) -> Scope:
    return Scope(scope.count_index, scope.each_key, scope.each_value, {**scope.bindings, name: value})


ScopeKey = tuple[str, str, str]


def scope_key(scope: Scope) -> ScopeKey:
    return (repr(scope.count_index), repr(scope.each_key), repr(sorted(scope.bindings.items())))
