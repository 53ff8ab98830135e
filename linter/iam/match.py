"""Three-valued matching of IAM patterns (``*``, ``?``) against values that may be partly unknown.

``match`` answers True (matches whatever the unknowns turn out to be), False (cannot match, whatever they are)
or None (depends on what the unknowns are). A ``*`` in a pattern covers any unknown.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache
from typing import Any

from infra_policy_linter.model.values import ACCOUNT, REGION, Text, Unknown

Tri = bool | None

_WILDCARD = re.compile(r"[*?]")

# Tokens: a one-character str is a literal, STAR/ANY are the wildcards, an Unknown is a named unknown piece.
STAR = object()
ANY = object()


def tri_or(a: Tri, b: Tri) -> Tri:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def tri_and(a: Tri, b: Tri) -> Tri:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def tri_not(a: Tri) -> Tri:
    return None if a is None else not a


@lru_cache(maxsize=8192)
def _glob_regex(pattern: str, fold_case: bool) -> re.Pattern[str]:
    out = []
    for ch in pattern:
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.DOTALL | (re.IGNORECASE if fold_case else 0))


def _clash(p: Any, s: Any) -> bool | None:
    """True: these two tokens can never match; False: they match; None: cannot tell token by token."""
    if isinstance(p, str) and isinstance(s, str):
        return p != s
    if isinstance(p, Unknown) and isinstance(s, Unknown) and p.atom and s.atom:
        return p.name != s.name  # two generated names are different names
    return None


def _literal_ends_differ(pattern: list[Any], subject: list[Any]) -> bool:
    """Quick rejection: where both sides start (or end) with plain characters or generated names, they must agree."""
    for p, s in zip(pattern, subject, strict=False):
        clash = _clash(p, s)
        if clash is None:
            break
        if clash:
            return True
    for p, s in zip(reversed(pattern), reversed(subject), strict=False):
        clash = _clash(p, s)
        if clash is None:
            break
        if clash:
            return True
    return False


def _tokens_of(value: Any, wildcards: bool, fold_case: bool) -> tuple[Any, ...]:
    """The tokens of a value, kept per process. An Unknown equals another of the same name whatever its other
    fields (atom, present...), but the tokens hold the Unknown itself and matching reads those fields: so the key
    holds every field, or a unit could be judged with another unit's unknown depending on the order units ran."""
    parts = value.parts if isinstance(value, Text) else (value,)
    fields = tuple(_all_fields(p) for p in parts if isinstance(p, Unknown))
    return _tokens_cached(value, fields, wildcards, fold_case)


def _all_fields(unknown: Unknown) -> tuple[Any, ...]:
    return tuple(getattr(unknown, name) for name in _UNKNOWN_FIELDS)


_UNKNOWN_FIELDS = tuple(f.name for f in dataclasses.fields(Unknown))


@lru_cache(maxsize=16384)
def _tokens_cached(value: Any, fields: tuple[Any, ...], wildcards: bool, fold_case: bool) -> tuple[Any, ...]:
    return tuple(_tokens(value, wildcards, fold_case))


def _tokens(value: Any, wildcards: bool, fold_case: bool) -> list[Any]:
    parts = value.parts if isinstance(value, Text) else (value,)
    tokens: list[Any] = []
    for part in parts:
        if isinstance(part, Unknown):
            tokens.append(part)
            continue
        text = part.lower() if fold_case else part
        for ch in text:
            if wildcards and ch == "*":
                tokens.append(STAR)
            elif wildcards and ch == "?":
                tokens.append(ANY)
            else:
                tokens.append(ch)
    return tokens


def _strip_common_ends(pattern: list[Any], subject: list[Any]) -> tuple[list[Any], list[Any]]:
    """Drop the tokens both sides start (and end) with: the same character, or the same named unknown.

    A named unknown is one value wherever it appears (``var.env`` is the same string in the policy and in the
    destination), so ``${var.env}-sqs`` and ``${var.env}-dead-sqs`` differ exactly where ``-sqs`` and
    ``-dead-sqs`` do. Only identical, non-wildcard tokens are dropped, and only at the two ends, where both
    sides are aligned.
    """

    def same_token(p: Any, s: Any) -> bool:
        if isinstance(p, Unknown) and isinstance(s, Unknown):
            return p.name == s.name
        return isinstance(p, str) and isinstance(s, str) and p == s

    start = 0
    while start < len(pattern) and start < len(subject) and same_token(pattern[start], subject[start]):
        start += 1
    end = 0
    while (
        end < len(pattern) - start
        and end < len(subject) - start
        and same_token(pattern[len(pattern) - 1 - end], subject[len(subject) - 1 - end])
    ):
        end += 1
    return pattern[start : len(pattern) - end], subject[start : len(subject) - end]


