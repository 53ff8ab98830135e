"""Reading IAM policy documents (already resolved to JSON-like values) into model statements."""

from __future__ import annotations

import json
from typing import Any

from infra_policy_linter.iam.principals import principals_from_value
from infra_policy_linter.model.entities import Policy, Statement
from infra_policy_linter.model.located import Location
from infra_policy_linter.model.values import Text, Unknown, display, make_text, plain

# Unknown pieces survive a trip through json.loads as private-use characters.
_MARK_START = "\ue000"
_MARK_END = "\ue001"


def _as_list(value: Any) -> list[Any] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return value
    return [value]


def statement_from_value(raw: Any, location: Location | None) -> Statement:
    if not isinstance(raw, dict):
        return Statement(
            effect=Unknown("statement", "a statement that is not an object"),
            location=location,
            problem=f"a statement that is not an object: {display(raw)}",
        )
    problem = None
    effect = raw.get("Effect")
    if isinstance(effect, Text) and plain(effect) is not None:
        # Known text that only carries assumptions (a heredoc that interpolates a variable default elsewhere).
        effect = plain(effect)
    if isinstance(effect, str) and effect not in ("Allow", "Deny"):
        problem = f"Effect {effect!r} is neither Allow nor Deny"
        effect = Unknown("effect", problem)
    elif not isinstance(effect, (str, Unknown)):
        effect = Unknown("effect", "an Effect that cannot be resolved")
    stmt = Statement(
        effect=effect,
        actions=_as_list(raw.get("Action")),
        not_actions=_as_list(raw.get("NotAction")),
        resources=_as_list(raw.get("Resource")),
        not_resources=_as_list(raw.get("NotResource")),
        condition=raw.get("Condition"),
        sid=raw.get("Sid"),
        location=location,
        problem=problem,
        principals=principals_from_value(raw.get("Principal")),
        not_principals=principals_from_value(raw.get("NotPrincipal")),
    )
    if stmt.actions is None and stmt.not_actions is None:
        stmt.problem = stmt.problem or "a statement with neither Action nor NotAction"
    if stmt.resources is None and stmt.not_resources is None:
        stmt.problem = stmt.problem or "a statement with neither Resource nor NotResource"
    return stmt


def policy_from_value(name: str, doc: Any, location: Location | None, address: str | None = None) -> Policy:
    """Build a Policy from a resolved document: a dict, JSON text (possibly with unknown pieces) or Unknown."""
    if isinstance(doc, (str, Text)):
        try:
            doc = parse_json_text(doc)
        except ValueError as exc:
            return Policy(name, [], location, unresolved=f"its JSON does not parse ({exc})", address=address)
    if isinstance(doc, Unknown):
        return Policy(name, [], location, unresolved=f"its document is {doc.reason or doc.name}", address=address)
    if not isinstance(doc, dict):
        return Policy(name, [], location, unresolved="its document is not an object", address=address)
    statements = doc.get("Statement")
    if isinstance(statements, Unknown):
        return Policy(
            name, [], location, unresolved=f"its Statement is {statements.reason or statements.name}", address=address
        )
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        return Policy(name, [], location, unresolved="it has no Statement list", address=address)
    return Policy(name, [statement_from_value(s, location) for s in statements], location, address=address)


def parse_json_text(value: Any) -> Any:
    """json.loads for a string that may hold unknown pieces (a heredoc with ${...} interpolations)."""
    if isinstance(value, str):
        return json.loads(value)
    unknowns: list[Unknown] = []
    pieces = []
    for part in value.parts:
        if isinstance(part, Unknown):
            pieces.append(f"{_MARK_START}{len(unknowns)}{_MARK_END}")
            unknowns.append(part)
        else:
            pieces.append(part)
    loaded = json.loads("".join(pieces))
    return _restore(loaded, unknowns, value.assumptions)


def _restore(node: Any, unknowns: list[Unknown], assumptions: frozenset[str]) -> Any:
    if isinstance(node, str):
        if _MARK_START not in node and not assumptions:
            return node
        pieces: list[Any] = []
        rest = node
        while _MARK_START in rest:
            before, _, tail = rest.partition(_MARK_START)
            index, _, rest = tail.partition(_MARK_END)
            pieces.append(before)
            pieces.append(unknowns[int(index)])
        pieces.append(rest)
        return make_text(pieces, assumptions)
    if isinstance(node, list):
        return [_restore(v, unknowns, assumptions) for v in node]
    if isinstance(node, dict):
        return {k: _restore(v, unknowns, assumptions) for k, v in node.items()}
    return node
