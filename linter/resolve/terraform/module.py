"""Terraform module -> model: resolves references, locals, variables, functions and policy documents.

A module is one class, TerraformModule, built in layers, one concern per file; each layer may use those below it:

    blocks.py                what the module declares (blocks, variables, locals, providers, calls) and where
    expressions.py           expression evaluation: references, templates, for expressions, dynamic blocks
    operators.py             Terraform's operators on partly unknown values (plain functions)
    policies.py              aws_iam_policy_document and JSON policies -> statements
    attributes.py            resource and data source attributes (names, ARNs, ids AWS computes)
    modules.py               count/for_each instances, called modules and their outputs
    targets.py               the resources destinations and event sources name (FIFO, customer managed key)
    model.py                 the model: functions, roles, policies, invoke configs, event source mappings

Expression evaluation needs attributes and module calls (a reference may name either); it declares the methods it
uses and the layers above define them.
"""

from __future__ import annotations

from infra_policy_linter.model.entities import Unit
from infra_policy_linter.model.values import Environment
from infra_policy_linter.parsers.suppressions import comment_suppressions
from infra_policy_linter.parsers.terraform import TfFile
from infra_policy_linter.resolve.terraform.blocks import Block, DocumentValue, ModuleLibrary, Nested, Scope
from infra_policy_linter.resolve.terraform.model import ModelBuilder, file_language

__all__ = ["Block", "DocumentValue", "ModuleLibrary", "Nested", "Scope", "TerraformModule", "build_module"]


class TerraformModule(ModelBuilder):
    """One Terraform module directory: its blocks, and lazy evaluation of any expression in it."""


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
    return unit
