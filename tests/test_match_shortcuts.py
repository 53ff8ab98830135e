"""The quick answers of iam/match.py (known ends that disagree, a lone run, an atom nothing can meet) never change
what the full search answers: each is checked against the search alone on partly unknown values."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from infra_policy_linter.iam import match as m
from infra_policy_linter.model.values import Text, Unknown, account, make_text, region

# Literal pieces that share prefixes and suffixes, wildcards, ARN fields, opaque unknowns and generated names.
LITERALS = ["", "a", "b", "ab", ":", "/", "arn:aws:iam::", ":role/", "role/a", "A"]
UNKNOWNS = [region(), account(), Unknown("var.name"), Unknown("q.name", atom=True), Unknown("r.name", atom=True)]
PATTERN_PIECES = ["*", "a*", "*b", "?", "a?b", "arn:aws:iam::*:role/*"]


def values(pieces: list[Any]) -> st.SearchStrategy[Any]:
    return st.lists(st.sampled_from(pieces), max_size=6).map(make_text)


subjects = values(LITERALS + UNKNOWNS)
patterns = values(LITERALS + UNKNOWNS + PATTERN_PIECES)


def _as_text(value: Any) -> Any:
    return Text((value,)) if isinstance(value, Unknown) else value


def searched_same(a: Any, b: Any) -> m.Tri:
    """``same`` with no quick answer: token by token, then the search."""
    a, b = _as_text(a), _as_text(b)
    at, bt = m._tokens(a, False, False), m._tokens(b, False, False)
    if at == bt:
        return True
    at, bt = m._strip_common_ends(at, bt)
    if m._literal_ends_differ(at, bt):
        return False
    return None if m._paths_meet(at, bt) else False


def searched_match(pattern: Any, subject: Any, fold_case: bool) -> m.Tri:
    """``match`` with no quick answer (both plain strings aside, which a regular expression decides)."""
    pattern, subject = _as_text(pattern), _as_text(subject)
    pt, st_ = m._tokens(pattern, True, fold_case), m._tokens(subject, False, fold_case)
    pt, st_ = m._strip_common_ends(pt, st_)
    if m._literal_ends_differ(pt, st_):
        return False
    if m._certain(pt, st_):
        return True
    return None if m._paths_meet(pt, st_) else False


@settings(max_examples=300)
@given(subjects, subjects)
def test_same_answers_as_the_search(a: Any, b: Any) -> None:
    assert m.same(a, b) is searched_same(a, b)


@settings(max_examples=300)
@given(patterns, subjects, st.booleans())
def test_match_answers_as_the_search(pattern: Any, subject: Any, fold_case: bool) -> None:
    if isinstance(pattern, str) and isinstance(subject, str):
        return  # decided by a regular expression, which test_iam_properties checks against its own reference
    assert m.match(pattern, subject, fold_case) is searched_match(pattern, subject, fold_case)


@settings(max_examples=300)
@given(patterns, subjects)
def test_possible_answers_as_the_search(pattern: Any, subject: Any) -> None:
    pt, st_ = m._tokens(_as_text(pattern), True, False), m._tokens(_as_text(subject), False, False)
    assert m._possible(pt, st_) is m._paths_meet(pt, st_)


def test_the_quick_answers_are_taken() -> None:
    """Each shortcut is reached by the case it is for (so the tests above compare something)."""
    role = Text(("arn:aws:iam::", account(), ":role/a"))
    other = Text(("arn:aws:iam::", account(), ":role/b"))
    assert m._edges_differ(m._known_edges(role, False, False), m._known_edges(other, False, False))
    assert m.same(role, other) is False
    assert m._takes_anything([Unknown("var.name")]) and not m._takes_anything([account()])
    assert m._certainly_matches("*", role) and m._certainly_matches(role, Text(role.parts))
    assert not m._certainly_matches(Text(("arn:aws:iam::", account(), ":role/*")), role)
    generated = [Unknown("q.name", atom=True)]
    assert m._lone_atom(generated, list("orders")) and not m._lone_atom(generated, [m.STAR])
