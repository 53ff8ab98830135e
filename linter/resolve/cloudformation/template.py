"""CloudFormation template -> model. A template being resolved, and ``build_template``, the entry point.

The work is split by concern (this module holds the template's state and lookups, and hands off):
* intrinsics: Ref, Fn::GetAtt, Fn::Sub and the other intrinsic functions, parameters, conditions;
* attributes: what Ref and GetAtt return per resource type (the formulas are in aws.py);
* model: the model, one step per resource type, and nested stacks;
* destinations: invoke configs, event source mappings, their destinations and targets' facts;
* policies: IAM policy documents and a role's policies;
* suppressions: suppressions in resource Metadata;
* source: values written back as YAML or JSON, for fixes;
* nodes: source locations and scalars of the raw template nodes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra_policy_linter.model.entities import Policy, Unit
from infra_policy_linter.model.located import Location, Suppression
from infra_policy_linter.model.values import Environment, Unknown, Value, generated_name, plain
from infra_policy_linter.parsers.cloudformation import Template
from infra_policy_linter.parsers.suppressions import comment_suppressions
from infra_policy_linter.resolve.cloudformation import cdk, dead_letters, intrinsics, policies, suppressions
from infra_policy_linter.resolve.cloudformation import model as template_model
from infra_policy_linter.resolve.cloudformation.destinations import sam_declared_services
from infra_policy_linter.resolve.cloudformation.nested import child_path
from infra_policy_linter.resolve.cloudformation.nodes import NO_VALUE, key_location, location
from infra_policy_linter.resolve.cloudformation.source import source_text

if TYPE_CHECKING:
    from infra_policy_linter.resolve.cloudformation.sam_transform import SamOrigin, Translated

# Names other modules import from here (NO_VALUE and the location helpers under their former names).
__all__ = ["NO_VALUE", "CloudFormationTemplate", "_key_location", "_location", "build_template"]
_location = location
_key_location = key_location

# Nested stacks deeper than this are not followed: templates that nest each other in a circle, which
# CloudFormation would never finish deploying either.
_MAX_NESTING = 8


def _section(body: dict[str, Any], name: str) -> dict[str, Any]:
    found = body.get(name)
    return found if isinstance(found, dict) else {}


class CloudFormationTemplate:
    """One template under resolution: its sections, the deployment environment and, for a nested stack, its
    place under its parent. Resolution, model building and the rest live in the modules named above."""

    def __init__(
        self,
        template: Template,
        env: Environment | None = None,
        origin: SamOrigin | None = None,
        children: dict[str, Any] | None = None,
        scope: str = "",
        passed: dict[str, Any] | None = None,
    ) -> None:
        self.env = env or Environment()
        self.origin = origin  # set for the output of the SAM transform: what each generated resource came from
        # Nested stacks: child templates of this run by display path, this template's scope as a child
        # ("Parent/"), and the parameter values its parent passes in (already resolved in the parent).
        self.children: dict[str, Any] = children or {}
        self.scope = scope
        self.passed: dict[str, Any] = passed or {}
        self._nested: dict[str, CloudFormationTemplate | None] = {}
        self.path = template.path
        self.language = template.language
        self.lines = template.lines
        self.source_template = template
        body = template.body
        self.resources = _section(body, "Resources")
        self.parameters = _section(body, "Parameters")
        self.mappings = _section(body, "Mappings")
        self.conditions = _section(body, "Conditions")
        self.outputs = _section(body, "Outputs")
        globals_ = body.get("Globals")
        self.sam_globals: Any = globals_.get("Function") if isinstance(globals_, dict) else None
        self._condition_cache: dict[str, Any] = {}
        self._active: set[str] = set()
        self.declared_services = sam_declared_services(self)

    # -- lookups -----------------------------------------------------------------------------------------------
    def type_of(self, logical_id: str) -> str | None:
        res = self.resources.get(logical_id)
        rtype = res.get("Type") if isinstance(res, dict) else None
        return rtype if isinstance(rtype, str) else None

    def props(self, logical_id: str) -> dict[str, Any]:
        res = self.resources.get(logical_id)
        props = res.get("Properties") if isinstance(res, dict) else None
        return props if isinstance(props, dict) else {}

    def location_of(self, logical_id: str) -> Location:
        for key in self.resources:
            if key == logical_id:
                return location(self.path, key)
        return Location(self.path, 1, 1)

    def physical_name(self, logical_id: str, prop: str | None) -> Value:
        """The name property when it is set, else the name CloudFormation generates."""
        props = self.props(logical_id)
        if prop and prop in props:
            value = self.resolve(props[prop])
            if value is not NO_VALUE:
                named: Value = value
                return named
        return generated_name(self.scope + logical_id, "CloudFormation")

    def referenced(self, node: Any, rtype: str | None) -> str | None:
        """The logical id a Ref/GetAtt points at, when it is a resource (of ``rtype``, if given)."""
        target = None
        if isinstance(node, dict) and len(node) == 1:
            key, arg = next(iter(node.items()))
            if key == "Ref" and isinstance(arg, str):
                target = arg
            elif key == "Fn::GetAtt":
                parts = arg.split(".", 1) if isinstance(arg, str) else arg
                if isinstance(parts, list) and parts and isinstance(parts[0], str):
                    target = parts[0]
        if target is None or target not in self.resources:
            return None
        if rtype is not None and self.type_of(target) != rtype:
            return None
        return str(target)

    def exists(self, logical_id: str) -> bool:
        """False for a resource whose Condition is false: CloudFormation does not create it."""
        res = self.resources.get(logical_id)
        name = res.get("Condition") if isinstance(res, dict) else None
        return not (isinstance(name, str) and self.condition(name) is False)

    # -- resolution (intrinsics) ---------------------------------------------------------------
    def resolve(self, node: Any, depth: int = 0) -> Any:
        return intrinsics.resolve(self, node, depth)

    def ref(self, name: str) -> Any:
        return intrinsics.ref(self, name)

    def get_att(self, name: str, attribute: str) -> Any:
        return intrinsics.get_att(self, name, attribute)

    def parameter(self, name: str) -> Any:
        return intrinsics.parameter(self, name)

    def condition(self, name: str) -> Any:
        """True, False or unknown; evaluated once, and a condition that refers to itself is unknown."""
        if name in self._condition_cache:
            return self._condition_cache[name]
        if name in self._active or name not in self.conditions:
            return Unknown(f"condition {name}", f"condition {name}")
        self._active.add(name)
        try:
            value = intrinsics.condition_value(self, self.conditions[name], 0)
        finally:
            self._active.discard(name)
        self._condition_cache[name] = value
        return value

    # -- other templates of this run: nested stacks and exports ---------------------------------------------------
    def nested(self, logical_id: str) -> CloudFormationTemplate | None:
        """The child template of a nested stack, when it is part of this run, with the parameters passed in."""
        if logical_id in self._nested:
            return self._nested[logical_id]
        self._nested[logical_id] = None  # a stack that nests itself ends here
        if self.scope.count("/") >= _MAX_NESTING:
            return None
        props = self.props(logical_id)
        url = props.get("TemplateURL") if "TemplateURL" in props else props.get("Location")
        path = child_path(self.path, self.resolve(url) if url is not None else None)
        template = self.children.get(path) if path else None
        if template is None:
            return None
        origin = getattr(template, "origin", None)  # a SAM child arrives transformed
        template = getattr(template, "template", template)
        raw = props.get("Parameters")
        passed = {str(k): self.resolve(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
        child = CloudFormationTemplate(
            template,
            self.env,
            origin,
            self.children,
            f"{self.scope}{logical_id}/",
            {k: v for k, v in passed.items() if v is not NO_VALUE},
        )
        self._nested[logical_id] = child
        return child

    def export(self, name: str) -> Any:
        """The value another template of this run exports under ``name``, resolved in that template (with its
        parameters' defaults); None when no template here exports it, or more than one does."""
        found = self._exporters(name)
        if len(found) != 1 or self.scope.count("/") >= _MAX_NESTING:
            return None
        template, origin, value = found[0]
        exporter = CloudFormationTemplate(
            template, self.env, origin, self.children, self.scope + template.path.replace("/", "|") + "/"
        )
        return exporter.resolve(value)

    def _exporters(self, name: str) -> list[tuple[Any, Any, Any]]:
        """(template, SAM origin, output value node) of each other template that exports ``name``."""
        found = []
        for path in sorted(self.children):
            if path == self.path:
                continue
            entry = self.children[path]
            template = getattr(entry, "template", entry)
            outputs = template.body.get("Outputs") if isinstance(template.body, dict) else None
            if not isinstance(outputs, dict):
                continue
            for key in outputs:
                spec = outputs[key]
                export = spec.get("Export") if isinstance(spec, dict) else None
                if isinstance(export, dict) and plain(self.resolve(export.get("Name"))) == name:
                    found.append((template, getattr(entry, "origin", None), spec.get("Value")))
        return found

    def stack_output(self, logical_id: str, output: str) -> Any:
        child = self.nested(logical_id)
        label = f"{logical_id}.Outputs.{output}"
        if child is None:
            return Unknown(
                label, f"{label}, an output of a nested stack whose template is not in this run", input=label
            )
        spec = child.outputs.get(output)
        if not isinstance(spec, dict) or "Value" not in spec:
            return Unknown(label, f"{label}, which the child template {child.path} does not define")
        return child.resolve(spec["Value"])

    # -- model, policies, fixes and suppressions (their own modules) ---------------------------------------------
    def build(self, unit: Unit) -> None:
        template_model.build(self, unit)

    def source(self, node: Any) -> str:
        """A value written back in the template's own language, for fixes."""
        return source_text(self.language, node)

    def policy(self, name: str, doc_node: Any, fallback: Location, address: str) -> Policy:
        return policies.policy(self, name, doc_node, fallback, address)

    def metadata_suppressions(self) -> list[Suppression]:
        return suppressions.metadata_suppressions(self)


def build_template(
    template: Template,
    env: Environment | None = None,
    translated: Translated | None = None,
    children: dict[str, Any] | None = None,
) -> Unit:
    """The unit of one template; ``translated`` is what the SAM transform made of it, when it is a SAM template
    (the model is then built from the transform's output, suppressions still from the source)."""
    unit = Unit(
        format="cloudformation", name=template.path, files=[template.path], languages={template.path: template.language}
    )
    builder = CloudFormationTemplate(template, env, children=children)
    if translated is not None:
        CloudFormationTemplate(translated.template, env, translated.origin, children).build(unit)
        dead_letters.from_sam_source(unit, template)
    else:
        builder.build(unit)
    if template.language == "yaml":
        unit.suppressions.extend(comment_suppressions(template.path, template.lines, "yaml"))
    unit.suppressions.extend(builder.metadata_suppressions())
    template_model.duplicate_warnings(unit, template)
    paths = cdk.construct_paths(builder.resources)
    if paths:
        cdk.apply(unit, template.path, paths)
    return unit
