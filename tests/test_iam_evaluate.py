from __future__ import annotations

from typing import Any

from infra_policy_linter.iam.evaluate import Outcome, evaluate, intersect_boundary
from infra_policy_linter.model.entities import Policy, Statement
from infra_policy_linter.model.values import Text, Unknown, account, region

R, A = region(), account()
QUEUE = Text(("arn:aws:sqs:", R, ":", A, ":orders"))
OTHER = Text(("arn:aws:sqs:", R, ":", A, ":billing"))


def allow(**kw: Any) -> Statement:
    return Statement(effect="Allow", **kw)


def deny(**kw: Any) -> Statement:
    return Statement(effect="Deny", **kw)


def decide(
    *statements: Statement, resource: Any = QUEUE, action: str = "sqs:SendMessage", unresolved: list[str] | None = None
) -> Outcome:
    return evaluate([Policy("p", list(statements))], action, resource, unresolved).outcome


def test_exact_grant() -> None:
    assert decide(allow(actions=["sqs:SendMessage"], resources=[QUEUE])) is Outcome.GRANTED


def test_no_statement_is_missing() -> None:
    assert decide() is Outcome.MISSING
    assert decide(allow(actions=["sqs:ReceiveMessage"], resources=[QUEUE])) is Outcome.MISSING


def test_typo_is_missing() -> None:
    assert decide(allow(actions=["sqs:SendMesage"], resources=["*"])) is Outcome.MISSING


def test_wrong_resource() -> None:
    assert decide(allow(actions=["sqs:SendMessage"], resources=[OTHER])) is Outcome.WRONG_RESOURCE


def test_not_action_allows_everything_else() -> None:
    assert decide(allow(not_actions=["iam:*", "organizations:*"], resources=["*"])) is Outcome.GRANTED
    assert decide(allow(not_actions=["sqs:*"], resources=["*"])) is Outcome.MISSING


def test_not_resource() -> None:
    assert decide(allow(actions=["sqs:SendMessage"], not_resources=[OTHER])) is Outcome.GRANTED
    assert decide(allow(actions=["sqs:SendMessage"], not_resources=[QUEUE])) is Outcome.WRONG_RESOURCE


def test_explicit_deny_beats_allow() -> None:
    assert decide(allow(actions=["*"], resources=["*"]), deny(actions=["sqs:Send*"], resources=["*"])) is Outcome.DENIED


def test_deny_with_not_action() -> None:
    assert (
        decide(allow(actions=["sqs:*"], resources=["*"]), deny(not_actions=["sqs:ReceiveMessage"], resources=["*"]))
        is Outcome.DENIED
    )
    assert (
        decide(allow(actions=["sqs:*"], resources=["*"]), deny(not_actions=["sqs:SendMessage"], resources=["*"]))
        is Outcome.GRANTED
    )


def test_deny_on_other_resource_does_not_block() -> None:
    assert (
        decide(allow(actions=["sqs:*"], resources=["*"]), deny(actions=["sqs:SendMessage"], resources=[OTHER]))
        is Outcome.GRANTED
    )


def test_conditional_allow_is_conditional() -> None:
    cond = {"StringEquals": {"aws:SourceAccount": "123"}}
    assert decide(allow(actions=["sqs:SendMessage"], resources=[QUEUE], condition=cond)) is Outcome.CONDITIONAL


def test_unconditional_allow_wins_over_conditional_one() -> None:
    cond = {"StringEquals": {"aws:SourceAccount": "123"}}
    assert (
        decide(
            allow(actions=["sqs:SendMessage"], resources=[QUEUE], condition=cond),
            allow(actions=["sqs:SendMessage"], resources=["*"]),
        )
        is Outcome.GRANTED
    )


