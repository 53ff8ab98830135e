"""Inline suppressions written as comments: ``# lint:ignore DST001[,DST002] [expires=YYYY-MM-DD] reason``.

A comment at the end of a line covers that line; a comment on a line of its own covers the next line of code.
When that line opens a block (HCL ``{``) or a mapping (YAML key with an indented body), the whole block is covered,
so a comment above a resource covers the resource.
"""

from __future__ import annotations

import re
from datetime import date

from infra_policy_linter.model.located import Location, Suppression

_DIRECTIVE = re.compile(r"lint:ignore\b(?P<rest>.*)$")
_RULES = re.compile(r"^\s*(?P<rules>[A-Za-z]{3}\d{3}(?:\s*,\s*[A-Za-z]{3}\d{3})*)(?P<tail>.*)$")
_EXPIRES = re.compile(r"^\s*expires=(?P<date>\S+)(?P<tail>.*)$")


def _comment_start(line: str, markers: tuple[str, ...]) -> int | None:
    """Index of the comment marker outside any string literal, or None."""
    quote = None
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        else:
            for marker in markers:
                if line.startswith(marker, i):
                    return i
        i += 1
    return None


def _parse(text: str, location: Location, start: int, end: int) -> Suppression:
    m = _RULES.match(text)
    if not m:
        return Suppression((), "", location, start, end, problem="names no rule (write `lint:ignore DST001 reason`)")
    rules = tuple(r.strip().upper() for r in m.group("rules").split(","))
    tail = m.group("tail")
    expires = None
    problem = None
    e = _EXPIRES.match(tail)
    if e:
        tail = e.group("tail")
        try:
            expires = date.fromisoformat(e.group("date"))
        except ValueError:
            problem = f"has an invalid expiry date {e.group('date')!r} (use expires=YYYY-MM-DD)"
    reason = tail.strip().lstrip(":-—").strip()
    return Suppression(rules, reason, location, start, end, expires, problem)


def _next_code_line(lines: list[str], index: int, markers: tuple[str, ...]) -> int | None:
    for j in range(index + 1, len(lines)):
        stripped = lines[j].strip()
        if stripped and _comment_start(lines[j], markers) != len(lines[j]) - len(lines[j].lstrip()):
            return j
    return None


def _hcl_extent(lines: list[str], index: int) -> int:
    """Last line (0-based) of the construct starting at ``index``: up to the brace that closes what it opens."""
    depth = 0
    for j in range(index, len(lines)):
        code = lines[j]
        cut = _comment_start(code, ("#", "//"))
        if cut is not None:
            code = code[:cut]
        code = re.sub(r'"(?:\\.|[^"\\])*"', '""', code)
        depth += code.count("{") + code.count("[") + code.count("(")
        depth -= code.count("}") + code.count("]") + code.count(")")
        if depth <= 0:
            return j
    return len(lines) - 1


def _yaml_extent(lines: list[str], index: int) -> int:
    """Last line (0-based) of the YAML node starting at ``index``: every following line indented deeper."""
    indent = len(lines[index]) - len(lines[index].lstrip())
    last = index
    for j in range(index + 1, len(lines)):
        stripped = lines[j].strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(lines[j]) - len(lines[j].lstrip()) <= indent:
            break
        last = j
    return last


def comment_suppressions(path: str, lines: list[str], language: str) -> list[Suppression]:
    markers = ("#", "//") if language == "hcl" else ("#",)
    found = []
    for i, line in enumerate(lines):
        if "lint:ignore" not in line:
            continue
        cut = _comment_start(line, markers)
        if cut is None:
            continue
        m = _DIRECTIVE.search(line, cut)
        if not m:
            continue
        trailing = line[:cut].strip() != ""
        target = i if trailing else _next_code_line(lines, i, markers)
        location = Location(path, i + 1, m.start() + 1, i + 1, len(line.rstrip()) + 1)
        if target is None:
            found.append(_parse(m.group("rest"), location, i + 1, i + 1))
            continue
        last = _hcl_extent(lines, target) if language == "hcl" else _yaml_extent(lines, target)
        found.append(_parse(m.group("rest"), location, target + 1, last + 1))
    return found
