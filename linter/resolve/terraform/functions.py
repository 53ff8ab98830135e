"""Terraform's built-in functions over resolved values (see :mod:`infra_policy_linter.model.values`).

Each function returns what Terraform would, when its arguments are known enough to say; otherwise an
:class:`Unknown` naming the function. A call that Terraform would reject at plan time (a missing map key, an
index out of range, ``one()`` of two elements) gives an *error* unknown, which ``try()`` skips and ``can()``
turns into ``false``, as Terraform does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infra_policy_linter.iam.match import same
from infra_policy_linter.model.values import (
    Text,
    Unknown,
    failure,
    format_number,
    has_affix,
    make_text,
    split_text,
    trim_affix,
)
from infra_policy_linter.resolve.terraform.format_verbs import FormatError, NotKnown, format_pieces
from infra_policy_linter.resolve.terraform.regex_functions import regexall, replace


@dataclass
class Encoded:
    """The result of jsonencode(): kept as the value it encodes, since policies are read back as documents."""

    value: Any


def unknown_result(name: str, args: list[Any]) -> Unknown:
    """The result of a call that cannot be worked out: it names what it rests on, for the DST004 message."""
    causes = sorted({u.reason or u.name for a in args for u in _unknowns(a)})
    if causes:
        return Unknown(f"{name}()", "; ".join(causes[:3]))
    return Unknown(f"{name}()", f"the result of {name}()")


def _unknowns(value: Any) -> list[Unknown]:
    if isinstance(value, Unknown):
        return [value]
    if isinstance(value, Text):
        return value.unknowns
    if isinstance(value, list):
        return [u for v in value for u in _unknowns(v)]
    if isinstance(value, dict):
        return [u for v in value.values() for u in _unknowns(v)]
    return []


def is_failure(value: Any) -> bool:
    return isinstance(value, Unknown) and value.failed


def call_function(name: str, args: list[Any]) -> Any:
    """Apply the Terraform function ``name``; an unknown value when it cannot be worked out statically."""
    if name in ("try", "can"):
        return _try(args) if name == "try" else _can(args)
    if any(is_failure(a) for a in args):
        return next(a for a in args if is_failure(a))  # an error inside an argument is the call's error
    function = _FUNCTIONS.get(name.split("::")[-1] if name.startswith("provider::") else name)
    if function is None:
        return unknown_result(name, args)
    try:
        result = function(*args)
    except _Failed as exc:
        return failure(f"{name}()", f"{name}() fails: {exc}")
    except (TypeError, ValueError, IndexError, KeyError, re.error):
        return unknown_result(name, args)  # arguments of a kind the function does not take statically
    return unknown_result(name, args) if result is _UNKNOWN else result


class _Failed(Exception):
    """Terraform itself would stop with an error here."""


_UNKNOWN = object()


def _try(args: list[Any]) -> Any:
    for arg in args:
        if not is_failure(arg):
            return arg
    return failure("try()", "try() where every argument fails")


def _can(args: list[Any]) -> Any:
    if len(args) != 1:
        return unknown_result("can", args)
    if is_failure(args[0]):
        return False
    return Unknown("can()", f"can() of {args[0].reason or args[0].name}") if isinstance(args[0], Unknown) else True


# -- helpers --------------------------------------------------------------------------------------------------
def _text(value: Any) -> tuple[str, frozenset[str]] | None:
    """A fully known string (with the assumptions it rests on), or None."""
    if isinstance(value, bool):
        return ("true" if value else "false"), frozenset()
    if isinstance(value, (int, float)):
        return format_number(value), frozenset()
    if isinstance(value, str):
        return value, frozenset()
    if isinstance(value, Text) and not value.unknowns:
        return "".join(value.parts), value.assumptions  # type: ignore[arg-type]
    return None


def _string_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Lift a function of plain strings to resolved values: unknown pieces give an unknown result."""

    def lifted(*args: Any) -> Any:
        texts = [_text(a) for a in args]
        if any(t is None for t in texts):
            return _UNKNOWN
        assumed = frozenset().union(*(t[1] for t in texts if t))
        result = fn(*(t[0] for t in texts if t))
        if isinstance(result, str) and assumed:
            return make_text([result], assumed)
        return result

    return lifted


