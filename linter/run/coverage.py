"""What a run covered, for the summary line: destinations checked and how each came out, and the module calls and
nested stacks the linter could not follow (their grants and destinations are not seen)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra_policy_linter.model.entities import Unit

NESTED_STACK_TYPES = frozenset({"AWS::CloudFormation::Stack", "AWS::Serverless::Application"})
# What each kind of check (a verdict's kind) is counted as in the summary, by group: a new kind of target (a
# dead-letter queue, say) adds its kind here, and the counts, the JSON summary and the summary line follow.
CHECK_GROUPS = {
    "on_success": "destinations",
    "on_failure": "destinations",
    "esm_on_failure": "destinations",
    "esm_source": "event_sources",
    "dead_letter": "dead_letters",
}
GROUPS = tuple(dict.fromkeys(CHECK_GROUPS.values()))
STATES = ("granted", "not_granted", "unverifiable")


def count_key(group: str, state: str) -> str:
    """The counter of ``state`` ("checked" or one of STATES) in ``group``. The destinations keep the names the
    JSON summary has always had (destinations, granted, not_granted, unverifiable)."""
    if group == "destinations":
        return "destinations" if state == "checked" else state
    return f"{group}.{state}"


# skipped: units not read because nothing in them can hold a finding (inputs/relevance.py)
COUNT_KEYS = tuple(count_key(g, s) for g in GROUPS for s in ("checked", *STATES)) + ("not_followed", "skipped")


def _state(v: Any) -> str:
    """Not granted when what it needs is refused (for every type it could be, when its type is unknown), granted
    when everything required is granted, else unverifiable."""
    from infra_policy_linter.verdicts.decide import requirement_state  # (the summary's names need no verdicts)

    if getattr(v, "misplaced", None):
        return "not_granted"  # the mapping cannot be created where the run deploys (ESM004)
    states = set(v.type_states().values()) if v.by_type else {requirement_state(v.results)}
    if v.target.unknown and not v.by_type:
        return "unverifiable"
    if states == {"not_granted"}:
        return "not_granted"
    return "granted" if states == {"granted"} else "unverifiable"


def destination_counts(unit: Unit, shared: dict[str, Any]) -> dict[str, int]:
    """One count per check the verdict engine made (an async destination, an event source mapping's on-failure
    destination, the event source it reads), in its group (CHECK_GROUPS) and by how it came out."""
    from infra_policy_linter.verdicts.decide import verdicts

    counts = {key: 0 for key in COUNT_KEYS}
    for v in verdicts(unit, shared):
        group = CHECK_GROUPS.get(v.kind)
        if group is None:
            continue
        counts[count_key(group, "checked")] += 1
        counts[count_key(group, _state(v))] += 1
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
