"""Terraform module -> model: resolves references, locals, variables, functions and policy documents."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from infra_policy_linter import aws
from infra_policy_linter.iam.managed import aws_managed_arn, aws_managed_document
from infra_policy_linter.iam.match import same
from infra_policy_linter.link import function_name_of
from infra_policy_linter.model import (
    Destination,
    EventSourceMapping,
    Function,
    InlineAttachment,
    InvokeConfig,
    Language,
    Location,
    ManagedAttachment,
    ManagedPolicy,
    ModuleCall,
    Policy,
    Role,
    Statement,
    Unit,
)
from infra_policy_linter.parsers.hcl_expressions import (
    HclExpressionError,
    Node,
    ParsedExpression,
    parse_template,
    parse_value,
)
from infra_policy_linter.parsers.suppressions import comment_suppressions
from infra_policy_linter.parsers.terraform import TfFile, find_attribute
from infra_policy_linter.policy_document import policy_from_value
from infra_policy_linter.resolve.hcl_functions import Encoded, call_function
from infra_policy_linter.resolve.registry_models import CallSite, is_model_path, model_directory, model_files
from infra_policy_linter.resolve.terraform_resource_policies import build_resource_policies, statement_principals
from infra_policy_linter.values import (
    Environment,
    Text,
    Unknown,
    failure,
    generated_name,
    make_text,
    plain,
    unknowns_in,
    with_assumption,
)

META_KEYS = ("__start_line__", "__end_line__")
DESTINATION_TYPES = (
    "aws_sqs_queue",
    "aws_sns_topic",
    "aws_lambda_function",
    "aws_cloudwatch_event_bus",
    "aws_s3_bucket",
)


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
class _Attr:
    """How a computed attribute of a resource type is derived from its arguments."""

    fn: Callable[[TerraformModule, Block, Scope], Any]


def _name_arg(*keys: str, prefix_key: str | None = None) -> Callable[[TerraformModule, Block, Scope], Any]:
    def get(module: TerraformModule, block: Block, scope: Scope) -> Any:
        for key in keys:
            if key in block.body:
                return module.argument(block, key, scope)
        generated = generated_name(block.address + _instance(scope), "Terraform")
        if prefix_key and prefix_key in block.body:
            return make_text([module.argument(block, prefix_key, scope), generated])
        return generated

    return get


_NAMES: dict[str, Callable[[TerraformModule, Block, Scope], Any]] = {
    "aws_kms_key": lambda module, block, scope: Unknown(
        f"{block.address}{_instance(scope)}.key_id", f"the key id AWS KMS generates for {block.address}", atom=True
    ),
    "aws_kms_alias": _name_arg("name", prefix_key="name_prefix"),
    "aws_kinesis_stream": _name_arg("name"),
    "aws_dynamodb_table": _name_arg("name"),
    "aws_msk_cluster": _name_arg("cluster_name"),
    "aws_msk_serverless_cluster": _name_arg("cluster_name"),
    "aws_sqs_queue": _name_arg("name", prefix_key="name_prefix"),
    "aws_sns_topic": _name_arg("name", prefix_key="name_prefix"),
    "aws_lambda_function": _name_arg("function_name"),
    "aws_cloudwatch_event_bus": _name_arg("name"),
    "aws_s3_bucket": _name_arg("bucket", prefix_key="bucket_prefix"),
    "aws_iam_role": _name_arg("name", prefix_key="name_prefix"),
    "aws_iam_policy": _name_arg("name", prefix_key="name_prefix"),
    "aws_lambda_alias": _name_arg("name"),
}


@dataclass
class ModuleLibrary:
    """The parsed files of every module a root module calls, and where each call's source lives."""

    files: dict[str, list[TfFile]] = field(default_factory=dict)  # module directory (display) -> files
    remote: dict[str, str] = field(default_factory=dict)  # "module.a.module.b" -> directory, from modules.json
    texts: dict[str, str] = field(default_factory=dict)  # files read by file()/templatefile() (display path)
    models: dict[str, list[TfFile]] = field(default_factory=dict)  # registry address -> the linter's model of it
    call_sites: dict[str, CallSite] = field(default_factory=dict)  # model directory -> the call that reads it

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


# Resource types an event source mapping reads: (service, MSK cluster type).
_SOURCE_TYPES: dict[str, tuple[str, str | None]] = {
    "aws_sqs_queue": ("sqs", None),
    "aws_kinesis_stream": ("kinesis", None),
    "aws_dynamodb_table": ("dynamodb", None),
    "aws_msk_cluster": ("kafka", "provisioned"),
    "aws_msk_serverless_cluster": ("kafka", "serverless"),
    "aws_mq_broker": ("mq", None),
    "aws_docdb_cluster": ("rds", None),
}


