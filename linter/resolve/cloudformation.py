"""CloudFormation template -> model: resolves Ref, Fn::GetAtt, Fn::Sub, Fn::Join and friends."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from infra_policy_linter import aws
from infra_policy_linter.model import (
    Destination,
    EventSourceMapping,
    Function,
    InlineAttachment,
    InputWarning,
    InvokeConfig,
    Location,
    ManagedAttachment,
    ManagedPolicy,
    Policy,
    Role,
    Suppression,
    Unit,
)
from infra_policy_linter.parsers.cloudformation import Template
from infra_policy_linter.parsers.suppressions import comment_suppressions
from infra_policy_linter.policy_document import policy_from_value
from infra_policy_linter.resolve.sam import from_policy_template
from infra_policy_linter.values import Environment, Text, Unknown, generated_name, make_text, plain, with_assumption

if TYPE_CHECKING:
    from infra_policy_linter.resolve.sam_transform import SamOrigin, Translated

NO_VALUE = object()  # AWS::NoValue: the property is removed


def _location(path: str, node: Any, fallback: Location | None = None) -> Location:
    start = getattr(node, "start_mark", None)
    end = getattr(node, "end_mark", None)
    if start is None:
        return fallback or Location(path, 1, 1)
    line, column = start.line + 1, start.column + 1
    if end is not None:
        return Location(path, line, column, end.line + 1, end.column + 1)
    return Location(path, line, column)


def _key_location(path: str, mapping: Any, key: str, fallback: Location) -> Location:
    """From a key to the end of its value: what an editor should highlight for ``Key: value``."""
    for k in mapping.keys() if isinstance(mapping, dict) else []:
        if k == key:
            start = getattr(k, "start_mark", None)
            value_end = getattr(mapping[k], "end_mark", None) or getattr(k, "end_mark", None)
            if start is None:
                return fallback
            if value_end is None or value_end.line != start.line:
                value_end = getattr(k, "end_mark", None)
            line = start.line + 1
            end_line = value_end.line + 1 if value_end else line
            end_col = value_end.column + 1 if value_end else start.column + 1
            return Location(path, line, start.column + 1, end_line, end_col)
    return fallback


class CloudFormationTemplate:
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
        self.resources: dict[str, Any] = body.get("Resources") if isinstance(body.get("Resources"), dict) else {}
        self.parameters: dict[str, Any] = body.get("Parameters") if isinstance(body.get("Parameters"), dict) else {}
        self.mappings: dict[str, Any] = body.get("Mappings") if isinstance(body.get("Mappings"), dict) else {}
        self.conditions: dict[str, Any] = body.get("Conditions") if isinstance(body.get("Conditions"), dict) else {}
        self.outputs: dict[str, Any] = body.get("Outputs") if isinstance(body.get("Outputs"), dict) else {}
        globals_ = body.get("Globals")
        self.sam_globals: Any = globals_.get("Function") if isinstance(globals_, dict) else None
        self._condition_cache: dict[str, Any] = {}
        self._active: set[str] = set()
        self.declared_services = _sam_declared_services(self)

    # -- helpers ---------------------------------------------------------------------------------------------
    def type_of(self, logical_id: str) -> str | None:
        res = self.resources.get(logical_id)
        if isinstance(res, dict) and isinstance(res.get("Type"), str):
            return res["Type"]
        return None

    def props(self, logical_id: str) -> dict[str, Any]:
        res = self.resources.get(logical_id)
        props = res.get("Properties") if isinstance(res, dict) else None
        return props if isinstance(props, dict) else {}

    def location_of(self, logical_id: str) -> Location:
        for key in self.resources:
            if key == logical_id:
                return _location(self.path, key)
        return Location(self.path, 1, 1)

    def _name(self, logical_id: str, prop: str | None) -> Any:
        props = self.props(logical_id)
        if prop and prop in props:
            value = self.resolve(props[prop])
            if value is not NO_VALUE:
                return value
        return generated_name(self.scope + logical_id, "CloudFormation")

    # -- Ref and GetAtt ------------------------------------------------------------------------------------
    def ref(self, name: str) -> Any:
        if name == "AWS::Region":
            return self.env.region()
        if name == "AWS::AccountId":
            return self.env.account()
        pseudo = _PSEUDO.get(name)
        if pseudo is not None:
            return pseudo()
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.parameters:
            return self.parameter(name)
        rtype = self.type_of(name)
        if rtype is None:
            return Unknown(f"Ref {name}", f"Ref {name}, which is not declared in this template")
        handler = _REF.get(rtype)
        if handler is None:
            return Unknown(f"Ref {name}", f"the Ref value of {name} ({rtype})")
        return handler(self, name)

    def get_att(self, name: str, attribute: str) -> Any:
        rtype = self.type_of(name)
        if rtype is None:
            return Unknown(f"{name}.{attribute}", f"{name}.{attribute}, and {name} is not declared in this template")
        if rtype in _STACK_TYPES and attribute.startswith("Outputs."):
            return self.stack_output(name, attribute[len("Outputs.") :])
        handler = _GETATT.get((rtype, attribute))
        if handler is None:
            return Unknown(f"{name}.{attribute}", f"{name}.{attribute}, known only after deployment")
        return handler(self, name)

    def parameter(self, name: str) -> Any:
        if name in self.passed:
            return self.passed[name]
        spec = self.parameters.get(name)
        if not isinstance(spec, dict):
            return Unknown(f"parameter {name}", f"parameter {name}")
        ptype = spec.get("Type") if isinstance(spec.get("Type"), str) else "String"
        if "Default" not in spec:
            return Unknown(f"parameter {name}", f"parameter {name}, which has no default")
        if ptype.startswith("AWS::SSM::Parameter"):
            return Unknown(f"parameter {name}", f"parameter {name}, read from SSM at deploy time")
        default = spec["Default"]
        text = _scalar_text(default) if default is not None else ""
        value: Any = (
            (text if text is not None else str(default))
            if not isinstance(default, (list, dict))
            else self.resolve(default)
        )
        if isinstance(value, str) and (ptype == "CommaDelimitedList" or ptype.startswith("List<")):
            value = [v.strip() for v in value.split(",")]
        return with_assumption(value, f"parameter {name} takes its default {default}")

    # -- intrinsic functions ---------------------------------------------------------------------------------
    def resolve(self, node: Any, depth: int = 0) -> Any:
        if depth > 100:
            return Unknown("nesting", "a value nested too deeply")
        if isinstance(node, dict):
            if len(node) == 1:
                key = next(iter(node))
                handler = _INTRINSICS.get(key)
                if handler is not None:
                    return handler(self, node[key], depth + 1)
            out = {}
            for k, v in node.items():
                value = self.resolve(v, depth + 1)
                if value is not NO_VALUE:
                    out[str(k)] = value
            return out
        if isinstance(node, list):
            return [v for v in (self.resolve(x, depth + 1) for x in node) if v is not NO_VALUE]
        if isinstance(node, str):
            return str(node)
        return node

    def condition(self, name: str) -> Any:
        if name in self._condition_cache:
            return self._condition_cache[name]
        if name in self._active or name not in self.conditions:
            return Unknown(f"condition {name}", f"condition {name}")
        self._active.add(name)
        try:
            value = self._condition_value(self.conditions[name], 0)
        finally:
            self._active.discard(name)
        self._condition_cache[name] = value
        return value

    def _condition_value(self, node: Any, depth: int) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            key, arg = next(iter(node.items()))
            if key == "Condition" and isinstance(arg, str):
                return self.condition(arg)
            if key == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
                # CloudFormation compares the operands as strings: `!Equals [false, "false"]` is true
                a, b = (_scalar_text(self.resolve(x, depth + 1)) for x in arg)
                if a is not None and b is not None:
                    return a == b
                for side, other in ((arg[0], b), (arg[1], a)):
                    allowed = self._allowed_values(side)
                    if other is not None and allowed is not None and other not in allowed:
                        return False  # the parameter cannot take that value
                return Unknown("Fn::Equals", "a condition over values not known statically")
            if key in ("Fn::Not", "Fn::And", "Fn::Or") and isinstance(arg, list):
                values = [self._condition_value(x, depth + 1) for x in arg]
                if key == "Fn::Or" and True in values:
                    return True  # one true operand decides, whatever the unknown ones are
                if key == "Fn::And" and False in values:
                    return False
                if not all(isinstance(v, bool) for v in values):
                    return Unknown(key, "a condition over values not known statically")
                if key == "Fn::Not":
                    return not values[0] if values else Unknown(key, key)
                return all(values) if key == "Fn::And" else any(values)
        return Unknown("condition", "a condition that cannot be evaluated")

    def _allowed_values(self, node: Any) -> set[str] | None:
        """The AllowedValues of a parameter ``node`` refers to (without a default it may take any of them)."""
        if not (isinstance(node, dict) and len(node) == 1 and isinstance(node.get("Ref"), str)):
            return None
        spec = self.parameters.get(node["Ref"])
        allowed = spec.get("AllowedValues") if isinstance(spec, dict) else None
        if not isinstance(allowed, list):
            return None
        texts = {_scalar_text(v) for v in allowed}
        return None if None in texts else texts  # type: ignore[return-value]

    def nested(self, logical_id: str) -> CloudFormationTemplate | None:
        """The child template of a nested stack, when it is part of this run, with the parameters passed in."""
        if logical_id in self._nested:
            return self._nested[logical_id]
        from infra_policy_linter.resolve.nested import child_path

        self._nested[logical_id] = None  # a stack that nests itself ends here
        if self.scope.count("/") >= 8:
            return None  # templates that nest each other in a circle: CloudFormation would never finish either
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
        found = []
        for path in sorted(self.children):
            if path == self.path:
                continue
            entry = self.children[path]
            template = getattr(entry, "template", entry)
            outputs = template.body.get("Outputs") if isinstance(template.body, dict) else None
            for key in outputs if isinstance(outputs, dict) else {}:
                spec = outputs[key]
                export = spec.get("Export") if isinstance(spec, dict) else None
                if isinstance(export, dict) and plain(self.resolve(export.get("Name"))) == name:
                    found.append((template, getattr(entry, "origin", None), spec.get("Value")))
        if len(found) != 1 or self.scope.count("/") >= 8:
            return None
        template, origin, value = found[0]
        exporter = CloudFormationTemplate(
            template, self.env, origin, self.children, self.scope + template.path.replace("/", "|") + "/"
        )
        return exporter.resolve(value)

    def stack_output(self, logical_id: str, output: str) -> Any:
        child = self.nested(logical_id)
        label = f"{logical_id}.Outputs.{output}"
        if child is None:
            return Unknown(label, f"{label}, an output of a nested stack whose template is not in this run")
        spec = child.outputs.get(output)
        if not isinstance(spec, dict) or "Value" not in spec:
            return Unknown(label, f"{label}, which the child template {child.path} does not define")
        return child.resolve(spec["Value"])

    def exists(self, logical_id: str) -> bool:
        """False for a resource whose Condition is false: CloudFormation does not create it."""
        res = self.resources.get(logical_id)
        name = res.get("Condition") if isinstance(res, dict) else None
        return not (isinstance(name, str) and self.condition(name) is False)

    # -- model ---------------------------------------------------------------------------------------------
    def source(self, node: Any) -> str:
        """A value written back in the template's own language, for fixes."""
        if self.language == "json":
            return json.dumps(_plain_data(node))
        return _yaml_source(node)

    def policy(self, name: str, doc_node: Any, fallback: Location, address: str) -> Policy:
        location = _location(self.path, doc_node, fallback)
        value = self.resolve(doc_node)
        policy = policy_from_value(name, value, location, address)
        raw_statements = doc_node.get("Statement") if isinstance(doc_node, dict) else None
        if isinstance(raw_statements, list) and len(raw_statements) == len(policy.statements):
            for stmt, raw in zip(policy.statements, raw_statements):
                stmt.location = _location(self.path, raw, location)
        return policy

    def build(self, unit: Unit) -> None:
        for logical_id in sorted(str(k) for k in self.resources):  # plain str: results cross process boundaries
            rtype = self.type_of(logical_id)
            builder = _BUILDERS.get(rtype or "")
            if builder is not None and self.exists(logical_id):
                builder(self, unit, logical_id)
            elif rtype in _STACK_TYPES and self.exists(logical_id):
                self._nested_stack(unit, logical_id)

    def _nested_stack(self, unit: Unit, logical_id: str) -> None:
        """The child's resources join this unit under ``Child/`` addresses (see resolve/nested.py)."""
        from infra_policy_linter.resolve.nested import scope_addresses

        child = self.nested(logical_id)
        if child is None:
            return
        sub = Unit(format="cloudformation", name=unit.name)
        child.build(sub)
        scope_addresses(sub, child.scope)
        for name in (
            "functions",
            "roles",
            "managed_policies",
            "inline_attachments",
            "managed_attachments",
            "invoke_configs",
            "event_source_mappings",
        ):
            getattr(unit, name).extend(getattr(sub, name))
        if child.path not in unit.files:
            unit.files.append(child.path)
            unit.languages[child.path] = child.language
            if child.language == "yaml":
                unit.suppressions.extend(comment_suppressions(child.path, child.lines, "yaml"))
            unit.suppressions.extend(child.metadata_suppressions())
            duplicate_warnings(unit, child.source_template)

    def _function(self, unit: Unit, logical_id: str) -> None:
        props = self.props(logical_id)
        unit.functions.append(
            Function(
                address=logical_id,
                name=self._name(logical_id, "FunctionName"),
                arn=_function_arn(self, logical_id),
                role=self.resolve(props["Role"])
                if "Role" in props
                else Unknown(f"{logical_id}.Role", f"{logical_id} sets no Role"),
                location=self.location_of(logical_id),
                role_location=_key_location(self.path, props, "Role", self.location_of(logical_id)),
            )
        )

    def _role(self, unit: Unit, logical_id: str) -> None:
        props = self.props(logical_id)
        loc = self.location_of(logical_id)
        role = Role(
            address=logical_id,
            name=self._name(logical_id, "RoleName"),
            arn=_role_arn(self, logical_id),
            location=loc,
            boundary=self.resolve(props["PermissionsBoundary"]) if "PermissionsBoundary" in props else None,
            name_source=self.source({"Ref": logical_id}),
            generated_for=self.origin.generated_roles.get(logical_id) if self.origin else None,
        )
        if role.boundary is NO_VALUE:
            role.boundary = None
        # SAM's output (a processed template): SAM tags the roles it generates
        sam_generated = _sam_tagged(props.get("Tags"))
        for entry in props.get("Policies") or [] if isinstance(props.get("Policies"), list) else []:
            entry = self._chosen(entry, loc)
            if not isinstance(entry, dict):
                continue
            pname = plain(self.resolve(entry.get("PolicyName"))) or "unnamed"
            origin = self.origin.policies.get((logical_id, pname)) if self.origin else None
            policy = self.policy(
                origin.label if origin else f"inline policy {pname!r} of {logical_id}",
                entry.get("PolicyDocument"),
                _location(self.path, entry, loc),
                logical_id,
            )
            policy.generated_by = origin.generated_by if origin else None
            if origin is None and sam_generated and from_policy_template(policy):
                policy.generated_by = "policy-template"
            role.inline_policies.append(policy)
        arns = props.get("ManagedPolicyArns")
        if isinstance(arns, list):
            for item in arns:
                value = self.resolve(item)
                if value is NO_VALUE:
                    continue
                for arn in value if isinstance(value, list) else [value]:
                    role.managed_policy_arns.append((arn, _location(self.path, item, loc)))
        elif arns is not None:
            value = self.resolve(arns)
            for arn in value if isinstance(value, list) else [value]:
                role.managed_policy_arns.append((arn, loc))
        unit.roles.append(role)

    def _chosen(self, entry: Any, loc: Location) -> Any:
        """A list entry written as ``Fn::If``: the branch the condition picks; when the condition is not known
        statically, a policy that says so (its grants are then unknown, never assumed)."""
        if not (isinstance(entry, dict) and len(entry) == 1 and "Fn::If" in entry):
            return entry
        arg = entry["Fn::If"]
        if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
            return None
        chosen = self.condition(arg[0])
        if isinstance(chosen, bool):
            branch = arg[1] if chosen else arg[2]
            return None if self.resolve(branch) is NO_VALUE else branch
        return {"PolicyName": f"Fn::If {arg[0]}", "PolicyDocument": {"Fn::If": arg}}

    def _roles_of(self, props: dict[str, Any], key: str) -> list[Any]:
        value = self.resolve(props.get(key)) if key in props else []
        if value is NO_VALUE or value is None:
            return []
        return value if isinstance(value, list) else [value]

    def _iam_policy(self, unit: Unit, logical_id: str) -> None:
        props = self.props(logical_id)
        loc = self.location_of(logical_id)
        policy = self.policy(logical_id, props.get("PolicyDocument"), loc, logical_id)
        for role_name in self._roles_of(props, "Roles"):
            unit.inline_attachments.append(InlineAttachment(role_name, policy, loc))

    def _role_policy(self, unit: Unit, logical_id: str) -> None:
        props = self.props(logical_id)
        loc = self.location_of(logical_id)
        policy = self.policy(logical_id, props.get("PolicyDocument"), loc, logical_id)
        for role_name in self._roles_of(props, "RoleName"):
            unit.inline_attachments.append(InlineAttachment(role_name, policy, loc))

    def _managed_policy(self, unit: Unit, logical_id: str) -> None:
        props = self.props(logical_id)
        loc = self.location_of(logical_id)
        origin = self.origin.policies.get((logical_id, "")) if self.origin else None
        policy = self.policy(origin.label if origin else logical_id, props.get("PolicyDocument"), loc, logical_id)
        policy.generated_by = origin.generated_by if origin else None
        arn = _managed_policy_arn(self, logical_id)
        unit.managed_policies.append(ManagedPolicy(logical_id, arn, policy, loc))
        for role_name in self._roles_of(props, "Roles"):
            unit.managed_attachments.append(ManagedAttachment(role_name, arn, loc, logical_id, policy))

    def _invoke_config(self, unit: Unit, logical_id: str) -> None:
        props = self.props(logical_id)
        loc = self.location_of(logical_id)
        fn_node = props.get("FunctionName")
        config = InvokeConfig(
            address=logical_id,
            function=self.resolve(fn_node)
            if fn_node is not None
            else Unknown(f"{logical_id}.FunctionName", "no FunctionName"),
            location=loc,
            qualifier=self.resolve(props["Qualifier"]) if "Qualifier" in props else None,
            function_address=self._referenced(fn_node, "AWS::Lambda::Function"),
        )
        dc = props.get("DestinationConfig")
        for kind, key in (("on_success", "OnSuccess"), ("on_failure", "OnFailure")):
            target = dc.get(key) if isinstance(dc, dict) else None
            if not isinstance(target, dict) or "Destination" not in target:
                continue
            raw = target["Destination"]
            value = self.resolve(raw)
            if value is NO_VALUE:
                continue
            config.destinations.extend(self.branches(kind, target, loc, (logical_id, key)))
        self.limits(config, props, loc)
        unit.invoke_configs.append(config)

    def _event_source_mapping(self, unit: Unit, logical_id: str) -> None:
        props = self.props(logical_id)
        loc = self.location_of(logical_id)
        raw_source = props.get("EventSourceArn")
        mapping = EventSourceMapping(
            address=self.origin.addresses.get(logical_id, logical_id) if self.origin else logical_id,
            function=self.resolve(props["FunctionName"])
            if "FunctionName" in props
            else Unknown(f"{logical_id}.FunctionName", "no FunctionName"),
            location=loc,
            source=self.resolve(raw_source)
            if raw_source is not None
            else Unknown(
                f"{logical_id}.EventSourceArn", "no EventSourceArn (a self-managed Kafka or Amazon MQ source)"
            ),
            source_location=_key_location(self.path, props, "EventSourceArn", loc),
            source_ref=self._referenced(raw_source, None) or (self.source(raw_source) if raw_source else ""),
            function_address=self._referenced(props.get("FunctionName"), "AWS::Lambda::Function"),
        )
        dc = props.get("DestinationConfig")
        target = dc.get("OnFailure") if isinstance(dc, dict) else None
        if isinstance(target, dict) and "Destination" in target:
            mapping.on_failure = self.destination("on_failure", target, loc, (logical_id, "OnFailure"))
        self.source_facts(mapping, raw_source)
        if mapping.source_service is None and self.origin is not None:
            mapping.source_service = self.origin.source_services.get(logical_id)  # the SAM event's Type
        unit.event_source_mappings.append(mapping)

    def source_facts(self, mapping: EventSourceMapping, raw: Any) -> None:
        """Service, MSK cluster type and customer managed key of the source resource, when it is defined here."""
        ref = self._referenced(raw, None) if raw is not None else None
        rtype = self.type_of(ref) if ref else None
        if rtype not in _SOURCE_TYPES:
            return
        mapping.source_service, mapping.source_variant = _SOURCE_TYPES[rtype]
        props = self.props(str(ref))
        raw_key = None
        if rtype == "AWS::SQS::Queue":
            raw_key = props.get("KmsMasterKeyId")
        elif rtype == "AWS::Kinesis::Stream":
            enc = props.get("StreamEncryption")
            if isinstance(enc, dict) and plain(self.resolve(enc.get("EncryptionType"))) == "KMS":
                raw_key = enc.get("KeyId")
        elif rtype == "AWS::DynamoDB::Table":
            sse = props.get("SSESpecification")
            if isinstance(sse, dict) and _truthy(self.resolve(sse.get("SSEEnabled"))):
                raw_key = sse.get("KMSMasterKeyId")  # absent: the AWS managed key
        if raw_key is None:
            return
        key = self.resolve(raw_key)
        if not aws.is_aws_managed_key(key):
            mapping.source_kms_key, mapping.source_kms_source = self.key_arn(raw_key, key), self.source(raw_key)

    def branches(
        self, kind: str, target: dict[str, Any], fallback: Location, owner: tuple[str, str] | None = None
    ) -> list[Destination]:
        """A destination written as ``Fn::If`` on a condition not known statically is checked per branch: each
        branch is a destination of its own, named with the condition (AWS::NoValue branches have none)."""
        raw = target.get("Destination")
        arg = raw.get("Fn::If") if isinstance(raw, dict) and len(raw) == 1 else None
        if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
            return [self.destination(kind, target, fallback, owner)]
        chosen = self.condition(arg[0])
        if isinstance(chosen, bool):  # the branch the condition picks, written as the user wrote it
            branch = arg[1] if chosen else arg[2]
            if self.resolve(branch) is NO_VALUE:
                return []
            one = self.destination(
                kind, {"Destination": branch}, _key_location(self.path, target, "Destination", fallback), owner
            )
            one.location = _key_location(self.path, target, "Destination", one.location)
            return [one]
        found = []
        for branch, truth in ((arg[1], "true"), (arg[2], "false")):
            if self.resolve(branch) is NO_VALUE:
                continue
            one = self.destination(
                kind, {"Destination": branch}, _key_location(self.path, target, "Destination", fallback), owner
            )
            one.location = _location(self.path, branch, one.location)
            one.ref = f"{one.ref} (when condition {arg[0]} is {truth})"
            found.append(one)
        return found

    def destination(
        self, kind: str, target: dict[str, Any], fallback: Location, owner: tuple[str, str] | None = None
    ) -> Destination:
        raw = target["Destination"]
        value = self.resolve(raw)
        declared = self.declared_services.get(owner) if owner else None
        if isinstance(value, Unknown) and declared:
            value = dataclasses.replace(value, service=declared)
        ref = self._referenced(raw, None)
        fifo, key, key_source = self.target_facts(ref, value)
        return Destination(
            kind=kind,  # type: ignore[arg-type]
            arn=value,
            ref=ref or (str(raw) if isinstance(raw, str) else self.source(raw)),
            location=_key_location(self.path, target, "Destination", _location(self.path, target, fallback)),
            resource_address=ref,
            source=self.source(raw),
            target_location=self.location_of(ref) if ref else None,
            fifo=fifo,
            kms_key=key,
            kms_source=key_source,
        )

    def limits(self, config: InvokeConfig, props: dict[str, Any], fallback: Location) -> None:
        if "MaximumRetryAttempts" in props:
            config.retry_attempts = self.resolve(props["MaximumRetryAttempts"])
            config.retry_location = _key_location(self.path, props, "MaximumRetryAttempts", fallback)
        if "MaximumEventAgeInSeconds" in props:
            config.event_age = self.resolve(props["MaximumEventAgeInSeconds"])
            config.event_age_location = _key_location(self.path, props, "MaximumEventAgeInSeconds", fallback)

    def target_facts(self, ref: str | None, value: Any) -> tuple[bool, Any, str]:
        """(FIFO?, customer managed key ARN or None, the key as written) for the resource a destination names."""
        fifo = str(value).endswith(".fifo") if isinstance(value, (str, Text)) else False
        rtype = self.type_of(ref) if ref else None
        props = self.props(ref) if ref else {}
        raw_key = None
        if rtype == "AWS::SQS::Queue":
            fifo = fifo or _truthy(self.resolve(props.get("FifoQueue")))
            raw_key = props.get("KmsMasterKeyId")
        elif rtype == "AWS::SNS::Topic":
            fifo = fifo or _truthy(self.resolve(props.get("FifoTopic")))
            raw_key = props.get("KmsMasterKeyId")
        elif rtype == "AWS::S3::Bucket":
            raw_key = _bucket_key(props.get("BucketEncryption"))
        if raw_key is None:
            return fifo, None, ""
        key = self.resolve(raw_key)
        if aws.is_aws_managed_key(key):
            return fifo, None, ""
        return fifo, self.key_arn(raw_key, key), self.source(raw_key)

    def key_arn(self, raw: Any, key: Any) -> Any:
        target = self._referenced(raw, "AWS::KMS::Alias")
        text = plain(key)
        if target is None and text is not None and text.startswith("alias/"):
            target = next(
                (
                    str(k)
                    for k in self.resources
                    if self.type_of(str(k)) == "AWS::KMS::Alias"
                    and plain(self.resolve(self.props(str(k)).get("AliasName"))) == text
                ),
                None,
            )
            if target is None:
                return Unknown(f"key behind {text}", f"the key behind {text}, which is not defined in this template")
        if target is not None:
            target_key = self.props(target).get("TargetKeyId")
            return self.key_arn(target_key, self.resolve(target_key))
        return aws.kms_key_arn(key, self.env.region(), self.env.account())

    def metadata_suppressions(self) -> list[Suppression]:
        """``Metadata: {infra-policy-linter: {ignore: [{rule, reason, expires}]}}`` on a resource covers it whole."""
        found = []
        for key in self.resources:
            res = self.resources[key]
            meta = res.get("Metadata") if isinstance(res, dict) else None
            ours = meta.get(METADATA_KEY) if isinstance(meta, dict) else None
            if ours is None:
                continue
            span = _location(self.path, res)
            start = _location(self.path, key).line
            entries = ours.get("ignore") if isinstance(ours, dict) else None
            if not isinstance(entries, list):
                loc = _location(self.path, ours, span)
                found.append(
                    Suppression(
                        (), "", loc, start, span.end_line, problem=f"{METADATA_KEY} Metadata needs an 'ignore' list"
                    )
                )
                continue
            for entry in entries:
                loc = _location(self.path, entry, span)
                found.append(_metadata_entry(entry, loc, start, span.end_line))
        return found

    def _referenced(self, node: Any, rtype: str | None) -> str | None:
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


