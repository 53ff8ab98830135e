"""Findings: everything a reporter needs, decided by rules, formatted by reporters."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from infra_policy_linter.fix.writers import Grant
from infra_policy_linter.model.located import Location


@dataclass(frozen=True)
class Related:
    message: str
    location: Location


@dataclass(frozen=True)
class Ref:
    """Something a finding's evidence names: a function, a role, a policy, a statement."""

    name: str
    location: Location | None = None


@dataclass(frozen=True)
class Chain:
    """Why a finding says what it says: function -> role -> every policy considered -> what decided."""

    kind: str  # on_success | on_failure | esm_on_failure | esm_source
    function: Ref
    role: Ref | None
    policies: tuple[Ref, ...]  # every policy that reaches the role and was read
    boundary: Ref | None  # the role's permissions boundary, when it has one that could be read
    deciding: tuple[Ref, ...]  # the statements that decided; empty when none did
    summary: str  # what decided, in words
    assumptions: tuple[str, ...] = ()  # values assumed (variable defaults, region, account, cluster type)
    unknowns: tuple[str, ...] = ()  # what could not be seen
    actions: tuple[str, ...] = ()  # every action (or set of alternatives) the finding is about


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
    chain: Chain | None = None  # set for every finding about a destination or an event source mapping
    grant: Grant | None = None  # the grant its fix prints, for --fix to write
    # How --fix treats the fix (fix/apply.py): "safe" (written by --fix), "unsafe" (only with --unsafe-fixes),
    # "display-only" (printed, never written); None without a fix or before it is decided.
    applicability: str | None = None

    @property
    def kind(self) -> str | None:
        return self.chain.kind if self.chain else None

    @property
    def fingerprint(self) -> str:
        """Stable across line moves: what is wrong and where, by name, never by line number."""
        key = "\x1f".join([self.rule, self.location.path, self.function, self.destination, self.action or ""])
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]

    def sort_key(self) -> tuple:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.rule, self.function, self.destination, self.action or "")


def _ref_to(r: Ref | None) -> list[Any] | None:
    if r is None:
        return None
    loc = r.location
    return [r.name, [loc.path, loc.line, loc.column, loc.end_line, loc.end_column] if loc else None]


def _ref_from(d: list[Any] | None) -> Ref | None:
    if d is None:
        return None
    return Ref(d[0], Location(*d[1]) if d[1] else None)


def chain_to_data(c: Chain | None) -> dict[str, Any] | None:
    """A JSON-ready form for the cache (the reporters write their own, documented shape)."""
    if c is None:
        return None
    return {
        "kind": c.kind,
        "function": _ref_to(c.function),
        "role": _ref_to(c.role),
        "policies": [_ref_to(p) for p in c.policies],
        "boundary": _ref_to(c.boundary),
        "deciding": [_ref_to(p) for p in c.deciding],
        "summary": c.summary,
        "assumptions": list(c.assumptions),
        "unknowns": list(c.unknowns),
        "actions": list(c.actions),
    }


def chain_from_data(d: dict[str, Any] | None) -> Chain | None:
    if d is None:
        return None
    return Chain(
        d["kind"],
        _ref_from(d["function"]) or Ref(""),
        _ref_from(d["role"]),
        tuple(r for r in map(_ref_from, d["policies"]) if r),
        _ref_from(d["boundary"]),
        tuple(r for r in map(_ref_from, d["deciding"]) if r),
        d["summary"],
        tuple(d["assumptions"]),
        tuple(d["unknowns"]),
        tuple(d["actions"]),
    )


def _ref_json(r: Ref | None) -> dict[str, Any] | None:
    if r is None:
        return None
    loc = r.location
    return {"name": r.name, "path": loc.path if loc else None, "line": loc.line if loc else None}


def chain_json(c: Chain | None) -> dict[str, Any] | None:
    """The evidence as the JSON and SARIF reports carry it (docs/report.schema.json, "evidence")."""
    if c is None:
        return None
    return {
        "function": _ref_json(c.function),
        "role": _ref_json(c.role),
        "policies": [_ref_json(p) for p in c.policies],
        "boundary": _ref_json(c.boundary),
        "deciding": [_ref_json(p) for p in c.deciding],
        "summary": c.summary,
        "assumptions": list(c.assumptions),
        "unknowns": list(c.unknowns),
        "actions": list(c.actions),
    }


def _at(r: Ref) -> str:
    return f"{r.name} ({r.location.path}:{r.location.line})" if r.location else r.name


def chain_text(c: Chain, message: str, limit: int = 4) -> str:
    """One compact line, like a reviewer's note: role, the policies read, what decided, what was assumed."""
    parts = [f"role {c.role.name}" if c.role else "role not found"]
    if c.role:
        shown = [_at(p) for p in c.policies[:limit]]
        more = len(c.policies) - limit
        listed = ", ".join(shown) + (f" and {more} more" if more > 0 else "") if shown else "none"
        parts.append(f"policies considered: {listed}")
        if c.boundary:
            parts.append(f"boundary {_at(c.boundary)}")
    if c.deciding:
        parts.append("decided by " + ", ".join(_at(d) for d in c.deciding[:limit]))
    if c.summary and c.summary not in message:
        parts.append(c.summary)
    assumed = [a for a in c.assumptions if a not in message]
    if assumed:
        parts.append("assuming " + "; ".join(assumed))
    return "; ".join(parts)
