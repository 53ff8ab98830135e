"""The reference indexes answer joins exactly as a scan of every entry does, reading only the entries that may match."""

from __future__ import annotations

from itertools import product

from infra_policy_linter.iam.match import identity, same
from infra_policy_linter.model.entities import Function, ManagedAttachment, Role, Unit
from infra_policy_linter.model.located import Location
from infra_policy_linter.model.values import Text, Unknown
from infra_policy_linter.verdicts.link import Keyed, ReferenceIndex, find_role, role_grants

REGION = Unknown("region")
NAME = Unknown("aws_iam_role.r.name", atom=True)
VALUES = [
    "",
    "worker",
    "arn:aws:iam::1:role/worker",
    Text(("worker",), frozenset({"var.x takes its default"})),
    Text(("wor", "ker")),
    Text(("arn:aws:sqs:", REGION, ":1:q")),
    Text(("arn:aws:sqs:", Unknown("region", "another reason"), ":1:q")),
    Text(("arn:aws:sqs:", REGION, ":1:other")),
    REGION,
    NAME,
    Text(("", NAME, "")),
    None,
    ["worker"],
]


def test_identity_is_equal_exactly_when_same_is_certain() -> None:
    for a, b in product(VALUES, VALUES):
        if identity(a) is None or identity(b) is None:
            assert identity(a) is None or identity(b) is None
            continue
        assert (same(a, b) is True) == (identity(a) == identity(b)), (a, b)


def test_keyed_candidates_keep_every_entry_a_scan_would_not_rule_out_in_order() -> None:
    keyed = Keyed(VALUES, lambda value: value)
    for wanted in VALUES:
        scanned = [v for v in VALUES if same(v, wanted) is not False]
        kept = keyed.candidates(wanted)
        assert [v for v in kept if same(v, wanted) is not False] == scanned, wanted
        assert [VALUES.index(v) for v in kept] == sorted(VALUES.index(v) for v in kept)


def _role(address: str, name: object, arn: object) -> Role:
    return Role(address=address, name=name, arn=arn, location=Location("main.tf", 1, 1, 1, 1))


def test_roles_and_attachments_are_found_through_the_index() -> None:
    unit = Unit(format="terraform", name=".")
    unit.roles = [
        _role("aws_iam_role.a", "a", "arn:aws:iam::1:role/a"),
        _role("aws_iam_role.gen", NAME, Text(("arn:aws:iam::1:role/", NAME))),
        _role("aws_iam_role.b", "b", "arn:aws:iam::1:role/b"),
    ]
    where = Location("main.tf", 9, 1, 9, 1)
    unit.managed_attachments = [
        ManagedAttachment(role="b", policy_arn="arn:aws:iam::aws:policy/nothing", location=where, address="x"),
        ManagedAttachment(role=Unknown("var.role"), policy_arn="arn:p", location=where, address="y"),
    ]
    index = ReferenceIndex(unit)
    fn = Function(address="f", name="f", arn="arn:f", role="arn:aws:iam::1:role/b", location=where)
    assert find_role(unit, fn, index)[0] is unit.roles[2]
    assert [a.address for a in index.managed_roles.candidates("b", "arn:aws:iam::1:role/b")] == ["x", "y"]
    assert [a.address for a in index.managed_roles.candidates("a", "arn:aws:iam::1:role/a")] == ["y"]
    memo: dict[str, object] = {}
    assert role_grants(unit, unit.roles[2], memo) is role_grants(unit, unit.roles[2], memo)
    assert role_grants(unit, unit.roles[0], memo).unresolved == role_grants(unit, unit.roles[0]).unresolved