# -- intrinsic function handlers --------------------------------------------------------------------------------
def _fn_ref(t: CloudFormationTemplate, arg: Any, depth: int) -> Any:
    return t.ref(str(arg)) if isinstance(arg, str) else Unknown("Ref", "a Ref to a computed name")


def _fn_get_att(t: CloudFormationTemplate, arg: Any, depth: int) -> Any:
    if isinstance(arg, str) and "." in arg:
        name, attribute = arg.split(".", 1)
    elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
        name = arg[0]
        attribute = plain(t.resolve(arg[1], depth))
        if attribute is None:
            return Unknown(f"{name}.?", f"an attribute of {name} chosen at deploy time")
    else:
        return Unknown("Fn::GetAtt", "a malformed Fn::GetAtt")
    return t.get_att(str(name), str(attribute))


_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


def _fn_sub(t: CloudFormationTemplate, arg: Any, depth: int) -> Any:
    variables: dict[str, Any] = {}
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
        template = arg[0]
        variables = {str(k): t.resolve(v, depth) for k, v in arg[1].items()}
    else:
        template = arg
    if not isinstance(template, str):
        return Unknown("Fn::Sub", "an Fn::Sub over a computed template")
    pieces: list[Any] = []
    pos = 0
    for m in _SUB_VAR.finditer(template):
        pieces.append(template[pos : m.start()])
        pos = m.end()
        name = m.group(1).strip()
        if name.startswith("!"):
            pieces.append("${" + name[1:] + "}")  # ${!Literal} is written out as ${Literal}
        elif name in variables:
            pieces.append(variables[name])
        elif "." in name and name.split(".", 1)[0] in t.resources:
            res, attribute = name.split(".", 1)
            pieces.append(t.get_att(res, attribute))
        else:
            pieces.append(t.ref(name))
    pieces.append(template[pos:])
    if any(p is NO_VALUE for p in pieces):
        return Unknown("Fn::Sub", "an Fn::Sub that uses AWS::NoValue")
    return make_text(pieces)


