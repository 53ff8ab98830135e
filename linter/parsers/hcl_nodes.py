"""The syntax tree of an HCL expression (parsers/hcl_expressions.py builds it, the Terraform evaluator reads it).

Each kind of expression is a small immutable dataclass:

    Lit(value)                             number, bool, null or a string without interpolation
    Template(parts)                        a string template; a part is a str or a node
    Ref(root, steps)                       a traversal: var.x, aws_sqs_queue.q[0].arn; root is a name, or the node
                                           the traversal starts from (``f(x).a``); steps are Attr, Index, Splat
    Call(name, args, expand)               a function call; expand: the last argument is followed by ``...``
    TupleExpr(items), ObjectExpr(items)    ``[a, b]`` and ``{ k = v }`` (items are (key node, value node))
    Conditional(test, then, other)
    Operation(op, left, right)             binary operators; unary ones have left = None
    ForExpr(names, collection, key, value, condition, grouping, brace)
                                           a for expression; key is None for [for ...], brace is "[" or "{"
    TemplateIf(test, then, other)          a %{if} template directive; then/other are template parts
    TemplateFor(names, collection, body)   a %{for} template directive; body is template parts
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias


class HclExpressionError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Lit:
    value: Any


@dataclass(frozen=True, slots=True)
class Template:
    parts: tuple[Part, ...]


@dataclass(frozen=True, slots=True)
class Attr:
    name: str


@dataclass(frozen=True, slots=True)
class Index:
    key: Node


@dataclass(frozen=True, slots=True)
class Splat:
    pass


Step: TypeAlias = Attr | Index | Splat


@dataclass(frozen=True, slots=True)
class Ref:
    root: str | Node
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Node, ...]
    expand: bool


@dataclass(frozen=True, slots=True)
class TupleExpr:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class ObjectExpr:
    items: tuple[tuple[Node, Node], ...]


@dataclass(frozen=True, slots=True)
class Conditional:
    test: Node
    then: Node
    other: Node


@dataclass(frozen=True, slots=True)
class Operation:
    op: str
    left: Node | None
    right: Node


@dataclass(frozen=True, slots=True)
class ForExpr:
    names: tuple[str, ...]
    collection: Node
    key: Node | None
    value: Node
    condition: Node | None
    grouping: bool
    brace: str


@dataclass(frozen=True, slots=True)
class TemplateIf:
    test: Node
    then: tuple[Part, ...]
    other: tuple[Part, ...]


@dataclass(frozen=True, slots=True)
class TemplateFor:
    names: tuple[str, ...]
    collection: Node
    body: tuple[Part, ...]


Node: TypeAlias = (
    Lit | Template | Ref | Call | TupleExpr | ObjectExpr | Conditional | Operation | ForExpr | TemplateIf | TemplateFor
)
Part: TypeAlias = str | Node


def template_node(parts: list[Part]) -> Node:
    """A template's node: ``"${x}"`` is x itself in HCL (keeping its type), text alone is a literal."""
    if len(parts) == 1 and not isinstance(parts[0], str):
        return parts[0]
    if all(isinstance(p, str) for p in parts):
        return Lit("".join(p for p in parts if isinstance(p, str)))
    return Template(tuple(parts))
