"""Exact comparison of two parsed HCL bodies: types, values, order, and each expression's source and syntax tree
(ParsedExpression is a str, so == alone would compare only its text)."""

from __future__ import annotations

from infra_policy_linter.parsers.hcl_expressions import ParsedExpression


def first_difference(left: object, right: object, where: str = "") -> str | None:
    """None when the two are the same, else where and how they first differ."""
    if type(left) is not type(right):
        return f"{where or '/'}: {type(left).__name__} {left!r:.80} != {type(right).__name__} {right!r:.80}"
    if isinstance(left, ParsedExpression) and isinstance(right, ParsedExpression):
        if (left.source, left.node) != (right.source, right.node):
            return f"{where or '/'}: expression {left.source!r:.80} != {right.source!r:.80}"
        return None
    if isinstance(left, dict) and isinstance(right, dict):
        if list(left) != list(right):
            return f"{where or '/'}: keys {list(left)!r:.120} != {list(right)!r:.120}"
        return _items_difference([(f"{where}/{key}", left[key], right[key]) for key in left])
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return f"{where or '/'}: {len(left)} items != {len(right)}"
        return _items_difference([(f"{where}/{n}", a, b) for n, (a, b) in enumerate(zip(left, right, strict=True))])
    return None if left == right else f"{where or '/'}: {left!r:.80} != {right!r:.80}"


def _items_difference(items: list[tuple[str, object, object]]) -> str | None:
    for where, left, right in items:
        found = first_difference(left, right, where)
        if found:
            return found
    return None
