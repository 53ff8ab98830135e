"""The HCL parser: python-hcl2's grammar without lark's position tracking must give python-hcl2's own output."""

from __future__ import annotations

from pathlib import Path

import hcl2
import pytest
from lark.exceptions import LarkError

from infra_policy_linter.model.located import ParseError
from infra_policy_linter.parsers import terraform
from infra_policy_linter.parsers.hcl_expressions import ParsedExpression
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
    TupleExpr,
)
from infra_policy_linter.parsers.terraform import _has_expression
from tests.conftest import REPO

TF_FILES = sorted(p for p in (REPO / "fixtures").rglob("*.tf"))


def comparable(value: object) -> object:
    """Blocks, attribute names and literal values as python-hcl2 gives them; each expression as a placeholder.

    The linter reads expressions from the source text, where python-hcl2 rebuilds them (losing quotes inside
    tuples, writing null as None): what must agree is the structure around them. The expressions themselves
    are checked against the source in the tests below and in test_hcl_expressions.py.
    """
    if (isinstance(value, ParsedExpression) or _has_expression(value)) and (
        not isinstance(value, dict) or "__start_line__" not in value
    ):
        return "<expression>"
    if isinstance(value, list):
        return [comparable(v) for v in value]
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    return value


def loads_same_as_python_hcl2(text: str) -> None:
    assert comparable(terraform._loads(text)) == comparable(hcl2.loads(text, with_meta=True))


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: str(p.relative_to(REPO / "fixtures")))
def test_same_output_as_python_hcl2(path: Path) -> None:
    loads_same_as_python_hcl2(path.read_text())


@pytest.mark.slow
def test_shipped_parser_is_used_when_current_and_ignored_when_stale(tmp_path: Path, monkeypatch) -> None:
    found = terraform._grammar()
    assert found is not None
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    stale = tmp_path / "stale.bin"
    stale.write_bytes(b"lark 0.0 python 2.7 grammar 0\n" + b"not a parser")
    monkeypatch.setattr(terraform, "SHIPPED_GRAMMAR", stale)
    terraform._parser.cache_clear()
    try:
        text = (REPO / "fixtures/terraform/DST001/bad/main.tf").read_text()
        # and every way of getting the parser drops the line breaks HCL ignores
        breaks = "locals {\n  a = (\n    true\n    ? 1\n    : 2\n  )\n}\n"
        loads_same_as_python_hcl2(text)
        assert terraform._lark_loads(breaks)["locals"][0]["a"].node.__class__ is Conditional
        assert list((tmp_path / "cache" / "infra-policy-linter").glob("*.grammar"))  # built and kept
        terraform._parser.cache_clear()
        assert terraform._lark_loads(breaks)["locals"][0]["a"].node.__class__ is Conditional  # read from that cache
        fresh = tmp_path / "fresh.bin"
        terraform.write_shipped_grammar(fresh)
        monkeypatch.setattr(terraform, "SHIPPED_GRAMMAR", fresh)
        terraform._parser.cache_clear()
        loads_same_as_python_hcl2(text)
        assert terraform._lark_loads(breaks)["locals"][0]["a"].node.__class__ is Conditional
    finally:
        terraform._parser.cache_clear()


def test_expressions_are_read_from_the_source_not_from_python_hcl2s_rebuilt_text() -> None:
    # python-hcl2 7.x rebuilds this as 'concat([sqs:SendMessage], var.extra)': the quotes inside the tuple are lost.
    body = terraform._loads(
        'locals {\n  a = concat(["sqs:SendMessage"], var.extra) # why\n  b = { x = { y = "z" } }.x\n}\n'
    )
    a = body["locals"][0]["a"]
    assert isinstance(a, ParsedExpression)
    assert a.source == 'concat(["sqs:SendMessage"], var.extra)'
    assert a.node == Call(
        "concat",
        (TupleExpr((Lit("sqs:SendMessage"),)), Ref("var", (Attr("extra"),))),
        False,
    )
    assert body["locals"][0]["b"].source == '{ x = { y = "z" } }.x'


