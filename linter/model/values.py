"""Values that are only partly known.

Infrastructure code rarely spells ARNs out: a queue ARN is built from the deployment region, the account id
and a name that may itself come from a variable. Every resolved value in the model is a JSON-like Python object
whose strings are either a plain ``str`` (fully known) or a :class:`Text` (a sequence of literal pieces and
named :class:`Unknown` pieces). A value that is not known at all is an :class:`Unknown`.

The same unknown carries the same name wherever it appears (``region``, ``account``, or a resource-derived name
such as ``aws_sqs_queue.q.name``), so two values built from it compare equal without guessing what it is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, TypeAlias

REGION = "region"
ACCOUNT = "account"


@dataclass(frozen=True)
class Unknown:
    """A value that cannot be known statically. ``name`` is its identity, ``reason`` says why it is unknown."""

    name: str
    reason: str = field(default="", compare=False, hash=False)
    # A generated physical name (CloudFormation or Terraform picks it at deploy time). It is opaque but unique:
    # only a ``*`` or the same unknown matches it, never literal text or another resource's generated name.
    atom: bool = field(default=False, compare=False, hash=False)
    # Terraform itself would stop here (a missing map key, an index out of range): try() skips such a value and
    # can() is false for it.
    failed: bool = field(default=False, compare=False, hash=False)
    # Certainly not null although unknown: a required variable (Terraform demands a value) or an attribute AWS
    # computes. ``x != null`` is then true, so the dynamic blocks and count switches that test it can be read.
    present: bool = field(default=False, compare=False, hash=False)
    # The service the value is declared to belong to though its text is unknown: SAM's destination ``Type: SQS``
    # on ``Destination: !Ref QueueArn`` says the parameter is a queue ARN, and SAM grants on that very value.
    service: str | None = field(default=None, compare=False, hash=False)
    # Why it is unknown, as facts verdicts read (``reason`` is for people and may be reworded freely):
    # it may not be set at all (a dynamic block or count whose for_each is unknown, an Fn::If whose other branch
    # may be AWS::NoValue, a conditional whose other side may be null): then "granted for no type" does not mean
    # records are dropped, there may be no destination.
    may_be_absent: bool = field(default=False, compare=False, hash=False)
    # It differs per branch of a condition the linter cannot evaluate (Fn::If, ``c ? a : b``).
    per_branch: bool = field(default=False, compare=False, hash=False)
    # Written in a dynamic block whose for_each is not known.
    dynamic: bool = field(default=False, compare=False, hash=False)
    # The attribute is not set at all (a mapping without an event source ARN: a self-managed source).
    no_source: bool = field(default=False, compare=False, hash=False)
    # The input the files do not fix and that decides it, as the files name it (``var.dlq_arn``, ``parameter
    # DlqArn``, ``Dlq.Outputs.QueueArn``): the same input has the same value wherever it is used.
    input: str = field(default="", compare=False, hash=False)

    def __str__(self) -> str:
        return "<" + self.name + ">"


def branches(value: Unknown) -> Unknown:
    """``value`` as the result of a condition not known statically: it differs per branch, and may be absent."""
    return replace(value, per_branch=True, may_be_absent=True)


def failure(name: str, reason: str) -> Unknown:
    """A value Terraform would refuse to compute (an error at plan time)."""
    return Unknown(name, reason, failed=True)


def generated_name(owner: str, tool: str) -> Unknown:
    return Unknown(f"{owner}.name", f"the name {tool} generates for {owner}", atom=True)


def region() -> Unknown:
    return Unknown(REGION, "the deployment region")


def account() -> Unknown:
    return Unknown(ACCOUNT, "the AWS account id")


@dataclass(frozen=True)
class Environment:
    """What the user told the linter about the deployment (configuration ``account-id`` and ``region``)."""

    account_id: str | None = None
    region_name: str | None = None

    def account(self) -> Any:
        return self.account_id if self.account_id else account()

    def region(self) -> Any:
        return self.region_name if self.region_name else region()


Part: TypeAlias = str | Unknown


@dataclass(frozen=True)
class Text:
    """A string made of literal pieces and unknown pieces, plus the assumptions made to build it."""

    parts: tuple[Part, ...]
    assumptions: frozenset[str] = frozenset()

    def __str__(self) -> str:
        return "".join(str(p) for p in self.parts)

    @property
    def unknowns(self) -> list[Unknown]:
        return [p for p in self.parts if isinstance(p, Unknown)]


# A resolved value: what a Terraform expression or a CloudFormation intrinsic comes to. Strings that are only
# partly known are Text; values not known at all are Unknown; lists and objects hold resolved values again.
Value: TypeAlias = str | Text | Unknown | bool | int | float | None | list["Value"] | dict[str, "Value"]


def _text_parts(piece: Any) -> list[Part]:
    if isinstance(piece, Text):
        return list(piece.parts)
    if isinstance(piece, Unknown):
        return [piece]
    if isinstance(piece, bool):
        return ["true" if piece else "false"]
    if isinstance(piece, float) and not piece.is_integer() and written_decimal(piece) is None:
        # Terraform writes every digit of its 512-bit value here; binary64 arithmetic cannot say what they are.
        return [Unknown("number text", "a number whose decimal digits Terraform computes at higher precision")]
    if isinstance(piece, (int, float)):
        return [format_number(piece)]
    if isinstance(piece, str):
        return [piece]
    if piece is None:
        return []
    # A list or object interpolated into a string is a Terraform error; treat it as unknown text.
    return [Unknown("non-string value", "a list or object used inside a string")]


def make_text(pieces: Iterable[Any], assumptions: Iterable[str] = ()) -> Any:
    """Concatenate resolved values into one string value; returns ``str`` when everything is known."""
    pieces = list(pieces)
    if not assumptions and _all_str(pieces):
        return "".join(pieces)  # the common case, without building parts
    parts: list[Part] = []
    assumed: set[str] = set(assumptions)
    for piece in pieces:
        kind = type(piece)
        if kind is str or kind is Unknown:  # most pieces of an ARN: taken as they are
            parts.append(piece)
            continue
        parts.extend(_text_parts(piece))
        if isinstance(piece, Text):
            assumed |= piece.assumptions
    merged = _merged(parts)
    if not assumed and (not merged or (len(merged) == 1 and isinstance(merged[0], str))):
        return "".join(merged)  # type: ignore[arg-type]
    return Text(tuple(merged) or ("",), frozenset(assumed))


def _all_str(pieces: list[Any]) -> bool:
    # A loop, not all(...) over a generator (five times slower): this runs for every string the resolvers build.
    for piece in pieces:  # noqa: SIM110
        if type(piece) is not str:
            return False
    return True


def _merged(parts: list[Part]) -> list[Part]:
    """Adjacent literal parts joined and empty ones dropped: no two literals in a row."""
    merged: list[Part] = []
    for part in parts:
        if isinstance(part, str):
            if merged and isinstance(merged[-1], str):
                merged[-1] = merged[-1] + part
            elif part:
                merged.append(part)
        else:
            merged.append(part)
    return merged


def split_text(value: Any, separator: str, keep_assumptions: bool = True) -> list[Any] | None:
    """A string value split on a literal separator: Terraform's split(), CloudFormation's Fn::Split and the
    fields of an ARN all split here. Unknown pieces stay inside the element they sit in: they are taken to hold
    no separator (a region, an account, a generated name or id holds no ``:`` or ``/``), so ``split("/", role
    ARN)`` has the role name as its last element even when the account is unknown. None when ``value`` is not a
    string, or when an empty separator would split an unknown piece into characters."""
    if isinstance(value, str):
        parts: list[Part] = [value]
    elif isinstance(value, Text):
        parts = list(value.parts)
    else:
        return None
    if separator == "":
        text = plain(value)
        return list(text) if text is not None else None
    elements: list[list[Part]] = [[]]
    for part in parts:
        if isinstance(part, Unknown):
            elements[-1].append(part)
            continue
        first, *rest = part.split(separator)
        elements[-1].append(first)
        elements.extend([piece] for piece in rest)
    assumed = value.assumptions if isinstance(value, Text) and keep_assumptions else frozenset()
    return [make_text(element, assumed) for element in elements]


def _edge(value: str | Text, first: bool) -> str | None:
    """The literal text at the start (or end) of a string value; all of it when it is fully known."""
    if isinstance(value, str):
        return value
    edge = value.parts[0 if first else -1] if value.parts else None
    return edge if isinstance(edge, str) else None


def has_affix(value: str | Text, affix: str, first: bool) -> bool | None:
    """startswith (``first``) or endswith, decided by the known text at that end; None when the affix reaches
    into an unknown piece (``arn:aws:sqs:`` is known before an ARN's unknown region, ``arn:aws:sqs:eu`` not)."""
    edge = _edge(value, first)
    whole = plain(value) is not None
    if edge is None or (not whole and len(edge) < len(affix)):
        return None
    return edge.startswith(affix) if first else edge.endswith(affix)


def trim_affix(value: str | Text, affix: str, first: bool) -> Any:
    """trimprefix (``first``) or trimsuffix over a partly known string; None when it cannot be told."""
    matched = has_affix(value, affix, first)
    if matched is None:
        return None
    if not matched or not affix:
        return value
    parts = [value] if isinstance(value, str) else list(value.parts)
    edge = parts[0 if first else -1]
    assert isinstance(edge, str)  # has_affix read it
    parts[0 if first else -1] = edge[len(affix) :] if first else edge[: -len(affix)]
    return make_text(parts, value.assumptions if isinstance(value, Text) else ())


def with_assumption(value: Any, assumption: str) -> Any:
    """Mark a value as resting on an assumption (a variable default, a pseudo parameter's usual value)."""
    if isinstance(value, (str, Text)):
        return make_text([value], [assumption])
    if isinstance(value, list):
        return [with_assumption(v, assumption) for v in value]
    if isinstance(value, dict):
        return {k: with_assumption(v, assumption) for k, v in value.items()}
    return value


def format_number(n: int | float) -> str:
    """A number as Terraform writes it. Terraform computes with 512-bit binary floats from the decimal literals,
    so ``0.1 + 0.2`` is written ``0.3``; the binary64 sum here is 0.30000000000000004, and the decimal it stands
    for is recovered by rounding to 15 significant digits when that is within float error of it."""
    if isinstance(n, float) and n.is_integer():
        return str(int(n))
    if isinstance(n, float):
        return written_decimal(n) or repr(n)
    return str(n)


def written_decimal(n: float) -> str | None:
    """The short decimal a float64 result stands for (``0.3`` for 0.30000000000000004), or None when its decimal
    expansion goes on (``1/3``: Terraform writes 154 digits of its 512-bit value, which a float64 cannot give)."""
    text = repr(n)
    digits = text.lstrip("-").split("e")[0].replace(".", "").strip("0")
    if len(digits) <= 15:
        return text
    rounded = float(format(n, ".15g"))
    if abs(rounded - n) <= 2 * math.ulp(n):
        return repr(rounded)
    return None


def is_stringish(value: Any) -> bool:
    return isinstance(value, (str, Text))


def plain(value: Any) -> str | None:
    """The literal string when the value is fully known, else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, Text) and not value.unknowns:
        return "".join(value.parts)  # type: ignore[arg-type]
    return None


def display(value: Any) -> str:
    """How a value reads in a message: unknown pieces appear as ``<name>``."""
    if isinstance(value, (str, Text, Unknown)):
        return str(value)
    if value is None:
        return "null"
    return repr(value)


def unknowns_in(value: Any) -> list[Unknown]:
    if isinstance(value, Unknown):
        return [value]
    if isinstance(value, Text):
        return value.unknowns
    if isinstance(value, list):
        return [u for v in value for u in unknowns_in(v)]
    if isinstance(value, dict):
        return [u for v in value.values() for u in unknowns_in(v)]
    return []


def assumptions_in(value: Any) -> set[str]:
    if isinstance(value, Text):
        return set(value.assumptions)
    if isinstance(value, list):
        return {a for v in value for a in assumptions_in(v)}
    if isinstance(value, dict):
        return {a for v in value.values() for a in assumptions_in(v)}
    return set()


@dataclass(frozen=True)
class Origin:
    """Where a string literal is written: the file, line and columns of its quotes (1-based, end exclusive)."""

    path: str
    line: int
    column: int
    end_column: int


class Written(str):
    """A string exactly as the user wrote it as a literal, with where: a value that reaches a policy through a
    module's inputs, locals, iterations and outputs is then reported where it can be edited (the caller's
    argument), not where the module uses it. It is a ``str`` in every other respect (equal, hashed and ordered
    as its text); anything that computes a new string from it (format(), a template) yields a plain ``str``,
    whose origin is then not known."""

    origin: Origin

    def __new__(cls, text: str, origin: Origin) -> Written:
        made = super().__new__(cls, text)
        made.origin = origin
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (Written, (str(self), self.origin))


def origin_of(value: Any) -> Origin | None:
    """Where a string value is written, when it is a literal the resolver could place; else None."""
    return value.origin if isinstance(value, Written) else None
