"""Resource-based policies: whom a statement names, which resource it governs, and how it joins the role's policies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra_policy_linter.iam.evaluate import Outcome
from infra_policy_linter.iam.principals import RolePrincipal, applies_to, principals_from_value
from infra_policy_linter.iam.resource_policy import attached
from infra_policy_linter.model.entities import Policy, ResourcePolicy, Role, Statement
from infra_policy_linter.model.located import Location
from infra_policy_linter.model.values import Text, Unknown, account, region
from infra_policy_linter.resolve.resource_policy_values import queue_arn_from_url
from infra_policy_linter.verdicts.decide import decide
from infra_policy_linter.verdicts.link import RoleGrants
from tests.conftest import run_json

R, A = region(), account()
ROLE_ARN = Text(("arn:aws:iam::", A, ":role/worker"))
WORKER = RolePrincipal.of(ROLE_ARN)
LITERAL_ROLE = RolePrincipal.of("arn:aws:iam::111122223333:role/worker")
QUEUE = Text(("arn:aws:sqs:", R, ":", A, ":orders"))
ROOT = Text(("arn:aws:iam::", A, ":root"))


def stmt(effect: str = "Allow", principal: Any = None, not_principal: Any = None, **kw: Any) -> Statement:
    return Statement(
        effect=effect,
        actions=kw.pop("actions", ["sqs:SendMessage"]),
        resources=kw.pop("resources", [QUEUE]),
        principals=principals_from_value(principal),
        not_principals=principals_from_value(not_principal),
        **kw,
    )


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        ({"AWS": ROLE_ARN}, True),
        ({"AWS": [Text(("arn:aws:iam::", A, ":role/other")), ROLE_ARN]}, True),
        ("*", True),
        ({"AWS": "*"}, True),
        ({"AWS": ROOT}, False),  # the account delegates to the role's identity policies: no grant by itself
        ({"AWS": A}, False),
        ({"Service": "sqs.amazonaws.com"}, False),
        ({"Federated": "cognito-identity.amazonaws.com"}, False),
        ({"AWS": Text(("arn:aws:iam::", A, ":role/other"))}, False),
        ({"AWS": Unknown("var.reader_arn", "var.reader_arn")}, None),
        (Unknown("var.principal", "var.principal"), None),
    ],
)
def test_allow_names_the_role(principal: Any, expected: bool | None) -> None:
    assert applies_to(stmt(principal=principal), WORKER) is expected


def test_a_deny_naming_the_account_covers_the_role() -> None:
    assert applies_to(stmt("Deny", {"AWS": ROOT}), WORKER) is True
    assert applies_to(stmt("Deny", {"AWS": "111122223333"}), LITERAL_ROLE) is True
    assert applies_to(stmt("Deny", {"AWS": "444455556666"}), LITERAL_ROLE) is False
    assert applies_to(stmt("Deny", {"AWS": "arn:aws:iam::444455556666:root"}), LITERAL_ROLE) is False


def test_literal_and_unknown_accounts() -> None:
    # The same role ARN written with the account spelled out, against a role whose account is not known.
    assert applies_to(stmt(principal={"AWS": "arn:aws:iam::111122223333:role/worker"}), WORKER) is None
    assert applies_to(stmt(principal={"AWS": "arn:aws:iam::111122223333:role/worker"}), LITERAL_ROLE) is True
    assert applies_to(stmt(principal={"AWS": "arn:aws:iam::444455556666:role/worker"}), LITERAL_ROLE) is False


def test_not_principal() -> None:
    assert applies_to(stmt("Deny", not_principal={"AWS": "arn:aws:iam::444455556666:role/x"}), LITERAL_ROLE) is True
    assert applies_to(stmt("Deny", not_principal={"AWS": ROLE_ARN}), WORKER) is None  # session exclusion: undecided
    assert applies_to(stmt("Deny", not_principal={"AWS": ROOT}), WORKER) is None
    assert applies_to(stmt("Deny", not_principal="*"), WORKER) is False


def test_statement_without_principal_names_nobody() -> None:
    assert applies_to(stmt(), WORKER) is False


def test_queue_url_to_arn() -> None:
    url = Text(("https://sqs.", R, ".amazonaws.com/", A, "/orders"))
    assert queue_arn_from_url(url) == QUEUE
    assert queue_arn_from_url("https://sqs.eu-west-1.amazonaws.com/111122223333/q") == (
        "arn:aws:sqs:eu-west-1:111122223333:q"
    )
    assert queue_arn_from_url("https://eu-west-1.queue.amazonaws.com/111122223333/q") == (
        "arn:aws:sqs:eu-west-1:111122223333:q"
    )
    assert isinstance(queue_arn_from_url(Unknown("var.url", "var.url")), Unknown)


def test_bucket_policy_governs_its_objects() -> None:
    rp = ResourcePolicy("b", ["arn:aws:s3:::bucket"], Policy("b", []))
    assert attached(rp, "arn:aws:s3:::bucket") is True
    assert attached(rp, Text(("arn:aws:s3:::bucket/aws/lambda/", Unknown("key", "key")))) is True
    assert attached(rp, "arn:aws:s3:::bucket-2/x") is False
    queue = ResourcePolicy("q", [QUEUE], Policy("q", []))
    assert attached(queue, Text(("arn:aws:sqs:", R, ":", A, ":orders-dlq"))) is False


def grants(role_arn: Any, identity: list[Statement], on_queue: list[Statement], queue: Any = QUEUE) -> RoleGrants:
    role = Role("aws_iam_role.worker", "worker", role_arn, Location("main.tf", 1))
    g = RoleGrants(role, [Policy("identity", identity)], principal=RolePrincipal.of(role_arn))
    g.resource_policies = [ResourcePolicy("queue_policy", [queue], Policy("queue_policy", on_queue))]
    return g


def outcome(g: RoleGrants, resource: Any = QUEUE) -> Outcome:
    return decide(g, None, "sqs:SendMessage", resource).outcome


IDENTITY_ALLOW = Statement("Allow", actions=["sqs:SendMessage"], resources=[QUEUE])


def test_same_account_union_and_deny() -> None:
    assert outcome(grants(ROLE_ARN, [], [stmt(principal={"AWS": ROLE_ARN})])) is Outcome.GRANTED
    assert outcome(grants(ROLE_ARN, [], [stmt(principal={"AWS": ROOT})])) is Outcome.MISSING
    assert outcome(grants(ROLE_ARN, [IDENTITY_ALLOW], [stmt(principal={"AWS": ROOT})])) is Outcome.GRANTED
    assert outcome(grants(ROLE_ARN, [IDENTITY_ALLOW], [stmt("Deny", {"AWS": ROLE_ARN})])) is Outcome.DENIED
    conditional = stmt(principal={"AWS": ROLE_ARN}, condition={"StringEquals": {"aws:SourceVpce": "vpce-1"}})
    assert outcome(grants(ROLE_ARN, [], [conditional])) is Outcome.CONDITIONAL
    undecided = stmt(principal={"AWS": Unknown("var.reader", "var.reader")})
    assert outcome(grants(ROLE_ARN, [], [undecided])) is Outcome.UNKNOWN


def test_a_policy_on_another_resource_grants_nothing() -> None:
    other = Text(("arn:aws:sqs:", R, ":", A, ":billing"))
    assert outcome(grants(ROLE_ARN, [], [stmt(principal="*", resources=["*"])], queue=other)) is Outcome.MISSING


def test_cross_account_needs_both_sides() -> None:
    role = "arn:aws:iam::111122223333:role/worker"
    theirs = "arn:aws:sqs:eu-west-1:444455556666:orders"
    allow_role = stmt(principal={"AWS": role}, resources=[theirs])
    identity = [Statement("Allow", actions=["sqs:SendMessage"], resources=[theirs])]
    assert outcome(grants(role, identity, [allow_role], theirs), theirs) is Outcome.GRANTED
    assert outcome(grants(role, [], [allow_role], theirs), theirs) is Outcome.MISSING
    # The other account's policy is not in the unit: the identity grant alone cannot be confirmed.
    assert outcome(grants(role, identity, [], "arn:aws:sqs:eu-west-1:444455556666:x"), theirs) is Outcome.UNKNOWN


def test_boundary_still_caps_a_resource_grant() -> None:
    g = grants(ROLE_ARN, [], [stmt(principal={"AWS": ROLE_ARN})])
    g.role.boundary = "arn:aws:iam::aws:policy/x"
    g.boundary = Policy("boundary", [Statement("Allow", actions=["logs:*"], resources=["*"])])
    assert outcome(g) is Outcome.DENIED


def test_evidence_names_the_resource_policy_statement(in_repo: Path) -> None:
    _, report = run_json("fixtures/terraform-resource-policies/DST003/bad")
    (f,) = report["findings"]
    path = "fixtures/terraform-resource-policies/DST003/bad/main.tf"
    assert f["evidence"]["deciding"] == [
        {"name": "aws_sqs_queue_policy.failures statement 'NoWorker'", "path": path, "line": 43}
    ]
    assert {"name": "aws_sqs_queue_policy.failures", "path": path, "line": 57} in f["evidence"]["policies"]
    assert (
        f["evidence"]["summary"]
        == "a Deny in aws_sqs_queue_policy.failures statement 'NoWorker' blocks sqs:SendMessage"
    )


def test_why_says_an_account_principal_only_delegates(in_repo: Path) -> None:
    _, report = run_json("fixtures/terraform-resource-policies/DST001/bad")
    summaries = [f["evidence"]["summary"] for f in report["findings"]]
    assert summaries == [
        "no statement allows sqs:SendMessage; aws_sqs_queue_policy.failures allows the account, not the role, "
        "which leaves the grant to the role's own policies",
        "no statement allows lambda:InvokeFunction",
    ]


KEY = Text(("arn:aws:kms:", R, ":", A, ":key/", Unknown("k.key_id", "key id", atom=True)))


def key_grants(key_statements: list[Statement]) -> RoleGrants:
    g = grants(ROLE_ARN, [Statement("Allow", actions=["kms:Decrypt"], resources=[KEY])], [])
    g.resource_policies = [ResourcePolicy("key", [KEY], Policy("key policy", key_statements))]
    return g


def test_a_key_policy_that_does_not_delegate_voids_identity_grants() -> None:
    def kms(g: RoleGrants) -> Outcome:
        return decide(g, None, "kms:Decrypt", KEY).outcome

    admin = Text(("arn:aws:iam::", A, ":role/admin"))
    on_key = {"actions": ["kms:*"], "resources": ["*"]}
    assert kms(key_grants([stmt(principal={"AWS": admin}, **on_key)])) is Outcome.MISSING
    assert kms(key_grants([stmt(principal={"AWS": ROOT}, **on_key)])) is Outcome.GRANTED
    # The account written out while the role's account is unknown: it may delegate, so nothing is withheld.
    literal_root = {"AWS": "arn:aws:iam::111122223333:root"}
    assert kms(key_grants([stmt(principal=literal_root, **on_key)])) is Outcome.GRANTED
    # Delegating only other actions does not open kms:Decrypt to IAM policies.
    only_describe = {"actions": ["kms:Describe*"], "resources": ["*"]}
    assert kms(key_grants([stmt(principal={"AWS": ROOT}, **only_describe)])) is Outcome.MISSING


def test_lambda_permission_function_names() -> None:
    from infra_policy_linter.resolve.resource_policy_values import function_arn

    arn = "arn:aws:lambda:eu-west-1:111122223333:function:sink"
    assert function_arn("sink", None, "eu-west-1", "111122223333") == arn
    assert function_arn(arn, None, "x", "y") == arn
    assert function_arn("sink:live", None, "eu-west-1", "111122223333") == arn + ":live"
    assert function_arn("sink", "live", "eu-west-1", "111122223333") == arn + ":live"
    assert function_arn("111122223333:function:sink", None, "eu-west-1", A) == arn
