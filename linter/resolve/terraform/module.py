"""Terraform module -> model: resolves references, locals, variables, functions and policy documents.

One instance of a module (the root, or one instance of a called module) is a :class:`TerraformModule`: what its
files declare, the evaluator of its expressions, and the instances of the modules it calls. The work is done by
one class or a set of plain functions per file, each using only those above it in this list:

    blocks.py                Declarations: what the module declares (blocks, variables, locals, providers, outputs,
                             calls) and where; the small value types the others share
    operators.py             Terraform's operators, indexing and iteration on partly unknown values
    references.py            References: what the evaluator may ask of the rest of the unit; Memo: what it keeps
    expressions.py           Evaluator: references, templates, for expressions, dynamic blocks, variables, locals
    policies.py              aws_iam_policy_document and JSON policies -> statements
    attributes.py            resource and data source attributes (names, ARNs, ids AWS computes)
    modules.py               count/for_each instances, where a called module's files are, outputs
    index.py                 which resource of a module instance has a given ARN, computed once per unit
    targets.py               the resources destinations and event sources name (FIFO, customer managed key)
    resource_policies.py     queue, topic, bus, bucket and key policies, Lambda permissions
    model.py                 the model: functions, roles, policies, invoke configs, event source mappings

The evaluator receives a TerraformModule as its References: a resource attribute, the instances of a block or a
called module's output is answered here, with the functions of attributes.py and modules.py over that evaluator.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from infra_policy_linter.model.entities import Unit
from infra_policy_linter.model.values import Environment, Unknown, plain
from infra_policy_linter.parsers.suppressions import comment_suppressions
from infra_policy_linter.parsers.terraform import TfFile
from infra_policy_linter.resolve.terraform.attributes import resource_attribute
from infra_policy_linter.resolve.terraform.blocks import (
    Block,
    Declarations,
    DocumentValue,
    ModuleLibrary,
    Nested,
    Scope,
)
from infra_policy_linter.resolve.terraform.expressions import Evaluator
from infra_policy_linter.resolve.terraform.index import ArnIndex
from infra_policy_linter.resolve.terraform.model import build_model, file_language
from infra_policy_linter.resolve.terraform.modules import instances, locate_call, output_value
from infra_policy_linter.resolve.terraform.references import Passed
from infra_policy_linter.resolve.terraform.written import in_block

__all__ = ["Block", "DocumentValue", "ModuleLibrary", "Nested", "Scope", "TerraformModule", "build_module"]


@dataclass(frozen=True)
class Caller:
    """How a module instance is called: by which instance, under which name, with which arguments, in which
    scope (``each.key`` of the call's for_each)."""

    module: TerraformModule
    name: str
    arguments: dict[str, Any]
    scope: Scope


class TerraformModule:
    """One instance of a Terraform module: its declarations, its evaluator, and the instances of the modules it
    calls (made when first named). It answers its evaluator's references."""

    def __init__(
        self,
        name: str,
        files: list[TfFile],
        tfvars: list[TfFile],
        env: Environment | None = None,
        library: ModuleLibrary | None = None,
        prefix: str = "",
        call: Caller | None = None,
        depth: int = 0,
    ) -> None:
        self.declarations = Declarations(name, files, tfvars, prefix)
        self.call = call
        self.depth = depth
        # One per unit: the root module makes it, the instances it calls share it.
        self.index: ArnIndex = call.module.index if call is not None else ArnIndex()
        root = call.module.evaluator.root if call is not None else name
        env, library = env or Environment(), library or ModuleLibrary()
        self.evaluator: Evaluator = Evaluator(self.declarations, self, env, library, root)
        self._children: dict[str, list[tuple[str, TerraformModule]] | str] = {}

    @property
    def prefix(self) -> str:
        return self.declarations.prefix

    @property
    def files(self) -> list[TfFile]:
        return self.declarations.files

    @property
    def caller(self) -> TerraformModule | None:
        return self.call.module if self.call is not None else None

    # -- the evaluator's references ----------------------------------------------------------------------------
    def resource_attribute(self, block: Block, attr: str, scope: Scope) -> Any:
        return resource_attribute(self.evaluator, block, attr, scope)

    def instances(self, block: Block) -> list[tuple[str, Scope]]:
        return instances(self.evaluator, block.body)

    def module_output(self, name: str, key: Any, output: str | None) -> Any:
        child = self.child(name, key)
        if isinstance(child, str):
            return Unknown(f"{self.prefix}module.{name}.{output}", f"output {output!r} of module {name!r}: {child}")
        return output_value(child.evaluator, output or "")

    def passed(self, name: str) -> Passed | None:
        call = self.call
        if call is None or name not in call.arguments:
            return None
        caller = call.module.declarations
        value = call.module.evaluator.evaluate_raw(call.arguments[name], call.scope)
        # The strings the caller writes there are reported there (written.py), however deep they travel.
        return Passed(in_block(self.evaluator.library, caller.call_files.get(call.name), call.arguments, name, value))

    def caller_region(self) -> Any | None:
        return self.call.module.evaluator.provider_region(None) if self.call is not None else None

    # -- the modules it calls ----------------------------------------------------------------------------------
    def children(self, name: str) -> list[tuple[str, TerraformModule]] | str:
        """Every instance of the module called ``name`` (count/for_each as for resources), or why it cannot be
        followed."""
        if name not in self._children:
            self._children[name] = self._follow(name)
        return self._children[name]

    def _follow(self, name: str) -> list[tuple[str, TerraformModule]] | str:
        called = locate_call(self.evaluator, name, self.depth)
        if isinstance(called, str):
            return called
        ev = self.evaluator
        return [
            (
                suffix,
                TerraformModule(
                    called.directory,
                    called.files,
                    [],
                    ev.env,
                    ev.library,
                    f"{self.prefix}module.{name}{suffix}.",
                    Caller(self, name, called.arguments, scope),
                    self.depth + 1,
                ),
            )
            for suffix, scope in instances(ev, called.arguments, ev.declarations.call_files.get(name))
        ]

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

    def called_instances(self) -> Iterator[tuple[str, str, TerraformModule]]:
        """(call name, instance suffix, module) of every module this one calls and can follow, made as they are
        reached (a search that stops early follows no further call)."""
        for name in sorted(self.declarations.calls):
            instances = self.children(name)
            if not isinstance(instances, str):
                for suffix, child in instances:
                    yield name, suffix, child

    def build(self, unit: Unit) -> None:
        """Add this instance's part of the model, then that of the modules it calls, to ``unit``."""
        build_model(self, unit)


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
        languages={f.path: file_language(f) for f in files},
    )
    module.build(unit)
    for tf in files:
        if not tf.path.endswith(".json"):  # JSON has no comments to carry suppressions
            unit.suppressions.extend(comment_suppressions(tf.path, tf.lines, "hcl"))
    for tf in tfvars:
        if tf.path.endswith(".tfvars"):  # a finding about a value written there is reported there (written.py)
            unit.suppressions.extend(comment_suppressions(tf.path, tf.lines, "hcl"))
    return unit