# Files Terraform reads (issue 14). Each case: the file, what python-hcl2 7.3.1's grammar did with it, and the
# verdict of Terraform (hclsyntax: line breaks are ignored inside parentheses, brackets, function arguments,
# ${...} and for expressions; a heredoc's closing line is compared after trimming blanks; identifiers are Unicode
# ID_Start/ID_Continue), with the value the linter must read.
NODE_TYPES = (Lit, Ref, Call, TupleExpr, ObjectExpr, Conditional, Operation, ForExpr)
TRUE, ONE, TWO = Lit(True), Lit(1), Lit(2)
VAR_X, VAR_Y = Ref("var", (Attr("x"),)), Ref("var", (Attr("y"),))
VALID = [
    # 1. a line break or a comment before `?` or a binary operator inside brackets, the left operand not itself a
    # binary operation (python-hcl2: "unexpected '?'"; terraform fmt: valid, a = 1)
    ("cond", "locals {\n  a = (\n    true\n    ? 1\n    : 2\n  )\n}\n", Conditional(TRUE, ONE, TWO)),
    (
        "cond-call",
        "locals {\n  a = (\n    f(1)\n    ? 1 : 2\n  )\n}\n",
        Conditional(Call("f", (ONE,), False), ONE, TWO),
    ),
    ("cond-paren", "locals {\n  a = (\n    (true)\n    ? 1 : 2\n  )\n}\n", Conditional(TRUE, ONE, TWO)),
    ("cond-comment", "locals {\n  a = (\n    true # why\n    ? 1 : 2\n  )\n}\n", Conditional(TRUE, ONE, TWO)),
    (
        "or-after-not",
        "locals {\n  a = (\n    !true\n    || false\n  )\n}\n",
        Operation("||", Operation("!", None, TRUE), Lit(False)),
    ),
    (
        "and-in-args",
        "locals {\n  a = f(\n    var.x\n    && var.y,\n    2\n  )\n}\n",
        Call("f", (Operation("&&", VAR_X, VAR_Y), TWO), False),
    ),
    ("plus-in-tuple", "locals {\n  a = [\n    var.x\n    + 1\n  ]\n}\n", TupleExpr((Operation("+", VAR_X, ONE),))),
    ("index", "locals {\n  a = b[\n    var.x\n    == 1\n  ]\n}\n", Ref("b", (Index(Operation("==", VAR_X, ONE)),))),
    ("interpolation", 'locals {\n  a = "${\n    var.x\n    ? 1 : 2\n  }"\n}\n', Conditional(VAR_X, ONE, TWO)),
    (
        "attr-traversal",
        "locals {\n  a = (\n    local.b\n    .c\n  )\n}\n",
        Ref("local", (Attr("b"), Attr("c"))),
    ),
    (
        "for-cond",
        "locals {\n  a = [for x in y : x\n    if x\n    != 1]\n}\n",
        ForExpr(("x",), Ref("y", ()), None, Ref("x", ()), Operation("!=", Ref("x", ()), ONE), False, "["),
    ),
    # 2. a heredoc's closing marker followed by spaces or tabs (python-hcl2: an error at the opening line)
    ("heredoc-blanks", "locals {\n  a = <<EOF\n{}\nEOF  \n  b = <<-EOT\n    x\n    EOT\t\n}\n", "{}"),
    # 3. a for object with a line break before =>
    (
        "for-arrow",
        'locals {\n  a = { for k in ["x"] : k\n    => k }\n}\n',
        ForExpr(("k",), TupleExpr((Lit("x"),)), Ref("k", ()), Ref("k", ()), None, False, "{"),
    ),
    # 4. heredoc markers of one character or starting with _, a non-ASCII identifier
    ("heredoc-one-char", "locals {\n  a = <<E\nhello\nE\n}\n", "hello"),
    ("heredoc-underscore", "locals {\n  a = <<-_EOF\n  hello\n  _EOF\n}\n", "hello"),
    ("unicode-name", "locals {\n  a = 1\n  café = 2\n}\n", 1),
    # an object key that is a function call (python-hcl2: "unexpected '('")
    ("call-key", 'locals {\n  a = { format("%s", 1) = 2 }\n}\n', {'${format("%s", 1)}': 2}),
]


@pytest.mark.parametrize("name,text,value", VALID, ids=[c[0] for c in VALID])
def test_terraform_reads_it_so_the_linter_does(name: str, text: str, value: object) -> None:
    parsed = terraform.parse_hcl("main.tf", text)
    assert isinstance(parsed, terraform.TfFile), parsed
    got = parsed.body["locals"][0]["a"]
    if isinstance(value, NODE_TYPES):  # an expression, read from the source by the expression parser
        assert isinstance(got, ParsedExpression) and got.node == value
    else:
        assert got == value
    assert parsed.body["locals"][0]["__end_line__"] == text.count("\n")  # positions are the file's own