def _seq(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    raise TypeError("not a list")


def _map(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise TypeError("not a map")


def _equal(a: Any, b: Any) -> bool | None:
    if isinstance(a, (str, Text, Unknown)) or isinstance(b, (str, Text, Unknown)):
        if a is None or b is None:
            return None if isinstance(a, Unknown) or isinstance(b, Unknown) else False
        return same(a, b)
    return bool(a == b)


def _distinct(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _set_order(items: list[Any]) -> list[Any]:
    """A set of known strings iterates in lexical order in Terraform, numbers in numeric order; a set holding
    other or partly known values keeps its given order (its order is then not what decides anything here)."""
    if all(isinstance(x, str) for x in items):  # a Written string too (written.py)
        return sorted(items)
    if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in items):
        return sorted(items)
    return items


def _flatten(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if isinstance(item, Unknown):
            raise TypeError("unknown element")
        out.extend(_flatten(item) if isinstance(item, list) else [item])
    return out


# -- the functions --------------------------------------------------------------------------------------------
def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    mapping = _map(mapping)
    key_text = _text(key)
    if key_text is None:
        return _UNKNOWN
    if key_text[0] in mapping:
        return mapping[key_text[0]]
    if default:
        return default[0]
    raise _Failed(f"the map has no key {key_text[0]!r}")


def _coalesce(*args: Any) -> Any:
    for arg in args:
        if isinstance(arg, Unknown):
            return _UNKNOWN  # it may be null or empty: which argument wins is not known
        if arg is not None and arg != "":
            return arg
    raise _Failed("no non-null, non-empty argument")


def _coalescelist(*args: Any) -> Any:
    for arg in args:
        if isinstance(arg, Unknown):
            return _UNKNOWN
        if _seq(arg):
            return arg
    raise _Failed("no non-empty list")


def _concat(*args: Any) -> Any:
    return [x for a in args for x in _seq(a)]


def _merge(*args: Any) -> Any:
    merged: dict[str, Any] = {}
    for arg in args:
        if arg is None:
            continue
        merged.update(_map(arg))
    return merged


def _compact(items: Any) -> Any:
    return [x for x in _seq(items) if x not in ("", None)]


def _element(items: Any, index: Any) -> Any:
    items = _seq(items)
    if not isinstance(index, int) or isinstance(index, bool):
        return _UNKNOWN
    if not items:
        raise _Failed("element() of an empty list")
    if index < 0:
        raise _Failed("element() with a negative index")
    return items[index % len(items)]


def _keys(mapping: Any) -> Any:
    return sorted(_map(mapping))


def _values(mapping: Any) -> Any:
    mapping = _map(mapping)
    return [mapping[k] for k in sorted(mapping)]


def _zipmap(keys: Any, values: Any) -> Any:
    keys, values = _seq(keys), _seq(values)
    if len(keys) != len(values):
        raise _Failed("zipmap() of lists of different lengths")
    out: dict[str, Any] = {}
    for key, value in zip(keys, values, strict=True):  # lengths checked above
        text = _text(key)
        if text is None:
            return _UNKNOWN
        out[text[0]] = value
    return out


def _contains(items: Any, value: Any) -> Any:
    undecided = False
    for item in _seq(items):
        verdict = _equal(item, value)
        if verdict is True:
            return True
        undecided = undecided or verdict is None
    return _UNKNOWN if undecided else False


def _length(value: Any) -> Any:
    if value is None:  # terraform console: 'Invalid value for "value" parameter: argument must not be null'
        return failure("length()", "length() of null fails: argument must not be null")
    if isinstance(value, (list, dict)):
        return len(value)
    text = _text(value)
    return _UNKNOWN if text is None else len(text[0])


def _format(spec: Any, *args: Any) -> Any:
    spec_text = _text(spec)
    if spec_text is None:
        return _UNKNOWN
    try:
        pieces = format_pieces(spec_text[0], list(args))
    except FormatError as exc:
        raise _Failed(str(exc)) from exc
    except NotKnown:
        return _UNKNOWN
    return make_text(pieces, spec_text[1])


def _formatlist(spec: Any, *args: Any) -> Any:
    lengths = {len(a) for a in args if isinstance(a, list)}
    if any(isinstance(a, Unknown) for a in args) or len(lengths) > 1:
        return _UNKNOWN
    count = lengths.pop() if lengths else 1
    return [_format(spec, *[a[i] if isinstance(a, list) else a for a in args]) for i in range(count)]


def _join(separator: Any, *lists: Any) -> Any:
    pieces: list[Any] = []
    for item in [x for lst in lists for x in _seq(lst)]:
        if pieces:
            pieces.append(separator)
        pieces.append(item)
    return make_text(pieces) if pieces else ""


def _split_value(separator: Any, text: Any) -> Any:
    """split() over a partly known string too (values.split_text: the one split every caller uses)."""
    sep = _text(separator)
    if sep is None:
        return _UNKNOWN
    if _text(text) is not None:
        return _string_function(_split)(separator, text)
    elements = split_text(text, sep[0])
    return _UNKNOWN if elements is None else elements


def _at_edge(value: Any, affix: Any, first: bool, trim: bool) -> Any:
    """startswith/endswith (trim False), trimprefix/trimsuffix (trim True), over partly known strings too."""
    wanted = _text(affix)
    if wanted is None or not isinstance(value, (str, Text)):
        return _UNKNOWN
    result = trim_affix(value, wanted[0], first) if trim else has_affix(value, wanted[0], first)
    return _UNKNOWN if result is None else result


def _split(separator: str, text: str) -> list[str]:
    """Go's strings.Split, as Terraform calls it: ``split(",", "")`` is ``[""]``; an empty separator splits
    between characters (and gives ``[]`` for empty text)."""
    if separator == "":
        return list(text)
    return text.split(separator)


def _regex(pattern: str, text: str) -> Any:
    found = regexall(pattern, text)
    if not found:
        raise _Failed("the pattern does not match")
    return found[0]


def _one(items: Any) -> Any:
    items = _seq(items)
    if len(items) > 1:
        raise _Failed("one() of a list with more than one element")
    return items[0] if items else None


def _sort(items: Any) -> Any:
    texts = [_text(x) for x in _seq(items)]
    if any(t is None for t in texts):
        return _UNKNOWN
    return sorted(t[0] for t in texts if t)


def _tostring(value: Any) -> Any:
    if value is None or isinstance(value, (str, Text, Unknown)):
        return value
    text = _text(value)
    if text is None:
        raise _Failed("tostring() of a list or object")
    return text[0]


def _tonumber(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = _text(value)
    if text is None:
        return _UNKNOWN
    try:
        number = float(text[0])
    except ValueError as exc:
        raise _Failed(f"{text[0]!r} is not a number") from exc
    return int(number) if number.is_integer() else number


def _tobool(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    text = _text(value)
    if text is None:
        return _UNKNOWN
    if text[0] in ("true", "false"):
        return text[0] == "true"
    raise _Failed(f"{text[0]!r} is not a bool")


def _jsondecode(value: Any) -> Any:
    if isinstance(value, Encoded):
        return value.value
    text = _text(value)
    if text is None:
        return _UNKNOWN
    try:
        return json.loads(text[0])
    except ValueError as exc:
        raise _Failed("jsondecode() of text that is not JSON") from exc


def _range(*args: Any) -> Any:
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in args) or not 1 <= len(args) <= 3:
        return _UNKNOWN
    values = list(range(*args))
    if len(values) > 1024:
        raise _Failed("range() too long")
    return values


def _slice(items: Any, start: Any, end: Any) -> Any:
    items = _seq(items)
    if not (isinstance(start, int) and isinstance(end, int)):
        return _UNKNOWN
    if not 0 <= start <= end <= len(items):
        raise _Failed("slice() out of range")
    return items[start:end]


def _index(items: Any, value: Any) -> Any:
    for i, item in enumerate(_seq(items)):
        verdict = _equal(item, value)
        if verdict is True:
            return i
        if verdict is None:
            return _UNKNOWN
    raise _Failed("the value is not in the list")


def _setunion(*sets: Any) -> Any:
    return _distinct([x for s in sets for x in _seq(s)])


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jsonencode": lambda value: Encoded(value),
    "jsondecode": _jsondecode,
    "tolist": lambda value: _seq(value) if not isinstance(value, Unknown) else value,
    "toset": lambda value: _set_order(_distinct(_seq(value))) if not isinstance(value, Unknown) else value,
    "tomap": lambda value: _map(value) if not isinstance(value, Unknown) else value,
    "tostring": _tostring,
    "tonumber": _tonumber,
    "tobool": _tobool,
    "sensitive": lambda value: value,
    "nonsensitive": lambda value: value,
    "lookup": _lookup,
    "coalesce": _coalesce,
    "coalescelist": _coalescelist,
    "concat": _concat,
    "merge": _merge,
    "flatten": lambda items: _flatten(_seq(items)),
    "distinct": lambda items: _distinct(_seq(items)),
    "compact": _compact,
    "element": _element,
    "keys": _keys,
    "values": _values,
    "zipmap": _zipmap,
    "contains": _contains,
    "length": _length,
    "format": _format,
    "formatlist": _formatlist,
    "join": _join,
    "split": _split_value,
    "replace": _string_function(replace),
    "regexall": _string_function(regexall),
    "regex": _string_function(_regex),
    "startswith": lambda text, prefix: _at_edge(text, prefix, first=True, trim=False),
    "endswith": lambda text, suffix: _at_edge(text, suffix, first=False, trim=False),
    "lower": _string_function(str.lower),
    "upper": _string_function(str.upper),
    "title": _string_function(str.title),
    "trimprefix": lambda text, prefix: _at_edge(text, prefix, first=True, trim=True),
    "trimsuffix": lambda text, suffix: _at_edge(text, suffix, first=False, trim=True),
    "trimspace": _string_function(str.strip),
    "trim": _string_function(lambda text, chars: text.strip(chars)),
    "chomp": _string_function(lambda text: text.rstrip("\r\n")),
    "substr": _string_function(
        lambda text, offset, length: text[int(offset) :][: int(length)] if int(length) >= 0 else text[int(offset) :]
    ),
    "one": _one,
    "sort": _sort,
    "reverse": lambda items: list(reversed(_seq(items))),
    "range": _range,
    "slice": _slice,
    "index": _index,
    "setunion": _setunion,
    "max": lambda *n: max(n) if all(isinstance(x, (int, float)) for x in n) else _UNKNOWN,
    "min": lambda *n: min(n) if all(isinstance(x, (int, float)) for x in n) else _UNKNOWN,
}
