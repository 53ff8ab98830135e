"""The directives of HCL string templates: the flat tokens the expression parser reads from a template (text,
interpolations, ``%{if}``/``%{else}``/``%{endif}``, ``%{for}``/``%{endfor}``, with their ``~`` strip markers) nested
into template parts (parsers/hcl_nodes.py).

A token is ``["s", text]``, ``["i", node, strip_before, strip_after]`` or
``["d", directive, argument, strip_before, strip_after]`` (the argument of ``for`` is (names, collection)).
"""

from __future__ import annotations

from typing import Any

from infra_policy_linter.parsers.hcl_nodes import HclExpressionError, Node, Part, TemplateFor, TemplateIf


def flush_text(buf: list[str], tokens: list[list[Any]]) -> None:
    """The text gathered in ``buf``, as one text token."""
    if buf:
        tokens.append(["s", "".join(buf)])
        buf.clear()


def nest_directives(tokens: list[list[Any]]) -> list[Part]:
    """A template's tokens -> its parts: text, interpolated nodes, and its directives with their bodies nested."""
    _strip_marked(tokens)
    parts, rest = _nest(tokens, 0, ())
    if rest != len(tokens):
        raise HclExpressionError(f"unexpected %{{{tokens[rest][1]}}} in a template")
    return parts or [""]


def _nest(tokens: list[list[Any]], i: int, until: tuple[str, ...]) -> tuple[list[Part], int]:
    """Template tokens -> parts, with %{if}/%{for} bodies nested; stops at a directive in ``until``."""
    parts: list[Part] = []
    while i < len(tokens):
        token = tokens[i]
        if token[0] == "s":
            last = parts[-1] if parts else None
            if isinstance(last, str):
                parts[-1] = last + token[1]
            else:
                parts.append(token[1])
            i += 1
        elif token[0] == "i":
            parts.append(token[1])
            i += 1
        elif token[1] in until:
            return parts, i
        elif token[1] == "if":
            node, i = _nest_if(tokens, i)
            parts.append(node)
        elif token[1] == "for":
            node, i = _nest_for(tokens, i)
            parts.append(node)
        else:
            raise HclExpressionError(f"%{{{token[1]}}} without its opening directive")
    return parts, i


def _nest_if(tokens: list[list[Any]], i: int) -> tuple[Node, int]:
    """The %{if} at ``i`` with its body (and %{else} body) up to its %{endif}: its node, and the index past it."""
    then, end = _nest(tokens, i + 1, ("else", "endif"))
    other: list[Part] = []
    if end < len(tokens) and tokens[end][1] == "else":
        other, end = _nest(tokens, end + 1, ("endif",))
    if end >= len(tokens) or tokens[end][1] != "endif":
        raise HclExpressionError("%{if} without %{endif}")
    return TemplateIf(tokens[i][2], tuple(then), tuple(other)), end + 1


def _nest_for(tokens: list[list[Any]], i: int) -> tuple[Node, int]:
    """The %{for} at ``i`` with its body up to its %{endfor}: its node, and the index past it."""
    body, end = _nest(tokens, i + 1, ("endfor",))
    if end >= len(tokens) or tokens[end][1] != "endfor":
        raise HclExpressionError("%{for} without %{endfor}")
    names, collection = tokens[i][2]
    return TemplateFor(tuple(names), collection, tuple(body)), end + 1


def _strip_marked(tokens: list[list[Any]]) -> None:
    """``~`` strips the white space next to it, newlines included."""
    for i, token in enumerate(tokens):
        if token[0] == "s":
            continue
        if token[-2] and i > 0 and tokens[i - 1][0] == "s":
            tokens[i - 1][1] = tokens[i - 1][1].rstrip()
        if token[-1] and i + 1 < len(tokens) and tokens[i + 1][0] == "s":
            tokens[i + 1][1] = tokens[i + 1][1].lstrip()