def test_line_breaks_still_end_arguments_and_object_elements() -> None:
    # Terraform: invalid (outside brackets a line break ends the argument; in an object it ends the element)
    at_body = terraform.parse_hcl("main.tf", "locals {\n  a = true\n  ? 1 : 2\n}\n")
    in_object = terraform.parse_hcl("main.tf", "locals {\n  a = {\n    b = true\n    ? 1 : 2\n  }\n}\n")
    assert at_body == ParseError("main.tf", 3, 3, "invalid HCL: unexpected '?'")
    assert in_object == ParseError("main.tf", 4, 5, "invalid HCL: unexpected '?'")
    # ...but an object's elements stay apart, and block bodies after a label are bodies
    ok = terraform.parse_hcl(
        "main.tf", 'resource "a" "b" {\n  x = {\n    a = 1\n    b = (2)\n  }\n  c {\n    d = 1\n  }\n}\n'
    )
    assert isinstance(ok, terraform.TfFile)
    assert ok.body["resource"][0]["a"]["b"]["x"].node == ObjectExpr(((Lit("a"), ONE), (Lit("b"), TWO)))
    assert ok.body["resource"][0]["a"]["b"]["c"] == [{"d": 1, "__start_line__": 6, "__end_line__": 8}]


def test_duplicate_argument_is_attribute_redefined_with_its_line() -> None:
    # Terraform: "Attribute redefined: The argument "a" was already set at main.tf:2,3-4", reported at line 4
    parsed = terraform.parse_hcl("main.tf", "locals {\n  a = 1\n  b = 2\n  a = 3\n}\n")
    assert parsed == ParseError(
        "main.tf", 4, 3, 'invalid HCL: Attribute redefined: the argument "a" was already set at line 2'
    )


def test_multi_line_quoted_string_is_rejected_like_terraform() -> None:
    # Terraform: "Invalid multi-line string" (0.11 syntax; python-hcl2 accepted it)
    parsed = terraform.parse_hcl("main.tf", 'locals {\n  a = "x\ny"\n}\n')
    assert parsed == ParseError(
        "main.tf",
        2,
        9,
        "invalid HCL: Invalid multi-line string: a quoted string cannot span lines (write \\n, or use a heredoc <<EOT)",
    )


def test_quoted_argument_name_is_rejected_like_terraform() -> None:
    # Terraform 0.12+: "Invalid argument name: Argument names must not be quoted" (0.11 syntax, seen in real repos)
    parsed = terraform.parse_hcl("main.tf", 'resource "a" "b" {\n  tags {\n    "Cost Center" = "x"\n  }\n}\n')
    assert parsed == ParseError(
        "main.tf",
        3,
        5,
        "invalid HCL: Invalid argument name: argument names must not be quoted (Terraform 0.11 syntax; since 0.12 "
        "a map with such keys is an argument: tags = { ... })",
    )
    # A quoted key inside an object value is valid, and so is a string at the start of a line in a list.
    assert isinstance(
        terraform.parse_hcl("main.tf", 'locals {\n  m = {\n    "Cost Center" = "x"\n  }\n}\n'), terraform.TfFile
    )


def test_unterminated_heredoc_points_at_its_opening() -> None:
    # Terraform: "Unterminated template string" at the heredoc (its marker line reads "EOF x", not "EOF")
    parsed = terraform.parse_hcl("main.tf", "locals {\n  a = 1\n  b = <<EOF\nhello\nEOF x\n}\n")
    assert parsed == ParseError(
        "main.tf", 3, 7, "invalid HCL: unterminated heredoc: no line after it holds only its closing marker EOF"
    )


@pytest.mark.parametrize("name,text,value", VALID, ids=[c[0] for c in VALID])
def test_python_hcl2_rejected_these(name: str, text: str, value: object) -> None:
    """The cases above are what the grammar adds: python-hcl2 7.3.1 itself rejects each."""
    with pytest.raises(LarkError):
        hcl2.loads(text, with_meta=True)


@pytest.mark.parametrize(
    "text",
    [
        "${(True ? 1 : 2)}",
        "${(!true || false)}",
        "${(local.b.c)}",
        "${{for k in [x] : k => k}}",
        "${(a\n  && b)}",
        "${(a\n  ? b\n  : c)}",
        "${f(\n  a\n  || b,\n  c\n)}",
        "${(local.b\n  .c)}",
        "${[for x in y : x\n  if x]}",
    ],
)
def test_expression_parser_reads_what_the_parser_now_returns(text: str) -> None:
    """The ${...} strings of the forms above (python-hcl2 drops their line breaks; a line break that would remain,
    from a heredoc or a template, is white space) parse as expressions."""
    from infra_policy_linter.parsers.hcl_expressions import parse_value

    node = parse_value(text)
    assert isinstance(node, (Conditional, Operation, Call, Ref, ForExpr, TupleExpr, ObjectExpr))