def _fn_join(t: CloudFormationTemplate, arg: Any, depth: int) -> Any:
    if not (isinstance(arg, list) and len(arg) == 2):
        return Unknown("Fn::Join", "a malformed Fn::Join")
    delimiter = t.resolve(arg[0], depth)
    items = t.resolve(arg[1], depth)
    if not isinstance(items, list):
        return Unknown("Fn::Join", "an Fn::Join over a list not known statically")
    pieces: list[Any] = []
    for i, item in enumerate(items):
        if i:
            pieces.append(delimiter)
        pieces.append(item if not isinstance(item, (list, dict)) else Unknown("Fn::Join item", "a list item"))
    return make_text(pieces)


def _fn_select(t: CloudFormationTemplate, arg: Any, depth: int) -> Any:
    if isinstance(arg, list) and len(arg) == 2:
        index = plain(t.resolve(arg[0], depth))
        items = t.resolve(arg[1], depth)
        if index is not None and index.isdigit() and isinstance(items, list) and int(index) < len(items):
            return items[int(index)]
    return Unknown("Fn::Select", "an Fn::Select not known statically")


def _fn_split(t: CloudFormationTemplate, arg: Any, depth: int) -> Any:
    if isinstance(arg, list) and len(arg) == 2:
        delimiter, source = plain(t.resolve(arg[0], depth)), plain(t.resolve(arg[1], depth))
        if delimiter and source is not None:
            return source.split(delimiter)
    return Unknown("Fn::Split", "an Fn::Split not known statically")