def _certain(pattern: list[Any], subject: list[Any]) -> bool:
    """Does the pattern match for every value the subject's unknowns could take?

    An unknown in the subject is an opaque run of characters: only ``*`` or the same named unknown covers it.
    """
    reachable = {0}
    for token in subject:
        reachable = _closure(pattern, reachable)
        nxt = set()
        for i in reachable:
            if i >= len(pattern):
                continue
            p = pattern[i]
            if p is STAR:
                nxt.add(i)
            elif isinstance(token, Unknown):
                if isinstance(p, Unknown) and p.name == token.name:
                    nxt.add(i + 1)
            elif p is ANY or p == token:
                nxt.add(i + 1)
        reachable = nxt
        if not reachable:
            return False
    return len(pattern) in _closure(pattern, reachable)


def _closure(pattern: list[Any], states: set[int]) -> set[int]:
    out = set(states)
    for i in sorted(states):
        j = i
        while j < len(pattern) and pattern[j] is STAR:
            j += 1
            out.add(j)
    return out


def _is_run(t: Any) -> bool:
    """A ``*`` or an opaque unknown: any run of characters."""
    return t is STAR or (isinstance(t, Unknown) and not t.atom)


def _absorbs(run: Any, t: Any) -> bool:
    # A region or an account id is one ARN field: it never holds the ":" that separates fields.
    return not (t == ":" and isinstance(run, Unknown) and run.name in (REGION, ACCOUNT))


def _compatible(p: Any, s: Any) -> bool:
    """Two single tokens (neither a run) that can be the same character or the same atom."""
    if isinstance(p, Unknown) or isinstance(s, Unknown):
        return isinstance(p, Unknown) and isinstance(s, Unknown) and p.name == s.name
    return p is ANY or s is ANY or p == s


def _moves(p: Any, s: Any, i: int, j: int) -> list[tuple[int, int]]:
    """From position (i, j) with tokens p and s (None past the end), where the two languages can go next."""
    moves = []
    if p is not None and _is_run(p):
        moves.append((i + 1, j))  # the run ends
        if s is not None and not _is_run(s) and _absorbs(p, s):
            moves.append((i, j + 1))  # the run takes one more subject token
    if s is not None and _is_run(s):
        moves.append((i, j + 1))
        if p is not None and not _is_run(p) and _absorbs(s, p):
            moves.append((i + 1, j))
    if p is not None and s is not None and not _is_run(p) and not _is_run(s) and _compatible(p, s):
        moves.append((i + 1, j + 1))
    return moves


def _possible(pattern: list[Any], subject: list[Any]) -> bool:
    """Could the pattern match for some value of the unknowns (on either side)?

    Both sides are then regular languages over characters: a literal, ANY (one character), a run of any
    characters (a ``*`` or an opaque unknown), or an atom (a generated name: one opaque, unique token). The
    answer is whether their intersection is non-empty.
    """
    if _takes_anything(pattern) or _takes_anything(subject):
        return True
    if _lone_atom(pattern, subject) or _lone_atom(subject, pattern):
        return False
    return _paths_meet(pattern, subject)


def _takes_anything(tokens: list[Any]) -> bool:
    """One run that may hold any text (``*``, an opaque unknown that is not one ARN field): it meets every value."""
    if len(tokens) != 1 or not _is_run(tokens[0]):
        return False
    return not (isinstance(tokens[0], Unknown) and tokens[0].name in (REGION, ACCOUNT))


def _lone_atom(one: list[Any], other: list[Any]) -> bool:
    """Does ``one`` hold an atom that ``other`` cannot meet? Only a run or the same atom takes an atom."""
    atoms = {t.name for t in one if isinstance(t, Unknown) and t.atom}
    if not atoms or any(_is_run(t) for t in other):
        return False
    return not atoms <= {t.name for t in other if isinstance(t, Unknown) and t.atom}


def _paths_meet(pattern: list[Any], subject: list[Any]) -> bool:
    """The search itself: positions (i, j) both languages can reach together, from the start to both ends."""
    n, m = len(pattern), len(subject)
    seen = {(0, 0)}
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if i == n and j == m:
            return True
        p = pattern[i] if i < n else None
        s = subject[j] if j < m else None
        for mv in _moves(p, s, i, j):
            if mv not in seen:
                seen.add(mv)
                stack.append(mv)
    return False


