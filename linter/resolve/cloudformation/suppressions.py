"""Suppressions written in a template's resource Metadata:
``Metadata: {infra-policy-linter: {ignore: [{rule, reason, expires}]}}`` covers the resource whole."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from infra_policy_linter.model.located import Location, Suppression
from infra_policy_linter.resolve.cloudformation.nodes import location

if TYPE_CHECKING:
    from infra_policy_linter.resolve.cloudformation.template import CloudFormationTemplate

METADATA_KEY = "infra-policy-linter"


def metadata_suppressions(t: CloudFormationTemplate) -> list[Suppression]:
    found = []
    for key in t.resources:
        res = t.resources[key]
        meta = res.get("Metadata") if isinstance(res, dict) else None
        ours = meta.get(METADATA_KEY) if isinstance(meta, dict) else None
        if ours is not None:
            found.extend(_resource_suppressions(t.path, key, res, ours))
    return found


def _resource_suppressions(path: str, key: Any, res: Any, ours: Any) -> list[Suppression]:
    """The suppressions of one resource, spanning from its logical id to the end of its body."""
    span = location(path, res)
    start = location(path, key).line
    entries = ours.get("ignore") if isinstance(ours, dict) else None
    if not isinstance(entries, list):
        problem = f"{METADATA_KEY} Metadata needs an 'ignore' list"
        return [Suppression((), "", location(path, ours, span), start, span.end_line, problem=problem)]
    return [_metadata_entry(entry, location(path, entry, span), start, span.end_line) for entry in entries]


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
