"""What a policy Condition says about the requests Lambda makes as the execution role.

Most conditions cannot be decided statically. Two kinds can, for these requests:

- Keys that are absent from them. ``aws:SourceArn``, ``aws:SourceAccount``, ``aws:SourceOwner``,
  ``aws:SourceOrgID`` and ``aws:SourceOrgPaths`` are set only when an AWS service principal calls a resource on
  behalf of its owner ("the aws:SourceAccount condition key is only available when the call to your resource is
  made directly by an AWS service principal",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html); Lambda delivers records
  and polls sources with the execution role's own session. For an absent key, an operator ending in ``IfExists``
  and a negated operator (``StringNotEquals``, ``ArnNotLike``, ...) hold, ``Null`` holds when it tests for
  ``true``, ``ForAllValues:`` holds, and every other operator does not
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
- ``aws:SecureTransport``, which is true: Lambda calls AWS over TLS.

The usual confused-deputy statements (an Allow for a service principal, or for ``*``, under ``aws:SourceArn``)
therefore do not apply to the role, and a Deny under ``StringNotEquals aws:SourceAccount`` does.
"""

from __future__ import annotations

import re
from typing import Any

from infra_policy_linter.iam.match import Tri, tri_and
from infra_policy_linter.model.values import plain

ABSENT_KEYS = frozenset(
    {"aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:sourceorgid", "aws:sourceorgpaths"}
)
_NEGATED = ("stringnot", "arnnot", "numericnotequals", "datenotequals", "notipaddress")


def condition_holds(condition: Any) -> Tri:
    """True when the whole Condition block holds for the role's requests, False when it cannot, None when that
    depends on what is not known statically. No Condition (None or empty) holds."""
    if condition is None or condition == {}:
        return True
    if not isinstance(condition, dict):
        return None
    result: Tri = True
    for operator, tests in condition.items():
        if not isinstance(tests, dict):
            return None
        for key, values in tests.items():
            if not isinstance(operator, str) or not isinstance(key, str):
                result = tri_and(result, None)  # an operator or key not known statically: anything may hold
                continue
            result = tri_and(result, _test_holds(operator, key.lower(), values))
            if result is False:
                return False
    return result


def _test_holds(operator: str, key: str, values: Any) -> Tri:
    op = operator.lower()
    if key in ABSENT_KEYS:
        return _absent_key_test(op, values)
    if key == "aws:securetransport" and op in ("bool", "boolifexists"):
        wanted = {str(plain(v)).lower() for v in (values if isinstance(values, list) else [values])}
        return True if wanted == {"true"} else False if wanted == {"false"} else None
    return None


_OPERATORS = re.compile(
    r"(forallvalues:|foranyvalue:)?"
    r"(string(not)?equals(ignorecase)?|string(not)?like|numeric(not)?equals|numeric(less|greater)than(equals)?"
    r"|date(not)?equals|date(less|greater)than(equals)?|bool|binaryequals|(not)?ipaddress|arn(not)?(equals|like))"
    r"(ifexists)?|null"
)


def _absent_key_test(op: str, values: Any) -> Tri:
    if not _OPERATORS.fullmatch(op):
        return None  # not an operator IAM knows (or a placeholder for one not known statically)
    if op.endswith("ifexists") or op.startswith("forallvalues:"):
        return True
    if op.startswith("foranyvalue:"):
        return False
    if op == "null":
        wanted = {str(plain(v)).lower() for v in (values if isinstance(values, list) else [values])}
        return True if wanted == {"true"} else False if wanted == {"false"} else None
    return op.startswith(_NEGATED)
