"""Stand-ins for registry modules that `terraform init` has not downloaded.

A checkout rarely holds ``.terraform/modules``, so a call to a registry module would leave the functions it creates
unchecked (MOD001), and a queue or topic it creates unknown (DST004). For the most used modules that create Lambda
functions, queues and topics, the linter carries its own model of the module (``data/*.hcl``: the module's
documented inputs and what they create) and reads the call through it.
Every position inside a model is reported at the module call, and fixes attach to the role through the module's
outputs: the model is not a file the user has.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from infra_policy_linter.model.entities import Unit
from infra_policy_linter.model.located import Location
from infra_policy_linter.parsers.terraform import TfFile

# Source address (as written, without a registry host) -> the model's file.
_MODELS = {
    "terraform-aws-modules/lambda/aws": "terraform-aws-modules-lambda.hcl",
    "terraform-aws-modules/sqs/aws": "terraform-aws-modules-sqs.hcl",
    "terraform-aws-modules/sns/aws": "terraform-aws-modules-sns.hcl",
    "terraform-aws-modules/dynamodb-table/aws": "terraform-aws-modules-dynamodb-table.hcl",
}
# The same modules when called straight from their git repository.
_GIT_SOURCES = {
    "github.com/terraform-aws-modules/terraform-aws-lambda": "terraform-aws-modules/lambda/aws",
    "github.com/terraform-aws-modules/terraform-aws-sqs": "terraform-aws-modules/sqs/aws",
    "github.com/terraform-aws-modules/terraform-aws-sns": "terraform-aws-modules/sns/aws",
    "github.com/terraform-aws-modules/terraform-aws-dynamodb-table": "terraform-aws-modules/dynamodb-table/aws",
}
MODEL_PREFIX = "(model of "  # a model's directory: "(model of terraform-aws-modules/lambda/aws, called as module.x)"


def registry_address(source: str) -> str | None:
    """The registry module a source names, when the linter has a model of it."""
    text = re.sub(r"^(git::)?(https://|ssh://git@|git@)?", "", source.strip())
    text = re.sub(r"^registry\.(terraform\.io|opentofu\.org)/", "", text)
    # ?ref=... picks a version; //path picks a submodule, which is another module (no model).
    text = re.sub(r"(\.git)?(\?.*)?$", "", text).replace("github.com:", "github.com/")
    text = _GIT_SOURCES.get(text, text)
    return text if text in _MODELS else None


def model_directory(source: str, call: str) -> str | None:
    """The directory a call to a modelled module reads, one per call site (``call`` is its module address)."""
    address = registry_address(source)
    return f"{MODEL_PREFIX}{address}, called as {call})" if address else None


def model_files(directory: str, models: dict[str, list[TfFile]]) -> list[TfFile] | None:
    """The model's parsed files, placed in a call's own directory."""
    address = directory[len(MODEL_PREFIX) :].split(",", 1)[0]
    parsed = models.get(address)
    if parsed is None:
        return None
    return [dataclasses.replace(tf, path=f"{directory}/{tf.path.rsplit('/', 1)[-1]}") for tf in parsed]


def is_model_path(path: str) -> bool:
    return path.startswith(MODEL_PREFIX)


def mentions_a_model(texts: list[str]) -> bool:
    """Cheap test on a unit's sources: could one of them call a module the linter has a model of?"""
    return any("terraform-aws-modules/" in text for text in texts)


@cache
def model_sources() -> tuple[tuple[str, str], ...]:
    """(registry address, text) of every model, read once per process."""
    found = []
    for address, filename in sorted(_MODELS.items()):
        text = (
            resources.files("infra_policy_linter.resolve.terraform")
            .joinpath("data", filename)
            .read_text(encoding="utf-8")
        )
        found.append((address, text))
    return tuple(found)


@dataclass(frozen=True)
class CallSite:
    """Where a modelled module is called from."""

    location: Location  # the module block in the calling file
    caller_prefix: str  # the calling module's own address prefix ("" for the root, "module.a." below it)


def anchor_at_calls(unit: Unit, calls: dict[str, CallSite]) -> None:
    """Every position inside a model moves to the module call that used it; the roles it creates are named
    through the module's ``lambda_role_name`` output, so a fix written beside the call attaches to them."""
    if not calls:
        return
    unit.files = [path for path in unit.files if not is_model_path(path)]
    unit.languages = {path: language for path, language in unit.languages.items() if not is_model_path(path)}
    for role in unit.roles:
        call = calls.get(role.location.path.rsplit("/", 1)[0])
        if call is not None:
            # module.a.module.worker[0].aws_iam_role.lambda[0] seen from module.a -> module.worker[0]
            reference = role.address[len(call.caller_prefix) :].rsplit(".aws_iam_role.", 1)[0]
            role.name_source = f"{reference}.lambda_role_name"
    for mapping in unit.event_source_mappings:
        if calls.get(mapping.location.path.rsplit("/", 1)[0]) is not None:
            # aws_lambda_event_source_mapping.this["sqs"] -> the entry the caller wrote in event_source_mapping
            entry = "event_source_mapping" + mapping.address.rsplit(".this", 1)[-1]
            mapping.source_ref = f"{entry}.event_source_arn"
            if mapping.on_failure is not None and mapping.on_failure.ref.startswith("each.value"):
                mapping.on_failure.ref = f"{entry}.destination_arn_on_failure"
    _move(unit, calls, set())


def _move(node: Any, calls: dict[str, CallSite], seen: set[int]) -> Any:
    """``node`` with every Location inside a model replaced by its call's (dataclasses are updated in place)."""
    if isinstance(node, Location):
        return _moved(node, calls)
    if id(node) in seen:
        return node
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        seen.add(id(node))
        for item in dataclasses.fields(node):
            value = getattr(node, item.name)
            moved = _move(value, calls, seen)
            if moved is not value:
                object.__setattr__(node, item.name, moved)
        return node
    if isinstance(node, list):
        seen.add(id(node))
        for i, value in enumerate(node):
            node[i] = _move(value, calls, seen)
        return node
    if isinstance(node, tuple):
        moved_items = tuple(_move(value, calls, seen) for value in node)
        return moved_items if any(a is not b for a, b in zip(moved_items, node, strict=True)) else node
    return node


def _moved(location: Location, calls: dict[str, CallSite]) -> Location:
    if not is_model_path(location.path):
        return location
    directory = location.path.rsplit("/", 1)[0]
    call = calls.get(directory)
    return call.location if call is not None else location
