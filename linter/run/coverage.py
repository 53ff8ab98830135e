"""What a run covered, for the summary line: destinations checked and how each came out, and the module calls and
nested stacks the linter could not follow (their grants and destinations are not seen)."""

from __future__ import annotations

from typing import Any

from infra_policy_linter.iam.evaluate import Outcome
from infra_policy_linter.model.entities import Unit
from infra_policy_linter.verdicts.decide import requirement_state

NOT_GRANTED = frozenset({Outcome.MISSING, Outcome.WRONG_RESOURCE, Outcome.DENIED})
NESTED_STACK_TYPES = frozenset({"AWS::CloudFormation::Stack", "AWS::Serverless::Application"})
# skipped: units not read because nothing in them can hold a finding (inputs/relevance.py)
COUNT_KEYS = ("destinations", "granted", "not_granted", "unverifiable", "not_followed", "skipped")


def destination_counts(unit: Unit, shared: dict[str, Any]) -> dict[str, int]:
    """One count per destination (an async destination or an event source mapping's on-failure destination), from
    the verdict engine: not granted when what it needs is refused (for every type it could be, when its type is
    unknown), granted when everything required is granted, else unverifiable."""
    from infra_policy_linter.verdicts.decide import verdicts

    counts = {key: 0 for key in COUNT_KEYS}
    for v in verdicts(unit, shared):
        if v.kind not in ("on_success", "on_failure", "esm_on_failure"):
            continue  # reading the event source is not a destination
        counts["destinations"] += 1
        states = set(v.type_states().values()) if v.by_type else {requirement_state(v.results)}
        if v.target.unknown and not v.by_type:
            counts["unverifiable"] += 1
        elif states == {"not_granted"}:
            counts["not_granted"] += 1
        elif states == {"granted"}:
            counts["granted"] += 1
        else:
            counts["unverifiable"] += 1
    return counts


def nested_stacks(body: Any) -> list[str]:
    """Logical ids of nested stacks / SAM applications: the linter checks each template on its own."""
    resources = body.get("Resources") if isinstance(body, dict) else None
    if not isinstance(resources, dict):
        return []
    return sorted(
        str(name)
        for name, res in resources.items()
        if isinstance(res, dict) and isinstance(res.get("Type"), str) and res["Type"] in NESTED_STACK_TYPES
    )
