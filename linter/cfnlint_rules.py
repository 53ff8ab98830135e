"""The destination checks as cfn-lint rules, for teams that already run cfn-lint:

    cfn-lint --append-rules infra_policy_linter.cfnlint_rules -- template.yaml

cfn-lint decodes the template (and expands SAM first); each rule turns it into this linter's model and reports
the destinations whose action the execution role does not grant, at the ``Destination`` key. cfn-lint rule ids
carry the severity in their first letter, so DST001-DST003 become E9101-E9103 and DST004 becomes W9104.
"""

from __future__ import annotations

from infra_policy_linter import cfnlint_support
from infra_policy_linter.rules.destinations import ExplicitDeny, MissingGrant, Unverifiable, WrongResource


class DestinationNotGranted(cfnlint_support.DestinationCheck):
    ours = MissingGrant()
    id = "E9101"
    shortdesc = MissingGrant.title
    description = MissingGrant.rationale
    source_url = ours.help_url


class DestinationOnOtherResources(cfnlint_support.DestinationCheck):
    ours = WrongResource()
    id = "E9102"
    shortdesc = WrongResource.title
    description = WrongResource.rationale
    source_url = ours.help_url


class DestinationDenied(cfnlint_support.DestinationCheck):
    ours = ExplicitDeny()
    id = "E9103"
    shortdesc = ExplicitDeny.title
    description = ExplicitDeny.rationale
    source_url = ours.help_url


class DestinationUnverifiable(cfnlint_support.DestinationCheck):
    ours = Unverifiable()
    id = "W9104"
    shortdesc = Unverifiable.title
    description = Unverifiable.rationale
    source_url = ours.help_url
