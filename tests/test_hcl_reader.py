"""The direct HCL reader must give exactly what the parse by python-hcl2's grammar gives, or step aside.

Every comparison is exact (tests/hcl_compare.py): value types, key order, block lines, and each expression's source
and syntax tree. benchmarks/hcl_reader_check.py runs the same comparison over trees of real code.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.synthetic import generate
from infra_policy_linter.model.located import ParseError
from infra_policy_linter.parsers import terraform
from infra_policy_linter.parsers.hcl_expressions import ParsedExpression
from infra_policy_linter.parsers.hcl_reader import read_body
from tests.conftest import REPO
from tests.hcl_compare import first_difference

TF_FILES = sorted(p for p in (REPO / "fixtures").rglob("*.tf"))


def _same_as_grammar(text: str) -> dict:
    """The reader's body for ``text``, after checking it is the grammar's, exactly."""
    body = read_body(text + "\n")
    assert body is not None, "the reader stepped aside"
    assert first_difference(body, terraform._lark_loads(text)) is None
    return body


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: str(p.relative_to(REPO / "fixtures")))
def test_every_fixture_reads_as_the_grammar_reads_it(path: Path) -> None:
    text = path.read_text()
    if terraform._nesting_too_deep(text) is None:
        _same_as_grammar(text)


def test_a_generated_corpus_reads_as_the_grammar_reads_it(tmp_path: Path) -> None:
    generate(tmp_path / "corpus", projects=12, seed=5)
    files = sorted((tmp_path / "corpus").rglob("*.tf"))
    assert len(files) > 40
    for path in files:
        _same_as_grammar(path.read_text())


LITERALS = """
a = "x\\\\ny \\\\u00e9 100% $x $$y"
b = -12
c = 1.50
d = [true, false, null, "s", 3, [], {}]
e = { k = "v", "quoted key" : 2
  # a comment between elements
  nested = { deep = [1, 2,] } }
