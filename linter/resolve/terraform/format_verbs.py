"""Terraform's ``format()`` verbs, as its function library implements them over Go's fmt: ``%v %#v %t %s %q %d %b
%o %x %X %e %E %f %g %G``, flags ``- + # 0`` and space, widths and precisions, ``%[n]`` argument indexes. The
recorded table tests/data/terraform_console_1_11.json checks them against ``terraform console``.

A string argument only partly known is written in place when the verb takes it as it is (``%s`` or ``%v`` with
no width or precision); anything else over an unknown argument is unknown.
"""

from __future__ import annotations

import json
import re
from typing import Any

from infra_policy_linter.model.values import Text, Unknown, format_number

_VERB = re.compile(r"%(?:\[(\d+)\])?([-+# 0]*)(\d*)(?:\.(\d*))?([a-zA-Z%])")


class FormatError(Exception):
    """Terraform rejects the call (too few arguments, a verb that does not take the value)."""


class NotKnown(Exception):
    """The result rests on a value the linter does not know."""


def format_pieces(spec: str, args: list[Any]) -> list[Any]:
    """The pieces of ``format(spec, args...)``: text, and partly known strings written in place."""
    pieces: list[Any] = []
    i, arg = 0, 0
    while i < len(spec):
        m = _VERB.match(spec, i) if spec[i] == "%" else None
        if m is None:
            if spec[i] == "%":
                raise FormatError("a % that starts no verb")
            pieces.append(spec[i])
            i += 1
            continue
        i = m.end()
        index, flags, width, precision, verb = m.groups()
        if verb == "%":
            pieces.append("%")
            continue
        arg = int(index) - 1 if index else arg
        if arg >= len(args):
            raise FormatError("too few arguments for the format string")
        pieces.append(_verb(verb, flags, width, precision, args[arg]))
        arg += 1
    return pieces


def _verb(verb: str, flags: str, width: str, precision: str | None, value: Any) -> Any:
    plain_verb = verb in "sv" and "#" not in flags and not width and precision is None
    if isinstance(value, (Unknown, Text)) and plain_verb:
        return value  # written in place; its unknown pieces stay unknown
    if isinstance(value, (Unknown, Text)) or _has_unknown(value):
        raise NotKnown
    text = _render(verb, flags, precision, value)
    return _pad(text, flags, int(width) if width else 0, numeric=verb not in "sqvt" and not isinstance(value, str))


def _has_unknown(value: Any) -> bool:
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    return isinstance(value, (Unknown, Text))


def _render(verb: str, flags: str, precision: str | None, value: Any) -> str:
    if verb == "v" and "#" in flags:
        return json.dumps(value, separators=(",", ":"))
    if verb in "sqv":
        text = _as_string(value, verb)
        text = text if precision is None else text[: int(precision or 0)]
        return json.dumps(text) if verb == "q" else text
    if verb == "t":
        if not isinstance(value, bool):
            raise FormatError("%t of a value that is not a bool")
        return "true" if value else "false"
    return _number(verb, flags, precision, _as_number(value))


def _as_string(value: Any, verb: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, str):
        return value
    if value is None and verb == "v":
        return "null"
    raise FormatError(f"%{verb} of a value that is not a string")


def _as_number(value: Any) -> int | float:
    if isinstance(value, bool) or value is None:
        raise FormatError("a number verb for a value that is not a number")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError as exc:
            raise FormatError("a number verb for a string that is not a number") from exc
        return int(number) if number.is_integer() else number
    raise FormatError("a number verb for a list or object")


def _number(verb: str, flags: str, precision: str | None, n: int | float) -> str:
    sign = "+" if "+" in flags else " " if " " in flags else ""
    if verb in "dboxX":
        if isinstance(n, float) and not n.is_integer():
            raise FormatError(f"%{verb} of a number that is not whole")
        whole = int(n)
        body = format(abs(whole), {"d": "d", "b": "b", "o": "o", "x": "x", "X": "X"}[verb])
        return ("-" if whole < 0 else sign) + body
    digits = 6 if precision is None else int(precision or 0)
    shortest = verb in "gG" and precision is None
    body = format_number(abs(n)) if shortest else format(abs(float(n)), f".{digits}{verb}")
    return ("-" if n < 0 else sign) + body


def _pad(text: str, flags: str, width: int, numeric: bool) -> str:
    if len(text) >= width:
        return text
    if "-" in flags:
        return text + " " * (width - len(text))
    if "0" in flags and numeric:
        sign = text[0] if text[:1] in "+- " else ""
        return sign + "0" * (width - len(text)) + text[len(sign) :]
    return " " * (width - len(text)) + text
