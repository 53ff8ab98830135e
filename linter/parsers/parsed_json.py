"""The exact JSON form of a parsed Terraform file, for the per-file parse cache (run/cache.py ParseCache).

A parsed file is a ``TfFile`` (python-hcl2's dict form, whose expression values are ``ParsedExpression`` objects
holding the nodes of hcl_nodes.py) or a ``ParseError``. JSON alone would lose what the rest of the linter tells
apart (a tuple from a list, a ParsedExpression from the text it reads as, a node from a list), so the form is
tagged, and explicit about every type it knows:

- body values: ``str``, ``int``, ``float``, ``bool`` and ``None`` as themselves; lists as arrays; dicts as
  objects, except that a dict with a key that starts with ``$`` is ``{"$d": [[key, value], ...]}``, so that an
  object with one ``$`` key is always a tag; a ParsedExpression is ``{"$e": [source, node]}``.
- a node is an array: its tag (``_KINDS``) and then its fields in order, each by its kind (a tuple field is an
  array, restored as a tuple; a template part or a traversal root is a string or a node array).

Anything else (a type the form does not know) raises TypeError when the file is written, and the file is then
simply not cached: what is read back is always equal, type for type, to what the parser made. The file's path and
lines are not stored: they are the reader's display path and the text split into lines, as the parsers build them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

from infra_policy_linter.model.located import ParseError
from infra_policy_linter.parsers import hcl_nodes as n
from infra_policy_linter.parsers.hcl_expressions import ParsedExpression
from infra_policy_linter.parsers.terraform import TfFile

FORMAT = 1

# Each node class: its tag and the kind of each of its fields, in the order of the dataclass fields:
# scalar (str, int, float, bool or None), str, bool, node, node? (a node or None), nodes (a tuple of nodes), part
# (a str or a node), parts (a tuple of parts), names (a tuple of str), pairs (a tuple of (node, node)).
_KINDS: dict[type, tuple[str, tuple[str, ...]]] = {
    n.Lit: ("L", ("scalar",)),
    n.Template: ("T", ("parts",)),
    n.Attr: ("A", ("str",)),
    n.Index: ("I", ("node",)),
    n.Splat: ("S", ()),
    n.Ref: ("R", ("part", "nodes")),
    n.Call: ("C", ("str", "nodes", "bool")),
    n.TupleExpr: ("U", ("nodes",)),
    n.ObjectExpr: ("O", ("pairs",)),
    n.Conditional: ("Q", ("node", "node", "node")),
    n.Operation: ("P", ("str", "node?", "node")),
    n.ForExpr: ("F", ("names", "node", "node?", "node", "node?", "bool", "str")),
    n.TemplateIf: ("TI", ("node", "parts", "parts")),
    n.TemplateFor: ("TF", ("names", "node", "parts")),
}
_SCALARS = (str, int, float, bool, type(None))


def file_to_data(parsed: TfFile | ParseError, path: str, text: str) -> dict[str, Any]:
    """The stored form of what parsing ``text`` under the display path ``path`` gave (TypeError: not storable)."""
    if type(parsed) is ParseError:
        if parsed.path != path:
            raise TypeError("a parse error about another file")
        return {"format": FORMAT, "error": [parsed.line, parsed.column, parsed.message]}
    if type(parsed) is not TfFile or parsed.path != path:
        raise TypeError(f"not a parsed file of {path}: {type(parsed).__name__}")
    if parsed.lines == text.split("\n"):
        lines = True
    elif parsed.lines == []:
        lines = False
    else:
        raise TypeError("lines that are not the file's text")
    return {"format": FORMAT, "lines": lines, "body": value_to_data(parsed.body)}


def file_from_data(data: dict[str, Any], path: str, text: str) -> TfFile | ParseError:
    """The parsed file again, for the display path ``path`` and the file's ``text`` (data read with object_hook)."""
    if data["format"] != FORMAT:
        raise ValueError("another format")
    if "error" in data:
        line, column, message = data["error"]
        return ParseError(path, line, column, message)
    body = data["body"]
    if type(body) is not dict:
        raise ValueError("a body that is not an object")
    return TfFile(path, body, text.split("\n") if data["lines"] else [])


