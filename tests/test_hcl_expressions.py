from __future__ import annotations

import pytest

from infra_policy_linter.parsers.hcl_expressions import (
    HclExpressionError,
    parse_expression,
    parse_template,
    parse_value,
)


def test_reference_with_index() -> None:
    assert parse_template("${aws_iam_role.r[0].id}") == (
        "ref",
        "aws_iam_role",
        [("attr", "r"), ("index", ("lit", 0)), ("attr", "id")],
    )


def test_interpolated_string() -> None:
    node = parse_template("arn:aws:sqs:${var.region}:${data.aws_caller_identity.c.account_id}:q")
    assert node[0] == "tmpl"
    assert node[1][0] == "arn:aws:sqs:"
    assert node[1][1] == ("ref", "var", [("attr", "region")])
    assert node[1][-1] == ":q"


def test_jsonencode_as_python_hcl2_7_renders_it() -> None:
    raw = (
        '${jsonencode({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Resource": "${aws_sqs_queue.q.arn}"}]})}'
    )
    node = parse_template(raw)
    assert node[0] == "call" and node[1] == "jsonencode"
    obj = node[2][0]
    assert obj[0] == "object"
    statement = obj[1][1][1][1][0]
    assert statement[1][1] == (("lit", "Resource"), ("ref", "aws_sqs_queue", [("attr", "q"), ("attr", "arn")]))


def test_object_with_equals_and_bare_keys() -> None:
    node = parse_expression('{ Effect = "Allow", Action = ["sqs:SendMessage"] }')
    assert node == (
        "object",
        [(("lit", "Effect"), ("lit", "Allow")), (("lit", "Action"), ("tuple", [("lit", "sqs:SendMessage")]))],
    )


def test_conditional_operators_and_for() -> None:
    assert parse_expression('var.x == "a" ? 1 : -2')[0] == "cond"
    assert parse_expression("[for s in var.list : upper(s)]") == (
        "for",
        ["s"],
        ("ref", "var", [("attr", "list")]),
        None,
        ("call", "upper", [("ref", "s", [])], False),
        None,
        False,
        "[",
    )
    node = parse_expression("{for k, v in var.m : k => v.arn... if v.enabled}")
    assert node[0] == "for" and node[1] == ["k", "v"] and node[6] is True
    assert node[5] == ("ref", "v", [("attr", "enabled")])
    assert parse_expression("!var.enabled") == ("op", "!", None, ("ref", "var", [("attr", "enabled")]))


def test_splat_and_provider_function() -> None:
    assert parse_expression("aws_sqs_queue.q[*].arn") == (
        "ref",
        "aws_sqs_queue",
        [("attr", "q"), ("splat",), ("attr", "arn")],
    )
    assert parse_expression("provider::aws::arn_parse(var.a)")[1] == "provider::aws::arn_parse"


def test_escapes_and_literal_dollar() -> None:
    assert parse_template("$${not_interpolated}") == ("lit", "${not_interpolated}")
    assert parse_expression('"a\\"b"') == ("lit", 'a"b')


def test_values_from_hcl2() -> None:
    assert parse_value(["${var.a}", 1]) == ("tuple", [("ref", "var", [("attr", "a")]), ("lit", 1)])
    assert parse_value({"k": True, "__start_line__": 3}) == ("object", [(("lit", "k"), ("lit", True))])


def test_errors_are_reported_not_raised_as_other_exceptions() -> None:
    with pytest.raises(HclExpressionError):
        parse_expression("{ a = ")
    with pytest.raises(HclExpressionError):
        parse_expression("(" * 1000 + "1" + ")" * 1000)
