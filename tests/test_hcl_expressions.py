from __future__ import annotations

import pytest

from infra_policy_linter.parsers.hcl_expressions import (
    HclExpressionError,
    parse_expression,
    parse_template,
    parse_value,
)
from infra_policy_linter.parsers.hcl_nodes import (
    Attr,
    Call,
    Conditional,
    ForExpr,
    Index,
    Lit,
    ObjectExpr,
    Operation,
    Ref,
    Splat,
    Template,
    TemplateFor,
    TemplateIf,
    TupleExpr,
)


def test_reference_with_index() -> None:
    assert parse_template("${aws_iam_role.r[0].id}") == Ref("aws_iam_role", (Attr("r"), Index(Lit(0)), Attr("id")))


def test_interpolated_string() -> None:
    node = parse_template("arn:aws:sqs:${var.region}:${data.aws_caller_identity.c.account_id}:q")
    assert isinstance(node, Template)
    assert node.parts[0] == "arn:aws:sqs:"
    assert node.parts[1] == Ref("var", (Attr("region"),))
    assert node.parts[-1] == ":q"


def test_jsonencode_as_python_hcl2_7_renders_it() -> None:
    raw = (
        '${jsonencode({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Resource": "${aws_sqs_queue.q.arn}"}]})}'
    )
    node = parse_template(raw)
    assert isinstance(node, Call) and node.name == "jsonencode"
    obj = node.args[0]
    assert isinstance(obj, ObjectExpr)
    statements = obj.items[1][1]
    assert isinstance(statements, TupleExpr) and isinstance(statements.items[0], ObjectExpr)
    assert statements.items[0].items[1] == (Lit("Resource"), Ref("aws_sqs_queue", (Attr("q"), Attr("arn"))))


def test_object_with_equals_and_bare_keys() -> None:
    node = parse_expression('{ Effect = "Allow", Action = ["sqs:SendMessage"] }')
    assert node == ObjectExpr(
        ((Lit("Effect"), Lit("Allow")), (Lit("Action"), TupleExpr((Lit("sqs:SendMessage"),)))),
    )


def test_conditional_operators_and_for() -> None:
    assert isinstance(parse_expression('var.x == "a" ? 1 : -2'), Conditional)
    assert parse_expression("[for s in var.list : upper(s)]") == ForExpr(
        ("s",),
        Ref("var", (Attr("list"),)),
        None,
        Call("upper", (Ref("s", ()),), False),
        None,
        False,
        "[",
    )
    node = parse_expression("{for k, v in var.m : k => v.arn... if v.enabled}")
    assert isinstance(node, ForExpr) and node.names == ("k", "v") and node.grouping is True
    assert node.condition == Ref("v", (Attr("enabled"),))
    assert parse_expression("!var.enabled") == Operation("!", None, Ref("var", (Attr("enabled"),)))


def test_splat_and_provider_function() -> None:
    assert parse_expression("aws_sqs_queue.q[*].arn") == Ref("aws_sqs_queue", (Attr("q"), Splat(), Attr("arn")))
    call = parse_expression("provider::aws::arn_parse(var.a)")
    assert isinstance(call, Call) and call.name == "provider::aws::arn_parse"


def test_template_directives_nest_their_bodies() -> None:
    node = parse_template("a%{ if var.x }b%{ else }c%{ endif }%{ for s in var.l ~} ${s} %{~ endfor }")
    assert node == Template(
        (
            "a",
            TemplateIf(Ref("var", (Attr("x"),)), ("b",), ("c",)),
            TemplateFor(("s",), Ref("var", (Attr("l"),)), ("", Ref("s", ()), "")),
        )
    )


def test_escapes_and_literal_dollar() -> None:
    assert parse_template("$${not_interpolated}") == Lit("${not_interpolated}")
    assert parse_expression('"a\\"b"') == Lit('a"b')


def test_values_from_hcl2() -> None:
    assert parse_value(["${var.a}", 1]) == TupleExpr((Ref("var", (Attr("a"),)), Lit(1)))
    assert parse_value({"k": True, "__start_line__": 3}) == ObjectExpr(((Lit("k"), Lit(True)),))


def test_errors_are_reported_not_raised_as_other_exceptions() -> None:
    with pytest.raises(HclExpressionError):
        parse_expression("{ a = ")
    with pytest.raises(HclExpressionError):
        parse_expression("(" * 1000 + "1" + ")" * 1000)
