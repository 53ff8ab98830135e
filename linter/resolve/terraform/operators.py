"""Terraform's operators on values that may be partly unknown: what ``!``, ``-``, ``&&``, ``||``, ``==`` and
indexing give, how a collection is iterated, and the reason an unknown result carries (the unknowns it rests on,
which the user can supply)."""

from __future__ import annotations

from typing import Any

from infra_policy_linter.iam.match import same
from infra_policy_linter.model.values import Text, Unknown, Value, failure, plain, unknowns_in


def unknown_over(name: str, what: str, operands: list[Value]) -> Unknown:
    """An unknown computed from others: its reason is theirs (what the user must supply), not the arithmetic."""
    causes = sorted({u.reason or u.name for v in operands for u in unknowns_in(v)})
    return Unknown(name, "; ".join(causes[:3]) if causes else f"{what} over values not known statically")


def number(value: Value) -> Value:
    """Terraform converts numeric strings to numbers for arithmetic and ordering."""
    if isinstance(value, bool):
        return value
    text = plain(value) if isinstance(value, (str, Text)) else None
    if text is not None:
        try:
            number = float(text)
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    return value


def unary(op: str, value: Value) -> Value:
    if op == "!" and isinstance(value, bool):
        return not value
    if op == "-" and not isinstance(value, bool):
        amount = number(value)
        if isinstance(amount, (int, float)):
            return -amount
    if isinstance(value, Unknown) and value.failed:
        return value
    return unknown_over("expression", f"a {op!r} expression", [value])


def logical(op: str, a: Value, b: Value) -> Value:
    """&& and || with unknown operands: false && x is false and true || x is true whatever x is."""
    decisive = op == "||"
    if a is decisive or b is decisive:
        return decisive
    if isinstance(a, bool) and isinstance(b, bool):
        return not decisive
    return unknown_over("condition", f"a {op!r} condition", [a, b])


def equal(a: Value, b: Value) -> bool | None:
    """Terraform's == on resolved values: True, False, or None when it rests on unknowns."""
    if a is None or b is None:
        other = b if a is None else a
        if isinstance(other, Unknown):
            return False if other.present else None
        return a is None and b is None
    if isinstance(a, (str, Text, Unknown)) and isinstance(b, (str, Text, Unknown)):
        return same(a, b)
    if isinstance(a, Unknown) or isinstance(b, Unknown) or unknowns_in(a) or unknowns_in(b):
        return None
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and bool(a == b)
    return bool(a == b)


def binary(op: str, a: Value, b: Value) -> Value:
    """``a op b`` for the logical, equality, arithmetic and ordering operators."""
    for side in (a, b):
        if isinstance(side, Unknown) and side.failed:
            return side
    if op in ("&&", "||"):
        return logical(op, a, b)
    if op in ("==", "!="):
        is_equal = equal(a, b)
        if is_equal is None:
            return unknown_over("comparison", "a comparison", [a, b])
        return is_equal if op == "==" else not is_equal
    return _arithmetic(op, number(a), number(b))


def _arithmetic(op: str, a: Value, b: Value) -> Value:
    """Arithmetic and ordering, on operands already converted to numbers where Terraform converts them."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        try:
            return {
                "+": lambda: a + b,
                "-": lambda: a - b,
                "*": lambda: a * b,
                "/": lambda: a / b,
                "%": lambda: a % b,
                "<": lambda: a < b,
                ">": lambda: a > b,
                "<=": lambda: a <= b,
                ">=": lambda: a >= b,
            }[op]()
        except ZeroDivisionError:
            return failure("division", "a division by zero")
        except KeyError:
            pass
    return unknown_over("expression", f"an {op!r} expression", [a, b])


def key_value_pairs(collection: Any) -> list[tuple[Any, Any]] | None:
    """(key, value) per element, as Terraform iterates: a map by sorted key, a list by index; None when unknown."""
    if isinstance(collection, dict):
        return sorted(collection.items())
    if isinstance(collection, list):
        return list(enumerate(collection))
    return None


def index_into(value: Any, key: Any) -> Any:
    """``value[key]`` (or ``value.key``), or why Terraform would stop there or the linter cannot follow."""
    if isinstance(key, Unknown):
        return key
    if isinstance(key, Text):
        return Unknown("index", f"an index that is not known statically ({key})")
    if isinstance(value, dict) and isinstance(key, str):
        if key not in value:
            return failure(f"[{key!r}]", f"the key {key!r}, which the object does not have")
        return value[key]
    if isinstance(value, list) and isinstance(key, int) and not isinstance(key, bool):
        if not 0 <= key < len(value):  # Terraform has no negative indices
            return failure(f"[{key}]", f"index {key} of a list of {len(value)}")
        return value[key]
    if isinstance(value, (dict, list, str, int, float, bool, Text)) or value is None:
        return failure("index", f"an index or attribute {key!r} of a value that has none")
    return Unknown("index", "an index into a value that is not known statically")
