"""MOD001: Terraform module calls the linter could not follow, so that a run says what it did not check."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from infra_policy_linter.findings.finding import Finding
from infra_policy_linter.model.entities import Location, ModuleCall, Unit
from infra_policy_linter.rules.base import Rule


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
        "once, as a note naming its source, when it can matter: its unit has Lambda functions, invoke configs or "
        "event source mappings the module may feed, or the call itself names a Lambda function (every other one "
        "is counted in the summary's 'module calls not followed'). terraform-aws-modules/lambda, /sqs, /sns and "
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
        lambda_in_view = bool(unit.functions or unit.invoke_configs or unit.event_source_mappings)
        for call in unit.unfollowed:
            if call.location in seen:
                continue  # the call sits in a module with several instances: one note for the one call site
            if not lambda_in_view and not _names_lambda(call):
                # Nothing here invokes or maps a function, and the call does not say it makes one: it is counted
                # in the summary's "module calls not followed", without a note per label or VPC module.
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


_LAMBDA_WORDS = re.compile(r"lambda|function|serverless", re.IGNORECASE)


def _names_lambda(call: ModuleCall) -> bool:
    return bool(_LAMBDA_WORDS.search(call.source) or _LAMBDA_WORDS.search(call.address))
