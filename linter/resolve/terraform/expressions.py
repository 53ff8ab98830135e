"""Expression evaluation for a Terraform module: literals, templates (with %{if} and %{for}), references
(variables, locals, resources, data sources, module outputs), for expressions, operators, function calls,
nested and dynamic blocks. Values are computed lazily and cached per module."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from infra_policy_linter.model.values import Text, Unknown, branches, failure, make_text, plain, with_assumption
from infra_policy_linter.parsers.hcl_expressions import HclExpressionError, Node, parse_template, parse_value
from infra_policy_linter.resolve.terraform.blocks import (
    Block,
    DocumentValue,
    ModuleDeclarations,
    Nested,
    Scope,
    hcl_source,
    items_of,
    scope_key,
    step_attr,
)
from infra_policy_linter.resolve.terraform.functions import call_function
from infra_policy_linter.resolve.terraform.operators import binary, unary, unknown_over

if TYPE_CHECKING:
    from infra_policy_linter.resolve.terraform.module import TerraformModule


class ExpressionEvaluator(ModuleDeclarations):
    """Evaluates any expression of the module. References to resources and to called modules are answered by
    the layers above (resource attributes, module calls), which this one declares and they define."""

    # -- supplied by the layers above ------------------------------------------------------------------------
    def resource_attribute(self, block: Block, attr: str, scope: Scope) -> Any:
        raise NotImplementedError  # terraform_attributes.ResourceAttributes

    def instances(self, block: Block) -> list[tuple[str, Scope]]:
        raise NotImplementedError  # terraform_modules.ModuleCalls

    def child(self, name: str, key: Any = None) -> TerraformModule | str:
        raise NotImplementedError  # terraform_modules.ModuleCalls

    # -- evaluation ------------------------------------------------------------------------------------------
    def evaluate_raw(self, raw: Any, scope: Scope | None = None) -> Any:
        try:
            node = parse_value(raw)
        except HclExpressionError as exc:
            return Unknown("expression", f"an expression the linter cannot read ({exc})")
        return self.evaluate(node, scope or Scope())

    def argument(self, block: Block, key: str, scope: Scope | None = None) -> Any:
        scope = scope or Scope()
        cache_key = ("arg", block.kind, block.type, block.name, key, scope_key(scope))
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
        evaluate_kind = _NODE_EVALUATORS.get(kind)
        if evaluate_kind is None:
            return Unknown("expression", f"an expression of a kind the linter does not read ({kind})")
        return evaluate_kind(self, node, scope)

    def _tuple(self, node: Node, scope: Scope) -> Any:
        return [self.evaluate(item, scope) for item in node[1]]

    def _object(self, node: Node, scope: Scope) -> Any:
        out: dict[str, Any] = {}
        for key_node, value_node in node[1]:
            key = self.evaluate(key_node, scope) if key_node[0] != "ref" or key_node[2] else key_node[1]
            key = plain(key)
            if key is None:
                return Unknown("object", "an object with a computed key")
            out[key] = self.evaluate(value_node, scope)
        return out

    def _conditional(self, node: Node, scope: Scope) -> Any:
        test = self.evaluate(node[1], scope)
        if isinstance(test, bool):
            return self.evaluate(node[2] if test else node[3], scope)
        if isinstance(test, Unknown) and test.failed:
            return test
        then, other = self.evaluate(node[2], scope), self.evaluate(node[3], scope)
        if then == other:
            return then
        return branches(unknown_over("conditional", "a conditional expression", [test]))

    def _template(self, node: Node, scope: Scope) -> Any:
        return self._render(node[1], scope)

    def _render(self, parts: list[Any], scope: Scope) -> Any:
        return make_text([p if isinstance(p, str) else self._template_piece(p, scope) for p in parts])

    def _template_if(self, node: Node, scope: Scope) -> Any:
        _, test_node, then, other = node
        test = self.evaluate(test_node, scope)
        if isinstance(test, bool):
            return self._render(then if test else other, scope)
        a, b = self._render(then, scope), self._render(other, scope)
        return a if a == b else unknown_over("template", "a %{if} directive", [test])

    def _template_for(self, node: Node, scope: Scope) -> Any:
        _, names, collection_node, body = node
        collection = self.evaluate(collection_node, scope)
        pairs = _pairs(collection)
        if pairs is None:
            return unknown_over("template", "a %{for} directive", [collection])
        return make_text([self._render(body, _iteration(scope, names, key, value)) for key, value in pairs])

    def _for(self, node: Node, scope: Scope) -> Any:
        _, names, collection_node, key_node, value_node, condition_node, grouping, brace = node
        collection = self.evaluate(collection_node, scope)
        unknown = Unknown("for expression", "a for expression over values not known statically")
        pairs = _pairs(collection)
        if pairs is None:
            return unknown
        out_list: list[Any] = []
        out_map: dict[str, Any] = {}
        for k, v in pairs:
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

    def _operator(self, node: Node, scope: Scope) -> Any:
        _, op, left, right = node
        b = self.evaluate(right, scope)
        if left is None:
            return unary(op, b)
        return binary(op, self.evaluate(left, scope), b)

    def _call(self, node: Node, scope: Scope) -> Any:
        _, name, arg_nodes, expand = node
        args = [self.evaluate(a, scope) for a in arg_nodes]
        if expand and args and isinstance(args[-1], list):
            args = args[:-1] + args[-1]
        if name in ("file", "templatefile") and args:
            return self._file(name, args)
        return call_function(name, args)

    def _root(self) -> ExpressionEvaluator:
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
            why = "does not exist" if shown in self.library.absent else "the linter could not read"
            return Unknown(f"{name}({path})", f"the contents of {path}, which {why}")
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
        follow = _REFERENCE_ROOTS.get(root)
        if follow is not None:
            return follow(self, steps, scope)
        return self._resource_root(root, steps, scope)

    def _variable_reference(self, steps: list[tuple], scope: Scope) -> Any:
        name = step_attr(steps, 0)
        if name is None:
            return Unknown("var", "a reference to var")
        return self._apply_steps(self.variable(name), steps[1:], scope)

    def _local_reference(self, steps: list[tuple], scope: Scope) -> Any:
        name = step_attr(steps, 0)
        if name is None:
            return Unknown("local", "a reference to local")
        return self._apply_steps(self.local(name), steps[1:], scope)

    def _count_reference(self, steps: list[tuple], scope: Scope) -> Any:
        if step_attr(steps, 0) != "index":
            return self._resource_root("count", steps, scope)
        return scope.count_index if scope.count_index is not None else Unknown("count.index", "count.index")

    def _each_reference(self, steps: list[tuple], scope: Scope) -> Any:
        which = step_attr(steps, 0)
        value = scope.each_key if which == "key" else scope.each_value if which == "value" else None
        if value is None:
            return Unknown(f"each.{which}", f"each.{which}")
        return self._apply_steps(value, steps[1:], scope)

    def _module_reference(self, steps: list[tuple], scope: Scope) -> Any:
        name = step_attr(steps, 0) or ""
        rest = steps[1:]
        key: Any = None
        if rest and rest[0][0] == "index":
            key = self.evaluate(rest[0][1], scope)
            rest = rest[1:]
        output = step_attr(rest, 0)
        child = self.child(name, key)
        if isinstance(child, str):
            return Unknown(f"{self.prefix}module.{name}.{output}", f"output {output!r} of module {name!r}: {child}")
        return self._apply_steps(child.output(output or ""), rest[1:], scope)

    def _data_reference(self, steps: list[tuple], scope: Scope) -> Any:
        rtype, rname = step_attr(steps, 0), step_attr(steps, 1)
        block = self.data.get((rtype or "", rname or ""))
        if block is None:
            return Unknown(f"data.{rtype}.{rname}", f"data.{rtype}.{rname}, which is not declared in this module")
        return self._resource_reference(block, steps[2:], scope)

    def _plan_reference(self, steps: list[tuple], scope: Scope) -> Any:
        """``__plan__.x``: written by the plan reader for values the plan leaves open."""
        what = step_attr(steps, 0)
        return Unknown(f"{self.prefix}{what} after apply", f"{what}, which the plan knows only after apply")

    def _path_reference(self, steps: list[tuple], scope: Scope) -> Any:
        which = step_attr(steps, 0)
        if which in ("module", "root"):
            # Terraform gives them relative to where it runs, the root module's directory.
            return posixpath.relpath(self.name, self._root().name) if which == "module" else "."
        return Unknown(f"path.{which}", f"path.{which}")

    def _unread_reference(self, root: str, steps: list[tuple]) -> Any:
        return Unknown(f"{root}.{step_attr(steps, 0)}", f"{root}.{step_attr(steps, 0)}")

    def _resource_root(self, root: str, steps: list[tuple], scope: Scope) -> Any:
        rname = step_attr(steps, 0)
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
            attr = step_attr(steps, 1)
            instances = self.instances(block)
            if attr is None or any(suffix == "[*]" for suffix, _ in instances):
                return Unknown(f"{block.address}[*]", f"a splat over {block.address}")
            return [
                self._apply_steps(self.resource_attribute(block, attr, sc), steps[2:], scope) for _, sc in instances
            ]
        attr = step_attr(steps, 0)
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
            else:  # a splat: the rest of the traversal applies to each element
                return self._splat(value, steps[position + 1 :], scope)
            value = _step_into(value, key)
        return value

    def _splat(self, value: Any, rest: list[tuple], scope: Scope) -> Any:
        if value is None:  # null is no element
            return []
        if isinstance(value, list):
            return [self._apply_steps(item, rest, scope) for item in value]
        if isinstance(value, (dict, str, Text)):
            return [self._apply_steps(value, rest, scope)]
        return Unknown("splat", "a splat over a value that is not known statically")

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
            value = Unknown(f"var.{name}", f"var.{name}, which has no default", present=True, input=f"var.{name}")
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

    def nested(self, block: Block, body: dict[str, Any], name: str, scope: Scope) -> list[Nested]:
        """The ``name`` blocks inside ``body``: those written out and those a ``dynamic "name"`` block generates.

        A dynamic block is expanded over its for_each as Terraform does, with its iterator (``name`` unless
        ``iterator = x``) bound to ``{key, value}``. When the for_each is not known, its content is read once with
        an unknown iterator and marked, so that whatever it holds is reported as unverifiable, never dropped.
        """
        found = [Nested(raw, scope) for raw in body.get(name, []) or [] if isinstance(raw, dict)]
        for entry in body.get("dynamic", []) or []:
            for label, dynamic in items_of(entry):
                if label != name or not isinstance(dynamic, dict):
                    continue
                iterator = name
                if "iterator" in dynamic:
                    iterator = hcl_source(dynamic["iterator"]).strip()
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


def _step_into(value: Any, key: Any) -> Any:
    """``value[key]`` (or ``value.key``), or why Terraform would stop there or the linter cannot follow."""
    if isinstance(key, Unknown):
        return key
    if isinstance(key, Text):
        return Unknown("index", f"an index that is not known statically ({key})")
    if isinstance(value, dict) and isinstance(key, str):
        if key not in value:
            return failure(f"[{key!r}]", f"the key {key!r}, which the object does not have")
        return value[key]
    if isinstance(value, list) and isinstance(key, int) and not isinstance(key, bool):
        if not 0 <= key < len(value):  # Terraform has no negative indices
            return failure(f"[{key}]", f"index {key} of a list of {len(value)}")
        return value[key]
    if isinstance(value, (dict, list, str, int, float, bool, Text)) or value is None:
        return failure("index", f"an index or attribute {key!r} of a value that has none")
    return Unknown("index", "an index into a value that is not known statically")


_Evaluate = Callable[[ExpressionEvaluator, Node, Scope], Any]
_Follow = Callable[[ExpressionEvaluator, list[tuple], Scope], Any]

# How each kind of expression node (parsers/hcl_expressions.py) is evaluated; literals are read in place.
_NODE_EVALUATORS: dict[str, _Evaluate] = {
    "tmpl": ExpressionEvaluator._template,
    "ref": ExpressionEvaluator._reference,
    "tuple": ExpressionEvaluator._tuple,
    "object": ExpressionEvaluator._object,
    "call": ExpressionEvaluator._call,
    "cond": ExpressionEvaluator._conditional,
    "op": ExpressionEvaluator._operator,
    "for": ExpressionEvaluator._for,
    "tif": ExpressionEvaluator._template_if,
    "tfor": ExpressionEvaluator._template_for,
}

# References by their first name; any other name is a resource type (``aws_sqs_queue.q.arn``).
_REFERENCE_ROOTS: dict[str, _Follow] = {
    "var": ExpressionEvaluator._variable_reference,
    "local": ExpressionEvaluator._local_reference,
    "count": ExpressionEvaluator._count_reference,
    "each": ExpressionEvaluator._each_reference,
    "module": ExpressionEvaluator._module_reference,
    "data": ExpressionEvaluator._data_reference,
    "__plan__": ExpressionEvaluator._plan_reference,
    "path": ExpressionEvaluator._path_reference,
    "terraform": lambda module, steps, scope: module._unread_reference("terraform", steps),
    "self": lambda module, steps, scope: module._unread_reference("self", steps),
}
