"""Findings: everything a reporter needs, decided by rules, formatted by reporters."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from infra_policy_linter.model import Location


@dataclass(frozen=True)
class Related:
    message: str
    location: Location


@dataclass(frozen=True)
class Finding:
    rule: str
    level: str  # "error" | "warning" | "note"
    message: str
    location: Location
    unit: str
    function: str
    role: str | None
    destination: str
    action: str | None
    fix: str | None = None
    related: tuple[Related, ...] = field(default_factory=tuple)
    # Files whose content decides this finding (the destination, function, role, policies, attachments): a
    # change to any of them can change the verdict. Used to report only what a pre-commit change touches.
    evidence: frozenset[str] = frozenset()

    @property
    def fingerprint(self) -> str:
        """Stable across line moves: what is wrong and where, by name, never by line number."""
        key = "\x1f".join([self.rule, self.location.path, self.function, self.destination, self.action or ""])
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]

    def sort_key(self) -> tuple:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.rule, self.function, self.destination, self.action or "")
