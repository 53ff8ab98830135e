"""DST004's fix: which remedy makes an unknown visible, chosen from what was unknown (not a generic sentence)."""

from __future__ import annotations

import re

_VAR = re.compile(r"\bvar\.([A-Za-z0-9_-]+), which (?:has no default|defaults to null)")
_PARAM = re.compile(r"\bparameter ([A-Za-z0-9]+)(?:, which has no default)?\b(?!, read from SSM)")


def remedies(unknowns: list[str], format_: str) -> list[str]:
    """One sentence per remedy that applies, in a stable order, without repeats."""
    out: list[str] = []

    def add(text: str) -> None:
        if text not in out:
            out.append(text)

    for text in unknowns:
        for name in _VAR.findall(text):
            add(
                f"Give var.{name} a value: a default, terraform.tfvars, a *.auto.tfvars file, --var-file FILE or "
                f"--var {name}=VALUE (or lint the plan JSON from `terraform show -json`)."
            )
        if "terraform init" in text or "module" in text and "not" in text and "output" in text:
            add(
                "Run `terraform init` so that the called module's source is under .terraform/modules "
                "(the linter reads it there, it never downloads)."
            )
        if "not declared in this module" in text and "data." in text:
            add(
                "Lint the plan JSON (`terraform show -json plan.out > plan.json`): it holds the values the "
                "source code leaves to Terraform."
            )
        if "known only after apply" in text or "only after deployment" in text:
            add(
                "The value exists only once the resource does (the plan does not know it either): grant the "
                "actions on an ARN pattern that covers it, or suppress this finding with a reason."
            )
        if "AWS account id" in text:
            add("Pass --account-id (or set account-id in the configuration) to fill in the account.")
        if "deployment region" in text:
            add("Pass --region (or set region in the configuration) to fill in the region.")
        if "Outputs." in text or "AWS::CloudFormation::Stack" in text:
            add(
                "The value is an output of a nested stack: lint the nested template, where the resource and "
                "its grants are defined."
            )
        for name in re.findall(r"an Fn::If on condition (\w+)", text):
            add(
                f"Condition {name} is decided at deploy time: give the parameters it reads a Default (the linter "
                f"evaluates conditions over defaults), or suppress this finding with a reason."
            )
        if "a conditional expression whose condition is not known" in text:
            add(
                "The value is a conditional expression over values not known here: give the variables it reads a "
                "value (terraform.tfvars, --var-file, --var), or suppress this finding with a reason."
            )
        if "an export of another stack" in text:
            add(
                "The value is an export of another stack: lint that stack's template too, or pass the value in as "
                "a parameter with a Default."
            )
        if "read from SSM" in text:
            add(
                "The value is read from SSM Parameter Store at deploy time: grant the actions on the ARN "
                "pattern the parameter can hold, or suppress this finding with the parameter's value as reason."
            )
        elif format_ == "cloudformation" and "parameter " in text:
            for name in _PARAM.findall(text):
                add(f"Give parameter {name} a Default (the value it is deployed with).")
        if "is not defined in" in text or "may be" in text and "cannot be decided" in text:
            add(
                "Define the role, function or policy in this unit (or lint the unit that defines them "
                "together); the linter judges only what one unit shows."
            )
        if "not in the linter's snapshot" in text:
            add(
                "Attach a customer managed policy instead, or grant the actions inline; the AWS managed policy "
                "is not in the linter's snapshot."
            )
        if "cannot be read" in text and "policy" in text:
            add(
                "Write the policy document as literal JSON/HCL (jsonencode or an aws_iam_policy_document), "
                "so that its statements can be read."
            )
        if "the linter does not check what such a source needs" in text:
            add(
                "Check the role against AWS's page for this event source by hand, then suppress this finding "
                "with a reason (the linter does not model this kind of source)."
            )
    if not out:
        out.append("Make the unknown value resolvable in this unit, or suppress this finding with a reason.")
    return out
