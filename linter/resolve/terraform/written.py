"""Where the string literals of a value are written, so that a finding about a string (a misspelt action) points
at the line the user edits, however the string travels: a module call's argument, a local, a variable's default
or a variable file, a module's output, then ``for_each``, ``dynamic`` blocks and for expressions inside the
module. Values carry it themselves: a plain string of a value is replaced by a
:class:`~infra_policy_linter.model.values.Written` when the expression it was computed from holds that very
text as a literal, so iterating, indexing, ``merge()`` or ``concat()`` keep it, and computing a new string
drops it.

The expressions are located in the file's lines: python-hcl2 gives no position below a block, so the attribute
is found at its block's nesting depth and its literals are read up to the line break that ends it. Anything not
located exactly (a JSON file, an override file, a text written twice where the value holds it another number of
times) is left as it was: its finding stays where the policy is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from infra_policy_linter.model.values import Origin, Written
from infra_policy_linter.parsers.terraform import TfFile
from infra_policy_linter.resolve.terraform.blocks import ModuleLibrary
from infra_policy_linter.resolve.terraform.functions import Encoded
from infra_policy_linter.resolve.terraform.registry_models import is_model_path

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_HEREDOC = re.compile(r"<<-?([A-Za-z_][\w-]*)\s*$")
# One lexeme of a line, by the first alternative that matches: the tokenizer's fast path (a string with
# interpolation or escapes is read character by character by _string).
_LEXEME = re.compile(
    r"""(?P<space>[ \t\r]+)
    |(?P<comment>\#|//)
    |(?P<block>/\*)
    |(?P<simple>"[^"\\$%]*")
    |(?P<quote>")
    |(?P<name>[A-Za-z_][\w-]*)
    |(?P<operator>[=!<>]=|=>)
    |(?P<punct>.)""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Literal:
    """A quoted string without interpolation, its text decoded, and where its quotes are (columns 1-based)."""

    text: str
    line: int
    column: int
    end_column: int


@dataclass(frozen=True)
class _Token:
    kind: str  # "name", "string", "open", "close", "newline", or the punctuation character itself
    text: str | None
    line: int
    column: int  # 0-based, where it starts
    end: int  # 0-based, just after it


def _string(text: str, at: int) -> tuple[int, str | None]:
    """The quoted string opening at ``text[at]``: (the index after its closing quote, its text, or None when it
    interpolates or uses an escape other than the common ones)."""
    out: list[str] = []
    i, n, literal = at + 1, len(text), True
    while i < n:
        c = text[i]
        if c == '"':
            return i + 1, "".join(out) if literal else None
        if c == "\\":
            escaped = text[i + 1 : i + 2]
            literal = literal and escaped in _ESCAPES
            out.append(_ESCAPES.get(escaped, ""))
            i += 2
        elif text.startswith(("$${", "%%{"), i):
            out.append(c + "{")
            i += 3
        elif text.startswith(("${", "%{"), i):
            i, literal = _interpolation(text, i + 2), False
        else:
            out.append(c)
            i += 1
    return n, None  # not closed on its line: HCL rejects that, and the parser said so


def _interpolation(text: str, i: int) -> int:
    """The index just after the ``}`` closing an interpolation whose body starts at ``i``."""
    depth = 1
    while i < len(text):
        c = text[i]
        if c == '"':
            i = _string(text, i)[0]
            continue
        depth += 1 if c == "{" else -1 if c == "}" else 0
        if depth == 0:
            return i + 1
        i += 1
    return len(text)


def _line_tokens(text: str, number: int, comment: bool) -> Iterator[_Token | bool | str]:
    """The tokens of one line; a bool says whether a /* comment is still open at its end, a str is the marker
    of a heredoc that starts there."""
    i, n = 0, len(text)
    while i < n:
        if comment:
            close = text.find("*/", i)
            comment, i = (True, n) if close < 0 else (False, close + 2)
            continue
        found = _LEXEME.match(text, i)
        assert found is not None  # the last alternative takes any character
        kind, i = found.lastgroup, found.end()
        heredoc = _HEREDOC.match(text, found.start()) if found.group() == "<" else None
        if heredoc is not None:
            yield heredoc.group(1)
        if kind == "comment" or heredoc is not None:
            break
        if kind == "block":
            comment = True
        elif kind != "space":
            token = _token(found, number)
            yield token
            i = token.end
    yield comment


def _token(found: re.Match[str], number: int) -> _Token:
    """The token a lexeme is (not a blank, a comment or a heredoc)."""
    kind, text, at = found.lastgroup, found.group(), found.start()
    if kind == "simple":  # a string without interpolation or escapes: the common case, read by the regex alone
        return _Token("string", text[1:-1], number, at, found.end())
    if kind == "quote":
        end, value = _string(found.string, at)
        return _Token("string", value, number, at, end)
    if kind in ("name", "operator"):
        return _Token(kind, text, number, at, found.end())
    return _Token("open" if text in "{[(" else "close" if text in "}])" else text, text, number, at, at + 1)


def _tokens(lines: list[str], first: int, last: int) -> Iterator[_Token]:
    """The tokens of lines first..last (1-based), a "newline" token ending each; heredocs and comments skipped."""
    heredoc: str | None = None
    comment = False
    for number in range(max(first, 1), min(last, len(lines)) + 1):
        text = lines[number - 1]
        if heredoc is not None:
            heredoc = None if text.strip() == heredoc else heredoc
            continue
        for token in _line_tokens(text, number, comment):
            if isinstance(token, bool):
                comment = token
            elif isinstance(token, str):
                heredoc = token
            else:
                yield token
        yield _Token("newline", None, number, len(text), len(text))


@dataclass
class _Expression:
    """The literals of one attribute's expression, read token by token up to the line break that ends it (at its
    own nesting level: ``level`` counts the brackets opened since the ``=``)."""

    literals: list[Literal] = field(default_factory=list)
    level: int = 0
    previous: str = "="
    pending: _Token | None = None  # a string that may yet turn out to be an object key

    def feed(self, token: _Token) -> bool:
        """Read one token; True when the expression has ended (the token is not part of it)."""
        pending, self.pending = self.pending, None
        key = token.kind == "=" or (token.kind == ":" and self.previous in ("open", ","))
        if pending is not None and not key:
            self.literals.append(Literal(pending.text or "", pending.line, pending.column + 1, pending.end + 1))
        if token.kind == "string" and token.text is not None:
            self.pending = token
        self.level += 1 if token.kind == "open" else -1 if token.kind == "close" else 0
        if self.level < 0 or (self.level == 0 and token.kind == "newline"):
            return True
        if token.kind != "string":
            self.previous = token.kind if token.kind != "newline" else ","
        return False


def block_literals(lines: list[str], first: int, last: int, depth: int) -> dict[str, list[Literal]]:
    """The string literals (object keys left out) of every attribute ``name = ...`` written at nesting ``depth``
    between lines first..last: depth 1 for the arguments of the block that starts on line ``first``, 0 for a
    variable file. One pass: a locals block of many entries is read once."""
    found: dict[str, list[Literal]] = {}
    level, statement_start, candidate = 0, True, None
    reading: tuple[str, _Expression] | None = None
    for token in _tokens(lines, first, last):
        if reading is not None:
            name, expression = reading
            if not expression.feed(token):
                continue
            found.setdefault(name, expression.literals)
            reading, candidate, statement_start = None, None, True
            if expression.level >= 0:
                continue  # the line break after it; a closing brace is the block's own and is counted below
        if level == depth and candidate is not None and token.kind == "=":
            reading = (candidate, _Expression())
            continue
        candidate = token.text if token.kind == "name" and statement_start and level == depth else None
        level += 1 if token.kind == "open" else -1 if token.kind == "close" else 0
        statement_start = token.kind in ("newline", "open")
        if token.kind == "close" and level < depth:
            break  # the block's end
    if reading is not None:
        found.setdefault(reading[0], reading[1].literals)
    return found


def mark(value: Any, literals: list[Literal] | None, path: str) -> Any:
    """``value`` with each plain string that ``literals`` holds replaced by a Written string placed where it is
    written. A text written more than once is placed only when the value holds it as many times (in order)."""
    if not literals:
        return value
    places: dict[str, list[Literal]] = {}
    for literal in literals:
        places.setdefault(literal.text, []).append(literal)
    held: dict[str, int] = {}
    _count(value, places, held)
    usable = {text: spots for text, spots in places.items() if len(spots) == 1 or held.get(text) == len(spots)}
    return _marked(value, usable, path, {}) if usable else value


def _count(value: Any, places: dict[str, list[Literal]], held: dict[str, int]) -> None:
    if type(value) is str and value in places:
        held[value] = held.get(value, 0) + 1
    elif isinstance(value, list):
        for item in value:
            _count(item, places, held)
    elif isinstance(value, dict):
        for item in value.values():
            _count(item, places, held)
    elif isinstance(value, Encoded):
        _count(value.value, places, held)


def _marked(value: Any, places: dict[str, list[Literal]], path: str, used: dict[str, int]) -> Any:
    if type(value) is str:
        spots = places.get(value)
        if spots is None:
            return value
        nth = used.get(value, 0)
        used[value] = nth + 1
        spot = spots[min(nth, len(spots) - 1)]
        return Written(value, Origin(path, spot.line, spot.column, spot.end_column))
    if isinstance(value, list):
        return [_marked(item, places, path, used) for item in value]
    if isinstance(value, dict):
        return {key: _marked(item, places, path, used) for key, item in value.items()}
    if isinstance(value, Encoded):
        return Encoded(_marked(value.value, places, path, used))
    return value


def _placeable(tf: TfFile) -> bool:
    """Only HCL the user has: Terraform JSON has no such literals, and a registry model is not the user's file."""
    return not tf.path.endswith(".json") and not is_model_path(tf.path)


def _declared_in(tf: TfFile, body: dict[str, Any]) -> bool:
    """Whether ``body`` is a block of ``tf`` as parsed (a block an override file merged into is a new object, whose
    lines are not all in one file)."""
    for entries in tf.body.values():
        for entry in entries if isinstance(entries, list) else ():
            if entry is body or (isinstance(entry, dict) and any(inner is body for inner in entry.values())):
                return True
    return False


def in_block(library: ModuleLibrary, tf: TfFile | None, body: dict[str, Any], name: str, value: Any) -> Any:
    """``value`` of the argument ``name`` of a block (a module call, a variable, an output, a locals block:
    ``body`` as parsed from ``tf``) with its literals placed."""
    if tf is None or not value or isinstance(value, (bool, int, float)) or not _placeable(tf):
        return value
    first = int(body.get("__start_line__", 0))
    if not first or not _declared_in(tf, body):
        return value
    key = (tf.path, first)
    if key not in library.literals:
        library.literals[key] = block_literals(tf.lines, first, int(body.get("__end_line__", first)), 1)
    return mark(value, library.literals[key].get(name), tf.path)


def in_file(library: ModuleLibrary, tf: TfFile | None, name: str, value: Any) -> Any:
    """``value`` of the top-level attribute ``name`` of a variable file (``.tfvars``) with its literals placed.
    Terragrunt's inputs and --var values are not placed: they are not written at a file's top level."""
    if tf is None or not value or isinstance(value, (bool, int, float)) or not tf.path.endswith(".tfvars"):
        return value
    key = (tf.path, 0)
    if key not in library.literals:
        library.literals[key] = block_literals(tf.lines, 1, len(tf.lines), 0)
    return mark(value, library.literals[key].get(name), tf.path)
