"""Module calls and instances in Terraform: the instances ``count`` and ``for_each`` make of a resource or a
module call, where a called module's files are (or why they cannot be followed), and a module's outputs. Plain
functions over a module instance's evaluator; module.py makes the called instances from what they find."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from infra_policy_linter.model.entities import ModuleCall
from infra_policy_linter.model.located import Location
from infra_policy_linter.model.values import Text, Unknown, plain
from infra_policy_linter.parsers.terraform import TfFile
from infra_policy_linter.resolve.terraform.blocks import Declarations, Scope, hcl_source
from infra_policy_linter.resolve.terraform.expressions import Evaluator
from infra_policy_linter.resolve.terraform.registry_models import CallSite, is_model_path
from infra_policy_linter.resolve.terraform.written import in_block

MAX_DEPTH = 16


@dataclass(frozen=True)
class CalledModule:
    """The files a module call reads, and its arguments."""

    directory: str
    files: list[TfFile]
    arguments: dict[str, Any]


def locate_call(ev: Evaluator, name: str, depth: int) -> CalledModule | str:
    """Where the module called ``name`` is, or why it cannot be followed (``depth``: how deep the caller is)."""
    declarations = ev.declarations
    body = declarations.calls.get(name)
    if body is None:
        return f"module {name!r} is not called in {declarations.name}"
    if depth >= MAX_DEPTH:
        return f"modules nested more than {MAX_DEPTH} deep"
    source = plain(ev.evaluate_raw(body.get("source")))
    directory = ev.library.locate(declarations.name, source, declarations.prefix + f"module.{name}")
    files = ev.library.files.get(directory) if directory else None
    if source is None:
        return "its source is not a literal string"
    if files is None or directory is None:
        return (
            f"its source {source!r} is not available here (a module `terraform init` downloads: run "
            f"it so that .terraform/modules holds it)"
            if directory is None
            else f"its source {source!r} has no Terraform files"
        )
    if is_model_path(directory):
        ev.library.call_sites[directory] = CallSite(unfollowed(declarations, name, "").location, declarations.prefix)
    return CalledModule(directory, files, body)


def unfollowed(declarations: Declarations, name: str, reason: str) -> ModuleCall:
    """The call of module ``name`` as the model reports a call it could not follow (and where it is written)."""
    body = declarations.calls[name]
    tf = declarations.call_files[name]
    line = int(body.get("__start_line__", 1))
    text = tf.lines[line - 1] if 0 < line <= len(tf.lines) else ""
    written = body.get("source")
    source = hcl_source(written) if not isinstance(written, str) or "${" in written else written
    return ModuleCall(
        f"{declarations.prefix}module.{name}",
        source,
        reason,
        Location(tf.path, line, 1, line, len(text.rstrip()) + 1),
    )


def output_value(ev: Evaluator, name: str) -> Any:
    """The value of the module's output ``name``."""
    for oname, obody in ev.declarations.outputs:
        if oname == name and "value" in obody:
            tf = ev.declarations.output_files.get(oname)
            return in_block(ev.library, tf, obody, "value", ev.evaluate_raw(obody["value"]))
    declarations = ev.declarations
    return Unknown(
        f"{declarations.prefix}output.{name}", f"output {name!r}, which {declarations.name} does not declare"
    )


def instances(ev: Evaluator, body: dict[str, Any], tf: TfFile | None = None) -> list[tuple[str, Scope]]:
    """(address suffix, scope) per instance of a resource or module call: ``[0]`` for count, ``["key"]`` for
    for_each, none if 0; ``[*]`` standing for all of them when their number is not known. With the file of a
    module call, the literals of its for_each are placed there (written.py)."""
    if "count" in body:
        count = ev.evaluate_raw(body["count"])
        if isinstance(count, int) and not isinstance(count, bool):
            return [(f"[{i}]", Scope(count_index=i)) for i in range(max(count, 0))]
        return [("[*]", Scope())]  # an unknown count: one instance standing for all of them
    if "for_each" in body:
        each = in_block(ev.library, tf, body, "for_each", ev.evaluate_raw(body["for_each"]))
        if isinstance(each, dict):
            return [(f'["{k}"]', Scope(each_key=k, each_value=v)) for k, v in sorted(each.items())]
        if isinstance(each, list):
            return _set_instances(each)
        return [("[*]", Scope())]
    return [("", Scope())]


def _set_instances(each: list[Any]) -> list[tuple[str, Scope]]:
    """The instances of a for_each over a set of strings, by sorted key. An element read from a variable's default
    is text resting on that assumption: its key is the text, its value keeps the assumption."""
    elements: dict[str, Any] = {}
    for element in each:
        key = plain(element) if isinstance(element, (str, Text)) else None
        if key is None:
            return [("[*]", Scope())]  # an element not known: one instance standing for all of them
        elements.setdefault(key, element)
    return [(f'["{k}"]', Scope(each_key=k, each_value=elements[k])) for k in sorted(elements)]
