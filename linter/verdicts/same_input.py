"""Same reference, same value: a target that is an input the files do not fix, granted on that very input.

A reusable module or a stack wired by a parent pipeline takes its destination as an input (a Terraform variable
without a value, a CloudFormation parameter without a default, a nested stack's output) and grants the role on
the same input: ``destination = var.dlq_arn`` beside ``Resource = var.dlq_arn``. Whatever value the input takes,
the grant names it. Which service it is, the grant says itself: a role allowed ``sqs:SendMessage`` on it treats it
as a queue. The request is then decided for the type (or types) the grant implies, and the evidence states that
inference as an assumption. When no grant on the reference implies a type whose requests are all granted, the
verdict is left as it was (DST004, naming the input that decides it).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from infra_policy_linter.iam.evaluate import Outcome
from infra_policy_linter.model import aws
from infra_policy_linter.model.entities import Statement
from infra_policy_linter.model.values import Unknown

if TYPE_CHECKING:
    from infra_policy_linter.verdicts.decide import Result, Verdict


def input_reference(value: Any) -> Unknown | None:
    """The input a target is, when it is one the files do not fix (else None)."""
    return value if isinstance(value, Unknown) and value.input else None


def _names(stmt: Statement, ref: Unknown) -> bool:
    """The statement's Resource is that very reference (not a wildcard that happens to cover it)."""
    return any(isinstance(r, Unknown) and r == ref for r in stmt.resources or [])


def _implied(results: list[Result], ref: Unknown) -> bool:
    """A required request of this type is granted by a statement that names the reference itself."""
    return any(
        r.request.required
        and r.outcome is Outcome.GRANTED
        and any(stmt.effect == "Allow" and _names(stmt, ref) for _, stmt in r.decision.deciding)
        for r in results
    )


def _label(kind: str, service: str) -> str:
    if kind == "esm_source":
        return aws.SOURCE_LABELS.get(service, service)
    found = aws.DESTINATION_SERVICES.get(service)
    return found.label if found else service


def _assumed(result: Result, assumption: str) -> Result:
    from infra_policy_linter.verdicts.decide import Result

    decision = replace(result.decision, assumptions=[*result.decision.assumptions, assumption])
    return Result(result.request, result.action, decision)


def settle(v: Verdict, ref: Unknown) -> bool:
    """Decide ``v`` for the types its grants on ``ref`` imply, when every request of each such type is granted.
    True when it did (the verdict is then an ordinary one about a target of that type, under an assumption)."""
    from infra_policy_linter.verdicts.decide import requirement_state

    implied = [svc for svc, results in v.by_type.items() if _implied(results, ref)]
    if not implied or any(requirement_state(v.by_type[svc]) != "granted" for svc in implied):
        return False
    labels = " or ".join(_label(v.kind, svc) for svc in implied)
    actions = ", ".join(
        dict.fromkeys(
            r.action
            for svc in implied
            for r in v.by_type[svc]
            if r.request.purpose in ("deliver", "read") and r.outcome is Outcome.GRANTED
        )
    )
    assumption = (
        f"{ref.input} is taken to be {'an' if labels[0] in 'AEIOS' else 'a'} {labels}: the role is granted "
        f"{actions} on that very reference, and the same input has the same value in both places"
    )
    v.results = [_assumed(r, assumption) for svc in implied for r in v.by_type[svc]]
    v.target.requests = [r.request for r in v.results]
    v.target.service = implied[0] if len(implied) == 1 else None
    v.target.candidates = {}
    v.target.unknown = None
    v.by_type = {}
    return True
