"""Templates the AWS CDK synthesized (cdk.out): findings name the construct, fixes speak CDK.

A synthesized template is generated: editing it fixes nothing. Every resource carries its construct path in
``Metadata: {aws:cdk:path: MyStack/Worker/Resource}``; findings show it beside the logical id
(``Worker1A2B3C (MyStack/Worker)``) and the fix is the grant call on the construct in the CDK app
(``failureQueue.grantSendMessages(worker)``), written by
:func:`infra_policy_linter.fix.writers.typescript.cdk_grant` for the language ``cdk``.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

from infra_policy_linter.model.entities import Unit

CDK_PATH = "aws:cdk:path"


def construct_paths(resources: dict[str, Any]) -> dict[str, str]:
    """Logical id -> construct path (without the trailing ``/Resource`` of L1 resources)."""
    paths = {}
    for key in resources:
        res = resources[key]
        meta = res.get("Metadata") if isinstance(res, dict) else None
        path = meta.get(CDK_PATH) if isinstance(meta, dict) else None
        if isinstance(path, str):
            paths[str(key)] = path[: -len("/Resource")] if path.endswith("/Resource") else path
    return paths


def grantee(role_path: str) -> str:
    """The construct a role belongs to: a Function's role is ``.../Worker/ServiceRole``; grants go to ``worker``."""
    for suffix in ("/ServiceRole", "/Role"):
        if role_path.endswith(suffix):
            return role_path[: -len(suffix)]
    return role_path


def apply(unit: Unit, path: str, paths: dict[str, str]) -> None:
    """Name constructs beside logical ids and write fixes as grant calls."""
    unit.languages[path] = "cdk"  # type: ignore[assignment]
    for role in unit.roles:
        if role.address in paths:
            role.name_source = grantee(paths[role.address])
    dests = [d for c in unit.invoke_configs for d in c.destinations]
    dests += [m.on_failure for m in unit.event_source_mappings if m.on_failure is not None]
    dests += [fn.dead_letter for fn in unit.functions if fn.dead_letter is not None]
    for dest in dests:
        if dest.resource_address in paths:
            if dest.ref == dest.resource_address:
                dest.ref = f"{dest.ref} ({paths[dest.resource_address]})"
            dest.source = paths[dest.resource_address]
    _rename(unit, {k: f"{k} ({v})" for k, v in paths.items()}, set())


_ADDRESS_FIELDS = ("address", "function_address", "resource_address")


def _rename(node: Any, names: dict[str, str], seen: set[int]) -> None:
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, (list, tuple)):
        for item in node:
            _rename(item, names, seen)
        return
    if not is_dataclass(node) or isinstance(node, type):
        return
    for f in fields(node):
        value = getattr(node, f.name)
        if f.name in _ADDRESS_FIELDS and isinstance(value, str) and value in names:
            object.__setattr__(node, f.name, names[value])
        elif isinstance(value, (list, tuple)) or is_dataclass(value):
            _rename(value, names, seen)
