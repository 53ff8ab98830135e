"""IAM policy documents in Terraform: ``data "aws_iam_policy_document"`` (statements, principals, conditions,
dynamic statements, source and override documents merged by sid) and policies written as JSON or
``jsonencode()``. Plain functions over a module instance's evaluator."""

from __future__ import annotations

from typing import Any

from infra_policy_linter.model.entities import Policy, Statement
from infra_policy_linter.model.located import Location
from infra_policy_linter.model.values import Unknown, Value, plain
from infra_policy_linter.resolve.policy_document import policy_from_value
from infra_policy_linter.resolve.terraform.blocks import Block, DocumentValue, Nested, Scope, as_list, list_or_none
from infra_policy_linter.resolve.terraform.expressions import Evaluator
from infra_policy_linter.resolve.terraform.functions import Encoded


def policy_document(ev: Evaluator, block: Block, scope: Scope) -> DocumentValue:
    statements: list[Statement] = []
    problems: list[str] = []
    sources = ev.argument(block, "source_policy_documents", scope) if "source_policy_documents" in block.body else []
    if "source_json" in block.body:  # the older, single-document form (AWS provider < 4, still common)
        sources = [ev.argument(block, "source_json", scope)] + as_list(sources)
    for raw in as_list(sources):
        docs = _document_statements(raw, problems)
        statements = merge_by_sid(statements, docs)
    own = [_statement_block(ev, block, nested) for nested in ev.nested(block, block.body, "statement", scope)]
    statements = merge_by_sid(statements, own)
    overrides = as_list(ev.argument(block, "override_json", scope)) if "override_json" in block.body else []
    if "override_policy_documents" in block.body:
        overrides += as_list(ev.argument(block, "override_policy_documents", scope))
    if overrides:
        for raw in overrides:
            statements = merge_by_sid(statements, _document_statements(raw, problems))
    return DocumentValue(statements, "; ".join(problems) or None)


def _document_statements(raw: Any, problems: list[str]) -> list[Statement]:
    if isinstance(raw, DocumentValue):
        if raw.problem:
            problems.append(raw.problem)
        return list(raw.statements)
    if isinstance(raw, Encoded):
        raw = raw.value
    policy = policy_from_value("document", raw, None)
    if policy.unresolved:
        problems.append(policy.unresolved)
    return policy.statements


def _statement_block(ev: Evaluator, block: Block, nested: Nested) -> Statement:
    raw, scope = nested.body, nested.scope
    start = int(raw.get("__start_line__", block.start))
    location = Location(block.file.path, start, 1, int(raw.get("__end_line__", start)), 1)
    stmt = Statement(
        effect=ev.evaluate_raw(raw["effect"], scope) if "effect" in raw else "Allow",
        actions=list_or_none(ev.evaluate_raw(raw["actions"], scope)) if "actions" in raw else None,
        not_actions=list_or_none(ev.evaluate_raw(raw["not_actions"], scope)) if "not_actions" in raw else None,
        resources=list_or_none(ev.evaluate_raw(raw["resources"], scope)) if "resources" in raw else None,
        not_resources=(list_or_none(ev.evaluate_raw(raw["not_resources"], scope)) if "not_resources" in raw else None),
        sid=ev.evaluate_raw(raw["sid"], scope) if "sid" in raw else None,
        location=location,
    )
    stmt.principals = _principal_blocks(ev, block, raw, "principals", scope)
    stmt.not_principals = _principal_blocks(ev, block, raw, "not_principals", scope)
    conditions = ev.nested(block, raw, "condition", scope)
    if conditions:
        cond: dict[str, Any] = {}
        for c in conditions:
            test = plain(ev.evaluate_raw(c.body.get("test"), c.scope)) or "?"
            variable = plain(ev.evaluate_raw(c.body.get("variable"), c.scope)) or "?"
            cond.setdefault(test, {})[variable] = ev.evaluate_raw(c.body.get("values"), c.scope)
        stmt.condition = cond
    if nested.unknown is not None:  # a dynamic statement over values not known: it may or may not be there
        stmt.problem = nested.unknown
        stmt.effect = Unknown("effect", nested.unknown)
        return stmt
    if stmt.effect not in ("Allow", "Deny") and not isinstance(stmt.effect, Unknown):
        stmt.problem = f"effect {stmt.effect!r} is neither Allow nor Deny"
        stmt.effect = Unknown("effect", stmt.problem)
    if stmt.resources is None and stmt.not_resources is None:
        # The data source defaults to no Resource, which AWS rejects; Terraform users omit it only by mistake.
        stmt.problem = "a statement with neither resources nor not_resources"
    if stmt.actions is None and stmt.not_actions is None:
        stmt.problem = "a statement with neither actions nor not_actions"
    return stmt


def read_policy(
    ev: Evaluator, name: str, raw_value: Any, location: Location, address: str | None, scope: Scope | None = None
) -> Policy:
    value = ev.evaluate_raw(raw_value, scope)
    if isinstance(value, DocumentValue):
        return Policy(name, list(value.statements), location, unresolved=value.problem, address=address)
    if isinstance(value, Encoded):
        value = value.value
    return policy_from_value(name, value, location, address)


def merge_by_sid(base: list[Statement], newer: list[Statement]) -> list[Statement]:
    """Statements with a sid replace earlier ones with the same sid; others are appended (Terraform's rule)."""
    out = list(base)
    for stmt in newer:
        sid = plain(stmt.sid) if stmt.sid is not None else None
        if sid:
            for i, old in enumerate(out):
                if old.sid is not None and plain(old.sid) == sid:
                    out[i] = stmt
                    break
            else:
                out.append(stmt)
        else:
            out.append(stmt)
    return out


def _principal_blocks(
    ev: Evaluator, block: Block, raw: dict[str, Any], name: str, scope: Scope
) -> dict[str, list[Value]] | None:
    """The ``principals`` (or ``not_principals``) blocks of one ``aws_iam_policy_document`` statement."""
    found = ev.nested(block, raw, name, scope)
    if not found:
        return None
    out: dict[str, list[Value]] = {}
    for nested in found:
        ptype = plain(ev.evaluate_raw(nested.body.get("type"), nested.scope)) or "*"
        ids = ev.evaluate_raw(nested.body.get("identifiers"), nested.scope)
        if nested.unknown is not None:
            ids = [Unknown(f"{name}.identifiers", nested.unknown)]
        out.setdefault(ptype, []).extend(ids if isinstance(ids, list) else [ids])
    return out