def _fn_if(t: CloudFormationTemplate, arg: Any, depth: int) -> Any:
    if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
        return Unknown("Fn::If", "a malformed Fn::If")
    chosen = t.condition(arg[0])
    if isinstance(chosen, bool):
        return t.resolve(arg[1] if chosen else arg[2], depth)
    a, b = t.resolve(arg[1], depth), t.resolve(arg[2], depth)
    if a == b:
        return a
    return Unknown(f"Fn::If {arg[0]}", f"an Fn::If on condition {arg[0]}, which is not known statically")


def _fn_find_in_map(t: CloudFormationTemplate, arg: Any, depth: int) -> Any:
    if isinstance(arg, list) and len(arg) >= 3:
        keys = [plain(t.resolve(k, depth)) for k in arg[:3]]
        if all(k is not None for k in keys):
            node: Any = t.mappings
            for k in keys:
                node = node.get(k) if isinstance(node, dict) else None
            if node is not None:
                return t.resolve(node, depth)
            if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                return t.resolve(arg[3]["DefaultValue"], depth)
    return Unknown("Fn::FindInMap", "an Fn::FindInMap whose keys are not known statically")


def _fn_import(t: CloudFormationTemplate, arg: Any, depth: int) -> Any:
    name = plain(t.resolve(arg, depth))
    label = f"Fn::ImportValue {name}" if name else "Fn::ImportValue"
    if name is not None:
        found = t.export(name)
        if found is not None:
            return found
    return Unknown(label, f"{label}, an export of another stack")