class TerraformModule:
    """One Terraform module directory: its blocks, and lazy evaluation of any expression in it."""

    def __init__(
        self,
        name: str,
        files: list[TfFile],
        tfvars: list[TfFile],
        env: Environment | None = None,
        library: ModuleLibrary | None = None,
        prefix: str = "",
        caller: tuple[TerraformModule, dict[str, Any], Scope] | None = None,
        depth: int = 0,
        call_name: str = "",
    ) -> None:
        self.name = name  # the module's directory, as displayed
        self.env = env or Environment()
        self.files = files
        self.library = library or ModuleLibrary()
        self.prefix = prefix
        # (calling module, the module block's arguments, the instance's scope): where input variables come from
        self.caller = caller
        self.call_name = call_name
        self.depth = depth
        self.calls: dict[str, dict[str, Any]] = {}
        self.call_files: dict[str, TfFile] = {}
        self._children: dict[str, list[tuple[str, TerraformModule]] | str] = {}
        self.resources: dict[tuple[str, str], Block] = {}
        self.data: dict[tuple[str, str], Block] = {}
        self.variables: dict[str, dict[str, Any]] = {}
        self.locals: dict[str, tuple[Any, TfFile]] = {}
        self.providers: dict[str, dict[str, Any]] = {}
        self.tfvars: dict[str, Any] = {}
        self._cache: dict[tuple, Any] = {}
        self._active: set[tuple] = set()
        for tf in files:
            if not _is_override(tf.path):
                self._index(tf)
        for tf in sorted((f for f in files if _is_override(f.path)), key=lambda f: f.path):
            self._index(tf, override=True)
        for tf in tfvars:
            for key, raw in tf.body.items():
                if key not in META_KEYS:
                    self.tfvars[key] = raw

    def _index(self, tf: TfFile, override: bool = False) -> None:
        """Record the file's blocks. An override file (override.tf, *_override.tf) merges into the blocks it
        names, as Terraform merges it: its arguments replace theirs, its nested blocks replace those of the same
        type; a block it names that does not exist is ignored (Terraform rejects that)."""
        body = tf.body
        for kind, table in (("resource", self.resources), ("data", self.data)):
            for entry in body.get(kind, []) or []:
                for rtype, named in _items(entry):
                    for rname, rbody in _items(named):
                        if not isinstance(rbody, dict):
                            continue
                        if override:
                            if (rtype, rname) in table:
                                base = table[(rtype, rname)]
                                base.body = _merged(base.body, rbody)
                        else:
                            table.setdefault((rtype, rname), Block(kind, rtype, rname, rbody, tf, self.prefix))
        for entry in body.get("module", []) or []:
            for mname, mbody in _items(entry):
                if isinstance(mbody, dict):
                    if override and mname in self.calls:
                        self.calls[mname] = _merged(self.calls[mname], mbody)
                    elif not override:
                        self.calls.setdefault(mname, mbody)
                        self.call_files.setdefault(mname, tf)
        for entry in body.get("variable", []) or []:
            for vname, vbody in _items(entry):
                if isinstance(vbody, dict):
                    if override and vname in self.variables:
                        self.variables[vname] = _merged(self.variables[vname], vbody)
                    elif not override:
                        self.variables.setdefault(vname, vbody)
        for entry in body.get("locals", []) or []:
            for lname, raw in _items(entry):
                if override:
                    self.locals[lname] = (raw, tf)
                else:
                    self.locals.setdefault(lname, (raw, tf))
        for entry in body.get("provider", []) or []:
            for pname, pbody in _items(entry):
                if pname == "aws" and isinstance(pbody, dict):
                    alias = pbody.get("alias", "")
                    self.providers.setdefault(alias if isinstance(alias, str) else "", pbody)

    # -- evaluation ------------------------------------------------------------------------------------------
    def evaluate_raw(self, raw: Any, scope: Scope | None = None) -> Any:
        try:
            node = parse_value(raw)
        except HclExpressionError as exc:
            return Unknown("expression", f"an expression the linter cannot read ({exc})")
        return self.evaluate(node, scope or Scope())

    def argument(self, block: Block, key: str, scope: Scope | None = None) -> Any:
        scope = scope or Scope()
        cache_key = ("arg", block.kind, block.type, block.name, key, _scope_key(scope))
        if cache_key in self._cache:
            return self._cache[cache_key]
        if cache_key in self._active:
            return Unknown(f"{block.address}.{key}", f"{block.address}.{key} refers to itself")
        self._active.add(cache_key)
        try:
            value = self.evaluate_raw(block.body.get(key), scope)
        finally:
            self._active.discard(cache_key)
        if isinstance(value, Unknown) and value.name == "expression" and "cannot read" in value.reason:
            at = self.attribute_location(block, None, key)  # say where, so that the user can look at it
            value = Unknown(value.name, f"{value.reason} at {at.path}:{at.line}")
        self._cache[cache_key] = value
        return value

    def evaluate(self, node: Node, scope: Scope) -> Any:
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "tmpl":
            return make_text([p if isinstance(p, str) else self._template_piece(p, scope) for p in node[1]])
        if kind == "ref":
            return self._reference(node, scope)
        if kind == "tuple":
            return [self.evaluate(item, scope) for item in node[1]]
        if kind == "object":
            out: dict[str, Any] = {}
            for key_node, value_node in node[1]:
                key = self.evaluate(key_node, scope) if key_node[0] != "ref" or key_node[2] else key_node[1]
                key = plain(key)
                if key is None:
                    return Unknown("object", "an object with a computed key")
                out[key] = self.evaluate(value_node, scope)
            return out
        if kind == "call":
            return self._call(node[1], node[2], node[3], scope)
        if kind == "cond":
            test = self.evaluate(node[1], scope)
            if isinstance(test, bool):
                return self.evaluate(node[2] if test else node[3], scope)
            if isinstance(test, Unknown) and test.failed:
                return test
            then, other = self.evaluate(node[2], scope), self.evaluate(node[3], scope)
            if then == other:
                return then
            return _unknown_over("conditional", "a conditional expression", [test])
        if kind == "op":
            return self._operator(node[1], node[2], node[3], scope)
        if kind == "for":
            return self._for(node, scope)
        if kind == "tif":
            return self._template_if(node, scope)
        if kind == "tfor":
            return self._template_for(node, scope)
        return Unknown("expression", f"an expression of a kind the linter does not read ({kind})")

    def _render(self, parts: list[Any], scope: Scope) -> Any:
        return make_text([p if isinstance(p, str) else self._template_piece(p, scope) for p in parts])

    def _template_if(self, node: Node, scope: Scope) -> Any:
        _, test_node, then, other = node
        test = self.evaluate(test_node, scope)
        if isinstance(test, bool):
            return self._render(then if test else other, scope)
        a, b = self._render(then, scope), self._render(other, scope)
        return a if a == b else _unknown_over("template", "a %{if} directive", [test])

    def _template_for(self, node: Node, scope: Scope) -> Any:
        _, names, collection_node, body = node
        collection = self.evaluate(collection_node, scope)
        items = _pairs(collection)
        if items is None:
            return _unknown_over("template", "a %{for} directive", [collection])
        return make_text([self._render(body, _iteration(scope, names, key, value)) for key, value in items])

    def _for(self, node: Node, scope: Scope) -> Any:
        _, names, collection_node, key_node, value_node, condition_node, grouping, brace = node
        collection = self.evaluate(collection_node, scope)
        unknown = Unknown("for expression", "a for expression over values not known statically")
        items = _pairs(collection)
        if items is None:
            return unknown
        out_list: list[Any] = []
        out_map: dict[str, Any] = {}
        for k, v in items:
            inner = _iteration(scope, names, k, v)
            if condition_node is not None:
                keep = self.evaluate(condition_node, inner)
                if not isinstance(keep, bool):
                    return unknown
                if not keep:
                    continue
            value = self.evaluate(value_node, inner)
            if brace == "[":
                out_list.append(value)
                continue
            key = plain(make_text([self.evaluate(key_node, inner)]))  # object keys are strings
            if key is None:
                return unknown
            if grouping:
                out_map.setdefault(key, []).append(value)
            else:
                out_map[key] = value
        return out_list if brace == "[" else out_map

    def _template_piece(self, node: Node, scope: Scope) -> Any:
        value = self.evaluate(node, scope)
        if isinstance(value, DocumentValue):
            return Unknown("policy document json", "a policy document's JSON inside a string")
        return value

    def _operator(self, op: str, left: Node | None, right: Node, scope: Scope) -> Any:
        b = self.evaluate(right, scope)
        if left is None:
            return _unary(op, b)
        a = self.evaluate(left, scope)
        for side in (a, b):
            if isinstance(side, Unknown) and side.failed:
                return side
        if op in ("&&", "||"):
            return _logical(op, a, b)
        if op in ("==", "!="):
            equal = _equal(a, b)
            if equal is None:
                return _unknown_over("comparison", "a comparison", [a, b])
            return equal if op == "==" else not equal
        a, b = _number(a), _number(b)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            try:
                return {
                    "+": lambda: a + b,
                    "-": lambda: a - b,
                    "*": lambda: a * b,
                    "/": lambda: a / b,
                    "%": lambda: a % b,
                    "<": lambda: a < b,
                    ">": lambda: a > b,
                    "<=": lambda: a <= b,
                    ">=": lambda: a >= b,
                }[op]()
            except ZeroDivisionError:
                return failure("division", "a division by zero")
            except KeyError:
                pass
        return _unknown_over("expression", f"an {op!r} expression", [a, b])

    def _call(self, name: str, arg_nodes: list[Node], expand: bool, scope: Scope) -> Any:
        args = [self.evaluate(a, scope) for a in arg_nodes]
        if expand and args and isinstance(args[-1], list):
            args = args[:-1] + args[-1]
        if name in ("file", "templatefile") and args:
            return self._file(name, args)
        return call_function(name, args)

    def _root(self) -> TerraformModule:
        return self.caller[0]._root() if self.caller is not None else self

    def _file(self, name: str, args: list[Any]) -> Any:
        """file() and templatefile(): files the module reads itself (never run, only read)."""
        path = plain(args[0])
        if path is None:
            return Unknown(f"{name}()", f"{name}() of a path not known statically")
        # Relative paths are relative to where terraform runs: the root module's directory.
        shown = posixpath.normpath(posixpath.join(self._root().name, path)) if not path.startswith("/") else path
        text = self.library.texts.get(shown)
        if text is None:
            return Unknown(f"{name}({path})", f"the contents of {path}, which the linter could not read")
        if name == "file":
            return text
        variables = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
        try:
            node = parse_template(text)
        except HclExpressionError as exc:
            return Unknown(f"{name}({path})", f"{path}, a template the linter cannot read ({exc})")
        return self.evaluate(node, Scope(bindings=dict(variables)))

    def _reference(self, node: Node, scope: Scope) -> Any:
        root, steps = node[1], list(node[2])
        if not isinstance(root, str):
            return self._apply_steps(self.evaluate(root, scope), steps, scope)
        if root in scope.bindings:
            return self._apply_steps(scope.bindings[root], steps, scope)
        if root == "var":
            name = _attr(steps, 0)
            if name is None:
                return Unknown("var", "a reference to var")
            return self._apply_steps(self.variable(name), steps[1:], scope)
        if root == "local":
            name = _attr(steps, 0)
            if name is None:
                return Unknown("local", "a reference to local")
            return self._apply_steps(self.local(name), steps[1:], scope)
        if root == "count" and _attr(steps, 0) == "index":
            return scope.count_index if scope.count_index is not None else Unknown("count.index", "count.index")
        if root == "each":
            which = _attr(steps, 0)
            value = scope.each_key if which == "key" else scope.each_value if which == "value" else None
            if value is None:
                return Unknown(f"each.{which}", f"each.{which}")
            return self._apply_steps(value, steps[1:], scope)
        if root == "module":
            name = _attr(steps, 0) or ""
            rest = steps[1:]
            key: Any = None
            if rest and rest[0][0] == "index":
                key = self.evaluate(rest[0][1], scope)
                rest = rest[1:]
            output = _attr(rest, 0)
            child = self.child(name, key)
            if isinstance(child, str):
                return Unknown(f"{self.prefix}module.{name}.{output}", f"output {output!r} of module {name!r}: {child}")
            return self._apply_steps(child.output(output or ""), rest[1:], scope)
        if root == "data":
            rtype, rname = _attr(steps, 0), _attr(steps, 1)
            block = self.data.get((rtype or "", rname or ""))
            if block is None:
                return Unknown(f"data.{rtype}.{rname}", f"data.{rtype}.{rname}, which is not declared in this module")
            return self._resource_reference(block, steps[2:], scope)
        if root == "__plan__":  # written by the plan reader for values the plan leaves open
            what = _attr(steps, 0)
            return Unknown(f"{self.prefix}{what} after apply", f"{what}, which the plan knows only after apply")
        if root == "path" and _attr(steps, 0) in ("module", "root"):
            # Terraform gives them relative to where it runs, the root module's directory.
            return posixpath.relpath(self.name, self._root().name) if _attr(steps, 0) == "module" else "."
        if root in ("path", "terraform", "self"):
            return Unknown(f"{root}.{_attr(steps, 0)}", f"{root}.{_attr(steps, 0)}")
        rname = _attr(steps, 0)
        block = self.resources.get((root, rname or ""))
        if block is None:
            return Unknown(f"{root}.{rname}", f"{root}.{rname}, which is not declared in this module")
        return self._resource_reference(block, steps[1:], scope)

    def _resource_reference(self, block: Block, steps: list[tuple], scope: Scope) -> Any:
        inner = Scope()
        if steps and steps[0][0] == "index":
            index = self.evaluate(steps[0][1], scope)
            if "count" in block.body:
                inner = Scope(count_index=index if isinstance(index, int) else None)
            elif "for_each" in block.body:
                inner = next((sc for _, sc in self.instances(block) if sc.each_key == index), Scope())
            steps = steps[1:]
        elif steps and steps[0][0] == "splat":
            attr = _attr(steps, 1)
            instances = self.instances(block)
            if attr is None or any(suffix == "[*]" for suffix, _ in instances):
                return Unknown(f"{block.address}[*]", f"a splat over {block.address}")
            return [
                self._apply_steps(self.resource_attribute(block, attr, sc), steps[2:], scope) for _, sc in instances
            ]
        attr = _attr(steps, 0)
        if attr is None:
            return Unknown(block.address, f"{block.address} used as a whole object")
        return self._apply_steps(self.resource_attribute(block, attr, inner), steps[1:], scope)

    def _apply_steps(self, value: Any, steps: list[tuple], scope: Scope) -> Any:
        for position, step in enumerate(steps):
            if isinstance(value, Unknown):
                return value
            if step[0] == "attr":
                key: Any = step[1]
            elif step[0] == "index":
                key = self.evaluate(step[1], scope)
            else:  # a splat: the rest of the traversal applies to each element; null is no element
                rest = steps[position + 1 :]
                if value is None:
                    return []
                if isinstance(value, list):
                    return [self._apply_steps(item, rest, scope) for item in value]
                if isinstance(value, (dict, str, Text)):
                    return [self._apply_steps(value, rest, scope)]
                return Unknown("splat", "a splat over a value that is not known statically")
            if isinstance(key, Unknown):
                return key
            if isinstance(key, Text):
                return Unknown("index", f"an index that is not known statically ({key})")
            if isinstance(value, dict) and isinstance(key, str):
                if key not in value:
                    return failure(f"[{key!r}]", f"the key {key!r}, which the object does not have")
                value = value[key]
            elif isinstance(value, list) and isinstance(key, int) and not isinstance(key, bool):
                if not 0 <= key < len(value):  # Terraform has no negative indices
                    return failure(f"[{key}]", f"index {key} of a list of {len(value)}")
                value = value[key]
            elif isinstance(value, (dict, list, str, int, float, bool, Text)) or value is None:
                return failure("index", f"an index or attribute {key!r} of a value that has none")
            else:
                return Unknown("index", "an index into a value that is not known statically")
        return value

    def variable(self, name: str) -> Any:
        key = ("var", name)
        if key in self._cache:
            return self._cache[key]
        if self.caller is not None and name in self.caller[1]:
            value = self.caller[0].evaluate_raw(self.caller[1][name], self.caller[2])
        elif name in self.tfvars:
            value = self.evaluate_raw(self.tfvars[name])
        elif name in self.variables and "default" in self.variables[name]:
            value = self.evaluate_raw(self.variables[name]["default"])
            if value is not None:  # null is a value too: Terraform treats an argument set to null as unset
                value = with_assumption(value, f"var.{name} takes its default")
        elif name in self.variables:
            value = Unknown(f"var.{name}", f"var.{name}, which has no default", present=True)
        else:
            value = Unknown(f"var.{name}", f"var.{name}, which is not declared in this module")
        self._cache[key] = value
        return value

    def local(self, name: str) -> Any:
        key = ("local", name)
        if key in self._cache:
            return self._cache[key]
        if key in self._active:
            return Unknown(f"local.{name}", f"local.{name}, which refers to itself")
        if name not in self.locals:
            return Unknown(f"local.{name}", f"local.{name}, which is not declared in this module")
        self._active.add(key)
        try:
            value = self.evaluate_raw(self.locals[name][0])
        finally:
            self._active.discard(key)
        self._cache[key] = value
        return value

    def provider_region(self, block: Block | None) -> Any:
        alias = ""
        if block is not None and isinstance(block.body.get("provider"), str):
            ref = block.body["provider"].strip("${}")
            alias = ref.split(".", 1)[1] if "." in ref else ""
        provider = self.providers.get(alias)
        if provider is not None and "region" in provider:
            value = self.evaluate_raw(provider["region"])
            if isinstance(value, (str, Text)):
                return value
        if provider is None and self.caller is not None:
            return self.caller[0].provider_region(None)  # a called module uses its caller's default provider
        return self.env.region()

    # -- modules ---------------------------------------------------------------------------------------------
    def children(self, name: str) -> list[tuple[str, TerraformModule]] | str:
        """Every instance of the module called ``name`` (count/for_each as for resources), or why it cannot be
        followed."""
        if name in self._children:
            return self._children[name]
        body = self.calls.get(name)
        found: list[tuple[str, TerraformModule]] | str
        if body is None:
            found = f"module {name!r} is not called in {self.name}"
        elif self.depth >= 16:
            found = "modules nested more than 16 deep"
        else:
            source = plain(self.evaluate_raw(body.get("source")))
            directory = self.library.locate(self.name, source, self.prefix + f"module.{name}")
            files = self.library.files.get(directory) if directory else None
            if source is None:
                found = "its source is not a literal string"
            elif files is None or directory is None:
                found = (
                    f"its source {source!r} is not available here (a module `terraform init` downloads: run "
                    f"it so that .terraform/modules holds it)"
                    if directory is None
                    else f"its source {source!r} has no Terraform files"
                )
            else:
                if is_model_path(directory):
                    self.library.call_sites[directory] = CallSite(self._unfollowed(name, "").location, self.prefix)
                found = [
                    (
                        suffix,
                        TerraformModule(
                            directory,
                            files,
                            [],
                            self.env,
                            self.library,
                            f"{self.prefix}module.{name}{suffix}.",
                            (self, body, scope),
                            self.depth + 1,
                            name,
                        ),
                    )
                    for suffix, scope in self._instances(body)
                ]
        self._children[name] = found
        return found

    def child(self, name: str, key: Any = None) -> TerraformModule | str:
        """One instance of the module called ``name``: ``module.x[key]``, or ``module.x`` without an index."""
        found = self.children(name)
        if isinstance(found, str):
            return found
        wanted = "" if key is None else f"[{key}]" if isinstance(key, int) else f'["{plain(key)}"]'
        for suffix, module in found:
            if suffix in (wanted, "[*]"):
                return module
        return f"it has no instance {wanted or 'without an index'}"

    def _unfollowed(self, name: str, reason: str) -> ModuleCall:
        body = self.calls[name]
        tf = self.call_files[name]
        line = int(body.get("__start_line__", 1))
        text = tf.lines[line - 1] if 0 < line <= len(tf.lines) else ""
        written = body.get("source")
        source = _hcl_source(written) if not isinstance(written, str) or "${" in written else written
        return ModuleCall(
            f"{self.prefix}module.{name}", source, reason, Location(tf.path, line, 1, line, len(text.rstrip()) + 1)
        )

    def output(self, name: str) -> Any:
        for tf in self.files:
            for entry in tf.body.get("output", []) or []:
                for oname, obody in _items(entry):
                    if oname == name and isinstance(obody, dict) and "value" in obody:
                        return self.evaluate_raw(obody["value"])
        return Unknown(f"{self.prefix}output.{name}", f"output {name!r}, which {self.name} does not declare")

    def resource_attribute(self, block: Block, attr: str, scope: Scope) -> Any:
        rtype = block.type
        if block.kind == "data":
            special = self._data_attribute(block, attr, scope)
            if special is not None:
                return special
        name_of = _NAMES.get(rtype)
        if name_of is not None:
            computed = self._computed(block, attr, scope, name_of)
            if computed is not None:
                return computed
        if attr in block.body and attr not in META_KEYS:
            return self.argument(block, attr, scope)
        return Unknown(f"{block.address}.{attr}", f"{block.address}.{attr}, known only after apply", present=True)

    def _computed(self, block: Block, attr: str, scope: Scope, name_of: Callable) -> Any:
        rtype = block.type
        if block.kind == "data" and rtype == "aws_iam_policy" and attr == "arn" and "arn" in block.body:
            return self.argument(block, "arn", scope)
        name = name_of(self, block, scope)
        reg = self.provider_region(block)
        acct = self.env.account()
        if rtype == "aws_sqs_queue":
            table = {
                "name": name,
                "arn": aws.queue_arn(reg, acct, name),
                "id": aws.queue_url(reg, acct, name),
            }
            table["url"] = table["id"]
        elif rtype == "aws_sns_topic":
            table = {"name": name, "arn": aws.topic_arn(reg, acct, name)}
            table["id"] = table["arn"]
        elif rtype == "aws_lambda_function":
            version = Unknown(f"{block.address}.version", f"the version {block.address} publishes")
            table = {
                "function_name": name,
                "id": name,
                "arn": aws.function_arn(reg, acct, name),
                "qualified_arn": aws.function_arn(reg, acct, name, version),
            }
        elif rtype == "aws_lambda_alias":
            fn = function_name_of(self.argument(block, "function_name", scope))
            table = {"name": name, "arn": aws.function_arn(reg, acct, fn, name)}
        elif rtype == "aws_cloudwatch_event_bus":
            table = {"name": name, "id": name, "arn": aws.event_bus_arn(reg, acct, name)}
        elif rtype == "aws_s3_bucket":
            table = {"bucket": name, "id": name, "arn": aws.bucket_arn(name)}
        elif rtype == "aws_kinesis_stream":
            table = {"name": name, "id": None, "arn": aws.kinesis_stream_arn(reg, acct, name)}
            table["id"] = table["arn"]
        elif rtype == "aws_dynamodb_table":
            label = Unknown(f"{block.address}.stream_label", f"the stream label of {block.address}", atom=True)
            table = {
                "name": name,
                "id": name,
                "arn": aws.dynamodb_table_arn(reg, acct, name),
                "stream_arn": aws.dynamodb_stream_arn(reg, acct, name, label),
                "stream_label": label,
            }
        elif rtype in ("aws_msk_cluster", "aws_msk_serverless_cluster"):
            uuid = Unknown(f"{block.address}.uuid", f"the id AWS gives {block.address}", atom=True)
            table = {"cluster_name": name, "arn": aws.msk_cluster_arn(reg, acct, name, uuid)}
            table["id"] = table["arn"]
        elif rtype == "aws_kms_key":
            table = {"id": name, "key_id": name, "arn": aws.key_arn(reg, acct, name)}
        elif rtype == "aws_kms_alias":
            target = self.argument(block, "target_key_id", scope) if "target_key_id" in block.body else None
            table = {
                "name": name,
                "id": name,
                "arn": aws.key_alias_arn(reg, acct, name),
                "target_key_id": target,
                "target_key_arn": aws.kms_key_arn(target, reg, acct) if target is not None else None,
            }
        elif rtype in ("aws_iam_role", "aws_iam_policy"):
            path = self.argument(block, "path", scope) if "path" in block.body else "/"
            formula = aws.role_arn if rtype == "aws_iam_role" else aws.managed_policy_arn
            arn = formula(acct, path, name)
            table = {"name": name, "arn": arn, "id": name if rtype == "aws_iam_role" else arn}
        else:
            return None
        return table.get(attr)

    def _data_attribute(self, block: Block, attr: str, scope: Scope) -> Any:
        rtype = block.type
        if rtype == "aws_caller_identity" and attr in ("account_id", "id"):
            return self.env.account()
        if rtype == "aws_region" and attr in ("name", "id", "region"):
            return self.provider_region(block)
        if rtype == "aws_iam_policy" and attr == "policy":
            # An AWS managed policy looked up by ARN or name: its document is in the linter's snapshot.
            arn = self.argument(block, "arn", scope) if "arn" in block.body else None
            if arn is None and "name" in block.body:
                name = plain(self.argument(block, "name", scope))
                arn = aws_managed_arn(name) if name else None
            found = aws_managed_document(arn) if arn is not None else None
            return found[1] if found else None
        if rtype == "aws_partition" and attr == "partition":
            return aws.PARTITION
        if rtype == "aws_partition" and attr == "dns_suffix":
            return aws.URL_SUFFIX
        if rtype == "aws_iam_policy_document" and attr in ("json", "minified_json"):
            key = ("doc", block.name, _scope_key(scope))
            if key not in self._cache:
                if key in self._active:
                    return Unknown(block.address, f"{block.address} refers to itself")
                self._active.add(key)
                try:
                    self._cache[key] = self._policy_document(block, scope)
                finally:
                    self._active.discard(key)
            return self._cache[key]
        return None

    # -- policy documents ------------------------------------------------------------------------------------
    def _policy_document(self, block: Block, scope: Scope) -> DocumentValue:
        statements: list[Statement] = []
        problems: list[str] = []
        sources = (
            self.argument(block, "source_policy_documents", scope) if "source_policy_documents" in block.body else []
        )
        if "source_json" in block.body:  # the older, single-document form (AWS provider < 4, still common)
            sources = [self.argument(block, "source_json", scope)] + _list(sources)
        for raw in _list(sources):
            docs = self._document_statements(raw, problems)
            statements = _merge_by_sid(statements, docs)
        own = [self._statement_block(block, nested) for nested in self.nested(block, block.body, "statement", scope)]
        statements = _merge_by_sid(statements, own)
        overrides = _list(self.argument(block, "override_json", scope)) if "override_json" in block.body else []
        if "override_policy_documents" in block.body:
            overrides += _list(self.argument(block, "override_policy_documents", scope))
        if overrides:
            for raw in overrides:
                statements = _merge_by_sid(statements, self._document_statements(raw, problems))
        return DocumentValue(statements, "; ".join(problems) or None)

    def _document_statements(self, raw: Any, problems: list[str]) -> list[Statement]:
        if isinstance(raw, DocumentValue):
            if raw.problem:
                problems.append(raw.problem)
            return list(raw.statements)
        if isinstance(raw, Encoded):
            raw = raw.value
        policy = policy_from_value("document", raw, None)
        if policy.unresolved:
            problems.append(policy.unresolved)
        return policy.statements

    def _statement_block(self, block: Block, nested: Nested) -> Statement:
        raw, scope = nested.body, nested.scope
        start = int(raw.get("__start_line__", block.start))
        location = Location(block.file.path, start, 1, int(raw.get("__end_line__", start)), 1)
        stmt = Statement(
            effect=self.evaluate_raw(raw["effect"], scope) if "effect" in raw else "Allow",
            actions=_list_or_none(self.evaluate_raw(raw["actions"], scope)) if "actions" in raw else None,
            not_actions=_list_or_none(self.evaluate_raw(raw["not_actions"], scope)) if "not_actions" in raw else None,
            resources=_list_or_none(self.evaluate_raw(raw["resources"], scope)) if "resources" in raw else None,
            not_resources=(
                _list_or_none(self.evaluate_raw(raw["not_resources"], scope)) if "not_resources" in raw else None
            ),
            sid=self.evaluate_raw(raw["sid"], scope) if "sid" in raw else None,
            location=location,
        )
        stmt.principals, stmt.not_principals = statement_principals(self, block, raw, scope)
        conditions = self.nested(block, raw, "condition", scope)
        if conditions:
            cond: dict[str, Any] = {}
            for c in conditions:
                test = plain(self.evaluate_raw(c.body.get("test"), c.scope)) or "?"
                variable = plain(self.evaluate_raw(c.body.get("variable"), c.scope)) or "?"
                cond.setdefault(test, {})[variable] = self.evaluate_raw(c.body.get("values"), c.scope)
            stmt.condition = cond
        if nested.unknown is not None:  # a dynamic statement over values not known: it may or may not be there
            stmt.problem = nested.unknown
            stmt.effect = Unknown("effect", nested.unknown)
            return stmt
        if stmt.effect not in ("Allow", "Deny") and not isinstance(stmt.effect, Unknown):
            stmt.problem = f"effect {stmt.effect!r} is neither Allow nor Deny"
            stmt.effect = Unknown("effect", stmt.problem)
        if stmt.resources is None and stmt.not_resources is None:
            # The data source defaults to no Resource, which AWS rejects; Terraform users omit it only by mistake.
            stmt.problem = "a statement with neither resources nor not_resources"
        if stmt.actions is None and stmt.not_actions is None:
            stmt.problem = "a statement with neither actions nor not_actions"
        return stmt

    def policy(
        self, name: str, raw_value: Any, location: Location, address: str | None, scope: Scope | None = None
    ) -> Policy:
        value = self.evaluate_raw(raw_value, scope)
        if isinstance(value, DocumentValue):
            return Policy(name, list(value.statements), location, unresolved=value.problem, address=address)
        if isinstance(value, Encoded):
            value = value.value
        return policy_from_value(name, value, location, address)

    def nested(self, block: Block, body: dict[str, Any], name: str, scope: Scope) -> list[Nested]:
        """The ``name`` blocks inside ``body``: those written out and those a ``dynamic "name"`` block generates.

        A dynamic block is expanded over its for_each as Terraform does, with its iterator (``name`` unless
        ``iterator = x``) bound to ``{key, value}``. When the for_each is not known, its content is read once with
        an unknown iterator and marked, so that whatever it holds is reported as unverifiable, never dropped.
        """
        found = [Nested(raw, scope) for raw in body.get(name, []) or [] if isinstance(raw, dict)]
        for entry in body.get("dynamic", []) or []:
            for label, dynamic in _items(entry):
                if label != name or not isinstance(dynamic, dict):
                    continue
                iterator = name
                if "iterator" in dynamic:
                    iterator = _hcl_source(dynamic["iterator"]).strip()
                contents = [c for c in dynamic.get("content", []) or [] if isinstance(c, dict)]
                each = self.evaluate_raw(dynamic.get("for_each"), scope)
                # Terraform rejects a null for_each; nothing is generated either way.
                pairs = [] if each is None else _pairs(each)
                line = int(dynamic.get("__start_line__", block.start))
                if pairs is None:
                    why = (
                        f'the dynamic "{name}" block at {block.file.path}:{line} (its for_each rests on '
                        f"{_reason(each)})"
                    )
                    inner = _bind(
                        scope,
                        iterator,
                        {"key": Unknown(f"{iterator}.key", why), "value": Unknown(f"{iterator}.value", why)},
                    )
                    found += [Nested(c, inner, why) for c in contents]
                    continue
                for key, value in pairs:
                    inner = _bind(scope, iterator, {"key": key, "value": value})
                    found += [Nested(c, inner) for c in contents]
        return found

    def instances(self, block: Block) -> list[tuple[str, Scope]]:
        return self._instances(block.body)

    def _instances(self, body: dict[str, Any]) -> list[tuple[str, Scope]]:
        """(address suffix, scope) per instance: ``[0]`` for count, ``["key"]`` for for_each, none if 0."""
        if "count" in body:
            count = self.evaluate_raw(body["count"])
            if isinstance(count, int) and not isinstance(count, bool):
                return [(f"[{i}]", Scope(count_index=i)) for i in range(max(count, 0))]
            return [("[*]", Scope())]  # an unknown count: one instance standing for all of them
        if "for_each" in body:
            each = self.evaluate_raw(body["for_each"])
            if isinstance(each, dict):
                return [(f'["{k}"]', Scope(each_key=k, each_value=v)) for k, v in sorted(each.items())]
            if isinstance(each, list) and all(isinstance(k, str) for k in each):
                return [(f'["{k}"]', Scope(each_key=k, each_value=k)) for k in sorted(set(each))]
            return [("[*]", Scope())]
        return [("", Scope())]

    # -- building the model ----------------------------------------------------------------------------------
    def location(self, block: Block) -> Location:
        line = block.file.lines[block.start - 1] if 0 < block.start <= len(block.file.lines) else ""
        return Location(block.file.path, block.start, 1, block.start, len(line.rstrip()) + 1)

    def attribute_location(self, block: Block, raw: dict[str, Any] | None, key: str) -> Location:
        start = int(raw.get("__start_line__", block.start)) if raw else block.start
        end = int(raw.get("__end_line__", block.end)) if raw else block.end
        found = find_attribute(block.file, start, end, key)
        if found is None:
            return self.location(block)
        line, column, end_column = found
        return Location(block.file.path, line, column, line, end_column)

    def blocks_of(self, rtype: str) -> Iterator[Block]:
        for (t, _), block in sorted(self.resources.items()):
            if t == rtype:
                yield block

    def build(self, unit: Unit) -> None:
        for block, at, scope in self._each("aws_lambda_function"):
            unit.functions.append(
                Function(
                    address=at,
                    name=self.resource_attribute(block, "function_name", scope),
                    arn=self.resource_attribute(block, "arn", scope),
                    role=self.argument(block, "role", scope)
                    if "role" in block.body
                    else Unknown(f"{at}.role", f"missing: {at} sets no role"),
                    location=self.location(block),
                    role_location=self.attribute_location(block, None, "role"),
                )
            )
        for block, at, scope in self._each("aws_iam_role"):
            role = Role(
                address=at,
                name=self.resource_attribute(block, "name", scope),
                arn=self.resource_attribute(block, "arn", scope),
                location=self.location(block),
                boundary=(
                    self.argument(block, "permissions_boundary", scope)
                    if "permissions_boundary" in block.body
                    else None
                ),
                name_source=f"{at[len(self.prefix) :]}.name",  # the fix goes into this module's own files
            )
            for inline in self.nested(block, block.body, "inline_policy", scope):
                if "policy" not in inline.body:
                    continue
                pname = plain(self.evaluate_raw(inline.body.get("name"), inline.scope)) or "unnamed"
                loc = self.attribute_location(block, inline.body, "policy")
                policy = self.policy(f"inline policy {pname!r} of {at}", inline.body["policy"], loc, at, inline.scope)
                if inline.unknown is not None:
                    policy = Policy(policy.name, [], loc, unresolved=inline.unknown, address=at)
                role.inline_policies.append(policy)
            if "managed_policy_arns" in block.body:
                loc = self.attribute_location(block, None, "managed_policy_arns")
                for arn in _list(self.argument(block, "managed_policy_arns", scope)):
                    role.managed_policy_arns.append((arn, loc))
            unit.roles.append(role)
        for block, at, scope in self._each("aws_iam_policy"):
            loc = self.attribute_location(block, None, "policy")
            unit.managed_policies.append(
                ManagedPolicy(
                    address=at,
                    arn=self.resource_attribute(block, "arn", scope),
                    policy=self.policy(at, block.body.get("policy"), loc, at, scope),
                    location=self.location(block),
                )
            )
        for block, at, scope in self._each("aws_iam_role_policy"):
            loc = self.attribute_location(block, None, "policy")
            unit.inline_attachments.append(
                InlineAttachment(
                    role=self.argument(block, "role", scope),
                    policy=self.policy(at, block.body.get("policy"), loc, at, scope),
                    location=self.location(block),
                )
            )
        for block, at, scope in self._each("aws_iam_role_policy_attachment"):
            unit.managed_attachments.append(
                ManagedAttachment(
                    role=self.argument(block, "role", scope),
                    policy_arn=self.argument(block, "policy_arn", scope),
                    location=self.location(block),
                    address=at,
                )
            )
        for block, at, scope in self._each("aws_iam_policy_attachment"):
            roles = self.argument(block, "roles", scope) if "roles" in block.body else []
            for role_name in _list(roles):
                unit.managed_attachments.append(
                    ManagedAttachment(
                        role=role_name,
                        policy_arn=self.argument(block, "policy_arn", scope),
                        location=self.location(block),
                        address=at,
                    )
                )
        for block, at, scope in self._each("aws_lambda_function_event_invoke_config"):
            unit.invoke_configs.append(self._invoke_config(block, at, scope))
        for block, at, scope in self._each("aws_lambda_event_source_mapping"):
            unit.event_source_mappings.append(self._event_source_mapping(block, at, scope))
        build_resource_policies(self, unit)
        for name in sorted(self.calls):
            instances = self.children(name)
            if isinstance(instances, str):
                unit.unfollowed.append(self._unfollowed(name, instances))
                continue
            for _, child in instances:
                child.build(unit)
                for tf in child.files:
                    if tf.path in unit.files:
                        continue  # another instance, or another call of the same module, brought it in
                    unit.files.append(tf.path)
                    unit.languages[tf.path] = _language(tf)
                    if not tf.path.endswith(".json"):
                        unit.suppressions.extend(comment_suppressions(tf.path, tf.lines, "hcl"))

    def _event_source_mapping(self, block: Block, at: str, scope: Scope) -> EventSourceMapping:
        raw_fn = block.body.get("function_name")
        raw_source = block.body.get("event_source_arn")
        mapping = EventSourceMapping(
            address=at,
            function=self.argument(block, "function_name", scope)
            if raw_fn is not None
            else Unknown(f"{at}.function_name", "no function_name"),
            location=self.location(block),
            source=self.evaluate_raw(raw_source, scope)
            if raw_source is not None
            else Unknown(f"{at}.event_source_arn", "no event_source_arn (a self-managed Kafka or Amazon MQ source)"),
            source_location=self.attribute_location(block, None, "event_source_arn"),
            source_ref=self._direct_reference(raw_source, None, scope) or _hcl_source(raw_source),
            function_address=self._direct_reference(raw_fn, "aws_lambda_function", scope),
        )
        for dc in self.nested(block, block.body, "destination_config", scope):
            for target in self.nested(block, dc.body, "on_failure", dc.scope):
                if "destination_arn" in target.body:
                    mapping.on_failure = self._destination(block, target, "destination_arn", "on_failure", dc.unknown)
        self._source_facts(mapping, self._direct_reference(raw_source, None, scope) if raw_source else None)
        return mapping

    def _source_facts(self, mapping: EventSourceMapping, address: str | None) -> None:
        """Service, MSK cluster type and customer managed key of the source resource, when it is defined here."""
        block = self._block_at(address)
        if block is None or block.kind != "resource" or block.type not in _SOURCE_TYPES:
            return
        mapping.source_service, mapping.source_variant = _SOURCE_TYPES[block.type]
        raw_key = None
        if block.type == "aws_sqs_queue":
            raw_key = block.body.get("kms_master_key_id")
        elif block.type == "aws_kinesis_stream":
            if plain(self.argument(block, "encryption_type", Scope())) == "KMS":
                raw_key = block.body.get("kms_key_id")
        elif block.type == "aws_dynamodb_table":
            for sse in block.body.get("server_side_encryption", []) or []:
                if isinstance(sse, dict) and self.evaluate_raw(sse.get("enabled")) is True:
                    raw_key = sse.get("kms_key_arn")  # absent: the AWS owned or managed key
        if raw_key is None:
            return
        key = self.evaluate_raw(raw_key)
        if not aws.is_aws_managed_key(key):
            mapping.source_kms_key, mapping.source_kms_source = self._key_arn(key), _hcl_source(raw_key)

    def _destination(
        self, block: Block, target: Nested, key: str, kind: str, outer_unknown: str | None = None
    ) -> Destination:
        """The destination named by ``key`` in an on_success/on_failure block, with what its resource says."""
        raw, scope = target.body[key], target.scope
        value = self.evaluate_raw(raw, scope)
        unknown = outer_unknown or target.unknown
        if unknown is not None:  # the block may not exist: whatever it names cannot be checked
            value = Unknown(f"{block.address}.dynamic", f"written in {unknown}")
        # A module that passes a destination through from its input (terraform-aws-modules/lambda does) is
        # reported where the user wrote the value: the module call's argument, in the user's own files.
        module, raw, location = self, raw, self.attribute_location(block, target.body, key)
        while True:
            passed = module._passed_from_caller(raw)
            if passed is None:
                break
            module, raw, location = passed
            scope = Scope()
        ref = module._direct_reference(raw, None, scope)
        source = _hcl_source(raw)
        if ref is None:
            # Written through an iterator, a local or a module input (``target.value``, ``each.value["arn"]``):
            # name the resource the value is, in this module or in one that calls it.
            owner: TerraformModule | None = module
            while owner is not None and ref is None:
                ref = owner._resource_with_arn(value)
                if ref is not None and owner is module:
                    source = f"{ref[len(module.prefix) :]}.arn"
                owner = owner.caller[0] if owner.caller else None
        fifo, kms_key, kms_source = module._target_facts(ref, value)
        return Destination(
            kind=kind,  # type: ignore[arg-type]
            arn=value,
            ref=ref or source,
            location=location,
            resource_address=ref,
            source=source,
            target_location=module._address_location(ref),
            fifo=fifo,
            kms_key=kms_key,
            kms_source=kms_source,
        )

    def _resource_with_arn(self, value: Any) -> str | None:
        """The one destination-type resource of this module whose ARN is certainly ``value``, if any."""
        if not isinstance(value, (str, Text)):
            return None
        found = [
            block.address
            for rtype in DESTINATION_TYPES
            for block in self.blocks_of(rtype)
            if not ("count" in block.body or "for_each" in block.body)
            and same(self.resource_attribute(block, "arn", Scope()), value) is True
        ]
        return found[0] if len(found) == 1 else None

    def _passed_from_caller(self, raw: Any) -> tuple[TerraformModule, Any, Location] | None:
        """When ``raw`` is exactly ``var.x`` and the calling module sets x: (caller, its value, where it is set)."""
        if self.caller is None:
            return None
        try:
            node = parse_value(raw)
        except HclExpressionError:
            return None
        if node[0] != "ref" or node[1] != "var" or len(node[2]) != 1 or node[2][0][0] != "attr":
            return None
        name = node[2][0][1]
        caller, arguments, _ = self.caller
        tf = caller.call_files.get(self.call_name)
        if name not in arguments or tf is None:
            return None
        start = int(arguments.get("__start_line__", 1))
        found = find_attribute(tf, start, int(arguments.get("__end_line__", start)), name)
        if found is None:
            return None
        line, column, end_column = found
        return caller, arguments[name], Location(tf.path, line, column, line, end_column)

    def _each(self, rtype: str) -> Iterator[tuple[Block, str, Scope]]:
        for block in self.blocks_of(rtype):
            for suffix, scope in self.instances(block):
                yield block, block.address + suffix, scope

    def _invoke_config(self, block: Block, at: str, scope: Scope) -> InvokeConfig:
        raw_fn = block.body.get("function_name")
        config = InvokeConfig(
            address=at,
            function=self.argument(block, "function_name", scope)
            if raw_fn is not None
            else Unknown(f"{at}.function_name", "no function_name"),
            location=self.location(block),
            qualifier=self.argument(block, "qualifier", scope) if "qualifier" in block.body else None,
            function_address=self._direct_reference(raw_fn, "aws_lambda_function", scope),
        )
        if "maximum_retry_attempts" in block.body:
            config.retry_attempts = self.argument(block, "maximum_retry_attempts", scope)
            config.retry_location = self.attribute_location(block, None, "maximum_retry_attempts")
        if "maximum_event_age_in_seconds" in block.body:
            config.event_age = self.argument(block, "maximum_event_age_in_seconds", scope)
            config.event_age_location = self.attribute_location(block, None, "maximum_event_age_in_seconds")
        for dc in self.nested(block, block.body, "destination_config", scope):
            for kind in ("on_success", "on_failure"):
                for target in self.nested(block, dc.body, kind, dc.scope):
                    if "destination" in target.body:
                        config.destinations.append(self._destination(block, target, "destination", kind, dc.unknown))
        return config

    def _target_facts(self, address: str | None, value: Any) -> tuple[bool, Any, str]:
        """(FIFO?, customer managed key ARN or None, the key as written) for the resource a destination names."""
        arn_text = str(value) if isinstance(value, (str, Text)) else ""
        fifo = arn_text.endswith(".fifo")
        block = self._block_at(address)
        if block is None or block.kind != "resource":
            return fifo, None, ""
        scope = Scope()
        raw_key = None
        if block.type == "aws_sqs_queue":
            fifo = fifo or self.argument(block, "fifo_queue", scope) is True
            raw_key = block.body.get("kms_master_key_id")
        elif block.type == "aws_sns_topic":
            fifo = fifo or self.argument(block, "fifo_topic", scope) is True
            raw_key = block.body.get("kms_master_key_id")
        elif block.type == "aws_s3_bucket":
            raw_key = self._bucket_key(block)
        if raw_key is None:
            return fifo, None, ""
        key = self.evaluate_raw(raw_key)
        if aws.is_aws_managed_key(key):
            return fifo, None, ""
        return fifo, self._key_arn(key), _hcl_source(raw_key)

    def _bucket_key(self, bucket: Block) -> Any:
        """The raw kms_master_key_id of the bucket's SSE-KMS default encryption, if any."""
        name = self.resource_attribute(bucket, "bucket", Scope())
        candidates = []
        for cfg in self.blocks_of("aws_s3_bucket_server_side_encryption_configuration"):
            if same(self.argument(cfg, "bucket"), name) is True:
                candidates.append(cfg.body)
        candidates += [
            c for c in bucket.body.get("server_side_encryption_configuration", []) or [] if isinstance(c, dict)
        ]
        for body in candidates:
            for rule in body.get("rule", []) or []:
                for default in (
                    rule.get("apply_server_side_encryption_by_default", []) or [] if isinstance(rule, dict) else []
                ):
                    algorithm = plain(self.evaluate_raw(default.get("sse_algorithm")))
                    if algorithm in ("aws:kms", "aws:kms:dsse") and "kms_master_key_id" in default:
                        return default["kms_master_key_id"]
        return None

    def _key_arn(self, key: Any) -> Any:
        text = plain(key)
        if text is not None and text.startswith("alias/"):
            for alias in self.blocks_of("aws_kms_alias"):
                if plain(self.resource_attribute(alias, "name", Scope())) == text and "target_key_id" in alias.body:
                    return self.resource_attribute(alias, "target_key_arn", Scope())
            return Unknown(f"key behind {text}", f"the key behind {text}, which is not defined in this module")
        return aws.kms_key_arn(key, self.provider_region(None), self.env.account())

    def _block_at(self, address: str | None) -> Block | None:
        if address is None or not address.startswith(self.prefix):
            return None
        parts = address[len(self.prefix) :].split("[")[0].split(".")
        if parts[0] == "data" and len(parts) >= 3:
            return self.data.get((parts[1], parts[2]))
        return self.resources.get((parts[0], parts[1])) if len(parts) >= 2 else None

    def _address_location(self, address: str | None) -> Location | None:
        block = self._block_at(address)
        return self.location(block) if block else None

    def _direct_reference(self, raw: Any, rtype: str | None, scope: Scope | None = None) -> str | None:
        """The address of the resource a value references directly (``aws_sqs_queue.q.arn`` -> ``aws_sqs_queue.q``)."""
        try:
            node = parse_value(raw)
        except HclExpressionError:
            return None
        if node[0] != "ref" or not isinstance(node[1], str):
            return None
        root, steps = node[1], node[2]
        if root == "data":
            address = f"data.{_attr(steps, 0)}.{_attr(steps, 1)}"
            wanted = rtype is None
        else:
            address = f"{root}.{_attr(steps, 0)}"
            wanted = rtype is None or root == rtype
        if not wanted or (root != "data" and (root, _attr(steps, 0) or "") not in self.resources):
            return None
        position = 2 if root == "data" else 1
        if len(steps) > position and steps[position][0] == "index":
            index = self.evaluate(steps[position][1], scope or Scope())
            if isinstance(index, int) and not isinstance(index, bool):
                address += f"[{index}]"
            elif isinstance(index, str):
                address += f'["{index}"]'
            else:
                return None
        return self.prefix + address


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


