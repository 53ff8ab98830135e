from __future__ import annotations

import pytest

from infra_policy_linter.iam.match import match, same
from infra_policy_linter.model.values import Text, Unknown, account, generated_name, region

R, A = region(), account()
QUEUE = Text(("arn:aws:sqs:", R, ":", A, ":orders"))


@pytest.mark.parametrize(
    "pattern, subject, fold, want",
    [
        ("*", "anything", False, True),
        ("sqs:Send*", "sqs:SendMessage", True, True),
        ("SQS:SENDMESSAGE", "sqs:SendMessage", True, True),
        ("SQS:SENDMESSAGE", "sqs:SendMessage", False, False),
        ("sqs:SendMess?ge", "sqs:SendMessage", True, True),
        ("sqs:SendMess?ge", "sqs:SendMesage", True, False),
        ("sqs:Send", "sqs:SendMessage", True, False),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b", False, True),
        ("arn:aws:s3:::bucket", "arn:aws:s3:::bucket/a", False, False),
        ("arn:aws:sqs:*:*:Orders", "arn:aws:sqs:eu-west-1:1:orders", False, False),  # resources are case-sensitive
    ],
)
def test_literal_matching(pattern: str, subject: str, fold: bool, want: bool) -> None:
    assert match(pattern, subject, fold) is want


def test_star_covers_unknown_pieces() -> None:
    assert match("*", QUEUE) is True
    assert match("arn:aws:sqs:*:*:orders", QUEUE) is True
    assert match("arn:aws:sqs:*", Unknown("var.x")) is None
    assert match("*", Unknown("var.x")) is True


def test_same_unknowns_match_each_other() -> None:
    assert match(Text(("arn:aws:sqs:", R, ":", A, ":ord*")), QUEUE) is True


def test_region_and_account_are_single_arn_fields() -> None:
    # Neither can hold a ":", so a resource part that differs decides, whatever the region and account are.
    assert match("arn:aws:sqs:*:*:legacy-*", QUEUE) is False
    assert match(Text(("arn:aws:sqs:", R, ":", A, ":legacy-*")), QUEUE) is False
    assert match("arn:aws:events:*:*:event-bus/legacy-*", Text(("arn:aws:events:", R, ":", A, ":event-bus/o"))) is False
    assert match("arn:aws:sqs:*:*:ord*", QUEUE) is True
    assert match("arn:aws:sqs:*:*:*:orders", QUEUE) is False  # one field too many
    assert match("arn:aws:sqs:*:legacy", Unknown("var.queue_arn")) is None  # a whole unknown ARN may be anything


def test_literal_against_unknown_region_is_undecided() -> None:
    assert match("arn:aws:sqs:eu-west-1:123456789012:orders", QUEUE) is None


def test_literal_tail_mismatch_is_false_despite_unknowns() -> None:
    assert match(Text(("arn:aws:sqs:", R, ":", A, ":billing")), QUEUE) is False


def test_question_mark_does_not_cover_an_unknown_for_certain() -> None:
    assert match("arn:aws:sqs:?:*", QUEUE) is None


def test_generated_names_are_distinct_atoms() -> None:
    a = Text(("arn:aws:s3:::", generated_name("A", "CloudFormation")))
    b = Text(("arn:aws:s3:::", generated_name("B", "CloudFormation")))
    assert match(a, b) is False
    assert match(a, a) is True
    assert match("arn:aws:s3:::*", b) is True
    assert match("arn:aws:s3:::mybucket", b) is False
    assert same(a, b) is False


def test_same() -> None:
    assert same("a", "a") is True
    assert same("a", "b") is False
    assert same(QUEUE, Text(("arn:aws:sqs:", R, ":", A, ":orders"))) is True
    assert same(QUEUE, "arn:aws:sqs:eu-west-1:1:orders") is None
    assert same(QUEUE, "arn:aws:sns:eu-west-1:1:orders") is False


def test_two_unknowns_of_one_name_are_not_confused_by_the_token_cache() -> None:
    """Unknowns compare by name, but matching reads their other fields (a generated name never equals literal
    text): what one unit cached must not decide for another unit's unknown of the same name."""
    from infra_policy_linter.iam.match import match
    from infra_policy_linter.model.values import Unknown

    generated = Unknown("aws_sqs_queue.q.name", atom=True)
    plain = Unknown("aws_sqs_queue.q.name")
    assert match("orders", generated) is False  # a generated name is never the literal text
    assert match("orders", plain) is None  # an unknown name may be anything
    assert match("orders", generated) is False