def _unknown_fn(key: str) -> Callable[[CloudFormationTemplate, Any, int], Any]:
    return lambda t, arg, depth: Unknown(key, f"the result of {key}")


_INTRINSICS: dict[str, Callable[[CloudFormationTemplate, Any, int], Any]] = {
    "Ref": _fn_ref,
    "Fn::GetAtt": _fn_get_att,
    "Fn::Sub": _fn_sub,
    "Fn::Join": _fn_join,
    "Fn::Select": _fn_select,
    "Fn::Split": _fn_split,
    "Fn::If": _fn_if,
    "Fn::FindInMap": _fn_find_in_map,
    "Fn::ImportValue": _fn_import,
    **{
        k: _unknown_fn(k)
        for k in (
            "Fn::GetAZs",
            "Fn::Base64",
            "Fn::Cidr",
            "Fn::Transform",
            "Fn::ToJsonString",
            "Fn::Length",
            "Fn::Equals",
            "Fn::Not",
            "Fn::And",
            "Fn::Or",
        )
    },
}

_STACK_TYPES = ("AWS::CloudFormation::Stack", "AWS::Serverless::Application")

_PSEUDO: dict[str, Callable[[], Any]] = {
    "AWS::Partition": lambda: aws.PARTITION,
    "AWS::URLSuffix": lambda: aws.URL_SUFFIX,
    "AWS::StackName": lambda: Unknown("AWS::StackName", "the stack name"),
    "AWS::StackId": lambda: Unknown("AWS::StackId", "the stack id"),
    "AWS::NotificationARNs": lambda: Unknown("AWS::NotificationARNs", "the stack's notification ARNs"),
}


