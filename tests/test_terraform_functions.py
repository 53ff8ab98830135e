"""Terraform's functions and operators over resolved values, as Terraform computes them."""

from __future__ import annotations

import pytest

from infra_policy_linter.model.values import Text, Unknown
from infra_policy_linter.parsers.terraform import TfFile, parse_hcl
from infra_policy_linter.resolve.terraform.module import Scope, TerraformModule


def module(source: str, tfvars: str | None = None) -> TerraformModule:
    tf = parse_hcl("main.tf", source)
    assert isinstance(tf, TfFile)
    extra = []
    if tfvars is not None:
        parsed = parse_hcl("terraform.tfvars", tfvars)
        assert isinstance(parsed, TfFile)
        extra.append(parsed)
    return TerraformModule(".", [tf], extra)


def local(expression: str, prelude: str = "") -> object:
    return module(f"{prelude}\nlocals {{\n  x = {expression}\n}}\n").evaluator.local("x")


@pytest.mark.parametrize(
    "expression, value",
    [
        ('concat(["sqs:SendMessage"], ["sns:Publish"])', ["sqs:SendMessage", "sns:Publish"]),
        ('lookup({ a = 1 }, "b", 2)', 2),
        ('try({ a = 1 }.b, "fallback")', "fallback"),
        ('try(["x"][3], null)', None),
        ("can({ a = 1 }.b)", False),
        ("can({ a = 1 }.a)", True),
        ('coalesce(null, "", "x")', "x"),
        ('coalescelist([], ["y"])', ["y"]),
        ("merge({ a = 1 }, null, { b = 2 })", {"a": 1, "b": 2}),
        ('flatten([["a"], [["b"]], []])', ["a", "b"]),
        ('distinct(["a", "b", "a"])', ["a", "b"]),
        ('compact(["a", "", null, "b"])', ["a", "b"]),
        ('element(["a", "b"], 3)', "b"),
        ("keys({ b = 1, a = 2 })", ["a", "b"]),
        ("values({ b = 1, a = 2 })", [2, 1]),
        ('zipmap(["a", "b"], [1, null])', {"a": 1, "b": None}),
        ('contains(["a"], "a")', True),
        ('contains(["a"], "b")', False),
        ("length({ a = 1, b = 2 })", 2),
        ('format("arn:aws:sqs:%s:%s:%s", "eu-west-1", "123456789012", "q")', "arn:aws:sqs:eu-west-1:123456789012:q"),
        ('formatlist("%s-dlq", ["a", "b"])', ["a-dlq", "b-dlq"]),
        ('join(",", ["a", "b"])', "a,b"),
        ('split(",", "a,b")', ["a", "b"]),
        ('replace("a/b/c", "/[/]/", "-")', "a-b-c"),
        ('replace("a.b", ".", "-")', "a-b"),
        ('regexall("[a-z]+", "ab-cd")', ["ab", "cd"]),
        ('startswith("arn:aws", "arn:")', True),
        ('endswith("q.fifo", ".fifo")', True),
        ('lower("ABC")', "abc"),
        ('upper("abc")', "ABC"),
        ('trimprefix("arn:x", "arn:")', "x"),
        ('trimsuffix("q.fifo", ".fifo")', "q"),
        ("tostring(5)", "5"),
        ('tolist(toset(["b", "b"]))', ["b"]),
        ('tomap({ a = "b" })', {"a": "b"}),
        ('one(["x"])', "x"),
        ("one([])", None),
        ('sort(["b", "a"])', ["a", "b"]),
        ('jsondecode("{\\"a\\": [1]}")', {"a": [1]}),
        ('[for s in ["a", "b"] : upper(s) if s != "b"]', ["A"]),
        ("{ for k, v in { a = 1, b = 2 } : v => k }", {"1": "a", "2": "b"}),
        ("[{ a = 1 }, { a = 2 }][*].a", [1, 2]),
        ('{ a = { b = "c" } }.a.b', "c"),
        ("!true || false", False),
        ("-5 + 3 * 2 == 1 && 7 % 4 >= 3", True),
        ('"10" + 1', 11),
    ],
)
def test_functions_and_operators(expression: str, value: object) -> None:
    assert local(expression) == value


# length(null): terraform console says 'argument must not be null' (cloudposse/terraform-aws-lambda-function writes
# try(length(var.dead_letter_config_target_arn), 0) > 0 for its dynamic dead_letter_config)
@pytest.mark.parametrize(
    "expression", ['one(["a", "b"])', "{ a = 1 }.b", 'lookup({}, "k")', '["x"][1]', "length(null)"]
)
def test_what_terraform_rejects_is_a_failure_that_try_skips(expression: str) -> None:
    value = local(expression)
    assert isinstance(value, Unknown) and value.failed
    assert local(f'try({expression}, "ok")') == "ok"
    assert local(f"can({expression})") is False


