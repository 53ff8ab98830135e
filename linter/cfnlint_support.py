"""The shared half of the cfn-lint plugin (kept out of ``infra_policy_linter.cfnlint_rules``: cfn-lint instantiates
every rule class it finds in that module, and this base class is not a rule).

A plugin rule runs the linter's own rule on the model of the template cfn-lint decoded: the same verdicts, the
same selection, the same message; only the place is given as cfn-lint's path into the template.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infra_policy_linter.findings.suppress import apply_suppressions
from infra_policy_linter.model.entities import Language, Unit
from infra_policy_linter.parsers.cloudformation import Template
from infra_policy_linter.resolve.cloudformation.template import build_template
from infra_policy_linter.rules.verdict_rule import VerdictRule
from infra_policy_linter.verdicts.decide import Verdict

_KEY = {"on_success": "OnSuccess", "on_failure": "OnFailure", "esm_on_failure": "OnFailure"}


def template_path(v: Verdict) -> list[str | int]:
    """cfn-lint's path to the key a finding points at (for SAM, the event inside the function)."""
    address = v.target.owner.address
    if ".Events." in address:  # a SAM event: Function.Events.Name
        function, event = address.split(".Events.", 1)
        base: list[str | int] = ["Resources", function, "Properties", "Events", event, "Properties"]
        if v.kind == "esm_source":
            return base + [_sam_source_key(v)]
        return base + ["DestinationConfig", "OnFailure", "Destination"]
    base = ["Resources", address, "Properties"]
    if v.kind == "dead_letter":  # (SAM's DeadLetterQueue: the match's location is lint's own, in the SAM source)
        return base + ["DeadLetterConfig", "TargetArn"]
    if v.kind == "esm_source":
        return base + ["EventSourceArn"]
    return base + ["DestinationConfig", _KEY[v.kind], "Destination"]


def _sam_source_key(v: Verdict) -> str:
    return "Queue" if v.target.service == "sqs" else "Stream"


class VerdictCheck(CloudFormationLintRule):
    ours: ClassVar[VerdictRule]
    tags = ["lambda", "iam", "destinations"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        filename = getattr(cfn, "filename", None) or "template"
        text = ""
        try:
            with open(filename, encoding="utf-8-sig") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError):
            pass
        unit = _unit(filename, text, cfn.template)
        reported = self.ours.report(unit, {})
        active, _, _ = apply_suppressions(unit, [f for _, f in reported], date.today(), {self.ours.id})
        out = []
        for v, f in reported:
            if f not in active:
                continue  # suppressed in the template, as `lint` does
            match = RuleMatch(template_path(v), f"{f.message} [{self.ours.id}]")
            loc = f.location  # the place `lint` reports (cfn-lint's SAM expansion would move it)
            match.location = (loc.line - 1, loc.column - 1, loc.end_line - 1, loc.end_column - 1)
            out.append(match)
        return out


def _unit(filename: str, text: str, decoded: Any) -> Unit:
    """The model `lint` builds from the file itself (SAM unexpanded), else from what cfn-lint decoded."""
    from infra_policy_linter.model.located import ParseError
    from infra_policy_linter.parsers.cloudformation import parse_template

    parsed = parse_template(filename, text) if text else None
    if parsed is None or isinstance(parsed, ParseError):
        language: Language = "json" if text.lstrip().startswith("{") else "yaml"
        return build_template(Template(filename, decoded, language, text.split("\n")))
    # A SAM template goes through the real transform, as `lint` reads it (cfn-lint's own expansion of SAM loses
    # what SAM's source says: the destination Type, the generated grants, the connectors, the positions).
    from infra_policy_linter.resolve.cloudformation.sam_transform import translate, uses_sam

    translated = translate(parsed, None) if uses_sam(parsed.body) else None
    if isinstance(translated, list):  # SAM rejects it: cfn-lint reports that itself
        translated = None
    return build_template(parsed, None, translated)


def plugin_rule(rule: VerdictRule) -> type[VerdictCheck]:
    """The cfn-lint rule class for one of ours: cfn-lint's id carries the level in its first letter."""
    return type(
        f"Check{rule.id}",
        (VerdictCheck,),
        {
            "ours": rule,
            "id": rule.cfn_lint_id,
            "shortdesc": rule.title,
            "description": rule.rationale,
            "source_url": rule.help_url,
            "__module__": "infra_policy_linter.cfnlint_rules",
        },
    )
