"""The destination and event source checks as cfn-lint rules, for teams that already run cfn-lint:

    cfn-lint --append-rules infra_policy_linter.cfnlint_rules -- template.yaml

cfn-lint decodes the template (and expands SAM first); each rule turns it into this linter's model and reports
what the linter's own rule of the same name reports (DST001-DST005, ESM001-ESM003). cfn-lint rule ids carry the
severity in their first letter: DST001 is E9101, DST004 W9104, DST005 E9105, ESM001-ESM003 E9106, E9107, W9108,
DLQ001, DLQ003, DLQ004 E9109, E9111, W9112 (DLQ002 is not a verdict rule).
Every rule that reports verdicts gets a class here, so a new one needs no change in this file.
"""

from __future__ import annotations

from infra_policy_linter import cfnlint_support
from infra_policy_linter.rules import ALL_RULES
from infra_policy_linter.rules.verdict_rule import VerdictRule

for _rule in ALL_RULES:
    if isinstance(_rule, VerdictRule):
        globals()[f"Check{_rule.id}"] = cfnlint_support.plugin_rule(_rule)
del _rule