# -- what Ref and GetAtt return, per resource type (one table, used by resolution and by rules via the ARN) ------
def _queue_name(t: CloudFormationTemplate, i: str) -> Any:
    return t._name(i, "QueueName")


def _queue_arn(t: CloudFormationTemplate, i: str) -> Any:
    return aws.queue_arn(t.env.region(), t.env.account(), _queue_name(t, i))


def _queue_url(t: CloudFormationTemplate, i: str) -> Any:
    return aws.queue_url(t.env.region(), t.env.account(), _queue_name(t, i))


def _topic_arn(t: CloudFormationTemplate, i: str) -> Any:
    return aws.topic_arn(t.env.region(), t.env.account(), t._name(i, "TopicName"))


def _function_arn(t: CloudFormationTemplate, i: str) -> Any:
    return aws.function_arn(t.env.region(), t.env.account(), t._name(i, "FunctionName"))


def _bus_arn(t: CloudFormationTemplate, i: str) -> Any:
    return aws.event_bus_arn(t.env.region(), t.env.account(), t._name(i, "Name"))


def _bucket_arn(t: CloudFormationTemplate, i: str) -> Any:
    return aws.bucket_arn(t._name(i, "BucketName"))


def _iam_path(t: CloudFormationTemplate, i: str) -> Any:
    props = t.props(i)
    return t.resolve(props["Path"]) if "Path" in props else "/"


