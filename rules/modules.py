"""MOD001: Terraform module calls the linter could not follow, so that a run says what it did not check."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from infra_policy_linter.findings.finding import Finding
from infra_policy_linter.model.entities import ModuleCall, Unit
from infra_policy_linter.model.located import Location
from infra_policy_linter.model.values import Unknown, unknowns_in
from infra_policy_linter.rules.base import Rule
from infra_policy_linter.verdicts.decide import UNDECIDED, verdicts


class ModuleNotFollowed(Rule):
    id = "MOD001"
    name = "module-not-followed"
    title = "A module call whose source is not available here, so nothing inside it was checked"
    summary = (
        "A Terraform module call whose source is not available (a module `terraform init` downloads, before "
        "it has) and that can matter (its unit has Lambda functions, invoke configs or mappings, or it names "
        "a Lambda function): nothing inside it was checked."
    )
    level = "note"
    tags = ("lambda", "coverage")
    formats = ("terraform",)
    rationale = (
        "Registry and git modules live outside the repository until `terraform init` downloads them into "
        ".terraform/modules. Until then the linter cannot see the functions, roles and destinations they create, "
        "and a run that says nothing about them would read as a pass. A call that could not be followed is reported "
        "once, as a note naming its source, when it can matter: one of its outputs is what keeps a destination's "
        "or an event source's verdict from being decided, or is a function's execution role, or the call's "
        "source names a Lambda function (every other one is counted in the summary's 'module calls not "
        "followed'). terraform-aws-modules/lambda, /sqs, /sns and "
        "/dynamodb-table are the exception: without .terraform/modules the linter reads their calls through its "
        "own models of their documented inputs."
    )
    remediation = (
        "Run `terraform init` (it needs no credentials: `terraform init -backend=false`) before linting, so that "
        ".terraform/modules holds the module; or lint the plan: `terraform show -json plan.out > plan.json`. "
        "Calls that cannot matter can be ignored with `--ignore MOD001` or a `lint:ignore MOD001` comment."
    )
    example = (
        'module "worker" {\n'
        '  source  = "cloudposse/lambda-function/aws"   # MOD001 until terraform init\n'
        '  version = "~> 0.6"\n'
        "}"
    )

    def check(self, unit: Unit, shared: dict[str, Any]) -> Iterable[Finding]:
        seen: set[Location] = set()
        reaching = _unknowns_reaching(unit, shared)
        for call in unit.unfollowed:
            if call.location in seen:
                continue  # the call sits in a module with several instances: one note for the one call site
            if not _reaches(call, reaching) and not _names_lambda(call):
                # None of its outputs reaches a role, policy, function, destination or source here, and the call
                # does not say it makes a function: it is counted in the summary's "module calls not followed",
                # without a note per label, VPC or bucket module.
                continue
            seen.add(call.location)
            yield Finding(
                rule=self.id,
                level=self.level,
                location=call.location,
                unit=unit.name,
                message=f"{_without_instances(call.address)} was not checked: {call.reason}",
                function="",
                role=None,
                destination=call.address,
                action=None,
                fix=("terraform init -backend=false   # then lint again; or lint `terraform show -json` of a plan"),
                evidence=frozenset({call.location.path}),
            )


def _without_instances(address: str) -> str:
    """``module.a["x"].module.b`` -> ``module.a.module.b``: the call site, whichever instance reached it."""
    return re.sub(r"\[[^\]]*\]", "", address)


_LAMBDA_WORDS = re.compile(r"lambda|(?<!step-)function|serverless", re.IGNORECASE)


def _names_lambda(call: ModuleCall) -> bool:
    """The call's source says it makes a function (a call's own name says what it is for, not what it makes)."""
    return bool(_LAMBDA_WORDS.search(call.source))


def _unknowns_reaching(unit: Unit, shared: dict[str, Any]) -> list[str]:
    """What keeps a verdict of the unit from being decided, in words and unknown names: the targets' own unknowns,
    every undecided request's reasons, why a function's role could not be found, and the roles functions name
    when they are unknown as a whole. A module output that shows up here decides something; one that only names
    a log group, a security group or a tag does not."""
    texts: list[str] = []
    for v in verdicts(unit, shared):
        texts += [v.target.unknown or "", v.problem or ""]
        results = v.results + [r for rs in v.by_type.values() for r in rs]
        texts += [reason for r in results if r.outcome in UNDECIDED for reason in r.decision.reasons]
        value = v.target.destination.arn if v.target.destination else getattr(v.target.owner, "source", None)
        texts += [u.name for u in unknowns_in(value)]
    # A function whose role is wholly an output: the role, its policies and every verdict of it are out of view.
    texts += [f.role.name for f in unit.functions if isinstance(f.role, Unknown)]
    return [t for t in texts if t]


def _reaches(call: ModuleCall, reaching: list[str]) -> bool:
    """An unknown that reaches the verdicts is one of the call's outputs (by name, or named in a reason)."""
    address = _without_instances(call.address)
    own_name = address.rsplit(".", 1)[-1]
    return any(
        _without_instances(text).startswith(address + ".") or f"of module {own_name!r}" in text for text in reaching
    )