def test_unknowns_decide_only_what_they_can() -> None:
    prelude = 'variable "x" {}\nvariable "flag" {}'
    # A required variable is never null (Terraform demands a value); a default-less unknown elsewhere may be.
    assert local("var.x != null ? 1 : 2", prelude) == 1
    assert local('lookup({}, "k", var.x) == null', prelude) is False
    assert local("length(var.x) != null ? 1 : 2", prelude) == Unknown("conditional")
    assert local("false && var.flag", prelude) is False
    assert local("true || var.flag", prelude) is True
    # Same unknown on both sides: provably different strings.
    assert local('"${var.x}-sqs" == "${var.x}-dead-sqs"', prelude) is False
    assert local('"${var.x}-sqs" == "${var.x}-sqs"', prelude) is True
    # The reason is what the user must supply, not the arithmetic around it.
    value = local("length(var.x) > 0", prelude)
    assert isinstance(value, Unknown) and value.reason == "var.x, which has no default"
    assert local('coalesce(var.x, "default")', prelude) == Unknown("coalesce()")


def test_null_default_is_null_and_other_defaults_are_assumptions() -> None:
    tf = module('variable "boundary" {\n  default = null\n}\nvariable "env" {\n  default = "prod"\n}\n')
    assert tf.evaluator.variable("boundary") is None
    assert tf.evaluator.variable("env") == Text(("prod",), frozenset({"var.env takes its default"}))


def test_a_heredoc_policy_that_interpolates_a_default_keeps_its_statements() -> None:
    from infra_policy_linter.model.entities import Unit

    tf = module("""
variable "queue" {
  default = "orders-dlq"
}

resource "aws_iam_policy" "send" {
  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:*:*:${var.queue}"}]
}
EOF
}
""")
    unit = Unit(format="terraform", name=".")
    tf.build(unit)
    (statement,) = unit.managed_policies[0].policy.statements
    assert statement.effect == "Allow" and statement.problem is None
    assert statement.resources == [Text(("arn:aws:sqs:*:*:orders-dlq",), frozenset({"var.queue takes its default"}))]


def test_policy_documents_merge_source_json_and_override_json_by_sid() -> None:
    tf = module("""
data "aws_iam_policy_document" "base" {
  statement {
    sid       = "Send"
    actions   = ["sqs:SendMessage"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "final" {
  source_json   = data.aws_iam_policy_document.base.json
  override_json = jsonencode({
    Statement = [{ Sid = "Send", Effect = "Allow", Action = "sqs:SendMessage", Resource = "arn:aws:sqs:*:*:only" }]
  })
  statement {
    actions   = ["sns:Publish"]
    resources = ["*"]
  }
}
""")
    document = tf.resource_attribute(tf.declarations.data[("aws_iam_policy_document", "final")], "json", Scope())
    assert [(s.sid, s.actions, s.resources) for s in document.statements] == [
        ("Send", ["sqs:SendMessage"], ["arn:aws:sqs:*:*:only"]),
        (None, ["sns:Publish"], ["*"]),
    ]


@pytest.mark.parametrize(
    "template, value",
    [
        # A quoted string inside a directive inside a quoted string: valid HCL that python-hcl2 7.x's grammar rejects.
        ('"p%{ for s in ["a", "b"] }${s}%{ endfor }"', "pab"),
        ('"orders%{ if "" != "" }-x%{ endif }"', "orders"),
        ('"%{ for q in [1, 2] }${q},%{ endfor }"', "1,2,"),
        ('"%{ for i, q in [5, 6] ~}\\n  ${i}=${q}\\n%{~ endfor }"', "0=51=6"),
        ('"%{ if true }yes%{ else }no%{ endif }"', "yes"),
        ('"%{ if length([]) > 0 }x%{ endif }rest"', "rest"),
        ('"%%{ not a directive }"', "%{ not a directive }"),
    ],
)
def test_template_directives_are_rendered(template: str, value: str) -> None:
    assert local(template) == value


def test_a_templatefile_policy_with_directives_is_read() -> None:
    from infra_policy_linter.model.entities import Unit
    from infra_policy_linter.resolve.terraform.module import ModuleLibrary

    tf = parse_hcl(
        "main.tf",
        """
resource "aws_iam_policy" "send" {
  policy = templatefile("${path.module}/policy.tftpl", {
    queues = ["arn:aws:sqs:eu-west-1:1:a", "arn:aws:sqs:eu-west-1:1:b"]
  })
}
""",
    )
    library = ModuleLibrary(
        texts={
            "policy.tftpl": """{
  "Version": "2012-10-17",
  "Statement": [
%{ for i, q in queues ~}
    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "${q}"}%{ if i < length(queues) - 1 },%{ endif }
%{ endfor ~}
  ]
}
"""
        }
    )
    assert isinstance(tf, TfFile)
    unit = Unit(format="terraform", name=".")
    TerraformModule(".", [tf], [], library=library).build(unit)
    policy = unit.managed_policies[0].policy
    assert policy.unresolved is None
    assert [s.resources for s in policy.statements] == [["arn:aws:sqs:eu-west-1:1:a"], ["arn:aws:sqs:eu-west-1:1:b"]]