def _role_arn(t: CloudFormationTemplate, i: str) -> Any:
    return aws.role_arn(t.env.account(), _iam_path(t, i), t._name(i, "RoleName"))


def _managed_policy_arn(t: CloudFormationTemplate, i: str) -> Any:
    return aws.managed_policy_arn(t.env.account(), _iam_path(t, i), t._name(i, "ManagedPolicyName"))


def _alias_arn(t: CloudFormationTemplate, i: str) -> Any:
    props = t.props(i)
    fn = t.resolve(props.get("FunctionName"))
    from infra_policy_linter.link import function_name_of

    return aws.function_arn(t.env.region(), t.env.account(), function_name_of(fn), t._name(i, "Name"))


def _key_id(t: CloudFormationTemplate, i: str) -> Any:
    return generated_name(t.scope + i, "AWS KMS")


def _key_arn(t: CloudFormationTemplate, i: str) -> Any:
    return aws.key_arn(t.env.region(), t.env.account(), _key_id(t, i))


_REF: dict[str, Callable[[CloudFormationTemplate, str], Any]] = {
    "AWS::Kinesis::Stream": lambda t, i: t._name(i, "Name"),
    "AWS::DynamoDB::Table": lambda t, i: t._name(i, "TableName"),
    "AWS::MSK::Cluster": lambda t, i: _msk_arn(t, i),
    "AWS::MSK::ServerlessCluster": lambda t, i: _msk_arn(t, i),
    "AWS::KMS::Key": _key_id,
    "AWS::KMS::Alias": lambda t, i: t.resolve(t.props(i).get("AliasName")),
    "AWS::Serverless::Function": lambda t, i: t._name(i, "FunctionName"),
    "AWS::SQS::Queue": _queue_url,
    "AWS::SNS::Topic": _topic_arn,
    "AWS::Lambda::Function": lambda t, i: t._name(i, "FunctionName"),
    "AWS::Lambda::Alias": _alias_arn,
    "AWS::Events::EventBus": lambda t, i: t._name(i, "Name"),
    "AWS::IAM::Role": lambda t, i: t._name(i, "RoleName"),
    "AWS::IAM::ManagedPolicy": _managed_policy_arn,
    "AWS::S3::Bucket": lambda t, i: t._name(i, "BucketName"),
}


def _stream_arn(t: CloudFormationTemplate, i: str) -> Any:
    return aws.kinesis_stream_arn(t.env.region(), t.env.account(), t._name(i, "Name"))


def _table_arn(t: CloudFormationTemplate, i: str) -> Any:
    return aws.dynamodb_table_arn(t.env.region(), t.env.account(), t._name(i, "TableName"))


def _table_stream_arn(t: CloudFormationTemplate, i: str) -> Any:
    label = Unknown(f"{t.scope}{i}.StreamLabel", f"the stream label of {i}", atom=True)
    return aws.dynamodb_stream_arn(t.env.region(), t.env.account(), t._name(i, "TableName"), label)


def _msk_arn(t: CloudFormationTemplate, i: str) -> Any:
    uuid = Unknown(f"{t.scope}{i}.uuid", f"the id AWS gives {i}", atom=True)
    return aws.msk_cluster_arn(t.env.region(), t.env.account(), t._name(i, "ClusterName"), uuid)


# Resource types an event source mapping reads: (service, MSK cluster type).
_SOURCE_TYPES: dict[str, tuple[str, str | None]] = {
    "AWS::SQS::Queue": ("sqs", None),
    "AWS::Kinesis::Stream": ("kinesis", None),
    "AWS::DynamoDB::Table": ("dynamodb", None),
    "AWS::MSK::Cluster": ("kafka", "provisioned"),
    "AWS::MSK::ServerlessCluster": ("kafka", "serverless"),
    "AWS::AmazonMQ::Broker": ("mq", None),
    "AWS::DocDB::DBCluster": ("rds", None),
}


_GETATT: dict[tuple[str, str], Callable[[CloudFormationTemplate, str], Any]] = {
    ("AWS::Kinesis::Stream", "Arn"): _stream_arn,
    ("AWS::DynamoDB::Table", "Arn"): _table_arn,
    ("AWS::DynamoDB::Table", "StreamArn"): _table_stream_arn,
    ("AWS::MSK::Cluster", "Arn"): _msk_arn,
    ("AWS::MSK::ServerlessCluster", "Arn"): _msk_arn,
    ("AWS::KMS::Key", "Arn"): _key_arn,
    ("AWS::KMS::Key", "KeyId"): _key_id,
    ("AWS::SQS::Queue", "Arn"): _queue_arn,
    ("AWS::SQS::Queue", "QueueName"): _queue_name,
    ("AWS::SQS::Queue", "QueueUrl"): _queue_url,
    ("AWS::SNS::Topic", "TopicArn"): _topic_arn,
    ("AWS::SNS::Topic", "TopicName"): lambda t, i: t._name(i, "TopicName"),
    ("AWS::Lambda::Function", "Arn"): _function_arn,
    ("AWS::Serverless::Function", "Arn"): _function_arn,
    ("AWS::Events::EventBus", "Arn"): _bus_arn,
    ("AWS::Events::EventBus", "Name"): lambda t, i: t._name(i, "Name"),
    ("AWS::IAM::Role", "Arn"): _role_arn,
    ("AWS::IAM::ManagedPolicy", "PolicyArn"): _managed_policy_arn,
    ("AWS::S3::Bucket", "Arn"): _bucket_arn,
}


def _serverless_function(t: CloudFormationTemplate, unit: Unit, logical_id: str) -> None:
    from infra_policy_linter.resolve.sam import build_serverless_function

    build_serverless_function(t, unit, logical_id)


