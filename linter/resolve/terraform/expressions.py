"""Expression evaluation for one Terraform module instance: literals, templates (with %{if} and %{for}),
references (variables, locals, resources, data sources, module outputs), for expressions, operators, function
calls, nested and dynamic blocks. Values are computed lazily and kept in the instance's memo.

:class:`Evaluator` reads the module's own declarations (blocks.py); what a reference names beyond them (a
resource's attributes, instances, a called module's outputs, the caller's inputs) it asks of the
:class:`~infra_policy_linter.resolve.terraform.references.References` it is given."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import Any

from infra_policy_linter.model.values import Environment, Text, Unknown, branches, make_text, plain, with_assumption
from infra_policy_linter.parsers.hcl_expressions import HclExpressionError, parse_template, parse_value
from infra_policy_linter.parsers.hcl_nodes import (
    Attr,
    Call,
    Conditional,
    ForExpr,
    Index,
    Lit,
    Node,
    ObjectExpr,
    Operation,
    Part,
    Ref,
    Splat,
    Template,
    TemplateFor,
    TemplateIf,
    TupleExpr,
)
from infra_policy_linter.resolve.terraform.blocks import (
    Block,
    Declarations,
    DocumentValue,
    ModuleLibrary,
    Nested,
    Scope,
    Steps,
    attribute_location,
    bind_scope,
    hcl_source,
    items_of,
    iteration_scope,
    scope_key,
    step_attr,
)
from infra_policy_linter.resolve.terraform.functions import call_function
from infra_policy_linter.resolve.terraform.operators import binary, index_into, key_value_pairs, unary, unknown_over
from infra_policy_linter.resolve.terraform.references import ArgumentKey, Memo, References
from infra_policy_linter.resolve.terraform.written import in_block, in_file


class Evaluator:
    """Evaluates any expression of one module instance."""

    def __init__(
        self,
        declarations: Declarations,
        references: References,
        env: Environment,
        library: ModuleLibrary,
        root: str,
    ) -> None:
        self.declarations = declarations
        self.references = references
        self.env = env
        self.library = library
        self.root = root  # the root module's directory: relative paths in file() and path.module start there
        self.memo = Memo()

    @property
    def prefix(self) -> str:
        return self.declarations.prefix

    # -- evaluation ------------------------------------------------------------------------------------------
    def parse(self, raw: Any) -> Node:
        """``raw`` (an attribute value as python-hcl2 gives it) as an expression; strings parsed once per unit.
        Raises HclExpressionError as parse_value does."""
        if type(raw) is not str:
            return parse_value(raw)  # a ParsedExpression holds its node; lists and objects are rarely re-read
        parsed = self.library.expressions
        if raw not in parsed:
            parsed[raw] = parse_value(raw)
        return parsed[raw]

    def evaluate_raw(self, raw: Any, scope: Scope | None = None) -> Any:
        try:
            node = self.parse(raw)
        except HclExpressionError as exc:
            return Unknown("expression", f"an expression the linter cannot read ({exc})")
        return self.evaluate(node, scope or Scope())

    def argument(self, block: Block, key: str, scope: Scope | None = None) -> Any:
        scope = scope or Scope()
        memo = self.memo
        cache_key: ArgumentKey = (block.kind, block.type, block.name, key, scope_key(scope))
        if cache_key in memo.arguments:
            return memo.arguments[cache_key]
        if cache_key in memo.active_arguments:
            self.library.cycles_met += 1
            return Unknown(f"{block.address}.{key}", f"{block.address}.{key} refers to itself")
        memo.active_arguments.add(cache_key)
        try:
            value = self.evaluate_raw(block.body.get(key), scope)
        finally:
            memo.active_arguments.discard(cache_key)
        if isinstance(value, Unknown) and value.name == "expression" and "cannot read" in value.reason:
            at = attribute_location(block, None, key)  # say where, so that the user can look at it
            value = Unknown(value.name, f"{value.reason} at {at.path}:{at.line}")
        memo.arguments[cache_key] = value
        return value

    def evaluate(self, node: Node, scope: Scope) -> Any:
        if type(node) is Lit:
            return node.value
        evaluate_kind = _NODE_EVALUATORS.get(type(node))
        if evaluate_kind is None:
            kind = type(node).__name__
            return Unknown("expression", f"an expression of a kind the linter does not read ({kind})")
        return evaluate_kind(self, node, scope)

    def _tuple(self, node: TupleExpr, scope: Scope) -> Any:
        return [self.evaluate(item, scope) for item in node.items]

    def _object(self, node: ObjectExpr, scope: Scope) -> Any:
        out: dict[str, Any] = {}
        for key_node, value_node in node.items:
            # A bare name is the key itself (``{ name = ... }``), not a reference to evaluate.
            bare = isinstance(key_node, Ref) and not key_node.steps and isinstance(key_node.root, str)
            key = plain(key_node.root if bare and isinstance(key_node, Ref) else self.evaluate(key_node, scope))
            if key is None:
                return Unknown("object", "an object with a computed key")
            out[key] = self.evaluate(value_node, scope)
        return out

    def _conditional(self, node: Conditional, scope: Scope) -> Any:
        test = self.evaluate(node.test, scope)
        if isinstance(test, bool):
            return self.evaluate(node.then if test else node.other, scope)
        if isinstance(test, Unknown) and test.failed:
            return test
        then, other = self.evaluate(node.then, scope), self.evaluate(node.other, scope)
        if then == other:
            return then
        return branches(unknown_over("conditional", "a conditional expression", [test]))

    def _template(self, node: Template, scope: Scope) -> Any:
        return self._render(node.parts, scope)

    def _render(self, parts: tuple[Part, ...], scope: Scope) -> Any:
        return make_text([p if isinstance(p, str) else self._template_piece(p, scope) for p in parts])

    def _template_if(self, node: TemplateIf, scope: Scope) -> Any:
        then, other = node.then, node.other
        test = self.evaluate(node.test, scope)
        if isinstance(test, bool):
            return self._render(then if test else other, scope)
        a, b = self._render(then, scope), self._render(other, scope)
        return a if a == b else unknown_over("template", "a %{if} directive", [test])

    def _template_for(self, node: TemplateFor, scope: Scope) -> Any:
        names, body = node.names, node.body
        collection = self.evaluate(node.collection, scope)
        pairs = key_value_pairs(collection)
        if pairs is None:
            return unknown_over("template", "a %{for} directive", [collection])
        return make_text([self._render(body, iteration_scope(scope, names, key, value)) for key, value in pairs])

    def _for(self, node: ForExpr, scope: Scope) -> Any:
        names, key_node, value_node, condition_node = node.names, node.key, node.value, node.condition
        grouping, brace = node.grouping, node.brace
        collection = self.evaluate(node.collection, scope)
        unknown = Unknown("for expression", "a for expression over values not known statically")
        pairs = key_value_pairs(collection)
        if pairs is None:
            return unknown
        out_list: list[Any] = []
        out_map: dict[str, Any] = {}
        for k, v in pairs:
            inner = iteration_scope(scope, names, k, v)
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
            # object keys are strings
            key = plain(make_text([self.evaluate(key_node, inner)])) if key_node is not None else None
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

    def _operator(self, node: Operation, scope: Scope) -> Any:
        b = self.evaluate(node.right, scope)
        if node.left is None:
            return unary(node.op, b)
        return binary(node.op, self.evaluate(node.left, scope), b)

    def _call(self, node: Call, scope: Scope) -> Any:
        name = node.name
        args = [self.evaluate(a, scope) for a in node.args]
        if node.expand and args and isinstance(args[-1], list):
            args = args[:-1] + args[-1]
        if name in ("file", "templatefile") and args:
            return self._file(name, args)
        return call_function(name, args)

    def _file(self, name: str, args: list[Any]) -> Any:
        """file() and templatefile(): files the module reads itself (never run, only read)."""
        path = plain(args[0])
        if path is None:
            return Unknown(f"{name}()", f"{name}() of a path not known statically")
        # Relative paths are relative to where terraform runs: the root module's directory.
        shown = posixpath.normpath(posixpath.join(self.root, path)) if not path.startswith("/") else path
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

    def _reference(self, node: Ref, scope: Scope) -> Any:
        root, steps = node.root, node.steps
        if not isinstance(root, str):
            return self._apply_steps(self.evaluate(root, scope), steps, scope)
        if root in scope.bindings:
            return self._apply_steps(scope.bindings[root], steps, scope)
        follow = _REFERENCE_ROOTS.get(root)
        if follow is not None:
            return follow(self, steps, scope)
        return self._resource_root(root, steps, scope)

    def _variable_reference(self, steps: Steps, scope: Scope) -> Any:
        name = step_attr(steps, 0)
        if name is None:
            return Unknown("var", "a reference to var")
        return self._apply_steps(self.variable(name), steps[1:], scope)

    def _local_reference(self, steps: Steps, scope: Scope) -> Any:
        name = step_attr(steps, 0)
        if name is None:
            return Unknown("local", "a reference to local")
        return self._apply_steps(self.local(name), steps[1:], scope)

    def _count_reference(self, steps: Steps, scope: Scope) -> Any:
        if step_attr(steps, 0) != "index":
            return self._resource_root("count", steps, scope)
        return scope.count_index if scope.count_index is not None else Unknown("count.index", "count.index")

    def _each_reference(self, steps: Steps, scope: Scope) -> Any:
        which = step_attr(steps, 0)
        value = scope.each_key if which == "key" else scope.each_value if which == "value" else None
        if value is None:
            return Unknown(f"each.{which}", f"each.{which}")
        return self._apply_steps(value, steps[1:], scope)

    def _module_reference(self, steps: Steps, scope: Scope) -> Any:
        name = step_attr(steps, 0) or ""
        rest = steps[1:]
        key: Any = None
        if rest and isinstance(rest[0], Index):
            key = self.evaluate(rest[0].key, scope)
            rest = rest[1:]
        output = step_attr(rest, 0)
        return self._apply_steps(self.references.module_output(name, key, output), rest[1:], scope)

    def _data_reference(self, steps: Steps, scope: Scope) -> Any:
        rtype, rname = step_attr(steps, 0), step_attr(steps, 1)
        block = self.declarations.data.get((rtype or "", rname or ""))
        if block is None:
            return Unknown(f"data.{rtype}.{rname}", f"data.{rtype}.{rname}, which is not declared in this module")
        return self._resource_reference(block, steps[2:], scope)

    def _plan_reference(self, steps: Steps, scope: Scope) -> Any:
        """``__plan__.x``: written by the plan reader for values the plan leaves open."""
        what = step_attr(steps, 0)
        return Unknown(f"{self.prefix}{what} after apply", f"{what}, which the plan knows only after apply")

    def _path_reference(self, steps: Steps, scope: Scope) -> Any:
        which = step_attr(steps, 0)
        if which in ("module", "root"):
            # Terraform gives them relative to where it runs, the root module's directory.
            return posixpath.relpath(self.declarations.name, self.root) if which == "module" else "."
        return Unknown(f"path.{which}", f"path.{which}")

    def _unread_reference(self, root: str, steps: Steps) -> Any:
        return Unknown(f"{root}.{step_attr(steps, 0)}", f"{root}.{step_attr(steps, 0)}")

    def _resource_root(self, root: str, steps: Steps, scope: Scope) -> Any:
        rname = step_attr(steps, 0)
        block = self.declarations.resources.get((root, rname or ""))
        if block is None:
            return Unknown(f"{root}.{rname}", f"{root}.{rname}, which is not declared in this module")
        return self._resource_reference(block, steps[1:], scope)

    def _resource_reference(self, block: Block, steps: Steps, scope: Scope) -> Any:
        inner = Scope()
        first = steps[0] if steps else None
        if isinstance(first, Index):
            index = self.evaluate(first.key, scope)
            if "count" in block.body:
                inner = Scope(count_index=index if isinstance(index, int) else None)
            elif "for_each" in block.body:
                inner = next((sc for _, sc in self.references.instances(block) if sc.each_key == index), Scope())
            steps = steps[1:]
        elif isinstance(first, Splat):
            attr = step_attr(steps, 1)
            instances = self.references.instances(block)
            if attr is None or any(suffix == "[*]" for suffix, _ in instances):
                return Unknown(f"{block.address}[*]", f"a splat over {block.address}")
            return [
                self._apply_steps(self.references.resource_attribute(block, attr, sc), steps[2:], scope)
                for _, sc in instances
            ]
        attr = step_attr(steps, 0)
        if attr is None:
            return Unknown(block.address, f"{block.address} used as a whole object")
        return self._apply_steps(self.references.resource_attribute(block, attr, inner), steps[1:], scope)

    def _apply_steps(self, value: Any, steps: Steps, scope: Scope) -> Any:
        for position, step in enumerate(steps):
            if isinstance(value, Unknown):
                return value
            if isinstance(step, Attr):
                key: Any = step.name
            elif isinstance(step, Index):
                key = self.evaluate(step.key, scope)
            else:  # a splat: the rest of the traversal applies to each element
                return self._splat(value, steps[position + 1 :], scope)
            value = index_into(value, key)
        return value

    def _splat(self, value: Any, rest: Steps, scope: Scope) -> Any:
        if value is None:  # null is no element
            return []
        if isinstance(value, list):
            return [self._apply_steps(item, rest, scope) for item in value]
        if isinstance(value, (dict, str, Text)):
            return [self._apply_steps(value, rest, scope)]
        return Unknown("splat", "a splat over a value that is not known statically")

    def variable(self, name: str) -> Any:
        memo = self.memo.variables
        if name in memo:
            return memo[name]
        declarations = self.declarations
        passed = self.references.passed(name)
        if passed is not None:
            value = passed.value
        elif name in declarations.tfvars:
            value = in_file(
                self.library, declarations.tfvars_files.get(name), name, self.evaluate_raw(declarations.tfvars[name])
            )
        elif name in declarations.variables and "default" in declarations.variables[name]:
            body, tf = declarations.variables[name], declarations.variable_files.get(name)
            value = in_block(self.library, tf, body, "default", self.evaluate_raw(body["default"]))
            if value is not None:  # null is a value too: Terraform treats an argument set to null as unset
                value = with_assumption(value, f"var.{name} takes its default")
        elif name in declarations.variables:
            value = Unknown(f"var.{name}", f"var.{name}, which has no default", present=True, input=f"var.{name}")
        else:
            value = Unknown(f"var.{name}", f"var.{name}, which is not declared in this module")
        memo[name] = value
        return value

    def local(self, name: str) -> Any:
        memo = self.memo
        if name in memo.locals:
            return memo.locals[name]
        if name in memo.active_locals:
            self.library.cycles_met += 1
            return Unknown(f"local.{name}", f"local.{name}, which refers to itself")
        if name not in self.declarations.locals:
            return Unknown(f"local.{name}", f"local.{name}, which is not declared in this module")
        memo.active_locals.add(name)
        try:
            raw, tf = self.declarations.locals[name]
            value = in_block(self.library, tf, self.declarations.local_blocks[name], name, self.evaluate_raw(raw))
        finally:
            memo.active_locals.discard(name)
        memo.locals[name] = value
        return value

    def provider_region(self, block: Block | None) -> Any:
        alias = ""
        if block is not None and isinstance(block.body.get("provider"), str):
            ref = block.body["provider"].strip("${}")
            alias = ref.split(".", 1)[1] if "." in ref else ""
        provider = self.declarations.providers.get(alias)
        if provider is not None and "region" in provider:
            value = self.evaluate_raw(provider["region"])
            if isinstance(value, (str, Text)):
                return value
        if provider is None:
            inherited = self.references.caller_region()  # a called module uses its caller's default provider
            if inherited is not None:
                return inherited
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
                pairs = [] if each is None else key_value_pairs(each)
                line = int(dynamic.get("__start_line__", block.start))
                if pairs is None:
                    why = (
                        f'the dynamic "{name}" block at {block.file.path}:{line} (its for_each rests on '
                        f"{_reason(each)})"
                    )
                    inner = bind_scope(
                        scope,
                        iterator,
                        {"key": Unknown(f"{iterator}.key", why), "value": Unknown(f"{iterator}.value", why)},
                    )
                    found += [Nested(c, inner, why) for c in contents]
                    continue
                for key, value in pairs:
                    inner = bind_scope(scope, iterator, {"key": key, "value": value})
                    found += [Nested(c, inner) for c in contents]
        return found


def _reason(value: Any) -> str:
    if isinstance(value, Unknown):
        return value.reason or value.name
    return "a value that is neither a list, a set nor a map"


# Each handler takes the node class it is listed under.
_Evaluate = Callable[[Evaluator, Any, Scope], Any]
_Follow = Callable[[Evaluator, Steps, Scope], Any]

# How each kind of expression node (parsers/hcl_nodes.py) is evaluated; literals are read in place.
_NODE_EVALUATORS: dict[type, _Evaluate] = {
    Template: Evaluator._template,
    Ref: Evaluator._reference,
    TupleExpr: Evaluator._tuple,
    ObjectExpr: Evaluator._object,
    Call: Evaluator._call,
    Conditional: Evaluator._conditional,
    Operation: Evaluator._operator,
    ForExpr: Evaluator._for,
    TemplateIf: Evaluator._template_if,
    TemplateFor: Evaluator._template_for,
}

# References by their first name; any other name is a resource type (``aws_sqs_queue.q.arn``).
_REFERENCE_ROOTS: dict[str, _Follow] = {
    "var": Evaluator._variable_reference,
    "local": Evaluator._local_reference,
    "count": Evaluator._count_reference,
    "each": Evaluator._each_reference,
    "module": Evaluator._module_reference,
    "data": Evaluator._data_reference,
    "__plan__": Evaluator._plan_reference,
    "path": Evaluator._path_reference,
    "terraform": lambda module, steps, scope: module._unread_reference("terraform", steps),
    "self": lambda module, steps, scope: module._unread_reference("self", steps),
}