def _language(tf: TfFile) -> Language:
    """Fixes for a Terraform module are written in HCL, even next to a .tf.json file (both are one module)."""
    return "hcl"


def _pairs(collection: Any) -> list[tuple[Any, Any]] | None:
    """(key, value) per element, as Terraform iterates: a map by sorted key, a list by index; None when unknown."""
    if isinstance(collection, dict):
        return sorted(collection.items())
    if isinstance(collection, list):
        return list(enumerate(collection))
    return None


def _iteration(scope: Scope, names: list[str], key: Any, value: Any) -> Scope:
    """The scope of one iteration of a for expression or %{for}: ``v`` or ``k, v`` bound."""
    bindings = dict(scope.bindings)
    if len(names) == 2:
        bindings[names[0]], bindings[names[1]] = key, value
    else:
        bindings[names[0]] = value
    return Scope(scope.count_index, scope.each_key, scope.each_value, bindings)


def _bind(scope: Scope, name: str, value: Any) -> Scope:
    return Scope(scope.count_index, scope.each_key, scope.each_value, {**scope.bindings, name: value})


def _reason(value: Any) -> str:
    if isinstance(value, Unknown):
        return value.reason or value.name
    return "a value that is neither a list, a set nor a map"


def _unknown_over(name: str, what: str, operands: list[Any]) -> Unknown:
    """An unknown computed from others: its reason is theirs (what the user must supply), not the arithmetic."""
    causes = sorted({u.reason or u.name for v in operands for u in unknowns_in(v)})
    return Unknown(name, "; ".join(causes[:3]) if causes else f"{what} over values not known statically")