_BUILDERS: dict[str, Callable[[CloudFormationTemplate, Unit, str], None]] = {
    "AWS::Lambda::EventSourceMapping": CloudFormationTemplate._event_source_mapping,
    "AWS::Serverless::Function": _serverless_function,
    "AWS::Lambda::Function": CloudFormationTemplate._function,
    "AWS::IAM::Role": CloudFormationTemplate._role,
    "AWS::IAM::Policy": CloudFormationTemplate._iam_policy,
    "AWS::IAM::RolePolicy": CloudFormationTemplate._role_policy,
    "AWS::IAM::ManagedPolicy": CloudFormationTemplate._managed_policy,
    "AWS::Lambda::EventInvokeConfig": CloudFormationTemplate._invoke_config,
}


# -- writing values back as YAML/JSON for fixes ----------------------------------------------------------------
def _plain_data(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain_data(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain_data(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


_YAML_PLAIN = re.compile(r"^[A-Za-z0-9_./:*$@-][A-Za-z0-9_./:*$@ -]*$")


def _yaml_scalar(value: str) -> str:
    if _YAML_PLAIN.match(value) and not value.endswith(" ") and ": " not in value:
        return value
    return json.dumps(value)


def _yaml_source(node: Any) -> str:
    if isinstance(node, dict) and len(node) == 1:
        key, arg = next(iter(node.items()))
        if key == "Ref" and isinstance(arg, str):
            return f"!Ref {arg}"
        if key == "Fn::GetAtt":
            if isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
                return f"!GetAtt {arg[0]}.{arg[1]}"
            if isinstance(arg, str):
                return f"!GetAtt {arg}"
        if key == "Fn::Sub" and isinstance(arg, str):
            return f"!Sub {json.dumps(str(arg))}"
        if key == "Fn::ImportValue" and isinstance(arg, str):
            return f"!ImportValue {arg}"
    if isinstance(node, str):
        return _yaml_scalar(str(node))
    return json.dumps(_plain_data(node))


METADATA_KEY = "infra-policy-linter"


_SAM_TYPES = {"SQS": "sqs", "SNS": "sns", "Lambda": "lambda", "EventBridge": "events", "S3": "s3"}


def _sam_declared_services(t: CloudFormationTemplate) -> dict[tuple[str, str], str]:
    """The destination ``Type`` SAM was given, read back from the policies it names after it on a role it generates
    (``<Fn>EventInvokeConfigOnFailureSQSPolicy``, ``<Fn><Event>SQSPolicy``): a destination whose value is unknown
    is still known to be of that service, in SAM's source as in its output."""
    found: dict[tuple[str, str], str] = {}
    for key in t.resources:
        res = t.resources[key]
        props = res.get("Properties") if isinstance(res, dict) else None
        if not (isinstance(props, dict) and res.get("Type") == "AWS::IAM::Role" and _sam_tagged(props.get("Tags"))):
            continue
        for entry in props.get("Policies") if isinstance(props.get("Policies"), list) else []:
            name = entry.get("PolicyName") if isinstance(entry, dict) else None
            m = (
                re.fullmatch(
                    r"(.+?)(EventInvokeConfig(OnSuccess|OnFailure)|)(SQS|SNS|Lambda|EventBridge|S3)Policy", str(name)
                )
                if isinstance(name, str)
                else None
            )
            if m is None:
                continue
            owner = m.group(1) + ("EventInvokeConfig" if m.group(2) else "")
            if t.type_of(owner) in ("AWS::Lambda::EventInvokeConfig", "AWS::Lambda::EventSourceMapping"):
                found[(owner, m.group(3) or "OnFailure")] = _SAM_TYPES[m.group(4)]
    return found


def _scalar_text(value: Any) -> str | None:
    """A scalar as CloudFormation turns it into a string (YAML booleans are written `true`/`false`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return plain(value)


def _sam_tagged(tags: Any) -> bool:
    return isinstance(tags, list) and any(
        isinstance(t, dict) and t.get("Key") == "lambda:createdBy" and t.get("Value") == "SAM" for t in tags
    )


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _bucket_key(encryption: Any) -> Any:
    """KMSMasterKeyID of an SSE-KMS default encryption rule, if any."""
    rules = encryption.get("ServerSideEncryptionConfiguration") if isinstance(encryption, dict) else None
    for rule in rules if isinstance(rules, list) else []:
        default = rule.get("ServerSideEncryptionByDefault") if isinstance(rule, dict) else None
        if isinstance(default, dict) and default.get("SSEAlgorithm") in ("aws:kms", "aws:kms:dsse"):
            if "KMSMasterKeyID" in default:
                return default["KMSMasterKeyID"]
    return None


def _metadata_entry(entry: Any, loc: Location, start: int, end: int) -> Suppression:
    if not isinstance(entry, dict) or not isinstance(entry.get("rule"), str):
        return Suppression((), "", loc, start, end, problem="an ignore entry needs 'rule' and 'reason'")
    rules = tuple(r.strip().upper() for r in str(entry["rule"]).split(","))
    reason = str(entry.get("reason") or "").strip()
    expires = None
    problem = None
    if "expires" in entry:
        try:
            expires = date.fromisoformat(str(entry["expires"]))
        except ValueError:
            problem = f"has an invalid expiry date {str(entry['expires'])!r} (use YYYY-MM-DD)"
    return Suppression(rules, reason, loc, start, end, expires, problem)


def duplicate_warnings(unit: Unit, template: Any) -> None:
    for d in getattr(template, "duplicates", []):
        where = Location(template.path, d.line, d.column, d.line, d.column + len(d.key))
        message = (
            f"the key {d.key} is given twice in one mapping (lines {d.first_line} and {d.line}); "
            f"CloudFormation uses the last value, so the one at line {d.first_line} is ignored"
        )
        unit.input_warnings.append(InputWarning(where, message, d.path))


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
    else:
        builder.build(unit)
    if template.language == "yaml":
        unit.suppressions.extend(comment_suppressions(template.path, template.lines, "yaml"))
    unit.suppressions.extend(builder.metadata_suppressions())
    duplicate_warnings(unit, template)
    from infra_policy_linter.resolve import cdk

    paths = cdk.construct_paths(builder.resources)
    if paths:
        cdk.apply(unit, template.path, paths)
    return unit