f = string
g = [bool, number]
"""


def test_literals_are_python_hcl2s_values() -> None:
    body = _same_as_grammar(LITERALS)
    # python-hcl2 replaces escapes one kind after another, \n first: `\\n` becomes a backslash and a line break;
    # \u sequences stay as written
    assert body["a"] == "x\\\ny \\u00e9 100% $x $$y"
    assert (body["b"], body["c"], body["f"], body["g"]) == (-12, 1.5, "string", ["bool", "number"])
    assert body["d"] == [True, False, None, "s", 3, [], {}]
    assert body["e"] == {"k": "v", "quoted key": 2, "nested": {"deep": [1, 2]}}


def test_lone_references_are_python_hcl2s_text_and_other_expressions_are_parsed() -> None:
    body = _same_as_grammar(
        'a = aws_sqs_queue.q.arn\nb = "${ var.x }"\nc = each.value["k"][0].*.id\nd = "${var.x}-suffix"\n'
        "e = [local.arn]\nf = length(var.l) - 1\ng = { for k, v in var.m :\n  k => v }\n"
        "h = (var.x)\ni = { (var.k) = var.v }\nj = {\n  a = 1\n  (var.k) = var.v\n}\n"
    )
    assert [body[k] for k in "abc"] == ["${aws_sqs_queue.q.arn}", "${var.x}", '${each.value["k"][0].*.id}']
    assert not any(isinstance(body[k], ParsedExpression) for k in "abc")
    assert [body[k].source for k in "defghij"] == [
        '"${var.x}-suffix"',
        "[local.arn]",
        "length(var.l) - 1",
        "{ for k, v in var.m :\n  k => v }",
        "(var.x)",
        "{ (var.k) = var.v }",
        "{\n  a = 1\n  (var.k) = var.v\n}",
    ]


def test_blocks_heredocs_and_comments() -> None:
    body = _same_as_grammar(
        '# top\nresource "aws_sqs_queue" "q" { name = "one-line" }\n\n'
        'data x y {\n  /* a\n  block comment */\n  policy = <<EOT\n  {"a": "${var.b}"}\n  EOT\n'
        "  trimmed = <<-EOF\n    indented\n      more\n    EOF\n  inner {\n    // c\n  }\n}\n"
    )
    assert body["resource"] == [{"aws_sqs_queue": {"q": {"name": "one-line", "__start_line__": 2, "__end_line__": 2}}}]
    block = body["data"][0]["x"]["y"]
    assert block["policy"] == '  {"a": "${var.b}"}'
    assert block["trimmed"] == "indented\n  more"
    assert (block["__start_line__"], block["__end_line__"], block["inner"][0]["__end_line__"]) == (4, 17, 16)


@pytest.mark.parametrize(
    "text",
    [
        "locals {\n  a = { (var.k) = 1 }\n}\n",  # an expression key: python-hcl2 keeps its text
        "locals {\n  a = (1)\n}\n",  # parentheses around a literal: python-hcl2's own text
        "locals {\n  a = { b = var.x, b = 1 }\n}\n",  # python-hcl2 keeps the last value: no expression left
        "locals {\n  a = { __b = var.x }\n}\n",  # python-hcl2 does not look under keys starting with __
        'locals {\n  a = "$${x}"\n}\n',  # an escaped interpolation
        "locals {\n  a = x +\n    y\n}\n",  # a line break after an operator: the grammar takes it
    ],
)
def test_shapes_it_is_unsure_of_are_left_to_the_grammar(text: str) -> None:
    assert read_body(text + "\n") is None
    assert not isinstance(terraform.parse_hcl("main.tf", text), ParseError)


def test_a_carriage_return_is_left_to_the_grammar() -> None:
    # inputs/sources.py turns CRLF into LF before anything is parsed; a CR that gets here is the grammar's to judge
    assert read_body("locals {\r\n  a = 1\r\n}\r\n\n") is None


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "locals {\n  a = 1\n  a = 2\n}\n",
            ParseError("main.tf", 3, 3, 'invalid HCL: Attribute redefined: the argument "a" was already set at line 2'),
        ),
        ("locals {\n  a = true\n  ? 1 : 2\n}\n", ParseError("main.tf", 3, 3, "invalid HCL: unexpected '?'")),
        (
            "locals {\n  a = {\n    b = true\n    ? 1 : 2\n  }\n}\n",
            ParseError("main.tf", 4, 5, "invalid HCL: unexpected '?'"),
        ),
        ("locals {\n  a =\n  1\n}\n", ParseError("main.tf", 2, 6, "invalid HCL: unexpected line break")),
        ('locals {\n  a = "x"\n', ParseError("main.tf", 3, 1, "invalid HCL: unexpected end of file")),
    ],
)
def test_syntax_errors_are_reported_by_the_grammar(text: str, error: ParseError) -> None:
    assert read_body(text + "\n") is None
    assert terraform.parse_hcl("main.tf", text) == error


def test_files_the_reader_reads_never_load_lark() -> None:
    """Loading lark and its parser costs about a third of a second per process: a run of ordinary files does
    without it."""
    files = ", ".join(repr(str(p)) for p in TF_FILES[:30])
    code = (
        "import sys\nfrom infra_policy_linter.parsers.terraform import parse_hcl\n"
        f"for p in [{files}]:\n    parse_hcl(p, open(p).read())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('lark', 'hcl2')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


# Valid, odd and broken snippets: where the reader reads one, the grammar must read exactly the same; where the
# grammar rejects one, the reader must step aside (a syntax error is never read past).
SNIPPETS = [
    "a { b { c = 1 } }",
    "a { b = 1 c = 2 }",
    "a = {a = 1 b = 2}",
    "a = [1 2]",
    'a = "x" "y"',
    "a = 1\nb = 2 # c\n/* x */ c = 3",
    "a = {\n  b = 1,\n  c = 2\n}",
    "a = {\n  b = 1\n  ,c = 2\n}",
    "a = [\n 1,\n # c\n 2\n]",
    "a = f(\n 1,\n 2\n)",
    "a = f(1,\n)",
    "a = f(x...)",
    "a = x ? y : z",
    "a = x ?\n y : z",
    "a = !x",
    "a = -x",
    "a = - 1",
    "a = x-1",
    "a = x -1",
    "a = length(x) -1",
    "a = 1.",
    "a = .5",
    "a = 1e5",
    "a = 1E5",
    "a = 0x10",
    'a = "\\q"',
    'a = "a\\"b"',
    'a = "${a}${b}"',
    'a = "%{if x}y%{endif}"',
    "a = x.0",
    "a = x[0].y",
    "a = x.*.y",
    "a = x[*].y",
    "a = x[ 0 ]",
    "a = {for k, v in x : k => v}",
    "a = [for x in y : x if x]",
    "a = {for k, v in x : k => v...}",
    "a = provider::aws::arn_parse(x)",
    "a = (x)",
    "a = ((x))",
    'a = {"k" = 1}',
    'a = {"k": 1}',
    "a = {k: 1}",
    "a = {1 = 2}",
    "a = {a.b = 1}",
    "a = {(a) = 1}",
    'a = {"${a}" = 1}',
    "a = <<EOT\nx\nEOT",
    "a = <<-EOT\n  x\n  EOT",
    "a = <<EOT\nx\n  EOT  ",
    "a = <<EOT\n${x}\nEOT",
    "a = [<<EOT\nx\nEOT\n]",
    'resource "a" "b" {}',
    'resource "a" "b" {\n}',
    "resource a b {}",
    'resource "a" "${b}" {}',
    'resource "a"\n{}',
    "a = true",
    "a = True",
    "a = null",
    "a = nullx",
    "a = true.x",
    "a = string",
    "a = [string, bool]",
    "a = {x = number}",
    "a = b\n",
    "a=1",
    "a =1",
    "a= 1",
    "  a = 1  ",
    "a = 1 }",
    "}",
    "{",
    "a = {",
    'a = "x',
    "a = 1\na = 2",
    "a = 1\na {}",
    "a {}\na = 1",
    "a = x # c",
    "a = x // c",
    "a = x /* c */",
    "a = [\n  x /* c */,\n]",
    'a = "x" # c\n',
    "a = x\n  .y",
    "a = x\n  [0]",
    "a = f\n(1)",
    "a = {\n b = f\n (c) = 1\n}",
    "for_each = x",
    "in = 1",
    "if = 2",
    "a = x.in",
    'a = x["a b"]',
    'a = x["a\\"b"]',
    'a = "${ x }"',
    'a = "${x }y"',
    'a = "${~x~}"',
    "a = x.y-z",
    "a = x - y",
    "a = x.-y",
    "a = x..y",
    "a = 1 + 2 * 3",
    "a = (1 + 2) * 3",
    "a = x == y",
    "a = x => y",
    "a = {a = 1}\n  .a",
    "a = [1, 2][0]",
    'a = "a"[0]',
    "a = café",
    "café = 1",
    "a = ${x}",
    'a = "x\n y"',
    "a = $x",
    "a = \\x",
    "a = \t1",
    "a\t=\t1",
    "a = 1\t# c",
]


@pytest.mark.parametrize("text", SNIPPETS)
def test_a_snippet_is_read_as_the_grammar_reads_it_or_left_to_it(text: str) -> None:
    body = read_body(text + "\n\n")
    if body is None:
        return
    assert first_difference(body, terraform._lark_loads(text + "\n")) is None


def test_heredocs_inside_tuples_and_objects_are_python_hcl2s_text() -> None:
    body = _same_as_grammar('a = [\n  <<-EOT\n    x: 1\n  EOT\n  , "b"\n]\nc = {\n  d = <<EOT\ny\nEOT\n  e = 2\n}\n')
    assert body["a"] == ["x: 1", "b"]
    assert body["c"] == {"d": "y", "e": 2}
    # with an interpolation inside, the whole value is an expression, which the grammar's parse is left to
    assert read_body("a = [<<EOT\n${var.x}\nEOT\n]\n\n") is None