def _number(value: Any) -> Any:
    """Terraform converts numeric strings to numbers for arithmetic and ordering."""
    if isinstance(value, bool):
        return value
    text = plain(value) if isinstance(value, (str, Text)) else None
    if text is not None:
        try:
            number = float(text)
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    return value


def _unary(op: str, value: Any) -> Any:
    if op == "!" and isinstance(value, bool):
        return not value
    if op == "-" and isinstance(_number(value), (int, float)) and not isinstance(value, bool):
        return -_number(value)
    if isinstance(value, Unknown) and value.failed:
        return value
    return _unknown_over("expression", f"a {op!r} expression", [value])


def _logical(op: str, a: Any, b: Any) -> Any:
    """&& and || with unknown operands: false && x is false and true || x is true whatever x is."""
    decisive = op == "||"
    if a is decisive or b is decisive:
        return decisive
    if isinstance(a, bool) and isinstance(b, bool):
        return not decisive
    return _unknown_over("condition", f"a {op!r} condition", [a, b])


def _equal(a: Any, b: Any) -> bool | None:
    """Terraform's == on resolved values: True, False, or None when it rests on unknowns."""
    if a is None or b is None:
        other = b if a is None else a
        if isinstance(other, Unknown):
            return False if other.present else None
        return a is None and b is None
    if isinstance(a, (str, Text, Unknown)) and isinstance(b, (str, Text, Unknown)):
        return same(a, b)
    if isinstance(a, Unknown) or isinstance(b, Unknown) or unknowns_in(a) or unknowns_in(b):
        return None
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _merge_by_sid(base: list[Statement], newer: list[Statement]) -> list[Statement]:
    """Statements with a sid replace earlier ones with the same sid; others are appended (Terraform's rule)."""
    out = list(base)
    for stmt in newer:
        sid = plain(stmt.sid) if stmt.sid is not None else None
        if sid:
            for i, old in enumerate(out):
                if old.sid is not None and plain(old.sid) == sid:
                    out[i] = stmt
                    break
            else:
                out.append(stmt)
        else:
            out.append(stmt)
    return out


