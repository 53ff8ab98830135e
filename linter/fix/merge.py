"""Carry a structural edit back onto the user's text, so that every line the edit does not touch stays as it was.

A round-trip library writes a whole document: even unchanged, its output differs from the user's text in places
(spacing inside flow mappings, indentation it normalises). So the edit is taken as the difference between the
library's text of the document before the change (``base``) and after it (``edited``), and that difference is
applied to the user's text (``original``) wherever the lines it touches are the same in ``base`` and ``original``.
An edit that falls on lines the library wrote differently cannot be carried over: the caller then decides.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Merged:
    text: str
    touched: bool  # an existing line was changed or removed (not only lines added): the fix is unsafe


def _equal_lines(base: list[str], original: list[str]) -> dict[int, int]:
    """base line -> the original line it is equal to, where the two texts agree."""
    mapping: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, base, original, autojunk=False)
    for tag, i1, i2, j1, _ in matcher.get_opcodes():
        if tag == "equal":
            mapping.update({i1 + k: j1 + k for k in range(i2 - i1)})
    return mapping


def _comma_only(old: list[str], new: list[str]) -> bool:
    """The hunk only adds a separator to the lines it replaces (a JSON item followed by a new one), then lines."""
    return len(new) >= len(old) and all(n in (o, o + ",") for o, n in zip(old, new, strict=False))


def _anchor(mapping: dict[int, int], at: int) -> int | None:
    """Where in the original a line inserted before base line ``at`` goes: after the line it follows."""
    if at > 0 and at - 1 in mapping:
        return mapping[at - 1] + 1
    if at in mapping:
        return mapping[at]
    return 0 if at == 0 else None


def _replaced(mapping: dict[int, int], i1: int, i2: int) -> tuple[int, int] | None:
    where = [mapping.get(k) for k in range(i1, i2)]
    if any(w is None for w in where):
        return None
    first = where[0]
    assert first is not None
    return (first, first + len(where)) if where == list(range(first, first + len(where))) else None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _comment_at(line: str, indent: int) -> bool:
    return line.lstrip().startswith("#") and _indent(line) == indent


def _comment_above(line: str, indent: int) -> bool:
    return line.lstrip().startswith("#") and _indent(line) < indent


def _place(block: list[str], out: list[str], start: int) -> tuple[int, list[str]]:
    """Where an inserted block goes, and with what spacing. A block deeper than the line after it belongs to
    what comes before (a new item of the list above): it goes above the blank lines and the shallower comments
    that end that block (the round-trip library hangs them on its last node). A block at the next line's depth (a
    new resource) goes above the comments about that line, separated from it as it is from the one above."""
    if not (block and block[0].strip() and block[-1].strip() and 0 < start < len(out)):
        return start, block
    depth = _indent(block[0])
    if not out[start].strip() or depth > _indent(out[start]):
        while start > 0 and (not out[start - 1].strip() or _comment_above(out[start - 1], depth)):
            start -= 1
        return start, block
    while start > 0 and _comment_at(out[start - 1], depth):
        start -= 1
    if not out[start - 1].strip():
        return start, [*block, ""]
    return start, block


def carry_over(original: str, base: str, edited: str) -> Merged | None:
    """``original`` with the change from ``base`` to ``edited``; None when it cannot be placed line for line."""
    o, b, e = original.split("\n"), base.split("\n"), edited.split("\n")
    mapping = _equal_lines(b, o)
    hunks: list[tuple[int, int, list[str]]] = []
    touched = False
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, b, e, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "insert":
            at = _anchor(mapping, i1)
            if at is None:
                return None
            hunks.append((at, at, e[j1:j2]))
            continue
        span = _replaced(mapping, i1, i2)
        if span is None:
            return None
        new = e[j1:j2]
        if _comma_only(b[i1:i2], new):
            kept = [o[span[0] + k] + ("," if new[k] != b[i1 + k] else "") for k in range(i2 - i1)]
            new = kept + new[i2 - i1 :]
        else:
            touched = True
        hunks.append((span[0], span[1], new))
    out = list(o)
    for start, stop, block in sorted(hunks, key=lambda h: (h[0], h[1]), reverse=True):
        if start == stop:
            start, block = _place(block, out, start)
            stop = start
        out[start:stop] = block
    return Merged("\n".join(out), touched)


def touches(original: str, edited: str) -> bool:
    """Whether ``edited`` changes or removes a line of ``original`` (adding a separator to one does not count)."""
    o, e = original.split("\n"), edited.split("\n")
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, o, e, autojunk=False).get_opcodes():
        if tag == "delete" or (tag == "replace" and not _comma_only(o[i1:i2], e[j1:j2])):
            return True
    return False
