"""What a run covered, for the summary line: destinations checked and how each came out, and the module calls and
nested stacks the linter could not follow (their grants and destinations are not seen)."""

from __future__ import annotations

from typing import Any, Iterable

from infra_policy_linter.iam.evaluate import Outcome
from infra_policy_linter.model import Unit

NOT_GRANTED = frozenset({Outcome.MISSING, Outcome.WRONG_RESOURCE, Outcome.DENIED})
NESTED_STACK_TYPES = frozenset({"AWS::CloudFormation::Stack", "AWS::Serverless::Application"})
COUNT_KEYS = ("destinations", "granted", "not_granted", "unverifiable", "not_followed")


def destination_counts(unit: Unit, shared: dict[str, Any]) -> dict[str, int]:
    """One count per destination (an async destination or an event source mapping's on-failure destination):
    not granted when any action it needs is refused, unverifiable when any cannot be decided, else granted."""
    from infra_policy_linter.rules.destinations import destination_verdicts
    from infra_policy_linter.rules.event_sources import needs

    outcomes: dict[tuple[str, str, int, int], list[Outcome]] = {}
    for v in destination_verdicts(unit, shared):
        loc = v.destination.location
        outcomes.setdefault(("async", loc.path, loc.line, loc.column), []).append(v.decision.outcome)
    for n in needs(unit, shared):
        if n.purpose == "destination" and n.mapping.on_failure is not None:
            loc = n.mapping.on_failure.location
            outcomes.setdefault(("esm", loc.path, loc.line, loc.column), []).append(n.decision.outcome)
    counts = {key: 0 for key in COUNT_KEYS}
    for found in outcomes.values():
        counts["destinations"] += 1
        if any(o in NOT_GRANTED for o in found):
            counts["not_granted"] += 1
        elif all(o is Outcome.GRANTED for o in found):
            counts["granted"] += 1
        else:
            counts["unverifiable"] += 1
    return counts


def unfollowed_module_calls(root: str, files: Iterable[Any], library: Any) -> list[str]:
    """Addresses of module calls, through any depth, whose source is not among the modules the run read."""
    missing: list[str] = []
    pending: list[tuple[str, list[Any], str]] = [(root, list(files), "")]
    visited = 0
    while pending and visited < 256:
        directory, tf_files, prefix = pending.pop(0)
        visited += 1
        for tf in tf_files:
            for entry in tf.body.get("module", []) or []:
                for name, body in (entry.items() if isinstance(entry, dict) else ()):
                    if not isinstance(body, dict):
                        continue
                    address = f"{prefix}module.{name}"
                    source = body.get("source")
                    located = library.locate(directory, source if isinstance(source, str) else None, address)
                    child = library.files.get(located) if located else None
                    if child is None:
                        missing.append(address)
                    else:
                        pending.append((located, child, address + "."))
    return sorted(set(missing))


def nested_stacks(body: Any) -> list[str]:
    """Logical ids of nested stacks / SAM applications: the linter checks each template on its own."""
    resources = body.get("Resources") if isinstance(body, dict) else None
    if not isinstance(resources, dict):
        return []
    return sorted(str(name) for name, res in resources.items()
                  if isinstance(res, dict) and isinstance(res.get("Type"), str) and res["Type"] in NESTED_STACK_TYPES)
