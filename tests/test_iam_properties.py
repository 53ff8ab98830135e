"""Property tests of the evaluator against simple reference definitions."""

from __future__ import annotations

import fnmatch
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from infra_policy_linter.iam.evaluate import Outcome, evaluate
from infra_policy_linter.iam.match import match
from infra_policy_linter.model.entities import Policy, Statement

ALPHABET = "ab:/-*?"
text = st.text(alphabet="ab:/-", min_size=0, max_size=8)
pattern = st.text(alphabet=ALPHABET, min_size=0, max_size=8)
ACTIONS = ["sqs:SendMessage", "sns:Publish", "lambda:InvokeFunction", "events:PutEvents", "s3:PutObject"]


def reference(p: str, s: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in p)
    return re.fullmatch(regex, s, re.DOTALL) is not None


@given(pattern, text)
def test_glob_agrees_with_reference(p: str, s: str) -> None:
    assert match(p, s) is reference(p, s)


@given(st.sampled_from(ACTIONS), st.sampled_from(["lower", "upper", "swapcase"]))
def test_action_match_is_case_insensitive(action: str, how: str) -> None:
    variant = getattr(action, how)()
    assert match(variant, action, fold_case=True) is True
    assert match(action.split(":")[0] + ":*", action, fold_case=True) is True


@given(pattern, text)
def test_resource_match_is_case_sensitive(p: str, s: str) -> None:
    upper = s.replace("a", "A")
    if upper != s and "?" not in p and "*" not in p:
        assert not (match(p, s) and match(p, upper))


statement = st.builds(
    Statement,
    effect=st.sampled_from(["Allow", "Deny"]),
    actions=st.lists(st.sampled_from(ACTIONS + ["*", "sqs:*", "sns:Pub*", "s3:Put?bject"]), min_size=1, max_size=3),
    resources=st.lists(pattern, min_size=1, max_size=2),
)


@settings(max_examples=200)
@given(st.lists(statement, max_size=5), st.sampled_from(ACTIONS), text)
def test_explicit_deny_always_wins(statements: list[Statement], action: str, resource: str) -> None:
    deny = Statement(effect="Deny", actions=[action], resources=["*"])
    decision = evaluate([Policy("p", statements + [deny])], action, resource)
    assert decision.outcome is Outcome.DENIED


@settings(max_examples=200)
@given(st.lists(statement, max_size=5), st.sampled_from(ACTIONS), text)
def test_outcome_agrees_with_reference_semantics(statements: list[Statement], action: str, resource: str) -> None:
    def applies(s: Statement) -> bool:
        return any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in s.actions or []) and any(
            reference(r, resource) for r in s.resources or []
        )

    denied = any(s.effect == "Deny" and applies(s) for s in statements)
    allowed = any(s.effect == "Allow" and applies(s) for s in statements)
    outcome = evaluate([Policy("p", statements)], action, resource).outcome
    if denied:
        assert outcome is Outcome.DENIED
    elif allowed:
        assert outcome is Outcome.GRANTED
    else:
        assert outcome in (Outcome.MISSING, Outcome.WRONG_RESOURCE)
