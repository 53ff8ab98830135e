"""Module calls and instances in Terraform: the instances ``count`` and ``for_each`` make of a resource or a
module call, the called modules themselves (followed into their own files, or why they cannot be), and their
outputs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from infra_policy_linter.model.entities import Location, ModuleCall
from infra_policy_linter.model.values import Unknown, plain
from infra_policy_linter.resolve.terraform.attributes import ResourceAttributes
from infra_policy_linter.resolve.terraform.blocks import Block, Scope, hcl_source, items_of
from infra_policy_linter.resolve.terraform.registry_models import CallSite, is_model_path

if TYPE_CHECKING:
    from infra_policy_linter.resolve.terraform.module import TerraformModule


class ModuleCalls(ResourceAttributes):
    """The module's calls of other modules, and the instances of its resources and calls."""

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
                from infra_policy_linter.resolve.terraform.module import TerraformModule  # all layers (it imports this)

                caller = cast("TerraformModule", self)  # this layer is always part of a TerraformModule
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
                            (caller, body, scope),
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
        source = hcl_source(written) if not isinstance(written, str) or "${" in written else written
        return ModuleCall(
            f"{self.prefix}module.{name}", source, reason, Location(tf.path, line, 1, line, len(text.rstrip()) + 1)
        )

    def output(self, name: str) -> Any:
        for tf in self.files:
            for entry in tf.body.get("output", []) or []:
                for oname, obody in items_of(entry):
                    if oname == name and isinstance(obody, dict) and "value" in obody:
                        return self.evaluate_raw(obody["value"])
        return Unknown(f"{self.prefix}output.{name}", f"output {name!r}, which {self.name} does not declare")

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
