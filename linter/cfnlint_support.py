"""The shared half of the cfn-lint plugin (kept out of ``infra_policy_linter.cfnlint_rules``: cfn-lint instantiates every
rule class it finds in that module, and this base class is not a rule)."""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infra_policy_linter.resolve.cloudformation import build_template
from infra_policy_linter.parsers.cloudformation import Template
from infra_policy_linter.rules.destinations import DestinationRule, destination_verdicts


class DestinationCheck(CloudFormationLintRule):
    ours: ClassVar[DestinationRule]
    tags = ["lambda", "iam", "destinations"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        filename = getattr(cfn, "filename", None) or "template"
        text = ""
        try:
            with open(filename, encoding="utf-8-sig") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError):
            pass
        language = "json" if text.lstrip().startswith("{") else "yaml"
        unit = build_template(Template(filename, cfn.template, language, text.split("\n")))
        out = []
        for v in destination_verdicts(unit, {}):
            if v.decision.outcome not in self.ours.outcomes:
                continue
            key = "OnSuccess" if v.destination.kind == "on_success" else "OnFailure"
            path = ["Resources", v.config.address, "Properties", "DestinationConfig", key, "Destination"]
            out.append(RuleMatch(path, f"{self.ours.message(v)} [{self.ours.id}]"))
        return out
