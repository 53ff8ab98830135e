"""Nodes that carry a position in serverless.yml (the ``start_mark``/``end_mark`` cfn-lint's decoder gives), so
that generated CloudFormation points back at what made it."""

from __future__ import annotations

from typing import Any


class Str(str):
    start_mark: Any = None
    end_mark: Any = None


class Dict(dict):
    start_mark: Any = None
    end_mark: Any = None


class List(list):
    start_mark: Any = None
    end_mark: Any = None


def marked(node: Any, like: Any) -> Any:
    """``node`` carrying the position of ``like`` (unchanged when ``like`` has none or ``node`` is no str, dict
    or list)."""
    start = getattr(like, "start_mark", None)
    if start is None:
        return node
    if isinstance(node, dict):
        out: Any = Dict(node)
    elif isinstance(node, list):
        out = List(node)
    elif isinstance(node, str):
        out = Str(node)
    else:
        return node
    out.start_mark, out.end_mark = start, getattr(like, "end_mark", None)
    return out


def blanket(node: Any, like: Any) -> Any:
    """Every dict and list under ``node`` positioned at ``like``: a statement the framework adds points at what
    made it add it."""
    if isinstance(node, dict):
        return marked({marked(k, like): blanket(v, like) for k, v in node.items()}, like)
    if isinstance(node, list):
        return marked([blanket(v, like) for v in node], like)
    return marked(node, like) if isinstance(node, str) else node


def key_of(mapping: Any, name: str) -> Any:
    """The key node of ``name`` in ``mapping`` (it carries the key's position), or None."""
    for key in mapping.keys() if isinstance(mapping, dict) else []:
        if key == name:
            return key
    return None


def get(mapping: Any, *path: str) -> Any:
    """``mapping[a][b]...``, None where a step is missing or not a mapping."""
    node = mapping
    for step in path:
        if not isinstance(node, dict):
            return None
        node = node.get(step)
    return node
