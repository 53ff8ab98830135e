"""Rule modules. Every rule is listed once, explicitly, in :data:`ALL_RULES`."""

from __future__ import annotations

from rules.base import Rule
from rules.destinations import ExplicitDeny, MissingGrant, Unverifiable, WrongResource
from rules.suppressions import ExpiredSuppression, InvalidSuppression, UnusedSuppression

ALL_RULES: tuple[Rule, ...] = (
    MissingGrant(), WrongResource(), ExplicitDeny(), Unverifiable(),
    InvalidSuppression(), UnusedSuppression(), ExpiredSuppression(),
)


def rule_by_id(rule_id: str) -> Rule | None:
    for rule in ALL_RULES:
        if rule.id == rule_id.upper():
            return rule
    return None