def _hcl_source(raw: Any) -> str:
    """The HCL text of an attribute value as python-hcl2 7.x returns it."""
    if isinstance(raw, ParsedExpression):
        return raw.source
    if isinstance(raw, str):
        if raw.startswith("${") and raw.endswith("}") and raw.count("${") == 1:
            return raw[2:-1]
        return json.dumps(raw)
    return json.dumps(raw)


def _items(entry: Any) -> list[tuple[str, Any]]:
    if not isinstance(entry, dict):
        return []
    return [(k, v) for k, v in entry.items() if k not in META_KEYS]


def _attr(steps: list[tuple], i: int) -> str | None:
    if i < len(steps) and steps[i][0] == "attr":
        return steps[i][1]
    return None


def _list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if value is None:
        return []
    return [value]


def _list_or_none(value: Any) -> list[Any] | None:
    return None if value is None else _list(value)


def _instance(scope: Scope) -> str:
    if scope.count_index is not None:
        return f"[{scope.count_index}]"
    if scope.each_key is not None:
        return f'["{scope.each_key}"]'
    return ""


def _scope_key(scope: Scope) -> tuple:
    return (repr(scope.count_index), repr(scope.each_key), repr(sorted(scope.bindings.items())))


def build_module(
    name: str,
    files: list[TfFile],
    tfvars: list[TfFile],
    env: Environment | None = None,
    library: ModuleLibrary | None = None,
) -> Unit:
    module = TerraformModule(name, files, tfvars, env, library)
    unit = Unit(
        format="terraform",
        name=name,
        files=sorted(f.path for f in files),
        languages={f.path: _language(f) for f in files},
    )
    module.build(unit)
    for tf in files:
        if not tf.path.endswith(".json"):  # JSON has no comments to carry suppressions
            unit.suppressions.extend(comment_suppressions(tf.path, tf.lines, "hcl"))
    return unit