def match(pattern: Any, subject: Any, fold_case: bool = False) -> Tri:
    """Match an IAM pattern (with ``*`` and ``?``) against a subject; both may hold unknown pieces."""
    if isinstance(pattern, str) and isinstance(subject, str):
        return _glob_regex(pattern, fold_case).fullmatch(subject) is not None
    if isinstance(pattern, Unknown):
        pattern = Text((pattern,))
    if isinstance(subject, Unknown):
        subject = Text((subject,))
    if not isinstance(pattern, (str, Text)) or not isinstance(subject, (str, Text)):
        return False
    if _certainly_matches(pattern, subject):
        return True  # a statement about the very queue that is asked for, or about "*"
    if _edges_differ(_known_edges(pattern, True, fold_case), _known_edges(subject, False, fold_case)):
        return False  # a queue's ARN against a statement about another queue: no search needed
    ptoks = list(_tokens_of(pattern, True, fold_case))
    stoks = list(_tokens_of(subject, False, fold_case))
    ptoks, stoks = _strip_common_ends(ptoks, stoks)
    if _literal_ends_differ(ptoks, stoks):
        return False
    if _certain(ptoks, stoks):
        return True
    if _possible(ptoks, stoks):
        return None
    return False


def same(a: Any, b: Any) -> Tri:
    """Are two values (no wildcards) equal: True, False, or None when it depends on unknowns."""
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, Unknown):
        a = Text((a,))
    if isinstance(b, Unknown):
        b = Text((b,))
    if not isinstance(a, (str, Text)) or not isinstance(b, (str, Text)):
        return bool(a == b)
    if identity(a) == identity(b):
        return True
    if _edges_differ(_known_edges(a, False, False), _known_edges(b, False, False)):
        return False  # two roles' ARNs, say: no search needed
    at = list(_tokens_of(a, False, False))
    bt = list(_tokens_of(b, False, False))
    at, bt = _strip_common_ends(at, bt)
    if _literal_ends_differ(at, bt):
        return False
    return None if _possible(at, bt) else False


Identity = tuple[str | Unknown, ...]


def identity(value: Any) -> Identity | None:
    """What ``same`` compares a string by: for two strings that may be partly unknown (str, Text, Unknown),
    ``same(a, b) is True`` exactly when their identities are equal, so an index keyed by identity finds every value
    certainly equal to another. Literal runs are joined and empty ones dropped; None for any other value."""
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, Unknown):
        return (value,)
    if not isinstance(value, Text):
        return None
    out: list[str | Unknown] = []
    for part in value.parts:
        if isinstance(part, Unknown):
            out.append(part)
        elif part and out and isinstance(out[-1], str):
            out[-1] += part
        elif part:
            out.append(part)
    return tuple(out)


def _certainly_matches(pattern: str | Text, subject: str | Text) -> bool:
    """A pattern of stars only, or the subject itself written without wildcards (what the search would find)."""
    parts = pattern.parts if isinstance(pattern, Text) else (pattern,)
    literal = [p for p in parts if isinstance(p, str)]
    if len(literal) == len(parts) and "".join(literal) and not "".join(literal).strip("*"):
        return True
    return not any(_WILDCARD.search(p) for p in literal) and identity(pattern) == identity(subject)


def _known_edges(value: str | Text, wildcards: bool, fold_case: bool) -> tuple[str, str]:
    """The literal text a value certainly starts and ends with: up to its first (from its last) unknown piece,
    or in a pattern, wildcard."""
    parts = value.parts if isinstance(value, Text) else (value,)
    first = parts[0] if parts and isinstance(parts[0], str) else ""
    last = parts[-1] if parts and isinstance(parts[-1], str) else ""
    if fold_case:
        first, last = first.lower(), last.lower()
    if wildcards:
        first = _WILDCARD.split(first, 1)[0]
        last = _WILDCARD.split(last)[-1]
    return first, last


def _edges_differ(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Do two values' known starts (or ends) disagree, so that no value of their unknowns makes them match?"""
    n = min(len(a[0]), len(b[0]))
    if a[0][:n] != b[0][:n]:
        return True
    n = min(len(a[1]), len(b[1]))
    return a[1][len(a[1]) - n :] != b[1][len(b[1]) - n :]


def has_unknown(key: Identity) -> bool:
    """Does an identity hold an unknown piece (then ``same`` may be undecided against other values)?"""
    return any(isinstance(part, Unknown) for part in key)
