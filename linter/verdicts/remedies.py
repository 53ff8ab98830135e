"""DST004's fix: which remedy makes an unknown visible, chosen from what was unknown (not a generic sentence).

Each ``_when_*`` function reads one unknown's text and returns the remedies it calls for; :func:`remedies` asks
each of them in a fixed order, so the sentences come out in a stable order, without repeats.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_VAR = re.compile(r"\bvar\.([A-Za-z0-9_-]+), which (?:has no default|defaults to null)")
_PARAM = re.compile(r"\bparameter ([A-Za-z0-9]+)(?:, which has no default)?\b(?!, read from SSM)")


def _when_variable(text: str, format_: str) -> list[str]:
    return [
        f"Give var.{name} a value: a default, terraform.tfvars, a *.auto.tfvars file, --var-file FILE or "
        f"--var {name}=VALUE (or lint the plan JSON from `terraform show -json`)."
        for name in _VAR.findall(text)
    ]


def _when_module(text: str, format_: str) -> list[str]:
    if "terraform init" in text or "module" in text and "not" in text and "output" in text:
        return [
            "Run `terraform init` so that the called module's source is under .terraform/modules "
            "(the linter reads it there, it never downloads)."
        ]
    return []


def _when_undeclared_data(text: str, format_: str) -> list[str]:
    if "not declared in this module" in text and "data." in text:
        return [
            "Lint the plan JSON (`terraform show -json plan.out > plan.json`): it holds the values the "
            "source code leaves to Terraform."
        ]
    return []


def _when_after_apply(text: str, format_: str) -> list[str]:
    if "known only after apply" in text or "only after deployment" in text:
        return [
            "The value exists only once the resource does (the plan does not know it either): grant the "
            "actions on an ARN pattern that covers it, or suppress this finding with a reason."
        ]
    return []


def _when_environment(text: str, format_: str) -> list[str]:
    out = []
    if "AWS account id" in text:
        out.append("Pass --account-id (or set account-id in the configuration) to fill in the account.")
    if "deployment region" in text:
        out.append("Pass --region (or set region in the configuration) to fill in the region.")
    return out


def _when_nested_stack(text: str, format_: str) -> list[str]:
    if "Outputs." in text or "AWS::CloudFormation::Stack" in text:
        return [
            "The value is an output of a nested stack: lint the nested template, where the resource and "
            "its grants are defined."
        ]
    return []


def _when_condition(text: str, format_: str) -> list[str]:
    out = [
        f"Condition {name} is decided at deploy time: give the parameters it reads a Default (the linter "
        f"evaluates conditions over defaults), or suppress this finding with a reason."
        for name in re.findall(r"an Fn::If on condition (\w+)", text)
    ]
    if "a conditional expression whose condition is not known" in text:
        out.append(
            "The value is a conditional expression over values not known here: give the variables it reads a "
            "value (terraform.tfvars, --var-file, --var), or suppress this finding with a reason."
        )
    return out


def _when_export(text: str, format_: str) -> list[str]:
    if "an export of another stack" in text:
        return [
            "The value is an export of another stack: lint that stack's template too, or pass the value in as "
            "a parameter with a Default."
        ]
    return []


def _when_parameter(text: str, format_: str) -> list[str]:
    if "read from SSM" in text:
        return [
            "The value is read from SSM Parameter Store at deploy time: grant the actions on the ARN "
            "pattern the parameter can hold, or suppress this finding with the parameter's value as reason."
        ]
    if format_ == "cloudformation" and "parameter " in text:
        return [f"Give parameter {name} a Default (the value it is deployed with)." for name in _PARAM.findall(text)]
    return []


def _when_elsewhere(text: str, format_: str) -> list[str]:
    if "is not defined in" in text or "may be" in text and "cannot be decided" in text:
        return [
            "Define the role, function or policy in this unit (or lint the unit that defines them "
            "together); the linter judges only what one unit shows."
        ]
    return []


def _when_policy(text: str, format_: str) -> list[str]:
    out = []
    if "not in the linter's snapshot" in text:
        out.append(
            "Attach a customer managed policy instead, or grant the actions inline; the AWS managed policy "
            "is not in the linter's snapshot."
        )
    if "cannot be read" in text and "policy" in text:
        out.append(
            "Write the policy document as literal JSON/HCL (jsonencode or an aws_iam_policy_document), "
            "so that its statements can be read."
        )
    return out


def _when_unmodelled_source(text: str, format_: str) -> list[str]:
    if "the linter does not check what such a source needs" in text:
        return [
            "Check the role against AWS's page for this event source by hand, then suppress this finding "
            "with a reason (the linter does not model this kind of source)."
        ]
    return []


_REMEDIES: tuple[Callable[[str, str], list[str]], ...] = (
    _when_variable,
    _when_module,
    _when_undeclared_data,
    _when_after_apply,
    _when_environment,
    _when_nested_stack,
    _when_condition,
    _when_export,
    _when_parameter,
    _when_elsewhere,
    _when_policy,
    _when_unmodelled_source,
)


def remedies(unknowns: list[str], format_: str) -> list[str]:
    """One sentence per remedy that applies, in a stable order, without repeats."""
    out = list(dict.fromkeys(remedy for text in unknowns for when in _REMEDIES for remedy in when(text, format_)))
    return out or ["Make the unknown value resolvable in this unit, or suppress this finding with a reason."]