def test_conditional_deny_makes_it_conditional() -> None:
    cond = {"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}
    assert (
        decide(
            allow(actions=["sqs:SendMessage"], resources=["*"]),
            deny(actions=["sqs:SendMessage"], resources=["*"], condition=cond),
        )
        is Outcome.CONDITIONAL
    )


def test_secure_transport_deny_never_applies_to_lambda() -> None:
    cond = {"Bool": {"aws:SecureTransport": "false"}}
    assert (
        decide(
            allow(actions=["sqs:SendMessage"], resources=["*"]), deny(actions=["*"], resources=["*"], condition=cond)
        )
        is Outcome.GRANTED
    )


def test_unknown_resource_needs_star() -> None:
    dest = Unknown("var.queue_arn", "var.queue_arn, which has no default")
    assert decide(allow(actions=["sqs:SendMessage"], resources=["*"]), resource=dest) is Outcome.GRANTED
    assert (
        decide(allow(actions=["sqs:SendMessage"], resources=["arn:aws:sqs:*:*:orders"]), resource=dest)
        is Outcome.UNKNOWN
    )


def test_unresolved_policy_turns_missing_into_unknown_but_not_grant() -> None:
    assert decide(unresolved=["managed policy X is unknown"]) is Outcome.UNKNOWN
    assert (
        decide(allow(actions=["sqs:SendMessage"], resources=["*"]), unresolved=["managed policy X is unknown"])
        is Outcome.GRANTED
    )


def test_statement_with_unknown_effect() -> None:
    odd = Statement(effect=Unknown("effect", "var.effect"), actions=["sqs:*"], resources=["*"])
    assert decide(odd) is Outcome.UNKNOWN
    assert decide(allow(actions=["sqs:SendMessage"], resources=["*"]), odd) is Outcome.UNKNOWN


def test_boundary_intersection() -> None:
    grant = evaluate([Policy("p", [allow(actions=["sqs:*"], resources=["*"])])], "sqs:SendMessage", QUEUE)
    boundary_ok = evaluate([Policy("b", [allow(actions=["*"], resources=["*"])])], "sqs:SendMessage", QUEUE)
    boundary_no = evaluate([Policy("b", [allow(actions=["logs:*"], resources=["*"])])], "sqs:SendMessage", QUEUE)
    assert intersect_boundary(grant, boundary_ok, "b").outcome is Outcome.GRANTED
    blocked = intersect_boundary(grant, boundary_no, "b")
    assert blocked.outcome is Outcome.DENIED
    assert "permissions boundary b" in blocked.reasons[0]


def test_deciding_statements_are_named() -> None:
    d = deny(actions=["sqs:*"], resources=["*"])
    decision = evaluate([Policy("guard", [allow(actions=["*"], resources=["*"]), d])], "sqs:SendMessage", QUEUE)
    assert decision.deciding[0][1] is d
    assert decision.deciding[0][0].name == "guard"


def test_assumptions_are_reported() -> None:
    assumed = Text(("arn:aws:sqs:", R, ":", A, ":orders"), frozenset({"var.queue takes its default"}))
    decision = evaluate(
        [Policy("p", [allow(actions=["sqs:SendMessage"], resources=["*"])])], "sqs:SendMessage", assumed
    )
    assert decision.assumptions == ["var.queue takes its default"]


def test_identity_deny_under_secure_transport_true_is_certain() -> None:
    """Lambda calls over TLS: a Deny on aws:SecureTransport = true applies for certain, as in a resource policy."""
    cond = {"Bool": {"aws:SecureTransport": "true"}}
    decision = evaluate(
        [
            Policy(
                "p",
                [
                    allow(actions=["sqs:SendMessage"], resources=["*"]),
                    deny(actions=["sqs:*"], resources=["*"], condition=cond),
                ],
            )
        ],
        "sqs:SendMessage",
        QUEUE,
    )
    assert decision.outcome is Outcome.DENIED
    assert decision.deciding[0][1].effect == "Deny"


def test_boundary_that_denies_decides_over_a_conditional_or_unknown_grant() -> None:
    boundary_no = evaluate([Policy("b", [allow(actions=["logs:*"], resources=["*"])])], "sqs:SendMessage", QUEUE)
    boundary_maybe = evaluate(
        [Policy("b", [allow(actions=["sqs:*"], resources=[Unknown("var.arn", "var.arn, which has no default")])])],
        "sqs:SendMessage",
        QUEUE,
    )
    conditional = evaluate(
        [Policy("p", [allow(actions=["sqs:*"], resources=["*"], condition={"StringEquals": {"aws:SourceVpc": "v"}})])],
        "sqs:SendMessage",
        QUEUE,
    )
    unknown = evaluate(
        [Policy("p", [allow(actions=["sqs:*"], resources=[Unknown("var.x", "var.x, which has no default")])])],
        "sqs:SendMessage",
        QUEUE,
    )
    assert conditional.outcome is Outcome.CONDITIONAL and unknown.outcome is Outcome.UNKNOWN
    for identity in (conditional, unknown):
        blocked = intersect_boundary(identity, boundary_no, "b")
        assert (blocked.outcome, blocked.boundary) == (Outcome.DENIED, "b")
        # A boundary that may allow leaves the identity's own verdict.
        assert intersect_boundary(identity, boundary_maybe, "b").outcome is identity.outcome


def test_unknown_named_is_the_one_that_blocks() -> None:
    """The first unknown of the statement is in an SNS pattern that cannot match a queue: the one named is the
    unknown of the pattern whose match cannot be told."""
    topic = Text(("arn:aws:sns:", Unknown("var.topic_region", "var.topic_region, which has no default"), ":1:t"))
    queue = Unknown("var.queue_arn", "var.queue_arn, which has no default")
    decision = evaluate(
        [Policy("p", [allow(actions=["sqs:SendMessage", "sns:Publish"], resources=[topic, queue])])],
        "sqs:SendMessage",
        QUEUE,
    )
    assert decision.outcome is Outcome.UNKNOWN
    assert decision.reasons == ["var.queue_arn, which has no default in the policy"]