def value_to_data(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if kind is list:
        return [value_to_data(v) for v in value]
    if kind is dict:
        out = {}
        for k, v in value.items():
            if type(k) is not str or k[:1] == "$":
                return {"$d": [[_text(k), value_to_data(v)] for k, v in value.items()]}
            out[k] = value_to_data(v)
        return out
    if kind is ParsedExpression:
        return {"$e": [_text(value.source), node_to_data(value.node)]}
    raise TypeError(f"a value of type {kind.__name__}")


def object_hook(obj: dict[str, Any]) -> Any:
    """json.loads's object_hook: tagged objects back to what they stand for (inner objects come first)."""
    if len(obj) == 1:
        ((key, value),) = obj.items()
        if key == "$e":
            source, node = value
            return ParsedExpression(_text(source), node_from_data(node))
        if key == "$d":
            return {_text(k): v for k, v in value}
        if key.startswith("$"):
            raise ValueError(f"unknown tag {key}")
    return obj


def _text(value: Any) -> str:
    if type(value) is not str:
        raise TypeError(f"a {type(value).__name__} where a str belongs")
    return value


def node_to_data(node: Any) -> list[Any]:
    found = _WRITERS.get(type(node))
    if found is None:
        raise TypeError(f"not an expression node: {type(node).__name__}")
    tag, writers = found
    data = [tag]
    for name, write in writers:
        data.append(write(getattr(node, name)))
    return data


def node_from_data(data: Any) -> Any:
    if type(data) is not list:
        raise TypeError("a node that is not an array")
    cls, readers = _READERS[data[0]]
    return cls(*[read(value) for read, value in zip(readers, data[1:], strict=True)])


def _typed(value: Any, *types: type) -> Any:
    """The value itself, when its type is exactly one of ``types`` (a subclass is a type the form does not know)."""
    if type(value) not in types:
        raise TypeError(f"a {type(value).__name__} where a {' or '.join(t.__name__ for t in types)} belongs")
    return value


def _part_to(value: Any) -> Any:
    return value if type(value) is str else node_to_data(value)


def _part_from(value: Any) -> Any:
    return value if type(value) is str else node_from_data(value)


def _pair_to(pair: Any) -> list[Any]:
    key, value = _typed(pair, tuple)
    return [node_to_data(key), node_to_data(value)]


def _pair_from(pair: Any) -> tuple[Any, Any]:
    key, value = _typed(pair, list)
    return node_from_data(key), node_from_data(value)


# How each kind of field is written and read back (a tuple is written as an array and read back as a tuple).
_TO: dict[str, Callable[[Any], Any]] = {
    "scalar": lambda v: _typed(v, *_SCALARS),
    "str": _text,
    "bool": lambda v: _typed(v, bool),
    "node": node_to_data,
    "node?": lambda v: None if v is None else node_to_data(v),
    "part": _part_to,
    "nodes": lambda v: [node_to_data(x) for x in _typed(v, tuple)],
    "parts": lambda v: [_part_to(x) for x in _typed(v, tuple)],
    "names": lambda v: [_text(x) for x in _typed(v, tuple)],
    "pairs": lambda v: [_pair_to(x) for x in _typed(v, tuple)],
}
_FROM: dict[str, Callable[[Any], Any]] = {
    "scalar": lambda v: _typed(v, *_SCALARS),
    "str": _text,
    "bool": lambda v: _typed(v, bool),
    "node": node_from_data,
    "node?": lambda v: None if v is None else node_from_data(v),
    "part": _part_from,
    "nodes": lambda v: tuple(node_from_data(x) for x in _typed(v, list)),
    "parts": lambda v: tuple(_part_from(x) for x in _typed(v, list)),
    "names": lambda v: tuple(_text(x) for x in _typed(v, list)),
    "pairs": lambda v: tuple(_pair_from(x) for x in _typed(v, list)),
}
# Per class, its tag and (field name, writer) in field order; per tag, the class and the readers of its fields.
_WRITERS = {
    cls: (tag, tuple((f.name, _TO[kind]) for f, kind in zip(fields(cls), kinds, strict=True)))
    for cls, (tag, kinds) in _KINDS.items()
}
_READERS = {tag: (cls, tuple(_FROM[kind] for kind in kinds)) for cls, (tag, kinds) in _KINDS.items()}
